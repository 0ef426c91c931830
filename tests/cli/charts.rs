//! Charts: every kind renders through the binary; the SVG carries its
//! titles, axes and series as text (escaped, Arabic in logical order);
//! Arabic charts mirror; errors name what exists; save writes SVG and PNG
//! under out/ only.

use crate::harness::Project;

/// One `<text>` element: x, y, anchor and its text (tspans and bidi
/// controls removed).
#[derive(Debug)]
struct Text {
    x: f64,
    anchor: String,
    text: String,
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let i = tag.find(&key)? + key.len();
    let j = tag[i..].find('"')?;
    Some(&tag[i..i + j])
}

fn texts(svg: &str) -> Vec<Text> {
    let mut out = Vec::new();
    let mut rest = svg;
    while let Some(i) = rest.find("<text ") {
        let after = &rest[i..];
        let open_end = after.find('>').unwrap();
        let tag = &after[..open_end];
        let close = after.find("</text>").unwrap();
        let mut body = String::new();
        let mut inside = false;
        for c in after[open_end + 1..close].chars() {
            match c {
                '<' => inside = true,
                '>' => inside = false,
                '\u{200B}' | '\u{202B}' | '\u{202C}' => {}
                c if !inside => body.push(c),
                _ => {}
            }
        }
        out.push(Text {
            x: attr(tag, "x").unwrap().parse().unwrap(),
            anchor: attr(tag, "text-anchor").unwrap_or("start").to_string(),
            text: body,
        });
        rest = &after[close..];
    }
    out
}

fn find<'a>(all: &'a [Text], text: &str) -> &'a Text {
    all.iter()
        .find(|t| t.text == text)
        .unwrap_or_else(|| panic!("no text {text:?} in {all:#?}"))
}

const TRADE: &str = r#"let t = frame(#{
    year: [2020, 2020, 2022, 2022, 2025, 2025],
    reporter: ["ISR", "KAZ", "ISR", "KAZ", "ISR", "KAZ"],
    value_usd: [123000000, 369000000, 79000000, 883000000, 34000000, 80000000],
}, ["year", "reporter", "value_usd"]);
"#;

#[test]
fn charts_every_kind_renders_with_its_text_axes_and_series() {
    let p = Project::new();
    let script = format!(
        r#"{TRADE}
for kind in ["line", "bar", "grouped_bar", "stacked_bar", "area", "scatter"] {{
    let c = chart(kind, t, #{{ x: "year", y: "value_usd", series: "reporter", title: "Trade " + kind,
                              x_label: "Year", y_label: "US dollars", number_format: "compact" }});
    print(c);
    c.save("out/" + kind + ".svg");
}}
let ev = frame(#{{ date: ["1992-04-01", "2014-01-01", "2025-11-06"], title: ["Relations", "Defence deal", "Abraham Accords"],
                   kind: ["diplomacy", "security", "diplomacy"] }}, ["date", "title", "kind"])
    .with_columns(col("date").str.to_date());
let c = chart("timeline", ev, #{{ x: "date", series: "kind", title: "Trade timeline" }});
print(c);
c.save("out/timeline.svg");
"#
    );
    let out = p.script("kinds", &script);
    let out = out.ok();
    for kind in [
        "line",
        "bar",
        "grouped_bar",
        "stacked_bar",
        "area",
        "scatter",
        "timeline",
    ] {
        assert!(
            out.contains(&format!("Chart({kind}, 720×400)")),
            "{kind}: {out}"
        );
        let svg = p.read(&format!("out/{kind}.svg"));
        assert!(
            svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
            "{kind}"
        );
        assert!(svg.contains("role=\"img\""), "{kind}");
        assert!(svg.contains("<title>Trade"), "{kind}");
        assert!(svg.trim_end().ends_with("</svg>"), "{kind}");
        // usvg's right-to-left bug: no dy anywhere.
        assert!(!svg.contains(" dy="), "{kind}");
        let all = texts(&svg);
        if kind == "timeline" {
            find(&all, "Trade timeline");
            for label in [
                "Relations",
                "Defence deal",
                "Abraham Accords",
                "diplomacy",
                "security",
            ] {
                find(&all, label);
            }
            find(&all, "2000");
            continue;
        }
        find(&all, &format!("Trade {kind}"));
        find(&all, "Year");
        find(&all, "US dollars");
        find(&all, "ISR");
        find(&all, "KAZ");
        // Axes: years without separators, compact values.
        if kind != "scatter" {
            find(&all, "2020");
            find(&all, "2025");
        }
        find(&all, "0");
        assert!(
            all.iter().any(|t| t.text.ends_with('M')),
            "{kind}: {all:#?}"
        );
    }
    // Series: two polylines for the line chart, rectangles for the bars.
    let line = p.read("out/line.svg");
    assert_eq!(line.matches("<polyline").count(), 2);
    assert!(line.contains("stroke=\"#0072B2\"") && line.contains("stroke=\"#E69F00\""));
    let bars = p.read("out/grouped_bar.svg");
    assert!(bars.matches("fill=\"#0072B2\"").count() >= 3);
    assert!(p.read("out/area.svg").contains("<polygon"));
    assert!(p.read("out/scatter.svg").matches("<circle").count() >= 6);
}

