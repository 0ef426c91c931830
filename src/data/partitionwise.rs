//! Partition-wise execution: a streaming query over hive-partitioned
//! Parquet whose joins and groups all keep a partition key together runs
//! one batch of partitions at a time, so its memory is bounded by the
//! largest batch, not by the whole dataset.
//!
//! Take `data/big/year=*/…` and a query that joins on `[partner, year]` and
//! groups by `[partner, year]`. No row of `year=2001` can ever meet a row of
//! `year=2002`, in a join or in a group, so running the query over each
//! year's files and stacking the results gives the same rows as running it
//! over all the files. PostgreSQL (`enable_partitionwise_join` /
//! `_aggregate`) and Spark (bucketed joins) do the same. Polars' streaming
//! engine does not: its join and group tables hold every partition at once.
//!
//! The rewrite is conservative: it applies only when every step from the
//! scans up to the cut is one this module knows keeps partitions apart
//! ([`separable`]), and otherwise the query runs as written. The steps
//! above the cut (a `sort`, a `head`, a last `with_columns`) run once, over
//! the stacked results.

use std::collections::HashSet;
use std::sync::Arc;

use polars::prelude::*;
use polars_core::query_result::QueryResult;
use polars_plan::dsl::{DslPlan, FileScanDsl, FunctionExpr, ScanSources};
use polars_plan::plans::hive::get_hive_parts_iter;
use polars_plan::plans::LiteralValue;

/// At most this many batches: partitions are gathered into batches of
/// about `1 / MAX_BATCHES` of the files' bytes each, so thousands of small
/// partitions do not each pay a query's start-up (a few milliseconds).
pub const MAX_BATCHES: u64 = 64;

/// How a query would run partition by partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// The hive key the partitions are kept apart by (`year`).
    pub key: String,
    /// How many partition values the scans hold.
    pub partitions: usize,
    /// How many batches of partitions the query runs as.
    pub batches: usize,
}

/// How `plan` would run partition by partition, or `None` when it runs as
/// written (no hive-partitioned Parquet scan, a step that could mix
/// partitions, no join or group to gain from it, or a single batch).
pub fn split(plan: &DslPlan) -> Option<Split> {
    let (key, sub) = cut(plan)?;
    let batches = batches(sub, &key)?;
    Some(Split {
        partitions: batches.iter().map(Vec::len).sum(),
        batches: batches.len(),
        key,
    })
}

/// Runs `lf` partition by partition on `engine` when [`split`] finds a way
/// to; `None` when it must run as written.
pub fn collect(lf: &LazyFrame, engine: Engine) -> Option<PolarsResult<DataFrame>> {
    let rest = prepare(lf, engine)?;
    Some(rest.and_then(|rest| {
        rest.collect_with_engine(engine)
            .map(QueryResult::unwrap_single)
    }))
}

/// Runs the cut of `lf` (see [`split`]) partition by partition on `engine`
/// and gives back the rest of the query over its stacked result, ready to
/// collect or sink; `None` when `lf` must run as written.
pub fn prepare(lf: &LazyFrame, engine: Engine) -> Option<PolarsResult<LazyFrame>> {
    let (key, sub) = cut(&lf.logical_plan)?;
    batches(sub, &key)?;
    let plan = match rewrite(&lf.logical_plan, &key, &|sub| run(lf, sub, &key, engine))? {
        Ok(plan) => plan,
        Err(e) => return Some(Err(e)),
    };
    let mut rest = lf.clone();
    rest.logical_plan = plan;
    Some(Ok(rest))
}

/// The plan under the IR conversions a frame keeps (see
/// `script::values::PlanArenas`): the verbs as the user wrote them.
fn unwrap(p: &DslPlan) -> &DslPlan {
    match p {
        DslPlan::IR { dsl, .. } => unwrap(dsl),
        p => p,
    }
}

/// The hive key to split by and the highest part of the plan that can run
/// partition by partition and holds a join or a group (the cut).
fn cut(plan: &DslPlan) -> Option<(String, &DslPlan)> {
    hive_keys(plan)
        .into_iter()
        .find_map(|key| find_cut(plan, &key).map(|sub| (key, sub)))
}

fn find_cut<'a>(p: &'a DslPlan, key: &str) -> Option<&'a DslPlan> {
    let p = unwrap(p);
    if separable(p, key) && reduces(p) {
        return Some(p);
    }
    find_cut(single_input(p)?, key)
}

