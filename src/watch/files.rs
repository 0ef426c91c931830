//! Which files changed: native notifications on the folders holding the
//! watched files, plus polling where notifications cannot help.
//!
//! Folders are watched, not files: an editor that saves by writing a new
//! file and renaming it over the old one (vim, JetBrains IDEs) replaces the
//! inode, and a watch on the old file would fall silent
//! (notify-rs/notify#531). Files that did not exist when the last run looked
//! for them, in folders that may not exist either, are polled; `--poll`
//! polls everything, for file systems without notifications (network
//! mounts, some containers).
//!
//! This module reports paths; deciding which of them matter (the recorded
//! inputs, minus editor droppings and the output folder) is the loop's job.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use notify::event::{AccessKind, AccessMode};
use notify::{EventKind, RecursiveMode, Watcher};

use crate::diag::Diagnostic;

/// How often polled files are checked. One `stat` per file is cheap, and
/// 300 ms (typst-kit's interval for files that do not exist yet) keeps a
/// polled change within half a second of the save, batching included.
pub const POLL_INTERVAL: Duration = Duration::from_millis(300);

/// What the watcher noticed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// These paths were created, written, renamed or removed. `finished`
    /// when the event ends a write (the file was closed after writing,
    /// renamed into place or removed); a data write or a creation may be
    /// followed by more, and a polled change may be a write in progress.
    Paths { paths: Vec<PathBuf>, finished: bool },
    /// The kernel dropped events (its queue overflowed): anything may have changed.
    Rescan,
}

/// Editor and tool droppings that are never inputs: vim's write test file
/// `4913` and swap files, backups ending in `~`, Emacs lock files `.#name`,
/// and dossier's own temporary files from atomic writes.
pub fn is_ignored_name(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    name == "4913"
        || name.ends_with('~')
        || name.starts_with(".#")
        || name.starts_with(".dossier-tmp-")
        || [".swp", ".swx", ".swo"]
            .iter()
            .any(|ext| name.ends_with(ext))
}

/// What a polled file looked like: absent, or its size, modification time
/// and inode (a rename-over changes the inode even when size and time match).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp(Option<(u64, Option<SystemTime>, u64)>);

impl Stamp {
    fn of(path: &Path) -> Stamp {
        match std::fs::metadata(path) {
            Ok(m) => {
                #[cfg(unix)]
                let ino = std::os::unix::fs::MetadataExt::ino(&m);
                #[cfg(not(unix))]
                let ino = 0;
                Stamp(Some((m.len(), m.modified().ok(), ino)))
            }
            Err(_) => Stamp(None),
        }
    }
}

/// The identity of a watched folder, to notice one deleted and re-created.
fn dir_id(path: &Path) -> Option<u64> {
    let m = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    return Some(std::os::unix::fs::MetadataExt::ino(&m));
    #[cfg(not(unix))]
    return Some(u64::from(m.is_dir()));
}

/// Whether a native event says something about a file's contents or
/// existence. Opening and reading (dossier's own runs read every input)
/// are not changes; closing a file opened for writing is.
fn is_change(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        _ => true,
    }
}

/// Whether a change event ends a write: a close after writing, a rename
/// (an atomic save puts the whole file in place at once), a removal, or a
/// change of metadata (the chmod some editors do after a save). Data
/// writes and creations are followed by more events of the same save.
fn finishes_write(kind: &EventKind) -> bool {
    use notify::event::ModifyKind;
    !matches!(
        kind,
        EventKind::Modify(ModifyKind::Data(_) | ModifyKind::Any | ModifyKind::Other)
            | EventKind::Create(_)
            | EventKind::Any
            | EventKind::Other
    )
}

type Callback = Arc<dyn Fn(Change) + Send + Sync>;

/// Native folder watches (none with `--poll`) plus a polling thread.
pub struct FileWatcher {
    native: Option<notify::RecommendedWatcher>,
    /// Natively watched folders and their inode when the watch was added.
    dirs: BTreeMap<PathBuf, Option<u64>>,
    polled: Arc<Mutex<BTreeMap<PathBuf, Stamp>>>,
    stop: Arc<AtomicBool>,
    files: usize,
}

