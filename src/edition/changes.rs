//! A comparison as data: the JSON of `dossier diff --json`, and the same
//! structure, labelled in a report's language, behind `changes()` in scripts
//! and `changes` in templates.
//!
//! Each row entry carries its key (`key`, as text, and `key_values`), the
//! row itself (`row`), for changed rows the fields that changed (`fields`:
//! `field`, `title`, `type`, `old`, `new`), and, when labelled, a `label`
//! in the report's language (the row's `title_LANG`, `statement_LANG`,
//! `name_LANG`, `label_LANG` or `publisher_LANG` column; else the names its
//! foreign keys point to, in tables with a `name_LANG` column, and its
//! period; else its key) and its `source` (the row of the `sources` table
//! its `source_id` names: `id`, `publisher`, `title`, `date`, `paragraph`).

use std::collections::HashMap;

use polars::prelude::DataFrame;
use serde_json::{json, Map, Value};

use super::diff::{cell, Comparison, TableDiff, CHANGED, COUNT, OLD};
use super::Edition;

/// The name of the table `source_id` columns refer to.
pub const SOURCES_TABLE: &str = "sources";

/// A short description of an edition.
pub fn edition_json(e: &Edition) -> Value {
    json!({
        "id": e.id,
        "group": e.group,
        "report": e.manifest.report,
        "job": e.manifest.job,
        "time": e.time().to_rfc3339(),
        "date": e.time().format("%Y-%m-%d").to_string(),
        "scheduled": e.manifest.scheduled,
        "recorded": e.manifest.recorded,
    })
}

/// Looks up what a report needs to label rows: its language and the
/// current `sources` table (id → row).
#[derive(Debug, Default)]
pub struct Labeller {
    /// The language code (`en`, `ar`).
    pub lang: String,
    sources: HashMap<String, Map<String, Value>>,
    /// Per table, its single-column foreign keys to tables with a
    /// `name_LANG` column: (column, value → name).
    names: HashMap<String, ForeignNames>,
}

/// A table's single-column foreign keys to tables with names: (column,
/// value → name).
type ForeignNames = Vec<(String, HashMap<String, String>)>;

impl Labeller {
    /// A labeller for `lang` over `sources` (the current sources table, if
    /// the project has one).
    pub fn new(lang: &str, sources: Option<&DataFrame>) -> Labeller {
        let mut map = HashMap::new();
        if let Some(df) = sources {
            let cols: Vec<String> = df
                .get_column_names()
                .iter()
                .map(|s| s.to_string())
                .collect();
            if cols.iter().any(|c| c == "source_id") {
                for i in 0..df.height() {
                    let row = row_map(df, &cols, i);
                    if let Some(Value::String(id)) = row.get("source_id") {
                        map.insert(id.clone(), row);
                    }
                }
            }
        }
        Labeller {
            lang: lang.to_string(),
            sources: map,
            names: HashMap::new(),
        }
    }

    /// Adds the names behind `table`'s foreign key `column`: `frame` is the
    /// referenced table, `field` the referenced column.
    pub fn add_names(&mut self, table: &str, column: &str, frame: &DataFrame, field: &str) {
        let name = format!("name_{}", self.lang);
        let mut map = HashMap::new();
        for i in 0..frame.height() {
            if let (Value::String(k), Value::String(v)) =
                (cell(frame, field, i), cell(frame, &name, i))
            {
                map.insert(k, v);
            }
        }
        self.names
            .entry(table.to_string())
            .or_default()
            .push((column.to_string(), map));
    }

    /// A label made of the names the row's foreign keys point to and its
    /// period (`Kazakhstan · Israel · 2022`), if it has any.
    fn composed(&self, table: &str, row: &Map<String, Value>) -> Option<String> {
        let mut parts: Vec<String> = Vec::new();
        for (column, names) in self.names.get(table).into_iter().flatten() {
            if let Some(Value::String(v)) = row.get(column) {
                if let Some(n) = names.get(v) {
                    parts.push(n.clone());
                }
            }
        }
        let date = |c: &str| match row.get(c) {
            Some(Value::String(s)) => crate::format::parse_date(s),
            _ => None,
        };
        if let (Some(a), Some(b)) = (date("period_start"), date("period_end")) {
            let lang = crate::format::Lang::parse(&self.lang);
            parts.push(crate::format::format_period(a, b, lang, false));
        }
        (!parts.is_empty()).then(|| parts.join(" · "))
    }

