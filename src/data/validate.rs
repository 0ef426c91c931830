//! `dossier data validate`: checks every resource of a data package against
//! its Table Schema: header, field types, required values, enums, minimum
//! and maximum, patterns, unique fields, primary keys and foreign keys
//! (so every `source_id` resolves). Each violation names the file, line,
//! row and column.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use crate::diag::{Diagnostic, Span};

use super::{Field, LoadedPackage, Resource};

/// A parsed CSV table: header, rows, and the line each row starts on.
pub struct Table {
    pub display: String,
    pub text: String,
    pub header: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
}

/// Parses CSV text; a malformed record becomes a diagnostic naming its line.
pub fn parse_table(display: &str, text: String) -> Result<Table, Diagnostic> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut header = Vec::new();
    let mut rows = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| {
            let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
            Diagnostic::error(format!("malformed CSV: {e}"))
                .with_kind("data")
                .with_span(span_at(display, &text, line, 1))
        })?;
        let line = rec.position().map(|p| p.line() as usize).unwrap_or(i + 1);
        let fields: Vec<String> = rec.iter().map(str::to_string).collect();
        if i == 0 {
            header = fields;
        } else {
            rows.push((line, fields));
        }
    }
    Ok(Table {
        display: display.to_string(),
        text,
        header,
        rows,
    })
}

fn span_at(display: &str, text: &str, line: usize, col: usize) -> Span {
    let mut s = Span::at(PathBuf::from(display), line, col);
    s.source_line = text.lines().nth(line.saturating_sub(1)).map(str::to_string);
    s
}

/// The character column where field `index` starts on a CSV line.
pub fn field_column(line_text: &str, index: usize) -> usize {
    let mut field = 0;
    let mut in_quotes = false;
    for (col, c) in line_text.chars().enumerate() {
        if field == index {
            return col + 1;
        }
        match c {
            '"' => in_quotes = !in_quotes,
            ',' if !in_quotes => field += 1,
            _ => {}
        }
    }
    line_text.chars().count() + 1
}

impl Table {
    /// A diagnostic at a cell: `file:line:col: row N, column `name`: message`.
    pub fn cell_error(
        &self,
        line: usize,
        row: usize,
        index: usize,
        column: &str,
        msg: &str,
    ) -> Diagnostic {
        let line_text = self.text.lines().nth(line.saturating_sub(1)).unwrap_or("");
        let col = field_column(line_text, index);
        Diagnostic::error(format!("row {row}, column `{column}`: {msg}"))
            .with_kind("data")
            .with_span(span_at(&self.display, &self.text, line, col))
    }
}

/// Checks one value against a field's type; returns the problem, if any.
pub fn check_type(field: &Field, value: &str) -> Option<String> {
    let ok = match field.kind.as_str() {
        "integer" | "year" => value.parse::<i64>().is_ok(),
        "number" => value.parse::<f64>().is_ok(),
        "boolean" => matches!(
            value,
            "true" | "false" | "True" | "False" | "TRUE" | "FALSE" | "1" | "0"
        ),
        "date" => chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").is_ok(),
        "datetime" => {
            chrono::DateTime::parse_from_rfc3339(value).is_ok()
                || chrono::NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S").is_ok()
        }
        _ => true,
    };
    if ok {
        None
    } else {
        let what = match field.kind.as_str() {
            "integer" => "an integer",
            "year" => "a year",
            "number" => "a number",
            "boolean" => "a boolean (true or false)",
            "date" => "a date (YYYY-MM-DD)",
            "datetime" => "a date-time (ISO 8601)",
            other => other,
        };
        Some(format!("`{value}` is not {what}"))
    }
}

