//! Watch mode: a loop around [`crate::pipeline::render_report_cancellable`]
//! (the same call `dossier render` makes) that rebuilds what changed.
//!
//! After each run the loop watches exactly the files that run read, and the
//! files it looked for that did not exist (both recorded by the
//! [`crate::host::Host`]), plus `dossier.toml`. A change rebuilds only the
//! reports that read the changed file; a change to `dossier.toml` reloads
//! the configuration and rebuilds every report. Events are batched
//! ([`batch`]); editor droppings and the output folder are ignored
//! ([`files::is_ignored_name`]). A change during a run cancels it and queues
//! a new one; there is never more than one run pending. Runs happen on one
//! worker thread, one at a time, so outputs are written in order.
//!
//! The loop never prints: every finished run is handed to an [`Observer`]
//! as a [`Build`] (the command line prints a status line and the
//! diagnostics; `serve` also updates its pages). A failed run keeps the last
//! good output and the loop goes on.

pub mod batch;
pub mod files;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::PROJECT_FILE;
use crate::config::{Config, Params};
use crate::diag::Diagnostic;
use crate::host::Access;
use crate::pipeline::{
    for_each_report, human_size, prepare_report_cancellable, Output, Prepared, CANCELLED,
};
use crate::render::report::{reports, select, Format, ReportSpec};
use crate::script::Sink;
use crate::template::TEMPLATE_DIR;

use batch::Batch;
use files::{Change, FileWatcher};

/// The longest the loop sleeps when nothing is pending. Every event wakes
/// it at once; this only bounds the cost of a wake-up that never comes.
const IDLE_WAIT: Duration = Duration::from_secs(1);

/// How long Ctrl-C waits for a cancelled run to finish before the process
/// exits anyway: a Rhai run stops within an operation, but one Polars
/// `collect` cannot be interrupted, and a person pressing Ctrl-C should not
/// wait longer than this.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// What to watch and how to render.
pub struct Options {
    /// The project root (holding `dossier.toml`).
    pub root: PathBuf,
    /// Reports to render (all when empty).
    pub names: Vec<String>,
    /// `-P` parameters.
    pub params: Params,
    /// Formats to write instead of each report's own.
    pub formats: Option<Vec<Format>>,
    /// Poll every file instead of using native notifications.
    pub poll: bool,
    /// Where the scripts' `print` output goes.
    pub sink: Sink,
}

/// What one report's rebuild produced.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// The outputs written.
    Built(Vec<Output>),
    /// The error; the previous outputs were left in place.
    Failed(Diagnostic),
}

/// One report of a [`Build`].
#[derive(Debug, Clone)]
pub struct ReportBuild {
    pub name: String,
    pub outcome: Outcome,
    pub duration: Duration,
}

/// One finished rebuild (or a project that failed to load).
#[derive(Debug, Clone)]
pub struct Build {
    /// Counts rebuilds from 1.
    pub generation: u64,
    /// When it finished, local time.
    pub at: chrono::DateTime<chrono::Local>,
    /// Wall time of the run.
    pub duration: Duration,
    /// The changed files that caused it (empty for the first build), as shown to the user.
    pub changed: Vec<String>,
    /// The reports rebuilt, in `dossier.toml` order.
    pub reports: Vec<ReportBuild>,
    /// A project-wide failure (`dossier.toml` invalid, a report gone).
    pub error: Option<Diagnostic>,
    /// The project root.
    pub root: PathBuf,
    /// The output folder.
    pub output_dir: PathBuf,
    /// Every watched report (not only the ones rebuilt), in order.
    pub specs: Vec<ReportSpec>,
}

impl Build {
    /// Whether everything rebuilt without error.
    pub fn ok(&self) -> bool {
        self.error.is_none()
            && self
                .reports
                .iter()
                .all(|r| matches!(r.outcome, Outcome::Built(_)))
    }

    /// The errors of this build, with the report each belongs to (`None` for the project).
    pub fn errors(&self) -> Vec<(Option<&str>, &Diagnostic)> {
        let mut v: Vec<(Option<&str>, &Diagnostic)> =
            self.error.iter().map(|d| (None, d)).collect();
        for r in &self.reports {
            if let Outcome::Failed(d) = &r.outcome {
                v.push((Some(r.name.as_str()), d));
            }
        }
        v
    }