    fn pick(&self, row: &Map<String, Value>, stems: &[&str]) -> Option<Value> {
        stems
            .iter()
            .flat_map(|s| [format!("{s}_{}", self.lang), s.to_string()])
            .find_map(|c| match row.get(&c) {
                Some(Value::String(s)) if !s.trim().is_empty() => Some(Value::String(s.clone())),
                _ => None,
            })
    }

    /// Adds `label` and `source` to a row entry of `table`.
    fn label(&self, table: &str, entry: &mut Map<String, Value>) {
        let row = match entry.get("row") {
            Some(Value::Object(r)) => r.clone(),
            _ => Map::new(),
        };
        let label = self
            .pick(&row, &["title", "statement", "name", "label", "publisher"])
            .or_else(|| self.composed(table, &row).map(Value::String))
            .unwrap_or_else(|| entry.get("key").cloned().unwrap_or(Value::Null));
        entry.insert("label".into(), label);
        let source = match row.get("source_id") {
            Some(Value::String(id)) => match self.sources.get(id) {
                Some(s) => json!({
                    "id": id,
                    "publisher": self.pick(s, &["publisher"]),
                    "title": self.pick(s, &["title"]),
                    "date": s.get("date"),
                    "date_precision": s.get("date_precision"),
                    "paragraph": s.get("paragraph"),
                }),
                None => json!({ "id": id }),
            },
            _ => Value::Null,
        };
        entry.insert("source".into(), source);
    }
}

fn row_map(df: &DataFrame, cols: &[String], i: usize) -> Map<String, Value> {
    cols.iter()
        .filter(|c| !c.contains('\u{1f}'))
        .map(|c| (c.clone(), cell(df, c, i)))
        .collect()
}

/// The key of row `i` as text (`KAZ-2022`, or `flow · total` for compound keys).
fn key_text(df: &DataFrame, key: &[String], i: usize) -> (String, Map<String, Value>) {
    let values: Map<String, Value> = key.iter().map(|k| (k.clone(), cell(df, k, i))).collect();
    let text = key
        .iter()
        .map(|k| display(values.get(k).unwrap_or(&Value::Null)))
        .collect::<Vec<_>>()
        .join(" · ");
    (text, values)
}

/// A value for a terminal: numbers grouped (883,000,000), null as `∅`.
pub fn display(v: &Value) -> String {
    match v {
        Value::Null => "∅".into(),
        Value::String(s) => s.clone(),
        Value::Number(n) => {
            let x = n.as_f64().unwrap_or(0.0);
            if n.is_f64() && x.fract() != 0.0 {
                let s = n.to_string();
                let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
                format!("{}.{frac}", group_digits(int))
            } else {
                group_digits(&format!("{x:.0}"))
            }
        }
        other => other.to_string(),
    }
}

fn group_digits(int: &str) -> String {
    let (sign, digits) = int.strip_prefix('-').map_or(("", int), |d| ("-", d));
    if digits.len() <= 4 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return int.to_string();
    }
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}")
}

fn entries(t: &TableDiff, df: &DataFrame, limit: usize) -> Vec<Value> {
    let cols: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    let key: Vec<String> = if t.key.is_empty() {
        cols.iter()
            .filter(|c| !c.contains('\u{1f}'))
            .cloned()
            .collect()
    } else {
        t.key.clone()
    };
    (0..df.height().min(limit))
        .map(|i| {
            let (text, values) = key_text(df, &key, i);
            let mut e = Map::new();
            e.insert("key".into(), Value::String(text));
            e.insert("key_values".into(), Value::Object(values));
            e.insert("row".into(), Value::Object(row_map(df, &cols, i)));
            if cols.iter().any(|c| c == COUNT) {
                e.insert("count".into(), cell(df, COUNT, i));
            }
            Value::Object(e)
        })
        .collect()
}

