//! Just enough HTTP/1.1 for a local preview: `GET` and `HEAD`, one request
//! per connection (`Connection: close`), bodies with a `Content-Length`,
//! and server-sent event streams that are flushed after every event (a
//! general-purpose server that buffers chunked bodies would hold events
//! back). Also the mapping of a request path to a file inside the output
//! folder, which refuses anything that would leave it.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The largest request head accepted (request line and headers). Browsers
/// send well under 2 KiB to a local server; a bigger head is not a preview.
pub const MAX_HEAD: usize = 16 * 1024;

/// How long a client may take to send its request, or to accept a chunk
/// of the response. A stalled client then costs one thread for this long.
pub const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// A parsed request line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// The path part of the target, still percent-encoded, without the query.
    pub path: String,
}

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// 400: not HTTP, or a target we cannot read.
    BadRequest,
    /// 403: a path that would leave the output folder.
    Forbidden,
    /// 404: nothing there.
    NotFound,
    /// 405: a method other than GET and HEAD.
    MethodNotAllowed,
}

impl Refusal {
    /// The status code and reason phrase.
    pub fn status(self) -> (u16, &'static str) {
        match self {
            Refusal::BadRequest => (400, "Bad Request"),
            Refusal::Forbidden => (403, "Forbidden"),
            Refusal::NotFound => (404, "Not Found"),
            Refusal::MethodNotAllowed => (405, "Method Not Allowed"),
        }
    }
}

/// Reads and parses a request head from `stream`.
pub fn read_request(stream: &mut TcpStream) -> Result<Request, Refusal> {
    stream
        .set_read_timeout(Some(IO_TIMEOUT))
        .map_err(|_| Refusal::BadRequest)?;
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 2048];
    loop {
        let n = stream.read(&mut buf).map_err(|_| Refusal::BadRequest)?;
        if n == 0 {
            return Err(Refusal::BadRequest);
        }
        head.extend_from_slice(&buf[..n]);
        if head.windows(4).any(|w| w == b"\r\n\r\n") || head.windows(2).any(|w| w == b"\n\n") {
            break;
        }
        if head.len() > MAX_HEAD {
            return Err(Refusal::BadRequest);
        }
    }
    parse_request_line(&head)
}

/// Parses `METHOD TARGET HTTP/1.x` from the start of a request head.
pub fn parse_request_line(head: &[u8]) -> Result<Request, Refusal> {
    let line_end = head
        .iter()
        .position(|&b| b == b'\n')
        .ok_or(Refusal::BadRequest)?;
    let line = std::str::from_utf8(&head[..line_end]).map_err(|_| Refusal::BadRequest)?;
    let mut parts = line.trim_end_matches('\r').split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Refusal::BadRequest);
    };
    if !version.starts_with("HTTP/1.") {
        return Err(Refusal::BadRequest);
    }
    if method != "GET" && method != "HEAD" {
        return Err(Refusal::MethodNotAllowed);
    }
    // Origin form only: `/path?query`. An absolute URL (`http://…`) or `*`
    // is not something a browser sends to this server.
    if !target.starts_with('/') {
        return Err(Refusal::BadRequest);
    }
    let path = target.split(['?', '#']).next().unwrap_or("/").to_string();
    Ok(Request {
        method: method.to_string(),
        path,
    })
}

/// Decodes `%XX` escapes. Invalid escapes are an error, not passed through.
pub fn percent_decode(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Some(out)
}

/// The relative path inside the output folder that a request path names.
/// Each segment is decoded on its own, so an encoded `/` (`%2F`) cannot
/// join segments; `..` (plain or encoded), backslashes, NUL bytes and
/// encoded slashes are refused, so the result never leaves the folder
/// lexically. (Symbolic links are checked by [`resolve`].)
pub fn relative_path(request_path: &str) -> Result<PathBuf, Refusal> {
    let mut rel = PathBuf::new();
    for raw in request_path.split('/') {
        let seg = percent_decode(raw).ok_or(Refusal::BadRequest)?;
        let seg = String::from_utf8(seg).map_err(|_| Refusal::BadRequest)?;
        if seg.is_empty() || seg == "." {
            continue;
        }
        if seg == ".." || seg.contains(['/', '\\', '\0']) {
            return Err(Refusal::Forbidden);
        }
        rel.push(seg);
    }
    Ok(rel)
}

