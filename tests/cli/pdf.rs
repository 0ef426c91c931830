//! PDF briefings through Typst: pages, embedded fonts, extracted text in
//! logical order, escaping of Typst syntax in data, Typst template errors,
//! paper size. Uses poppler's pdfinfo, pdffonts and pdftotext (Debian's
//! poppler-utils, installed by .ci/run).

use std::path::Path;
use std::process::Command;

use crate::harness::{briefing_project, Project};

fn poppler(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool).args(args).output().unwrap_or_else(|e| {
        panic!(
            "{tool} is needed for the PDF tests: `cargo xtask test` installs it \
             (Debian package poppler-utils): {e}"
        )
    });
    assert!(
        out.status.success(),
        "{tool} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn pages(pdf: &Path) -> usize {
    let info = poppler("pdfinfo", &[pdf.to_str().unwrap()]);
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("page count")
}

fn text(pdf: &Path) -> String {
    poppler("pdftotext", &[pdf.to_str().unwrap(), "-"])
}

#[test]
fn both_briefings_render_to_pdf_with_embedded_fonts_and_their_text() {
    let p = briefing_project();
    let r = p.run(&["render", "--format", "html,pdf"]);
    let out = r.ok();
    assert!(
        out.contains("out/briefing-en.pdf") && out.contains("out/briefing-ar.pdf"),
        "{out}"
    );
    assert!(p.path().join("out/briefing-en.html").exists());
    for lang in ["en", "ar"] {
        let pdf = p.path().join(format!("out/briefing-{lang}.pdf"));
        let n = pages(&pdf);
        assert!((3..=14).contains(&n), "{lang}: {n} pages");
        let fonts = poppler("pdffonts", &[pdf.to_str().unwrap()]);
        let rows: Vec<&str> = fonts.lines().skip(2).collect();
        assert!(!rows.is_empty(), "{lang}: no fonts");
        for row in &rows {
            assert!(row.contains(" yes "), "{lang}: font not embedded: {row}");
        }
        assert!(fonts.contains("Noto"), "{lang}: {fonts}");
    }
    let en = text(&p.path().join("out/briefing-en.pdf"));
    for needle in [
        "Headline figures",
        "The trade mirror gap",
        "Tourism both ways",
        "Sources",
        "Provenance",
        "883,000,000",
        "11.18",
        "6 November 2025",
        // A chart's title: chart labels are text in the PDF, set by Typst
        // over the drawing (render::chart_labels).
        "Trade as each office reports it (USD millions)",
    ] {
        assert!(en.contains(needle), "English PDF lacks {needle:?}:\n{en}");
    }
    let ar = text(&p.path().join("out/briefing-ar.pdf"));
    for needle in [
        "أبرز الأرقام",
        "السياحة في الاتجاهين",
        "المصادر",
        "كازاخستان",
        "883,000,000",
        "نوفمبر",
    ] {
        assert!(
            ar.contains(needle),
            "Arabic PDF lacks {needle:?} in logical order:\n{ar}"
        );
    }
}

fn tiny(p: &Project, toml_extra: &str) {
    p.write(
        "dossier.toml",
        &format!("[[report]]\nname = \"t\"\ntitle = \"T\"\nscript = \"scripts/t.rhai\"\ntemplate = \"t.html\"\nformats = [\"pdf\"]\n{toml_extra}"),
    );
    p.write("reports/t.html", "<!DOCTYPE html><html lang=\"en\"><head><title>{{ title }}</title></head><body><h1>{{ title }}</h1><p>{{ note }}</p>{{ t | table(caption=note) }}</body></html>");
}

#[test]
fn typst_syntax_in_data_appears_literally() {
    let p = Project::new();
    tiny(&p, "");
    let hostile = "#set page(width: 1cm) *bold* $x^2$ @ref [a] ] \\\\ _u_ <l>";
    p.write(
        "scripts/t.rhai",
        &format!("let title = \"Escaping\";\nlet note = {hostile:?};\nlet t = frame(#{{ s: [{hostile:?}] }});\n"),
    );
    p.run(&["render"]).ok();
    let pdf = p.path().join("out/t.pdf");
    let txt = text(&pdf);
    let flat: String = txt.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("#set page(width: 1cm) *bold* $x^2$ @ref [a] ]"),
        "{txt}"
    );
    assert!(pages(&pdf) >= 1);
}

