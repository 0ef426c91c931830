//! Annotations on charts with a value axis: a circled point with its text
//! (x and y), a dashed vertical rule (x only) or a dashed horizontal rule
//! (y only). Text goes forward in reading direction unless it would leave
//! the plot.

use plotters::style::text_anchor::{HPos, VPos};

use super::axes::{Plot, ValueAxis, XAxis};
use super::canvas::{Anchor, Canvas, Font};
use super::format;
use super::spec::{Annotation, AnnotationX};
use super::text;
use super::theme::{SMALL_SIZE, TEXT, TEXT_MUTED};

/// The font of annotation text.
pub const FONT: Font = Font {
    size: SMALL_SIZE,
    bold: false,
    color: TEXT,
};

/// An annotation's x as the script wrote it (for error messages).
pub fn x_text(x: &AnnotationX) -> String {
    match x {
        AnnotationX::Number(v) => format::fixed(*v, format::needed_decimals(*v, 6), false),
        AnnotationX::Text(s) => s.clone(),
    }
}

/// Where text `w` wide starts next to pixel `x`, `gap` away: forward in
/// reading direction when it fits inside the plot, else backward.
pub fn place(plot: &Plot, x: f64, gap: f64, w: f64) -> (f64, HPos) {
    let forward_fits = if plot.mirror {
        x - gap - w >= plot.left
    } else {
        x + gap + w <= plot.right
    };
    match (plot.mirror, forward_fits) {
        (false, true) | (true, false) => (x + gap, HPos::Left),
        (true, true) | (false, false) => (x - gap, HPos::Right),
    }
}

/// Draws the annotations; an x that is not on the axis is an error.
pub fn draw(
    c: &mut Canvas,
    notes: &[Annotation],
    axis: &XAxis,
    plot: &Plot,
    y: &ValueAxis,
) -> Result<(), String> {
    if notes.is_empty() {
        return Ok(());
    }
    c.group("annotations");
    for a in notes {
        let ax = match &a.x {
            Some(x) => Some(
                axis.resolve(x)
                    .map(|v| axis.pos(plot, v))
                    .ok_or_else(|| format!("annotation x `{}` is not on the x axis", x_text(x)))?,
            ),
            None => None,
        };
        let ay = a.y.map(|v| y.y(plot, v));
        let w = text::width(&a.text, SMALL_SIZE, false);
        match (ax, ay) {
            (Some(x), Some(py)) => {
                c.circle(x, py, 4, TEXT, false, 1.0);
                let (tx, hp) = place(plot, x, 7.0, w);
                c.text(&a.text, tx, py - 8.0, FONT, Anchor(hp, VPos::Bottom));
            }
            (Some(x), None) => {
                c.dashed(x, plot.top, x, plot.bottom, TEXT_MUTED);
                let (tx, hp) = place(plot, x, 4.0, w);
                c.text(&a.text, tx, plot.top, FONT, Anchor(hp, VPos::Top));
            }
            (None, Some(py)) => {
                c.dashed(plot.left, py, plot.right, py, TEXT_MUTED);
                let (tx, hp) = if plot.mirror {
                    (plot.left + 2.0, HPos::Left)
                } else {
                    (plot.right - 2.0, HPos::Right)
                };
                c.text(&a.text, tx, py - 3.0, FONT, Anchor(hp, VPos::Bottom));
            }
            (None, None) => return Err(format!("annotation `{}` needs `x`, `y` or both", a.text)),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_goes_forward_unless_it_would_leave_the_plot() {
        let mut plot = Plot {
            left: 0.0,
            right: 300.0,
            top: 0.0,
            bottom: 100.0,
            mirror: false,
        };
        let at = |plot: &Plot, x: f64| {
            let (tx, h) = place(plot, x, 4.0, 50.0);
            (tx, matches!(h, HPos::Left))
        };
        assert_eq!(at(&plot, 100.0), (104.0, true));
        assert_eq!(at(&plot, 280.0), (276.0, false));
        plot.mirror = true;
        assert_eq!(at(&plot, 100.0), (96.0, false));
        assert_eq!(at(&plot, 20.0), (24.0, true));
        assert_eq!(x_text(&AnnotationX::Number(2022.0)), "2022");
        assert_eq!(x_text(&AnnotationX::Number(0.25)), "0.25");
    }
}
