//! Runs a script's cells in order in one session, and the cell cache.
//!
//! Each code cell runs with [`Session::eval_cell`], so variables and
//! functions carry over, and its output is captured (prints, `display`, the
//! last expression's value, an error with its position inside the cell).
//!
//! The cache, under `.dossier/cache/notebook/`, keys every cell by its
//! source and the sources of the cells before it, the parameters, and the
//! SHA-256 of every file the cells read (and the absence of every file they
//! looked for). A run reuses the results of the unchanged cells before the
//! first changed one: it restores the variables those cells left (a
//! [`snapshot`]) and defines their functions, then
//! runs the rest. The cache is dossier's own state: it is read and written
//! here, outside the script sandbox, always atomically.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::cells::{parse, Cell, CellKind};
use super::output::{push_merged, Bundle, Capture, CellError, CellPosition, Output};
use crate::config::{Config, Params};
use crate::diag::Diagnostic;
use crate::host::{atomic_write, Access};
use crate::script::{snapshot, Session};

/// The cache folder, under the project root.
pub const CACHE_DIR: &str = ".dossier/cache/notebook";

/// Bumped when the cache layout or key changes, so old entries are ignored.
const CACHE_VERSION: u64 = 1;

/// Hex digits of the script path's hash in its cache folder's name (the
/// file stem comes first; 64 bits keep two scripts with one stem apart).
const DIR_HASH_DIGITS: usize = 16;

/// Hex digits of a cell key in its snapshot folder's name (96 bits: no
/// collision between the few snapshots one script keeps).
const SNAPSHOT_KEY_DIGITS: usize = 24;

/// What happened to a cell in this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellStatus {
    /// Ran in this run.
    Ran,
    /// Its results came from the cache.
    Cached,
    /// Not run: an earlier cell failed.
    NotRun,
    /// A markdown cell (nothing to run).
    Markdown,
}

/// One cell and what it produced.
#[derive(Debug, Clone)]
pub struct CellResult {
    pub cell: Cell,
    /// For code cells: 1, 2, … in order.
    pub execution_count: Option<usize>,
    pub outputs: Vec<Output>,
    pub status: CellStatus,
    pub duration: Duration,
}

/// A run of a notebook.
#[derive(Debug)]
pub struct NotebookRun {
    /// The script as shown to the user (relative to the project root).
    pub script: String,
    pub cells: Vec<CellResult>,
    /// The first failing cell (index into `cells`) and its diagnostic.
    pub error: Option<(usize, Diagnostic)>,
    pub params: Params,
    pub duration: Duration,
}

impl NotebookRun {
    /// Numbers (1-based, over all cells) of the code cells with `status`.
    pub fn numbers(&self, status: CellStatus) -> Vec<usize> {
        self.cells
            .iter()
            .enumerate()
            .filter(|(_, c)| c.status == status)
            .map(|(i, _)| i + 1)
            .collect()
    }

