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
