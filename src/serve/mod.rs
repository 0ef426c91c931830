//! `serve`: the live preview. An HTTP server over the output folder (on
//! 127.0.0.1 unless told otherwise) fed by the watch loop: every [`Build`]
//! updates the [`State`], which tells open pages to reload over
//! server-sent events. HTML pages get the live-reload script, and when the
//! last build of their report failed, an overlay with the error instead of
//! a silently stale page. `/` is an index of the reports;
//! `/__dossier/status` the same as JSON. Paths that would leave the output
//! folder are refused.
//!
//! The server only ever reads files inside the output folder, which only
//! the pipeline writes; it is not a door for scripts, so it does not go
//! through the [`crate::host::Host`].

pub mod http;
pub mod page;

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::json;

use crate::diag::Diagnostic;
use crate::format::escape_html;
use crate::render::report::{Format, ReportSpec};
use crate::watch::{Build, Outcome};

use http::Refusal;

/// The most connections handled at once. Each is a thread, and every open
/// page holds one event stream; 64 is far more tabs than a preview needs
/// and few enough threads for any machine.
pub const MAX_CONNECTIONS: usize = 64;

/// How often an idle event stream sends a comment. Writing is how a
/// closed tab is noticed (its thread then ends), and proxies drop streams
/// silent for much longer than this.
pub const KEEPALIVE: Duration = Duration::from_secs(15);

/// How long shutting down waits for its own wake-up connection to the
/// listener (a loopback connect takes microseconds; this only bounds a
/// listener that is already gone).
const WAKE_TIMEOUT: Duration = Duration::from_secs(1);

/// How long an `EventSource` waits before reconnecting after the server
/// went away (sent as `retry:`): a restarted `dossier serve` is back in
/// about this time.
pub const RECONNECT_MS: u64 = 1000;

/// The last build of one report.
#[derive(Debug, Clone)]
struct Last {
    at: String,
    millis: u128,
    error: Option<Diagnostic>,
}

/// One report as the server knows it.
#[derive(Debug, Clone)]
struct ReportState {
    name: String,
    title: Option<String>,
    /// The files its build writes (absolute, lexical).
    outputs: Vec<PathBuf>,
    last: Option<Last>,
}

struct Inner {
    project: String,
    output_dir: PathBuf,
    generation: u64,
    reports: Vec<ReportState>,
    project_error: Option<Diagnostic>,
    clients: Vec<Sender<String>>,
    closed: bool,
}

/// What the server shows: the reports, their last builds, and the open event streams.
pub struct State {
    inner: Mutex<Inner>,
    formats: Option<Vec<Format>>,
    /// Event streams open now.
    streams: AtomicUsize,
    /// Event streams opened since the start (a page that reloads opens a new one).
    streams_opened: AtomicUsize,
}

impl State {
    /// The state before the first build.
    pub fn new(
        project: &str,
        output_dir: &Path,
        specs: &[ReportSpec],
        formats: Option<Vec<Format>>,
    ) -> Arc<State> {
        let state = State {
            inner: Mutex::new(Inner {
                project: project.to_string(),
                output_dir: output_dir.to_path_buf(),
                generation: 0,
                reports: Vec::new(),
                project_error: None,
                clients: Vec::new(),
                closed: false,
            }),
            formats,
            streams: AtomicUsize::new(0),
            streams_opened: AtomicUsize::new(0),
        };
        if let Ok(mut inner) = state.inner.lock() {
            inner.reports = state.report_states(output_dir, specs, &[]);
        }
        Arc::new(state)
    }

