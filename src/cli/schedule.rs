//! `dossier schedule run|list|trigger|history|export`: scheduled briefings.
//! The scheduler itself is [`crate::schedule`]; this file only turns
//! arguments into calls and results into text.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, Utc};
use clap::Subcommand;

use crate::diag::Diagnostic;
use crate::schedule::clock::SystemClock;
use crate::schedule::history::{History, RunRow, Status};
use crate::schedule::job::{self, parse_duration, show_duration, HookCommand, JobSpec, ZoneSource};
use crate::schedule::runner::ProcessExecutor;
use crate::schedule::scheduler::{Log, Scheduler, DEFAULT_GRACE};
use crate::schedule::signals::Stop;
use crate::schedule::{export, Paths};

/// How many upcoming runs `dossier schedule list` shows per job: five show
/// a job's pattern (weekdays only, a daylight-saving change) at a glance.
const LIST_RUNS: usize = 5;

/// How many rows `dossier schedule history` shows without `--limit`: a
/// screenful, about three weeks of a daily job with its retries.
const HISTORY_ROWS: usize = 20;

/// The subcommands of `dossier schedule`.
#[derive(Debug, Subcommand)]
pub enum ScheduleCommand {
    /// Run the scheduler in the foreground until SIGINT/SIGTERM, logging each run's start and end.
    Run(RunArgs),
    /// Every job with its next five run times, in its own zone and in UTC.
    List(ListArgs),
    /// Run a job now; the run is recorded, archived and published like any other.
    Trigger(TriggerArgs),
    /// Past runs: scheduled time, start, end, duration, status, error, outputs.
    History(HistoryArgs),
    /// Print the jobs as crontab lines or systemd timer units.
    Export(ExportArgs),
    /// Run one attempt of a job into a staging folder (started by the scheduler).
    #[command(hide = true)]
    Exec(ExecArgs),
}

/// Arguments of `dossier schedule run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// After SIGINT/SIGTERM, how long running runs may take to finish
    /// before they are killed and recorded as aborted (e.g. 5s, 1m).
    #[arg(long, value_name = "DURATION")]
    pub grace: Option<String>,
}

/// Arguments of `dossier schedule list`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `dossier schedule trigger`.
#[derive(Debug, clap::Args)]
pub struct TriggerArgs {
    /// The schedule to run (a `[[schedule]]` name).
    pub name: String,
    /// After SIGINT/SIGTERM, how long the run may take to finish before it is killed.
    #[arg(long, value_name = "DURATION")]
    pub grace: Option<String>,
}

/// Arguments of `dossier schedule history`.
#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// Only this schedule's runs.
    pub name: Option<String>,
    /// At most this many rows, newest first.
    #[arg(long, short = 'n', value_name = "N", default_value_t = HISTORY_ROWS)]
    pub limit: usize,
    /// Print JSON (every field) instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `dossier schedule export`.
#[derive(Debug, clap::Args)]
#[group(required = true, multiple = false)]
pub struct ExportArgs {
    /// Crontab lines (with CRON_TZ) that run `dossier schedule trigger`.
    #[arg(long)]
    pub cron: bool,
    /// A systemd service and timer unit per job.
    #[arg(long)]
    pub systemd: bool,
}

/// Arguments of the hidden `dossier schedule exec`.
#[derive(Debug, clap::Args)]
pub struct ExecArgs {
    pub name: String,
    #[arg(long, value_name = "RFC3339")]
    pub scheduled_at: String,
    #[arg(long, value_name = "DIR")]
    pub staging: PathBuf,
}

/// Runs a `dossier schedule` subcommand.
pub fn execute(cmd: ScheduleCommand) -> Result<ExitCode, Diagnostic> {
    match cmd {
        ScheduleCommand::Run(a) => run(a),
        ScheduleCommand::List(a) => list(a),
        ScheduleCommand::Trigger(a) => trigger(a),
        ScheduleCommand::History(a) => history(a),
        ScheduleCommand::Export(a) => export_jobs(a),
        ScheduleCommand::Exec(a) => exec(a),
    }
}

