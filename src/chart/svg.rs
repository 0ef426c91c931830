//! Finishing plotters' SVG: an accessible root, vertical text offsets folded
//! into `y`, and tidier attributes.
//!
//! plotters positions text with `dy` (`0.76em`, `0.5ex`, `-0.5ex`). usvg
//! (resvg, typst) applies `dy` only to the first character of a
//! right-to-left run, which drops the first Arabic letter onto a line of its
//! own; so `dy` is folded into `y` and removed. The root `<svg>` gets
//! `role="img"`, an `aria-label` and a `<title>`, and `direction="ltr"` so
//! that an inline chart in a right-to-left page does not flip its own
//! `text-anchor`s (the chart mirrors itself where it should).
//!
//! Text holding Arabic gets the Arabic font first, and what that font lacks
//! (Latin letters, parentheses, "…") goes in `<tspan>`s with the Latin
//! font: usvg falls back per character but gives up on a fallback font whose
//! glyph count differs (a lam-alef ligature), leaving boxes. The characters
//! stay in logical order, unchanged (see [`arabic_runs`]).
//!
//! Text reaches the SVG only through plotters, which escapes `<`, `>`, `&`,
//! `"` and `'`; what this module adds itself goes through [`escape`].

use super::spec::Lang;
use super::theme::{ARABIC_FONT_FAMILY, FONT_FAMILY};

/// Escapes text for XML content and attribute values: the crate's one
/// escaper.
pub use crate::format::{escape_html as escape, is_xml_char};

/// What the root element says about the chart.
pub struct Meta<'a> {
    pub width: u32,
    pub height: u32,
    pub title: Option<&'a str>,
    pub alt: &'a str,
    pub lang: Lang,
}

/// Rewrites plotters' SVG (one tag per line; text content on its own lines).
pub fn finish(raw: &str, meta: &Meta) -> String {
    let mut out = String::with_capacity(raw.len() + 512);
    let mut lines = raw.lines();
    while let Some(line) = lines.next() {
        if line.starts_with("<svg ") {
            let alt = escape(meta.alt);
            let title = escape(
                meta.title
                    .filter(|t| !t.trim().is_empty())
                    .unwrap_or(meta.alt),
            );
            out.push_str(&format!(
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{alt}\" lang=\"{lang}\" direction=\"ltr\" font-family=\"{FONT_FAMILY}\">\n<title>{title}</title>\n",
                w = meta.width,
                h = meta.height,
                lang = match meta.lang {
                    Lang::En => "en",
                    Lang::Ar => "ar",
                },
            ));
        } else if line.starts_with("<text ") {
            let mut content: Vec<&str> = Vec::new();
            for l in lines.by_ref() {
                if l == "</text>" {
                    break;
                }
                content.push(l);
            }
            let body = content.join(" ");
            let body = body.trim();
            match arabic_runs(body) {
                Runs::None => {
                    out.push_str(&text_tag(line, None));
                    out.push_str(body);
                }
                Runs::All => {
                    out.push_str(&text_tag(line, Some(ARABIC_FONT_FAMILY)));
                    out.push_str(body);
                }
                Runs::Mixed(marked) => {
                    out.push_str(&text_tag(line, Some(ARABIC_FONT_FAMILY)));
                    out.push_str(&marked);
                }
            }
            out.push_str("</text>\n");
        } else {
            let line = line.replace(" opacity=\"1\"", "");
            if let Some(rest) = line.strip_prefix("<line ") {
                out.push_str("<line shape-rendering=\"crispEdges\" ");
                out.push_str(rest);
            } else if let Some(rest) = line.strip_prefix("<rect ") {
                out.push_str("<rect shape-rendering=\"crispEdges\" ");
                out.push_str(rest);
            } else if let Some(rest) = line.strip_prefix("<polyline ") {
                out.push_str("<polyline stroke-linejoin=\"round\" stroke-linecap=\"round\" ");
                out.push_str(rest);
            } else {
                out.push_str(&line);
            }
            out.push('\n');
        }
    }
    out
}

