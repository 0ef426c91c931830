//! How values show, in one place for every front end: the text `print`
//! writes, the result the REPL and the notebook kernel show (a frame as its
//! Polars table with its shape, a lazy frame as its schema and a short plan
//! without running it, a chart as a one-line summary, an expression as its
//! Polars text, arrays and maps as Rhai prints them), and the rich
//! representations of `display(value)` (an HTML table, SVG and PNG).

use std::sync::Arc;

use polars::prelude::{lit, NULL};
use rhai::{Array, Dynamic, Engine, Map};

use super::chart::ChartV;
use super::docs::Doc;
use super::expr::{DtNs, StrNs};
use super::values::{guard, DataFrameV, ExprV, GroupByV, LazyFrameV, ThenV, WhenV};
use super::{Ctx, Sink, Stream};

/// Documentation and tested examples for this module's functions.
pub const DOCS: &[Doc] = &[Doc {
    name: "display",
    signature: "display(value)",
    summary: "Shows a value as output of its own: in a notebook (the Jupyter kernel, `dossier notebook`) a frame becomes an HTML table and a chart a picture (SVG and PNG); elsewhere (`dossier run`) the value is printed as `print` would.",
    example: r#"display(frame(#{ a: [1, 2] }).collect());
display(42);"#,
    output: "shape: (2, 1)\n┌─────┐\n│ a   │\n│ --- │\n│ i64 │\n╞═════╡\n│ 1   │\n│ 2   │\n└─────┘\n42",
}];

/// Registers `display` and the printed form (`to_string`, `to_debug`) of
/// every value type the API returns, so `print`, string interpolation and
/// arrays or maps holding them all show [`print_text`].
pub fn register(engine: &mut Engine, ctx: &Arc<Ctx>, sink: Sink) {
    let ctx = ctx.clone();
    engine.register_fn("display", move |value: Dynamic| {
        let hook = ctx.display.lock().ok().and_then(|d| d.clone());
        match hook {
            Some(show) => show(&value),
            None => sink(Stream::Stdout, &print_text(&value)),
        }
    });
    printable::<DataFrameV>(engine);
    printable::<LazyFrameV>(engine);
    printable::<GroupByV>(engine);
    printable::<ExprV>(engine);
    printable::<WhenV>(engine);
    printable::<ThenV>(engine);
    printable::<StrNs>(engine);
    printable::<DtNs>(engine);
    printable::<ChartV>(engine);
}

/// Registers `to_string` and `to_debug` of one value type.
fn printable<T: Show + Clone + Send + Sync + 'static>(engine: &mut Engine) {
    engine.register_fn("to_string", |v: &mut T| v.show());
    engine.register_fn("to_debug", |v: &mut T| v.show());
}

/// The text of one of the API's value types.
trait Show {
    fn show(&self) -> String;
}

impl Show for DataFrameV {
    fn show(&self) -> String {
        // Polars sizes the table to the terminal when stdout is one.
        format!("{}", self.0)
    }
}

impl Show for LazyFrameV {
    fn show(&self) -> String {
        lazy_text(self)
    }
}

impl Show for ExprV {
    fn show(&self) -> String {
        format!("{}", self.0)
    }
}

impl Show for GroupByV {
    fn show(&self) -> String {
        let keys: Vec<String> = self.keys.iter().map(|k| format!("{k}")).collect();
        format!(
            "GroupBy [{}]: .agg(exprs) gives one row per group",
            keys.join(", ")
        )
    }
}

impl Show for WhenV {
    fn show(&self) -> String {
        format!(
            "when({}): .then(value) gives the value where it holds",
            self.pending
        )
    }
}

impl Show for ThenV {
    fn show(&self) -> String {
        format!(
            "{} (null elsewhere; .otherwise(value) or another .when(cond) continues it)",
            self.build(lit(NULL))
        )
    }
}

impl Show for StrNs {
    fn show(&self) -> String {
        format!(
            "{}.str: string functions, such as .str.contains(pattern)",
            self.0
        )
    }
}

impl Show for DtNs {
    fn show(&self) -> String {
        format!("{}.dt: date parts, such as .dt.year()", self.0)
    }
}

impl Show for ChartV {
    fn show(&self) -> String {
        let title = self
            .0
            .title
            .as_deref()
            .map(|t| format!(" {t:?}"))
            .unwrap_or_default();
        format!(
            "Chart({}, {}×{}){title}: .save(\"chart.svg\") writes it; :open shows it in the REPL",
            self.1.kind.name(),
            self.1.width,
            self.1.height
        )
    }
}