    /// The one status line of this rebuild: time, reports, duration, and
    /// the outputs or the error, then the files that changed.
    pub fn status_line(&self) -> String {
        let time = self.at.format("%H:%M:%S");
        let ms = self.duration.as_millis();
        let first_line = |d: &Diagnostic| d.headline().lines().next().unwrap_or("").to_string();
        let mut line = if let Some(e) = &self.error {
            format!("{time}  FAIL  {PROJECT_FILE}  {ms} ms  {}", first_line(e))
        } else {
            let names: Vec<&str> = self.reports.iter().map(|r| r.name.as_str()).collect();
            let outputs: Vec<String> = self
                .reports
                .iter()
                .filter_map(|r| match &r.outcome {
                    Outcome::Built(o) => Some(o),
                    Outcome::Failed(_) => None,
                })
                .flatten()
                .map(|o| {
                    format!(
                        "{} ({})",
                        crate::config::display_rel(&self.root, &o.path),
                        human_size(o.bytes)
                    )
                })
                .collect();
            let failures: Vec<String> = self
                .reports
                .iter()
                .filter_map(|r| match &r.outcome {
                    Outcome::Failed(d) if self.reports.len() == 1 => Some(first_line(d)),
                    Outcome::Failed(d) => Some(format!("{}: {}", r.name, first_line(d))),
                    Outcome::Built(_) => None,
                })
                .collect();
            if failures.is_empty() {
                format!(
                    "{time}  ok    {}  {ms} ms  {}",
                    names.join(", "),
                    outputs.join(", ")
                )
            } else {
                let mut s = format!(
                    "{time}  FAIL  {}  {ms} ms  {} (last good output kept)",
                    names.join(", "),
                    failures.join("; ")
                );
                if !outputs.is_empty() {
                    s.push_str(&format!("; wrote {}", outputs.join(", ")));
                }
                s
            }
        };
        if !self.changed.is_empty() {
            line.push_str(&format!("  [changed: {}]", self.changed.join(", ")));
        }
        line
    }
}

/// Receives what the loop does. The command line prints; `serve` also
/// updates its pages and tells the browsers to reload.
pub trait Observer {
    /// A rebuild finished (or the project failed to load).
    fn built(&mut self, build: &Build);
    /// The HTML of the reports in `build` is written and their other
    /// formats (PDF) are being written: a preview can reload its pages now.
    /// `build.generation` is the one the finished rebuild will have.
    fn html_written(&mut self, _build: &Build) {}
    /// The watched set after a rebuild: files, natively watched folders, polled files.
    fn watching(&mut self, _files: usize, _folders: usize, _polled: usize) {}
    /// Something the user should know that is not a build error.
    fn warning(&mut self, _text: &str) {}
}

/// A message to the loop.
enum Msg {
    Changed(Change),
    /// The HTML of these reports is on disk; their other formats follow.
    HtmlWritten(Vec<ReportBuild>),
    Finished(Finished),
    Stop,
}

/// Asks a running loop to stop (Ctrl-C, a test, a front end closing).
#[derive(Clone)]
pub struct StopHandle(Sender<Msg>);

impl StopHandle {
    /// Stops the loop: a run in progress is cancelled, then [`Watch::run`] returns.
    pub fn stop(&self) {
        let _ = self.0.send(Msg::Stop);
    }
}

/// A run for the worker thread.
struct Job {
    config: Arc<Config>,
    specs: Vec<ReportSpec>,
    params: Params,
    formats: Option<Vec<Format>>,
    sink: Sink,
    cancel: Arc<AtomicBool>,
    changed: Vec<PathBuf>,
}

type RenderResult = Result<crate::pipeline::Rendered, (Diagnostic, Vec<Access>)>;

/// What the worker sends back.
struct Finished {
    results: Vec<(ReportSpec, RenderResult, Duration)>,
    duration: Duration,
    changed: Vec<PathBuf>,
}

/// The run in progress.
struct Running {
    names: BTreeSet<String>,
    cancel: Arc<AtomicBool>,
}

