//! The scheduler loop under a test clock and an executor without
//! processes: catch-up after downtime (once and skip), suspends and clock
//! steps, overlap prevention, retries with back-off and the failure hook,
//! timeouts, crash recovery, stopping, and the lock against a second
//! scheduler.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::*;
use crate::schedule::clock::TestClock;
use crate::schedule::cron::{CatchUp, CronSpec};
use crate::schedule::exec::{ExecOutput, ExecResult, RESULT_FILE};
use crate::schedule::job::{ZoneSource, DEFAULT_RETRY_BACKOFF, DEFAULT_TIMEOUT};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn job(name: &str, cron: &str, tz: &str) -> JobSpec {
    JobSpec {
        name: name.into(),
        reports: vec!["brief".into()],
        cron: CronSpec::parse(cron).unwrap(),
        tz: tz.parse().unwrap(),
        zone_source: ZoneSource::Entry,
        params: vec![],
        catch_up: CatchUp::Once,
        retries: 0,
        retry_backoff: DEFAULT_RETRY_BACKOFF,
        timeout: DEFAULT_TIMEOUT,
        on_failure: None,
        on_success: None,
        formats: None,
    }
}

/// What the fake executor does with the next attempts, and what it saw.
#[derive(Default)]
struct Script {
    /// (how long the attempt takes on the test clock, succeeds?) for
    /// successive attempts; when empty, attempts succeed at once.
    steps: VecDeque<(Duration, bool)>,
    started: Vec<RunRequest>,
    live: usize,
    max_live: usize,
    killed: usize,
}

/// Runs that never end by themselves.
const FOREVER: Duration = Duration::MAX;

#[derive(Clone)]
struct Fake(Arc<Mutex<Script>>, Arc<TestClock>);

struct FakeHandle {
    script: Arc<Mutex<Script>>,
    clock: Arc<TestClock>,
    ends: Option<DateTime<Utc>>,
    ok: bool,
    staging: std::path::PathBuf,
    done: Option<Outcome>,
}

impl Executor for Fake {
    fn start(&mut self, req: &RunRequest) -> Result<Box<dyn RunHandle>, String> {
        let mut s = self.0.lock().unwrap();
        s.started.push(req.clone());
        s.live += 1;
        s.max_live = s.max_live.max(s.live);
        let (takes, ok) = s.steps.pop_front().unwrap_or((Duration::ZERO, true));
        let ends = chrono::Duration::from_std(takes)
            .ok()
            .map(|d| self.1.now() + d);
        Ok(Box::new(FakeHandle {
            script: self.0.clone(),
            clock: self.1.clone(),
            ends,
            ok,
            staging: req.staging.clone(),
            done: None,
        }))
    }
}

impl RunHandle for FakeHandle {
    fn poll(&mut self) -> Option<Outcome> {
        if self.done.is_none() {
            match self.ends {
                Some(t) if self.clock.now() >= t => {}
                _ => return None,
            }
            let outcome = if self.ok {
                std::fs::write(self.staging.join("brief.html"), "<p>brief</p>").unwrap();
                let r = ExecResult {
                    ok: true,
                    outputs: vec![ExecOutput {
                        report: "brief".into(),
                        file: "brief.html".into(),
                        bytes: 12,
                    }],
                    error: None,
                };
                std::fs::write(
                    self.staging.join(RESULT_FILE),
                    serde_json::to_vec(&r).unwrap(),
                )
                .unwrap();
                Outcome::Succeeded
            } else {
                Outcome::Failed("error: boom".into())
            };
            self.script.lock().unwrap().live -= 1;
            self.done = Some(outcome);
        }
        self.done.clone()
    }

    fn kill(&mut self) {
        if self.done.is_none() {
            let mut s = self.script.lock().unwrap();
            s.live -= 1;
            s.killed += 1;
            self.done = Some(Outcome::Failed("killed".into()));
        }
    }
}

