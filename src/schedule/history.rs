//! The run history: one SQLite database per project,
//! `.dossier/history.sqlite`, in WAL mode with full synchronous commits.
//!
//! One row per run (each retry attempt is a run), inserted as `running`
//! when the run starts and updated when it ends; one row per missed
//! occurrence. Each change is one transaction, and the row that starts a
//! scheduled run commits together with the job's "last due" occurrence, so
//! a kill at any moment leaves either both or neither: no occurrence is run
//! twice or lost from the record. A row still `running` whose job lock
//! nobody holds was cut short (crash, kill, power loss) and is marked
//! `interrupted` by the next scheduler or trigger.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::diag::Diagnostic;

/// How long a writer waits for another process's transaction (the
/// scheduler, a trigger and `history` share the file) before giving up.
/// Transactions here last milliseconds; 10 s rides out a slow disk.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The schema version, in `PRAGMA user_version`.
const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS runs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    job           TEXT NOT NULL,
    trigger       TEXT NOT NULL,
    attempt       INTEGER NOT NULL DEFAULT 1,
    scheduled_at  TEXT NOT NULL,
    scheduled_utc TEXT NOT NULL,
    started_at    TEXT,
    ended_at      TEXT,
    duration_ms   INTEGER,
    status        TEXT NOT NULL,
    error         TEXT,
    outputs       TEXT NOT NULL DEFAULT '[]',
    archive       TEXT,
    pid           INTEGER,
    hook          TEXT
);
CREATE INDEX IF NOT EXISTS runs_by_job ON runs (job, id);
CREATE INDEX IF NOT EXISTS runs_by_status ON runs (status);
CREATE TABLE IF NOT EXISTS jobs (
    name     TEXT PRIMARY KEY,
    last_due TEXT NOT NULL
);
";

/// The state of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Started and not ended (or cut short and not yet found out).
    Running,
    Succeeded,
    Failed,
    /// Killed after the job's `timeout`.
    TimedOut,
    /// Stopped because the scheduler was stopped (SIGTERM/SIGINT) and the
    /// run did not end within the grace period.
    Aborted,
    /// Found `running` after its process died (crash, kill, power loss).
    Interrupted,
    /// An occurrence that did not run (downtime, overlap, `catch_up = "skip"`).
    Missed,
}

impl Status {
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Running => "running",
            Status::Succeeded => "succeeded",
            Status::Failed => "failed",
            Status::TimedOut => "timed_out",
            Status::Aborted => "aborted",
            Status::Interrupted => "interrupted",
            Status::Missed => "missed",
        }
    }

    pub fn parse(s: &str) -> Status {
        match s {
            "running" => Status::Running,
            "succeeded" => Status::Succeeded,
            "failed" => Status::Failed,
            "timed_out" => Status::TimedOut,
            "aborted" => Status::Aborted,
            "missed" => Status::Missed,
            _ => Status::Interrupted,
        }
    }
}

/// One row of the history.
#[derive(Debug, Clone, Serialize)]
pub struct RunRow {
    pub id: i64,
    pub job: String,
    /// `schedule`, `catch-up` or `manual`.
    pub trigger: String,
    /// 1 for the first attempt, 2 for the first retry, …
    pub attempt: i64,
    /// The occurrence, in the job's zone (RFC 3339 with its offset).
    pub scheduled_at: String,
    /// The same instant in UTC.
    pub scheduled_utc: String,
    pub started_at: Option<String>,
    pub ended_at: Option<String>,
    pub duration_ms: Option<i64>,
    pub status: Status,
    pub error: Option<String>,
    /// Archived output files, relative to the project root.
    pub outputs: Vec<String>,
    /// The archive folder, relative to the project root.
    pub archive: Option<String>,
    /// The process that ran it (the scheduler or a trigger).
    pub pid: Option<i64>,
    /// What the on_success / on_failure command did.
    pub hook: Option<String>,
}

/// A run about to start.
#[derive(Debug, Clone)]
pub struct NewRun<'a> {
    pub job: &'a str,
    pub trigger: &'a str,
    pub attempt: u32,
    /// The occurrence in the job's zone, RFC 3339.
    pub scheduled_at: String,
    pub scheduled_utc: DateTime<Utc>,
    pub started_at: DateTime<Utc>,
}