/// A watch loop, ready to run.
pub struct Watch {
    opts: Options,
    tx: Sender<Msg>,
    rx: Receiver<Msg>,
    config: Result<Arc<Config>, Diagnostic>,
    specs: Vec<ReportSpec>,
}

impl Watch {
    /// Loads the project. An unknown report name or a project without
    /// reports is an error now; an invalid `dossier.toml` is reported by the
    /// first build, and the loop waits for it to be fixed.
    pub fn new(opts: Options) -> Result<Watch, Diagnostic> {
        let (tx, rx) = channel();
        let (config, specs) = match Config::load(&opts.root) {
            Ok(c) => {
                let specs = select(&reports(&c)?, &opts.names)?;
                (Ok(Arc::new(c)), specs)
            }
            Err(d) => (Err(d), Vec::new()),
        };
        Ok(Watch {
            opts,
            tx,
            rx,
            config,
            specs,
        })
    }

    /// A handle that stops the loop from another thread.
    pub fn stop_handle(&self) -> StopHandle {
        StopHandle(self.tx.clone())
    }

    /// The configuration as loaded by [`Watch::new`], if it loaded.
    pub fn config(&self) -> Option<&Arc<Config>> {
        self.config.as_ref().ok()
    }

    /// The reports watched, as selected by [`Watch::new`].
    pub fn specs(&self) -> &[ReportSpec] {
        &self.specs
    }

    /// Builds every report, then rebuilds on changes until stopped.
    pub fn run(self, observer: &mut dyn Observer) -> Result<(), Diagnostic> {
        let Watch {
            opts,
            tx,
            rx,
            config,
            specs,
        } = self;
        let fs_tx = tx.clone();
        let mut watcher = FileWatcher::new(opts.poll, move |c| {
            let _ = fs_tx.send(Msg::Changed(c));
        })?;
        let (job_tx, job_rx) = channel::<Job>();
        let done_tx = tx.clone();
        std::thread::Builder::new()
            .name("dossier-build".into())
            .spawn(move || worker(job_rx, done_tx))
            .map_err(|e| Diagnostic::error(format!("cannot start the build thread: {e}")))?;

        let project_file = opts.root.join(PROJECT_FILE);
        let mut st = Loop {
            project_file,
            output_dir: config
                .as_ref()
                .map(|c| c.output_dir.clone())
                .unwrap_or_else(|_| opts.root.join("out")),
            pending: specs.iter().map(|s| s.name.clone()).collect(),
            reload_error: config.as_ref().err().cloned(),
            config: config.ok(),
            specs,
            opts,
            deps: BTreeMap::new(),
            reload: false,
            changed: BTreeSet::new(),
            batch: Batch::default(),
            running: None,
            generation: 0,
            watched: None,
        };
        if let Some(d) = st.reload_error.take() {
            st.project_failed(d, observer);
            st.update_watches(&mut watcher, observer);
        }
        loop {
            st.maybe_start(&job_tx, observer);
            let wait = match (&st.running, st.has_pending(), st.batch.deadline()) {
                (None, true, Some(d)) => d.saturating_duration_since(Instant::now()),
                _ => IDLE_WAIT,
            };
            match rx.recv_timeout(wait) {
                Ok(Msg::Changed(c)) => st.changed_files(c),
                Ok(Msg::HtmlWritten(reports)) => st.html_written(reports, observer),
                Ok(Msg::Finished(f)) => {
                    st.finished(f, observer);
                    st.update_watches(&mut watcher, observer);
                }
                Ok(Msg::Stop) => {
                    if let Some(r) = &st.running {
                        r.cancel.store(true, Ordering::SeqCst);
                        // Let the cancelled run end (it writes nothing once
                        // cancelled), within reason.
                        let deadline = Instant::now() + SHUTDOWN_GRACE;
                        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
                            if let Ok(Msg::Finished(_)) = rx.recv_timeout(left) {
                                break;
                            }
                        }
                    }
                    return Ok(());
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return Ok(()),
            }
        }
    }
}

