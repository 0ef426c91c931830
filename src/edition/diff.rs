//! The comparison of two sides, table by table, in Polars.
//!
//! The older side is an edition; the newer side is another edition or the
//! data as it is now. A table whose bytes hash the same on both sides is
//! unchanged without being read. Otherwise both versions are read (typed
//! from their own schemas) and compared:
//!
//! - with a primary key (from `datapackage.json`) present on both sides and
//!   unique on both: one full join on the key, split into the rows only on
//!   the newer side (added), only on the older (removed), and on both with
//!   some compared column different (changed; `neq_missing`, so null →
//!   value counts). Uniqueness is proved by the join and its row counts
//!   (see `keyed_diff`), not by a second hash of every key;
//! - without one: as multisets, counting each distinct row on both sides
//!   and joining the counts (a row that appears twice now and once before
//!   was added once).
//!
//! Columns present on one side only are reported as a schema change and
//! left out of the row comparison; a column whose type changed is compared
//! as text. All joins run in Polars, so a million-row table costs one scan
//! of each version and a hash join, never a loop over rows.

use polars::prelude::*;

use super::{Edition, FieldRecord, Store, Summary, TableRecord};
use crate::config::Config;
use crate::data::{Catalogue, Location};
use crate::diag::Diagnostic;
use crate::host::Host;

/// The suffix of the older side's columns in the changed-rows frame.
pub const OLD: &str = "\u{1f}old";
/// The suffix of the per-column "changed" flags in the changed-rows frame.
pub const CHANGED: &str = "\u{1f}changed";
/// The multiplicity column of multiset comparisons.
pub const COUNT: &str = "\u{1f}count";

/// The newer side of a comparison.
#[derive(Debug, Clone, Copy)]
pub enum Newer<'a> {
    /// The data files as they are now, through the project's data package.
    Current,
    /// A recorded edition.
    Edition(&'a Edition),
}

/// What happened to one table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableStatus {
    /// Same bytes, same schema.
    Unchanged,
    /// Rows or schema differ.
    Changed,
    /// Read by the newer side only.
    New,
    /// Read by the older side only.
    Dropped,
}

impl TableStatus {
    /// The word used in JSON and on the terminal.
    pub fn as_str(self) -> &'static str {
        match self {
            TableStatus::Unchanged => "unchanged",
            TableStatus::Changed => "changed",
            TableStatus::New => "new",
            TableStatus::Dropped => "dropped",
        }
    }
}

/// A column whose type changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retyped {
    pub column: String,
    pub old: String,
    pub new: String,
}

/// The differences in one table.
#[derive(Debug, Clone)]
pub struct TableDiff {
    pub name: String,
    pub title: Option<String>,
    /// The data file on the newer side (the older one if dropped).
    pub path: String,
    /// The key rows were matched on; empty when compared as multisets.
    pub key: Vec<String>,
    pub status: TableStatus,
    pub columns_added: Vec<String>,
    pub columns_removed: Vec<String>,
    pub retyped: Vec<Retyped>,
    /// Rows only on the newer side (multisets: with [`COUNT`]).
    pub added: DataFrame,
    /// Rows only on the older side (multisets: with [`COUNT`]).
    pub removed: DataFrame,
    /// Keyed tables: the key, each compared column on the newer side, its
    /// older value (`c` + [`OLD`]) and whether it changed (`c` + [`CHANGED`]).
    pub changed: DataFrame,
    /// The non-key columns compared.
    pub compared: Vec<String>,
    /// The fields of the newer side (types for display).
    pub fields: Vec<FieldRecord>,
    /// Rows on the newer side (for new tables).
    pub rows: usize,
    /// Why a keyed table was compared as a multiset, and similar remarks.
    pub note: Option<String>,
}

impl TableDiff {
    fn empty(new: &TableRecord, status: TableStatus) -> TableDiff {
        TableDiff {
            name: new.name.clone(),
            title: new.title.clone(),
            path: new.path.clone(),
            key: new.primary_key.clone(),
            status,
            columns_added: Vec::new(),
            columns_removed: Vec::new(),
            retyped: Vec::new(),
            added: DataFrame::empty(),
            removed: DataFrame::empty(),
            changed: DataFrame::empty(),
            compared: Vec::new(),
            fields: new.fields.clone(),
            rows: 0,
            note: None,
        }
    }

