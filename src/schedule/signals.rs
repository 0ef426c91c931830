//! SIGINT and SIGTERM as a stop request: the first asks the scheduler to
//! stop (runs get a grace period), a second one stops runs at once.
//!
//! The handler only increments an atomic counter (async-signal-safe); the
//! scheduler's loop reads it between slices.

use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::sync::Arc;

static SIGNALS: AtomicUsize = AtomicUsize::new(0);
static LAST_SIGNAL: AtomicI32 = AtomicI32::new(0);

/// A stop request, from signals or from code.
#[derive(Debug, Clone, Default)]
pub struct Stop {
    own: Arc<AtomicUsize>,
    signals: bool,
}

impl Stop {
    /// A stop flag only code can set (tests, embedding).
    pub fn new() -> Stop {
        Stop::default()
    }

    /// A stop flag set by SIGINT and SIGTERM (installs the handlers).
    pub fn from_signals() -> Stop {
        install();
        Stop {
            own: Arc::new(AtomicUsize::new(0)),
            signals: true,
        }
    }

    /// Requests a stop (a second call forces it).
    pub fn request(&self) {
        self.own.fetch_add(1, Ordering::SeqCst);
    }

    fn count(&self) -> usize {
        self.own.load(Ordering::SeqCst)
            + if self.signals {
                SIGNALS.load(Ordering::SeqCst)
            } else {
                0
            }
    }

    /// A stop was requested.
    pub fn requested(&self) -> bool {
        self.count() >= 1
    }

    /// A stop was requested twice: do not wait for runs.
    pub fn forced(&self) -> bool {
        self.count() >= 2
    }

    /// What asked for the stop, for the log.
    pub fn reason(&self) -> String {
        match LAST_SIGNAL.load(Ordering::SeqCst) {
            s if self.signals && s == signal_number("SIGTERM") => "SIGTERM".into(),
            s if self.signals && s == signal_number("SIGINT") => "SIGINT".into(),
            _ => "a stop request".into(),
        }
    }
}

fn signal_number(name: &str) -> i32 {
    #[cfg(unix)]
    {
        match name {
            "SIGTERM" => libc::SIGTERM,
            _ => libc::SIGINT,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = name;
        -1
    }
}

#[cfg(unix)]
extern "C" fn on_signal(sig: libc::c_int) {
    LAST_SIGNAL.store(sig, Ordering::SeqCst);
    SIGNALS.fetch_add(1, Ordering::SeqCst);
}

#[cfg(unix)]
fn install() {
    // SAFETY: the handler only touches atomics, which is async-signal-safe;
    // sigaction is given a zeroed, then filled, struct.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_signal as *const () as usize;
        sa.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut sa.sa_mask);
        libc::sigaction(libc::SIGINT, &sa, std::ptr::null_mut());
        libc::sigaction(libc::SIGTERM, &sa, std::ptr::null_mut());
    }
}

#[cfg(not(unix))]
fn install() {}
