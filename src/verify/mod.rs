//! `dossier verify`: renders reports in memory (through
//! [`crate::pipeline::render_document`], the first half of every render;
//! nothing is written) and checks that every figure a reader sees traces to
//! the data or to a value the script declares computed.
//!
//! - [`page`] reads the numbers of a page: figures printed by the filters
//!   (`<data value>`), other text, chart labels (axis ticks are structure).
//! - [`data`] indexes every dataset's cells with their row's meaning.
//! - [`origin`] finds a number typed into a template or a script string.
//!
//! Checks, per figure: it traces (to a data cell, a data text, or a declared
//! computed value); its qualifier is the data's (a hedge is never lost); a
//! computed value is marked as computed, never cited as stated. Across the
//! editions of one briefing (reports rendering the same script): the same
//! figures.

pub mod data;
pub mod origin;
pub mod page;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::Serialize;

use crate::config::{Config, Params};
use crate::diag::Diagnostic;
use crate::format::Lang;
use crate::host::Access;
use crate::render::report::ReportSpec;
use crate::template::figure::{qualifier_word, Figure, FigureMeta};
use data::{Cell, DataIndex};
use origin::SourceFile;
use page::{Found, Place};

/// How a figure traces.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Trace {
    /// Data cells holding the value.
    Data { cells: Vec<Cell> },
    /// A data text that holds the number (a statement, a title).
    DataText { cell: Cell },
    /// A value the script declared computed, or a derived data row.
    Computed {
        #[serde(skip_serializing_if = "Option::is_none")]
        derivation: Option<String>,
        inputs: Vec<crate::template::figure::FigureInput>,
    },
    /// Nothing: see the problems.
    None,
}

/// One figure a reader sees.
#[derive(Debug, Clone, Serialize)]
pub struct Checked {
    pub report: String,
    /// `text`, `chart`.
    pub place: &'static str,
    pub text: String,
    pub value: f64,
    /// The qualifier printed with it (`None`: exact).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qualifier: Option<String>,
    /// Printed as computed (with the computed mark).
    pub computed: bool,
    /// The source it is cited to, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub sentence: String,
    pub trace: Trace,
}

/// One thing that does not hold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    pub report: String,
    /// `file:line` when the figure was typed by hand.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.at {
            Some(at) => write!(f, "{at}: {}: {}", self.report, self.message),
            None => write!(f, "{}: {}", self.report, self.message),
        }
    }
}

/// What `dossier verify` found.
#[derive(Debug, Default, Serialize)]
pub struct Verification {
    pub reports: Vec<String>,
    /// Reports rendering the same script: editions of one briefing.
    pub editions: Vec<Vec<String>>,
    /// Source documents cited, over all reports.
    pub sources: usize,
    pub figures: Vec<Checked>,
    pub problems: Vec<Problem>,
}

impl Verification {
    /// The one-line summary printed when every check holds.
    pub fn summary(&self) -> String {
        let editions = if self.editions.is_empty() {
            "no editions".to_string()
        } else {
            self.editions
                .iter()
                .map(|e| e.join(" + "))
                .collect::<Vec<_>>()
                .join(", ")
        };
        format!(
            "verified {} figure(s) in {} report(s): every figure traces to the data or a declared computed value; {} source document(s) cited; editions: {}",
            self.figures.len(),
            self.reports.len(),
            self.sources,
            editions
        )
    }
}

/// A sink that drops what scripts print (verify's own output stays clean).
fn quiet() -> crate::script::Sink {
    Arc::new(|_, _| {})
}

/// What checking one report gave.
struct ReportCheck {
    checked: Vec<Checked>,
    problems: Vec<Problem>,
    /// The source ids of each document cited (the same in every language).
    documents: Vec<Vec<String>>,
}

/// Renders one report in memory and checks its figures.
fn check_report(
    config: Arc<Config>,
    spec: &ReportSpec,
    params: &Params,
) -> Result<ReportCheck, (Diagnostic, Vec<Access>)> {
    let doc = crate::pipeline::render_document(config.clone(), spec, params, quiet(), None)?;
    let index = DataIndex::load(&doc.session).map_err(|d| (d, doc.session.host().accesses()))?;
    let files = source_files(&config, &doc.session);
    let mut problems = Vec::new();
    let mut checked = Vec::new();
    let mut used = vec![false; doc.figures.len()];
    for f in page::numbers(&doc.html) {
        if let Some(c) = check(
            spec,
            &f,
            &doc.figures,
            &mut used,
            &index,
            &files,
            &mut problems,
        ) {
            checked.push(c);
        }
    }
    Ok(ReportCheck {
        checked,
        problems,
        documents: doc
            .documents
            .iter()
            .map(|d| {
                let mut ids = d.source_ids.clone();
                ids.sort();
                ids
            })
            .collect(),
    })
}

