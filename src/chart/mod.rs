//! Charts: plotters drawing into SVG whose text stays text, and PNG
//! rasterised from that SVG with resvg and the bundled fonts.
//!
//! (Being implemented: see src/script/chart.rs for the script binding.)

/// A rendered chart.
#[derive(Debug, Clone)]
pub struct Chart {
    /// The SVG document (UTF-8, text as `<text>` elements).
    pub svg: String,
    /// The chart's title, if any (used as the figure caption / alt text).
    pub title: Option<String>,
    /// A text alternative for screen readers.
    pub alt: String,
}
