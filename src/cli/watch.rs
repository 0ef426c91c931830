//! `dossier watch [REPORT…] [-P key=value]… [--format F] [--poll]`: renders
//! the reports, then rebuilds the ones whose inputs change, printing one
//! status line per rebuild, until Ctrl-C.

use std::process::ExitCode;

use crate::config::{parse_param_flags, Config, Params};
use crate::diag::Diagnostic;
use crate::render::report::{parse_formats, Format};
use crate::script::stderr_sink;
use crate::watch::{Build, Observer, Options, Watch};

/// Arguments of `dossier watch`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Reports to watch (names from dossier.toml); all when none is given.
    pub names: Vec<String>,
    /// A run parameter, KEY=VALUE (over the report's and the project's). Repeatable.
    #[arg(short = 'P', long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,
    /// Output formats, e.g. `html`, `pdf` or `html,pdf` (default: each report's own).
    #[arg(long, value_name = "FORMATS")]
    pub format: Option<String>,
    /// Poll files for changes instead of using file-system notifications
    /// (for network drives and containers where notifications do not arrive).
    #[arg(long)]
    pub poll: bool,
}

/// Prints what the loop does: a status line per rebuild on stdout, the
/// diagnostics of failed runs on stderr.
#[derive(Default)]
pub(super) struct Printer {
    announced: bool,
}

impl Observer for Printer {
    fn built(&mut self, build: &Build) {
        println!("{}", build.status_line());
        for (_, d) in build.errors() {
            super::report(d);
        }
    }

    fn watching(&mut self, files: usize, folders: usize, polled: usize) {
        if !self.announced {
            self.announced = true;
            println!(
                "watching {files} file(s): {folders} folder(s) notified, {polled} file(s) polled; Ctrl-C to stop"
            );
        }
    }

    fn warning(&mut self, text: &str) {
        eprintln!("warning: {text}");
    }
}

/// The parameters, formats and project root shared by `watch` and `serve`.
pub(super) fn options(
    names: Vec<String>,
    params: &[String],
    format: Option<&str>,
    poll: bool,
) -> Result<Options, Diagnostic> {
    let params: Params = parse_param_flags(params)?;
    let formats: Option<Vec<Format>> = match format {
        Some(f) => Some(parse_formats(f).map_err(|bad| {
            Diagnostic::error(format!("unknown format `{bad}`"))
                .with_help("use html, pdf or html,pdf")
        })?),
        None => None,
    };
    let cwd = std::env::current_dir()
        .map_err(|e| Diagnostic::error(format!("no current folder: {e}")))?;
    Ok(Options {
        root: Config::find_root(&cwd),
        names,
        params,
        formats,
        poll,
        sink: stderr_sink(),
    })
}

/// Watches until Ctrl-C; exit 0 then. Errors only for a bad command line
/// or a project without the named reports.
pub fn execute(args: Args) -> Result<ExitCode, Diagnostic> {
    let opts = options(args.names, &args.params, args.format.as_deref(), args.poll)?;
    let watch = Watch::new(opts)?;
    let stop = watch.stop_handle();
    crate::signals::stop_then_exit(move || stop.stop())
        .map_err(|e| Diagnostic::error(format!("cannot receive Ctrl-C: {e}")))?;
    watch.run(&mut Printer::default())?;
    println!("stopped");
    Ok(ExitCode::SUCCESS)
}
