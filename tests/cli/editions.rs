//! Editions: scheduled runs and `render --edition` record what each report
//! read; `dossier editions` lists them; `dossier diff` compares row by row;
//! `changes()` / `changes` and the briefings' "New since the last edition"
//! box show it; damaged or unknown editions give clear errors.

use serde_json::Value;

use crate::harness::{briefing_project, repo, Project};

/// The edition fixture, with the bundled box partial.
fn project() -> Project {
    let p = Project::from_fixture("editions");
    p.write(
        "reports/changes.html",
        &std::fs::read_to_string(repo().join("reports/changes.html")).unwrap(),
    );
    p
}

fn json(r: &crate::harness::Run) -> Value {
    serde_json::from_str(r.ok()).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", r.stdout))
}

fn edit(p: &Project, rel: &str, from: &str, to: &str) {
    let text = p.read(rel);
    assert!(text.contains(from), "{rel} lacks {from:?}");
    p.write(rel, &text.replacen(from, to, 1));
}

fn table<'a>(diff: &'a Value, name: &str) -> &'a Value {
    diff["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no table {name} in {diff:#}"))
}

/// The archive folders of job `job`, oldest first.
fn archive(p: &Project, job: &str) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(p.path().join("out/archive").join(job))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

#[test]
fn two_scheduled_briefings_show_the_edited_row_in_the_box_and_in_diff() {
    let p = briefing_project();
    p.run(&["schedule", "trigger", "morning"]).ok();
    let first = p.read("out/latest/morning/briefing-en.html");
    assert!(
        !first.contains("New since the last edition"),
        "no earlier edition: no box"
    );
    edit(
        &p,
        "data/trade.csv",
        ",2022-12-31,883000000,exact,no,,kz-bns-p18,",
        ",2022-12-31,884000000,exact,no,,kz-bns-p18,",
    );
    // Before the next run, the diff is against the first edition.
    let before = p.run(&["diff", "briefing-en"]);
    let before = before.ok();
    assert!(before.contains("883,000,000 → 884,000,000"), "{before}");

    p.run(&["schedule", "trigger", "morning"]).ok();
    let en = p.read("out/latest/morning/briefing-en.html");
    let start = en.find("<aside id=\"changes\"").expect("the box is shown");
    let end = en[start..].find("</aside>").unwrap() + start;
    let boxed = &en[start..end];
    assert!(boxed.contains("New since the last edition"), "{boxed}");
    assert!(
        boxed.contains("Kazakhstan · Israel · 2022"),
        "labelled: {boxed}"
    );
    assert!(boxed.contains("data-key=\"KAZ-2022\""), "{boxed}");
    assert!(
        boxed.contains("<del>883,000,000</del> → <ins>884,000,000</ins>"),
        "{boxed}"
    );
    assert!(boxed.contains("Bureau of National Statistics"), "{boxed}");
    assert_eq!(boxed.matches("<li ").count(), 1, "exactly one row: {boxed}");
    let ar = p.read("out/latest/morning/briefing-ar.html");
    assert!(ar.contains("الجديد منذ الإصدار السابق"), "Arabic box");
    assert!(ar.contains("884,000,000"));

    // `dossier diff` right after the run: what that run brought.
    let r = p.run(&["diff", "briefing-en"]);
    let out = r.ok();
    assert!(
        out.contains("1 row changed, 0 rows added, 0 rows removed, in 1 table"),
        "{out}"
    );
    assert!(out.contains("trade"), "{out}");
    assert!(out.contains("KAZ-2022"), "{out}");
    assert!(
        out.contains("value_usd  883,000,000 → 884,000,000"),
        "{out}"
    );
    assert!(!out.contains('\x1b'), "no colour when not a terminal");
    let d = json(&p.run(&["diff", "briefing-en", "--json"]));
    assert_eq!(d["counts"]["changed"], 1);
    assert_eq!(d["counts"]["added"], 0);
    let trade = table(&d, "trade");
    assert_eq!(trade["status"], "changed");
    assert_eq!(trade["changed"][0]["key"], "KAZ-2022");
    let f = &trade["changed"][0]["fields"];
    assert_eq!(f.as_array().unwrap().len(), 1, "{f:#}");
    assert_eq!(f[0]["field"], "value_usd");
    assert_eq!(f[0]["old"].as_f64(), Some(883000000.0));
    assert_eq!(f[0]["new"].as_f64(), Some(884000000.0));
    assert_eq!(table(&d, "events")["status"], "unchanged");

    // The editions, with their changes.
    let list = p.run(&["editions", "briefing-en"]);
    let list = list.ok();
    assert!(list.contains("first edition"), "{list}");
    assert!(list.contains("1 changed (trade)"), "{list}");
    let e = json(&p.run(&["editions", "briefing-en", "--json"]));
    let e = e.as_array().unwrap();
    assert_eq!(e.len(), 2);
    assert_eq!(e[0]["job"], "morning");
    assert_eq!(e[1]["changes"]["changed"], 1);
    assert!(e[1]["outputs"][0]
        .as_str()
        .unwrap()
        .starts_with("out/archive/morning/"));

    // The first edition's archived page has no box; the unchanged tables
    // were stored once: one object per table read, plus the new trade.
    let runs = archive(&p, "morning");
    assert_eq!(runs.len(), 2);
    assert!(!std::fs::read_to_string(runs[0].join("briefing-en.html"))
        .unwrap()
        .contains("New since the last edition"));
    let tables = e[0]["tables"].as_array().unwrap().len();
    assert!(tables >= 7, "the briefing reads most tables: {tables}");
    let objects = std::fs::read_dir(p.path().join("out/archive/.editions/objects"))
        .unwrap()
        .filter(|e| {
            !e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with('.')
        })
        .count();
    assert_eq!(objects, tables + 1);

    // A third run without edits: the box is gone again.
    p.run(&["schedule", "trigger", "morning"]).ok();
    assert!(!p
        .read("out/latest/morning/briefing-en.html")
        .contains("New since the last edition"));
}

