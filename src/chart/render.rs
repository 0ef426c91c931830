//! Layout and drawing. Everything is drawn with plotters' SVG backend into a
//! string (text stays `<text>`); the layout (margins, axes, legend,
//! mirroring) is ours, measured with the bundled fonts.
//!
//! Geometry is computed in *logical* x (distance from the start edge of the
//! plot) and mapped to pixels by [`Plot::x`], which mirrors for Arabic: the
//! value axis moves to the right, x runs right to left, the legend moves to
//! the left and titles align right.

use std::collections::HashMap;

use plotters::prelude::{
    Color, DrawingBackend, FontDesc, FontFamily, FontStyle, RGBAColor, RGBColor, SVGBackend,
    ShapeStyle, TextStyle,
};
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::format::{self, DateUnit};
use super::scale;
use super::spec::{Annotation, AnnotationX, Data, Kind, Lang, NumberFormat, Options, XData};
use super::text;
use super::theme::*;

/// What [`draw`] produced: plotters' SVG (before [`super::svg::finish`]) and
/// the series it drew, for the text alternative.
pub struct Drawn {
    pub svg: String,
    pub series: Vec<String>,
    pub points: usize,
}

// ---------------------------------------------------------------------------
// Drawing primitives over plotters' backend

struct Canvas<'a> {
    b: SVGBackend<'a>,
}

fn px(v: f64) -> i32 {
    v.round() as i32
}

fn shape(c: Rgb, alpha: f64, filled: bool, width: u32) -> ShapeStyle {
    ShapeStyle {
        color: RGBAColor(c.0, c.1, c.2, alpha),
        filled,
        stroke_width: width,
    }
}

impl Canvas<'_> {
    fn rect(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, c: Rgb, alpha: f64) {
        let (l, r) = (px(x0.min(x1)), px(x0.max(x1)));
        let (t, b) = (px(y0.min(y1)), px(y0.max(y1)));
        if r > l && b > t {
            let _ = self
                .b
                .draw_rect((l, t), (r, b), &shape(c, alpha, true, 1), true);
        }
    }

    fn line(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, c: Rgb, width: u32) {
        let _ = self.b.draw_line(
            (px(x0), px(y0)),
            (px(x1), px(y1)),
            &shape(c, 1.0, false, width),
        );
    }

    /// A dashed line (4 on, 4 off).
    fn dashed(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, c: Rgb) {
        let len = ((x1 - x0).powi(2) + (y1 - y0).powi(2)).sqrt();
        if len < 1.0 {
            return;
        }
        let (dx, dy) = ((x1 - x0) / len, (y1 - y0) / len);
        let mut t = 0.0;
        while t < len {
            let e = (t + 4.0).min(len);
            self.line(x0 + dx * t, y0 + dy * t, x0 + dx * e, y0 + dy * e, c, 1);
            t += 8.0;
        }
    }

    fn path(&mut self, pts: &[(f64, f64)], c: Rgb, width: u32) {
        if pts.len() < 2 {
            return;
        }
        let _ = self.b.draw_path(
            pts.iter().map(|&(x, y)| (px(x), px(y))),
            &shape(c, 1.0, false, width),
        );
    }

    fn polygon(&mut self, pts: &[(f64, f64)], c: Rgb, alpha: f64) {
        if pts.len() < 3 {
            return;
        }
        let _ = self.b.fill_polygon(
            pts.iter().map(|&(x, y)| (px(x), px(y))),
            &shape(c, alpha, true, 1),
        );
    }

    fn circle(&mut self, x: f64, y: f64, r: u32, c: Rgb, fill: bool, alpha: f64) {
        let _ = self
            .b
            .draw_circle((px(x), px(y)), r, &shape(c, alpha, fill, 1), fill);
    }

    #[allow(clippy::too_many_arguments)]
    fn text(&mut self, s: &str, x: f64, y: f64, size: f64, bold: bool, c: Rgb, h: HPos, v: VPos) {
        if s.is_empty() {
            return;
        }
        // Line breaks collapse to spaces; characters XML forbids are dropped.
        let s: String = s
            .chars()
            .map(|c| {
                if matches!(c, '\n' | '\r' | '\t') || !super::svg::is_xml_char(c) {
                    ' '
                } else {
                    c
                }
            })
            .collect();
        let s = text::embed_rtl(&s);
        let s = s.as_ref();
        // plotters writes font-size = size / 1.24; `svg::finish` rounds it.
        let font = FontDesc::new(
            FontFamily::Name(FONT_FAMILY),
            size * 1.24,
            if bold {
                FontStyle::Bold
            } else {
                FontStyle::Normal
            },
        );
        let style = TextStyle {
            font,
            color: RGBColor(c.0, c.1, c.2).to_backend_color(),
            pos: Pos::new(h, v),
        };
        let _ = self.b.draw_text(s, &style, (px(x), px(y)));
    }
}

// ---------------------------------------------------------------------------
// Data, prepared for drawing

/// How x values are placed.
enum XKind {
    /// Categories in bands; keys match annotations.
    Band {
        labels: Vec<String>,
        keys: Vec<BandKey>,
    },
    Numbers {
        integer: bool,
        plain: bool,
    },
    Dates,
}

#[derive(Clone, PartialEq)]
enum BandKey {
    Text(String),
    Number(f64),
    Date(i32),
}

struct SeriesData {
    name: String,
    color: Rgb,
    /// (x in axis units: band index, number or day; y) in row order.
    points: Vec<(f64, Option<f64>)>,
}

struct Event {
    x: f64,
    label: String,
    group: usize,
}

struct Prepared {
    xkind: XKind,
    series: Vec<SeriesData>,
    events: Vec<Event>,
}

fn color(o: &Options, i: usize) -> Rgb {
    if o.colors.is_empty() {
        PALETTE[i % PALETTE.len()]
    } else {
        o.colors[i % o.colors.len()]
    }
}

