//! SIGINT and SIGTERM as a stop request: the first asks the scheduler to
//! stop (runs get a grace period), a second one stops runs at once.
//!
//! Signals arrive through [`crate::signals`] (signal-hook), which counts
//! them into an atomic; the scheduler's loop reads it between slices.

use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::sync::Arc;

use crate::signals::Interrupt;

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
            2 if self.signals => Interrupt::Term.name().into(),
            1 if self.signals => Interrupt::Int.name().into(),
            _ => "a stop request".into(),
        }
    }
}

fn install() {
    let _ = crate::signals::on_interrupt(|_, sig| {
        LAST_SIGNAL.store(
            match sig {
                Interrupt::Int => 1,
                Interrupt::Term => 2,
            },
            Ordering::SeqCst,
        );
        SIGNALS.fetch_add(1, Ordering::SeqCst);
    });
}
