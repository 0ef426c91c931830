//! `dossier serve [REPORT…] [--port N] [--host ADDR] [--open] [-P …]`: the
//! watch loop plus a live preview of the output folder over HTTP, on
//! 127.0.0.1 unless `--host` says otherwise.

use std::net::{SocketAddr, ToSocketAddrs};
use std::process::ExitCode;
use std::sync::Arc;

use crate::diag::Diagnostic;
use crate::serve::{Server, State};
use crate::watch::{Build, Observer, Watch};

use super::watch::Printer;

/// The port tried first when `--port` is not given (mdBook's and typst's
/// default too); if it is taken, the next few are tried, then any free one.
pub const DEFAULT_PORT: u16 = 3000;

/// How many ports after [`DEFAULT_PORT`] are tried before asking the system for any free one.
pub const PORT_TRIES: u16 = 10;

/// Arguments of `dossier serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Reports to build and serve (names from dossier.toml); all when none is given.
    pub names: Vec<String>,
    /// A run parameter, KEY=VALUE (over the report's and the project's). Repeatable.
    #[arg(short = 'P', long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,
    /// Output formats, e.g. `html`, `pdf` or `html,pdf` (default: each report's own).
    #[arg(long, value_name = "FORMATS")]
    pub format: Option<String>,
    /// Poll files for changes instead of using file-system notifications.
    #[arg(long)]
    pub poll: bool,
    /// The port to listen on; 0 picks a free one (default: 3000, or the next free one).
    #[arg(long, value_name = "N")]
    pub port: Option<u16>,
    /// The address to listen on. Anything but a loopback address lets other
    /// machines on the network read the outputs.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    pub host: String,
    /// Open the index in a browser (with xdg-open, when installed).
    #[arg(long)]
    pub open: bool,
}

/// Prints like `watch` and updates the pages.
struct Preview {
    printer: Printer,
    state: Arc<State>,
}

impl Observer for Preview {
    fn built(&mut self, build: &Build) {
        self.state.update(build);
        self.printer.built(build);
    }

    fn watching(&mut self, files: usize, folders: usize, polled: usize) {
        self.printer.watching(files, folders, polled);
    }

    fn warning(&mut self, text: &str) {
        self.printer.warning(text);
    }
}

/// The addresses to try, in order.
fn candidates(host: &str, port: Option<u16>) -> Result<Vec<SocketAddr>, Diagnostic> {
    let resolve = |p: u16| -> Result<SocketAddr, Diagnostic> {
        (host, p)
            .to_socket_addrs()
            .ok()
            .and_then(|mut a| a.next())
            .ok_or_else(|| {
                Diagnostic::error(format!(
                    "cannot listen on `{host}`: not an address of this machine"
                ))
                .with_help("use an IP address such as 127.0.0.1 (the default) or ::1")
            })
    };
    Ok(match port {
        Some(p) => vec![resolve(p)?],
        None => {
            let mut v = Vec::new();
            for p in DEFAULT_PORT..DEFAULT_PORT + PORT_TRIES {
                v.push(resolve(p)?);
            }
            v.push(resolve(0)?);
            v
        }
    })
}

/// Opens `url` with xdg-open (or `open` on macOS), if there is one; never fails the command.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(opener).is_file()))
        .unwrap_or(false);
    if !found {
        println!("open {url} in a browser ({opener} is not installed)");
        return;
    }
    match std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
    {
        Ok(mut child) => {
            // Reap it when it exits, without waiting here.
            std::thread::spawn(move || child.wait());
        }
        Err(e) => eprintln!("warning: cannot run {opener}: {e}; open {url} yourself"),
    }
}

/// Serves until Ctrl-C; exit 0 then.
pub fn execute(args: Args) -> Result<ExitCode, Diagnostic> {
    let opts = super::watch::options(args.names, &args.params, args.format.as_deref(), args.poll)?;
    let formats = opts.formats.clone();
    let root = opts.root.clone();
    let watch = Watch::new(opts)?;
    let (project, output_dir) = match watch.config() {
        Some(c) => (c.name.clone(), c.output_dir.clone()),
        None => (
            root.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            root.join("out"),
        ),
    };
    let specs = watch.specs().to_vec();
    let state = State::new(&project, &output_dir, &specs, formats);
    let mut server = None;
    let mut last_error = None;
    for addr in candidates(&args.host, args.port)? {
        match Server::start(addr, state.clone()) {
            Ok(s) => {
                server = Some(s);
                break;
            }
            Err(e) => last_error = Some((addr, e)),
        }
    }
    let Some(server) = server else {
        let (addr, e) = last_error
            .map(|(a, e)| (a.to_string(), e.to_string()))
            .unwrap_or_default();
        return Err(Diagnostic::error(format!("cannot listen on {addr}: {e}"))
            .with_help("choose another port with --port N, or --port 0 for any free one"));
    };
    if !server.addr().ip().is_loopback() {
        eprintln!(
            "warning: listening on {}: other machines on the network can read {}",
            server.addr(),
            crate::config::display_rel(&root, &output_dir)
        );
    }
    let url = server.url();
    println!(
        "serving {} at {url} (live reload); Ctrl-C to stop",
        crate::config::display_rel(&root, &output_dir)
    );
    if args.open {
        open_browser(&url);
    }
    let stop = watch.stop_handle();
    crate::signals::stop_then_exit(move || stop.stop())
        .map_err(|e| Diagnostic::error(format!("cannot receive Ctrl-C: {e}")))?;
    let mut preview = Preview {
        printer: Printer::default(),
        state,
    };
    let result = watch.run(&mut preview);
    server.shutdown();
    result?;
    println!("stopped");
    Ok(ExitCode::SUCCESS)
}
