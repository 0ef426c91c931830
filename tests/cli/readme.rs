//! The README's script examples run, the tour prints what its comments
//! say, and its set-up commands are the ones CI runs.

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

/// The commands of the README's "Set-up on a fresh machine" block, without
/// their comments.
fn readme_set_up_commands() -> Vec<String> {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let (_, section) = readme
        .split_once("## Set-up on a fresh machine\n")
        .expect("README.md has a set-up section");
    let (_, block) = section.split_once("```sh\n").expect("a sh block");
    let (block, _) = block.split_once("```").expect("closed block");
    commands(block.lines())
}

/// Shell lines without comments and blank lines.
fn commands<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<String> {
    lines
        .map(|l| l.split_once('#').map_or(l, |(code, _)| code).trim())
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

/// The marker in `.ci/run` above the README's commands.
const CI_MARKER: &str = "# The README's two set-up commands, verbatim";

#[test]
fn the_readme_set_up_commands_are_the_ones_ci_runs() {
    let readme = readme_set_up_commands();
    assert_eq!(readme, ["cargo run -- render", "cargo xtask test"]);
    let ci = std::fs::read_to_string(repo().join(".ci/run")).unwrap();
    let (before, after) = ci
        .split_once(CI_MARKER)
        .unwrap_or_else(|| panic!(".ci/run lost its marker {CI_MARKER:?}:\n{ci}"));
    let block = after.split("\n\n").next().unwrap();
    assert_eq!(
        commands(block.lines().skip(1)),
        readme,
        ".ci/run must run the README's set-up commands verbatim"
    );
    // CI tests only through the README's command: no `cargo test` of its own.
    for line in commands(before.lines())
        .iter()
        .chain(&commands(after.lines()))
    {
        assert!(
            !line.contains("cargo test"),
            ".ci/run runs `{line}` besides the README's commands"
        );
    }
}