struct World {
    dir: tempfile::TempDir,
    clock: Arc<TestClock>,
    fake: Fake,
    lines: Arc<Mutex<Vec<String>>>,
}

impl World {
    fn new(start: &str) -> World {
        let clock = Arc::new(TestClock::new(t(start)));
        World {
            dir: tempfile::tempdir().unwrap(),
            fake: Fake(Arc::default(), clock.clone()),
            clock,
            lines: Arc::default(),
        }
    }

    fn paths(&self) -> Paths {
        let root = self.dir.path().to_path_buf();
        Paths {
            out: root.join("out"),
            state: root.join(".dossier"),
            root,
        }
    }

    fn log(&self) -> Log {
        let lines = self.lines.clone();
        Arc::new(move |l| lines.lock().unwrap().push(l.to_string()))
    }

    fn open(&self, jobs: Vec<JobSpec>) -> Result<Scheduler<Arc<TestClock>, Fake>, Diagnostic> {
        Scheduler::open(
            self.paths(),
            jobs,
            self.clock.clone(),
            self.fake.clone(),
            self.log(),
            Duration::from_secs(2),
        )
    }

    /// Ticks and sleeps (moving the test clock) until it reads `until`.
    fn run_until(&self, s: &mut Scheduler<Arc<TestClock>, Fake>, until: &str) {
        let until = t(until);
        while self.clock.now() < until {
            let d = s.tick();
            let left = (until - self.clock.now()).to_std().unwrap_or_default();
            self.clock.sleep(d.max(Duration::from_millis(1)).min(left));
        }
        s.tick();
    }

    fn history(&self) -> History {
        History::open(&self.paths().history()).unwrap()
    }

    /// (status, trigger, attempt, scheduled_utc) of every row, oldest first.
    fn rows(&self) -> Vec<(Status, String, i64, String)> {
        let mut v: Vec<_> = self
            .history()
            .list(None, 10_000)
            .unwrap()
            .into_iter()
            .map(|r| (r.status, r.trigger, r.attempt, r.scheduled_utc))
            .collect();
        v.reverse();
        v
    }

    fn started(&self) -> Vec<DateTime<Utc>> {
        self.fake
            .0
            .lock()
            .unwrap()
            .started
            .iter()
            .map(|r| r.scheduled)
            .collect()
    }
}

#[test]
fn a_first_start_runs_nothing_until_the_next_occurrence() {
    let w = World::new("2026-11-29T01:59:58Z");
    let mut s = w
        .open(vec![job("morning", "0 7 * * *", "Asia/Almaty")])
        .unwrap();
    w.run_until(&mut s, "2026-11-29T01:59:59.900Z");
    assert!(w.started().is_empty());
    w.run_until(&mut s, "2026-11-29T02:00:01Z");
    assert_eq!(w.started(), [t("2026-11-29T02:00:00Z")]);
    let rows = w.rows();
    assert_eq!(
        rows,
        [(
            Status::Succeeded,
            "schedule".into(),
            1,
            "2026-11-29T02:00:00.000000Z".into()
        )]
    );
    // Published: the archive under the local scheduled time, and latest.
    let out = w.paths().out;
    assert!(out
        .join("archive/morning/2026-11-29T070000+0500/brief.html")
        .is_file());
    assert!(out.join("latest/morning/brief.html").is_file());
    let row = w.history().last("morning").unwrap().unwrap();
    assert_eq!(
        row.outputs,
        ["out/archive/morning/2026-11-29T070000+0500/brief.html"]
    );
    assert_eq!(row.scheduled_at, "2026-11-29T07:00:00+05:00");
    // The loop woke at the scheduled instant, not a slice later.
    let started = t(row.started_at.as_deref().unwrap());
    assert!(
        started - t("2026-11-29T02:00:00Z") < chrono::Duration::milliseconds(5),
        "{started}"
    );
}

