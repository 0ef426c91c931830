//! Looking at the real machine: which programs are on `PATH`, who we run
//! as, whether Python can make the kernel tests' virtualenv. Read-only.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::plan::{Machine, Missing, CHROMIUM, POPPLER, PYTHON_VENV};
use crate::venv;

/// The oldest Python the pinned kernel-test packages install on (IPython 9).
const PYTHON_MIN: (u32, u32) = (3, 11);

/// Exit status of the probe script when Python is older than [`PYTHON_MIN`].
const TOO_OLD: i32 = 3;

/// Everything the planner needs to know about this machine, or an error
/// no package install can fix (a Python too old).
pub fn machine(root: &Path) -> Result<Machine, String> {
    let mut missing = Vec::new();
    for package in [POPPLER, CHROMIUM] {
        let absent: Vec<&str> = package
            .programs
            .iter()
            .copied()
            .filter(|p| find_program(p).is_none())
            .collect();
        if !absent.is_empty() {
            missing.push(Missing {
                what: absent.join(", "),
                package,
            });
        }
    }
    if !venv::is_ready(root) {
        if let Some(what) = python_lacks()? {
            missing.push(Missing {
                what,
                package: PYTHON_VENV,
            });
        }
    }
    Ok(Machine {
        missing,
        root: is_root(),
        sudo: find_program("sudo").is_some(),
        apt: find_program("apt-get").is_some(),
    })
}

/// The first executable file called `name` in a `PATH` folder.
pub fn find_program(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|f| {
            f.metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// What Python lacks for `python -m venv` (None: nothing); an error when it
/// is too old to install the pinned packages.
fn python_lacks() -> Result<Option<String>, String> {
    let python = venv::base_python();
    let script = format!(
        "import sys, venv, ensurepip\n\
         sys.exit(0 if sys.version_info >= {PYTHON_MIN:?} else {TOO_OLD})"
    );
    let status = Command::new(&python)
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    match status {
        Err(_) => Ok(Some(python)),
        Ok(s) if s.success() => Ok(None),
        Ok(s) if s.code() == Some(TOO_OLD) => Err(format!(
            "error: the kernel tests need Python {}.{} or newer, and `{python}` is older. \
             Install a newer Python and point DOSSIER_PYTHON at it, then run \
             `cargo xtask test` again. No test was run.",
            PYTHON_MIN.0, PYTHON_MIN.1
        )),
        Ok(_) => Ok(Some(format!("{python}'s venv and ensurepip modules"))),
    }
}

/// Whether this process runs as root (effective uid 0), from
/// `/proc/self/status`, else `id -u`.
fn is_root() -> bool {
    let from_proc = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|ids| ids.split_whitespace().nth(1).map(|e| e == "0"))
        });
    from_proc.unwrap_or_else(|| {
        Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
    })
}
