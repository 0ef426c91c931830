//! `display(value)`: shows a value as rich output where the front end can
//! (a table for a frame, a picture for a chart in the notebook kernel and
//! notebook pages), and as its printed text everywhere else.

use std::sync::Arc;

use rhai::{Dynamic, Engine, NativeCallContext};

use super::docs::Doc;
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

/// Registers `display`.
pub fn register(engine: &mut Engine, ctx: &Arc<Ctx>, sink: Sink) {
    let ctx = ctx.clone();
    engine.register_fn(
        "display",
        move |call: NativeCallContext, value: Dynamic| -> Result<(), Box<rhai::EvalAltResult>> {
            let hook = ctx.display.lock().ok().and_then(|d| d.clone());
            match hook {
                Some(show) => show(&value),
                None => {
                    let text: String = if value.is_string() {
                        value.to_string()
                    } else {
                        call.call_native_fn("to_string", (value,))?
                    };
                    sink(Stream::Stdout, &text);
                }
            }
            Ok(())
        },
    );
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

/// The text `print` shows for a value, with strings quoted (as a REPL shows
/// a value).
pub fn plain_text(value: &Dynamic) -> String {
    use super::chart::ChartV;
    use super::values::{DataFrameV, ExprV, LazyFrameV};
    if value.is_string() {
        return format!("{value:?}");
    }
    if let Some(df) = value.clone().try_cast::<DataFrameV>() {
        return format!("{}", df.0);
    }
    if let Some(lf) = value.clone().try_cast::<LazyFrameV>() {
        let plan = lf.lf.explain(false).unwrap_or_default();
        return format!("LazyFrame (call .collect() to run it)\n{plan}");
    }
    if let Some(c) = value.clone().try_cast::<ChartV>() {
        return format!("Chart({}, {}×{})", c.1.kind.name(), c.1.width, c.1.height);
    }
    if let Some(e) = value.clone().try_cast::<ExprV>() {
        return format!("{}", e.0);
    }
    value.to_string()
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
