//! The README's script tour runs and prints what its comments say.

use crate::harness::{repo, Project};

#[test]
fn readme_tour_runs_as_documented() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let start = readme.find("```rhai\n").expect("a rhai block") + 8;
    let end = start + readme[start..].find("```").unwrap();
    let tour = &readme[start..end];
    let p = Project::new();
    let out = p.script("tour", tour);
    let out = out.ok();
    assert!(out.contains("shape: (4, 3)"), "{out}");
    assert!(out.contains("\n4\n[79.0, 883.0, 34.0, 80.0]\n"), "{out}");
}
