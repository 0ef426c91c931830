//! The `on_success` / `on_failure` commands of a job, run when a run has
//! ended for good (after its last retry), with the run's details in
//! environment variables:
//!
//! | variable | value |
//! |---|---|
//! | `DOSSIER_JOB` | the schedule's name |
//! | `DOSSIER_RUN_ID` | the run's id in the history |
//! | `DOSSIER_STATUS` | `succeeded`, `failed` or `timed_out` |
//! | `DOSSIER_TRIGGER` | `schedule`, `catch-up` or `manual` |
//! | `DOSSIER_ATTEMPT`, `DOSSIER_MAX_ATTEMPTS` | this attempt (1 = first) and 1 + `retries` |
//! | `DOSSIER_SCHEDULED_AT` | the occurrence in the job's zone (RFC 3339) |
//! | `DOSSIER_SCHEDULED_AT_UTC` | the same in UTC |
//! | `DOSSIER_TIMEZONE` | the job's zone |
//! | `DOSSIER_STARTED_AT`, `DOSSIER_ENDED_AT` | UTC, milliseconds |
//! | `DOSSIER_DURATION_MS` | the run's duration |
//! | `DOSSIER_ERROR` | the error (empty on success) |
//! | `DOSSIER_OUTPUTS` | the archived output files, absolute, one per line |
//! | `DOSSIER_ARCHIVE`, `DOSSIER_LATEST` | the run's archive folder and `out/latest/NAME` (empty on failure) |
//! | `DOSSIER_PROJECT`, `DOSSIER_HISTORY` | the project root and the history database |
//!
//! A string runs through `sh -c` in the project root; an array runs the
//! program directly. A hook's output goes to the scheduler's output; its
//! exit status is recorded in the run's `hook` column. A hook that runs
//! longer than [`HOOK_TIMEOUT`] is killed.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::schedule::job::HookCommand;

/// How long a hook may run: a notification or an upload takes seconds; a
/// hook that hangs must not pile up behind the next runs.
pub const HOOK_TIMEOUT: Duration = Duration::from_secs(60);

/// A hook that was started.
pub struct HookRun {
    /// The run it reports on.
    pub run_id: i64,
    /// `on_success` or `on_failure`.
    pub which: &'static str,
    pub child: Child,
    pub started: Instant,
}

/// Starts `cmd` with `env`, in `root`.
pub fn spawn(cmd: &HookCommand, env: &[(String, String)], root: &Path) -> std::io::Result<Child> {
    let mut c = match cmd {
        HookCommand::Shell(s) => {
            let mut c = Command::new("sh");
            c.arg("-c").arg(s);
            c
        }
        HookCommand::Argv(v) => {
            let mut c = Command::new(&v[0]);
            c.args(&v[1..]);
            c
        }
    };
    c.current_dir(root)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Its own process group: a Ctrl-C meant for the scheduler does not
        // cut a notification short.
        c.process_group(0);
    }
    c.spawn()
}
