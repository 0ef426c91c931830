//! Drawing primitives in chart terms (pixels as `f64`, theme colours, text
//! sizes), made through plotters' `DrawingBackend` calls on our
//! [`SvgBackend`].

use plotters::prelude::{
    Color, DrawingBackend, FontDesc, FontFamily, FontStyle, RGBAColor, RGBColor, ShapeStyle,
    TextStyle,
};
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::backend::{Meta, SvgBackend};
use super::theme::{Rgb, FONT_FAMILY};

/// A chart being drawn.
pub struct Canvas {
    b: SvgBackend,
}

/// Whole pixels: plotters' backend coordinates are integers.
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

/// How a text sits on its anchor point.
#[derive(Clone, Copy)]
pub struct Anchor(pub HPos, pub VPos);

/// The look of a text.
#[derive(Debug, Clone, Copy)]
pub struct Font {
    pub size: f64,
    pub bold: bool,
    pub color: Rgb,
}

impl Canvas {
    /// An empty canvas of `width` × `height` pixels.
    pub fn new(width: u32, height: u32) -> Canvas {
        Canvas {
            b: SvgBackend::new(width, height),
        }
    }

    /// Starts a group of elements with CSS classes.
    pub fn group(&mut self, class: &str) {
        self.b.group(class);
    }

    /// The finished SVG document.
    pub fn finish(self, meta: &Meta) -> String {
        self.b.finish(meta)
    }

    /// A filled rectangle between two corners.
    pub fn rect(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, c: Rgb, alpha: f64) {
        let (l, r) = (px(x0.min(x1)), px(x0.max(x1)));
        let (t, b) = (px(y0.min(y1)), px(y0.max(y1)));
        if r > l && b > t {
            let _ = self
                .b
                .draw_rect((l, t), (r, b), &shape(c, alpha, true, 1), true);
        }
    }

    /// A rectangle's outline.
    pub fn frame(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, c: Rgb) {
        let (l, r) = (px(x0.min(x1)), px(x0.max(x1)));
        let (t, b) = (px(y0.min(y1)), px(y0.max(y1)));
        if r > l && b > t {
            let _ = self
                .b
                .draw_rect((l, t), (r, b), &shape(c, 1.0, false, 1), false);
        }
    }

    pub fn line(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, c: Rgb, width: u32) {
        let _ = self.b.draw_line(
            (px(x0), px(y0)),
            (px(x1), px(y1)),
            &shape(c, 1.0, false, width),
        );
    }

    /// A dashed line (4 on, 4 off).
    pub fn dashed(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, c: Rgb) {
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

    pub fn path(&mut self, pts: &[(f64, f64)], c: Rgb, width: u32) {
        if pts.len() < 2 {
            return;
        }
        let _ = self.b.draw_path(
            pts.iter().map(|&(x, y)| (px(x), px(y))),
            &shape(c, 1.0, false, width),
        );
    }

    pub fn polygon(&mut self, pts: &[(f64, f64)], c: Rgb, alpha: f64) {
        if pts.len() < 3 {
            return;
        }
        let _ = self.b.fill_polygon(
            pts.iter().map(|&(x, y)| (px(x), px(y))),
            &shape(c, alpha, true, 1),
        );
    }

    pub fn circle(&mut self, x: f64, y: f64, r: u32, c: Rgb, fill: bool, alpha: f64) {
        let _ = self
            .b
            .draw_circle((px(x), px(y)), r, &shape(c, alpha, fill, 1), fill);
    }

    /// A text at a point. The backend escapes it, embeds right-to-left
    /// labels and picks the font for Arabic runs.
    pub fn text(&mut self, s: &str, x: f64, y: f64, font: Font, at: Anchor) {
        if s.is_empty() {
            return;
        }
        let desc = FontDesc::new(
            FontFamily::Name(FONT_FAMILY),
            font.size,
            if font.bold {
                FontStyle::Bold
            } else {
                FontStyle::Normal
            },
        );
        let c = font.color;
        let style = TextStyle {
            font: desc,
            color: RGBColor(c.0, c.1, c.2).to_backend_color(),
            pos: Pos::new(at.0, at.1),
        };
        let _ = self.b.draw_text(s, &style, (px(x), px(y)));
    }
}
