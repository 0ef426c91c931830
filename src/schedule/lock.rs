//! Lock files: one scheduler per project (`.dossier/scheduler.lock`) and one
//! run per job (`.dossier/locks/NAME.lock`), across processes.
//!
//! A lock is an exclusive `flock` on the file, which the kernel releases
//! when the process ends however it ends, so a crash or `kill -9` never
//! leaves a stale lock behind. The holder writes its PID into the file so a
//! refused process can say who holds it. Lock files are never deleted
//! (deleting one while another process waits on it would let two hold it).

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The width of the PID record in a lock file (PIDs have at most 7 digits
/// on Linux, 10 anywhere a `u32` fits).
const PID_WIDTH: usize = 10;

/// A held lock; dropping it releases the lock.
#[derive(Debug)]
pub struct LockFile {
    // Held for its `flock`; closing the file releases it.
    _file: File,
    path: PathBuf,
}

impl LockFile {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Why a lock was not taken.
#[derive(Debug)]
pub enum LockError {
    /// Another process holds it (its PID, when it wrote one).
    Held(Option<u32>),
    /// The file could not be created or locked.
    Io(std::io::Error),
}

impl std::fmt::Display for LockError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LockError::Held(Some(pid)) => write!(f, "held by PID {pid}"),
            LockError::Held(None) => write!(f, "held by another process"),
            LockError::Io(e) => write!(f, "{e}"),
        }
    }
}

/// Takes the lock at `path` without waiting.
pub fn try_lock(path: &Path) -> Result<LockFile, LockError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(LockError::Io)?;
    }
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(LockError::Io)?;
    if !flock_exclusive(&file).map_err(LockError::Io)? {
        let mut text = String::new();
        let _ = file.read_to_string(&mut text);
        return Err(LockError::Held(text.trim().parse().ok()));
    }
    // Ours: record our PID for whoever is refused next. The record has a
    // fixed width and is rewritten in place only when it changes: ext4
    // flushes a file truncated to zero, which cost milliseconds per run.
    let record = format!("{:<PID_WIDTH$}\n", std::process::id());
    let mut current = String::new();
    let _ = file.read_to_string(&mut current);
    if current != record {
        file.seek(SeekFrom::Start(0)).map_err(LockError::Io)?;
        file.write_all(record.as_bytes()).map_err(LockError::Io)?;
        if current.len() > record.len() {
            file.set_len(record.len() as u64).map_err(LockError::Io)?;
        }
        file.flush().map_err(LockError::Io)?;
    }
    Ok(LockFile {
        _file: file,
        path: path.to_path_buf(),
    })
}

/// True when nobody holds the lock at `path` (taking and releasing it).
pub fn is_free(path: &Path) -> bool {
    if !path.exists() {
        return true;
    }
    match OpenOptions::new().read(true).write(true).open(path) {
        Ok(f) => flock_exclusive(&f).unwrap_or(false),
        Err(_) => true,
    }
}

/// Takes an exclusive lock on `file` without waiting (`flock` on Unix).
fn flock_exclusive(file: &File) -> std::io::Result<bool> {
    match file.try_lock() {
        Ok(()) => Ok(true),
        Err(std::fs::TryLockError::WouldBlock) => Ok(false),
        Err(std::fs::TryLockError::Error(e)) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_with_the_pid() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x/scheduler.lock");
        let held = try_lock(&p).unwrap();
        assert!(!is_free(&p));
        // flock locks belong to the open file, so a second open in the same
        // process is refused like another process would be.
        match try_lock(&p) {
            Err(LockError::Held(Some(pid))) => assert_eq!(pid, std::process::id()),
            other => panic!("{other:?}"),
        }
        drop(held);
        assert!(is_free(&p));
        let _again = try_lock(&p).unwrap();
    }
}
