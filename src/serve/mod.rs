//! `serve`: the live preview. hyper's HTTP/1.1 server over the output
//! folder (on 127.0.0.1 unless told otherwise), with keep-alive, `HEAD`
//! and conditional requests (`ETag`/`If-None-Match`,
//! `Last-Modified`/`If-Modified-Since`), fed by the watch loop: every
//! [`Build`] updates the [`State`], which tells open pages to reload over
//! server-sent events. HTML pages get the live-reload script, and when the
//! last build of their report failed, an overlay with the error instead of
//! a silently stale page. `/` is an index of the reports;
//! `/__dossier/status` the same as JSON. Paths that would leave the output
//! folder are refused.
//!
//! The server only ever reads files inside the output folder, which only
//! the pipeline writes; it is not a door for scripts, so it does not go
//! through the [`crate::host::Host`]. It runs on its own thread with a
//! single-threaded tokio runtime: a preview has a handful of clients.

pub mod http;
pub mod page;

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Frame, Incoming};
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::json;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

use crate::diag::Diagnostic;
use crate::format::escape_html;
use crate::render::report::{Format, ReportSpec};
use crate::watch::{Build, Outcome};

use http::{Refusal, Validators};

/// The most connections handled at once. Each is a thread, and every open
/// page holds one event stream; 64 is far more tabs than a preview needs
/// and few enough threads for any machine.
pub const MAX_CONNECTIONS: usize = 64;

/// How often an idle event stream sends a comment. Writing is how a
/// closed tab is noticed (its thread then ends), and proxies drop streams
/// silent for much longer than this.
pub const KEEPALIVE: Duration = Duration::from_secs(15);

/// How long an idle kept-alive connection stays open, and how long a
/// client may take to send a request head (Apache's default keep-alive
/// timeout; browsers reopen a connection in microseconds on loopback).
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(5);

/// How long shutting down lets open connections finish.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(500);

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
    clients: Vec<UnboundedSender<String>>,
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
    fn subscribe(&self) -> Option<(UnboundedReceiver<String>, u64)> {
        let mut inner = self.inner.lock().ok()?;
        if inner.closed {
            return None;
        }
        let (tx, rx) = unbounded_channel();
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
    fn answer(&self, method: &Method, path: &str) -> Answer {
        match path {
            "/" => Answer::page(
                200,
                "text/html; charset=utf-8",
                self.index(),
                Cache::Revalidate,
            ),
            page::EVENTS_PATH if *method == Method::HEAD => Answer::Events { head: true },
            page::EVENTS_PATH => Answer::Events { head: false },
            page::STATUS_PATH => Answer::page(
                200,
                "application/json",
                self.status_json().to_string(),
                Cache::NoStore,
            ),
            path => self.file(path),
        }
    }

    fn output_dir(&self) -> PathBuf {
        self.inner
            .lock()
            .map(|i| i.output_dir.clone())
            .unwrap_or_default()
    }

    /// A file of the output folder; HTML gets the script and, after a failed build, the overlay.
    fn file(&self, path: &str) -> Answer {
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
                        return Answer::page(503, "text/html; charset=utf-8", html, Cache::NoStore);
                    }
                }
                return Answer::refusal(Refusal::NotFound);
            }
            Err(r) => return Answer::refusal(r),
        };
        let (bytes, modified) = match std::fs::read(&file) {
            Ok(b) => (b, std::fs::metadata(&file).and_then(|m| m.modified()).ok()),
            Err(_) => return Answer::refusal(Refusal::NotFound),
        };
        let ctype = http::content_type(&file);
        if !ctype.starts_with("text/html") {
            return Answer::Page {
                status: StatusCode::OK,
                ctype,
                body: bytes.into(),
                cache: Cache::Revalidate,
                modified,
            };
        }
        // The page sent depends on the build too (script, overlay): its
        // entity tag covers that, its file date would not.
        let (errors, generation, _) = self.errors_for(&file);
        let mut extra = String::new();
        if !errors.is_empty() {
            let refs: Vec<(Option<&str>, &Diagnostic)> =
                errors.iter().map(|(r, d)| (r.as_deref(), d)).collect();
            extra.push_str(&page::overlay(&refs, true));
        }
        extra.push_str(&page::live_reload_script(generation));
        let html = page::inject(&String::from_utf8_lossy(&bytes), &extra);
        Answer::page(200, ctype, html, Cache::Revalidate)
    }

    /// An event stream that forwards every build until the server closes
    /// (or the page goes away).
    fn events(self: &Arc<Self>) -> Option<Events> {
        let (rx, generation) = self.subscribe()?;
        self.streams.fetch_add(1, Ordering::SeqCst);
        self.streams_opened.fetch_add(1, Ordering::SeqCst);
        let hello = format!(
            "retry: {RECONNECT_MS}\n\n{}",
            http::event("hello", &json!({ "generation": generation }).to_string())
        );
        Some(Events {
            hello: Some(hello),
            rx,
            keepalive: tokio::time::interval_at(tokio::time::Instant::now() + KEEPALIVE, KEEPALIVE),
            state: self.clone(),
        })
    }

    /// The HTTP response to `req`.
    fn respond(self: &Arc<Self>, req: &Request<Incoming>) -> Response<ReplyBody> {
        let method = req.method();
        if *method != Method::GET && *method != Method::HEAD {
            let mut r = Answer::refusal(Refusal::MethodNotAllowed).into_response(req);
            r.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
            return r;
        }
        // Origin form only (`/path?query`): an absolute URL is for a proxy,
        // and a preview is not one.
        if req.uri().scheme().is_some() || req.uri().authority().is_some() {
            return Answer::refusal(Refusal::BadRequest).into_response(req);
        }
        match self.answer(method, req.uri().path()) {
            Answer::Events { head: true } => event_stream_response(Full::new(Bytes::new()).boxed()),
            Answer::Events { head: false } => match self.events() {
                Some(events) => event_stream_response(events.boxed()),
                None => Answer::refusal(Refusal::NotFound).into_response(req),
            },
            answer => answer.into_response(req),
        }
    }
}