/// Whether numbers on the x axis are written plainly: integers in a column
/// named like "year", or integers all below 10,000 in magnitude (years,
/// small counts). Otherwise they follow `number_format`.
fn plain_x(name: &str, values: &[Option<f64>]) -> (bool, bool) {
    let integer = values.iter().flatten().all(|v| v.fract() == 0.0);
    let small = values.iter().flatten().all(|v| v.abs() < 10_000.0);
    let plain = integer && (name.to_lowercase().contains("year") || small);
    (integer, plain)
}

fn sorted_unique(values: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut v: Vec<f64> = values.filter(|x| x.is_finite()).collect();
    v.sort_by(|a, b| a.total_cmp(b));
    v.dedup();
    v
}

fn prepare(data: &Data, o: &Options) -> Result<Prepared, String> {
    let kind = o.kind;
    let n = data.x.len();
    // x per row, in axis units.
    let (xkind, row_x): (XKind, Vec<Option<f64>>) = match &data.x {
        XData::Text(values) => {
            if kind == Kind::Timeline {
                return Err(format!(
                    "timeline: x column `{}` holds text; it must hold dates or years",
                    data.x_name
                ));
            }
            let mut index: HashMap<&str, usize> = HashMap::new();
            let mut labels = Vec::new();
            let row_x = values
                .iter()
                .map(|v| {
                    v.as_deref().map(|s| {
                        let next = index.len();
                        let i = *index.entry(s).or_insert_with(|| {
                            labels.push(s.to_string());
                            next
                        });
                        i as f64
                    })
                })
                .collect();
            let keys = labels.iter().cloned().map(BandKey::Text).collect();
            (XKind::Band { labels, keys }, row_x)
        }
        XData::Numbers(values) => {
            let (integer, plain) = plain_x(&data.x_name, values);
            let values: Vec<Option<f64>> =
                values.iter().map(|v| v.filter(|x| x.is_finite())).collect();
            if kind.is_bar() {
                let uniq = sorted_unique(values.iter().flatten().copied());
                let labels = if plain {
                    format::ticks(&uniq, NumberFormat::Plain, None)
                } else {
                    uniq.iter()
                        .map(|&v| format::value(v, o.number_format, None))
                        .collect()
                };
                let row_x = values
                    .iter()
                    .map(|v| {
                        v.and_then(|x| {
                            uniq.binary_search_by(|u| u.total_cmp(&x))
                                .ok()
                                .map(|i| i as f64)
                        })
                    })
                    .collect();
                let keys = uniq.into_iter().map(BandKey::Number).collect();
                (XKind::Band { labels, keys }, row_x)
            } else {
                (XKind::Numbers { integer, plain }, values)
            }
        }
        XData::Dates(values) => {
            if kind.is_bar() {
                let uniq = sorted_unique(values.iter().flatten().map(|&d| d as f64));
                let unit = format::date_unit(uniq.iter().map(|&d| d as i32));
                let labels = uniq
                    .iter()
                    .map(|&d| format::date_label(d as i32, unit, o.lang, true))
                    .collect();
                let row_x = values
                    .iter()
                    .map(|v| {
                        v.and_then(|d| {
                            uniq.binary_search_by(|u| u.total_cmp(&(d as f64)))
                                .ok()
                                .map(|i| i as f64)
                        })
                    })
                    .collect();
                let keys = uniq.into_iter().map(|d| BandKey::Date(d as i32)).collect();
                (XKind::Band { labels, keys }, row_x)
            } else {
                (
                    XKind::Dates,
                    values.iter().map(|v| v.map(|d| d as f64)).collect(),
                )
            }
        }
    };

    // Series: one per value of the series column (in order of appearance),
    // or one per y column.
    let mut series: Vec<SeriesData> = Vec::new();
    let mut events = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut group = |name: &str, series: &mut Vec<SeriesData>| -> usize {
        if let Some(&i) = seen.get(name) {
            return i;
        }
        let i = series.len();
        series.push(SeriesData {
            name: name.to_string(),
            color: color(o, i),
            points: Vec::new(),
        });
        seen.insert(name.to_string(), i);
        i
    };

    if kind == Kind::Timeline {
        let labels = data.labels.as_ref();
        for (i, x) in row_x.iter().enumerate() {
            let Some(x) = *x else { continue };
            let g = match &data.series {
                Some(s) => group(&s[i], &mut series),
                None => group(&data.x_name, &mut series),
            };
            let label = labels.and_then(|l| l.get(i)).cloned().unwrap_or_default();
            events.push(Event { x, label, group: g });
        }
        events.sort_by(|a, b| a.x.total_cmp(&b.x));
        return Ok(Prepared {
            xkind,
            series,
            events,
        });
    }

    match &data.series {
        Some(keys) => {
            if data.y.len() != 1 {
                return Err("with `series`, `y` must be one column".into());
            }
            let ys = &data.y[0].1;
            for i in 0..n {
                let g = group(&keys[i], &mut series);
                if let Some(x) = row_x[i] {
                    series[g].points.push((x, ys[i].filter(|v| v.is_finite())));
                }
            }
        }
        None => {
            for (name, ys) in &data.y {
                let g = group(name, &mut series);
                for i in 0..n {
                    if let Some(x) = row_x[i] {
                        series[g].points.push((x, ys[i].filter(|v| v.is_finite())));
                    }
                }
            }
        }
    }
    Ok(Prepared {
        xkind,
        series,
        events,
    })
}

// ---------------------------------------------------------------------------
// Layout

/// The plot area and its direction.
struct Plot {
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
    mirror: bool,
}

impl Plot {
    fn w(&self) -> f64 {
        (self.right - self.left).max(1.0)
    }
    fn h(&self) -> f64 {
        (self.bottom - self.top).max(1.0)
    }
    /// Pixel x of a logical offset from the start edge.
    fn x(&self, logical: f64) -> f64 {
        if self.mirror {
            self.right - logical
        } else {
            self.left + logical
        }
    }
}

/// The x axis once laid out.
enum XAxis {
    Band {
        labels: Vec<String>,
        keys: Vec<BandKey>,
    },
    Linear {
        min: f64,
        max: f64,
        ticks: Vec<(f64, String)>,
        dates: bool,
    },
}

