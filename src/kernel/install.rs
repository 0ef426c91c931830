//! The kernelspec: `dossier kernel install` writes `kernel.json` (argv,
//! display name, language, `interrupt_mode: "message"`) and the logos into a
//! Jupyter data folder; `dossier kernel uninstall` removes them.

use std::path::{Path, PathBuf};

use serde_json::json;

use crate::diag::Diagnostic;
use crate::host::atomic_write;

pub use crate::notebook::ipynb::{DISPLAY_NAME, KERNEL_NAME};

/// The logo, drawn at 32 and 64 pixels for the PNGs Jupyter looks for.
pub const LOGO_SVG: &str = include_str!("../../assets/kernel/logo.svg");

/// Where to install, as `jupyter kernelspec install` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// The user's Jupyter data folder (`$JUPYTER_DATA_DIR`, else
    /// `~/.local/share/jupyter`, `~/Library/Jupyter` on macOS).
    User,
    /// The active Python environment (`$VIRTUAL_ENV`, `$CONDA_PREFIX`, or
    /// `sys.prefix` of `python3`).
    SysPrefix,
    /// `DIR/share/jupyter`.
    Prefix(PathBuf),
}

impl Location {
    /// The `kernels/` folder of this location.
    pub fn kernels_dir(&self) -> Result<PathBuf, Diagnostic> {
        let data = match self {
            Location::User => user_data_dir()?,
            Location::SysPrefix => sys_prefix()?.join("share/jupyter"),
            Location::Prefix(p) => p.join("share/jupyter"),
        };
        Ok(data.join("kernels"))
    }
}

fn user_data_dir() -> Result<PathBuf, Diagnostic> {
    if let Some(d) = std::env::var_os("JUPYTER_DATA_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d));
    }
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .ok_or_else(|| {
            Diagnostic::error("HOME is not set: cannot find the Jupyter data folder")
                .with_help("use --prefix DIR or set JUPYTER_DATA_DIR")
        })?;
    let home = PathBuf::from(home);
    if cfg!(target_os = "macos") {
        Ok(home.join("Library/Jupyter"))
    } else {
        let xdg = std::env::var_os("XDG_DATA_HOME")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| home.join(".local/share"));
        Ok(xdg.join("jupyter"))
    }
}

fn sys_prefix() -> Result<PathBuf, Diagnostic> {
    for var in ["VIRTUAL_ENV", "CONDA_PREFIX"] {
        if let Some(p) = std::env::var_os(var).filter(|p| !p.is_empty()) {
            return Ok(PathBuf::from(p));
        }
    }
    for python in ["python3", "python"] {
        if let Ok(out) = std::process::Command::new(python)
            .args(["-c", "import sys; print(sys.prefix)"])
            .output()
        {
            if out.status.success() {
                let p = String::from_utf8_lossy(&out.stdout).trim().to_string();
                if !p.is_empty() {
                    return Ok(PathBuf::from(p));
                }
            }
        }
    }
    Err(Diagnostic::error(
        "--sys-prefix: no Python environment found (no VIRTUAL_ENV, CONDA_PREFIX or python3)",
    )
    .with_help("activate the environment first, or use --prefix DIR"))
}

/// The `kernel.json` for the binary at `exe`.
pub fn kernel_json(exe: &Path) -> serde_json::Value {
    json!({
        "argv": [exe.display().to_string(), "kernel", "--connection-file", "{connection_file}"],
        "display_name": DISPLAY_NAME,
        "language": "rhai",
        "interrupt_mode": "message",
        "metadata": { "debugger": false },
    })
}

/// Writes the kernelspec for the binary at `exe`; returns its folder.
pub fn install(location: &Location, exe: &Path) -> Result<PathBuf, Diagnostic> {
    let dir = location.kernels_dir()?.join(KERNEL_NAME);
    let io = |what: &Path, e: std::io::Error| {
        Diagnostic::error(format!("cannot write {}: {e}", what.display())).with_kind("io")
    };
    std::fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
    let spec = serde_json::to_string_pretty(&kernel_json(exe)).unwrap_or_default() + "\n";
    let mut files: Vec<(&str, Vec<u8>)> = vec![
        ("kernel.json", spec.into_bytes()),
        ("logo-svg.svg", LOGO_SVG.as_bytes().to_vec()),
    ];
    for (name, scale) in [("logo-32x32.png", 1.0), ("logo-64x64.png", 2.0)] {
        let png = crate::chart::png::render(LOGO_SVG, scale)
            .map_err(|e| Diagnostic::error(format!("cannot draw the kernel logo: {e}")))?;
        files.push((name, png));
    }
    for (name, bytes) in files {
        let path = dir.join(name);
        atomic_write(&path, |f| std::io::Write::write_all(f, &bytes)).map_err(|e| io(&path, e))?;
    }
    Ok(dir)
}

/// Removes the kernelspec; returns the folder removed.
pub fn uninstall(location: &Location) -> Result<PathBuf, Diagnostic> {
    let dir = location.kernels_dir()?.join(KERNEL_NAME);
    if !dir.join("kernel.json").is_file() {
        return Err(
            Diagnostic::error(format!("no dossier kernelspec at {}", dir.display()))
                .with_help("`jupyter kernelspec list` shows where kernels are installed"),
        );
    }
    std::fs::remove_dir_all(&dir).map_err(|e| {
        Diagnostic::error(format!("cannot remove {}: {e}", dir.display())).with_kind("io")
    })?;
    Ok(dir)
}