    fn report_states(
        &self,
        output_dir: &Path,
        specs: &[ReportSpec],
        old: &[ReportState],
    ) -> Vec<ReportState> {
        specs
            .iter()
            .map(|s| {
                let formats = self.formats.clone().unwrap_or_else(|| s.formats.clone());
                ReportState {
                    name: s.name.clone(),
                    title: s.title.clone(),
                    outputs: formats
                        .iter()
                        .map(|f| output_dir.join(format!("{}.{}", s.output, f.extension())))
                        .collect(),
                    last: old
                        .iter()
                        .find(|o| o.name == s.name)
                        .and_then(|o| o.last.clone()),
                }
            })
            .collect()
    }

    /// Takes in a finished build and tells the open pages it concerns to reload.
    pub fn update(&self, build: &Build) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        inner.generation = build.generation;
        inner.output_dir = build.output_dir.clone();
        let reports = self.report_states(&build.output_dir, &build.specs, &inner.reports);
        inner.reports = reports;
        inner.project_error = build.error.clone();
        let at = build.at.format("%H:%M:%S").to_string();
        let mut paths = Vec::new();
        for r in &build.reports {
            let output_dir = inner.output_dir.clone();
            if let Some(state) = inner.reports.iter_mut().find(|s| s.name == r.name) {
                state.last = Some(Last {
                    at: at.clone(),
                    millis: r.duration.as_millis(),
                    error: match &r.outcome {
                        Outcome::Built(_) => None,
                        Outcome::Failed(d) => Some(d.clone()),
                    },
                });
                paths.extend(
                    state
                        .outputs
                        .iter()
                        .map(|o| url_path(&output_dir, o, false)),
                );
            }
        }
        let data = json!({
            "generation": build.generation,
            "all": build.error.is_some(),
            "ok": build.ok(),
            "paths": paths,
        });
        let event = http::event("reload", &data.to_string());
        inner.clients.retain(|c| c.send(event.clone()).is_ok());
    }

    /// Ends every event stream (the server is closing).
    pub fn close(&self) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.closed = true;
            inner.clients.clear();
        }
    }

    /// A new event stream and the build it starts at.
    fn subscribe(&self) -> Option<(Receiver<String>, u64)> {
        let mut inner = self.inner.lock().ok()?;
        if inner.closed {
            return None;
        }
        let (tx, rx) = channel();
        inner.clients.push(tx);
        Some((rx, inner.generation))
    }

    /// The status as JSON.
    pub fn status_json(&self) -> serde_json::Value {
        let Ok(inner) = self.inner.lock() else {
            return json!({});
        };
        let reports: Vec<serde_json::Value> = inner
            .reports
            .iter()
            .map(|r| {
                json!({
                    "name": r.name,
                    "title": r.title,
                    "outputs": r.outputs.iter().map(|o| url_path(&inner.output_dir, o, false)).collect::<Vec<_>>(),
                    "built": r.last.is_some(),
                    "ok": r.last.as_ref().map(|l| l.error.is_none()),
                    "at": r.last.as_ref().map(|l| l.at.clone()),
                    "error": r.last.as_ref().and_then(|l| l.error.as_ref()).map(diagnostic_json),
                })
            })
            .collect();
        json!({
            "project": inner.project,
            "generation": inner.generation,
            "streams": self.streams.load(Ordering::SeqCst),
            "streams_opened": self.streams_opened.load(Ordering::SeqCst),
            "error": inner.project_error.as_ref().map(diagnostic_json),
            "reports": reports,
        })
    }

    /// The index page.
    fn index(&self) -> String {
        let Ok(inner) = self.inner.lock() else {
            return String::new();
        };
        let mut body = format!(
            "<h1 dir=\"auto\">{}</h1>\n<p>Live preview of <code>{}</code>: pages reload after each rebuild, and show the error when a build fails.</p>\n",
            escape_html(&inner.project),
            escape_html(&inner.output_dir.display().to_string())
        );
        if let Some(d) = &inner.project_error {
            body.push_str(&format!(
                "<div class=\"errors\">{}</div>\n",
                page::error_block(None, d)
            ));
        }
        body.push_str("<table>\n<thead><tr><th scope=\"col\">Report</th><th scope=\"col\">Title</th><th scope=\"col\">Output</th><th scope=\"col\">Last build</th></tr></thead>\n<tbody>\n");
        let mut errors = String::new();
        for r in &inner.reports {
            let links: Vec<String> = r
                .outputs
                .iter()
                .map(|o| {
                    let shown = crate::config::display_rel(&inner.output_dir, o);
                    if o.is_file() {
                        format!(
                            "<a href=\"{}\">{}</a>",
                            escape_html(&url_path(&inner.output_dir, o, true)),
                            escape_html(&shown)
                        )
                    } else {
                        format!(
                            "{} <span class=\"pending\">(not written yet)</span>",
                            escape_html(&shown)
                        )
                    }
                })
                .collect();
            let status = match &r.last {
                None => "<span class=\"pending\">building…</span>".to_string(),
                Some(Last {
                    at,
                    millis,
                    error: None,
                }) => format!("<span class=\"ok\">ok</span> {at}, {millis} ms"),
                Some(Last {
                    at, error: Some(d), ..
                }) => {
                    errors.push_str(&page::error_block(Some(&r.name), d));
                    format!(
                        "<span class=\"failed\">failed</span> {at}: {}",
                        escape_html(d.headline().lines().next().unwrap_or(""))
                    )
                }
            };
            body.push_str(&format!(
                "<tr><td><code>{}</code></td><td dir=\"auto\">{}</td><td>{}</td><td>{}</td></tr>\n",
                escape_html(&r.name),
                escape_html(r.title.as_deref().unwrap_or("")),
                links.join("<br>"),
                status
            ));
        }
        body.push_str("</tbody>\n</table>\n");
        if !errors.is_empty() {
            body.push_str(&format!("<div class=\"errors\">{errors}</div>\n"));
        }
        page::page(
            &format!("{} — dossier preview", inner.project),
            &body,
            inner.generation,
        )
    }

    /// The errors to show over the page at `path` (its report's, and the project's).
    fn errors_for(&self, path: &Path) -> (Vec<(Option<String>, Diagnostic)>, u64, bool) {
        let Ok(inner) = self.inner.lock() else {
            return (Vec::new(), 0, false);
        };
        let canon = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
        let target = canon(path);
        let mut errors: Vec<(Option<String>, Diagnostic)> = inner
            .project_error
            .iter()
            .map(|d| (None, d.clone()))
            .collect();
        let mut is_output = false;
        for r in &inner.reports {
            if r.outputs.iter().any(|o| canon(o) == target) {
                is_output = true;
                if let Some(d) = r.last.as_ref().and_then(|l| l.error.as_ref()) {
                    errors.push((Some(r.name.clone()), d.clone()));
                }
            }
        }
        (errors, inner.generation, is_output)
    }

    /// Answers one request.
    fn handle(&self, stream: &mut TcpStream) -> std::io::Result<()> {
        let req = match http::read_request(stream) {
            Ok(r) => r,
            Err(refusal) => return refuse(stream, refusal, false),
        };
        let head = req.method == "HEAD";
        match req.path.as_str() {
            "/" => {
                let html = self.index();
                http::respond(
                    stream,
                    (200, "OK"),
                    "text/html; charset=utf-8",
                    html.as_bytes(),
                    head,
                )
            }
            page::EVENTS_PATH => {
                if head {
                    return http::respond(stream, (200, "OK"), "text/event-stream", b"", true);
                }
                self.events(stream)
            }
            page::STATUS_PATH => {
                let body = self.status_json().to_string();
                http::respond(
                    stream,
                    (200, "OK"),
                    "application/json",
                    body.as_bytes(),
                    head,
                )
            }
            path => self.file(stream, path, head),
        }
    }

    fn output_dir(&self) -> PathBuf {
        self.inner
            .lock()
            .map(|i| i.output_dir.clone())
            .unwrap_or_default()
    }

    /// Serves a file of the output folder; HTML gets the script and, after a failed build, the overlay.
    fn file(&self, stream: &mut TcpStream, path: &str, head: bool) -> std::io::Result<()> {
        let out = self.output_dir();
        let file = match http::resolve(&out, path) {
            Ok(f) => f,
            Err(Refusal::NotFound) => {
                // A report's page that has no good output yet: its error, or "building".
                if let Ok(rel) = http::relative_path(path) {
                    let (errors, generation, is_output) = self.errors_for(&out.join(&rel));
                    if is_output {
                        let refs: Vec<(Option<&str>, &Diagnostic)> =
                            errors.iter().map(|(r, d)| (r.as_deref(), d)).collect();
                        let body = if refs.is_empty() {
                            "<p class=\"pending\">Building… this page loads when the build is done.</p>\n".to_string()
                        } else {
                            page::overlay(&refs, false)
                        };
                        let html = page::page("dossier preview", &body, generation);
                        return http::respond(
                            stream,
                            (503, "Service Unavailable"),
                            "text/html; charset=utf-8",
                            html.as_bytes(),
                            head,
                        );
                    }
                }
                return refuse(stream, Refusal::NotFound, head);
            }
            Err(r) => return refuse(stream, r, head),
        };
        let bytes = match std::fs::read(&file) {
            Ok(b) => b,
            Err(_) => return refuse(stream, Refusal::NotFound, head),
        };
        let ctype = http::content_type(&file);
        if !ctype.starts_with("text/html") {
            return http::respond(stream, (200, "OK"), ctype, &bytes, head);
        }
        let (errors, generation, _) = self.errors_for(&file);
        let mut extra = String::new();
        if !errors.is_empty() {
            let refs: Vec<(Option<&str>, &Diagnostic)> =
                errors.iter().map(|(r, d)| (r.as_deref(), d)).collect();
            extra.push_str(&page::overlay(&refs, true));
        }
        extra.push_str(&page::live_reload_script(generation));
        let html = page::inject(&String::from_utf8_lossy(&bytes), &extra);
        http::respond(stream, (200, "OK"), ctype, html.as_bytes(), head)
    }

    /// Holds an event stream open, forwarding every build until the server closes.
    fn events(&self, stream: &mut TcpStream) -> std::io::Result<()> {
        let Some((rx, generation)) = self.subscribe() else {
            return refuse(stream, Refusal::NotFound, false);
        };
        self.streams.fetch_add(1, Ordering::SeqCst);
        self.streams_opened.fetch_add(1, Ordering::SeqCst);
        let result = self.forward(stream, &rx, generation);
        self.streams.fetch_sub(1, Ordering::SeqCst);
        result
    }

    fn forward(
        &self,
        stream: &mut TcpStream,
        rx: &Receiver<String>,
        generation: u64,
    ) -> std::io::Result<()> {
        http::start_event_stream(stream)?;
        let hello = format!(
            "retry: {RECONNECT_MS}\n\n{}",
            http::event("hello", &json!({ "generation": generation }).to_string())
        );
        stream.write_all(hello.as_bytes())?;
        stream.flush()?;
        loop {
            let chunk = match rx.recv_timeout(KEEPALIVE) {
                Ok(event) => event,
                Err(RecvTimeoutError::Timeout) => ": keep-alive\n\n".to_string(),
                Err(RecvTimeoutError::Disconnected) => break,
            };
            stream.write_all(chunk.as_bytes())?;
            stream.flush()?;
        }
        stream.shutdown(std::net::Shutdown::Both)
    }
}

