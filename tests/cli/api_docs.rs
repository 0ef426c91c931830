//! Every documented API example runs and prints exactly its stated output.

use crate::harness::{dossier, Project};

#[test]
fn every_documented_example_prints_its_stated_output() {
    let project = Project::new();
    let docs = project.run(&["doc", "--json"]);
    let docs: serde_json::Value = serde_json::from_str(docs.ok()).expect("doc --json is JSON");
    let docs = docs.as_array().expect("an array");
    assert!(docs.len() >= 40, "only {} documented functions", docs.len());
    // The examples read data/ files: give them a project with the dataset.
    let tmp = tempfile::tempdir().unwrap();
    let proj = tmp.path().join("p");
    dossier(tmp.path(), &["new", "p"], None).ok();
    std::fs::write(
        proj.join("reports/doc-example.html"),
        "<p>Hello {{ who }}: {{ n | number }}</p>",
    )
    .unwrap();
    let mut failures = Vec::new();
    for d in docs {
        let name = d["name"].as_str().unwrap();
        let example = d["example"].as_str().unwrap();
        let expected = d["output"].as_str().unwrap();
        let file = proj.join(format!("scripts/doc_{name}.rhai"));
        std::fs::write(&file, example).unwrap();
        let r = dossier(&proj, &["run", &format!("scripts/doc_{name}.rhai")], None);
        let got = r.stdout.trim_end();
        if r.code != 0 || got != expected {
            failures.push(format!(
                "--- {name}\nexpected:\n{expected}\ngot (exit {}):\n{got}\n{}",
                r.code, r.stderr
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} example(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn doc_shows_one_function_and_suggests_on_typos() {
    let p = Project::new();
    let out = p.run(&["doc", "group_by"]);
    assert!(out.ok().contains("group_by(keys).agg(exprs)"));
    let bad = p.run(&["doc", "gruop_by"]);
    assert!(
        bad.fails().contains("did you mean `group_by`?"),
        "{}",
        bad.stderr
    );
}
