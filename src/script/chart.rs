//! Chart bindings: `chart(kind, frame, options)`, `c.svg()`, `c.save(path)`.
//!
//! `chart` collects the frame, checks the columns and options, and renders
//! at once, so every error points at the `chart(…)` line. Polars is read
//! column by column here (never row by row in Rhai); drawing is
//! [`crate::chart`]'s, which knows neither Polars nor Rhai.

use std::sync::Arc;

use polars::prelude::*;
use rhai::{Dynamic, Engine, ImmutableString, Map};

use super::docs::Doc;
use super::frame::{as_lazy, collect};
use super::values::*;
use super::Ctx;
use crate::chart::spec::{
    Annotation, AnnotationX, Data, DateUnit, Kind, Lang, NumberFormat, Options, Qualifier, XData,
    SIZE_RANGE,
};
use crate::chart::theme::Rgb;
use crate::chart::Chart;

/// Documentation and tested examples for this module's functions.
pub const DOCS: &[Doc] = &[
    Doc {
        name: "chart",
        signature: "chart(kind, frame, #{ x, y, series, title, subtitle, x_label, y_label, width, height, lang, number_format, decimals, value_labels, qualifier, derived, annotations, label, precision, colors, legend, y_min, y_max }) -> Chart",
        summary: "Draws a chart of a frame: kind is line, bar, grouped_bar, stacked_bar, area, scatter or timeline. `x` and `y` name columns (`y` may be an array of columns, one series each); `series` splits the rows into one series per value, in order of appearance. width/height default to 720×400; lang \"ar\" mirrors the chart; number_format is plain, thousands (default) or compact (123M); annotations are #{ x, y, text } maps (x only: a vertical rule, y only: a horizontal one); `qualifier` names a column of hedges (about, at_least, at_most, more_than) that value labels put in words in the chart's language, `derived` a column marking computed values (drawn lighter, labelled with †). Renders at once: errors point at this line.",
        example: r#"let c = chart("line", frame(#{ year: [2020, 2021, 2022], v: [1, 3, 2] }), #{ x: "year", y: "v", title: "Trade" });
print(c);
print(c.title);"#,
        output: "Chart(line, 720×400) \"Trade\": .save(\"chart.svg\") writes it; :open shows it in the REPL\nTrade",
    },
    Doc {
        name: "svg",
        signature: "chart.svg() -> string",
        summary: "The chart as an SVG document. Text stays text (`<text>` elements, escaped), so browsers shape Arabic; the root has role=\"img\", an aria-label and a <title>.",
        example: r#"let c = chart("bar", frame(#{ country: ["Kazakhstan", "Israel"], v: [3, 1] }), #{ x: "country", y: "v" });
let s = c.svg();
print(s.starts_with("<svg"));
print(s.contains(">Kazakhstan</text>"));"#,
        output: "true\ntrue",
    },
    Doc {
        name: "save",
        signature: "chart.save(path)",
        summary: "Writes the chart under the output folder, atomically: `.svg` as SVG text, `.png` as a PNG at twice the size, rendered from the SVG with the bundled Noto fonts (Arabic shaped).",
        example: r#"let c = chart("line", frame(#{ year: [2020, 2021], v: [1, 2] }), #{ x: "year", y: "v" });
c.save("out/doc-chart.svg");
c.save("out/doc-chart.png");
print(read_text("out/doc-chart.svg").contains("</svg>"));"#,
        output: "true",
    },
    Doc {
        name: "chart_line",
        signature: "chart(\"line\", frame, #{ x, y, series, … })",
        summary: "Lines over a numeric, date or categorical x, one per series, with markers when there are few points. A null value breaks the line. Years (integers in a column named like \"year\", or below 10,000) are written without separators.",
        example: r#"let t = dataset("trade").with_columns(col("period_start").dt.year().alias("year"));
let c = chart("line", t, #{ x: "year", y: "value_usd", series: "reporter", number_format: "compact" });
let s = c.svg();
print(s.contains(">KAZ</text>"));
print(s.contains(">2022</text>"));
print(s.contains(">800M</text>"));"#,
        output: "true\ntrue\ntrue",
    },
    Doc {
        name: "chart_bar",
        signature: "chart(\"bar\", frame, #{ x, y, value_labels, … })",
        summary: "Vertical bars from zero, one per category (numbers and dates on x become categories, sorted; text keeps its order). Rows with the same category are summed. With several series, bars are grouped.",
        example: r#"let c = chart("bar", frame(#{ year: [2020, 2022], v: [123000000, 883000000] }), #{ x: "year", y: "v", value_labels: true, number_format: "compact" });
print(c.svg().contains(">883M</text>"));"#,
        output: "true",
    },
    Doc {
        name: "chart_grouped_bar",
        signature: "chart(\"grouped_bar\", frame, #{ x, y, series, … })",
        summary: "Side-by-side bars per category, one per series, coloured from the Okabe–Ito palette, with a legend.",
        example: r#"let t = dataset("trade").with_columns(col("period_start").dt.year().alias("year"));
let c = chart("grouped_bar", t, #{ x: "year", y: "value_usd", series: "reporter", title: "Trade, USD" });
print(c.svg().contains(">ISR</text>"));"#,
        output: "true",
    },
    Doc {
        name: "chart_stacked_bar",
        signature: "chart(\"stacked_bar\", frame, #{ x, y, series, … })",
        summary: "Bars stacked per category (negative values stack below zero). Value labels go inside segments that fit them.",
        example: r#"let f = frame(#{ year: [2020, 2020, 2021], who: ["a", "b", "a"], v: [1, 2, 3] });
print(chart("stacked_bar", f, #{ x: "year", y: "v", series: "who" }).svg().contains(">b</text>"));"#,
        output: "true",
    },
    Doc {
        name: "chart_area",
        signature: "chart(\"area\", frame, #{ x, y, … })",
        summary: "Lines with the area down to zero filled (translucent, so overlapping series stay visible).",
        example: r#"let f = frame(#{ x: [1, 2, 3], a: [1, 4, 2], b: [2, 1, 3] });
print(chart("area", f, #{ x: "x", y: ["a", "b"] }).svg().contains("<polygon"));"#,
        output: "true",
    },
    Doc {
        name: "chart_scatter",
        signature: "chart(\"scatter\", frame, #{ x, y, series, … })",
        summary: "Points at (x, y); both axes numeric and extended to round values.",
        example: r#"let f = frame(#{ x: [1.5, 2.5, 4.0], y: [10, 30, 20] });
print(chart("scatter", f, #{ x: "x", y: "y" }).svg().contains("<circle"));"#,
        output: "true",
    },
    Doc {
        name: "chart_timeline",
        signature: "chart(\"timeline\", frame, #{ x, label, series, … })",
        summary: "Events down a vertical date (or year) axis, each with its date at its precision and its label (the `label` column; default: `title`, then `title_en`/`title_ar` for the chart's language, then `label`, then the first text column) in full, wrapped, joined to its marker by a leader line; the chart grows taller when the labels need it. `precision` names a column of year/month/day (default: a `date_precision` or `precision` column if there is one): an event dated to the year is drawn over the whole year and labelled `2014`, not 1 January. `series` colours the markers.",
        example: r#"let c = chart("timeline", dataset("events"), #{ x: "date", label: "title_ar", series: "category", lang: "ar" });
let s = c.svg();
print(s.contains("كازاخستان"));
print(s.contains(">2014</text>"));
print(c.height > 400);"#,
        output: "true\ntrue\ntrue",
    },
];

/// A chart as scripts hold it: the rendered [`Chart`] and what it was drawn as.
#[derive(Clone)]
pub struct ChartV(pub Chart, pub ChartInfo);

/// The kind and size a chart was drawn with.
#[derive(Clone, Copy, Debug)]
pub struct ChartInfo {
    pub kind: Kind,
    pub width: u32,
    pub height: u32,
}

const OPTIONS: &[&str] = &[
    "x",
    "y",
    "series",
    "title",
    "subtitle",
    "x_label",
    "y_label",
    "width",
    "height",
    "lang",
    "number_format",
    "decimals",
    "value_labels",
    "annotations",
    "label",
    "colors",
    "legend",
    "y_min",
    "y_max",
    "qualifier",
    "derived",
    "precision",
];

fn kinds() -> String {
    Kind::ALL.map(Kind::name).join(", ")
}

/// A number option (integer or float).
fn opt_num(opts: &Map, key: &str) -> RResult<Option<f64>> {
    match opt(opts, key) {
        None => Ok(None),
        Some(v) => v
            .as_float()
            .ok()
            .or_else(|| v.as_int().ok().map(|i| i as f64))
            .filter(|f| f.is_finite())
            .map(Some)
            .ok_or_else(|| {
                script_err(format!(
                    "chart: option `{key}` must be a number, found {}",
                    type_name(v)
                ))
            }),
    }
}

fn chart_str(opts: &Map, key: &str) -> RResult<Option<String>> {
    opt_str(opts, key).map_err(|_| {
        script_err(format!(
            "chart: option `{key}` must be a string, found {}",
            opt(opts, key).map(type_name).unwrap_or_default()
        ))
    })
}

/// Reads the options map into [`Options`] (data-independent checks).
fn parse_options(kind: Kind, opts: &Map) -> RResult<Options> {
    let mut o = Options::new(kind);
    o.title = chart_str(opts, "title")?;
    o.subtitle = chart_str(opts, "subtitle")?;
    o.x_label = chart_str(opts, "x_label")?;
    o.y_label = chart_str(opts, "y_label")?;
    for (key, slot) in [("width", &mut o.width), ("height", &mut o.height)] {
        if let Some(v) = opt_int(opts, key)? {
            if v < SIZE_RANGE.0 as i64 || v > SIZE_RANGE.1 as i64 {
                return Err(script_err(format!(
                    "chart: `{key}` must be between {} and {} pixels, not {v}",
                    SIZE_RANGE.0, SIZE_RANGE.1
                )));
            }
            *slot = v as u32;
        }
    }
    o.lang = match chart_str(opts, "lang")?.as_deref() {
        None | Some("en") => Lang::En,
        Some("ar") => Lang::Ar,
        Some(other) => {
            return Err(script_err_help(
                format!("chart: unknown lang `{other}`"),
                "lang is \"en\" or \"ar\"",
            ))
        }
    };
    o.number_format = match chart_str(opts, "number_format")?.as_deref() {
        None | Some("thousands") => NumberFormat::Thousands,
        Some("plain") => NumberFormat::Plain,
        Some("compact") => NumberFormat::Compact,
        Some(other) => {
            return Err(script_err_help(
                format!("chart: unknown number_format `{other}`"),
                "number_format is \"plain\" (123000000), \"thousands\" (123,000,000) or \"compact\" (123M)",
            ))
        }
    };
    if let Some(d) = opt_int(opts, "decimals")? {
        if !(0..=6).contains(&d) {
            return Err(script_err(format!(
                "chart: `decimals` must be between 0 and 6, not {d}"
            )));
        }
        o.decimals = Some(d as usize);
    }
    o.value_labels = opt_bool(opts, "value_labels", false)?;
    if opt(opts, "legend").is_some() {
        o.legend = Some(opt_bool(opts, "legend", true)?);
    }
    o.y_min = opt_num(opts, "y_min")?;
    o.y_max = opt_num(opts, "y_max")?;
    if let (Some(a), Some(b)) = (o.y_min, o.y_max) {
        if a >= b {
            return Err(script_err(format!(
                "chart: `y_min` ({a}) must be below `y_max` ({b})"
            )));
        }
    }
    if let Some(v) = opt(opts, "colors") {
        let arr = v.clone().into_array().map_err(|t| {
            script_err(format!(
                "chart: `colors` must be an array of \"#rrggbb\" strings, found {t}"
            ))
        })?;
        for c in &arr {
            let s = c.clone().into_string().map_err(|t| {
                script_err(format!(
                    "chart: `colors` must hold \"#rrggbb\" strings, found {t}"
                ))
            })?;
            o.colors.push(Rgb::parse_hex(&s).ok_or_else(|| {
                script_err_help(
                    format!("chart: `{s}` is not a colour"),
                    "write colours as \"#0072b2\" or \"#07b\"",
                )
            })?);
        }
    }
    if let Some(v) = opt(opts, "annotations") {
        let arr = v.clone().into_array().map_err(|t| {
            script_err(format!(
                "chart: `annotations` must be an array of #{{ x, y, text }} maps, found {t}"
            ))
        })?;
        for a in &arr {
            let m = a.clone().try_cast::<Map>().ok_or_else(|| {
                script_err(format!(
                    "chart: each annotation is a #{{ x, y, text }} map, found {}",
                    type_name(a)
                ))
            })?;
            check_opts(&m, &["x", "y", "text"], "chart annotation")?;
            let x = match opt(&m, "x") {
                None => None,
                Some(x) => Some(if let Ok(i) = x.as_int() {
                    AnnotationX::Number(i as f64)
                } else if let Ok(f) = x.as_float() {
                    AnnotationX::Number(f)
                } else if let Some(s) = x.clone().try_cast::<ImmutableString>() {
                    AnnotationX::Text(s.to_string())
                } else {
                    return Err(script_err(format!(
                        "chart: annotation `x` must be a number, a date or a category, found {}",
                        type_name(x)
                    )));
                }),
            };
            let y = opt_num(&m, "y")?;
            let text = opt_str(&m, "text")?.unwrap_or_default();
            if x.is_none() && y.is_none() {
                return Err(script_err_help(
                    "chart: an annotation needs `x`, `y` or both",
                    "#{ x: 2022, y: 883000000, text: \"peak\" } marks a point; x alone draws a vertical rule, y alone a horizontal one",
                ));
            }
            o.annotations.push(Annotation { x, y, text });
        }
    }
    Ok(o)
}

/// Checks that a column exists, naming those that do.
fn check_column(name: &str, schema: &Schema) -> RResult<()> {
    if schema.contains(name) {
        return Ok(());
    }
    let cols: Vec<&str> = schema.iter_names().map(|s| s.as_str()).collect();
    let hint = crate::diag::did_you_mean(name, cols.iter().copied())
        .map(|s| format!("did you mean `{s}`? "))
        .unwrap_or_default();
    Err(script_err_help(
        format!("chart: unknown column `{name}`"),
        format!("{hint}the columns are: {}", cols.join(", ")),
    ))
}

fn required_str(opts: &Map, key: &str, kind: Kind) -> RResult<String> {
    chart_str(opts, key)?.ok_or_else(|| {
        script_err_help(
            format!("chart: option `{key}` is required"),
            format!(
                "name a column, e.g. chart(\"{}\", df, #{{ x: \"year\", y: \"value\" }})",
                kind.name()
            ),
        )
    })
}

fn make_chart(kind: &str, frame: &Dynamic, opts: &Map) -> RResult<ChartV> {
    let kind = Kind::parse(kind).ok_or_else(|| {
        let names: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
        let hint = crate::diag::did_you_mean(kind, names.iter().copied())
            .map(|s| format!("did you mean `{s}`? "))
            .unwrap_or_default();
        script_err_help(
            format!("chart: unknown kind `{kind}`"),
            format!("{hint}the kinds are: {}", kinds()),
        )
    })?;
    check_opts(opts, OPTIONS, "chart")?;
    let lf = as_lazy(frame).ok_or_else(|| {
        script_err(format!(
            "chart: expected a LazyFrame or DataFrame, found {}",
            type_name(frame)
        ))
    })?;
    let o = parse_options(kind, opts)?;
    let schema = guard(|| lf.lf.clone().collect_schema())?;

    let x = required_str(opts, "x", kind)?;
    check_column(&x, &schema)?;
    let timeline = kind == Kind::Timeline;
    let ys: Vec<String> = match opt(opts, "y") {
        None if timeline => Vec::new(),
        None => {
            return Err(script_err_help(
                "chart: option `y` is required",
                format!(
                    "name a column or an array of columns, e.g. chart(\"{}\", df, #{{ x: \"year\", y: \"value\" }})",
                    kind.name()
                ),
            ))
        }
        Some(_) if timeline => {
            return Err(script_err_help(
                "chart: a timeline takes no `y`",
                "events sit on the x axis; `label` names the column of their text",
            ))
        }
        Some(v) => to_names(v, "chart: `y`")?,
    };
    if !timeline && ys.is_empty() {
        return Err(script_err("chart: `y` names no column"));
    }
    for y in &ys {
        check_column(y, &schema)?;
        let dt = schema.get(y.as_str()).cloned().unwrap_or(DataType::Null);
        if !(dt.is_primitive_numeric() || dt == DataType::Null) {
            return Err(script_err_help(
                format!("chart: column `{y}` holds {}, not numbers", dtype_name(&dt)),
                format!("cast it first: col(\"{y}\").cast(\"f64\")"),
            ));
        }
    }
    let series = chart_str(opts, "series")?;
    if let Some(s) = &series {
        check_column(s, &schema)?;
        if ys.len() > 1 {
            return Err(script_err_help(
                "chart: with `series`, `y` must be one column",
                "either split rows by a series column, or give several y columns (one series each)",
            ));
        }
    }
    let qualifier = chart_str(opts, "qualifier")?;
    let derived = chart_str(opts, "derived")?;
    for c in qualifier.iter().chain(derived.iter()) {
        if timeline {
            return Err(script_err(
                "chart: `qualifier` and `derived` are for value labels; a timeline has none",
            ));
        }
        check_column(c, &schema)?;
    }
    let precision = match chart_str(opts, "precision")? {
        Some(_) if !timeline => {
            return Err(script_err(format!(
                "chart: `precision` is for timelines; {} charts take no event dates",
                kind.name()
            )))
        }
        Some(p) => {
            check_column(&p, &schema)?;
            Some(p)
        }
        None if timeline => ["date_precision", "precision", &format!("{x}_precision")]
            .into_iter()
            .find(|c| schema.contains(c))
            .map(str::to_string),
        None => None,
    };
    let label = match chart_str(opts, "label")? {
        Some(l) if !timeline => {
            return Err(script_err(format!(
                "chart: `label` (\"{l}\") is for timelines; {} charts take `y`",
                kind.name()
            )))
        }
        Some(l) => {
            check_column(&l, &schema)?;
            Some(l)
        }
        None if timeline => Some(default_label(&schema, &x, series.as_deref(), o.lang)?),
        None => None,
    };

    // Only the columns drawn are collected.
    let mut wanted: Vec<String> = vec![x.clone()];
    for c in ys
        .iter()
        .chain(series.iter())
        .chain(label.iter())
        .chain(qualifier.iter())
        .chain(derived.iter())
        .chain(precision.iter())
    {
        if !wanted.contains(c) {
            wanted.push(c.clone());
        }
    }
    let exprs: Vec<Expr> = wanted.iter().map(|c| col(c.as_str())).collect();
    let df = collect(&lf.map(lf.lf.clone().select(exprs)))?.0;

    let data = Data {
        x_name: x.clone(),
        x: x_data(&df, &x)?,
        y: ys
            .iter()
            .map(|y| Ok((y.clone(), floats(&df, y)?)))
            .collect::<RResult<Vec<_>>>()?,
        series: match &series {
            Some(s) => Some(
                strings(&df, s)?
                    .into_iter()
                    .map(|v| v.unwrap_or_else(|| "null".into()))
                    .collect(),
            ),
            None => None,
        },
        labels: match &label {
            Some(l) => Some(
                strings(&df, l)?
                    .into_iter()
                    .map(Option::unwrap_or_default)
                    .collect(),
            ),
            None => None,
        },
        qualifiers: match &qualifier {
            Some(q) => Some(qualifiers(&df, q)?),
            None => None,
        },
        derived: match &derived {
            Some(d) => Some(flags(&df, d)?),
            None => None,
        },
        precision: match &precision {
            Some(p) => Some(precisions(&df, p)?),
            None => None,
        },
    };
    let chart = crate::chart::render(&data, &o).map_err(|e| script_err(format!("chart: {e}")))?;
    let height = chart.height;
    Ok(ChartV(
        chart,
        ChartInfo {
            kind,
            width: o.width,
            height,
        },
    ))
}

/// The timeline's text column when `label` is not given.
fn default_label(schema: &Schema, x: &str, series: Option<&str>, lang: Lang) -> RResult<String> {
    let lang_title = match lang {
        Lang::En => "title_en",
        Lang::Ar => "title_ar",
    };
    for name in ["title", lang_title, "label"] {
        if schema.contains(name) {
            return Ok(name.to_string());
        }
    }
    schema
        .iter()
        .find(|(n, dt)| dt.is_string() && n.as_str() != x && Some(n.as_str()) != series)
        .map(|(n, _)| n.to_string())
        .ok_or_else(|| {
            script_err_help(
                "chart: a timeline needs a text column for its labels",
                "name it with `label`, e.g. #{ x: \"date\", label: \"title_en\" }",
            )
        })
}

/// The qualifiers of a column of codes (null: exact).
fn qualifiers(df: &DataFrame, name: &str) -> RResult<Vec<Qualifier>> {
    strings(df, name)?
        .iter()
        .enumerate()
        .map(|(row, v)| match v {
            None => Ok(Qualifier::Exact),
            Some(v) => Qualifier::parse(v).ok_or_else(|| {
                let codes: Vec<&str> = Qualifier::ALL.iter().map(|q| q.code()).collect();
                script_err_help(
                    format!(
                        "chart: `qualifier` column `{name}` holds `{v}` (row {})",
                        row + 1
                    ),
                    format!("qualifiers are: {}", codes.join(", ")),
                )
            }),
        })
        .collect()
}

/// A column of yes/no flags: booleans, or text such as yes/no, true/false, 1/0.
fn flags(df: &DataFrame, name: &str) -> RResult<Vec<bool>> {
    let values = strings(df, name)?;
    values
        .iter()
        .enumerate()
        .map(
            |(row, v)| match v.as_deref().map(|s| s.trim().to_lowercase()) {
                None => Ok(false),
                Some(s) => match s.as_str() {
                    "" | "no" | "false" | "0" | "n" => Ok(false),
                    "yes" | "true" | "1" | "y" | "derived" => Ok(true),
                    _ => Err(script_err_help(
                        format!(
                            "chart: `derived` column `{name}` holds `{s}` (row {})",
                            row + 1
                        ),
                        "mark computed values with true/false or yes/no",
                    )),
                },
            },
        )
        .collect()
}

/// A column of date precisions: year, month or day.
fn precisions(df: &DataFrame, name: &str) -> RResult<Vec<Option<DateUnit>>> {
    let values = strings(df, name)?;
    values
        .iter()
        .enumerate()
        .map(|(row, v)| match v.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some("year") => Ok(Some(DateUnit::Year)),
            Some("month") => Ok(Some(DateUnit::Month)),
            Some("day") => Ok(Some(DateUnit::Day)),
            Some(other) => Err(script_err_help(
                format!(
                    "chart: `precision` column `{name}` holds `{other}` (row {})",
                    row + 1
                ),
                "a date's precision is year, month or day",
            )),
        })
        .collect()
}

fn column(df: &DataFrame, name: &str) -> RResult<Series> {
    let c = df.column(name).map_err(|e| unknown_column(name, df, &e))?;
    Ok(c.as_materialized_series().clone())
}

fn floats(df: &DataFrame, name: &str) -> RResult<Vec<Option<f64>>> {
    let s = column(df, name)?;
    guard(|| Ok(s.cast(&DataType::Float64)?.f64()?.iter().collect()))
}

fn strings(df: &DataFrame, name: &str) -> RResult<Vec<Option<String>>> {
    let s = column(df, name)?;
    guard(|| {
        Ok(s.cast(&DataType::String)?
            .str()?
            .iter()
            .map(|v| v.map(str::to_string))
            .collect())
    })
}

fn x_data(df: &DataFrame, name: &str) -> RResult<XData> {
    let s = column(df, name)?;
    let dt = s.dtype().clone();
    if dt.is_date() || matches!(dt, DataType::Datetime(_, _)) {
        let days = guard(|| {
            Ok(s.cast(&DataType::Date)?
                .cast(&DataType::Int32)?
                .i32()?
                .iter()
                .collect())
        })?;
        Ok(XData::Dates(days))
    } else if dt.is_primitive_numeric() {
        Ok(XData::Numbers(floats(df, name)?))
    } else if dt.is_string()
        || dt.is_categorical()
        || dt.is_enum()
        || dt.is_bool()
        || dt == DataType::Null
    {
        Ok(XData::Text(strings(df, name)?))
    } else {
        Err(script_err(format!(
            "chart: x column `{name}` holds {}; x must hold numbers, dates or text",
            dtype_name(&dt)
        )))
    }
}

fn save(ctx: &Ctx, c: &ChartV, path: &str) -> RResult<()> {
    let ext = std::path::Path::new(path)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_lowercase();
    let bytes = match ext.as_str() {
        "svg" => c.0.svg.clone().into_bytes(),
        "png" => {
            // Refuse a path outside the sandbox before the work of rasterising.
            ctx.host.resolve_write(path).map_err(diag_err)?;
            c.0.to_png(2.0)
                .map_err(|e| script_err(format!("chart.save: {e}")))?
        }
        _ => {
            return Err(script_err_help(
                format!("chart.save: cannot tell the format of `{path}`"),
                "end the path in .svg or .png",
            ))
        }
    };
    ctx.host.write_atomic(path, &bytes).map_err(diag_err)?;
    Ok(())
}

/// Registers the chart API.
pub fn register(engine: &mut Engine, ctx: &Arc<Ctx>) {
    engine.register_type_with_name::<ChartV>("Chart");
    engine.register_fn(
        "chart",
        |kind: ImmutableString, frame: Dynamic, opts: Map| -> RResult<ChartV> {
            make_chart(&kind, &frame, &opts)
        },
    );
    engine.register_fn(
        "chart",
        |kind: ImmutableString, _frame: Dynamic| -> RResult<ChartV> {
            Err(script_err_help(
                format!("chart(\"{kind}\", frame) needs options naming the columns"),
                format!("e.g. chart(\"{kind}\", df, #{{ x: \"year\", y: \"value\" }})"),
            ))
        },
    );
    engine.register_fn("svg", |c: &mut ChartV| c.0.svg.clone());
    let save_ctx = ctx.clone();
    engine.register_fn("save", move |c: &mut ChartV, path: ImmutableString| {
        save(&save_ctx, c, &path)
    });
    engine.register_get("title", |c: &mut ChartV| -> Dynamic {
        match &c.0.title {
            Some(t) => t.clone().into(),
            None => Dynamic::UNIT,
        }
    });
    engine.register_get("alt", |c: &mut ChartV| c.0.alt.clone());
    engine.register_get("kind", |c: &mut ChartV| c.1.kind.name().to_string());
    engine.register_get("width", |c: &mut ChartV| c.1.width as i64);
    engine.register_get("height", |c: &mut ChartV| c.1.height as i64);
}
