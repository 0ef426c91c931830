//! The chart theme: colours, type sizes and spacing. The briefing's CSS uses
//! the same values (the `*_HEX` constants), so a chart sits in the page as if
//! drawn by it.
//!
//! | Role | Value |
//! |---|---|
//! | text | `#1a1a1a` ([`TEXT`]) |
//! | muted text (subtitle, axis titles, tick labels, axis lines) | `#555555` ([`TEXT_MUTED`]) |
//! | grid lines | `#e6e6e6` ([`GRID`]) |
//! | background | `#ffffff` ([`BACKGROUND`]) |
//! | title | 18px bold ([`TITLE_SIZE`]) |
//! | labels (ticks, legend, axis titles, subtitle) | 13px ([`LABEL_SIZE`]) |
//! | value labels, annotations, timeline labels | 12px ([`SMALL_SIZE`]) |
//! | series colours | Okabe–Ito, colour-blind safe ([`PALETTE`]) |

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// `#rrggbb`.
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    /// Parses `#rrggbb`, `rrggbb`, `#rgb` or `rgb` (case-insensitive).
    pub fn parse_hex(s: &str) -> Option<Rgb> {
        let h = s.trim().strip_prefix('#').unwrap_or(s.trim());
        if !h.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let v = |i: usize, n: usize| u8::from_str_radix(&h[i..i + n], 16).ok();
        match h.len() {
            6 => Some(Rgb(v(0, 2)?, v(2, 2)?, v(4, 2)?)),
            3 => Some(Rgb(v(0, 1)? * 17, v(1, 1)? * 17, v(2, 1)? * 17)),
            _ => None,
        }
    }

    /// Relative luminance (0 = black, 1 = white), for picking a text colour
    /// that reads on top of this one.
    pub fn luminance(self) -> f64 {
        let lin = |c: u8| {
            let c = c as f64 / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(self.0) + 0.7152 * lin(self.1) + 0.0722 * lin(self.2)
    }
}

/// The font stack of every label. Set explicitly on each text element:
/// plotters' default is a bare `sans-serif`.
pub const FONT_FAMILY: &str = "Noto Sans, Noto Sans Arabic, sans-serif";
/// The font stack of Arabic runs (set on a `<text>` or `<tspan>` holding
/// Arabic, so that a renderer shapes the whole run with the Arabic font).
pub const ARABIC_FONT_FAMILY: &str = "Noto Sans Arabic, Noto Sans, sans-serif";

/// Body text: titles, legend, value labels.
pub const TEXT: Rgb = Rgb(0x1a, 0x1a, 0x1a);
/// `#1a1a1a`.
pub const TEXT_HEX: &str = "#1a1a1a";
/// Muted text: subtitle, axis titles, tick labels; also axis lines.
pub const TEXT_MUTED: Rgb = Rgb(0x55, 0x55, 0x55);
/// `#555555`.
pub const TEXT_MUTED_HEX: &str = "#555555";
/// Grid lines.
pub const GRID: Rgb = Rgb(0xe6, 0xe6, 0xe6);
/// `#e6e6e6`.
pub const GRID_HEX: &str = "#e6e6e6";
/// The background.
pub const BACKGROUND: Rgb = Rgb(0xff, 0xff, 0xff);
/// `#ffffff`.
pub const BACKGROUND_HEX: &str = "#ffffff";

/// Title size in CSS pixels (bold).
pub const TITLE_SIZE: f64 = 18.0;
/// Label size in CSS pixels: ticks, legend, axis titles, subtitle.
pub const LABEL_SIZE: f64 = 13.0;
/// Small text: value labels, annotations, timeline labels.
pub const SMALL_SIZE: f64 = 12.0;

/// Space between the chart's edge and anything drawn.
pub const PADDING: f64 = 16.0;
/// Line series stroke width.
pub const LINE_WIDTH: u32 = 2;
/// Fill opacity of area series.
pub const AREA_OPACITY: f64 = 0.25;

/// The Okabe–Ito palette (Okabe & Ito 2008), safe for the common forms of
/// colour blindness, in the order series take it.
pub const PALETTE: [Rgb; 8] = [
    Rgb(0x00, 0x72, 0xB2), // blue
    Rgb(0xE6, 0x9F, 0x00), // orange
    Rgb(0x00, 0x9E, 0x73), // bluish green
    Rgb(0xD5, 0x5E, 0x00), // vermilion
    Rgb(0xCC, 0x79, 0xA7), // reddish purple
    Rgb(0x56, 0xB4, 0xE9), // sky blue
    Rgb(0xF0, 0xE4, 0x42), // yellow
    Rgb(0x00, 0x00, 0x00), // black
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_colours_parse_and_print() {
        assert_eq!(Rgb::parse_hex("#0072B2"), Some(Rgb(0, 0x72, 0xb2)));
        assert_eq!(Rgb::parse_hex("fff"), Some(Rgb(255, 255, 255)));
        assert_eq!(Rgb::parse_hex("#12345"), None);
        assert_eq!(Rgb::parse_hex("#gggggg"), None);
        assert_eq!(TEXT.hex(), TEXT_HEX);
        assert_eq!(TEXT_MUTED.hex(), TEXT_MUTED_HEX);
        assert_eq!(GRID.hex(), GRID_HEX);
        assert_eq!(BACKGROUND.hex(), BACKGROUND_HEX);
    }
}
