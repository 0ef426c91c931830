//! `dossier render [NAME…] [-P key=value]… [--format html,pdf]`: runs the
//! reports of dossier.toml (all by default) and writes their outputs
//! atomically, with a progress line per report and a summary; with
//! `--edition`, records an edition of each (see [`super::editions`]).

use std::process::ExitCode;
use std::sync::Arc;

use crate::config::parse_param_flags;
use crate::diag::Diagnostic;
use crate::pipeline::render_report;
use crate::render::report::{parse_formats, reports, select};
use crate::script::stderr_sink;

/// Arguments of `dossier render`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Reports to render (names from dossier.toml); all when none is given.
    pub names: Vec<String>,
    /// A run parameter, KEY=VALUE (over the report's and the project's). Repeatable.
    #[arg(short = 'P', long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,
    /// Output formats, e.g. `html`, `pdf` or `html,pdf` (default: each report's own).
    #[arg(long, value_name = "FORMATS")]
    pub format: Option<String>,
    /// Also record an edition of each report rendered: its outputs archived
    /// under out/archive/REPORT/, with a snapshot of the data it read
    /// (see `dossier editions` and `dossier diff`).
    #[arg(long)]
    pub edition: bool,
}

pub use crate::pipeline::human_size;

/// Renders; exit 1 if any report failed (the others still render).
pub fn execute(args: Args) -> Result<ExitCode, Diagnostic> {
    let params = parse_param_flags(&args.params)?;
    let config = Arc::new(super::load_config(None)?);
    let chosen = select(&reports(&config)?, &args.names)?;
    let override_formats = match &args.format {
        Some(f) => Some(parse_formats(f).map_err(|bad| {
            Diagnostic::error(format!("unknown format `{bad}`"))
                .with_help("use html, pdf or html,pdf")
        })?),
        None => None,
    };
    let started = std::time::Instant::now();
    // The process ends after the summary: runs leave their memory to it.
    crate::pipeline::exit_after_run();
    let mut failed = 0;
    let mut written = Vec::new();
    // Reports are independent: render them side by side (each report is one
    // thread; Polars parallelises inside), then report in the order asked.
    let results = crate::pipeline::for_each_report(&chosen, |spec| {
        let formats = override_formats
            .clone()
            .unwrap_or_else(|| spec.formats.clone());
        render_report(config.clone(), spec, &params, &formats, stderr_sink())
    });
    for (spec, result) in chosen.iter().zip(results) {
        match result {
            Ok(r) => {
                let outs: Vec<String> = r
                    .outputs
                    .iter()
                    .map(|o| format!("{} ({})", config.display_path(&o.path), human_size(o.bytes)))
                    .collect();
                println!(
                    "ok    {:<16} {:>6} ms  {}",
                    r.name,
                    r.duration.as_millis(),
                    outs.join(", ")
                );
                if args.edition {
                    if let Err(d) = super::editions::record(&config, &r) {
                        failed += 1;
                        super::report(&d);
                    }
                }
                written.extend(r.outputs);
            }
            Err((d, _)) => {
                failed += 1;
                println!(
                    "FAIL  {:<16} (the previous output, if any, is kept)",
                    spec.name
                );
                super::report(&d);
            }
        }
    }
    let total: u64 = written.iter().map(|o| o.bytes).sum();
    println!(
        "{} of {} report(s) rendered, {} file(s), {} in {} ms",
        chosen.len() - failed,
        chosen.len(),
        written.len(),
        human_size(total),
        started.elapsed().as_millis()
    );
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
