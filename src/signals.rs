//! Ctrl-C and SIGTERM for the long-running modes, through `signal-hook`:
//! no handler code of ours runs inside a signal handler, and there is no
//! `unsafe` here.
//!
//! [`on_interrupt`] starts one thread that receives SIGINT and SIGTERM and
//! calls a function with the number of signals seen so far, so each front
//! end decides what the first and the second mean (watch and serve: stop
//! cleanly, then exit at once with [`FORCED_EXIT`]; the scheduler: stop with
//! a grace period, then stop runs at once; the REPL: cancel the running
//! evaluation). Child processes start with the default dispositions.

use std::sync::atomic::{AtomicUsize, Ordering};

/// The exit status after a second Ctrl-C (128 + SIGINT, the shell's convention).
pub const FORCED_EXIT: i32 = 130;

/// A signal that asks the process to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interrupt {
    /// SIGINT: Ctrl-C in a terminal.
    Int,
    /// SIGTERM: `kill`, systemd, a container runtime.
    Term,
}

impl Interrupt {
    /// The signal's name, for logs: `SIGINT`, `SIGTERM`.
    pub fn name(self) -> &'static str {
        match self {
            Interrupt::Int => "SIGINT",
            Interrupt::Term => "SIGTERM",
        }
    }
}

/// Starts the thread that calls `f(count, signal)` for every SIGINT and
/// SIGTERM the process receives (`count` is 1 for the first). Fails only
/// when the handlers cannot be registered.
#[cfg(unix)]
pub fn on_interrupt(f: impl Fn(usize, Interrupt) + Send + 'static) -> std::io::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])?;
    let seen = AtomicUsize::new(0);
    std::thread::Builder::new()
        .name("dossier-signals".into())
        .spawn(move || {
            for sig in signals.forever() {
                let n = seen.fetch_add(1, Ordering::SeqCst) + 1;
                f(
                    n,
                    if sig == SIGTERM {
                        Interrupt::Term
                    } else {
                        Interrupt::Int
                    },
                );
            }
        })?;
    Ok(())
}

/// Without Unix signals there is nothing to receive.
#[cfg(not(unix))]
pub fn on_interrupt(f: impl Fn(usize, Interrupt) + Send + 'static) -> std::io::Result<()> {
    let _ = (f, AtomicUsize::new(0), Ordering::SeqCst);
    Ok(())
}

/// The usual pair for a loop: the first signal calls `stop`, a second one
/// exits the process at once with [`FORCED_EXIT`].
pub fn stop_then_exit(stop: impl Fn() + Send + 'static) -> std::io::Result<()> {
    on_interrupt(move |n, _| {
        if n > 1 {
            std::process::exit(FORCED_EXIT);
        }
        stop();
    })
}
