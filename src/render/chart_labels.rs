//! Chart labels in PDFs, set by Typst instead of inside the chart's SVG.
//!
//! A chart in a PDF is its SVG embedded as a vector image. Typst reads an
//! SVG with usvg, which shapes every `<text>` with a freshly parsed font
//! face and shaping plan, then flattens every glyph to an outline (parsing
//! the font again for each glyph); krilla then draws the text once more at
//! export. For the hundred or so short labels of a briefing, that was a
//! sixth of the instructions of `dossier render --format html,pdf`.
//!
//! So the PDF writer splits one of our charts ([`split`]) into the drawing
//! without its text, still one SVG image, and its labels, which it places
//! over the image as Typst text ([`markup`]): the same baseline, anchor,
//! font families, size, weight and colour, shaped by Typst with the faces
//! and plans it has already loaded. The pages come out the same, pixel for
//! pixel (BENCHMARKS.md, issue 12). The text stays text: it can be selected,
//! searched and read aloud.
//!
//! Only a chart from [`crate::chart`]'s SVG backend is split: its root has
//! the class `chart`, and it writes every label in one form. An SVG from
//! anywhere else, or a chart with a `<text>` in any other form, stays one
//! image, as before.

use super::pdf::typst_str;

/// Where a label's x coordinate is: its start, middle or end (SVG's
/// `text-anchor`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

impl Anchor {
    fn name(self) -> &'static str {
        match self {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        }
    }
}

/// One `<text>` of a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    /// The anchor point, in the SVG's user units; `y` is the baseline.
    pub x: f64,
    pub y: f64,
    pub anchor: Anchor,
    /// Font families in order, without the generic `sans-serif`.
    pub families: Vec<String>,
    /// Font size in user units.
    pub size: f64,
    /// `#RRGGBB`.
    pub fill: String,
    /// 0 to 1.
    pub opacity: f64,
    pub bold: bool,
    /// The text, unescaped, with its bidi controls; a `<tspan>`'s font
    /// family is left to Typst's fallback through `families`, which picks
    /// the same face: the backend puts in a span of the other family exactly
    /// what the first family lacks.
    pub text: String,
}

/// A chart split for the PDF.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    /// The SVG without its `<text>` elements.
    pub drawing: String,
    /// The `viewBox` size, in user units.
    pub width: f64,
    pub height: f64,
    pub labels: Vec<Label>,
}

/// Splits one of dossier's chart SVGs into the drawing and its labels; `None`
/// for an SVG that is not a dossier chart or holds text in any other form
/// (it is then embedded whole).
///
/// ```
/// use dossier::render::chart_labels::{split, Anchor};
/// let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"200\" height=\"100\" \
///     viewBox=\"0 0 200 100\" class=\"chart chart-bar\">\n\
///     <rect x=\"0\" y=\"0\" width=\"10\" height=\"10\" fill=\"#0072B2\"/>\n\
///     <text x=\"190\" y=\"20\" text-anchor=\"end\" font-family=\"Noto Sans, Noto Sans Arabic, sans-serif\" \
///     font-size=\"12\" fill=\"#1A1A1A\">Trade &amp; tourism</text>\n</svg>";
/// let s = split(svg).unwrap();
/// assert!(!s.drawing.contains("<text") && s.drawing.contains("<rect"));
/// assert_eq!((s.width, s.height), (200.0, 100.0));
/// assert_eq!(s.labels[0].text, "Trade & tourism");
/// assert_eq!(s.labels[0].anchor, Anchor::End);
/// assert_eq!(s.labels[0].families, ["Noto Sans", "Noto Sans Arabic"]);
/// ```
pub fn split(svg: &str) -> Option<Split> {
    let root_end = svg.find('>')?;
    let root = svg.get(..root_end)?.strip_prefix("<svg")?;
    let root_attrs = attributes(root)?;
    let class = value(&root_attrs, "class")?;
    if !class.split_whitespace().any(|c| c == "chart") {
        return None;
    }
    let view_box: Vec<f64> = value(&root_attrs, "viewBox")?
        .split_whitespace()
        .map(|v| v.parse().ok())
        .collect::<Option<_>>()?;
    let [left, top, width, height] = view_box[..] else {
        return None;
    };
    if left != 0.0 || top != 0.0 {
        return None;
    }
    if !(width > 0.0 && height > 0.0 && width.is_finite() && height.is_finite()) {
        return None;
    }

    let mut drawing = String::with_capacity(svg.len());
    let mut labels = Vec::new();
    let mut rest = svg;
    while let Some(i) = rest.find("<text") {
        drawing.push_str(&rest[..i]);
        let after = &rest[i + "<text".len()..];
        let tag_end = after.find('>')?;
        let close = after.find("</text>")?;
        let label = label(&after[..tag_end], after.get(tag_end + 1..close)?)?;
        let after = &after[close + "</text>".len()..];
        rest = after.strip_prefix('\n').unwrap_or(after);
        labels.push(label);
    }
    drawing.push_str(rest);
    Some(Split {
        drawing,
        width,
        height,
        labels,
    })
}

