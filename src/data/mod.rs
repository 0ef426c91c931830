//! The data catalogue: Frictionless data packages (`datapackage.json`),
//! typed loading of their resources, and validation.
//!
//! A project's data folders (`paths.data`, default `data/`) may each hold a
//! `datapackage.json`. `dataset(name)` looks there first, then in the
//! relations dataset bundled into the binary ([`bundled`]), so every project
//! can use it. Field types come from the package, never from guessing.

pub mod bundled;
pub mod csv_diagnose;
pub mod partitionwise;
pub mod shared;
pub mod threads;
pub mod validate;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use polars::prelude::*;
use serde::Deserialize;

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::host::Host;

/// A data package as read from `datapackage.json` (the fields dossier uses).
#[derive(Debug, Clone, Deserialize)]
pub struct Package {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub resources: Vec<Resource>,
    #[serde(default)]
    pub licenses: Vec<serde_json::Value>,
    #[serde(default)]
    pub sources: Vec<serde_json::Value>,
}

/// One tabular resource.
#[derive(Debug, Clone, Deserialize)]
pub struct Resource {
    pub name: String,
    pub path: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    pub schema: TableSchema,
}

/// A Table Schema.
#[derive(Debug, Clone, Deserialize)]
pub struct TableSchema {
    pub fields: Vec<Field>,
    #[serde(default, rename = "primaryKey")]
    pub primary_key: Option<OneOrMany>,
    #[serde(default, rename = "foreignKeys")]
    pub foreign_keys: Vec<ForeignKey>,
    #[serde(default, rename = "missingValues")]
    pub missing_values: Option<Vec<String>>,
}

/// A string or an array of strings (Table Schema allows both for keys).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

/// A foreign key.
#[derive(Debug, Clone, Deserialize)]
pub struct ForeignKey {
    pub fields: OneOrMany,
    pub reference: Reference,
}

/// The target of a foreign key; an empty resource means this resource.
#[derive(Debug, Clone, Deserialize)]
pub struct Reference {
    #[serde(default)]
    pub resource: String,
    pub fields: OneOrMany,
}

/// A field of a Table Schema.
#[derive(Debug, Clone, Deserialize)]
pub struct Field {
    pub name: String,
    #[serde(rename = "type", default = "default_type")]
    pub kind: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub constraints: Constraints,
}

fn default_type() -> String {
    "string".into()
}

/// Field constraints.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Constraints {
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub unique: bool,
    #[serde(default, rename = "enum")]
    pub enumeration: Option<Vec<serde_json::Value>>,
    #[serde(default)]
    pub minimum: Option<serde_json::Value>,
    #[serde(default)]
    pub maximum: Option<serde_json::Value>,
    #[serde(default)]
    pub pattern: Option<String>,
}

impl Field {
    /// The Polars type for this field's Table Schema type.
    pub fn dtype(&self) -> DataType {
        match self.kind.as_str() {
            "integer" | "year" => DataType::Int64,
            "number" => DataType::Float64,
            "boolean" => DataType::Boolean,
            "date" => DataType::Date,
            "datetime" => DataType::Datetime(TimeUnit::Microseconds, None),
            _ => DataType::String,
        }
    }
}

impl Resource {
    /// The Polars schema of this resource.
    pub fn polars_schema(&self) -> Schema {
        self.schema
            .fields
            .iter()
            .map(|f| polars::prelude::Field::new(f.name.as_str().into(), f.dtype()))
            .collect()
    }
}

/// Where a package lives.
#[derive(Debug, Clone)]
pub enum Location {
    /// A folder in the project (absolute path of the folder).
    Dir(PathBuf),
    /// The copy bundled into the binary.
    Bundled,
}

/// A package and where it came from.
#[derive(Debug, Clone)]
pub struct LoadedPackage {
    pub package: Package,
    pub location: Location,
    /// The `datapackage.json` path shown to users.
    pub display: String,
}

/// Data files up to this size are parsed once per run and kept in memory:
/// the queries of a briefing then share one parsed table instead of
/// re-reading and re-parsing the file at every `collect()`. Larger files
/// stay lazy scans (projection and predicate pushdown, streaming).
pub const TABLE_CACHE_MAX_BYTES: u64 = 8 * 1024 * 1024;

/// The packages a run can see, in lookup order.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    pub packages: Vec<LoadedPackage>,
    /// Tables parsed during this run (see [`TABLE_CACHE_MAX_BYTES`]).
    tables: Arc<Mutex<HashMap<String, DataFrame>>>,
    /// Whether this run has started parsing its package's tables ahead
    /// ([`prefetch`]): once per run.
    prefetched: Arc<std::sync::atomic::AtomicBool>,
}

