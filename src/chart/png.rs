//! PNG from the chart's SVG: usvg parses it with the bundled fonts only (no
//! system fonts: the same pixels on every machine), shapes Arabic with
//! harfrust and orders it with the Unicode bidi algorithm; resvg rasterises.
//! (plotters' own bitmap backend draws one glyph per character, unshaped.)

use std::sync::{Arc, OnceLock};

use resvg::tiny_skia;
use resvg::usvg::{self, fontdb};

use super::text::{face_has_char, FACES};

/// The font database: the bundled faces, with `sans-serif` (and the
/// default `serif`) mapped to Noto Sans.
pub fn fontdb() -> Arc<fontdb::Database> {
    static DB: OnceLock<Arc<fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = fontdb::Database::new();
        for f in FACES {
            db.load_font_data(f.data.to_vec());
        }
        db.set_sans_serif_family("Noto Sans");
        db.set_serif_family("Noto Sans");
        Arc::new(db)
    })
    .clone()
}

/// The bundled face a database face is, if any.
fn bundled_index(face: &fontdb::FaceInfo) -> Option<usize> {
    let bold = face.weight.0 >= 600;
    FACES
        .iter()
        .position(|f| f.bold == bold && face.families.iter().any(|(name, _)| name == f.family))
}

/// usvg options: bundled fonts; a character missing from the chosen font
/// falls back to a bundled face of the same weight that has it (usvg's
/// default would take the first face of any weight).
pub fn options() -> usvg::Options<'static> {
    let mut opts = usvg::Options {
        fontdb: fontdb(),
        font_family: "Noto Sans".into(),
        ..usvg::Options::default()
    };
    opts.font_resolver.select_fallback = Box::new(|c, used, db| {
        let bold = used
            .first()
            .and_then(|id| db.face(*id))
            .map(|f| f.weight.0 >= 600)
            .unwrap_or(false);
        let mut best: Option<(bool, fontdb::ID)> = None;
        for face in db.faces() {
            if used.contains(&face.id) {
                continue;
            }
            let Some(i) = bundled_index(face) else {
                continue;
            };
            if !face_has_char(i, c) {
                continue;
            }
            let same_weight = FACES[i].bold == bold;
            if same_weight {
                return Some(face.id);
            }
            if best.is_none() {
                best = Some((same_weight, face.id));
            }
        }
        best.map(|(_, id)| id)
    });
    opts
}

/// Renders an SVG document to PNG bytes at `scale` (2.0 for sharp text on
/// high-density screens and in print), on a white background.
pub fn render(svg: &str, scale: f32) -> Result<Vec<u8>, String> {
    // usvg and resvg are not expected to panic; if they do, the run gets an
    // error rather than a crash.
    std::panic::catch_unwind(|| render_inner(svg, scale))
        .unwrap_or_else(|_| Err("the SVG renderer failed on this chart".into()))
}

