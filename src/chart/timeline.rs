//! The timeline, drawn vertically so that every label reads in full at a
//! page's width: time runs down an axis on the start side (left in English,
//! right in Arabic) with year ticks; each event is a marker for the middle
//! of its period (an event dated to the year sits mid-year, not on 1
//! January), and its text (the date at the event's precision, then the
//! label, wrapped, never cut) sits beyond the
//! axis, each as near its place in time as the labels before it allow.
//! Markers sit at their labels, so the time axis is piecewise linear: dense
//! years stretch, empty decades shrink, ticks stay in order (thinned where
//! they crowd). When the labels need more height than the chart has, the
//! chart grows.

use chrono::{Datelike, NaiveDate};
use plotters::style::text_anchor::{HPos, VPos};

use super::annotations;
use super::axes::{self, Plot};
use super::canvas::{Anchor, Canvas, Font};
use super::format::{self, DateUnit};
use super::prepare::{Event, Prepared, XKind};
use super::scale;
use super::spec::{Annotation, Options};
use super::text;
use super::theme::{Rgb, BACKGROUND, LABEL_SIZE, PALETTE, SMALL_SIZE, TEXT, TEXT_MUTED};

/// Height of a line of label text.
const LINE_H: f64 = SMALL_SIZE + 3.0;
/// Space between two labels.
const LABEL_GAP: f64 = 8.0;
/// Space between the axis and the label column, where leaders run.
const LEADER_W: f64 = 24.0;
/// Space between the tick labels and the axis.
const TICK_GAP: f64 = 8.0;
/// Pixels per year tick the axis aims for.
const TICK_SPACING: f64 = 45.0;
/// Marker radius.
const MARKER_R: u32 = 5;
/// Share of the axis the labels may fill before the chart grows: the
/// slack shows the gaps in time.
const FILL: f64 = 0.9;
/// Leader lines: between the grid and the muted text.
const LEADER: Rgb = Rgb(0xb0, 0xb0, 0xb0);

/// An event's text, wrapped.
pub struct Block {
    pub date: String,
    pub lines: Vec<String>,
}

impl Block {
    pub fn height(&self) -> f64 {
        (1 + self.lines.len()) as f64 * LINE_H
    }
}

/// The timeline's layout across the plot's width.
pub struct Layout {
    /// Logical x of the axis.
    axis_x: f64,
    /// Logical x where labels start.
    label_x: f64,
    blocks: Vec<Block>,
    /// The time axis: first and last unit (days, or years for numbers).
    min: f64,
    max: f64,
    dates: bool,
}

/// The period an event covers, in axis units: [start, end).
pub fn period(e: &Event, dates: bool) -> (f64, f64) {
    if !dates {
        return (e.x, e.x + 1.0);
    }
    let d = format::date(e.x as i32);
    let first = |y: i32, m: u32| NaiveDate::from_ymd_opt(y, m, 1).map(format::days);
    let span = match e.unit {
        DateUnit::Year => first(d.year(), 1).zip(first(d.year() + 1, 1)),
        DateUnit::Month => {
            let (ny, nm) = if d.month() == 12 {
                (d.year() + 1, 1)
            } else {
                (d.year(), d.month() + 1)
            };
            first(d.year(), d.month()).zip(first(ny, nm))
        }
        DateUnit::Day => None,
    };
    match span {
        Some((a, b)) => (a as f64, b as f64),
        None => (e.x, e.x + 1.0),
    }
}

/// An event's date at its precision: "2014", "Apr 1992", "28 Sep 2022".
pub fn date_text(e: &Event, dates: bool, o: &Options) -> String {
    if dates {
        format::date_label(e.x as i32, e.unit, o.lang, true)
    } else {
        format::fixed(e.x, format::needed_decimals(e.x, 2), false)
    }
}

