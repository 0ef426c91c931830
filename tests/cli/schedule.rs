//! `dossier schedule`: the scheduler run for real (a job every second),
//! stopped with SIGTERM and killed with SIGKILL; the history read back with
//! `history --json`; archives and `out/latest/`; the lock against a second
//! scheduler; triggers, hooks, validation, `list` and `export`.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::Project;

/// Generous bounds: the suite must pass on a loaded two-core machine.
const WAIT: Duration = Duration::from_secs(90);
const POLL: Duration = Duration::from_millis(100);

/// A `dossier schedule run` in the background; killed when dropped.
struct Daemon {
    child: Child,
    log: PathBuf,
}

impl Daemon {
    fn start(p: &Project, extra: &[&str]) -> Daemon {
        let log = p.path().join(format!("scheduler-{}.log", rand_suffix()));
        let out = std::fs::File::create(&log).unwrap();
        let err = out.try_clone().unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_dossier"))
            .args(["schedule", "run"])
            .args(extra)
            .current_dir(p.path())
            .env("HOME", p.path())
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .spawn()
            .expect("spawn dossier schedule run");
        Daemon { child, log }
    }

    fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    fn signal(&self, sig: i32) {
        // SAFETY: sending a signal to our own child.
        unsafe {
            libc::kill(self.pid(), sig);
        }
    }

    /// Waits for the process to exit; its exit code (None if killed by a signal).
    fn wait(&mut self, limit: Duration) -> Option<i32> {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(
                start.elapsed() < limit,
                "the scheduler did not exit within {limit:?}\n{}",
                self.log()
            );
            std::thread::sleep(POLL);
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

/// Polls `cond` until it holds; panics with `what` after [`WAIT`].
fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < WAIT, "timed out waiting for {what}");
        std::thread::sleep(POLL);
    }
}

/// `dossier schedule history --json` as rows, oldest first.
fn history(p: &Project) -> Vec<Value> {
    let r = p.run(&["schedule", "history", "--json", "--limit", "1000"]);
    let mut rows: Vec<Value> = serde_json::from_str(r.ok()).expect("history --json");
    rows.reverse();
    rows
}

fn with_status<'a>(rows: &'a [Value], status: &str) -> Vec<&'a Value> {
    rows.iter().filter(|r| r["status"] == status).collect()
}

fn schedule_project() -> Project {
    Project::from_fixture("schedule")
}

/// The fixture with its job replaced by `schedule` (TOML of one entry).
fn project_with(schedule: &str) -> Project {
    let p = schedule_project();
    let toml = p.read("dossier.toml");
    let head = &toml[..toml.find("[[schedule]]").unwrap()];
    p.write("dossier.toml", &format!("{head}{schedule}"));
    p
}

const SLOW: &str = r#"
[[report]]
name = "slow"
script = "scripts/slow.rhai"
template = "tiny.html"

[[schedule]]
name = "slow"
report = "slow"
cron = "* * * * * *"
timezone = "Europe/Berlin"
params = { edition = "{date}", loops = 2000000000 }
"#;

