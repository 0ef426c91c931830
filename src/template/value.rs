//! Frames and charts as template values.
//!
//! A frame becomes a [`FrameObject`] that templates iterate as rows
//! (`{% for row in gap %}{{ row.year }}{% endfor %}`) and read by column
//! (`gap.year`, `gap.height`, `gap.columns`); a chart becomes inline SVG
//! ([`chart_html`]), marked safe (the SVG's own text is escaped when drawn).
//! Nothing here knows Rhai: the script layer turns its values into these
//! (`script::template::dynamic_to_value`).

use std::sync::Arc;

use minijinja::value::{Enumerator, Object, ObjectRepr, Value};
use polars::prelude::*;

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

/// A Polars cell as a template value: integers as `i64`, floats as `f64`,
/// dates as ISO strings (`2025-08-01`), null as `none`, anything else as
/// its text.
pub fn any_to_value(v: AnyValue) -> Value {
    match v {
        AnyValue::Null => Value::from(()),
        AnyValue::Boolean(b) => Value::from(b),
        AnyValue::Int8(i) => Value::from(i as i64),
        AnyValue::Int16(i) => Value::from(i as i64),
        AnyValue::Int32(i) => Value::from(i as i64),
        AnyValue::Int64(i) => Value::from(i),
        AnyValue::UInt8(i) => Value::from(i as i64),
        AnyValue::UInt16(i) => Value::from(i as i64),
        AnyValue::UInt32(i) => Value::from(i as i64),
        AnyValue::UInt64(i) => Value::from(i as i64),
        AnyValue::Float32(f) => Value::from(f as f64),
        AnyValue::Float64(f) => Value::from(f),
        AnyValue::String(s) => Value::from(s),
        AnyValue::StringOwned(s) => Value::from(s.as_str()),
        AnyValue::Date(d) => {
            let date = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()
                + chrono::Duration::days(d as i64);
            Value::from(date.format("%Y-%m-%d").to_string())
        }
        other => Value::from(other.to_string().trim_matches('"')),
    }
}

/// Wraps a chart's SVG for inline embedding. The wrapper is left-to-right
/// so that an RTL page does not flip the chart's text anchors (the chart
/// mirrors itself where it should).
pub fn chart_html(svg: &str, title: Option<&str>) -> String {
    let caption = title
        .map(|t| format!("<figcaption>{}</figcaption>", crate::format::escape_html(t)))
        .unwrap_or_default();
    format!("<figure class=\"chart\"><div class=\"chart-svg\" dir=\"ltr\">{svg}</div>{caption}</figure>")
}
