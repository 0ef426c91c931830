//! The script-visible value types and the conversions between Rhai and Polars.
//!
//! Polars objects are wrapped as Rhai custom types: [`ExprV`] (`Expr`),
//! [`LazyFrameV`] (`LazyFrame`), [`DataFrameV`] (`DataFrame`), [`GroupByV`],
//! and the `when/then` builders. Every Polars call that can fail or panic
//! goes through [`guard`], which turns both into a script error at the
//! calling line. All Polars-version-specific glue stays in `script/`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once};

use polars::polars_utils::arena::Arena;
use polars_plan::plans::{AExpr, IR};

use polars::prelude::*;
use rhai::{Array, Dynamic, EvalAltResult, ImmutableString, Map, Position};

use crate::diag::Diagnostic;

/// The error type of every binding.
pub type RResult<T> = Result<T, Box<EvalAltResult>>;

/// A script error raised from Rust. Rhai fills in the calling position.
pub fn script_err(msg: impl Into<String>) -> Box<EvalAltResult> {
    diag_err(Diagnostic::error(msg.into()).with_kind("runtime"))
}

/// A script error carrying a whole [`Diagnostic`] (notes, hint, kind) as
/// the Rhai error's value: `errors::to_diagnostic` takes it back out as it
/// is and adds the script position and call chain. No text round trip.
pub fn diag_err(d: Diagnostic) -> Box<EvalAltResult> {
    EvalAltResult::ErrorRuntime(Dynamic::from(d), Position::NONE).into()
}

/// The text of a script error: a carried [`Diagnostic`]'s message and
/// notes, or Rhai's own text for other errors. For code that inspects an
/// error's wording (tracing a Polars CSV error to its row).
pub fn error_text(e: &EvalAltResult) -> String {
    if let EvalAltResult::ErrorRuntime(v, _) = e {
        if let Some(d) = v.read_lock::<Diagnostic>() {
            let mut text = d.message.clone();
            for n in &d.notes {
                text.push('\n');
                text.push_str(n);
            }
            return text;
        }
    }
    e.to_string()
}

/// A script error with a hint shown as `help:` by the diagnostics renderer.
pub fn script_err_help(
    msg: impl std::fmt::Display,
    help: impl std::fmt::Display,
) -> Box<EvalAltResult> {
    diag_err(
        Diagnostic::error(msg.to_string())
            .with_kind("runtime")
            .with_help(help.to_string()),
    )
}

/// A column expression (Polars `Expr`).
#[derive(Clone, Debug)]
pub struct ExprV(pub Expr);

/// A lazy query (Polars `LazyFrame`) and the CSV files it reads, so that
/// a parse error found at `collect()` can name the file, row and column,
/// and the number of bytes of files it scans, which picks the engine a
/// plain `collect()` runs it on.
#[derive(Clone)]
pub struct LazyFrameV {
    pub lf: LazyFrame,
    pub csv_sources: Arc<Vec<PathBuf>>,
    /// Total size of the files the query scans (0 for in-memory frames).
    pub scan_bytes: u64,
    /// The plan arenas of this frame's line of verbs (see [`PlanArenas`]).
    pub arenas: PlanArenas,
}

/// The arenas Polars resolves plans into, shared by a frame and the frames
/// built from it by verbs, so that checking a verb resolves one new plan
/// node, not the whole query again.
///
/// After a verb's check, the frame's plan holds the node it resolved to (a
/// `DslPlan::IR` in these arenas), and Polars reuses that node when it
/// resolves the next verb's plan in the same arenas. Arenas only grow, so
/// two verbs applied to one frame can share them. `collect()` resolves the
/// plan again with every optimisation it runs, from the original verbs (the
/// cached nodes are resolved for schemas only), so results do not depend on
/// it; a small query over frames in memory, whose collect asks no more of
/// the conversion than the checks did, starts from a copy of the arenas
/// instead ([`PlanArenas::lend_to`]).
#[derive(Clone, Default)]
pub struct PlanArenas(Arc<Mutex<Option<Arenas>>>);

/// The nodes [`PlanArenas`] holds before it starts over.
const MAX_ARENA_NODES: usize = 100_000;

/// Polars' plan and expression arenas.
type Arenas = (Arena<IR>, Arena<AExpr>);

/// The nodes both arenas hold.
fn size((lp, expr): &Arenas) -> usize {
    lp.len() + expr.len()
}

