//! Figures as a briefing prints them: a number together with what it is.
//!
//! A value that reaches a template from a data row carries its meaning in
//! the row's other columns, found by one naming convention (for the value
//! column `X`, the column `X_<field>` first, then the row-wide `<field>`):
//!
//! | field | columns | meaning |
//! |---|---|---|
//! | qualifier | `X_qualifier`, `qualifier` | `exact`, `about`, `at_least`, `at_most`, `more_than`, `less_than` |
//! | derived | `X_derived`, `derived` | `yes` / `true`: computed, not stated by a source |
//! | derivation | `X_derivation`, `derivation` | how it was computed (the note under the figure) |
//! | inputs | `X_inputs` | the columns of the same row it was computed from, comma-separated |
//! | source | `X_source`, `X_source_id`, `source_id` | the source row the value comes from |
//! | unit | `X_unit`, `unit` | the unit (kept in the trace) |
//!
//! [`Citations`] is what one render remembers: the footnote of each source
//! *document* (several source rows of one document share one appendix
//! entry, listing the paragraphs cited), the notes on computed values, and
//! every figure printed, in order (what `dossier verify` checks).
//!
//! A printed figure is `qualifier <data value="raw">shown</data>mark`:
//! the qualifier word in the report's language (from
//! [`crate::template::figure::qualifier_word`], the one list of hedge words),
//! the HTML `<data>` element with the exact value for machines, and a
//! bracketed mark that copies and reads apart from the figure: `[3]` for a
//! source footnote, `[†1]` for a value computed here, linking to its note.

use std::collections::BTreeMap;

use minijinja::value::{Value, ValueKind};
use minijinja::{Error, ErrorKind};

use crate::format::{escape_html, Lang, Qualifier};

/// The words a qualifier key is printed with, before the figure; `None` for
/// `exact` (and an empty key). The words themselves live in
/// [`crate::format::Qualifier`], the one list of hedge words.
pub fn qualifier_word(key: &str, lang: Lang) -> Option<&'static str> {
    Qualifier::parse(key).and_then(|q| q.word(lang))
}

/// A qualifier key from a cell: `None` for exact or empty; an error for an
/// unknown key (a hedge must never be dropped silently).
pub fn parse_qualifier(text: &str) -> Result<Option<String>, String> {
    match Qualifier::parse(text) {
        Some(q) if q.is_exact() => Ok(None),
        Some(q) => Ok(Some(q.code().to_string())),
        None => Err(format!(
            "unknown qualifier `{text}` (use one of: {})",
            Qualifier::ALL.map(|q| q.code()).join(", ")
        )),
    }
}

/// True for the cell values that mark a value as computed.
pub fn is_yes(v: &Value) -> bool {
    if v.kind() == ValueKind::Bool {
        return v.is_true();
    }
    if let Some(i) = v.as_i64() {
        return i != 0;
    }
    matches!(
        v.as_str().map(|s| s.trim().to_lowercase()).as_deref(),
        Some("yes" | "true" | "y" | "derived" | "computed")
    )
}

/// What a figure is, besides its value.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct FigureMeta {
    /// The qualifier key, `None` when exact.
    pub qualifier: Option<String>,
    /// Computed here (a division in a script, a derived row), not stated.
    pub derived: bool,
    /// How it was computed.
    pub derivation: Option<String>,
    /// What it was computed from: `(label, shown value, source id)`.
    pub inputs: Vec<FigureInput>,
    /// The source row (`source_id`) the value comes from.
    pub source: Option<String>,
    pub unit: Option<String>,
}

/// One input of a computed figure.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct FigureInput {
    /// The column (or label) it came from.
    pub label: String,
    pub value: Option<f64>,
    pub qualifier: Option<String>,
    pub source: Option<String>,
}

fn attr(row: &Value, name: &str) -> Option<Value> {
    row.get_attr(name)
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_none())
}

fn text_attr(row: &Value, names: &[String]) -> Option<String> {
    names
        .iter()
        .find_map(|n| attr(row, n))
        .map(|v| v.to_string())
        .filter(|s| !s.trim().is_empty())
}

fn bad(msg: String) -> Error {
    Error::new(ErrorKind::InvalidOperation, msg)
}