/// Renders `specs` in memory and checks them. Reports are independent:
/// they render side by side, one thread each, as `dossier render` does.
pub fn verify(
    config: Arc<Config>,
    specs: &[ReportSpec],
    params: &Params,
) -> Result<Verification, (Diagnostic, Vec<Access>)> {
    let results =
        crate::pipeline::for_each_report(specs, |spec| check_report(config.clone(), spec, params));
    let mut v = Verification::default();
    let mut per_report: Vec<(ReportSpec, Vec<Checked>)> = Vec::new();
    let mut documents = BTreeSet::new();
    for (spec, result) in specs.iter().zip(results) {
        let r = result?;
        documents.extend(r.documents);
        v.problems.extend(r.problems);
        v.reports.push(spec.name.clone());
        per_report.push((spec.clone(), r.checked));
    }
    v.sources = documents.len();
    // Editions: reports rendering the same script.
    let mut by_script: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, (spec, _)) in per_report.iter().enumerate() {
        by_script
            .entry(spec.script.display().to_string())
            .or_default()
            .push(i);
    }
    for group in by_script.values().filter(|g| g.len() > 1) {
        v.editions.push(
            group
                .iter()
                .map(|&i| per_report[i].0.name.clone())
                .collect(),
        );
        parity(group, &per_report, &mut v.problems);
    }
    for (_, checked) in per_report {
        v.figures.extend(checked);
    }
    Ok(v)
}

/// The templates and scripts a report read.
fn source_files(config: &Config, session: &crate::script::Session) -> Vec<SourceFile> {
    let mut out = Vec::new();
    for a in session.host().accesses() {
        let Access::Read(path) = a else { continue };
        let display = config.display_path(&path);
        let text = session
            .host()
            .source(&path)
            .map(|t| t.to_string())
            .or_else(|| std::fs::read_to_string(&path).ok());
        if let Some(f) = text.and_then(|t| SourceFile::classify(&display, t)) {
            out.push(f);
        }
    }
    out
}

/// The qualifier word of `key` in either language, found in `text`.
fn shows_qualifier(key: &str, text: &str) -> bool {
    [Lang::En, Lang::Ar]
        .iter()
        .filter_map(|l| qualifier_word(key, *l))
        .any(|w| text.contains(w))
}

fn describe(cells: &[&Cell]) -> String {
    let c = cells[0];
    let mut s = format!("{}.{} row {}", c.dataset, c.column, c.row);
    if cells.len() > 1 {
        s.push_str(&format!(" (and {} more)", cells.len() - 1));
    }
    s
}

fn quote(sentence: &str) -> String {
    const MAX: usize = 160;
    if sentence.chars().count() > MAX {
        let cut: String = sentence.chars().take(MAX).collect();
        format!("“{cut}…”")
    } else {
        format!("“{sentence}”")
    }
}