/// Whether a response may be reused after revalidation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cache {
    /// `no-cache` with validators: the browser asks every time, and gets 304 when nothing changed.
    Revalidate,
    /// `no-store`: status, errors and pages waiting for a build.
    NoStore,
}

/// What to answer, before it becomes an HTTP response.
enum Answer {
    Page {
        status: StatusCode,
        ctype: &'static str,
        body: Bytes,
        cache: Cache,
        modified: Option<SystemTime>,
    },
    Events {
        head: bool,
    },
}

/// The body of every response: a whole one, or an event stream.
type ReplyBody = BoxBody<Bytes, Infallible>;

impl Answer {
    fn page(status: u16, ctype: &'static str, body: String, cache: Cache) -> Answer {
        Answer::Page {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            ctype,
            body: body.into(),
            cache,
            modified: None,
        }
    }

    fn refusal(refusal: Refusal) -> Answer {
        let (code, reason) = refusal.status();
        Answer::page(
            code,
            "text/plain; charset=utf-8",
            format!("{code} {reason}\n"),
            Cache::NoStore,
        )
    }

    /// The response, 304 when the request's validators already match.
    /// hyper sends no body for `HEAD` but keeps the `Content-Length`.
    fn into_response(self, req: &Request<Incoming>) -> Response<ReplyBody> {
        let Answer::Page {
            status,
            ctype,
            body,
            cache,
            modified,
        } = self
        else {
            return Answer::refusal(Refusal::NotFound).into_response(req);
        };
        let mut builder = Response::builder()
            .header(header::CONTENT_TYPE, ctype)
            .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
        let mut status = status;
        let mut body = body;
        match cache {
            Cache::NoStore => builder = builder.header(header::CACHE_CONTROL, "no-store"),
            Cache::Revalidate if status == StatusCode::OK => {
                let v = Validators::of(&body, modified);
                builder = builder
                    .header(header::CACHE_CONTROL, "no-cache")
                    .header(header::ETAG, v.etag.as_str());
                if let Some(date) = v.last_modified() {
                    builder = builder.header(header::LAST_MODIFIED, date);
                }
                let text = |name| {
                    req.headers()
                        .get(name)
                        .and_then(|h: &HeaderValue| h.to_str().ok())
                };
                if v.not_modified(text(header::IF_NONE_MATCH), text(header::IF_MODIFIED_SINCE)) {
                    status = StatusCode::NOT_MODIFIED;
                    body = Bytes::new();
                }
            }
            Cache::Revalidate => builder = builder.header(header::CACHE_CONTROL, "no-cache"),
        }
        builder
            .status(status)
            .body(Full::new(body).boxed())
            .unwrap_or_else(|_| Response::new(Full::new(Bytes::new()).boxed()))
    }
}