/// The text of `value` if it is one of the API's own value types.
fn custom_text(value: &Dynamic) -> Option<String> {
    fn as_<T: Show + Clone + 'static>(v: &Dynamic) -> Option<String> {
        v.read_lock::<T>().map(|t| t.show())
    }
    as_::<DataFrameV>(value)
        .or_else(|| as_::<LazyFrameV>(value))
        .or_else(|| as_::<ExprV>(value))
        .or_else(|| as_::<ChartV>(value))
        .or_else(|| as_::<GroupByV>(value))
        .or_else(|| as_::<WhenV>(value))
        .or_else(|| as_::<ThenV>(value))
        .or_else(|| as_::<StrNs>(value))
        .or_else(|| as_::<DtNs>(value))
}

/// Columns of a lazy frame's schema listed before "… more".
pub const MAX_SCHEMA_LINES: usize = 30;

/// Lines of a lazy frame's plan shown: enough for a scan, a few filters
/// and a join; `.explain()` gives the whole optimised plan.
pub const MAX_PLAN_LINES: usize = 12;

/// A lazy frame's schema and the start of its plan, without running it
/// (resolving the schema reads at most a file's header).
fn lazy_text(f: &LazyFrameV) -> String {
    let mut out = String::from("LazyFrame, not run yet (.collect() runs it)\n");
    let mut probe = f.lf.clone();
    match guard(move || probe.collect_schema()) {
        Ok(schema) => {
            out.push_str(&format!("schema: {} columns\n", schema.len()));
            for (name, dtype) in schema.iter().take(MAX_SCHEMA_LINES) {
                out.push_str(&format!("  {name}: {dtype}\n"));
            }
            if schema.len() > MAX_SCHEMA_LINES {
                out.push_str(&format!("  … {} more\n", schema.len() - MAX_SCHEMA_LINES));
            }
        }
        Err(e) => {
            let why = match *e {
                rhai::EvalAltResult::ErrorRuntime(ref d, _) => d.to_string(),
                ref other => other.to_string(),
            };
            out.push_str(&format!("schema: cannot be resolved: {why}\n"));
        }
    }
    let plan = guard(|| f.lf.explain(false)).unwrap_or_default();
    let lines: Vec<&str> = plan.trim_end().lines().collect();
    out.push_str("plan:\n");
    for l in lines.iter().take(MAX_PLAN_LINES) {
        out.push_str(&format!("  {l}\n"));
    }
    if lines.len() > MAX_PLAN_LINES {
        out.push_str(&format!(
            "  … {} more lines (.explain() shows the optimised plan)\n",
            lines.len() - MAX_PLAN_LINES
        ));
    }
    out.truncate(out.trim_end().len());
    out
}

/// The text `print(value)` writes: strings as they are, everything else as
/// [`plain_text`].
pub fn print_text(value: &Dynamic) -> String {
    if value.is_string() {
        return value.to_string();
    }
    if value.is_unit() {
        return String::new();
    }
    plain_text(value)
}

/// A value as a result shows (the REPL, the kernel's `text/plain`): strings
/// quoted, arrays and maps as Rhai prints them (their items in debug form),
/// and the API's types as their own text; never a Rust type name.
pub fn plain_text(value: &Dynamic) -> String {
    if let Some(t) = custom_text(value) {
        return t;
    }
    if let Some(a) = value.read_lock::<Array>() {
        let items: Vec<String> = a.iter().map(plain_text).collect();
        return format!("[{}]", items.join(", "));
    }
    if let Some(m) = value.read_lock::<Map>() {
        let items: Vec<String> = m
            .iter()
            .map(|(k, v)| format!("{:?}: {}", k.as_str(), plain_text(v)))
            .collect();
        return format!("#{{{}}}", items.join(", "));
    }
    if value.is_char() || value.is_fnptr() {
        return value.to_string();
    }
    // A type outside the API (none should reach here) shows its short name.
    if value.type_name().contains("::") {
        return crate::script::values::type_name(value);
    }
    format!("{value:?}")
}

/// Rows a frame's HTML table shows before a note says how many there are
/// (a notebook page or cell output stays readable; the text form has its own
/// limit, `POLARS_FMT_MAX_ROWS`).
pub const MAX_HTML_ROWS: usize = 50;

/// Pixels per SVG pixel of a chart's PNG: 2 keeps it sharp on high-density
/// screens; front ends show it at the SVG's size (see [`Representation::png_size`]).
pub const PNG_SCALE: f32 = 2.0;

/// A value's representations for a rich front end.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Representation {
    /// (MIME type, data), richest first; `image/png` data is base64.
    pub data: Vec<(String, String)>,
    /// The size to show the PNG at (the chart's own size), when there is one.
    pub png_size: Option<(u32, u32)>,
}

