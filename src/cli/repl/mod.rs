//! `dossier repl`: an interactive prompt on the same engine as `run`, with
//! history (saved between sessions), multi-line input (an unfinished
//! statement continues on the next line), Tab completion and syntax colours
//! ([`editor`]), values shown as the notebook kernel shows them
//! ([`crate::script::display`]), and Ctrl-C stopping a running input
//! without leaving.

mod editor;

use std::cell::RefCell;
use std::process::ExitCode;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use rhai::Dynamic;
use rustyline::config::{ColorMode, CompletionType, Config as EditorConfig};
use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;

use crate::config::parse_param_flags;
use crate::diag::Diagnostic;
use crate::script::chart::ChartV;
use crate::script::complete::{status, Status};
use crate::script::display::{plain_text, representation};
use crate::script::{stdio_sink, Session};

/// Arguments of `dossier repl`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A run parameter, KEY=VALUE. Repeatable.
    #[arg(short = 'P', long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,
}

const HELP: &str = "Type Rhai statements; an unfinished statement continues on the next line.
Tab completes functions, variables, methods after `.` and column names inside strings.
  :help        this text
  :vars        variables in scope, with their types
  :doc NAME    the API reference for a function (:doc alone lists them)
  :time EXPR   run EXPR and say how long it took
  :open [EXPR] show a chart (the last one shown, or EXPR) or a frame in the system viewer
  :quit        leave (or Ctrl-D)
Ctrl-C stops a running input; a second Ctrl-C while it has not stopped yet leaves.";

/// Whether `code` is an unfinished statement that should continue.
pub fn is_incomplete(session: &Session, code: &str) -> bool {
    status(session, code) == Status::Incomplete
}

/// The flag of the running session that SIGINT sets.
static INTERRUPT: OnceLock<Arc<AtomicBool>> = OnceLock::new();

/// SIGINT while an input runs: ask the run to stop at its next operation;
/// a second one before it has stopped (a long Polars call does not look at
/// the flag) leaves, as watch mode does.
extern "C" fn on_interrupt(_: libc::c_int) {
    if let Some(flag) = INTERRUPT.get() {
        if flag.swap(true, Ordering::SeqCst) {
            // SAFETY: `_exit` is async-signal-safe.
            unsafe { libc::_exit(crate::signals::FORCED_EXIT) }
        }
    }
}

/// Sends Ctrl-C during evaluation to `flag`. rustyline installs its own
/// handler while it reads a line and puts this one back afterwards.
fn catch_interrupts(flag: Arc<AtomicBool>) {
    if INTERRUPT.set(flag).is_err() {
        return;
    }
    #[cfg(unix)]
    // SAFETY: the handler only touches an atomic flag (or calls `_exit`).
    unsafe {
        libc::signal(
            libc::SIGINT,
            on_interrupt as extern "C" fn(libc::c_int) as libc::sighandler_t,
        );
    }
}

/// The REPL's state between inputs.
struct Repl {
    session: Rc<RefCell<Session>>,
    interrupt: Arc<AtomicBool>,
    /// Inputs evaluated so far (each gets its own name in diagnostics).
    inputs: usize,
    /// The last chart shown, for `:open`.
    last_chart: Option<Dynamic>,
}

impl Repl {
    /// Evaluates one input and shows its value or its error.
    fn run(&mut self, code: &str) -> Option<Dynamic> {
        self.inputs += 1;
        let name = format!("<repl:{}>", self.inputs);
        let result = self.session.borrow_mut().eval_source(&name, code);
        // A Ctrl-C that arrived as the input finished is spent.
        self.interrupt.store(false, Ordering::SeqCst);
        match result {
            Ok(v) => {
                if !v.is_unit() {
                    println!("{}", plain_text(&v));
                    if v.is::<ChartV>() {
                        self.last_chart = Some(v.clone());
                    }
                }
                Some(v)
            }
            Err(d) => {
                super::report(&d);
                None
            }
        }
    }

    /// A `:command`; false when it is not one.
    fn command(&mut self, line: &str) -> bool {
        let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
        let rest = rest.trim();
        match word {
            ":help" => println!("{HELP}"),
            ":vars" => {
                // Each name once, with its latest value, in declaration order.
                let mut seen = std::collections::HashSet::new();
                let vars: Vec<(String, Dynamic)> = (self.session.borrow().scope_values())
                    .into_iter()
                    .rev()
                    .filter(|(n, _)| seen.insert(n.clone()))
                    .collect();
                for (name, value) in vars.iter().rev() {
                    println!("{name}: {}", crate::script::values::type_name(value));
                }
            }
            ":doc" => {
                let _ = super::doc::execute(super::doc::Args {
                    name: (!rest.is_empty()).then(|| rest.to_string()),
                    json: false,
                })
                .map_err(|d| super::report(&d));
            }
            ":time" if rest.is_empty() => eprintln!("usage: :time EXPR"),
            ":time" => {
                let started = Instant::now();
                self.run(rest);
                println!("time: {}", human_duration(started.elapsed()));
            }
            ":open" => self.open(rest),
            _ => return false,
        }
        true
    }

