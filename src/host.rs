//! The host: the engine's only door to the file system.
//!
//! Every file a script, a module, a template or a data loader touches goes
//! through [`Host`]. It enforces the sandbox (read only under the project
//! root and the roots `dossier.toml` allows; write only under the output
//! folder; `../`, symlinks out and absolute paths elsewhere are refused) and
//! records every file a run read, and every file it looked for that did not
//! exist, which is exactly the list watch mode has to watch.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::config::{normalize, Config};
use crate::diag::Diagnostic;

/// One recorded access.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    /// A file that was read (absolute path).
    Read(PathBuf),
    /// A file that was looked for and did not exist (absolute path).
    Missing(PathBuf),
}

/// Sandboxed, recording file access for one run.
#[derive(Debug)]
pub struct Host {
    root: PathBuf,
    read_roots: Vec<PathBuf>,
    output_dir: PathBuf,
    accesses: Mutex<BTreeSet<Access>>,
    sources: Mutex<BTreeMap<PathBuf, Arc<str>>>,
}

impl Host {
    /// A host for the project described by `config`.
    pub fn new(config: &Config) -> Host {
        let mut read_roots = vec![config.root.clone()];
        for dir in config.allow_read.iter().chain(config.data_dirs.iter()) {
            let canon = dir.canonicalize().unwrap_or_else(|_| dir.clone());
            if !read_roots.iter().any(|r| canon.starts_with(r)) {
                read_roots.push(canon);
            }
        }
        Host {
            root: config.root.clone(),
            read_roots,
            output_dir: config.output_dir.clone(),
            accesses: Mutex::new(BTreeSet::new()),
            sources: Mutex::new(BTreeMap::new()),
        }
    }

    /// The project root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The output folder.
    pub fn output_dir(&self) -> &Path {
        &self.output_dir
    }

    /// `path` as shown to the user: relative to the root when inside it.
    pub fn show(&self, path: &Path) -> String {
        crate::config::display_rel(&self.root, path)
    }