impl FigureMeta {
    /// The meaning of `row[column]`, read by the naming convention of this module.
    pub fn from_row(row: &Value, column: &str) -> Result<FigureMeta, Error> {
        let names = |field: &str| vec![format!("{column}_{field}"), field.to_string()];
        let qualifier = match text_attr(row, &names("qualifier")) {
            Some(q) => parse_qualifier(&q).map_err(|e| bad(format!("`{column}`: {e}")))?,
            None => None,
        };
        let derived = names("derived")
            .iter()
            .find_map(|n| attr(row, n))
            .is_some_and(|v| is_yes(&v));
        let source = text_attr(
            row,
            &[
                format!("{column}_source"),
                format!("{column}_source_id"),
                "source_id".to_string(),
            ],
        );
        let mut inputs = Vec::new();
        if let Some(list) = text_attr(row, &[format!("{column}_inputs")]) {
            for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                let value = attr(row, name).and_then(|v| as_f64(&v).ok());
                let input = FigureMeta::from_row(row, name)?;
                inputs.push(FigureInput {
                    // What readers call it: `<input>_label` (never the column name).
                    label: text_attr(row, &[format!("{name}_label")]).unwrap_or_default(),
                    value,
                    qualifier: input.qualifier,
                    source: input.source,
                });
            }
        }
        Ok(FigureMeta {
            qualifier,
            derived,
            derivation: text_attr(row, &names("derivation")),
            inputs,
            source,
            unit: text_attr(row, &names("unit")),
        })
    }

    /// The meaning of a figure map made by the script function `computed`
    /// (`value`, `derived`, `derivation`, `inputs`, `qualifier`, `source_id`).
    pub fn from_figure_map(map: &Value) -> Result<FigureMeta, Error> {
        let mut meta = FigureMeta::from_row(map, "value")?;
        if let Some(list) = attr(map, "inputs") {
            if let Ok(items) = list.try_iter() {
                for item in items {
                    let input = if item.kind() == ValueKind::Map {
                        let m = FigureMeta::from_row(&item, "value")?;
                        FigureInput {
                            label: text_attr(&item, &["label".into(), "name".into()])
                                .unwrap_or_default(),
                            value: attr(&item, "value").and_then(|v| as_f64(&v).ok()),
                            qualifier: m.qualifier,
                            source: m.source,
                        }
                    } else {
                        FigureInput {
                            label: item.to_string(),
                            ..Default::default()
                        }
                    };
                    meta.inputs.push(input);
                }
            }
        }
        Ok(meta)
    }
}

/// True when `v` is a figure map (a map with a `value` and a `derived` key,
/// as `computed(...)` makes).
pub fn is_figure_map(v: &Value) -> bool {
    v.kind() == ValueKind::Map
        && attr(v, "value").is_some()
        && v.get_attr("derived").is_ok_and(|d| !d.is_undefined())
}

/// A template value as a number.
pub fn as_f64(v: &Value) -> Result<f64, Error> {
    if let Some(i) = v.as_i64() {
        return Ok(i as f64);
    }
    f64::try_from(v.clone())
        .map_err(|_| bad(format!("expected a number, found {} `{v}`", v.kind())))
}

/// One figure a render printed.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Figure {
    /// The exact value (what `<data value>` holds).
    pub value: f64,
    /// The number as printed, without qualifier or mark.
    pub shown: String,
    /// The column it came from, when it came from a row.
    pub column: Option<String>,
    #[serde(flatten)]
    pub meta: FigureMeta,
    /// The filter that printed it: `cite`, `number`, `table`.
    pub filter: &'static str,
    /// The footnote (document number) it is cited to, if any.
    pub footnote: Option<usize>,
    /// The number of its note among the computed values, if computed.
    pub calc: Option<usize>,
}

/// One row of the sources table the script left as `sources`: which
/// document a source row belongs to, and the paragraph it cites.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceRow {
    pub publisher: String,
    pub title: String,
    pub date: String,
    pub date_precision: String,
    pub kind: String,
    pub paragraph: Option<i64>,
    /// The source row it was cited through (`via`), if any.
    pub via: Option<String>,
}

impl SourceRow {
    /// Rows with the same publisher, title and date are one document.
    fn document_key(&self) -> (String, String, String) {
        (
            self.publisher.clone(),
            self.title.clone(),
            self.date.clone(),
        )
    }
}