#[test]
fn catch_up_once_after_downtime_runs_the_latest_once() {
    let w = World::new("2026-11-29T04:30:00Z");
    w.history()
        .set_last_due("morning", t("2026-11-26T02:00:00Z"))
        .unwrap();
    let mut s = w
        .open(vec![job("morning", "0 7 * * *", "Asia/Almaty")])
        .unwrap();
    s.tick();
    s.tick();
    assert_eq!(w.started(), [t("2026-11-29T02:00:00Z")]);
    let rows = w.rows();
    assert_eq!(
        rows,
        [
            (
                Status::Missed,
                "schedule".into(),
                0,
                "2026-11-27T02:00:00.000000Z".into()
            ),
            (
                Status::Missed,
                "schedule".into(),
                0,
                "2026-11-28T02:00:00.000000Z".into()
            ),
            (
                Status::Succeeded,
                "catch-up".into(),
                1,
                "2026-11-29T02:00:00.000000Z".into()
            ),
        ]
    );
    let missed = w.history().list(None, 10).unwrap();
    assert!(missed[2]
        .error
        .as_deref()
        .unwrap()
        .contains("the scheduler was not running"));
    // The next day runs on time, once.
    w.run_until(&mut s, "2026-11-30T02:00:30Z");
    assert_eq!(w.started().len(), 2);
    assert_eq!(w.rows().last().unwrap().1, "schedule");
}

#[test]
fn catch_up_skip_records_every_missed_occurrence_and_runs_nothing() {
    let w = World::new("2026-11-29T04:30:00Z");
    w.history()
        .set_last_due("morning", t("2026-11-26T02:00:00Z"))
        .unwrap();
    let mut j = job("morning", "0 7 * * *", "Asia/Almaty");
    j.catch_up = CatchUp::Skip;
    let mut s = w.open(vec![j]).unwrap();
    w.run_until(&mut s, "2026-11-29T05:00:00Z");
    assert!(w.started().is_empty());
    let rows = w.rows();
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|r| r.0 == Status::Missed));
    assert_eq!(rows[2].3, "2026-11-29T02:00:00.000000Z");
    // Restarting does not record them again.
    drop(s);
    let mut s = w
        .open(vec![job("morning", "0 7 * * *", "Asia/Almaty")])
        .unwrap();
    s.tick();
    assert_eq!(w.rows().len(), 3);
}

#[test]
fn a_suspend_fires_one_run_not_a_storm_and_a_clock_step_back_no_rerun() {
    let w = World::new("2026-11-29T10:00:30Z");
    let mut s = w
        .open(vec![job("minutely", "* * * * *", "Europe/Berlin")])
        .unwrap();
    w.run_until(&mut s, "2026-11-29T10:01:30Z");
    assert_eq!(w.started().len(), 1);
    // The machine sleeps for three hours.
    w.clock.set(t("2026-11-29T13:01:30Z"));
    s.tick();
    s.tick();
    assert_eq!(w.started().len(), 2, "one catch-up run, not 180");
    assert_eq!(w.started()[1], t("2026-11-29T13:01:00Z"));
    let rows = w.rows();
    let missed = rows.iter().filter(|r| r.0 == Status::Missed).count();
    assert_eq!(missed, crate::schedule::cron::MAX_MISSED_ROWS);
    let oldest = w
        .history()
        .list(None, 1000)
        .unwrap()
        .into_iter()
        .rfind(|r| r.status == Status::Missed)
        .unwrap();
    assert!(oldest.error.unwrap().contains("79 earlier occurrence(s)"));
    // The clock is stepped back an hour: nothing that ran runs again.
    w.clock.set(t("2026-11-29T12:01:30Z"));
    w.run_until(&mut s, "2026-11-29T13:01:59Z");
    assert_eq!(w.started().len(), 2);
    w.run_until(&mut s, "2026-11-29T13:02:01Z");
    assert_eq!(w.started().len(), 3);
    assert_eq!(w.started()[2], t("2026-11-29T13:02:00Z"));
    // Set back by a day: a deliberate change; the schedule restarts from there.
    w.clock.set(t("2026-11-28T13:02:30Z"));
    w.run_until(&mut s, "2026-11-28T13:03:01Z");
    assert_eq!(w.started().len(), 4);
    assert!(w
        .lines
        .lock()
        .unwrap()
        .iter()
        .any(|l| l.contains("the clock went back")));
}

