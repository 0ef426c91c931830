//! A small builder for test projects and a runner for the binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The repository root (where `data/`, `scripts/` and `tests/fixtures/` are).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture folder under `tests/fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    repo().join("tests/fixtures").join(rel)
}

/// The result of one run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }

    /// Asserts success and returns stdout.
    pub fn ok(&self) -> &str {
        assert_eq!(
            self.code, 0,
            "expected success\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        &self.stdout
    }

    /// Asserts failure and returns stderr.
    pub fn fails(&self) -> &str {
        assert_ne!(
            self.code, 0,
            "expected failure\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        &self.stderr
    }
}

/// A temporary project folder.
pub struct Project {
    pub dir: tempfile::TempDir,
}

impl Project {
    /// An empty project with a default dossier.toml.
    pub fn new() -> Project {
        let p = Project {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        p.write("dossier.toml", "[project]\nname = \"test\"\n");
        p
    }

    /// A copy of a fixture project.
    pub fn from_fixture(rel: &str) -> Project {
        let p = Project {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        copy_dir(&fixture(rel), p.path());
        if !p.path().join("dossier.toml").exists() {
            p.write("dossier.toml", "[project]\nname = \"test\"\n");
        }
        p
    }

    /// A project holding a copy of the repository's data package.
    pub fn with_data() -> Project {
        let p = Project::new();
        copy_dir(&repo().join("data"), &p.path().join("data"));
        p
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file (creating folders).
    pub fn write(&self, rel: &str, text: &str) -> &Project {
        let f = self.path().join(rel);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(f, text).unwrap();
        self
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path().join(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
    }

    /// Runs `dossier ARGS` in the project folder.
    pub fn run(&self, args: &[&str]) -> Run {
        dossier(self.path(), args, None)
    }

    /// Writes `code` as scripts/NAME.rhai and runs it.
    pub fn script(&self, name: &str, code: &str) -> Run {
        let rel = format!("scripts/{name}.rhai");
        self.write(&rel, code);
        self.run(&["run", &rel])
    }
}

/// Runs the binary in `dir`, optionally feeding `stdin`.
pub fn dossier(dir: &Path, args: &[&str], stdin: Option<&str>) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dossier"));
    cmd.args(args)
        .current_dir(dir)
        .env("HOME", dir)
        .env_remove("RUST_BACKTRACE")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn dossier");
    if let Some(text) = stdin {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    Run::from(child.wait_with_output().expect("wait"))
}

/// Copies a folder recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())) {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), dst).unwrap();
        }
    }
}

/// A `dossier` process running in the background (watch, serve), with its
/// output collected as it comes. Killed when dropped, so a failing test
/// leaves no process behind.
pub struct Background {
    child: std::process::Child,
    stdout: std::sync::Arc<std::sync::Mutex<String>>,
    stderr: std::sync::Arc<std::sync::Mutex<String>>,
}

/// How long a background test waits for a condition. Generous: a debug
/// build on a loaded two-core machine can take seconds for a first render.
pub const PATIENCE: std::time::Duration = std::time::Duration::from_secs(90);

/// How often a background test checks its condition: often enough to add
/// little to a test's time, rarely enough to leave the CPU to dossier.
pub const POLL: std::time::Duration = std::time::Duration::from_millis(20);

/// How long to let the pipe readers catch up after the process exited.
const DRAIN: std::time::Duration = std::time::Duration::from_millis(200);

impl Background {
    /// Starts `dossier ARGS` in `dir`.
    pub fn start(dir: &Path, args: &[&str]) -> Background {
        use std::io::Read;
        let mut child = Command::new(env!("CARGO_BIN_EXE_dossier"))
            .args(args)
            .current_dir(dir)
            .env("HOME", dir)
            .env_remove("RUST_BACKTRACE")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn dossier");
        let collect = |mut pipe: Box<dyn Read + Send>| {
            let buf = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
            let b = buf.clone();
            std::thread::spawn(move || {
                let mut chunk = [0u8; 4096];
                while let Ok(n) = pipe.read(&mut chunk) {
                    if n == 0 {
                        break;
                    }
                    b.lock()
                        .unwrap()
                        .push_str(&String::from_utf8_lossy(&chunk[..n]));
                }
            });
            buf
        };
        let stdout = collect(Box::new(child.stdout.take().unwrap()));
        let stderr = collect(Box::new(child.stderr.take().unwrap()));
        Background {
            child,
            stdout,
            stderr,
        }
    }

    pub fn stdout(&self) -> String {
        self.stdout.lock().unwrap().clone()
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits until `cond(stdout, stderr)` holds; panics with both after [`PATIENCE`].
    pub fn wait_for(&mut self, what: &str, cond: impl Fn(&str, &str) -> bool) {
        let start = std::time::Instant::now();
        loop {
            if cond(&self.stdout(), &self.stderr()) {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                // Let the readers drain the pipes before reporting.
                std::thread::sleep(DRAIN);
                if cond(&self.stdout(), &self.stderr()) {
                    return;
                }
                panic!(
                    "dossier exited ({status}) while waiting for {what}\nstdout:\n{}\nstderr:\n{}",
                    self.stdout(),
                    self.stderr()
                );
            }
            if start.elapsed() > PATIENCE {
                panic!(
                    "timed out waiting for {what}\nstdout:\n{}\nstderr:\n{}",
                    self.stdout(),
                    self.stderr()
                );
            }
            std::thread::sleep(POLL);
        }
    }

    /// Sends Ctrl-C (SIGINT) and waits for the exit status.
    pub fn interrupt(&mut self) -> i32 {
        // SAFETY: kill(2) on our own child's pid.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGINT);
        }
        let start = std::time::Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                std::thread::sleep(DRAIN);
                return status.code().unwrap_or(-1);
            }
            assert!(
                start.elapsed() < PATIENCE,
                "dossier did not stop after Ctrl-C\nstdout:\n{}\nstderr:\n{}",
                self.stdout(),
                self.stderr()
            );
            std::thread::sleep(POLL);
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `cond` until it holds; panics with `what` after [`PATIENCE`].
pub fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !cond() {
        assert!(start.elapsed() < PATIENCE, "timed out waiting for {what}");
        std::thread::sleep(POLL);
    }
}

/// HTML5 parse errors (an empty list for a valid document).
pub fn html5_errors(html: &str) -> Vec<String> {
    use html5ever::driver::ParseOpts;
    use html5ever::tendril::TendrilSink;
    use html5ever::tokenizer::TokenizerOpts;
    use html5ever::tree_builder::TreeBuilderOpts;
    let opts = ParseOpts {
        tokenizer: TokenizerOpts {
            exact_errors: true,
            ..Default::default()
        },
        tree_builder: TreeBuilderOpts {
            exact_errors: true,
            ..Default::default()
        },
    };
    let dom = html5ever::parse_document(markup5ever_rcdom::RcDom::default(), opts)
        .from_utf8()
        .read_from(&mut html.as_bytes())
        .unwrap();
    let errors = dom.errors.borrow();
    errors.iter().map(|e| e.to_string()).collect()
}

/// A copy of the repository's own project (dossier.toml, data, scripts,
/// reports): the bundled briefings.
pub fn briefing_project() -> Project {
    let p = Project::new();
    for d in ["data", "scripts", "reports"] {
        copy_dir(&repo().join(d), &p.path().join(d));
    }
    std::fs::copy(repo().join("dossier.toml"), p.path().join("dossier.toml")).unwrap();
    p
}

/// `dossier ARGS` on a pseudo-terminal, as a person at a terminal runs it
/// (line editing, Tab, Ctrl-C as a signal while something runs). What it
/// writes is kept as the screen's text, colours and cursor moves removed.
/// Killed when dropped.
#[cfg(unix)]
pub struct Terminal {
    child: std::process::Child,
    master: std::fs::File,
    raw: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    /// How much of the screen text earlier `expect` calls consumed.
    seen: usize,
}

#[cfg(unix)]
impl Terminal {
    /// Starts `dossier ARGS` in `dir` on a new terminal of `cols`×`rows`.
    pub fn start(dir: &Path, args: &[&str], cols: u16, rows: u16) -> Terminal {
        use std::io::Read;
        use std::os::fd::FromRawFd;
        use std::os::unix::process::CommandExt;
        let (mut master, mut slave) = (0, 0);
        let size = libc::winsize {
            ws_row: rows,
            ws_col: cols,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: valid out-pointers; null name and termios are allowed.
        let r = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                &size,
            )
        };
        assert_eq!(r, 0, "openpty: {}", std::io::Error::last_os_error());
        // SAFETY: openpty returned two open descriptors that we now own.
        let (master, slave) = unsafe {
            (
                std::fs::File::from_raw_fd(master),
                std::fs::File::from_raw_fd(slave),
            )
        };
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_dossier"));
        cmd.args(args)
            .current_dir(dir)
            .env("HOME", dir)
            .env("TERM", "xterm-256color")
            .env_remove("NO_COLOR")
            .env_remove("RUST_BACKTRACE")
            .stdin(Stdio::from(slave.try_clone().expect("dup pty")))
            .stdout(Stdio::from(slave.try_clone().expect("dup pty")))
            .stderr(Stdio::from(slave));
        // SAFETY: only async-signal-safe calls between fork and exec: a new
        // session whose controlling terminal is the pty (so Ctrl-C is SIGINT).
        unsafe {
            cmd.pre_exec(|| {
                if libc::setsid() == -1 || libc::ioctl(0, libc::TIOCSCTTY as _, 0) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().expect("spawn dossier on a pty");
        drop(cmd);
        let raw = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut reader = master.try_clone().expect("dup pty");
        let sink = raw.clone();
        std::thread::spawn(move || {
            let mut chunk = [0u8; 4096];
            // Reading fails (EIO) once the program has exited.
            while let Ok(n) = reader.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&chunk[..n]);
            }
        });
        Terminal {
            child,
            master,
            raw,
            seen: 0,
        }
    }

    /// Types `keys` (`\r` is Enter, `\t` Tab, `\x03` Ctrl-C).
    pub fn send(&mut self, keys: &str) {
        use std::io::Write;
        self.master
            .write_all(keys.as_bytes())
            .expect("write to pty");
        self.master.flush().expect("flush pty");
    }

    /// Everything shown so far, without escape sequences and carriage returns.
    pub fn screen(&self) -> String {
        let raw = self.raw.lock().unwrap();
        let text = String::from_utf8_lossy(&raw);
        let escapes = regex::Regex::new("\x1b\\[[0-9;?]*[A-Za-z]|\x1b\\][^\x07]*\x07|\x1b[=>]|\r")
            .expect("regex");
        escapes.replace_all(&text, "").into_owned()
    }

    /// Waits until `needle` shows after what earlier calls consumed; returns
    /// the text up to it. Panics with the screen after [`PATIENCE`].
    pub fn expect(&mut self, needle: &str) -> String {
        let start = std::time::Instant::now();
        loop {
            let screen = self.screen();
            let rest = screen.get(self.seen..).unwrap_or("");
            if let Some(i) = rest.find(needle) {
                let upto = rest[..i + needle.len()].to_string();
                self.seen += i + needle.len();
                return upto;
            }
            if start.elapsed() > PATIENCE {
                panic!(
                    "timed out waiting for {needle:?}; the screen after the last match:\n{rest}"
                );
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                std::thread::sleep(DRAIN);
                let screen = self.screen();
                let rest = screen.get(self.seen..).unwrap_or("");
                if !rest.contains(needle) {
                    panic!("dossier exited ({status}) before showing {needle:?}:\n{rest}");
                }
            }
            std::thread::sleep(POLL);
        }
    }

    /// Waits for the program to end; its exit code.
    pub fn wait(&mut self) -> i32 {
        let start = std::time::Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code().unwrap_or(-1);
            }
            if start.elapsed() > PATIENCE {
                panic!("dossier did not exit:\n{}", self.screen());
            }
            std::thread::sleep(POLL);
        }
    }
}

#[cfg(unix)]
impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
