//! `cargo xtask test` on machines where it cannot set up the tests: it must
//! say what is missing and the command that installs it, exit non-zero, and
//! run no test. The real binary runs with a `PATH` of our own: stand-ins for
//! `apt-get`, `sudo` and `cargo` that record being called, and none of the
//! programs the tests need.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The uid and gid of `nobody`, to run as a user without root.
const NOBODY: &str = "65534";

/// A temporary folder the `nobody` user can read, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir = std::env::temp_dir().join(format!("xtask-{name}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(dir.join("bin")).unwrap();
        for d in [dir.clone(), dir.join("bin")] {
            std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o777)).unwrap();
        }
        Scratch(dir)
    }

    fn bin(&self) -> PathBuf {
        self.0.join("bin")
    }

    /// A stand-in program: records that it ran (in `NAME.ran`), prints
    /// `says`, exits with `code`.
    fn stand_in(&self, name: &str, says: &str, code: i32) {
        let ran = self.0.join(format!("{name}.ran"));
        let script = format!(
            "#!/bin/sh\necho \"$0 $*\" >> '{}'\necho '{says}' >&2\nexit {code}\n",
            ran.display()
        );
        let path = self.bin().join(name);
        std::fs::write(&path, script).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// What a stand-in was called with (empty: never ran).
    fn calls(&self, name: &str) -> String {
        std::fs::read_to_string(self.0.join(format!("{name}.ran"))).unwrap_or_default()
    }

    /// A copy of the xtask binary that `nobody` can run.
    fn xtask(&self) -> PathBuf {
        let copy = self.0.join("xtask");
        std::fs::copy(env!("CARGO_BIN_EXE_xtask"), &copy).unwrap();
        std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755)).unwrap();
        copy
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `xtask test` with only the scratch `bin/` on `PATH` and no `CARGO`, as
/// `nobody` when `as_user` (through setpriv when the tests run as root).
fn xtask_test(s: &Scratch, as_user: bool) -> Output {
    let xtask = s.xtask();
    let root = std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(2) == Some("0"));
    let mut cmd = if as_user && root {
        let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"]
            .into_iter()
            .find(|p| Path::new(p).is_file())
            .expect("setpriv (util-linux) runs the test as a user without root");
        let mut c = Command::new(setpriv);
        c.args([
            &format!("--reuid={NOBODY}"),
            &format!("--regid={NOBODY}"),
            "--clear-groups",
        ])
        .arg(&xtask);
        c
    } else {
        Command::new(&xtask)
    };
    cmd.arg("test")
        .env("PATH", s.bin())
        .env("HOME", &s.0)
        .env_remove("CARGO")
        .env_remove("DOSSIER_PYTHON");
    // The copy was just written; another test thread's fork may still hold
    // it open for writing for a moment (ETXTBSY) until that child execs.
    let mut tries = 0;
    loop {
        match cmd.output() {
            Err(e) if e.raw_os_error() == Some(26) && tries < 100 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other.unwrap(),
        }
    }
}

fn assert_blocked(out: &Output, needles: &[&str]) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_ne!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    for needle in [
        "pdfinfo, pdftotext, pdffonts (Debian package poppler-utils)",
        "chromium (Debian package chromium)",
        "No test was run.",
    ]
    .iter()
    .chain(needles)
    {
        assert!(
            stderr.contains(needle),
            "{needle:?} not in:\n{stderr}\nstdout:\n{stdout}"
        );
    }
    assert!(!stdout.contains("cargo test"), "{stdout}");
    stderr
}

#[test]
fn without_apt_get_it_names_what_is_missing_and_runs_no_test() {
    let s = Scratch::new("no-apt");
    s.stand_in("cargo", "cargo must not run", 0);
    let out = xtask_test(&s, false);
    assert_blocked(
        &out,
        &[
            "apt-get is not on PATH",
            "apt-get install -y --no-install-recommends poppler-utils chromium",
        ],
    );
    assert_eq!(s.calls("cargo"), "");
}

#[test]
fn without_root_or_sudo_it_gives_the_command_for_root_and_runs_no_test() {
    let s = Scratch::new("no-sudo");
    s.stand_in("apt-get", "apt-get must not run", 0);
    s.stand_in("cargo", "cargo must not run", 0);
    let out = xtask_test(&s, true);
    assert_blocked(
        &out,
        &[
            "not root and sudo is not installed",
            "As root, run:\n    apt-get update && apt-get install -y \
             --no-install-recommends poppler-utils chromium",
        ],
    );
    assert_eq!(s.calls("apt-get"), "");
    assert_eq!(s.calls("cargo"), "");
}

#[test]
fn an_unreachable_package_registry_stops_before_any_test() {
    let s = Scratch::new("offline");
    // As a user, through a sudo that runs its command; as root, directly.
    let sudo = "#!/bin/sh\nexec \"$@\"\n";
    std::fs::write(s.bin().join("sudo"), sudo).unwrap();
    std::fs::set_permissions(s.bin().join("sudo"), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(
        s.bin().join("env"),
        "#!/bin/sh\nwhile [ \"${1#*=}\" != \"$1\" ]; do export \"$1\"; shift; done\nexec \"$@\"\n",
    )
    .unwrap();
    std::fs::set_permissions(s.bin().join("env"), std::fs::Permissions::from_mode(0o755)).unwrap();
    s.stand_in(
        "apt-get",
        "E: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease  \
         Temporary failure resolving deb.debian.org",
        100,
    );
    s.stand_in("cargo", "cargo must not run", 0);
    for as_user in [false, true] {
        let out = xtask_test(&s, as_user);
        let stderr = assert_blocked(
            &out,
            &[
                "apt-get update` failed (exit status 100)",
                "is the package registry reachable",
                "apt-get install -y --no-install-recommends poppler-utils chromium",
            ],
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains("installing the Debian packages the tests need:")
                && stdout.contains("poppler-utils")
                && stdout.contains("the PDF tests read every PDF back"),
            "{stdout}\n{stderr}"
        );
    }
    assert!(
        s.calls("apt-get").contains("update"),
        "{}",
        s.calls("apt-get")
    );
    assert!(!s.calls("apt-get").contains("install"));
    assert_eq!(s.calls("cargo"), "");
}