    /// "ran cells 3, 4; reused cells 1, 2 from the cache".
    pub fn summary(&self) -> String {
        let list = |v: Vec<usize>| {
            v.iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut parts = Vec::new();
        let ran = self.numbers(CellStatus::Ran);
        let cached = self.numbers(CellStatus::Cached);
        let not_run = self.numbers(CellStatus::NotRun);
        parts.push(if ran.is_empty() {
            "ran no cells".to_string()
        } else {
            format!("ran cell(s) {}", list(ran))
        });
        if !cached.is_empty() {
            parts.push(format!("reused cell(s) {} from the cache", list(cached)));
        }
        if !not_run.is_empty() {
            parts.push(format!("did not run cell(s) {}", list(not_run)));
        }
        parts.join("; ")
    }
}

/// How to run.
#[derive(Debug, Clone, Copy)]
pub struct RunOptions {
    /// Use and update the cell cache.
    pub cache: bool,
}

/// Runs the cells of `script` for the project in `config` with `params`
/// (over the defaults in dossier.toml). A failing cell ends the run; it is
/// reported in [`NotebookRun::error`], and the cells after it are not run.
pub fn run_notebook(
    config: Arc<Config>,
    script: &Path,
    params: &Params,
    options: RunOptions,
) -> Result<NotebookRun, Diagnostic> {
    let started = Instant::now();
    let params = config.params_with(params);
    let capture = Capture::new();
    let mut session = Session::new(config.clone(), &params, capture.sink());
    session.set_display(Some(capture.display()));
    let cwd = std::env::current_dir().unwrap_or_else(|_| config.root.clone());
    let (abs, text) = session
        .host()
        .read_source(&script.to_string_lossy(), &cwd)?;
    let display = session.host().show(&abs);
    let cells = parse(&text);

    let keys = cell_keys(&display, &params, &cells);
    let cache = options.cache.then(|| Cache::open(&config.root, &display));
    let old = cache.as_ref().and_then(Cache::load).unwrap_or_default();

    // The longest prefix of unchanged cells, then the furthest point in it
    // from which the state can be restored.
    let mut valid = 0;
    while valid < cells.len()
        && valid < old.len()
        && old[valid].key == keys[valid]
        && reads_unchanged(&old[valid].reads)
    {
        valid += 1;
    }
    let mut resume = 0;
    for r in (0..=valid).rev() {
        match cells[..r].iter().rposition(|c| c.kind == CellKind::Code) {
            None => {
                resume = r;
                break;
            }
            Some(last) if old[last].snapshot.is_some() => {
                resume = r;
                break;
            }
            Some(_) => {}
        }
    }
    if resume > 0 {
        if let (Some(cache), Some(last)) = (
            &cache,
            cells[..resume]
                .iter()
                .rposition(|c| c.kind == CellKind::Code),
        ) {
            let restored = old[last]
                .snapshot
                .as_deref()
                .and_then(|dir| cache.restore(dir).ok());
            match restored {
                Some(vars) => {
                    for (name, value) in vars {
                        session.set_variable(&name, value);
                    }
                    for (i, c) in cells[..=last].iter().enumerate() {
                        if c.kind == CellKind::Code {
                            session.define_functions(&cell_name(&display, i), &c.source)?;
                        }
                    }
                }
                None => resume = 0,
            }
        }
    }

    let mut results = Vec::new();
    let mut entries: Vec<Entry> = Vec::new();
    let mut error = None;
    let mut count = 0;
    for (i, cell) in cells.iter().enumerate() {
        let is_code = cell.kind == CellKind::Code;
        if is_code {
            count += 1;
        }
        let mut result = CellResult {
            cell: cell.clone(),
            execution_count: is_code.then_some(count),
            outputs: Vec::new(),
            status: if is_code {
                CellStatus::NotRun
            } else {
                CellStatus::Markdown
            },
            duration: Duration::ZERO,
        };
        if i < resume {
            result.outputs = old[i].outputs.clone();
            if is_code {
                result.status = CellStatus::Cached;
            }
            entries.push(old[i].clone());
        } else if !is_code {
            entries.push(Entry {
                key: keys[i].clone(),
                ..Entry::default()
            });
        } else if error.is_none() {
            let cell_started = Instant::now();
            let collected: Arc<Mutex<Vec<Output>>> = Arc::default();
            let sink = collected.clone();
            capture.set(Some(Arc::new(move |o| {
                if let Ok(mut v) = sink.lock() {
                    push_merged(&mut v, o);
                }
            })));
            let name = cell_name(&display, i);
            let outcome = session.eval_cell(&name, &cell.source);
            capture.set(None);
            let mut outputs = collected.lock().map(|v| v.clone()).unwrap_or_default();
            result.status = CellStatus::Ran;
            match outcome {
                Ok(v) => {
                    if !v.is_unit() {
                        outputs.push(Output::Result(Bundle::of(&v)));
                    }
                    let reads = hash_accesses(&session.host().accesses());
                    let snapshot_dir = cache.as_ref().and_then(|c| {
                        snapshot::save(&session.scope_values())
                            .and_then(|s| c.store(&keys[i], &s).ok())
                    });
                    entries.push(Entry {
                        key: keys[i].clone(),
                        outputs: outputs.clone(),
                        reads,
                        snapshot: snapshot_dir,
                    });
                }
                Err(d) => {
                    let position = locate(&d, &display, &cells);
                    let d = match position {
                        Some(p) => d.with_note(format!(
                            "line {} of cell {} is {display}:{}:{}",
                            p.line, p.cell, p.script_line, p.col
                        )),
                        None => d,
                    };
                    let mut e = CellError::from_diagnostic(&d);
                    e.position = position;
                    outputs.push(Output::Error(e));
                    error = Some((i, d));
                }
            }
            result.outputs = outputs;
            result.duration = cell_started.elapsed();
        }
        results.push(result);
    }
    if let Some(cache) = &cache {
        let keep = match &error {
            Some((i, _)) => entries.len().min(*i),
            None => entries.len(),
        };
        entries.truncate(keep);
        cache.save(&entries);
    }
    Ok(NotebookRun {
        script: display,
        cells: results,
        error,
        params,
        duration: started.elapsed(),
    })
}

/// The name a cell's code runs under (diagnostics show it).
pub fn cell_name(script: &str, index: usize) -> String {
    format!("{script} [cell {}]", index + 1)
}

/// Where an error is in the notebook: the cell its span names (the failing
/// cell, or the cell that defined the function it failed in).
fn locate(d: &Diagnostic, script: &str, cells: &[Cell]) -> Option<CellPosition> {
    let span = d.span.as_ref()?;
    let file = span.file.to_string_lossy();
    let n: usize = file
        .strip_prefix(script)?
        .strip_prefix(" [cell ")?
        .strip_suffix(']')?
        .parse()
        .ok()?;
    let cell = cells.get(n.checked_sub(1)?)?;
    Some(CellPosition {
        cell: n,
        line: span.line,
        col: span.col,
        script_line: cell.line + span.line - 1,
    })
}

/// Keys: each cell's covers its source, every cell before it, the script,
/// the parameters and the dossier version.
fn cell_keys(script: &str, params: &Params, cells: &[Cell]) -> Vec<String> {
    let mut h = Sha256::new();
    h.update(format!(
        "dossier notebook cache {CACHE_VERSION} {}\n",
        crate::VERSION
    ));
    h.update(script.as_bytes());
    let mut sorted: Vec<_> = params.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    for (k, v) in sorted {
        h.update(format!("\nparam {k}={v:?}"));
    }
    let mut prev = hex::encode(h.finalize());
    cells
        .iter()
        .map(|c| {
            let mut h = Sha256::new();
            h.update(prev.as_bytes());
            h.update(match c.kind {
                CellKind::Code => b"code\n" as &[u8],
                CellKind::Markdown => b"markdown\n",
            });
            h.update(c.source.as_bytes());
            prev = hex::encode(h.finalize());
            prev.clone()
        })
        .collect()
}

/// A file a cell read (with its SHA-256) or looked for (`None`: missing).
type Read = (PathBuf, Option<String>);

fn file_hash(path: &Path) -> Option<String> {
    std::fs::read(path)
        .ok()
        .map(|b| hex::encode(Sha256::digest(&b)))
}

fn hash_accesses(accesses: &[Access]) -> Vec<Read> {
    accesses
        .iter()
        .map(|a| match a {
            Access::Read(p) => (p.clone(), file_hash(p)),
            Access::Missing(p) => (p.clone(), None),
        })
        .collect()
}

fn reads_unchanged(reads: &[Read]) -> bool {
    reads.iter().all(|(p, h)| match h {
        Some(h) => file_hash(p).as_ref() == Some(h),
        None => !p.exists(),
    })
}

/// One cached cell.
#[derive(Debug, Clone, Default)]
struct Entry {
    key: String,
    outputs: Vec<Output>,
    reads: Vec<Read>,
    /// The snapshot folder (under the cache) of the state after this cell.
    snapshot: Option<String>,
}

/// The cache folder of one script.
struct Cache {
    dir: PathBuf,
}

impl Cache {
    fn open(root: &Path, script: &str) -> Cache {
        let stem: String = Path::new(script)
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default()
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { '_' })
            .collect();
        let hash = hex::encode(Sha256::digest(script.as_bytes()));
        Cache {
            dir: root
                .join(CACHE_DIR)
                .join(format!("{stem}-{}", &hash[..DIR_HASH_DIGITS])),
        }
    }

