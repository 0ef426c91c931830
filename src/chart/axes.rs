//! The plot area and its axes: where a value lands in pixels, which ticks
//! an axis shows and which of their labels fit.
//!
//! Geometry is computed in *logical* x (distance from the start edge of the
//! plot) and mapped to pixels by [`Plot::x`], which mirrors for Arabic: x
//! runs right to left and the value axis sits on the right.

use plotters::style::text_anchor::{HPos, VPos};

use super::canvas::{Anchor, Canvas, Font};
use super::format::{self, DateUnit};
use super::prepare::{BandKey, Prepared, XKind};
use super::scale;
use super::spec::{AnnotationX, Kind, NumberFormat, Options};
use super::text;
use super::theme::{LABEL_SIZE, TEXT_MUTED};

/// Space kept between neighbouring tick labels, in pixels.
const TICK_LABEL_GAP: f64 = 10.0;
/// Pixels per x tick the axis aims for.
const X_TICK_SPACING: f64 = 90.0;
/// Pixels per value tick the axis aims for.
const Y_TICK_SPACING: f64 = 55.0;

/// The plot area and its direction.
pub struct Plot {
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub bottom: f64,
    pub mirror: bool,
}

impl Plot {
    pub fn w(&self) -> f64 {
        (self.right - self.left).max(1.0)
    }

    pub fn h(&self) -> f64 {
        (self.bottom - self.top).max(1.0)
    }

    /// Pixel x of a logical offset from the start edge.
    pub fn x(&self, logical: f64) -> f64 {
        if self.mirror {
            self.right - logical
        } else {
            self.left + logical
        }
    }

    /// The logical offset of pixel x.
    pub fn logical(&self, px: f64) -> f64 {
        if self.mirror {
            self.right - px
        } else {
            px - self.left
        }
    }
}

/// The value (y) axis: its domain and ticks.
pub struct ValueAxis {
    pub lo: f64,
    pub hi: f64,
    pub ticks: Vec<f64>,
    pub labels: Vec<String>,
}

impl ValueAxis {
    /// A nice axis over `values` (zero included for bars and areas), with
    /// room above (below) the extreme values for their labels when
    /// `value_labels`.
    pub fn new(values: &[f64], plot_h: f64, o: &Options) -> ValueAxis {
        let integer = values.iter().all(|v| v.fract() == 0.0);
        let (mut lo, mut hi) = values
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                (a.min(v), b.max(v))
            });
        if values.is_empty() {
            (lo, hi) = (0.0, 1.0);
        }
        if o.kind.is_bar() || o.kind == Kind::Area {
            lo = lo.min(0.0);
            hi = hi.max(0.0);
        }
        let target = ((plot_h / Y_TICK_SPACING) as usize).clamp(2, 8);
        let (mut ylo, mut yhi, mut ticks) =
            scale::nice_domain(lo, hi, target, integer, o.y_min, o.y_max);
        // Labels above the highest bar or point (below the lowest) need room:
        // when the data reach the end of the axis, the axis grows a step.
        if o.value_labels && !values.is_empty() && o.kind != Kind::StackedBar {
            let room = 0.07 * (yhi - ylo);
            let (mut lo2, mut hi2) = (lo, hi);
            if hi > 0.0 && yhi - hi < room {
                hi2 = hi + room;
            }
            if lo < 0.0 && lo - ylo < room {
                lo2 = lo - room;
            }
            if (lo2, hi2) != (lo, hi) {
                (ylo, yhi, ticks) = scale::nice_domain(lo2, hi2, target, integer, o.y_min, o.y_max);
            }
        }
        let labels = format::ticks(&ticks, o.number_format, o.decimals);
        ValueAxis {
            lo: ylo,
            hi: yhi,
            ticks,
            labels,
        }
    }

    /// The width its labels take beside the plot.
    pub fn label_width(&self) -> f64 {
        self.labels
            .iter()
            .map(|l| text::width(l, LABEL_SIZE, false))
            .fold(0.0, f64::max)
            + 8.0
    }

    /// Pixel y of a value.
    pub fn y(&self, plot: &Plot, v: f64) -> f64 {
        let t = if self.hi > self.lo {
            (v - self.lo) / (self.hi - self.lo)
        } else {
            0.5
        };
        plot.bottom - t * plot.h()
    }

    /// Whether a value is inside the domain.
    pub fn contains(&self, v: f64) -> bool {
        v >= self.lo.min(self.hi) - 1e-9 && v <= self.hi.max(self.lo) + 1e-9
    }

    /// A value pulled inside the domain.
    pub fn clamp(&self, v: f64) -> f64 {
        v.clamp(self.lo.min(self.hi), self.hi.max(self.lo))
    }

    /// Pixel y of the baseline: zero when in view, else the nearest end.
    pub fn base(&self, plot: &Plot) -> f64 {
        self.y(plot, self.clamp(0.0))
    }

    /// Grid lines across the plot.
    pub fn draw_grid(&self, c: &mut Canvas, plot: &Plot) {
        c.group("grid");
        for &t in &self.ticks {
            let y = self.y(plot, t);
            c.line(plot.left, y, plot.right, y, super::theme::GRID, 1);
        }
    }

    /// The baseline and the tick labels on the value-axis side.
    pub fn draw(&self, c: &mut Canvas, plot: &Plot) {
        c.group("axis axis-y");
        let base = self.base(plot);
        c.line(plot.left, base, plot.right, base, TEXT_MUTED, 1);
        let (lx, lh) = if plot.mirror {
            (plot.right + 8.0, HPos::Left)
        } else {
            (plot.left - 8.0, HPos::Right)
        };
        for (t, l) in self.ticks.iter().zip(&self.labels) {
            c.text(
                l,
                lx,
                self.y(plot, *t),
                Font {
                    size: LABEL_SIZE,
                    bold: false,
                    color: TEXT_MUTED,
                },
                Anchor(lh, VPos::Center),
            );
        }
    }
}