    /// Rows added (multisets: counting repeats).
    pub fn added_count(&self) -> u64 {
        multiplicity(&self.added)
    }

    /// Rows removed (multisets: counting repeats).
    pub fn removed_count(&self) -> u64 {
        multiplicity(&self.removed)
    }

    /// Rows changed.
    pub fn changed_count(&self) -> u64 {
        self.changed.height() as u64
    }

    /// Whether anything differs.
    pub fn differs(&self) -> bool {
        self.status != TableStatus::Unchanged
    }
}

fn multiplicity(df: &DataFrame) -> u64 {
    match df.column(COUNT) {
        Ok(c) => c
            .as_materialized_series()
            .sum::<i64>()
            .map(|s| s.max(0) as u64)
            .unwrap_or(df.height() as u64),
        Err(_) => df.height() as u64,
    }
}

/// A comparison of two sides.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub tables: Vec<TableDiff>,
}

impl Comparison {
    /// The totals, as stored in a manifest.
    pub fn summary(&self, previous: &str) -> Summary {
        Summary {
            previous: previous.to_string(),
            added: self.tables.iter().map(TableDiff::added_count).sum(),
            removed: self.tables.iter().map(TableDiff::removed_count).sum(),
            changed: self.tables.iter().map(TableDiff::changed_count).sum(),
            tables: self
                .tables
                .iter()
                .filter(|t| t.differs())
                .map(|t| t.name.clone())
                .collect(),
        }
    }

    /// Whether anything differs.
    pub fn any(&self) -> bool {
        self.tables.iter().any(TableDiff::differs)
    }
}

/// One side's version of a table: its record and, once read, its bytes.
struct Version {
    record: TableRecord,
    bytes: Option<Vec<u8>>,
}

/// The tables of the current data that `older` read, hashed (and their
/// bytes kept, to be compared without reading them twice).
fn current_versions(config: &Config, older: &Edition) -> Result<Vec<Version>, Diagnostic> {
    let host = Host::new(config);
    let catalogue = Catalogue::load(config, &host)?;
    let mut out = Vec::new();
    for t in &older.manifest.tables {
        let Some((pkg, res)) = catalogue.find(&t.name) else {
            let packages: Vec<&str> = catalogue
                .packages
                .iter()
                .filter(|p| matches!(p.location, Location::Dir(_)))
                .map(|p| p.display.as_str())
                .collect();
            return Err(Diagnostic::error(format!(
                "the data package has no table `{}`, which edition {} read from {}",
                t.name, older.id, t.package
            ))
            .with_kind("edition")
            .with_note(format!(
                "the packages now are: {}",
                if packages.is_empty() { "none".to_string() } else { packages.join(", ") }
            ))
            .with_help("compare two editions instead (--edition), or restore the resource in datapackage.json"));
        };
        let Location::Dir(dir) = &pkg.location else {
            return Err(Diagnostic::error(format!(
                "table `{}` now comes from the bundled dataset, not from {}",
                t.name, t.package
            ))
            .with_kind("edition"));
        };
        let rel = crate::config::display_rel(&config.root, &dir.join(&res.path));
        let path = host.open_for_scan(&rel)?;
        let bytes = std::fs::read(&path)
            .map_err(|e| Diagnostic::error(format!("cannot read {rel}: {e}")).with_kind("io"))?;
        let sha = super::sha256_hex(&bytes);
        let len = bytes.len() as u64;
        out.push(Version {
            record: TableRecord::of(&pkg.display, res, rel, sha, len),
            bytes: Some(bytes),
        });
    }
    Ok(out)
}

