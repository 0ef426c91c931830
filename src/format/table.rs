//! Frames as accessible HTML tables.
//!
//! The markup:
//!
//! ```html
//! <table dir="rtl" lang="ar" id="…" class="…">
//! <caption>…</caption>
//! <thead>
//! <tr><th scope="col">country</th><th scope="col" class="num">visitors</th></tr>
//! </thead>
//! <tbody>
//! <tr><td>Egypt</td><td class="num">1,234</td></tr>
//! </tbody>
//! <tfoot>…</tfoot>   (only when rows were left out by max_rows)
//! </table>
//! ```
//!
//! Cells by column type:
//!
//! | type | cell |
//! |---|---|
//! | float | `class="num"`, [`format_number`] with the table's [`NumberOptions`] |
//! | integer | `class="num"`, as float but exact and without decimals (unless `compact`) |
//! | year column ([`is_year_column`]) | `class="num"`, plain digits: `2014`, never `2,014` |
//! | boolean | `yes`/`no`, `نعم`/`لا` |
//! | date | `<time datetime="2025-11-06">2025-11-06</time>` (ISO) |
//! | string, categorical | the text |
//! | anything else | Polars' text for the value |
//! | null | `<span class="null">—</span>` (the cell keeps its column's class) |
//!
//! Every text (caption, headers, cells, `id`, `class`) is escaped with
//! [`escape_html`], and every digit follows the table's `arabic_digits`.

use std::fmt;

use polars::prelude::*;

use super::number::{format_integer, format_plain_integer};
use super::{digits, escape_html, format_number, Lang, NumberOptions};

/// How [`frame_to_html`] writes a frame.
///
/// - `caption`: the `<caption>` (omitted when `None` or empty).
/// - `lang`: `dir` and `lang` of the table, the words (yes/no, the note on
///   left-out rows) and compact units.
/// - `arabic_digits`: digits of every cell.
/// - `columns`: the columns to show, in this order (default: all).
/// - `headers`: header labels by column name (default: the column name).
/// - `number`: how numeric cells are written; its `lang` and
///   `arabic_digits` are replaced by the table's.
/// - `max_rows`: show at most this many rows, with a note in `<tfoot>`
///   saying how many there are.
/// - `id`, `class`: attributes of the `<table>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableOptions {
    pub caption: Option<String>,
    pub lang: Lang,
    pub arabic_digits: bool,
    pub columns: Option<Vec<String>>,
    /// Column name → header label.
    pub headers: Option<Vec<(String, String)>>,
    pub number: NumberOptions,
    pub max_rows: Option<usize>,
    pub id: Option<String>,
    pub class: Option<String>,
}

/// A table option that names a column the frame does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableError {
    UnknownColumn {
        /// The name in `columns` or `headers`.
        name: String,
        /// Where it was given: `"columns"` or `"headers"`.
        option: &'static str,
        /// The frame's columns.
        available: Vec<String>,
    },
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TableError::UnknownColumn {
                name,
                option,
                available,
            } => {
                write!(f, "table: `{option}` names an unknown column `{name}`")?;
                if let Some(s) =
                    crate::diag::did_you_mean(name, available.iter().map(String::as_str))
                {
                    write!(f, "; did you mean `{s}`?")?;
                }
                write!(f, " (the columns are: {})", available.join(", "))
            }
        }
    }
}

impl std::error::Error for TableError {}

/// Writes a frame as an HTML table (see the module documentation for the
/// markup and the cell rules). A name in `columns` or `headers` that the
/// frame lacks is an error; see [`frame_to_html`] for a version that skips it.
pub fn try_frame_to_html(df: &DataFrame, o: &TableOptions) -> Result<String, TableError> {
    let available = || {
        df.columns()
            .iter()
            .map(|c| c.name().to_string())
            .collect::<Vec<_>>()
    };
    let lists = [
        ("columns", o.columns.iter().flatten().collect::<Vec<_>>()),
        (
            "headers",
            o.headers
                .iter()
                .flatten()
                .map(|(c, _)| c)
                .collect::<Vec<_>>(),
        ),
    ];
    for (option, names) in lists {
        if let Some(name) = names.into_iter().find(|n| df.column(n).is_err()) {
            return Err(TableError::UnknownColumn {
                name: name.clone(),
                option,
                available: available(),
            });
        }
    }
    Ok(frame_to_html(df, o))
}

