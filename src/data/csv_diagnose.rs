//! Traces a Polars CSV error back to the file, row and column.
//!
//! Polars reports a bad CSV value as "could not parse `abc` as dtype i64 at
//! column 'value'" without a row. When a collect fails, the frame's CSV
//! sources are re-read here with a strict record parser to find the
//! offending record: a row with the wrong number of fields, or the first
//! row holding the value Polars could not parse.

use std::path::Path;

use super::validate::{field_column, parse_table};

/// A `file:line:col: row N, column `name`: …` description of the first
/// problem found in `path` that explains the Polars error `msg`, if any.
pub fn locate(root: &Path, path: &Path, msg: &str) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let display = crate::config::display_rel(root, path);
    let table = match parse_table(&display, text) {
        Ok(t) => t,
        Err(d) => return Some(format!("malformed CSV: {}", d.headline())),
    };
    let width = table.header.len();
    for (i, (line, row)) in table.rows.iter().enumerate() {
        if row.len() != width {
            return Some(format!(
                "malformed CSV: {display}:{line}:1: row {} has {} fields; the header has {width}",
                i + 1,
                row.len()
            ));
        }
    }
    let value = between(msg, "parse `", "`")
        .or_else(|| between(msg, "parse '", "'"))
        .or_else(|| between(msg, "parse \"", "\""));
    let column = between(msg, "column '", "'")
        .or_else(|| between(msg, "column \"", "\""))
        .or_else(|| between(msg, "column `", "`"));
    let dtype = between(msg, "as dtype `", "`").or_else(|| between(msg, "as dtype ", " "));
    let value = value?;
    let indices: Vec<usize> = match &column {
        Some(c) => table
            .header
            .iter()
            .position(|h| h == c)
            .into_iter()
            .collect(),
        None => (0..width).collect(),
    };
    for (i, (line, row)) in table.rows.iter().enumerate() {
        for &c in &indices {
            if row.get(c).map(|v| v.trim()) == Some(value.trim()) {
                let line_text = table.text.lines().nth(line - 1).unwrap_or("");
                let col = field_column(line_text, c);
                let ty = dtype
                    .clone()
                    .map(|d| format!(" as {d}"))
                    .unwrap_or_default();
                return Some(format!(
                    "malformed CSV: {display}:{line}:{col}: row {}, column `{}`: cannot parse `{value}`{ty}",
                    i + 1,
                    table.header[c]
                ));
            }
        }
    }
    None
}

fn between(s: &str, start: &str, end: &str) -> Option<String> {
    let i = s.find(start)? + start.len();
    let j = s[i..].find(end)?;
    Some(s[i..i + j].to_string())
}
