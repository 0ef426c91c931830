//! Rendering briefings, above the script engine: the report entries and
//! provenance ([`report`]), a finished run's variables as the template
//! context ([`context`]), the HTML writer ([`html`]) and the PDF writer
//! ([`pdf`], which sets chart labels as Typst text with [`chart_labels`]).
//! Formatting lives in [`crate::format`], the template
//! environment in [`crate::template`].

pub mod chart_labels;
pub mod context;
pub mod dom;
pub mod html;
pub mod pdf;
pub mod report;
