//! Our plotters drawing backend: it writes the SVG charts ship, element by
//! element, with nothing rewritten afterwards.
//!
//! - Text is text: one `<text>` per label, escaped, with the font family set
//!   on every element (plotters' default is a bare `sans-serif`).
//! - Vertical anchors become an absolute `y` (no `dy`): usvg (resvg, typst)
//!   applies `dy` only to the first character of a right-to-left run, which
//!   drops the first Arabic letter onto a line of its own.
//! - Arabic stays in logical order. A label whose first strong character is
//!   right to left is wrapped in a right-to-left embedding (the chart root
//!   is `direction="ltr"`, so that pages cannot flip its anchors). Text
//!   holding Arabic takes the Arabic font first, and what that font lacks
//!   (Latin letters, parentheses, "…") goes in `<tspan>`s with the Latin
//!   font: usvg gives up on a fallback font whose glyph count differs (a
//!   lam-alef ligature), leaving boxes (see `arabic_runs`). The bidi
//!   controls stay in the Arabic span: shapers hide them, and every span
//!   costs usvg a shaping of the whole label.
//! - Elements sit in `<g class="…">` groups named by what they draw
//!   ([`SvgBackend::group`]), so a page's CSS (or a test) can find the
//!   grid, the bars of a series, the value labels, the legend.
//! - The root has `role="img"`, an `aria-label` and a `<title>`
//!   ([`SvgBackend::finish`]).

use std::convert::Infallible;
use std::fmt::Write as _;

use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
    FontStyle,
};

use super::spec::Lang;
use super::text;
use super::theme::{ARABIC_FONT_FAMILY, FONT_FAMILY};

/// Escapes text for XML content and attribute values: the crate's one
/// escaper (characters XML forbids become spaces).
pub use crate::format::{escape_html as escape, is_xml_char};

/// What the root element says about the chart.
pub struct Meta<'a> {
    pub title: Option<&'a str>,
    pub alt: &'a str,
    pub lang: Lang,
    /// The root's CSS classes (`chart chart-bar`).
    pub class: &'a str,
}

/// Where a text's baseline sits below its anchor point, in em: plotters'
/// top, centre and bottom anchors, placed by what looks right with the
/// bundled fonts.
fn baseline_em(v: VPos) -> f64 {
    match v {
        VPos::Top => 0.76,
        VPos::Center => 0.35,
        VPos::Bottom => -0.25,
    }
}

