//! Editions: what a report was made from, kept so that the next run can say
//! what changed.
//!
//! An edition is one successful rendering of one report, recorded beside its
//! archived outputs:
//!
//! - `out/archive/GROUP/ID/` holds the outputs (GROUP is the schedule's job,
//!   or the report's name for `dossier render --edition`; ID is the time,
//!   `2026-11-29T070000+0500`), and `.edition/REPORT.json`, the manifest:
//!   report, job, scheduled and actual time, parameters, dossier version,
//!   the hash of every file the run read, the data tables it read (schema,
//!   primary key, hash) and a summary of the changes against the edition
//!   before it.
//! - `out/archive/.editions/objects/SHA256` holds the exact bytes of each
//!   table snapshot, stored by content hash: a table that did not change
//!   costs nothing the next day.
//!
//! The manifest is written into the run's staging folder and appears in the
//! archive with the outputs, in the one `rename` that publishes the run, so
//! an edition exists exactly when its run succeeded (a killed or failed run
//! leaves at most an unreferenced snapshot object).
//!
//! [`diff`] compares two sides (an edition, or the data as it is now) table
//! by table with Polars; [`changes`] turns a comparison into the labelled
//! structure reports see (`changes()` in scripts, `changes` in templates).

pub mod changes;
pub mod diff;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::{Config, ParamValue, Params};
use crate::data::{Catalogue, Location};
use crate::diag::Diagnostic;
use crate::host::{Access, Host};

/// The folder under `out/archive/` holding the snapshot store.
pub const STORE_DIR: &str = ".editions";

/// The folder, inside an archive entry, holding its manifests (one per report).
pub const MANIFEST_DIR: &str = ".edition";

/// The manifest format written by this version.
pub const FORMAT: u32 = 1;

/// One file the run read, by hash.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Input {
    /// Relative to the project root when inside it.
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
}

/// One field of a snapshot table's schema.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FieldRecord {
    pub name: String,
    /// The Table Schema type (`string`, `integer`, `number`, `date`, …).
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// One data table an edition read: where it was, its schema then, and the
/// hash of its exact bytes (the name of its snapshot object).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableRecord {
    /// The resource name in the data package.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The `datapackage.json` that described it (relative to the root).
    pub package: String,
    /// The data file (relative to the root).
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
    #[serde(default)]
    pub primary_key: Vec<String>,
    pub fields: Vec<FieldRecord>,
}

impl TableRecord {
    /// The record of resource `res` of the package shown as `package`,
    /// whose file (shown as `path`) hashes to `sha256`.
    pub fn of(
        package: &str,
        res: &crate::data::Resource,
        path: String,
        sha256: String,
        bytes: u64,
    ) -> TableRecord {
        TableRecord {
            name: res.name.clone(),
            title: res.title.clone(),
            package: package.to_string(),
            path,
            sha256,
            bytes,
            primary_key: res
                .schema
                .primary_key
                .as_ref()
                .map(|k| k.to_vec())
                .unwrap_or_default(),
            fields: res
                .schema
                .fields
                .iter()
                .map(|f| FieldRecord {
                    name: f.name.clone(),
                    kind: f.kind.clone(),
                    title: f.title.clone(),
                })
                .collect(),
        }
    }
}

/// How many rows changed against the previous edition, computed when the
/// edition was recorded.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Summary {
    /// The id of the edition compared with.
    pub previous: String,
    pub added: u64,
    pub removed: u64,
    pub changed: u64,
    /// Tables with any difference (rows or schema).
    pub tables: Vec<String>,
}

impl Summary {
    /// Rows added, removed or changed.
    pub fn rows(&self) -> u64 {
        self.added + self.removed + self.changed
    }
}

/// The manifest of one edition (`.edition/REPORT.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub report: String,
    /// The schedule job that rendered it (none for `render --edition`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job: Option<String>,
    /// The scheduled time, with the job's offset (scheduled runs only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled: Option<String>,
    /// When the edition was recorded (UTC).
    pub recorded: String,
    #[serde(default)]
    pub params: BTreeMap<String, serde_json::Value>,
    pub dossier_version: String,
    /// Every file the run read.
    #[serde(default)]
    pub inputs: Vec<Input>,
    /// The data tables the run read, with their snapshots.
    #[serde(default)]
    pub tables: Vec<TableRecord>,
    /// The report's output files, relative to the edition's folder.
    #[serde(default)]
    pub outputs: Vec<String>,
    /// Changes against the edition before it, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<Summary>,
}

