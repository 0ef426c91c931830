//! `dossier verify [REPORT…] [-P key=value]… [--json]`: renders the reports
//! in memory (nothing is written) and checks that every figure traces to
//! the data or to a declared computed value, that hedges are kept, that
//! computed values are marked, and that the editions of one briefing carry
//! the same figures. Exit 0 with a one-line summary, or 1 with one line per
//! problem; `--json` prints every figure with its trace.

use std::process::ExitCode;
use std::sync::Arc;

use crate::config::parse_param_flags;
use crate::diag::Diagnostic;
use crate::render::report::{reports, select};

/// Arguments of `dossier verify`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Reports to verify (names from dossier.toml); all when none is given.
    pub names: Vec<String>,
    /// A run parameter, KEY=VALUE (over the report's and the project's). Repeatable.
    #[arg(short = 'P', long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,
    /// Print every figure with its trace, and the problems, as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Verifies; exit 1 when a check fails.
pub fn execute(args: Args) -> Result<ExitCode, Diagnostic> {
    let params = parse_param_flags(&args.params)?;
    let config = Arc::new(super::load_config(None)?);
    let chosen = select(&reports(&config)?, &args.names)?;
    let v = crate::verify::verify(config, &chosen, &params).map_err(|(d, _)| d)?;
    if args.json {
        let text = serde_json::to_string_pretty(&v)
            .map_err(|e| Diagnostic::error(format!("cannot write JSON: {e}")))?;
        println!("{text}");
    } else if v.problems.is_empty() {
        println!("{}", v.summary());
    } else {
        for p in &v.problems {
            println!("{p}");
        }
        eprintln!(
            "verify: {} problem(s) in {} figure(s) of {} report(s)",
            v.problems.len(),
            v.figures.len(),
            v.reports.len()
        );
    }
    Ok(if v.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