impl Layout {
    /// Wraps the labels for a plot `width` wide.
    pub fn new(prep: &Prepared, o: &Options, width: f64) -> Layout {
        let dates = matches!(prep.xkind, XKind::Dates);
        let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
        for e in &prep.events {
            let (a, b) = period(e, dates);
            min = min.min(a);
            max = max.max(b);
        }
        if !min.is_finite() {
            (min, max) = (0.0, 1.0);
        }
        let pad = ((max - min) * 0.02).max(if dates { 15.0 } else { 0.1 });
        let (min, max) = (min - pad, max + pad);
        let tick_w = "0000".chars().count() as f64 * text::width("0", LABEL_SIZE, false);
        let widest_tick = if dates {
            // Month ticks are wider than years.
            tick_w.max(text::width("May 2025", LABEL_SIZE, false))
        } else {
            tick_w
        };
        let axis_x = widest_tick + TICK_GAP;
        let label_x = axis_x + LEADER_W;
        let label_w = (width - label_x).max(40.0);
        let blocks = prep
            .events
            .iter()
            .map(|e| {
                let rtl = text::is_rtl(&e.label);
                Block {
                    date: date_text(e, dates, o),
                    lines: text::wrap_all(&e.label, SMALL_SIZE, false, label_w)
                        .into_iter()
                        .filter(|l| !l.is_empty())
                        .map(|l| text::embed_as(&l, rtl).into_owned())
                        .collect(),
                }
            })
            .collect();
        Layout {
            axis_x,
            label_x,
            blocks,
            min,
            max,
            dates,
        }
    }

    /// The height the labels need.
    pub fn needed_height(&self) -> f64 {
        let total: f64 = self.blocks.iter().map(Block::height).sum::<f64>()
            + LABEL_GAP * self.blocks.len().saturating_sub(1) as f64;
        total / FILL
    }

    /// Pixel y of a time.
    fn y(&self, plot: &Plot, t: f64) -> f64 {
        let f = if self.max > self.min {
            (t - self.min) / (self.max - self.min)
        } else {
            0.5
        };
        plot.top + f * plot.h()
    }

    /// Year (or month) ticks with their labels.
    fn ticks(&self, plot: &Plot, o: &Options) -> Vec<(f64, String)> {
        let target = ((plot.h() / TICK_SPACING) as usize).clamp(2, 16);
        let ticks = if self.dates {
            scale::date_ticks(
                self.min.ceil() as i32,
                self.max.floor() as i32,
                target,
                o.lang,
            )
        } else {
            let t = scale::ticks_within(self.min, self.max, target, true);
            let labels = format::ticks(&t, super::spec::NumberFormat::Plain, None);
            t.into_iter().zip(labels).collect()
        };
        let spacing = ticks
            .windows(2)
            .map(|p| (self.y(plot, p[1].0) - self.y(plot, p[0].0)).abs())
            .fold(f64::INFINITY, f64::min);
        // Vertical labels need a line's height between them, not a width.
        let step = axes::label_step(LABEL_SIZE, spacing);
        ticks.into_iter().step_by(step.max(1)).collect()
    }
}

/// Tops of blocks `heights` high, each as near `ideal` as the blocks
/// before it allow, in order, `gap` apart, kept inside [top, bottom] when
/// they fit (pushed back up from the bottom).
pub fn pack(ideal: &[f64], heights: &[f64], top: f64, bottom: f64, gap: f64) -> Vec<f64> {
    let mut tops = Vec::with_capacity(ideal.len());
    let mut next = top;
    for (&want, &h) in ideal.iter().zip(heights) {
        let t = want.max(next);
        tops.push(t);
        next = t + h + gap;
    }
    let mut limit = bottom;
    for i in (0..tops.len()).rev() {
        if tops[i] + heights[i] > limit {
            tops[i] = limit - heights[i];
        }
        limit = tops[i] - gap;
    }
    // Too many to fit: the first starts at the top and the rest follow.
    if tops.first().is_some_and(|&t| t < top) {
        let mut next = top;
        for (t, h) in tops.iter_mut().zip(heights) {
            *t = t.max(next);
            next = *t + h + gap;
        }
    }
    tops
}