    /// Every file read and every file looked for, in path order.
    pub fn accesses(&self) -> Vec<Access> {
        self.accesses
            .lock()
            .map(|a| a.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Just the files that were read.
    pub fn files_read(&self) -> Vec<PathBuf> {
        self.accesses()
            .into_iter()
            .filter_map(|a| match a {
                Access::Read(p) => Some(p),
                Access::Missing(_) => None,
            })
            .collect()
    }

    /// Forgets what was recorded (a new run on the same host).
    pub fn reset(&self) {
        if let Ok(mut a) = self.accesses.lock() {
            a.clear();
        }
        if let Ok(mut s) = self.sources.lock() {
            s.clear();
        }
    }

    /// Forgets the files recorded, keeping the source texts (a new notebook
    /// cell in the same session: its errors may still show earlier cells).
    pub fn reset_accesses(&self) {
        if let Ok(mut a) = self.accesses.lock() {
            a.clear();
        }
    }

    fn record(&self, access: Access) {
        if let Ok(mut a) = self.accesses.lock() {
            a.insert(access);
        }
    }

    /// Resolves a path a script wants to read. Relative paths are taken from
    /// the project root. The result is canonical (symlinks resolved) and
    /// inside a readable root, or an error that says why not.
    pub fn resolve_read(&self, path: &str) -> Result<PathBuf, Diagnostic> {
        self.resolve_read_from(path, &self.root)
    }

    /// Like [`Host::resolve_read`], with relative paths taken from `base`.
    pub fn resolve_read_from(&self, path: &str, base: &Path) -> Result<PathBuf, Diagnostic> {
        if path.is_empty() {
            return Err(Diagnostic::error("empty file path").with_kind("io"));
        }
        let p = Path::new(path);
        let joined = if p.is_absolute() {
            p.to_path_buf()
        } else {
            base.join(p)
        };
        let lexical = normalize(&joined);
        if !self.readable(&lexical) {
            return Err(self.refuse_read(path, &lexical));
        }
        match lexical.canonicalize() {
            Ok(canon) => {
                if !self.readable(&canon) {
                    return Err(link_outside(path, &canon));
                }
                if canon.is_dir() {
                    return Err(
                        Diagnostic::error(format!("`{path}` is a folder, not a file"))
                            .with_kind("io"),
                    );
                }
                Ok(canon)
            }
            Err(_) => {
                self.record(Access::Missing(lexical.clone()));
                let mut d = Diagnostic::error(format!("file not found: {}", self.show(&lexical)))
                    .with_kind("io");
                if let Some(parent) = lexical.parent() {
                    if let Some(name) = lexical.file_name().and_then(|n| n.to_str()) {
                        let siblings: Vec<String> = std::fs::read_dir(parent)
                            .map(|rd| {
                                rd.flatten()
                                    .filter_map(|e| e.file_name().to_str().map(str::to_string))
                                    .collect()
                            })
                            .unwrap_or_default();
                        if let Some(s) =
                            crate::diag::did_you_mean(name, siblings.iter().map(String::as_str))
                        {
                            d = d.with_help(format!(
                                "did you mean `{}`?",
                                self.show(&parent.join(s))
                            ));
                        }
                    }
                }
                Err(d)
            }
        }
    }

    fn readable(&self, p: &Path) -> bool {
        self.read_roots.iter().any(|r| p.starts_with(r))
    }

    fn refuse_read(&self, asked: &str, resolved: &Path) -> Diagnostic {
        Diagnostic::error(format!(
            "cannot read `{asked}`: {} is outside the project root",
            resolved.display()
        ))
        .with_kind("sandbox")
        .with_help("scripts may read only under the project root and the folders listed in paths.allow_read in dossier.toml")
    }

    /// Resolves and records a file that a data reader (Polars) will read.
    pub fn open_for_scan(&self, path: &str) -> Result<PathBuf, Diagnostic> {
        let p = self.resolve_read(path)?;
        self.record(Access::Read(p.clone()));
        Ok(p)
    }

    /// Resolves what a data reader (Polars) will scan: one file; a glob
    /// pattern such as `data/big/year=*/*.parquet`; or a folder, read
    /// recursively (a hive-partitioned dataset such as `data/big/`). Every
    /// file is checked against the sandbox and recorded as read, so watch
    /// mode rebuilds when one changes. Hidden files (`.name`) are skipped,
    /// as are empty files (as Polars skips them) and, in folders, `_name`
    /// entries (markers such as `_SUCCESS`). The files come sorted by path;
    /// matching nothing is an error that says what the folder holds.
    pub fn open_many_for_scan(&self, path: &str) -> Result<Vec<PathBuf>, Diagnostic> {
        if path.is_empty() {
            return Err(Diagnostic::error("empty file path").with_kind("io"));
        }
        let joined = self.root.join(path);
        let lexical = normalize(&joined);
        let is_glob = path.contains(GLOB_CHARS);
        if !is_glob && !lexical.is_dir() {
            return Ok(vec![self.open_for_scan(path)?]);
        }
        // The folder before the first wildcard must itself be readable.
        let base: PathBuf = lexical
            .components()
            .take_while(|c| !c.as_os_str().to_string_lossy().contains(GLOB_CHARS))
            .collect();
        if !self.readable(&base) {
            return Err(self.refuse_read(path, &lexical));
        }
        let mut found: Vec<PathBuf> = Vec::new();
        if is_glob {
            let pattern = lexical.to_string_lossy();
            let matches = glob::glob(&pattern).map_err(|e| {
                Diagnostic::error(format!("invalid glob pattern `{path}`: {}", e.msg))
                    .with_kind("io")
                    .with_help("`*` matches within one folder name, `**` any number of folders, `?` one character, `[ab]` one of the characters")
            })?;
            found.extend(
                matches
                    .flatten()
                    .filter(|p| p.is_file() && !hidden(p, false)),
            );
        } else {
            walk_files(&lexical, &mut found);
        }
        found.retain(|p| p.metadata().is_ok_and(|m| m.len() > 0));
        found.sort();
        if found.is_empty() {
            return Err(self.nothing_matches(path, &base, is_glob));
        }
        let mut files = Vec::with_capacity(found.len());
        for p in found {
            let canon = p.canonicalize().unwrap_or_else(|_| p.clone());
            if !self.readable(&canon) {
                return Err(link_outside(&self.show(&p), &canon));
            }
            self.record(Access::Read(canon.clone()));
            files.push(canon);
        }
        Ok(files)
    }

    /// The error for a glob or folder with no data file in it.
    fn nothing_matches(&self, asked: &str, base: &Path, is_glob: bool) -> Diagnostic {
        let what = if is_glob {
            format!("no file matches `{asked}`")
        } else {
            format!("the folder `{asked}` holds no data file")
        };
        let d = Diagnostic::error(what).with_kind("io");
        match std::fs::read_dir(base) {
            Ok(rd) => {
                let mut names: Vec<String> = rd
                    .flatten()
                    .filter_map(|e| {
                        let name = e.file_name().to_string_lossy().into_owned();
                        let dir = e.path().is_dir();
                        (!name.starts_with('.'))
                            .then(|| if dir { format!("{name}/") } else { name })
                    })
                    .collect();
                names.sort();
                let shown: Vec<String> = names.iter().take(MAX_LISTED).cloned().collect();
                let more = names.len().saturating_sub(MAX_LISTED);
                d.with_note(format!(
                    "{}/ holds: {}{}",
                    self.show(base),
                    if shown.is_empty() { "nothing".to_string() } else { shown.join(", ") },
                    if more > 0 { format!(" and {more} more") } else { String::new() }
                ))
                .with_help("paths are taken from the project root; `*` matches within one folder name, `**` any number of folders")
            }
            Err(_) => d.with_note(format!("the folder {} does not exist", self.show(base))),
        }
    }

    /// Reads a text file through the sandbox and records it.
    pub fn read_to_string(&self, path: &str) -> Result<(PathBuf, String), Diagnostic> {
        self.read_to_string_from(path, &self.root)
    }

    /// Reads a text file (relative to `base`) through the sandbox and records it.
    pub fn read_to_string_from(
        &self,
        path: &str,
        base: &Path,
    ) -> Result<(PathBuf, String), Diagnostic> {
        let p = self.resolve_read_from(path, base)?;
        let text = std::fs::read_to_string(&p).map_err(|e| {
            Diagnostic::error(format!("cannot read {}: {e}", self.show(&p))).with_kind("io")
        })?;
        self.record(Access::Read(p.clone()));
        Ok((p, text))
    }

    /// Reads a script or module source, records it, and keeps its text for diagnostics.
    pub fn read_source(&self, path: &str, base: &Path) -> Result<(PathBuf, Arc<str>), Diagnostic> {
        let (p, text) = self.read_to_string_from(path, base)?;
        let text: Arc<str> = text.into();
        if let Ok(mut s) = self.sources.lock() {
            s.insert(p.clone(), text.clone());
        }
        Ok((p, text))
    }

    /// Registers source text that did not come from a file (REPL input, cells).
    pub fn add_source(&self, name: &Path, text: Arc<str>) {
        if let Ok(mut s) = self.sources.lock() {
            s.insert(name.to_path_buf(), text);
        }
    }

    /// The text of a source read during this run, by absolute path or display name.
    pub fn source(&self, path: &Path) -> Option<Arc<str>> {
        let s = self.sources.lock().ok()?;
        s.get(path)
            .cloned()
            .or_else(|| s.get(&self.root.join(path)).cloned())
    }

    /// Resolves a path a script wants to write: relative paths are taken from
    /// the project root and must land inside the output folder.
    pub fn resolve_write(&self, path: &str) -> Result<PathBuf, Diagnostic> {
        if path.is_empty() {
            return Err(Diagnostic::error("empty file path").with_kind("io"));
        }
        let p = Path::new(path);
        let joined = if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.root.join(p)
        };
        let lexical = normalize(&joined);
        let out = &self.output_dir;
        let refuse = || {
            Diagnostic::error(format!(
                "cannot write `{path}`: scripts may write only inside the output folder {}/",
                self.show(out)
            ))
            .with_kind("sandbox")
            .with_help(format!(
                "write to a path such as \"{}/result.csv\"",
                self.show(out)
            ))
        };
        if !lexical.starts_with(out) || lexical == *out {
            return Err(refuse());
        }
        // Follow links on the part that exists: a symlink inside out/ must not lead elsewhere.
        std::fs::create_dir_all(out).map_err(|e| {
            Diagnostic::error(format!("cannot create {}: {e}", self.show(out))).with_kind("io")
        })?;
        let out_canon = out.canonicalize().unwrap_or_else(|_| out.clone());
        let mut existing = lexical.clone();
        while !existing.exists() {
            if !existing.pop() {
                break;
            }
        }
        let canon = existing.canonicalize().unwrap_or(existing);
        if !canon.starts_with(&out_canon) {
            return Err(refuse());
        }
        if lexical.is_dir() {
            return Err(
                Diagnostic::error(format!("cannot write `{path}`: it is a folder")).with_kind("io"),
            );
        }
        Ok(lexical)
    }

    /// Writes `bytes` to `path` (inside the output folder) atomically: a
    /// temporary file in the same folder, then a rename over the target.
    pub fn write_atomic(&self, path: &str, bytes: &[u8]) -> Result<PathBuf, Diagnostic> {
        let target = self.resolve_write(path)?;
        self.write_with(&target, |f| f.write_all(bytes))?;
        Ok(target)
    }

    /// Writes a resolved target through a writer that needs a path rather
    /// than an open file (Polars' streaming sinks): `write` gets a temporary
    /// path in the target's folder; on success the file is synced and
    /// renamed over the target, on failure removed, so no partial file is
    /// ever left under the target's name.
    pub fn write_via_path(
        &self,
        target: &Path,
        write: impl FnOnce(&Path) -> std::io::Result<()>,
    ) -> Result<(), Diagnostic> {
        atomic_write_path(target, write).map_err(|e| {
            Diagnostic::error(format!("cannot write {}: {e}", self.show(target))).with_kind("io")
        })
    }

    /// Writes a resolved target through `write` into a temp file, then renames it into place.
    pub fn write_with(
        &self,
        target: &Path,
        write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
    ) -> Result<(), Diagnostic> {
        atomic_write(target, write).map_err(|e| {
            Diagnostic::error(format!("cannot write {}: {e}", self.show(target))).with_kind("io")
        })
    }
}

/// The error for a path inside the project that links to a file outside it.
fn link_outside(asked: &str, canon: &Path) -> Diagnostic {
    Diagnostic::error(format!(
        "cannot read `{asked}`: it is a link to {}, outside the project",
        canon.display()
    ))
    .with_kind("sandbox")
    .with_help("scripts may read only under the project root and the folders listed in paths.allow_read in dossier.toml")
}

/// Characters that make a scan path a glob pattern.
const GLOB_CHARS: &[char] = &['*', '?', '['];

/// How many entries of a folder an error message lists.
const MAX_LISTED: usize = 12;

/// Whether a file or folder name marks something to skip in a data folder:
/// hidden (`.name`, such as a sink's temporary file) and, for folder scans,
/// `_name` (markers such as `_SUCCESS`).
fn hidden(p: &Path, underscore: bool) -> bool {
    p.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.') || (underscore && n.starts_with('_')))
}

/// Every file under `dir`, recursively, skipping hidden entries.
fn walk_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in rd.flatten() {
        let p = entry.path();
        if hidden(&p, true) {
            continue;
        }
        if p.is_dir() {
            walk_files(&p, out);
        } else if p.is_file() {
            out.push(p);
        }
    }
}

/// A hidden temporary file in `dir`, to be renamed over an output. It is
/// created with the mode a new file gets (0666 less the umask, so 0644
/// usually), not the 0600 of a private temporary file: the output it
/// becomes must stay readable by whoever serves or shares the folder.
fn temp_file_in(dir: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".dossier-tmp-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder.tempfile_in(dir)
}

/// [`atomic_write`] for writers that take a path: `write` fills a temporary
/// file in the target's folder (created empty, removed on failure); it is
/// then synced and renamed over the target.
pub fn atomic_write_path(
    target: &Path,
    write: impl FnOnce(&Path) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = target.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = temp_file_in(dir)?;
    write(tmp.path())?;
    std::fs::File::open(tmp.path())?.sync_all()?;
    tmp.persist(target).map_err(|e| e.error)?;
    Ok(())
}

/// Writes a file atomically: temp file in the target's folder, fsync, rename.
/// On any error the previous file (if any) is left untouched.
pub fn atomic_write(
    target: &Path,
    write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = target.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = temp_file_in(dir)?;
    write(tmp.as_file_mut())?;
    tmp.as_file_mut().flush()?;
    tmp.as_file().sync_all()?;
    tmp.persist(target).map_err(|e| e.error)?;
    Ok(())
}