/// The input of a step with one input that may stand above the cut.
fn single_input(p: &DslPlan) -> Option<&DslPlan> {
    match p {
        DslPlan::Sort { input, .. }
        | DslPlan::Slice { input, .. }
        | DslPlan::Filter { input, .. }
        | DslPlan::Select { input, .. }
        | DslPlan::HStack { input, .. }
        | DslPlan::Distinct { input, .. }
        | DslPlan::GroupBy { input, .. }
        | DslPlan::MapFunction { input, .. } => Some(input),
        _ => None,
    }
}

/// `p` with its single input replaced by `new` (the steps of
/// [`single_input`]).
fn with_input(p: &DslPlan, new: DslPlan) -> DslPlan {
    let mut q = p.clone();
    match &mut q {
        DslPlan::Sort { input, .. }
        | DslPlan::Slice { input, .. }
        | DslPlan::Filter { input, .. }
        | DslPlan::Select { input, .. }
        | DslPlan::HStack { input, .. }
        | DslPlan::Distinct { input, .. }
        | DslPlan::GroupBy { input, .. }
        | DslPlan::MapFunction { input, .. } => *input = Arc::new(new),
        _ => unreachable!("with_input is only called on a step with one input"),
    }
    q
}

/// The plan with its cut replaced by the frame `run` computes for it.
fn rewrite(
    p: &DslPlan,
    key: &str,
    run: &dyn Fn(&DslPlan) -> PolarsResult<DataFrame>,
) -> Option<PolarsResult<DslPlan>> {
    let p = unwrap(p);
    if separable(p, key) && reduces(p) {
        return Some(run(p).map(|df| DslPlan::DataFrameScan {
            schema: df.schema().clone(),
            df: Arc::new(df),
        }));
    }
    let input = rewrite(single_input(p)?, key, run)?;
    Some(input.map(|input| with_input(p, input)))
}

/// Runs the cut `sub` batch by batch and stacks the results.
fn run(lf: &LazyFrame, sub: &DslPlan, key: &str, engine: Engine) -> PolarsResult<DataFrame> {
    let batches = batches(sub, key).unwrap_or_default();
    let schemas = hive_schemas(lf, sub)?;
    let mut out: Option<DataFrame> = None;
    for batch in batches {
        let values: HashSet<&str> = batch.iter().map(String::as_str).collect();
        let mut part = lf.clone();
        part.logical_plan = restrict(sub, key, &values, &schemas);
        let df = part.collect_with_engine(engine)?.unwrap_single();
        match &mut out {
            None => out = Some(df),
            Some(acc) => {
                acc.vstack_mut_owned(df)?;
            }
        }
    }
    let mut out = out.ok_or_else(|| polars_err!(ComputeError: "no partition to run"))?;
    out.rechunk_mut();
    Ok(out)
}

/// Whether `p` ends in a group (`group_by`, `unique`), whose table would
/// otherwise hold every partition at once, with at most row-by-row steps
/// or joins of such groups above it. Only such a part is worth running
/// partition by partition: its stacked result is no larger than the
/// group's table would have been. A join alone is not cut, as its stacked
/// result could be larger than what a streaming `sort` and `head` above
/// it keep.
fn reduces(p: &DslPlan) -> bool {
    match unwrap(p) {
        DslPlan::GroupBy { .. } | DslPlan::Distinct { .. } => true,
        DslPlan::Union { inputs, .. } => inputs.iter().all(reduces),
        DslPlan::Join {
            input_left,
            input_right,
            ..
        } => reduces(input_left) && reduces(input_right),
        DslPlan::Filter { input, .. }
        | DslPlan::Select { input, .. }
        | DslPlan::HStack { input, .. } => reduces(input),
        _ => false,
    }
}

