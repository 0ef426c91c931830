//! Publishing a successful run: its staging folder becomes
//! `out/archive/NAME/<scheduled time>/`, and `out/latest/NAME/` is replaced
//! by a copy of it, atomically.
//!
//! How each step stays atomic:
//!
//! 1. The run rendered into `out/.staging/NAME-ID/` (each file written by
//!    the host's atomic write). One `rename` moves the whole folder into
//!    the archive: the archive entry appears complete or not at all.
//! 2. The new `latest` is assembled beside it (`out/.staging/latest-…`,
//!    files copied from the archive and synced), then exchanged with the
//!    old `out/latest/NAME/` in one `renameat2(RENAME_EXCHANGE)` on Linux:
//!    a reader sees the old folder or the new one, never a mix or nothing.
//!    The old folder, now at the temporary name, is then deleted. Where the
//!    exchange is not available (another OS, a file system without it) the
//!    old folder is renamed aside and the new one renamed in, which leaves
//!    a moment without `latest` but never a half-written one.
//!
//! A failed run is never published: its staging folder is deleted.

use std::path::{Path, PathBuf};

use chrono::DateTime;
use chrono_tz::Tz;

use crate::schedule::exec::RESULT_FILE;
use crate::schedule::Paths;

/// What a publication produced.
#[derive(Debug, Clone)]
pub struct Published {
    /// The archive folder.
    pub archive: PathBuf,
    /// The report outputs in the archive (absolute).
    pub files: Vec<PathBuf>,
    /// `out/latest/NAME/`.
    pub latest: PathBuf,
}

/// The archive folder name for an occurrence: its local time with the
/// offset, in ISO 8601 basic time (`2026-11-29T070000+0500`): sortable,
/// unambiguous in a repeated daylight-saving hour, and free of `:` (which
/// tar, scp and some file systems treat specially).
pub fn folder_name(scheduled: DateTime<Tz>) -> String {
    scheduled.format("%Y-%m-%dT%H%M%S%z").to_string()
}

/// Moves `staging` into the archive and swaps it in as `latest`.
/// `outputs` are the report files inside `staging` (relative).
pub fn publish(
    paths: &Paths,
    job: &str,
    run_id: i64,
    scheduled: DateTime<Tz>,
    staging: &Path,
    outputs: &[String],
) -> std::io::Result<Published> {
    let _ = std::fs::remove_file(staging.join(RESULT_FILE));
    let archive_root = paths.archive(job);
    std::fs::create_dir_all(&archive_root)?;
    let name = folder_name(scheduled);
    let mut archive = archive_root.join(&name);
    if archive.exists() {
        // A second successful run for the same time (a manual trigger in the
        // same second): keep both.
        archive = archive_root.join(format!("{name}-run{run_id}"));
    }
    std::fs::rename(staging, &archive)?;
    sync_dir(&archive_root);

    let latest = paths.latest(job);
    let latest_parent = latest.parent().unwrap_or(&paths.out).to_path_buf();
    std::fs::create_dir_all(&latest_parent)?;
    let fresh = paths.staging_root().join(format!("latest-{job}-{run_id}"));
    if fresh.exists() {
        std::fs::remove_dir_all(&fresh)?;
    }
    copy_tree(&archive, &fresh)?;
    sync_dir(&fresh);
    if latest.exists() {
        match exchange(&fresh, &latest) {
            Ok(()) => {
                // `fresh` now holds the previous latest.
                std::fs::remove_dir_all(&fresh)?;
            }
            Err(_) => {
                let old = paths
                    .staging_root()
                    .join(format!("old-latest-{job}-{run_id}"));
                std::fs::rename(&latest, &old)?;
                std::fs::rename(&fresh, &latest)?;
                std::fs::remove_dir_all(&old)?;
            }
        }
    } else {
        std::fs::rename(&fresh, &latest)?;
    }
    sync_dir(&latest_parent);
    let files = outputs.iter().map(|f| archive.join(f)).collect();
    Ok(Published {
        archive,
        files,
        latest,
    })
}

/// Removes staging folders of `job` left by runs that were cut short.
/// Call only while holding the job's lock.
pub fn clean_staging(paths: &Paths, job: &str) {
    let Ok(rd) = std::fs::read_dir(paths.staging_root()) else {
        return;
    };
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let ours = [
            format!("{job}-"),
            format!("latest-{job}-"),
            format!("old-latest-{job}-"),
        ];
        if ours.iter().any(|p| {
            name.strip_prefix(p.as_str())
                .is_some_and(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()))
        }) {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// Exchanges two directories atomically.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let ca = CString::new(a.as_os_str().as_bytes())?;
    let cb = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: two valid NUL-terminated paths; AT_FDCWD is ignored for
    // absolute paths.
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_a: &Path, _b: &Path) -> std::io::Result<()> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "atomic exchange is Linux-only",
    ))
}

/// Copies a folder tree, syncing each file.
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        let dst = to.join(e.file_name());
        if e.file_type()?.is_dir() {
            copy_tree(&e.path(), &dst)?;
        } else {
            std::fs::copy(e.path(), &dst)?;
            std::fs::File::open(&dst)?.sync_all()?;
        }
    }
    Ok(())
}

/// Makes a folder's entries durable (best effort; not every OS allows it).
fn sync_dir(dir: &Path) {
    if let Ok(f) = std::fs::File::open(dir) {
        let _ = f.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(root: &Path) -> Paths {
        Paths {
            root: root.to_path_buf(),
            out: root.join("out"),
            state: root.join(".dossier"),
        }
    }

    #[test]
    fn archives_and_swaps_latest() {
        let dir = tempfile::tempdir().unwrap();
        let p = paths(dir.path());
        let tz: Tz = "Asia/Almaty".parse().unwrap();
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&tz);
        for (id, when, text) in [
            (1, "2026-11-28T07:00:00+05:00", "monday"),
            (2, "2026-11-29T07:00:00+05:00", "tuesday"),
        ] {
            let staging = p.staging("morning", id);
            std::fs::create_dir_all(&staging).unwrap();
            std::fs::write(staging.join("brief.html"), text).unwrap();
            std::fs::write(staging.join(RESULT_FILE), "{}").unwrap();
            let pubd = publish(
                &p,
                "morning",
                id,
                at(when),
                &staging,
                &["brief.html".into()],
            )
            .unwrap();
            assert!(!staging.exists());
            assert_eq!(std::fs::read_to_string(&pubd.files[0]).unwrap(), text);
        }
        let a1 = p
            .archive("morning")
            .join("2026-11-28T070000+0500/brief.html");
        let a2 = p
            .archive("morning")
            .join("2026-11-29T070000+0500/brief.html");
        assert_eq!(std::fs::read_to_string(a1).unwrap(), "monday");
        assert_eq!(std::fs::read_to_string(a2).unwrap(), "tuesday");
        assert!(!p
            .archive("morning")
            .join("2026-11-29T070000+0500")
            .join(RESULT_FILE)
            .exists());
        assert_eq!(
            std::fs::read_to_string(p.latest("morning").join("brief.html")).unwrap(),
            "tuesday"
        );
        // Nothing left in staging.
        assert_eq!(std::fs::read_dir(p.staging_root()).unwrap().count(), 0);
    }
}
