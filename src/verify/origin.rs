//! Where a number typed by hand comes from: the literal text of a template
//! (outside `{{ }}`, `{% %}`, `{# #}` and tags) or a string literal of a
//! script, as `file:line`.

use std::path::Path;

use super::page::{is_structure, tokens};

/// A file a report read, and what it is.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Relative to the project root, as shown to users.
    pub display: String,
    pub text: String,
    pub kind: FileKind,
}

/// Templates and scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Template,
    Script,
}

impl SourceFile {
    /// A template or script by its extension; `None` for other files (data).
    pub fn classify(display: &str, text: String) -> Option<SourceFile> {
        let ext = Path::new(display)
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_lowercase();
        let kind = match ext.as_str() {
            "rhai" => FileKind::Script,
            "html" | "htm" | "txt" | "md" | "j2" | "jinja" | "typ" | "svg" | "xml" => {
                FileKind::Template
            }
            _ => return None,
        };
        Some(SourceFile {
            display: display.to_string(),
            text,
            kind,
        })
    }

    /// The text a reader can see from this file, line by line: template
    /// literal text, or the contents of a script's string literals (other
    /// characters blanked, line breaks kept).
    fn literal_text(&self) -> String {
        match self.kind {
            FileKind::Template => blank_template_code(&self.text),
            FileKind::Script => script_strings(&self.text),
        }
    }

    /// The 1-based lines where `number` is written as a number.
    pub fn lines_with(&self, number: &str) -> Vec<usize> {
        self.literal_text()
            .lines()
            .enumerate()
            .filter(|(_, line)| {
                tokens(line).iter().any(|t| {
                    t.text == number && !is_structure(t, &line[..t.start], &line[t.start + t.len..])
                })
            })
            .map(|(i, _)| i + 1)
            .collect()
    }
}

/// Blanks template code and HTML tags, keeping line breaks.
fn blank_template_code(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        let open = [("{{", "}}"), ("{%", "%}"), ("{#", "#}"), ("<", ">")]
            .iter()
            .filter_map(|(o, c)| rest.find(o).map(|i| (i, *o, *c)))
            .min_by_key(|(i, _, _)| *i);
        let Some((i, o, c)) = open else {
            out.push_str(rest);
            break;
        };
        out.push_str(&rest[..i]);
        let after = &rest[i + o.len()..];
        let end = after.find(c).map_or(after.len(), |j| j + c.len());
        let code = &rest[i..i + o.len() + end];
        out.extend(code.chars().map(|ch| if ch == '\n' { '\n' } else { ' ' }));
        rest = &rest[i + o.len() + end..];
    }
    out
}

/// Keeps only the contents of string literals (`"…"` and `` `…` ``),
/// skipping comments; other characters become spaces, line breaks stay.
fn script_strings(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                if c == '\\' {
                    out.push(' ');
                    if let Some(n) = chars.next() {
                        out.push(if n == '\n' { '\n' } else { ' ' });
                    }
                } else if c == q {
                    quote = None;
                    out.push(' ');
                } else {
                    out.push(c);
                }
            }
            None => {
                if c == '/' && chars.peek() == Some(&'/') {
                    for n in chars.by_ref() {
                        if n == '\n' {
                            out.push('\n');
                            break;
                        }
                    }
                } else if c == '"' || c == '`' {
                    quote = Some(c);
                    out.push(' ');
                } else {
                    out.push(if c == '\n' { '\n' } else { ' ' });
                }
            }
        }
    }
    out
}

/// The first place a number is typed in `files` (templates first):
/// `file:line`.
pub fn typed_at(files: &[SourceFile], number: &str) -> Option<String> {
    for kind in [FileKind::Template, FileKind::Script] {
        for f in files.iter().filter(|f| f.kind == kind) {
            if let Some(line) = f.lines_with(number).first() {
                return Some(format!("{}:{line}", f.display));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_literals_and_script_strings() {
        let t = SourceFile::classify(
            "reports/x.html",
            "<p class=\"h2\">{{ n | number }}</p>\n<p>Trade reached 999 million {# 5 #}</p>".into(),
        )
        .unwrap();
        assert_eq!(t.lines_with("999"), vec![2]);
        assert!(t.lines_with("5").is_empty());
        assert!(t.lines_with("2").is_empty());
        let s = SourceFile::classify(
            "scripts/x.rhai",
            "let n = 42; // 43\nlet s = \"Trade reached 44 million\";".into(),
        )
        .unwrap();
        assert!(s.lines_with("42").is_empty());
        assert!(s.lines_with("43").is_empty());
        assert_eq!(s.lines_with("44"), vec![2]);
        assert_eq!(typed_at(&[t, s], "44").as_deref(), Some("scripts/x.rhai:2"));
    }
}
