//! Rendering briefings: formatting of numbers, dates and tables
//! ([`format`]), script values as template values ([`convert`]), the
//! template environment ([`template`]), the report context ([`context`]),
//! the report entries and provenance ([`report`]) and the HTML writer ([`html`]).

pub mod context;
pub mod convert;
pub mod figure;
pub mod format;
pub mod html;
pub mod pdf;
pub mod report;
pub mod template;
