//! The scheduler loop: `dossier schedule run` (all jobs, until stopped) and
//! `dossier schedule trigger NAME` (one job, now).
//!
//! Each job is a small state machine: idle, running one attempt, or
//! waiting to retry. [`Scheduler::tick`] reads the clock once and moves
//! every job along; the loop then sleeps until the next due time, never
//! longer than [`IDLE_SLICE`], and reads the wall clock again, so a suspend
//! or a clock step is seen within a slice. The decisions (what is due, what
//! was missed, how long to back off) are the pure functions of
//! [`crate::schedule::cron`]; time comes from a [`Clock`] and runs from an
//! [`Executor`], so tests drive the whole loop with a test clock and no
//! processes.
//!
//! Guarantees:
//! - one scheduler per project (`.dossier/scheduler.lock`), and never two
//!   runs of one job at once, across processes (`.dossier/locks/NAME.lock`,
//!   held from a run's start to its last retry);
//! - every run has a history row from its start; a row left `running` by a
//!   dead process is marked `interrupted` by whoever next takes the job's lock;
//! - a run's outputs are published (archive, then `latest`) only when it
//!   succeeded;
//! - on SIGINT/SIGTERM, running runs get a grace period to finish, then are
//!   killed and recorded `aborted`; the scheduler always exits.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, SubsecRound, Utc};

use crate::diag::Diagnostic;
use crate::schedule::clock::Clock;
use crate::schedule::cron::{self, clock_went_back, Trigger, MISFIRE_GRACE};
use crate::schedule::exec::read_result;
use crate::schedule::history::{self, Ending, History, Missed, NewRun, Status};
use crate::schedule::hooks::{self, HookRun, HOOK_TIMEOUT};
use crate::schedule::job::{show_duration, HookCommand, JobSpec};
use crate::schedule::lock::{try_lock, LockError, LockFile};
use crate::schedule::publish::{clean_staging, publish};
use crate::schedule::runner::{describe_status, Executor, Outcome, RunHandle, RunRequest};
use crate::schedule::signals::Stop;
use crate::schedule::Paths;

/// The longest the loop sleeps before reading the clock again. After a
/// suspend or a clock step, and after a stop signal, the scheduler reacts
/// within this; 0.5 s costs two wake-ups a second, which is nothing.
pub const IDLE_SLICE: Duration = Duration::from_millis(500);

/// How often running attempts and hooks are checked once a run has gone
/// on for [`FAST_POLL_WINDOW`]: a long run's end is recorded within this.
pub const RUN_POLL: Duration = Duration::from_millis(100);

/// How often an attempt is checked in its first [`FAST_POLL_WINDOW`]: a
/// small briefing renders in tens of milliseconds, and its recorded
/// duration should say so rather than round up to [`RUN_POLL`].
pub const FAST_POLL: Duration = Duration::from_millis(10);

/// How long an attempt is checked every [`FAST_POLL`] before every
/// [`RUN_POLL`]: a hundred cheap checks at most per run.
pub const FAST_POLL_WINDOW: Duration = Duration::from_secs(1);

/// How long, after SIGINT/SIGTERM, running attempts may take to finish
/// before they are killed and recorded `aborted`: half of the 10 s that
/// `docker stop` waits before its own SIGKILL (systemd waits 90 s), so the
/// history is written before a supervisor escalates.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(5);

/// Where the scheduler's log lines go (stdout for the CLI).
pub type Log = Arc<dyn Fn(&str) + Send + Sync>;

/// A run that ended for good (after its last attempt).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    pub job: String,
    pub run_id: i64,
    pub status: Status,
    pub attempt: u32,
}

/// One occurrence being worked on.
#[derive(Debug, Clone, Copy)]
struct Occurrence {
    scheduled: DateTime<Utc>,
    trigger: Trigger,
    /// The attempt running or about to run (1 = first).
    attempt: u32,
}

struct Active {
    occ: Occurrence,
    row: i64,
    handle: Box<dyn RunHandle>,
    started: DateTime<Utc>,
    deadline: DateTime<Utc>,
    staging: PathBuf,
    lock: LockFile,
}