/// Attribute pairs of one tag line (values stay escaped).
fn attributes(tag: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = tag;
    while let Some(eq) = rest.find("=\"") {
        let key = rest[..eq].rsplit(' ').next().unwrap_or("").trim();
        let after = &rest[eq + 2..];
        let Some(end) = after.find('"') else { break };
        out.push((key, &after[..end]));
        rest = &after[end + 1..];
    }
    out
}

/// `0.76em` → 0.76 (in em); `0.5ex` and `-0.5ex` are plotters' vertical
/// centre and bottom, placed by what looks centred with the bundled fonts.
fn dy_em(dy: &str) -> f64 {
    match dy {
        "0.76em" => 0.76,
        "0.5ex" => 0.35,
        "-0.5ex" => -0.25,
        other => {
            if let Some(n) = other.strip_suffix("em") {
                n.parse().unwrap_or(0.0)
            } else if let Some(n) = other.strip_suffix("ex") {
                n.parse::<f64>().unwrap_or(0.0) * 0.5
            } else {
                other.parse::<f64>().unwrap_or(0.0)
            }
        }
    }
}

/// A number as SVG writes it: at most two decimals, no trailing zeros.
fn num(v: f64) -> String {
    let s = format!("{:.2}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// Arabic letters (and the presentation forms).
fn is_arabic(c: char) -> bool {
    matches!(c as u32, 0x0600..=0x06FF | 0x0750..=0x077F | 0x0870..=0x08FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF)
}

/// Whether the Arabic face has `c` (digits, space and some punctuation
/// besides Arabic; no Latin letters, no parentheses, no "…").
fn arabic_face_has(c: char) -> bool {
    super::text::face_has_char(super::text::ARABIC_REGULAR, c)
}

enum Runs {
    /// No Arabic: the `<text>` keeps the Latin-first stack.
    None,
    /// Arabic, and only characters the Arabic face has: the `<text>` takes
    /// the Arabic-first stack.
    All,
    /// Arabic mixed with characters the Arabic face lacks: the `<text>`
    /// takes the Arabic-first stack and those characters sit in `<tspan>`s
    /// with the Latin-first stack.
    Mixed(String),
}

/// Splits escaped text content into what the Arabic face can shape and
/// what it cannot (entities, being ASCII, always fall in the latter).
///
/// usvg shapes a text with the font of its first span and lets later spans
/// overwrite their own characters; it merges clusters by byte length, which
/// goes wrong (and can panic) when a later span holds an Arabic ligature
/// over a first span without Arabic. So the first span must be the Arabic
/// one: when the text starts with Latin, it is preceded by a zero-width
/// space (U+200B, which the Arabic face has and which orders and shows as
/// nothing).
fn arabic_runs(body: &str) -> Runs {
    if !body.chars().any(is_arabic) {
        return Runs::None;
    }
    // Tokens: an entity or one character, and whether the Arabic face has it.
    let mut tokens: Vec<(&str, bool)> = Vec::new();
    let mut rest = body;
    while let Some(c) = rest.chars().next() {
        let len = if c == '&' {
            rest.find(';').map(|i| i + 1).unwrap_or(1)
        } else {
            c.len_utf8()
        };
        let covered = c != '&' && arabic_face_has(c);
        tokens.push((&rest[..len], covered));
        rest = &rest[len..];
    }
    if tokens.iter().all(|t| t.1) {
        return Runs::All;
    }
    let mut out = String::with_capacity(body.len() + 96);
    if !tokens[0].1 {
        out.push('\u{200B}');
    }
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i].1 {
            out.push_str(tokens[i].0);
            i += 1;
            continue;
        }
        // A run of what the Arabic face lacks, with the spaces inside it.
        let mut j = i;
        let mut end = i;
        while j < tokens.len() {
            if !tokens[j].1 {
                end = j;
                j += 1;
            } else if tokens[j].0 == " " {
                j += 1;
            } else {
                break;
            }
        }
        out.push_str(&format!("<tspan font-family=\"{FONT_FAMILY}\">"));
        for t in &tokens[i..=end] {
            out.push_str(t.0);
        }
        out.push_str("</tspan>");
        i = end + 1;
    }
    Runs::Mixed(out)
}