fn render_inner(svg: &str, scale: f32) -> Result<Vec<u8>, String> {
    let opts = options();
    let tree = usvg::Tree::from_str(svg, &opts).map_err(|e| format!("invalid SVG: {e}"))?;
    let size = tree.size();
    let w = (size.width() * scale).ceil() as u32;
    let h = (size.height() * scale).ceil() as u32;
    let mut pixmap = tiny_skia::Pixmap::new(w.max(1), h.max(1))
        .ok_or_else(|| format!("cannot make a {w}×{h} image"))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| format!("cannot encode PNG: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glyphs(svg: &str) -> Vec<(String, f32, u32)> {
        let tree = usvg::Tree::from_str(svg, &options()).unwrap();
        let mut out = Vec::new();
        fn walk(g: &usvg::Group, out: &mut Vec<(String, f32, u32)>) {
            for n in g.children() {
                match n {
                    usvg::Node::Group(g) => walk(g, out),
                    usvg::Node::Text(t) => {
                        for span in t.layouted() {
                            for gl in &span.positioned_glyphs {
                                out.push((gl.text.clone(), gl.transform().tx, gl.id.0));
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        walk(tree.root(), &mut out);
        out
    }

    #[test]
    fn arabic_is_shaped_and_ordered_right_to_left() {
        let word = "كازاخستان";
        let svg = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"200\" height=\"40\"><text x=\"10\" y=\"30\" font-family=\"Noto Sans, Noto Sans Arabic, sans-serif\" font-size=\"20\">{word}</text></svg>"
        );
        let g = glyphs(&svg);
        assert_eq!(g.len(), word.chars().count(), "{g:?}");
        // The first letter is drawn rightmost, the last leftmost.
        let first = g.iter().find(|x| x.0 == "ك").unwrap();
        let last = g.iter().find(|x| x.0 == "ن").unwrap();
        assert!(g.iter().all(|x| x.1 <= first.1 && x.1 >= last.1), "{g:?}");
        // Joined forms differ from the isolated letters that a
        // non-shaping renderer would draw.
        let isolated = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"200\" height=\"40\"><text x=\"10\" y=\"30\" font-family=\"Noto Sans\" font-size=\"20\">{}</text></svg>",
            word.chars().map(|c| c.to_string()).collect::<Vec<_>>().join(" ")
        );
        let iso: std::collections::HashSet<u32> = glyphs(&isolated).iter().map(|x| x.2).collect();
        let joined: std::collections::HashSet<u32> = g.iter().map(|x| x.2).collect();
        assert!(
            joined.difference(&iso).count() >= 3,
            "{joined:?} vs {iso:?}"
        );
    }

    #[test]
    fn mixed_and_ligated_arabic_labels_have_no_missing_glyphs() {
        use crate::chart::spec::{Data, Kind, Lang, Options, XData};
        let labels = [
            "تقيمان علاقاتهما الدب…",
            "شركة Beit Alfa الإسرائيلية",
            "Technologies الإسرائيل…",
            "لا (2021)",
        ];
        let data = Data {
            x_name: "label".into(),
            x: XData::Text(labels.iter().map(|s| Some(s.to_string())).collect()),
            y: vec![("v".into(), vec![Some(1.0), Some(2.0), Some(3.0), Some(4.0)])],
            ..Data::default()
        };
        let mut o = Options::new(Kind::Bar);
        o.lang = Lang::Ar;
        o.width = 1400;
        o.title = Some("التجارة بين كازاخستان وإسرائيل (USD)".into());
        let chart = crate::chart::render(&data, &o).unwrap();
        for l in labels {
            assert!(chart.svg.contains(l.split(' ').next().unwrap()));
        }
        let g = glyphs(&chart.svg);
        let missing: Vec<_> = g.iter().filter(|x| x.2 == 0).collect();
        assert!(missing.is_empty(), "{missing:?}");
    }

    #[test]
    fn bidi_controls_in_the_arabic_span_draw_as_in_a_latin_span() {
        // The backend keeps U+202B … U+202C in the Arabic span (one shaping)
        // rather than in Latin <tspan>s (a shaping per span): the shaper
        // hides them either way, so the pixels must not change.
        let label = |body: &str| {
            let svg = format!(
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"220\" height=\"40\"><text x=\"210\" y=\"28\" text-anchor=\"end\" font-family=\"Noto Sans Arabic, Noto Sans, sans-serif\" font-size=\"18\" fill=\"#1A1A1A\">{body}</text></svg>"
            );
            let missing = glyphs(&svg).into_iter().filter(|g| g.2 == 0).count();
            assert_eq!(missing, 0, "{body}");
            render(&svg, 2.0).unwrap()
        };
        let latin = |t: &str| {
            format!("<tspan font-family=\"Noto Sans, Noto Sans Arabic, sans-serif\">{t}</tspan>")
        };
        // What the backend writes now, and what it wrote before.
        let one_span = label(&format!(
            "\u{202B}شركة {}نحو 17{}\u{202C}",
            latin("Beit Alfa ("),
            latin(")")
        ));
        let spans = label(&format!(
            "\u{200B}{}شركة {}نحو 17{}",
            latin("\u{202B}"),
            latin("Beit Alfa ("),
            latin(")\u{202C}")
        ));
        assert!(one_span == spans, "the controls' span changed the drawing");
        // And the embedding matters: without it the Latin words sit at the
        // right of the Arabic one.
        let plain = label(&format!(
            "شركة {}نحو 17{}",
            latin("Beit Alfa ("),
            latin(")")
        ));
        assert!(one_span != plain, "the embedding changed nothing");
    }

    #[test]
    fn renders_png() {
        let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"20\" height=\"10\"><rect width=\"10\" height=\"10\" fill=\"#000\"/></svg>";
        let png = render(svg, 2.0).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let img = tiny_skia::Pixmap::decode_png(&png).unwrap();
        assert_eq!((img.width(), img.height()), (40, 20));
    }
}