impl XAxis {
    fn pos(&self, plot: &Plot, v: f64) -> f64 {
        match self {
            XAxis::Band { labels, .. } => {
                let bw = plot.w() / labels.len().max(1) as f64;
                plot.x((v + 0.5) * bw)
            }
            XAxis::Linear { min, max, .. } => {
                let t = if max > min {
                    (v - min) / (max - min)
                } else {
                    0.5
                };
                plot.x(t * plot.w())
            }
        }
    }

    /// Resolves an annotation's x to axis units.
    fn resolve(&self, x: &AnnotationX) -> Option<f64> {
        match self {
            XAxis::Band { labels, keys } => {
                let i = match x {
                    AnnotationX::Text(s) => labels.iter().position(|l| l == s).or_else(|| {
                        keys.iter().position(|k| match k {
                            BandKey::Text(t) => t == s,
                            BandKey::Number(n) => s.trim().parse::<f64>().ok() == Some(*n),
                            BandKey::Date(d) => format::parse_date(s) == Some(*d),
                        })
                    }),
                    AnnotationX::Number(v) => keys.iter().position(|k| match k {
                        BandKey::Number(n) => n == v,
                        BandKey::Date(d) => year_day(*v) == Some(*d),
                        BandKey::Text(t) => t.trim().parse::<f64>().ok() == Some(*v),
                    }),
                };
                i.map(|i| i as f64)
            }
            XAxis::Linear {
                dates, min, max, ..
            } => {
                let v = match (dates, x) {
                    (true, AnnotationX::Text(s)) => format::parse_date(s).map(|d| d as f64),
                    (true, AnnotationX::Number(v)) => year_day(*v).map(|d| d as f64),
                    (false, AnnotationX::Number(v)) => Some(*v),
                    (false, AnnotationX::Text(s)) => s.trim().parse().ok(),
                };
                // Off the axis would be off the plot.
                v.filter(|v| *v >= min.min(*max) && *v <= max.max(*min))
            }
        }
    }
}

/// A year number as its 1 January.
fn year_day(v: f64) -> Option<i32> {
    if v.fract() == 0.0 && (1.0..=9999.0).contains(&v) {
        chrono::NaiveDate::from_ymd_opt(v as i32, 1, 1).map(format::days)
    } else {
        None
    }
}

fn annotation_x_text(x: &AnnotationX) -> String {
    match x {
        AnnotationX::Number(v) => format::fixed(*v, format::needed_decimals(*v, 6), false),
        AnnotationX::Text(s) => s.clone(),
    }
}

/// Every `k`-th label is shown so that labels `width` wide, `spacing` apart, do not touch.
fn label_step(width: f64, spacing: f64) -> usize {
    if spacing <= 0.0 {
        return 1;
    }
    ((width + 10.0) / spacing).ceil().max(1.0) as usize
}

const LEGEND_ROW: f64 = 20.0;
const SWATCH: f64 = 12.0;