impl PlanArenas {
    /// Resolves `lf`'s schema in these arenas and keeps the resolved node
    /// in `lf`'s plan.
    pub fn resolve(&self, lf: &mut LazyFrame) -> PolarsResult<SchemaRef> {
        let mut arenas = self.0.lock().unwrap_or_else(|e| e.into_inner());
        // A frame kept for a whole kernel session can have thousands of
        // verbs applied to it: past a bound, start new arenas (a plan
        // resolved in the old ones is then resolved again, once).
        if arenas.as_ref().is_some_and(|a| size(a) > MAX_ARENA_NODES) {
            *arenas = None;
        }
        let (lp, expr) =
            arenas.get_or_insert_with(|| (Arena::with_capacity(16), Arena::with_capacity(16)));
        lf.schema_with_arenas(lp, expr)
    }

    /// `lf` with a copy of these arenas as the ones its `collect()` starts
    /// from, when they are small enough to copy (at most
    /// `MAX_LENT_NODES`). Polars then reuses the nodes the verbs' checks
    /// resolved (a `DslPlan::IR` whose arenas' version matches, resolved
    /// with at least the optimisations the collect asks of the conversion:
    /// type coercion and checks, which is all a small in-memory query asks
    /// for) instead of resolving the whole plan again. The copy keeps the
    /// optimiser's rewrites out of the arenas other frames share, and
    /// `lf` gets its own arena slot, not the one its clones share.
    pub fn lend_to(&self, lf: LazyFrame) -> LazyFrame {
        let arenas = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match arenas.as_ref() {
            Some(a) if size(a) <= MAX_LENT_NODES => {
                let opts = lf.get_current_optimizations();
                let fresh = LazyFrame::from_logical_plan(lf.logical_plan, opts);
                fresh.set_cached_arena(a.0.clone(), a.1.clone());
                fresh
            }
            _ => lf,
        }
    }
}

/// The most nodes [`PlanArenas::lend_to`] copies for a `collect()`: past
/// that, copying them costs about what resolving the plan again does.
const MAX_LENT_NODES: usize = 4_000;

impl LazyFrameV {
    pub fn new(lf: LazyFrame) -> Self {
        Self::scanning(lf, Vec::new(), 0)
    }

    /// A new query that reads these CSV files and scans this many bytes of
    /// files.
    pub fn scanning(lf: LazyFrame, csv_sources: Vec<PathBuf>, scan_bytes: u64) -> Self {
        LazyFrameV {
            lf,
            csv_sources: Arc::new(csv_sources),
            scan_bytes,
            arenas: PlanArenas::default(),
        }
    }

    /// A new frame with the same provenance.
    pub fn map(&self, lf: LazyFrame) -> Self {
        LazyFrameV {
            lf,
            csv_sources: self.csv_sources.clone(),
            scan_bytes: self.scan_bytes,
            arenas: self.arenas.clone(),
        }
    }

    /// A query over several frames (joins, SQL, concat): the union of their
    /// CSV sources and the sum of the bytes they scan.
    pub fn combine<'a>(lf: LazyFrame, frames: impl IntoIterator<Item = &'a LazyFrameV>) -> Self {
        let mut sources: Vec<PathBuf> = Vec::new();
        let mut scan_bytes = 0u64;
        let mut arenas = None;
        for f in frames {
            // The first frame's (a join's left side, for instance).
            arenas.get_or_insert_with(|| f.arenas.clone());
            scan_bytes = scan_bytes.saturating_add(f.scan_bytes);
            for p in f.csv_sources.iter() {
                if !sources.contains(p) {
                    sources.push(p.clone());
                }
            }
        }
        LazyFrameV {
            lf,
            csv_sources: Arc::new(sources),
            scan_bytes,
            arenas: arenas.unwrap_or_default(),
        }
    }
}

/// A materialised table (Polars `DataFrame`).
#[derive(Clone)]
pub struct DataFrameV(pub DataFrame);

/// The result of `group_by(keys)`, waiting for `agg(exprs)`.
#[derive(Clone)]
pub struct GroupByV {
    pub frame: LazyFrameV,
    pub keys: Vec<Expr>,
    pub maintain_order: bool,
}

/// `when(cond)`: waiting for `then(value)`.
#[derive(Clone)]
pub struct WhenV {
    pub branches: Vec<(Expr, Expr)>,
    pub pending: Expr,
}