#[test]
fn a_typst_template_reads_structured_data_and_its_errors_name_the_line() {
    let p = Project::new();
    tiny(&p, "pdf_template = \"t.typ\"\n");
    p.write("scripts/t.rhai", "let title = \"From JSON\";\nlet note = \"#strong[not markup]\";\nlet t = frame(#{ s: [\"a\", \"b\"] });\n");
    p.write(
        "reports/t.typ",
        "#let ctx = json(\"/context.json\")\n= #ctx.title\n#ctx.note\n#for row in ctx.t [ - #row.s ]\n",
    );
    p.run(&["render"]).ok();
    let txt = text(&p.path().join("out/t.pdf"));
    assert!(
        txt.contains("From JSON") && txt.contains("#strong[not markup]"),
        "{txt}"
    );
    p.write(
        "reports/t.typ",
        "#let ctx = json(\"/context.json\")\n= #ctx.title\n#ctx.nosuchfield\n",
    );
    let err = p.run(&["render"]).fails().to_string();
    assert!(err.contains("reports/t.typ:3:"), "{err}");
    assert!(err.contains("#ctx.nosuchfield"), "{err}");
}

#[test]
fn paper_size_and_margins_are_configurable() {
    let p = Project::new();
    tiny(&p, "paper = \"us-letter\"\nmargin = \"1in\"\n");
    p.write(
        "scripts/t.rhai",
        "let title = \"Letter\";\nlet note = \"n\";\nlet t = frame(#{ s: [1] });\n",
    );
    p.run(&["render"]).ok();
    let info = poppler("pdfinfo", &[p.path().join("out/t.pdf").to_str().unwrap()]);
    assert!(info.contains("612 x 792 pts"), "{info}");
    let a4 = Project::new();
    tiny(&a4, "");
    a4.write(
        "scripts/t.rhai",
        "let title = \"A4\";\nlet note = \"n\";\nlet t = frame(#{ s: [1] });\n",
    );
    a4.run(&["render"]).ok();
    let info = poppler("pdfinfo", &[a4.path().join("out/t.pdf").to_str().unwrap()]);
    assert!(
        info.contains("595.276 x 841.89 pts") || info.contains("595.28 x 841.89 pts"),
        "{info}"
    );
    p.write(
        "dossier.toml",
        &p.read("dossier.toml")
            .replace("margin = \"1in\"", "margin = \"1in; #evil\""),
    );
    assert!(p.run(&["render"]).fails().contains("`margin`"));
}

/// How far down the page its lowest ink reaches (0 = top, 1 = bottom),
/// leaving out the footer band with the page number: from a low-resolution
/// grey rendering by poppler's pdftoppm (PGM).
fn ink_depths(pdf: &Path) -> Vec<f64> {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("page");
    poppler(
        "pdftoppm",
        &[
            "-r",
            "30",
            "-gray",
            pdf.to_str().unwrap(),
            prefix.to_str().unwrap(),
        ],
    );
    let mut files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| {
            let bytes = std::fs::read(f).unwrap();
            // P5 header: magic, width, height, maxval, each after white space.
            let mut fields = Vec::new();
            let mut i = 0;
            while fields.len() < 4 {
                while bytes[i].is_ascii_whitespace() {
                    i += 1;
                }
                let start = i;
                while !bytes[i].is_ascii_whitespace() {
                    i += 1;
                }
                fields.push(String::from_utf8_lossy(&bytes[start..i]).into_owned());
            }
            let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
            let pixels = &bytes[i + 1..];
            // The footer (page number) sits in the bottom margin: skip the last 8%.
            let body = h * 92 / 100;
            let lowest = (0..body)
                .rev()
                .find(|&y| pixels[y * w..(y + 1) * w].iter().any(|&p| p < 200))
                .unwrap_or(0);
            lowest as f64 / h as f64
        })
        .collect()
}

#[test]
fn headline_figures_are_a_grid_and_no_page_is_left_half_empty_by_a_chart() {
    let p = briefing_project();
    p.run(&["render", "--format", "pdf"]).ok();
    for lang in ["en", "ar"] {
        let pdf = p.path().join(format!("out/briefing-{lang}.pdf"));
        let text = poppler(
            "pdftotext",
            &["-layout", "-f", "1", "-l", "1", pdf.to_str().unwrap(), "-"],
        );
        // The headline figures side by side: on (about) one line of the
        // first page, not one under the other.
        let line_of = |needle: &str| {
            text.lines()
                .position(|l| l.contains(needle))
                .unwrap_or_else(|| panic!("{lang}: {needle} not on page 1:\n{text}"))
        };
        let rows = [line_of("4,875"), line_of("11.18"), line_of("123")];
        let spread = rows.iter().max().unwrap() - rows.iter().min().unwrap();
        assert!(
            spread <= 2,
            "{lang}: headline figures on lines {rows:?}:\n{text}"
        );
        let depths = ink_depths(&pdf);
        // Every page but the last two (the sources end where the provenance
        // appendix starts a new page) is filled past its middle.
        for (i, d) in depths
            .iter()
            .enumerate()
            .take(depths.len().saturating_sub(2))
        {
            assert!(
                *d > 0.5,
                "{lang}: page {} is filled only to {:.0}%",
                i + 1,
                d * 100.0
            );
        }
    }
}
