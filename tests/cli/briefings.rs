//! `dossier render` and the bundled briefings: outputs, golden files, HTML5
//! validity, right-to-left Arabic, escaping, data changes, failures that
//! keep the last good output, and template errors.

use crate::harness::{briefing_project, html5_errors, repo, Project};

/// Replaces what changes from run to run (time, hashes, sizes) for golden comparison.
fn normalise(html: &str) -> String {
    let time = regex::Regex::new(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ").unwrap();
    let hash = regex::Regex::new(r"[0-9a-f]{64}").unwrap();
    let bytes = regex::Regex::new(r#"<td class="num">\d+</td><td class="num">"#).unwrap();
    let version = regex::Regex::new(r"dossier \d+\.\d+\.\d+").unwrap();
    let today =
        regex::Regex::new(r#"<time class="generated" datetime="[^"]*">[^<]*</time>"#).unwrap();
    let html = today.replace_all(html, "<time class=\"generated\"><TODAY></time>");
    let html = html.as_ref();
    let s = time.replace_all(html, "<TIME>");
    let s = hash.replace_all(&s, "<SHA256>");
    let s = bytes.replace_all(&s, "<td class=\"num\"><BYTES></td><td class=\"num\">");
    version.replace_all(&s, "dossier <VERSION>").into_owned()
}

#[test]
fn renders_both_briefings_as_valid_single_file_html() {
    let p = briefing_project();
    let r = p.run(&["render"]);
    let out = r.ok();
    assert!(out.contains("ok    briefing-en"), "{out}");
    assert!(out.contains("ok    briefing-ar"), "{out}");
    assert!(
        out.contains("2 of 2 report(s) rendered, 4 file(s)"),
        "{out}"
    );
    for (lang, dir) in [("en", "ltr"), ("ar", "rtl")] {
        let html = p.read(&format!("out/briefing-{lang}.html"));
        assert!(
            html.starts_with("<!DOCTYPE html>\n<html lang=\"")
                && html.contains(&format!("<html lang=\"{lang}\" dir=\"{dir}\">")),
            "{lang}"
        );
        let errors = html5_errors(&html);
        assert!(errors.is_empty(), "{lang}: HTML5 parse errors: {errors:?}");
        // Single file: CSS and SVG inline, nothing fetched from a network host.
        assert!(html.contains("<style>") && html.contains("<svg"), "{lang}");
        for needle in [
            "<link",
            "<script",
            "src=\"http",
            "href=\"http",
            "@import",
            "url(http",
        ] {
            assert!(!html.contains(needle), "{lang}: found {needle}");
        }
        assert!(html.contains("@media print"), "{lang}: print stylesheet");
        assert!(html.contains("name=\"viewport\""), "{lang}: phone viewport");
        assert!(
            html.contains("id=\"provenance\""),
            "{lang}: provenance appendix"
        );
        assert!(
            html.contains("data/trade.csv") && html.contains("scripts/briefing.rhai"),
            "{lang}: provenance inputs"
        );
    }
}

#[test]
fn briefings_carry_the_figures_and_sections() {
    let p = briefing_project();
    p.run(&["render"]).ok();
    let en = p.read("out/briefing-en.html");
    for needle in [
        "Headline figures",
        "The trade mirror gap",
        "Tourism both ways",
        "Migration to Israel",
        "The security and surveillance record",
        "The diplomatic timeline",
        "Sources",
        "883,000,000",
        "79,000,000",
        "11.18",
        "January–August 2025",
        "6 November 2025",
        "May 2021",
        "4,875",
        "id=\"source-1\"",
        "Israel Central Bureau of Statistics — Statistical office",
    ] {
        assert!(en.contains(needle), "English briefing lacks {needle:?}");
    }
    let ar = p.read("out/briefing-ar.html");
    for needle in [
        "أبرز الأرقام",
        "فجوة «الإحصاءات المرآتية» في التجارة",
        "السياحة في الاتجاهين",
        "المصادر",
        "كازاخستان",
        "إسرائيل",
        "6 نوفمبر 2025",
        "مايو 2021",
        "يناير–أغسطس 2025",
        "883,000,000",
    ] {
        assert!(ar.contains(needle), "Arabic briefing lacks {needle:?}");
    }
}

#[test]
fn golden_briefings() {
    let p = briefing_project();
    p.run(&["render"]).ok();
    for lang in ["en", "ar"] {
        let got = normalise(&p.read(&format!("out/briefing-{lang}.html")));
        let golden = repo().join(format!("tests/golden/briefing-{lang}.html"));
        if std::env::var_os("DOSSIER_BLESS").is_some() {
            std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
            std::fs::write(&golden, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&golden).unwrap_or_else(|_| {
            panic!(
                "missing {}; run DOSSIER_BLESS=1 cargo test golden",
                golden.display()
            )
        });
        if got != want {
            let line = got
                .lines()
                .zip(want.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(0);
            panic!(
                "briefing-{lang}.html differs from its golden file at line {}:\n got: {}\nwant: {}\n(DOSSIER_BLESS=1 cargo test golden to accept)",
                line + 1,
                got.lines().nth(line).unwrap_or(""),
                want.lines().nth(line).unwrap_or("")
            );
        }
    }
}

#[test]
fn changing_a_data_value_changes_the_briefing() {
    let p = briefing_project();
    let trade = p
        .read("data/trade.csv")
        .replace(",2022-12-31,883000000,", ",2022-12-31,901000000,");
    p.write("data/trade.csv", &trade);
    p.run(&["render", "briefing-en"]).ok();
    let en = p.read("out/briefing-en.html");
    assert!(
        en.contains("901,000,000") && !en.contains("883,000,000"),
        "the new value must replace the old"
    );
    assert!(en.contains("11.41"), "the computed ratio follows the data");
}

#[test]
fn a_failed_report_keeps_its_last_good_output_and_the_others_render() {
    let p = briefing_project();
    p.run(&["render"]).ok();
    let good = p.read("out/briefing-ar.html");
    // Break the Arabic template only.
    let t = p
        .read("reports/briefing-ar.html")
        .replace("{{ report.title }}", "{{ report.title ");
    p.write("reports/briefing-ar.html", &t);
    let r = p.run(&["render"]);
    let err = r.fails();
    assert!(r.stdout.contains("ok    briefing-en"), "{}", r.stdout);
    assert!(r.stdout.contains("FAIL  briefing-ar"), "{}", r.stdout);
    assert!(err.contains("reports/briefing-ar.html:"), "{err}");
    assert_eq!(
        p.read("out/briefing-ar.html"),
        good,
        "the last good output must stay in place"
    );
}

fn tiny_report(p: &Project, template: &str, script: &str) {
    p.write(
        "dossier.toml",
        "[[report]]\nname = \"t\"\nscript = \"scripts/t.rhai\"\ntemplate = \"t.html\"\nlanguage = \"en\"\n",
    );
    p.write("scripts/t.rhai", script);
    p.write("reports/t.html", template);
}

#[test]
fn undefined_variable_names_the_template_line() {
    let p = Project::new();
    tiny_report(&p, "<p>ok</p>\n<p>{{ nosuch }}</p>\n", "let x = 1;");
    let err = p.run(&["render"]).fails().to_string();
    assert!(err.contains("reports/t.html:2:"), "{err}");
    assert!(err.contains("undefined"), "{err}");
    assert!(err.contains("<p>{{ nosuch }}</p>"), "{err}");
    assert!(
        err.contains("the variables are:") && err.contains("x"),
        "{err}"
    );
}

#[test]
fn template_syntax_error_names_the_file_and_line() {
    let p = Project::new();
    tiny_report(&p, "<h1>t</h1>\n{% for x in %}\n", "let x = 1;");
    let err = p.run(&["render"]).fails().to_string();
    assert!(err.contains("reports/t.html:2:"), "{err}");
    assert!(err.contains("syntax error"), "{err}");
    assert!(err.contains("{% for x in %}"), "{err}");
}

#[test]
fn hostile_data_values_are_escaped_everywhere() {
    let p = Project::new();
    let bad = "<script>alert(1)</script>";
    let attr = "\"onmouseover=";
    tiny_report(
        &p,
        "<!DOCTYPE html><html lang=\"en\"><head><title>{{ title }}</title></head><body>\n<h1>{{ title }}</h1>\n{{ t | table(caption=title) }}\n<p>{% for r in t %}{{ r.name }} {% endfor %}</p>\n{{ c }}\n</body></html>\n",
        &format!(
            "let title = {bad:?};\nlet t = frame(#{{ name: [{bad:?}, {attr:?}], v: [1, 2] }});\nlet c = chart(\"bar\", t, #{{ x: \"name\", y: \"v\", title: {attr:?} }});\n"
        ),
    );
    p.run(&["render"]).ok();
    let html = p.read("out/t.html");
    assert!(!html.contains("<script>"), "unescaped script tag:\n{html}");
    assert!(!html.contains("\"onmouseover="), "unescaped quote:\n{html}");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("onmouseover="));
    assert!(html5_errors(&html).is_empty());
}

/// Outputs get the mode of any new file (0666 less the umask), not the
/// 0600 of the temporary file they are written to before the rename: a
/// web server or a colleague must be able to read them.
#[cfg(unix)]
#[test]
fn outputs_are_readable_like_any_new_file() {
    use std::os::unix::fs::PermissionsExt;
    let p = briefing_project();
    p.run(&["render", "briefing-en", "--format", "html"]).ok();
    let mode = |rel: &str| {
        std::fs::metadata(p.path().join(rel))
            .expect(rel)
            .permissions()
            .mode()
            & 0o777
    };
    // The test and the binary it starts share the umask.
    std::fs::write(p.path().join("out/plain.txt"), "x").unwrap();
    assert_eq!(mode("out/briefing-en.html"), mode("out/plain.txt"));
}

#[test]
fn render_reports_unknown_names_and_formats() {
    let p = briefing_project();
    let r = p.run(&["render", "briefing-fr"]);
    assert!(
        r.fails().contains("unknown report `briefing-fr`"),
        "{}",
        r.stderr
    );
    let r = p.run(&["render", "--format", "docx"]);
    assert!(r.fails().contains("unknown format `docx`"), "{}", r.stderr);
}

#[test]
fn invalid_report_entries_are_rejected_with_the_field_named() {
    let p = Project::new();
    p.write("scripts/t.rhai", "let x = 1;");
    p.write("reports/t.html", "x");
    p.write("dossier.toml", "[[report]]\nname = \"t\"\nscript = \"scripts/t.rhai\"\ntemplate = \"t.html\"\nlanguage = \"fr\"\n");
    assert!(p
        .run(&["render"])
        .fails()
        .contains("`t`: `language` is `fr`"));
    p.write(
        "dossier.toml",
        "[[report]]\nname = \"t\"\nscript = \"scripts/none.rhai\"\ntemplate = \"t.html\"\n",
    );
    assert!(p
        .run(&["render"])
        .fails()
        .contains("`script` names `scripts/none.rhai`, which does not exist"));
    p.write("dossier.toml", "[[report]]\nname = \"t\"\nscript = \"scripts/t.rhai\"\ntemplate = \"t.html\"\ntempalte = \"x\"\n");
    assert!(p
        .run(&["render"])
        .fails()
        .contains("did you mean `template`?"));
}

#[test]
fn scripts_can_render_templates_and_write_outputs() {
    let p = Project::new();
    p.write(
        "reports/note.html",
        "<p>{{ who }} has {{ n | number }} rows</p>",
    );
    let r = p.script(
        "r",
        "let text = render(\"note.html\", #{ who: \"<b>trade</b>\", n: dataset(\"trade\").collect().height * 1000 });\nprint(text);\nwrite(\"out/note.html\", text);",
    );
    assert_eq!(
        r.ok().trim(),
        "<p>&lt;b&gt;trade&lt;&#x2f;b&gt; has 6,000 rows</p>"
    );
    assert_eq!(
        p.read("out/note.html"),
        "<p>&lt;b&gt;trade&lt;&#x2f;b&gt; has 6,000 rows</p>"
    );
}