/// The loop's state.
struct Loop {
    opts: Options,
    project_file: PathBuf,
    output_dir: PathBuf,
    /// `None` while `dossier.toml` is invalid.
    config: Option<Arc<Config>>,
    specs: Vec<ReportSpec>,
    /// What each report's last run read and looked for.
    deps: BTreeMap<String, BTreeSet<Access>>,
    /// Reports to rebuild at the next run.
    pending: BTreeSet<String>,
    /// Reload `dossier.toml` before the next run.
    reload: bool,
    reload_error: Option<Diagnostic>,
    /// Changed files not yet reported in a status line.
    changed: BTreeSet<PathBuf>,
    batch: Batch,
    running: Option<Running>,
    generation: u64,
    /// The last watch counts reported.
    watched: Option<(usize, usize, usize)>,
}

impl Loop {
    fn has_pending(&self) -> bool {
        self.reload || !self.pending.is_empty()
    }

    fn show(&self, p: &Path) -> String {
        crate::config::display_rel(&self.opts.root, p)
    }

    /// Takes in a change: decides which reports it concerns, and cancels the
    /// run in progress if that run is building one of them.
    fn changed_files(&mut self, change: Change) {
        let mut affected: BTreeSet<String> = BTreeSet::new();
        let mut reload = false;
        let mut relevant: Vec<PathBuf> = Vec::new();
        let mut finished = true;
        match change {
            Change::Rescan => {
                reload = true;
                affected.extend(self.specs.iter().map(|s| s.name.clone()));
                self.batch.rescan(Instant::now());
            }
            Change::Paths {
                paths,
                finished: done,
            } => {
                finished = done;
                for p in paths {
                    if files::is_ignored_name(&p) || p.starts_with(&self.output_dir) {
                        continue;
                    }
                    if p == self.project_file {
                        reload = true;
                        relevant.push(p.clone());
                        self.changed.insert(p);
                        continue;
                    }
                    if self.config.is_none() {
                        continue;
                    }
                    let mut hit = false;
                    for (name, deps) in &self.deps {
                        if deps.contains(&Access::Read(p.clone()))
                            || deps.contains(&Access::Missing(p.clone()))
                        {
                            affected.insert(name.clone());
                            hit = true;
                        }
                    }
                    if hit {
                        relevant.push(p.clone());
                        self.changed.insert(p);
                    }
                }
            }
        }
        if !reload && affected.is_empty() {
            return;
        }
        self.batch.event(Instant::now(), &relevant, finished);
        self.reload |= reload;
        if let Some(r) = &self.running {
            if reload || r.names.iter().any(|n| affected.contains(n)) {
                r.cancel.store(true, Ordering::SeqCst);
            }
        }
        self.pending.extend(affected);
    }

    /// Starts the next run when none is running and the burst of events is over.
    fn maybe_start(&mut self, jobs: &Sender<Job>, observer: &mut dyn Observer) {
        if self.running.is_some() || !self.has_pending() || !self.batch.ready(Instant::now()) {
            return;
        }
        if std::mem::take(&mut self.reload) {
            if let Err(d) = self.reload_config() {
                self.pending.clear();
                self.project_failed(d, observer);
                return;
            }
            self.pending = self.specs.iter().map(|s| s.name.clone()).collect();
        }
        let Some(config) = self.config.clone() else {
            self.pending.clear();
            return;
        };
        let specs: Vec<ReportSpec> = self
            .specs
            .iter()
            .filter(|s| self.pending.contains(&s.name))
            .cloned()
            .collect();
        self.pending.clear();
        self.batch.clear();
        if specs.is_empty() {
            return;
        }
        let cancel = Arc::new(AtomicBool::new(false));
        let changed: Vec<PathBuf> = std::mem::take(&mut self.changed).into_iter().collect();
        self.running = Some(Running {
            names: specs.iter().map(|s| s.name.clone()).collect(),
            cancel: cancel.clone(),
        });
        let job = Job {
            config,
            specs,
            params: self.opts.params.clone(),
            formats: self.opts.formats.clone(),
            sink: self.opts.sink.clone(),
            cancel,
            changed,
        };
        if jobs.send(job).is_err() {
            self.running = None;
        }
    }

