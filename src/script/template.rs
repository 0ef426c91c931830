//! Template bindings: `render(template, context)` fills a template from
//! `reports/` (HTML auto-escaped, strict undefined variables) and returns
//! the text; with `write(path, text)` a script can produce any document.

use std::sync::{Arc, Mutex};

use rhai::{Engine, ImmutableString, Map};

use super::docs::Doc;
use super::values::*;
use super::Ctx;
use crate::render::convert::dynamic_to_value;
use crate::render::format::Lang;
use crate::render::template::{environment, to_diagnostic, Citations, RenderSettings};

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
        let mut msg = d.headline();
        if let Some(line) = d.span.as_ref().and_then(|s| s.source_line.clone()) {
            msg.push_str(&format!("\nnote: {}", line.trim()));
        }
        for n in &d.notes {
            msg.push_str(&format!("\nnote: {n}"));
        }
        script_err(msg)
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