#[test]
fn charts_number_formats_and_value_labels() {
    let p = Project::new();
    let script = format!(
        r#"{TRADE}
let f = t.filter(col("reporter") == "KAZ");
print(chart("bar", f, #{{ x: "year", y: "value_usd", value_labels: true }}).svg().contains(">883,000,000</text>"));
print(chart("bar", f, #{{ x: "year", y: "value_usd", value_labels: true, number_format: "compact" }}).svg().contains(">883M</text>"));
print(chart("bar", f, #{{ x: "year", y: "value_usd", value_labels: true, number_format: "plain" }}).svg().contains(">883000000</text>"));
print(chart("bar", frame(#{{ k: ["a"], v: [1234567890] }}), #{{ x: "k", y: "v", value_labels: true, number_format: "compact" }}).svg().contains(">1.2B</text>"));
print(chart("bar", frame(#{{ k: ["a"], v: [2.5] }}), #{{ x: "k", y: "v", value_labels: true, decimals: 2 }}).svg().contains(">2.50</text>"));
"#
    );
    assert_eq!(
        p.script("formats", &script).ok(),
        "true\ntrue\ntrue\ntrue\ntrue\n"
    );
}

#[test]
fn charts_escape_hostile_text_everywhere() {
    let p = Project::new();
    let code = r#"let bad = "<script>alert(1)</script>";
let q = "\"onmouseover=alert(2)";
let f = frame(#{ x: [bad, q, "ok"], s: [bad, q, bad], v: [1, 2, 3] }, ["x", "s", "v"]);
let c = chart("grouped_bar", f, #{ x: "x", y: "v", series: "s", title: bad, subtitle: q, x_label: bad, y_label: q,
                                   value_labels: true, annotations: [#{ x: "ok", y: 3, text: bad }] });
c.save("out/bad.svg");
c.save("out/bad.png");
let ev = frame(#{ year: [2001, 2002], what: [bad, q] });
chart("timeline", ev, #{ x: "year", label: "what", title: q }).save("out/bad_timeline.svg");
"#;
    p.script("escape", code).ok();
    for file in ["out/bad.svg", "out/bad_timeline.svg"] {
        let svg = p.read(file);
        assert!(!svg.contains("<script"), "{file}");
        assert!(!svg.contains("\"onmouseover"), "{file}");
        assert!(!svg.contains(" onmouseover"), "{file}");
        assert!(
            svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{file}"
        );
        assert!(svg.contains("&quot;onmouseover=alert(2)"), "{file}");
    }
    let svg = p.read("out/bad.svg");
    // As a title, a series name (legend), a category, an axis title, an annotation, and in the accessible name.
    assert!(svg.contains("<title>&lt;script&gt;alert(1)&lt;/script&gt;</title>"));
    assert!(svg.contains("aria-label=\"Grouped bar chart: &lt;script&gt;"));
    assert!(
        svg.matches(">&lt;script&gt;alert(1)&lt;/script&gt;</text>")
            .count()
            >= 3,
        "{svg}"
    );
    assert!(
        svg.matches(">&quot;onmouseover=alert(2)</text>").count() >= 3,
        "{svg}"
    );
    // Still a well-formed document: the PNG renderer parsed it.
    let png = std::fs::read(p.path().join("out/bad.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
}

#[test]
fn charts_keep_arabic_in_logical_order_and_mirror() {
    let p = Project::new();
    let code = r#"let f = frame(#{ country: ["كازاخستان", "إسرائيل"], v: [3, 1] }, ["country", "v"]);
let opts = #{ x: "country", y: "v", title: "التجارة الثنائية", y_label: "مليون دولار" };
chart("bar", f, opts).save("out/en.svg");
opts.lang = "ar";
chart("bar", f, opts).save("out/ar.svg");
"#;
    p.script("arabic", code).ok();
    let en = p.read("out/en.svg");
    let ar = p.read("out/ar.svg");
    for svg in [&en, &ar] {
        // As written, never reversed: the viewer shapes and orders it.
        assert!(svg.contains("كازاخستان"));
        assert!(svg.contains("إسرائيل"));
        assert!(svg.contains("التجارة الثنائية"));
        let reversed: String = "كازاخستان".chars().rev().collect();
        assert!(!svg.contains(&reversed));
        assert!(svg.contains("font-family=\"Noto Sans Arabic, Noto Sans, sans-serif\""));
    }
    assert!(ar.contains("lang=\"ar\"") && ar.contains("direction=\"ltr\""));
    let half = 720.0 / 2.0;
    // English: value axis on the left, categories left to right, title at the left.
    let t = texts(&en);
    for tick in ["0", "1", "2", "3"] {
        assert!(find(&t, tick).x < half, "{tick}");
    }
    assert!(find(&t, "كازاخستان").x < find(&t, "إسرائيل").x);
    assert_eq!(find(&t, "التجارة الثنائية").anchor, "start");
    // Arabic: value axis on the right, categories right to left, title at the right.
    let t = texts(&ar);
    for tick in ["0", "1", "2", "3"] {
        let label = find(&t, tick);
        assert!(label.x > half, "{tick}: {label:?}");
        assert_eq!(label.anchor, "start");
    }
    assert!(find(&t, "كازاخستان").x > find(&t, "إسرائيل").x);
    let title = find(&t, "التجارة الثنائية");
    assert!(title.x > half && title.anchor == "end", "{title:?}");
    assert!(find(&t, "مليون دولار").x > half);
}

#[test]
fn charts_mixed_direction_labels_read_right_to_left() {
    let p = Project::new();
    let code = r#"let f = frame(#{ k: ["شركة Beit Alfa الإسرائيلية"], v: [1] });
print(chart("bar", f, #{ x: "k", y: "v", lang: "ar", width: 900 }).svg());"#;
    let svg = p.script("mixed", code).ok().to_string();
    // A right-to-left embedding around the label, the letters in logical
    // order, Latin in the Latin font.
    assert!(
        svg.contains("\u{202B}</tspan>شركة <tspan font-family=\"Noto Sans, Noto Sans Arabic, sans-serif\">Beit Alfa</tspan> الإسرائيلية"),
        "{svg}"
    );
}

#[test]
fn charts_png_draws_arabic_text() {
    let p = Project::new();
    let code = r#"let f = frame(#{ x: [1, 2], v: [1, 2] });
chart("line", f, #{ x: "x", y: "v", lang: "ar", title: "كازاخستان وإسرائيل" }).save("out/titled.png");
chart("line", f, #{ x: "x", y: "v", lang: "ar" }).save("out/plain.png");
"#;
    p.script("png", code).ok();
    let titled = std::fs::read(p.path().join("out/titled.png")).unwrap();
    let plain = std::fs::read(p.path().join("out/plain.png")).unwrap();
    assert_eq!(&titled[..8], b"\x89PNG\r\n\x1a\n");
    let ink = |png: &[u8]| {
        let img = resvg::tiny_skia::Pixmap::decode_png(png).unwrap();
        assert_eq!((img.width(), img.height()), (1440, 800), "2× scale");
        img.pixels()
            .iter()
            .filter(|p| p.red() < 64 && p.green() < 64 && p.blue() < 64)
            .count()
    };
    // The title is drawn (near-black text #1a1a1a): thousands of dark pixels more.
    let (with_title, without) = (ink(&titled), ink(&plain));
    assert!(with_title > without + 1500, "{with_title} vs {without}");
}

#[test]
fn charts_errors_name_what_exists() {
    let p = Project::new();
    let r = p.script(
        "missing",
        r#"let f = frame(#{ year: [2020], value: [1] });
let c = chart("line", f, #{ x: "yeat", y: "value" });"#,
    );
    let err = r.fails();
    assert!(err.contains("chart: unknown column `yeat`"), "{err}");
    assert!(err.contains("the columns are: "), "{err}");
    assert!(err.contains("value") && err.contains("year"), "{err}");
    assert!(err.contains("did you mean `year`?"), "{err}");
    assert!(
        err.contains("missing.rhai:2:"),
        "points at the chart line: {err}"
    );

    let r = p.script(
        "kind",
        r#"chart("pie", frame(#{ a: [1] }), #{ x: "a", y: "a" });"#,
    );
    let err = r.fails();
    assert!(err.contains("unknown kind `pie`"), "{err}");
    assert!(
        err.contains("line, bar, grouped_bar, stacked_bar, area, scatter, timeline"),
        "{err}"
    );

    let r = p.script(
        "option",
        r#"chart("line", frame(#{ a: [1] }), #{ x: "a", y: "a", titl: "x" });"#,
    );
    assert!(r.fails().contains("did you mean `title`?"), "{}", r.stderr);

    let r = p.script(
        "text_y",
        r#"chart("line", frame(#{ a: [1], b: ["x"] }), #{ x: "a", y: "b" });"#,
    );
    assert!(
        r.fails().contains("column `b` holds String, not numbers"),
        "{}",
        r.stderr
    );

    let r = p.script(
        "annotation",
        r#"chart("line", frame(#{ a: [1, 2], b: [1, 2] }), #{ x: "a", y: "b", annotations: [#{ x: 9, y: 1, text: "far" }] });"#,
    );
    assert!(
        r.fails().contains("annotation x `9` is not on the x axis"),
        "{}",
        r.stderr
    );

    let r = p.script(
        "lang",
        r#"chart("line", frame(#{ a: [1] }), #{ x: "a", y: "a", lang: "fr" });"#,
    );
    assert!(r.fails().contains("unknown lang `fr`"), "{}", r.stderr);
}

#[test]
fn charts_save_svg_and_png_under_out_only() {
    let p = Project::new();
    let code = r#"let c = chart("bar", frame(#{ k: ["a", "b"], v: [1, 2] }), #{ x: "k", y: "v" });
c.save("out/c.svg");
c.save("out/sub/c.png");
print(c.svg() == read_text("out/c.svg"));
"#;
    assert_eq!(p.script("save", code).ok(), "true\n");
    let png = std::fs::read(p.path().join("out/sub/c.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");

    for (name, path) in [
        ("outside", "c.svg"),
        ("escape", "out/../c.png"),
        ("abs", "/tmp/dossier-chart.svg"),
    ] {
        let r = p.script(
            name,
            &format!(
                r#"chart("bar", frame(#{{ k: ["a"], v: [1] }}), #{{ x: "k", y: "v" }}).save("{path}");"#
            ),
        );
        assert!(
            r.fails().contains("only inside the output folder"),
            "{path}: {}",
            r.stderr
        );
    }
    assert!(!p.path().join("c.svg").exists() && !p.path().join("c.png").exists());
    let r = p.script(
        "ext",
        r#"chart("bar", frame(#{ k: ["a"], v: [1] }), #{ x: "k", y: "v" }).save("out/c.pdf");"#,
    );
    assert!(
        r.fails().contains("end the path in .svg or .png"),
        "{}",
        r.stderr
    );
}

#[test]
fn charts_over_the_bundled_dataset() {
    let p = Project::new();
    let code = r#"let t = dataset("trade").with_columns(col("period_start").dt.year().alias("year"));
let c = chart("line", t, #{ x: "year", y: "value_usd", series: "reporter", lang: "ar",
                           annotations: [#{ x: 2022, y: 883000000, text: "ذروة" }, #{ y: 500000000, text: "خط" }] });
print(c.svg().contains("ذروة"));
let e = chart("timeline", dataset("events"), #{ x: "date", series: "category", lang: "ar", height: 480 });
let s = e.svg();
print(s.contains("كازاخستان"));
print(s.split("r=\"5\"").len() > 11);
print(e.alt.starts_with("خط زمني"));
"#;
    assert_eq!(p.script("dataset", code).ok(), "true\ntrue\ntrue\ntrue\n");
}