/// Draws a chart; returns plotters' SVG text.
pub fn draw(data: &Data, o: &Options) -> Result<Drawn, String> {
    let prep = prepare(data, o)?;
    let kind = o.kind;
    let (w, h) = (o.width as f64, o.height as f64);
    let mirror = o.lang == Lang::Ar;
    let pad = PADDING;
    // Start-aligned text: left in English, right in Arabic.
    let (start_x, start_h) = if mirror {
        (w - pad, HPos::Right)
    } else {
        (pad, HPos::Left)
    };

    let mut svg = String::with_capacity(24 * 1024);
    let points;
    {
        let mut c = Canvas {
            b: SVGBackend::with_string(&mut svg, (o.width, o.height)),
        };
        c.rect(0.0, 0.0, w, h, BACKGROUND, 1.0);

        // -- Titles, top down.
        let text_w = w - 2.0 * pad;
        let mut top = pad;
        if let Some(t) = o.title.as_deref().filter(|t| !t.is_empty()) {
            let rtl = text::is_rtl(t);
            for line in text::wrap(t, TITLE_SIZE, true, text_w, 3) {
                let line = text::embed_as(&line, rtl);
                c.text(
                    &line,
                    start_x,
                    top + 12.0,
                    TITLE_SIZE,
                    true,
                    TEXT,
                    start_h,
                    VPos::Center,
                );
                top += 24.0;
            }
        }
        if let Some(t) = o.subtitle.as_deref().filter(|t| !t.is_empty()) {
            let rtl = text::is_rtl(t);
            for line in text::wrap(t, LABEL_SIZE, false, text_w, 3) {
                let line = text::embed_as(&line, rtl);
                c.text(
                    &line,
                    start_x,
                    top + 9.0,
                    LABEL_SIZE,
                    false,
                    TEXT_MUTED,
                    start_h,
                    VPos::Center,
                );
                top += 18.0;
            }
        }
        if top > pad {
            top += 6.0;
        }
        let timeline = kind == Kind::Timeline;
        let y_label = o.y_label.as_deref().filter(|t| !t.is_empty() && !timeline);
        let y_label_top = top;
        if y_label.is_some() {
            top += 20.0;
        }
        let plot_top = top + 8.0;

        // -- Bottom up.
        let mut bottom = h - pad;
        let x_label = o.x_label.as_deref().filter(|t| !t.is_empty());
        let x_label_y = bottom - 9.0;
        if x_label.is_some() {
            bottom -= 22.0;
        }
        let plot_bottom = if timeline { bottom } else { bottom - 26.0 };
        if plot_bottom - plot_top < 40.0 {
            return Err(format!(
                "the chart is too short for its titles and labels ({} px high); make `height` larger",
                o.height
            ));
        }
        let plot_h = plot_bottom - plot_top;

        // -- The value axis.
        // The values the value axis must show, annotations included.
        let mut values: Vec<f64> = value_extent(&prep, kind);
        if kind != Kind::Timeline {
            values.extend(
                o.annotations
                    .iter()
                    .filter_map(|a| a.y)
                    .filter(|v| v.is_finite()),
            );
        }
        let integer_y = values.iter().all(|v| v.fract() == 0.0);
        let (mut lo, mut hi) = values
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                (a.min(v), b.max(v))
            });
        if values.is_empty() {
            (lo, hi) = (0.0, 1.0);
        }
        if kind.is_bar() || kind == Kind::Area {
            lo = lo.min(0.0);
            hi = hi.max(0.0);
        }
        let y_target = ((plot_h / 55.0) as usize).clamp(2, 8);
        let (mut ylo, mut yhi, mut yticks) =
            scale::nice_domain(lo, hi, y_target, integer_y, o.y_min, o.y_max);
        // Labels above the highest bar or point (below the lowest) need room:
        // when the data reach the end of the axis, the axis grows a step.
        if o.value_labels && !values.is_empty() && kind != Kind::StackedBar {
            let room = 0.07 * (yhi - ylo);
            let (mut lo2, mut hi2) = (lo, hi);
            if hi > 0.0 && yhi - hi < room {
                hi2 = hi + room;
            }
            if lo < 0.0 && lo - ylo < room {
                lo2 = lo - room;
            }
            if (lo2, hi2) != (lo, hi) {
                (ylo, yhi, yticks) =
                    scale::nice_domain(lo2, hi2, y_target, integer_y, o.y_min, o.y_max);
            }
        }
        let ytick_labels = format::ticks(&yticks, o.number_format, o.decimals);
        let ytick_w = if timeline {
            0.0
        } else {
            ytick_labels
                .iter()
                .map(|l| text::width(l, LABEL_SIZE, false))
                .fold(0.0, f64::max)
                + 8.0
        };

        // -- Legend.
        let show_legend = o
            .legend
            .unwrap_or(data.series.is_some() || prep.series.len() > 1)
            && !prep.series.is_empty();
        let legend_text_max = (w * 0.28 - SWATCH - 6.0).max(40.0);
        let legend_labels: Vec<String> = if show_legend {
            prep.series
                .iter()
                .map(|s| text::truncate(&s.name, LABEL_SIZE, false, legend_text_max))
                .collect()
        } else {
            Vec::new()
        };
        let legend_w = if show_legend {
            legend_labels
                .iter()
                .map(|l| text::width(l, LABEL_SIZE, false))
                .fold(0.0, f64::max)
                + SWATCH
                + 6.0
                + 16.0
        } else {
            0.0
        };

        let (plot_left, plot_right) = if mirror {
            (pad + legend_w, w - pad - ytick_w)
        } else {
            (pad + ytick_w, w - pad - legend_w)
        };
        if plot_right - plot_left < 40.0 {
            return Err(format!(
                "the chart is too narrow for its labels and legend ({} px wide); make `width` larger or set `legend: false`",
                o.width
            ));
        }
        let plot = Plot {
            left: plot_left,
            right: plot_right,
            top: plot_top,
            bottom: plot_bottom,
            mirror,
        };
        let py = |v: f64| -> f64 {
            let t = if yhi > ylo {
                (v - ylo) / (yhi - ylo)
            } else {
                0.5
            };
            plot.bottom - t * plot.h()
        };

        // -- The x axis.
        let axis = x_axis(&prep, kind, &plot, o);

        if let Some(l) = y_label {
            let x = if mirror { w - pad } else { pad };
            c.text(
                l,
                x,
                y_label_top + 9.0,
                LABEL_SIZE,
                false,
                TEXT_MUTED,
                start_h,
                VPos::Center,
            );
        }

        points = prep.series.iter().map(|s| s.points.len()).sum::<usize>() + prep.events.len();
        let empty = if timeline {
            prep.events.is_empty()
        } else {
            prep.series
                .iter()
                .all(|s| s.points.iter().all(|p| p.1.is_none()))
        };

        if timeline {
            draw_timeline(&mut c, &prep, &axis, &plot);
        } else {
            // Grid lines.
            for &t in &yticks {
                c.line(plot.left, py(t), plot.right, py(t), GRID, 1);
            }
            match kind {
                Kind::Bar | Kind::GroupedBar | Kind::StackedBar => {
                    draw_bars(&mut c, &prep, &plot, &py, (ylo, yhi), o)
                }
                Kind::Line | Kind::Area | Kind::Scatter => {
                    draw_points(&mut c, &prep, &axis, &plot, &py, (ylo, yhi), o)
                }
                Kind::Timeline => {}
            }
            // The baseline: zero when in view, else the bottom.
            let base = py(0f64.clamp(ylo.min(yhi), yhi.max(ylo)));
            c.line(plot.left, base, plot.right, base, TEXT_MUTED, 1);
            // Value axis labels.
            let (lx, lh) = if mirror {
                (plot.right + 8.0, HPos::Left)
            } else {
                (plot.left - 8.0, HPos::Right)
            };
            for (t, l) in yticks.iter().zip(&ytick_labels) {
                c.text(
                    l,
                    lx,
                    py(*t),
                    LABEL_SIZE,
                    false,
                    TEXT_MUTED,
                    lh,
                    VPos::Center,
                );
            }
            draw_x_axis(&mut c, &axis, &plot, w);
        }

        if empty {
            let msg = match o.lang {
                Lang::En => "No data",
                Lang::Ar => "لا توجد بيانات",
            };
            c.text(
                msg,
                (plot.left + plot.right) / 2.0,
                (plot.top + plot.bottom) / 2.0,
                LABEL_SIZE,
                false,
                TEXT_MUTED,
                HPos::Center,
                VPos::Center,
            );
        }

        draw_annotations(&mut c, &o.annotations, &axis, &plot, &py, timeline)?;

        if let Some(l) = x_label {
            c.text(
                l,
                (plot.left + plot.right) / 2.0,
                x_label_y,
                LABEL_SIZE,
                false,
                TEXT_MUTED,
                HPos::Center,
                VPos::Center,
            );
        }

        if show_legend {
            draw_legend(&mut c, &prep, &legend_labels, &plot, kind);
        }
        let _ = c.b.present();
    }
    Ok(Drawn {
        svg,
        series: prep.series.iter().map(|s| s.name.clone()).collect(),
        points,
    })
}