/// Log lines to stdout, flushed at once (the log is often a pipe or a file).
fn stdout_log() -> Log {
    Arc::new(|line| {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    })
}

fn grace(flag: &Option<String>) -> Result<std::time::Duration, Diagnostic> {
    match flag {
        None => Ok(DEFAULT_GRACE),
        Some(s) => parse_duration(s).map_err(|why| {
            Diagnostic::error(format!("--grace {why}")).with_help("e.g. --grace 10s")
        }),
    }
}

fn load_jobs() -> Result<(crate::config::Config, Vec<JobSpec>), Diagnostic> {
    let config = super::load_config(None)?;
    let jobs = job::jobs(&config)?;
    Ok((config, jobs))
}

fn no_jobs() -> Diagnostic {
    Diagnostic::error("no [[schedule]] entries in dossier.toml")
        .with_kind("config")
        .with_help("add one, e.g.\n[[schedule]]\nname = \"morning\"\nreports = [\"briefing-en\"]\ncron = \"0 7 * * *\"\ntimezone = \"Asia/Almaty\"")
}

fn run(a: RunArgs) -> Result<ExitCode, Diagnostic> {
    let grace = grace(&a.grace)?;
    let (config, jobs) = load_jobs()?;
    if jobs.is_empty() {
        return Err(no_jobs());
    }
    let stop = Stop::from_signals();
    let executor = ProcessExecutor::current().map_err(Diagnostic::error)?;
    let paths = Paths::new(&config);
    let log = stdout_log();
    let n = jobs.len();
    let mut s = Scheduler::open(
        paths.clone(),
        jobs,
        SystemClock,
        executor,
        log.clone(),
        grace,
    )?;
    log(&format!(
        "{}  scheduler started for {} (PID {}): {n} job(s), history {}; stop with Ctrl-C or SIGTERM",
        crate::schedule::history::stamp(Utc::now()),
        config.root.display(),
        std::process::id(),
        paths.show(&paths.history())
    ));
    s.run(&stop);
    Ok(ExitCode::SUCCESS)
}

fn trigger(a: TriggerArgs) -> Result<ExitCode, Diagnostic> {
    let grace = grace(&a.grace)?;
    let (config, jobs) = load_jobs()?;
    let spec = job::find(&jobs, &a.name)?.clone();
    let stop = Stop::from_signals();
    let executor = ProcessExecutor::current().map_err(Diagnostic::error)?;
    let paths = Paths::new(&config);
    let done = Scheduler::trigger(
        paths.clone(),
        spec,
        SystemClock,
        executor,
        stdout_log(),
        grace,
        &stop,
    )?;
    let row = History::open(&paths.history())?.get(done.run_id)?;
    match row {
        Some(r) if r.status == Status::Succeeded => {
            println!("ok    {} run {}: {}", r.job, r.id, r.outputs.join(", "));
            Ok(ExitCode::SUCCESS)
        }
        Some(r) => {
            println!("FAIL  {} run {}: {}", r.job, r.id, r.status.as_str());
            if let Some(e) = &r.error {
                eprintln!("{}", e.trim_end());
            }
            Ok(ExitCode::from(1))
        }
        None => Ok(ExitCode::from(1)),
    }
}