/// The x axis once laid out.
pub enum XAxis {
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
    /// Lays out the x axis of prepared data over a plot `width` wide.
    pub fn new(prep: &Prepared, width: f64, o: &Options) -> XAxis {
        let xs = || {
            prep.series
                .iter()
                .flat_map(|s| s.points.iter().map(|p| p.x))
                .chain(prep.events.iter().map(|e| e.x))
        };
        let target = ((width / X_TICK_SPACING) as usize).clamp(2, 12);
        let extent = || {
            xs().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(v), b.max(v))
            })
        };
        match &prep.xkind {
            XKind::Band { labels, keys } => XAxis::Band {
                labels: labels.clone(),
                keys: keys.clone(),
            },
            XKind::Numbers { integer, plain } => {
                let (mut min, mut max) = extent();
                if !min.is_finite() {
                    (min, max) = (0.0, 1.0);
                }
                let ticks;
                if o.kind == Kind::Scatter {
                    (min, max, ticks) = scale::nice_domain(min, max, target, *integer, None, None);
                } else {
                    if max == min {
                        min -= 1.0;
                        max += 1.0;
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
                let (mut min, mut max) = extent();
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
                let ticks =
                    scale::date_ticks(min.ceil() as i32, max.floor() as i32, target, o.lang);
                XAxis::Linear {
                    min,
                    max,
                    ticks,
                    dates: true,
                }
            }
        }
    }

    /// Pixel x of a value in axis units.
    pub fn pos(&self, plot: &Plot, v: f64) -> f64 {
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
    pub fn resolve(&self, x: &AnnotationX) -> Option<f64> {
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
            } => resolve_linear(x, *dates, *min, *max),
        }
    }

    /// Tick marks and labels under the plot; labels that would touch are
    /// thinned, band labels that do not fit their band are cut.
    pub fn draw(&self, c: &mut Canvas, plot: &Plot, chart_w: f64) {
        c.group("axis axis-x");
        let y = plot.bottom + 8.0;
        let font = Font {
            size: LABEL_SIZE,
            bold: false,
            color: TEXT_MUTED,
        };
        let label = |c: &mut Canvas, l: &str, x: f64| {
            let half = text::width(l, LABEL_SIZE, false) / 2.0;
            let x = x.clamp(half + 2.0, (chart_w - half - 2.0).max(half + 2.0));
            c.text(l, x, y, font, Anchor(HPos::Center, VPos::Top));
        };
        match self {
            XAxis::Band { labels, .. } => {
                let bw = plot.w() / labels.len().max(1) as f64;
                let widest = labels
                    .iter()
                    .map(|l| text::width(l, LABEL_SIZE, false))
                    .fold(0.0, f64::max);
                let step = label_step(widest, bw);
                for (i, l) in labels.iter().enumerate().step_by(step) {
                    let l = if step == 1 {
                        text::truncate(l, LABEL_SIZE, false, bw - 4.0)
                    } else {
                        l.clone()
                    };
                    label(c, &l, self.pos(plot, i as f64));
                }
            }
            XAxis::Linear { ticks, .. } => {
                let spacing = ticks
                    .windows(2)
                    .map(|p| (self.pos(plot, p[1].0) - self.pos(plot, p[0].0)).abs())
                    .fold(f64::INFINITY, f64::min);
                let step = tick_label_step(ticks, spacing, LABEL_SIZE);
                for (v, l) in ticks.iter().step_by(step) {
                    let x = self.pos(plot, *v);
                    c.line(x, plot.bottom, x, plot.bottom + 4.0, TEXT_MUTED, 1);
                    label(c, l, x);
                }
            }
        }
    }
}

/// An annotation's x on a linear axis (numbers, or dates with years and
/// ISO dates accepted), if it lies on the axis.
pub fn resolve_linear(x: &AnnotationX, dates: bool, min: f64, max: f64) -> Option<f64> {
    let v = match (dates, x) {
        (true, AnnotationX::Text(s)) => format::parse_date(s).map(|d| d as f64),
        (true, AnnotationX::Number(v)) => year_day(*v).map(|d| d as f64),
        (false, AnnotationX::Number(v)) => Some(*v),
        (false, AnnotationX::Text(s)) => s.trim().parse().ok(),
    };
    // Off the axis would be off the plot.
    v.filter(|v| *v >= min.min(max) && *v <= max.max(min))
}