/// A value's representations: a frame as an HTML table and text, a chart as
/// SVG, PNG and text, anything else as text.
pub fn representation(value: &Dynamic) -> Representation {
    use super::chart::ChartV;
    use super::values::DataFrameV;
    use base64::Engine as _;
    let mut r = Representation::default();
    if let Some(df) = value.clone().try_cast::<DataFrameV>() {
        let opts = crate::format::TableOptions {
            max_rows: Some(MAX_HTML_ROWS),
            ..Default::default()
        };
        r.data.push((
            "text/html".into(),
            crate::format::frame_to_html(&df.0, &opts),
        ));
    } else if let Some(c) = value.clone().try_cast::<ChartV>() {
        r.data.push(("image/svg+xml".into(), c.0.svg.clone()));
        if let Ok(png) = c.0.to_png(PNG_SCALE) {
            r.data.push((
                "image/png".into(),
                base64::engine::general_purpose::STANDARD.encode(png),
            ));
            r.png_size = Some((c.1.width, c.1.height));
        }
    }
    r.data.push(("text/plain".into(), plain_text(value)));
    r
}

/// The column names of a frame (eager or lazy); empty for anything else.
pub fn columns_of(value: &Dynamic) -> Vec<String> {
    use super::values::{DataFrameV, LazyFrameV};
    if let Some(df) = value.clone().try_cast::<DataFrameV>() {
        return df
            .0
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect();
    }
    if let Some(lf) = value.clone().try_cast::<LazyFrameV>() {
        let mut lf = lf.lf;
        if let Ok(schema) = super::values::guard(move || lf.collect_schema()) {
            return schema.iter_names().map(|n| n.to_string()).collect();
        }
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::sync::Mutex;

    /// A script giving a value of each of the API's own types, by the name
    /// the engine's metadata uses for it.
    const EXAMPLES: &[(&str, &str)] = &[
        ("Expr", r#"col("a") * 2"#),
        ("LazyFrame", "frame(#{ a: [1, 2] }).filter(col(\"a\") > 1)"),
        ("DataFrame", "frame(#{ a: [1, 2] }).collect()"),
        ("GroupBy", "frame(#{ a: [1, 2] }).group_by(\"a\")"),
        ("When", "when(col(\"a\") > 1)"),
        ("Then", "when(col(\"a\") > 1).then(\"big\")"),
        ("StrNamespace", "col(\"a\").str"),
        ("DtNamespace", "col(\"a\").dt"),
        (
            "Chart",
            "chart(\"bar\", frame(#{ x: [\"a\"], y: [1] }), #{ x: \"x\", y: \"y\" })",
        ),
    ];

    /// Types Rhai itself prints.
    const RHAI_TYPES: &[&str] = &[
        "?",
        "()",
        "int",
        "float",
        "bool",
        "string",
        "char",
        "array",
        "map",
        "Blob",
        "FnPtr",
        "Instant",
        "Range<i64>",
        "RangeInclusive<i64>",
        "Position",
        "Decimal",
    ];

    fn session(out: Arc<Mutex<String>>) -> (tempfile::TempDir, crate::script::Session) {
        crate::script::test_session(Arc::new(move |_: Stream, t: &str| {
            let mut o = out.lock().unwrap();
            o.push_str(t);
            o.push('\n');
        }))
    }

    fn assert_readable(what: &str, text: &str) {
        assert!(!text.contains("::"), "{what} shows a Rust path: {text}");
        assert!(!text.trim().is_empty(), "{what} shows nothing");
        for bare in [
            "ExprV",
            "LazyFrameV",
            "DataFrameV",
            "GroupByV",
            "WhenV",
            "ThenV",
            "ChartV",
            "StrNs",
            "DtNs",
        ] {
            assert!(!text.contains(bare), "{what} shows the type {bare}: {text}");
        }
    }

    #[test]
    fn every_type_the_api_returns_shows_as_a_value() {
        let out = Arc::new(Mutex::new(String::new()));
        let (_dir, mut s) = session(out.clone());
        // Every type a function returns has an example here (a new type
        // must say how it shows).
        let json = s.engine().gen_fn_metadata_to_json(false).expect("metadata");
        let meta: serde_json::Value = serde_json::from_str(&json).expect("json");
        let mut returned = BTreeSet::new();
        for f in meta["functions"].as_array().expect("functions") {
            let t = f["returnType"].as_str().unwrap_or("");
            returned.insert(crate::script::complete::normalise(t));
        }
        let covered: BTreeSet<String> = EXAMPLES.iter().map(|(t, _)| t.to_string()).collect();
        let missing: Vec<&String> = returned
            .iter()
            .filter(|t| !covered.contains(*t) && !RHAI_TYPES.contains(&t.as_str()))
            .collect();
        assert!(
            missing.is_empty(),
            "types without an example: {missing:?} (of {returned:?})"
        );

        for (ty, code) in EXAMPLES {
            let v = s
                .eval_source("<t>", code)
                .unwrap_or_else(|d| panic!("{code}: {d:?}"));
            assert_eq!(crate::script::values::type_name(&v), *ty, "{code}");
            assert_readable(&format!("{ty} as a result"), &plain_text(&v));
            assert_readable(&format!("{ty} printed"), &print_text(&v));
            let text = representation(&v)
                .data
                .into_iter()
                .find(|(m, _)| m == "text/plain")
                .map(|(_, t)| t)
                .unwrap_or_default();
            assert_readable(&format!("{ty} in a notebook"), &text);
            // Through the script: print, debug, interpolation, inside
            // arrays and maps, and display() without a rich front end.
            out.lock().unwrap().clear();
            let script = format!(
                "let v = {code}; print(v); print(`${{v}}`); print([v]); print(#{{ k: v }}); display(v); print(v.to_string()); print(v.to_debug());"
            );
            let _ = s
                .eval_source("<t>", &script)
                .unwrap_or_else(|d| panic!("{script}: {d:?}"));
            let printed = out.lock().unwrap().clone();
            assert_readable(&format!("{ty} through print"), &printed);
            // Containers as Rhai prints them, with the value's own text inside.
            let list = s
                .eval_source("<t>", &format!("[1, \"x\", {code}]"))
                .unwrap();
            let shown = plain_text(&list);
            assert!(shown.starts_with("[1, \"x\", "), "{shown}");
            assert!(shown.contains(&plain_text(&v)), "{shown}");
        }
    }

    #[test]
    fn each_kind_of_value_shows_as_itself() {
        let out = Arc::new(Mutex::new(String::new()));
        let (_dir, mut s) = session(out);
        let mut show = |code: &str| plain_text(&s.eval_source("<t>", code).unwrap());
        let df = show("frame(#{ a: [1, 2] }).collect()");
        assert!(df.starts_with("shape: (2, 1)"), "{df}");
        let lazy = show("frame(#{ a: [1, 2], b: [\"x\", \"y\"] }).filter(col(\"a\") > 1)");
        assert!(lazy.starts_with("LazyFrame, not run yet"), "{lazy}");
        assert!(
            lazy.contains("schema: 2 columns\n  a: i64\n  b: str\nplan:\n"),
            "{lazy}"
        );
        assert!(lazy.contains("FILTER"), "{lazy}");
        let e = show("col(\"a\") * 2");
        assert!(e.contains("col(\"a\")"), "{e}");
        assert_eq!(
            show("#{ a: 1, b: \"x\", c: [1.5, ()] }"),
            "#{\"a\": 1, \"b\": \"x\", \"c\": [1.5, ()]}"
        );
        assert_eq!(show("\"text\""), "\"text\"");
        let c = show("chart(\"line\", frame(#{ x: [1, 2], y: [1, 2] }), #{ x: \"x\", y: \"y\", title: \"T\" })");
        assert_eq!(c, "Chart(line, 720×400) \"T\": .save(\"chart.svg\") writes it; :open shows it in the REPL");
    }

    #[test]
    fn a_lazy_frame_shows_without_running_and_a_long_plan_is_cut_short() {
        let out = Arc::new(Mutex::new(String::new()));
        let (dir, mut s) = session(out);
        // Row 300 does not parse as a number: collecting fails, showing
        // (schema from the first rows, and the plan) does not.
        let mut csv = String::from("a,b\n");
        for i in 0..300 {
            csv.push_str(&format!("{i},x\n"));
        }
        csv.push_str("oops,x\n");
        std::fs::write(dir.path().join("bad.csv"), csv).unwrap();
        let text = plain_text(&s.eval_source("<t>", "scan_csv(\"bad.csv\")").unwrap());
        assert!(
            text.contains("schema: 2 columns\n  a: i64\n  b: str"),
            "{text}"
        );
        assert!(s
            .eval_source("<t>", "scan_csv(\"bad.csv\").collect()")
            .is_err());
        // Many steps: the plan is longer than MAX_PLAN_LINES.
        let mut code = String::from("let f = frame(#{ a: [1] });");
        for i in 0..20 {
            code.push_str(&format!(
                "f = f.with_columns((col(\"a\") + {i}).alias(\"c{i}\"));"
            ));
        }
        code.push('f');
        let text = plain_text(&s.eval_source("<t>", &code).unwrap());
        assert!(text.contains("schema: 21 columns"), "{text}");
        assert!(
            text.contains("more lines (.explain() shows the optimised plan)"),
            "{text}"
        );
    }
}
