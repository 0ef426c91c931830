//! Frame bindings: the lazy verbs (`filter`, `select`, `group_by(...).agg`,
//! `join`, `sort`, …, `collect`) and the eager `DataFrame` API (`height`,
//! `columns`, `rows()`, `describe()`, printing).
//!
//! Every lazy verb is also registered on `DataFrame`, where it runs at once
//! and returns a `DataFrame` (as Python Polars' eager API does).

use polars::prelude::Engine as PlEngine;
use polars::prelude::*;
use polars_core::query_result::QueryResult;
use rhai::{Array, Dynamic, ImmutableString, Map};

use super::docs::Doc;
use super::values::*;
use crate::diag::Diagnostic;

/// Documentation and tested examples for this module's functions.
pub const DOCS: &[Doc] = &[
    Doc {
        name: "filter",
        signature: "frame.filter(predicate: Expr) -> LazyFrame",
        summary: "Keeps the rows where the predicate is true.",
        example: r#"print(dataset("trade").filter(col("reporter") == "KAZ" & col("derived") == "no").collect().height);"#,
        output: "2",
    },
    Doc {
        name: "select",
        signature: "frame.select(exprs…) / frame.select([exprs]) -> LazyFrame",
        summary: "Computes the given columns (names or expressions) and drops the rest.",
        example: r#"print(frame(#{ a: [1, 2], b: [3, 4] }).select("b", (col("a") + 1).alias("c")).collect().columns);"#,
        output: r#"["b", "c"]"#,
    },
    Doc {
        name: "with_columns",
        signature: "frame.with_columns(exprs…) / frame.with_columns([exprs]) -> LazyFrame",
        summary: "Adds or replaces columns, keeping the others.",
        example: r#"print(frame(#{ a: [1, 2] }).with_columns((col("a") * 2).alias("b")).collect().row(1));"#,
        output: r#"#{"a": 2, "b": 4}"#,
    },
    Doc {
        name: "group_by",
        signature: "frame.group_by(keys).agg(exprs) -> LazyFrame",
        summary: "Groups by one or more key columns and aggregates. Groups keep the order in which they first appear.",
        example: r#"let t = frame(#{ r: ["KAZ", "ISR", "KAZ"], v: [1, 2, 3] }).group_by("r").agg(col("v").sum()).collect();
print(t.rows());"#,
        output: r#"[#{"r": "KAZ", "v": 4}, #{"r": "ISR", "v": 2}]"#,
    },
    Doc {
        name: "join",
        signature: "frame.join(other, on, how = \"inner\") / frame.join(other, #{ on, left_on, right_on, how, suffix })",
        summary: "Joins two frames; `on` is a column name or an array of names; `how` is inner, left, full, semi, anti or cross.",
        example: r#"let a = frame(#{ k: [1, 2, 3], x: ["a", "b", "c"] });
let b = frame(#{ k: [2, 3, 4], y: [20, 30, 40] });
print(a.join(b, "k").collect().column("y"));
print(a.join(b, "k", "left").collect().column("y"));
print(a.join(b, "k", "anti").collect().column("x"));"#,
        output: "[20, 30]\n[(), 20, 30]\n[\"a\"]",
    },
    Doc {
        name: "sort",
        signature: "frame.sort(by) / frame.sort(by, #{ descending, nulls_last })",
        summary: "Sorts by one or more columns or expressions; `descending` may be a boolean or one per key.",
        example: r#"let df = frame(#{ a: [2, 1, 3] });
print(df.sort("a").collect().column("a"));
print(df.sort("a", #{ descending: true }).collect().column("a"));"#,
        output: "[1, 2, 3]\n[3, 2, 1]",
    },
    Doc {
        name: "head",
        signature: "frame.head(n = 5) / frame.tail(n = 5) / frame.limit(n)",
        summary: "The first or last n rows.",
        example: r#"let df = frame(#{ a: [1, 2, 3, 4, 5, 6] });
print(df.head(2).collect().column("a"));
print(df.tail(2).collect().column("a"));
print(df.limit(1).collect().column("a"));"#,
        output: "[1, 2]\n[5, 6]\n[1]",
    },
    Doc {
        name: "unique",
        signature: "frame.unique() / frame.unique(subset) / frame.unique(subset, #{ keep })",
        summary: "Drops duplicate rows (over all or some columns), keeping the first by default and the original order.",
        example: r#"print(frame(#{ a: [1, 1, 2] }).unique().collect().column("a"));"#,
        output: "[1, 2]",
    },
    Doc {
        name: "rename",
        signature: "frame.rename(#{ old: \"new\" })",
        summary: "Renames columns.",
        example: r#"print(frame(#{ a: [1] }).rename(#{ a: "b" }).collect().columns);"#,
        output: r#"["b"]"#,
    },
    Doc {
        name: "drop",
        signature: "frame.drop(columns)",
        summary: "Removes one column or an array of columns.",
        example: r#"print(frame(#{ a: [1], b: [2], c: [3] }).drop(["a", "c"]).collect().columns);"#,
        output: r#"["b"]"#,
    },
    Doc {
        name: "pivot",
        signature: "frame.pivot(on, #{ index, values, aggregate_function })",
        summary: "Long to wide: one column per distinct value of `on`. aggregate_function is first (default), sum, mean, min, max, median, count or last.",
        example: r#"let long = frame(#{ year: [2020, 2020, 2022], reporter: ["ISR", "KAZ", "ISR"], v: [1, 3, 5] });
let wide = long.pivot("reporter", #{ index: "year", values: "v" }).collect();
print(wide.columns);
print(wide.row(1));"#,
        output: "[\"year\", \"ISR\", \"KAZ\"]\n#{\"ISR\": 5, \"KAZ\": (), \"year\": 2022}",
    },
    Doc {
        name: "unpivot",
        signature: "frame.unpivot(on, #{ index, variable_name, value_name }) / frame.unpivot(#{ … })",
        summary: "Wide to long: the `on` columns become (variable, value) rows.",
        example: r#"let wide = frame(#{ year: [2020], ISR: [1], KAZ: [3] });
let long = wide.unpivot(["ISR", "KAZ"], #{ index: "year", variable_name: "reporter" }).collect();
print(long.column("reporter"));
print(long.column("value"));"#,
        output: "[\"ISR\", \"KAZ\"]\n[1, 3]",
    },
    Doc {
        name: "concat",
        signature: "concat([frames]) / concat([frames], #{ how: \"vertical\" | \"diagonal\" })",
        summary: "Stacks frames vertically (same columns), or diagonally (the union of the columns, missing ones null).",
        example: r#"let a = frame(#{ x: [1] });
let b = frame(#{ x: [2], y: ["b"] });
print(concat([a, a]).collect().column("x"));
print(concat([a, b], #{ how: "diagonal" }).collect().column("y"));"#,
        output: "[1, 1]\n[(), \"b\"]",
    },
    Doc {
        name: "explain",
        signature: "frame.explain() -> string",
        summary: "The optimised query plan, as text. A query that would run partition by partition on the streaming engine (joins and groups over Parquet that keep a key together: hive folders, or ranges of a column the files are clustered by) says so on its first line, `PARTITION-WISE …`.",
        example: r#"print(frame(#{ a: [1] }).filter(col("a") > 0).explain().contains("FILTER"));"#,
        output: "true",
    },
    Doc {
        name: "collect",
        signature: "lazy_frame.collect() / lazy_frame.collect(#{ engine: \"auto\" | \"streaming\" | \"in-memory\", partition_wise: true | false }) -> DataFrame",
        summary: "Runs the query and materialises the result. `engine: \"streaming\"` runs it on Polars' streaming engine, in batches with bounded memory, for data larger than memory; \"in-memory\" on the in-memory engine; \"auto\" (the default) streams queries that scan 16 MiB of files or more. A streaming query whose joins and groups keep a key together runs partition by partition (see `explain`); `partition_wise: false` runs it as written. Every engine gives the same answer.",
        example: r#"let q = dataset("trade").group_by("reporter").agg(col("value_usd").sum()).sort("reporter");
let a = q.collect();
let b = q.collect(#{ engine: "streaming" });
print(b.column("reporter"));
print(a.column("value_usd") == b.column("value_usd"));"#,
        output: "[\"ISR\", \"KAZ\"]\ntrue",
    },
    Doc {
        name: "height",
        signature: "df.height / df.width / df.columns / df.schema",
        summary: "Number of rows and columns, column names, and a map of column name to type.",
        example: r#"let df = frame(#{ year: [2020, 2021], value: [1.0, 2.5] }, ["year", "value"]).collect();
print(df.height);
print(df.width);
print(df.columns);
print(df.schema);"#,
        output: "2\n2\n[\"year\", \"value\"]\n#{\"value\": \"Float64\", \"year\": \"Int64\"}",
    },
    Doc {
        name: "column",
        signature: "df.column(name) -> array",
        summary: "A column's values as an array (nulls are `()`, dates ISO strings).",
        example: r#"print(frame(#{ a: [1, (), 3] }).collect().column("a"));"#,
        output: "[1, (), 3]",
    },
    Doc {
        name: "rows",
        signature: "df.rows() -> array of maps / df.row(i) -> map / df.item() -> value",
        summary: "Rows as object maps; `item()` is the single value of a 1×1 frame (or `item(row, column)`).",
        example: r#"let df = frame(#{ a: [1, 2], b: ["x", "y"] }).collect();
print(df.rows());
print(df.row(-1));
print(df.item(0, "b"));"#,
        output: "[#{\"a\": 1, \"b\": \"x\"}, #{\"a\": 2, \"b\": \"y\"}]\n#{\"a\": 2, \"b\": \"y\"}\nx",
    },
    Doc {
        name: "describe",
        signature: "df.describe() -> DataFrame",
        summary: "Summary statistics per column: count, null_count, mean, std, min, 25%, 50%, 75%, max.",
        example: r#"let d = frame(#{ v: [1.0, 2.0, 3.0, 4.0] }).collect().describe();
print(d.column("statistic"));
print(d.column("v"));"#,
        output: "[\"count\", \"null_count\", \"mean\", \"std\", \"min\", \"25%\", \"50%\", \"75%\", \"max\"]\n[4.0, 0.0, 2.5, 1.2909944487358056, 1.0, 2.0, 3.0, 3.0, 4.0]",
    },
    Doc {
        name: "lazy",
        signature: "df.lazy() -> LazyFrame",
        summary: "Back to a lazy frame to build a new query.",
        example: r#"let df = frame(#{ a: [1, 2] }).collect();
print(df.lazy().filter(col("a") > 1).collect().height);"#,
        output: "1",
    },
    Doc {
        name: "print",
        signature: "print(df)",
        summary: "Prints a frame as a Polars table.",
        example: r#"print(frame(#{ a: [1] }).collect());"#,
        output: "shape: (1, 1)\n┌─────┐\n│ a   │\n│ --- │\n│ i64 │\n╞═════╡\n│ 1   │\n└─────┘",
    },
];

/// A lazy view of either frame type.
pub fn as_lazy(d: &Dynamic) -> Option<LazyFrameV> {
    if let Some(l) = d.clone().try_cast::<LazyFrameV>() {
        Some(l)
    } else {
        d.clone()
            .try_cast::<DataFrameV>()
            .map(|df| LazyFrameV::new(df.0.lazy()))
    }
}

/// Resolves a new frame's schema so that an unknown column or a type error
/// is reported at the verb that caused it, not at a later `collect()`.
///
/// The check resolves the new plan in the arenas of the frame it was built
/// from, where the earlier verbs' plan is already resolved: one node per
/// verb, not the whole query again (see [`PlanArenas`]).
fn checked(mut f: LazyFrameV) -> RResult<LazyFrameV> {
    let arenas = f.arenas.clone();
    guard(|| arenas.resolve(&mut f.lf))?;
    Ok(f)
}

/// A plain `collect()` (engine "auto") runs a query that scans at least
/// this many bytes of files on Polars' streaming engine, which processes
/// the data in batches across all cores with a bounded memory footprint.
/// Smaller queries (every query of a briefing over a few CSV files) run on
/// the in-memory engine, which starts faster.
pub const STREAMING_MIN_BYTES: u64 = 16 * 1024 * 1024;

/// The engines `collect(#{ engine })` accepts.
pub const ENGINES: &[&str] = &["auto", "streaming", "in-memory"];

/// The Polars engine for `name` (one of [`ENGINES`]) and this query.
pub fn engine_named(f: &LazyFrameV, name: &str) -> RResult<PlEngine> {
    match name {
        "auto" if f.scan_bytes >= STREAMING_MIN_BYTES => Ok(PlEngine::Streaming),
        "auto" | "in-memory" => Ok(PlEngine::InMemory),
        "streaming" => Ok(PlEngine::Streaming),
        other => Err(script_err_help(
            format!("collect: unknown engine \"{other}\""),
            format!(
                "the engines are {}",
                ENGINES
                    .iter()
                    .map(|e| format!("\"{e}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

/// The engine chosen by `collect`'s options map (`#{ engine: …,
/// partition_wise: … }`), and whether a streaming query may run partition
/// by partition (`data::partitionwise`; default true).
fn engine_from_opts(f: &LazyFrameV, opts: &Map) -> RResult<(PlEngine, bool)> {
    check_opts(opts, &["engine", "partition_wise"], "collect")?;
    let engine = match opt_str(opts, "engine")? {
        Some(name) => engine_named(f, &name)?,
        None => engine_named(f, "auto")?,
    };
    Ok((engine, opt_bool(opts, "partition_wise", true)?))
}

/// Runs a lazy query on the default engine (see [`STREAMING_MIN_BYTES`]).
pub fn collect(f: &LazyFrameV) -> RResult<DataFrameV> {
    collect_on(f, engine_named(f, "auto")?)
}

/// Runs a lazy query on `engine`. Parse errors in CSV sources are traced
/// back to the file, row and column.
pub fn collect_on(f: &LazyFrameV, engine: PlEngine) -> RResult<DataFrameV> {
    collect_with(f, engine, true)
}

/// [`collect_on`], with partition-wise execution of a streaming query
/// allowed or not.
pub fn collect_with(f: &LazyFrameV, engine: PlEngine, partition_wise: bool) -> RResult<DataFrameV> {
    let lf = f.lf.clone();
    // A small in-memory query runs on the calling thread, without handing
    // its work to Polars' pool and back (see `data::threads`).
    let small = matches!(engine, PlEngine::InMemory)
        && crate::data::threads::is_small(f.scan_bytes, &lf.logical_plan);
    // Common-subplan and common-subexpression elimination save recomputing
    // a shared part of a large query; over a small one, finding the shared
    // parts costs more than computing them twice (both briefings as HTML
    // 0.93x the time without them; the pages are byte for byte the same).
    // Over small frames already in memory, the other rewrites (pushing
    // projections, filters and slices down, simplifying expressions) save
    // less than they cost to plan (both briefings as HTML 0.88x the time
    // without them, pages the same). A query that reads files keeps them,
    // so a column it does not use is not parsed.
    let lf = if small {
        let lf = lf
            .with_comm_subplan_elim(false)
            .with_comm_subexpr_elim(false);
        if !crate::data::threads::scans_files(&lf.logical_plan) {
            // Its conversion then asks for nothing the verbs' checks did
            // not do: it starts from the nodes they resolved.
            f.arenas.lend_to(
                lf.with_projection_pushdown(false)
                    .with_predicate_pushdown(false)
                    .with_slice_pushdown(false)
                    .with_simplify_expr(false)
                    .with_cluster_with_columns(false),
            )
        } else {
            lf
        }
    } else {
        lf
    };
    // A streaming query whose joins and groups keep a key together (over
    // hive folders, or ranges of a column the Parquet files are clustered
    // by) runs one batch of partitions at a time (`data::partitionwise`).
    let by_parts = partition_wise && matches!(engine, PlEngine::Streaming);
    match guard(move || {
        if by_parts {
            if let Some(result) = crate::data::partitionwise::collect(&lf, engine) {
                return result;
            }
        }
        crate::data::threads::on_this_thread_if(small, || {
            lf.collect_with_engine(engine)
                .map(QueryResult::unwrap_single)
        })
    }) {
        Ok(df) => Ok(DataFrameV(df)),
        Err(e) => Err(trace_csv_error(f, e)),
    }
}

/// A query error, with the file, row and column of the bad value when the
/// error is a CSV parse error in one of the query's sources.
pub fn trace_csv_error(f: &LazyFrameV, e: Box<rhai::EvalAltResult>) -> Box<rhai::EvalAltResult> {
    let msg = error_text(&e);
    for path in f.csv_sources.iter() {
        if let Some(found) = crate::data::csv_diagnose::locate(
            &std::env::current_dir().unwrap_or_default(),
            path,
            &msg,
        ) {
            return diag_err(
                Diagnostic::error(found)
                    .with_kind("data")
                    .with_note(first_line(&msg)),
            );
        }
    }
    e
}

fn first_line(s: &str) -> String {
    let s = s.strip_prefix("Runtime error: ").unwrap_or(s);
    s.lines()
        .next()
        .unwrap_or("")
        .trim_end_matches(" (line 0, position 0)")
        .to_string()
}

fn join_type(how: &str) -> RResult<JoinType> {
    Ok(match how {
        "inner" => JoinType::Inner,
        "left" => JoinType::Left,
        "right" => JoinType::Right,
        "full" | "outer" => JoinType::Full,
        "semi" => JoinType::Semi,
        "anti" => JoinType::Anti,
        "cross" => JoinType::Cross,
        other => {
            return Err(script_err_help(
                format!("join: unknown `how` = \"{other}\""),
                "use \"inner\", \"left\", \"right\", \"full\", \"semi\", \"anti\" or \"cross\"",
            ))
        }
    })
}

fn join(a: &LazyFrameV, b: &Dynamic, opts: &Map) -> RResult<LazyFrameV> {
    check_opts(
        opts,
        &["on", "left_on", "right_on", "how", "suffix", "coalesce"],
        "join",
    )?;
    let other = as_lazy(b).ok_or_else(|| {
        script_err(format!(
            "join: expected a frame to join with, found {}",
            type_name(b)
        ))
    })?;
    let how = join_type(opt_str(opts, "how")?.as_deref().unwrap_or("inner"))?;
    let (left, right) = if let Some(on) = opt(opts, "on") {
        let on = to_exprs(on, Strings::Columns)?;
        (on.clone(), on)
    } else {
        match (opt(opts, "left_on"), opt(opts, "right_on")) {
            (Some(l), Some(r)) => (
                to_exprs(l, Strings::Columns)?,
                to_exprs(r, Strings::Columns)?,
            ),
            _ if matches!(how, JoinType::Cross) => (vec![], vec![]),
            _ => {
                return Err(script_err(
                    "join: give `on`, or both `left_on` and `right_on`",
                ))
            }
        }
    };
    let mut args = JoinArgs::new(how);
    if let Some(s) = opt_str(opts, "suffix")? {
        args = args.with_suffix(Some(s.into()));
    }
    if let Some(c) = opt(opts, "coalesce") {
        let c = c
            .as_bool()
            .map_err(|_| script_err("join: `coalesce` must be true or false"))?;
        args = args.with_coalesce(if c {
            JoinCoalesce::CoalesceColumns
        } else {
            JoinCoalesce::KeepColumns
        });
    }
    let lf = a.lf.clone().join(other.lf.clone(), left, right, args);
    Ok(LazyFrameV::combine(lf, [a, &other]))
}

fn sort(f: &LazyFrameV, by: &Dynamic, opts: &Map) -> RResult<LazyFrameV> {
    check_opts(
        opts,
        &["descending", "nulls_last", "maintain_order"],
        "sort",
    )?;
    let by = to_exprs(by, Strings::Columns)?;
    let flags = |key: &str| -> RResult<Vec<bool>> {
        match opt(opts, key) {
            None => Ok(vec![false]),
            Some(v) if v.is_array() => v
                .clone()
                .into_array()
                .unwrap_or_default()
                .iter()
                .map(|x| {
                    x.as_bool()
                        .map_err(|_| script_err(format!("sort: `{key}` must hold true or false")))
                })
                .collect(),
            Some(v) => Ok(vec![v.as_bool().map_err(|_| {
                script_err(format!(
                    "sort: `{key}` must be true, false or an array of them"
                ))
            })?]),
        }
    };
    let mut desc = flags("descending")?;
    let mut nulls = flags("nulls_last")?;
    if desc.len() == 1 {
        desc = vec![desc[0]; by.len()];
    }
    if nulls.len() == 1 {
        nulls = vec![nulls[0]; by.len()];
    }
    if desc.len() != by.len() {
        return Err(script_err(format!(
            "sort: {} keys but {} `descending` flags",
            by.len(),
            desc.len()
        )));
    }
    let o = SortMultipleOptions::default()
        .with_order_descending_multi(desc)
        .with_nulls_last_multi(nulls)
        .with_maintain_order(opt_bool(opts, "maintain_order", true)?);
    Ok(f.map(f.lf.clone().sort_by_exprs(by, o)))
}

fn unique(f: &LazyFrameV, subset: Option<&Dynamic>, opts: &Map) -> RResult<LazyFrameV> {
    check_opts(opts, &["keep", "maintain_order"], "unique")?;
    let subset = match subset {
        Some(s) if !s.is_unit() => Some(cols(to_names(s, "unique")?)),
        _ => None,
    };
    let keep = match opt_str(opts, "keep")?.as_deref() {
        None | Some("first") => UniqueKeepStrategy::First,
        Some("last") => UniqueKeepStrategy::Last,
        Some("any") => UniqueKeepStrategy::Any,
        Some("none") => UniqueKeepStrategy::None,
        Some(o) => {
            return Err(script_err(format!(
                "unique: `keep` must be first, last, any or none, not `{o}`"
            )))
        }
    };
    Ok(f.map(if opt_bool(opts, "maintain_order", true)? {
        f.lf.clone().unique_stable(subset, keep)
    } else {
        f.lf.clone().unique(subset, keep)
    }))
}

fn pivot(f: &LazyFrameV, on: &Dynamic, opts: &Map) -> RResult<LazyFrameV> {
    check_opts(
        opts,
        &["index", "values", "aggregate_function", "separator"],
        "pivot",
    )?;
    let on = to_names(on, "pivot")?;
    if on.len() != 1 {
        return Err(script_err("pivot: `on` takes one column name"));
    }
    let on = on[0].clone();
    let schema = guard(|| f.lf.clone().collect_schema())?;
    let all: Vec<String> = schema.iter_names().map(|s| s.to_string()).collect();
    let check = |names: &[String]| -> RResult<()> {
        for n in names {
            if !all.contains(n) {
                return Err(script_err_help(
                    format!("pivot: unknown column `{n}`"),
                    format!("the columns are: {}", all.join(", ")),
                ));
            }
        }
        Ok(())
    };
    check(std::slice::from_ref(&on))?;
    let index = match opt(opts, "index") {
        Some(v) => to_names(v, "pivot index")?,
        None => Vec::new(),
    };
    let values = match opt(opts, "values") {
        Some(v) => to_names(v, "pivot values")?,
        None => all
            .iter()
            .filter(|c| **c != on && !index.contains(c))
            .cloned()
            .collect(),
    };
    let index = if index.is_empty() {
        all.iter()
            .filter(|c| **c != on && !values.contains(c))
            .cloned()
            .collect()
    } else {
        index
    };
    check(&index)?;
    check(&values)?;
    if index.is_empty() {
        return Err(script_err(
            "pivot: give `index` (the columns that stay rows)",
        ));
    }
    let agg = opt_str(opts, "aggregate_function")?.unwrap_or_else(|| "first".into());
    let agg_fn: fn(Expr) -> Expr = match agg.as_str() {
        "first" => Expr::first,
        "last" => Expr::last,
        "sum" => Expr::sum,
        "mean" => Expr::mean,
        "median" => Expr::median,
        "min" => Expr::min,
        "max" => Expr::max,
        "count" | "len" => Expr::count,
        other => {
            return Err(script_err(format!(
                "pivot: unknown aggregate_function `{other}` (first, last, sum, mean, median, min, max, count)"
            )))
        }
    };
    let sep = opt_str(opts, "separator")?.unwrap_or_else(|| "_".into());
    let on_key = col(on.as_str()).cast(DataType::String);
    let distinct = guard(|| {
        f.lf.clone()
            .select([on_key.clone().alias("__on")])
            .unique_stable(None, UniqueKeepStrategy::First)
            .collect()
    })?;
    let keys: Vec<Option<String>> = distinct
        .column("__on")
        .map_err(|e| polars_err(&e))?
        .as_materialized_series()
        .iter()
        .map(|v| match v {
            AnyValue::Null => None,
            v => Some(v.to_string().trim_matches('"').to_string()),
        })
        .collect();
    let mut aggs = Vec::new();
    for value in &values {
        for key in &keys {
            let label = key.clone().unwrap_or_else(|| "null".into());
            let name = if values.len() == 1 {
                label.clone()
            } else {
                format!("{value}{sep}{label}")
            };
            let mask = match key {
                Some(k) => on_key.clone().eq(lit(k.as_str())),
                None => on_key.clone().is_null(),
            };
            aggs.push(agg_fn(col(value.as_str()).filter(mask)).alias(name.as_str()));
        }
    }
    let idx: Vec<Expr> = index.iter().map(|s| col(s.as_str())).collect();
    Ok(f.map(f.lf.clone().group_by_stable(idx).agg(aggs)))
}

fn unpivot(f: &LazyFrameV, on: Option<&Dynamic>, opts: &Map) -> RResult<LazyFrameV> {
    check_opts(
        opts,
        &["on", "index", "variable_name", "value_name"],
        "unpivot",
    )?;
    let on = match on.or_else(|| opt(opts, "on")) {
        Some(v) if !v.is_unit() => Some(cols(to_names(v, "unpivot")?)),
        _ => None,
    };
    let index = match opt(opts, "index") {
        Some(v) => cols(to_names(v, "unpivot index")?),
        None => cols(Vec::<String>::new()),
    };
    let args = UnpivotArgsDSL {
        on,
        index,
        variable_name: Some(
            opt_str(opts, "variable_name")?
                .unwrap_or_else(|| "variable".into())
                .into(),
        ),
        value_name: Some(
            opt_str(opts, "value_name")?
                .unwrap_or_else(|| "value".into())
                .into(),
        ),
    };
    Ok(f.map(f.lf.clone().unpivot(args)))
}

fn rename(f: &LazyFrameV, map: &Map) -> RResult<LazyFrameV> {
    let mut old = Vec::new();
    let mut new = Vec::new();
    for (k, v) in map {
        let n = v.clone().try_cast::<ImmutableString>().ok_or_else(|| {
            script_err(format!("rename: the new name for `{k}` must be a string"))
        })?;
        old.push(k.to_string());
        new.push(n.to_string());
    }
    Ok(f.map(f.lf.clone().rename(old, new, true)))
}

fn describe(df: &DataFrame) -> RResult<DataFrame> {
    let stats = [
        "count",
        "null_count",
        "mean",
        "std",
        "min",
        "25%",
        "50%",
        "75%",
        "max",
    ];
    let mut columns: Vec<Column> = vec![Column::new("statistic".into(), stats.to_vec())];
    for c in df.columns() {
        let s = c.as_materialized_series();
        let name = s.name().clone();
        let numeric = s.dtype().is_primitive_numeric() || s.dtype().is_bool();
        let vals: Vec<Option<f64>> = if numeric {
            let f = guard(|| s.cast(&DataType::Float64))?;
            let ca = f.f64().map_err(|e| polars_err(&e))?;
            let q = |p: f64| ca.quantile(p, QuantileMethod::Nearest).ok().flatten();
            vec![
                Some((s.len() - s.null_count()) as f64),
                Some(s.null_count() as f64),
                ca.mean(),
                ca.std(1),
                ca.min(),
                q(0.25),
                q(0.5),
                q(0.75),
                ca.max(),
            ]
        } else {
            vec![
                Some((s.len() - s.null_count()) as f64),
                Some(s.null_count() as f64),
                None,
                None,
                None,
                None,
                None,
                None,
                None,
            ]
        };
        if numeric {
            columns.push(Column::new(name, vals));
        } else {
            // Text and dates: counts, then min and max as text.
            let sorted = guard(|| s.cast(&DataType::String))?;
            let ca = sorted.str().map_err(|e| polars_err(&e))?;
            let min = ca.iter().flatten().min().map(str::to_string);
            let max = ca.iter().flatten().max().map(str::to_string);
            let text: Vec<Option<String>> = vec![
                vals[0].map(|v| format!("{v}")),
                vals[1].map(|v| format!("{v}")),
                None,
                None,
                min,
                None,
                None,
                None,
                max,
            ];
            columns.push(Column::new(name, text));
        }
    }
    guard(|| DataFrame::new_infer_height(columns))
}

macro_rules! verb {
    ($engine:ident, $name:literal, |$f:ident $(, $a:ident : $t:ty)*| $body:expr) => {{
        $engine.register_fn($name, |$f: &mut LazyFrameV $(, $a: $t)*| -> RResult<LazyFrameV> {
            let $f: &LazyFrameV = &*$f;
            let out: RResult<LazyFrameV> = $body;
            checked(out?)
        });
        $engine.register_fn($name, |df: &mut DataFrameV $(, $a: $t)*| -> RResult<DataFrameV> {
            let lazy = LazyFrameV::new(df.0.clone().lazy());
            let $f: &LazyFrameV = &lazy;
            let out: RResult<LazyFrameV> = $body;
            collect(&out?)
        });
    }};
}

/// Registers the frame API.
pub fn register(engine: &mut super::bindings::Bindings) {
    engine.register_type_with_name::<LazyFrameV>("LazyFrame");
    engine.register_type_with_name::<DataFrameV>("DataFrame");
    engine.register_type_with_name::<GroupByV>("GroupBy");

    verb!(engine, "filter", |f, p: Dynamic| Ok(
        f.map(f.lf.clone().filter(to_expr(&p, Strings::Columns)?))
    ));
    verb!(engine, "select", |f, e: Dynamic| Ok(
        f.map(f.lf.clone().select(to_exprs(&e, Strings::Columns)?))
    ));
    verb!(engine, "with_columns", |f, e: Dynamic| {
        Ok(f.map(f.lf.clone().with_columns(to_exprs(&e, Strings::Literals)?)))
    });
    // Positional forms: select(a, b, …), with_columns(a, b, …).
    macro_rules! variadic {
        ($name:literal, $strings:expr, $method:ident, $($arg:ident),+) => {
            verb!(engine, $name, |f $(, $arg: Dynamic)+| {
                let mut exprs = Vec::new();
                $( exprs.extend(to_exprs(&$arg, $strings)?); )+
                Ok(f.map(f.lf.clone().$method(exprs)))
            });
        };
    }
    // Positional forms, select(a, b, …) and with_columns(a, b, …), up to ten arguments.
    macro_rules! variadic_upto {
        ($name:literal, $strings:expr, $method:ident; $first:ident, $second:ident $(, $rest:ident)*) => {
            variadic!($name, $strings, $method, $first, $second);
            variadic_upto!(@acc $name, $strings, $method; [$first, $second]; $($rest),*);
        };
        (@acc $name:literal, $strings:expr, $method:ident; [$($done:ident),+]; $next:ident $(, $rest:ident)*) => {
            variadic!($name, $strings, $method, $($done),+, $next);
            variadic_upto!(@acc $name, $strings, $method; [$($done),+, $next]; $($rest),*);
        };
        (@acc $name:literal, $strings:expr, $method:ident; [$($done:ident),+]; ) => {};
    }
    variadic_upto!("select", Strings::Columns, select; a, b, c, d, e, g, h, i, j, k);
    variadic_upto!("with_columns", Strings::Literals, with_columns; a, b, c, d, e, g, h, i, j, k);
    verb!(engine, "join", |f, other: Dynamic, on: Dynamic| {
        let mut o = Map::new();
        o.insert("on".into(), on);
        join(f, &other, &o)
    });
    verb!(
        engine,
        "join",
        |f, other: Dynamic, on: Dynamic, how: ImmutableString| {
            let mut o = Map::new();
            o.insert("on".into(), on);
            o.insert("how".into(), how.into());
            join(f, &other, &o)
        }
    );
    verb!(engine, "join", |f,
                           other: Dynamic,
                           on: Dynamic,
                           how: ImmutableString,
                           opts: Map| {
        let mut o = opts.clone();
        o.insert("on".into(), on);
        o.insert("how".into(), how.into());
        join(f, &other, &o)
    });
    verb!(engine, "join", |f, other: Dynamic, opts: Map| join(
        f, &other, &opts
    ));
    verb!(engine, "sort", |f, by: Dynamic| sort(f, &by, &Map::new()));
    verb!(engine, "sort", |f, by: Dynamic, opts: Map| sort(
        f, &by, &opts
    ));
    verb!(engine, "head", |f| Ok(f.map(f.lf.clone().limit(5))));
    verb!(engine, "head", |f, n: i64| Ok(
        f.map(f.lf.clone().limit(n.max(0) as IdxSize))
    ));
    verb!(engine, "tail", |f| Ok(f.map(f.lf.clone().tail(5))));
    verb!(engine, "tail", |f, n: i64| Ok(
        f.map(f.lf.clone().tail(n.max(0) as IdxSize))
    ));
    verb!(engine, "limit", |f, n: i64| Ok(
        f.map(f.lf.clone().limit(n.max(0) as IdxSize))
    ));
    verb!(engine, "unique", |f| unique(f, None, &Map::new()));
    verb!(engine, "unique", |f, subset: Dynamic| unique(
        f,
        Some(&subset),
        &Map::new()
    ));
    verb!(engine, "unique", |f, subset: Dynamic, opts: Map| unique(
        f,
        Some(&subset),
        &opts
    ));
    verb!(engine, "rename", |f, m: Map| rename(f, &m));
    verb!(engine, "drop", |f, c: Dynamic| Ok(
        f.map(f.lf.clone().drop(cols(to_names(&c, "drop")?)))
    ));
    verb!(engine, "pivot", |f, on: Dynamic, opts: Map| pivot(
        f, &on, &opts
    ));
    verb!(engine, "unpivot", |f, opts: Map| unpivot(f, None, &opts));
    verb!(engine, "unpivot", |f, on: Dynamic, opts: Map| unpivot(
        f,
        Some(&on),
        &opts
    ));
    verb!(engine, "with_row_index", |f, name: ImmutableString| {
        Ok(f.map(f.lf.clone().with_row_index(name.as_str(), None)))
    });

    // group_by(keys).agg(exprs)
    let group = |f: &LazyFrameV, keys: &Dynamic, opts: &Map| -> RResult<GroupByV> {
        check_opts(opts, &["maintain_order"], "group_by")?;
        Ok(GroupByV {
            frame: f.clone(),
            keys: to_exprs(keys, Strings::Columns)?,
            maintain_order: opt_bool(opts, "maintain_order", true)?,
        })
    };
    engine.register_fn("group_by", move |f: &mut LazyFrameV, k: Dynamic| {
        group(f, &k, &Map::new())
    });
    engine.register_fn("group_by", move |f: &mut LazyFrameV, k: Dynamic, o: Map| {
        group(f, &k, &o)
    });
    engine.register_fn("group_by", move |df: &mut DataFrameV, k: Dynamic| {
        group(&LazyFrameV::new(df.0.clone().lazy()), &k, &Map::new())
    });
    engine.register_fn(
        "group_by",
        move |df: &mut DataFrameV, k: Dynamic, o: Map| {
            group(&LazyFrameV::new(df.0.clone().lazy()), &k, &o)
        },
    );
    // Positional keys: group_by("a", "b"), as in Python.
    macro_rules! group_n {
        ($($arg:ident),+) => {
            engine.register_fn("group_by", move |f: &mut LazyFrameV $(, $arg: Dynamic)+| {
                let keys: Array = vec![$($arg),+];
                group(f, &Dynamic::from(keys), &Map::new())
            });
            engine.register_fn("group_by", move |df: &mut DataFrameV $(, $arg: Dynamic)+| {
                let keys: Array = vec![$($arg),+];
                group(&LazyFrameV::new(df.0.clone().lazy()), &Dynamic::from(keys), &Map::new())
            });
        };
    }
    group_n!(a, b);
    group_n!(a, b, c);
    group_n!(a, b, c, d);
    let agg = |g: &GroupByV, exprs: Vec<Expr>| -> LazyFrameV {
        let gb = if g.maintain_order {
            g.frame.lf.clone().group_by_stable(g.keys.clone())
        } else {
            g.frame.lf.clone().group_by(g.keys.clone())
        };
        g.frame.map(gb.agg(exprs))
    };
    engine.register_fn(
        "agg",
        move |g: &mut GroupByV, e: Dynamic| -> RResult<LazyFrameV> {
            checked(agg(g, to_exprs(&e, Strings::Columns)?))
        },
    );
    // Positional forms: agg(a, b, …) up to six expressions, as in Python.
    macro_rules! agg_n {
        ($($arg:ident),+) => {
            engine.register_fn("agg", move |g: &mut GroupByV $(, $arg: Dynamic)+| -> RResult<LazyFrameV> {
                let mut v = Vec::new();
                $( v.extend(to_exprs(&$arg, Strings::Columns)?); )+
                checked(agg(g, v))
            });
        };
    }
    agg_n!(a, b);
    agg_n!(a, b, c);
    agg_n!(a, b, c, d);
    agg_n!(a, b, c, d, e);
    agg_n!(a, b, c, d, e, f);
    engine.register_fn("len", move |g: &mut GroupByV| {
        agg(g, vec![len().alias("len")])
    });

    let concat_frames = |frames: Array, opts: Map| -> RResult<LazyFrameV> {
        check_opts(&opts, &["how"], "concat")?;
        let mut lfs = Vec::new();
        for (i, f) in frames.iter().enumerate() {
            lfs.push(as_lazy(f).ok_or_else(|| {
                script_err(format!("concat: item {i} is {}, not a frame", type_name(f)))
            })?);
        }
        if lfs.is_empty() {
            return Err(script_err("concat: give at least one frame"));
        }
        let inputs: Vec<LazyFrame> = lfs.iter().map(|f| f.lf.clone()).collect();
        let lf = match opt_str(&opts, "how")?.as_deref() {
            None | Some("vertical") => guard(|| concat(inputs, UnionArgs::default()))?,
            Some("diagonal") => guard(|| {
                concat(
                    inputs,
                    UnionArgs {
                        diagonal: true,
                        to_supertypes: true,
                        ..Default::default()
                    },
                )
            })?,
            Some(o) => {
                return Err(script_err(format!(
                    "concat: `how` must be vertical or diagonal, not `{o}`"
                )))
            }
        };
        checked(LazyFrameV::combine(lf, &lfs))
    };
    engine.register_fn("concat", move |frames: Array| {
        concat_frames(frames, Map::new())
    });
    engine.register_fn("concat", move |frames: Array, opts: Map| {
        concat_frames(frames, opts)
    });

    engine.register_fn("explain", |f: &mut LazyFrameV| -> RResult<String> {
        let plan = guard(|| f.lf.explain(true))?;
        Ok(
            match crate::data::partitionwise::split(&f.lf.logical_plan) {
                Some(split) => format!(
                    "PARTITION-WISE on the streaming engine: {split}; the joins and groups run \
                 once per batch, the steps above them once\n{plan}"
                ),
                None => plan,
            },
        )
    });
    engine.register_fn("collect", |f: &mut LazyFrameV| collect(f));
    engine.register_fn(
        "collect",
        |f: &mut LazyFrameV, opts: Map| -> RResult<DataFrameV> {
            let (engine, partition_wise) = engine_from_opts(f, &opts)?;
            collect_with(f, engine, partition_wise)
        },
    );
    engine.register_fn("collect", |df: &mut DataFrameV| df.clone());
    engine.register_fn(
        "collect",
        |df: &mut DataFrameV, opts: Map| -> RResult<DataFrameV> {
            // Already materialised: the options are still checked.
            engine_from_opts(&LazyFrameV::new(df.0.clone().lazy()), &opts)?;
            Ok(df.clone())
        },
    );
    engine.register_fn("lazy", |df: &mut DataFrameV| {
        LazyFrameV::new(df.0.clone().lazy())
    });
    engine.register_fn("lazy", |f: &mut LazyFrameV| f.clone());

    // Schema, on both kinds.
    let schema_map = |s: &Schema| -> Map {
        s.iter()
            .map(|(n, t)| (n.as_str().into(), Dynamic::from(dtype_name(t))))
            .collect()
    };
    let names = |s: &Schema| -> Array {
        s.iter_names()
            .map(|n| Dynamic::from(n.to_string()))
            .collect()
    };
    engine.register_get("columns", move |df: &mut DataFrameV| names(df.0.schema()));
    engine.register_fn("columns", move |df: &mut DataFrameV| names(df.0.schema()));
    engine.register_get("schema", move |df: &mut DataFrameV| {
        schema_map(df.0.schema())
    });
    engine.register_fn("schema", move |df: &mut DataFrameV| {
        schema_map(df.0.schema())
    });
    engine.register_get("columns", move |f: &mut LazyFrameV| -> RResult<Array> {
        Ok(names(&*guard(|| f.lf.collect_schema())?))
    });
    engine.register_fn("columns", move |f: &mut LazyFrameV| -> RResult<Array> {
        Ok(names(&*guard(|| f.lf.collect_schema())?))
    });
    engine.register_get("schema", move |f: &mut LazyFrameV| -> RResult<Map> {
        Ok(schema_map(&*guard(|| f.lf.collect_schema())?))
    });
    engine.register_fn("schema", move |f: &mut LazyFrameV| -> RResult<Map> {
        Ok(schema_map(&*guard(|| f.lf.collect_schema())?))
    });

    // Eager-only.
    engine.register_get("height", |df: &mut DataFrameV| df.0.height() as i64);
    engine.register_fn("height", |df: &mut DataFrameV| df.0.height() as i64);
    engine.register_get("width", |df: &mut DataFrameV| df.0.width() as i64);
    engine.register_fn("width", |df: &mut DataFrameV| df.0.width() as i64);
    engine.register_fn("is_empty", |df: &mut DataFrameV| df.0.height() == 0);
    engine.register_fn("column", |df: &mut DataFrameV, name: ImmutableString| {
        column_to_array(&df.0, &name)
    });
    engine.register_fn("rows", |df: &mut DataFrameV| -> Array {
        (0..df.0.height())
            .map(|i| Dynamic::from_map(row_to_map(&df.0, i)))
            .collect()
    });
    engine.register_fn("row", |df: &mut DataFrameV, i: i64| -> RResult<Map> {
        let h = df.0.height() as i64;
        let idx = if i < 0 { h + i } else { i };
        if idx < 0 || idx >= h {
            return Err(script_err(format!(
                "row {i} is out of range: the frame has {h} rows"
            )));
        }
        Ok(row_to_map(&df.0, idx as usize))
    });
    engine.register_fn("item", |df: &mut DataFrameV| -> RResult<Dynamic> {
        if df.0.shape() != (1, 1) {
            return Err(script_err(format!(
                "item() needs a frame of one row and one column; this one is {} × {} (use item(row, column))",
                df.0.height(),
                df.0.width()
            )));
        }
        Ok(df.0.columns()[0].get(0).map(any_to_dynamic).unwrap_or(Dynamic::UNIT))
    });
    engine.register_fn(
        "item",
        |df: &mut DataFrameV, row: i64, column: ImmutableString| -> RResult<Dynamic> {
            let c =
                df.0.column(&column)
                    .map_err(|e| unknown_column(&column, &df.0, &e))?;
            let h = df.0.height() as i64;
            let idx = if row < 0 { h + row } else { row };
            if idx < 0 || idx >= h {
                return Err(script_err(format!(
                    "row {row} is out of range: the frame has {h} rows"
                )));
            }
            Ok(c.get(idx as usize)
                .map(any_to_dynamic)
                .unwrap_or(Dynamic::UNIT))
        },
    );
    engine.register_fn("describe", |df: &mut DataFrameV| -> RResult<DataFrameV> {
        describe(&df.0).map(DataFrameV)
    });
}