fn event_stream_response(body: ReplyBody) -> Response<ReplyBody> {
    let mut r = Response::new(body);
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    r
}

/// An open event stream: the `retry:` and `hello` first, then every
/// reload, and a comment when idle for [`KEEPALIVE`] (writing is how a
/// closed tab is noticed). It ends when the server closes.
struct Events {
    hello: Option<String>,
    rx: UnboundedReceiver<String>,
    keepalive: tokio::time::Interval,
    state: Arc<State>,
}

impl Body for Events {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if let Some(hello) = self.hello.take() {
            return Poll::Ready(Some(Ok(Frame::data(hello.into()))));
        }
        match self.rx.poll_recv(cx) {
            Poll::Ready(Some(event)) => {
                self.keepalive.reset();
                Poll::Ready(Some(Ok(Frame::data(event.into()))))
            }
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => match self.keepalive.poll_tick(cx) {
                Poll::Ready(_) => Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(
                    b": keep-alive\n\n",
                ))))),
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

impl Drop for Events {
    fn drop(&mut self) {
        self.state.streams.fetch_sub(1, Ordering::SeqCst);
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

/// A running server.
pub struct Server {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    state: Arc<State>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Binds `addr` (port 0 picks a free port) and starts answering.
    pub fn start(addr: SocketAddr, state: Arc<State>) -> std::io::Result<Server> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .thread_name("dossier-serve")
            .build()?;
        let listener = std::net::TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let listener = {
            let _in_runtime = runtime.enter();
            tokio::net::TcpListener::from_std(listener)?
        };
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let thread = {
            let state = state.clone();
            std::thread::Builder::new()
                .name("dossier-serve".into())
                .spawn(move || {
                    runtime.block_on(accept_loop(listener, state, stopped));
                    // Open connections (kept-alive, event streams) end here.
                    runtime.shutdown_timeout(SHUTDOWN_GRACE);
                })?
        };
        Ok(Server {
            addr,
            stop: Some(stop),
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

    /// Stops accepting, ends the event streams, and waits for the server thread.
    pub fn shutdown(mut self) {
        self.close();
    }

    fn close(&mut self) {
        self.state.close();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
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

/// Accepts connections until told to stop; each is a task running
/// hyper's HTTP/1.1 connection (keep-alive, pipelining, `HEAD`, chunked
/// event streams), answered by [`State::respond`].
async fn accept_loop(
    listener: tokio::net::TcpListener,
    state: Arc<State>,
    mut stopped: tokio::sync::oneshot::Receiver<()>,
) {
    let active = Arc::new(AtomicUsize::new(0));
    let mut http1 = hyper::server::conn::http1::Builder::new();
    http1
        .timer(TokioTimer::new())
        .header_read_timeout(IDLE_TIMEOUT)
        .max_buf_size(http::MAX_HEAD)
        .title_case_headers(true)
        .keep_alive(true);
    loop {
        let (stream, _) = tokio::select! {
            _ = &mut stopped => break,
            conn = listener.accept() => match conn {
                Ok(c) => c,
                // Out of file descriptors and the like: wait, then go on.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let overloaded = active.load(Ordering::SeqCst) >= MAX_CONNECTIONS;
        let state = state.clone();
        let counter = active.clone();
        counter.fetch_add(1, Ordering::SeqCst);
        let conn = http1.serve_connection(
            TokioIo::new(stream),
            hyper::service::service_fn(move |req: Request<Incoming>| {
                let response = if overloaded {
                    let mut r = Answer::page(
                        503,
                        "text/plain; charset=utf-8",
                        "503 too many connections\n".into(),
                        Cache::NoStore,
                    )
                    .into_response(&req);
                    r.headers_mut()
                        .insert(header::CONNECTION, HeaderValue::from_static("close"));
                    r
                } else {
                    state.respond(&req)
                };
                async move { Ok::<_, Infallible>(response) }
            }),
        );
        tokio::spawn(async move {
            let _ = conn.await;
            counter.fetch_sub(1, Ordering::SeqCst);
        });
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