/// Whether `p`'s result over all partitions is the stack of its results
/// over each partition, with `key` passed through unchanged: true only for
/// the steps listed here, with row-by-row expressions.
pub fn separable(p: &DslPlan, key: &str) -> bool {
    match unwrap(p) {
        DslPlan::Scan {
            sources: ScanSources::Paths(paths),
            unified_scan_args: args,
            scan_type,
            ..
        } => {
            matches!(**scan_type, FileScanDsl::Parquet { .. })
                && args.hive_options.enabled == Some(true)
                && args.pre_slice.is_none()
                && args.row_index.is_none()
                && !paths.is_empty()
                && paths.iter().all(|p| hive_value(p, key).is_some())
        }
        DslPlan::Filter { input, predicate } => elementwise(predicate) && separable(input, key),
        DslPlan::Select { expr, input, .. } => {
            expr.iter().all(elementwise)
                && expr.iter().any(|e| is_key(e, key))
                && expr.iter().all(|e| is_key(e, key) || !output_is(e, key))
                && separable(input, key)
        }
        DslPlan::HStack { input, exprs, .. } => {
            exprs
                .iter()
                .all(|e| elementwise(e) && (is_key(e, key) || named_other_than(e, key)))
                && separable(input, key)
        }
        DslPlan::Join {
            input_left,
            input_right,
            left_on,
            right_on,
            predicates,
            options,
        } => {
            predicates.is_empty()
                && options.args.slice.is_none()
                && matches!(
                    options.args.how,
                    JoinType::Inner | JoinType::Left | JoinType::Semi | JoinType::Anti
                )
                && left_on
                    .iter()
                    .zip(right_on)
                    .any(|(l, r)| is_key(l, key) && is_key(r, key))
                && left_on.iter().chain(right_on).all(elementwise)
                && separable(input_left, key)
                && separable(input_right, key)
        }
        DslPlan::GroupBy {
            input,
            keys,
            apply,
            options,
            ..
        } => {
            apply.is_none()
                && options.slice.is_none()
                && !options.is_rolling()
                && !options.is_dynamic()
                && keys.iter().any(|k| is_key(k, key))
                && keys.iter().all(elementwise)
                && separable(input, key)
        }
        DslPlan::Distinct { input, options } => {
            options
                .subset
                .as_ref()
                .is_none_or(|s| s.iter().any(|e| is_key(e, key)))
                && separable(input, key)
        }
        DslPlan::Union { inputs, .. } => {
            !inputs.is_empty() && inputs.iter().all(|i| separable(i, key))
        }
        _ => false,
    }
}

/// `col(key)`, or `col(key).alias(key)`.
fn is_key(e: &Expr, key: &str) -> bool {
    match e {
        Expr::Column(name) => name == key,
        Expr::Alias(inner, name) => name == key && is_key(inner, key),
        _ => false,
    }
}

/// An expression named by `alias(name)` with `name` other than `key`.
fn named_other_than(e: &Expr, key: &str) -> bool {
    matches!(e, Expr::Alias(_, name) if name != key)
}

/// Whether `e` may be output under the name `key` (any expression that is
/// not named otherwise may be).
fn output_is(e: &Expr, key: &str) -> bool {
    match e {
        Expr::Alias(_, name) => name == key,
        Expr::Column(name) => name == key,
        _ => true,
    }
}

/// Whether `e` computes each row from that row alone: columns, scalar
/// literals, arithmetic, comparisons, casts, `when/then` and a few
/// row-by-row functions. Anything else (aggregations, windows, shifts,
/// sorts) could see other partitions' rows, so it is not.
fn elementwise(e: &Expr) -> bool {
    match e {
        Expr::Column(_) => true,
        Expr::Literal(l) => !matches!(l, LiteralValue::Series(_) | LiteralValue::Range(_)),
        Expr::Alias(e, _) | Expr::KeepName(e) => elementwise(e),
        Expr::Cast { expr, .. } => elementwise(expr),
        Expr::BinaryExpr { left, right, .. } => elementwise(left) && elementwise(right),
        Expr::Ternary {
            predicate,
            truthy,
            falsy,
        } => elementwise(predicate) && elementwise(truthy) && elementwise(falsy),
        Expr::Function { input, function } => {
            elementwise_function(function) && input.iter().all(elementwise)
        }
        _ => false,
    }
}

fn elementwise_function(f: &FunctionExpr) -> bool {
    use polars_plan::dsl::{BooleanFunction as B, StringFunction as S, TemporalFunction as T};
    match f {
        FunctionExpr::Abs
        | FunctionExpr::Negate
        | FunctionExpr::Sign
        | FunctionExpr::FillNull
        | FunctionExpr::Round { .. } => true,
        FunctionExpr::Boolean(b) => matches!(
            b,
            B::IsNull
                | B::IsNotNull
                | B::IsFinite
                | B::IsInfinite
                | B::IsNan
                | B::IsNotNan
                | B::Not
                | B::IsBetween { .. }
        ),
        FunctionExpr::StringExpr(s) => matches!(
            s,
            S::Lowercase
                | S::Uppercase
                | S::Contains { .. }
                | S::StartsWith
                | S::EndsWith
                | S::LenBytes
                | S::LenChars
        ),
        FunctionExpr::TemporalExpr(t) => {
            matches!(t, T::Year | T::Quarter | T::Month | T::Day | T::WeekDay)
        }
        _ => false,
    }
}