/// The values the value axis must show.
fn value_extent(prep: &Prepared, kind: Kind) -> Vec<f64> {
    match kind {
        Kind::StackedBar => {
            let n = band_count(prep);
            let (pos, neg) = stacks(prep, n);
            pos.into_iter().chain(neg).collect()
        }
        Kind::Bar | Kind::GroupedBar => {
            let n = band_count(prep);
            prep.series
                .iter()
                .flat_map(|s| bar_values(s, n))
                .flatten()
                .collect()
        }
        Kind::Timeline => Vec::new(),
        _ => prep
            .series
            .iter()
            .flat_map(|s| s.points.iter().filter_map(|p| p.1))
            .collect(),
    }
}

fn band_count(prep: &Prepared) -> usize {
    match &prep.xkind {
        XKind::Band { labels, .. } => labels.len(),
        _ => 0,
    }
}

/// A series' value per category: the sum of its rows there (None if none).
fn bar_values(s: &SeriesData, n: usize) -> Vec<Option<f64>> {
    let mut out = vec![None; n];
    for &(x, y) in &s.points {
        let i = x as usize;
        if let (Some(y), Some(slot)) = (y, out.get_mut(i)) {
            *slot = Some(slot.unwrap_or(0.0) + y);
        }
    }
    out
}

/// Positive and negative stack totals per category.
fn stacks(prep: &Prepared, n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut pos = vec![0.0; n];
    let mut neg = vec![0.0; n];
    for s in &prep.series {
        for (i, v) in bar_values(s, n).into_iter().enumerate() {
            match v {
                Some(v) if v >= 0.0 => pos[i] += v,
                Some(v) => neg[i] += v,
                None => {}
            }
        }
    }
    (pos, neg)
}

fn x_axis(prep: &Prepared, kind: Kind, plot: &Plot, o: &Options) -> XAxis {
    let xs = || {
        prep.series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.0))
            .chain(prep.events.iter().map(|e| e.x))
    };
    let target = ((plot.w() / 90.0) as usize).clamp(2, 12);
    match &prep.xkind {
        XKind::Band { labels, keys } => XAxis::Band {
            labels: labels.clone(),
            keys: keys.clone(),
        },
        XKind::Numbers { integer, plain } => {
            let (mut min, mut max) = xs().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(v), b.max(v))
            });
            if !min.is_finite() {
                (min, max) = (0.0, 1.0);
            }
            let ticks;
            if kind == Kind::Scatter {
                let (lo, hi, t) = scale::nice_domain(min, max, target, *integer, None, None);
                (min, max, ticks) = (lo, hi, t);
            } else {
                if max == min {
                    min -= 1.0;
                    max += 1.0;
                }
                if kind == Kind::Timeline {
                    let padding = (max - min) * 0.04;
                    min -= padding;
                    max += padding;
                }
                ticks = scale::ticks_within(min, max, target, *integer);
            }
            let labels = if *plain {
                format::ticks(&ticks, NumberFormat::Plain, None)
            } else {
                format::ticks(&ticks, o.number_format, None)
            };
            XAxis::Linear {
                min,
                max,
                ticks: ticks.into_iter().zip(labels).collect(),
                dates: false,
            }
        }
        XKind::Dates => {
            let (mut min, mut max) = xs().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(v), b.max(v))
            });
            if !min.is_finite() {
                let today = format::days(chrono::Utc::now().date_naive()) as f64;
                (min, max) = (today - 365.0, today);
            }
            if max == min {
                let yearly = format::date_unit([min as i32]) == DateUnit::Year;
                let d = if yearly { 366.0 } else { 15.0 };
                min -= d;
                max += d;
            }
            if kind == Kind::Timeline {
                let padding = (max - min) * 0.04;
                min -= padding;
                max += padding;
            }
            let ticks = scale::date_ticks(min.ceil() as i32, max.floor() as i32, target, o.lang);
            XAxis::Linear {
                min,
                max,
                ticks,
                dates: true,
            }
        }
    }
}

fn draw_x_axis(c: &mut Canvas, axis: &XAxis, plot: &Plot, w: f64) {
    let y = plot.bottom + 8.0;
    match axis {
        XAxis::Band { labels, .. } => {
            let n = labels.len().max(1);
            let bw = plot.w() / n as f64;
            let widest = labels
                .iter()
                .map(|l| text::width(l, LABEL_SIZE, false))
                .fold(0.0, f64::max);
            let step = label_step(widest, bw);
            for (i, l) in labels.iter().enumerate().step_by(step) {
                let x = axis.pos(plot, i as f64);
                let l = if step == 1 {
                    text::truncate(l, LABEL_SIZE, false, bw - 4.0)
                } else {
                    l.clone()
                };
                let half = text::width(&l, LABEL_SIZE, false) / 2.0;
                let x = x.clamp(half + 2.0, (w - half - 2.0).max(half + 2.0));
                c.text(
                    &l,
                    x,
                    y,
                    LABEL_SIZE,
                    false,
                    TEXT_MUTED,
                    HPos::Center,
                    VPos::Top,
                );
            }
        }
        XAxis::Linear { ticks, .. } => {
            let step = tick_label_step(ticks, axis, plot, LABEL_SIZE);
            for (v, l) in ticks.iter().step_by(step) {
                let x = axis.pos(plot, *v);
                c.line(x, plot.bottom, x, plot.bottom + 4.0, TEXT_MUTED, 1);
                let half = text::width(l, LABEL_SIZE, false) / 2.0;
                let x = x.clamp(half + 2.0, (w - half - 2.0).max(half + 2.0));
                c.text(
                    l,
                    x,
                    y,
                    LABEL_SIZE,
                    false,
                    TEXT_MUTED,
                    HPos::Center,
                    VPos::Top,
                );
            }
        }
    }
}

