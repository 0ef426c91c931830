//! `dossier data list | show | validate` and typed loading.

use crate::harness::{dossier, repo, Project};

#[test]
fn list_names_every_table() {
    let out = dossier(&repo(), &["data", "list"], None);
    let out = out.ok();
    for t in [
        "trade ",
        "trade_ratio",
        "tourism",
        "migration",
        "events",
        "sources",
        "facts",
        "countries",
        "labels",
    ] {
        assert!(out.contains(t), "missing {t} in\n{out}");
    }
}

#[test]
fn show_prints_schema_and_rows() {
    let out = dossier(&repo(), &["data", "show", "trade"], None);
    let out = out.ok();
    assert!(
        out.lines()
            .any(|l| l.starts_with("value_usd ") && l.split_whitespace().nth(1) == Some("number")),
        "{out}"
    );
    assert!(out.contains("primary key: record_id"), "{out}");
    assert!(
        out.contains("foreign key: source_id -> sources.source_id"),
        "{out}"
    );
    assert!(out.contains("┆ 883000000 ┆"), "{out}");
    let bad = dossier(&repo(), &["data", "show", "trades"], None);
    assert!(
        bad.fails().contains("did you mean `trade`?"),
        "{}",
        bad.stderr
    );
}

#[test]
fn the_bundled_package_validates() {
    let out = dossier(&repo(), &["data", "validate"], None);
    assert!(out.ok().contains("types, keys and references valid"));
}

#[test]
fn two_offices_two_rows() {
    let p = Project::new();
    let r = p.script(
        "rows",
        "let t = dataset(\"trade\").filter(col(\"period_start\").dt.year() == 2022).sort(\"reporter\").collect();\nprint(t.column(\"reporter\"));\nprint(t.column(\"value_usd\"));",
    );
    assert_eq!(r.ok(), "[\"ISR\", \"KAZ\"]\n[79000000.0, 883000000.0]\n");
}

fn broken_copy(edit: impl Fn(&Project)) -> String {
    let p = Project::with_data();
    edit(&p);
    let r = p.run(&["data", "validate"]);
    r.fails().to_string()
}

#[test]
fn validate_names_file_row_and_column_for_a_bad_type() {
    let err = broken_copy(|p| {
        let t = p
            .read("data/trade.csv")
            .replace(",79000000,", ",79 million,");
        p.write("data/trade.csv", &t);
    });
    assert!(
        err.contains(
            "data/trade.csv:4:46: row 3, column `value_usd`: `79 million` is not a number"
        ),
        "{err}"
    );
}

#[test]
fn validate_finds_unresolved_sources_and_duplicate_keys() {
    let err = broken_copy(|p| {
        let t = p
            .read("data/trade.csv")
            .replace(",il-cbs-p16,", ",nowhere,");
        let t = t.replace("KAZ-2022,", "ISR-2022,");
        p.write("data/trade.csv", &t);
    });
    assert!(
        err.contains("column `source_id`: `nowhere` does not match any sources.source_id"),
        "{err}"
    );
    assert!(
        err.contains("primary key (ISR-2022) repeats row 3"),
        "{err}"
    );
}

#[test]
fn validate_checks_enums_and_required_values() {
    let err = broken_copy(|p| {
        let t = p
            .read("data/trade.csv")
            .replace(",exact,no,,il-cbs-p16,", ",roughly,no,,il-cbs-p16,");
        let t = t.replacen("ISR-2020,ISR,KAZ,total", "ISR-2020,,KAZ,total", 1);
        p.write("data/trade.csv", &t);
    });
    assert!(
        err.contains(
            "`roughly` is not one of: exact, about, at_least, more_than, at_most, less_than"
        ),
        "{err}"
    );
    assert!(
        err.contains("column `reporter`: a value is required"),
        "{err}"
    );
}

#[test]
fn dataset_reads_a_project_package_before_the_bundled_one() {
    let p = Project::with_data();
    let t = p.read("data/countries.csv") + "USA,United States,الولايات المتحدة\n";
    p.write("data/countries.csv", &t);
    let r = p.script("c", "print(dataset(\"countries\").collect().height);");
    assert_eq!(r.ok().trim(), "3");
    let bare = Project::new();
    let r = bare.script("c", "print(dataset(\"countries\").collect().height);");
    assert_eq!(r.ok().trim(), "2");
}

#[test]
fn a_typed_dataset_with_a_bad_value_names_the_cell_at_collect() {
    let p = Project::with_data();
    let t = p.read("data/tourism.csv").replace(",4875,", ",4875x,");
    p.write("data/tourism.csv", &t);
    let r = p.script("t", "print(dataset(\"tourism\").collect());");
    let err = r.fails();
    assert!(err.contains("malformed CSV: data/tourism.csv:6:"), "{err}");
    assert!(
        err.contains("column `visitors`: cannot parse `4875x`"),
        "{err}"
    );
}