/// The time axis once the labels are placed: a piecewise-linear map
/// through each event's (time, marker y), so that dense years stretch to
/// give their labels room and empty decades shrink, in order; proportional
/// beyond the first and last events.
pub struct TimeScale {
    knots: Vec<(f64, f64)>,
    /// Pixels per unit beyond the ends.
    slope: f64,
}

impl TimeScale {
    /// Knots at each event's time (made strictly increasing) and marker y.
    pub fn new(times: &[f64], ys: &[f64], slope: f64) -> TimeScale {
        let mut knots: Vec<(f64, f64)> = Vec::with_capacity(times.len());
        for (&t, &y) in times.iter().zip(ys) {
            let t = match knots.last() {
                Some(&(prev, _)) if t <= prev => prev + 1e-3,
                _ => t,
            };
            knots.push((t, y));
        }
        TimeScale { knots, slope }
    }

    /// Pixel y of a time.
    pub fn y(&self, t: f64) -> f64 {
        let (Some(&first), Some(&last)) = (self.knots.first(), self.knots.last()) else {
            return 0.0;
        };
        if t <= first.0 {
            return first.1 - (first.0 - t) * self.slope;
        }
        if t >= last.0 {
            return last.1 + (t - last.0) * self.slope;
        }
        let i = self.knots.partition_point(|k| k.0 <= t);
        let (a, b) = (self.knots[i - 1], self.knots[i]);
        a.1 + (t - a.0) / (b.0 - a.0) * (b.1 - a.1)
    }
}

/// Ticks `min_gap` pixels apart at least, inside [top, bottom].
pub fn thin_ticks(
    ticks: Vec<(f64, f64, String)>,
    top: f64,
    bottom: f64,
    min_gap: f64,
) -> Vec<(f64, String)> {
    let mut out: Vec<(f64, String)> = Vec::new();
    for (_, y, l) in ticks {
        if y < top || y > bottom {
            continue;
        }
        if out.last().is_some_and(|(prev, _)| y - prev < min_gap) {
            continue;
        }
        out.push((y, l));
    }
    out
}

