//! The Python side of the kernel tests: a virtualenv at `.venv/` in the
//! repository, created once (under a file lock, so parallel tests and
//! parallel `cargo test` runs share it) with the pinned packages of
//! `tests/requirements.txt` from PyPI, and a runner for Python scripts with
//! a deadline that kills what it started.
//!
//! If PyPI cannot be reached the tests FAIL with a message saying so: the
//! kernel is tested by the Jupyter project's own suite, never skipped.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::harness::repo;

/// How long creating the virtualenv and installing the packages may take
/// (a cold pip install of ~40 wheels over a slow link).
const VENV_DEADLINE: Duration = Duration::from_secs(20 * 60);

/// How often a waiting test looks at its child process.
const POLL: Duration = Duration::from_millis(100);

/// The virtualenv rule `cargo xtask` uses too (when `.venv/` is ready, how
/// it is made), from the one file that defines it.
#[path = "../../xtask/src/venv.rs"]
mod venv;

/// The virtualenv's Python, creating the virtualenv first if needed.
pub fn python() -> PathBuf {
    static VENV: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    VENV.get_or_init(|| {
        let root = repo();
        venv::ensure(&root, run_checked).map_err(|e| format!("FAILED: {e}"))?;
        Ok(venv::python(&root))
    })
    .clone()
    .unwrap_or_else(|e| panic!("{e}"))
}

fn run_checked(cmd: &mut Command, what: &str) -> Result<(), String> {
    let out = tempfile::tempdir().map_err(|e| e.to_string())?;
    let r = run_with_deadline(cmd, out.path(), VENV_DEADLINE);
    if r.code == 0 {
        Ok(())
    } else {
        Err(format!(
            "{what}: exit {}\n{}\n{}",
            r.code,
            tail(&r.stdout),
            tail(&r.stderr)
        ))
    }
}

fn tail(s: &str) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

/// What a child process printed, and its exit code (-1: killed at the deadline).
pub struct Finished {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Kills the child when dropped (a failing or timed-out test leaves nothing behind).
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Runs `cmd` with output to files in `dir` (no pipe can fill up), polling
/// until it ends or the deadline passes.
pub fn run_with_deadline(cmd: &mut Command, dir: &Path, deadline: Duration) -> Finished {
    let out = dir.join("stdout.txt");
    let err = dir.join("stderr.txt");
    let child = cmd
        .stdin(Stdio::null())
        .stdout(File::create(&out).unwrap())
        .stderr(File::create(&err).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let mut guard = Guard(child);
    let started = Instant::now();
    let code = loop {
        if let Some(status) = guard.0.try_wait().unwrap() {
            break status.code().unwrap_or(-1);
        }
        if started.elapsed() > deadline {
            break -1;
        }
        std::thread::sleep(POLL);
    };
    drop(guard);
    Finished {
        code,
        stdout: std::fs::read_to_string(out).unwrap_or_default(),
        stderr: std::fs::read_to_string(err).unwrap_or_default(),
    }
}
