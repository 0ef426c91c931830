//! `dossier serve` on a copy of `tests/fixtures/watch/`: the event stream
//! sends a reload after an edit, a failed build shows its error over the
//! page and the overlay goes away after the fix, paths outside the output
//! folder are refused, and Ctrl-C closes the server and its streams. Only
//! loopback connections, a handful per test, each with a timeout.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::harness::{eventually, Background, Project, PATIENCE};
use crate::watch::status_lines;

/// A read timeout for one HTTP exchange on loopback.
const IO: Duration = Duration::from_secs(30);

/// Starts `dossier serve --port 0 ARGS` on a copy of the fixture; returns the port.
fn served(args: &[&str]) -> (Project, Background, u16) {
    let p = Project::from_fixture("watch");
    let mut all = vec!["serve", "--port", "0"];
    all.extend_from_slice(args);
    let mut s = Background::start(p.path(), &all);
    s.wait_for("the first build", |out, _| out.contains("watching "));
    let out = s.stdout();
    let re = regex::Regex::new(r"serving out at http://127\.0\.0\.1:(\d+)/").unwrap();
    let port: u16 = re
        .captures(&out)
        .unwrap_or_else(|| panic!("no URL in:\n{out}"))[1]
        .parse()
        .unwrap();
    (p, s, port)
}

/// Sends `request` as is; returns the status code and the body.
fn raw(port: u16, request: &str) -> (u16, String) {
    let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
    c.set_read_timeout(Some(IO)).unwrap();
    c.write_all(request.as_bytes()).unwrap();
    let mut text = String::new();
    c.read_to_string(&mut text).unwrap();
    let code = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("not HTTP: {text:?}"));
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    (code, body.to_string())
}

fn get(port: u16, path: &str) -> (u16, String) {
    raw(
        port,
        &format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"),
    )
}

/// The data (JSON) of every complete event named `name` in a stream's text.
fn events_named(stream: &str, name: &str) -> Vec<serde_json::Value> {
    let head = format!("event: {name}\ndata: ");
    stream
        .split("\n\n")
        .filter_map(|block| {
            let i = block.find(&head)?;
            serde_json::from_str(&block[i + head.len()..]).ok()
        })
        .collect()
}

/// An open event stream.
struct Events {
    reader: BufReader<TcpStream>,
    seen: String,
}