/// Draws the timeline.
pub fn draw(
    c: &mut Canvas,
    prep: &Prepared,
    layout: &Layout,
    plot: &Plot,
    o: &Options,
) -> Result<(), String> {
    let ax = plot.x(layout.axis_x);
    // Labels first: each as near its proportional place as the labels
    // before it allow; the markers then sit at their labels.
    let mids: Vec<f64> = prep
        .events
        .iter()
        .map(|e| {
            let (a, b) = period(e, layout.dates);
            (a + b) / 2.0
        })
        .collect();
    let heights: Vec<f64> = layout.blocks.iter().map(Block::height).collect();
    let ideal: Vec<f64> = mids
        .iter()
        .map(|&t| layout.y(plot, t) - LINE_H / 2.0)
        .collect();
    let tops = pack(&ideal, &heights, plot.top, plot.bottom, LABEL_GAP);
    let marker_y: Vec<f64> = tops.iter().map(|t| t + LINE_H / 2.0).collect();
    let slope = plot.h() / (layout.max - layout.min).max(1e-9);
    let scale = TimeScale::new(&mids, &marker_y, slope);

    // The axis, its ticks and their labels on the start side.
    c.group("axis axis-time");
    c.line(ax, plot.top, ax, plot.bottom, TEXT_MUTED, 1);
    let tick_hpos = if plot.mirror { HPos::Left } else { HPos::Right };
    let tick_font = Font {
        size: LABEL_SIZE,
        bold: false,
        color: TEXT_MUTED,
    };
    let ticks: Vec<(f64, f64, String)> = layout
        .ticks(plot, o)
        .into_iter()
        .map(|(t, l)| (t, scale.y(t), l))
        .collect();
    for (y, l) in thin_ticks(ticks, plot.top, plot.bottom, LABEL_SIZE + 6.0) {
        c.line(plot.x(layout.axis_x - 5.0), y, ax, y, TEXT_MUTED, 1);
        let x = plot.x(layout.axis_x - TICK_GAP);
        c.text(&l, x, y, tick_font, Anchor(tick_hpos, VPos::Center));
    }
    if prep.events.is_empty() {
        return draw_annotations(c, &o.annotations, layout, &scale, plot);
    }

    // Leaders from each marker to its label.
    c.group("leaders");
    for &y in &marker_y {
        let from = plot.x(layout.axis_x + MARKER_R as f64 + 2.0);
        c.path(&[(from, y), (plot.x(layout.label_x - 6.0), y)], LEADER, 1);
    }
    c.group("events");
    for (e, &y) in prep.events.iter().zip(&marker_y) {
        let color = prep
            .series
            .get(e.group)
            .map(|s| s.color)
            .unwrap_or(PALETTE[0]);
        c.circle(ax, y, MARKER_R + 1, BACKGROUND, true, 1.0);
        c.circle(ax, y, MARKER_R, color, true, 1.0);
    }
    c.group("event-labels");
    let hpos = if plot.mirror { HPos::Right } else { HPos::Left };
    let lx = plot.x(layout.label_x);
    let date_font = Font {
        size: SMALL_SIZE,
        bold: true,
        color: TEXT,
    };
    let label_font = Font {
        size: SMALL_SIZE,
        bold: false,
        color: TEXT,
    };
    for (b, &top) in layout.blocks.iter().zip(&tops) {
        let mid = |i: usize| top + i as f64 * LINE_H + LINE_H / 2.0;
        c.text(&b.date, lx, mid(0), date_font, Anchor(hpos, VPos::Center));
        for (i, l) in b.lines.iter().enumerate() {
            c.text(l, lx, mid(i + 1), label_font, Anchor(hpos, VPos::Center));
        }
    }
    draw_annotations(c, &o.annotations, layout, &scale, plot)
}