/// How a run ended.
#[derive(Debug, Clone)]
pub struct Ending<'a> {
    pub status: Status,
    pub ended_at: DateTime<Utc>,
    pub duration_ms: i64,
    pub error: Option<&'a str>,
    pub outputs: &'a [String],
    pub archive: Option<&'a str>,
}

/// An occurrence to record as missed.
#[derive(Debug, Clone)]
pub struct Missed {
    pub scheduled_at: String,
    pub scheduled_utc: DateTime<Utc>,
    pub reason: String,
}

/// An open history database.
pub struct History {
    conn: Connection,
    path: PathBuf,
}

/// A time as stored: UTC, microseconds, `Z` (sorts as text; fine enough
/// to measure how late a run started).
pub fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn parse_stamp(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

fn db_err(path: &Path) -> impl Fn(rusqlite::Error) -> Diagnostic + '_ {
    move |e| Diagnostic::error(format!("run history {}: {e}", path.display())).with_kind("io")
}

impl History {
    /// Opens (creating if needed) the history at `path`.
    pub fn open(path: &Path) -> Result<History, Diagnostic> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| {
                Diagnostic::error(format!("cannot create {}: {e}", dir.display())).with_kind("io")
            })?;
        }
        let err = db_err(path);
        let conn = Connection::open(path).map_err(&err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(&err)?;
        // WAL: readers (`dossier schedule history`) never block the
        // scheduler, and a commit is one append. FULL: a commit is on disk
        // before the call returns, so even power loss keeps every row.
        let mode: String = conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .map_err(&err)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Diagnostic::error(format!(
                "run history {}: the file system does not support SQLite's WAL mode (journal mode is {mode})",
                path.display()
            )));
        }
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(&err)?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(&err)?;
        if version > SCHEMA_VERSION {
            return Err(Diagnostic::error(format!(
                "run history {} was written by a newer dossier (schema {version}, this one knows {SCHEMA_VERSION})",
                path.display()
            )));
        }
        if version < SCHEMA_VERSION {
            conn.execute_batch(SCHEMA).map_err(&err)?;
            conn.pragma_update(None, "user_version", SCHEMA_VERSION)
                .map_err(&err)?;
        }
        Ok(History {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Opens the history only if it exists (for read-only commands).
    pub fn open_existing(path: &Path) -> Result<Option<History>, Diagnostic> {
        if path.exists() {
            History::open(path).map(Some)
        } else {
            Ok(None)
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> Diagnostic + '_ {
        db_err(&self.path)
    }

    /// The last occurrence handled for `job`, if the scheduler ever saw it.
    pub fn last_due(&self, job: &str) -> Result<Option<DateTime<Utc>>, Diagnostic> {
        let s: Option<String> = self
            .conn
            .query_row("SELECT last_due FROM jobs WHERE name = ?1", [job], |r| {
                r.get(0)
            })
            .optional()
            .map_err(self.err())?;
        Ok(s.as_deref().and_then(parse_stamp))
    }

    /// Sets the last occurrence handled for `job`.
    pub fn set_last_due(&self, job: &str, t: DateTime<Utc>) -> Result<(), Diagnostic> {
        self.conn
            .execute(
                "INSERT INTO jobs (name, last_due) VALUES (?1, ?2)
                 ON CONFLICT(name) DO UPDATE SET last_due = excluded.last_due",
                params![job, stamp(t)],
            )
            .map_err(self.err())?;
        Ok(())
    }

    /// In one transaction: records `missed` occurrences, starts `run` (if
    /// any) and, when `last_due` is given, moves the job's last handled
    /// occurrence. Returns the new run's id.
    pub fn begin(
        &mut self,
        job: &str,
        missed: &[Missed],
        run: Option<&NewRun>,
        last_due: Option<DateTime<Utc>>,
    ) -> Result<Option<i64>, Diagnostic> {
        let err = db_err(&self.path);
        let tx = self.conn.transaction().map_err(&err)?;
        for m in missed {
            tx.execute(
                "INSERT INTO runs (job, trigger, attempt, scheduled_at, scheduled_utc, status, error)
                 VALUES (?1, 'schedule', 0, ?2, ?3, 'missed', ?4)",
                params![job, m.scheduled_at, stamp(m.scheduled_utc), m.reason],
            )
            .map_err(&err)?;
        }
        let id = match run {
            Some(r) => {
                tx.execute(
                    "INSERT INTO runs (job, trigger, attempt, scheduled_at, scheduled_utc, started_at, status, pid)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'running', ?7)",
                    params![
                        r.job,
                        r.trigger,
                        r.attempt,
                        r.scheduled_at,
                        stamp(r.scheduled_utc),
                        stamp(r.started_at),
                        std::process::id()
                    ],
                )
                .map_err(&err)?;
                Some(tx.last_insert_rowid())
            }
            None => None,
        };
        if let Some(t) = last_due {
            tx.execute(
                "INSERT INTO jobs (name, last_due) VALUES (?1, ?2)
                 ON CONFLICT(name) DO UPDATE SET last_due = excluded.last_due",
                params![job, stamp(t)],
            )
            .map_err(&err)?;
        }
        tx.commit().map_err(&err)?;
        Ok(id)
    }

    /// Records how run `id` ended.
    pub fn finish(&self, id: i64, e: &Ending) -> Result<(), Diagnostic> {
        let outputs = serde_json::to_string(e.outputs).unwrap_or_else(|_| "[]".into());
        self.conn
            .execute(
                "UPDATE runs SET status = ?2, ended_at = ?3, duration_ms = ?4, error = ?5,
                 outputs = ?6, archive = ?7 WHERE id = ?1",
                params![
                    id,
                    e.status.as_str(),
                    stamp(e.ended_at),
                    e.duration_ms,
                    e.error,
                    outputs,
                    e.archive
                ],
            )
            .map_err(self.err())?;
        Ok(())
    }

    /// Records what a hook did for run `id`.
    pub fn set_hook(&self, id: i64, text: &str) -> Result<(), Diagnostic> {
        self.conn
            .execute("UPDATE runs SET hook = ?2 WHERE id = ?1", params![id, text])
            .map_err(self.err())?;
        Ok(())
    }

    /// The jobs that have rows still `running`.
    pub fn running_jobs(&self) -> Result<Vec<String>, Diagnostic> {
        let mut st = self
            .conn
            .prepare("SELECT DISTINCT job FROM runs WHERE status = 'running' ORDER BY job")
            .map_err(self.err())?;
        let rows = st
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(self.err())?;
        rows.collect::<Result<Vec<_>, _>>().map_err(self.err())
    }

    /// Marks `job`'s `running` rows interrupted (call only while holding
    /// the job's lock, so none of them can really be running). Returns
    /// their ids.
    pub fn mark_interrupted(&self, job: &str, now: DateTime<Utc>) -> Result<Vec<i64>, Diagnostic> {
        let mut st = self
            .conn
            .prepare("SELECT id FROM runs WHERE job = ?1 AND status = 'running' ORDER BY id")
            .map_err(self.err())?;
        let ids: Vec<i64> = st
            .query_map([job], |r| r.get(0))
            .map_err(self.err())?
            .collect::<Result<_, _>>()
            .map_err(self.err())?;
        if ids.is_empty() {
            // Nothing to mark: no write, no sync.
            return Ok(ids);
        }
        let note = format!(
            "interrupted: the process running it stopped (crash, kill or power loss) before the run ended; found at {}",
            stamp(now)
        );
        self.conn
            .execute(
                "UPDATE runs SET status = 'interrupted', error = ?2 WHERE job = ?1 AND status = 'running'",
                params![job, note],
            )
            .map_err(self.err())?;
        Ok(ids)
    }

    /// The newest rows first, for one job or all, at most `limit`.
    pub fn list(&self, job: Option<&str>, limit: usize) -> Result<Vec<RunRow>, Diagnostic> {
        let sql = format!(
            "SELECT {COLUMNS} FROM runs WHERE (?1 IS NULL OR job = ?1) ORDER BY id DESC LIMIT ?2"
        );
        let mut st = self.conn.prepare(&sql).map_err(self.err())?;
        let rows = st
            .query_map(params![job, limit.min(i64::MAX as usize) as i64], row_of)
            .map_err(self.err())?;
        rows.collect::<Result<Vec<_>, _>>().map_err(self.err())
    }

    /// The newest row of `job`, if any.
    pub fn last(&self, job: &str) -> Result<Option<RunRow>, Diagnostic> {
        Ok(self.list(Some(job), 1)?.into_iter().next())
    }

    /// One row by id.
    pub fn get(&self, id: i64) -> Result<Option<RunRow>, Diagnostic> {
        self.conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM runs WHERE id = ?1"),
                [id],
                row_of,
            )
            .optional()
            .map_err(self.err())
    }
}

const COLUMNS: &str =
    "id, job, trigger, attempt, scheduled_at, scheduled_utc, started_at, ended_at, \
                       duration_ms, status, error, outputs, archive, pid, hook";

fn row_of(r: &rusqlite::Row) -> rusqlite::Result<RunRow> {
    let outputs: String = r.get(11)?;
    Ok(RunRow {
        id: r.get(0)?,
        job: r.get(1)?,
        trigger: r.get(2)?,
        attempt: r.get(3)?,
        scheduled_at: r.get(4)?,
        scheduled_utc: r.get(5)?,
        started_at: r.get(6)?,
        ended_at: r.get(7)?,
        duration_ms: r.get(8)?,
        status: Status::parse(&r.get::<_, String>(9)?),
        error: r.get(10)?,
        outputs: serde_json::from_str(&outputs).unwrap_or_default(),
        archive: r.get(12)?,
        pid: r.get(13)?,
        hook: r.get(14)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn new_run(job: &str) -> NewRun<'_> {
        NewRun {
            job,
            trigger: "schedule",
            attempt: 1,
            scheduled_at: "2026-11-29T07:00:00+05:00".into(),
            scheduled_utc: t("2026-11-29T02:00:00Z"),
            started_at: t("2026-11-29T02:00:00.004Z"),
        }
    }

    #[test]
    fn rows_are_written_at_start_and_updated_at_end() {
        let dir = tempfile::tempdir().unwrap();
        let mut h = History::open(&dir.path().join("h.sqlite")).unwrap();
        let id = h
            .begin(
                "morning",
                &[],
                Some(&new_run("morning")),
                Some(t("2026-11-29T02:00:00Z")),
            )
            .unwrap()
            .unwrap();
        let row = h.last("morning").unwrap().unwrap();
        assert_eq!(row.status, Status::Running);
        assert_eq!(
            row.started_at.as_deref(),
            Some("2026-11-29T02:00:00.004000Z")
        );
        assert_eq!(
            h.last_due("morning").unwrap(),
            Some(t("2026-11-29T02:00:00Z"))
        );
        h.finish(
            id,
            &Ending {
                status: Status::Succeeded,
                ended_at: t("2026-11-29T02:00:01.504Z"),
                duration_ms: 1500,
                error: None,
                outputs: &["out/archive/morning/x/briefing-en.html".into()],
                archive: Some("out/archive/morning/x"),
            },
        )
        .unwrap();
        let row = h.get(id).unwrap().unwrap();
        assert_eq!(row.status, Status::Succeeded);
        assert_eq!(row.duration_ms, Some(1500));
        assert_eq!(row.outputs, ["out/archive/morning/x/briefing-en.html"]);
    }

    #[test]
    fn a_running_row_survives_a_dead_connection_and_becomes_interrupted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.sqlite");
        {
            let mut h = History::open(&path).unwrap();
            h.begin("morning", &[], Some(&new_run("morning")), None)
                .unwrap();
            // The process dies without closing the database.
            std::mem::forget(h);
        }
        let h = History::open(&path).unwrap();
        assert_eq!(h.running_jobs().unwrap(), ["morning"]);
        let ids = h
            .mark_interrupted("morning", t("2026-11-29T03:00:00Z"))
            .unwrap();
        assert_eq!(ids.len(), 1);
        let row = h.last("morning").unwrap().unwrap();
        assert_eq!(row.status, Status::Interrupted);
        assert!(row
            .error
            .unwrap()
            .contains("found at 2026-11-29T03:00:00.000000Z"));
        assert!(h.running_jobs().unwrap().is_empty());
    }
}
