//! Partition-wise execution: a streaming query over Parquet whose joins
//! and groups all keep a partition key together runs one batch of
//! partitions at a time, so its memory is bounded by the largest batch,
//! not by the whole dataset, and its hash tables are smaller.
//!
//! Take `data/big/year=*/…` and a query that joins on `[partner, year]` and
//! groups by `[partner, year]`. No row of `year=2001` can ever meet a row of
//! `year=2002`, in a join or in a group, so running the query over each
//! year's files and stacking the results gives the same rows as running it
//! over all the files. PostgreSQL (`enable_partitionwise_join` /
//! `_aggregate`) and Spark (bucketed joins) do the same. Polars' streaming
//! engine does not: its join and group tables hold every partition at once.
//!
//! The partitions are hive folders (`year=2024/`) when the key is one;
//! otherwise ranges of a column the Parquet files are clustered by (a
//! table sorted by `partner`), chosen from the row groups' statistics, with
//! `key >= lo & key < hi` added to each batch's scans so that Polars skips
//! the row groups outside the range.
//!
//! The rewrite is conservative: it applies only when every step from the
//! scans up to the cut is one this module knows keeps partitions apart
//! (`separable`), and otherwise the query runs as written. The steps
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

/// About this many rows a batch when a query is split by ranges of a
/// column (16 batches for the 10M-row query, the knee among 4, 8, 12, 16,
/// 24 and 32: smaller join and group tables, at the cost of reading some
/// row groups twice and planning each batch).
pub const RANGE_ROWS: u64 = 625_000;

/// Reading at most this many times the rows of the whole scan (row groups
/// that straddle a range's bound are read by both batches) is worth it.
const MAX_READ_FACTOR: f64 = 2.0;

/// How a query would run partition by partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// The key the partitions are kept apart by (`year`).
    pub key: String,
    /// Whether the partitions are ranges of a column of the files, read
    /// from their Parquet statistics (otherwise hive folders, `year=2024/`).
    pub ranges: bool,
    /// How many partition values (or ranges) the scans hold.
    pub partitions: usize,
    /// How many batches of partitions the query runs as.
    pub batches: usize,
}

impl std::fmt::Display for Split {
    /// `by "year", 50 partitions in 50 batches`, or `by ranges of
    /// "partner" (from the Parquet statistics), 16 batches`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.ranges {
            write!(
                f,
                "by ranges of \"{}\" (from the Parquet statistics), {} batches",
                self.key, self.batches
            )
        } else {
            write!(
                f,
                "by \"{}\", {} partitions in {} batches",
                self.key, self.partitions, self.batches
            )
        }
    }
}

/// A value of a range key (integers, strings), as Parquet statistics and
/// Polars order them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Value {
    Int(i64),
    Str(String),
}

impl Value {
    fn lit(&self) -> Expr {
        match self {
            Value::Int(i) => lit(*i),
            Value::Str(s) => lit(s.as_str()),
        }
    }
}

/// The batches a cut runs as.
#[derive(Debug)]
enum Batches {
    /// Hive partition values, each batch a set of whole partitions.
    Hive(Vec<Vec<String>>),
    /// Ranges `[lo, hi)` of a column, open at either end.
    Ranges(Vec<(Option<Value>, Option<Value>)>),
}

/// The part of a plan to run batch by batch (the cut), with its key and
/// batches.
struct Plan<'a> {
    key: String,
    sub: &'a DslPlan,
    batches: Batches,
}

