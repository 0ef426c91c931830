//! Starting, watching and stopping runs. The scheduler talks to an
//! [`Executor`]; the real one, [`ProcessExecutor`], runs each attempt as a
//! child process (`dossier schedule exec …`), so a timeout or a stop can
//! always end it (a Polars computation cannot be interrupted from inside),
//! a crash in a run never takes the scheduler down, and the scheduler stays
//! small while idle. Tests plug in an executor that needs no processes.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use chrono::{DateTime, Utc};

use crate::schedule::exec::{read_result, LOG_FILE};

/// One attempt to start.
#[derive(Debug, Clone)]
pub struct RunRequest {
    pub job: String,
    pub run_id: i64,
    pub scheduled: DateTime<Utc>,
    /// The staging folder (exists, empty) the run writes its outputs into.
    pub staging: PathBuf,
    /// The project root (the child's working folder).
    pub root: PathBuf,
}

/// How an attempt ended, as far as the executor can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every report was rendered into the staging folder.
    Succeeded,
    /// The run reported an error (the text is the rendered diagnostic) or
    /// its process ended abnormally.
    Failed(String),
}

/// A started attempt.
pub trait RunHandle {
    /// The outcome once the attempt has ended; `None` while it runs.
    fn poll(&mut self) -> Option<Outcome>;
    /// Ends the attempt now and waits for it to be gone.
    fn kill(&mut self);
}

/// Starts attempts.
pub trait Executor {
    fn start(&mut self, req: &RunRequest) -> Result<Box<dyn RunHandle>, String>;
}

/// Runs attempts as `EXE schedule exec NAME --scheduled-at T --staging DIR`,
/// with stdout and stderr going to `run.log` in the staging folder.
#[derive(Debug, Clone)]
pub struct ProcessExecutor {
    pub exe: PathBuf,
}

impl ProcessExecutor {
    /// An executor running the current executable.
    pub fn current() -> Result<ProcessExecutor, String> {
        std::env::current_exe()
            .map(|exe| ProcessExecutor { exe })
            .map_err(|e| format!("cannot find the dossier executable: {e}"))
    }
}

/// The most of a crashed run's log kept as its error: the end of the log
/// holds the panic or the last message, and a row stays readable.
const LOG_TAIL_BYTES: usize = 4000;

struct ProcessHandle {
    child: Child,
    staging: PathBuf,
    done: Option<Outcome>,
}

impl ProcessHandle {
    fn outcome(&self, status: std::process::ExitStatus) -> Outcome {
        match read_result(&self.staging) {
            Some(r) if r.ok && status.success() => Outcome::Succeeded,
            Some(r) if !r.ok => Outcome::Failed(
                r.error
                    .unwrap_or_else(|| "the run failed without a message".into()),
            ),
            _ => {
                let log = std::fs::read(self.staging.join(LOG_FILE)).unwrap_or_default();
                let tail = &log[log.len().saturating_sub(LOG_TAIL_BYTES)..];
                let tail = String::from_utf8_lossy(tail);
                Outcome::Failed(format!(
                    "the run process ended ({}) without a result{}",
                    describe_status(status),
                    if tail.trim().is_empty() {
                        String::new()
                    } else {
                        format!("; the end of its log:\n{}", tail.trim_end())
                    }
                ))
            }
        }
    }
}

impl RunHandle for ProcessHandle {
    fn poll(&mut self) -> Option<Outcome> {
        if self.done.is_none() {
            match self.child.try_wait() {
                Ok(Some(status)) => self.done = Some(self.outcome(status)),
                Ok(None) => {}
                Err(e) => {
                    self.done = Some(Outcome::Failed(format!(
                        "cannot watch the run process: {e}"
                    )))
                }
            }
        }
        self.done.clone()
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ProcessHandle {
    fn drop(&mut self) {
        // Never leave a run behind: a handle dropped while running kills it.
        if self.done.is_none() {
            if let Ok(None) = self.child.try_wait() {
                self.kill();
            }
        }
    }
}

/// "exit status 1", "killed by signal 9".
pub fn describe_status(status: std::process::ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return format!("killed by signal {sig}");
        }
    }
    match status.code() {
        Some(c) => format!("exit status {c}"),
        None => "no exit status".into(),
    }
}

impl Executor for ProcessExecutor {
    fn start(&mut self, req: &RunRequest) -> Result<Box<dyn RunHandle>, String> {
        let log = std::fs::File::create(req.staging.join(LOG_FILE))
            .map_err(|e| format!("cannot create the run log: {e}"))?;
        let log2 = log
            .try_clone()
            .map_err(|e| format!("cannot create the run log: {e}"))?;
        let mut cmd = Command::new(&self.exe);
        cmd.arg("schedule")
            .arg("exec")
            .arg(&req.job)
            .arg("--scheduled-at")
            .arg(req.scheduled.to_rfc3339())
            .arg("--staging")
            .arg(&req.staging)
            .current_dir(&req.root)
            .env("DOSSIER_RUN_ID", req.run_id.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log2));
        isolate(&mut cmd);
        let child = cmd
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", self.exe.display()))?;
        Ok(Box::new(ProcessHandle {
            child,
            staging: req.staging.clone(),
            done: None,
        }))
    }
}

/// Puts a child in its own process group, so a Ctrl-C in the terminal
/// reaches only the scheduler, which then decides (wait, then stop the
/// run); and, on Linux, has the kernel kill it if the scheduler dies, so a
/// killed scheduler leaves no orphan run behind.
pub fn isolate(cmd: &mut Command) {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        let parent = std::process::id();
        // SAFETY: prctl, getppid and _exit are async-signal-safe system
        // calls; nothing is allocated between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                // The parent died before the prctl took effect.
                if libc::getppid() as u32 != parent {
                    libc::_exit(1);
                }
                Ok(())
            });
        }
    }
}
