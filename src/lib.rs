//! dossier: briefings that rebuild themselves from data.
//!
//! The library holds everything; the binary (`src/main.rs`) only calls
//! [`cli::main`]. The layers, from the outside in:
//!
//! - [`cli`]: clap arguments, one module per subcommand (the only module that knows clap).
//! - [`config`]: `dossier.toml` plus command-line overrides, resolved into one [`config::Config`].
//! - [`pipeline`]: the one run function every front end calls.
//! - [`script`]: the Rhai engine and its bindings, one file per topic.
//! - [`host`]: the only door to the file system: sandbox and the record of what a run read.
//! - [`data`]: the data package catalogue, typed loading and validation.
//! - [`diag`]: span-carrying diagnostics and their one terminal renderer.
//! - [`watch`]: watch mode, a loop around the pipeline that rebuilds what changed.
//! - [`serve`]: the live preview, an HTTP server over the output folder on top of [`watch`].
//! - [`schedule`]: scheduled briefings (cron, run history, archives), a front end over [`pipeline`].
//! - [`notebook`]: scripts with cells, notebook pages and `.ipynb` files.
//! - [`kernel`]: the Jupyter kernel (messaging protocol over ZeroMQ).
//! - [`signals`]: Ctrl-C and SIGTERM for the long-running modes (signal-hook).

// Diagnostics travel in `Result::Err` on cold paths only; their size (spans,
// notes, call chain) is worth more than a smaller error type.
#![allow(clippy::result_large_err)]

pub mod chart;
pub mod cli;
pub mod config;
pub mod data;
pub mod diag;
pub mod format;
pub mod host;
pub mod kernel;
pub mod notebook;
pub mod pipeline;
pub mod render;
pub mod schedule;
pub mod script;
pub mod serve;
pub mod signals;
pub mod template;
pub mod watch;

/// The version string shown by `dossier --version` and recorded in provenance.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
