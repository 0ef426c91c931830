//! Figure bindings: declaring a value as computed here (not stated by a
//! source) and keeping only what the sources state.
//!
//! - `computed(value, #{ note, inputs })` makes a *figure map* that the
//!   template filters `number` and `cite` print with the computed mark and a
//!   note naming its inputs and their sources.
//! - `frame.computed(column, #{ note, inputs })` marks a column as computed
//!   through the naming convention of `template::figure` (`<column>_derived`,
//!   `<column>_derivation`, `<column>_inputs`).
//! - `frame.stated()` drops the rows marked `derived`: counts of what the
//!   sources state leave derived rows out unless a script keeps them.
//!
//! `dossier verify` accepts a figure that is not in the data only when it
//! was declared through one of these.

use polars::prelude::*;
use rhai::{Array, Dynamic, ImmutableString, Map};

use super::docs::Doc;
use super::frame::collect;
use super::values::*;

/// Documentation and tested examples for this module's functions.
pub const DOCS: &[Doc] = &[
    Doc {
        name: "computed",
        signature: "computed(value, #{ note, inputs }) -> Map / frame.computed(column, #{ note, inputs: [columns] }) -> LazyFrame",
        summary: "Declares a value computed by the script (a division, a count), not stated by any source. On a value: a figure map, whose inputs are maps (label, value, qualifier, source_id). On a frame: adds `<column>_derived`, `<column>_derivation` and `<column>_inputs`. The `cite`, `number` and `table` filters print such figures with a computed mark and a note naming the inputs and their sources; `dossier verify` traces them here.",
        example: r#"let r = computed(80.0 / 34.0, #{ note: "Kazakh figure ÷ Israeli figure",
    inputs: [#{ label: "Kazakhstan", value: 80, qualifier: "about", source_id: "kz-bns-p17" }] });
print(r.derived);
print(r.derivation);
let f = frame(#{ a: [6], b: [3] }).with_columns((col("a") / col("b")).alias("r"))
    .computed("r", #{ note: "a ÷ b", inputs: ["a", "b"] }).collect();
print(f.columns);"#,
        output: "yes\nKazakh figure ÷ Israeli figure\n[\"a\", \"b\", \"r\", \"r_derived\", \"r_derivation\", \"r_inputs\"]",
    },
    Doc {
        name: "stated",
        signature: "frame.stated() -> LazyFrame",
        summary: "Keeps the rows a source states: drops those whose `derived` column is yes/true. A frame without a `derived` column is kept whole.",
        example: r#"print(dataset("trade_ratio").stated().collect().height);"#,
        output: "5",
    },
];

/// The values of `derived` that mark a row as computed (as the templates read them).
const DERIVED_YES: &[&str] = &["yes", "true", "y", "derived", "computed"];

fn computed_value(value: Dynamic, opts: Map) -> RResult<Map> {
    check_opts(&opts, &["note", "inputs"], "computed")?;
    if !(value.is_int() || value.is_float()) {
        return Err(script_err(format!(
            "computed: the value must be a number, not {}",
            value.type_name()
        )));
    }
    let note = opt_str(&opts, "note")?.ok_or_else(|| {
        script_err_help(
            "computed: `note` is required",
            "say how the value was computed, e.g. #{ note: \"Kazakh figure ÷ Israeli figure\" }",
        )
    })?;
    let inputs = match opts.get("inputs") {
        None => Array::new(),
        Some(v) if v.is_array() => v.clone().into_array().unwrap_or_default(),
        Some(v) => {
            return Err(script_err(format!(
                "computed: `inputs` must be an array, not {}",
                v.type_name()
            )))
        }
    };
    let mut m = Map::new();
    m.insert("value".into(), value);
    m.insert("derived".into(), Dynamic::from("yes"));
    m.insert("derivation".into(), Dynamic::from(note));
    m.insert("inputs".into(), Dynamic::from_array(inputs));
    Ok(m)
}

fn computed_column(f: &LazyFrameV, column: &str, opts: &Map) -> RResult<LazyFrameV> {
    check_opts(opts, &["note", "inputs"], "computed")?;
    let note = opt_str(opts, "note")?.ok_or_else(|| {
        script_err_help(
            "computed: `note` is required",
            "say how the column was computed, e.g. #{ note: \"a ÷ b\", inputs: [\"a\", \"b\"] }",
        )
    })?;
    let schema = guard(|| f.lf.clone().collect_schema())?;
    if schema.get(column).is_none() {
        let names: Vec<String> = schema.iter_names().map(|n| n.to_string()).collect();
        return Err(script_err(format!(
            "computed: unknown column `{column}` (the columns are: {})",
            names.join(", ")
        )));
    }
    let mut inputs = Vec::new();
    if let Some(v) = opts.get("inputs") {
        for item in v
            .clone()
            .into_array()
            .map_err(|_| script_err("computed: `inputs` must be an array of column names"))?
        {
            let name = item.to_string();
            if schema.get(name.as_str()).is_none() {
                return Err(script_err(format!(
                    "computed: the input `{name}` is not a column of the frame"
                )));
            }
            inputs.push(name);
        }
    }
    let lf = f.lf.clone().with_columns([
        lit("yes").alias(format!("{column}_derived")),
        lit(note).alias(format!("{column}_derivation")),
        lit(inputs.join(",")).alias(format!("{column}_inputs")),
    ]);
    Ok(f.map(lf))
}

fn stated(f: &LazyFrameV) -> RResult<LazyFrameV> {
    let schema = guard(|| f.lf.clone().collect_schema())?;
    let Some(dtype) = schema.get("derived") else {
        return Ok(f.clone());
    };
    let derived = if dtype.is_bool() {
        col("derived").fill_null(lit(false))
    } else {
        let values = Series::new(
            "yes".into(),
            DERIVED_YES
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>(),
        );
        col("derived")
            .cast(DataType::String)
            .str()
            .to_lowercase()
            .is_in(lit(values).implode(false), false)
            .fill_null(lit(false))
    };
    Ok(f.map(f.lf.clone().filter(derived.not())))
}

/// Registers the figure API.
pub fn register(engine: &mut super::bindings::Bindings) {
    engine.register_fn("computed", |v: Dynamic, opts: Map| computed_value(v, opts));
    engine.register_fn(
        "computed",
        |f: &mut LazyFrameV, c: ImmutableString, opts: Map| computed_column(f, &c, &opts),
    );
    engine.register_fn(
        "computed",
        |df: &mut DataFrameV, c: ImmutableString, opts: Map| {
            collect(&computed_column(
                &LazyFrameV::new(df.0.clone().lazy()),
                &c,
                &opts,
            )?)
        },
    );
    engine.register_fn("stated", |f: &mut LazyFrameV| stated(f));
    engine.register_fn("stated", |df: &mut DataFrameV| {
        collect(&stated(&LazyFrameV::new(df.0.clone().lazy()))?)
    });
}
