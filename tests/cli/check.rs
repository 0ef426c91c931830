//! `dossier check`: parse without running.

use crate::harness::{dossier, repo, Project};

#[test]
fn the_repository_checks_clean() {
    let r = dossier(&repo(), &["check"], None);
    assert!(r.ok().contains("script(s) parsed, data packages valid"));
}

#[test]
fn check_reports_syntax_errors_without_running() {
    let p = Project::new();
    p.write("scripts/good.rhai", "write(\"out/ran.txt\", \"x\");");
    p.write("scripts/bad.rhai", "let x = ;");
    let r = p.run(&["check"]);
    let err = r.fails();
    assert!(err.contains("scripts/bad.rhai:1:9: syntax error"), "{err}");
    assert!(
        !p.path().join("out/ran.txt").exists(),
        "check must not run scripts"
    );
    let one = p.run(&["check", "scripts/good.rhai"]);
    assert!(one.ok().contains("1 script(s) parsed"));
}
