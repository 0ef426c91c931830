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
    // A right-to-left embedding around the label (in the Arabic span: the
    // controls need no font of their own), the letters in logical order,
    // Latin in the Latin font.
    assert!(
        svg.contains(">\u{202B}شركة <tspan font-family=\"Noto Sans, Noto Sans Arabic, sans-serif\">Beit Alfa</tspan> الإسرائيلية"),
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

/// The `<text>` elements of one `<g class="…">` group.
fn group_texts(svg: &str, class: &str) -> Vec<Text> {
    let open = format!("<g class=\"{class}\">");
    let Some(i) = svg.find(&open) else {
        return Vec::new();
    };
    let rest = &svg[i..];
    let end = rest.find("</g>").unwrap();
    texts(&rest[..end])
}

const EVENTS: &str = r#"let ev = frame(#{
    date: ["1992-04-01", "2014-01-01", "2020-01-01", "2021-05-01", "2022-09-28", "2025-01-01", "2025-11-01", "2025-11-06", "2025-11-07"],
    precision: ["month", "year", "year", "month", "day", "year", "month", "day", "day"],
    title: ["Kazakhstan and Israel establish diplomatic relations",
            "Defence agreement with arms deals: drones, guided missiles, radar and communications systems from Elbit Systems and Israel Aerospace Industries",
            "The Abraham Accords are signed",
            "Kazakhstan Aviation Industry opens a plant producing and servicing drones under an Elbit Systems licence, the first local drone industry in Central Asia on Israeli technology",
            "A paper for the Al Jazeera Centre for Studies on the periphery strategy",
            "Axios reports that President Tokayev intends to announce joining the Abraham Accords",
            "On Truth Social, Trump says an official signing ceremony will be held soon",
            "Trump announces that Kazakhstan has officially joined the Abraham Accords",
            "The National Interest: the accession paves the way for normalisation beyond the Middle East"],
    title_ar: ["كازاخستان وإسرائيل تقيمان علاقاتهما الدبلوماسية",
               "تل أبيب وأستانا توقعان اتفاقًا دفاعيًا شمل صفقات تسليح: طائرات مسيرة وصواريخ موجهة وأنظمة رادار واتصالات من إنتاج إلبيت سيستمز وIsrael Aerospace Industries",
               "توقيع اتفاقات إبراهام",
               "شركة Kazakhstan Aviation Industry تدشن مصنعًا لإنتاج وصيانة الطائرات المسيرة بترخيص من إلبيت سيستمز",
               "ورقة لمركز الجزيرة للدراسات عن إستراتيجية الأطراف",
               "تسريبات نقلها موقع أكسيوس عن نية توكاييف الانضمام إلى اتفاقية إبراهام",
               "ترامب في تدوينة على تروث سوشيال: مراسم التوقيع الرسمية ستُعقد قريبًا",
               "ترامب يعلن انضمام كازاخستان رسميا إلى اتفاقيات إبراهام",
               "ناشونال إنترست: الانضمام يمهّد الطريق لتوسيع التطبيع خارج الشرق الأوسط"],
    kind: ["diplomacy", "security", "normalisation", "security", "analysis", "normalisation", "normalisation", "normalisation", "analysis"],
}, ["date", "precision", "title", "title_ar", "kind"]).with_columns(col("date").str.to_date());
"#;

