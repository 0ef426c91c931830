//! Charts: plotters drawing through our own SVG backend (text stays text),
//! and PNG rasterised from that SVG with resvg and the bundled fonts.
//!
//! - [`spec`]: kinds, options and data in plain Rust (the script binding in
//!   `script/chart.rs` converts Polars frames and Rhai maps into them);
//! - [`prepare`]: rows into series, bands and events, each value with its
//!   qualifier and whether it is computed;
//! - [`render`](mod@render): the layout (titles, plot, legend, notes), calling
//!   - [`bars`] (`bar`, `grouped_bar`, `stacked_bar`), [`points`] (`line`,
//!     `area`, `scatter`) and [`timeline`] for the kinds,
//!   - [`axes`] (plot area, value and x axes) over [`scale`] (nice ticks),
//!   - [`legend`], [`annotations`] and [`marks`] (what a value label says);
//! - [`canvas`]: drawing primitives in chart terms over [`backend`], the
//!   plotters `DrawingBackend` that writes the SVG (escaped text, Arabic
//!   runs, absolute baselines, CSS classes, accessible root);
//! - [`png`]: rasterisation with resvg over the bundled fonts;
//! - [`format`](mod@format), [`text`], [`theme`]: numbers and dates, font measurement
//!   and wrapping, colours and sizes.
//!
//! ```
//! use dossier::chart::{self, spec::{Data, Kind, Options, XData}};
//! let data = Data {
//!     x_name: "year".into(),
//!     x: XData::Numbers(vec![Some(2020.0), Some(2021.0)]),
//!     y: vec![("value".into(), vec![Some(1.0), Some(2.0)])],
//!     ..Data::default()
//! };
//! let c = chart::render(&data, &Options::new(Kind::Line)).unwrap();
//! assert!(c.svg.starts_with("<svg"));
//! ```

pub mod annotations;
pub mod axes;
pub mod backend;
pub mod bars;
pub mod canvas;
pub mod format;
pub mod legend;
pub mod marks;
pub mod png;
pub mod points;
pub mod prepare;
pub mod render;
pub mod scale;
pub mod spec;
pub mod text;
pub mod theme;
pub mod timeline;

use spec::{Data, Kind, Lang, Options};

/// A rendered chart.
#[derive(Debug, Clone)]
pub struct Chart {
    /// The SVG document (UTF-8, text as `<text>` elements).
    pub svg: String,
    /// The chart's title, if any (used as the figure caption / alt text).
    pub title: Option<String>,
    /// Its height in pixels: the `height` asked for, or more for a timeline
    /// whose labels need it.
    pub height: u32,
    /// A text alternative for screen readers.
    pub alt: String,
}

impl Chart {
    /// The chart as PNG bytes, `scale` pixels per SVG pixel.
    pub fn to_png(&self, scale: f32) -> Result<Vec<u8>, String> {
        png::render(&self.svg, scale)
    }
}

/// Draws a chart. Errors are messages for the user (an annotation off the
/// axis, a chart too small for its labels, text on a timeline's x).
pub fn render(data: &Data, opts: &Options) -> Result<Chart, String> {
    let drawn = render::draw(data, opts)?;
    Ok(Chart {
        svg: drawn.svg,
        title: opts.title.clone().filter(|t| !t.trim().is_empty()),
        height: drawn.height,
        alt: drawn.alt,
    })
}

/// The kind's name for people, in the chart's language.
fn kind_words(kind: Kind, lang: Lang) -> &'static str {
    match (lang, kind) {
        (Lang::En, Kind::Line) => "Line chart",
        (Lang::En, Kind::Bar) => "Bar chart",
        (Lang::En, Kind::GroupedBar) => "Grouped bar chart",
        (Lang::En, Kind::StackedBar) => "Stacked bar chart",
        (Lang::En, Kind::Area) => "Area chart",
        (Lang::En, Kind::Scatter) => "Scatter plot",
        (Lang::En, Kind::Timeline) => "Timeline",
        (Lang::Ar, Kind::Line) => "رسم بياني خطي",
        (Lang::Ar, Kind::Bar) => "رسم بياني بالأعمدة",
        (Lang::Ar, Kind::GroupedBar) => "رسم بياني بالأعمدة المجمعة",
        (Lang::Ar, Kind::StackedBar) => "رسم بياني بالأعمدة المكدسة",
        (Lang::Ar, Kind::Area) => "رسم بياني مساحي",
        (Lang::Ar, Kind::Scatter) => "رسم بياني مبعثر",
        (Lang::Ar, Kind::Timeline) => "خط زمني",
    }
}

/// "Line chart: Trade. value_usd by year; series: ISR, KAZ." (or Arabic).
fn alt_text(data: &Data, o: &Options, series: &[String], points: usize) -> String {
    let mut s = kind_words(o.kind, o.lang).to_string();
    if let Some(t) = o.title.as_deref().filter(|t| !t.trim().is_empty()) {
        s.push_str(": ");
        s.push_str(t.trim());
    }
    s.push('.');
    let x = o.x_label.clone().unwrap_or_else(|| data.x_name.clone());
    let y = o.y_label.clone().unwrap_or_else(|| {
        data.y
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    });
    let shown: Vec<&str> = series.iter().take(8).map(String::as_str).collect();
    let more = series.len().saturating_sub(shown.len());
    match o.lang {
        Lang::En => {
            if o.kind == Kind::Timeline {
                s.push_str(&format!(" {points} events by {x}"));
            } else {
                s.push_str(&format!(" {y} by {x}"));
            }
            if series.len() > 1 || data.series.is_some() {
                s.push_str(&format!("; series: {}", shown.join(", ")));
                if more > 0 {
                    s.push_str(&format!(" and {more} more"));
                }
            }
            s.push('.');
        }
        Lang::Ar => {
            if o.kind == Kind::Timeline {
                s.push_str(&format!(" {points} أحداث حسب {x}"));
            } else {
                s.push_str(&format!(" {y} حسب {x}"));
            }
            if series.len() > 1 || data.series.is_some() {
                s.push_str(&format!("؛ السلاسل: {}", shown.join("، ")));
                if more > 0 {
                    s.push_str(&format!(" و{more} أخرى"));
                }
            }
            s.push('.');
        }
    }
    s
}