/// Writes a frame as an HTML table (see the module documentation for the
/// markup and the cell rules). Names in `columns` that the frame lacks are
/// skipped, and `headers` for them ignored; use [`try_frame_to_html`] to
/// report them instead.
pub fn frame_to_html(df: &DataFrame, o: &TableOptions) -> String {
    let columns: Vec<&Column> = match &o.columns {
        Some(names) => names.iter().filter_map(|n| df.column(n).ok()).collect(),
        None => df.columns().iter().collect(),
    };
    let total = df.height();
    let shown = o.max_rows.map_or(total, |m| m.min(total));
    let number = NumberOptions {
        lang: o.lang,
        arabic_digits: o.arabic_digits,
        ..o.number.clone()
    };
    let cells: Vec<(Kind, Vec<String>)> = columns
        .iter()
        .map(|c| {
            let (kind, mut values) = column_cells(c, shown, o, &number);
            if kind == Kind::Number && !is_year_column(c) {
                mark_meaning(df, c.name().as_str(), &mut values, o.lang);
            }
            (kind, values)
        })
        .collect();

    let mut h = String::new();
    h.push_str(&format!(
        "<table dir=\"{}\" lang=\"{}\"",
        o.lang.dir(),
        o.lang.code()
    ));
    for (attr, value) in [("id", &o.id), ("class", &o.class)] {
        if let Some(v) = value {
            h.push_str(&format!(" {attr}=\"{}\"", escape_html(v)));
        }
    }
    h.push_str(">\n");
    if let Some(caption) = o.caption.as_deref().filter(|c| !c.is_empty()) {
        h.push_str(&format!("<caption>{}</caption>\n", escape_html(caption)));
    }

    h.push_str("<thead>\n<tr>");
    for (c, (kind, _)) in columns.iter().zip(&cells) {
        let name = c.name().as_str();
        let label = o
            .headers
            .iter()
            .flatten()
            .find(|(col, _)| col == name)
            .map_or(name, |(_, label)| label.as_str());
        h.push_str(&format!(
            "<th scope=\"col\"{}>{}</th>",
            kind.class_attr(),
            escape_html(label)
        ));
    }
    h.push_str("</tr>\n</thead>\n<tbody>\n");
    for row in 0..shown {
        h.push_str("<tr>");
        for (kind, values) in &cells {
            h.push_str(&format!("<td{}>{}</td>", kind.class_attr(), values[row]));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n");
    if shown < total {
        let count = |n: usize| format_integer(n as i128, &number_plain(o));
        let note = match o.lang {
            Lang::En => format!("Showing {} of {} rows.", count(shown), count(total)),
            Lang::Ar => format!("الصفوف المعروضة: {} من {}.", count(shown), count(total)),
        };
        h.push_str(&format!(
            "<tfoot>\n<tr><td colspan=\"{}\">{}</td></tr>\n</tfoot>\n",
            columns.len().max(1),
            escape_html(&note)
        ));
    }
    h.push_str("</table>\n");
    h
}

/// The mark of a computed cell: a dagger, with its meaning for a pointer and
/// a screen reader (the words are kept apart from the digits, so copying
/// the cell never merges the mark into the figure).
fn computed_mark(lang: Lang) -> String {
    let title = match lang {
        Lang::En => "computed from other figures, not stated by a source",
        Lang::Ar => "محسوب من أرقام أخرى، لم يذكره مصدر",
    };
    format!(
        "<span class=\"computed\" title=\"{}\"><span aria-hidden=\"true\">\u{2020}</span></span>",
        escape_html(title)
    )
}

/// Figures carry their meaning in tables too: a number column `X` whose
/// frame also has `X_qualifier` (or, for every number column, `qualifier`)
/// shows the hedge in the table's language ("about 34,000,000",
/// "نحو 34,000,000"), and one with `X_derived` (or `derived`) equal to
/// `yes`/`true` gets the computed mark. Codes that are not qualifiers are
/// left alone (the data package's validation reports them).
fn mark_meaning(df: &DataFrame, name: &str, values: &mut [String], lang: Lang) {
    let text_column = |suffix: &str| -> Option<Vec<Option<String>>> {
        let c = df
            .column(&format!("{name}_{suffix}"))
            .or_else(|_| df.column(suffix))
            .ok()?;
        let c = c.cast(&DataType::String).ok()?;
        let ca = c.str().ok()?.clone();
        Some(ca.iter().map(|v| v.map(str::to_string)).collect())
    };
    if let Some(qualifiers) = text_column("qualifier") {
        for (cell, q) in values.iter_mut().zip(qualifiers) {
            let word = q
                .as_deref()
                .and_then(super::Qualifier::parse)
                .and_then(|q| q.word(lang));
            if let (Some(w), false) = (word, cell.as_str() == NULL_CELL) {
                *cell = format!("{} {cell}", escape_html(w));
            }
        }
    }
    if let Some(derived) = text_column("derived") {
        for (cell, d) in values.iter_mut().zip(derived) {
            let yes = d
                .as_deref()
                .is_some_and(|d| matches!(d.trim().to_ascii_lowercase().as_str(), "yes" | "true"));
            if yes && cell.as_str() != NULL_CELL {
                cell.push_str(&computed_mark(lang));
            }
        }
    }
}

/// Counts: grouped, no decimals, no compact, no sign.
fn number_plain(o: &TableOptions) -> NumberOptions {
    NumberOptions {
        lang: o.lang,
        arabic_digits: o.arabic_digits,
        ..NumberOptions::default()
    }
}

/// Names that mark a column of years: after splitting the name into words
/// (on `_`, `-`, spaces and other punctuation, and between a lower-case and
/// an upper-case letter), one word is `year`, `yr`, `fy`, `سنة`, `السنة`,
/// `عام` or `العام`, ignoring case. So `year`, `Year`, `start_year`,
/// `fiscal year`, `startYear`, `year_2` are year names; `years`,
/// `yearly_total`, `years_in_office` are not.
pub fn is_year_name(name: &str) -> bool {
    const WORDS: [&str; 7] = ["year", "yr", "fy", "سنة", "السنة", "عام", "العام"];
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            words.push(std::mem::take(&mut current));
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower {
            words.push(std::mem::take(&mut current));
        }
        prev_lower = c.is_lowercase();
        current.extend(c.to_lowercase());
    }
    words.push(current);
    words.iter().any(|w| WORDS.contains(&w.as_str()))
}

/// The widest range of values a year column may hold: at most four digits.
const YEAR_RANGE: std::ops::RangeInclusive<f64> = -9999.0..=9999.0;

/// A column shown as years, without thousands separators (`2014`, not
/// `2,014`): an integer or float column whose name is a year name
/// ([`is_year_name`]) and whose non-null values are all whole numbers of
/// at most four digits (−9999 to 9999). Both conditions are needed: a
/// population between 1000 and 2999 is not a year, and a column named
/// `year_total` holding 1,234,567 is not years either. The range is wider
/// than 1000–2999 so that a series starting in 950 shows `950`, `1066`
/// alike.
pub fn is_year_column(column: &Column) -> bool {
    let dtype = column.dtype();
    if !(dtype.is_integer() || dtype.is_float()) || !is_year_name(column.name()) {
        return false;
    }
    let Ok(values) = column.cast(&DataType::Float64) else {
        return false;
    };
    let Ok(values) = values.f64() else {
        return false;
    };
    let all_years = values
        .iter()
        .flatten()
        .all(|v| v.fract() == 0.0 && YEAR_RANGE.contains(&v));
    all_years
}

/// How a column's cells are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Number,
    Date,
    Text,
}