/// Compares `older` with `newer`, table by table.
pub fn compare(
    config: &Config,
    store: &Store,
    older: &Edition,
    newer: &Newer,
) -> Result<Comparison, Diagnostic> {
    let versions: Vec<Version> = match newer {
        Newer::Current => current_versions(config, older)?,
        Newer::Edition(e) => e
            .manifest
            .tables
            .iter()
            .map(|t| Version {
                record: t.clone(),
                bytes: None,
            })
            .collect(),
    };
    let mut tables = Vec::new();
    let mut versions = versions;
    for old in &older.manifest.tables {
        let Some(new) = versions.iter_mut().find(|v| v.record.name == old.name) else {
            store.check_snapshot(older, old)?;
            tables.push(TableDiff::empty(old, TableStatus::Dropped));
            continue;
        };
        let same_schema =
            old.fields == new.record.fields && old.primary_key == new.record.primary_key;
        if old.sha256 == new.record.sha256 && same_schema {
            store.check_snapshot(older, old)?;
            if let Newer::Edition(e) = newer {
                store.check_snapshot(e, &new.record)?;
            }
            tables.push(TableDiff::empty(&new.record, TableStatus::Unchanged));
            continue;
        }
        // The two sides are read, checked and parsed side by side: hashing
        // a snapshot is serial work, and each side's parse is its own.
        let current = new.bytes.take();
        let (old_df, new_df) = std::thread::scope(|s| {
            let older_side = s.spawn(|| {
                let bytes = store.read_snapshot(older, old)?;
                read_table(
                    &bytes,
                    &old.fields,
                    &format!("the snapshot of {}", old.path),
                )
            });
            let newer_side = (|| {
                let bytes = match (current, newer) {
                    (Some(b), _) => b,
                    (None, Newer::Edition(e)) => store.read_snapshot(e, &new.record)?,
                    (None, Newer::Current) => Vec::new(),
                };
                read_table(&bytes, &new.record.fields, &new.record.path)
            })();
            let older_side = older_side.join().unwrap_or_else(|_| {
                Err(
                    Diagnostic::error(format!("cannot read the snapshot of {}", old.path))
                        .with_kind("edition"),
                )
            });
            (older_side, newer_side)
        });
        let (old_df, new_df) = (old_df?, new_df?);
        let d = diff_frames(old, &old_df, &new.record, &new_df).map_err(|e| {
            Diagnostic::error(format!("cannot compare table `{}`: {e}", old.name))
                .with_kind("edition")
        })?;
        tables.push(d);
    }
    for new in &versions {
        if !older
            .manifest
            .tables
            .iter()
            .any(|t| t.name == new.record.name)
        {
            let mut d = TableDiff::empty(&new.record, TableStatus::New);
            if let Newer::Edition(e) = newer {
                store.check_snapshot(e, &new.record)?;
            }
            d.rows = match &new.bytes {
                Some(b) => read_table(b, &new.record.fields, &new.record.path)?.height(),
                None => 0,
            };
            tables.push(d);
        }
    }
    Ok(Comparison { tables })
}

/// Reads CSV bytes, typing the columns the schema names (others stay text).
pub fn read_table(
    bytes: &[u8],
    fields: &[FieldRecord],
    display: &str,
) -> Result<DataFrame, Diagnostic> {
    let schema: Schema = fields
        .iter()
        .map(|f| polars::prelude::Field::new(f.name.as_str().into(), dtype(&f.kind)))
        .collect();
    let cursor = std::io::Cursor::new(bytes);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(Some(0))
            .with_schema_overwrite(Some(std::sync::Arc::new(schema)))
            .into_reader_with_file_handle(cursor)
            .finish()
    }));
    match result {
        Ok(Ok(df)) => Ok(df),
        Ok(Err(e)) => Err(Diagnostic::error(format!(
            "cannot read {display}: {}",
            e.to_string().lines().next().unwrap_or("")
        ))
        .with_kind("data")),
        Err(_) => Err(
            Diagnostic::error(format!("cannot read {display}: the CSV reader failed"))
                .with_kind("data"),
        ),
    }
}

/// The Polars type of a Table Schema type (the one rule in [`crate::data::Field::dtype`]).
fn dtype(kind: &str) -> DataType {
    crate::data::Field {
        name: String::new(),
        kind: kind.to_string(),
        title: None,
        description: None,
        constraints: Default::default(),
    }
    .dtype()
}