impl FileWatcher {
    /// A watcher that calls `on_change` from its own threads. With
    /// `poll_only`, no native notifications are used at all.
    pub fn new(
        poll_only: bool,
        on_change: impl Fn(Change) + Send + Sync + 'static,
    ) -> Result<FileWatcher, Diagnostic> {
        let callback: Callback = Arc::new(on_change);
        let native = if poll_only {
            None
        } else {
            let cb = callback.clone();
            let w = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
                let Ok(event) = res else {
                    // An error from the notification backend (a watch
                    // descriptor that went away): check everything again.
                    cb(Change::Rescan);
                    return;
                };
                if event.need_rescan() {
                    cb(Change::Rescan);
                } else if is_change(&event.kind) && !event.paths.is_empty() {
                    cb(Change::Paths {
                        finished: finishes_write(&event.kind),
                        paths: event.paths,
                    });
                }
            })
            .map_err(|e| {
                Diagnostic::error(format!("cannot start watching files: {e}"))
                    .with_kind("io")
                    .with_help("use --poll on file systems without change notifications")
            })?;
            Some(w)
        };
        let polled: Arc<Mutex<BTreeMap<PathBuf, Stamp>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        {
            let polled = polled.clone();
            let stop = stop.clone();
            let cb = callback;
            std::thread::Builder::new()
                .name("dossier-poll".into())
                .spawn(move || poll_loop(&polled, &stop, &*cb))
                .map_err(|e| Diagnostic::error(format!("cannot start the poller: {e}")))?;
        }
        Ok(FileWatcher {
            native,
            dirs: BTreeMap::new(),
            polled,
            stop,
            files: 0,
        })
    }

    /// Watches exactly `existing` (files a run read) and `missing` (files a
    /// run looked for that did not exist). Returns warnings (a folder that
    /// could not be watched natively is polled instead).
    pub fn set(
        &mut self,
        existing: &BTreeSet<PathBuf>,
        missing: &BTreeSet<PathBuf>,
    ) -> Vec<String> {
        let mut warnings = Vec::new();
        self.files = existing.len() + missing.len();
        let mut poll: BTreeSet<PathBuf> = missing.clone();
        if let Some(native) = self.native.as_mut() {
            // Folders to watch: the parent of every file that exists or whose folder exists.
            let mut wanted: BTreeSet<PathBuf> = BTreeSet::new();
            for f in existing.iter().chain(missing.iter()) {
                if let Some(parent) = f.parent() {
                    if parent.is_dir() {
                        wanted.insert(parent.to_path_buf());
                    }
                }
            }
            // Drop watches no longer wanted, and those whose folder was
            // deleted or replaced (a re-created folder needs a new watch).
            let stale: Vec<PathBuf> = self
                .dirs
                .iter()
                .filter(|(d, id)| !wanted.contains(*d) || dir_id(d) != **id)
                .map(|(d, _)| d.clone())
                .collect();
            for d in stale {
                let _ = native.unwatch(&d);
                self.dirs.remove(&d);
            }
            for d in wanted {
                if self.dirs.contains_key(&d) {
                    continue;
                }
                match native.watch(&d, RecursiveMode::NonRecursive) {
                    Ok(()) => {
                        self.dirs.insert(d.clone(), dir_id(&d));
                    }
                    Err(e) => {
                        warnings.push(format!(
                            "cannot watch {} ({e}); polling its files instead",
                            d.display()
                        ));
                        poll.extend(
                            existing
                                .iter()
                                .filter(|f| f.parent() == Some(d.as_path()))
                                .cloned(),
                        );
                    }
                }
            }
        } else {
            poll.extend(existing.iter().cloned());
        }
        if let Ok(mut p) = self.polled.lock() {
            p.retain(|k, _| poll.contains(k));
            for f in poll {
                // A missing file starts as "absent", so one created since the
                // run looked for it is noticed at the first poll.
                let stamp = if missing.contains(&f) {
                    Stamp(None)
                } else {
                    Stamp::of(&f)
                };
                p.entry(f).or_insert(stamp);
            }
        }
        warnings
    }

    /// How many files are watched, in how many natively watched folders, and how many are polled.
    pub fn counts(&self) -> (usize, usize, usize) {
        let polled = self.polled.lock().map(|p| p.len()).unwrap_or(0);
        (self.files, self.dirs.len(), polled)
    }
}