/// A dataset as a run reads it.
pub struct DatasetScan {
    pub lf: LazyFrame,
    /// The CSV file on disk, if any (for error tracing).
    pub csv: Option<PathBuf>,
    /// Bytes the query will scan from disk (0 once the table is in memory).
    pub scan_bytes: u64,
}

impl Catalogue {
    /// Reads the project's packages through the host (so they are recorded
    /// for watch mode), then appends the bundled one.
    pub fn load(config: &Config, host: &Host) -> Result<Catalogue, Diagnostic> {
        let mut packages = Vec::new();
        for dir in &config.data_dirs {
            let file = dir.join("datapackage.json");
            let Ok(rel) = file
                .strip_prefix(&config.root)
                .map(|p| p.display().to_string())
            else {
                continue;
            };
            let text = match host.read_to_string(&rel) {
                Ok((_, t)) => t,
                Err(d) if d.kind == "io" && !file.exists() => continue,
                Err(d) => return Err(d),
            };
            packages.push(LoadedPackage {
                package: parse_package(&text, &rel)?,
                location: Location::Dir(dir.clone()),
                display: rel,
            });
        }
        packages.push(bundled::package()?);
        Ok(Catalogue {
            packages,
            tables: Default::default(),
            prefetched: Default::default(),
        })
    }

    /// Finds a resource by name.
    pub fn find(&self, name: &str) -> Option<(&LoadedPackage, &Resource)> {
        self.packages.iter().find_map(|p| {
            p.package
                .resources
                .iter()
                .find(|r| r.name == name)
                .map(|r| (p, r))
        })
    }

    /// Every resource name, in lookup order, without duplicates.
    pub fn names(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for p in &self.packages {
            for r in &p.package.resources {
                if !out.contains(&r.name) {
                    out.push(r.name.clone());
                }
            }
        }
        out
    }

    /// The "unknown dataset" error with the names that exist.
    pub fn unknown(&self, name: &str) -> Diagnostic {
        let names = self.names();
        let mut d = Diagnostic::error(format!("unknown dataset `{name}`"))
            .with_note(format!("the datasets are: {}", names.join(", ")));
        if let Some(s) = crate::diag::did_you_mean(name, names.iter().map(String::as_str)) {
            d = d.with_help(format!("did you mean `{s}`?"));
        }
        d
    }

    /// Loads a resource as a lazy frame, typed from its schema. Returns the
    /// CSV file it reads (for error tracing), if it is on disk.
    pub fn scan(
        &self,
        name: &str,
        host: &Host,
    ) -> Result<(LazyFrame, Option<PathBuf>), Diagnostic> {
        let (pkg, res) = self.find(name).ok_or_else(|| self.unknown(name))?;
        let schema = Arc::new(res.polars_schema());
        match &pkg.location {
            Location::Dir(dir) => {
                let path = dir.join(&res.path);
                let rel = crate::config::display_rel(host.root(), &path);
                let path = host.open_for_scan(&rel)?;
                let lf = LazyCsvReader::new(PlRefPath::new(path.to_string_lossy().as_ref()))
                    .with_has_header(true)
                    .with_schema(Some(schema))
                    .finish()
                    .map_err(|e| Diagnostic::error(format!("cannot read {rel}: {e}")))?;
                Ok((lf, Some(path)))
            }
            Location::Bundled => {
                let bytes = bundled::file(&res.path).ok_or_else(|| {
                    Diagnostic::error(format!("bundled dataset is missing {}", res.path))
                })?;
                let df = read_csv_bytes(bytes.as_bytes(), Some(schema))
                    .map_err(|e| Diagnostic::error(format!("bundled {}: {e}", res.path)))?;
                Ok((df.lazy(), None))
            }
        }
    }
}

