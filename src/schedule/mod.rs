//! Scheduled briefings: `[[schedule]]` jobs of dossier.toml rendered by cron
//! in their own time zone, with a run history in SQLite and archived outputs.
//!
//! The pieces, from the pure core outwards:
//!
//! - [`clock`]: the [`clock::Clock`] trait (the real wall clock; a test clock).
//! - [`cron`]: cron parsing, "the next runs after T in zone Z", the catch-up
//!   plan after downtime or a clock step, retry back-off. Pure functions.
//! - [`job`]: `[[schedule]]` entries validated into [`job::JobSpec`]s
//!   (cron, zone, reports, parameters with the scheduled time, policies).
//! - [`history`]: the SQLite run history (`.dossier/history.sqlite`, WAL).
//! - [`lock`]: lock files, one scheduler per project and one run per job.
//! - [`exec`]: the run itself, in a child process: renders the job's reports
//!   into a staging folder through [`crate::pipeline::render_report_to`].
//! - [`runner`]: starts, polls and kills those child processes.
//! - [`publish`]: moves a successful run's staging folder into
//!   `out/archive/NAME/<scheduled time>/` and swaps `out/latest/NAME/`.
//! - [`hooks`]: the `on_success` / `on_failure` commands.
//! - [`scheduler`]: the loop that ties them together (`dossier schedule run`
//!   and `dossier schedule trigger`).
//! - [`signals`]: SIGINT/SIGTERM as a stop flag.
//! - [`export`]: the jobs as crontab lines or systemd timers.

pub mod clock;
pub mod cron;
pub mod exec;
pub mod export;
pub mod history;
pub mod hooks;
pub mod job;
pub mod lock;
pub mod publish;
pub mod runner;
pub mod scheduler;
pub mod signals;

use std::path::{Path, PathBuf};

use crate::config::Config;

/// The folder, under the project root, holding the scheduler's own state.
pub const STATE_DIR: &str = ".dossier";

/// Where a project's scheduler keeps its state and writes its outputs.
#[derive(Debug, Clone)]
pub struct Paths {
    /// The project root.
    pub root: PathBuf,
    /// The output folder (`out/`).
    pub out: PathBuf,
    /// `.dossier/`.
    pub state: PathBuf,
}

impl Paths {
    /// The paths of the project in `config`.
    pub fn new(config: &Config) -> Paths {
        Paths {
            root: config.root.clone(),
            out: config.output_dir.clone(),
            state: config.root.join(STATE_DIR),
        }
    }

    /// `.dossier/history.sqlite`: the run history.
    pub fn history(&self) -> PathBuf {
        self.state.join("history.sqlite")
    }

    /// `.dossier/scheduler.lock`: held by the one scheduler of the project.
    pub fn scheduler_lock(&self) -> PathBuf {
        self.state.join("scheduler.lock")
    }

    /// `.dossier/locks/NAME.lock`: held while a run of job NAME is in progress.
    pub fn job_lock(&self, job: &str) -> PathBuf {
        self.state.join("locks").join(format!("{job}.lock"))
    }

    /// `out/.staging/`: runs render here; the folder is moved into the
    /// archive only when the run succeeded (same file system as the archive,
    /// so the move is a rename).
    pub fn staging_root(&self) -> PathBuf {
        self.out.join(".staging")
    }

    /// The staging folder of one run.
    pub fn staging(&self, job: &str, run_id: i64) -> PathBuf {
        self.staging_root().join(format!("{job}-{run_id}"))
    }

    /// `out/archive/NAME/`.
    pub fn archive(&self, job: &str) -> PathBuf {
        self.out.join("archive").join(job)
    }

    /// `out/latest/NAME/`.
    pub fn latest(&self, job: &str) -> PathBuf {
        self.out.join("latest").join(job)
    }

    /// `path` for people: relative to the project root when inside it.
    pub fn show(&self, path: &Path) -> String {
        crate::config::display_rel(&self.root, path)
    }
}