#[test]
fn charts_timeline_reads_in_full_with_dates_at_their_precision() {
    let p = Project::new();
    let script = format!(
        r#"{EVENTS}
let en = chart("timeline", ev, #{{ x: "date", label: "title", series: "kind", title: "Over time" }});
en.save("out/en.svg");
en.save("out/en.png");
let ar = chart("timeline", ev, #{{ x: "date", label: "title_ar", series: "kind", lang: "ar", title: "عبر الزمن" }});
ar.save("out/ar.svg");
ar.save("out/ar.png");
print(en);
"#
    );
    let out = p.script("timeline", &script).ok().to_string();
    for (lang, file) in [("en", "out/en.svg"), ("ar", "out/ar.svg")] {
        let svg = p.read(file);
        assert!(!svg.contains('…'), "{lang}: a label was cut: {svg}");
        assert!(!svg.contains(" dy="), "{lang}");
        let labels = group_texts(&svg, "event-labels");
        let all: String = labels
            .iter()
            .map(|t| t.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        // Every label in full, in logical order, whatever the wrapping.
        let words = if lang == "en" {
            "Defence agreement with arms deals: drones, guided missiles, radar and communications systems from Elbit Systems and Israel Aerospace Industries"
        } else {
            "تل أبيب وأستانا توقعان اتفاقًا دفاعيًا شمل صفقات تسليح: طائرات مسيرة وصواريخ موجهة وأنظمة رادار واتصالات من إنتاج إلبيت سيستمز وIsrael Aerospace Industries"
        };
        assert!(all.contains(words), "{lang}: {all}");
        // Year-precision events say their year, not 1 January.
        find(&labels, "2014");
        find(&labels, "2025");
        assert!(
            !all.contains("1 Jan") && !all.contains("1 يناير"),
            "{lang}: {all}"
        );
        if lang == "en" {
            find(&labels, "Apr 1992");
            find(&labels, "6 Nov 2025");
            find(&labels, "28 Sep 2022");
        } else {
            find(&labels, "6 نوفمبر 2025");
            find(&labels, "أبريل 1992");
        }
        // Labels never overlap: each line at least a line below the last.
        let ys: Vec<f64> = {
            let g = &svg[svg.find("<g class=\"event-labels\">").unwrap()..];
            let g = &g[..g.find("</g>").unwrap()];
            g.split("<text ")
                .skip(1)
                .map(|t| attr(&format!(" {t}"), "y").unwrap().parse().unwrap())
                .collect()
        };
        assert!(ys.windows(2).all(|w| w[1] - w[0] >= 14.0), "{lang}: {ys:?}");
        // Leader lines join each label to its marker.
        let leaders = &svg[svg.find("<g class=\"leaders\">").unwrap()..];
        let leaders = &leaders[..leaders.find("</g>").unwrap()];
        assert_eq!(leaders.matches("<polyline").count(), 9, "{lang}");
        // Inside the chart's width: labels start beyond the axis, on the reading side.
        let width = 720.0;
        for t in &labels {
            assert!(t.x > 0.0 && t.x < width, "{lang}: {t:?}");
        }
        let (dates, text_x): (Vec<&Text>, f64) = (labels.iter().collect(), labels[0].x);
        if lang == "en" {
            assert!(dates.iter().all(|t| t.anchor == "start"), "{lang}");
            assert!(
                text_x < width / 3.0,
                "{lang}: labels start at the left: {text_x}"
            );
        } else {
            assert!(dates.iter().all(|t| t.anchor == "end"), "{lang}");
            assert!(
                text_x > width * 2.0 / 3.0,
                "{lang}: labels start at the right: {text_x}"
            );
        }
    }
    // The chart grew to fit its labels, and says so.
    let svg = p.read("out/en.svg");
    let h: u32 = attr(&svg[..svg.find('>').unwrap()], "height")
        .unwrap()
        .parse()
        .unwrap();
    assert!(h > 400, "{h}");
    assert!(out.contains(&format!("Chart(timeline, 720×{h})")), "{out}");
    for png in ["out/en.png", "out/ar.png"] {
        let bytes = std::fs::read(p.path().join(png)).unwrap();
        let img = resvg::tiny_skia::Pixmap::decode_png(&bytes).unwrap();
        assert_eq!(img.width(), 1440);
    }
}

#[test]
fn charts_timeline_precision_option_and_its_errors() {
    let p = Project::new();
    let script = format!(
        r#"{EVENTS}
let c = chart("timeline", ev.rename(#{{ precision: "how_precise" }}), #{{ x: "date", label: "title", precision: "how_precise" }});
print(c.svg().contains(">2014</text>"));
// Without a precision column, dates at 1 January of a year-only list read as years.
let y = frame(#{{ d: ["2011-01-01", "2014-01-01"], t: ["a", "b"] }}).with_columns(col("d").str.to_date());
print(chart("timeline", y, #{{ x: "d", label: "t" }}).svg().contains(">2011</text>"));
"#
    );
    assert_eq!(p.script("precision", &script).ok(), "true\ntrue\n");
    let r = p.script(
        "bad_precision",
        r#"let f = frame(#{ d: [2020], t: ["a"], p: ["week"] });
chart("timeline", f, #{ x: "d", label: "t", precision: "p" });"#,
    );
    let err = r.fails();
    assert!(err.contains("holds `week`"), "{err}");
    assert!(err.contains("year, month or day"), "{err}");
    let r = p.script(
        "precision_on_bars",
        r#"chart("bar", frame(#{ k: ["a"], v: [1], p: ["year"] }), #{ x: "k", y: "v", precision: "p" });"#,
    );
    assert!(
        r.fails().contains("`precision` is for timelines"),
        "{}",
        r.stderr
    );
}

#[test]
fn charts_value_labels_say_the_qualifier_and_mark_computed_values() {
    let p = Project::new();
    let code = r#"let f = frame(#{
    period: ["2020", "2022", "2025"],
    v: [369000000, 883000000, 80000000],
    q: ["about", "exact", "at_least"],
    d: ["yes", "no", "no"],
}, ["period", "v", "q", "d"]);
let opts = #{ x: "period", y: "v", value_labels: true, number_format: "compact", qualifier: "q", derived: "d" };
chart("bar", f, opts).save("out/en.svg");
chart("line", f, opts).save("out/line.svg");
opts.lang = "ar";
chart("bar", f, opts).save("out/ar.svg");
let g = frame(#{ k: ["a", "b", "c"], v: [1200, 1000, 5], q: ["at_most", "more_than", "exact"] });
print(chart("bar", g, #{ x: "k", y: "v", value_labels: true, qualifier: "q", lang: "ar" }).svg());
"#;
    let out = p.script("qualifiers", code).ok().to_string();
    let en = p.read("out/en.svg");
    let values = group_texts(&en, "value-labels");
    find(&values, "about 369M†");
    find(&values, "883M");
    find(&values, "at least 80M");
    let note = group_texts(&en, "note");
    assert!(note[0].text.starts_with("† computed"), "{note:?}");
    // The computed bar is drawn differently: lighter, with an outline.
    assert!(en.contains("opacity=\"0.4\""), "{en}");
    assert!(en.contains("fill=\"none\" stroke=\"#0072B2\""), "{en}");
    let line = p.read("out/line.svg");
    find(&group_texts(&line, "value-labels"), "about 369M†");
    let ar = p.read("out/ar.svg");
    let values = group_texts(&ar, "value-labels");
    find(&values, "نحو 369M†");
    find(&values, "على الأقل 80M");
    assert!(group_texts(&ar, "note")[0].text.contains("محسوب"));
    let printed = texts(&out);
    find(&printed, "لا يتجاوز 1,200");
    find(&printed, "أكثر من 1,000");
    find(&printed, "5");

    let r = p.script(
        "bad_qualifier",
        r#"chart("bar", frame(#{ k: ["a"], v: [1], q: ["roughly"] }), #{ x: "k", y: "v", qualifier: "q" });"#,
    );
    let err = r.fails();
    assert!(err.contains("holds `roughly`"), "{err}");
    assert!(
        err.contains("exact, about, at_least, more_than, at_most, less_than"),
        "{err}"
    );
    let r = p.script(
        "missing_qualifier",
        r#"chart("bar", frame(#{ k: ["a"], v: [1] }), #{ x: "k", y: "v", qualifier: "qualifer" });"#,
    );
    assert!(
        r.fails().contains("unknown column `qualifer`"),
        "{}",
        r.stderr
    );
}
