//! `dossier run SCRIPT [-P key=value]…`: runs a script and prints its output.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use crate::config::parse_param_flags;
use crate::diag::Diagnostic;
use crate::pipeline::run_script;
use crate::script::stdio_sink;

/// Arguments of `dossier run`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The script to run (.rhai).
    pub script: PathBuf,
    /// A run parameter, KEY=VALUE (numbers and booleans are typed). Repeatable.
    #[arg(short = 'P', long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,
}

/// Runs the script; exit 0 on success, 1 on any error.
pub fn execute(args: Args) -> Result<ExitCode, Diagnostic> {
    let params = parse_param_flags(&args.params)?;
    if !args.script.is_file() {
        return Err(
            Diagnostic::error(format!("script not found: {}", args.script.display()))
                .with_kind("io"),
        );
    }
    let config = Arc::new(super::load_config(Some(&args.script))?);
    match run_script(config, &args.script, &params, stdio_sink()) {
        Ok(_) => Ok(ExitCode::SUCCESS),
        Err((d, _)) => Err(d),
    }
}
