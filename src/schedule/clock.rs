//! Time for the scheduler, behind the [`Clock`] trait so tests can move it.
//!
//! The scheduler works in wall-clock time: it sleeps in short slices and
//! re-reads [`Clock::now`] after each one, so a suspended machine or a clock
//! step is noticed within a slice instead of after one long sleep that
//! stopped counting while the machine was asleep.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};

/// A source of wall-clock time and a way to wait.
pub trait Clock {
    /// The current wall-clock time.
    fn now(&self) -> DateTime<Utc>;
    /// Waits for `d` (a test clock moves itself forward instead).
    fn sleep(&self, d: Duration);
}

impl<C: Clock + ?Sized> Clock for Arc<C> {
    fn now(&self) -> DateTime<Utc> {
        (**self).now()
    }
    fn sleep(&self, d: Duration) {
        (**self).sleep(d)
    }
}

/// The machine's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
    fn sleep(&self, d: Duration) {
        std::thread::sleep(d)
    }
}

/// A clock that stands still until told to move: `sleep` advances it by the
/// time asked for, and tests can set it or jump it (a suspend, a clock step).
#[derive(Debug)]
pub struct TestClock {
    now: Mutex<DateTime<Utc>>,
}

impl TestClock {
    /// A clock showing `start`.
    pub fn new(start: DateTime<Utc>) -> TestClock {
        TestClock {
            now: Mutex::new(start),
        }
    }

    /// Sets the time (forwards or backwards).
    pub fn set(&self, t: DateTime<Utc>) {
        if let Ok(mut n) = self.now.lock() {
            *n = t;
        }
    }

    /// Moves the time forward by `d`.
    pub fn advance(&self, d: Duration) {
        if let Ok(mut n) = self.now.lock() {
            *n += chrono::Duration::from_std(d).unwrap_or(chrono::Duration::zero());
        }
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        self.now.lock().map(|n| *n).unwrap_or_else(|_| Utc::now())
    }
    fn sleep(&self, d: Duration) {
        self.advance(d)
    }
}
