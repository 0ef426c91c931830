//! Template bindings: `render(template, context)` fills a template from
//! `reports/` (HTML auto-escaped, strict undefined variables) and returns
//! the text; with `write(path, text)` a script can produce any document.

use std::sync::{Arc, Mutex};

use minijinja::Value;
use rhai::{Dynamic, Engine, ImmutableString, Map};

use super::chart::ChartV;
use super::docs::Doc;
use super::values::*;
use super::Ctx;
use crate::format::Lang;
use crate::template::value::{chart_html, FrameObject};
use crate::template::{environment, to_diagnostic, Citations, RenderSettings};

/// Documentation and tested examples for this module's functions.
pub const DOCS: &[Doc] = &[Doc {
    name: "render",
    signature: "render(template, context) / render(template, context, #{ lang, arabic_digits })",
    summary: "Fills a template from reports/ with a map of values and returns the text. HTML is escaped; an undefined variable is an error.",
    example: r#"print(render("doc-example.html", #{ who: "<analyst>", n: 1234567 }));"#,
    output: "<p>Hello &lt;analyst&gt;: 1,234,567</p>",
}];

fn render(ctx: &Ctx, name: &str, values: &Map, opts: &Map) -> RResult<String> {
    check_opts(opts, &["lang", "arabic_digits"], "render")?;
    let lang = match opt_str(opts, "lang")? {
        Some(l) => Lang::try_parse(&l)
            .ok_or_else(|| script_err(format!("render: unknown language `{l}`")))?,
        None => Lang::En,
    };
    let settings = RenderSettings {
        lang,
        arabic_digits: opt_bool(opts, "arabic_digits", false)?,
    };
    let env = environment(
        ctx.host.clone(),
        settings,
        Arc::new(Mutex::new(Citations::default())),
    );
    let names: Vec<String> = values.keys().map(|k| k.to_string()).collect();
    let context: std::collections::BTreeMap<String, minijinja::Value> = values
        .iter()
        .map(|(k, v)| (k.to_string(), dynamic_to_value(v)))
        .collect();
    let fail = |e: minijinja::Error| {
        let d = to_diagnostic(&e, &ctx.host, &names);
        // The script's position replaces the template's span, so the
        // template's place and line travel in the message and a note.
        let mut out = crate::diag::Diagnostic::error(d.headline()).with_kind("template");
        if let Some(line) = d.span.as_ref().and_then(|s| s.source_line.clone()) {
            out = out.with_note(line.trim());
        }
        for n in d.notes {
            out = out.with_note(n);
        }
        if let Some(h) = d.help {
            out = out.with_help(h);
        }
        diag_err(out)
    };
    let t = env.get_template(name).map_err(fail)?;
    t.render(context).map_err(fail)
}

/// Registers the template API.
pub fn register(engine: &mut Engine, ctx: &Arc<Ctx>) {
    let c = ctx.clone();
    engine.register_fn("render", move |name: ImmutableString, values: Map| {
        render(&c, &name, &values, &Map::new())
    });
    let c = ctx.clone();
    engine.register_fn(
        "render",
        move |name: ImmutableString, values: Map, opts: Map| render(&c, &name, &values, &opts),
    );
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
        if let Ok(df) = super::frame::collect(&lf) {
            return Value::from_object(FrameObject::new(df.0));
        }
        return Value::from(());
    }
    if let Some(c) = d.clone().try_cast::<ChartV>() {
        return Value::from_safe_string(chart_html(&c.0.svg, c.0.title.as_deref()));
    }
    Value::from(d.to_string())
}