/// `when(cond).then(value)`: an expression (null where no branch holds),
/// or waiting for `otherwise(value)` or another `when(cond)`.
#[derive(Clone)]
pub struct ThenV {
    pub branches: Vec<(Expr, Expr)>,
}

impl ThenV {
    /// Folds the branches into nested Polars `when/then/otherwise`.
    pub fn build(&self, otherwise: Expr) -> Expr {
        self.branches.iter().rev().fold(otherwise, |acc, (c, v)| {
            when(c.clone()).then(v.clone()).otherwise(acc)
        })
    }
}

/// Prints floats in full (`883000000.0`, not `8.83e8`): briefing figures
/// are read by people, and the short form hides magnitudes.
pub fn configure_display() {
    polars_core::fmt::set_float_fmt(polars_core::fmt::FloatFmt::Full);
}

// ---------------------------------------------------------------------------
// Panics and errors

static GUARD_DEPTH: AtomicUsize = AtomicUsize::new(0);
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);
static HOOK: Once = Once::new();

/// Installs a panic hook that stays quiet while Polars runs under [`guard`]
/// (the panic becomes a script error instead) and prints as usual otherwise.
fn install_hook() {
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if GUARD_DEPTH.load(Ordering::SeqCst) > 0 {
                let msg = if let Some(s) = info.payload().downcast_ref::<&str>() {
                    s.to_string()
                } else if let Some(s) = info.payload().downcast_ref::<String>() {
                    s.clone()
                } else {
                    "internal error".to_string()
                };
                if let Ok(mut last) = LAST_PANIC.lock() {
                    *last = Some(msg);
                }
            } else {
                default(info);
            }
        }));
    });
}

/// Runs a Polars operation; a Polars error or a panic becomes a script error.
pub fn guard<T>(f: impl FnOnce() -> PolarsResult<T>) -> RResult<T> {
    install_hook();
    GUARD_DEPTH.fetch_add(1, Ordering::SeqCst);
    let result = catch_unwind(AssertUnwindSafe(f));
    GUARD_DEPTH.fetch_sub(1, Ordering::SeqCst);
    match result {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(polars_err(&e)),
        Err(_) => {
            let msg = LAST_PANIC
                .lock()
                .ok()
                .and_then(|mut m| m.take())
                .unwrap_or_else(|| "internal error".into());
            Err(script_err(format!("Polars failed: {msg}")))
        }
    }
}

/// Runs an infallible Polars call that may still panic.
pub fn guard_ok<T>(f: impl FnOnce() -> T) -> RResult<T> {
    guard(|| Ok(f()))
}

/// Maps a Polars error to a script error with a readable message.
pub fn polars_err(e: &PolarsError) -> Box<EvalAltResult> {
    let text = e.to_string();
    // Polars appends the query plan after "Resolved plan until failure"; keep the first lines.
    let short = text
        .split("\n\nResolved plan until failure")
        .next()
        .unwrap_or(&text)
        .split("\n\nThis error occurred with the following context stack")
        .next()
        .unwrap_or(&text)
        .trim()
        .to_string();
    if let Some(name) = between(&short, "unable to find column \"", "\"") {
        let valid: Vec<String> = between(&short, "valid columns: [", "]")
            .map(|v| {
                v.split(", ")
                    .map(|c| c.trim_matches('"').to_string())
                    .collect()
            })
            .unwrap_or_default();
        let mut d = Diagnostic::error(format!("unknown column `{name}`")).with_kind("runtime");
        if !valid.is_empty() {
            d = d.with_note(format!("the columns are: {}", valid.join(", ")));
            if let Some(s) = crate::diag::did_you_mean(&name, valid.iter().map(String::as_str)) {
                d = d.with_help(format!("did you mean `{s}`?"));
            }
        }
        return diag_err(d);
    }
    let short = short.replace("\n\n", "\n");
    if short.contains("dtype") || short.contains("arithmetic on") {
        return script_err(format!("type error: {short}"));
    }
    match e {
        PolarsError::SchemaMismatch(_) | PolarsError::InvalidOperation(_) => {
            script_err(format!("type error: {short}"))
        }
        _ => script_err(short),
    }
}