fn names(df: &DataFrame) -> Vec<String> {
    df.get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect()
}

fn exprs(cols: &[String]) -> Vec<Expr> {
    cols.iter().map(|c| col(c.as_str())).collect()
}

/// Compares two versions of a table already read into frames.
pub fn diff_frames(
    old: &TableRecord,
    old_df: &DataFrame,
    new: &TableRecord,
    new_df: &DataFrame,
) -> PolarsResult<TableDiff> {
    let mut d = TableDiff::empty(new, TableStatus::Changed);
    let old_cols = names(old_df);
    let new_cols = names(new_df);
    d.columns_added = new_cols
        .iter()
        .filter(|c| !old_cols.contains(c))
        .cloned()
        .collect();
    d.columns_removed = old_cols
        .iter()
        .filter(|c| !new_cols.contains(c))
        .cloned()
        .collect();
    let common: Vec<String> = new_cols
        .iter()
        .filter(|c| old_cols.contains(c))
        .cloned()
        .collect();
    let mut old_lf = old_df.clone().lazy().select(exprs(&common));
    let mut new_lf = new_df.clone().lazy().select(exprs(&common));
    for c in &common {
        let a = old_df.column(c)?.dtype().clone();
        let b = new_df.column(c)?.dtype().clone();
        if a != b {
            d.retyped.push(Retyped {
                column: c.clone(),
                old: a.to_string(),
                new: b.to_string(),
            });
            let to = if a.is_primitive_numeric() && b.is_primitive_numeric() {
                DataType::Float64
            } else {
                DataType::String
            };
            old_lf = old_lf.with_column(col(c.as_str()).cast(to.clone()));
            new_lf = new_lf.with_column(col(c.as_str()).cast(to));
        }
    }
    if common.is_empty() {
        d.note = Some("no column in common: rows not compared".into());
        return Ok(d);
    }
    let key = new.primary_key.clone();
    let keyed = !key.is_empty() && key.iter().all(|k| common.contains(k));
    let unique = |lf: &LazyFrame, height: usize| -> PolarsResult<bool> {
        let n = lf
            .clone()
            .select(exprs(&key))
            .unique(None, UniqueKeepStrategy::Any)
            .collect()?
            .height();
        Ok(n == height)
    };
    // The join checks that the key is unique (see `keyed_diff`); only when
    // the join itself fails is uniqueness looked at separately, to say why.
    let keyed_result = if keyed {
        let sizes = (old_df.height(), new_df.height());
        match keyed_diff(&mut d, old_lf.clone(), new_lf.clone(), sizes, &key, &common) {
            Ok(unique) => unique,
            Err(e) => {
                if unique(&old_lf, old_df.height())? && unique(&new_lf, new_df.height())? {
                    return Err(e);
                }
                false
            }
        }
    } else {
        false
    };
    if !keyed_result {
        if !key.is_empty() {
            d.note = Some(if keyed {
                format!(
                    "the key ({}) is not unique: compared as a multiset of rows",
                    key.join(", ")
                )
            } else {
                format!(
                    "the key ({}) is not on both sides: compared as a multiset of rows",
                    key.join(", ")
                )
            });
        }
        d.key = Vec::new();
        multiset_diff(&mut d, old_lf, new_lf, &common)?;
    }
    if d.added.height() == 0
        && d.removed.height() == 0
        && d.changed.height() == 0
        && d.columns_added.is_empty()
        && d.columns_removed.is_empty()
        && d.retyped.is_empty()
        && old.primary_key == new.primary_key
    {
        d.status = TableStatus::Unchanged;
    }
    Ok(d)
}

fn join_args(how: JoinType) -> JoinArgs {
    let mut a = JoinArgs::new(how);
    a.nulls_equal = true;
    a
}

/// Marks the rows of each side in the keyed full join.
const IN_OLD: &str = "\u{1f}in_old";
const IN_NEW: &str = "\u{1f}in_new";