impl Kind {
    fn class_attr(self) -> &'static str {
        match self {
            Kind::Number => " class=\"num\"",
            Kind::Date => " class=\"date\"",
            Kind::Text => "",
        }
    }
}

const NULL_CELL: &str = "<span class=\"null\">—</span>";

/// The first `n` cells of a column, as HTML (escaped), with the column's kind.
fn column_cells(
    c: &Column,
    n: usize,
    o: &TableOptions,
    number: &NumberOptions,
) -> (Kind, Vec<String>) {
    // Decided on the whole column, so that `max_rows` does not change it.
    let year = is_year_column(c);
    let c = c.slice(0, n);
    let dtype = c.dtype().clone();
    let cells = if dtype.is_integer() || dtype.is_float() {
        number_cells(&c, year, number).map(|v| (Kind::Number, v))
    } else if dtype.is_bool() {
        c.bool().ok().map(|ca| {
            let (yes, no) = match o.lang {
                Lang::En => ("yes", "no"),
                Lang::Ar => ("نعم", "لا"),
            };
            let v = ca
                .iter()
                .map(|b| {
                    b.map_or(NULL_CELL.to_string(), |b| {
                        (if b { yes } else { no }).to_string()
                    })
                })
                .collect();
            (Kind::Text, v)
        })
    } else if dtype.is_date() {
        c.date().ok().map(|ca| {
            let v = ca
                .as_date_iter()
                .map(|d| {
                    d.map_or(NULL_CELL.to_string(), |d| {
                        let iso = d.format("%Y-%m-%d").to_string();
                        format!(
                            "<time datetime=\"{iso}\">{}</time>",
                            escape_html(&digits(&iso, o.arabic_digits))
                        )
                    })
                })
                .collect();
            (Kind::Date, v)
        })
    } else {
        None
    };
    cells.unwrap_or_else(|| (Kind::Text, text_cells(&c, o.arabic_digits)))
}

