//! Batching of file-system events: a burst of events (an editor's save is
//! often four or five: a temp file, a rename, a chmod, a close) becomes one
//! rebuild. The rebuild starts [`SETTLE`] after the last event when every
//! file written in the burst has been closed (or renamed into place), and
//! [`QUIET`] after it while a write may still be going on (a data write
//! not yet closed, a polled change); never later than [`MAX_WAIT`] after
//! the first event, so a file that keeps changing (a log, a download in
//! progress) still gets rebuilds.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long to wait after the last event when every write of the burst
/// is finished: the other events of the same save (a chmod after a
/// rename, the second file of a `git checkout`) arrive within a few
/// milliseconds. This is most of the time from a save to the updated
/// page when nothing is left open (issue 12: p50 ≤ 100 ms).
pub const SETTLE: Duration = Duration::from_millis(15);

/// How long the file system must stay quiet while a write may still be in
/// progress (data written but the file not closed yet, or a change seen by
/// polling): 100 ms covers slow disks and network mounts while staying
/// below what a person notices (typst-kit's watcher waits as long for
/// every event).
pub const QUIET: Duration = Duration::from_millis(100);

/// The longest a rebuild waits after the first event of a burst, even if
/// events keep coming (typst-kit's cap): a file written continuously is
/// rebuilt at least twice a second instead of never.
pub const MAX_WAIT: Duration = Duration::from_millis(500);

/// The events of one burst: when it began and when it last grew, and the
/// files whose writes have not been seen to finish.
#[derive(Debug, Default, Clone)]
pub struct Batch {
    first: Option<Instant>,
    last: Option<Instant>,
    unfinished: BTreeSet<PathBuf>,
    /// Events were lost (a rescan): wait the full quiet period.
    unsure: bool,
}

impl Batch {
    /// Records an event at `now` about `paths`; `finished` when it ends
    /// their writes (see `files::Change::Paths`).
    pub fn event(&mut self, now: Instant, paths: &[PathBuf], finished: bool) {
        self.first.get_or_insert(now);
        self.last = Some(now);
        for p in paths {
            if finished {
                self.unfinished.remove(p);
            } else {
                self.unfinished.insert(p.clone());
            }
        }
    }

    /// Records that events were lost: anything may be half-written.
    pub fn rescan(&mut self, now: Instant) {
        self.event(now, &[], false);
        self.unsure = true;
    }

    /// Whether `path` has a write in progress as far as the events tell.
    pub fn is_unfinished(&self, path: &Path) -> bool {
        self.unfinished.contains(path)
    }

    /// When the burst is over: [`SETTLE`] after the last event when every
    /// write is finished, [`QUIET`] after it otherwise, at most
    /// [`MAX_WAIT`] after the first. `None` when there were no events.
    pub fn deadline(&self) -> Option<Instant> {
        let wait = if self.unfinished.is_empty() && !self.unsure {
            SETTLE
        } else {
            QUIET
        };
        match (self.first, self.last) {
            (Some(first), Some(last)) => Some((last + wait).min(first + MAX_WAIT)),
            _ => None,
        }
    }

    /// Whether a rebuild may start at `now` (always, when there were no events).
    pub fn ready(&self, now: Instant) -> bool {
        self.deadline().is_none_or(|d| now >= d)
    }

    /// Forgets the burst (a rebuild has started).
    pub fn clear(&mut self) {
        *self = Batch::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a() -> Vec<PathBuf> {
        vec![PathBuf::from("/p/data/a.csv")]
    }

    #[test]
    fn waits_for_quiet_after_the_last_event_while_a_write_is_open() {
        let t0 = Instant::now();
        let mut b = Batch::default();
        assert!(b.ready(t0), "no events: ready at once");
        b.event(t0, &a(), false);
        assert!(b.is_unfinished(&a()[0]));
        assert!(!b.ready(t0 + QUIET / 2));
        b.event(t0 + QUIET * 3 / 5, &a(), false);
        assert!(!b.ready(t0 + QUIET * 6 / 5));
        assert!(b.ready(t0 + QUIET * 8 / 5));
    }

    #[test]
    fn settles_quickly_once_every_write_is_closed() {
        let t0 = Instant::now();
        let b_csv = vec![PathBuf::from("/p/data/b.csv")];
        let mut b = Batch::default();
        // A save: data written, then the file closed.
        b.event(t0, &a(), false);
        b.event(t0 + Duration::from_millis(1), &a(), true);
        assert!(!b.is_unfinished(&a()[0]));
        assert_eq!(b.deadline(), Some(t0 + Duration::from_millis(1) + SETTLE));
        // Another file still open keeps the long wait.
        b.event(t0 + Duration::from_millis(2), &b_csv, false);
        assert_eq!(b.deadline(), Some(t0 + Duration::from_millis(2) + QUIET));
        b.event(t0 + Duration::from_millis(3), &b_csv, true);
        assert_eq!(b.deadline(), Some(t0 + Duration::from_millis(3) + SETTLE));
        // Lost events: the long wait, whatever was closed.
        b.rescan(t0 + Duration::from_millis(4));
        assert_eq!(b.deadline(), Some(t0 + Duration::from_millis(4) + QUIET));
        b.clear();
        assert!(b.deadline().is_none() && !b.is_unfinished(&a()[0]));
    }

    #[test]
    fn never_waits_longer_than_the_cap() {
        let t0 = Instant::now();
        let mut b = Batch::default();
        for ms in (0..2000).step_by(50) {
            b.event(t0 + Duration::from_millis(ms), &a(), false);
        }
        assert_eq!(b.deadline(), Some(t0 + MAX_WAIT));
        b.clear();
        assert!(b.deadline().is_none());
    }
}