/// A label from the inside of a `<text …>` start tag and its content.
fn label(attrs: &str, content: &str) -> Option<Label> {
    // `<textPath`, `<text/>`: not the backend's form.
    if !attrs.starts_with(' ') || attrs.ends_with('/') {
        return None;
    }
    let attrs = attributes(attrs)?;
    let known = [
        "x",
        "y",
        "text-anchor",
        "font-family",
        "font-size",
        "fill",
        "opacity",
        "font-weight",
    ];
    if attrs.iter().any(|(k, _)| !known.contains(&k.as_str())) {
        return None;
    }
    let number = |name: &str| {
        value(&attrs, name)?
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
    };
    let anchor = match value(&attrs, "text-anchor").unwrap_or("start") {
        "start" => Anchor::Start,
        "middle" => Anchor::Middle,
        "end" => Anchor::End,
        _ => return None,
    };
    let families: Vec<String> = value(&attrs, "font-family")?
        .split(',')
        .map(str::trim)
        .filter(|f| !f.is_empty() && !matches!(*f, "sans-serif" | "serif" | "monospace"))
        .map(str::to_string)
        .collect();
    if families.is_empty() {
        return None;
    }
    let fill = value(&attrs, "fill").unwrap_or("#000000");
    if !(fill.len() == 7
        && fill.starts_with('#')
        && fill[1..].bytes().all(|b| b.is_ascii_hexdigit()))
    {
        return None;
    }
    let opacity = match value(&attrs, "opacity") {
        None => 1.0,
        Some(v) => v.parse::<f64>().ok().filter(|o| (0.0..=1.0).contains(o))?,
    };
    let bold = match value(&attrs, "font-weight") {
        None | Some("normal") => false,
        Some("bold") => true,
        Some(_) => return None,
    };
    Some(Label {
        x: number("x")?,
        y: number("y")?,
        anchor,
        families,
        size: number("font-size").filter(|s| *s > 0.0)?,
        fill: fill.to_string(),
        opacity,
        bold,
        text: content_text(content)?,
    })
}

/// The text of a `<text>`'s content: character data and
/// `<tspan font-family="…">` spans, nothing else.
fn content_text(content: &str) -> Option<String> {
    let mut out = String::new();
    let mut rest = content;
    while let Some(i) = rest.find('<') {
        out.push_str(&unescape(&rest[..i])?);
        let after = &rest[i..];
        let tag_end = after.find('>')?;
        let tag = &after[..=tag_end];
        let span_start = tag
            .strip_prefix("<tspan")
            .and_then(|a| a.strip_suffix('>'))
            .and_then(attributes)
            .is_some_and(|a| a.len() == 1 && a[0].0 == "font-family");
        if !(span_start || tag == "</tspan>") {
            return None;
        }
        rest = &after[tag_end + 1..];
    }
    out.push_str(&unescape(rest)?);
    Some(out)
}

