//! Annotated script-error tests: every `tests/fixtures/errors/scripts/*.rhai`
//! states the diagnostics it must produce in `//! expect:` lines; the run
//! must fail and print each expected text. Plus the engine's limits and the
//! guarantee that no error crashes the process.

use crate::harness::{fixture, Project};

#[test]
fn annotated_error_fixtures() {
    let project = Project::from_fixture("errors");
    let mut scripts: Vec<_> = std::fs::read_dir(fixture("errors/scripts"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "rhai"))
        .collect();
    scripts.sort();
    assert!(scripts.len() >= 15, "fixtures missing");
    let mut failures = Vec::new();
    for path in scripts {
        let text = std::fs::read_to_string(&path).unwrap();
        let expects: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("//! expect: "))
            .collect();
        assert!(
            !expects.is_empty(),
            "{} has no //! expect: lines",
            path.display()
        );
        let rel = format!("scripts/{}", path.file_name().unwrap().to_string_lossy());
        let r = project.run(&["run", &rel]);
        if r.code == 0 {
            failures.push(format!(
                "{rel}: expected failure, got success:\n{}",
                r.stdout
            ));
            continue;
        }
        if r.stderr.contains("panicked") {
            failures.push(format!("{rel}: the process panicked:\n{}", r.stderr));
        }
        for e in expects {
            if !r.stderr.contains(e) {
                failures.push(format!("{rel}: missing `{e}` in:\n{}", r.stderr));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn error_shows_source_line_with_caret() {
    let p = Project::new();
    let r = p.script(
        "caret",
        "let a = 1;\nlet b = frame(#{ x: [1] }).sort(\"y\");\n",
    );
    let err = r.fails();
    assert!(
        err.contains("scripts/caret.rhai:2:28: unknown column `y`"),
        "{err}"
    );
    assert!(
        err.contains("2 │ let b = frame(#{ x: [1] }).sort(\"y\");"),
        "{err}"
    );
    assert!(err.contains("│                            ^^^^"), "{err}");
}

#[test]
fn time_limit_stops_a_busy_script_and_names_the_limit() {
    let p = Project::new();
    p.write(
        "dossier.toml",
        "[limits]\nmax_seconds = 0.5\nmax_operations = 100000000000\n",
    );
    let started = std::time::Instant::now();
    let r = p.script("busy", "let x = 0;\nloop { x += 1; }\n");
    let err = r.fails();
    assert!(err.contains("stopped by the time limit (0.5 s)"), "{err}");
    assert!(err.contains("max_seconds"), "{err}");
    assert!(started.elapsed().as_secs() < 20);
}

#[test]
fn script_errors_exit_nonzero_and_print_nothing_on_stdout_after_the_error() {
    let p = Project::new();
    let r = p.script(
        "partial",
        "print(\"before\");\nlet x = col(1);\nprint(\"after\");\n",
    );
    r.fails();
    assert_eq!(r.stdout.trim(), "before");
}

#[test]
fn invalid_parameter_flag_is_rejected() {
    let p = Project::new();
    p.write("scripts/x.rhai", "print(params);");
    let r = p.run(&["run", "scripts/x.rhai", "-P", "novalue"]);
    assert!(r.fails().contains("expected KEY=VALUE"), "{}", r.stderr);
}

#[test]
fn invalid_project_file_points_at_the_line() {
    let p = Project::new();
    p.write(
        "dossier.toml",
        "[project]\nname = \"x\"\n[limits]\nmax_seconds = \"soon\"\n",
    );
    p.write("scripts/x.rhai", "print(1);");
    let r = p.run(&["run", "scripts/x.rhai"]);
    let err = r.fails();
    assert!(err.contains("dossier.toml:4:"), "{err}");
}