#[test]
fn never_two_runs_of_a_job_at_once() {
    let w = World::new("2026-11-29T10:00:00.500Z");
    // Every second; each attempt takes 2.5 s.
    w.fake.0.lock().unwrap().steps = (0..10)
        .map(|_| (Duration::from_millis(2500), true))
        .collect();
    let mut s = w.open(vec![job("fast", "* * * * * *", "UTC")]).unwrap();
    w.run_until(&mut s, "2026-11-29T10:00:10.600Z");
    let script = w.fake.0.lock().unwrap();
    assert_eq!(script.max_live, 1);
    assert!(
        script.started.len() >= 3 && script.started.len() <= 4,
        "{}",
        script.started.len()
    );
    drop(script);
    let rows = w.history().list(None, 100).unwrap();
    let overlap = rows
        .iter()
        .filter(|r| r.status == Status::Missed)
        .filter(|r| {
            r.error
                .as_deref()
                .unwrap()
                .contains("previous run of this job was still running")
        })
        .count();
    assert!(overlap >= 4, "{overlap}");
}

#[test]
fn a_run_elsewhere_holds_the_job_and_the_due_run_waits() {
    let w = World::new("2026-11-29T01:59:59Z");
    let mut s = w
        .open(vec![job("morning", "0 7 * * *", "Asia/Almaty")])
        .unwrap();
    let held = try_lock(&w.paths().job_lock("morning")).unwrap();
    w.run_until(&mut s, "2026-11-29T02:00:05Z");
    assert!(w.started().is_empty());
    assert!(w
        .lines
        .lock()
        .unwrap()
        .iter()
        .any(|l| l.contains("in progress elsewhere")));
    drop(held);
    w.run_until(&mut s, "2026-11-29T02:00:06Z");
    assert_eq!(w.started(), [t("2026-11-29T02:00:00Z")]);
}

#[test]
fn retries_back_off_then_the_failure_hook_runs_once() {
    let w = World::new("2026-11-29T01:59:59Z");
    w.fake.0.lock().unwrap().steps = VecDeque::from([(Duration::ZERO, false); 3]);
    let hook_file = w.dir.path().join("hook.txt");
    let mut j = job("morning", "0 7 * * *", "Asia/Almaty");
    j.retries = 2;
    j.retry_backoff = Duration::from_secs(30);
    j.on_failure = Some(HookCommand::Shell(format!(
        "printf '%s|%s|%s/%s|%s|%s\\n' \"$DOSSIER_JOB\" \"$DOSSIER_STATUS\" \"$DOSSIER_ATTEMPT\" \"$DOSSIER_MAX_ATTEMPTS\" \"$DOSSIER_SCHEDULED_AT\" \"$DOSSIER_ERROR\" >> '{}'",
        hook_file.display()
    )));
    j.on_success = Some(HookCommand::Shell(format!(
        "echo success >> '{}'",
        hook_file.display()
    )));
    let mut s = w.open(vec![j]).unwrap();
    w.run_until(&mut s, "2026-11-29T02:02:00Z");
    let starts: Vec<_> = w
        .history()
        .list(None, 10)
        .unwrap()
        .into_iter()
        .rev()
        .map(|r| (r.attempt, r.started_at.unwrap(), r.status))
        .collect();
    assert_eq!(
        starts,
        [
            (1, "2026-11-29T02:00:00.000000Z".to_string(), Status::Failed),
            (2, "2026-11-29T02:00:30.010000Z".to_string(), Status::Failed),
            (3, "2026-11-29T02:01:30.020000Z".to_string(), Status::Failed),
        ]
    );
    // The hook is a real process: wait (in real time) for it to be reaped.
    let waited = std::time::Instant::now();
    while !s.hooks.is_empty() && waited.elapsed() < Duration::from_secs(30) {
        s.tick();
        std::thread::sleep(Duration::from_millis(20));
    }
    let text = std::fs::read_to_string(&hook_file).unwrap();
    assert_eq!(
        text,
        "morning|failed|3/3|2026-11-29T07:00:00+05:00|error: boom\n"
    );
    let last = w.history().last("morning").unwrap().unwrap();
    assert_eq!(last.hook.as_deref(), Some("on_failure exit status 0"));
}

