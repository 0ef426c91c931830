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

/// At a terminal: each kind of value shows as itself (never a Rust type
/// name), Tab completes from the API, and Ctrl-C stops an endless loop
/// without leaving the prompt.
#[cfg(unix)]
#[test]
fn repl_at_a_terminal_shows_values_completes_and_stops_on_ctrl_c() {
    use crate::harness::Terminal;
    let p = Project::with_data();
    let mut t = Terminal::start(p.path(), &["repl"], 120, 40);
    // What an input shows, up to the next prompt.
    let enter = |t: &mut Terminal, input: &str| {
        t.send(&format!("{input}\r"));
        let shown = t.expect("\n>> ");
        assert!(!shown.contains("dossier::"), "{shown}");
        shown
    };
    t.expect(">> ");
    enter(
        &mut t,
        "let df = frame(#{ country: [\"KAZ\", \"ISR\"], value: [3, 1] });",
    );

    // A frame: its Polars table with its shape.
    let shown = enter(&mut t, "df.collect()");
    assert!(shown.contains("shape: (2, 2)"), "{shown}");
    assert!(shown.contains("│ KAZ"), "{shown}");

    // A lazy frame: its schema and plan, not its rows.
    let shown = enter(&mut t, "dataset(\"trade\").filter(col(\"value_usd\") > 0)");
    assert!(shown.contains("LazyFrame, not run yet"), "{shown}");
    assert!(shown.contains("value_usd: f64"), "{shown}");
    assert!(shown.contains("plan:"), "{shown}");
    assert!(shown.contains("FILTER"), "{shown}");
    assert!(!shown.contains("shape:"), "{shown}");

    // A chart: one line saying how to see it.
    let shown = enter(
        &mut t,
        "chart(\"bar\", df, #{ x: \"country\", y: \"value\", title: \"Value\" })",
    );
    assert!(
        shown.contains("Chart(bar, 720×400) \"Value\": .save(\"chart.svg\") writes it; :open"),
        "{shown}"
    );

    // An expression: the Polars expression text.
    let shown = enter(&mut t, "col(\"value\") * 2");
    assert!(shown.contains("col(\"value\")"), "{shown}");
    assert!(shown.contains("dyn int: 2"), "{shown}");

    // Tab completes an API function; Ctrl-C at the prompt clears the line.
    t.send("scan_c\t");
    t.expect("scan_csv");
    t.send("\x03");
    t.expect("(input cleared");

    // Ctrl-C stops a running loop; the prompt and the variables stay.
    t.send("let n = 0; loop { n += 1; }\r");
    std::thread::sleep(std::time::Duration::from_millis(700));
    t.send("\x03");
    t.expect("interrupted");
    t.expect("\n>> ");
    let shown = enter(&mut t, "n > 0");
    assert!(shown.contains("true"), "{shown}");
    t.send(":quit\r");
    assert_eq!(t.wait(), 0, "{}", t.screen());
}

/// `:time`, `:vars` and `:doc` through piped input, and values printed
/// by `print` as the REPL shows them.
#[test]
fn repl_commands_time_vars_and_doc() {
    let p = Project::new();
    let input = "let df = frame(#{ a: [1, 2] });\nlet g = df.group_by(\"a\");\n:time df.collect().height\n:vars\n:doc scan_csv\nprint([col(\"a\"), g])\n:quit\n";
    let r = dossier(p.path(), &["repl"], Some(input));
    let out = r.ok();
    assert!(out.contains("\n2\ntime: "), "{out}");
    assert!(out.contains("df: LazyFrame"), "{out}");
    assert!(out.contains("g: GroupBy"), "{out}");
    assert!(out.contains("scan_csv(path"), "{out}");
    assert!(out.contains("[col(\"a\"), GroupBy [col(\"a\")]"), "{out}");
    assert!(!out.contains("dossier::"), "{out}");
}
