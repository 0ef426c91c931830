//! `cargo xtask`: dossier's project tasks, in Rust, standard library only
//! (the `xtask` alias is in `.cargo/config.toml`).
//!
//! `cargo xtask test` makes a fresh Debian or Ubuntu machine ready for the
//! tests and runs them all: it installs the system packages the tests need
//! (poppler-utils, chromium; through sudo when not root), makes the kernel
//! tests' virtualenv `.venv/`, then runs `cargo test --locked --workspace`
//! and exits with its status. When something cannot be installed it says
//! what is missing and the command that installs it, and runs no test.

mod plan;
mod probe;
mod venv;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use plan::Plan;

/// How `cargo xtask` is used.
const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  test [ARGS...]  install what the tests need, then `cargo test --locked --workspace ARGS...`
  setup           only install what the tests need (what `test` does first)
  help            this text

What `setup` installs, when missing (with apt-get; through sudo when not root):
  poppler-utils   pdfinfo, pdftotext, pdffonts for the PDF tests
  chromium        headless Chromium for the browser tests
  python3-venv    `python3 -m venv`, when Debian's python3 lacks it
and the virtualenv .venv/ with the pinned packages of tests/requirements.txt.";

/// Variables `cargo run` sets for the xtask itself (besides `CARGO_PKG_*`),
/// kept away from the test build.
const XTASK_ONLY_VARS: [&str; 5] = [
    "CARGO_MANIFEST_DIR",
    "CARGO_MANIFEST_PATH",
    "CARGO_CRATE_NAME",
    "CARGO_BIN_NAME",
    "CARGO_PRIMARY_PACKAGE",
];

/// The exit status when the machine cannot be set up (no test ran).
const SETUP_FAILED: u8 = 2;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let command = args.next();
    let root = workspace_root();
    match command.as_deref() {
        Some("test") => match setup(&root) {
            Ok(()) => cargo_test(&root, args.collect()),
            Err(e) => failed(&e),
        },
        Some("setup") => match setup(&root) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => failed(&e),
        },
        Some("help" | "--help" | "-h") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("error: unknown command `{other}`\n\n{USAGE}");
            ExitCode::from(SETUP_FAILED)
        }
        None => {
            eprintln!("{USAGE}");
            ExitCode::from(SETUP_FAILED)
        }
    }
}

/// The repository root (the workspace holding `xtask/`). Cargo names the
/// package's folder at run time too: the build folder may be shared between
/// clones (`CARGO_TARGET_DIR`), and a binary built in one clone and still
/// fresh in another would otherwise test the first.
fn workspace_root() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
        .parent()
        .expect("xtask/ sits in the repository root")
        .to_path_buf()
}

fn failed(message: &str) -> ExitCode {
    eprintln!("{message}");
    ExitCode::from(SETUP_FAILED)
}

