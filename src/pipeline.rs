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
    crate::script::prewarm();
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

/// Runs `f` for each report side by side, one thread each (reports are
/// independent; Polars parallelises inside each), and returns the results
/// in the order of `specs`. A thread that panics gives an internal error for
/// its report; the others are unaffected. `dossier render` and `dossier
/// verify` both fan out through here.
pub fn for_each_report<T: Send>(
    specs: &[crate::render::report::ReportSpec],
    f: impl Fn(&crate::render::report::ReportSpec) -> Result<T, (Diagnostic, Vec<Access>)> + Sync,
) -> Vec<Result<T, (Diagnostic, Vec<Access>)>> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = specs
            .iter()
            .map(|spec| {
                let f = &f;
                scope.spawn(move || f(spec))
            })
            .collect();
        // This thread would only wait: it builds what every run shares
        // (the bindings, Polars' pools) while the first run builds Rhai's
        // standard library.
        if !specs.is_empty() {
            crate::script::warm_up();
        }
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err((
                        Diagnostic::error("internal error: a report's thread panicked"),
                        Vec::new(),
                    ))
                })
            })
            .collect()
    })
}

/// Set by front ends whose process ends once its outputs are written.
static EXIT_AFTER_RUN: AtomicBool = AtomicBool::new(false);

/// Says that this process exits once its reports are written (`dossier
/// render`): what each run built (its engine, scope, frames and page) is
/// then left for the operating system to take back with the process rather
/// than freed piece by piece while the command waits, as compilers do
/// (clang's `-disable-free`). Long-running modes (watch, serve, schedule,
/// the kernel) never call it and free every run.
pub fn exit_after_run() {
    EXIT_AFTER_RUN.store(true, Ordering::Relaxed);
}

/// Frees `value`, unless the process exits after this run
/// ([`exit_after_run`]).
fn release<T>(value: T) {
    if EXIT_AFTER_RUN.load(Ordering::Relaxed) {
        std::mem::forget(value);
    } else {
        drop(value);
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
    if let Some(flag) = &cancel {
        session.cancel_on(flag.clone());
    }
    let fail = |d: Diagnostic, s: &Session| cancelled_or(d, s, spec, cancel.as_ref());
    let check = |s: &Session| -> Result<(), (Diagnostic, Vec<Access>)> {
        if is_set(cancel.as_ref()) {
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

fn is_set(cancel: Option<&Arc<AtomicBool>>) -> bool {
    cancel.is_some_and(|c| c.load(Ordering::SeqCst))
}

/// The error of a failed stage: [`CANCELLED`] when the run was cancelled.
fn cancelled_or(
    d: Diagnostic,
    s: &Session,
    spec: &crate::render::report::ReportSpec,
    cancel: Option<&Arc<AtomicBool>>,
) -> (Diagnostic, Vec<Access>) {
    let d = if is_set(cancel) {
        Diagnostic::error(format!("report `{}`: the run was cancelled", spec.name))
            .with_kind(CANCELLED)
    } else {
        d
    };
    (d, s.host().accesses())
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
    let mut prepared = prepare_report(config, spec, cli_params, sink, cancel, out_dir)?;
    for format in formats {
        prepared.write(*format)?;
    }
    Ok(prepared.done())
}

/// A report whose script has run and whose HTML is filled, with its output
/// files still to write: watch mode writes every report's HTML (and reloads
/// the browser) before it lays out any PDF.
pub struct Prepared {
    doc: Document,
    spec: crate::render::report::ReportSpec,
    rel_stem: String,
    cancel: Option<Arc<AtomicBool>>,
    started: Instant,
    outputs: Vec<Output>,
}

/// Runs a report's script and fills its template (the first stage of
/// [`render_report_cancellable`]); [`Prepared::write`] then writes each format.
pub fn prepare_report_cancellable(
    config: Arc<Config>,
    spec: &crate::render::report::ReportSpec,
    cli_params: &Params,
    sink: Sink,
    cancel: Option<Arc<AtomicBool>>,
) -> Result<Prepared, (Diagnostic, Vec<Access>)> {
    let out_dir = config.output_dir.clone();
    prepare_report(config, spec, cli_params, sink, cancel, &out_dir)
}

fn prepare_report(
    config: Arc<Config>,
    spec: &crate::render::report::ReportSpec,
    cli_params: &Params,
    sink: Sink,
    cancel: Option<Arc<AtomicBool>>,
    out_dir: &Path,
) -> Result<Prepared, (Diagnostic, Vec<Access>)> {
    let started = Instant::now();
    let doc = render_document(config.clone(), spec, cli_params, sink, cancel.clone())?;
    let rel_stem = format!("{}/{}", config.display_path(out_dir), spec.output);
    Ok(Prepared {
        doc,
        spec: spec.clone(),
        rel_stem,
        cancel,
        started,
        outputs: Vec::new(),
    })
}

impl Prepared {
    /// The report's name.
    pub fn name(&self) -> &str {
        &self.spec.name
    }

    /// Writes one format (atomically) into the output folder.
    pub fn write(
        &mut self,
        format: crate::render::report::Format,
    ) -> Result<(), (Diagnostic, Vec<Access>)> {
        use crate::render::report::Format;
        let fail = |d: Diagnostic, p: &Prepared| {
            cancelled_or(d, &p.doc.session, &p.spec, p.cancel.as_ref())
        };
        let rel = format!("{}.{}", self.rel_stem, format.extension());
        let bytes: Vec<u8> = match format {
            Format::Html => self.doc.html.clone().into_bytes(),
            Format::Pdf => crate::render::pdf::render(
                &self.doc.session,
                &self.spec,
                &self.doc.params,
                &self.doc.html,
                &self.doc.provenance,
            )
            .map_err(|d| fail(d, self))?,
        };
        if is_set(self.cancel.as_ref()) {
            return Err(fail(Diagnostic::error("cancelled"), self));
        }
        let path = self
            .doc
            .session
            .host()
            .write_atomic(&rel, &bytes)
            .map_err(|d| fail(d, self))?;
        self.outputs.push(Output {
            path,
            bytes: bytes.len() as u64,
        });
        Ok(())
    }

    /// What was written, and what the run read.
    pub fn done(self) -> Rendered {
        let rendered = Rendered {
            name: self.spec.name.clone(),
            outputs: self.outputs,
            params: self.doc.params.clone(),
            accesses: self.doc.session.host().accesses(),
            duration: self.started.elapsed(),
        };
        release(self.doc);
        rendered
    }
}