impl Catalogue {
    /// [`Catalogue::scan`] for a script run: a table of at most
    /// [`TABLE_CACHE_MAX_BYTES`] is parsed on first use and served from
    /// memory afterwards (the catalogue lives for one run, so an edited
    /// file is read again by the next run). A file that fails to parse is
    /// left as a lazy scan, so that `collect()` reports the bad row and
    /// column as it would without the cache.
    pub fn scan_for_run(&self, name: &str, host: &Arc<Host>) -> Result<DatasetScan, Diagnostic> {
        if let Some(df) = self.tables.lock().ok().and_then(|t| t.get(name).cloned()) {
            // Parsed earlier in this run; its file is already recorded as read.
            return Ok(DatasetScan {
                lf: df.lazy(),
                csv: None,
                scan_bytes: 0,
            });
        }
        let (lf, csv) = self.scan(name, host)?;
        // Read once: the size decides the path below, and the same metadata
        // identifies the file's version for `shared`.
        let meta = csv.as_ref().map(std::fs::metadata);
        let size = match &meta {
            Some(Ok(m)) => m.len(),
            Some(Err(_)) => u64::MAX,
            None => 0,
        };
        if size > TABLE_CACHE_MAX_BYTES {
            return Ok(DatasetScan {
                lf,
                csv,
                scan_bytes: size,
            });
        }
        // The eager reader, not `lf.collect()`: Polars runs a lazy CSV scan
        // on its streaming engine, whose async executor and I/O runtime
        // threads then spin beside the run's small queries (17 % of the CPU
        // time of both briefings). The frame is the same.
        let (pkg, res) = self.find(name).ok_or_else(|| self.unknown(name))?;
        let schema: SchemaRef = Arc::new(res.polars_schema());
        if csv.is_some()
            && !self
                .prefetched
                .swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            prefetch(pkg, name, host);
        }
        let parse = || match &csv {
            Some(path) => parse_small_csv(path, &schema, size),
            None => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| lf.clone().collect()))
                .ok()
                .and_then(Result::ok),
        };
        // A file on disk is parsed once per process while it is unchanged
        // (the reports of one `render` share it; see `shared`).
        let parsed = match (&csv, &meta) {
            (Some(path), Some(Ok(meta))) => shared::table(path, meta, &schema, parse),
            _ => parse(),
        };
        match parsed {
            Some(df) => {
                if let Ok(mut t) = self.tables.lock() {
                    t.insert(name.to_string(), df.clone());
                }
                Ok(DatasetScan {
                    lf: df.lazy(),
                    csv,
                    scan_bytes: 0,
                })
            }
            _ => Ok(DatasetScan {
                lf,
                csv,
                scan_bytes: size,
            }),
        }
    }
}

/// Parses a CSV file of `size` bytes with `schema`, as a run's table; a
/// small file on the calling thread (see [`threads`]). `None` when it does
/// not parse: the run then keeps the lazy scan, whose `collect()` names the
/// bad row and column.
fn parse_small_csv(path: &Path, schema: &SchemaRef, size: u64) -> Option<DataFrame> {
    let read = || {
        CsvReadOptions::default()
            .with_has_header(true)
            .with_schema(Some(schema.clone()))
            .try_into_reader_with_file_path(Some(path.to_path_buf()))
            .and_then(|r| r.finish())
    };
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        threads::on_this_thread_if(size < threads::INLINE_MAX_BYTES, read)
    }))
    .ok()
    .and_then(Result::ok)
}

/// The most bytes of a package's tables [`prefetch`] parses ahead.
const PREFETCH_MAX_BYTES: u64 = TABLE_CACHE_MAX_BYTES;

/// When a run parses its first table from disk, a helper thread
/// parses the package's other small tables into the process's shared
/// tables ([`shared`]), last listed first, while the run parses the one it
/// asked for: a script that reads several tables of the package (both
/// briefings read eight of its nine) finds them parsed, and the reports of
/// a `render`, which ask for the same tables in the same order, no longer
/// wait one table at a time for the one parsing it. Only files the sandbox
/// lets the run read, up to [`PREFETCH_MAX_BYTES`] in all; nothing is
/// recorded as read until the script asks for the table, and a table that
/// does not parse is left to the run, which reports it. One helper per
/// package at a time.
fn prefetch(pkg: &LoadedPackage, asked: &str, host: &Arc<Host>) {
    static RUNNING: OnceLock<Mutex<std::collections::HashSet<PathBuf>>> = OnceLock::new();
    let Location::Dir(dir) = &pkg.location else {
        return;
    };
    let running = RUNNING.get_or_init(Default::default);
    match running.lock() {
        Ok(mut r) if !r.contains(dir) => r.insert(dir.clone()),
        _ => return,
    };
    let jobs: Vec<(String, SchemaRef)> = pkg
        .package
        .resources
        .iter()
        .rev()
        .filter(|r| r.name != asked)
        .map(|r| {
            let rel = crate::config::display_rel(host.root(), &dir.join(&r.path));
            (rel, Arc::new(r.polars_schema()))
        })
        .collect();
    let (host, folder) = (host.clone(), dir.clone());
    let spawned = std::thread::Builder::new()
        .name("dossier-prefetch".into())
        .spawn(move || {
            let mut budget = PREFETCH_MAX_BYTES;
            for (rel, schema) in jobs {
                let Ok(path) = host.resolve_read(&rel) else {
                    continue;
                };
                let Ok(meta) = std::fs::metadata(&path) else {
                    continue;
                };
                if meta.len() > budget {
                    continue;
                }
                budget -= meta.len();
                shared::table(&path, &meta, &schema, || {
                    parse_small_csv(&path, &schema, meta.len())
                });
            }
            if let Ok(mut r) = running.lock() {
                r.remove(&folder);
            }
        });
    if spawned.is_err() {
        if let Ok(mut r) = running.lock() {
            r.remove(dir);
        }
    }
}