/// An edition found in the archive.
#[derive(Debug, Clone)]
pub struct Edition {
    /// The archive entry's folder name (its time).
    pub id: String,
    /// The folder above it: the job, or the report for `render --edition`.
    pub group: String,
    /// The archive entry (absolute).
    pub dir: PathBuf,
    pub manifest: Manifest,
}

impl Edition {
    /// The id, qualified with the group (`morning/2026-11-29T070000+0500`).
    pub fn qualified(&self) -> String {
        format!("{}/{}", self.group, self.id)
    }

    /// The time shown to people: the scheduled time, else the recorded time.
    pub fn time(&self) -> DateTime<FixedOffset> {
        self.manifest
            .scheduled
            .as_deref()
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .or_else(|| DateTime::parse_from_rfc3339(&self.manifest.recorded).ok())
            .unwrap_or_else(|| DateTime::<Utc>::UNIX_EPOCH.fixed_offset())
    }

    /// When the edition was recorded, for ordering.
    fn recorded(&self) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(&self.manifest.recorded).unwrap_or_else(|_| self.time())
    }

    /// The table record named `name`.
    pub fn table(&self, name: &str) -> Option<&TableRecord> {
        self.manifest.tables.iter().find(|t| t.name == name)
    }
}

/// The edition store of a project: the archive's manifests and the snapshot objects.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
    out: PathBuf,
}

impl Store {
    /// The store of the project in `config`.
    pub fn new(config: &Config) -> Store {
        Store {
            root: config.root.clone(),
            out: config.output_dir.clone(),
        }
    }

    /// `out/archive/`.
    pub fn archive(&self) -> PathBuf {
        self.out.join("archive")
    }

    /// `out/archive/.editions/objects/`.
    pub fn objects(&self) -> PathBuf {
        self.archive().join(STORE_DIR).join("objects")
    }

    /// The path of the snapshot object with hash `sha256`.
    pub fn object(&self, sha256: &str) -> PathBuf {
        self.objects().join(sha256)
    }

    /// `path` for people.
    pub fn show(&self, path: &Path) -> String {
        crate::config::display_rel(&self.root, path)
    }

    /// Stores `bytes` under their hash `sha256`, unless an intact copy is
    /// already there.
    pub fn put(&self, sha256: &str, bytes: &[u8]) -> Result<(), Diagnostic> {
        let path = self.object(sha256);
        // An intact copy is kept; a damaged one is replaced.
        if std::fs::metadata(&path).is_ok_and(|m| m.len() == bytes.len() as u64)
            && std::fs::read(&path).is_ok_and(|b| sha256_hex(&b) == sha256)
        {
            return Ok(());
        }
        crate::host::atomic_write(&path, |f| f.write_all(bytes)).map_err(|e| {
            Diagnostic::error(format!(
                "cannot store a snapshot in {}: {e}",
                self.show(&path)
            ))
            .with_kind("io")
        })
    }

    /// Reads the snapshot of `table` from `edition`, checking it is intact.
    pub fn read_snapshot(
        &self,
        edition: &Edition,
        table: &TableRecord,
    ) -> Result<Vec<u8>, Diagnostic> {
        let path = self.object(&table.sha256);
        let bytes = std::fs::read(&path).map_err(|e| {
            Diagnostic::error(format!(
                "the snapshot of table `{}` in edition {} is missing: {} ({e})",
                table.name,
                edition.id,
                self.show(&path)
            ))
            .with_kind("edition")
            .with_help("snapshots live in out/archive/.editions/objects/; restore that folder from a backup, or compare with another edition")
        })?;
        let actual = sha256_hex(&bytes);
        if actual != table.sha256 {
            return Err(self.corrupted(edition, table, &path, &actual));
        }
        Ok(bytes)
    }

    /// Checks that the snapshot of `table` exists with the recorded size
    /// (without reading it: used when the table is identical on both sides).
    pub fn check_snapshot(&self, edition: &Edition, table: &TableRecord) -> Result<(), Diagnostic> {
        let path = self.object(&table.sha256);
        match std::fs::metadata(&path) {
            Ok(m) if m.len() == table.bytes => Ok(()),
            Ok(m) => Err(self.corrupted(
                edition,
                table,
                &path,
                &format!("{} bytes instead of {}", m.len(), table.bytes),
            )),
            Err(_) => self.read_snapshot(edition, table).map(|_| ()),
        }
    }

