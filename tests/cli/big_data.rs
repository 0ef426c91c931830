//! Data larger than memory: `collect(#{ engine })`, `sink_parquet` /
//! `sink_csv`, and scans over globs and hive-partitioned folders.

use crate::harness::Project;

/// A query over the repository's data package touching the verbs whose
/// streaming implementations differ most from the in-memory ones (group_by
/// with several aggregations, joins, sort, unique, concat, window-free
/// arithmetic), printing whole frames. `ENGINE` is replaced per run.
const ENGINE_QUERY: &str = r#"
let trade = dataset("trade");
let names = dataset("countries").select("code", "name_en");
let a = trade
    .group_by(["reporter", "derived"])
    .agg(col("value_usd").sum().alias("total"), col("value_usd").mean().alias("mean"),
         col("value_usd").median().alias("median"), col("value_usd").len().alias("n"))
    .join(names, #{ left_on: "reporter", right_on: "code", how: "left" })
    .sort(["reporter", "derived"])
    .collect(ENGINE);
print(a.rows());
let b = concat([dataset("tourism").select("origin"), dataset("tourism").select("destination").rename(#{ destination: "origin" })])
    .unique()
    .sort("origin")
    .collect(ENGINE);
print(b.rows());
let c = dataset("trade").filter(col("flow") == "total")
    .with_columns((col("value_usd") / 1000000.0).round(3).alias("usd_m"))
    .select("reporter", "period_start", "usd_m")
    .sort(["period_start", "reporter"])
    .collect(ENGINE);
print(c.rows());
let d = scan_csv("data/trade.csv", #{ try_parse_dates: true })
    .group_by("reporter").agg(col("value_usd").max().alias("max"))
    .sort("reporter")
    .collect(ENGINE);
print(d.rows());
"#;

fn run_on(p: &Project, name: &str, engine: &str) -> String {
    p.script(name, &ENGINE_QUERY.replace("ENGINE", engine))
        .ok()
        .to_string()
}

#[test]
fn the_streaming_engine_gives_the_same_answers_as_the_default_one() {
    let p = Project::with_data();
    let default = p
        .script(
            "default",
            &ENGINE_QUERY.replace("collect(ENGINE)", "collect()"),
        )
        .ok()
        .to_string();
    assert!(default.contains("\"reporter\": \"ISR\""), "{default}");
    assert_eq!(default.lines().count(), 4, "{default}");
    let streaming = run_on(&p, "streaming", r#"#{ engine: "streaming" }"#);
    let in_memory = run_on(&p, "in_memory", r#"#{ engine: "in-memory" }"#);
    let auto = run_on(&p, "auto", r#"#{ engine: "auto" }"#);
    assert_eq!(default, streaming);
    assert_eq!(default, in_memory);
    assert_eq!(default, auto);
}

/// Turns the fixture's CSV partitions into Parquet partitions
/// (`out/pq/year=Y/part.parquet`) with the sinks, each year's rows passed
/// through `verbs` first.
fn sales_as_parquet(p: &Project, verbs: &str) {
    p.script(
        "to_parquet",
        &format!(
            r#"
for year in [2023, 2024] {{
    scan_csv(`data/sales/year=${{year}}/*.csv`){verbs}
        .sink_parquet(`out/pq/year=${{year}}/part.parquet`);
}}
"#
        ),
    )
    .ok();
}

#[test]
fn engines_agree_on_hive_partitioned_parquet() {
    let p = Project::from_fixture("big_data");
    sales_as_parquet(&p, "");
    let query = |engine: &str| {
        format!(
            r#"
let q = scan_parquet("out/pq/year=*/*.parquet")
    .with_columns((col("units") * col("price")).alias("revenue"))
    .group_by(["year", "product"]).agg(col("revenue").sum(), col("units").sum(), col("region").len().alias("rows"))
    .sort(["year", "product"]);
print(q.collect({engine}).rows());
print(scan_parquet("out/pq").collect({engine}).height);
"#
        )
    };
    let default = p.script("pq_default", &query("")).ok().to_string();
    let streaming = p
        .script("pq_streaming", &query(r#"#{ engine: "streaming" }"#))
        .ok()
        .to_string();
    assert_eq!(default, streaming);
    assert!(
        default.contains(
            r#"#{"product": "coffee", "revenue": 43.75, "rows": 2, "units": 10, "year": 2023}"#
        ),
        "{default}"
    );
    assert_eq!(default.lines().last(), Some("9"), "{default}");
}

#[test]
fn joins_and_groups_that_keep_partitions_apart_run_partition_by_partition() {
    let p = Project::from_fixture("big_data");
    sales_as_parquet(&p, r#".select("region", "product", "units", "price")"#);
    let query = |engine: &str| {
        format!(
            r#"
let pq = scan_parquet("out/pq");
let prices = pq.group_by(["product", "year"]).agg(col("price").mean().alias("mean_price"));
let q = pq.select("product", "year", "units")
    .join(prices, #{{ on: ["product", "year"], how: "left" }})
    .with_columns((col("units") * col("mean_price")).alias("value"))
    .group_by(["year", "product"]).agg(col("value").sum().alias("value"), col("units").len().alias("rows"))
    .sort(["year", "product"]);
print(q.explain().split("\n")[0]);
print(q.collect({engine}).rows());
q.sink_csv("out/pw.csv");
print(read_csv("out/pw.csv").rows());
"#
        )
    };
    let streaming = p
        .script("pw_streaming", &query(r#"#{ engine: "streaming" }"#))
        .ok()
        .to_string();
    let in_memory = p
        .script("pw_in_memory", &query(r#"#{ engine: "in-memory" }"#))
        .ok()
        .to_string();
    let as_written = p
        .script(
            "pw_as_written",
            &query(r#"#{ engine: "streaming", partition_wise: false }"#),
        )
        .ok()
        .to_string();
    assert!(
        streaming.starts_with(
            "PARTITION-WISE on the streaming engine: by \"year\", 2 partitions in 2 batches"
        ),
        "{streaming}"
    );
    assert_eq!(streaming, in_memory);
    assert_eq!(streaming, as_written);
    // The sink writes the same rows.
    let lines: Vec<&str> = streaming.lines().collect();
    assert_eq!(lines[1], lines[2], "{streaming}");
    assert!(
        streaming.contains(r#""product": "coffee", "rows": 2"#)
            && streaming.contains("\"year\": 2024"),
        "{streaming}"
    );
    // A group that spans the partitions runs as written.
    let across = p
        .script(
            "pw_across",
            r#"print(scan_parquet("out/pq").group_by("product").agg(col("units").sum()).explain());"#,
        )
        .ok()
        .to_string();
    assert!(!across.contains("PARTITION-WISE"), "{across}");
}

#[test]
fn a_file_clustered_by_a_group_key_runs_range_by_range() {
    let p = Project::new();
    // 2,097,152 rows whose key `k` rises every 1,000 rows, as a table
    // sorted by its key is written.
    p.script(
        "keyed",
        r#"
let f = frame(#{ x: [1] });
for i in 0..21 { f = concat([f, f]).collect().lazy(); }
f.with_columns(col("x").cum_sum().alias("i"))
 .with_columns((col("i") / 1000).floor().cast("i64").alias("k"), (col("i") % 13).alias("v"))
 .select("k", "v")
 .sink_parquet("out/keyed.parquet");
"#,
    )
    .ok();
    let out = p
        .script(
            "ranges",
            r#"
let t = scan_parquet("out/keyed.parquet");
let sums = t.group_by("k").agg(col("v").sum().alias("s"));
let q = t.join(sums, #{ on: "k" })
    .group_by("k").agg(col("v").count().alias("n"), col("s").first().alias("s"))
    .sort("k");
print(q.explain().split("\n")[0]);
let a = q.collect(#{ engine: "streaming" });
let b = q.collect(#{ engine: "in-memory" });
print(a.height);
print(a.rows());
print(b.rows());
"#,
        )
        .ok()
        .to_string();
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("PARTITION-WISE on the streaming engine: by ranges of \"k\""),
        "{}",
        lines[0]
    );
    assert_eq!(lines[1], "2098");
    assert_eq!(lines[2], lines[3]);
}

#[test]
fn an_unknown_engine_names_the_accepted_ones() {
    let p = Project::with_data();
    let err = p
        .script(
            "bad_engine",
            "let t = dataset(\"trade\");\nt.collect(#{ engine: \"gpu\" });\n",
        )
        .fails()
        .to_string();
    assert!(err.contains("unknown engine \"gpu\""), "{err}");
    assert!(
        err.contains("\"auto\"") && err.contains("\"streaming\"") && err.contains("\"in-memory\""),
        "{err}"
    );
    assert!(err.contains("scripts/bad_engine.rhai:2:"), "{err}");
    let typo = p
        .script(
            "bad_option",
            "dataset(\"trade\").collect(#{ engin: \"streaming\" });",
        )
        .fails()
        .to_string();
    assert!(typo.contains("did you mean `engine`?"), "{typo}");
}

#[test]
fn sinks_write_the_query_result_under_the_output_folder() {
    let p = Project::with_data();
    let out = p.script(
        "sinks",
        r#"
let q = dataset("trade").filter(col("reporter") == "KAZ").select("reporter", "period_start", "value_usd").sort("period_start");
q.sink_parquet("out/kaz.parquet");
q.sink_csv("out/nested/kaz.csv");
let expected = q.collect();
print(scan_parquet("out/kaz.parquet").collect().rows() == expected.rows());
print(read_csv("out/nested/kaz.csv").height == expected.height);
print(expected.height > 0);
"#,
    );
    assert_eq!(out.ok(), "true\ntrue\ntrue\n");
    let csv = p.read("out/nested/kaz.csv");
    assert!(
        csv.starts_with("reporter,period_start,value_usd\nKAZ,"),
        "{csv}"
    );
}

#[test]
fn sinks_refuse_paths_outside_the_output_folder() {
    let p = Project::with_data();
    for (i, target) in [
        "data/copy.csv",
        "../copy.csv",
        "/tmp/dossier-sink-escape.csv",
        "out",
    ]
    .iter()
    .enumerate()
    {
        let err = p
            .script(
                &format!("escape{i}"),
                &format!("dataset(\"trade\").sink_csv({target:?});"),
            )
            .fails()
            .to_string();
        assert!(
            err.contains("scripts may write only inside the output folder")
                || err.contains("it is a folder"),
            "{target}: {err}"
        );
    }
    assert!(!p.path().join("data/copy.csv").exists());
    assert!(!p.path().join("../copy.csv").exists());
    assert!(!std::path::Path::new("/tmp/dossier-sink-escape.csv").exists());
    let err = p
        .script(
            "escape_pq",
            "dataset(\"trade\").sink_parquet(\"data/copy.parquet\");",
        )
        .fails()
        .to_string();
    assert!(err.contains("cannot write `data/copy.parquet`"), "{err}");
}

#[test]
fn a_failing_sink_leaves_no_partial_file() {
    let p = Project::new();
    // 5000 good rows, then a value that is not an integer: the stream fails
    // after the first batches have been written.
    let mut csv = String::from("id,v\n");
    for i in 0..5000 {
        csv.push_str(&format!("{i},{}\n", i * 2));
    }
    csv.push_str("5000,abc\n");
    p.write("data/bad.csv", &csv);
    p.write("out/result.csv", "the previous result\n");
    for (name, target) in [("csv", "out/result.csv"), ("parquet", "out/fresh.parquet")] {
        let err = p
            .script(
                &format!("sink_{name}"),
                &format!(
                    "scan_csv(\"data/bad.csv\", #{{ schema: #{{ id: \"Int64\", v: \"Int64\" }} }}).sink_{name}({target:?});"
                ),
            )
            .fails()
            .to_string();
        assert!(err.contains("abc"), "{err}");
        assert!(
            err.contains(&format!("scripts/sink_{name}.rhai:1:")),
            "{err}"
        );
    }
    assert_eq!(p.read("out/result.csv"), "the previous result\n");
    assert!(!p.path().join("out/fresh.parquet").exists());
    let leftovers: Vec<String> = std::fs::read_dir(p.path().join("out"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "result.csv")
        .collect();
    assert!(leftovers.is_empty(), "left behind: {leftovers:?}");
}

#[test]
fn globs_and_hive_folders_scan_every_partition() {
    let p = Project::from_fixture("big_data");
    let out = p.script(
        "scan",
        r#"
let by_glob = scan_csv("data/sales/year=*/*.csv").collect();
print(by_glob.columns);
print(by_glob.height);
let by_folder = scan_csv("data/sales").group_by("year").agg(col("units").sum()).sort("year").collect();
print(by_folder.rows());
print(scan_csv("data/sales/**/part-1.csv").collect().column("region"));
print(scan_csv("data/sales/year=2024/*.csv").filter(col("year") == 2024).collect().height);
"#,
    );
    assert_eq!(
        out.ok(),
        "[\"region\", \"product\", \"units\", \"price\", \"year\"]\n9\n\
         [#{\"units\": 36, \"year\": 2023}, #{\"units\": 28, \"year\": 2024}]\n\
         [\"KZ\", \"IL\"]\n4\n"
    );
}

#[test]
fn a_glob_that_matches_nothing_is_a_clear_error() {
    let p = Project::from_fixture("big_data");
    let err = p
        .script(
            "none",
            "let t = scan_parquet(\"data/sales/year=*/*.parquet\");",
        )
        .fails()
        .to_string();
    assert!(
        err.contains("no file matches `data/sales/year=*/*.parquet`"),
        "{err}"
    );
    assert!(err.contains("scripts/none.rhai:1:"), "{err}");
    assert!(
        err.contains("data/sales/ holds: year=2023/, year=2024/"),
        "{err}"
    );
    let err = p
        .script("no_folder", "scan_csv(\"data/missing/*.csv\");")
        .fails()
        .to_string();
    assert!(
        err.contains("no file matches `data/missing/*.csv`"),
        "{err}"
    );
    assert!(err.contains("does not exist"), "{err}");
    p.write("data/empty/.keep", "");
    let err = p
        .script("empty_folder", "scan_parquet(\"data/empty\");")
        .fails()
        .to_string();
    assert!(
        err.contains("the folder `data/empty` holds no data file"),
        "{err}"
    );
}

#[test]
fn globs_stay_inside_the_sandbox() {
    let p = Project::from_fixture("big_data");
    let err = p
        .script("escape", "scan_csv(\"../*/data/sales/year=*/*.csv\");")
        .fails()
        .to_string();
    assert!(err.contains("outside the project root"), "{err}");
    #[cfg(unix)]
    {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(
            outside.path().join("secret.csv"),
            "region,product,units,price\nXX,x,1,1.0\n",
        )
        .unwrap();
        std::os::unix::fs::symlink(
            outside.path().join("secret.csv"),
            p.path().join("data/sales/year=2024/part-9.csv"),
        )
        .unwrap();
        let err = p
            .script("link", "scan_csv(\"data/sales/year=*/*.csv\").collect();")
            .fails()
            .to_string();
        assert!(err.contains("it is a link to"), "{err}");
    }
}

#[test]
fn every_file_a_glob_reads_is_recorded_as_an_input() {
    let p = Project::from_fixture("big_data");
    p.run(&["render", "--format", "html"]).ok();
    let html = p.read("out/sales.html");
    for f in [
        "data/sales/year=2023/part-0.csv",
        "data/sales/year=2023/part-1.csv",
        "data/sales/year=2024/part-0.csv",
    ] {
        assert!(html.contains(f), "{f} missing from the provenance:\n{html}");
    }
    assert!(html.contains("36"), "{html}");
}
