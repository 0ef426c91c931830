//! The template context of a report: every variable the script left in
//! scope (frames collected, charts as inline SVG), `params`, and `report`
//! (name, title, language, direction, version, time of the run).

use std::collections::BTreeMap;

use minijinja::Value;

use crate::config::Params;
use crate::diag::Diagnostic;
use crate::render::report::ReportSpec;
use crate::script::template::dynamic_to_value;
use crate::script::values::LazyFrameV;
use crate::script::Session;

/// Builds the context. Lazy frames are collected here; a failure names the variable.
pub fn build(
    session: &Session,
    spec: &ReportSpec,
    params: &Params,
) -> Result<BTreeMap<String, Value>, Diagnostic> {
    let mut ctx = BTreeMap::new();
    for (name, value) in session.scope_values() {
        let value = if let Some(lf) = value.clone().try_cast::<LazyFrameV>() {
            match crate::script::frame::collect(&lf) {
                Ok(df) => rhai::Dynamic::from(df),
                Err(e) => {
                    return Err(Diagnostic::error(format!(
                        "report `{}`: the frame `{name}` could not be computed: {}",
                        spec.name,
                        e.to_string().lines().next().unwrap_or("")
                    ))
                    .with_kind("runtime"))
                }
            }
        } else {
            value
        };
        ctx.insert(name, dynamic_to_value(&value));
    }
    ctx.insert(
        "params".into(),
        dynamic_to_value(&rhai::Dynamic::from_map(crate::script::params_map(params))),
    );
    let mut report = BTreeMap::new();
    report.insert("name".to_string(), Value::from(spec.name.clone()));
    report.insert(
        "title".to_string(),
        Value::from(spec.title.clone().unwrap_or_else(|| spec.name.clone())),
    );
    report.insert("lang".to_string(), Value::from(spec.lang.code()));
    report.insert("dir".to_string(), Value::from(spec.lang.dir()));
    report.insert("version".to_string(), Value::from(crate::VERSION));
    report.insert(
        "date".to_string(),
        Value::from(chrono::Utc::now().format("%Y-%m-%d").to_string()),
    );
    report.insert(
        "generated_at".to_string(),
        Value::from(chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()),
    );
    ctx.insert("report".into(), Value::from(report));
    Ok(ctx)
}
