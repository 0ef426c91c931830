//! The HTTP side of the preview that is ours, not hyper's: the mapping of
//! a request path to a file inside the output folder (which refuses
//! anything that would leave it), media types, server-sent event framing,
//! and the validators of conditional requests (`ETag` with
//! `If-None-Match`, `Last-Modified` with `If-Modified-Since`, RFC 9110
//! §13). Parsing, keep-alive, `HEAD` and chunked streams are hyper's.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use sha2::{Digest, Sha256};

/// The largest request head accepted (request line and headers). Browsers
/// send well under 2 KiB to a local server; a bigger head is not a preview
/// (hyper answers 431).
pub const MAX_HEAD: usize = 16 * 1024;

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

/// Formats one server-sent event (`data` must be one line, e.g. JSON).
pub fn event(name: &str, data: &str) -> String {
    format!("event: {name}\ndata: {data}\n\n")
}

/// The validators of one response body: a strong entity tag over the
/// exact bytes sent, and for plain files their modification time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validators {
    /// The `ETag`, quoted.
    pub etag: String,
    /// The `Last-Modified` time (HTTP dates carry whole seconds).
    pub modified: Option<SystemTime>,
}

impl Validators {
    /// The validators of `body`, with the file's modification time if any.
    pub fn of(body: &[u8], modified: Option<SystemTime>) -> Validators {
        let digest = Sha256::digest(body);
        let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        Validators {
            etag: format!("\"{hex}\""),
            modified,
        }
    }

    /// The `Last-Modified` header value.
    pub fn last_modified(&self) -> Option<String> {
        self.modified.map(httpdate::fmt_http_date)
    }

    /// Whether a request with these `If-None-Match` / `If-Modified-Since`
    /// values already has this body (the answer is then 304). As RFC 9110
    /// §13.2.2 orders it, `If-Modified-Since` is ignored when
    /// `If-None-Match` is present. Entity tags compare weakly (a client's
    /// `W/` tag matches), as the RFC asks for `If-None-Match`.
    pub fn not_modified(
        &self,
        if_none_match: Option<&str>,
        if_modified_since: Option<&str>,
    ) -> bool {
        if let Some(list) = if_none_match {
            return list
                .split(',')
                .map(str::trim)
                .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == self.etag);
        }
        match (if_modified_since, self.modified) {
            (Some(since), Some(modified)) => match httpdate::parse_http_date(since) {
                Ok(since) => secs(modified) <= secs(since),
                Err(_) => false,
            },
            _ => false,
        }
    }
}

/// Seconds since the epoch (HTTP dates have no finer resolution).
fn secs(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditional_requests_match_the_entity_tag_or_the_date() {
        let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
        let v = Validators::of(b"<p>hi</p>", Some(t));
        assert_eq!(v.etag.len(), 26, "{}", v.etag);
        assert_ne!(v.etag, Validators::of(b"<p>ho</p>", None).etag);
        let tag = v.etag.clone();
        assert!(v.not_modified(Some(&tag), None));
        assert!(v.not_modified(Some(&format!("\"x\", W/{tag}")), None));
        assert!(v.not_modified(Some("*"), None));
        assert!(!v.not_modified(Some("\"x\""), None));
        let date = v.last_modified().unwrap();
        assert_eq!(date, "Tue, 14 Nov 2023 22:13:20 GMT");
        assert!(v.not_modified(None, Some(&date)));
        assert!(!v.not_modified(None, Some("Tue, 14 Nov 2023 22:13:19 GMT")));
        assert!(!v.not_modified(None, Some("yesterday")));
        // If-None-Match wins over If-Modified-Since.
        assert!(!v.not_modified(Some("\"x\""), Some(&date)));
        assert!(!Validators::of(b"", None).not_modified(None, Some(&date)));
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
