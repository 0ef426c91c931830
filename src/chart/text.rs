//! The bundled chart fonts, text measurement and line wrapping.
//!
//! The fonts are compiled in, so a PNG looks the same on every machine and
//! no system font is ever consulted. Widths are measured from the fonts'
//! advance widths (not shaped: close enough for layout, and slightly wide for
//! Arabic, whose joined forms are narrower than the isolated ones), never
//! from byte counts as plotters' estimate does.

use std::sync::OnceLock;

use skrifa::charmap::Charmap;
use skrifa::instance::{LocationRef, Size};
use skrifa::metrics::GlyphMetrics;
use skrifa::{FontRef, MetadataProvider};

/// One bundled face.
#[derive(Debug, Clone, Copy)]
pub struct Face {
    /// The family name, as in the chart's `font-family`.
    pub family: &'static str,
    pub bold: bool,
    pub data: &'static [u8],
}

/// The faces charts use, in fallback order (Latin first, then Arabic).
pub const FACES: [Face; 4] = [
    Face {
        family: "Noto Sans",
        bold: false,
        data: include_bytes!("../../assets/fonts/NotoSans-Regular.ttf"),
    },
    Face {
        family: "Noto Sans",
        bold: true,
        data: include_bytes!("../../assets/fonts/NotoSans-Bold.ttf"),
    },
    Face {
        family: "Noto Sans Arabic",
        bold: false,
        data: include_bytes!("../../assets/fonts/NotoSansArabic-Regular.ttf"),
    },
    Face {
        family: "Noto Sans Arabic",
        bold: true,
        data: include_bytes!("../../assets/fonts/NotoSansArabic-Bold.ttf"),
    },
];

/// The index in [`FACES`] of the regular Arabic face.
pub const ARABIC_REGULAR: usize = 2;

struct Loaded {
    charmap: Charmap<'static>,
    metrics: GlyphMetrics<'static>,
    upem: f64,
}

fn loaded() -> &'static [Option<Loaded>] {
    static FONTS: OnceLock<Vec<Option<Loaded>>> = OnceLock::new();
    FONTS.get_or_init(|| {
        FACES
            .iter()
            .map(|f| {
                let font = FontRef::new(f.data).ok()?;
                let upem = font
                    .metrics(Size::unscaled(), LocationRef::default())
                    .units_per_em as f64;
                let metrics = font.glyph_metrics(Size::unscaled(), LocationRef::default());
                Some(Loaded {
                    charmap: font.charmap(),
                    metrics,
                    upem: if upem > 0.0 { upem } else { 1000.0 },
                })
            })
            .collect()
    })
}

/// Whether bundled face `i` (an index into [`FACES`]) has a glyph for `c`.
pub fn face_has_char(i: usize, c: char) -> bool {
    loaded()
        .get(i)
        .and_then(|l| l.as_ref())
        .and_then(|l| l.charmap.map(c))
        .is_some()
}

/// Advance of one character in em, from the first face (of the right
/// weight) that has it.
fn advance_em(c: char, bold: bool) -> f64 {
    for (face, l) in FACES.iter().zip(loaded()) {
        if face.bold != bold {
            continue;
        }
        let Some(l) = l else { continue };
        if let Some(g) = l.charmap.map(c) {
            if let Some(w) = l.metrics.advance_width(g) {
                return w as f64 / l.upem;
            }
        }
    }
    // Zero-width spaces and joiners, bidi controls and other controls;
    // otherwise an average glyph.
    if c.is_control() || matches!(c as u32, 0x200B..=0x200D) || is_bidi_control(c) {
        0.0
    } else {
        0.6
    }
}

/// The bidi formatting characters: marks (LRM, RLM, ALM), embeddings and
/// overrides (LRE…RLO, PDF) and isolates (LRI…PDI). They take no width,
/// and shapers hide them whatever the font.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c as u32, 0x061C | 0x200E | 0x200F | 0x202A..=0x202E | 0x2066..=0x2069)
}

/// The width of `text` in pixels at `size` px.
pub fn width(text: &str, size: f64, bold: bool) -> f64 {
    text.chars().map(|c| advance_em(c, bold)).sum::<f64>() * size
}

/// `text` cut to fit `max` pixels, ending in "…" when cut.
pub fn truncate(text: &str, size: f64, bold: bool, max: f64) -> String {
    if width(text, size, bold) <= max {
        return text.to_string();
    }
    let ellipsis = advance_em('…', bold) * size;
    let mut out = String::new();
    let mut w = 0.0;
    for c in text.chars() {
        let cw = advance_em(c, bold) * size;
        if w + cw + ellipsis > max {
            break;
        }
        w += cw;
        out.push(c);
    }
    let trimmed = out.trim_end().to_string();
    format!("{trimmed}…")
}