    /// Reloads `dossier.toml` and the report list.
    fn reload_config(&mut self) -> Result<(), Diagnostic> {
        let loaded = Config::load(&self.opts.root).and_then(|c| {
            let specs = select(&reports(&c)?, &self.opts.names)?;
            Ok((c, specs))
        });
        match loaded {
            Ok((c, specs)) => {
                self.output_dir = c.output_dir.clone();
                self.config = Some(Arc::new(c));
                self.deps
                    .retain(|name, _| specs.iter().any(|s| &s.name == name));
                self.specs = specs;
                Ok(())
            }
            Err(d) => {
                self.config = None;
                Err(d)
            }
        }
    }

    /// Reports a project that could not be loaded; the loop waits for `dossier.toml` to change.
    fn project_failed(&mut self, d: Diagnostic, observer: &mut dyn Observer) {
        self.generation += 1;
        let changed = std::mem::take(&mut self.changed)
            .iter()
            .map(|p| self.show(p))
            .collect();
        self.batch.clear();
        observer.built(&Build {
            generation: self.generation,
            at: chrono::Local::now(),
            duration: Duration::ZERO,
            changed,
            reports: Vec::new(),
            error: Some(d),
            root: self.opts.root.clone(),
            output_dir: self.output_dir.clone(),
            specs: self.specs.clone(),
        });
    }

    /// Tells the observer that the HTML of `reports` is on disk.
    fn html_written(&mut self, reports: Vec<ReportBuild>, observer: &mut dyn Observer) {
        observer.html_written(&Build {
            generation: self.generation + 1,
            at: chrono::Local::now(),
            duration: Duration::ZERO,
            changed: Vec::new(),
            reports,
            error: None,
            root: self.opts.root.clone(),
            output_dir: self.output_dir.clone(),
            specs: self.specs.clone(),
        });
    }

    /// Takes in a finished run: records what each report read, requeues the
    /// cancelled ones, and reports the others.
    fn finished(&mut self, f: Finished, observer: &mut dyn Observer) {
        self.running = None;
        let mut built = Vec::new();
        for (spec, result, duration) in f.results {
            match result {
                Ok(r) => {
                    self.deps
                        .insert(spec.name.clone(), r.accesses.into_iter().collect());
                    built.push(ReportBuild {
                        name: spec.name,
                        outcome: Outcome::Built(r.outputs),
                        duration,
                    });
                }
                Err((d, accesses)) => {
                    // Keep watching what the earlier runs read too: a run
                    // that failed early did not get to read everything.
                    let deps = self.deps.entry(spec.name.clone()).or_default();
                    deps.extend(accesses);
                    if d.kind == CANCELLED {
                        self.pending.insert(spec.name);
                        continue;
                    }
                    for p in [
                        self.opts.root.join(&spec.script),
                        self.opts.root.join(TEMPLATE_DIR).join(&spec.template),
                    ] {
                        deps.insert(if p.exists() {
                            Access::Read(p.canonicalize().unwrap_or(p))
                        } else {
                            Access::Missing(p)
                        });
                    }
                    built.push(ReportBuild {
                        name: spec.name,
                        outcome: Outcome::Failed(d),
                        duration,
                    });
                }
            }
        }
        if built.is_empty() {
            // Everything was cancelled: the next run reports these changes.
            self.changed.extend(f.changed);
            return;
        }
        self.generation += 1;
        observer.built(&Build {
            generation: self.generation,
            at: chrono::Local::now(),
            duration: f.duration,
            changed: f.changed.iter().map(|p| self.show(p)).collect(),
            reports: built,
            error: None,
            root: self.opts.root.clone(),
            output_dir: self.output_dir.clone(),
            specs: self.specs.clone(),
        });
    }

