//! The layers of the crate, checked: every top-level module of `src/` may
//! name (`crate::x`) only modules of a lower layer. An import upwards or
//! across a layer, or a new module that has no place in [`LAYERS`], fails
//! with the file and line that made it. ARCHITECTURE.md draws the same
//! diagram; `../shared/tools/layers.py src` reads imports the same way.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// From the bottom up. A module may use the modules of the layers below its
/// own, never its own layer's or those above.
const LAYERS: &[&[&str]] = &[
    &["diag", "signals"],
    &["config"],
    &["host"],
    &["data", "format"],
    &["chart", "template"],
    &["script"],
    &["render"],
    &["pipeline"],
    &["watch", "schedule", "notebook"],
    &["serve", "kernel"],
    &["cli"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// Top-level module of a file under `src/`.
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every `crate::name` a text names (also inside `use crate::{a, b::c}`),
/// with its line.
fn references(text: &str) -> Vec<(String, usize)> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(p) = rest.find("crate::") {
            let after = &rest[p + "crate::".len()..];
            if let Some(group) = after.strip_prefix('{') {
                let inner = group.split('}').next().unwrap_or("");
                for part in inner.split(',') {
                    let name = ident(part.trim());
                    if !name.is_empty() {
                        out.push((name, i + 1));
                    }
                }
            } else {
                let name = ident(after);
                if !name.is_empty() {
                    out.push((name, i + 1));
                }
            }
            rest = after;
        }
    }
    out
}

#[test]
fn modules_import_only_lower_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let modules: Vec<String> = {
        let mut m: Vec<String> = files.iter().map(|f| module_of(&src, f)).collect();
        m.sort();
        m.dedup();
        m.retain(|m| m != "main" && m != "lib");
        m
    };
    let mut problems = Vec::new();
    for m in &modules {
        if layer_of(m).is_none() {
            problems.push(format!(
                "src/{m}: a top-level module with no place in LAYERS (tests/cli/layers.rs)"
            ));
        }
    }
    let mut edges: BTreeMap<(String, String), String> = BTreeMap::new();
    for f in &files {
        let a = module_of(&src, f);
        if a == "main" || a == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(f).unwrap();
        for (b, line) in references(&text) {
            if b == a || !modules.contains(&b) {
                continue;
            }
            let place = format!(
                "{}:{line}",
                f.strip_prefix(src.parent().unwrap()).unwrap().display()
            );
            edges.entry((a.clone(), b)).or_insert(place);
        }
    }
    for ((a, b), place) in &edges {
        let (Some(la), Some(lb)) = (layer_of(a), layer_of(b)) else {
            continue;
        };
        if lb >= la {
            let how = if lb == la { "beside" } else { "above" };
            problems.push(format!("{place}: `{a}` uses `{b}`, which sits {how} it"));
        }
    }
    assert!(
        problems.is_empty(),
        "the layers are broken:\n  {}",
        problems.join("\n  ")
    );
    // The check itself: it sees the imports it must see.
    assert!(edges.contains_key(&("script".to_string(), "host".to_string())));
}

#[test]
fn references_read_grouped_and_plain_paths() {
    let r = references("use crate::{diag::Diagnostic, host};\nlet x = crate::format::Lang::En;");
    let names: Vec<&str> = r.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["diag", "host", "format"]);
    assert_eq!(r[2].1, 2);
}