    fn corrupted(
        &self,
        edition: &Edition,
        table: &TableRecord,
        path: &Path,
        found: &str,
    ) -> Diagnostic {
        Diagnostic::error(format!(
            "the snapshot of table `{}` in edition {} is corrupted: {} does not match its recorded hash",
            table.name,
            edition.id,
            self.show(path)
        ))
        .with_kind("edition")
        .with_note(format!("expected sha256 {}, found {found}", table.sha256))
        .with_help("the file was changed after it was stored; restore it from a backup, or compare with another edition")
    }

    /// Every edition (of `report`, or of all reports), oldest first.
    pub fn list(&self, report: Option<&str>) -> Result<Vec<Edition>, Diagnostic> {
        let mut out = Vec::new();
        let Ok(groups) = std::fs::read_dir(self.archive()) else {
            return Ok(out);
        };
        for group in groups.flatten() {
            let gname = group.file_name().to_string_lossy().into_owned();
            if gname.starts_with('.') || !group.path().is_dir() {
                continue;
            }
            let Ok(entries) = std::fs::read_dir(group.path()) else {
                continue;
            };
            for entry in entries.flatten() {
                let dir = entry.path().join(MANIFEST_DIR);
                let Ok(manifests) = std::fs::read_dir(&dir) else {
                    continue;
                };
                for m in manifests.flatten() {
                    let path = m.path();
                    if path.extension().and_then(|e| e.to_str()) != Some("json") {
                        continue;
                    }
                    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
                    if report.is_some_and(|r| r != stem) {
                        continue;
                    }
                    let manifest = read_manifest(&path).map_err(|e| {
                        Diagnostic::error(format!(
                            "cannot read the edition manifest {}: {e}",
                            self.show(&path)
                        ))
                        .with_kind("edition")
                    })?;
                    out.push(Edition {
                        id: entry.file_name().to_string_lossy().into_owned(),
                        group: gname.clone(),
                        dir: entry.path(),
                        manifest,
                    });
                }
            }
        }
        out.sort_by(|a, b| {
            a.recorded()
                .cmp(&b.recorded())
                .then_with(|| a.id.cmp(&b.id))
        });
        Ok(out)
    }

    /// The latest edition of `report`, if any.
    pub fn latest(&self, report: &str) -> Result<Option<Edition>, Diagnostic> {
        Ok(self.list(Some(report))?.pop())
    }
}

/// The language code of report `name` in dossier.toml (`en` unless it
/// says otherwise), or `None` when there is no such report.
pub fn report_lang(config: &Config, name: &str) -> Option<String> {
    let entry = config
        .reports
        .iter()
        .find(|t| t.get("name").and_then(|v| v.as_str()) == Some(name))?;
    let lang = entry
        .get("language")
        .or_else(|| entry.get("lang"))
        .and_then(|v| v.as_str())
        .unwrap_or("en");
    Some(lang.split('-').next().unwrap_or("en").to_string())
}

fn read_manifest(path: &Path) -> Result<Manifest, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    serde_json::from_slice(&bytes).map_err(|e| e.to_string())
}

/// The lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Which edition `--since` means.
#[derive(Debug, Clone, PartialEq)]
pub enum Since {
    /// `last`: the latest edition before the newer side.
    Last,
    /// An edition id (`2026-11-29T070000+0500`, or `GROUP/ID`).
    Id(String),
    /// The latest edition at or before the end of this day (its own time zone).
    Date(NaiveDate),
    /// The latest edition at or before this instant.
    Instant(DateTime<FixedOffset>),
}

impl Since {
    /// Reads `last`, a date (`2026-11-28`), a time (RFC 3339) or an edition id.
    pub fn parse(text: &str) -> Since {
        let t = text.trim();
        if t.eq_ignore_ascii_case("last") {
            Since::Last
        } else if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
            Since::Date(d)
        } else if let Ok(i) = DateTime::parse_from_rfc3339(t) {
            Since::Instant(i)
        } else {
            Since::Id(t.to_string())
        }
    }
}