/// One full join on the key, split three ways: rows only on the newer
/// side, rows only on the older side, and rows on both where a compared
/// column differs. `sizes` are the heights of the older and newer sides.
///
/// Returns whether the key is unique on both sides (when it is not, `d` is
/// left for the caller to fill as a multiset). Uniqueness is proved without
/// a second hash table of a million keys (Polars' one-to-one validation
/// builds one for the probe side, 14 % of a 1M-row diff):
///
/// - the join validates the side it builds its hash table on (the shorter,
///   or the newer on a tie), which costs nothing beyond the table itself;
///   that also bounds the join's output by the two heights;
/// - a key repeated on the other side and present on the validated one
///   shows in the join's height: each side's rows appear as many times as
///   the other side has their key, so the rows marked as coming from a
///   side are exactly that side's height only if no key is repeated among
///   its matched rows;
/// - a key repeated among the unmatched rows of a side shows as a repeat
///   among the rows added (or removed), a small frame checked directly.
fn keyed_diff(
    d: &mut TableDiff,
    old: LazyFrame,
    new: LazyFrame,
    sizes: (usize, usize),
    key: &[String],
    common: &[String],
) -> PolarsResult<bool> {
    let k = exprs(key);
    let compared: Vec<String> = common
        .iter()
        .filter(|c| !key.contains(c))
        .cloned()
        .collect();
    let old_name = |c: &str| format!("{c}{OLD}");
    let mut old_sel = k.clone();
    old_sel.extend(compared.iter().map(|c| col(c.as_str()).alias(old_name(c))));
    old_sel.push(lit(true).alias(IN_OLD));
    let mut new_sel = exprs(common);
    new_sel.push(lit(true).alias(IN_NEW));
    let mut args = join_args(JoinType::Full).with_coalesce(JoinCoalesce::CoalesceColumns);
    // The newer side is the join's left: Polars builds on the shorter side,
    // the left on a tie, and checks the built side for free.
    let (old_height, new_height) = sizes;
    args.validation = if new_height <= old_height {
        JoinValidation::OneToMany
    } else {
        JoinValidation::ManyToOne
    };
    let flags: Vec<Expr> = compared
        .iter()
        .map(|c| {
            col(c.as_str())
                .neq_missing(col(old_name(c)))
                .alias(format!("{c}{CHANGED}"))
        })
        .collect();
    let joined = new
        .select(new_sel)
        .join(old.select(old_sel), k.clone(), k, args)
        .with_columns(flags)
        .collect()?;
    let from = |marker: &str| -> PolarsResult<usize> {
        let c = joined.column(marker)?;
        Ok(c.len() - c.null_count())
    };
    if from(IN_OLD)? != old_height || from(IN_NEW)? != new_height {
        return Ok(false);
    }
    let joined = joined.lazy();
    let sort = SortMultipleOptions::default().with_maintain_order(true);
    let both = col(IN_OLD).is_not_null().and(col(IN_NEW).is_not_null());
    let changed = if compared.is_empty() {
        None
    } else {
        let any = any_horizontal(
            compared
                .iter()
                .map(|c| col(format!("{c}{CHANGED}")))
                .collect::<Vec<_>>(),
        )?;
        let mut keep = exprs(key);
        for c in &compared {
            keep.push(col(c.as_str()));
            keep.push(col(old_name(c)));
            keep.push(col(format!("{c}{CHANGED}")));
        }
        Some(
            joined
                .clone()
                .filter(both.and(any))
                .select(keep)
                .sort(key.to_vec(), sort.clone()),
        )
    };
    let added = joined
        .clone()
        .filter(col(IN_OLD).is_null())
        .select(exprs(common))
        .sort(key.to_vec(), sort.clone());
    let mut old_cols = exprs(key);
    old_cols.extend(compared.iter().map(|c| col(old_name(c)).alias(c.as_str())));
    let removed = joined
        .filter(col(IN_NEW).is_null())
        .select(old_cols)
        .sort(key.to_vec(), sort);
    let mut frames = vec![added, removed];
    frames.extend(changed);
    let mut out = collect_all(frames)?.into_iter();
    let added = out.next().unwrap_or_default();
    let removed = out.next().unwrap_or_default();
    for rows in [&added, &removed] {
        let distinct = rows
            .clone()
            .lazy()
            .select(exprs(key))
            .unique(None, UniqueKeepStrategy::Any)
            .collect()?
            .height();
        if distinct != rows.height() {
            return Ok(false);
        }
    }
    d.compared = compared;
    d.added = added;
    d.removed = removed;
    d.changed = out.next().unwrap_or_default();
    Ok(true)
}