fn changed_entries(t: &TableDiff, limit: usize) -> Vec<Value> {
    let df = &t.changed;
    let mut out = entries(t, df, limit);
    for (i, e) in out.iter_mut().enumerate() {
        let fields: Vec<Value> = t
            .compared
            .iter()
            .filter(|c| matches!(cell(df, &format!("{c}{CHANGED}"), i), Value::Bool(true)))
            .map(|c| {
                let field = t.fields.iter().find(|f| &f.name == c);
                let title = field
                    .and_then(|f| f.title.clone())
                    .unwrap_or_else(|| c.clone());
                json!({
                    "field": c,
                    "title": title,
                    "type": field.map(|f| f.kind.clone()).unwrap_or_else(|| "string".into()),
                    "old": cell(df, &format!("{c}{OLD}"), i),
                    "new": cell(df, c, i),
                })
            })
            .collect();
        if let Value::Object(m) = e {
            m.insert("fields".into(), Value::Array(fields));
        }
    }
    out
}

/// One table's differences as JSON, listing at most `limit` rows of each kind.
pub fn table_json(t: &TableDiff, limit: usize) -> Value {
    json!({
        "name": t.name,
        "title": t.title.clone().unwrap_or_else(|| t.name.clone()),
        "path": t.path,
        "key": t.key,
        "status": t.status.as_str(),
        "columns_added": t.columns_added,
        "columns_removed": t.columns_removed,
        "columns_retyped": t.retyped.iter().map(|r| json!({"column": r.column, "old": r.old, "new": r.new})).collect::<Vec<_>>(),
        "note": t.note,
        "rows": t.rows,
        "counts": {
            "added": t.added_count(),
            "removed": t.removed_count(),
            "changed": t.changed_count(),
        },
        "added": entries(t, &t.added, limit),
        "removed": entries(t, &t.removed, limit),
        "changed": changed_entries(t, limit),
    })
}

/// The whole comparison as JSON: `older` against `newer` (a description),
/// every table (unchanged ones too), and the totals.
pub fn comparison_json(
    report: &str,
    older: &Edition,
    newer: Value,
    cmp: &Comparison,
    limit: usize,
) -> Value {
    let s = cmp.summary(&older.id);
    json!({
        "report": report,
        "since": edition_json(older),
        "to": newer,
        "any": cmp.any(),
        "counts": {
            "added": s.added,
            "removed": s.removed,
            "changed": s.changed,
            "tables": s.tables.len(),
        },
        "tables": cmp.tables.iter().map(|t| table_json(t, limit)).collect::<Vec<_>>(),
    })
}

/// What a report sees: the changes against its previous edition (or
/// `available: false` when there is none), rows labelled by `labeller`,
/// only the tables that differ, and the rows flattened across tables into
/// `revised`, `added` and `removed` (each entry naming its `table` and
/// `table_title`).
pub fn report_changes(
    report: &str,
    older: Option<&Edition>,
    cmp: Option<&Comparison>,
    labeller: &Labeller,
) -> Value {
    let (Some(older), Some(cmp)) = (older, cmp) else {
        return json!({
            "report": report,
            "lang": labeller.lang,
            "available": false,
            "any": false,
            "previous": Value::Null,
            "counts": {"added": 0, "removed": 0, "changed": 0, "tables": 0},
            "tables": [],
            "revised": [],
            "added": [],
            "removed": [],
        });
    };
    let mut tables = Vec::new();
    let (mut revised, mut added, mut removed) = (Vec::new(), Vec::new(), Vec::new());
    for t in cmp.tables.iter().filter(|t| t.differs()) {
        let mut tj = table_json(t, usize::MAX);
        let title = tj["title"].clone();
        for (kind, sink) in [
            ("changed", &mut revised),
            ("added", &mut added),
            ("removed", &mut removed),
        ] {
            if let Some(Value::Array(rows)) = tj.get_mut(kind) {
                for r in rows.iter_mut() {
                    if let Value::Object(m) = r {
                        labeller.label(&t.name, m);
                        m.insert("table".into(), Value::String(t.name.clone()));
                        m.insert("table_title".into(), title.clone());
                    }
                    sink.push(r.clone());
                }
            }
        }
        tables.push(tj);
    }
    let s = cmp.summary(&older.id);
    json!({
        "report": report,
        "lang": labeller.lang,
        "available": true,
        "any": cmp.any(),
        "previous": edition_json(older),
        "counts": {"added": s.added, "removed": s.removed, "changed": s.changed, "tables": s.tables.len()},
        "tables": tables,
        "revised": revised,
        "added": added,
        "removed": removed,
    })
}

