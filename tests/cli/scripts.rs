//! The bundled analyses in `scripts/` run on the bundled data, and their
//! output carries the article's figures.

use crate::harness::{dossier, repo};

fn run(script: &str, params: &[&str]) -> String {
    let mut args = vec!["run", script];
    args.extend_from_slice(params);
    dossier(&repo(), &args, None).ok().to_string()
}

#[test]
fn mirror_gap_by_year() {
    let out = run("scripts/mirror_gap.rhai", &[]);
    for needle in [
        "│ 2020             ┆ 123              ┆ ≈369*            ┆ 3              ┆ 3.0          │",
        "│ 2021             ┆ —                ┆ —                ┆ null           ┆ 8.0          │",
        "│ 2022             ┆ 79               ┆ 883              ┆ 11.18          ┆ 11.0         │",
        "│ 2025-01..2025-08 ┆ ≈34              ┆ ≈80              ┆ 2.35           ┆ ≈2.35        │",
        "widest gap with both figures reported: 2022, Kazakh figure 11.18 times the Israeli one",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in\n{out}");
    }
}

#[test]
fn mirror_gap_without_derived_values() {
    let out = run("scripts/mirror_gap.rhai", &["-P", "include_derived=false"]);
    assert!(
        out.contains("│ 2020             ┆ 123              ┆ —                ┆ null"),
        "{out}"
    );
}

#[test]
fn tourism_both_ways() {
    let out = run("scripts/tourism.rhai", &[]);
    assert!(
        out.contains("│ Israel → Kazakhstan ┆ 2024             ┆ 4875"),
        "{out}"
    );
    assert!(
        out.contains("│ Kazakhstan → Israel ┆ 2024             ┆ ≤1200"),
        "{out}"
    );
    assert!(
        out.contains("about 18000 (2015) → at most 1200 (2024), a fall of at least 93%"),
        "{out}"
    );
}

#[test]
fn security_timeline() {
    let out = run("scripts/security_timeline.rhai", &[]);
    let i2014 = out
        .find("│ 2014     ┆ security")
        .expect("2014 defence agreement");
    let i2021 = out
        .find("│ May 2021 ┆ security")
        .expect("May 2021 drone plant");
    assert!(i2014 < i2021, "timeline out of order\n{out}");
    assert!(out.contains("17 vehicles"), "{out}");
    assert!(out.contains("4 phones"), "{out}");
    assert!(out.contains("events naming Elbit Systems: 2"), "{out}");
    let later = run("scripts/security_timeline.rhai", &["-P", "since=2020"]);
    assert!(
        later.contains("(1 dated events)") && !later.contains("│ 2014"),
        "{later}"
    );
}

#[test]
fn changing_a_csv_value_changes_the_analysis() {
    let p = crate::harness::Project::with_data();
    crate::harness::copy_dir(&repo().join("scripts"), &p.path().join("scripts"));
    let trade = p
        .read("data/trade.csv")
        .replace(",2022-12-31,79000000,", ",2022-12-31,88300000,");
    p.write("data/trade.csv", &trade);
    let out = p.run(&["run", "scripts/mirror_gap.rhai"]);
    assert!(
        out.ok().contains("┆ 88.3") || out.stdout.contains("│ 2022             ┆ 88 "),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("10.0"), "{}", out.stdout);
}
