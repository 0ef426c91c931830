//! The Jupyter kernel through the real binary: `dossier kernel install` /
//! `uninstall`, the Jupyter project's own kernel test suite
//! (`jupyter_kernel_test`), nbclient running a notebook (table, chart,
//! error, interrupt, clean shutdown), and `.ipynb` output validated by
//! nbformat. The Python tests live in `tests/python/` and run with the
//! virtualenv's Python (see `python.rs`), against a kernelspec installed
//! with `--prefix` into a temporary folder.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::harness::{dossier, repo, Project};
use crate::python::{python, run_with_deadline, Finished};

/// How long one Python test file may run (kernel start-ups and a debug
/// build on a loaded two-core machine; the suites take seconds normally).
const PYTHON_DEADLINE: Duration = Duration::from_secs(10 * 60);

/// A private copy of the binary with its kernelspec installed under a
/// temporary prefix (the shared build folder's binary may be rebuilt by
/// another test run while a kernel starts), and a project to run in.
struct Jupyter {
    dir: tempfile::TempDir,
    bin: PathBuf,
    project: Project,
}

impl Jupyter {
    fn new() -> Jupyter {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin/dossier");
        std::fs::create_dir_all(bin.parent().unwrap()).unwrap();
        // A hard link keeps this build's file even if the shared one is
        // replaced (costs no space); a copy where links are not possible.
        if std::fs::hard_link(env!("CARGO_BIN_EXE_dossier"), &bin).is_err() {
            std::fs::copy(env!("CARGO_BIN_EXE_dossier"), &bin).unwrap();
        }
        let prefix = dir.path().join("prefix");
        let out = Command::new(&bin)
            .args(["kernel", "install", "--prefix"])
            .arg(&prefix)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        Jupyter {
            dir,
            bin,
            project: Project::new(),
        }
    }

    fn spec_dir(&self) -> PathBuf {
        self.dir.path().join("prefix/share/jupyter/kernels/dossier")
    }

    /// Runs tests/python/NAME with the virtualenv's Python in the project.
    fn python_test(&self, name: &str) -> Finished {
        let python = python();
        let logs = self.dir.path().join(format!("logs-{name}"));
        std::fs::create_dir_all(&logs).unwrap();
        let home = self.dir.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        let mut cmd = Command::new(python);
        cmd.arg(repo().join("tests/python").join(name))
            .arg("-v")
            .current_dir(self.project.path())
            .env("JUPYTER_PATH", self.dir.path().join("prefix/share/jupyter"))
            .env("JUPYTER_DATA_DIR", home.join("data"))
            .env("JUPYTER_RUNTIME_DIR", home.join("runtime"))
            .env("JUPYTER_CONFIG_DIR", home.join("config"))
            .env("JUPYTER_PLATFORM_DIRS", "1")
            .env("HOME", &home)
            .env("DOSSIER_BIN", &self.bin)
            .env_remove("RUST_BACKTRACE");
        run_with_deadline(&mut cmd, &logs, PYTHON_DEADLINE)
    }
}

fn assert_passed(r: &Finished, ran: &str, ok: &str) {
    assert!(
        r.code == 0 && r.stderr.contains(ran) && r.stderr.contains(ok),
        "exit {}\nstdout:\n{}\nstderr:\n{}",
        r.code,
        r.stdout,
        r.stderr
    );
}

fn png_size(path: &Path) -> (u32, u32) {
    let b = std::fs::read(path).unwrap();
    assert_eq!(&b[..8], b"\x89PNG\r\n\x1a\n", "{}", path.display());
    let be = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    (be(16), be(20))
}

#[test]
fn kernel_install_writes_a_kernelspec_and_uninstall_removes_it() {
    let j = Jupyter::new();
    let spec: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(j.spec_dir().join("kernel.json")).unwrap())
            .unwrap();
    assert_eq!(
        spec["argv"],
        serde_json::json!([
            j.bin.canonicalize().unwrap().display().to_string(),
            "kernel",
            "--connection-file",
            "{connection_file}"
        ])
    );
    assert_eq!(spec["display_name"], "Rhai (dossier)");
    assert_eq!(spec["language"], "rhai");
    assert_eq!(spec["interrupt_mode"], "message");
    assert_eq!(png_size(&j.spec_dir().join("logo-32x32.png")), (32, 32));
    assert_eq!(png_size(&j.spec_dir().join("logo-64x64.png")), (64, 64));
    assert!(std::fs::read_to_string(j.spec_dir().join("logo-svg.svg"))
        .unwrap()
        .starts_with("<svg"));

    let prefix = j.dir.path().join("prefix");
    let prefix = prefix.to_str().unwrap();
    let r = dossier(
        j.project.path(),
        &["kernel", "uninstall", "--prefix", prefix],
        None,
    );
    assert!(r.ok().contains("removed"));
    assert!(!j.spec_dir().exists());
    let again = dossier(
        j.project.path(),
        &["kernel", "uninstall", "--prefix", prefix],
        None,
    );
    assert!(
        again.fails().contains("no dossier kernelspec at"),
        "{}",
        again.stderr
    );
    // One location at a time.
    let both = dossier(
        j.project.path(),
        &["kernel", "install", "--user", "--prefix", prefix],
        None,
    );
    assert!(
        both.fails().contains("cannot be used with"),
        "{}",
        both.stderr
    );
}

#[test]
fn kernel_without_a_connection_file_says_what_it_needs() {
    let p = Project::new();
    let r = dossier(p.path(), &["kernel"], None);
    assert!(r.fails().contains("--connection-file"), "{}", r.stderr);
    let r = dossier(
        p.path(),
        &["kernel", "--connection-file", "nope.json"],
        None,
    );
    assert!(
        r.fails()
            .contains("cannot read the connection file nope.json"),
        "{}",
        r.stderr
    );
}

#[test]
fn jupyter_kernel_test_suite_passes() {
    let j = Jupyter::new();
    let r = j.python_test("test_kernel.py");
    // Every test runs with its sample; only the pager and clear_output
    // (not part of this kernel) are skipped.
    assert_passed(&r, "Ran 12 tests", "OK (skipped=2)");
}

#[test]
fn nbclient_runs_a_notebook_with_table_chart_error_interrupt_and_shutdown() {
    let j = Jupyter::new();
    let r = j.python_test("test_nbclient.py");
    assert_passed(&r, "Ran 1 test", "OK");
}

#[test]
fn ipynb_output_is_valid_nbformat_and_converts_back_to_the_script() {
    let j = Jupyter::new();
    let r = j.python_test("test_nbformat.py");
    assert_passed(&r, "Ran 1 test", "OK");
}

#[test]
fn protocol_details_state_completion_inspect_silent_stop_on_error_and_interrupt() {
    let j = Jupyter::new();
    let r = j.python_test("test_protocol.py");
    assert_passed(&r, "Ran 4 tests", "OK");
}
