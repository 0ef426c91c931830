//! `dossier repl`: state across inputs, multi-line input, errors do not end it.

use crate::harness::{dossier, Project};

#[test]
fn repl_keeps_state_accepts_multiline_input_and_survives_errors() {
    let p = Project::new();
    let input = "let df = frame(#{\n  a: [1, 2, 3]\n}).collect();\ndf.height\nfn twice(x) {\n  x * 2\n}\ntwice(21)\ncol(1)\ndf.column(\"a\")\n:vars\n:quit\n";
    let r = dossier(p.path(), &["repl"], Some(input));
    let out = r.ok();
    assert!(out.contains("\n3\n") || out.contains(" 3\n"), "{out}");
    assert!(out.contains("42"), "{out}");
    assert!(out.contains("[1, 2, 3]"), "{out}");
    assert!(out.contains("df"), "{out}");
    assert!(
        r.stderr
            .contains("wrong argument types: `col` cannot take (i64)"),
        "{}",
        r.stderr
    );
}