/// One entry of the sources appendix.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Document {
    /// The footnote number (1-based, in order of first citation).
    pub number: usize,
    /// The fragment the footnotes link to: `source-N`.
    pub anchor: String,
    pub publisher: String,
    pub title: String,
    pub date: String,
    pub date_precision: String,
    pub kind: String,
    /// Cited through the source article rather than directly.
    pub via: bool,
    /// The paragraphs cited, ascending, without repeats.
    pub paragraphs: Vec<i64>,
    /// The source rows cited (internal ids: for `dossier verify`, never printed).
    pub source_ids: Vec<String>,
}

/// One note on a computed value.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Calculation {
    pub number: usize,
    pub anchor: String,
    /// The figure as printed.
    pub shown: String,
    /// The note, in the report's language, naming the inputs and their sources.
    pub note: String,
}

/// What one render remembers: footnotes by document, notes on computed
/// values, and every figure printed.
#[derive(Debug, Default)]
pub struct Citations {
    sources: BTreeMap<String, SourceRow>,
    documents: Vec<Document>,
    /// The document key of each entry of `documents`.
    keys: Vec<(String, String, String)>,
    calculations: Vec<Calculation>,
    figures: Vec<Figure>,
    cited_ids: Vec<String>,
}

impl Citations {
    /// Citations grouped into documents by the given source rows (source id
    /// → row); ids not in it are each a document of their own.
    pub fn with_sources(sources: BTreeMap<String, SourceRow>) -> Citations {
        Citations {
            sources,
            ..Default::default()
        }
    }

    /// The footnote number of a source (1-based): the number of its
    /// document, registering both on first use.
    pub fn number(&mut self, source_id: &str) -> usize {
        if !self.cited_ids.iter().any(|s| s == source_id) {
            self.cited_ids.push(source_id.to_string());
        }
        let row = self.sources.get(source_id).cloned();
        let key = match &row {
            Some(r) => r.document_key(),
            None => (String::new(), String::new(), format!("id:{source_id}")),
        };
        let i = match self.keys.iter().position(|k| *k == key) {
            Some(i) => i,
            None => {
                let n = self.documents.len() + 1;
                let r = row.clone().unwrap_or_default();
                // Cited through another document (not a passage of itself).
                let via = r.via.as_ref().is_some_and(|v| match self.sources.get(v) {
                    Some(through) => through.document_key() != key,
                    None => true,
                });
                self.keys.push(key);
                self.documents.push(Document {
                    number: n,
                    anchor: format!("source-{n}"),
                    publisher: r.publisher,
                    title: r.title,
                    date: r.date,
                    date_precision: r.date_precision,
                    kind: r.kind,
                    via,
                    paragraphs: Vec::new(),
                    source_ids: Vec::new(),
                });
                n - 1
            }
        };
        let doc = &mut self.documents[i];
        if !doc.source_ids.iter().any(|s| s == source_id) {
            doc.source_ids.push(source_id.to_string());
        }
        if let Some(p) = row.and_then(|r| r.paragraph) {
            if let Err(at) = doc.paragraphs.binary_search(&p) {
                doc.paragraphs.insert(at, p);
            }
        }
        doc.number
    }

    /// The paragraph a source row cites, if known.
    pub fn paragraph(&self, source_id: &str) -> Option<i64> {
        self.sources.get(source_id).and_then(|r| r.paragraph)
    }

    /// The source ids cited so far, in order of first citation.
    pub fn cited(&self) -> Vec<String> {
        self.cited_ids.clone()
    }

    /// The documents cited so far, in footnote order.
    pub fn documents(&self) -> Vec<Document> {
        self.documents.clone()
    }

    /// Registers the note of a computed value and returns its number.
    pub fn calculation(&mut self, shown: &str, note: String) -> usize {
        if let Some(c) = self
            .calculations
            .iter()
            .find(|c| c.shown == shown && c.note == note)
        {
            return c.number;
        }
        let n = self.calculations.len() + 1;
        self.calculations.push(Calculation {
            number: n,
            anchor: format!("calc-{n}"),
            shown: shown.to_string(),
            note,
        });
        n
    }

    /// The notes on computed values, in order.
    pub fn calculations(&self) -> Vec<Calculation> {
        self.calculations.clone()
    }

    /// Records a printed figure.
    pub fn record(&mut self, figure: Figure) {
        self.figures.push(figure);
    }

    /// Every figure printed so far, in order.
    pub fn figures(&self) -> Vec<Figure> {
        self.figures.clone()
    }
}

/// The mark of a value computed here (as chart labels mark theirs).
pub const COMPUTED_MARK: &str = "†";