fn between(s: &str, start: &str, end: &str) -> Option<String> {
    let i = s.find(start)? + start.len();
    let j = s[i..].find(end)?;
    Some(s[i..i + j].to_string())
}

// ---------------------------------------------------------------------------
// Rhai -> Polars

/// A readable name for a Rhai value's type in messages.
pub fn type_name(d: &Dynamic) -> String {
    if d.is::<ExprV>() {
        "Expr".into()
    } else if d.is::<LazyFrameV>() {
        "LazyFrame".into()
    } else if d.is::<DataFrameV>() {
        "DataFrame".into()
    } else if d.is::<GroupByV>() {
        "GroupBy".into()
    } else if d.is::<WhenV>() {
        "When".into()
    } else if d.is::<ThenV>() {
        "Then".into()
    } else if d.is::<super::chart::ChartV>() {
        "Chart".into()
    } else if d.is::<super::expr::StrNs>() {
        "StrNamespace".into()
    } else if d.is::<super::expr::DtNs>() {
        "DtNamespace".into()
    } else if d.is_unit() {
        "()".into()
    } else {
        d.type_name().rsplit("::").next().unwrap_or("?").to_string()
    }
}

/// How to read a bare string where an expression is expected.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Strings {
    /// As a column name (`select("a")`, `sort("a")`).
    Columns,
    /// As a string literal (`col("a") == "KAZ"`).
    Literals,
}

/// Converts one Rhai value to an expression.
pub fn to_expr(d: &Dynamic, strings: Strings) -> RResult<Expr> {
    if let Some(e) = d.clone().try_cast::<ExprV>() {
        return Ok(e.0);
    }
    if let Some(t) = d.clone().try_cast::<ThenV>() {
        return Ok(t.build(lit(NULL)));
    }
    if d.is_unit() {
        return Ok(lit(NULL));
    }
    if let Ok(i) = d.as_int() {
        return Ok(lit(i));
    }
    if let Ok(f) = d.as_float() {
        return Ok(lit(f));
    }
    if let Ok(b) = d.as_bool() {
        return Ok(lit(b));
    }
    if let Some(s) = d.clone().try_cast::<ImmutableString>() {
        return Ok(match strings {
            Strings::Columns => col(s.as_str()),
            Strings::Literals => lit(s.as_str()),
        });
    }
    if let Ok(c) = d.as_char() {
        let s = c.to_string();
        return Ok(match strings {
            Strings::Columns => col(s.as_str()),
            Strings::Literals => lit(s.as_str()),
        });
    }
    if d.is_array() {
        let arr = d.clone().into_array().unwrap_or_default();
        let s = array_to_series("literal", &arr)?;
        return Ok(lit(s));
    }
    Err(script_err(format!(
        "expected an expression, a column name or a value, found {}",
        type_name(d)
    )))
}

/// Converts a value or an array of values to expressions.
pub fn to_exprs(d: &Dynamic, strings: Strings) -> RResult<Vec<Expr>> {
    if d.is_array() {
        d.clone()
            .into_array()
            .unwrap_or_default()
            .iter()
            .map(|x| to_expr(x, strings))
            .collect()
    } else {
        Ok(vec![to_expr(d, strings)?])
    }
}

/// Converts a column name or an array of names to strings.
pub fn to_names(d: &Dynamic, what: &str) -> RResult<Vec<String>> {
    let one = |x: &Dynamic| -> RResult<String> {
        if let Some(s) = x.clone().try_cast::<ImmutableString>() {
            Ok(s.to_string())
        } else if let Some(e) = x.clone().try_cast::<ExprV>() {
            match e.0 {
                Expr::Column(name) => Ok(name.to_string()),
                other => Err(script_err(format!(
                    "{what} takes column names, found the expression {other:?}"
                ))),
            }
        } else {
            Err(script_err(format!(
                "{what} takes a column name or an array of names, found {}",
                type_name(x)
            )))
        }
    };
    if d.is_array() {
        d.clone()
            .into_array()
            .unwrap_or_default()
            .iter()
            .map(one)
            .collect()
    } else {
        Ok(vec![one(d)?])
    }
}

/// Reads an option from a trailing options map.
pub fn opt<'a>(opts: &'a Map, key: &str) -> Option<&'a Dynamic> {
    opts.get(key).filter(|v| !v.is_unit())
}