fn draw_bars(
    c: &mut Canvas,
    prep: &Prepared,
    plot: &Plot,
    py: &dyn Fn(f64) -> f64,
    (ylo, yhi): (f64, f64),
    o: &Options,
) {
    let n = band_count(prep);
    if n == 0 {
        return;
    }
    let bw = plot.w() / n as f64;
    let clampy = |v: f64| v.clamp(ylo.min(yhi), yhi.max(ylo));
    let zero = py(clampy(0.0));
    let per_series: Vec<Vec<Option<f64>>> = prep.series.iter().map(|s| bar_values(s, n)).collect();
    let stacked = o.kind == Kind::StackedBar;
    let groups = if stacked { 1 } else { prep.series.len().max(1) };
    let group_w = if groups == 1 {
        (bw * 0.6).min(120.0)
    } else {
        (bw * 0.8).min(60.0 * groups as f64)
    };
    let sub_w = group_w / groups as f64;
    let gap = if groups > 1 && sub_w > 6.0 { 1.0 } else { 0.0 };
    let mut labels: Vec<(String, f64, f64, VPos, Rgb)> = Vec::new();
    for i in 0..n {
        let center = (i as f64 + 0.5) * bw;
        let start = center - group_w / 2.0;
        let (mut pos_acc, mut neg_acc) = (0.0, 0.0);
        for (j, values) in per_series.iter().enumerate() {
            let Some(v) = values[i] else { continue };
            let color = prep.series[j].color;
            let (a, b) = if stacked {
                (start, start + group_w)
            } else {
                (
                    start + j as f64 * sub_w + gap,
                    start + (j + 1) as f64 * sub_w - gap,
                )
            };
            let (x0, x1) = (plot.x(a), plot.x(b));
            let (from, to) = if stacked {
                if v >= 0.0 {
                    let r = (pos_acc, pos_acc + v);
                    pos_acc += v;
                    r
                } else {
                    let r = (neg_acc, neg_acc + v);
                    neg_acc += v;
                    r
                }
            } else {
                (0.0, v)
            };
            let (y0, y1) = if stacked {
                (py(clampy(from)), py(clampy(to)))
            } else {
                (zero, py(clampy(to)))
            };
            c.rect(x0, y0, x1, y1, color, 1.0);
            if o.value_labels {
                let label = format::value(v, o.number_format, o.decimals);
                let cx = (x0 + x1) / 2.0;
                if stacked {
                    let fits = (y0 - y1).abs() >= SMALL_SIZE + 4.0
                        && text::width(&label, SMALL_SIZE, false) <= (x1 - x0).abs();
                    if fits {
                        let ink = if color.luminance() < 0.35 {
                            BACKGROUND
                        } else {
                            TEXT
                        };
                        labels.push((label, cx, (y0 + y1) / 2.0, VPos::Center, ink));
                    }
                } else if v >= 0.0 {
                    labels.push((label, cx, y1 - 4.0, VPos::Bottom, TEXT));
                } else {
                    labels.push((label, cx, y1 + 4.0, VPos::Top, TEXT));
                }
            }
        }
    }
    for (l, x, y, v, ink) in labels {
        c.text(&l, x, y, SMALL_SIZE, false, ink, HPos::Center, v);
    }
}

#[allow(clippy::too_many_arguments)]
fn draw_points(
    c: &mut Canvas,
    prep: &Prepared,
    axis: &XAxis,
    plot: &Plot,
    py: &dyn Fn(f64) -> f64,
    (ylo, yhi): (f64, f64),
    o: &Options,
) {
    let kind = o.kind;
    let inside = |v: f64| v >= ylo.min(yhi) - 1e-9 && v <= yhi.max(ylo) + 1e-9;
    let base = py(0f64.clamp(ylo.min(yhi), yhi.max(ylo)));
    let mut labels: Vec<(String, f64, f64)> = Vec::new();
    // Areas first, so that no fill covers another series' line.
    let sorted: Vec<Vec<(f64, Option<f64>)>> = prep
        .series
        .iter()
        .map(|s| {
            let mut p = s.points.clone();
            if kind != Kind::Scatter {
                p.sort_by(|a, b| a.0.total_cmp(&b.0));
            }
            p
        })
        .collect();
    let segments = |pts: &[(f64, Option<f64>)]| -> Vec<Vec<(f64, f64)>> {
        let mut out: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
        for &(x, y) in pts {
            match y {
                Some(y) if inside(y) => {
                    if let Some(last) = out.last_mut() {
                        last.push((axis.pos(plot, x), py(y)))
                    }
                }
                _ => out.push(Vec::new()),
            }
        }
        out.retain(|s| !s.is_empty());
        out
    };
    if kind == Kind::Area {
        for (s, pts) in prep.series.iter().zip(&sorted) {
            for seg in segments(pts) {
                let mut poly = Vec::with_capacity(seg.len() + 2);
                poly.push((seg[0].0, base));
                poly.extend(seg.iter().copied());
                poly.push((seg[seg.len() - 1].0, base));
                c.polygon(&poly, s.color, AREA_OPACITY);
            }
        }
    }
    for (s, pts) in prep.series.iter().zip(&sorted) {
        let segs = segments(pts);
        let n_points: usize = segs.iter().map(Vec::len).sum();
        match kind {
            Kind::Scatter => {
                for seg in &segs {
                    for &(x, y) in seg {
                        c.circle(x, y, 4, s.color, true, 0.85);
                    }
                }
            }
            _ => {
                for seg in &segs {
                    c.path(seg, s.color, LINE_WIDTH);
                    let markers = kind == Kind::Line && n_points <= 30;
                    if markers || seg.len() == 1 {
                        for &(x, y) in seg {
                            c.circle(x, y, 3, s.color, true, 1.0);
                        }
                    }
                }
            }
        }
        if o.value_labels {
            for &(x, y) in pts {
                if let Some(y) = y.filter(|v| inside(*v)) {
                    labels.push((
                        format::value(y, o.number_format, o.decimals),
                        axis.pos(plot, x),
                        py(y) - 7.0,
                    ));
                }
            }
        }
    }
    for (l, x, y) in labels {
        c.text(
            &l,
            x,
            y,
            SMALL_SIZE,
            false,
            TEXT,
            HPos::Center,
            VPos::Bottom,
        );
    }
}

/// Every how many ticks of a linear axis to label, so that labels of
/// `size` do not overlap.
fn tick_label_step(ticks: &[(f64, String)], axis: &XAxis, plot: &Plot, size: f64) -> usize {
    let widest = ticks
        .iter()
        .map(|(_, l)| text::width(l, size, false))
        .fold(0.0, f64::max);
    let spacing = ticks
        .windows(2)
        .map(|p| (axis.pos(plot, p[1].0) - axis.pos(plot, p[0].0)).abs())
        .fold(f64::INFINITY, f64::min);
    if spacing.is_finite() {
        label_step(widest, spacing)
    } else {
        1
    }
}