/// The checks of one number; `None` for structure (an axis tick).
#[allow(clippy::too_many_arguments)]
fn check(
    spec: &ReportSpec,
    f: &Found,
    figures: &[Figure],
    used: &mut [bool],
    index: &DataIndex,
    files: &[SourceFile],
    problems: &mut Vec<Problem>,
) -> Option<Checked> {
    let report = spec.name.clone();
    let mut problem = |at: Option<String>, message: String| {
        problems.push(Problem {
            report: report.clone(),
            at,
            message,
        })
    };
    let mut out = Checked {
        report: spec.name.clone(),
        place: "text",
        text: f.text.clone(),
        value: f.value,
        qualifier: None,
        computed: false,
        source: None,
        sentence: f.sentence.clone(),
        trace: Trace::None,
    };
    match &f.place {
        Place::Chart { tick: true, .. } => return None,
        Place::Filter(i) => {
            // The filter's record of this figure: by position, else by value.
            let at = Some(*i)
                .filter(|&i| i < figures.len() && !used[i] && data::same(figures[i].value, f.value))
                .or_else(|| {
                    (0..figures.len()).find(|&j| !used[j] && data::same(figures[j].value, f.value))
                });
            let meta = match at {
                Some(j) => {
                    used[j] = true;
                    figures[j].meta.clone()
                }
                None => FigureMeta::default(),
            };
            let cited = at.is_some_and(|j| figures[j].footnote.is_some());
            out.qualifier = meta.qualifier.clone();
            out.computed = meta.derived;
            out.source = meta.source.clone().filter(|_| cited);
            if meta.derived {
                out.trace = Trace::Computed {
                    derivation: meta.derivation.clone(),
                    inputs: meta.inputs.clone(),
                };
                return Some(out);
            }
            let cells = index.find(f.value);
            if cells.is_empty() {
                let msg = if cited {
                    format!(
                        "{} is cited to a source but is not in the data: a computed value cited as stated (declare it with computed(…)): {}",
                        f.text,
                        quote(&f.sentence)
                    )
                } else {
                    format!(
                        "{} does not trace to the data (declare a computed value with computed(…)): {}",
                        f.text,
                        quote(&f.sentence)
                    )
                };
                problem(None, msg);
                return Some(out);
            }
            if cells.iter().all(|c| c.derived) {
                problem(
                    None,
                    format!(
                        "{} is derived in the data ({}) but printed as stated: {}",
                        f.text,
                        describe(&cells),
                        quote(&f.sentence)
                    ),
                );
            }
            if !cells.iter().any(|c| c.qualifier == meta.qualifier) {
                let data_q = cells
                    .iter()
                    .find_map(|c| c.qualifier.clone())
                    .unwrap_or_else(|| "exact".into());
                let msg = match &meta.qualifier {
                    None => format!(
                        "hedge lost: {} is `{data_q}` in {} but printed without it: {}",
                        f.text,
                        describe(&cells),
                        quote(&f.sentence)
                    ),
                    Some(q) => format!(
                        "{} is printed `{q}` but is `{data_q}` in {}: {}",
                        f.text,
                        describe(&cells),
                        quote(&f.sentence)
                    ),
                };
                problem(None, msg);
            }
            out.trace = Trace::Data {
                cells: cells.into_iter().cloned().collect(),
            };
        }
        Place::Text => {
            if let Some(at) = origin::typed_at(files, &f.text) {
                problem(
                    Some(at),
                    format!(
                        "{} is typed by hand, not taken from the data: {}",
                        f.text,
                        quote(&f.sentence)
                    ),
                );
                return Some(out);
            }
            if let Some(cell) = index.find_text(&f.text, &f.sentence) {
                out.trace = Trace::DataText { cell: cell.clone() };
                return Some(out);
            }
            let cells = index.find_shown(f.value, &f.text, f.scale);
            if cells.is_empty() {
                problem(
                    None,
                    format!(
                        "{} does not trace to the data (print figures with `number` or `cite`, and declare computed values with computed(…)): {}",
                        f.text,
                        quote(&f.sentence)
                    ),
                );
                return Some(out);
            }
            hedge_in_text(f, &cells, &mut problem);
            out.trace = Trace::Data {
                cells: cells.into_iter().cloned().collect(),
            };
        }
        Place::Chart { .. } => {
            out.place = "chart";
            let cells = index.find_shown(f.value, &f.text, f.scale);
            if cells.is_empty() {
                problem(
                    None,
                    format!(
                        "chart label {} does not trace to the data: {}",
                        f.text,
                        quote(&f.sentence)
                    ),
                );
                return Some(out);
            }
            out.computed = f.after.contains('†') || f.sentence.contains('†');
            if cells.iter().all(|c| c.derived) && !out.computed {
                problem(
                    None,
                    format!(
                        "chart label {} is derived in the data ({}) but not marked as computed",
                        f.text,
                        describe(&cells)
                    ),
                );
            }
            hedge_in_text(f, &cells, &mut problem);
            out.trace = Trace::Data {
                cells: cells.into_iter().cloned().collect(),
            };
        }
    }
    if let Trace::Data { cells } = &out.trace {
        out.qualifier = cells
            .iter()
            .find(|c| {
                c.qualifier
                    .as_deref()
                    .is_some_and(|q| shows_qualifier(q, &f.before))
            })
            .and_then(|c| c.qualifier.clone());
    }
    Some(out)
}

/// A number printed without a figure filter keeps its hedge only if the
/// words before it say it.
fn hedge_in_text(f: &Found, cells: &[&Cell], problem: &mut impl FnMut(Option<String>, String)) {
    let exact_somewhere = cells.iter().any(|c| c.qualifier.is_none());
    let said = cells.iter().any(|c| {
        c.qualifier
            .as_deref()
            .is_some_and(|q| shows_qualifier(q, &f.before))
    });
    if !exact_somewhere && !said {
        let q = cells[0].qualifier.clone().unwrap_or_default();
        problem(
            None,
            format!(
                "hedge lost: {} is `{q}` in {} but printed without it: {}",
                f.text,
                describe(cells),
                quote(&f.sentence)
            ),
        );
    }
}

/// The key a figure is compared by across editions: its value.
fn parity_key(c: &Checked) -> Option<String> {
    if matches!(c.trace, Trace::None | Trace::DataText { .. }) {
        return None;
    }
    Some(format!("{:.6e}|{}", c.value, c.place))
}

/// Every figure of one edition is in each other edition.
fn parity(group: &[usize], reports: &[(ReportSpec, Vec<Checked>)], problems: &mut Vec<Problem>) {
    let keys: Vec<BTreeMap<String, &Checked>> = group
        .iter()
        .map(|&i| {
            reports[i]
                .1
                .iter()
                .filter_map(|c| parity_key(c).map(|k| (k, c)))
                .collect()
        })
        .collect();
    for (a, ka) in group.iter().zip(&keys) {
        for (b, kb) in group.iter().zip(&keys) {
            if a == b {
                continue;
            }
            for (k, c) in ka {
                if !kb.contains_key(k) {
                    let (name_a, name_b) = (&reports[*a].0.name, &reports[*b].0.name);
                    problems.push(Problem {
                        report: name_a.clone(),
                        at: None,
                        message: format!(
                            "{} ({}) is in {name_a} but missing from {name_b}, another edition of {}: {}",
                            c.text,
                            if c.place == "chart" { "chart label" } else { "text" },
                            reports[*a].0.script.display(),
                            quote(&c.sentence)
                        ),
                    });
                }
            }
        }
    }
}