/// The file a request path names inside `root` (the output folder): a
/// file, or a folder's `index.html`. After following symbolic links it
/// must still be inside `root`.
pub fn resolve(root: &Path, request_path: &str) -> Result<PathBuf, Refusal> {
    let rel = relative_path(request_path)?;
    let root = root.canonicalize().map_err(|_| Refusal::NotFound)?;
    let mut path = root.join(&rel);
    if path.is_dir() {
        path = path.join("index.html");
    }
    let canon = path.canonicalize().map_err(|_| Refusal::NotFound)?;
    if !canon.starts_with(&root) {
        return Err(Refusal::Forbidden);
    }
    if !canon.is_file() {
        return Err(Refusal::NotFound);
    }
    Ok(canon)
}

/// The media type for a file name.
pub fn content_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "pdf" => "application/pdf",
        "csv" => "text/csv; charset=utf-8",
        "txt" | "md" | "rhai" | "typ" => "text/plain; charset=utf-8",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        _ => "application/octet-stream",
    }
}

/// Writes a complete response and closes the sending side.
pub fn respond(
    stream: &mut TcpStream,
    status: (u16, &str),
    content_type: &str,
    body: &[u8],
    head_only: bool,
) -> io::Result<()> {
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    let mut out = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n",
        status.0,
        status.1,
        body.len()
    )
    .into_bytes();
    if !head_only {
        out.extend_from_slice(body);
    }
    stream.write_all(&out)?;
    stream.flush()?;
    stream.shutdown(std::net::Shutdown::Write)
}

/// Writes the head of an event stream (no length: it ends when the connection does).
pub fn start_event_stream(stream: &mut TcpStream) -> io::Result<()> {
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    stream.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nX-Accel-Buffering: no\r\nConnection: close\r\n\r\n",
    )?;
    stream.flush()
}

/// Formats one server-sent event (`data` must be one line, e.g. JSON).
pub fn event(name: &str, data: &str) -> String {
    format!("event: {name}\ndata: {data}\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_origin_form_get_and_head() {
        let r = parse_request_line(b"GET /a%20b.html?x=1 HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        assert_eq!(r.method, "GET");
        assert_eq!(r.path, "/a%20b.html");
        assert!(parse_request_line(b"HEAD / HTTP/1.0\r\n\r\n").is_ok());
        assert_eq!(
            parse_request_line(b"POST / HTTP/1.1\r\n\r\n"),
            Err(Refusal::MethodNotAllowed)
        );
        assert_eq!(
            parse_request_line(b"GET http://evil/../x HTTP/1.1\r\n\r\n"),
            Err(Refusal::BadRequest)
        );
        assert_eq!(
            parse_request_line(b"GET / SPDY\r\n\r\n"),
            Err(Refusal::BadRequest)
        );
    }

    #[test]
    fn paths_never_leave_the_folder() {
        assert_eq!(
            relative_path("/sub/a%20b.html").unwrap(),
            PathBuf::from("sub/a b.html")
        );
        assert_eq!(relative_path("//x.html").unwrap(), PathBuf::from("x.html"));
        for bad in [
            "/../dossier.toml",
            "/%2e%2e/dossier.toml",
            "/%2E%2E/dossier.toml",
            "/.%2e/x",
            "/a/../../x",
            "/%2Fetc%2Fpasswd",
            "/..%2Fdossier.toml",
            "/a%5C..%5Cx",
            "/a%00.html",
        ] {
            assert_eq!(relative_path(bad), Err(Refusal::Forbidden), "{bad}");
        }
        assert_eq!(relative_path("/%zz"), Err(Refusal::BadRequest));
        assert_eq!(relative_path("/%e"), Err(Refusal::BadRequest));
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_out_of_the_folder_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(dir.path().join("secret.txt"), "s").unwrap();
        std::fs::write(out.join("a.html"), "a").unwrap();
        std::os::unix::fs::symlink(dir.path().join("secret.txt"), out.join("link.txt")).unwrap();
        assert!(resolve(&out, "/a.html").is_ok());
        assert_eq!(resolve(&out, "/link.txt"), Err(Refusal::Forbidden));
        assert_eq!(resolve(&out, "/nope.html"), Err(Refusal::NotFound));
    }
}
