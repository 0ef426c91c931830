//! The HTML writer: renders a report's template with its context into one
//! self-contained page (CSS and SVG inline; the bundled templates fetch
//! nothing from any network host).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use minijinja::Value;

use crate::diag::Diagnostic;
use crate::render::report::ReportSpec;
use crate::script::Session;
use crate::template::{environment, to_diagnostic, Citations, RenderSettings};

/// Renders `spec.template` with `context`.
pub fn render(
    session: &Session,
    spec: &ReportSpec,
    context: &BTreeMap<String, Value>,
) -> Result<String, Diagnostic> {
    let host = session.ctx().host.clone();
    let settings = RenderSettings {
        lang: spec.lang,
        arabic_digits: false,
    };
    let env = environment(
        host.clone(),
        settings,
        Arc::new(Mutex::new(Citations::default())),
    );
    let names: Vec<String> = context.keys().cloned().collect();
    let template = env
        .get_template(&spec.template)
        .map_err(|e| to_diagnostic(&e, &host, &names))?;
    template
        .render(context)
        .map_err(|e| to_diagnostic(&e, &host, &names))
}
