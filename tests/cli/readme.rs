//! The README's script examples run, and the tour prints what its comments say.

use crate::harness::{repo, Project};

fn rhai_blocks() -> Vec<String> {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    readme
        .split("```rhai\n")
        .skip(1)
        .map(|b| b[..b.find("```").expect("closed block")].to_string())
        .collect()
}

#[test]
fn readme_tour_runs_as_documented() {
    let blocks = rhai_blocks();
    let p = Project::new();
    let out = p.script("tour", &blocks[0]);
    let out = out.ok();
    assert!(out.contains("shape: (4, 3)"), "{out}");
    assert!(out.contains("\n4\n[79.0, 883.0, 34.0, 80.0]\n"), "{out}");
}

#[test]
fn every_readme_example_runs() {
    let blocks = rhai_blocks();
    assert!(blocks.len() >= 2);
    for (i, b) in blocks.iter().enumerate() {
        let p = Project::new();
        let r = p.script(&format!("block{i}"), b);
        assert_eq!(
            r.code, 0,
            "README rhai block {i} failed:\n{b}\n{}",
            r.stderr
        );
    }
}