impl Events {
    fn connect(port: u16) -> Events {
        let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
        c.set_read_timeout(Some(PATIENCE)).unwrap();
        c.write_all(b"GET /__dossier/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
            .unwrap();
        let mut e = Events {
            reader: BufReader::new(c),
            seen: String::new(),
        };
        e.until("the stream's head and hello", |s| {
            s.starts_with("HTTP/1.1 200 OK\r\n")
                && s.contains("Content-Type: text/event-stream")
                && events_named(s, "hello").len() == 1
        });
        assert_eq!(events_named(&e.seen, "hello")[0]["generation"], 1);
        e
    }

    /// Waits for a reload event for which `cond` holds, and returns it.
    fn reload(
        &mut self,
        what: &str,
        cond: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        self.until(what, |s| events_named(s, "reload").iter().any(&cond));
        events_named(&self.seen, "reload")
            .into_iter()
            .find(|v| cond(v))
            .unwrap()
    }

    /// Reads until `cond` holds for everything read so far.
    fn until(&mut self, what: &str, cond: impl Fn(&str) -> bool) {
        while !cond(&self.seen) {
            let mut line = String::new();
            match self.reader.read_line(&mut line) {
                Ok(0) => panic!("stream ended while waiting for {what}: {:?}", self.seen),
                Ok(_) => self.seen.push_str(&line),
                Err(e) => panic!("{e} while waiting for {what}: {:?}", self.seen),
            }
        }
    }

    /// Reads until the server closes the stream.
    fn until_closed(&mut self) {
        let mut rest = String::new();
        self.reader
            .read_to_string(&mut rest)
            .expect("the stream ends cleanly");
        self.seen.push_str(&rest);
    }
}

#[test]
fn an_edit_sends_a_reload_over_the_event_stream() {
    let (p, mut s, port) = served(&[]);
    let mut events = Events::connect(port);
    p.write("data/numbers.csv", "label,value\na,20\nb,22\n");
    let reload = events.reload("the reload", |v| v["generation"] == 2);
    assert_eq!(
        reload,
        serde_json::json!({ "generation": 2, "all": false, "ok": true, "paths": ["/tiny.html"] })
    );
    let (code, page) = get(port, "/tiny.html");
    assert_eq!(code, 200);
    assert!(page.contains("total=42"), "{page}");
    assert!(
        page.contains("<script id=\"dossier-live-reload\">")
            && page.contains("new EventSource(\"/__dossier/events\")")
            && page.contains("const served = 2;")
            && page.contains("sessionStorage"),
        "the live-reload script (keeping the scroll position) is injected: {page}"
    );
    assert!(!page.contains("dossier-overlay"), "{page}");
    // The page's own markup is untouched apart from the script.
    let on_disk = p.read("out/tiny.html");
    assert!(
        !on_disk.contains("dossier-live-reload"),
        "the file itself is not changed"
    );
    // The index lists both reports, with links.
    let (code, index) = get(port, "/");
    assert_eq!(code, 200);
    assert!(
        index.contains("<a href=\"/tiny.html\">tiny.html</a>")
            && index.contains("<a href=\"/other.html\">other.html</a>")
            && index.contains("dossier-live-reload"),
        "{index}"
    );
    s.wait_for("the status line", |out, _| status_lines(out).len() >= 2);
}

#[test]
fn a_failed_build_shows_an_overlay_until_the_fix() {
    let (p, mut s, port) = served(&[]);
    let good_script = p.read("scripts/tiny.rhai");
    let mut events = Events::connect(port);
    // An error whose message and source line carry markup: all must be escaped.
    p.write(
        "scripts/tiny.rhai",
        &format!("{good_script}let x = rows.select(col(\"<b>nope</b>\"));\n"),
    );
    let reload = events.reload("the reload after the failure", |v| v["generation"] == 2);
    assert_eq!(reload["ok"], false);
    assert_eq!(reload["paths"], serde_json::json!(["/tiny.html"]));
    let (code, page) = get(port, "/tiny.html");
    assert_eq!(code, 200, "the last good page, with the overlay");
    assert!(
        page.contains("total=3"),
        "the last good output is underneath"
    );
    assert!(page.contains("<div id=\"dossier-overlay\""), "{page}");
    let overlay = &page[page.find("dossier-overlay").unwrap()..];
    assert!(
        overlay.contains("Build failed: report <b>tiny</b>")
            && overlay.contains("<code>scripts/tiny.rhai:4:")
            && overlay.contains("unknown column `&lt;b&gt;nope&lt;/b&gt;`")
            && overlay.contains("let x = rows.select(col(&quot;&lt;b&gt;nope&lt;/b&gt;&quot;));"),
        "file, line, message and source line, escaped: {overlay}"
    );
    assert!(
        !overlay.contains("<b>nope</b>"),
        "nothing unescaped: {overlay}"
    );
    // Only the failed report's pages carry the overlay.
    let (_, other) = get(port, "/other.html");
    assert!(!other.contains("dossier-overlay"), "{other}");
    // The status JSON carries the same structured error.
    let (_, status) = get(port, "/__dossier/status");
    let status: serde_json::Value = serde_json::from_str(&status).unwrap();
    let tiny = &status["reports"][0];
    assert_eq!(tiny["ok"], false);
    assert_eq!(tiny["error"]["file"], "scripts/tiny.rhai");
    assert_eq!(tiny["error"]["line"], 4);
    assert_eq!(
        tiny["error"]["source_line"],
        "let x = rows.select(col(\"<b>nope</b>\"));"
    );
    // The fix brings the page back, without the overlay.
    p.write("scripts/tiny.rhai", &good_script);
    let reload = events.reload("the reload after the fix", |v| v["generation"] == 3);
    assert_eq!(reload["ok"], true);
    let (_, page) = get(port, "/tiny.html");
    assert!(
        !page.contains("dossier-overlay") && page.contains("total=3"),
        "{page}"
    );
    s.wait_for("three status lines", |out, _| status_lines(out).len() >= 3);
}

#[test]
fn paths_outside_the_output_folder_are_refused() {
    let (p, _s, port) = served(&[]);
    p.write("secret.txt", "TOP-SECRET");
    #[cfg(unix)]
    std::os::unix::fs::symlink(p.path().join("secret.txt"), p.path().join("out/link.txt")).unwrap();
    for path in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/.%2e/secret.txt",
        "/..%2fsecret.txt",
        "/%2e%2e%2fsecret.txt",
        "/tiny.html/../../secret.txt",
        "/%2F..%2Fsecret.txt",
        &format!("/{}", p.path().join("secret.txt").display()),
        &format!(
            "/{}",
            p.path()
                .join("secret.txt")
                .display()
                .to_string()
                .replace('/', "%2F")
        ),
        "/link.txt",
    ] {
        let (code, body) = get(port, path);
        assert!(code == 403 || code == 404, "{path}: {code} {body}");
        assert!(!body.contains("TOP-SECRET"), "{path}");
    }
    // Absolute-form targets and other methods are refused too.
    let (code, _) = raw(
        port,
        "GET http://127.0.0.1/../secret.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(code, 400);
    let (code, _) = raw(
        port,
        "DELETE /tiny.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(code, 405);
    assert!(p.path().join("out/tiny.html").exists());
    let (code, _) = get(port, "/missing.html");
    assert_eq!(code, 404);
    // HEAD answers without a body.
    let (code, body) = raw(
        port,
        "HEAD /tiny.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(code, 200);
    assert!(body.is_empty());
}

/// One response read from a kept-alive connection.
struct Reply {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Reply {
    /// A header's value (names compare without case).
    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().skip(1).find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    }
}

/// Sends `request` on an open connection and reads exactly one response
/// (by its `Content-Length`; none for `HEAD` and 304), leaving the
/// connection open for the next.
fn exchange(c: &mut BufReader<TcpStream>, request: &str) -> Reply {
    c.get_mut().write_all(request.as_bytes()).unwrap();
    let mut head = String::new();
    loop {
        let mut line = String::new();
        assert!(c.read_line(&mut line).unwrap() > 0, "closed after {head:?}");
        if line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    let mut reply = Reply {
        status: head.split(' ').nth(1).unwrap().parse().unwrap(),
        head,
        body: Vec::new(),
    };
    let len: usize = reply
        .header("content-length")
        .map(|l| l.parse().unwrap())
        .unwrap_or(0);
    if !request.starts_with("HEAD ") && reply.status != 304 {
        reply.body = vec![0; len];
        c.read_exact(&mut reply.body).unwrap();
    }
    reply
}

#[test]
fn one_connection_serves_many_requests_with_head_and_conditional_requests() {
    let (p, _s, port) = served(&[]);
    p.write("out/notes.txt", "plain text\n");
    let conn = TcpStream::connect(("127.0.0.1", port)).unwrap();
    conn.set_read_timeout(Some(IO)).unwrap();
    let mut c = BufReader::new(conn);
    let get = |path: &str, extra: &str| format!("GET {path} HTTP/1.1\r\nHost: x\r\n{extra}\r\n");
    // A page, then the same page again on the same connection (keep-alive).
    let page = exchange(&mut c, &get("/tiny.html", ""));
    assert_eq!(page.status, 200, "{}", page.head);
    assert!(String::from_utf8_lossy(&page.body).contains("total=3"));
    assert_eq!(page.header("cache-control").as_deref(), Some("no-cache"));
    let etag = page.header("etag").expect("an ETag");
    // The validator matches: 304 and no body.
    let again = exchange(
        &mut c,
        &get("/tiny.html", &format!("If-None-Match: {etag}\r\n")),
    );
    assert_eq!(again.status, 304, "{}", again.head);
    assert_eq!(again.header("etag").as_deref(), Some(etag.as_str()));
    let other = exchange(&mut c, &get("/tiny.html", "If-None-Match: \"other\"\r\n"));
    assert_eq!(other.status, 200);
    // HEAD: the GET's headers and length, no body (the next response
    // on the connection would be garbled otherwise).
    let head = exchange(&mut c, "HEAD /tiny.html HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(head.status, 200);
    assert_eq!(
        head.header("content-length"),
        Some(page.body.len().to_string())
    );
    assert_eq!(head.header("etag").as_deref(), Some(etag.as_str()));
    // A plain file has a date as well, and If-Modified-Since works.
    let notes = exchange(&mut c, &get("/notes.txt", ""));
    assert_eq!(notes.body, b"plain text\n");
    assert_eq!(
        notes.header("content-type").as_deref(),
        Some("text/plain; charset=utf-8")
    );
    let date = notes.header("last-modified").expect("a Last-Modified date");
    let since = exchange(
        &mut c,
        &get("/notes.txt", &format!("If-Modified-Since: {date}\r\n")),
    );
    assert_eq!(since.status, 304, "{}", since.head);
    // Status JSON and refusals on the same connection too.
    assert_eq!(exchange(&mut c, &get("/__dossier/status", "")).status, 200);
    assert_eq!(exchange(&mut c, &get("/missing.html", "")).status, 404);
    let delete = exchange(&mut c, "DELETE /tiny.html HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(delete.status, 405);
    assert_eq!(delete.header("allow").as_deref(), Some("GET, HEAD"));
    // After a rebuild the page changes, and so does its validator.
    let mut events = Events::connect(port);
    p.write("data/numbers.csv", "label,value\na,20\nb,22\n");
    events.reload("the reload", |v| v["generation"] == 2);
    let rebuilt = exchange(
        &mut c,
        &get("/tiny.html", &format!("If-None-Match: {etag}\r\n")),
    );
    assert_eq!(rebuilt.status, 200, "{}", rebuilt.head);
    assert!(String::from_utf8_lossy(&rebuilt.body).contains("total=42"));
    assert_ne!(rebuilt.header("etag").as_deref(), Some(etag.as_str()));
}

#[test]
fn ctrl_c_closes_the_server_and_its_streams() {
    let (_p, mut s, port) = served(&[]);
    let mut events = Events::connect(port);
    assert_eq!(s.interrupt(), 0);
    events.until_closed();
    assert!(s.stdout().ends_with("stopped\n"), "{}", s.stdout());
    eventually("the port to close", || {
        TcpStream::connect(("127.0.0.1", port)).is_err()
    });
}

#[test]
fn a_report_without_output_yet_shows_its_error() {
    let p = Project::from_fixture("watch");
    p.write("scripts/tiny.rhai", "let total = nope;\n");
    let mut s = Background::start(p.path(), &["serve", "--port", "0"]);
    s.wait_for("the first build", |out, _| out.contains("watching "));
    let port: u16 = regex::Regex::new(r"127\.0\.0\.1:(\d+)/")
        .unwrap()
        .captures(&s.stdout())
        .unwrap()[1]
        .parse()
        .unwrap();
    let (code, page) = get(port, "/tiny.html");
    assert_eq!(code, 503, "{page}");
    assert!(
        page.contains("dossier-overlay")
            && page.contains("unknown variable `nope`")
            && page.contains("There is no good output yet.")
            && page.contains("dossier-live-reload"),
        "{page}"
    );
    let (_, index) = get(port, "/");
    assert!(
        index.contains("failed") && index.contains("unknown variable `nope`"),
        "{index}"
    );
}

/// A real browser (Debian's chromium; the test fails without it): the
/// injected script runs, connects to the event stream, and reloads the page
/// after an edit.
#[test]
fn a_real_browser_reloads_the_page_after_an_edit() {
    let (p, _s, port) = served(&[]);
    let profile = tempfile::tempdir().unwrap();
    /// Kills the browser when the test ends, however it ends.
    struct Browser(std::process::Child);
    impl Drop for Browser {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _browser = Browser(
        crate::browser::headless(profile.path())
            .arg("--remote-debugging-port=0")
            .arg(format!("http://127.0.0.1:{port}/tiny.html"))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let status = |key: &str| -> u64 {
        let (_, status) = get(port, "/__dossier/status");
        let v: serde_json::Value = serde_json::from_str(&status).unwrap();
        v[key].as_u64().unwrap_or(0)
    };
    eventually("the browser's event stream", || status("streams") >= 1);
    assert_eq!(status("streams_opened"), 1);
    // An edit makes the page reload, which opens a new stream.
    p.write(
        "data/numbers.csv",
        "label,value
a,5
",
    );
    eventually("the reloaded page's event stream", || {
        status("streams_opened") >= 2
    });
}