/// Annotations on a timeline: a dashed rule across at a date, its text at
/// the far end.
fn draw_annotations(
    c: &mut Canvas,
    notes: &[Annotation],
    layout: &Layout,
    scale: &TimeScale,
    plot: &Plot,
) -> Result<(), String> {
    if notes.is_empty() {
        return Ok(());
    }
    c.group("annotations");
    for a in notes {
        let Some(x) = &a.x else {
            return Err(format!(
                "annotation `{}` on a timeline needs `x` (a date or a year)",
                a.text
            ));
        };
        let t = axes::resolve_linear(x, layout.dates, layout.min, layout.max).ok_or_else(|| {
            format!(
                "annotation x `{}` is not on the x axis",
                annotations::x_text(x)
            )
        })?;
        let y = if scale.knots.is_empty() {
            layout.y(plot, t)
        } else {
            scale.y(t).clamp(plot.top, plot.bottom)
        };
        c.dashed(plot.x(layout.axis_x), y, plot.x(plot.w()), y, TEXT_MUTED);
        let hpos = if plot.mirror { HPos::Left } else { HPos::Right };
        let font = annotations::FONT;
        c.text(
            &a.text,
            plot.x(plot.w()),
            y - 3.0,
            font,
            Anchor(hpos, VPos::Bottom),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::spec::{Kind, Lang};

    fn event(date: &str, unit: DateUnit) -> Event {
        Event {
            x: format::parse_date(date).unwrap() as f64,
            label: "x".into(),
            group: 0,
            unit,
        }
    }

    #[test]
    fn events_cover_their_period_and_say_their_date_at_its_precision() {
        let o = Options::new(Kind::Timeline);
        let y = event("2014-01-01", DateUnit::Year);
        let (a, b) = period(&y, true);
        assert_eq!(b - a, 365.0);
        assert_eq!(date_text(&y, true, &o), "2014");
        let m = event("1992-04-01", DateUnit::Month);
        assert_eq!(period(&m, true).1 - period(&m, true).0, 30.0);
        assert_eq!(date_text(&m, true, &o), "Apr 1992");
        let d = event("2025-11-06", DateUnit::Day);
        assert_eq!(date_text(&d, true, &o), "6 Nov 2025");
        let mut ar = Options::new(Kind::Timeline);
        ar.lang = Lang::Ar;
        assert_eq!(date_text(&d, true, &ar), "6 نوفمبر 2025");
        let dec = event("2021-12-01", DateUnit::Month);
        assert_eq!(period(&dec, true).1 - period(&dec, true).0, 31.0);
    }

    #[test]
    fn labels_pack_in_order_near_their_markers() {
        // Far apart: each at its ideal place.
        let tops = pack(&[0.0, 100.0], &[20.0, 20.0], 0.0, 200.0, 8.0);
        assert_eq!(tops, [0.0, 100.0]);
        // Crowded: pushed down in order, never overlapping.
        let tops = pack(&[50.0, 52.0, 54.0], &[20.0, 30.0, 20.0], 0.0, 200.0, 8.0);
        assert_eq!(tops, [50.0, 78.0, 116.0]);
        // Crowded at the bottom: pushed back up inside.
        let tops = pack(&[180.0, 185.0], &[20.0, 20.0], 0.0, 200.0, 8.0);
        assert_eq!(tops, [152.0, 180.0]);
        // Too many: from the top, in order.
        let tops = pack(&[0.0, 0.0, 0.0], &[50.0, 50.0, 50.0], 0.0, 100.0, 8.0);
        assert_eq!(tops, [0.0, 58.0, 116.0]);
    }

    #[test]
    fn the_time_scale_runs_through_the_markers_in_order() {
        let s = TimeScale::new(&[0.0, 10.0, 10.0, 100.0], &[0.0, 50.0, 80.0, 100.0], 2.0);
        assert_eq!(s.y(5.0), 25.0);
        assert!(s.y(10.0) < s.y(10.0005), "equal times are kept in order");
        let want = 80.0 + 20.0 * (55.0 - 10.001) / (100.0 - 10.001);
        assert!((s.y(55.0) - want).abs() < 1e-9);
        assert_eq!(s.y(-5.0), -10.0, "proportional beyond the ends");
        assert_eq!(s.y(110.0), 120.0);
        let ticks = vec![
            (0.0, -5.0, "a".to_string()),
            (1.0, 10.0, "b".into()),
            (2.0, 15.0, "c".into()),
            (3.0, 40.0, "d".into()),
            (4.0, 500.0, "e".into()),
        ];
        let kept: Vec<String> = thin_ticks(ticks, 0.0, 100.0, 19.0)
            .into_iter()
            .map(|t| t.1)
            .collect();
        assert_eq!(kept, ["b", "d"]);
    }

    #[test]
    fn blocks_wrap_without_cutting_and_the_chart_grows_to_fit_them() {
        let long = "Chairing the Organisation of Islamic Cooperation, Kazakhstan invites Israeli representatives to an economic session as observers";
        let prep = Prepared {
            xkind: XKind::Dates,
            series: vec![],
            events: (0..12)
                .map(|i| Event {
                    label: long.into(),
                    ..event(&format!("{}-01-01", 2014 + i / 4), DateUnit::Year)
                })
                .collect(),
        };
        let layout = Layout::new(&prep, &Options::new(Kind::Timeline), 500.0);
        let b = &layout.blocks[0];
        assert!(b.lines.len() >= 2);
        assert_eq!(b.lines.join(" "), long, "nothing cut");
        assert!(!b.lines.concat().contains('…'));
        assert!(layout.needed_height() > 12.0 * 3.0 * LINE_H);
    }
}