fn json_str(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Reads a resource file by its package path: `(display name, text)`.
pub type ReadFile<'a> = dyn Fn(&str) -> Result<(String, String), Diagnostic> + 'a;

/// Validates a whole package. `read(path)` returns `(display, text)` of a
/// resource file. Returns every violation found (empty when valid) and the
/// number of rows checked per resource.
pub fn validate_package(
    pkg: &LoadedPackage,
    read: &ReadFile<'_>,
) -> (Vec<Diagnostic>, Vec<(String, usize)>) {
    let mut errors = Vec::new();
    let mut counts = Vec::new();
    let mut tables: HashMap<String, Table> = HashMap::new();
    for res in &pkg.package.resources {
        match read(&res.path).and_then(|(display, text)| parse_table(&display, text)) {
            Ok(t) => {
                counts.push((res.name.clone(), t.rows.len()));
                check_resource(res, &t, &mut errors);
                tables.insert(res.name.clone(), t);
            }
            Err(d) => errors.push(d),
        }
    }
    for res in &pkg.package.resources {
        check_foreign_keys(res, &pkg.package.resources, &tables, &mut errors);
    }
    (errors, counts)
}

fn check_resource(res: &Resource, t: &Table, errors: &mut Vec<Diagnostic>) {
    let names: Vec<&str> = res.schema.fields.iter().map(|f| f.name.as_str()).collect();
    if t.header != names {
        let missing: Vec<&str> = names
            .iter()
            .filter(|n| !t.header.iter().any(|h| h == *n))
            .copied()
            .collect();
        let extra: Vec<&str> = t
            .header
            .iter()
            .filter(|h| !names.contains(&h.as_str()))
            .map(String::as_str)
            .collect();
        let mut d = Diagnostic::error("the header does not match the schema's fields")
            .with_kind("data")
            .with_span(span_at(&t.display, &t.text, 1, 1))
            .with_note(format!("the schema lists: {}", names.join(", ")));
        if !missing.is_empty() {
            d = d.with_note(format!("missing: {}", missing.join(", ")));
        }
        if !extra.is_empty() {
            d = d.with_note(format!("not in the schema: {}", extra.join(", ")));
        }
        errors.push(d);
        return;
    }
    let missing_values: Vec<String> = res
        .schema
        .missing_values
        .clone()
        .unwrap_or_else(|| vec![String::new()]);
    let mut uniques: Vec<HashMap<String, usize>> = vec![HashMap::new(); names.len()];
    let pk: Vec<usize> = res
        .schema
        .primary_key
        .as_ref()
        .map(|k| {
            k.to_vec()
                .iter()
                .filter_map(|n| names.iter().position(|x| x == n))
                .collect()
        })
        .unwrap_or_default();
    let mut pk_seen: HashMap<Vec<String>, usize> = HashMap::new();
    for (row_idx, (line, row)) in t.rows.iter().enumerate() {
        let row_no = row_idx + 1;
        if row.len() != names.len() {
            errors.push(
                Diagnostic::error(format!(
                    "row {row_no} has {} fields; the header has {}",
                    row.len(),
                    names.len()
                ))
                .with_kind("data")
                .with_span(span_at(&t.display, &t.text, *line, 1)),
            );
            continue;
        }
        for (i, field) in res.schema.fields.iter().enumerate() {
            let value = &row[i];
            let c = &field.constraints;
            if missing_values.contains(value) {
                if c.required || pk.contains(&i) {
                    errors.push(t.cell_error(*line, row_no, i, &field.name, "a value is required"));
                }
                continue;
            }
            if let Some(problem) = check_type(field, value) {
                errors.push(t.cell_error(*line, row_no, i, &field.name, &problem));
                continue;
            }
            if let Some(allowed) = &c.enumeration {
                let allowed: Vec<String> = allowed.iter().map(json_str).collect();
                if !allowed.contains(value) {
                    errors.push(t.cell_error(
                        *line,
                        row_no,
                        i,
                        &field.name,
                        &format!("`{value}` is not one of: {}", allowed.join(", ")),
                    ));
                }
            }
            if let Ok(x) = value.parse::<f64>() {
                if let Some(min) = c.minimum.as_ref().and_then(|m| m.as_f64()) {
                    if x < min {
                        errors.push(t.cell_error(
                            *line,
                            row_no,
                            i,
                            &field.name,
                            &format!("{value} is below the minimum {min}"),
                        ));
                    }
                }
                if let Some(max) = c.maximum.as_ref().and_then(|m| m.as_f64()) {
                    if x > max {
                        errors.push(t.cell_error(
                            *line,
                            row_no,
                            i,
                            &field.name,
                            &format!("{value} is above the maximum {max}"),
                        ));
                    }
                }
            }
            if let Some(p) = &c.pattern {
                if let Ok(re) = regex::Regex::new(&format!("^(?:{p})$")) {
                    if !re.is_match(value) {
                        errors.push(t.cell_error(
                            *line,
                            row_no,
                            i,
                            &field.name,
                            &format!("`{value}` does not match the pattern {p}"),
                        ));
                    }
                }
            }
            if c.unique {
                if let Some(first) = uniques[i].insert(value.clone(), row_no) {
                    errors.push(t.cell_error(
                        *line,
                        row_no,
                        i,
                        &field.name,
                        &format!("`{value}` repeats row {first}; values must be unique"),
                    ));
                }
            }
        }
        if !pk.is_empty() {
            let key: Vec<String> = pk.iter().map(|i| row[*i].clone()).collect();
            if let Some(first) = pk_seen.insert(key.clone(), row_no) {
                errors.push(t.cell_error(
                    *line,
                    row_no,
                    pk[0],
                    names[pk[0]],
                    &format!("primary key ({}) repeats row {first}", key.join(", ")),
                ));
            }
        }
    }
}

fn check_foreign_keys(
    res: &Resource,
    all: &[Resource],
    tables: &HashMap<String, Table>,
    errors: &mut Vec<Diagnostic>,
) {
    let Some(t) = tables.get(&res.name) else {
        return;
    };
    let names: Vec<&str> = res.schema.fields.iter().map(|f| f.name.as_str()).collect();
    if t.header != names {
        return;
    }
    for fk in &res.schema.foreign_keys {
        let target_name = if fk.reference.resource.is_empty() {
            res.name.clone()
        } else {
            fk.reference.resource.clone()
        };
        let Some(target) = tables.get(&target_name) else {
            errors.push(
                Diagnostic::error(format!(
                    "resource `{}`: foreign key refers to unknown resource `{target_name}`",
                    res.name
                ))
                .with_kind("data"),
            );
            continue;
        };
        let Some(target_res) = all.iter().find(|r| r.name == target_name) else {
            continue;
        };
        let tnames: Vec<&str> = target_res
            .schema
            .fields
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        let src_idx: Vec<usize> = fk
            .fields
            .to_vec()
            .iter()
            .filter_map(|n| names.iter().position(|x| x == n))
            .collect();
        let dst_idx: Vec<usize> = fk
            .reference
            .fields
            .to_vec()
            .iter()
            .filter_map(|n| tnames.iter().position(|x| x == n))
            .collect();
        if src_idx.is_empty() || src_idx.len() != dst_idx.len() {
            errors.push(
                Diagnostic::error(format!(
                    "resource `{}`: a foreign key names unknown fields",
                    res.name
                ))
                .with_kind("data"),
            );
            continue;
        }
        let keys: HashSet<Vec<&str>> = target
            .rows
            .iter()
            .filter(|(_, r)| r.len() == tnames.len())
            .map(|(_, r)| dst_idx.iter().map(|i| r[*i].as_str()).collect())
            .collect();
        for (row_idx, (line, row)) in t.rows.iter().enumerate() {
            if row.len() != names.len() {
                continue;
            }
            let key: Vec<&str> = src_idx.iter().map(|i| row[*i].as_str()).collect();
            if key.iter().all(|k| k.is_empty()) {
                continue;
            }
            if !keys.contains(&key) {
                errors.push(t.cell_error(
                    *line,
                    row_idx + 1,
                    src_idx[0],
                    names[src_idx[0]],
                    &format!(
                        "`{}` does not match any {}.{}",
                        key.join(", "),
                        target_name,
                        fk.reference.fields.to_vec().join(", ")
                    ),
                ));
            }
        }
    }
}