/// Integer and float cells; `None` if Polars cannot give the values.
fn number_cells(c: &Column, year: bool, number: &NumberOptions) -> Option<Vec<String>> {
    let cell = |s: String| escape_html(&s);
    if c.dtype().is_float() {
        let values = c.cast(&DataType::Float64).ok()?;
        let v = values
            .f64()
            .ok()?
            .iter()
            .map(|x| match x {
                None => NULL_CELL.to_string(),
                Some(x) if year => cell(format_plain_integer(x as i128, number.arabic_digits)),
                Some(x) => cell(format_number(x, number)),
            })
            .collect();
        return Some(v);
    }
    // Integers exactly: through i64, or u64 for values above i64::MAX.
    let ints: Vec<Option<i128>> = if matches!(c.dtype(), DataType::UInt64) {
        c.u64().ok()?.iter().map(|x| x.map(i128::from)).collect()
    } else {
        let values = c.cast(&DataType::Int64).ok()?;
        values
            .i64()
            .ok()?
            .iter()
            .map(|x| x.map(i128::from))
            .collect()
    };
    let v = ints
        .into_iter()
        .map(|x| match x {
            None => NULL_CELL.to_string(),
            Some(x) if year => cell(format_plain_integer(x, number.arabic_digits)),
            Some(x) => cell(format_integer(x, number)),
        })
        .collect();
    Some(v)
}

