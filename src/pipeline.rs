//! The one run pipeline. `dossier run` calls [`run_script`]; the briefing
//! renderer ([`render_report`]), watch mode and `serve`
//! ([`render_report_cancellable`]), the scheduler and the notebook kernel
//! are built on the same calls, so evaluation is implemented once.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
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
            value: crate::script::display::print_text(&v),
            accesses: session.host().accesses(),
            duration: started.elapsed(),
        }),
        Err(d) => Err((d, session.host().accesses())),
    }
}

/// A size for people: 84.2 KB.
pub fn human_size(bytes: u64) -> String {
    if bytes >= 1_000_000 {
        format!("{:.1} MB", bytes as f64 / 1e6)
    } else if bytes >= 1_000 {
        format!("{:.1} KB", bytes as f64 / 1e3)
    } else {
        format!("{bytes} B")
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
    /// The parameters the run saw (project, report, language, command line).
    pub params: Params,
    pub accesses: Vec<Access>,
    pub duration: Duration,
}

/// The [`Diagnostic::kind`] of a run stopped by its cancellation flag.
pub const CANCELLED: &str = "cancelled";

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
    render_report_in(config, spec, cli_params, formats, sink, None, &out_dir)
}

/// [`render_report`] that stops early once `cancel` is set (watch mode sets
/// it when a file changes during a run). The flag is checked at every Rhai
/// operation and between the stages (script, context, template, each
/// output); a single Polars `collect` already running is not interrupted, so
/// the run stops when it returns. A cancelled run writes nothing and fails
/// with a diagnostic of kind [`CANCELLED`].
pub fn render_report_cancellable(
    config: Arc<Config>,
    spec: &crate::render::report::ReportSpec,
    cli_params: &Params,
    formats: &[crate::render::report::Format],
    sink: Sink,
    cancel: Option<Arc<AtomicBool>>,
) -> Result<Rendered, (Diagnostic, Vec<Access>)> {
    let out_dir = config.output_dir.clone();
    render_report_in(config, spec, cli_params, formats, sink, cancel, &out_dir)
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
    render_report_in(config, spec, cli_params, formats, sink, None, out_dir)
}

/// A report rendered in memory: the page (with its provenance appendix),
/// the figures its template printed, and the run it came from. Nothing is
/// written; [`render_report`] writes it, `dossier verify` checks it.
pub struct Document {
    pub html: String,
    pub figures: Vec<crate::template::figure::Figure>,
    /// The source documents cited, in footnote order.
    pub documents: Vec<crate::template::figure::Document>,
    pub session: Session,
    pub params: Params,
    pub provenance: crate::render::report::Provenance,
}

/// Runs a report's script and fills its template, in memory: the first half
/// of every render, and all of `dossier verify`'s.
pub fn render_document(
    config: Arc<Config>,
    spec: &crate::render::report::ReportSpec,
    cli_params: &Params,
    sink: Sink,
    cancel: Option<Arc<AtomicBool>>,
) -> Result<Document, (Diagnostic, Vec<Access>)> {
    use crate::render::report::{inject_provenance, Provenance};
    let mut params = config.params.clone();
    params.extend(spec.params.clone());
    params.insert(
        "lang".into(),
        crate::config::ParamValue::Str(spec.lang.code().into()),
    );
    params.extend(cli_params.clone());
    let mut session = Session::new(config.clone(), &params, sink);
    session.set_report(&spec.name, spec.lang.code());
    let is_cancelled = || cancel.as_ref().is_some_and(|c| c.load(Ordering::SeqCst));
    if let Some(flag) = &cancel {
        session.cancel_on(flag.clone());
    }
    let fail =
        |d: Diagnostic, s: &Session| (cancelled_or(d, is_cancelled(), spec), s.host().accesses());
    let check = |s: &Session| -> Result<(), (Diagnostic, Vec<Access>)> {
        if is_cancelled() {
            Err(fail(Diagnostic::error("cancelled"), s))
        } else {
            Ok(())
        }
    };
    // The script's value is not used: its variables are the template context.
    let _value = session
        .run_file(&config.root.join(&spec.script))
        .map_err(|d| fail(d, &session))?;
    check(&session)?;
    let context =
        crate::render::context::build(&session, spec, &params).map_err(|d| fail(d, &session))?;
    check(&session)?;
    let page =
        crate::render::html::render(&session, spec, &context).map_err(|d| fail(d, &session))?;
    check(&session)?;
    let provenance = Provenance::collect(&config.root, &session.host().accesses(), &params);
    let html = inject_provenance(&page.html, &provenance.html(spec.lang));
    Ok(Document {
        html,
        figures: page.figures,
        documents: page.documents,
        session,
        params,
        provenance,
    })
}

/// The diagnostic of a run: "cancelled" when its flag was set.
fn cancelled_or(
    d: Diagnostic,
    cancelled: bool,
    spec: &crate::render::report::ReportSpec,
) -> Diagnostic {
    if cancelled {
        Diagnostic::error(format!("report `{}`: the run was cancelled", spec.name))
            .with_kind(CANCELLED)
    } else {
        d
    }
}

/// The one implementation behind the three entry points above.
#[allow(clippy::too_many_arguments)]
fn render_report_in(
    config: Arc<Config>,
    spec: &crate::render::report::ReportSpec,
    cli_params: &Params,
    formats: &[crate::render::report::Format],
    sink: Sink,
    cancel: Option<Arc<AtomicBool>>,
    out_dir: &Path,
) -> Result<Rendered, (Diagnostic, Vec<Access>)> {
    use crate::render::report::Format;
    let started = Instant::now();
    let is_cancelled = || cancel.as_ref().is_some_and(|c| c.load(Ordering::SeqCst));
    let doc = render_document(config.clone(), spec, cli_params, sink, cancel.clone())?;
    let Document {
        html,
        session,
        params,
        provenance,
        ..
    } = doc;
    let fail =
        |d: Diagnostic, s: &Session| (cancelled_or(d, is_cancelled(), spec), s.host().accesses());
    let check = |s: &Session| -> Result<(), (Diagnostic, Vec<Access>)> {
        if is_cancelled() {
            Err(fail(Diagnostic::error("cancelled"), s))
        } else {
            Ok(())
        }
    };

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
            Format::Pdf => crate::render::pdf::render(&session, spec, &params, &html, &provenance)
                .map_err(|d| fail(d, &session))?,
        };
        check(&session)?;
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
        params,
        accesses: session.host().accesses(),
        duration: started.elapsed(),
    })
}