/// How `plan` would run partition by partition, or `None` when it runs as
/// written (no Parquet scan to split, a step that could mix partitions, no
/// group to gain from it, or a single batch).
pub fn split(plan: &DslPlan) -> Option<Split> {
    let p = find_plan(plan, None)?;
    let (ranges, partitions, batches) = match &p.batches {
        Batches::Hive(b) => (false, b.iter().map(Vec::len).sum(), b.len()),
        Batches::Ranges(r) => (true, r.len(), r.len()),
    };
    Some(Split {
        key: p.key,
        ranges,
        partitions,
        batches,
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
    let plan = find_plan(&lf.logical_plan, Some(lf))?;
    let rewritten = rewrite(&lf.logical_plan, plan.sub, &|_| run(lf, &plan, engine))?;
    Some(rewritten.map(|p| {
        let mut rest = lf.clone();
        rest.logical_plan = p;
        rest
    }))
}

/// The plan under the IR conversions a frame keeps (see
/// `script::values::PlanArenas`): the verbs as the user wrote them.
fn unwrap(p: &DslPlan) -> &DslPlan {
    match p {
        DslPlan::IR { dsl, .. } => unwrap(dsl),
        p => p,
    }
}

/// How the kind of partitions changes what a scan must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Hive folders: every file of the scan lies under `key=value/`.
    Hive,
    /// Ranges of a column of the files: any Parquet scan (the statistics
    /// are checked when the ranges are chosen).
    Ranges,
}

/// The first way to split `plan`: by a hive key of its scans, else by
/// ranges of a column it groups by. `lf` gives the options to resolve the
/// scans' schemas with (ranges need the key's type).
fn find_plan<'a>(plan: &'a DslPlan, lf: Option<&LazyFrame>) -> Option<Plan<'a>> {
    for key in hive_keys(plan) {
        if let Some(sub) = find_cut(plan, &key, Mode::Hive) {
            if let Some(b) = hive_batches(sub, &key) {
                return Some(Plan {
                    key,
                    sub,
                    batches: Batches::Hive(b),
                });
            }
        }
    }
    for key in group_keys(plan) {
        let Some(sub) = find_cut(plan, &key, Mode::Ranges) else {
            continue;
        };
        // Without a join whose order is left open, the groups' order is
        // the order of the rows in the files, which ranges would change.
        if !has_unordered_join(sub) {
            continue;
        }
        if let Some(r) = range_batches(lf, sub, &key) {
            return Some(Plan {
                key,
                sub,
                batches: Batches::Ranges(r),
            });
        }
    }
    None
}

/// The highest part of the plan that can run partition by partition by
/// `key` and ends in a group (see [`reduces`]).
fn find_cut<'a>(p: &'a DslPlan, key: &str, mode: Mode) -> Option<&'a DslPlan> {
    let p = unwrap(p);
    if separable(p, key, mode) && reduces(p) {
        return Some(p);
    }
    find_cut(single_input(p)?, key, mode)
}

/// The steps with one input that may stand above the cut, as a pattern
/// binding that input: [`single_input`] reads it, [`with_input`]
/// replaces it, from this one list.
macro_rules! one_input {
    ($input:ident) => {
        DslPlan::Sort { $input, .. }
            | DslPlan::Slice { $input, .. }
            | DslPlan::Filter { $input, .. }
            | DslPlan::Select { $input, .. }
            | DslPlan::HStack { $input, .. }
            | DslPlan::Distinct { $input, .. }
            | DslPlan::GroupBy { $input, .. }
            | DslPlan::MapFunction { $input, .. }
    };
}

/// The input of a step with one input that may stand above the cut.
fn single_input(p: &DslPlan) -> Option<&DslPlan> {
    match p {
        one_input!(input) => Some(input),
        _ => None,
    }
}

/// `p` with its single input replaced by `new` (the steps of
/// [`single_input`]).
fn with_input(p: &DslPlan, new: DslPlan) -> DslPlan {
    let mut q = p.clone();
    match &mut q {
        one_input!(input) => *input = Arc::new(new),
        _ => unreachable!("with_input is only called on a step with one input"),
    }
    q
}