/// The opening `<text>` tag with `dy` folded into `y` (and the font stack
/// replaced by `family` when given).
fn text_tag(line: &str, family: Option<&str>) -> String {
    let attrs = attributes(line);
    let get = |k: &str| attrs.iter().find(|(a, _)| *a == k).map(|(_, v)| *v);
    let size: f64 = get("font-size")
        .and_then(|s| s.parse().ok())
        .unwrap_or(12.0);
    let y: f64 = get("y").and_then(|s| s.parse().ok()).unwrap_or(0.0);
    let dy = get("dy").map(dy_em).unwrap_or(0.0);
    let mut tag = String::from("<text");
    for (k, v) in &attrs {
        match *k {
            "dy" => {}
            "opacity" if *v == "1" => {}
            "y" => tag.push_str(&format!(" y=\"{}\"", num(y + dy * size))),
            "font-size" => tag.push_str(&format!(" font-size=\"{}\"", num(size))),
            "font-family" => tag.push_str(&format!(" font-family=\"{}\"", family.unwrap_or(v))),
            _ => tag.push_str(&format!(" {k}=\"{v}\"")),
        }
    }
    tag.push('>');
    tag
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_dy_into_y_and_keeps_escaped_text() {
        let raw = "<svg width=\"10\" height=\"10\" viewBox=\"0 0 10 10\" xmlns=\"http://www.w3.org/2000/svg\">\n<text x=\"5\" y=\"20\" dy=\"0.76em\" text-anchor=\"middle\" font-family=\"Noto Sans\" font-size=\"10.000000000000002\" opacity=\"1\" fill=\"#000000\">\n&lt;b&gt; كازاخستان\n</text>\n<line opacity=\"1\" stroke=\"#000000\" x1=\"0\"/>\n</svg>\n";
        let meta = Meta {
            width: 10,
            height: 10,
            title: Some("a \"title\" <x>"),
            alt: "alt & text",
            lang: Lang::Ar,
        };
        let svg = finish(raw, &meta);
        assert!(svg.contains("<text x=\"5\" y=\"27.6\" text-anchor=\"middle\" font-family=\"Noto Sans Arabic, Noto Sans, sans-serif\" font-size=\"10\" fill=\"#000000\">\u{200B}<tspan font-family=\"Noto Sans, Noto Sans Arabic, sans-serif\">&lt;b&gt;</tspan> كازاخستان</text>"), "{svg}");
        assert!(!svg.contains("dy="));
        assert!(svg.contains("aria-label=\"alt &amp; text\""));
        assert!(svg.contains("<title>a &quot;title&quot; &lt;x&gt;</title>"));
        assert!(svg.contains("<line shape-rendering=\"crispEdges\" stroke="));
        assert!(svg.contains("lang=\"ar\""));
    }

    #[test]
    fn arabic_runs_get_the_arabic_font() {
        assert!(matches!(arabic_runs("Kazakhstan"), Runs::None));
        assert!(matches!(arabic_runs("كازاخستان وإسرائيل"), Runs::All));
        assert!(matches!(arabic_runs("عام 2021: كازاخستان"), Runs::All));
        let Runs::Mixed(m) = arabic_runs("شركة Beit Alfa الإسرائيلية…") else {
            panic!()
        };
        let latin = |t: &str| format!("<tspan font-family=\"{FONT_FAMILY}\">{t}</tspan>");
        assert_eq!(
            m,
            format!("شركة {} الإسرائيلية{}", latin("Beit Alfa"), latin("…"))
        );
        let Runs::Mixed(m) = arabic_runs("A &amp; B كازاخستان") else {
            panic!()
        };
        assert_eq!(m, format!("\u{200B}{} كازاخستان", latin("A &amp; B")));
    }

    #[test]
    fn escapes_and_drops_control_characters() {
        assert_eq!(escape("<a href='x'>\u{1}"), "&lt;a href=&#39;x&#39;&gt; ");
    }
}
