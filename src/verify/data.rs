//! The data a figure may trace to: every cell of every dataset a run can
//! see, numbers by value and texts by content, each with its row's meaning
//! (qualifier, derived, source) read by the convention of
//! [`crate::template::figure`].

use minijinja::Value;
use polars::prelude::DataType;
use serde::Serialize;

use crate::diag::Diagnostic;
use crate::script::Session;
use crate::template::figure::FigureMeta;
use crate::template::value::FrameObject;

/// One data cell.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cell {
    pub dataset: String,
    pub column: String,
    /// The row's first column (its id), as text.
    pub row: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qualifier: Option<String>,
    pub derived: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// The cells of the datasets, for tracing.
#[derive(Debug, Default)]
pub struct DataIndex {
    pub numbers: Vec<(f64, Cell)>,
    /// Texts holding a digit.
    pub texts: Vec<(String, Cell)>,
    /// The number of datasets read.
    pub datasets: usize,
    /// The distinct `source_id`s of the data rows.
    pub sources: Vec<String>,
}

/// Columns that number the source, not the world (¶ paragraphs): never a
/// figure's trace.
const STRUCTURE_COLUMNS: &[&str] = &["paragraph", "page"];

/// Unit rescales a chart or a script may apply (`usd_m` = `value_usd` / 1e6).
const SCALES: [f64; 7] = [1.0, 1e3, 1e6, 1e9, 1e-3, 1e-6, 1e-9];

/// Relative tolerance for equal values (a float printed and read back).
const EPSILON: f64 = 1e-9;

impl DataIndex {
    /// Reads every dataset the session's catalogue names.
    pub fn load(session: &Session) -> Result<DataIndex, Diagnostic> {
        let catalogue = session.ctx().catalogue()?;
        let host = session.host();
        let mut index = DataIndex::default();
        for name in catalogue.names() {
            let (lf, _) = catalogue.scan(&name, host)?;
            let df = lf.collect().map_err(|e| {
                Diagnostic::error(format!("dataset `{name}` could not be read: {e}"))
            })?;
            index.datasets += 1;
            let first = df
                .get_column_names()
                .first()
                .map(|s| s.to_string())
                .unwrap_or_default();
            let kinds: Vec<(String, bool, bool)> = df
                .columns()
                .iter()
                .map(|c| {
                    let d = c.dtype();
                    (
                        c.name().to_string(),
                        d.is_integer() || d.is_float(),
                        matches!(d, DataType::String),
                    )
                })
                .collect();
            let rows = Value::from_object(FrameObject::new(df));
            let Ok(iter) = rows.try_iter() else { continue };
            for row in iter {
                let key = row
                    .get_attr(&first)
                    .map(|v| v.to_string())
                    .unwrap_or_default();
                if let Ok(src) = row.get_attr("source_id") {
                    if let Some(s) = src.as_str().filter(|s| !s.is_empty()) {
                        if !index.sources.iter().any(|x| x == s) {
                            index.sources.push(s.to_string());
                        }
                    }
                }
                for (column, numeric, text) in &kinds {
                    if STRUCTURE_COLUMNS.contains(&column.as_str()) {
                        continue;
                    }
                    let Ok(v) = row.get_attr(column) else {
                        continue;
                    };
                    if v.is_none() || v.is_undefined() {
                        continue;
                    }
                    let meta = FigureMeta::from_row(&row, column).unwrap_or_default();
                    let cell = Cell {
                        dataset: name.clone(),
                        column: column.clone(),
                        row: key.clone(),
                        qualifier: meta.qualifier,
                        derived: meta.derived,
                        source: meta.source,
                    };
                    if *numeric {
                        if let Ok(x) = crate::template::figure::as_f64(&v) {
                            index.numbers.push((x, cell));
                        }
                    } else if *text {
                        let s = v.to_string();
                        if s.chars().any(|c| c.is_ascii_digit()) {
                            index.texts.push((s, cell));
                        }
                    }
                }
            }
        }
        Ok(index)
    }

    /// The cells holding `value`, at the same scale first, then rescaled.
    pub fn find(&self, value: f64) -> Vec<&Cell> {
        for scale in SCALES {
            let hits: Vec<&Cell> = self
                .numbers
                .iter()
                .filter(|(x, _)| same(*x * scale, value))
                .map(|(_, c)| c)
                .collect();
            if !hits.is_empty() {
                return hits;
            }
        }
        Vec::new()
    }

    /// The text cells that hold `token` and appear in `sentence` (or hold it).
    pub fn find_text(&self, token: &str, sentence: &str) -> Option<&Cell> {
        let sentence = crate::verify::page::collapse(sentence);
        self.texts
            .iter()
            .filter(|(t, _)| t.contains(token))
            .find(|(t, _)| {
                let t = crate::verify::page::collapse(t);
                sentence.contains(&t)
                    || t.contains(&sentence)
                    || shares_passage(&t, &sentence, token)
            })
            .map(|(_, c)| c)
    }
}

/// True when `a` and `b` share the words around `token` (a statement
/// quoted in part).
fn shares_passage(a: &str, b: &str, token: &str) -> bool {
    let around = |s: &str| -> Option<String> {
        let i = s.find(token)?;
        let start = s[..i].char_indices().rev().nth(12).map_or(0, |(j, _)| j);
        let end = s[i..]
            .char_indices()
            .nth(token.chars().count() + 12)
            .map_or(s.len(), |(j, _)| i + j);
        Some(s[start..end].to_string())
    };
    match (around(a), around(b)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

/// Equal up to a float's printing and reading back.
pub fn same(a: f64, b: f64) -> bool {
    (a - b).abs() <= EPSILON * a.abs().max(b.abs()).max(1.0)
}

impl DataIndex {
    /// The cells a number printed as `text` (value `value`, compact
    /// `scale`) may show: exact, or rounded to the decimals printed.
    pub fn find_shown(&self, value: f64, text: &str, scale: f64) -> Vec<&Cell> {
        let exact = self.find(value);
        if !exact.is_empty() {
            return exact;
        }
        let decimals = text
            .rsplit_once(['.', '٫'])
            .map_or(0, |(_, d)| d.chars().count()) as i32;
        let half = 0.5 * 10f64.powi(-decimals) * scale;
        self.numbers
            .iter()
            .filter(|(x, _)| (x - value).abs() <= half + EPSILON * x.abs())
            .map(|(_, c)| c)
            .collect()
    }
}
