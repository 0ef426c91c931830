//! The command line: clap definitions and one module per subcommand. This
//! is the only module that knows clap; each subcommand resolves its
//! arguments into library calls and returns an exit code.

mod check;
mod data;
mod diff;
mod doc;
mod editions;
mod kernel;
mod new;
mod notebook;
mod render;
mod repl;
mod run;
mod schedule;
mod serve;
mod table;
mod verify;
mod watch;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::diag::Diagnostic;

/// dossier: briefings that rebuild themselves from data.
#[derive(Debug, Parser)]
#[command(name = "dossier", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a script and print its output.
    Run(run::Args),
    /// Parse every script and validate the data package, without running anything.
    Check(check::Args),
    /// An interactive prompt on the same engine, with history and multi-line input.
    Repl(repl::Args),
    /// Render the reports of dossier.toml (all by default) into the output folder.
    Render(render::Args),
    /// Render, then rebuild the reports whose inputs change, until Ctrl-C.
    Watch(watch::Args),
    /// Watch, and serve the output folder with live reload and error overlays.
    Serve(serve::Args),
    /// Inspect and validate the data package.
    #[command(subcommand)]
    Data(data::DataCommand),
    /// Scaffold a new project with the relations dataset and an example script.
    New(new::Args),
    /// Show the script API reference (functions, signatures, examples).
    Doc(doc::Args),
    /// Scheduled briefings: run the scheduler, list jobs, trigger a run, show the history.
    #[command(subcommand)]
    Schedule(schedule::ScheduleCommand),
    /// Run a script's cells (`// %%`) and write a notebook page or .ipynb; or turn an .ipynb back into a script.
    Notebook(notebook::Args),
    /// The Jupyter kernel (`--connection-file FILE`), and `install`/`uninstall` of its kernelspec.
    Kernel(kernel::Args),
    /// Render in memory and check that every figure traces to the data, keeps its hedge, and is in every edition.
    Verify(verify::Args),
    /// List the recorded editions of the reports, with what changed in each.
    Editions(editions::Args),
    /// What changed in a report's data since an edition, row by row.
    Diff(diff::Args),
}

/// `Cli::parse()`, keeping clap's command tree instead of freeing it: a
/// process parses its arguments once, and freeing the tree of every
/// subcommand and flag came before any work started (issue 12).
fn parse_args() -> Cli {
    use clap::{CommandFactory, FromArgMatches};
    let mut command = Cli::command();
    let mut matches = command.get_matches_mut();
    let cli =
        Cli::from_arg_matches_mut(&mut matches).unwrap_or_else(|e| e.format(&mut command).exit());
    std::mem::forget(matches);
    std::mem::forget(command);
    cli
}

/// Parses the process arguments, runs the subcommand, maps the result to an exit code.
pub fn main() -> ExitCode {
    // A closed pipe (`dossier doc | head`) ends the program quietly, as it
    // does for other Unix tools, instead of panicking on the next print.
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // Polars reads its table format from the environment at print time.
    if std::env::var_os("POLARS_FMT_MAX_ROWS").is_none() {
        std::env::set_var("POLARS_FMT_MAX_ROWS", "25");
    }
    if std::env::var_os("POLARS_FMT_STR_LEN").is_none() {
        std::env::set_var("POLARS_FMT_STR_LEN", "40");
    }
    crate::script::values::configure_display();
    let cli = parse_args();
    let result = match cli.command {
        Command::Run(a) => run::execute(a),
        Command::Check(a) => check::execute(a),
        Command::Repl(a) => repl::execute(a),
        Command::Data(c) => data::execute(c),
        Command::Render(a) => render::execute(a),
        Command::Watch(a) => watch::execute(a),
        Command::Serve(a) => serve::execute(a),
        Command::New(a) => new::execute(a),
        Command::Doc(a) => doc::execute(a),
        Command::Schedule(c) => schedule::execute(c),
        Command::Notebook(a) => notebook::execute(a),
        Command::Kernel(a) => kernel::execute(a),
        Command::Verify(a) => verify::execute(a),
        Command::Editions(a) => editions::execute(a),
        Command::Diff(a) => diff::execute(a),
    };
    match result {
        Ok(code) => code,
        Err(d) => {
            report(&d);
            ExitCode::from(1)
        }
    }
}

/// Prints a diagnostic to stderr.
pub fn report(d: &Diagnostic) {
    eprint!("{}", d.render());
}

/// Loads the configuration for a path inside a project (or the current folder).
fn load_config(start: Option<&PathBuf>) -> Result<crate::config::Config, Diagnostic> {
    let cwd = std::env::current_dir()
        .map_err(|e| Diagnostic::error(format!("no current folder: {e}")))?;
    let start = start.cloned().unwrap_or(cwd);
    let root = crate::config::Config::find_root(&start);
    crate::config::Config::load(&root)
}