/// Reads a boolean option.
pub fn opt_bool(opts: &Map, key: &str, default: bool) -> RResult<bool> {
    match opt(opts, key) {
        None => Ok(default),
        Some(v) => v.as_bool().map_err(|_| {
            script_err(format!(
                "option `{key}` must be true or false, found {}",
                type_name(v)
            ))
        }),
    }
}

/// Reads a string option.
pub fn opt_str(opts: &Map, key: &str) -> RResult<Option<String>> {
    match opt(opts, key) {
        None => Ok(None),
        Some(v) => v
            .clone()
            .try_cast::<ImmutableString>()
            .map(|s| Some(s.to_string()))
            .ok_or_else(|| {
                script_err(format!(
                    "option `{key}` must be a string, found {}",
                    type_name(v)
                ))
            }),
    }
}

/// Reads an integer option.
pub fn opt_int(opts: &Map, key: &str) -> RResult<Option<i64>> {
    match opt(opts, key) {
        None => Ok(None),
        Some(v) => v.as_int().map(Some).map_err(|_| {
            script_err(format!(
                "option `{key}` must be an integer, found {}",
                type_name(v)
            ))
        }),
    }
}

/// Rejects options the function does not know (typos are caught, not ignored).
pub fn check_opts(opts: &Map, known: &[&str], func: &str) -> RResult<()> {
    for key in opts.keys() {
        if !known.contains(&key.as_str()) {
            let hint = crate::diag::did_you_mean(key, known.iter().copied())
                .map(|s| format!("did you mean `{s}`? "))
                .unwrap_or_default();
            return Err(script_err_help(
                format!("{func}: unknown option `{key}`"),
                format!("{hint}{func} takes: {}", known.join(", ")),
            ));
        }
    }
    Ok(())
}

/// Parses a data type name as written in scripts: Python Polars names
/// (`Int64`, `Float64`, `String`, `Boolean`, `Date`) or short ones (`i64`, `f64`, `str`, `bool`, `date`).
pub fn parse_dtype(name: &str) -> RResult<DataType> {
    Ok(match name.to_lowercase().as_str() {
        "int64" | "i64" | "int" | "integer" => DataType::Int64,
        "int32" | "i32" => DataType::Int32,
        "uint32" | "u32" => DataType::UInt32,
        "uint64" | "u64" => DataType::UInt64,
        "float64" | "f64" | "float" | "number" => DataType::Float64,
        "float32" | "f32" => DataType::Float32,
        "string" | "str" | "utf8" => DataType::String,
        "boolean" | "bool" => DataType::Boolean,
        "date" => DataType::Date,
        "datetime" => DataType::Datetime(TimeUnit::Microseconds, None),
        _ => {
            return Err(script_err_help(
                format!("unknown data type `{name}`"),
                "use one of Int64, Int32, UInt32, UInt64, Float64, Float32, String, Boolean, Date, Datetime",
            ))
        }
    })
}

/// The script-facing name of a Polars data type (Python Polars style).
pub fn dtype_name(dt: &DataType) -> String {
    match dt {
        DataType::Int64 => "Int64".into(),
        DataType::Int32 => "Int32".into(),
        DataType::UInt32 => "UInt32".into(),
        DataType::UInt64 => "UInt64".into(),
        DataType::Float64 => "Float64".into(),
        DataType::Float32 => "Float32".into(),
        DataType::String => "String".into(),
        DataType::Boolean => "Boolean".into(),
        DataType::Date => "Date".into(),
        DataType::Null => "Null".into(),
        other => format!("{other}"),
    }
}