/// `name="value"` pairs, as the backend writes them (values escaped, so no
/// quote inside); `None` for anything else.
fn attributes(s: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut rest = s.trim_start();
    while !rest.is_empty() {
        let eq = rest.find("=\"")?;
        let name = &rest[..eq];
        if name.is_empty() || name.contains(char::is_whitespace) {
            return None;
        }
        let after = &rest[eq + 2..];
        let close = after.find('"')?;
        out.push((name.to_string(), unescape(&after[..close])?));
        rest = after[close + 1..].trim_start();
    }
    Some(out)
}

fn value<'a>(attrs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// XML character data back to text: the five entities and numeric
/// references; `None` for any other `&`.
fn unescape(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let semi = after.find(';')?;
        let entity = &after[..semi];
        let c = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(hex) = entity.strip_prefix("#x") {
                    u32::from_str_radix(hex, 16).ok()?
                } else {
                    entity.strip_prefix('#')?.parse().ok()?
                };
                char::from_u32(code)?
            }
        };
        out.push(c);
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// The Typst function that sets one label (defined once per document, before
/// any chart): its text box has no height, with its top edge on the baseline,
/// in a box twice the chart's width aligned on the anchor, so a label never
/// wraps.
pub const LABEL_FUNCTION: &str = r#"#let dossier-chart-label(u, wide, x, y, anchor, font, size, fill, weight, body) = {
  let t = text(font: font, size: size * u, fill: fill, weight: weight, top-edge: "baseline", bottom-edge: "baseline", body)
  let (dx, al) = if anchor == "end" { (x * u - wide, right) } else if anchor == "middle" { (x * u - wide / 2, center) } else { (x * u, left) }
  place(top + left, dx: dx, dy: y * u, box(width: wide, align(al, t)))
}
"#;