/// Installs what is missing and makes `.venv/`; an error is the message to
/// print (what is missing, the command that installs it).
fn setup(root: &Path) -> Result<(), String> {
    let started = Instant::now();
    let machine = probe::machine(root)?;
    match plan::plan(&machine) {
        Plan::Ready => println!(
            "xtask: the programs the tests need are installed ({})",
            [plan::POPPLER, plan::CHROMIUM]
                .iter()
                .flat_map(|p| p.programs.iter().copied())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Plan::Blocked(message) => return Err(message),
        Plan::Install { packages, sudo } => install(root, &machine.missing, &packages, sudo)?,
    }
    let made = venv::ensure(root, |cmd, what| {
        println!("xtask: {what}");
        run(cmd).map_err(|e| format!("{what}: {e}"))
    })
    .map_err(|e| {
        format!("error: {e}\nOnce that is fixed, run `cargo xtask test` again. No test was run.")
    })?;
    if !made {
        println!("xtask: .venv/ has the packages of {}", venv::REQUIREMENTS);
    }
    println!(
        "xtask: set-up done in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Installs `packages` with apt-get, saying what and why first, then checks
/// that what was missing is there now.
fn install(
    root: &Path,
    missing: &[plan::Missing],
    packages: &[plan::Package],
    sudo: bool,
) -> Result<(), String> {
    println!("xtask: installing the Debian packages the tests need:");
    for p in packages {
        println!("  {:<14} {}", p.name, p.why);
    }
    let [update, install] = plan::apt_commands(packages, sudo);
    let manual = plan::install_line(packages, sudo);
    for argv in [update, install] {
        let mut cmd = Command::new(&argv[0]);
        if sudo {
            // sudo resets the environment; `env` carries the one setting.
            cmd.args(["env", "DEBIAN_FRONTEND=noninteractive"]);
        } else {
            cmd.env("DEBIAN_FRONTEND", "noninteractive");
        }
        cmd.args(&argv[1..]);
        if let Err(e) = run(&mut cmd) {
            return Err(plan::blocked(
                missing,
                &format!(
                    "`{}` failed ({e}): is the package registry reachable{}? Once it is, \
                     install them with:",
                    argv.join(" "),
                    if sudo {
                        ", and may this user run apt-get through sudo"
                    } else {
                        ""
                    }
                ),
                &manual,
            ));
        }
    }
    let after = probe::machine(root)?;
    if !after.missing.is_empty() {
        return Err(plan::blocked(
            &after.missing,
            "apt-get finished but they are still not on PATH. Check the install with:",
            &manual,
        ));
    }
    Ok(())
}

/// The command line of `cmd`, for messages.
fn shown(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| a.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs `cmd` with its output on the terminal, saying what runs first and
/// how long it took; its exit code (None: killed by a signal).
fn status(cmd: &mut Command) -> Result<Option<i32>, String> {
    let shown = shown(cmd);
    println!("xtask: running: {shown}");
    let started = Instant::now();
    let status = cmd
        .status()
        .map_err(|e| format!("cannot start `{shown}`: {e}"))?;
    println!(
        "xtask: {:.1} s for {shown}",
        started.elapsed().as_secs_f64()
    );
    Ok(status.code())
}

/// Runs `cmd` like [`status`]; an error unless it succeeds.
pub fn run(cmd: &mut Command) -> Result<(), String> {
    match status(cmd)? {
        Some(0) => Ok(()),
        Some(code) => Err(format!("exit status {code}")),
        None => Err("killed by a signal".into()),
    }
}

/// Runs `cargo test --locked --workspace ARGS` (or without `--workspace`
/// when ARGS choose packages) and exits with its status. `CARGO_TARGET_DIR`
/// and the rest of the environment pass through.
fn cargo_test(root: &Path, args: Vec<String>) -> ExitCode {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root).args(["test", "--locked"]);
    // What `cargo run` set for this xtask describes the xtask, not the tests.
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        if key.starts_with("CARGO_PKG_") || XTASK_ONLY_VARS.contains(&key.as_ref()) {
            cmd.env_remove(key.as_ref());
        }
    }
    if !chooses_packages(&args) {
        cmd.arg("--workspace");
    }
    cmd.args(&args);
    match status(&mut cmd) {
        Ok(Some(code)) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        Ok(None) => ExitCode::FAILURE,
        Err(e) => failed(&format!("error: {e}")),
    }
}

/// Whether cargo arguments (before any `--`) already choose the packages.
fn chooses_packages(args: &[String]) -> bool {
    args.iter()
        .take_while(|a| *a != "--")
        .any(|a| a.starts_with("-p") || a.starts_with("--package") || a == "--workspace")
}

#[cfg(test)]
mod tests {
    use super::chooses_packages;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn package_flags_before_the_separator_choose_packages() {
        assert!(!chooses_packages(&args("")));
        assert!(!chooses_packages(&args("--test cli serve::")));
        assert!(!chooses_packages(&args("-- --package")));
        assert!(chooses_packages(&args("-p dossier")));
        assert!(chooses_packages(&args("--package=xtask")));
        assert!(chooses_packages(&args("--workspace --no-fail-fast")));
    }
}