#[test]
fn a_job_every_second_is_run_recorded_archived_and_stopped_by_sigterm() {
    let p = schedule_project();
    let mut d = Daemon::start(&p, &[]);
    wait_for("three successful runs", || {
        with_status(&history(&p), "succeeded").len() >= 3
    });
    d.signal(libc::SIGTERM);
    assert_eq!(d.wait(Duration::from_secs(60)), Some(0), "{}", d.log());
    let log = d.log();
    assert!(log.contains("scheduler started"), "{log}");
    assert!(log.contains("start  tick: run"), "{log}");
    assert!(log.contains("end    tick: run"), "{log}");
    assert!(log.contains("scheduler stopped"), "{log}");

    let rows = history(&p);
    assert!(with_status(&rows, "running").is_empty(), "{rows:#?}");
    let ok = with_status(&rows, "succeeded");
    assert!(ok.len() >= 3);
    let mut scheduled = Vec::new();
    for r in &ok {
        assert_eq!(r["job"], "tick");
        assert_eq!(r["trigger"], "schedule");
        // In the job's zone, on a whole second.
        let at = r["scheduled_at"].as_str().unwrap();
        assert!(at.ends_with("+05:00"), "{at}");
        let sched = chrono::DateTime::parse_from_rfc3339(at).unwrap();
        let start =
            chrono::DateTime::parse_from_rfc3339(r["started_at"].as_str().unwrap()).unwrap();
        let end = chrono::DateTime::parse_from_rfc3339(r["ended_at"].as_str().unwrap()).unwrap();
        assert!(start >= sched && end >= start, "{r:#}");
        assert!(r["duration_ms"].as_i64().unwrap() >= 0);
        assert!(r["error"].is_null());
        // The outputs are archived under the local scheduled time.
        let archive = r["archive"].as_str().unwrap();
        assert_eq!(
            archive,
            format!("out/archive/tick/{}", sched.format("%Y-%m-%dT%H%M%S%z"))
        );
        let outputs = r["outputs"].as_array().unwrap();
        assert_eq!(outputs.len(), 1);
        let html = p.read(outputs[0].as_str().unwrap());
        assert!(
            html.contains(&format!(
                "<span id=\"edition\">{}</span>",
                sched.format("%Y-%m-%d %H:%M:%S")
            )),
            "the edition parameter carries the scheduled time: {html}"
        );
        assert!(html.contains("<span id=\"figure\">42</span>"));
        assert!(p.path().join(archive).join("run.log").is_file());
        scheduled.push(sched);
    }
    // Distinct occurrences, in order.
    assert!(scheduled.windows(2).all(|w| w[0] < w[1]), "{scheduled:?}");
    // latest/ holds the newest successful run.
    let newest = ok.last().unwrap();
    let latest = p.read("out/latest/tick/tiny.html");
    assert_eq!(latest, p.read(newest["outputs"][0].as_str().unwrap()));
    // Nothing is left in staging.
    let staging: Vec<_> = std::fs::read_dir(p.path().join("out/.staging"))
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(staging.is_empty(), "{staging:?}");
}

#[test]
fn a_run_killed_with_the_scheduler_is_marked_interrupted_at_the_next_start() {
    let p = project_with(SLOW);
    let mut d = Daemon::start(&p, &[]);
    wait_for("a run in progress", || {
        !with_status(&history(&p), "running").is_empty()
    });
    d.signal(libc::SIGKILL);
    assert_eq!(d.wait(Duration::from_secs(30)), None);
    // The history survived the kill: the run is still recorded as running.
    let rows = history(&p);
    let running = with_status(&rows, "running");
    assert_eq!(running.len(), 1, "{rows:#?}");
    let id = running[0]["id"].clone();

    // The next start marks it interrupted; SIGTERM then stops the run that
    // start began, within the grace period, and its row says so.
    let mut d = Daemon::start(&p, &["--grace", "1s"]);
    wait_for("the run marked interrupted", || {
        history(&p)
            .iter()
            .any(|r| r["id"] == id && r["status"] == "interrupted")
    });
    wait_for("a new run in progress", || {
        history(&p)
            .iter()
            .any(|r| r["id"] != id && r["status"] == "running")
    });
    let stopped = Instant::now();
    d.signal(libc::SIGTERM);
    assert_eq!(d.wait(Duration::from_secs(60)), Some(0), "{}", d.log());
    assert!(stopped.elapsed() < Duration::from_secs(30));
    let rows = history(&p);
    let row = rows.iter().find(|r| r["id"] == id).unwrap();
    assert!(
        row["error"].as_str().unwrap().contains("interrupted"),
        "{row:#}"
    );
    let aborted = with_status(&rows, "aborted");
    assert_eq!(aborted.len(), 1, "{rows:#?}");
    assert!(
        aborted[0]["error"]
            .as_str()
            .unwrap()
            .contains("grace period"),
        "{:#}",
        aborted[0]
    );
    assert!(with_status(&rows, "running").is_empty());
    assert!(!p.path().join("out/latest/slow").exists());
    assert!(d.log().contains("was cut short"), "{}", d.log());
}

#[test]
fn a_second_scheduler_on_the_project_is_refused_naming_the_pid() {
    let p = project_with(
        "[[schedule]]\nname = \"yearly\"\nreport = \"tiny\"\ncron = \"0 0 1 1 *\"\ntimezone = \"UTC\"\n",
    );
    let mut d = Daemon::start(&p, &[]);
    let lock = p.path().join(".dossier/scheduler.lock");
    wait_for("the lock file", || {
        std::fs::read_to_string(&lock).is_ok_and(|s| s.trim() == d.pid().to_string())
    });
    let r = p.run(&["schedule", "run"]);
    let err = r.fails();
    assert!(
        err.contains(&format!(
            "another scheduler is already running for this project (PID {})",
            d.pid()
        )),
        "{err}"
    );
    assert!(err.contains(".dossier/scheduler.lock"), "{err}");
    d.signal(libc::SIGINT);
    assert_eq!(d.wait(Duration::from_secs(30)), Some(0), "{}", d.log());
}