/// The URL path of `file` inside `output_dir`: decoded (as the page's
/// script compares it), or percent-encoded for an `href`.
fn url_path(output_dir: &Path, file: &Path, encoded: bool) -> String {
    let rel = file.strip_prefix(output_dir).unwrap_or(file);
    let mut s = String::new();
    for c in rel.components() {
        s.push('/');
        let seg = c.as_os_str().to_string_lossy();
        if encoded {
            for b in seg.bytes() {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    s.push(b as char);
                } else {
                    s.push_str(&format!("%{b:02X}"));
                }
            }
        } else {
            s.push_str(&seg);
        }
    }
    if s.is_empty() {
        s.push('/');
    }
    s
}

/// A structured error for the status JSON (and any other client).
pub fn diagnostic_json(d: &Diagnostic) -> serde_json::Value {
    json!({
        "message": d.message,
        "kind": d.kind,
        "file": d.span.as_ref().map(|s| s.file.display().to_string()),
        "line": d.span.as_ref().map(|s| s.line),
        "col": d.span.as_ref().map(|s| s.col),
        "source_line": d.span.as_ref().and_then(|s| s.source_line.clone()),
        "notes": d.notes,
        "help": d.help,
        "rendered": d.render(),
    })
}

fn refuse(stream: &mut TcpStream, refusal: Refusal, head: bool) -> std::io::Result<()> {
    let (code, reason) = refusal.status();
    http::respond(
        stream,
        (code, reason),
        "text/plain; charset=utf-8",
        format!("{code} {reason}\n").as_bytes(),
        head,
    )
}