fn multiset_diff(
    d: &mut TableDiff,
    old: LazyFrame,
    new: LazyFrame,
    common: &[String],
) -> PolarsResult<()> {
    let cols = exprs(common);
    let old_count = format!("{COUNT}{OLD}");
    let counted = |lf: LazyFrame, name: &str| lf.group_by(cols.clone()).agg([len().alias(name)]);
    let joined = counted(new, COUNT)
        .join(
            counted(old, &old_count),
            cols.clone(),
            cols.clone(),
            join_args(JoinType::Full).with_coalesce(JoinCoalesce::CoalesceColumns),
        )
        .with_column(
            (col(COUNT).cast(DataType::Int64).fill_null(lit(0i64))
                - col(old_count.as_str())
                    .cast(DataType::Int64)
                    .fill_null(lit(0i64)))
            .alias("\u{1f}delta"),
        );
    let sort = SortMultipleOptions::default().with_maintain_order(true);
    let pick = |positive: bool| {
        let delta = col("\u{1f}delta");
        let (cond, count) = if positive {
            (delta.clone().gt(lit(0i64)), delta)
        } else {
            (delta.clone().lt(lit(0i64)), -delta)
        };
        let mut sel = cols.clone();
        sel.push(count.alias(COUNT));
        joined
            .clone()
            .filter(cond)
            .select(sel)
            .sort(common.to_vec(), sort.clone())
    };
    let mut out = collect_all([pick(true), pick(false)])?.into_iter();
    d.added = out.next().unwrap_or_default();
    d.removed = out.next().unwrap_or_default();
    Ok(())
}

/// Collects lazy frames, one after the other.
fn collect_all<I: IntoIterator<Item = LazyFrame>>(frames: I) -> PolarsResult<Vec<DataFrame>> {
    frames.into_iter().map(|lf| lf.collect()).collect()
}