struct Pending {
    occ: Occurrence,
    until: DateTime<Utc>,
    lock: LockFile,
}

enum State {
    Idle,
    Running(Box<Active>),
    Backoff(Box<Pending>),
}

struct Slot {
    spec: JobSpec,
    /// The last occurrence handled (run or recorded as missed).
    last_due: DateTime<Utc>,
    /// The first occurrence after `last_due`.
    next_due: Option<DateTime<Utc>>,
    state: State,
    /// When the job's last run ended (to explain occurrences it overlapped).
    busy_until: Option<DateTime<Utc>>,
    /// Set while a due run waits for another process's run of the job.
    waiting: bool,
}

/// How an attempt ended, as the scheduler records it.
enum End {
    Succeeded,
    Failed(String),
    TimedOut,
    Aborted(String),
}

/// The scheduler of one project.
pub struct Scheduler<C: Clock, E: Executor> {
    paths: Paths,
    history: History,
    clock: C,
    executor: E,
    slots: Vec<Slot>,
    hooks: Vec<HookRun>,
    log: Log,
    grace: Duration,
    started: DateTime<Utc>,
    manual: bool,
    stopping: bool,
    finished: Vec<Finished>,
    _lock: Option<LockFile>,
}

fn to_chrono(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

fn to_std(d: chrono::Duration) -> Duration {
    d.to_std().unwrap_or(Duration::ZERO)
}

/// The first line of a (possibly rendered, multi-line) error.
fn first_line(s: &str) -> &str {
    s.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
}

impl<C: Clock, E: Executor> Scheduler<C, E> {
    /// Starts the scheduler of the project at `paths`: takes the project's
    /// scheduler lock (refusing if another scheduler holds it), opens the
    /// history, marks runs cut short by a crash `interrupted`, and loads
    /// each job's last handled occurrence (a job seen for the first time
    /// starts from now).
    pub fn open(
        paths: Paths,
        jobs: Vec<JobSpec>,
        clock: C,
        executor: E,
        log: Log,
        grace: Duration,
    ) -> Result<Self, Diagnostic> {
        let lock_path = paths.scheduler_lock();
        let lock =
            match try_lock(&lock_path) {
                Ok(l) => l,
                Err(LockError::Held(pid)) => return Err(Diagnostic::error(format!(
                    "another scheduler is already running for this project{}",
                    pid.map(|p| format!(" (PID {p})")).unwrap_or_default()
                ))
                .with_kind("schedule")
                .with_note(format!("its lock file is {}", paths.show(&lock_path)))
                .with_help(
                    "stop that one first, or run a job now with `dossier schedule trigger NAME`",
                )),
                Err(LockError::Io(e)) => {
                    return Err(Diagnostic::error(format!(
                        "cannot take the scheduler lock {}: {e}",
                        paths.show(&lock_path)
                    ))
                    .with_kind("io"))
                }
            };
        let history = History::open(&paths.history())?;
        let now = clock.now();
        let mut s = Scheduler {
            paths,
            history,
            clock,
            executor,
            slots: Vec::new(),
            hooks: Vec::new(),
            log,
            grace,
            started: now,
            manual: false,
            stopping: false,
            finished: Vec::new(),
            _lock: Some(lock),
        };
        s.recover(now)?;
        for spec in jobs {
            let last_due = match s.history.last_due(&spec.name)? {
                Some(t) => t,
                None => {
                    s.history.set_last_due(&spec.name, now)?;
                    now
                }
            };
            let next_due = spec.cron.next_after(last_due, spec.tz);
            s.slots.push(Slot {
                spec,
                last_due,
                next_due,
                state: State::Idle,
                busy_until: None,
                waiting: false,
            });
        }
        Ok(s)
    }

    /// Runs job `spec` now, as `dossier schedule trigger` does: refuses if
    /// a run of the job is in progress anywhere, records the run like any
    /// other (retries, hooks, archive, latest), and returns once it has
    /// ended for good, or been stopped by `stop`.
    pub fn trigger(
        paths: Paths,
        spec: JobSpec,
        clock: C,
        executor: E,
        log: Log,
        grace: Duration,
        stop: &Stop,
    ) -> Result<Finished, Diagnostic> {
        let lock_path = paths.job_lock(&spec.name);
        let lock =
            match try_lock(&lock_path) {
                Ok(l) => l,
                Err(LockError::Held(pid)) => return Err(Diagnostic::error(format!(
                    "schedule `{}` is running now{}; a job never runs twice at once",
                    spec.name,
                    pid.map(|p| format!(" (in PID {p})")).unwrap_or_default()
                ))
                .with_kind("schedule")
                .with_note(format!("its lock file is {}", paths.show(&lock_path)))
                .with_help(
                    "wait for it to end (`dossier schedule history` shows it), then trigger again",
                )),
                Err(LockError::Io(e)) => {
                    return Err(Diagnostic::error(format!(
                        "cannot take the job lock {}: {e}",
                        paths.show(&lock_path)
                    ))
                    .with_kind("io"))
                }
            };
        let history = History::open(&paths.history())?;
        let now = clock.now();
        let name = spec.name.clone();
        let mut s = Scheduler {
            paths,
            history,
            clock,
            executor,
            slots: vec![Slot {
                last_due: now,
                next_due: None,
                state: State::Idle,
                busy_until: None,
                waiting: false,
                spec,
            }],
            hooks: Vec::new(),
            log,
            grace,
            started: now,
            manual: true,
            stopping: false,
            finished: Vec::new(),
            _lock: None,
        };
        s.mark_interrupted(&name, now);
        let occ = Occurrence {
            scheduled: now.trunc_subsecs(0),
            trigger: Trigger::Manual,
            attempt: 1,
        };
        s.start_attempt(0, occ, lock, now);
        loop {
            let done = s.idle() && s.hooks.is_empty();
            if done || stop.requested() {
                break;
            }
            let d = s.tick();
            s.clock.sleep(d);
        }
        if stop.requested() {
            s.shutdown(stop);
        }
        s.finished.pop().ok_or_else(|| {
            Diagnostic::error(format!(
                "the run of `{name}` did not complete: it could not be recorded, or it was stopped while waiting to retry (see the log above)"
            ))
        })
    }

    /// Marks runs left `running` by dead processes `interrupted`: for each
    /// job with such rows whose lock nobody holds.
    fn recover(&mut self, now: DateTime<Utc>) -> Result<(), Diagnostic> {
        for job in self.history.running_jobs()? {
            match try_lock(&self.paths.job_lock(&job)) {
                Ok(_held) => self.mark_interrupted(&job, now),
                Err(LockError::Held(pid)) => self.say(&format!(
                    "note   {job}: a run is in progress in PID {}",
                    pid.map(|p| p.to_string()).unwrap_or_else(|| "?".into())
                )),
                Err(LockError::Io(e)) => {
                    self.say(&format!("error  {job}: cannot check its lock: {e}"))
                }
            }
        }
        Ok(())
    }

    /// Marks `job`'s `running` rows interrupted; the caller holds the job's
    /// lock, so none of them is really running.
    fn mark_interrupted(&mut self, job: &str, now: DateTime<Utc>) {
        match self.history.mark_interrupted(job, now) {
            Ok(ids) if !ids.is_empty() => {
                let list: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
                self.say(&format!(
                    "recovered {job}: run {} was cut short (crash or kill) and is now marked interrupted",
                    list.join(", ")
                ));
                clean_staging(&self.paths, job);
            }
            Ok(_) => {}
            Err(d) => self.say(&format!("error  {job}: {}", d.message)),
        }
    }

    /// Writes a log line, stamped with the current time.
    fn say(&self, msg: &str) {
        (self.log)(&format!("{}  {msg}", history::stamp(self.clock.now())));
    }

    /// True when no job is running or waiting to retry.
    pub fn idle(&self) -> bool {
        self.slots.iter().all(|s| matches!(s.state, State::Idle))
    }

    /// Runs that ended for good since the last call.
    pub fn take_finished(&mut self) -> Vec<Finished> {
        std::mem::take(&mut self.finished)
    }

    /// The history this scheduler writes.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// The next due time of each job (for the start-up log).
    pub fn next_runs(&self) -> Vec<(String, Option<DateTime<Utc>>)> {
        self.slots
            .iter()
            .map(|s| (s.spec.name.clone(), s.next_due))
            .collect()
    }

    /// One pass: reads the clock, moves every job along, and returns how
    /// long to sleep before the next pass.
    pub fn tick(&mut self) -> Duration {
        self.reap_hooks(false);
        let now = self.clock.now();
        for i in 0..self.slots.len() {
            self.step(i, now);
        }
        self.sleep_hint(self.clock.now())
    }

    /// The loop of `dossier schedule run`: ticks and sleeps until `stop`,
    /// then shuts down (see [`Scheduler::shutdown`]).
    pub fn run(&mut self, stop: &Stop) {
        for (name, next) in self.next_runs() {
            let tz = self
                .slots
                .iter()
                .find(|s| s.spec.name == name)
                .map(|s| s.spec.tz);
            let when = match (next, tz) {
                (Some(t), Some(tz)) => t.with_timezone(&tz).to_rfc3339(),
                _ => "never".into(),
            };
            self.say(&format!("job    {name}: next run {when}"));
        }
        while !stop.requested() {
            let d = self.tick();
            self.clock.sleep(d.min(IDLE_SLICE));
        }
        self.shutdown(stop);
    }

    fn step(&mut self, i: usize, now: DateTime<Utc>) {
        let state = std::mem::replace(&mut self.slots[i].state, State::Idle);
        match state {
            State::Running(mut a) => {
                if let Some(outcome) = a.handle.poll() {
                    let end = match outcome {
                        Outcome::Succeeded => End::Succeeded,
                        Outcome::Failed(e) => End::Failed(e),
                    };
                    self.finish(i, *a, end, now);
                } else if now >= a.deadline {
                    a.handle.kill();
                    self.finish(i, *a, End::TimedOut, now);
                } else {
                    self.slots[i].state = State::Running(a);
                }
            }
            State::Backoff(p) => {
                if now >= p.until && !self.stopping {
                    let p = *p;
                    self.start_attempt(i, p.occ, p.lock, now);
                } else {
                    self.slots[i].state = State::Backoff(p);
                }
            }
            State::Idle => {
                if !self.manual && !self.stopping {
                    self.plan(i, now);
                }
            }
        }
    }

    /// An idle job: handles the occurrences that are due.
    fn plan(&mut self, i: usize, now: DateTime<Utc>) {
        let (name, tz) = (self.slots[i].spec.name.clone(), self.slots[i].spec.tz);
        if clock_went_back(self.slots[i].last_due, now) {
            let back = self.slots[i].last_due - now;
            self.say(&format!(
                "clock  the clock went back by {}: the schedule of {name} restarts from now",
                show_duration(to_std(back))
            ));
            self.slots[i].last_due = now;
            self.slots[i].next_due = self.slots[i].spec.cron.next_after(now, tz);
            if let Err(d) = self.history.set_last_due(&name, now) {
                self.say(&format!("error  {name}: {}", d.message));
            }
            return;
        }
        match self.slots[i].next_due {
            Some(d) if d <= now => {}
            _ => return,
        }
        // Never two runs of a job at once: a manual trigger may hold it.
        let lock = match try_lock(&self.paths.job_lock(&name)) {
            Ok(l) => l,
            Err(e) => {
                if !self.slots[i].waiting {
                    self.slots[i].waiting = true;
                    self.say(&format!(
                        "wait   {name}: a run of this job is in progress elsewhere ({e}); the due run waits for it"
                    ));
                }
                return;
            }
        };
        self.slots[i].waiting = false;
        self.mark_interrupted(&name, now);
        let slot = &self.slots[i];
        let Some(plan) = cron::plan(
            &slot.spec.cron,
            tz,
            slot.last_due,
            now,
            slot.spec.catch_up,
            MISFIRE_GRACE,
        ) else {
            self.slots[i].next_due = self.slots[i].spec.cron.next_after(slot.last_due, tz);
            return;
        };
        let policy = if plan.run.is_some() {
            "catch_up = \"once\": only the latest occurrence runs"
        } else {
            "catch_up = \"skip\""
        };
        let missed: Vec<Missed> = plan
            .missed
            .iter()
            .enumerate()
            .map(|(k, t)| {
                let why = if *t < self.started {
                    "the scheduler was not running"
                } else if slot.busy_until.is_some_and(|b| *t <= b) {
                    "the previous run of this job was still running"
                } else {
                    "it did not start on time (the machine was asleep or the clock jumped)"
                };
                let earlier = if k == 0 && plan.unlisted > 0 {
                    format!(
                        "; {} earlier occurrence(s) since {} were missed too and are not listed",
                        plan.unlisted,
                        slot.last_due.with_timezone(&tz).to_rfc3339()
                    )
                } else {
                    String::new()
                };
                Missed {
                    scheduled_at: t.with_timezone(&tz).to_rfc3339(),
                    scheduled_utc: *t,
                    reason: format!("missed: {why} ({policy}){earlier}"),
                }
            })
            .collect();
        let occ = plan.run.map(|(t, trigger)| Occurrence {
            scheduled: t,
            trigger,
            attempt: 1,
        });
        // The run starts now: read the clock again (the lock and the plan
        // took a moment) so `started_at` is when the run was recorded.
        let started = self.clock.now();
        let new_run = occ.map(|o| NewRun {
            job: &slot.spec.name,
            trigger: o.trigger.as_str(),
            attempt: 1,
            scheduled_at: o.scheduled.with_timezone(&tz).to_rfc3339(),
            scheduled_utc: o.scheduled,
            started_at: started,
        });
        let result = self
            .history
            .begin(&name, &missed, new_run.as_ref(), Some(plan.last_due));
        let row = match result {
            Ok(row) => row,
            Err(d) => {
                // Nothing was recorded: leave the occurrences due and retry
                // on the next pass.
                self.say(&format!("error  {name}: {}", d.message));
                return;
            }
        };
        self.slots[i].last_due = plan.last_due;
        self.slots[i].next_due = self.slots[i].spec.cron.next_after(plan.last_due, tz);
        if let (Some(first), Some(last)) = (missed.first(), missed.last()) {
            let n = missed.len() as u64 + plan.unlisted;
            let span = if missed.len() == 1 {
                first.scheduled_at.clone()
            } else {
                format!("{} … {}", first.scheduled_at, last.scheduled_at)
            };
            self.say(&format!(
                "missed {name}: {n} occurrence(s), {span}: {}",
                missed[missed.len() - 1].reason
            ));
        }
        match (occ, row) {
            (Some(o), Some(row)) => self.launch(i, o, row, lock, started),
            _ => drop(lock),
        }
    }

    /// Records a new attempt and starts it.
    fn start_attempt(&mut self, i: usize, occ: Occurrence, lock: LockFile, now: DateTime<Utc>) {
        let tz = self.slots[i].spec.tz;
        let name = self.slots[i].spec.name.clone();
        let new_run = NewRun {
            job: &name,
            trigger: occ.trigger.as_str(),
            attempt: occ.attempt,
            scheduled_at: occ.scheduled.with_timezone(&tz).to_rfc3339(),
            scheduled_utc: occ.scheduled,
            started_at: now,
        };
        match self.history.begin(&name, &[], Some(&new_run), None) {
            Ok(Some(row)) => self.launch(i, occ, row, lock, now),
            Ok(None) => {}
            Err(d) => {
                self.say(&format!(
                    "error  {name}: cannot record the run: {}",
                    d.message
                ));
                // Without a row there is no run; free the job.
                drop(lock);
            }
        }
    }

    /// Starts attempt `row` (already recorded as running).
    fn launch(&mut self, i: usize, occ: Occurrence, row: i64, lock: LockFile, now: DateTime<Utc>) {
        let spec = &self.slots[i].spec;
        let name = spec.name.clone();
        clean_staging(&self.paths, &name);
        let staging = self.paths.staging(&name, row);
        self.say(&format!(
            "start  {name}: run {row} ({}), scheduled {}, attempt {}/{}",
            occ.trigger.as_str(),
            occ.scheduled.with_timezone(&spec.tz).to_rfc3339(),
            occ.attempt,
            spec.retries + 1
        ));
        let req = RunRequest {
            job: name.clone(),
            run_id: row,
            scheduled: occ.scheduled,
            staging: staging.clone(),
            root: self.paths.root.clone(),
        };
        let started = std::fs::create_dir_all(&staging)
            .map_err(|e| {
                format!(
                    "cannot create the staging folder {}: {e}",
                    self.paths.show(&staging)
                )
            })
            .and_then(|()| self.executor.start(&req));
        let deadline = now + to_chrono(spec.timeout);
        match started {
            Ok(handle) => {
                self.slots[i].state = State::Running(Box::new(Active {
                    occ,
                    row,
                    handle,
                    started: now,
                    deadline,
                    staging,
                    lock,
                }));
            }
            Err(msg) => {
                struct NoRun;
                impl RunHandle for NoRun {
                    fn poll(&mut self) -> Option<Outcome> {
                        None
                    }
                    fn kill(&mut self) {}
                }
                let a = Active {
                    occ,
                    row,
                    handle: Box::new(NoRun),
                    started: now,
                    deadline,
                    staging,
                    lock,
                };
                self.finish(
                    i,
                    a,
                    End::Failed(format!("the run could not start: {msg}")),
                    now,
                );
            }
        }
    }

    /// Records the end of an attempt, publishes a success, and either
    /// schedules a retry or ends the occurrence (and runs its hook).
    fn finish(&mut self, i: usize, a: Active, end: End, now: DateTime<Utc>) {
        let Active {
            occ,
            row,
            started,
            staging,
            lock,
            ..
        } = a;
        let spec = self.slots[i].spec.clone();
        let name = &spec.name;
        let mut published = None;
        let (status, error) = match end {
            End::Succeeded => {
                let outputs: Vec<String> = read_result(&staging)
                    .map(|r| r.outputs.into_iter().map(|o| o.file).collect())
                    .unwrap_or_default();
                match publish(
                    &self.paths,
                    name,
                    row,
                    occ.scheduled.with_timezone(&spec.tz),
                    &staging,
                    &outputs,
                ) {
                    Ok(p) => {
                        published = Some(p);
                        (Status::Succeeded, None)
                    }
                    Err(e) => (
                        Status::Failed,
                        Some(format!(
                            "the run succeeded but its outputs could not be published: {e}"
                        )),
                    ),
                }
            }
            End::Failed(msg) => (Status::Failed, Some(msg)),
            End::TimedOut => (
                Status::TimedOut,
                Some(format!(
                    "timed out: the run took longer than the job's timeout ({}) and was killed",
                    show_duration(spec.timeout)
                )),
            ),
            End::Aborted(msg) => (Status::Aborted, Some(msg)),
        };
        if staging.exists() {
            let _ = std::fs::remove_dir_all(&staging);
        }
        let outputs: Vec<String> = published
            .as_ref()
            .map(|p| p.files.iter().map(|f| self.paths.show(f)).collect())
            .unwrap_or_default();
        let archive = published.as_ref().map(|p| self.paths.show(&p.archive));
        let duration_ms = (now - started).num_milliseconds().max(0);
        let ending = Ending {
            status,
            ended_at: now,
            duration_ms,
            error: error.as_deref(),
            outputs: &outputs,
            archive: archive.as_deref(),
        };
        if let Err(d) = self.history.finish(row, &ending) {
            self.say(&format!(
                "error  {name}: cannot record the end of run {row}: {}",
                d.message
            ));
        }
        let took = show_duration(Duration::from_millis(duration_ms as u64));
        match (&archive, &error) {
            (Some(dir), _) => self.say(&format!(
                "end    {name}: run {row} succeeded in {took} -> {dir}"
            )),
            (None, Some(e)) => self.say(&format!(
                "end    {name}: run {row} {} after {took}: {}",
                status.as_str(),
                first_line(e)
            )),
            (None, None) => self.say(&format!("end    {name}: run {row} {}", status.as_str())),
        }
        let retry = matches!(status, Status::Failed | Status::TimedOut)
            && occ.attempt <= spec.retries
            && !self.stopping;
        let slot = &mut self.slots[i];
        if retry {
            let wait = cron::backoff(spec.retry_backoff, occ.attempt);
            slot.state = State::Backoff(Box::new(Pending {
                occ: Occurrence {
                    attempt: occ.attempt + 1,
                    ..occ
                },
                until: now + to_chrono(wait),
                lock,
            }));
            self.say(&format!(
                "retry  {name}: attempt {}/{} in {}",
                occ.attempt + 1,
                spec.retries + 1,
                show_duration(wait)
            ));
            return;
        }
        drop(lock);
        slot.state = State::Idle;
        slot.busy_until = Some(now);
        self.finished.push(Finished {
            job: name.clone(),
            run_id: row,
            status,
            attempt: occ.attempt,
        });
        let hook = match status {
            Status::Succeeded => spec.on_success.as_ref().map(|h| ("on_success", h)),
            Status::Failed | Status::TimedOut => {
                spec.on_failure.as_ref().map(|h| ("on_failure", h))
            }
            _ => None,
        };
        if let Some((which, cmd)) = hook {
            let env = self.hook_env(
                &spec,
                row,
                status,
                occ,
                started,
                now,
                error.as_deref(),
                published.as_ref(),
            );
            self.start_hook(which, cmd, &env, row);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn hook_env(
        &self,
        spec: &JobSpec,
        row: i64,
        status: Status,
        occ: Occurrence,
        started: DateTime<Utc>,
        ended: DateTime<Utc>,
        error: Option<&str>,
        published: Option<&crate::schedule::publish::Published>,
    ) -> Vec<(String, String)> {
        let show = |p: &std::path::Path| p.to_string_lossy().into_owned();
        let v = |k: &str, val: String| (k.to_string(), val);
        vec![
            v("DOSSIER_JOB", spec.name.clone()),
            v("DOSSIER_RUN_ID", row.to_string()),
            v("DOSSIER_STATUS", status.as_str().into()),
            v("DOSSIER_TRIGGER", occ.trigger.as_str().into()),
            v("DOSSIER_ATTEMPT", occ.attempt.to_string()),
            v("DOSSIER_MAX_ATTEMPTS", (spec.retries + 1).to_string()),
            v(
                "DOSSIER_SCHEDULED_AT",
                occ.scheduled.with_timezone(&spec.tz).to_rfc3339(),
            ),
            v("DOSSIER_SCHEDULED_AT_UTC", history::stamp(occ.scheduled)),
            v("DOSSIER_TIMEZONE", spec.tz.name().into()),
            v("DOSSIER_STARTED_AT", history::stamp(started)),
            v("DOSSIER_ENDED_AT", history::stamp(ended)),
            v(
                "DOSSIER_DURATION_MS",
                (ended - started).num_milliseconds().max(0).to_string(),
            ),
            v("DOSSIER_ERROR", error.unwrap_or("").to_string()),
            v(
                "DOSSIER_OUTPUTS",
                published
                    .map(|p| {
                        p.files
                            .iter()
                            .map(|f| show(f))
                            .collect::<Vec<_>>()
                            .join("\n")
                    })
                    .unwrap_or_default(),
            ),
            v(
                "DOSSIER_ARCHIVE",
                published.map(|p| show(&p.archive)).unwrap_or_default(),
            ),
            v(
                "DOSSIER_LATEST",
                published.map(|p| show(&p.latest)).unwrap_or_default(),
            ),
            v("DOSSIER_PROJECT", show(&self.paths.root)),
            v("DOSSIER_HISTORY", show(&self.paths.history())),
        ]
    }

    fn start_hook(
        &mut self,
        which: &'static str,
        cmd: &HookCommand,
        env: &[(String, String)],
        row: i64,
    ) {
        match hooks::spawn(cmd, env, &self.paths.root) {
            Ok(child) => self.hooks.push(HookRun {
                run_id: row,
                which,
                child,
                started: Instant::now(),
            }),
            Err(e) => {
                let text = format!("{which}: could not start: {e}");
                self.say(&format!("hook   run {row}: {text}"));
                let _ = self.history.set_hook(row, &text);
            }
        }
    }

    /// Records hooks that ended; kills those past [`HOOK_TIMEOUT`] (or all
    /// of them, with `kill_all`).
    fn reap_hooks(&mut self, kill_all: bool) {
        let mut done = Vec::new();
        self.hooks.retain_mut(|h| {
            let text = match h.child.try_wait() {
                Ok(Some(status)) => format!("{} {}", h.which, describe_status(status)),
                Ok(None) if kill_all || h.started.elapsed() >= HOOK_TIMEOUT => {
                    let _ = h.child.kill();
                    let _ = h.child.wait();
                    if kill_all {
                        format!("{} killed: the scheduler stopped", h.which)
                    } else {
                        format!("{} killed after {}", h.which, show_duration(HOOK_TIMEOUT))
                    }
                }
                Ok(None) => return true,
                Err(e) => format!("{} could not be watched: {e}", h.which),
            };
            done.push((h.run_id, text));
            false
        });
        for (row, text) in done {
            self.say(&format!("hook   run {row}: {text}"));
            if let Err(d) = self.history.set_hook(row, &text) {
                self.say(&format!("error  run {row}: {}", d.message));
            }
        }
    }

    fn sleep_hint(&self, now: DateTime<Utc>) -> Duration {
        let mut d = IDLE_SLICE;
        if !self.hooks.is_empty() {
            d = d.min(RUN_POLL);
        }
        for s in &self.slots {
            match &s.state {
                State::Running(a) => {
                    let young = now - a.started < to_chrono(FAST_POLL_WINDOW);
                    d = d.min(if young { FAST_POLL } else { RUN_POLL });
                }
                State::Backoff(p) => d = d.min(to_std(p.until - now)),
                State::Idle if !self.manual => match s.next_due {
                    Some(n) if n > now => d = d.min(to_std(n - now)),
                    // Due but waiting (a lock held elsewhere): poll.
                    Some(_) => d = d.min(RUN_POLL),
                    None => {}
                },
                State::Idle => {}
            }
        }
        d
    }

    /// Stops: no new runs; pending retries are dropped; running attempts
    /// get the grace period to finish (their rows then say how they ended),
    /// after which (or at a second signal) they are killed and recorded
    /// `aborted`.
    pub fn shutdown(&mut self, stop: &Stop) {
        self.stopping = true;
        let reason = stop.reason();
        for i in 0..self.slots.len() {
            if let State::Backoff(p) = &self.slots[i].state {
                let msg = format!(
                    "stop   {}: the retry (attempt {}) is dropped: the scheduler is stopping",
                    self.slots[i].spec.name, p.occ.attempt
                );
                self.slots[i].state = State::Idle;
                self.say(&msg);
            }
        }
        let running = self
            .slots
            .iter()
            .filter(|s| matches!(s.state, State::Running(_)))
            .count();
        if running > 0 {
            self.say(&format!(
                "stop   {reason}: waiting up to {} for {running} run(s) to end (a second signal aborts them now)",
                show_duration(self.grace)
            ));
        }
        let deadline = self.clock.now() + to_chrono(self.grace);
        loop {
            let now = self.clock.now();
            for i in 0..self.slots.len() {
                self.step(i, now);
            }
            self.reap_hooks(false);
            let busy = !self.idle();
            if !busy && self.hooks.is_empty() {
                break;
            }
            if now >= deadline || stop.forced() {
                for i in 0..self.slots.len() {
                    if let State::Running(mut a) =
                        std::mem::replace(&mut self.slots[i].state, State::Idle)
                    {
                        a.handle.kill();
                        let msg = format!(
                            "aborted: the scheduler was stopped ({reason}) and the run did not end {}",
                            if stop.forced() && now < deadline {
                                "before a second stop signal".to_string()
                            } else {
                                format!("within the {} grace period", show_duration(self.grace))
                            }
                        );
                        let now = self.clock.now();
                        self.finish(i, *a, End::Aborted(msg), now);
                    }
                }
                self.reap_hooks(true);
                break;
            }
            let hint = self.sleep_hint(self.clock.now());
            self.clock.sleep(hint.min(RUN_POLL));
        }
        self.say("stop   scheduler stopped");
    }
}

#[cfg(test)]
#[path = "scheduler_tests.rs"]
mod tests;