/// The value of hive key `key` in a file's path (`year=2024/…` gives
/// `2024`), from the innermost folder that names it.
fn hive_value(path: &PlRefPath, key: &str) -> Option<String> {
    get_hive_parts_iter(path)
        .filter(|(k, _)| *k == key)
        .last()
        .map(|(_, v)| v.into_owned())
}

/// The hive keys of the plan's first hive-partitioned Parquet scan.
fn hive_keys(plan: &DslPlan) -> Vec<String> {
    let mut scans = Vec::new();
    scans_of(plan, &mut scans);
    scans
        .into_iter()
        .find_map(|s| match s {
            DslPlan::Scan {
                sources: ScanSources::Paths(paths),
                unified_scan_args: args,
                ..
            } if args.hive_options.enabled == Some(true) => paths
                .first()
                .map(|p| get_hive_parts_iter(p).map(|(k, _)| k.to_string()).collect()),
            _ => None,
        })
        .unwrap_or_default()
}

/// Every scan in `p`, in plan order (left before right).
fn scans_of<'a>(p: &'a DslPlan, out: &mut Vec<&'a DslPlan>) {
    let p = unwrap(p);
    match p {
        DslPlan::Scan { .. } => out.push(p),
        DslPlan::Join {
            input_left,
            input_right,
            ..
        } => {
            scans_of(input_left, out);
            scans_of(input_right, out);
        }
        DslPlan::Union { inputs, .. } => inputs.iter().for_each(|i| scans_of(i, out)),
        p => {
            if let Some(input) = single_input(p) {
                scans_of(input, out)
            }
        }
    }
}

/// The scans' files grouped by `key` into batches of whole partitions, in
/// the order the files are listed, each batch about `1 / MAX_BATCHES` of
/// the files' bytes (see [`MAX_BATCHES`]). `None` when the scans do not all
/// hold the same partitions or when there would be a single batch.
fn batches(sub: &DslPlan, key: &str) -> Option<Vec<Vec<String>>> {
    let mut scans = Vec::new();
    scans_of(sub, &mut scans);
    let mut order: Vec<String> = Vec::new();
    let mut bytes: Vec<u64> = Vec::new();
    let mut first: Option<HashSet<String>> = None;
    for scan in scans {
        let DslPlan::Scan {
            sources: ScanSources::Paths(paths),
            ..
        } = scan
        else {
            return None;
        };
        let mut seen = HashSet::new();
        for path in paths.iter() {
            let value = hive_value(path, key)?;
            if first.is_none() {
                if !seen.contains(&value) {
                    order.push(value.clone());
                    bytes.push(0);
                }
                let i = order.iter().position(|v| *v == value)?;
                bytes[i] += std::fs::metadata(path.as_str()).map_or(0, |m| m.len());
            }
            seen.insert(value);
        }
        match &first {
            None => first = Some(seen),
            Some(f) if *f == seen => {}
            Some(_) => return None,
        }
    }
    let target = bytes.iter().sum::<u64>() / MAX_BATCHES;
    let mut batches: Vec<Vec<String>> = Vec::new();
    let mut size = 0;
    for (value, b) in order.into_iter().zip(bytes) {
        match batches.last_mut() {
            Some(last) if size < target => last.push(value),
            _ => {
                batches.push(vec![value]);
                size = 0;
            }
        }
        size += b;
    }
    (batches.len() > 1).then_some(batches)
}