/// A running server.
pub struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    state: Arc<State>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Binds `addr` (port 0 picks a free port) and starts answering.
    pub fn start(addr: SocketAddr, state: Arc<State>) -> std::io::Result<Server> {
        let listener = TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let stop = stop.clone();
            let state = state.clone();
            std::thread::Builder::new()
                .name("dossier-serve".into())
                .spawn(move || accept_loop(listener, state, stop))?
        };
        Ok(Server {
            addr,
            stop,
            state,
            thread: Some(thread),
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The URL to open: the bound address, or the loopback one when bound to all interfaces.
    pub fn url(&self) -> String {
        format!("http://{}/", reachable(self.addr))
    }

    /// Stops accepting, ends the event streams, and waits for the accept loop.
    pub fn shutdown(mut self) {
        self.close();
    }

    fn close(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.state.close();
        // Wake the blocking accept with a connection of our own.
        let _ = TcpStream::connect_timeout(&reachable(self.addr), WAKE_TIMEOUT);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.thread.is_some() {
            self.close();
        }
    }
}

/// An address a local client can connect to (0.0.0.0 and :: are not).
fn reachable(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), addr.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), addr.port())
        }
        _ => addr,
    }
}

fn accept_loop(listener: TcpListener, state: Arc<State>, stop: Arc<AtomicBool>) {
    let active = Arc::new(AtomicUsize::new(0));
    for conn in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(mut stream) = conn else { continue };
        if active.load(Ordering::SeqCst) >= MAX_CONNECTIONS {
            let _ = http::respond(
                &mut stream,
                (503, "Service Unavailable"),
                "text/plain; charset=utf-8",
                b"503 too many connections\n",
                false,
            );
            continue;
        }
        active.fetch_add(1, Ordering::SeqCst);
        let state = state.clone();
        let counter = active.clone();
        let spawned = std::thread::Builder::new()
            .name("dossier-http".into())
            .spawn(move || {
                let _ = state.handle(&mut stream);
                counter.fetch_sub(1, Ordering::SeqCst);
            });
        if spawned.is_err() {
            // The closure (and its stream) was dropped: the client sees a
            // closed connection.
            active.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_paths_are_relative_to_the_output_folder() {
        let out = Path::new("/p/out");
        assert_eq!(
            url_path(out, Path::new("/p/out/a b.html"), false),
            "/a b.html"
        );
        assert_eq!(
            url_path(out, Path::new("/p/out/a b.html"), true),
            "/a%20b.html"
        );
        assert_eq!(
            url_path(out, Path::new("/p/out/sub/x.html"), true),
            "/sub/x.html"
        );
    }
}