/// Finds the edition `id` (or `GROUP/ID`) among `editions`.
pub fn find<'a>(
    editions: &'a [Edition],
    report: &str,
    id: &str,
) -> Result<&'a Edition, Diagnostic> {
    let hits: Vec<&Edition> = editions
        .iter()
        .filter(|e| e.id == id || e.qualified() == id)
        .collect();
    match hits.as_slice() {
        [one] => Ok(one),
        [] => {
            let ids: Vec<String> = editions.iter().map(|e| e.id.clone()).collect();
            let mut d = Diagnostic::error(format!("unknown edition `{id}` of report `{report}`"))
                .with_kind("edition");
            if ids.is_empty() {
                d = d.with_note(format!("report `{report}` has no editions yet"));
            } else {
                d = d.with_note(format!("its editions are: {}", ids.join(", ")));
            }
            Err(
                match crate::diag::did_you_mean(id, ids.iter().map(String::as_str)) {
                    Some(s) => d.with_help(format!("did you mean `{s}`?")),
                    None => d.with_help(format!("`dossier editions {report}` lists them")),
                },
            )
        }
        many => Err(
            Diagnostic::error(format!("edition `{id}` of report `{report}` is ambiguous"))
                .with_kind("edition")
                .with_note(format!(
                    "it is one of: {}",
                    many.iter()
                        .map(|e| e.qualified())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
                .with_help("give it as GROUP/ID"),
        ),
    }
}

/// The edition `since` selects among `editions` (oldest first), for a newer
/// side that is `newer` (an index into `editions`) or the current data.
pub fn select_since<'a>(
    editions: &'a [Edition],
    report: &str,
    since: &Since,
    newer: Option<usize>,
) -> Result<Option<&'a Edition>, Diagnostic> {
    let before = &editions[..newer.unwrap_or(editions.len())];
    let none = |what: String| {
        Diagnostic::error(format!("report `{report}` has no edition {what}"))
            .with_kind("edition")
            .with_help("`dossier editions REPORT` lists its editions")
    };
    Ok(match since {
        Since::Last => before.last(),
        Since::Id(id) => Some(find(editions, report, id)?),
        Since::Date(d) => Some(
            before
                .iter()
                .rev()
                .find(|e| e.time().date_naive() <= *d)
                .ok_or_else(|| none(format!("on or before {d}")))?,
        ),
        Since::Instant(t) => Some(
            before
                .iter()
                .rev()
                .find(|e| e.time() <= *t)
                .ok_or_else(|| none(format!("at or before {}", t.to_rfc3339())))?,
        ),
    })
}

/// A report's run, to be recorded as an edition.
#[derive(Debug, Clone)]
pub struct Recording<'a> {
    pub report: &'a str,
    pub job: Option<&'a str>,
    pub scheduled: Option<DateTime<FixedOffset>>,
    pub params: &'a Params,
    /// What the run read (`Rendered.accesses`).
    pub accesses: &'a [Access],
    /// The outputs, relative to the folder the manifest goes into.
    pub outputs: Vec<String>,
}