/// Strings, categoricals and any other type, as text.
fn text_cells(c: &Column, arabic_digits: bool) -> Vec<String> {
    if let Ok(ca) = c.str() {
        return ca
            .iter()
            .map(|s| s.map_or(NULL_CELL.to_string(), escape_html))
            .collect();
    }
    if let Ok(strings) = c.cast(&DataType::String) {
        if let Ok(ca) = strings.str() {
            // Values that are not strings themselves (times, durations)
            // carry digits of their own.
            let keep_digits = matches!(c.dtype(), DataType::Categorical(..) | DataType::Enum(..));
            return ca
                .iter()
                .map(|s| {
                    s.map_or(NULL_CELL.to_string(), |s| {
                        let s = if keep_digits {
                            s.to_string()
                        } else {
                            digits(s, arabic_digits)
                        };
                        escape_html(&s)
                    })
                })
                .collect();
        }
    }
    // Nested values Polars will not cast to text: its display of each value.
    (0..c.len())
        .map(|i| match c.get(i) {
            Ok(AnyValue::Null) | Err(_) => NULL_CELL.to_string(),
            Ok(v) => escape_html(&v.to_string()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> TableOptions {
        TableOptions::default()
    }

    fn frame() -> DataFrame {
        df!(
            "country" => ["Egypt", "<script>alert(1)</script>", "\"onmouseover="],
            "year" => [2014i64, 2020, 2025],
            "visitors" => [Some(14_700_000i64), None, Some(1_500i64)],
            "share" => [0.235f64, 0.5, 11.184],
            "open" => [Some(true), Some(false), None],
        )
        .unwrap()
    }

    /// The `<td>` contents of a table, row by row.
    fn body(html: &str) -> Vec<Vec<String>> {
        let tbody = html
            .split("<tbody>\n")
            .nth(1)
            .unwrap()
            .split("</tbody>")
            .next()
            .unwrap();
        tbody
            .lines()
            .map(|row| {
                row.split("<td")
                    .skip(1)
                    .map(|cell| {
                        let inner = &cell[cell.find('>').unwrap() + 1..];
                        inner[..inner.rfind("</td>").unwrap()].to_string()
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn number_cells_carry_their_qualifier_and_computed_mark() {
        let df = df!(
            "period" => ["2022", "2025"],
            "value_usd" => [883_000_000i64, 34_000_000],
            "qualifier" => ["exact", "about"],
            "ratio" => [11.18f64, 2.35],
            "ratio_derived" => ["no", "yes"],
        )
        .unwrap();
        let en = body(&frame_to_html(&df, &opts()));
        assert_eq!(en[0][1], "883,000,000");
        assert_eq!(en[1][1], "about 34,000,000");
        assert_eq!(en[0][3], "11.18");
        // The row's `qualifier` hedges every number column of the row.
        assert!(
            en[1][3].starts_with("about 2.35<span class=\"computed\""),
            "{}",
            en[1][3]
        );
        let ar = body(&frame_to_html(
            &df,
            &TableOptions {
                lang: Lang::Ar,
                ..opts()
            },
        ));
        assert_eq!(ar[1][1], "نحو 34,000,000");
        assert!(ar[1][3].contains("محسوب"));
    }

    #[test]
    fn english_table_structure() {
        let html = frame_to_html(
            &frame(),
            &TableOptions {
                caption: Some("Visitors & shares".into()),
                ..opts()
            },
        );
        assert!(html.starts_with("<table dir=\"ltr\" lang=\"en\">\n<caption>Visitors &amp; shares</caption>\n<thead>\n<tr><th scope=\"col\">country</th><th scope=\"col\" class=\"num\">year</th><th scope=\"col\" class=\"num\">visitors</th><th scope=\"col\" class=\"num\">share</th><th scope=\"col\">open</th></tr>\n</thead>\n<tbody>\n"), "{html}");
        assert!(html.ends_with("</tbody>\n</table>\n"), "{html}");
        assert!(html.contains(
            "<tr><td>Egypt</td><td class=\"num\">2014</td><td class=\"num\">14,700,000</td><td class=\"num\">0.24</td><td>yes</td></tr>"
        ), "{html}");
        assert!(!html.contains("<tfoot>"));
    }

    #[test]
    fn every_text_is_escaped() {
        let df = df!(
            "<b>name</b>" => ["<script>alert(1)</script>", "\"onmouseover=", "a'b & c"],
        )
        .unwrap();
        let html = frame_to_html(
            &df,
            &TableOptions {
                caption: Some("<i>caption</i>".into()),
                id: Some("t\" onload=\"x".into()),
                class: Some("a<b".into()),
                ..opts()
            },
        );
        assert!(
            html.contains("<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>"),
            "{html}"
        );
        assert!(html.contains("<td>&quot;onmouseover=</td>"), "{html}");
        assert!(html.contains("<td>a&#39;b &amp; c</td>"), "{html}");
        assert!(
            html.contains("<caption>&lt;i&gt;caption&lt;/i&gt;</caption>"),
            "{html}"
        );
        assert!(
            html.contains("<th scope=\"col\">&lt;b&gt;name&lt;/b&gt;</th>"),
            "{html}"
        );
        assert!(html.contains("id=\"t&quot; onload=&quot;x\""), "{html}");
        assert!(html.contains("class=\"a&lt;b\""), "{html}");
        assert!(!html.contains("<script>") && !html.contains("<i>") && !html.contains("<b>"));
        let headed = frame_to_html(
            &df,
            &TableOptions {
                headers: Some(vec![("<b>name</b>".into(), "<u>Name</u>".into())]),
                ..opts()
            },
        );
        assert!(
            headed.contains("<th scope=\"col\">&lt;u&gt;Name&lt;/u&gt;</th>"),
            "{headed}"
        );
    }

    #[test]
    fn cells_by_type_in_english() {
        let html = frame_to_html(&frame(), &opts());
        assert_eq!(
            body(&html),
            vec![
                vec!["Egypt", "2014", "14,700,000", "0.24", "yes"],
                vec![
                    "&lt;script&gt;alert(1)&lt;/script&gt;",
                    "2020",
                    NULL_CELL,
                    "0.5",
                    "no"
                ],
                vec!["&quot;onmouseover=", "2025", "1,500", "11.18", NULL_CELL],
            ]
        );
        assert!(html.contains(&format!("<td class=\"num\">{NULL_CELL}</td>")));
        assert!(html.contains(&format!("<td>{NULL_CELL}</td>")));
    }

    #[test]
    fn arabic_table_with_arabic_digits() {
        let html = frame_to_html(
            &frame(),
            &TableOptions {
                lang: Lang::Ar,
                arabic_digits: true,
                caption: Some("الزوار".into()),
                ..opts()
            },
        );
        assert!(
            html.starts_with("<table dir=\"rtl\" lang=\"ar\">\n<caption>الزوار</caption>"),
            "{html}"
        );
        assert_eq!(
            body(&html),
            vec![
                vec!["Egypt", "٢٠١٤", "١٤٬٧٠٠٬٠٠٠", "٠٫٢٤", "نعم"],
                vec![
                    "&lt;script&gt;alert(1)&lt;/script&gt;",
                    "٢٠٢٠",
                    NULL_CELL,
                    "٠٫٥",
                    "لا"
                ],
                vec!["&quot;onmouseover=", "٢٠٢٥", "١٬٥٠٠", "١١٫١٨", NULL_CELL],
            ]
        );
    }

    #[test]
    fn arabic_table_with_latin_digits() {
        let html = frame_to_html(
            &frame(),
            &TableOptions {
                lang: Lang::Ar,
                ..opts()
            },
        );
        assert_eq!(
            body(&html)[0],
            vec!["Egypt", "2014", "14,700,000", "0.24", "نعم"]
        );
    }

    #[test]
    fn number_options_apply_to_numeric_columns() {
        let o = TableOptions {
            lang: Lang::Ar,
            number: NumberOptions {
                compact: true,
                decimals: None,
                // Replaced by the table's language and digits.
                lang: Lang::En,
                arabic_digits: true,
                ..Default::default()
            },
            ..opts()
        };
        let rows = body(&frame_to_html(&frame(), &o));
        assert_eq!(rows[0][1], "2014");
        assert_eq!(rows[0][2], "14.7 مليون");
        assert_eq!(rows[2][2], "1.5 ألف");
        let d1 = TableOptions {
            number: NumberOptions {
                decimals: Some(1),
                ..Default::default()
            },
            ..opts()
        };
        let rows = body(&frame_to_html(&frame(), &d1));
        // Decimals for floats; integers and years stay whole.
        assert_eq!(rows[0][1..4], ["2014", "14,700,000", "0.2"]);
    }

    #[test]
    fn columns_select_and_order_and_headers_relabel() {
        let o = TableOptions {
            columns: Some(vec!["share".into(), "country".into()]),
            headers: Some(vec![
                ("country".into(), "Country".into()),
                ("visitors".into(), "Visitors".into()),
            ]),
            ..opts()
        };
        let html = frame_to_html(&frame(), &o);
        assert!(
            html.contains(
                "<tr><th scope=\"col\" class=\"num\">share</th><th scope=\"col\">Country</th></tr>"
            ),
            "{html}"
        );
        assert_eq!(body(&html)[0], vec!["0.24", "Egypt"]);
        assert_eq!(try_frame_to_html(&frame(), &o), Ok(html));
    }

    #[test]
    fn unknown_columns_are_errors_or_skipped() {
        let o = TableOptions {
            columns: Some(vec!["country".into(), "visitor".into()]),
            ..opts()
        };
        let err = try_frame_to_html(&frame(), &o).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("`columns` names an unknown column `visitor`"),
            "{text}"
        );
        assert!(text.contains("did you mean `visitors`?"), "{text}");
        assert!(
            text.contains("country, year, visitors, share, open"),
            "{text}"
        );
        assert_eq!(body(&frame_to_html(&frame(), &o))[0], vec!["Egypt"]);
        let h = TableOptions {
            headers: Some(vec![("contry".into(), "Country".into())]),
            ..opts()
        };
        assert!(matches!(
            try_frame_to_html(&frame(), &h),
            Err(TableError::UnknownColumn {
                option: "headers",
                ..
            })
        ));
    }

    #[test]
    fn max_rows_truncates_with_a_note() {
        let en = frame_to_html(
            &frame(),
            &TableOptions {
                max_rows: Some(2),
                ..opts()
            },
        );
        assert_eq!(body(&en).len(), 2);
        assert!(en.contains("<tfoot>\n<tr><td colspan=\"5\">Showing 2 of 3 rows.</td></tr>\n</tfoot>\n</table>\n"), "{en}");
        let ar = frame_to_html(
            &frame(),
            &TableOptions {
                max_rows: Some(1),
                lang: Lang::Ar,
                arabic_digits: true,
                ..opts()
            },
        );
        assert!(
            ar.contains("<td colspan=\"5\">الصفوف المعروضة: ١ من ٣.</td>"),
            "{ar}"
        );
        let all = frame_to_html(
            &frame(),
            &TableOptions {
                max_rows: Some(10),
                ..opts()
            },
        );
        assert_eq!(body(&all).len(), 3);
        assert!(!all.contains("<tfoot>"));
    }

    #[test]
    fn dates_are_iso_in_time_elements() {
        let dates = Column::new("day".into(), [Some(16_380i32), None])
            .cast(&DataType::Date)
            .unwrap();
        let df = DataFrame::new(2, vec![dates]).unwrap();
        let html = frame_to_html(&df, &opts());
        assert!(
            html.contains("<th scope=\"col\" class=\"date\">day</th>"),
            "{html}"
        );
        assert_eq!(
            body(&html),
            vec![
                vec!["<time datetime=\"2014-11-06\">2014-11-06</time>".to_string()],
                vec![NULL_CELL.to_string()],
            ]
        );
        let ar = frame_to_html(
            &df,
            &TableOptions {
                lang: Lang::Ar,
                arabic_digits: true,
                ..opts()
            },
        );
        assert!(
            ar.contains("<time datetime=\"2014-11-06\">٢٠١٤-١١-٠٦</time>"),
            "{ar}"
        );
    }

    #[test]
    fn year_names() {
        for yes in [
            "year",
            "Year",
            "YEAR",
            "start_year",
            "year_start",
            "fiscal year",
            "startYear",
            "year-2",
            "fy",
            "السنة",
            "عام",
        ] {
            assert!(is_year_name(yes), "{yes}");
        }
        for no in [
            "years",
            "yearly_total",
            "years_in_office",
            "population",
            "yeah",
            "ye_ar",
            "",
            "day",
        ] {
            assert!(!is_year_name(no), "{no}");
        }
    }

    #[test]
    fn year_columns_need_a_year_name_and_year_values() {
        let col = |name: &str, v: &[i64]| Column::new(name.into(), v);
        assert!(is_year_column(&col("year", &[2014, 2020])));
        assert!(is_year_column(&col("start_year", &[950, 1066, 2025])));
        assert!(!is_year_column(&col("population", &[1500, 2000])));
        assert!(!is_year_column(&col("year_total", &[1_234_567])));
        assert!(is_year_column(&Column::new(
            "year".into(),
            [Some(2014i32), None]
        )));
        assert!(is_year_column(&Column::new(
            "year".into(),
            [2014.0f64, 2015.0]
        )));
        assert!(!is_year_column(&Column::new("year".into(), [2014.5f64])));
        assert!(!is_year_column(&Column::new("year".into(), ["2014"])));
        assert!(is_year_column(&Column::new("year".into(), [2014u32])));
    }

    #[test]
    fn year_cells_have_no_separators() {
        let df = df!(
            "year" => [2014i64, 2025],
            "population" => [1500i64, 2000],
            "fy" => [2019.0f64, 2020.0],
        )
        .unwrap();
        let rows = body(&frame_to_html(&df, &opts()));
        assert_eq!(rows[0], vec!["2014", "1,500", "2019"]);
        let ar = body(&frame_to_html(
            &df,
            &TableOptions {
                lang: Lang::Ar,
                arabic_digits: true,
                number: NumberOptions {
                    compact: true,
                    sign: true,
                    ..Default::default()
                },
                ..opts()
            },
        ));
        assert_eq!(ar[1], vec!["٢٠٢٥", "+٢ ألف", "٢٠٢٠"]);
    }

    #[test]
    fn other_types_and_edge_cases() {
        let df = df!(
            "u" => [u64::MAX],
            "f32" => [1.5f32],
            "nan" => [f64::NAN],
        )
        .unwrap();
        let rows = body(&frame_to_html(&df, &opts()));
        assert_eq!(rows[0], vec!["18,446,744,073,709,551,615", "1.5", "—"]);

        let cat = Column::new("c".into(), ["a<b", "7"])
            .cast(&DataType::from_categories(Categories::global()))
            .unwrap();
        let df = DataFrame::new(2, vec![cat]).unwrap();
        let html = frame_to_html(
            &df,
            &TableOptions {
                arabic_digits: true,
                ..opts()
            },
        );
        assert_eq!(body(&html), vec![vec!["a&lt;b"], vec!["7"]]);

        let empty = DataFrame::new(0, vec![Column::new("year".into(), Vec::<i64>::new())]).unwrap();
        let html = frame_to_html(&empty, &opts());
        assert!(html.contains("<tbody>\n</tbody>"), "{html}");
    }
}
