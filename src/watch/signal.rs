//! Ctrl-C (and SIGTERM) for the long-running modes: the first one asks the
//! loop to stop cleanly (finish or cancel the run in progress, close the
//! server); a second one exits at once.
//!
//! The signals are blocked in every thread and received by one thread with
//! `sigwait`, so no code runs inside a signal handler. [`Interrupts::block`]
//! must be called before any other thread starts (threads inherit the
//! mask); child processes get a clean mask from the standard library.

/// The exit status after a second Ctrl-C (128 + SIGINT, the shell's convention).
pub const FORCED_EXIT: i32 = 130;

/// SIGINT and SIGTERM, blocked and waiting to be handled.
pub struct Interrupts {
    #[cfg(unix)]
    set: libc::sigset_t,
}

impl Interrupts {
    /// Blocks SIGINT and SIGTERM in the calling thread and in every thread it
    /// starts afterwards. Call it first thing, before other threads exist.
    pub fn block() -> Interrupts {
        #[cfg(unix)]
        {
            // SAFETY: sigset_t is plain data, initialised by sigemptyset
            // before use; pthread_sigmask only changes this thread's mask.
            unsafe {
                let mut set: libc::sigset_t = std::mem::zeroed();
                libc::sigemptyset(&mut set);
                libc::sigaddset(&mut set, libc::SIGINT);
                libc::sigaddset(&mut set, libc::SIGTERM);
                libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
                Interrupts { set }
            }
        }
        #[cfg(not(unix))]
        Interrupts {}
    }

    /// Starts the thread that calls `on_interrupt` on the first signal and
    /// exits the process with [`FORCED_EXIT`] on the second.
    pub fn spawn(self, on_interrupt: impl Fn() + Send + 'static) {
        #[cfg(unix)]
        {
            let set = self.set;
            let _ = std::thread::Builder::new()
                .name("dossier-signals".into())
                .spawn(move || {
                    let mut seen = 0;
                    loop {
                        let mut sig: libc::c_int = 0;
                        // SAFETY: `set` is an initialised signal set; `sig` is a valid out-pointer.
                        let r = unsafe { libc::sigwait(&set, &mut sig) };
                        if r != 0 {
                            continue;
                        }
                        seen += 1;
                        if seen > 1 {
                            std::process::exit(FORCED_EXIT);
                        }
                        on_interrupt();
                    }
                });
        }
        #[cfg(not(unix))]
        let _ = on_interrupt;
    }
}