fn draw_timeline(c: &mut Canvas, prep: &Prepared, axis: &XAxis, plot: &Plot) {
    let axis_y = (plot.top + plot.bottom) / 2.0;
    c.line(plot.left, axis_y, plot.right, axis_y, TEXT_MUTED, 1);
    // Ticks and their labels just under the line.
    if let XAxis::Linear { ticks, .. } = axis {
        let step = tick_label_step(ticks, axis, plot, SMALL_SIZE);
        for (v, l) in ticks.iter().step_by(step) {
            let x = axis.pos(plot, *v);
            c.line(x, axis_y, x, axis_y + 4.0, TEXT_MUTED, 1);
            c.text(
                l,
                x,
                axis_y + 6.0,
                SMALL_SIZE,
                false,
                TEXT_MUTED,
                HPos::Center,
                VPos::Top,
            );
        }
    }
    if prep.events.is_empty() {
        return;
    }
    // Labels: wrapped, in rows above and below the axis, each as near its
    // marker as the labels before it allow; narrower and shorter labels are
    // tried until they all fit.
    let line_h = SMALL_SIZE + 3.0;
    let above_room = axis_y - plot.top - 12.0;
    let below_room = plot.bottom - axis_y - 24.0;
    let logical = |px: f64| {
        if plot.mirror {
            plot.right - px
        } else {
            px - plot.left
        }
    };
    let marks: Vec<f64> = prep
        .events
        .iter()
        .map(|e| logical(axis.pos(plot, e.x)))
        .collect();
    const CONFIGS: [(f64, usize); 8] = [
        (180.0, 3),
        (150.0, 3),
        (150.0, 2),
        (120.0, 3),
        (120.0, 2),
        (100.0, 2),
        (80.0, 2),
        (70.0, 1),
    ];
    let mut chosen = None;
    for (i, (max_w, max_lines)) in CONFIGS.iter().enumerate() {
        let max_w = max_w.min(plot.w());
        let blocks: Vec<Vec<String>> = prep
            .events
            .iter()
            .map(|e| {
                let rtl = text::is_rtl(&e.label);
                text::wrap(&e.label, SMALL_SIZE, false, max_w, *max_lines)
                    .into_iter()
                    .map(|l| text::embed_as(&l, rtl).into_owned())
                    .collect()
            })
            .collect();
        let widths: Vec<f64> = blocks
            .iter()
            .map(|b| {
                b.iter()
                    .map(|l| text::width(l, SMALL_SIZE, false))
                    .fold(0.0, f64::max)
            })
            .collect();
        let slot_h = *max_lines as f64 * line_h + 6.0;
        let above = (above_room / slot_h).max(0.0) as usize;
        let below = (below_room / slot_h).max(0.0) as usize;
        // Rows nearest the axis first, alternating sides.
        let mut rows = Vec::new();
        for level in 0..above.max(below) {
            if level < above {
                rows.push((0usize, level));
            }
            if level < below {
                rows.push((1usize, level));
            }
        }
        if rows.is_empty() {
            rows.push((0, 0));
        }
        let (placed, fits) = pack(&marks, &widths, rows.len(), plot.w());
        if fits || i == CONFIGS.len() - 1 {
            chosen = Some((blocks, widths, rows, placed, slot_h));
            break;
        }
    }
    let Some((blocks, widths, rows, placed, slot_h)) = chosen else {
        return;
    };
    // Stems first, then labels on a white ground (a stem passing behind a
    // label is hidden), then the markers on top.
    let mut texts: Vec<(f64, f64, f64, &Vec<String>, f64)> = Vec::new();
    for (k, e) in prep.events.iter().enumerate() {
        if widths[k] <= 0.0 {
            continue;
        }
        let mx = axis.pos(plot, e.x);
        let (row, left) = placed[k];
        let (side, level) = rows[row];
        let cx = plot.x(left + widths[k] / 2.0);
        let lines = blocks[k].len() as f64;
        let (block_top, stem_end, marker_edge) = if side == 0 {
            let bottom_y = axis_y - 12.0 - level as f64 * slot_h;
            (bottom_y - lines * line_h, bottom_y, axis_y - 6.0)
        } else {
            let top_y = axis_y + 24.0 + level as f64 * slot_h;
            (top_y, top_y, axis_y + 6.0)
        };
        c.line(mx, marker_edge, cx, stem_end, GRID_STEM, 1);
        texts.push((cx, block_top, widths[k], &blocks[k], lines));
    }
    for (cx, top, w, block, lines) in texts {
        c.rect(
            cx - w / 2.0 - 2.0,
            top,
            cx + w / 2.0 + 2.0,
            top + lines * line_h,
            BACKGROUND,
            1.0,
        );
        for (i, l) in block.iter().enumerate() {
            c.text(
                l,
                cx,
                top + i as f64 * line_h + line_h / 2.0,
                SMALL_SIZE,
                false,
                TEXT,
                HPos::Center,
                VPos::Center,
            );
        }
    }
    for e in &prep.events {
        let mx = axis.pos(plot, e.x);
        let color = prep
            .series
            .get(e.group)
            .map(|s| s.color)
            .unwrap_or(PALETTE[0]);
        c.circle(mx, axis_y, 6, BACKGROUND, true, 1.0);
        c.circle(mx, axis_y, 5, color, true, 1.0);
    }
}

