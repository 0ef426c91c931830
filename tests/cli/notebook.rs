//! `dossier notebook`: cells in scripts, the notebook page (valid HTML5,
//! highlighted code, outputs, markdown, errors with their place in the
//! cell), failures that keep the last good page, and the cell cache.

use crate::harness::{html5_errors, Project};

const NOTEBOOK: &str = r#"// %% [markdown]
// # Trade notebook
//
// Some *text* and <b>raw markup</b>.

// %% Load
let df = frame(#{ reporter: ["KAZ", "ISR", "KAZ"], v: [1, 2, 3] }, ["reporter", "v"]).collect();
print("rows: " + df.height);
df

// %% Chart
display(chart("bar", df, #{ x: "reporter", y: "v", title: "By reporter" }));
debug("drawn");
6 * 7
"#;

#[test]
fn notebook_page_shows_code_outputs_and_markdown_as_valid_html5() {
    let p = Project::new();
    p.write("scripts/nb.rhai", NOTEBOOK);
    let r = p.run(&["notebook", "scripts/nb.rhai"]);
    assert!(r.ok().contains("wrote out/nb.html"), "{}", r.stdout);
    assert!(
        r.stderr.contains("scripts/nb.rhai: ran cell(s) 2, 3"),
        "{}",
        r.stderr
    );
    let html = p.read("out/nb.html");
    let errors = html5_errors(&html);
    assert!(errors.is_empty(), "HTML5 parse errors: {errors:?}");
    for needle in [
        "<title>Trade notebook</title>",
        "<h1>Trade notebook</h1>",
        "<em>text</em>",
        "&lt;b&gt;raw markup&lt;/b&gt;",
        "<p class=\"title\">Load</p>",
        "<span class=\"hl-kw\">let</span> df = <span class=\"hl-fn\">frame</span>(",
        "<pre class=\"stream stdout\">rows: 3</pre>",
        "<td>ISR</td>",
        "<div class=\"figure\" dir=\"ltr\"><svg",
        ">By reporter</text>",
        "<pre class=\"stream stderr\">&quot;drawn&quot;</pre>",
        "<pre class=\"result\">42</pre>",
        "In [1]:",
        "In [2]:",
    ] {
        assert!(html.contains(needle), "missing {needle}");
    }
    // Self-contained: no scripts, nothing fetched.
    for needle in ["<script", "src=\"http", "href=\"http", "<link"] {
        assert!(!html.contains(needle), "found {needle}");
    }
    assert!(!html.contains("<b>raw"));
}

#[test]
fn a_failing_cell_keeps_the_last_page_and_allow_errors_shows_where() {
    let p = Project::new();
    p.write("scripts/nb.rhai", NOTEBOOK);
    p.run(&["notebook", "scripts/nb.rhai"]).ok();
    let good = p.read("out/nb.html");
    let broken =
        NOTEBOOK.replace("6 * 7", "let y = 1;\ny + missing_thing") + "\n// %%\nprint(\"after\");\n";
    p.write("scripts/nb.rhai", &broken);
    let r = p.run(&["notebook", "scripts/nb.rhai"]);
    let err = r.fails();
    assert!(
        err.contains("scripts/nb.rhai [cell 3]:4:5: unknown variable `missing_thing`"),
        "{err}"
    );
    assert!(
        err.contains("line 4 of cell 3 is scripts/nb.rhai:15:5"),
        "{err}"
    );
    assert!(err.contains("did not run cell(s) 4"), "{err}");
    assert_eq!(
        p.read("out/nb.html"),
        good,
        "a failed run replaced the page"
    );

    let r = p.run(&["notebook", "scripts/nb.rhai", "--allow-errors"]);
    r.ok();
    let html = p.read("out/nb.html");
    assert!(
        html.contains("RuntimeError: line 4, column 5 of cell 3 (script line 15)"),
        "{html}"
    );
    assert!(html.contains("y + missing_thing"));
    assert!(html.contains("class=\"cell code notrun\""));
    assert!(!html.contains(">after</pre>"));
    assert!(html5_errors(&html).is_empty());
}

const CACHED: &str = r#"// %% Load
let t = read_csv("data/n.csv");
// %% Sum
let s = t.select(col("v").sum()).item();
print("total " + s);
// %% Define
fn twice(x) { x * 2 }
// %% Use
twice(s)
"#;

#[test]
fn the_cache_reuses_unchanged_cells_and_reruns_from_the_first_change() {
    let p = Project::new();
    p.write("data/n.csv", "k,v\na,1\nb,2\nc,3\n");
    p.write("scripts/c.rhai", CACHED);
    let run = |extra: &[&str]| {
        let mut args = vec!["notebook", "scripts/c.rhai"];
        args.extend_from_slice(extra);
        let r = p.run(&args);
        r.ok();
        (r.stderr, p.read("out/c.html"))
    };
    let (log, html) = run(&[]);
    assert!(log.contains("ran cell(s) 1, 2, 3, 4\n"), "{log}");
    assert!(html.contains(">total 6</pre>") && html.contains("<pre class=\"result\">12</pre>"));

    let (log, html) = run(&[]);
    assert!(
        log.contains("ran no cells; reused cell(s) 1, 2, 3, 4 from the cache"),
        "{log}"
    );
    assert!(html.contains(">total 6</pre>") && html.contains("<pre class=\"result\">12</pre>"));
    assert!(html.contains("cell 2 · cached</span>"));

    // An edit to the last cell: the variables and the function of the cells
    // before it come from the cache.
    p.write(
        "scripts/c.rhai",
        &CACHED.replace("twice(s)\n", "twice(s) + 1\n"),
    );
    let (log, html) = run(&[]);
    assert!(
        log.contains("ran cell(s) 4; reused cell(s) 1, 2, 3 from the cache"),
        "{log}"
    );
    assert!(html.contains("<pre class=\"result\">13</pre>"), "{html}");

    // A file the first cell read changed: everything runs again.
    p.write("data/n.csv", "k,v\na,10\nb,20\n");
    let (log, html) = run(&[]);
    assert!(log.contains("ran cell(s) 1, 2, 3, 4\n"), "{log}");
    assert!(html.contains(">total 30</pre>") && html.contains("<pre class=\"result\">61</pre>"));

    // Other parameters: everything runs again; --no-cache runs everything.
    let (log, _) = run(&["-P", "year=2024"]);
    assert!(log.contains("ran cell(s) 1, 2, 3, 4\n"), "{log}");
    let (log, _) = run(&["-P", "year=2024"]);
    assert!(log.contains("ran no cells"), "{log}");
    let (log, _) = run(&["--no-cache"]);
    assert!(log.contains("ran cell(s) 1, 2, 3, 4\n"), "{log}");
}

#[test]
fn state_that_cannot_be_stored_runs_the_cells_again() {
    let p = Project::new();
    // An expression in scope cannot be snapshotted, so after the first cell
    // there is no state to restore: the second run runs both cells.
    p.write(
        "scripts/e.rhai",
        "// %%\nlet e = col(\"v\") * 2;\n// %%\nprint(frame(#{ v: [1, 2] }).select(e.alias(\"w\")).collect().column(\"w\"));\n",
    );
    let first = p.run(&["notebook", "scripts/e.rhai"]);
    assert!(first.ok().contains("wrote"));
    let second = p.run(&["notebook", "scripts/e.rhai"]);
    second.ok();
    assert!(
        second.stderr.contains("ran cell(s) 1, 2\n"),
        "{}",
        second.stderr
    );
    assert!(p.read("out/e.html").contains(">[2, 4]</pre>"));
}

#[test]
fn from_ipynb_writes_the_percent_script_and_bad_input_is_an_error() {
    let p = Project::new();
    p.write(
        "n.ipynb",
        r##"{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
  {"cell_type": "markdown", "id": "a", "metadata": {}, "source": ["# Title\n", "\n", "text"]},
  {"cell_type": "code", "id": "b", "metadata": {"title": "Sum"}, "execution_count": null, "outputs": [], "source": "let x = 1;\nx + 1\n"}
]}"##,
    );
    let r = p.run(&["notebook", "--from", "n.ipynb"]);
    assert!(r.ok().contains("wrote n.rhai (2 cells)"), "{}", r.stdout);
    assert_eq!(
        p.read("n.rhai"),
        "// %% [markdown]\n// # Title\n//\n// text\n\n// %% Sum\nlet x = 1;\nx + 1\n"
    );
    let r = p.run(&["notebook", "n.rhai", "--to", "ipynb", "-o", "back.ipynb"]);
    r.ok();
    assert!(p.read("back.ipynb").contains("\"text/plain\": \"2\""));
    p.write("bad.ipynb", "{\"nbformat\": 3}");
    let r = p.run(&["notebook", "--from", "bad.ipynb"]);
    assert!(
        r.fails().contains("nbformat 3 is not supported"),
        "{}",
        r.stderr
    );
}

#[test]
fn the_readme_notebook_example_runs() {
    let readme = std::fs::read_to_string(crate::harness::repo().join("README.md")).unwrap();
    let section = &readme[readme.find("## Notebooks and the Jupyter kernel").unwrap()..];
    let start = section.find("```rhai\n").unwrap() + 8;
    let end = start + section[start..].find("```").unwrap();
    let p = Project::new();
    p.write("scripts/trade.rhai", &section[start..end]);
    let r = p.run(&["notebook", "scripts/trade.rhai"]);
    assert!(r.ok().contains("wrote out/trade.html"), "{}", r.stderr);
    let html = p.read("out/trade.html");
    assert!(html.contains("<h1>Trade by reporter</h1>"));
    assert!(
        html.contains(">usd_m</th>") && html.contains("<td>KAZ</td>"),
        "{html}"
    );
    assert!(html.contains(">KAZ</text>"), "the chart's legend");
}

#[test]
fn an_error_inside_a_function_points_at_the_cell_that_defined_it() {
    let p = Project::new();
    p.write(
        "scripts/f.rhai",
        "// %% Define\nfn ratio(a, b) {\n  a / b + nowhere\n}\n\n// %% Use\nratio(6, 3)\n",
    );
    let r = p.run(&["notebook", "scripts/f.rhai", "--allow-errors"]);
    assert!(
        r.stderr
            .contains("scripts/f.rhai [cell 1]:2:11: unknown variable `nowhere`"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("  a / b + nowhere"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("in function `ratio`, called at scripts/f.rhai [cell 2]:1:1"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("line 2 of cell 1 is scripts/f.rhai:3:11"),
        "{}",
        r.stderr
    );
    let html = p.read("out/f.html");
    assert!(
        html.contains("RuntimeError: line 2, column 11 of cell 1 (script line 3)"),
        "{html}"
    );
}