#[test]
fn a_run_past_its_timeout_is_killed_and_recorded() {
    let w = World::new("2026-11-29T01:59:59Z");
    w.fake.0.lock().unwrap().steps = VecDeque::from([(FOREVER, true)]);
    let mut j = job("morning", "0 7 * * *", "Asia/Almaty");
    j.timeout = Duration::from_secs(10);
    let mut s = w.open(vec![j]).unwrap();
    w.run_until(&mut s, "2026-11-29T02:00:11Z");
    assert_eq!(w.fake.0.lock().unwrap().killed, 1);
    let row = w.history().last("morning").unwrap().unwrap();
    assert_eq!(row.status, Status::TimedOut);
    assert!(row.duration_ms.unwrap() >= 10_000);
    assert!(!w.paths().out.join("latest/morning").exists());
}

#[test]
fn a_failed_run_keeps_the_last_good_latest() {
    let w = World::new("2026-11-29T01:59:59Z");
    w.fake.0.lock().unwrap().steps =
        VecDeque::from([(Duration::ZERO, true), (Duration::ZERO, false)]);
    let mut s = w
        .open(vec![job("morning", "0 7 * * *", "Asia/Almaty")])
        .unwrap();
    w.run_until(&mut s, "2026-11-30T02:00:01Z");
    let rows = w.rows();
    assert_eq!(
        rows.iter().map(|r| r.0).collect::<Vec<_>>(),
        [Status::Succeeded, Status::Failed]
    );
    let out = w.paths().out;
    assert!(out.join("latest/morning/brief.html").is_file());
    assert_eq!(
        std::fs::read_dir(out.join("archive/morning"))
            .unwrap()
            .count(),
        1
    );
    // No staging left behind.
    assert_eq!(std::fs::read_dir(out.join(".staging")).unwrap().count(), 0);
}

#[test]
fn runs_cut_short_are_marked_interrupted_at_the_next_start() {
    let w = World::new("2026-11-29T03:00:00Z");
    {
        let mut h = w.history();
        let run = crate::schedule::history::NewRun {
            job: "morning",
            trigger: "schedule",
            attempt: 1,
            scheduled_at: "2026-11-29T07:00:00+05:00".into(),
            scheduled_utc: t("2026-11-29T02:00:00Z"),
            started_at: t("2026-11-29T02:00:00Z"),
        };
        h.begin("morning", &[], Some(&run), Some(t("2026-11-29T02:00:00Z")))
            .unwrap();
        h.begin(
            "evening",
            &[],
            Some(&NewRun {
                job: "evening",
                ..run.clone()
            }),
            None,
        )
        .unwrap();
    }
    // "evening" is being run by another process (a trigger): left alone.
    let held = try_lock(&w.paths().job_lock("evening")).unwrap();
    let _s = w
        .open(vec![job("morning", "0 7 * * *", "Asia/Almaty")])
        .unwrap();
    let rows = w.history().list(None, 10).unwrap();
    let by = |j: &str| rows.iter().find(|r| r.job == j).unwrap().status;
    assert_eq!(by("morning"), Status::Interrupted);
    assert_eq!(by("evening"), Status::Running);
    drop(held);
}

