//! Parsed tables shared by the runs of one process.
//!
//! `dossier render` runs each report on its own thread, and the two bundled
//! briefings read the same nine data files: without sharing, every file is
//! parsed once per report. A parsed table is shared under its path, the
//! schema it was parsed with and the file's stamp (length, modification
//! time, device and inode). When two runs ask at once, one parses and the
//! other waits for its table.
//!
//! A file modified less than [`RACY_WINDOW`] before it is looked at is not
//! shared: a second same-length write within the file system's clock tick
//! would leave its stamp unchanged (git's "racy clean" case). Watch mode,
//! the scheduler and the kernel therefore always see what is on disk: a
//! file just saved is parsed by every run until it has been left alone for
//! two seconds, and a later change gives it a newer stamp. Each run still
//! reads its files through the host, which records them (watch mode,
//! provenance); only the parse is shared.

use std::collections::HashMap;
use std::fs::Metadata;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use polars::prelude::{DataFrame, SchemaRef};

/// Files modified more recently than this are parsed by each run.
pub const RACY_WINDOW: Duration = Duration::from_secs(2);

/// The shared tables are dropped, all at once, when the files behind them
/// would exceed this many bytes (long-running modes with many datasets).
pub const MAX_BYTES: u64 = 64 * 1024 * 1024;

/// What identifies one version of a file on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: SystemTime,
    dev: u64,
    ino: u64,
}

impl Stamp {
    /// The stamp of a file with this metadata, or `None` when it has no
    /// modification time or was modified within [`RACY_WINDOW`] of `now`
    /// (or in the future).
    fn of(meta: &Metadata, now: SystemTime) -> Option<Stamp> {
        let modified = meta.modified().ok()?;
        let age = now.duration_since(modified).ok()?;
        if age < RACY_WINDOW {
            return None;
        }
        #[cfg(unix)]
        let (dev, ino) = {
            use std::os::unix::fs::MetadataExt;
            (meta.dev(), meta.ino())
        };
        #[cfg(not(unix))]
        let (dev, ino) = (0, 0);
        Some(Stamp {
            len: meta.len(),
            modified,
            dev,
            ino,
        })
    }
}

struct Entry {
    stamp: Stamp,
    schema: SchemaRef,
    /// `None` when the file failed to parse (the caller then falls back to
    /// a lazy scan, whose `collect()` names the bad row and column).
    table: OnceLock<Option<DataFrame>>,
}

#[derive(Default)]
struct Tables {
    entries: HashMap<PathBuf, Arc<Entry>>,
    bytes: u64,
}

static TABLES: LazyLock<Mutex<Tables>> = LazyLock::new(Default::default);

/// The table parsed from `path` (whose metadata, read before the parse, is
/// `meta`) with `schema`: shared with the other runs of this process when
/// the file is unchanged since one of them parsed it, otherwise `parse()`d
/// here (and shared from now on, unless the file was modified within
/// [`RACY_WINDOW`]).
pub fn table(
    path: &Path,
    meta: &Metadata,
    schema: &SchemaRef,
    parse: impl FnOnce() -> Option<DataFrame>,
) -> Option<DataFrame> {
    let Some(stamp) = Stamp::of(meta, SystemTime::now()) else {
        return parse();
    };
    let entry = {
        let Ok(mut tables) = TABLES.lock() else {
            return parse();
        };
        match tables.entries.get(path) {
            Some(e) if e.stamp == stamp && e.schema == *schema => e.clone(),
            _ => {
                if tables.bytes.saturating_add(stamp.len) > MAX_BYTES {
                    tables.entries.clear();
                    tables.bytes = 0;
                }
                let e = Arc::new(Entry {
                    stamp: stamp.clone(),
                    schema: schema.clone(),
                    table: OnceLock::new(),
                });
                tables.bytes += stamp.len;
                if let Some(old) = tables.entries.insert(path.to_path_buf(), e.clone()) {
                    tables.bytes = tables.bytes.saturating_sub(old.stamp.len);
                }
                e
            }
        }
    };
    entry.table.get_or_init(parse).clone()
}

/// The table shared for `path` in this version, if one was parsed, without
/// parsing it (tests of what was parsed ahead).
#[cfg(test)]
pub fn parsed(path: &Path, meta: &Metadata, schema: &SchemaRef) -> Option<DataFrame> {
    let stamp = Stamp::of(meta, SystemTime::now())?;
    let tables = TABLES.lock().ok()?;
    let e = tables.entries.get(path)?;
    if e.stamp == stamp && e.schema == *schema {
        e.table.get().cloned().flatten()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn schema() -> SchemaRef {
        Arc::new(Schema::from_iter([Field::new("a".into(), DataType::Int64)]))
    }

    fn frame(v: i64) -> Option<DataFrame> {
        Some(df!("a" => [v]).unwrap())
    }

    /// Writes `text` to `path`, last modified `secs` seconds ago (0: now).
    fn write(path: &Path, text: &str, secs: u64) {
        std::fs::write(path, text).unwrap();
        if secs > 0 {
            let f = std::fs::File::options().write(true).open(path).unwrap();
            f.set_modified(SystemTime::now() - std::time::Duration::from_secs(secs))
                .unwrap();
        }
    }

    /// [`table`] as `scan_for_run` calls it: the metadata read first.
    fn read(
        path: &Path,
        schema: &SchemaRef,
        parse: impl FnOnce() -> Option<DataFrame>,
    ) -> Option<DataFrame> {
        table(path, &std::fs::metadata(path).unwrap(), schema, parse)
    }

    #[test]
    fn an_unchanged_file_is_parsed_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        write(&path, "a\n1\n", 60);
        let parses = AtomicUsize::new(0);
        let parse = || {
            parses.fetch_add(1, Ordering::SeqCst);
            frame(1)
        };
        let a = read(&path, &schema(), parse).unwrap();
        let b = read(&path, &schema(), parse).unwrap();
        assert_eq!(parses.load(Ordering::SeqCst), 1);
        assert!(a.equals(&b));
        // Another schema is another table.
        let other = Arc::new(Schema::from_iter([Field::new(
            "a".into(),
            DataType::Float64,
        )]));
        read(&path, &other, parse);
        assert_eq!(parses.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn a_changed_or_recent_file_is_parsed_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        write(&path, "a\n1\n", 60);
        assert!(read(&path, &schema(), || frame(1))
            .unwrap()
            .equals(&frame(1).unwrap()));
        // Same length, older time: a new stamp.
        write(&path, "a\n2\n", 30);
        assert!(read(&path, &schema(), || frame(2))
            .unwrap()
            .equals(&frame(2).unwrap()));
        // Just written: never shared, so each run parses it.
        write(&path, "a\n3\n", 0);
        assert!(read(&path, &schema(), || frame(3))
            .unwrap()
            .equals(&frame(3).unwrap()));
        assert!(read(&path, &schema(), || frame(4))
            .unwrap()
            .equals(&frame(4).unwrap()));
    }
}