/// The words of the computed mark and its note.
fn computed_words(lang: Lang) -> (&'static str, &'static str, &'static str) {
    match lang {
        Lang::En => (
            "computed by us",
            "Computed by us, not stated by any source",
            "from",
        ),
        Lang::Ar => ("من حسابنا", "حسبناه نحن، ولم يرد في أي مصدر", "من"),
    }
}

/// How a figure is printed: the parts around the number.
pub struct Printed<'a> {
    pub lang: Lang,
    /// Markup (`<data>`, `<sup>`, links) or plain text.
    pub html: bool,
    pub value: f64,
    /// The number as formatted.
    pub shown: &'a str,
    pub meta: &'a FigureMeta,
    /// Cite the source (a footnote) when the figure is stated.
    pub cite: bool,
    /// Text right after the number, before the mark (a unit: `×`).
    pub suffix: &'a str,
    /// Formats an input value of a computed figure for its note.
    pub format_input: &'a dyn Fn(f64) -> String,
}

/// Prints a figure, registering its footnote or its note on `cites`, and
/// records it there. Returns markup (or text when `p.html` is false).
pub fn print_figure(
    p: &Printed<'_>,
    column: Option<&str>,
    filter: &'static str,
    cites: &mut Citations,
) -> String {
    let mut out = String::new();
    let q = p
        .meta
        .qualifier
        .as_deref()
        .and_then(|k| qualifier_word(k, p.lang));
    let esc = |s: &str| {
        if p.html {
            escape_html(s)
        } else {
            s.to_string()
        }
    };
    // A bare number (nothing to qualify, mark or cite) prints as it is.
    let bare =
        !p.meta.derived && p.meta.qualifier.is_none() && !(p.cite && p.meta.source.is_some());
    if bare {
        cites.record(Figure {
            value: p.value,
            shown: p.shown.to_string(),
            column: column.map(str::to_string),
            meta: p.meta.clone(),
            filter,
            footnote: None,
            calc: None,
        });
        return format!("{}{}", esc(p.shown), esc(p.suffix));
    }
    if p.html {
        let class = match &p.meta.qualifier {
            Some(k) => format!("fig {}", k.replace('_', "-")),
            None => "fig".to_string(),
        };
        let class = if p.meta.derived {
            format!("{class} computed")
        } else {
            class
        };
        out.push_str(&format!("<span class=\"{class}\">"));
    }
    if let Some(word) = q {
        // A no-break space keeps the hedge on the figure's line.
        out.push_str(&esc(word));
        out.push('\u{a0}');
    }
    if p.html {
        out.push_str(&format!(
            "<data value=\"{}\">{}</data>",
            raw_value(p.value),
            escape_html(p.shown)
        ));
    } else {
        out.push_str(p.shown);
    }
    out.push_str(&esc(p.suffix));
    let mut footnote = None;
    let mut calc = None;
    if p.meta.derived {
        let note = computed_note(p, cites);
        let n = cites.calculation(p.shown, note);
        calc = Some(n);
        let (mark_title, _, _) = computed_words(p.lang);
        if p.html {
            out.push_str(&format!(
                "<sup class=\"calc\"><a href=\"#calc-{n}\" title=\"{mark_title}\">[{COMPUTED_MARK}{n}]</a></sup>"
            ));
        } else {
            out.push_str(&format!("[{COMPUTED_MARK}{n}]"));
        }
    } else if p.cite {
        if let Some(source) = &p.meta.source {
            let n = cites.number(source);
            footnote = Some(n);
            out.push_str(&footnote_mark(n, cites.paragraph(source), p.html));
        }
    }
    if p.html {
        out.push_str("</span>");
    }
    cites.record(Figure {
        value: p.value,
        shown: p.shown.to_string(),
        column: column.map(str::to_string),
        meta: p.meta.clone(),
        filter,
        footnote,
        calc,
    });
    out
}

/// A footnote mark: `[3]`, bracketed so that copying, text extraction and
/// screen readers keep it apart from the figure before it.
pub fn footnote_mark(n: usize, paragraph: Option<i64>, html: bool) -> String {
    if !html {
        return format!("[{n}]");
    }
    let title = paragraph
        .map(|p| format!(" title=\"¶{p}\""))
        .unwrap_or_default();
    format!("<sup class=\"fn\"><a href=\"#source-{n}\"{title}>[{n}]</a></sup>")
}