/// A number as the SVG writes it: at most two decimals, no trailing zeros.
fn num(v: f64) -> String {
    let s = format!("{:.2}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

fn color(c: BackendColor) -> String {
    let (r, g, b) = c.rgb;
    format!("#{r:02X}{g:02X}{b:02X}")
}

/// ` opacity="…"`, or nothing when opaque.
fn opacity(c: BackendColor) -> String {
    if c.alpha >= 1.0 {
        String::new()
    } else {
        format!(" opacity=\"{}\"", c.alpha)
    }
}

/// The `fill` and `stroke` of a shape filled with `c`, or outlined in it.
fn paint(c: BackendColor, fill: bool) -> (String, String) {
    if fill {
        (color(c), "none".to_string())
    } else {
        ("none".to_string(), color(c))
    }
}

fn points(path: impl IntoIterator<Item = BackendCoord>) -> String {
    path.into_iter().fold(String::new(), |mut s, (x, y)| {
        let _ = write!(s, "{x},{y} ");
        s
    })
}

/// A plotters backend that writes our SVG into a string.
pub struct SvgBackend {
    body: String,
    size: (u32, u32),
    group_open: bool,
}

impl SvgBackend {
    /// An empty drawing of `width` × `height` pixels.
    pub fn new(width: u32, height: u32) -> SvgBackend {
        SvgBackend {
            body: String::with_capacity(24 * 1024),
            size: (width, height),
            group_open: false,
        }
    }

    /// Starts a group of elements with CSS classes (`grid`, `series
    /// series-1`, `value-labels`, …); the previous group ends here.
    pub fn group(&mut self, class: &str) {
        self.end_group();
        let _ = writeln!(self.body, "<g class=\"{}\">", escape(class));
        self.group_open = true;
    }

    fn end_group(&mut self) {
        if self.group_open {
            self.body.push_str("</g>\n");
            self.group_open = false;
        }
    }

    /// The finished document: the accessible root, the title, the drawing.
    pub fn finish(mut self, meta: &Meta) -> String {
        self.end_group();
        let (w, h) = self.size;
        let alt = escape(meta.alt);
        let title = escape(
            meta.title
                .filter(|t| !t.trim().is_empty())
                .unwrap_or(meta.alt),
        );
        let lang = match meta.lang {
            Lang::En => "en",
            Lang::Ar => "ar",
        };
        let mut out = String::with_capacity(self.body.len() + 512);
        let _ = write!(
            out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" class=\"{class}\" role=\"img\" aria-label=\"{alt}\" lang=\"{lang}\" direction=\"ltr\" font-family=\"{FONT_FAMILY}\">\n<title>{title}</title>\n",
            class = escape(meta.class),
        );
        out.push_str(&self.body);
        out.push_str("</svg>\n");
        out
    }
}

impl DrawingBackend for SvgBackend {
    type ErrorType = Infallible;

    fn get_size(&self) -> (u32, u32) {
        self.size
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Infallible>> {
        Ok(())
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Infallible>> {
        Ok(())
    }

    fn draw_pixel(
        &mut self,
        (x, y): BackendCoord,
        c: BackendColor,
    ) -> Result<(), DrawingErrorKind<Infallible>> {
        if c.alpha > 0.0 {
            let _ = writeln!(
                self.body,
                "<rect x=\"{x}\" y=\"{y}\" width=\"1\" height=\"1\"{} fill=\"{}\" stroke=\"none\"/>",
                opacity(c),
                color(c)
            );
        }
        Ok(())
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        (x1, y1): BackendCoord,
        (x2, y2): BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Infallible>> {
        let c = style.color();
        if c.alpha > 0.0 {
            let _ = writeln!(
                self.body,
                "<line shape-rendering=\"crispEdges\"{} stroke=\"{}\" stroke-width=\"{}\" x1=\"{x1}\" y1=\"{y1}\" x2=\"{x2}\" y2=\"{y2}\"/>",
                opacity(c),
                color(c),
                style.stroke_width()
            );
        }
        Ok(())
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        (x0, y0): BackendCoord,
        (x1, y1): BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Infallible>> {
        let c = style.color();
        if c.alpha > 0.0 {
            let (f, s) = paint(c, fill);
            let _ = writeln!(
                self.body,
                "<rect shape-rendering=\"crispEdges\" x=\"{x0}\" y=\"{y0}\" width=\"{}\" height=\"{}\"{} fill=\"{f}\" stroke=\"{s}\"/>",
                x1 - x0,
                y1 - y0,
                opacity(c),
            );
        }
        Ok(())
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Infallible>> {
        let c = style.color();
        if c.alpha > 0.0 {
            let _ = writeln!(
                self.body,
                "<polyline stroke-linejoin=\"round\" stroke-linecap=\"round\" fill=\"none\"{} stroke=\"{}\" stroke-width=\"{}\" points=\"{}\"/>",
                opacity(c),
                color(c),
                style.stroke_width(),
                points(path)
            );
        }
        Ok(())
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        (x, y): BackendCoord,
        r: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Infallible>> {
        let c = style.color();
        if c.alpha > 0.0 {
            let (f, s) = paint(c, fill);
            let _ = writeln!(
                self.body,
                "<circle cx=\"{x}\" cy=\"{y}\" r=\"{r}\"{} fill=\"{f}\" stroke=\"{s}\" stroke-width=\"{}\"/>",
                opacity(c),
                style.stroke_width()
            );
        }
        Ok(())
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Infallible>> {
        let c = style.color();
        if c.alpha > 0.0 {
            let _ = writeln!(
                self.body,
                "<polygon{} fill=\"{}\" points=\"{}\"/>",
                opacity(c),
                color(c),
                points(path)
            );
        }
        Ok(())
    }

    fn draw_text<T: BackendTextStyle>(
        &mut self,
        raw: &str,
        style: &T,
        (x, y): BackendCoord,
    ) -> Result<(), DrawingErrorKind<Infallible>> {
        let c = style.color();
        // Line breaks collapse to spaces; characters XML forbids are dropped.
        let clean: String = raw
            .chars()
            .map(|ch| {
                if matches!(ch, '\n' | '\r' | '\t') || !is_xml_char(ch) {
                    ' '
                } else {
                    ch
                }
            })
            .collect();
        let body = escape(text::embed_rtl(clean.trim()).as_ref());
        if c.alpha <= 0.0 || body.is_empty() {
            return Ok(());
        }
        let anchor = style.anchor();
        let h = match anchor.h_pos {
            HPos::Left => "start",
            HPos::Right => "end",
            HPos::Center => "middle",
        };
        let size = style.size();
        let baseline = y as f64 + baseline_em(anchor.v_pos) * size;
        let (family, content) = match arabic_runs(&body) {
            Runs::None => (FONT_FAMILY, body),
            Runs::All => (ARABIC_FONT_FAMILY, body),
            Runs::Mixed(marked) => (ARABIC_FONT_FAMILY, marked),
        };
        let weight = match style.style() {
            FontStyle::Bold => " font-weight=\"bold\"",
            _ => "",
        };
        let _ = writeln!(
            self.body,
            "<text x=\"{x}\" y=\"{}\" text-anchor=\"{h}\" font-family=\"{family}\" font-size=\"{}\"{} fill=\"{}\"{weight}>{content}</text>",
            num(baseline),
            num(size),
            opacity(c),
            color(c),
        );
        Ok(())
    }

    fn estimate_text_size<T: BackendTextStyle>(
        &self,
        s: &str,
        style: &T,
    ) -> Result<(u32, u32), DrawingErrorKind<Infallible>> {
        // The bundled fonts' advances, not plotters' byte count.
        let bold = matches!(style.style(), FontStyle::Bold);
        let w = text::width(s, style.size(), bold);
        Ok((w.ceil() as u32, style.size().ceil() as u32))
    }
}

/// Arabic letters (and the presentation forms).
fn is_arabic(c: char) -> bool {
    matches!(c as u32, 0x0600..=0x06FF | 0x0750..=0x077F | 0x0870..=0x08FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF)
}

/// Whether the Arabic face can take `c`: it has a glyph for it (digits,
/// space and some punctuation besides Arabic; no Latin letters, no
/// parentheses, no "…"), or `c` is a bidi control (the embeddings around
/// a right-to-left label, marks), which shapers hide whatever the font.
///
/// Counting the controls as Arabic keeps a label such as U+202B "نحو 34"
/// U+202C in one span: a `<tspan>` costs usvg (inside typst, for the PDF)
/// a shaping of the whole label per span, and the controls alone made
/// three spans of most Arabic value labels. In a right-to-left chart, a
/// label that starts with Latin begins with the embedding, which then
/// plays the zero-width space's part (the first span is the Arabic one);
/// elsewhere the zero-width space stays.
fn arabic_face_has(c: char) -> bool {
    text::is_bidi_control(c) || text::face_has_char(text::ARABIC_REGULAR, c)
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

#[cfg(test)]
mod tests {
    use super::*;
    use plotters::prelude::{FontDesc, FontFamily, RGBColor, ShapeStyle, TextStyle};
    use plotters::style::text_anchor::Pos;
    use plotters::style::Color;

    fn style(h: HPos, v: VPos, bold: bool) -> TextStyle<'static> {
        TextStyle {
            font: FontDesc::new(
                FontFamily::Name(FONT_FAMILY),
                10.0,
                if bold {
                    FontStyle::Bold
                } else {
                    FontStyle::Normal
                },
            ),
            color: RGBColor(0, 0, 0).to_backend_color(),
            pos: Pos::new(h, v),
        }
    }

    fn meta<'a>(title: Option<&'a str>, alt: &'a str) -> Meta<'a> {
        Meta {
            title,
            alt,
            lang: Lang::Ar,
            class: "chart chart-bar",
        }
    }

    #[test]
    fn text_is_escaped_with_an_absolute_baseline_and_the_arabic_font() {
        let mut b = SvgBackend::new(10, 10);
        b.group("labels");
        b.draw_text(
            "<b> كازاخستان",
            &style(HPos::Center, VPos::Top, false),
            (5, 20),
        )
        .unwrap();
        let svg = b.finish(&meta(Some("a \"title\" <x>"), "alt & text"));
        assert!(svg.contains("<g class=\"labels\">\n<text x=\"5\" y=\"27.6\" text-anchor=\"middle\" font-family=\"Noto Sans Arabic, Noto Sans, sans-serif\" font-size=\"10\" fill=\"#000000\">\u{200B}<tspan font-family=\"Noto Sans, Noto Sans Arabic, sans-serif\">&lt;b&gt;</tspan> كازاخستان</text>\n</g>\n</svg>\n"), "{svg}");
        assert!(!svg.contains("dy="));
        assert!(svg.contains("aria-label=\"alt &amp; text\""));
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("class=\"chart chart-bar\""));
        assert!(svg.contains("<title>a &quot;title&quot; &lt;x&gt;</title>"));
        assert!(svg.contains("lang=\"ar\" direction=\"ltr\""));
    }

    #[test]
    fn every_text_is_escaped_and_control_characters_dropped() {
        let mut b = SvgBackend::new(10, 10);
        let s = style(HPos::Left, VPos::Center, true);
        b.draw_text("it's \"x\" & <y>\u{1}\nz", &s, (0, 0)).unwrap();
        b.draw_text("   ", &s, (0, 0)).unwrap();
        let svg = b.finish(&meta(None, "<alt>"));
        assert!(
            svg.contains(">it&#39;s &quot;x&quot; &amp; &lt;y&gt;  z</text>"),
            "{svg}"
        );
        assert!(svg.contains("font-weight=\"bold\""));
        assert!(svg.contains("y=\"3.5\""), "centre: 0.35 em below: {svg}");
        assert_eq!(svg.matches("<text").count(), 1, "empty text is skipped");
        assert!(svg.contains("<title>&lt;alt&gt;</title>"));
    }

    #[test]
    fn right_to_left_labels_are_embedded_in_logical_order() {
        let mut b = SvgBackend::new(10, 10);
        let s = style(HPos::Right, VPos::Bottom, false);
        b.draw_text("شركة Beit Alfa", &s, (9, 9)).unwrap();
        b.draw_text("كازاخستان وإسرائيل", &s, (9, 9)).unwrap();
        let svg = b.finish(&meta(None, "x"));
        let latin = |t: &str| format!("<tspan font-family=\"{FONT_FAMILY}\">{t}</tspan>");
        // U+202B … U+202C around the mixed label, in the Arabic span; the
        // letters as written.
        assert!(
            svg.contains(&format!(
                "text-anchor=\"end\" font-family=\"{ARABIC_FONT_FAMILY}\" font-size=\"10\" fill=\"#000000\">\u{202B}شركة {}\u{202C}</text>",
                latin("Beit Alfa"),
            )),
            "{svg}"
        );
        assert!(svg.contains(">كازاخستان وإسرائيل</text>"));
        assert!(svg.contains("y=\"6.5\""), "bottom: 0.25 em above: {svg}");
    }

    #[test]
    fn shapes_carry_colour_and_opacity_but_not_opaque_opacity() {
        let mut b = SvgBackend::new(10, 10);
        let solid: ShapeStyle = RGBColor(0, 0x72, 0xb2).filled();
        let faint: ShapeStyle = RGBColor(0xe6, 0x9f, 0).mix(0.25).filled();
        b.draw_rect((1, 2), (4, 8), &solid, true).unwrap();
        b.draw_line((0, 0), (5, 5), &solid).unwrap();
        b.fill_polygon([(0, 0), (1, 1), (2, 0)], &faint).unwrap();
        b.draw_circle((3, 3), 5, &solid, true).unwrap();
        b.draw_path([(0, 0), (2, 2)], &solid).unwrap();
        let svg = b.finish(&meta(None, "x"));
        assert!(svg.contains("<rect shape-rendering=\"crispEdges\" x=\"1\" y=\"2\" width=\"3\" height=\"6\" fill=\"#0072B2\" stroke=\"none\"/>"), "{svg}");
        assert!(
            svg.contains("<polygon opacity=\"0.25\" fill=\"#E69F00\" points=\"0,0 1,1 2,0 \"/>"),
            "{svg}"
        );
        assert!(svg.contains("<circle cx=\"3\" cy=\"3\" r=\"5\" fill=\"#0072B2\""));
        assert!(svg.contains("<polyline stroke-linejoin=\"round\""));
        assert!(!svg.contains("opacity=\"1\""));
    }

    #[test]
    fn arabic_runs_get_the_arabic_font() {
        let latin = |t: &str| format!("<tspan font-family=\"{FONT_FAMILY}\">{t}</tspan>");
        assert!(matches!(arabic_runs("Kazakhstan"), Runs::None));
        assert!(matches!(arabic_runs("كازاخستان وإسرائيل"), Runs::All));
        assert!(matches!(arabic_runs("عام 2021: كازاخستان"), Runs::All));
        // Bidi controls take no span of their own: shapers hide them.
        assert!(matches!(arabic_runs("\u{202B}نحو 34\u{202C}"), Runs::All));
        assert!(matches!(
            arabic_runs("\u{200F}كازاخستان\u{2069}"),
            Runs::All
        ));
        // As chart::png's test draws it (the same pixels as the old spans).
        let Runs::Mixed(m) = arabic_runs("\u{202B}شركة Beit Alfa (نحو 17)\u{202C}") else {
            panic!()
        };
        assert_eq!(
            m,
            format!(
                "\u{202B}شركة {}نحو 17{}\u{202C}",
                latin("Beit Alfa ("),
                latin(")")
            )
        );
        let Runs::Mixed(m) = arabic_runs("شركة Beit Alfa الإسرائيلية…") else {
            panic!()
        };
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
    fn estimates_text_with_the_real_fonts() {
        let b = SvgBackend::new(10, 10);
        let s = style(HPos::Left, VPos::Top, false);
        let (latin, _) = b.estimate_text_size("Kazakhstan", &s).unwrap();
        let (arabic, _) = b.estimate_text_size("كازاخستان", &s).unwrap();
        // plotters' estimate counts bytes: Arabic would come out twice as wide.
        assert!(arabic < latin + 10, "{arabic} vs {latin}");
    }
}
