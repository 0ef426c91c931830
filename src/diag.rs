//! Diagnostics: one error type with source spans, rendered in one place.
//!
//! The core never prints. Script errors, data errors and configuration
//! errors all become a [`Diagnostic`] carrying the file, line and column,
//! the source line, notes, a hint and (for errors inside functions and
//! modules) the call chain. [`Diagnostic::render`] turns it into the
//! terminal text (`file:line:col`, the source line and a caret) through
//! codespan-reporting; later front ends (the browser overlay, Jupyter
//! tracebacks) use the same structured fields.

use std::fmt;
use std::path::{Path, PathBuf};

use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term;

/// A place in a source file. Lines and columns count from 1; columns count characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// The file, as shown to the user (relative to the project root when inside it).
    pub file: PathBuf,
    pub line: usize,
    pub col: usize,
    /// The text of the source line, when known.
    pub source_line: Option<String>,
    /// The whole source text, when known (lets the renderer show context).
    pub source: Option<std::sync::Arc<str>>,
}

impl Span {
    /// A span in `source` at `line`:`col`.
    pub fn in_source(
        file: impl Into<PathBuf>,
        source: std::sync::Arc<str>,
        line: usize,
        col: usize,
    ) -> Span {
        let source_line = source
            .lines()
            .nth(line.saturating_sub(1))
            .map(str::to_string);
        Span {
            file: file.into(),
            line,
            col,
            source_line,
            source: Some(source),
        }
    }

    /// A span without source text (e.g. a data file row).
    pub fn at(file: impl Into<PathBuf>, line: usize, col: usize) -> Span {
        Span {
            file: file.into(),
            line,
            col,
            source_line: None,
            source: None,
        }
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.col)
    }
}

/// One step of a call chain: "in `name`, called at span".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub what: String,
    pub span: Span,
}

/// What went wrong, where, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub message: String,
    pub span: Option<Span>,
    /// Extra facts ("the columns that exist are …").
    pub notes: Vec<String>,
    /// A suggestion ("did you mean `col`?").
    pub help: Option<String>,
    /// Call chain, outermost call first.
    pub trace: Vec<Frame>,
    /// A short machine-readable category (`syntax`, `runtime`, `limit`, `data`, `sandbox`, `io`, `config`).
    pub kind: &'static str,
}

impl Diagnostic {
    /// An error without a position.
    pub fn error(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            message: message.into(),
            span: None,
            notes: Vec::new(),
            help: None,
            trace: Vec::new(),
            kind: "error",
        }
    }

    pub fn with_kind(mut self, kind: &'static str) -> Self {
        self.kind = kind;
        self
    }

    pub fn with_span(mut self, span: Span) -> Self {
        self.span = Some(span);
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Attaches a span given as a byte offset into `text`.
    pub fn with_span_in_text(self, file: PathBuf, text: &str, offset: usize) -> Self {
        let (line, col) = line_col(text, offset);
        self.with_span(Span::in_source(file, text.into(), line, col))
    }

    /// The one-line form: `file:line:col: message`.
    pub fn headline(&self) -> String {
        match &self.span {
            Some(s) => format!("{s}: {}", self.message),
            None => self.message.clone(),
        }
    }

    /// Renders for a terminal: `error: message`, `--> file:line:col`, the
    /// source line with a caret, notes, help and the call chain.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let mut files = SimpleFiles::new();
        let mut d = cs::Diagnostic::error().with_message(&self.message);
        if let Some(span) = &self.span {
            let (text, range) = span_text(span);
            let id = files.add(span.file.display().to_string(), text);
            d = d.with_labels(vec![cs::Label::primary(id, range)]);
        }
        let mut notes: Vec<String> = self.notes.clone();
        if let Some(h) = &self.help {
            notes.push(format!("help: {h}"));
        }
        for frame in self.trace.iter().rev() {
            notes.push(format!("in {}, called at {}", frame.what, frame.span));
        }
        d = d.with_notes(notes);
        let config = term::Config::default();
        match term::emit_into_string(&config, &files, &d) {
            Ok(s) => out.push_str(&s),
            Err(_) => out.push_str(&format!("error: {}\n", self.headline())),
        }
        // codespan shows `┌─ file:line:col`; also give the plain
        // `file:line:col` form first so tools (and people) can grep it.
        if let Some(span) = &self.span {
            out = format!("{span}: {}\n{out}", self.message);
        }
        out
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.headline())
    }
}

impl std::error::Error for Diagnostic {}

/// The source text to show for a span and the byte range of its caret.
fn span_text(span: &Span) -> (String, std::ops::Range<usize>) {
    let text: String = match (&span.source, &span.source_line) {
        (Some(src), _) => src.to_string(),
        (None, Some(line)) => {
            // Pad with empty lines so codespan prints the right line number.
            let mut t = "\n".repeat(span.line.saturating_sub(1));
            t.push_str(line);
            t.push('\n');
            t
        }
        (None, None) => {
            let mut t = "\n".repeat(span.line.saturating_sub(1));
            t.push('\n');
            t
        }
    };
    let start = offset_of(&text, span.line, span.col);
    let end = token_end(&text, start);
    (text, start..end)
}

/// Byte offset of 1-based `line`:`col` (col in characters) in `text`, clamped.
pub fn offset_of(text: &str, line: usize, col: usize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let body = l.trim_end_matches(['\n', '\r']);
            let byte = body
                .char_indices()
                .nth(col.saturating_sub(1))
                .map(|(b, _)| b)
                .unwrap_or(body.len());
            return offset + byte;
        }
        offset += l.len();
    }
    text.len()
}

/// The end of the identifier (or single character) starting at `start`.
fn token_end(text: &str, start: usize) -> usize {
    let rest = &text[start.min(text.len())..];
    let mut end = start;
    for (i, c) in rest.char_indices() {
        if c.is_alphanumeric() || c == '_' {
            end = start + i + c.len_utf8();
        } else {
            if i == 0 && c != '\n' {
                end = start + c.len_utf8();
            }
            break;
        }
    }
    end
}

/// 1-based line and character column of byte `offset` in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, col)
}

/// Levenshtein distance, for "did you mean" hints.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The closest candidate to `word`, if close enough to be a plausible typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lw = word.to_lowercase();
    candidates
        .into_iter()
        .filter(|c| *c != word)
        .map(|c| {
            let lc = c.to_lowercase();
            // A prefix of at least three characters ("valu" for "value_usd") is a strong hint.
            let d = if lw.chars().count() >= 3 && lc.starts_with(&lw) {
                1
            } else {
                edit_distance(&lw, &lc)
            };
            (d, c)
        })
        .filter(|(d, c)| *d <= (word.chars().count().max(c.chars().count()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// A path for messages: relative to `root` when inside it.
pub fn show_path(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_file_line_col_and_caret() {
        let src: std::sync::Arc<str> = "let a = 1;\nlet b = foo(a);\n".into();
        let d = Diagnostic::error("unknown function `foo`")
            .with_span(Span::in_source("x.rhai", src, 2, 9))
            .with_help("did you mean `for`?");
        let r = d.render();
        assert!(r.starts_with("x.rhai:2:9: unknown function `foo`"), "{r}");
        assert!(r.contains("let b = foo(a);"), "{r}");
        assert!(r.contains("^^^"), "{r}");
        assert!(r.contains("help: did you mean `for`?"), "{r}");
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            did_you_mean("scan_cvs", ["scan_csv", "scan_parquet"]),
            Some("scan_csv")
        );
        assert_eq!(did_you_mean("zzzz", ["scan_csv"]), None);
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
    }
}
