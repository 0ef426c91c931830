//! A chart's layout, top down: titles, the value axis title, the plot with
//! its axes, the x axis title and notes, the legend beside the plot; then
//! each kind draws into the plot ([`super::bars`], [`super::points`],
//! [`super::timeline`]) through our plotters backend. Sizes are measured
//! with the bundled fonts; Arabic mirrors (value axis and titles on the
//! right, x from right to left, legend on the left).

use plotters::style::text_anchor::{HPos, VPos};

use super::annotations;
use super::axes::{Plot, ValueAxis, XAxis};
use super::backend::Meta;
use super::canvas::{Anchor, Canvas, Font};
use super::prepare::{prepare, Prepared};
use super::spec::{Data, Kind, Lang, Options};
use super::theme::*;
use super::{bars, legend, marks, points, text, timeline};

/// What [`draw`] produced.
pub struct Drawn {
    /// The SVG document.
    pub svg: String,
    /// Its height (a timeline grows to fit its labels).
    pub height: u32,
    /// The text alternative.
    pub alt: String,
}

/// Lines a title or subtitle may take before it is cut.
const MAX_TITLE_LINES: usize = 3;
/// Smallest plot, in pixels, either way.
const MIN_PLOT: f64 = 40.0;

/// One line of the titles block.
struct TitleLine {
    text: String,
    y: f64,
    font: Font,
}

/// Titles and subtitles wrapped to the chart's width, and where the block ends.
fn titles(o: &Options, w: f64) -> (Vec<TitleLine>, f64) {
    let text_w = w - 2.0 * PADDING;
    let mut top = PADDING;
    let mut lines = Vec::new();
    let parts = [
        (o.title.as_deref(), TITLE_SIZE, true, TEXT, 24.0),
        (o.subtitle.as_deref(), LABEL_SIZE, false, TEXT_MUTED, 18.0),
    ];
    for (t, size, bold, color, line_h) in parts {
        let Some(t) = t.filter(|t| !t.is_empty()) else {
            continue;
        };
        let rtl = text::is_rtl(t);
        for line in text::wrap(t, size, bold, text_w, MAX_TITLE_LINES) {
            lines.push(TitleLine {
                text: text::embed_as(&line, rtl).into_owned(),
                y: top + line_h / 2.0,
                font: Font { size, bold, color },
            });
            top += line_h;
        }
    }
    if top > PADDING {
        top += 6.0;
    }
    (lines, top)
}

/// The values the value axis must show, annotations included.
fn value_extent(prep: &Prepared, o: &Options) -> Vec<f64> {
    let mut values = match o.kind {
        Kind::Timeline => return Vec::new(),
        k if k.is_bar() => bars::extent(prep, k),
        _ => points::extent(prep),
    };
    values.extend(
        o.annotations
            .iter()
            .filter_map(|a| a.y)
            .filter(|v| v.is_finite()),
    );
    values
}

/// Whether any value drawn is computed.
fn any_derived(prep: &Prepared) -> bool {
    prep.series
        .iter()
        .any(|s| s.points.iter().any(|p| p.derived && p.y.is_some()))
}