/// The note of a computed figure: how, and from what (each input with its
/// qualifier and its source's footnote). Markup when `p.html` (the inputs
/// are figures themselves, and recorded as such).
fn computed_note(p: &Printed<'_>, cites: &mut Citations) -> String {
    let (_, lead, from) = computed_words(p.lang);
    let esc = |s: &str| {
        if p.html {
            escape_html(s)
        } else {
            s.to_string()
        }
    };
    let mut note = esc(lead);
    if let Some(d) = &p.meta.derivation {
        note.push_str(": ");
        note.push_str(&esc(d.trim_end_matches('.')));
    }
    let mut parts = Vec::new();
    for input in &p.meta.inputs {
        let mut s = String::new();
        if !input.label.is_empty() {
            s.push_str(&esc(&input.label));
        }
        if let Some(v) = input.value {
            if !s.is_empty() {
                s.push(' ');
            }
            let meta = FigureMeta {
                qualifier: input.qualifier.clone(),
                source: input.source.clone(),
                ..Default::default()
            };
            let shown = (p.format_input)(v);
            let inner = Printed {
                value: v,
                shown: &shown,
                meta: &meta,
                cite: true,
                suffix: "",
                ..*p
            };
            s.push_str(&print_figure(&inner, Some(&input.label), "note", cites));
        } else if let Some(src) = &input.source {
            let n = cites.number(src);
            s.push_str(&footnote_mark(n, cites.paragraph(src), p.html));
        }
        parts.push(s);
    }
    if parts.is_empty() {
        if let Some(src) = &p.meta.source {
            let n = cites.number(src);
            parts.push(footnote_mark(n, cites.paragraph(src), p.html));
        }
    }
    if !parts.is_empty() {
        let (sep, semi) = match p.lang {
            Lang::Ar => ("، ", "؛"),
            Lang::En => (", ", ";"),
        };
        note.push_str(&format!("{semi} {from} {}", parts.join(sep)));
    }
    note.push('.');
    note
}

/// A value for `<data value>`: integers without a fraction, others with
/// their shortest round-trip text.
pub fn raw_value(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualifier_words_in_both_languages() {
        assert_eq!(qualifier_word("about", Lang::En), Some("about"));
        assert_eq!(qualifier_word("about", Lang::Ar), Some("نحو"));
        assert_eq!(qualifier_word("at_least", Lang::Ar), Some("على الأقل"));
        assert_eq!(qualifier_word("at_most", Lang::Ar), Some("لا يتجاوز"));
        assert_eq!(qualifier_word("more_than", Lang::Ar), Some("أكثر من"));
        assert_eq!(qualifier_word("exact", Lang::En), None);
        assert_eq!(parse_qualifier("At least"), Ok(Some("at_least".into())));
        assert_eq!(parse_qualifier("more than"), Ok(Some("more_than".into())));
        assert_eq!(parse_qualifier("exact"), Ok(None));
        assert!(parse_qualifier("roughly-ish").is_err());
    }

    #[test]
    fn documents_group_source_rows_and_list_paragraphs() {
        let row = |publisher: &str, p: i64| SourceRow {
            publisher: publisher.into(),
            paragraph: Some(p),
            ..Default::default()
        };
        let mut sources = BTreeMap::new();
        sources.insert("cbs-16".to_string(), row("CBS", 16));
        sources.insert("cbs-15".to_string(), row("CBS", 15));
        sources.insert("bns-17".to_string(), row("BNS", 17));
        let mut c = Citations::with_sources(sources);
        assert_eq!(c.number("cbs-16"), 1);
        assert_eq!(c.number("bns-17"), 2);
        assert_eq!(c.number("cbs-15"), 1);
        assert_eq!(c.number("unknown"), 3);
        assert_eq!(c.number("unknown"), 3);
        let docs = c.documents();
        assert_eq!(docs.len(), 3);
        assert_eq!(docs[0].paragraphs, vec![15, 16]);
        assert_eq!(docs[0].anchor, "source-1");
        assert_eq!(c.cited(), vec!["cbs-16", "bns-17", "cbs-15", "unknown"]);
    }

    #[test]
    fn marks_are_bracketed() {
        assert_eq!(footnote_mark(2, None, false), "[2]");
        assert!(footnote_mark(2, Some(18), true).contains(">[2]</a>"));
        assert_eq!(raw_value(883000000.0), "883000000");
        assert_eq!(raw_value(2.35), "2.35");
    }
}