    /// Points the watcher at what the reports read now.
    fn update_watches(&mut self, watcher: &mut FileWatcher, observer: &mut dyn Observer) {
        let mut existing: BTreeSet<PathBuf> = BTreeSet::from([self.project_file.clone()]);
        let mut missing: BTreeSet<PathBuf> = BTreeSet::new();
        for deps in self.deps.values() {
            for a in deps {
                match a {
                    Access::Read(p) if !p.starts_with(&self.output_dir) => {
                        existing.insert(p.clone());
                    }
                    Access::Missing(p) if !p.starts_with(&self.output_dir) => {
                        missing.insert(p.clone());
                    }
                    _ => {}
                }
            }
        }
        for w in watcher.set(&existing, &missing) {
            observer.warning(&w);
        }
        let counts = watcher.counts();
        if self.watched != Some(counts) {
            self.watched = Some(counts);
            observer.watching(counts.0, counts.1, counts.2);
        }
    }
}

/// The build thread: one run at a time, each report through the pipeline.
/// The reports' scripts and HTML run side by side (one thread each, as
/// `render` does: issue 12 measured save → both pages on disk p50 156 ms
/// one after the other), then the PDFs one after the other.
fn worker(jobs: Receiver<Job>, done: Sender<Msg>) {
    for job in jobs {
        let started = Instant::now();
        // Stage 1: every report's script and HTML, so the pages (and the
        // browser showing them) update before any PDF is laid out.
        let stage_one = |spec: &ReportSpec| {
            let t = Instant::now();
            let formats = job.formats.clone().unwrap_or_else(|| spec.formats.clone());
            let (first, later): (Vec<Format>, Vec<Format>) =
                formats.iter().partition(|f| **f == Format::Html);
            let result = guarded(spec, || {
                let mut p = prepare_one(&job, spec)?;
                for f in &first {
                    p.write(*f)?;
                }
                Ok(p)
            });
            (spec.clone(), result, later, t.elapsed())
        };
        // `stage_one` is guarded, so a report's thread fails only on a bug
        // outside it; that report then fails like any other.
        let staged: Vec<_> = for_each_report(&job.specs, |spec| Ok(stage_one(spec)))
            .into_iter()
            .zip(&job.specs)
            .map(|(staged, spec)| {
                staged.unwrap_or_else(|failed| {
                    (spec.clone(), Err(failed), Vec::new(), Duration::ZERO)
                })
            })
            .collect();
        let html_written: Vec<ReportBuild> = staged
            .iter()
            .filter(|(_, r, later, _)| r.is_ok() && !later.is_empty())
            .map(|(spec, _, _, d)| ReportBuild {
                name: spec.name.clone(),
                outcome: Outcome::Built(Vec::new()),
                duration: *d,
            })
            .collect();
        if !html_written.is_empty() && done.send(Msg::HtmlWritten(html_written)).is_err() {
            return;
        }
        // Stage 2: the other formats (PDF).
        let results = staged
            .into_iter()
            .map(|(spec, result, later, d)| {
                let t = Instant::now();
                let result = result.and_then(|p| {
                    guarded(&spec, move || {
                        let mut p = p;
                        for f in &later {
                            p.write(*f)?;
                        }
                        Ok(p.done())
                    })
                });
                (spec, result, d + t.elapsed())
            })
            .collect();
        let finished = Finished {
            results,
            duration: started.elapsed(),
            changed: job.changed,
        };
        if done.send(Msg::Finished(finished)).is_err() {
            return;
        }
    }
}

/// Runs one report's script and fills its template, unless the job was
/// cancelled already.
fn prepare_one(job: &Job, spec: &ReportSpec) -> Result<Prepared, (Diagnostic, Vec<Access>)> {
    if job.cancel.load(Ordering::SeqCst) {
        return Err((
            Diagnostic::error(format!("report `{}`: the run was cancelled", spec.name))
                .with_kind(CANCELLED),
            Vec::new(),
        ));
    }
    prepare_report_cancellable(
        job.config.clone(),
        spec,
        &job.params,
        job.sink.clone(),
        Some(job.cancel.clone()),
    )
}

/// Runs a stage of one report. A bug (a panic outside the guarded Polars
/// calls) fails this report; it must not end the loop.
fn guarded<T>(
    spec: &ReportSpec,
    stage: impl FnOnce() -> Result<T, (Diagnostic, Vec<Access>)>,
) -> Result<T, (Diagnostic, Vec<Access>)> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(stage)).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        Err((
            Diagnostic::error(format!("report `{}`: internal error: {what}", spec.name)),
            Vec::new(),
        ))
    })
}
