//! Rendering briefings: formatting of numbers, dates and tables
//! ([`format`]), the template environment and the HTML writer.

pub mod format;
