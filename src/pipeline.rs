//! The one run pipeline. `dossier run` calls [`run_script`]; the briefing
//! renderer, watch mode, the scheduler and the notebook kernel are built on
//! the same call, so evaluation is implemented once.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::{Config, Params};
use crate::diag::Diagnostic;
use crate::host::Access;
use crate::script::{Session, Sink};

/// What one run produced, besides what it printed.
#[derive(Debug)]
pub struct RunReport {
    /// The value of the script's last expression, as text (empty for `()`).
    pub value: String,
    /// Every file read, and every file looked for and missing.
    pub accesses: Vec<Access>,
    pub duration: Duration,
}

/// Runs `script` for the project in `config` with `params` (over the
/// defaults in dossier.toml), sending printed output to `sink`.
pub fn run_script(
    config: Arc<Config>,
    script: &Path,
    params: &Params,
    sink: Sink,
) -> Result<RunReport, (Diagnostic, Vec<Access>)> {
    let started = Instant::now();
    let params = config.params_with(params);
    let mut session = Session::new(config, &params, sink);
    match session.run_file(script) {
        Ok(v) => Ok(RunReport {
            value: if v.is_unit() {
                String::new()
            } else {
                v.to_string()
            },
            accesses: session.host().accesses(),
            duration: started.elapsed(),
        }),
        Err(d) => Err((d, session.host().accesses())),
    }
}

/// One written output file.
#[derive(Debug, Clone)]
pub struct Output {
    pub path: std::path::PathBuf,
    pub bytes: u64,
}

/// What rendering one report produced.
#[derive(Debug)]
pub struct Rendered {
    pub name: String,
    pub outputs: Vec<Output>,
    pub accesses: Vec<Access>,
    pub duration: Duration,
}

/// Renders one report: runs its script, fills its template with the
/// script's variables, adds the provenance appendix, and writes each format
/// atomically into the output folder. On any error nothing is written, so
/// the last good output stays in place.
pub fn render_report(
    config: Arc<Config>,
    spec: &crate::render::report::ReportSpec,
    cli_params: &Params,
    formats: &[crate::render::report::Format],
    sink: Sink,
) -> Result<Rendered, (Diagnostic, Vec<Access>)> {
    let out_dir = config.output_dir.clone();
    render_report_to(config, spec, cli_params, formats, sink, &out_dir)
}

/// [`render_report`] with the folder the outputs go to chosen by the caller:
/// `out_dir` must lie inside the project's output folder (the host refuses
/// anything else). The scheduler renders into a staging folder under `out/`
/// and publishes it only when every report of the run succeeded.
pub fn render_report_to(
    config: Arc<Config>,
    spec: &crate::render::report::ReportSpec,
    cli_params: &Params,
    formats: &[crate::render::report::Format],
    sink: Sink,
    out_dir: &Path,
) -> Result<Rendered, (Diagnostic, Vec<Access>)> {
    use crate::render::report::{inject_provenance, Format, Provenance};
    let started = Instant::now();
    let mut params = config.params.clone();
    params.extend(spec.params.clone());
    params.insert(
        "lang".into(),
        crate::config::ParamValue::Str(spec.lang.code().into()),
    );
    params.extend(cli_params.clone());
    let mut session = Session::new(config.clone(), &params, sink);
    let fail = |d: Diagnostic, s: &Session| (d, s.host().accesses());
    // The script's value is not used: its variables are the template context.
    let _value = session
        .run_file(&config.root.join(&spec.script))
        .map_err(|d| fail(d, &session))?;

    let context =
        crate::render::context::build(&session, spec, &params).map_err(|d| fail(d, &session))?;
    let html =
        crate::render::html::render(&session, spec, &context).map_err(|d| fail(d, &session))?;
    let provenance = Provenance::collect(&config.root, &session.host().accesses(), &params);
    let html = inject_provenance(&html, &provenance.html(spec.lang));

    let mut outputs = Vec::new();
    for format in formats {
        let rel = format!(
            "{}/{}.{}",
            config.display_path(out_dir),
            spec.output,
            format.extension()
        );
        let bytes: Vec<u8> = match format {
            Format::Html => html.clone().into_bytes(),
            Format::Pdf => {
                return Err(fail(
                    Diagnostic::error(format!(
                        "report `{}`: PDF output is not available in this build yet",
                        spec.name
                    ))
                    .with_kind("config"),
                    &session,
                ))
            }
        };
        let path = session
            .host()
            .write_atomic(&rel, &bytes)
            .map_err(|d| fail(d, &session))?;
        outputs.push(Output {
            path,
            bytes: bytes.len() as u64,
        });
    }
    Ok(Rendered {
        name: spec.name.clone(),
        outputs,
        accesses: session.host().accesses(),
        duration: started.elapsed(),
    })
}