/// The dtypes of each scan's hive columns over all its files, so that a
/// batch's scan types them the same way (Polars infers them from the paths
/// it is given: `part=1` alone would be an integer where `part=1b` is in
/// other partitions).
fn hive_schemas(lf: &LazyFrame, sub: &DslPlan) -> PolarsResult<Vec<SchemaRef>> {
    let mut scans = Vec::new();
    scans_of(sub, &mut scans);
    scans
        .into_iter()
        .map(|scan| {
            let DslPlan::Scan {
                sources: ScanSources::Paths(paths),
                ..
            } = scan
            else {
                return Ok(Arc::new(Schema::default()));
            };
            let names: HashSet<String> = paths
                .first()
                .map(|p| get_hive_parts_iter(p).map(|(k, _)| k.to_string()).collect())
                .unwrap_or_default();
            let mut whole = lf.clone();
            whole.logical_plan = scan.clone();
            let schema = whole.collect_schema()?;
            Ok(Arc::new(
                schema
                    .iter()
                    .filter(|(name, _)| names.contains(name.as_str()))
                    .map(|(name, dtype)| Field::new(name.clone(), dtype.clone()))
                    .collect::<Schema>(),
            ))
        })
        .collect()
}

/// The cut with each scan reading only the files of the partitions in
/// `values`, its hive columns typed by `schemas` (one per scan, in
/// [`scans_of`] order).
fn restrict(sub: &DslPlan, key: &str, values: &HashSet<&str>, schemas: &[SchemaRef]) -> DslPlan {
    let mut next = 0;
    restrict_rec(sub, key, values, schemas, &mut next)
}