#[test]
fn stopping_lets_a_run_finish_within_the_grace_period() {
    let w = World::new("2026-11-29T01:59:59Z");
    // Ends after 1 s: inside the 2 s grace.
    w.fake.0.lock().unwrap().steps = VecDeque::from([(Duration::from_secs(1), true)]);
    let mut s = w
        .open(vec![job("morning", "0 7 * * *", "Asia/Almaty")])
        .unwrap();
    w.run_until(&mut s, "2026-11-29T02:00:00.050Z");
    let stop = Stop::new();
    stop.request();
    s.shutdown(&stop);
    assert_eq!(
        w.history().last("morning").unwrap().unwrap().status,
        Status::Succeeded
    );
}

#[test]
fn stopping_aborts_a_run_that_outlasts_the_grace_period() {
    let w = World::new("2026-11-29T01:59:59Z");
    w.fake.0.lock().unwrap().steps = VecDeque::from([(FOREVER, true)]);
    let mut s = w
        .open(vec![job("morning", "0 7 * * *", "Asia/Almaty")])
        .unwrap();
    w.run_until(&mut s, "2026-11-29T02:00:00.050Z");
    let stop = Stop::new();
    stop.request();
    let before = w.clock.now();
    s.shutdown(&stop);
    let took = w.clock.now() - before;
    assert!(took <= chrono::Duration::milliseconds(2200), "{took}");
    let row = w.history().last("morning").unwrap().unwrap();
    assert_eq!(row.status, Status::Aborted);
    assert!(row.error.unwrap().contains("within the 2 s grace period"));
    assert_eq!(w.fake.0.lock().unwrap().killed, 1);
}

#[test]
fn a_second_scheduler_on_the_same_project_is_refused() {
    let w = World::new("2026-11-29T01:59:59Z");
    let _first = w
        .open(vec![job("morning", "0 7 * * *", "Asia/Almaty")])
        .unwrap();
    let Err(d) = w.open(vec![job("morning", "0 7 * * *", "Asia/Almaty")]) else {
        panic!("a second scheduler started");
    };
    assert!(
        d.message.contains("another scheduler is already running"),
        "{}",
        d.message
    );
    assert!(
        d.message.contains(&format!("PID {}", std::process::id())),
        "{}",
        d.message
    );
}

#[test]
fn a_manual_trigger_is_recorded_and_published_like_any_run() {
    let w = World::new("2026-11-29T09:15:42.300Z");
    let done = Scheduler::trigger(
        w.paths(),
        job("morning", "0 7 * * *", "Asia/Almaty"),
        w.clock.clone(),
        w.fake.clone(),
        w.log(),
        Duration::from_secs(2),
        &Stop::new(),
    )
    .unwrap();
    assert_eq!(done.status, Status::Succeeded);
    let row = w.history().get(done.run_id).unwrap().unwrap();
    assert_eq!(row.trigger, "manual");
    assert_eq!(row.scheduled_at, "2026-11-29T14:15:42+05:00");
    assert!(w
        .paths()
        .out
        .join("archive/morning/2026-11-29T141542+0500/brief.html")
        .is_file());
    assert!(w.paths().out.join("latest/morning/brief.html").is_file());
    // While a run holds the job, a second trigger is refused.
    let _held = try_lock(&w.paths().job_lock("morning")).unwrap();
    let Err(d) = Scheduler::trigger(
        w.paths(),
        job("morning", "0 7 * * *", "Asia/Almaty"),
        w.clock.clone(),
        w.fake.clone(),
        w.log(),
        Duration::from_secs(2),
        &Stop::new(),
    ) else {
        panic!("two runs at once");
    };
    assert!(d.message.contains("is running now"), "{}", d.message);
}