/// Builds a Series from a Rhai array, inferring one type for all values.
pub fn array_to_series(name: &str, arr: &Array) -> RResult<Series> {
    #[derive(PartialEq, PartialOrd, Clone, Copy, Debug)]
    enum Kind {
        Null,
        Bool,
        Int,
        Float,
        Str,
    }
    let mut kind = Kind::Null;
    for v in arr {
        let k = if v.is_unit() {
            Kind::Null
        } else if v.is_bool() {
            Kind::Bool
        } else if v.is_int() {
            Kind::Int
        } else if v.is_float() {
            Kind::Float
        } else if v.is_string() || v.is_char() {
            Kind::Str
        } else {
            return Err(script_err(format!(
                "column `{name}`: values must be numbers, strings, booleans or (), found {}",
                type_name(v)
            )));
        };
        if k == Kind::Null {
            continue;
        }
        kind = match (kind, k) {
            (Kind::Null, k) => k,
            (a, b) if a == b => a,
            (Kind::Int, Kind::Float) | (Kind::Float, Kind::Int) => Kind::Float,
            (a, b) => {
                return Err(script_err(format!(
                    "column `{name}` mixes {a:?} and {b:?} values; use one type per column"
                )))
            }
        };
    }
    let s = match kind {
        Kind::Null => Series::full_null(name.into(), arr.len(), &DataType::Null),
        Kind::Bool => Series::new(
            name.into(),
            arr.iter().map(|v| v.as_bool().ok()).collect::<Vec<_>>(),
        ),
        Kind::Int => Series::new(
            name.into(),
            arr.iter().map(|v| v.as_int().ok()).collect::<Vec<_>>(),
        ),
        Kind::Float => Series::new(
            name.into(),
            arr.iter()
                .map(|v| {
                    v.as_float()
                        .ok()
                        .or_else(|| v.as_int().ok().map(|i| i as f64))
                })
                .collect::<Vec<_>>(),
        ),
        Kind::Str => Series::new(
            name.into(),
            arr.iter()
                .map(|v| {
                    if v.is_unit() {
                        None
                    } else {
                        Some(v.to_string())
                    }
                })
                .collect::<Vec<_>>(),
        ),
    };
    Ok(s)
}

// ---------------------------------------------------------------------------
// Polars -> Rhai

/// Converts one cell to a Rhai value: numbers, strings, booleans, dates as
/// ISO strings, nulls as `()`.
pub fn any_to_dynamic(v: AnyValue) -> Dynamic {
    match v {
        AnyValue::Null => Dynamic::UNIT,
        AnyValue::Boolean(b) => b.into(),
        AnyValue::Int8(i) => (i as i64).into(),
        AnyValue::Int16(i) => (i as i64).into(),
        AnyValue::Int32(i) => (i as i64).into(),
        AnyValue::Int64(i) => i.into(),
        AnyValue::UInt8(i) => (i as i64).into(),
        AnyValue::UInt16(i) => (i as i64).into(),
        AnyValue::UInt32(i) => (i as i64).into(),
        AnyValue::UInt64(i) => (i as i64).into(),
        AnyValue::Float32(f) => (f as f64).into(),
        AnyValue::Float64(f) => f.into(),
        AnyValue::String(s) => s.to_string().into(),
        AnyValue::StringOwned(s) => s.to_string().into(),
        AnyValue::Date(d) => {
            let date = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()
                + chrono::Duration::days(d as i64);
            date.format("%Y-%m-%d").to_string().into()
        }
        other => {
            let s = other.to_string();
            s.trim_matches('"').to_string().into()
        }
    }
}

/// A column as a Rhai array.
pub fn column_to_array(df: &DataFrame, name: &str) -> RResult<Array> {
    let c = df.column(name).map_err(|e| unknown_column(name, df, &e))?;
    let s = c.as_materialized_series();
    Ok(s.iter().map(any_to_dynamic).collect())
}

/// A row as a Rhai object map.
pub fn row_to_map(df: &DataFrame, i: usize) -> Map {
    let mut m = Map::new();
    for c in df.columns() {
        let v = c.get(i).map(any_to_dynamic).unwrap_or(Dynamic::UNIT);
        m.insert(c.name().as_str().into(), v);
    }
    m
}

