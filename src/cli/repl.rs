//! `dossier repl`: an interactive prompt on the same engine as `run`, with
//! history (saved between sessions) and multi-line input (an unfinished
//! statement continues on the next line).

use std::process::ExitCode;
use std::sync::Arc;

use rhai::ParseErrorType;
use rustyline::error::ReadlineError;

use crate::config::parse_param_flags;
use crate::diag::Diagnostic;
use crate::script::{stdio_sink, Session};

/// Arguments of `dossier repl`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A run parameter, KEY=VALUE. Repeatable.
    #[arg(short = 'P', long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,
}

const HELP: &str = "Type Rhai statements; an unfinished statement continues on the next line.
  :help        this text
  :vars        variables in scope
  :doc NAME    the API reference for a function (:doc alone lists them)
  :quit        leave (or Ctrl-D)";

/// Whether `code` is an unfinished statement that should continue.
pub fn is_incomplete(session: &Session, code: &str) -> bool {
    match session.engine().compile(code) {
        Ok(_) => false,
        Err(e) => {
            matches!(
                e.err_type(),
                ParseErrorType::UnexpectedEOF | ParseErrorType::MissingToken(_, _)
            ) && e
                .position()
                .line()
                .is_none_or(|l| l >= code.lines().count())
        }
    }
}

/// Runs the prompt until `:quit` or end of input.
pub fn execute(args: Args) -> Result<ExitCode, Diagnostic> {
    let params = parse_param_flags(&args.params)?;
    let config = Arc::new(super::load_config(None)?);
    let params = config.params_with(&params);
    let mut session = Session::new(config.clone(), &params, stdio_sink());
    let mut rl = rustyline::DefaultEditor::new()
        .map_err(|e| Diagnostic::error(format!("cannot start the prompt: {e}")))?;
    let history = std::env::var_os("HOME")
        .map(|h| std::path::PathBuf::from(h).join(".local/share/dossier"))
        .map(|d| {
            let _ = std::fs::create_dir_all(&d);
            d.join("repl_history")
        });
    if let Some(h) = &history {
        let _ = rl.load_history(h);
    }
    println!(
        "dossier {} — Rhai with Polars. :help for help, :quit to leave.",
        crate::VERSION
    );
    let mut buffer = String::new();
    let mut n = 0;
    loop {
        let prompt = if buffer.is_empty() { ">> " } else { ".. " };
        match rl.readline(prompt) {
            Ok(line) => {
                if buffer.is_empty() {
                    let t = line.trim();
                    match t {
                        "" => continue,
                        ":quit" | ":q" | ":exit" => break,
                        ":help" => {
                            println!("{HELP}");
                            continue;
                        }
                        ":vars" => {
                            println!("{}", session.variables().join(", "));
                            continue;
                        }
                        _ if t.starts_with(":doc") => {
                            let name = t.trim_start_matches(":doc").trim();
                            let _ = super::doc::execute(super::doc::Args {
                                name: (!name.is_empty()).then(|| name.to_string()),
                                json: false,
                            })
                            .map_err(|d| super::report(&d));
                            continue;
                        }
                        _ => {}
                    }
                }
                buffer.push_str(&line);
                buffer.push('\n');
                if is_incomplete(&session, &buffer) {
                    continue;
                }
                let code = std::mem::take(&mut buffer);
                let _ = rl.add_history_entry(code.trim_end());
                n += 1;
                match session.eval_source(&format!("<repl:{n}>"), &code) {
                    Ok(v) if !v.is_unit() => println!("{v}"),
                    Ok(_) => {}
                    Err(d) => super::report(&d),
                }
            }
            Err(ReadlineError::Interrupted) => {
                buffer.clear();
                println!("(input cleared; :quit to leave)");
            }
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(Diagnostic::error(format!("prompt error: {e}"))),
        }
    }
    if let Some(h) = &history {
        let _ = rl.save_history(h);
    }
    Ok(ExitCode::SUCCESS)
}