impl Drop for FileWatcher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn poll_loop(
    polled: &Mutex<BTreeMap<PathBuf, Stamp>>,
    stop: &AtomicBool,
    cb: &(dyn Fn(Change) + Send + Sync),
) {
    while !stop.load(Ordering::SeqCst) {
        std::thread::sleep(POLL_INTERVAL);
        let changed: Vec<PathBuf> = match polled.lock() {
            Ok(mut p) => p
                .iter_mut()
                .filter_map(|(path, stamp)| {
                    let now = Stamp::of(path);
                    (now != *stamp).then(|| {
                        *stamp = now;
                        path.clone()
                    })
                })
                .collect(),
            Err(_) => return,
        };
        if !changed.is_empty() && !stop.load(Ordering::SeqCst) {
            // A new size or date may be a write still in progress.
            cb(Change::Paths {
                paths: changed,
                finished: false,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_droppings_are_ignored() {
        for name in [
            "4913",
            "a.csv~",
            ".#a.csv",
            ".a.csv.swp",
            ".x.swx",
            ".dossier-tmp-abc",
        ] {
            assert!(is_ignored_name(Path::new(name)), "{name}");
        }
        for name in ["a.csv", "briefing.rhai", "swp.csv", "49130"] {
            assert!(!is_ignored_name(Path::new(name)), "{name}");
        }
    }

    #[test]
    fn reads_are_not_changes() {
        use notify::event::{CreateKind, ModifyKind, RemoveKind, RenameMode};
        assert!(!is_change(&EventKind::Access(AccessKind::Open(
            AccessMode::Any
        ))));
        assert!(!is_change(&EventKind::Access(AccessKind::Close(
            AccessMode::Read
        ))));
        assert!(is_change(&EventKind::Access(AccessKind::Close(
            AccessMode::Write
        ))));
        assert!(is_change(&EventKind::Create(CreateKind::File)));
        assert!(is_change(&EventKind::Modify(ModifyKind::Name(
            RenameMode::Both
        ))));
        assert!(is_change(&EventKind::Remove(RemoveKind::File)));
    }

    #[test]
    fn a_close_a_rename_or_a_removal_finishes_a_write() {
        use notify::event::{
            CreateKind, DataChange, MetadataKind, ModifyKind, RemoveKind, RenameMode,
        };
        for done in [
            EventKind::Access(AccessKind::Close(AccessMode::Write)),
            EventKind::Modify(ModifyKind::Name(RenameMode::To)),
            EventKind::Modify(ModifyKind::Name(RenameMode::Both)),
            EventKind::Modify(ModifyKind::Metadata(MetadataKind::Permissions)),
            EventKind::Remove(RemoveKind::File),
        ] {
            assert!(finishes_write(&done), "{done:?}");
        }
        for more in [
            EventKind::Modify(ModifyKind::Data(DataChange::Content)),
            EventKind::Modify(ModifyKind::Any),
            EventKind::Create(CreateKind::File),
        ] {
            assert!(!finishes_write(&more), "{more:?}");
        }
    }

    #[test]
    fn polling_notices_creation_rewrite_and_removal() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("late/x.csv");
        let (tx, rx) = std::sync::mpsc::channel();
        let mut w = FileWatcher::new(true, move |c| {
            let _ = tx.send(c);
        })
        .unwrap();
        w.set(&BTreeSet::new(), &BTreeSet::from([file.clone()]));
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, "a\n1\n").unwrap();
        let wait = Duration::from_secs(20);
        assert_eq!(
            rx.recv_timeout(wait).unwrap(),
            Change::Paths {
                paths: vec![file.clone()],
                finished: false
            }
        );
        std::fs::remove_file(&file).unwrap();
        assert_eq!(
            rx.recv_timeout(wait).unwrap(),
            Change::Paths {
                paths: vec![file.clone()],
                finished: false
            }
        );
    }
}
