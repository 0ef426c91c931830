//! `dossier run`: output, parameters, exit codes, imports.

use crate::harness::Project;

#[test]
fn prints_frames_and_values() {
    let p = Project::new();
    let r = p.script("hello", "let df = frame(#{ year: [2020, 2021], value: [1.0, 2.5] }, [\"year\", \"value\"]).collect();\nprint(df);\nprint(df.height);");
    let out = r.ok();
    assert!(out.contains("shape: (2, 2)"), "{out}");
    assert!(out.contains("│ 2021 ┆ 2.5   │"), "{out}");
    assert!(out.trim_end().ends_with('2'));
}

#[test]
fn params_are_typed_and_override_project_defaults() {
    let p = Project::new();
    p.write("dossier.toml", "[params]\nyear = 2020\nlabel = \"x\"\n");
    p.write("scripts/p.rhai", "print(type_of(params.year)); print(params.year + 1); print(params.label); print(type_of(params.flag));");
    let out = p.run(&["run", "scripts/p.rhai"]);
    assert_eq!(out.ok(), "i64\n2021\nx\n()\n");
    let out = p.run(&[
        "run",
        "scripts/p.rhai",
        "-P",
        "year=2022",
        "-P",
        "flag=true",
        "--param",
        "label=hello world",
    ]);
    assert_eq!(out.ok(), "i64\n2023\nhello world\nbool\n");
    let out = p.run(&["run", "scripts/p.rhai", "-P", "year=2.5"]);
    assert_eq!(out.ok(), "f64\n3.5\nx\n()\n");
}

#[test]
fn missing_script_fails_cleanly() {
    let p = Project::new();
    let r = p.run(&["run", "scripts/nope.rhai"]);
    assert!(r.fails().contains("script not found"), "{}", r.stderr);
}

#[test]
fn imports_resolve_relative_to_the_importing_script() {
    let p = Project::new();
    p.write("scripts/lib/util.rhai", "fn double(e) { e * 2 }\n");
    let r = p.script("imp", "import \"lib/util\" as u;\nprint(frame(#{ a: [1, 2] }).select(u::double(col(\"a\"))).collect().column(\"a\"));");
    assert_eq!(r.ok().trim(), "[2, 4]");
}

#[test]
fn debug_goes_to_stderr() {
    let p = Project::new();
    let r = p.script("dbg", "debug(\"to stderr\"); print(\"to stdout\");");
    assert_eq!(r.ok().trim(), "to stdout");
    assert!(r.stderr.contains("to stderr"));
}

#[test]
fn runs_from_a_subfolder_find_the_project_root() {
    let p = Project::with_data();
    p.write(
        "scripts/deep/x.rhai",
        "print(read_csv(\"data/countries.csv\").height);",
    );
    let r = crate::harness::dossier(&p.path().join("scripts/deep"), &["run", "x.rhai"], None);
    assert_eq!(r.ok().trim(), "2");
}

#[test]
fn lazy_and_eager_verbs_agree() {
    let p = Project::new();
    let r = p.script(
        "eager",
        "let df = frame(#{ g: [\"a\", \"b\", \"a\"], v: [1, 2, 3] }).collect();\n\
         let lazy = df.lazy().filter(col(\"v\") > 1).group_by(\"g\").agg(col(\"v\").sum()).sort(\"g\").collect();\n\
         let eager = df.filter(col(\"v\") > 1).group_by(\"g\").agg(col(\"v\").sum()).sort(\"g\").collect();\n\
         print(lazy.rows() == eager.rows());\nprint(eager.rows());",
    );
    assert_eq!(
        r.ok(),
        "true\n[#{\"g\": \"a\", \"v\": 3}, #{\"g\": \"b\", \"v\": 2}]\n"
    );
}

#[test]
fn sql_and_expression_api_give_the_same_answer() {
    let p = Project::new();
    let r = p.script(
        "sql",
        "let t = dataset(\"trade\");\n\
         let a = sql(\"SELECT reporter, SUM(value_usd) AS v FROM t GROUP BY reporter ORDER BY reporter\", #{ t: t }).collect();\n\
         let b = t.group_by(\"reporter\").agg(col(\"value_usd\").sum().alias(\"v\")).sort(\"reporter\").collect();\n\
         print(a.rows() == b.rows());",
    );
    assert_eq!(r.ok().trim(), "true");
}

#[test]
fn repeated_runs_are_deterministic() {
    let p = Project::new();
    let code = "print(dataset(\"events\").group_by(\"category\").agg(len()).collect().rows());";
    let a = p.script("d", code).stdout;
    for _ in 0..3 {
        assert_eq!(p.script("d", code).stdout, a);
    }
}

#[test]
fn scripts_with_cells_run_cell_by_cell_and_errors_keep_file_lines() {
    let p = Project::new();
    let ok = p.script(
        "cells",
        "// %% one\nlet x = 20\n// %% [markdown]\n// Notes\n// %% two\nprint(x + 1);\nx * 2\n",
    );
    assert_eq!(ok.ok().trim(), "21");
    let bad = p.script(
        "cells_bad",
        "// %% one\nlet x = 1;\n// %% two\nlet y = col(3);\n",
    );
    assert!(
        bad.fails().contains("scripts/cells_bad.rhai:4:9"),
        "{}",
        bad.stderr
    );
}

#[test]
fn frame_keeps_the_column_order_of_its_map_literal() {
    let p = Project::new();
    let r = p.script(
        "order",
        "print(frame(#{ year: [2020, 2021], value: [1.0, 2.5] }).collect().columns);\nlet m = #{ year: [1], value: [2] };\nprint(frame(m).collect().columns);\nprint(frame(m, [\"year\", \"value\"]).collect().columns);",
    );
    assert_eq!(
        r.ok(),
        "[\"year\", \"value\"]\n[\"value\", \"year\"]\n[\"year\", \"value\"]\n"
    );
}

#[test]
fn select_and_with_columns_take_up_to_ten_positional_arguments() {
    let p = Project::new();
    let r = p.script(
        "wide",
        "let f = frame(#{ a: [1] });\nlet w = f.with_columns(lit(2).alias(\"b\"), lit(3).alias(\"c\"), lit(4).alias(\"d\"), lit(5).alias(\"e\"), lit(6).alias(\"g\"), lit(7).alias(\"h\"), lit(8).alias(\"i\"), lit(9).alias(\"j\"), lit(10).alias(\"k\"));\nprint(w.select(\"k\", \"j\", \"i\", \"h\", \"g\", \"e\", \"d\", \"c\", \"b\", \"a\").collect().row(0).values());\nprint(w.select(\"a\", \"b\").collect().width);",
    );
    assert_eq!(r.ok(), "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n2\n");
}