/// Places labels of `widths` (in order along the axis, ideally centred on
/// `marks`) into `rows` rows of `width`: each goes to the row where it moves
/// least from its marker, then rows are pushed back inside the right edge.
/// Returns (row, logical left edge) per label, and whether all fit without
/// overlapping, within the edges and near their markers.
fn pack(marks: &[f64], widths: &[f64], rows: usize, width: f64) -> (Vec<(usize, f64)>, bool) {
    const GAP: f64 = 8.0;
    let mut row_end = vec![f64::NEG_INFINITY; rows];
    let mut placed: Vec<(usize, f64)> = Vec::with_capacity(marks.len());
    for (&m, &w) in marks.iter().zip(widths) {
        if w <= 0.0 {
            placed.push((0, m));
            continue;
        }
        let ideal = (m - w / 2.0).clamp(0.0, (width - w).max(0.0));
        let (mut best_row, mut best_left) = (0, f64::INFINITY);
        for (r, &end) in row_end.iter().enumerate() {
            let left = ideal.max(end + GAP);
            if left - ideal < best_left - ideal - 0.5 {
                best_row = r;
                best_left = left;
            }
        }
        row_end[best_row] = best_left + w;
        placed.push((best_row, best_left));
    }
    // Back inside the right edge, row by row, right to left.
    for r in 0..rows {
        let mut limit = width;
        for i in (0..placed.len()).rev() {
            if placed[i].0 != r || widths[i] <= 0.0 {
                continue;
            }
            if placed[i].1 + widths[i] > limit {
                placed[i].1 = limit - widths[i];
            }
            limit = placed[i].1 - GAP;
        }
    }
    let fits = placed
        .iter()
        .zip(marks.iter().zip(widths))
        .all(|(&(_, left), (&m, &w))| {
            w <= 0.0 || (left >= -0.5 && (left + w / 2.0 - m).abs() <= w.max(80.0))
        });
    for p in &mut placed {
        p.1 = p.1.max(0.0);
    }
    (placed, fits)
}

/// Stems of timeline labels: between the grid and the muted text.
const GRID_STEM: Rgb = Rgb(0xb0, 0xb0, 0xb0);

fn draw_annotations(
    c: &mut Canvas,
    notes: &[Annotation],
    axis: &XAxis,
    plot: &Plot,
    py: &dyn Fn(f64) -> f64,
    timeline: bool,
) -> Result<(), String> {
    for a in notes {
        let ax = match &a.x {
            Some(x) => Some(axis.resolve(x).map(|v| axis.pos(plot, v)).ok_or_else(|| {
                format!(
                    "annotation x `{}` is not on the x axis",
                    annotation_x_text(x)
                )
            })?),
            None => None,
        };
        let ay = if timeline { None } else { a.y.map(py) };
        let w = text::width(&a.text, SMALL_SIZE, false);
        // Text goes forward in reading direction unless it would leave the plot.
        let place = |x: f64, gap: f64| -> (f64, HPos) {
            let forward_fits = if plot.mirror {
                x - gap - w >= plot.left
            } else {
                x + gap + w <= plot.right
            };
            match (plot.mirror, forward_fits) {
                (false, true) | (true, false) => (x + gap, HPos::Left),
                (true, true) | (false, false) => (x - gap, HPos::Right),
            }
        };
        match (ax, ay) {
            (Some(x), Some(y)) => {
                c.circle(x, y, 4, TEXT, false, 1.0);
                let (tx, hp) = place(x, 7.0);
                c.text(
                    &a.text,
                    tx,
                    y - 8.0,
                    SMALL_SIZE,
                    false,
                    TEXT,
                    hp,
                    VPos::Bottom,
                );
            }
            (Some(x), None) => {
                c.dashed(x, plot.top, x, plot.bottom, TEXT_MUTED);
                let (tx, hp) = place(x, 4.0);
                c.text(
                    &a.text,
                    tx,
                    plot.top,
                    SMALL_SIZE,
                    false,
                    TEXT,
                    hp,
                    VPos::Top,
                );
            }
            (None, Some(y)) => {
                c.dashed(plot.left, y, plot.right, y, TEXT_MUTED);
                let (tx, hp) = if plot.mirror {
                    (plot.left + 2.0, HPos::Left)
                } else {
                    (plot.right - 2.0, HPos::Right)
                };
                c.text(
                    &a.text,
                    tx,
                    y - 3.0,
                    SMALL_SIZE,
                    false,
                    TEXT,
                    hp,
                    VPos::Bottom,
                );
            }
            (None, None) => return Err(format!("annotation `{}` needs `x`, `y` or both", a.text)),
        }
    }
    Ok(())
}

fn draw_legend(c: &mut Canvas, prep: &Prepared, labels: &[String], plot: &Plot, kind: Kind) {
    let rows = (((plot.bottom - plot.top) / LEGEND_ROW) as usize).max(1);
    let n = labels.len();
    let shown = if n > rows { rows - 1 } else { n };
    for (i, (s, label)) in prep.series.iter().zip(labels).take(shown).enumerate() {
        let y = plot.top + LEGEND_ROW * i as f64 + LEGEND_ROW / 2.0;
        // The swatch sits next to the plot; the text beyond it.
        let (sx0, sx1, tx, hp) = if plot.mirror {
            let right = plot.left - 16.0;
            (right - SWATCH, right, right - SWATCH - 6.0, HPos::Right)
        } else {
            let left = plot.right + 16.0;
            (left, left + SWATCH, left + SWATCH + 6.0, HPos::Left)
        };
        match kind {
            Kind::Line => {
                c.line(sx0 - 1.0, y, sx1 + 1.0, y, s.color, LINE_WIDTH);
                c.circle((sx0 + sx1) / 2.0, y, 3, s.color, true, 1.0);
            }
            Kind::Scatter | Kind::Timeline => {
                c.circle((sx0 + sx1) / 2.0, y, 5, s.color, true, 1.0);
            }
            _ => c.rect(sx0, y - SWATCH / 2.0, sx1, y + SWATCH / 2.0, s.color, 1.0),
        }
        c.text(label, tx, y, LABEL_SIZE, false, TEXT, hp, VPos::Center);
    }
    if shown < n {
        let y = plot.top + LEGEND_ROW * shown as f64 + LEGEND_ROW / 2.0;
        let (tx, hp) = if plot.mirror {
            (plot.left - 16.0, HPos::Right)
        } else {
            (plot.right + 16.0, HPos::Left)
        };
        c.text(
            &format!("+{}", n - shown),
            tx,
            y,
            LABEL_SIZE,
            false,
            TEXT_MUTED,
            hp,
            VPos::Center,
        );
    }
}
