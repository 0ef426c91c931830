//! Script values → template values.
//!
//! Rhai values become minijinja values: numbers, strings, arrays and maps as
//! they are; frames become a [`FrameObject`] that templates iterate as rows
//! (`{% for row in gap %}{{ row.year }}{% endfor %}`) and read by column
//! (`gap.year`, `gap.height`, `gap.columns`); charts become inline SVG,
//! marked safe (the SVG's own text is escaped when drawn).

use std::sync::Arc;

use minijinja::value::{Enumerator, Object, ObjectRepr, Value};
use polars::prelude::*;
use rhai::Dynamic;

use crate::script::chart::ChartV;
use crate::script::values::{any_to_dynamic, DataFrameV, LazyFrameV};

/// A frame as seen by templates.
#[derive(Debug)]
pub struct FrameObject {
    pub df: DataFrame,
    rows: Vec<Value>,
}

impl FrameObject {
    pub fn new(df: DataFrame) -> FrameObject {
        let names: Vec<String> = df
            .get_column_names()
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mut rows = Vec::with_capacity(df.height());
        for i in 0..df.height() {
            let mut m = std::collections::BTreeMap::new();
            for (c, name) in df.columns().iter().zip(&names) {
                let v = c.get(i).map(any_to_value).unwrap_or(Value::from(()));
                m.insert(name.clone(), v);
            }
            // Keep the frame's column order for templates that loop over a row.
            let ordered: Vec<(String, Value)> = names
                .iter()
                .map(|n| (n.clone(), m.remove(n).unwrap_or_default()))
                .collect();
            rows.push(Value::from_object(Row(ordered)));
        }
        FrameObject { df, rows }
    }
}

impl Object for FrameObject {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        if let Some(i) = key.as_i64() {
            let n = self.rows.len() as i64;
            let i = if i < 0 { n + i } else { i };
            return self.rows.get(usize::try_from(i).ok()?).cloned();
        }
        let k = key.as_str()?;
        match k {
            "height" => Some(Value::from(self.df.height())),
            "width" => Some(Value::from(self.df.width())),
            "columns" => Some(Value::from(
                self.df
                    .get_column_names()
                    .iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>(),
            )),
            _ => {
                let c = self.df.column(k).ok()?;
                let s = c.as_materialized_series();
                Some(Value::from(s.iter().map(any_to_value).collect::<Vec<_>>()))
            }
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(self.rows.clone())
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(self.rows.len())
    }
}

/// One row: a map that keeps the frame's column order.
#[derive(Debug)]
pub struct Row(pub Vec<(String, Value)>);

impl Object for Row {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let k = key.as_str()?;
        self.0.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(
            self.0
                .iter()
                .map(|(k, _)| Value::from(k.as_str()))
                .collect(),
        )
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(self.0.len())
    }
}

/// A Polars cell as a template value (dates as ISO strings).
pub fn any_to_value(v: AnyValue) -> Value {
    dynamic_to_value(&any_to_dynamic(v))
}

/// Wraps a chart's SVG for inline embedding. The wrapper is left-to-right
/// so that an RTL page does not flip the chart's text anchors (the chart
/// mirrors itself where it should).
pub fn chart_html(svg: &str, title: Option<&str>) -> String {
    let caption = title
        .map(|t| {
            format!(
                "<figcaption>{}</figcaption>",
                crate::render::format::escape_html(t)
            )
        })
        .unwrap_or_default();
    format!("<figure class=\"chart\"><div class=\"chart-svg\" dir=\"ltr\">{svg}</div>{caption}</figure>")
}

/// Converts a script value to a template value.
pub fn dynamic_to_value(d: &Dynamic) -> Value {
    if d.is_unit() {
        return Value::from(());
    }
    if let Ok(b) = d.as_bool() {
        return Value::from(b);
    }
    if let Ok(i) = d.as_int() {
        return Value::from(i);
    }
    if let Ok(f) = d.as_float() {
        return Value::from(f);
    }
    if d.is_string() {
        return Value::from(d.clone().into_string().unwrap_or_default());
    }
    if let Ok(c) = d.as_char() {
        return Value::from(c.to_string());
    }
    if d.is_array() {
        let arr = d.clone().into_array().unwrap_or_default();
        return Value::from(arr.iter().map(dynamic_to_value).collect::<Vec<_>>());
    }
    if d.is_map() {
        let m = d.clone().try_cast::<rhai::Map>().unwrap_or_default();
        return Value::from(
            m.iter()
                .map(|(k, v)| (k.to_string(), dynamic_to_value(v)))
                .collect::<std::collections::BTreeMap<_, _>>(),
        );
    }
    if let Some(df) = d.clone().try_cast::<DataFrameV>() {
        return Value::from_object(FrameObject::new(df.0));
    }
    if let Some(lf) = d.clone().try_cast::<LazyFrameV>() {
        if let Ok(df) = crate::script::frame::collect(&lf) {
            return Value::from_object(FrameObject::new(df.0));
        }
        return Value::from(());
    }
    if let Some(c) = d.clone().try_cast::<ChartV>() {
        // The title is drawn in the chart itself: a caption repeating it
        // word for word would only be read twice.
        return Value::from_safe_string(chart_html(&c.0.svg, None));
    }
    Value::from(d.to_string())
}