/// The error for a column that does not exist, listing those that do.
pub fn unknown_column(name: &str, df: &DataFrame, _e: &PolarsError) -> Box<EvalAltResult> {
    let cols: Vec<&str> = df.get_column_names().iter().map(|s| s.as_str()).collect();
    let hint = crate::diag::did_you_mean(name, cols.iter().copied())
        .map(|s| format!("did you mean `{s}`? "))
        .unwrap_or_default();
    script_err_help(
        format!("unknown column `{name}`"),
        format!("{hint}the columns are: {}", cols.join(", ")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nodes(a: &PlanArenas) -> usize {
        a.0.lock().unwrap().as_ref().map_or(0, |(lp, _)| lp.len())
    }

    #[test]
    fn a_verb_check_resolves_only_its_own_node_and_collect_is_unchanged() {
        let df = df!("a" => [1i64, 2, 3], "b" => ["x", "y", "z"]).unwrap();
        let base = LazyFrameV::new(df.clone().lazy());
        let chain = |lf: LazyFrame, i: i64| {
            lf.filter(col("a").gt(lit(0)))
                .with_column((col("a") * lit(i)).alias(format!("c{i}")))
        };
        let mut f = base.clone();
        let mut added = Vec::new();
        for i in 1..=4 {
            f = f.map(chain(f.lf.clone(), i));
            let before = nodes(&f.arenas);
            f.arenas.resolve(&mut f.lf).unwrap();
            added.push(nodes(&f.arenas) - before);
        }
        // The first check resolves the whole plan; each later one only the
        // verbs added since, however long the chain is.
        assert!(added[1..].iter().all(|&n| n == added[1]), "{added:?}");
        assert!(added[3] < added[0] + 3 * added[1], "{added:?}");
        assert!(matches!(f.lf.logical_plan, DslPlan::IR { .. }));

        // Two verbs on one frame share its arenas and both resolve.
        let mut other = f.map(f.lf.clone().select([col("b")]));
        assert_eq!(other.arenas.resolve(&mut other.lf).unwrap().len(), 1);

        // Past the bound, new arenas: still resolved and still correct.
        let full = PlanArenas(Arc::new(Mutex::new(Some((Arena::with_capacity(16), {
            let mut a = Arena::with_capacity(16);
            for _ in 0..=MAX_ARENA_NODES {
                a.add(AExpr::Column("x".into()));
            }
            a
        })))));
        let mut again = f.clone();
        again.arenas = full.clone();
        assert_eq!(full.resolve(&mut again.lf).unwrap().len(), 6);
        let total = full.0.lock().unwrap().as_ref().map_or(0, size);
        assert!(total < 100, "{total}");

        // A later verb's mistake is still found.
        let mut bad = f.map(f.lf.clone().select([col("nope")]));
        assert!(bad.arenas.resolve(&mut bad.lf).is_err());

        // collect() gives what the plain plan gives.
        let mut plain = df.lazy();
        for i in 1..=4 {
            plain = chain(plain, i);
        }
        let want = plain.collect().unwrap();
        assert!(f.lf.clone().collect().unwrap().equals(&want));
        assert_eq!(want.width(), 6);
    }

    #[test]
    fn a_small_collect_starts_from_the_checked_nodes_and_gives_the_plain_result() {
        use crate::script::frame::collect_with;
        let df = df!("k" => [1i64, 2, 3, 2], "v" => [10.0, 20.0, 30.0, 40.0]).unwrap();
        let mut f = LazyFrameV::new(df.clone().lazy());
        f = f.map(f.lf.clone().filter(col("v").gt(lit(15.0))));
        f.arenas.resolve(&mut f.lf).unwrap();
        f = f.map(f.lf.clone().with_column((col("v") * lit(2.0)).alias("w")));
        f.arenas.resolve(&mut f.lf).unwrap();
        // The same frame on both sides of a join: one of the two resolved
        // nodes can be reused, the other is resolved again.
        let mut j = LazyFrameV::combine(
            f.lf.clone()
                .join(
                    f.lf.clone().select([col("k"), col("w").alias("w2")]),
                    [col("k")],
                    [col("k")],
                    JoinArgs::new(JoinType::Left),
                )
                .sort(["v"], Default::default()),
            [&f, &f],
        );
        j.arenas.resolve(&mut j.lf).unwrap();
        let plain = || {
            let f = df.clone().lazy().filter(col("v").gt(lit(15.0)));
            let f = f.with_column((col("v") * lit(2.0)).alias("w"));
            f.clone()
                .join(
                    f.select([col("k"), col("w").alias("w2")]),
                    [col("k")],
                    [col("k")],
                    JoinArgs::new(JoinType::Left),
                )
                .sort(["v"], Default::default())
                .collect()
                .unwrap()
        };
        let before = nodes(&j.arenas);
        for _ in 0..2 {
            let got = collect_with(&j, Engine::InMemory, true).ok().unwrap().0;
            assert!(got.equals_missing(&plain()), "{got}");
        }
        // The optimiser rewrote a copy: the shared arenas are as they were.
        assert_eq!(nodes(&j.arenas), before);
        let got = collect_with(&f, Engine::InMemory, true).ok().unwrap().0;
        assert_eq!(got.height(), 3);
        assert_eq!(got.width(), 3);
    }
}
