//! `dossier kernel --connection-file FILE` runs the Jupyter kernel;
//! `dossier kernel install [--user | --sys-prefix | --prefix DIR]` writes its
//! kernelspec and `dossier kernel uninstall` removes it.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use crate::diag::Diagnostic;
use crate::kernel::connection::ConnectionInfo;
use crate::kernel::install::{self, Location};

/// Arguments of `dossier kernel`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    /// The connection file a Jupyter front end wrote (kernel.json passes `{connection_file}`).
    #[arg(long, value_name = "FILE")]
    pub connection_file: Option<PathBuf>,
    #[command(subcommand)]
    pub action: Option<Action>,
}

/// `install` and `uninstall`.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Write the kernelspec (kernel.json and logos) so Jupyter can start dossier.
    Install(Where),
    /// Remove the kernelspec.
    Uninstall(Where),
}

/// Where the kernelspec goes (default: --user).
#[derive(Debug, clap::Args)]
#[group(multiple = false)]
pub struct Where {
    /// The user's Jupyter data folder (the default).
    #[arg(long)]
    pub user: bool,
    /// The active Python environment (sys.prefix).
    #[arg(long)]
    pub sys_prefix: bool,
    /// DIR/share/jupyter/kernels.
    #[arg(long, value_name = "DIR")]
    pub prefix: Option<PathBuf>,
}

impl Where {
    fn location(&self) -> Result<Location, Diagnostic> {
        Ok(if self.sys_prefix {
            Location::SysPrefix
        } else if let Some(p) = &self.prefix {
            Location::Prefix(crate::config::absolutize(p))
        } else {
            Location::User
        })
    }
}

/// Runs the kernel, or installs or removes its kernelspec.
pub fn execute(args: Args) -> Result<ExitCode, Diagnostic> {
    match (args.action, args.connection_file) {
        (Some(Action::Install(w)), _) => {
            let exe = std::env::current_exe()
                .and_then(|p| p.canonicalize())
                .map_err(|e| Diagnostic::error(format!("cannot find the dossier binary: {e}")))?;
            let dir = install::install(&w.location()?, &exe)?;
            println!(
                "installed the kernelspec `{}` ({}) in {}",
                install::KERNEL_NAME,
                install::DISPLAY_NAME,
                dir.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        (Some(Action::Uninstall(w)), _) => {
            let dir = install::uninstall(&w.location()?)?;
            println!("removed {}", dir.display());
            Ok(ExitCode::SUCCESS)
        }
        (None, Some(file)) => {
            let info = ConnectionInfo::read(&file)?;
            let config = Arc::new(super::load_config(None)?);
            crate::kernel::run(config, info)?;
            Ok(ExitCode::SUCCESS)
        }
        (None, None) => Err(Diagnostic::error(
            "dossier kernel needs --connection-file FILE (Jupyter passes it), or `install`/`uninstall`",
        )
        .with_help("run `dossier kernel install`, then pick \"Rhai (dossier)\" in Jupyter")),
    }
}