/// The changes a report shows: the data it reads now against its latest
/// edition, labelled in `lang`. The current `sources` table is read through
/// `host` (so watch mode sees it).
pub fn for_report(
    config: &crate::config::Config,
    host: &crate::host::Host,
    report: &str,
    lang: &str,
) -> Result<Value, crate::diag::Diagnostic> {
    let store = super::Store::new(config);
    let Some(older) = store.latest(report)? else {
        return Ok(report_changes(
            report,
            None,
            None,
            &Labeller::new(lang, None),
        ));
    };
    let cmp = super::diff::compare(config, &store, &older, &super::diff::Newer::Current)?;
    if !cmp.any() {
        return Ok(report_changes(
            report,
            Some(&older),
            Some(&cmp),
            &Labeller::new(lang, None),
        ));
    }
    let catalogue = crate::data::Catalogue::load(config, host)?;
    let read = |name: &str| -> Result<Option<DataFrame>, crate::diag::Diagnostic> {
        if catalogue.find(name).is_none() {
            return Ok(None);
        }
        let (lf, _) = catalogue.scan(name, host)?;
        lf.collect().map(Some).map_err(|e| {
            crate::diag::Diagnostic::error(format!("cannot read table `{name}`: {e}"))
                .with_kind("data")
        })
    };
    let mut labeller = Labeller::new(lang, read(SOURCES_TABLE)?.as_ref());
    let name_column = format!("name_{lang}");
    for t in cmp.tables.iter().filter(|t| t.differs()) {
        let Some((_, res)) = catalogue.find(&t.name) else {
            continue;
        };
        for fk in &res.schema.foreign_keys {
            let (fields, target) = (fk.fields.to_vec(), fk.reference.fields.to_vec());
            let (Some(column), Some(field)) = (fields.first(), target.first()) else {
                continue;
            };
            let Some((_, referenced)) = catalogue.find(&fk.reference.resource) else {
                continue;
            };
            if fields.len() != 1
                || !referenced
                    .schema
                    .fields
                    .iter()
                    .any(|f| f.name == name_column)
            {
                continue;
            }
            if let Some(frame) = read(&fk.reference.resource)? {
                labeller.add_names(&t.name, column, &frame, field);
            }
        }
    }
    Ok(report_changes(report, Some(&older), Some(&cmp), &labeller))
}

/// [`for_report`] for `changes` in templates and `changes()` in scripts:
/// an edition that cannot be
/// read (a corrupted snapshot, a table gone from the data package) must not
/// stop the briefing, so the error is printed as a warning and the report
/// sees `available: false` with the message in `error`.
pub fn for_run(
    config: &crate::config::Config,
    host: &crate::host::Host,
    report: &str,
    lang: &str,
) -> Value {
    match for_report(config, host, report, lang) {
        Ok(v) => v,
        Err(d) => {
            eprintln!(
                "warning: report `{report}`: the changes since the last edition are not shown: {}",
                d.message
            );
            let mut v = report_changes(report, None, None, &Labeller::new(lang, None));
            v["error"] = Value::String(d.message);
            v
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_for_the_terminal() {
        assert_eq!(display(&json!(883000000.0)), "883,000,000");
        assert_eq!(display(&json!(2022)), "2022");
        assert_eq!(display(&json!(-12345)), "-12,345");
        assert_eq!(display(&json!(12345.5)), "12,345.5");
        assert_eq!(
            display(&json!(1234.5)),
            "1234.5",
            "four digits stay (years)"
        );
        assert_eq!(display(&Value::Null), "∅");
    }
}
