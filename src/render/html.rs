//! The HTML writer: renders a report's template with its context into one
//! self-contained page (CSS and SVG inline; the bundled templates fetch
//! nothing from any network host).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use minijinja::Value;

use crate::diag::Diagnostic;
use crate::render::report::ReportSpec;
use crate::script::Session;
use crate::template::figure::{Document, Figure, SourceRow};
use crate::template::{environment, to_diagnostic, Citations, RenderSettings};

/// Renders `spec.template` with `context`.
pub fn render(
    session: &Session,
    spec: &ReportSpec,
    context: &BTreeMap<String, Value>,
) -> Result<Page, Diagnostic> {
    let host = session.ctx().host.clone();
    let settings = RenderSettings {
        lang: spec.lang,
        arabic_digits: false,
    };
    let citations = Arc::new(Mutex::new(Citations::with_sources(source_rows(context))));
    let env = environment(host.clone(), settings, citations.clone());
    let names: Vec<String> = context.keys().cloned().collect();
    let template = env
        .get_template(&spec.template)
        .map_err(|e| to_diagnostic(&e, &host, &names))?;
    let html = template
        .render(context)
        .map_err(|e| to_diagnostic(&e, &host, &names))?;
    let (figures, documents) = citations
        .lock()
        .map(|c| (c.figures(), c.documents()))
        .unwrap_or_default();
    Ok(Page {
        html,
        figures,
        documents,
    })
}

/// A rendered page and the figures its filters printed.
#[derive(Debug, Clone)]
pub struct Page {
    pub html: String,
    pub figures: Vec<Figure>,
    /// The source documents cited, in footnote order.
    pub documents: Vec<Document>,
}

/// The source rows of the context's `sources` frame, if the script left
/// one with a `source_id` column: footnotes then number documents (rows
/// with the same publisher, title and date), not rows.
pub fn source_rows(context: &BTreeMap<String, Value>) -> BTreeMap<String, SourceRow> {
    let mut out = BTreeMap::new();
    let Some(frame) = context.get("sources") else {
        return out;
    };
    let Ok(rows) = frame.try_iter() else {
        return out;
    };
    let text = |row: &Value, names: &[&str]| -> String {
        names
            .iter()
            .filter_map(|n| row.get_attr(n).ok())
            .find(|v| !v.is_undefined() && !v.is_none())
            .map(|v| v.to_string())
            .unwrap_or_default()
    };
    for row in rows {
        let id = text(&row, &["source_id"]);
        if id.is_empty() {
            continue;
        }
        let paragraph = row.get_attr("paragraph").ok().and_then(|v| v.as_i64());
        let via = Some(text(&row, &["via"])).filter(|v| !v.is_empty());
        out.insert(
            id,
            SourceRow {
                publisher: text(&row, &["publisher"]),
                title: text(&row, &["title"]),
                date: text(&row, &["date"]),
                date_precision: text(&row, &["date_precision"]),
                kind: text(&row, &["kind_label", "kind"]),
                paragraph,
                via,
            },
        );
    }
    out
}