/// Snapshots the tables `rec` read and writes its manifest into
/// `entry/.edition/REPORT.json` (atomically). `entry` is the staging folder
/// that becomes the archive entry. The summary compares with the latest
/// edition recorded so far.
pub fn write_manifest(
    config: &Config,
    rec: &Recording,
    entry: &Path,
) -> Result<Manifest, Diagnostic> {
    let store = Store::new(config);
    let host = Host::new(config);
    let catalogue = Catalogue::load(config, &host)?;
    let read: Vec<&PathBuf> = rec
        .accesses
        .iter()
        .filter_map(|a| match a {
            Access::Read(p) if !p.starts_with(&config.output_dir) => Some(p),
            _ => None,
        })
        .collect();
    // Each table the run read is hashed and stored from one read of its
    // file, so the snapshot is exactly the bytes its hash names.
    let mut tables: Vec<TableRecord> = Vec::new();
    let mut hashed: BTreeMap<PathBuf, (String, u64)> = BTreeMap::new();
    for pkg in &catalogue.packages {
        let Location::Dir(dir) = &pkg.location else {
            continue;
        };
        for res in &pkg.package.resources {
            let file = dir.join(&res.path);
            let canon = file.canonicalize().unwrap_or_else(|_| file.clone());
            if !read.iter().any(|p| **p == canon || **p == file)
                || tables.iter().any(|t| t.name == res.name)
            {
                continue;
            }
            let data = std::fs::read(&canon).map_err(|e| {
                Diagnostic::error(format!(
                    "cannot snapshot {}: {e}",
                    config.display_path(&canon)
                ))
                .with_kind("io")
            })?;
            let sha = sha256_hex(&data);
            store.put(&sha, &data)?;
            hashed.insert(canon.clone(), (sha.clone(), data.len() as u64));
            tables.push(TableRecord::of(
                &pkg.display,
                res,
                config.display_path(&canon),
                sha,
                data.len() as u64,
            ));
        }
    }
    let mut inputs = Vec::new();
    for path in read {
        let (sha256, bytes) = match hashed.get(path) {
            Some(h) => h.clone(),
            None => match std::fs::read(path) {
                Ok(b) => (sha256_hex(&b), b.len() as u64),
                Err(_) => continue,
            },
        };
        inputs.push(Input {
            path: config.display_path(path),
            sha256,
            bytes,
        });
    }
    let mut manifest = Manifest {
        format: FORMAT,
        report: rec.report.to_string(),
        job: rec.job.map(str::to_string),
        scheduled: rec.scheduled.map(|t| t.to_rfc3339()),
        recorded: Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        params: rec
            .params
            .iter()
            .map(|(k, v)| (k.clone(), param_json(v)))
            .collect(),
        dossier_version: crate::VERSION.to_string(),
        inputs,
        tables,
        outputs: rec.outputs.clone(),
        summary: None,
    };
    if let Some(previous) = store.latest(rec.report)? {
        let this = Edition {
            id: String::new(),
            group: String::new(),
            dir: entry.to_path_buf(),
            manifest: manifest.clone(),
        };
        // A summary that cannot be computed (an earlier snapshot damaged)
        // must not stop today's edition: it is recorded without one.
        match diff::compare(config, &store, &previous, &diff::Newer::Edition(&this)) {
            Ok(d) => manifest.summary = Some(d.summary(&previous.id)),
            Err(e) => eprintln!(
                "warning: edition of `{}`: no summary against edition {}: {}",
                rec.report, previous.id, e.message
            ),
        }
    }
    let path = entry
        .join(MANIFEST_DIR)
        .join(format!("{}.json", rec.report));
    let json = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| Diagnostic::error(format!("cannot write the edition manifest: {e}")))?;
    crate::host::atomic_write(&path, |f| f.write_all(&json)).map_err(|e| {
        Diagnostic::error(format!("cannot write {}: {e}", config.display_path(&path)))
            .with_kind("io")
    })?;
    Ok(manifest)
}

fn param_json(v: &ParamValue) -> serde_json::Value {
    match v {
        ParamValue::Int(i) => (*i).into(),
        ParamValue::Float(f) => serde_json::Number::from_f64(*f)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null),
        ParamValue::Bool(b) => (*b).into(),
        ParamValue::Str(s) => s.clone().into(),
    }
}

/// Records an edition of a report rendered by `dossier render --edition`:
/// copies its outputs and writes its manifest into a staging folder, then
/// moves that folder to `out/archive/REPORT/ID/` in one rename.
pub fn record_render(
    config: &Config,
    report: &str,
    params: &Params,
    accesses: &[Access],
    outputs: &[PathBuf],
) -> Result<Edition, Diagnostic> {
    let io = |what: &str, p: &Path, e: std::io::Error| {
        Diagnostic::error(format!("cannot {what} {}: {e}", config.display_path(p))).with_kind("io")
    };
    let now = chrono::Local::now().fixed_offset();
    let staging = config
        .output_dir
        .join(".staging")
        .join(format!("edition-{report}-{}", std::process::id()));
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(|e| io("clear", &staging, e))?;
    }
    std::fs::create_dir_all(&staging).map_err(|e| io("create", &staging, e))?;
    let result = (|| {
        let mut names = Vec::new();
        for o in outputs {
            let name = o
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            std::fs::copy(o, staging.join(&name)).map_err(|e| io("copy", o, e))?;
            names.push(name);
        }
        let rec = Recording {
            report,
            job: None,
            scheduled: None,
            params,
            accesses,
            outputs: names,
        };
        let manifest = write_manifest(config, &rec, &staging)?;
        let group = config.output_dir.join("archive").join(report);
        std::fs::create_dir_all(&group).map_err(|e| io("create", &group, e))?;
        let base = now.format("%Y-%m-%dT%H%M%S%z").to_string();
        let mut id = base.clone();
        let mut n = 2;
        while group.join(&id).exists() {
            id = format!("{base}-{n}");
            n += 1;
        }
        let dir = group.join(&id);
        std::fs::rename(&staging, &dir).map_err(|e| io("archive", &dir, e))?;
        Ok(Edition {
            id,
            group: report.to_string(),
            dir,
            manifest,
        })
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result
}