/// Parses a `datapackage.json` text.
pub fn parse_package(text: &str, display: &str) -> Result<Package, Diagnostic> {
    // Every run's catalogue reads the same datapackage.json (and the
    // bundled one never changes): each text is parsed once per process,
    // one text per file (an edited package replaces the older one).
    static PARSED: OnceLock<Mutex<HashMap<String, (String, Package)>>> = OnceLock::new();
    let cache = PARSED.get_or_init(Default::default);
    let cached = cache.lock().ok().and_then(|m| match m.get(display) {
        Some((t, p)) if t == text => Some(p.clone()),
        _ => None,
    });
    if let Some(p) = cached {
        return Ok(p);
    }
    let package = parse_package_text(text, display)?;
    if let Ok(mut m) = cache.lock() {
        m.insert(display.to_string(), (text.to_string(), package.clone()));
    }
    Ok(package)
}

fn parse_package_text(text: &str, display: &str) -> Result<Package, Diagnostic> {
    serde_json::from_str(text).map_err(|e| {
        let d = Diagnostic::error(format!("invalid data package: {e}")).with_kind("data");
        let offset = crate::diag::offset_of(text, e.line(), e.column());
        d.with_span_in_text(PathBuf::from(display), text, offset)
    })
}

/// Reads CSV bytes into a frame.
pub fn read_csv_bytes(bytes: &[u8], schema: Option<SchemaRef>) -> PolarsResult<DataFrame> {
    let cursor = std::io::Cursor::new(bytes.to_vec());
    CsvReadOptions::default()
        .with_has_header(true)
        .with_schema(schema)
        .into_reader_with_file_handle(cursor)
        .finish()
}

/// The display name for a data file path.
pub fn show(root: &Path, path: &Path) -> String {
    crate::config::display_rel(root, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A project whose package lists three tables, written a minute ago
    /// (older than `shared`'s racy window).
    fn project() -> (tempfile::TempDir, Arc<Config>) {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        let resource = |name: &str| {
            format!(
                r#"{{"name": "{name}", "path": "{name}.csv", "schema": {{"fields": [{{"name": "n", "type": "integer"}}]}}}}"#
            )
        };
        std::fs::write(
            data.join("datapackage.json"),
            format!(
                r#"{{"name": "p", "resources": [{}, {}, {}]}}"#,
                resource("first"),
                resource("second"),
                resource("third")
            ),
        )
        .unwrap();
        for (name, rows) in [
            ("first", "1\n2\n"),
            ("second", "3\n"),
            ("third", "4\n5\n6\n"),
        ] {
            let path = data.join(format!("{name}.csv"));
            std::fs::write(&path, format!("n\n{rows}")).unwrap();
            let f = std::fs::File::options().write(true).open(&path).unwrap();
            f.set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(60))
                .unwrap();
        }
        let config = Arc::new(Config::load(dir.path()).unwrap());
        (dir, config)
    }

    #[test]
    fn the_first_table_a_run_reads_starts_parsing_the_others_unrecorded() {
        let (dir, config) = project();
        let host = Arc::new(Host::new(&config));
        let catalogue = Catalogue::load(&config, &host).unwrap();
        let scan = catalogue.scan_for_run("first", &host).unwrap();
        assert_eq!(scan.lf.collect().unwrap().height(), 2);
        // The other tables arrive in the shared tables without the run
        // asking: a later parse is not called.
        let data = dir.path().join("data").canonicalize().unwrap();
        let schema: SchemaRef = Arc::new(Schema::from_iter([polars::prelude::Field::new(
            "n".into(),
            DataType::Int64,
        )]));
        for (name, height) in [("second", 1), ("third", 3)] {
            let path = data.join(format!("{name}.csv"));
            let meta = std::fs::metadata(&path).unwrap();
            let started = std::time::Instant::now();
            let df = loop {
                let got = shared::parsed(&path, &meta, &schema);
                if got.is_some() || started.elapsed().as_secs() > 10 {
                    break got;
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            };
            assert_eq!(df.expect(name).height(), height);
        }
        // Only what the script asked for is recorded as read.
        let read: Vec<String> = host
            .accesses()
            .iter()
            .filter_map(|a| match a {
                crate::host::Access::Read(p) => p.file_name().map(|n| n.to_string_lossy().into()),
                _ => None,
            })
            .collect();
        assert!(read.contains(&"first.csv".to_string()), "{read:?}");
        assert!(
            !read.iter().any(|n| n == "second.csv" || n == "third.csv"),
            "{read:?}"
        );
    }
}
