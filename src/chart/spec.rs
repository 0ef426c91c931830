//! What a chart is asked to show: its kind, its options and its data, in
//! plain Rust. The script binding (`script/chart.rs`) turns a Polars frame
//! and a Rhai options map into these; nothing here knows Polars or Rhai.

pub use super::format::DateUnit;
use super::theme::Rgb;
pub use crate::format::Qualifier;

/// The chart kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Line,
    Bar,
    GroupedBar,
    StackedBar,
    Area,
    Scatter,
    Timeline,
}

impl Kind {
    /// Every kind, in the order the documentation lists them.
    pub const ALL: [Kind; 7] = [
        Kind::Line,
        Kind::Bar,
        Kind::GroupedBar,
        Kind::StackedBar,
        Kind::Area,
        Kind::Scatter,
        Kind::Timeline,
    ];

    /// The name scripts use.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Line => "line",
            Kind::Bar => "bar",
            Kind::GroupedBar => "grouped_bar",
            Kind::StackedBar => "stacked_bar",
            Kind::Area => "area",
            Kind::Scatter => "scatter",
            Kind::Timeline => "timeline",
        }
    }

    /// The kind a script names, if any.
    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Bars: the x axis is categorical (numbers and dates become categories).
    pub fn is_bar(self) -> bool {
        matches!(self, Kind::Bar | Kind::GroupedBar | Kind::StackedBar)
    }
}

/// The language of the chart's furniture and its direction: English left
/// to right (value axis on the left, legend on the right); Arabic mirrored
/// (value axis on the right, x running right to left, legend on the left,
/// titles right-aligned). The one `Lang` of the crate.
pub use crate::format::Lang;

/// How numbers are written (see [`super::format`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberFormat {
    Plain,
    Thousands,
    Compact,
}

/// Where an annotation points on the x axis.
#[derive(Debug, Clone, PartialEq)]
pub enum AnnotationX {
    /// A number (numeric axes; a year on a date axis).
    Number(f64),
    /// A category, or a date written `2021-03-01` / `2021-03` / `2021`.
    Text(String),
}

/// A note on the chart: at a point (x and y), a vertical rule (x only) or a
/// horizontal rule (y only).
#[derive(Debug, Clone, PartialEq)]
pub struct Annotation {
    pub x: Option<AnnotationX>,
    pub y: Option<f64>,
    pub text: String,
}

/// The options a chart takes.
#[derive(Debug, Clone)]
pub struct Options {
    pub kind: Kind,
    pub title: Option<String>,
    pub subtitle: Option<String>,
    pub x_label: Option<String>,
    pub y_label: Option<String>,
    pub width: u32,
    pub height: u32,
    pub lang: Lang,
    pub number_format: NumberFormat,
    pub decimals: Option<usize>,
    pub value_labels: bool,
    pub annotations: Vec<Annotation>,
    /// Series colours; empty for the theme's palette.
    pub colors: Vec<Rgb>,
    /// None: a legend when there is more than one series or a series column.
    pub legend: Option<bool>,
    pub y_min: Option<f64>,
    pub y_max: Option<f64>,
}

/// Default width in pixels.
pub const DEFAULT_WIDTH: u32 = 720;
/// Default height in pixels.
pub const DEFAULT_HEIGHT: u32 = 400;
/// Smallest and largest width or height accepted.
pub const SIZE_RANGE: (u32, u32) = (160, 4000);

impl Options {
    /// The defaults for a kind.
    pub fn new(kind: Kind) -> Options {
        Options {
            kind,
            title: None,
            subtitle: None,
            x_label: None,
            y_label: None,
            width: DEFAULT_WIDTH,
            height: DEFAULT_HEIGHT,
            lang: Lang::En,
            number_format: NumberFormat::Thousands,
            decimals: None,
            value_labels: false,
            annotations: Vec::new(),
            colors: Vec::new(),
            legend: None,
            y_min: None,
            y_max: None,
        }
    }
}

/// The x column's values, one per row.
#[derive(Debug, Clone)]
pub enum XData {
    Numbers(Vec<Option<f64>>),
    /// Days since 1970-01-01.
    Dates(Vec<Option<i32>>),
    Text(Vec<Option<String>>),
}

impl Default for XData {
    fn default() -> XData {
        XData::Numbers(Vec::new())
    }
}

impl XData {
    pub fn len(&self) -> usize {
        match self {
            XData::Numbers(v) => v.len(),
            XData::Dates(v) => v.len(),
            XData::Text(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The rows a chart draws, column by column.
#[derive(Debug, Clone, Default)]
pub struct Data {
    /// The x column's name (numbers in a column named like "year" are
    /// written without thousands separators).
    pub x_name: String,
    pub x: XData,
    /// The value columns (name, values); empty for a timeline.
    pub y: Vec<(String, Vec<Option<f64>>)>,
    /// The series column's value per row, when the rows are split by it.
    pub series: Option<Vec<String>>,
    /// The timeline's text per row.
    pub labels: Option<Vec<String>>,
    /// How the source hedges each row's value.
    pub qualifiers: Option<Vec<Qualifier>>,
    /// Whether each row's value is computed rather than stated by a source.
    pub derived: Option<Vec<bool>>,
    /// How precisely each timeline event is dated (None: from the dates).
    pub precision: Option<Vec<Option<DateUnit>>>,
}