    fn manifest(&self) -> PathBuf {
        self.dir.join("cells.json")
    }

    fn load(&self) -> Option<Vec<Entry>> {
        let v: Value = serde_json::from_slice(&std::fs::read(self.manifest()).ok()?).ok()?;
        if v.get("version")?.as_u64()? != CACHE_VERSION {
            return None;
        }
        v.get("cells")?
            .as_array()?
            .iter()
            .map(|c| {
                Some(Entry {
                    key: c.get("key")?.as_str()?.to_string(),
                    outputs: c
                        .get("outputs")?
                        .as_array()?
                        .iter()
                        .filter_map(Output::from_nbformat)
                        .collect(),
                    reads: c
                        .get("reads")?
                        .as_array()?
                        .iter()
                        .map(|r| {
                            Some((
                                PathBuf::from(r.get(0)?.as_str()?),
                                r.get(1)?.as_str().map(str::to_string),
                            ))
                        })
                        .collect::<Option<Vec<_>>>()?,
                    snapshot: c
                        .get("snapshot")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                })
            })
            .collect()
    }

    /// Writes the manifest, then removes snapshots it no longer names.
    fn save(&self, entries: &[Entry]) {
        let cells: Vec<Value> = entries
            .iter()
            .map(|e| {
                json!({
                    "key": e.key,
                    "outputs": e.outputs.iter().map(|o| o.to_nbformat(None)).collect::<Vec<_>>(),
                    "reads": e.reads.iter().map(|(p, h)| json!([p.display().to_string(), h])).collect::<Vec<_>>(),
                    "snapshot": e.snapshot,
                })
            })
            .collect();
        let doc = json!({ "version": CACHE_VERSION, "dossier": crate::VERSION, "cells": cells });
        let bytes = serde_json::to_vec_pretty(&doc).unwrap_or_default();
        if atomic_write(&self.manifest(), |f| std::io::Write::write_all(f, &bytes)).is_err() {
            return;
        }
        let keep: Vec<&str> = entries
            .iter()
            .filter_map(|e| e.snapshot.as_deref())
            .collect();
        if let Ok(rd) = std::fs::read_dir(&self.dir) {
            for e in rd.flatten() {
                let name = e.file_name().to_string_lossy().to_string();
                if name.starts_with("snap-") && !keep.contains(&name.as_str()) {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
    }

    /// Stores the state after a cell; returns the snapshot folder's name.
    fn store(&self, key: &str, snap: &snapshot::Snapshot) -> std::io::Result<String> {
        let name = format!("snap-{}", &key[..SNAPSHOT_KEY_DIGITS.min(key.len())]);
        let dir = self.dir.join(&name);
        for (file, bytes) in &snap.files {
            atomic_write(&dir.join(file), |f| std::io::Write::write_all(f, bytes))?;
        }
        // The manifest last: a snapshot without one is never used.
        atomic_write(&dir.join("vars.json"), |f| {
            std::io::Write::write_all(f, &snap.manifest)
        })?;
        Ok(name)
    }

    fn restore(&self, name: &str) -> Result<Vec<(String, rhai::Dynamic)>, String> {
        let dir = self.dir.join(name);
        let manifest = std::fs::read(dir.join("vars.json")).map_err(|e| e.to_string())?;
        snapshot::load(&manifest, &|file| std::fs::read(dir.join(file)).ok())
    }
}
