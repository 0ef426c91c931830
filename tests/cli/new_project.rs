//! `dossier new DIR` scaffolds a project that runs.

use crate::harness::dossier;

#[test]
fn new_project_runs_its_example() {
    let tmp = tempfile::tempdir().unwrap();
    dossier(tmp.path(), &["new", "brief"], None).ok();
    let proj = tmp.path().join("brief");
    for f in [
        "dossier.toml",
        "data/datapackage.json",
        "data/trade.csv",
        "scripts/example.rhai",
    ] {
        assert!(proj.join(f).exists(), "missing {f}");
    }
    let r = dossier(&proj, &["run", "scripts/example.rhai"], None);
    let out = r.ok();
    assert!(out.contains("11.18"), "{out}");
    dossier(&proj, &["check"], None).ok();
    let r = dossier(&proj, &["render"], None);
    assert!(r.ok().contains("1 of 1 report(s) rendered"), "{}", r.stdout);
    let html = std::fs::read_to_string(proj.join("out/example.html")).unwrap();
    assert!(html.contains("<svg") && html.contains("<table"), "{html}");
    dossier(&proj, &["data", "validate"], None).ok();
    let again = dossier(tmp.path(), &["new", "brief"], None);
    assert!(again.fails().contains("not empty"));
}