/// Draws a chart.
pub fn draw(data: &Data, o: &Options) -> Result<Drawn, String> {
    let prep = prepare(data, o)?;
    let kind = o.kind;
    let timeline = kind == Kind::Timeline;
    let w = o.width as f64;
    let mut h = o.height as f64;
    let mirror = o.lang == Lang::Ar;
    // Start-aligned text: left in English, right in Arabic.
    let (start_x, start_h) = if mirror {
        (w - PADDING, HPos::Right)
    } else {
        (PADDING, HPos::Left)
    };

    // -- Top down: titles, the value axis title.
    let (title_lines, mut top) = titles(o, w);
    let y_label = o.y_label.as_deref().filter(|t| !t.is_empty() && !timeline);
    let y_label_top = top;
    if y_label.is_some() {
        top += 20.0;
    }
    let plot_top = top + 8.0;

    // -- Bottom up: notes, the x axis title, tick labels.
    let note = (o.value_labels && any_derived(&prep)).then(|| marks::derived_note(o.lang));
    let x_label = o.x_label.as_deref().filter(|t| !t.is_empty());
    let mut below = PADDING;
    if note.is_some() {
        below += 18.0;
    }
    let note_from_bottom = below - 9.0;
    if x_label.is_some() {
        below += 22.0;
    }
    let x_label_from_bottom = below - 13.0;
    if !timeline {
        below += 26.0;
    }
    let plot_h = h - below - plot_top;
    if plot_h < MIN_PLOT {
        return Err(format!(
            "the chart is too short for its titles and labels ({} px high); make `height` larger",
            o.height
        ));
    }

    // -- The value axis and the legend, beside the plot.
    let values = value_extent(&prep, o);
    let y_axis = ValueAxis::new(&values, plot_h, o);
    let ytick_w = if timeline { 0.0 } else { y_axis.label_width() };
    let show_legend = o
        .legend
        .unwrap_or(data.series.is_some() || prep.series.len() > 1)
        && !prep.series.is_empty();
    let (legend_labels, legend_w) = if show_legend {
        legend::labels(&prep, legend::max_label_width(w))
    } else {
        (Vec::new(), 0.0)
    };
    let (plot_left, plot_right) = if mirror {
        (PADDING + legend_w, w - PADDING - ytick_w)
    } else {
        (PADDING + ytick_w, w - PADDING - legend_w)
    };
    if plot_right - plot_left < MIN_PLOT {
        return Err(format!(
            "the chart is too narrow for its labels and legend ({} px wide); make `width` larger or set `legend: false`",
            o.width
        ));
    }
    // A timeline grows to fit its labels.
    let tl = timeline.then(|| timeline::Layout::new(&prep, o, plot_right - plot_left));
    if let Some(tl) = &tl {
        h = h.max((plot_top + tl.needed_height() + below).ceil());
    }
    let plot = Plot {
        left: plot_left,
        right: plot_right,
        top: plot_top,
        bottom: h - below,
        mirror,
    };

    let mut c = Canvas::new(o.width, h as u32);
    c.group("background");
    c.rect(0.0, 0.0, w, h, BACKGROUND, 1.0);
    if !title_lines.is_empty() {
        c.group("titles");
    }
    for l in &title_lines {
        c.text(&l.text, start_x, l.y, l.font, Anchor(start_h, VPos::Center));
    }
    let muted = Font {
        size: LABEL_SIZE,
        bold: false,
        color: TEXT_MUTED,
    };
    if let Some(l) = y_label {
        c.group("axis-title axis-title-y");
        c.text(
            l,
            start_x,
            y_label_top + 9.0,
            muted,
            Anchor(start_h, VPos::Center),
        );
    }

    let n_points = prep.series.iter().map(|s| s.points.len()).sum::<usize>() + prep.events.len();
    let empty = if timeline {
        prep.events.is_empty()
    } else {
        prep.series
            .iter()
            .all(|s| s.points.iter().all(|p| p.y.is_none()))
    };

    if let Some(tl) = &tl {
        timeline::draw(&mut c, &prep, tl, &plot, o)?;
    } else {
        let axis = XAxis::new(&prep, plot.w(), o);
        y_axis.draw_grid(&mut c, &plot);
        if kind.is_bar() {
            bars::draw(&mut c, &prep, &plot, &y_axis, o);
        } else {
            points::draw(&mut c, &prep, &axis, &plot, &y_axis, o);
        }
        y_axis.draw(&mut c, &plot);
        axis.draw(&mut c, &plot, w);
        annotations::draw(&mut c, &o.annotations, &axis, &plot, &y_axis)?;
    }

    if empty {
        let msg = match o.lang {
            Lang::En => "No data",
            Lang::Ar => "لا توجد بيانات",
        };
        c.group("empty");
        let (cx, cy) = (
            (plot.left + plot.right) / 2.0,
            (plot.top + plot.bottom) / 2.0,
        );
        c.text(msg, cx, cy, muted, Anchor(HPos::Center, VPos::Center));
    }
    if let Some(l) = x_label {
        c.group("axis-title axis-title-x");
        let cx = (plot.left + plot.right) / 2.0;
        let y = h - x_label_from_bottom;
        c.text(l, cx, y, muted, Anchor(HPos::Center, VPos::Center));
    }
    if let Some(n) = &note {
        c.group("note");
        let font = Font {
            size: SMALL_SIZE,
            ..muted
        };
        c.text(
            n,
            start_x,
            h - note_from_bottom,
            font,
            Anchor(start_h, VPos::Center),
        );
    }
    if show_legend {
        legend::draw(&mut c, &prep, &legend_labels, &plot, kind);
    }
    let title = o.title.clone().filter(|t| !t.trim().is_empty());
    let names: Vec<String> = prep.series.iter().map(|s| s.name.clone()).collect();
    let alt = super::alt_text(data, o, &names, n_points);
    let class = format!("chart chart-{}", kind.name().replace('_', "-"));
    let svg = c.finish(&Meta {
        title: title.as_deref(),
        alt: &alt,
        lang: o.lang,
        class: &class,
    });
    Ok(Drawn {
        svg,
        height: h as u32,
        alt,
    })
}