/// Typst markup for a split chart: the drawing (the image at `image_path`)
/// as wide as the container, and the labels over it, scaled with it. Needs
/// [`LABEL_FUNCTION`].
pub fn markup(split: &Split, image_path: &str) -> String {
    let mut out = format!(
        "#layout(size => {{\n  let u = size.width / {w}\n  box(width: size.width, height: {h} * u, {{\n    place(top + left, image({path}, width: 100%))\n",
        w = split.width,
        h = split.height,
        path = typst_str(image_path),
    );
    for l in &split.labels {
        let families: Vec<String> = l.families.iter().map(|f| typst_str(f)).collect();
        let alpha = (l.opacity * 255.0).round() as u8;
        out.push_str(&format!(
            "    dossier-chart-label(u, 2 * size.width, {x}, {y}, \"{anchor}\", ({families},), {size}, rgb(\"{fill}{alpha:02X}\"), \"{weight}\", {text})\n",
            x = l.x,
            y = l.y,
            anchor = l.anchor.name(),
            families = families.join(", "),
            size = l.size,
            fill = l.fill,
            weight = if l.bold { "bold" } else { "regular" },
            text = typst_str(&l.text),
        ));
    }
    out.push_str("  })\n})");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(texts: &str) -> String {
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"720\" height=\"400\" viewBox=\"0 0 720 400\" class=\"chart chart-bar\" role=\"img\" aria-label=\"A &amp; B\" lang=\"ar\" direction=\"ltr\" font-family=\"Noto Sans, Noto Sans Arabic, sans-serif\">\n<title>T</title>\n<g class=\"labels\">\n{texts}</g>\n</svg>\n"
        )
    }

    #[test]
    fn a_backend_chart_splits_into_drawing_and_labels() {
        let svg = chart(
            "<text x=\"603\" y=\"316\" text-anchor=\"middle\" font-family=\"Noto Sans Arabic, Noto Sans, sans-serif\" font-size=\"12\" opacity=\"0.5\" fill=\"#1A1A1A\" font-weight=\"bold\">\u{202B}نحو <tspan font-family=\"Noto Sans, Noto Sans Arabic, sans-serif\">(</tspan>34&#39;\u{202C}</text>\n<rect x=\"1\" y=\"2\" width=\"3\" height=\"4\" fill=\"#FFFFFF\"/>\n",
        );
        let s = split(&svg).expect("a backend chart");
        assert_eq!(
            s.drawing,
            chart("<rect x=\"1\" y=\"2\" width=\"3\" height=\"4\" fill=\"#FFFFFF\"/>\n")
        );
        assert_eq!(
            s.labels,
            vec![Label {
                x: 603.0,
                y: 316.0,
                anchor: Anchor::Middle,
                families: vec!["Noto Sans Arabic".into(), "Noto Sans".into()],
                size: 12.0,
                fill: "#1A1A1A".into(),
                opacity: 0.5,
                bold: true,
                text: "\u{202B}نحو (34'\u{202C}".into(),
            }]
        );
        let m = markup(&s, "/charts/chart-1.svg");
        assert!(m.contains("let u = size.width / 720\n"), "{m}");
        assert!(m.contains("height: 400 * u"), "{m}");
        assert!(
            m.contains("image(\"/charts/chart-1.svg\", width: 100%)"),
            "{m}"
        );
        assert!(
            m.contains("dossier-chart-label(u, 2 * size.width, 603, 316, \"middle\", (\"Noto Sans Arabic\", \"Noto Sans\",), 12, rgb(\"#1A1A1A80\"), \"bold\", \"\u{202B}نحو (34'\u{202C}\")"),
            "{m}"
        );
    }

    #[test]
    fn other_svgs_and_other_text_forms_stay_whole() {
        // Not a chart of ours.
        assert_eq!(
            split(
                "<svg viewBox=\"0 0 10 10\"><text x=\"1\" y=\"1\" font-family=\"A\">x</text></svg>"
            ),
            None
        );
        assert_eq!(
            split("<svg class=\"charts\" viewBox=\"0 0 10 10\"></svg>"),
            None
        );
        // No usable viewBox.
        assert_eq!(split("<svg class=\"chart\" width=\"10\"></svg>"), None);
        assert_eq!(
            split("<svg class=\"chart\" viewBox=\"5 0 10 10\"></svg>"),
            None
        );
        let whole = |texts: &str| split(&chart(texts));
        let plain = "<text x=\"1\" y=\"2\" text-anchor=\"start\" font-family=\"Noto Sans\" font-size=\"10\" fill=\"#000000\">a</text>\n";
        assert!(whole(plain).is_some());
        // Attributes the Typst side would not carry over.
        assert_eq!(
            whole(&plain.replace("<text x", "<text transform=\"rotate(90)\" x")),
            None
        );
        assert_eq!(whole(&plain.replace("#000000", "red")), None);
        assert_eq!(whole(&plain.replace("\"start\"", "\"inherit\"")), None);
        assert_eq!(
            whole(&plain.replace("font-size=\"10\"", "font-size=\"1em\"")),
            None
        );
        // Elements inside the text other than a font-family span.
        assert_eq!(
            whole(&plain.replace(">a<", "><tspan dy=\"3\">a</tspan><")),
            None
        );
        assert_eq!(whole(&plain.replace(">a<", "><a href=\"#\">a</a><")), None);
        // Other text elements and unknown entities.
        assert_eq!(whole("<textPath href=\"#p\">a</textPath>\n"), None);
        assert_eq!(whole(&plain.replace(">a<", ">&nbsp;<")), None);
        // An empty chart splits into no labels.
        assert_eq!(whole("").map(|s| s.labels.len()), Some(0));
    }

    #[test]
    fn unescaping_reverses_the_backend_escaper() {
        let raw = "<b> & \"q\" 'a' 34%";
        let escaped = crate::format::escape_html(raw);
        assert_eq!(unescape(&escaped).as_deref(), Some(raw));
        assert_eq!(
            unescape("&#x202B;&#1575;").as_deref(),
            Some("\u{202B}\u{0627}")
        );
        assert_eq!(unescape("a & b"), None);
    }
}
