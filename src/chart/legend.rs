//! The legend: one row per series beside the plot (right in English, left
//! in Arabic), the swatch next to the plot; rows that do not fit become
//! "+N".

use plotters::style::text_anchor::{HPos, VPos};

use super::axes::Plot;
use super::canvas::{Anchor, Canvas, Font};
use super::prepare::Prepared;
use super::spec::Kind;
use super::text;
use super::theme::{LABEL_SIZE, LINE_WIDTH, TEXT, TEXT_MUTED};

/// Height of a legend row.
pub const ROW: f64 = 20.0;
/// Size of a swatch.
pub const SWATCH: f64 = 12.0;
/// Space between the plot and the swatches.
const GAP: f64 = 16.0;
/// Space between a swatch and its text.
const TEXT_GAP: f64 = 6.0;

/// The legend's labels (cut to `max` pixels) and the width it takes.
pub fn labels(prep: &Prepared, max: f64) -> (Vec<String>, f64) {
    let labels: Vec<String> = prep
        .series
        .iter()
        .map(|s| text::truncate(&s.name, LABEL_SIZE, false, max))
        .collect();
    let widest = labels
        .iter()
        .map(|l| text::width(l, LABEL_SIZE, false))
        .fold(0.0, f64::max);
    (labels, widest + SWATCH + TEXT_GAP + GAP)
}

/// The widest a legend label may be on a chart `width` wide.
pub fn max_label_width(width: f64) -> f64 {
    (width * 0.28 - SWATCH - TEXT_GAP).max(40.0)
}

/// How many rows show in `height`, the last one being "+N" when some do not.
pub fn shown_rows(n: usize, height: f64) -> usize {
    let rows = ((height / ROW) as usize).max(1);
    if n > rows {
        rows - 1
    } else {
        n
    }
}

/// Draws the legend beside the plot.
pub fn draw(c: &mut Canvas, prep: &Prepared, labels: &[String], plot: &Plot, kind: Kind) {
    c.group("legend");
    let n = labels.len();
    let shown = shown_rows(n, plot.bottom - plot.top);
    let font = |color| Font {
        size: LABEL_SIZE,
        bold: false,
        color,
    };
    let (edge, hp) = if plot.mirror {
        (plot.left - GAP, HPos::Right)
    } else {
        (plot.right + GAP, HPos::Left)
    };
    for (i, (s, label)) in prep.series.iter().zip(labels).take(shown).enumerate() {
        let y = plot.top + ROW * i as f64 + ROW / 2.0;
        // The swatch sits next to the plot; the text beyond it.
        let (sx0, sx1, tx) = if plot.mirror {
            (edge - SWATCH, edge, edge - SWATCH - TEXT_GAP)
        } else {
            (edge, edge + SWATCH, edge + SWATCH + TEXT_GAP)
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
        c.text(label, tx, y, font(TEXT), Anchor(hp, VPos::Center));
    }
    if shown < n {
        let y = plot.top + ROW * shown as f64 + ROW / 2.0;
        let more = format!("+{}", n - shown);
        c.text(&more, edge, y, font(TEXT_MUTED), Anchor(hp, VPos::Center));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_that_do_not_fit_become_a_count() {
        assert_eq!(shown_rows(3, 100.0), 3);
        assert_eq!(shown_rows(8, 100.0), 4, "five rows: four series and +4");
        assert_eq!(shown_rows(2, 5.0), 0);
        assert!(max_label_width(720.0) > 150.0);
        assert_eq!(max_label_width(100.0), 40.0);
    }
}
