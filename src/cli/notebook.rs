//! `dossier notebook SCRIPT [-P key=value]… [--to html|ipynb] [-o PATH]`
//! runs a script's cells and writes a notebook page (or an `.ipynb`);
//! `dossier notebook --from NOTEBOOK.ipynb [-o PATH]` writes the
//! percent-format script back.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use crate::config::parse_param_flags;
use crate::diag::Diagnostic;
use crate::host::atomic_write;
use crate::notebook::run::{run_notebook, RunOptions};
use crate::notebook::{cells, html, ipynb};

/// Arguments of `dossier notebook`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The script (.rhai) whose cells (`// %%`) to run.
    #[arg(required_unless_present = "from", conflicts_with = "from")]
    pub script: Option<PathBuf>,
    /// A run parameter, KEY=VALUE. Repeatable.
    #[arg(short = 'P', long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,
    /// What to write: a notebook page (html) or a Jupyter notebook (ipynb).
    #[arg(long, value_name = "FORMAT", default_value = "html", value_parser = ["html", "ipynb"])]
    pub to: String,
    /// Where to write (default: the output folder, named after the script;
    /// with --from, the notebook's name with .rhai).
    #[arg(short = 'o', long = "output", value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// Turn a Jupyter notebook back into a percent-format script.
    #[arg(long, value_name = "NOTEBOOK.ipynb")]
    pub from: Option<PathBuf>,
    /// Run every cell, ignoring (and not updating) the cell cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Write the notebook even when a cell fails (the error shows in the
    /// cell), and exit 0.
    #[arg(long)]
    pub allow_errors: bool,
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), Diagnostic> {
    atomic_write(path, |f| std::io::Write::write_all(f, bytes)).map_err(|e| {
        Diagnostic::error(format!("cannot write {}: {e}", path.display())).with_kind("io")
    })
}

/// Runs the notebook (or converts one back); exit 1 when a cell failed.
pub fn execute(args: Args) -> Result<ExitCode, Diagnostic> {
    if let Some(from) = &args.from {
        let text = std::fs::read_to_string(from).map_err(|e| {
            Diagnostic::error(format!("cannot read {}: {e}", from.display())).with_kind("io")
        })?;
        let cells = ipynb::from_ipynb(&text, &from.display().to_string())?;
        let out = args
            .output
            .clone()
            .unwrap_or_else(|| from.with_extension("rhai"));
        write(&out, cells::write(&cells).as_bytes())?;
        println!("wrote {} ({} cells)", out.display(), cells.len());
        return Ok(ExitCode::SUCCESS);
    }
    let Some(script) = &args.script else {
        return Err(Diagnostic::error("give a script, or --from NOTEBOOK.ipynb"));
    };
    if !script.is_file() {
        return Err(
            Diagnostic::error(format!("script not found: {}", script.display())).with_kind("io"),
        );
    }
    let params = parse_param_flags(&args.params)?;
    let config = Arc::new(super::load_config(Some(script))?);
    let run = run_notebook(
        config.clone(),
        script,
        &params,
        RunOptions {
            cache: !args.no_cache,
        },
    )?;
    eprintln!("{}: {}", run.script, run.summary());
    if let Some((_, d)) = &run.error {
        super::report(d);
        if !args.allow_errors {
            eprintln!("not written: a cell failed (the previous output, if any, is kept; --allow-errors writes it with the error)");
            return Ok(ExitCode::from(1));
        }
    }
    let (ext, bytes) = match args.to.as_str() {
        "ipynb" => (
            "ipynb",
            (serde_json::to_string_pretty(&ipynb::to_ipynb(&run)).unwrap_or_default() + "\n")
                .into_bytes(),
        ),
        _ => ("html", html::render(&run).into_bytes()),
    };
    let out = args.output.clone().unwrap_or_else(|| {
        let stem = script
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_else(|| "notebook".into());
        config.output_dir.join(format!("{stem}.{ext}"))
    });
    write(&out, &bytes)?;
    println!(
        "wrote {} ({})",
        config.display_path(&crate::config::absolutize(&out)),
        super::render::human_size(bytes.len() as u64)
    );
    Ok(ExitCode::SUCCESS)
}