/// The plan with its cut `sub` replaced by the frame `run` computes for it.
fn rewrite(
    p: &DslPlan,
    sub: &DslPlan,
    run: &dyn Fn(&DslPlan) -> PolarsResult<DataFrame>,
) -> Option<PolarsResult<DslPlan>> {
    let p = unwrap(p);
    if std::ptr::eq(p, sub) {
        return Some(run(p).map(|df| DslPlan::DataFrameScan {
            schema: df.schema().clone(),
            df: Arc::new(df),
        }));
    }
    let input = rewrite(single_input(p)?, sub, run)?;
    Some(input.map(|input| with_input(p, input)))
}

/// Runs the cut of `plan` batch by batch and stacks the results.
fn run(lf: &LazyFrame, plan: &Plan, engine: Engine) -> PolarsResult<DataFrame> {
    let (key, sub) = (plan.key.as_str(), plan.sub);
    let parts: Vec<DslPlan> = match &plan.batches {
        Batches::Hive(batches) => {
            let schemas = hive_schemas(lf, sub)?;
            batches
                .iter()
                .map(|batch| {
                    let values: HashSet<&str> = batch.iter().map(String::as_str).collect();
                    let mut next = 0;
                    map_scans(sub, &mut |scan| {
                        let schema = schemas.get(next).cloned();
                        next += 1;
                        restrict(scan, key, &values, schema)
                    })
                })
                .collect()
        }
        Batches::Ranges(ranges) => ranges
            .iter()
            .map(|(lo, hi)| {
                let mut predicate: Option<Expr> = None;
                let mut and = |e: Expr| {
                    predicate = Some(match predicate.take() {
                        Some(p) => p.and(e),
                        None => e,
                    })
                };
                if let Some(lo) = lo {
                    and(col(key).gt_eq(lo.lit()));
                }
                if let Some(hi) = hi {
                    and(col(key).lt(hi.lit()));
                }
                map_scans(sub, &mut |scan| match &predicate {
                    // The scan is kept as it is (and its cached conversion
                    // with it); Polars pushes the filter into it and skips
                    // the row groups outside the range.
                    Some(predicate) => DslPlan::Filter {
                        input: Arc::new(scan.clone()),
                        predicate: predicate.clone(),
                    },
                    None => scan.clone(),
                })
            })
            .collect(),
    };
    let mut out: Option<DataFrame> = None;
    for part_plan in parts {
        let mut part = lf.clone();
        part.logical_plan = part_plan;
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
fn separable(p: &DslPlan, key: &str, mode: Mode) -> bool {
    let separable = |p: &DslPlan, key: &str| separable(p, key, mode);
    match unwrap(p) {
        DslPlan::Scan {
            sources: ScanSources::Paths(paths),
            unified_scan_args: args,
            scan_type,
            ..
        } => {
            matches!(**scan_type, FileScanDsl::Parquet { .. })
                && args.pre_slice.is_none()
                && args.row_index.is_none()
                && !paths.is_empty()
                && match mode {
                    Mode::Hive => {
                        args.hive_options.enabled == Some(true)
                            && paths.iter().all(|p| hive_value(p, key).is_some())
                    }
                    Mode::Ranges => true,
                }
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

/// The files a scan reads, when it reads files.
fn paths_of(scan: &DslPlan) -> Option<&[PlRefPath]> {
    match scan {
        DslPlan::Scan {
            sources: ScanSources::Paths(paths),
            ..
        } => Some(paths.as_ref()),
        _ => None,
    }
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
            } if args.hive_options.enabled == Some(true) => Some(hive_names(paths)),
            _ => None,
        })
        .unwrap_or_default()
}

/// The hive keys in the path of a scan's first file (`year=2024/…` gives
/// `year`).
fn hive_names(paths: &[PlRefPath]) -> Vec<String> {
    paths
        .first()
        .map(|p| get_hive_parts_iter(p).map(|(k, _)| k.to_string()).collect())
        .unwrap_or_default()
}

/// The schema of one scan of a plan, resolved with `lf`'s options when
/// given.
fn scan_schema(lf: Option<&LazyFrame>, scan: &DslPlan) -> PolarsResult<SchemaRef> {
    let mut whole = lf.cloned().unwrap_or_default();
    whole.logical_plan = scan.clone();
    whole.collect_schema()
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
/// hold the same partitions, when a partition's files are not listed
/// together (the groups' order would change), or when there would be a
/// single batch.
fn hive_batches(sub: &DslPlan, key: &str) -> Option<Vec<Vec<String>>> {
    let mut scans = Vec::new();
    scans_of(sub, &mut scans);
    let mut order: Vec<String> = Vec::new();
    let mut bytes: Vec<u64> = Vec::new();
    let mut first: Option<HashSet<String>> = None;
    for scan in scans {
        let paths = paths_of(scan)?;
        let mut seen = HashSet::new();
        for path in paths.iter() {
            let value = hive_value(path, key)?;
            if first.is_none() {
                if order.last() != Some(&value) {
                    if seen.contains(&value) {
                        return None;
                    }
                    order.push(value.clone());
                    bytes.push(0);
                }
                if let Some(b) = bytes.last_mut() {
                    *b += std::fs::metadata(path.as_str()).map_or(0, |m| m.len());
                }
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
            let Some(paths) = paths_of(scan) else {
                return Ok(Arc::new(Schema::default()));
            };
            let names: HashSet<String> = hive_names(paths).into_iter().collect();
            let schema = scan_schema(Some(lf), scan)?;
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

/// A scan reading only the files of the partitions in `values`, its hive
/// columns typed by `schema`.
fn restrict(
    scan: &DslPlan,
    key: &str,
    values: &HashSet<&str>,
    schema: Option<SchemaRef>,
) -> DslPlan {
    let DslPlan::Scan {
        sources: ScanSources::Paths(paths),
        unified_scan_args,
        scan_type,
        ..
    } = scan
    else {
        return scan.clone();
    };
    let kept: Vec<PlRefPath> = paths
        .iter()
        .filter(|p| hive_value(p, key).is_some_and(|v| values.contains(v.as_str())))
        .cloned()
        .collect();
    let mut args = (**unified_scan_args).clone();
    args.hive_options.schema = schema;
    DslPlan::Scan {
        sources: ScanSources::Paths(kept.into()),
        unified_scan_args: Box::new(args),
        scan_type: scan_type.clone(),
        // A fresh cache: the scan's cached conversion lists every file.
        cached_ir: Default::default(),
    }
}

/// The cut with each scan replaced by `f(scan)`, in [`scans_of`] order.
fn map_scans(p: &DslPlan, f: &mut dyn FnMut(&DslPlan) -> DslPlan) -> DslPlan {
    let p = unwrap(p);
    match p {
        DslPlan::Scan { .. } => f(p),
        DslPlan::Join {
            input_left,
            input_right,
            ..
        } => {
            let left = map_scans(input_left, f);
            let right = map_scans(input_right, f);
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
            inputs: inputs.iter().map(|i| map_scans(i, f)).collect(),
            args: *args,
        },
        p => {
            let input = single_input(p).expect("a separable step has its inputs listed");
            let input = map_scans(input, f);
            with_input(p, input)
        }
    }
}

/// The columns the plan's groups are keyed by, from the last group to the
/// first: the candidates for a split by ranges.
fn group_keys(p: &DslPlan) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut stack = vec![p];
    while let Some(p) = stack.pop() {
        let p = unwrap(p);
        match p {
            DslPlan::GroupBy { keys, .. } => {
                for k in keys {
                    if let Expr::Column(name) = k {
                        if !out.iter().any(|o| o == name.as_str()) {
                            out.push(name.to_string());
                        }
                    }
                }
            }
            DslPlan::Join {
                input_left,
                input_right,
                ..
            } => {
                stack.push(input_right);
                stack.push(input_left);
                continue;
            }
            DslPlan::Union { inputs, .. } => {
                stack.extend(inputs.iter().rev());
                continue;
            }
            _ => {}
        }
        if let Some(input) = single_input(p) {
            stack.push(input);
        }
    }
    out
}

/// Whether `p` holds a join that leaves its rows' order open (Polars'
/// default), so no order of the rows above it is promised.
fn has_unordered_join(p: &DslPlan) -> bool {
    match unwrap(p) {
        DslPlan::Join {
            input_left,
            input_right,
            options,
            ..
        } => {
            matches!(options.args.maintain_order, MaintainOrderJoin::None)
                || has_unordered_join(input_left)
                || has_unordered_join(input_right)
        }
        DslPlan::Union { inputs, .. } => inputs.iter().any(has_unordered_join),
        p => single_input(p).is_some_and(has_unordered_join),
    }
}

/// One row group's statistics for the range key.
#[derive(Debug, Clone)]
struct RowGroup {
    min: Value,
    max: Value,
    rows: u64,
}

/// The row groups of a Parquet scan's files, with the key's min and max;
/// `None` when a file cannot be read, the key is not a column of the files,
/// a row group has no statistics for it or holds a null.
fn row_groups(scan: &DslPlan, key: &str, ints: bool) -> Option<Vec<RowGroup>> {
    let paths = paths_of(scan)?;
    let mut out = Vec::new();
    for path in paths.iter() {
        let file = std::fs::File::open(path.as_str()).ok()?;
        let mut reader = ParquetReader::new(file);
        let meta = reader.get_metadata().ok()?.clone();
        for rg in &meta.row_groups {
            let idx = *rg.columns_idxs_under_root_iter(key)?.first()?;
            let stats = rg.parquet_columns()[idx]
                .statistics(&meta.footer_buf)?
                .ok()?;
            let (min, max, nulls) = if ints {
                if let Some(s) = stats.as_int32() {
                    (
                        Value::Int(s.min_value?.into()),
                        Value::Int(s.max_value?.into()),
                        s.null_count,
                    )
                } else {
                    let s = stats.as_int64()?;
                    (
                        Value::Int(s.min_value?),
                        Value::Int(s.max_value?),
                        s.null_count,
                    )
                }
            } else {
                let s = stats.as_binary()?;
                let text = |v: &Option<Vec<u8>>| String::from_utf8(v.clone()?).ok();
                (
                    Value::Str(text(&s.min_value)?),
                    Value::Str(text(&s.max_value)?),
                    s.null_count,
                )
            };
            if nulls != Some(0) {
                return None;
            }
            out.push(RowGroup {
                min,
                max,
                rows: rg.num_rows() as u64,
            });
        }
    }
    Some(out)
}

/// Ranges of `key` for the cut's scans, chosen from the Parquet statistics
/// of their row groups: about [`RANGE_ROWS`] rows each (at most
/// [`MAX_BATCHES`]), bounds at row groups' minimums. `None` when the key is
/// not a signed integer or string column of every file, when the row groups are
/// not clustered by it (the batches would read more than
/// [`MAX_READ_FACTOR`] times the rows), or when there would be one batch.
fn range_batches(
    lf: Option<&LazyFrame>,
    sub: &DslPlan,
    key: &str,
) -> Option<Vec<(Option<Value>, Option<Value>)>> {
    let mut scans = Vec::new();
    scans_of(sub, &mut scans);
    // A scan read twice (both sides of a self-join) counts once.
    let mut distinct: Vec<&DslPlan> = Vec::new();
    for scan in scans {
        let paths = paths_of(scan)?;
        let same = |d: &&DslPlan| paths_of(d) == Some(paths);
        if !distinct.iter().any(same) {
            distinct.push(scan);
        }
    }
    let mut groups = Vec::new();
    for scan in distinct {
        let dtype = scan_schema(lf, scan).ok()?.get(key)?.clone();
        // Unsigned integers are stored as signed ones in Parquet, in an
        // order that is not theirs: not used.
        let ints = dtype.is_signed_integer();
        if !ints && dtype != DataType::String {
            return None;
        }
        groups.extend(row_groups(scan, key, ints)?);
    }
    let total: u64 = groups.iter().map(|g| g.rows).sum();
    let n = (total / RANGE_ROWS).clamp(1, MAX_BATCHES);
    if n < 2 {
        return None;
    }
    groups.sort_by(|a, b| a.min.cmp(&b.min));
    let mut bounds: Vec<Value> = Vec::new();
    let mut acc = 0;
    for (i, g) in groups.iter().enumerate() {
        acc += g.rows;
        let next = groups.get(i + 1);
        if let Some(next) = next {
            let due = (bounds.len() as u64 + 1) * total / n;
            if acc >= due && bounds.last().is_none_or(|b| *b < next.min) && next.min > groups[0].min
            {
                bounds.push(next.min.clone());
            }
        }
    }
    if bounds.is_empty() {
        return None;
    }
    let mut ranges = Vec::with_capacity(bounds.len() + 1);
    let mut lo: Option<Value> = None;
    for b in bounds {
        ranges.push((lo.take(), Some(b.clone())));
        lo = Some(b);
    }
    ranges.push((lo, None));
    let read: u64 = ranges
        .iter()
        .map(|(lo, hi)| {
            groups
                .iter()
                .filter(|g| lo.as_ref().is_none_or(|lo| g.max >= *lo))
                .filter(|g| hi.as_ref().is_none_or(|hi| g.min < *hi))
                .map(|g| g.rows)
                .sum::<u64>()
        })
        .sum();
    (read as f64 <= MAX_READ_FACTOR * total as f64).then_some(ranges)
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
                ranges: false,
                partitions: 4,
                batches: 4
            })
        );
        let sub = find_plan(&q.logical_plan, None).unwrap().sub;
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
        let mut next = 0;
        one.logical_plan = map_scans(sub, &mut |scan| {
            next += 1;
            restrict(
                scan,
                "year",
                &HashSet::from(["2021"]),
                schemas.get(next - 1).cloned(),
            )
        });
        let df = one.collect().unwrap();
        assert_eq!(df.height(), 7);
        assert_eq!(df.column("year").unwrap().i64().unwrap().get(0), Some(2021));
    }

    #[test]
    fn steps_that_could_mix_partitions_run_as_written() {
        let paths = ["/d/year=1/a.parquet", "/d/year=2/a.parquet"];
        let by_other = scan(&paths).group_by([col("k")]).agg([col("v").sum()]);
        assert!(!separable(&by_other.logical_plan, "year", Mode::Hive));
        let window = scan(&paths)
            .with_columns([col("v").sum().over([col("k")]).unwrap().alias("s")])
            .group_by([col("year")])
            .agg([col("s").sum()]);
        assert!(!separable(&window.logical_plan, "year", Mode::Hive));
        let join_off_key = join_on(scan(&paths), scan(&paths), "k", JoinType::Inner);
        assert!(!separable(&join_off_key.logical_plan, "year", Mode::Hive));
        let full = join_on(scan(&paths), scan(&paths), "year", JoinType::Full);
        assert!(!separable(&full.logical_plan, "year", Mode::Hive));
        let overwrite = scan(&paths)
            .with_columns([lit(1).alias("year")])
            .group_by([col("year")])
            .agg([col("v").sum()]);
        assert!(!separable(&overwrite.logical_plan, "year", Mode::Hive));
        // A join alone is not cut: its stacked result could be larger than
        // what a streaming sort and head keep.
        let join_only = join_on(scan(&paths), scan(&paths), "year", JoinType::Inner)
            .sort(["v"], Default::default())
            .limit(3);
        assert!(find_cut(&join_only.logical_plan, "year", Mode::Hive).is_none());
        let ok = scan(&paths)
            .with_columns([(col("v") * lit(2)).alias("v2")])
            .group_by([col("year")])
            .agg([col("v2").sum()]);
        assert!(separable(&ok.logical_plan, "year", Mode::Hive));
    }

    #[test]
    fn batches_gather_small_partitions_and_need_the_same_partitions_everywhere() {
        let dir = tempfile::tempdir().unwrap();
        let mut files: Vec<String> = (2020..2023).map(|y| write(dir.path(), y, 10)).collect();
        // Many small partitions beside a large one are gathered into batches.
        files.extend((0..200).map(|y| write(dir.path(), y, 1)));
        let paths: Vec<&str> = files.iter().map(String::as_str).collect();
        let q = scan(&paths).group_by([col("year")]).agg([col("v").sum()]);
        let b = hive_batches(unwrap(&q.logical_plan), "year").unwrap();
        assert_eq!(b.iter().map(Vec::len).sum::<usize>(), 203);
        assert!(b.len() as u64 <= MAX_BATCHES + 1, "{}", b.len());
        assert!(b.len() > 1);
        // A scan that lacks some partitions: run as written.
        let other = scan(&paths[..2]);
        let j = join_on(scan(&paths), other, "year", JoinType::Inner);
        assert_eq!(hive_batches(unwrap(&j.logical_plan), "year"), None);
        // One partition: nothing to split.
        let single = scan(&paths[..1])
            .group_by([col("year")])
            .agg([col("v").sum()]);
        assert_eq!(split(&single.logical_plan), None);
    }

    /// One Parquet file of `rows` rows in row groups of 100,000, with key
    /// `k` from `key(i)` and a value `v`.
    fn write_keyed(dir: &std::path::Path, rows: i64, key: impl Fn(i64) -> i64) -> String {
        let path = dir.join("keyed.parquet");
        let mut df = df!(
            "k" => (0..rows).map(&key).collect::<Vec<_>>(),
            "v" => (0..rows).map(|i| i % 13).collect::<Vec<_>>()
        )
        .unwrap();
        let f = std::fs::File::create(&path).unwrap();
        ParquetWriter::new(f)
            .with_row_group_size(Some(100_000))
            .finish(&mut df)
            .unwrap();
        path.to_string_lossy().into_owned()
    }

    fn keyed_query(path: &str) -> LazyFrame {
        let t = || LazyFrame::scan_parquet(PlRefPath::new(path), Default::default()).unwrap();
        let sums = t().group_by([col("k")]).agg([col("v").sum().alias("s")]);
        t().join(sums, [col("k")], [col("k")], JoinArgs::new(JoinType::Inner))
            .group_by([col("k")])
            .agg([col("v").count().alias("n"), col("s").first()])
            .sort(["k"], Default::default())
    }

    #[test]
    fn a_file_clustered_by_a_group_key_splits_by_ranges_of_it() {
        let dir = tempfile::tempdir().unwrap();
        let rows = 2 * RANGE_ROWS as i64 + 100_000;
        let path = write_keyed(dir.path(), rows, |i| i / 1000);
        let q = keyed_query(&path);
        let s = split(&q.logical_plan).unwrap();
        assert_eq!((s.key.as_str(), s.ranges), ("k", true));
        assert!(s.batches >= 2, "{s:?}");
        let whole = q.clone().collect().unwrap();
        assert_eq!(whole.height() as i64, rows / 1000);
        let by_ranges = collect(&q, Engine::Streaming).unwrap().unwrap();
        assert_eq!(by_ranges, whole);
    }

    #[test]
    fn a_file_not_clustered_by_the_key_runs_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let rows = 2 * RANGE_ROWS as i64 + 100_000;
        // Every row group spans (nearly) every key: ranges would read the
        // file once per batch.
        let path = write_keyed(dir.path(), rows, |i| (i * 7919) % 1300);
        assert_eq!(split(&keyed_query(&path).logical_plan), None);
        // Too few rows to be worth it.
        let small = write_keyed(dir.path(), 200_000, |i| i / 1000);
        assert_eq!(split(&keyed_query(&small).logical_plan), None);
    }
}