/// The value of `column` at `row`, as JSON (dates as `YYYY-MM-DD`).
pub fn cell(df: &DataFrame, column: &str, row: usize) -> serde_json::Value {
    use serde_json::Value as J;
    let Ok(c) = df.column(column) else {
        return J::Null;
    };
    let Ok(v) = c.get(row) else { return J::Null };
    match v {
        AnyValue::Null => J::Null,
        AnyValue::Boolean(b) => J::Bool(b),
        AnyValue::String(s) => J::String(s.to_string()),
        AnyValue::StringOwned(s) => J::String(s.to_string()),
        AnyValue::Int8(i) => i.into(),
        AnyValue::Int16(i) => i.into(),
        AnyValue::Int32(i) => i.into(),
        AnyValue::Int64(i) => i.into(),
        AnyValue::UInt8(i) => i.into(),
        AnyValue::UInt16(i) => i.into(),
        AnyValue::UInt32(i) => i.into(),
        AnyValue::UInt64(i) => i.into(),
        AnyValue::Float32(f) => serde_json::Number::from_f64(f as f64)
            .map(J::Number)
            .unwrap_or(J::Null),
        AnyValue::Float64(f) => serde_json::Number::from_f64(f)
            .map(J::Number)
            .unwrap_or(J::Null),
        other => J::String(other.to_string().trim_matches('"').to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(key: &[&str]) -> TableRecord {
        TableRecord {
            name: "t".into(),
            title: None,
            package: "data/datapackage.json".into(),
            path: "data/t.csv".into(),
            sha256: String::new(),
            bytes: 0,
            primary_key: key.iter().map(|k| k.to_string()).collect(),
            fields: vec![
                FieldRecord {
                    name: "id".into(),
                    kind: "string".into(),
                    title: None,
                },
                FieldRecord {
                    name: "v".into(),
                    kind: "integer".into(),
                    title: None,
                },
            ],
        }
    }

    fn frame(csv: &str) -> DataFrame {
        read_table(csv.as_bytes(), &record(&[]).fields, "t.csv").unwrap()
    }

    #[test]
    fn keyed_rows_added_removed_changed() {
        let r = record(&["id"]);
        let old = frame("id,v\na,1\nb,2\nc,3\n");
        let new = frame("id,v\na,1\nb,20\nd,4\n");
        let d = diff_frames(&r, &old, &r, &new).unwrap();
        assert_eq!(d.status, TableStatus::Changed);
        assert_eq!(
            (d.added_count(), d.removed_count(), d.changed_count()),
            (1, 1, 1)
        );
        assert_eq!(cell(&d.added, "id", 0), serde_json::json!("d"));
        assert_eq!(cell(&d.removed, "id", 0), serde_json::json!("c"));
        assert_eq!(cell(&d.removed, "v", 0), serde_json::json!(3));
        assert_eq!(cell(&d.changed, "v", 0), serde_json::json!(20));
        assert_eq!(
            cell(&d.changed, &format!("v{OLD}"), 0),
            serde_json::json!(2)
        );
        let same = diff_frames(&r, &old, &r, &old).unwrap();
        assert_eq!(same.status, TableStatus::Unchanged);
    }

    #[test]
    fn a_key_that_is_not_unique_falls_back_to_a_multiset() {
        let r = record(&["id"]);
        let old = frame("id,v\na,1\na,2\n");
        let new = frame("id,v\na,1\na,3\n");
        let d = diff_frames(&r, &old, &r, &new).unwrap();
        assert!(d.key.is_empty());
        assert!(d.note.as_deref().unwrap().contains("not unique"));
        assert_eq!((d.added_count(), d.removed_count()), (1, 1));
        assert_eq!(cell(&d.added, "v", 0), serde_json::json!(3));
    }

    /// Every place a repeated key can hide, on the side the join validates
    /// and on the other, with either side the shorter: each one falls back
    /// to a multiset, and a unique key never does.
    #[test]
    fn a_repeated_key_is_found_wherever_it_is() {
        let r = record(&["id"]);
        let cases = [
            // (old, new): the repeat is …
            ("a,1\nb,2\nb,3\n", "a,1\nb,2\n"), // old, matched, old longer
            ("a,1\nb,2\n", "a,1\nb,2\nb,3\n"), // new, matched, new longer
            ("a,1\nb,2\nb,3\n", "a,1\nb,2\nc,4\n"), // old, matched, a tie
            ("a,1\nb,2\nc,4\n", "a,1\nb,2\nb,3\n"), // new, matched, a tie
            ("a,1\nz,2\nz,3\n", "a,1\nb,2\nc,4\n"), // old, removed, a tie
            ("a,1\nb,2\nc,4\n", "a,1\nz,2\nz,3\n"), // new, added, a tie
            ("a,1\nz,2\nz,3\nq,5\n", "a,1\nb,2\n"), // old, removed, old longer
            ("a,1\n", "a,1\nz,2\nz,3\n"),      // new, added, new longer
        ];
        for (old, new) in cases {
            let old = frame(&format!("id,v\n{old}"));
            let new = frame(&format!("id,v\n{new}"));
            let d = diff_frames(&r, &old, &r, &new).unwrap();
            assert!(
                d.note.as_deref().unwrap_or("").contains("not unique"),
                "old {old:?} new {new:?}: {:?}",
                d.note
            );
            assert!(d.key.is_empty());
        }
        let old = frame("id,v\na,1\nb,2\nc,3\nd,4\n");
        let new = frame("id,v\nb,20\ne,5\n");
        let d = diff_frames(&r, &old, &r, &new).unwrap();
        assert_eq!(d.note, None);
        assert_eq!(
            (d.added_count(), d.removed_count(), d.changed_count()),
            (1, 3, 1)
        );
        let d = diff_frames(&r, &new, &r, &old).unwrap();
        assert_eq!(
            (d.added_count(), d.removed_count(), d.changed_count()),
            (3, 1, 1)
        );
    }
}