fn restrict_rec(
    p: &DslPlan,
    key: &str,
    values: &HashSet<&str>,
    schemas: &[SchemaRef],
    next: &mut usize,
) -> DslPlan {
    let p = unwrap(p);
    let mut rec = |i: &DslPlan| restrict_rec(i, key, values, schemas, next);
    match p {
        DslPlan::Scan {
            sources: ScanSources::Paths(paths),
            unified_scan_args,
            scan_type,
            ..
        } => {
            let kept: Vec<PlRefPath> = paths
                .iter()
                .filter(|p| hive_value(p, key).is_some_and(|v| values.contains(v.as_str())))
                .cloned()
                .collect();
            let mut args = (**unified_scan_args).clone();
            args.hive_options.schema = schemas.get(*next).cloned();
            *next += 1;
            DslPlan::Scan {
                sources: ScanSources::Paths(kept.into()),
                unified_scan_args: Box::new(args),
                scan_type: scan_type.clone(),
                // A fresh cache: the scan's cached conversion lists every file.
                cached_ir: Default::default(),
            }
        }
        DslPlan::Join {
            input_left,
            input_right,
            ..
        } => {
            let (left, right) = (rec(input_left), rec(input_right));
            let mut q = p.clone();
            if let DslPlan::Join {
                input_left,
                input_right,
                ..
            } = &mut q
            {
                *input_left = Arc::new(left);
                *input_right = Arc::new(right);
            }
            q
        }
        DslPlan::Union { inputs, args } => DslPlan::Union {
            inputs: inputs.iter().map(rec).collect(),
            args: *args,
        },
        p => {
            let input = single_input(p).expect("a separable step has its inputs listed");
            let input = rec(input);
            with_input(p, input)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(paths: &[&str]) -> LazyFrame {
        let sources = ScanSources::Paths(paths.iter().map(|p| PlRefPath::new(*p)).collect());
        let args = ScanArgsParquet {
            hive_options: polars::io::HiveOptions::new_enabled(),
            ..Default::default()
        };
        LazyFrame::scan_parquet_sources(sources, args).unwrap()
    }

    /// `a` joined with `b` on column `on`.
    fn join_on(a: LazyFrame, b: LazyFrame, on: &str, how: JoinType) -> LazyFrame {
        a.join(b, [col(on)], [col(on)], JoinArgs::new(how))
    }

    fn write(dir: &std::path::Path, year: i32, rows: usize) -> String {
        let d = dir.join(format!("year={year}"));
        std::fs::create_dir_all(&d).unwrap();
        let path = d.join("part.parquet");
        let mut df = df!(
            "k" => (0..rows as i64).map(|i| i % 7).collect::<Vec<_>>(),
            "v" => (0..rows as i64).collect::<Vec<_>>()
        )
        .unwrap();
        let f = std::fs::File::create(&path).unwrap();
        ParquetWriter::new(f).finish(&mut df).unwrap();
        path.to_string_lossy().into_owned()
    }

    #[test]
    fn joins_and_groups_on_the_key_split_and_give_the_same_rows() {
        let dir = tempfile::tempdir().unwrap();
        let files: Vec<String> = (2020..2024).map(|y| write(dir.path(), y, 50)).collect();
        let paths: Vec<&str> = files.iter().map(String::as_str).collect();
        let q = scan(&paths)
            .filter(col("v").gt(lit(3)))
            .join(
                scan(&paths).select([col("k"), col("year"), col("v").alias("w")]),
                [col("k"), col("year")],
                [col("k"), col("year")],
                JoinArgs::new(JoinType::Inner),
            )
            .group_by([col("year"), col("k")])
            .agg([col("w").sum(), col("v").median()])
            .sort(["year", "k"], Default::default())
            .limit(10);
        assert_eq!(
            split(&q.logical_plan),
            Some(Split {
                key: "year".into(),
                partitions: 4,
                batches: 4
            })
        );
        let (_, sub) = cut(&q.logical_plan).unwrap();
        assert!(matches!(sub, DslPlan::GroupBy { .. }), "{sub:?}");
        let whole = q.clone().collect().unwrap();
        assert_eq!(whole.height(), 10);
        for engine in [Engine::Streaming, Engine::InMemory] {
            let by_parts = collect(&q, engine).unwrap().unwrap();
            assert_eq!(by_parts, whole);
        }
        // One batch's scan reads its partition's file alone.
        let schemas = hive_schemas(&q, sub).unwrap();
        let mut one = q.clone();
        one.logical_plan = restrict(sub, "year", &HashSet::from(["2021"]), &schemas);
        let df = one.collect().unwrap();
        assert_eq!(df.height(), 7);
        assert_eq!(df.column("year").unwrap().i64().unwrap().get(0), Some(2021));
    }

    #[test]
    fn steps_that_could_mix_partitions_run_as_written() {
        let paths = ["/d/year=1/a.parquet", "/d/year=2/a.parquet"];
        let by_other = scan(&paths).group_by([col("k")]).agg([col("v").sum()]);
        assert!(!separable(&by_other.logical_plan, "year"));
        let window = scan(&paths)
            .with_columns([col("v").sum().over([col("k")]).unwrap().alias("s")])
            .group_by([col("year")])
            .agg([col("s").sum()]);
        assert!(!separable(&window.logical_plan, "year"));
        let join_off_key = join_on(scan(&paths), scan(&paths), "k", JoinType::Inner);
        assert!(!separable(&join_off_key.logical_plan, "year"));
        let full = join_on(scan(&paths), scan(&paths), "year", JoinType::Full);
        assert!(!separable(&full.logical_plan, "year"));
        let overwrite = scan(&paths)
            .with_columns([lit(1).alias("year")])
            .group_by([col("year")])
            .agg([col("v").sum()]);
        assert!(!separable(&overwrite.logical_plan, "year"));
        // A join alone is not cut: its stacked result could be larger than
        // what a streaming sort and head keep.
        let join_only = join_on(scan(&paths), scan(&paths), "year", JoinType::Inner)
            .sort(["v"], Default::default())
            .limit(3);
        assert!(cut(&join_only.logical_plan).is_none());
        let ok = scan(&paths)
            .with_columns([(col("v") * lit(2)).alias("v2")])
            .group_by([col("year")])
            .agg([col("v2").sum()]);
        assert!(separable(&ok.logical_plan, "year"));
    }

    #[test]
    fn batches_gather_small_partitions_and_need_the_same_partitions_everywhere() {
        let dir = tempfile::tempdir().unwrap();
        let mut files: Vec<String> = (2020..2023).map(|y| write(dir.path(), y, 10)).collect();
        // Many small partitions beside a large one are gathered into batches.
        files.extend((0..200).map(|y| write(dir.path(), y, 1)));
        let paths: Vec<&str> = files.iter().map(String::as_str).collect();
        let q = scan(&paths).group_by([col("year")]).agg([col("v").sum()]);
        let b = batches(unwrap(&q.logical_plan), "year").unwrap();
        assert_eq!(b.iter().map(Vec::len).sum::<usize>(), 203);
        assert!(b.len() as u64 <= MAX_BATCHES + 1, "{}", b.len());
        assert!(b.len() > 1);
        // A scan that lacks some partitions: run as written.
        let other = scan(&paths[..2]);
        let j = join_on(scan(&paths), other, "year", JoinType::Inner);
        assert_eq!(batches(unwrap(&j.logical_plan), "year"), None);
        // One partition: nothing to split.
        let single = scan(&paths[..1])
            .group_by([col("year")])
            .agg([col("v").sum()]);
        assert_eq!(split(&single.logical_plan), None);
    }
}
