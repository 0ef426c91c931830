//! `dossier verify` and what it checks: every figure traces to the data or
//! a declared computed value, hedges are kept, computed values are marked,
//! editions carry the same figures; and the figures as printed: qualifier
//! words in both languages, footnote marks apart from their figure.

use crate::harness::{briefing_project, html5_errors, Project};

fn fixture() -> Project {
    Project::from_fixture("verify/editions")
}

/// The visible text of an HTML page (tags dropped, entities decoded the
/// way a browser's copy would), white space collapsed.
fn page_text(html: &str) -> String {
    let body = html.split("<body").nth(1).unwrap_or(html);
    // The provenance appendix (hashes, sizes) is not reading matter.
    let body = body
        .split("<section id=\"provenance\"")
        .next()
        .unwrap_or(body);
    let no_style = regex::Regex::new(r"(?s)<style.*?</style>|<svg.*?</svg>").unwrap();
    let tags = regex::Regex::new(r"<[^>]*>").unwrap();
    let text = tags
        .replace_all(&no_style.replace_all(body, ""), "")
        .replace("&nbsp;", " ");
    let text = text
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace('\u{a0}', " ");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Every figure printed by a filter (`<data>`) is followed, in the text a
/// copy or a text extraction gives, by something other than a digit (its
/// mark's bracket, a space, a word), and the figure is in `text` whole.
fn assert_figures_stand_alone(html: &str, text: &str) {
    let data = regex::Regex::new(r#"<data value="[^"]*">([^<]*)</data>"#).unwrap();
    let tags = regex::Regex::new(r"<[^>]*>").unwrap();
    let mut n = 0;
    for c in data.captures_iter(html) {
        let shown = &c[1];
        let end = c.get(0).unwrap().end();
        let next: String = html[end..].chars().take(300).collect();
        let after = tags.replace_all(&next, "");
        let first = after.chars().next();
        assert!(
            !first.is_some_and(|c| c.is_ascii_digit()),
            "the figure {shown} runs into a digit: {shown}{}",
            after.chars().take(10).collect::<String>()
        );
        assert!(text.contains(shown), "{shown} is not in the page text");
        n += 1;
    }
    assert!(n > 0, "no figures printed");
}

#[test]
fn verify_passes_on_the_bundled_project_and_writes_nothing() {
    let p = briefing_project();
    let r = p.run(&["verify"]);
    let out = r.ok();
    assert_eq!(out.lines().count(), 1, "one summary line: {out}");
    assert!(out.contains("figure(s) in 2 report(s)"), "{out}");
    assert!(out.contains("briefing-en + briefing-ar"), "{out}");
    assert!(out.contains("source document(s)"), "{out}");
    assert!(!p.path().join("out").exists(), "verify wrote files");
}

#[test]
fn verify_passes_on_the_fixture_and_lists_every_figure_as_json() {
    let p = fixture();
    p.run(&["verify"]).ok();
    let r = p.run(&["verify", "--json"]);
    let v: serde_json::Value = serde_json::from_str(r.ok()).expect("JSON");
    let figures = v["figures"].as_array().unwrap();
    let en: Vec<&serde_json::Value> = figures
        .iter()
        .filter(|f| f["report"] == "brief-en")
        .collect();
    let israel = en
        .iter()
        .find(|f| f["value"] == 34000000.0)
        .expect("34M in the JSON");
    assert_eq!(israel["qualifier"], "about");
    assert_eq!(israel["trace"]["kind"], "data");
    assert_eq!(israel["trace"]["cells"][0]["dataset"], "trade");
    assert_eq!(israel["trace"]["cells"][0]["row"], "ISR-2025");
    let ratio = en.iter().find(|f| f["text"] == "2.35").expect("the ratio");
    assert_eq!(ratio["computed"], true);
    assert_eq!(ratio["trace"]["kind"], "computed");
    assert_eq!(ratio["trace"]["inputs"][0]["source"], "bns-17");
    let derived = en
        .iter()
        .find(|f| f["value"] == 369000000.0)
        .expect("the derived row");
    assert_eq!(derived["computed"], true);
    assert_eq!(v["editions"][0][0], "brief-en");
    assert!(v["problems"].as_array().unwrap().is_empty());
}

#[test]
fn verify_catches_a_figure_typed_into_a_template_with_file_and_line() {
    let p = fixture();
    let t = p.read("reports/brief-en.html").replace(
        "<ol>{% for d",
        "<p>Trade reached 999 million in the year.</p>\n<ol>{% for d",
    );
    p.write("reports/brief-en.html", &t);
    let r = p.run(&["verify"]);
    r.fails();
    let line = t.lines().position(|l| l.contains("999")).unwrap() + 1;
    assert!(
        r.stdout
            .contains(&format!("reports/brief-en.html:{line}: brief-en: 999")),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("“Trade reached 999 million in the year.”"),
        "{}",
        r.stdout
    );
}

#[test]
fn verify_catches_a_figure_typed_into_a_script_string() {
    let p = fixture();
    let s = p.read("scripts/brief.rhai") + "let headline = \"Trade reached 777 million\";\n";
    p.write("scripts/brief.rhai", &s);
    let t = p
        .read("reports/brief-en.html")
        .replace("<ol>{% for d", "<p>{{ headline }}.</p><ol>{% for d");
    p.write("reports/brief-en.html", &t);
    let r = p.run(&["verify"]);
    r.fails();
    let line = s.lines().count();
    assert!(
        r.stdout
            .contains(&format!("scripts/brief.rhai:{line}: brief-en: 777")),
        "{}",
        r.stdout
    );
}

#[test]
fn verify_catches_a_hedge_lost() {
    let p = fixture();
    // The bare value, without its row: the qualifier cannot follow it.
    let t = p.read("reports/brief-en.html").replace(
        r#"{{ latest[0] | cite("value_usd") }}"#,
        r#"{{ latest[0].value_usd | cite(latest[0].source_id) }}"#,
    );
    p.write("reports/brief-en.html", &t);
    let r = p.run(&["verify"]);
    r.fails();
    assert!(
        r.stdout.contains(
            "brief-en: hedge lost: 34,000,000 is `about` in trade.value_usd row ISR-2025"
        ),
        "{}",
        r.stdout
    );
}

#[test]
fn verify_catches_a_computed_value_cited_as_stated() {
    let p = fixture();
    let s = p.read("scripts/brief.rhai") + "let plain_ratio = 80000000.0 / 34000000.0;\n";
    p.write("scripts/brief.rhai", &s);
    let t = p.read("reports/brief-en.html").replace(
        r#"{{ ratio | number(decimals=2, suffix="×") }}"#,
        r#"{{ plain_ratio | cite("bns-17", decimals=2) }}×"#,
    );
    p.write("reports/brief-en.html", &t);
    let r = p.run(&["verify"]);
    r.fails();
    assert!(
        r.stdout.contains("brief-en: 2.35 is cited to a source but is not in the data: a computed value cited as stated"),
        "{}",
        r.stdout
    );
    // A derived data row printed without its mark is caught too.
    let p = fixture();
    let t = p.read("reports/brief-en.html").replace(
        r#"{{ derived_row[0] | cite("value_usd") }}"#,
        r#"about {{ derived_row[0].value_usd | cite(derived_row[0].source_id) }}"#,
    );
    p.write("reports/brief-en.html", &t);
    let r = p.run(&["verify"]);
    r.fails();
    assert!(
        r.stdout.contains("369,000,000 is derived in the data (trade.value_usd row KAZ-2020) but printed as stated"),
        "{}",
        r.stdout
    );
}

#[test]
fn verify_catches_an_edition_missing_a_figure() {
    let p = fixture();
    let t = p.read("reports/brief-ar.html").replace(
        r#"<p>ولعام 2020 يكون الرقم الكازاخي {{ derived_row[0] | cite("value_usd") }}.</p>"#,
        "",
    );
    p.write("reports/brief-ar.html", &t);
    let r = p.run(&["verify"]);
    r.fails();
    assert!(
        r.stdout.contains("brief-en: 369,000,000 (text) is in brief-en but missing from brief-ar, another edition of scripts/brief.rhai"),
        "{}",
        r.stdout
    );
    assert_eq!(r.stdout.lines().count(), 1, "{}", r.stdout);
}

#[test]
fn verify_names_one_report_and_rejects_unknown_ones() {
    let p = fixture();
    let out = p.run(&["verify", "brief-en"]);
    assert!(out.ok().contains("in 1 report(s)"), "{}", out.stdout);
    let r = p.run(&["verify", "brief-xx"]);
    assert!(
        r.fails().contains("unknown report `brief-xx`"),
        "{}",
        r.stderr
    );
}

#[test]
fn qualifiers_print_in_the_report_language_and_marks_stay_apart() {
    let p = fixture();
    p.run(&["render"]).ok();
    let en = p.read("out/brief-en.html");
    let ar = p.read("out/brief-ar.html");
    for html in [&en, &ar] {
        assert!(html5_errors(html).is_empty(), "{:?}", html5_errors(html));
    }
    let en_text = page_text(&en);
    let ar_text = page_text(&ar);
    assert!(
        en_text.contains("Israel reports about 34,000,000[1]"),
        "{en_text}"
    );
    assert!(
        en_text.contains("Kazakhstan about 80,000,000[2]"),
        "{en_text}"
    );
    assert!(
        ar_text.contains("تعلن إسرائيل نحو 34,000,000[1]"),
        "{ar_text}"
    );
    // Computed values: the mark, and a note naming inputs and sources.
    assert!(en_text.contains("2.35×[†1]"), "{en_text}");
    assert!(en_text.contains(
        "Computed by us, not stated by any source: the Kazakh figure divided by the Israeli figure; from Kazakhstan about 80,000,000[2], Israel about 34,000,000[1]."
    ), "{en_text}");
    assert!(
        ar_text.contains("حسبناه نحن، ولم يرد في أي مصدر"),
        "{ar_text}"
    );
    // One appendix entry per document, with its paragraphs.
    assert!(
        en_text.contains("Bureau of National Statistics: ¶17 ¶18"),
        "{en_text}"
    );
    assert!(
        !en.contains("bns-17<") && !en_text.contains("bns-17"),
        "internal ids are not reader-facing"
    );
    // The figure and its footnote never merge: after every printed figure
    // comes a non-digit (the bracket of its mark, a space, a word).
    assert_figures_stand_alone(&en, &en_text);
    assert_figures_stand_alone(&ar, &ar_text);
}

#[test]
fn bundled_briefings_keep_every_hedge_and_mark_our_calculations() {
    let p = briefing_project();
    p.run(&["render", "--format", "html"]).ok();
    let (en_html, ar_html) = (
        p.read("out/briefing-en.html"),
        p.read("out/briefing-ar.html"),
    );
    let en = page_text(&en_html);
    let ar = page_text(&ar_html);
    assert_figures_stand_alone(&en_html, &en);
    assert_figures_stand_alone(&ar_html, &ar);
    for needle in [
        "about 34M[",
        "about 80M[",
        "11.18×[†",
        "the article says 11[",
        "from about 18,000[",
        "to at most 1,200[",
        "more than 1,000[",
        "Israel Central Bureau of Statistics and the Bureau of National Statistics of Kazakhstan",
        "Our calculations",
    ] {
        assert!(en.contains(needle), "English lacks {needle:?}: {en}");
    }
    assert!(
        !en.contains("in all by"),
        "the English sentence asserts a cumulative reading"
    );
    assert!(
        !en.contains("kz-bns-p18"),
        "internal ids are not reader-facing"
    );
    for needle in [
        "نحو 34 مليون[",
        "نحو 80 مليون[",
        "لا يتجاوز 1,200[",
        "أكثر من 1,000[",
        "دائرة الإحصاء الإسرائيلية وهيئة الإحصاء الوطنية في كازاخستان",
        "حساباتنا",
    ] {
        assert!(ar.contains(needle), "Arabic lacks {needle:?}: {ar}");
    }
    // One appendix entry per document: the article once, with its paragraphs.
    let html = p.read("out/briefing-en.html");
    let sources = html
        .split("<ol class=\"sources\">")
        .nth(1)
        .unwrap()
        .split("</ol>")
        .next()
        .unwrap();
    assert_eq!(sources.matches("Dawood Ali").count(), 1, "{sources}");
    assert!(sources.contains("¶16, ¶18"), "{sources}");
}
