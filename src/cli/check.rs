//! `dossier check [PATH]`: parses every script and validates the data
//! packages, without running anything.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use crate::diag::Diagnostic;
use crate::script::{stdio_sink, Session};

/// Arguments of `dossier check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A script, a folder of scripts, or a project (default: the current project).
    pub path: Option<PathBuf>,
}

/// Every `.rhai` file under `dir`, sorted.
pub fn scripts_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let name = e.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') || name == "target" || name == "out" {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rhai") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Parses the scripts and validates the data; exit 1 if anything is wrong.
pub fn execute(args: Args) -> Result<ExitCode, Diagnostic> {
    let config = Arc::new(super::load_config(args.path.as_ref())?);
    let files: Vec<PathBuf> = match &args.path {
        Some(p) if p.is_file() => vec![p.clone()],
        Some(p) if p.is_dir() && p.canonicalize().ok().as_ref() != Some(&config.root) => {
            scripts_under(p)
        }
        _ => {
            let mut v = Vec::new();
            for d in &config.script_dirs {
                v.extend(scripts_under(d));
            }
            v
        }
    };
    let session = Session::new(config.clone(), &config.params, stdio_sink());
    let mut failures = 0;
    for f in &files {
        let display = config.display_path(&crate::config::absolutize(f));
        match std::fs::read_to_string(f) {
            Ok(text) => {
                if let Err(d) = session.check_syntax(&display, &text) {
                    super::report(&d);
                    failures += 1;
                }
            }
            Err(e) => {
                super::report(&Diagnostic::error(format!("cannot read {display}: {e}")));
                failures += 1;
            }
        }
    }
    let data_errors = super::data::validate_all(&config, false)?;
    failures += data_errors;
    if failures == 0 {
        println!("ok: {} script(s) parsed, data packages valid", files.len());
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("error: {failures} problem(s) found");
        Ok(ExitCode::from(1))
    }
}
