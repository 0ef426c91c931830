//! Edition bindings: `changes()`, what changed in the data a report reads
//! since the report's previous edition (see [`crate::edition`]).

use std::sync::Arc;

use rhai::{Dynamic, Engine, ImmutableString};

use super::docs::Doc;
use super::values::*;
use super::Ctx;

/// Documentation and tested examples for this module's functions.
pub const DOCS: &[Doc] = &[Doc {
    name: "changes",
    signature: "changes() / changes(report) -> map",
    summary: "What changed in the data since the report's previous edition (`dossier editions`), rows matched by primary key: `available` (an earlier edition exists), `any`, `previous` (id, time), `counts`, `tables` (per table: columns added and removed, rows `added`, `removed`, `changed`), and the rows across tables in `revised` (with `fields`: field, title, old, new), `added` and `removed`, each with `label` (in the report's language) and `source`. Inside a report, `changes()` means that report; elsewhere name one.",
    example: r#"let c = changes("example");
print(type_of(c.revised));
print(c.contains("available"));"#,
    output: "array\ntrue",
}];

fn changes(ctx: &Ctx, report: Option<&str>) -> RResult<Dynamic> {
    let (name, lang) = match (report, ctx.report()) {
        (Some(r), Some((current, lang))) if r == current => (r.to_string(), lang),
        (Some(r), _) => {
            let lang = crate::edition::report_lang(&ctx.config, r).ok_or_else(|| {
                script_err(format!(
                    "changes: unknown report `{r}` (see the [[report]] entries of dossier.toml)"
                ))
            })?;
            (r.to_string(), lang)
        }
        (None, Some((name, lang))) => (name, lang),
        (None, None) => {
            return Err(script_err_help(
                "changes(): this script is not rendering a report",
                "name the report: changes(\"briefing-en\")",
            ))
        }
    };
    let value = crate::edition::changes::for_run(&ctx.config, &ctx.host, &name, &lang);
    rhai::serde::to_dynamic(&value).map_err(|e| script_err(format!("changes: {e}")))
}

/// Registers `changes`.
pub fn register(engine: &mut Engine, ctx: &Arc<Ctx>) {
    let c = ctx.clone();
    engine.register_fn("changes", move || changes(&c, None));
    let c = ctx.clone();
    engine.register_fn("changes", move |report: ImmutableString| {
        changes(&c, Some(&report))
    });
}
