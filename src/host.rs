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
                    return Err(Diagnostic::error(format!(
                        "cannot read `{path}`: it is a link to {}, outside the project",
                        canon.display()
                    ))
                    .with_kind("sandbox")
                    .with_help("scripts may read only under the project root and the folders listed in paths.allow_read in dossier.toml"));
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

/// Writes a file atomically: temp file in the target's folder, fsync, rename.
/// On any error the previous file (if any) is left untouched.
pub fn atomic_write(
    target: &Path,
    write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = target.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".dossier-tmp-")
        .tempfile_in(dir)?;
    write(tmp.as_file_mut())?;
    tmp.as_file_mut().flush()?;
    tmp.as_file().sync_all()?;
    tmp.persist(target).map_err(|e| e.error)?;
    Ok(())
}