/// A year number as its 1 January.
fn year_day(v: f64) -> Option<i32> {
    if v.fract() == 0.0 && (1.0..=9999.0).contains(&v) {
        chrono::NaiveDate::from_ymd_opt(v as i32, 1, 1).map(format::days)
    } else {
        None
    }
}

/// Every `k`-th label is shown so that labels `width` wide, `spacing` apart,
/// do not touch.
pub fn label_step(width: f64, spacing: f64) -> usize {
    if spacing <= 0.0 {
        return 1;
    }
    ((width + TICK_LABEL_GAP) / spacing).ceil().max(1.0) as usize
}

/// Every how many ticks, `spacing` pixels apart, to label so that labels
/// of `size` do not overlap.
pub fn tick_label_step(ticks: &[(f64, String)], spacing: f64, size: f64) -> usize {
    let widest = ticks
        .iter()
        .map(|(_, l)| text::width(l, size, false))
        .fold(0.0, f64::max);
    if spacing.is_finite() {
        label_step(widest, spacing)
    } else {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plot(mirror: bool) -> Plot {
        Plot {
            left: 100.0,
            right: 500.0,
            top: 0.0,
            bottom: 200.0,
            mirror,
        }
    }

    #[test]
    fn plots_mirror_for_arabic() {
        assert_eq!(plot(false).x(10.0), 110.0);
        assert_eq!(plot(true).x(10.0), 490.0);
        assert_eq!(plot(true).logical(490.0), 10.0);
        let band = XAxis::Band {
            labels: vec!["a".into(), "b".into()],
            keys: vec![],
        };
        assert_eq!(band.pos(&plot(false), 0.0), 200.0);
        assert_eq!(band.pos(&plot(true), 0.0), 400.0);
    }

    #[test]
    fn value_axes_start_bars_at_zero_and_make_room_for_labels() {
        let mut o = Options::new(Kind::Bar);
        let a = ValueAxis::new(&[50.0, 80.0], 275.0, &o);
        assert_eq!((a.lo, a.hi), (0.0, 80.0));
        assert_eq!(a.labels.first().map(String::as_str), Some("0"));
        o.value_labels = true;
        let a = ValueAxis::new(&[50.0, 80.0], 275.0, &o);
        assert!(a.hi > 80.0, "{}", a.hi);
        let p = plot(false);
        assert_eq!(a.y(&p, a.lo), 200.0);
        assert_eq!(a.y(&p, a.hi), 0.0);
        assert_eq!(a.base(&p), 200.0);
        let line = ValueAxis::new(&[50.0, 80.0], 275.0, &Options::new(Kind::Line));
        assert!(line.lo >= 40.0, "lines need not start at zero: {}", line.lo);
    }

    #[test]
    fn tick_labels_are_thinned_until_they_do_not_touch() {
        assert_eq!(label_step(30.0, 50.0), 1);
        assert_eq!(label_step(45.0, 50.0), 2, "10 px apart at least");
        assert_eq!(label_step(120.0, 50.0), 3);
        assert_eq!(label_step(10.0, 0.0), 1);
        let ticks: Vec<(f64, String)> = (0..10)
            .map(|i| (i as f64, format!("{}", 2000 + i)))
            .collect();
        assert_eq!(tick_label_step(&ticks, 100.0, 13.0), 1);
        assert!(tick_label_step(&ticks, 20.0, 13.0) >= 2);
        assert_eq!(tick_label_step(&ticks[..1], f64::INFINITY, 13.0), 1);
    }

    #[test]
    fn annotations_resolve_on_the_axis_only() {
        let d = |s: &str| format::parse_date(s).unwrap() as f64;
        let (lo, hi) = (d("2020-01-01"), d("2025-12-31"));
        let x = AnnotationX::Number(2022.0);
        assert_eq!(resolve_linear(&x, true, lo, hi), Some(d("2022-01-01")));
        let x = AnnotationX::Text("2021-03".into());
        assert_eq!(resolve_linear(&x, true, lo, hi), Some(d("2021-03-01")));
        assert_eq!(
            resolve_linear(&AnnotationX::Number(1990.0), true, lo, hi),
            None
        );
        let band = XAxis::Band {
            labels: vec!["2020".into(), "Jan–Aug 2025".into()],
            keys: vec![
                BandKey::Number(2020.0),
                BandKey::Text("Jan–Aug 2025".into()),
            ],
        };
        assert_eq!(band.resolve(&AnnotationX::Number(2020.0)), Some(0.0));
        assert_eq!(
            band.resolve(&AnnotationX::Text("Jan–Aug 2025".into())),
            Some(1.0)
        );
        assert_eq!(band.resolve(&AnnotationX::Text("2019".into())), None);
    }
}