fn exec(a: ExecArgs) -> Result<ExitCode, Diagnostic> {
    let config = Arc::new(super::load_config(None)?);
    let scheduled = DateTime::parse_from_rfc3339(&a.scheduled_at)
        .map_err(|e| Diagnostic::error(format!("--scheduled-at {:?}: {e}", a.scheduled_at)))?
        .with_timezone(&Utc);
    let staging = crate::config::absolutize(&a.staging);
    let r = crate::schedule::exec::execute(config, &a.name, scheduled, &staging);
    Ok(if r.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn hook_text(h: &HookCommand) -> String {
    match h {
        HookCommand::Shell(s) => s.clone(),
        HookCommand::Argv(v) => format!("{v:?}"),
    }
}

fn zone_text(spec: &JobSpec) -> String {
    match &spec.zone_source {
        ZoneSource::Entry => spec.tz.name().to_string(),
        ZoneSource::Machine(from) => {
            format!("{} (the machine's zone, from {from})", spec.tz.name())
        }
    }
}

fn list(a: ListArgs) -> Result<ExitCode, Diagnostic> {
    let (config, jobs) = load_jobs()?;
    if jobs.is_empty() {
        return Err(no_jobs());
    }
    let paths = Paths::new(&config);
    let history = History::open_existing(&paths.history())?;
    let now = Utc::now();
    if a.json {
        let v: Vec<serde_json::Value> = jobs
            .iter()
            .map(|j| {
                let next: Vec<serde_json::Value> = j
                    .cron
                    .upcoming(now, j.tz, LIST_RUNS)
                    .iter()
                    .map(|t| {
                        serde_json::json!({
                            "local": t.to_rfc3339(),
                            "utc": t.with_timezone(&Utc).to_rfc3339(),
                        })
                    })
                    .collect();
                let last = history
                    .as_ref()
                    .and_then(|h| h.last(&j.name).ok().flatten());
                serde_json::json!({
                    "name": j.name,
                    "cron": j.cron.text(),
                    "timezone": j.tz.name(),
                    "timezone_from": match &j.zone_source { ZoneSource::Entry => "entry".to_string(), ZoneSource::Machine(f) => f.clone() },
                    "reports": j.reports,
                    "catch_up": j.catch_up.as_str(),
                    "retries": j.retries,
                    "retry_backoff_s": j.retry_backoff.as_secs_f64(),
                    "timeout_s": j.timeout.as_secs_f64(),
                    "next": next,
                    "last_run": last,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        return Ok(ExitCode::SUCCESS);
    }
    for (k, j) in jobs.iter().enumerate() {
        if k > 0 {
            println!();
        }
        println!("{}  cron \"{}\" in {}", j.name, j.cron.text(), zone_text(j));
        println!(
            "  reports {} · catch_up {} · retries {}{} · timeout {}",
            j.reports.join(", "),
            j.catch_up.as_str(),
            j.retries,
            if j.retries > 0 {
                format!(" (back-off from {})", show_duration(j.retry_backoff))
            } else {
                String::new()
            },
            show_duration(j.timeout)
        );
        if let Some(h) = &j.on_success {
            println!("  on_success {}", hook_text(h));
        }
        if let Some(h) = &j.on_failure {
            println!("  on_failure {}", hook_text(h));
        }
        if let Some(last) = history
            .as_ref()
            .and_then(|h| h.last(&j.name).ok().flatten())
        {
            println!(
                "  last run {} {} (scheduled {})",
                last.id,
                last.status.as_str(),
                last.scheduled_at
            );
        }
        let next = j.cron.upcoming(now, j.tz, LIST_RUNS);
        println!("  {:<32}UTC", format!("next runs ({})", j.tz.name()));
        for t in next {
            println!(
                "  {:<32}{}",
                t.format("%a %Y-%m-%d %H:%M:%S %:z").to_string(),
                t.with_timezone(&Utc).format("%a %Y-%m-%d %H:%M:%S")
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn history(a: HistoryArgs) -> Result<ExitCode, Diagnostic> {
    let config = super::load_config(None)?;
    let paths = Paths::new(&config);
    let rows = match History::open_existing(&paths.history())? {
        Some(h) => h.list(a.name.as_deref(), a.limit)?,
        None => Vec::new(),
    };
    if rows.is_empty() {
        if let Some(n) = &a.name {
            // An unknown name is more likely a typo than a job that never ran.
            if let Ok(jobs) = job::jobs(&config) {
                if !jobs.iter().any(|j| &j.name == n) {
                    job::find(&jobs, n)?;
                }
            }
        }
    }
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&rows).unwrap_or_default()
        );
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        println!("no runs recorded yet ({})", paths.show(&paths.history()));
        return Ok(ExitCode::SUCCESS);
    }
    print!("{}", history_table(&rows));
    Ok(ExitCode::SUCCESS)
}

/// A time of the history in the offset of the row's scheduled time: only
/// the time when it is the scheduled date, else the date too.
fn in_offset(stamp: Option<&str>, offset: Option<(FixedOffset, String)>) -> String {
    let Some(t) = stamp.and_then(|s| DateTime::parse_from_rfc3339(s).ok()) else {
        return "-".into();
    };
    match offset {
        Some((off, date)) => {
            let local = t.with_timezone(&off);
            if local.format("%Y-%m-%d").to_string() == date {
                local.format("%H:%M:%S%.3f").to_string()
            } else {
                local.format("%Y-%m-%d %H:%M:%S%.3f").to_string()
            }
        }
        None => t
            .with_timezone(&Utc)
            .format("%Y-%m-%d %H:%M:%S%.3fZ")
            .to_string(),
    }
}

fn history_table(rows: &[RunRow]) -> String {
    let mut table: Vec<Vec<String>> = Vec::with_capacity(rows.len());
    for r in rows {
        let sched = DateTime::parse_from_rfc3339(&r.scheduled_at).ok();
        let offset = sched.map(|s| (*s.offset(), s.format("%Y-%m-%d").to_string()));
        let detail = if !r.outputs.is_empty() {
            let dir = r.archive.clone().unwrap_or_default();
            let files: Vec<&str> = r
                .outputs
                .iter()
                .map(|o| o.strip_prefix(&format!("{dir}/")).unwrap_or(o))
                .collect();
            format!("{dir}/{{{}}}", files.join(", "))
        } else {
            r.error
                .as_deref()
                .map(|e| {
                    e.lines()
                        .find(|l| !l.trim().is_empty())
                        .unwrap_or("")
                        .trim()
                        .to_string()
                })
                .unwrap_or_default()
        };
        table.push(vec![
            r.id.to_string(),
            r.job.clone(),
            sched
                .map(|s| s.format("%Y-%m-%d %H:%M:%S %:z").to_string())
                .unwrap_or_else(|| r.scheduled_at.clone()),
            in_offset(r.started_at.as_deref(), offset.clone()),
            in_offset(r.ended_at.as_deref(), offset),
            r.duration_ms
                .map(|ms| format!("{:.3} s", ms as f64 / 1000.0))
                .unwrap_or_else(|| "-".into()),
            r.status.as_str().to_string(),
            if r.status == Status::Missed {
                "-".into()
            } else if r.attempt > 1 {
                format!("{} #{}", r.trigger, r.attempt)
            } else {
                r.trigger.clone()
            },
            detail,
        ]);
    }
    super::table::render(
        &[
            "RUN",
            "JOB",
            "SCHEDULED",
            "STARTED",
            "ENDED",
            "DURATION",
            "STATUS",
            "TRIGGER",
            "OUTPUTS / ERROR",
        ],
        &table,
        &[0],
    )
}

fn export_jobs(a: ExportArgs) -> Result<ExitCode, Diagnostic> {
    let (config, jobs) = load_jobs()?;
    if jobs.is_empty() {
        return Err(no_jobs());
    }
    let exe = std::env::current_exe()
        .map_err(|e| Diagnostic::error(format!("cannot find the dossier executable: {e}")))?;
    let text = if a.systemd {
        export::systemd(&jobs, &config.root, &exe)?
    } else {
        export::crontab(&jobs, &config.root, &exe)
    };
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}