/// Breaks `text` into at most `max_lines` lines of at most `max` pixels, at
/// spaces; the last line is truncated with "…" if the text does not fit.
/// Words keep their logical order: nothing is reversed for right-to-left
/// scripts (the viewer orders each line).
pub fn wrap(text: &str, size: f64, bold: bool, max: f64, max_lines: usize) -> Vec<String> {
    let max_lines = max_lines.max(1);
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.is_empty() {
        return vec![String::new()];
    }
    let space = advance_em(' ', bold) * size;
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut current_w = 0.0;
    let mut rest_from = words.len();
    for (i, word) in words.iter().enumerate() {
        let ww = width(word, size, bold);
        if current.is_empty() {
            current.push_str(word);
            current_w = ww;
        } else if current_w + space + ww <= max {
            current.push(' ');
            current.push_str(word);
            current_w += space + ww;
        } else {
            lines.push(std::mem::take(&mut current));
            if lines.len() == max_lines {
                rest_from = i;
                break;
            }
            current.push_str(word);
            current_w = ww;
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    if rest_from < words.len() {
        // Did not fit: the last line takes the rest and is cut.
        let last = lines.pop().unwrap_or_default();
        let joined = format!("{last} {}", words[rest_from..].join(" "));
        lines.push(truncate(&joined, size, bold, max));
    }
    lines
        .into_iter()
        .map(|l| {
            if width(&l, size, bold) > max {
                truncate(&l, size, bold, max)
            } else {
                l
            }
        })
        .collect()
}

/// Breaks `text` into lines of at most `max` pixels without dropping
/// anything: at spaces, and inside a word only when the word alone is
/// wider than a line.
pub fn wrap_all(text: &str, size: f64, bold: bool, max: f64) -> Vec<String> {
    let mut pieces: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        if width(word, size, bold) <= max {
            pieces.push(word.to_string());
            continue;
        }
        let mut part = String::new();
        for c in word.chars() {
            if !part.is_empty() && width(&part, size, bold) + advance_em(c, bold) * size > max {
                pieces.push(std::mem::take(&mut part));
            }
            part.push(c);
        }
        if !part.is_empty() {
            pieces.push(part);
        }
    }
    let joined = pieces.join(" ");
    wrap(&joined, size, bold, max, pieces.len().max(1))
}

/// Marks a right-to-left label as a right-to-left embedding (U+202B …
/// U+202C) when it holds more than Arabic letters and spaces.
///
/// Each `<text>` is a left-to-right paragraph (usvg ignores `direction`, and
/// the chart sets `direction="ltr"` so that pages cannot flip it); in such a
/// paragraph a Latin word, a leading number or a trailing "…" or ")" inside
/// an Arabic label would be placed as if reading left to right. The
/// embedding makes the label read right to left in browsers and in usvg
/// alike. The characters themselves keep their logical order.
pub fn embed_rtl(text: &str) -> std::borrow::Cow<'_, str> {
    embed_as(text, is_rtl(text))
}

/// [`embed_rtl`] with the direction given: the lines of a wrapped label take
/// the direction of the whole label.
pub fn embed_as(text: &str, rtl: bool) -> std::borrow::Cow<'_, str> {
    let plain =
        |c: char| c == ' ' || is_rtl_char(c) || matches!(c as u32, 0x064B..=0x065F | 0x0670);
    if rtl && !text.starts_with('\u{202B}') && !text.chars().all(plain) {
        format!("\u{202B}{text}\u{202C}").into()
    } else {
        text.into()
    }
}

fn is_rtl_char(c: char) -> bool {
    matches!(c as u32, 0x0590..=0x08FF | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFF)
}

/// Whether the first strong character of `text` is right-to-left (Arabic,
/// Hebrew, …).
pub fn is_rtl(text: &str) -> bool {
    for c in text.chars() {
        if is_rtl_char(c) {
            return true;
        }
        if c.is_alphabetic() {
            return false;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_with_the_real_fonts() {
        let latin = width("Kazakhstan", 13.0, false);
        assert!(latin > 50.0 && latin < 90.0, "{latin}");
        // Arabic is measured by glyph advances, not bytes (plotters' estimate
        // would give twice the Latin width for the same number of letters).
        let arabic = width("كازاخستان", 13.0, false);
        assert!(arabic > 30.0 && arabic < 90.0, "{arabic}");
        assert!(width("Bold", 13.0, true) > width("Bold", 13.0, false));
    }

    #[test]
    fn wraps_and_truncates_in_logical_order() {
        let lines = wrap("one two three four five six", 12.0, false, 60.0, 2);
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("one"));
        assert!(lines[1].ends_with('…'));
        let ar = wrap("كازاخستان وإسرائيل تقيمان علاقاتهما", 12.0, false, 80.0, 3);
        assert_eq!(ar[0].split(' ').next(), Some("كازاخستان"));
        assert_eq!(truncate("short", 12.0, false, 500.0), "short");
        let all = wrap_all("one two three four five six seven", 12.0, false, 60.0);
        assert_eq!(all.join(" "), "one two three four five six seven");
        assert!(all.iter().all(|l| width(l, 12.0, false) <= 60.0));
        let long = wrap_all("https://example.org/a/very/long/address", 12.0, false, 80.0);
        assert!(long.len() > 1 && !long.concat().contains('…'), "{long:?}");
        assert_eq!(long.concat(), "https://example.org/a/very/long/address");
        assert!(is_rtl("(2021) كازاخستان"));
        assert!(!is_rtl("KAZ كازاخستان"));
        assert_eq!(embed_rtl("كازاخستان وإسرائيل"), "كازاخستان وإسرائيل");
        assert_eq!(embed_rtl("KAZ كازاخستان"), "KAZ كازاخستان");
        assert_eq!(
            embed_rtl("شركة Beit Alfa"),
            "\u{202B}شركة Beit Alfa\u{202C}"
        );
        assert_eq!(embed_as("Beit Alfa", true), "\u{202B}Beit Alfa\u{202C}");
        assert_eq!(
            embed_rtl(&embed_rtl("شركة Beit Alfa")),
            "\u{202B}شركة Beit Alfa\u{202C}"
        );
    }
}