#[test]
fn trigger_runs_a_job_now_and_records_it() {
    let p = schedule_project();
    let r = p.run(&["schedule", "trigger", "tick"]);
    let out = r.ok();
    assert!(out.contains("ok    tick run 1: out/archive/tick/"), "{out}");
    let rows = history(&p);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["trigger"], "manual");
    assert_eq!(rows[0]["status"], "succeeded");
    assert!(p.path().join("out/latest/tick/tiny.html").is_file());
    // `dossier render` still writes to out/ as before.
    p.run(&["render"]).ok();
    assert!(p.path().join("out/tiny.html").is_file());
    // The table form.
    let table = p.run(&["schedule", "history", "tick"]);
    let table = table.ok();
    assert!(table.starts_with("RUN  JOB"), "{table}");
    assert!(table.contains("succeeded  manual"), "{table}");
    let unknown = p.run(&["schedule", "trigger", "tock"]);
    let err = unknown.fails();
    assert!(err.contains("unknown schedule `tock`"), "{err}");
    assert!(err.contains("did you mean `tick`?"), "{err}");
}

#[test]
fn a_failed_run_keeps_latest_and_calls_the_failure_hook() {
    let p = schedule_project();
    p.run(&["schedule", "trigger", "tick"]).ok();
    let good = p.read("out/latest/tick/tiny.html");
    // Break the script; add a failure hook that records its environment.
    p.write(
        "scripts/tiny.rhai",
        "let edition = params.edition;\nlet figure = no_such_function(1);\n",
    );
    let toml = p.read("dossier.toml");
    p.write(
        "dossier.toml",
        &format!("{toml}on_failure = \"env | grep '^DOSSIER_' | sort > hook.env\"\n"),
    );
    let r = p.run(&["schedule", "trigger", "tick"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("FAIL  tick run 2: failed"),
        "{}",
        r.stdout
    );
    assert!(r.stderr.contains("no_such_function"), "{}", r.stderr);
    assert_eq!(p.read("out/latest/tick/tiny.html"), good);
    let env = p.read("hook.env");
    for needle in [
        "DOSSIER_JOB=tick",
        "DOSSIER_STATUS=failed",
        "DOSSIER_RUN_ID=2",
        "DOSSIER_TRIGGER=manual",
        "DOSSIER_ATTEMPT=1",
        "DOSSIER_TIMEZONE=Asia/Almaty",
        "DOSSIER_ERROR=scripts/tiny.rhai:2:",
        "DOSSIER_ARCHIVE=\n",
    ] {
        assert!(env.contains(needle), "{needle} not in\n{env}");
    }
    let rows = history(&p);
    assert_eq!(rows[1]["status"], "failed");
    assert_eq!(rows[1]["hook"], "on_failure exit status 0");
    assert!(rows[1]["error"]
        .as_str()
        .unwrap()
        .contains("no_such_function"));
}

#[test]
fn invalid_entries_are_rejected_naming_the_entry_and_the_field() {
    for (entry, needle) in [
        (
            "cron = \"0 7 * *\"\ntimezone = \"UTC\"\nreport = \"tiny\"",
            "[[schedule]] `bad`: `cron` = \"0 7 * *\" has 4 field(s)",
        ),
        (
            "cron = \"0 7 * * FOO\"\ntimezone = \"UTC\"\nreport = \"tiny\"",
            "[[schedule]] `bad`: `cron` = \"0 7 * * FOO\" is not a valid cron expression",
        ),
        (
            "cron = \"0 7 * * *\"\ntimezone = \"Asia/Astana\"\nreport = \"tiny\"",
            "[[schedule]] `bad`: `timezone` = \"Asia/Astana\" is not an IANA time zone",
        ),
        (
            "cron = \"0 7 * * *\"\ntimezone = \"UTC\"\nreport = \"tiyn\"",
            "[[schedule]] `bad`: `report` names `tiyn`, which is not a [[report]]",
        ),
        (
            "cron = \"0 7 * * *\"\ntimezone = \"UTC\"\nreport = \"tiny\"\ncatch_up = \"always\"",
            "[[schedule]] `bad`: `catch_up` is \"always\"; use \"once\" or \"skip\"",
        ),
        (
            "cron = \"0 7 * * *\"\ntimezone = \"UTC\"\nreport = \"tiny\"\nparams = { day = \"{dte}\" }",
            "did you mean `{date}`?",
        ),
        (
            "cron = \"0 7 * * *\"\ntimzone = \"UTC\"\nreport = \"tiny\"",
            "`timzone` is not a schedule field",
        ),
    ] {
        let p = project_with(&format!("[[schedule]]\nname = \"bad\"\n{entry}\n"));
        for cmd in [&["schedule", "list"][..], &["schedule", "run"][..]] {
            let r = p.run(cmd);
            let err = r.fails();
            assert!(err.contains(needle), "{cmd:?}: expected {needle:?} in\n{err}");
        }
    }
    let p = project_with("[[schedule]]\nname = \"bad\"\ncron = \"0 7 * * *\"\ntimezone = \"Asia/Almty\"\nreport = \"tiny\"\n");
    let r = p.run(&["schedule", "list"]);
    assert!(
        r.fails().contains("did you mean `Asia/Almaty`?"),
        "{}",
        r.stderr
    );
}

#[test]
fn list_shows_the_next_five_runs_in_the_zone_and_in_utc() {
    let p = project_with(
        "[[schedule]]\nname = \"morning\"\nreport = \"tiny\"\ncron = \"0 7 * * *\"\ntimezone = \"Asia/Almaty\"\nretries = 2\nretry_backoff = \"1m\"\n",
    );
    let r = p.run(&["schedule", "list"]);
    let out = r.ok();
    assert!(
        out.starts_with("morning  cron \"0 7 * * *\" in Asia/Almaty\n"),
        "{out}"
    );
    assert!(out.contains("retries 2 (back-off from 1 min)"), "{out}");
    let times: Vec<&str> = out
        .lines()
        .filter(|l| l.contains(" 07:00:00 +05:00"))
        .collect();
    assert_eq!(times.len(), 5, "{out}");
    for l in &times {
        assert!(l.trim_end().ends_with(" 02:00:00"), "{l}");
    }
    let r = p.run(&["schedule", "list", "--json"]);
    let v: Value = serde_json::from_str(r.ok()).unwrap();
    let next = v[0]["next"].as_array().unwrap();
    assert_eq!(next.len(), 5);
    assert!(next[0]["local"]
        .as_str()
        .unwrap()
        .ends_with("T07:00:00+05:00"));
    assert!(next[0]["utc"]
        .as_str()
        .unwrap()
        .ends_with("T02:00:00+00:00"));
}

#[test]
fn the_machine_zone_comes_from_tz() {
    let p =
        project_with("[[schedule]]\nname = \"noon\"\nreport = \"tiny\"\ncron = \"0 12 * * *\"\n");
    let list = |tz: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_dossier"));
        cmd.args(["schedule", "list"]).current_dir(p.path());
        match tz {
            Some(z) => cmd.env("TZ", z),
            None => cmd.env_remove("TZ"),
        };
        let o = cmd.output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    let out = list(Some("Europe/Berlin"));
    assert!(
        out.contains("in Europe/Berlin (the machine's zone, from $TZ=Europe/Berlin)"),
        "{out}"
    );
    let out = list(Some(":Asia/Almaty"));
    assert!(out.contains("in Asia/Almaty"), "{out}");
    assert!(out.contains("12:00:00 +05:00"), "{out}");
}

#[test]
fn export_prints_crontab_lines_and_systemd_units() {
    let p = project_with(
        "[[schedule]]\nname = \"morning\"\nreport = \"tiny\"\ncron = \"0 7 * * MON-FRI\"\ntimezone = \"Asia/Almaty\"\ncatch_up = \"skip\"\n",
    );
    let r = p.run(&["schedule", "export", "--cron"]);
    let out = r.ok();
    assert!(
        out.contains("CRON_TZ=Asia/Almaty\n0 7 * * MON-FRI cd '"),
        "{out}"
    );
    assert!(out.contains("schedule trigger 'morning'"), "{out}");
    let r = p.run(&["schedule", "export", "--systemd"]);
    let out = r.ok();
    assert!(
        out.contains("OnCalendar=Mon..Fri *-*-* 07:00:00 Asia/Almaty"),
        "{out}"
    );
    assert!(out.contains("Persistent=false"), "{out}");
    assert!(out.contains("ExecStart="), "{out}");
    assert!(p.run(&["schedule", "export"]).code != 0);
}

#[test]
fn new_projects_ignore_the_scheduler_state() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("brief");
    crate::harness::dossier(dir.path(), &["new", target.to_str().unwrap()], None).ok();
    let ignore = std::fs::read_to_string(target.join(".gitignore")).unwrap();
    assert!(ignore.lines().any(|l| l == ".dossier/"), "{ignore}");
}
