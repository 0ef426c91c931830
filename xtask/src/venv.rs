//! The kernel tests' virtualenv, `.venv/` at the repository root, with the
//! pinned packages of `tests/requirements.txt` from PyPI.
//!
//! One rule, used word for word by `cargo xtask` and by the tests
//! themselves (`tests/cli/python.rs` includes this file), so the two agree:
//! the virtualenv is ready when `.venv/bin/python` exists and
//! `.venv/dossier-requirements.txt` is a copy of `tests/requirements.txt`;
//! otherwise it is made again (`python3 -m venv --clear`, `pip install -r`,
//! then the marker), under the lock file `.venv.lock`, so parallel test
//! runs make it once. Standard library only.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The pinned requirements, relative to the repository root.
pub const REQUIREMENTS: &str = "tests/requirements.txt";

/// The copy of the requirements that marks a finished install.
const MARKER: &str = ".venv/dossier-requirements.txt";

/// The lock file that makes parallel runs wait for one install.
const LOCK: &str = ".venv.lock";

/// The virtualenv's Python.
pub fn python(root: &Path) -> PathBuf {
    root.join(".venv/bin/python")
}

/// The Python that makes the virtualenv: `DOSSIER_PYTHON`, else `python3`.
pub fn base_python() -> String {
    std::env::var("DOSSIER_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Whether `.venv/` holds exactly the pinned packages.
pub fn is_ready(root: &Path) -> bool {
    let Ok(requirements) = std::fs::read_to_string(root.join(REQUIREMENTS)) else {
        return false;
    };
    python(root).is_file()
        && std::fs::read_to_string(root.join(MARKER)).is_ok_and(|m| m == requirements)
}

/// Makes `.venv/` unless it is ready, running each step through `run`
/// (the command and what it does, for messages). True when it made it.
pub fn ensure(
    root: &Path,
    mut run: impl FnMut(&mut Command, &str) -> Result<(), String>,
) -> Result<bool, String> {
    let requirements = std::fs::read_to_string(root.join(REQUIREMENTS))
        .map_err(|e| format!("{REQUIREMENTS}: {e}"))?;
    let lock = File::create(root.join(LOCK)).map_err(|e| format!("{LOCK}: {e}"))?;
    lock.lock().map_err(|e| format!("locking {LOCK}: {e}"))?;
    if is_ready(root) {
        return Ok(false);
    }
    let base = base_python();
    run(
        Command::new(&base)
            .args(["-m", "venv", "--clear"])
            .arg(root.join(".venv")),
        &format!("creating the virtualenv .venv/ with `{base} -m venv`"),
    )?;
    run(
        Command::new(python(root))
            .args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--no-input",
                "-r",
            ])
            .arg(root.join(REQUIREMENTS)),
        &format!(
            "installing {REQUIREMENTS} from PyPI into .venv/ (the kernel tests need \
             jupyter_kernel_test, nbclient and jupyter_client; PyPI must be reachable once)"
        ),
    )?;
    std::fs::write(root.join(MARKER), requirements).map_err(|e| format!("{MARKER}: {e}"))?;
    Ok(true)
}
