//! Batching of file-system events: a burst of events (an editor's save is
//! often four or five: a temp file, a rename, a chmod, a close) becomes one
//! rebuild, started [`QUIET`] after the last event, and never later than
//! [`MAX_WAIT`] after the first, so a file that keeps changing (a log, a
//! download in progress) still gets rebuilds.

use std::time::{Duration, Instant};

/// How long the file system must stay quiet before a rebuild starts. Editors
/// finish a save (write, rename, chmod) within a few milliseconds; 100 ms
/// covers slow disks and network mounts while staying below what a person
/// notices (the same value as typst-kit's watcher). 30 ms was tried for
/// issue 12 (save to HTML p50 ≤ 100 ms): on a loaded machine one save then
/// became two rebuilds (tests/cli/watch.rs caught it), so it stays 100 ms.
pub const QUIET: Duration = Duration::from_millis(100);

/// The longest a rebuild waits after the first event of a burst, even if
/// events keep coming (typst-kit's cap): a file written continuously is
/// rebuilt at least twice a second instead of never.
pub const MAX_WAIT: Duration = Duration::from_millis(500);

/// The events of one burst: when it began and when it last grew.
#[derive(Debug, Default, Clone, Copy)]
pub struct Batch {
    first: Option<Instant>,
    last: Option<Instant>,
}

impl Batch {
    /// Records an event at `now`.
    pub fn event(&mut self, now: Instant) {
        self.first.get_or_insert(now);
        self.last = Some(now);
    }

    /// When the burst is over: [`QUIET`] after the last event, at most
    /// [`MAX_WAIT`] after the first. `None` when there were no events.
    pub fn deadline(&self) -> Option<Instant> {
        match (self.first, self.last) {
            (Some(first), Some(last)) => Some((last + QUIET).min(first + MAX_WAIT)),
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

    #[test]
    fn waits_for_quiet_after_the_last_event() {
        let t0 = Instant::now();
        let mut b = Batch::default();
        assert!(b.ready(t0), "no events: ready at once");
        b.event(t0);
        assert!(!b.ready(t0 + QUIET / 2));
        b.event(t0 + QUIET * 3 / 5);
        assert!(!b.ready(t0 + QUIET * 6 / 5));
        assert!(b.ready(t0 + QUIET * 8 / 5));
    }

    #[test]
    fn never_waits_longer_than_the_cap() {
        let t0 = Instant::now();
        let mut b = Batch::default();
        for ms in (0..2000).step_by(50) {
            b.event(t0 + Duration::from_millis(ms));
        }
        assert_eq!(b.deadline(), Some(t0 + MAX_WAIT));
        b.clear();
        assert!(b.deadline().is_none());
    }
}