#[test]
fn added_removed_changed_rows_schema_changes_and_multisets() {
    let p = project();
    let r = p.run(&["render", "--edition"]);
    let out = r.ok();
    assert!(out.contains("edition daily"), "{out}");
    assert!(out.contains("first edition"), "{out}");
    // The edition: manifest beside the archived output, only tables read.
    let e = json(&p.run(&["editions", "daily", "--json"]));
    let e = &e[0];
    let tables: Vec<&str> = e["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(tables, ["figures", "events", "tags", "sources"]);
    let dir = p
        .path()
        .join("out/archive/daily")
        .join(e["id"].as_str().unwrap());
    assert!(dir.join("daily.html").is_file());
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(".edition/daily.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["report"], "daily");
    assert!(manifest["recorded"].is_string());
    assert!(manifest["dossier_version"].is_string());
    assert!(manifest["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["path"] == "scripts/daily.rhai" && i["sha256"].as_str().unwrap().len() == 64));

    // Edit: change one value, add and remove rows, add a column, and add a
    // duplicate row to the table without a key.
    edit(
        &p,
        "data/figures.csv",
        "KAZ-2022,KAZ,2022,883000000,bns",
        "KAZ-2022,KAZ,2022,884000000,cbs",
    );
    edit(
        &p,
        "data/figures.csv",
        "ISR-2023,ISR,2023,81000000,cbs\n",
        "",
    );
    p.write(
        "data/events.csv",
        &(p.read("data/events.csv")
            .replace("source_id\n", "source_id,place\n")
            .replace(",cbs\n", ",cbs,Astana\n")
            .replace(",bns\n", ",bns,Jerusalem\n")
            + "summit,2026-01-15,A summit in Astana,قمة في أستانا,bns,Astana\n"),
    );
    edit(
        &p,
        "data/datapackage.json",
        r#"{"name": "source_id", "type": "string"}
        ],
        "primaryKey": ["event_id"]"#,
        r#"{"name": "source_id", "type": "string"},
          {"name": "place", "type": "string"}
        ],
        "primaryKey": ["event_id"]"#,
    );
    p.write(
        "data/tags.csv",
        "tag,weight\ntrade,1\ntrade,1\ntrade,1\ntourism,3\n",
    );

    let d = json(&p.run(&["diff", "daily", "--json"]));
    let figures = table(&d, "figures");
    assert_eq!(figures["key"][0], "figure_id");
    assert_eq!(figures["counts"]["changed"], 1);
    assert_eq!(figures["counts"]["removed"], 1);
    assert_eq!(figures["counts"]["added"], 0);
    assert_eq!(figures["removed"][0]["key"], "ISR-2023");
    let changed = &figures["changed"][0];
    assert_eq!(changed["key"], "KAZ-2022");
    let fields: Vec<&str> = changed["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["value", "source_id"]);
    let events = table(&d, "events");
    assert_eq!(events["columns_added"][0], "place");
    assert_eq!(events["columns_removed"].as_array().unwrap().len(), 0);
    assert_eq!(events["counts"]["added"], 1);
    assert_eq!(events["added"][0]["key"], "summit");
    assert_eq!(
        events["counts"]["changed"], 0,
        "new columns are not row changes"
    );
    let tags = table(&d, "tags");
    assert!(tags["key"].as_array().unwrap().is_empty());
    assert_eq!(
        tags["counts"]["added"], 2,
        "one more trade,1 and a tourism,3"
    );
    assert_eq!(tags["counts"]["removed"], 1, "tourism,2");
    assert_eq!(table(&d, "sources")["status"], "unchanged");

    let r = p.run(&["diff", "daily"]);
    let out = r.ok();
    for needle in [
        "figures",
        "~ KAZ-2022",
        "value  883,000,000 → 884,000,000",
        "source_id  bns → cbs",
        "- ISR-2023",
        "+ column place",
        "+ summit",
        "no primary key: rows compared as a multiset",
        "+ trade · 1",
        "- tourism · 2",
        "unchanged: sources",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in\n{out}");
    }

    // The next edition's box shows them, labelled, in both languages.
    p.run(&["render", "--edition"]).ok();
    let html = p.read("out/daily.html");
    assert!(
        html.contains("<del>883,000,000</del> → <ins>884,000,000</ins>"),
        "{html}"
    );
    assert!(html.contains("A summit in Astana"), "{html}");
    assert!(
        html.contains("<span id=\"count\">1</span>"),
        "changes() in the script"
    );
    // The revised row cites its source document with a footnote (anchors
    // are numbered documents, never internal source ids).
    let revised = html
        .split("data-key=\"KAZ-2022\"")
        .nth(1)
        .and_then(|rest| rest.split("</li>").next())
        .unwrap_or("");
    assert!(
        revised.contains("href=\"#source-") && !html.contains("#source-cbs"),
        "the revised row cites its source: {revised}"
    );
    let ar = p.read("out/daily-ar.html");
    assert!(ar.contains("قمة في أستانا"), "{ar}");
    assert!(ar.contains("مكتب الإحصاء المركزي"), "{ar}");
    let list = p.run(&["editions"]);
    assert!(list.ok().contains("render"), "{}", list.stdout);

    // Comparing two editions explicitly gives the same rows.
    let ids = json(&p.run(&["editions", "daily", "--json"]));
    let (a, b) = (
        ids[0]["id"].as_str().unwrap(),
        ids[1]["id"].as_str().unwrap(),
    );
    let d2 = json(&p.run(&["diff", "daily", "--since", a, "--edition", b, "--json"]));
    assert_eq!(d2["counts"], d["counts"]);
    // And nothing changed since the last one.
    let d3 = json(&p.run(&["diff", "daily", "--since", b, "--json"]));
    assert_eq!(d3["any"], false);
}

#[test]
fn damaged_and_unknown_editions_give_clear_errors() {
    let p = project();
    p.run(&["render", "--edition", "daily"]).ok();
    edit(&p, "data/figures.csv", "883000000", "884000000");

    let r = p.run(&["diff", "daily", "--since", "2020-01-01T000000+0000"]);
    let err = r.fails();
    assert_eq!(r.code, 1);
    assert!(
        err.contains("unknown edition `2020-01-01T000000+0000` of report `daily`"),
        "{err}"
    );
    let r = p.run(&["diff", "daily", "--since", "2001-01-01"]);
    assert!(
        r.fails().contains("no edition on or before 2001-01-01"),
        "{}",
        r.stderr
    );
    let r = p.run(&["diff", "dayly"]);
    let err = r.fails();
    assert!(
        err.contains("unknown report `dayly`") && err.contains("did you mean `daily`?"),
        "{err}"
    );
    assert!(p
        .run(&["editions", "nope"])
        .fails()
        .contains("unknown report `nope`"));

    // A snapshot changed after it was stored.
    let e = json(&p.run(&["editions", "daily", "--json"]));
    let sha = e[0]["tables"][0]["sha256"].as_str().unwrap().to_string();
    let object = p.path().join("out/archive/.editions/objects").join(&sha);
    let mut bytes = std::fs::read(&object).unwrap();
    bytes[20] ^= 1;
    std::fs::write(&object, &bytes).unwrap();
    let r = p.run(&["diff", "daily"]);
    let err = r.fails();
    assert!(err.contains("the snapshot of table `figures`"), "{err}");
    assert!(err.contains("is corrupted"), "{err}");
    assert!(err.contains(&sha), "{err}");
    // The briefing still renders (without the box), with a warning.
    let r = p.run(&["render", "daily"]);
    r.ok();
    assert!(r.stderr.contains("is corrupted"), "{}", r.stderr);
    // A snapshot gone.
    std::fs::remove_file(&object).unwrap();
    let err = p.run(&["diff", "daily"]);
    assert!(err.fails().contains("is missing"), "{}", err.stderr);

    // A data package without a table the edition read.
    let p = project();
    p.run(&["render", "--edition", "daily"]).ok();
    let pkg = p
        .read("data/datapackage.json")
        .replace("\"name\": \"tags\"", "\"name\": \"labels\"");
    p.write("data/datapackage.json", &pkg);
    let err = p.run(&["diff", "daily"]);
    assert!(
        err.fails().contains("the data package has no table `tags`"),
        "{}",
        err.stderr
    );
}

#[test]
fn failed_runs_record_no_edition_and_scripts_read_changes() {
    let p = project();
    let r = p.run(&["diff", "daily"]);
    assert!(r.ok().contains("no earlier edition"), "{}", r.stdout);
    p.run(&["schedule", "trigger", "morning"]).ok();
    p.write(
        "scripts/daily.rhai",
        &(p.read("scripts/daily.rhai") + "let boom = no_such_function();\n"),
    );
    assert_eq!(p.run(&["schedule", "trigger", "morning"]).code, 1);
    let e = json(&p.run(&["editions", "daily", "--json"]));
    assert_eq!(
        e.as_array().unwrap().len(),
        1,
        "the failed run recorded nothing"
    );
    // In any script, with the report named.
    edit(&p, "data/figures.csv", "79000000", "80000000");
    let r = p.script(
        "probe",
        r#"let c = changes("daily");
print(c.available);
print(c.revised[0].label);
print(c.revised[0].fields[0].old);
print(c.revised[0].source.publisher);"#,
    );
    assert_eq!(
        r.ok(),
        "true\nISR-2022\n79000000.0\nCentral Bureau of Statistics\n"
    );
    let r = p.script("probe2", "changes()");
    assert!(r.fails().contains("not rendering a report"), "{}", r.stderr);
}