    /// `:open [EXPR]`: writes the value's picture (a chart's SVG) or table
    /// (a frame's HTML) to a temporary file and opens the system viewer.
    fn open(&mut self, expr: &str) {
        let value = if expr.is_empty() {
            match &self.last_chart {
                Some(c) => c.clone(),
                None => {
                    eprintln!(
                        "no chart shown yet: :open EXPR shows the chart (or frame) EXPR gives"
                    );
                    return;
                }
            }
        } else {
            match self.run_quietly(expr) {
                Some(v) => v,
                None => return,
            }
        };
        let r = representation(&value);
        let (suffix, content) =
            if let Some((_, svg)) = r.data.iter().find(|(m, _)| m == "image/svg+xml") {
                (".svg", svg.clone())
            } else if let Some((_, html)) = r.data.iter().find(|(m, _)| m == "text/html") {
                (
                    ".html",
                    format!(
                    "<!doctype html>\n<meta charset=\"utf-8\">\n<title>dossier</title>\n{html}\n"
                ),
                )
            } else {
                eprintln!(
                    ":open shows charts and frames; this is a {}",
                    crate::script::values::type_name(&value)
                );
                return;
            };
        let path = match write_temp(suffix, &content) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("cannot write the file to open: {e}");
                return;
            }
        };
        match open_in_viewer(&path) {
            Ok(opener) => println!("{} (opened with {opener})", path.display()),
            Err(_) => println!("{} (no viewer found: open it in a browser)", path.display()),
        }
    }

    /// Evaluates an input without showing its value.
    fn run_quietly(&mut self, code: &str) -> Option<Dynamic> {
        self.inputs += 1;
        let name = format!("<repl:{}>", self.inputs);
        let result = self.session.borrow_mut().eval_source(&name, code);
        self.interrupt.store(false, Ordering::SeqCst);
        result.map_err(|d| super::report(&d)).ok()
    }
}

/// A duration as people read it: µs, ms or s with three significant digits.
fn human_duration(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 1e-3 {
        format!("{:.0} µs", s * 1e6)
    } else if s < 1.0 {
        format!("{:.1} ms", s * 1e3)
    } else {
        format!("{s:.2} s")
    }
}

/// Writes `content` to a new temporary file that stays after the REPL ends
/// (the viewer may read it later).
fn write_temp(suffix: &str, content: &str) -> std::io::Result<std::path::PathBuf> {
    use std::io::Write;
    let mut f = tempfile::Builder::new()
        .prefix("dossier-")
        .suffix(suffix)
        .tempfile()?;
    f.write_all(content.as_bytes())?;
    let (_, path) = f.keep().map_err(|e| e.error)?;
    Ok(path)
}

/// Starts the system's viewer for a file; returns its name.
fn open_in_viewer(path: &std::path::Path) -> std::io::Result<&'static str> {
    use std::process::{Command, Stdio};
    let (program, args): (&'static str, &[&str]) = if cfg!(target_os = "macos") {
        ("open", &[])
    } else if cfg!(windows) {
        ("cmd", &["/C", "start", ""])
    } else {
        ("xdg-open", &[])
    };
    Command::new(program)
        .args(args)
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    Ok(program)
}

/// Runs the prompt until `:quit` or end of input.
pub fn execute(args: Args) -> Result<ExitCode, Diagnostic> {
    let params = parse_param_flags(&args.params)?;
    let config = Arc::new(super::load_config(None)?);
    let params = config.params_with(&params);
    let session = Session::new(config.clone(), &params, stdio_sink());
    let interrupt = session.interrupt_handle();
    catch_interrupts(interrupt.clone());
    let session = Rc::new(RefCell::new(session));
    let pending = Rc::new(RefCell::new(String::new()));
    let colour = if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        ColorMode::Disabled
    } else {
        ColorMode::Enabled
    };
    let editor_config = EditorConfig::builder()
        .completion_type(CompletionType::List)
        .auto_add_history(false)
        .color_mode(colour)
        .build();
    let mut rl = rustyline::Editor::<editor::Helper, DefaultHistory>::with_config(editor_config)
        .map_err(|e| Diagnostic::error(format!("cannot start the prompt: {e}")))?;
    rl.set_helper(Some(editor::Helper::new(session.clone(), pending.clone())));
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
        "dossier {} — Rhai with Polars. Tab completes, :help for help, :quit to leave.",
        crate::VERSION
    );
    let mut repl = Repl {
        session,
        interrupt,
        inputs: 0,
        last_chart: None,
    };
    loop {
        let prompt = if pending.borrow().is_empty() {
            ">> "
        } else {
            ".. "
        };
        match rl.readline(prompt) {
            Ok(line) => {
                if pending.borrow().is_empty() {
                    let t = line.trim();
                    if t.is_empty() {
                        continue;
                    }
                    if matches!(t, ":quit" | ":q" | ":exit") {
                        break;
                    }
                    if t.starts_with(':') {
                        let _ = rl.add_history_entry(t);
                        if !repl.command(t) {
                            eprintln!("unknown command {t} (:help lists them)");
                        }
                        continue;
                    }
                }
                let code = {
                    let mut buffer = pending.borrow_mut();
                    buffer.push_str(&line);
                    buffer.push('\n');
                    if is_incomplete(&repl.session.borrow(), &buffer) {
                        continue;
                    }
                    std::mem::take(&mut *buffer)
                };
                let _ = rl.add_history_entry(code.trim_end());
                repl.run(&code);
            }
            Err(ReadlineError::Interrupted) => {
                pending.borrow_mut().clear();
                println!("(input cleared; :quit or Ctrl-D to leave)");
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(human_duration(Duration::from_micros(250)), "250 µs");
        assert_eq!(human_duration(Duration::from_micros(12_340)), "12.3 ms");
        assert_eq!(human_duration(Duration::from_millis(2_500)), "2.50 s");
    }
}
