//! Completion and inspection: API functions, variables in scope, column
//! names of frames in scope (inside a string), and the API docs of a
//! function. Cursor positions count Unicode code points, as the protocol says.

use std::collections::BTreeSet;

use crate::script::chart::ChartV;
use crate::script::Session;

/// Rhai keywords offered alongside names.
const KEYWORDS: &[&str] = &[
    "let", "const", "fn", "if", "else", "while", "loop", "for", "in", "return", "break",
    "continue", "true", "false", "import", "export", "as", "switch", "do", "until", "throw", "try",
    "catch", "private", "this", "global",
];

/// The completions of the word before `cursor` (in code points): matches
/// and the code-point range they replace.
pub fn complete(session: &Session, code: &str, cursor: usize) -> (Vec<String>, usize, usize) {
    let chars: Vec<char> = code.chars().collect();
    let cursor = cursor.min(chars.len());
    let mut start = cursor;
    while start > 0 && is_ident(chars[start - 1]) {
        start -= 1;
    }
    let prefix: String = chars[start..cursor].iter().collect();
    let in_string = inside_string(&chars[..start]);
    let after_dot = start > 0 && chars[start - 1] == '.';
    let mut out = BTreeSet::new();
    if in_string {
        for c in columns(session) {
            if c.starts_with(&prefix) {
                out.insert(c);
            }
        }
    } else {
        if !after_dot {
            for v in declared(code).into_iter().chain(session.variables()) {
                if v.starts_with(&prefix) {
                    out.insert(v);
                }
            }
            for k in KEYWORDS {
                if k.starts_with(&prefix) && !prefix.is_empty() {
                    out.insert(k.to_string());
                }
            }
        }
        for f in function_names(session) {
            if f.starts_with(&prefix) {
                out.insert(f);
            }
        }
    }
    (out.into_iter().collect(), start, cursor)
}

/// Names the code itself declares (`let x`, `const X`, `fn f`), so the
/// cell being written completes its own variables before it has run.
fn declared(code: &str) -> Vec<String> {
    let words: Vec<&str> = code
        .split(|c: char| !is_ident(c))
        .filter(|w| !w.is_empty())
        .collect();
    words
        .windows(2)
        .filter(|w| matches!(w[0], "let" | "const" | "fn"))
        .map(|w| w[1].to_string())
        .filter(|n| !n.starts_with(|c: char| c.is_ascii_digit()))
        .collect()
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Whether the text before a position leaves an open `"` string.
fn inside_string(before: &[char]) -> bool {
    let mut open = false;
    let mut escaped = false;
    for &c in before {
        if escaped {
            escaped = false;
        } else if c == '\\' && open {
            escaped = true;
        } else if c == '"' {
            open = !open;
        } else if c == '\n' && open {
            open = false;
        }
    }
    open
}

/// Names of the script API: registered functions and documented ones.
pub fn function_names(session: &Session) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = session
        .engine()
        .gen_fn_signatures(false)
        .iter()
        .filter_map(|s| s.split('(').next().map(str::trim).map(str::to_string))
        .filter(|n| !n.is_empty() && n.chars().all(is_ident) && !n.starts_with('_'))
        .collect();
    for (_, docs) in crate::script::docs::all() {
        for d in docs {
            if d.name.chars().all(is_ident) && d.signature.starts_with(d.name) {
                names.insert(d.name.to_string());
            }
        }
    }
    names
}

/// Column names of every frame in scope.
pub fn columns(session: &Session) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (_, v) in session.scope_values() {
        for c in crate::script::display::columns_of(&v) {
            out.insert(c);
        }
    }
    out
}

/// The word around `cursor` (code points).
pub fn word_at(code: &str, cursor: usize) -> String {
    let chars: Vec<char> = code.chars().collect();
    let cursor = cursor.min(chars.len());
    let mut start = cursor;
    while start > 0 && is_ident(chars[start - 1]) {
        start -= 1;
    }
    let mut end = cursor;
    while end < chars.len() && is_ident(chars[end]) {
        end += 1;
    }
    // A cursor just after `name(` inspects `name`.
    if start == end && cursor > 0 && chars[cursor - 1] == '(' {
        return word_at(code, cursor - 1);
    }
    chars[start..end].iter().collect()
}

/// What `inspect` shows for the word at `cursor`: the API docs of a
/// function (plain text and Markdown), or a variable's type and value.
pub fn inspect(session: &Session, code: &str, cursor: usize) -> Option<Vec<(String, String)>> {
    let word = word_at(code, cursor);
    if word.is_empty() {
        return None;
    }
    if let Some((_, v)) = session
        .scope_values()
        .into_iter()
        .rev()
        .find(|(n, _)| *n == word)
    {
        let ty = crate::script::values::type_name(&v);
        let text = crate::script::display::plain_text(&v);
        let extra = if v.clone().try_cast::<ChartV>().is_some() {
            String::new()
        } else {
            let cols = crate::script::display::columns_of(&v);
            if cols.is_empty() {
                String::new()
            } else {
                format!("\ncolumns: {}", cols.join(", "))
            }
        };
        return Some(vec![(
            "text/plain".into(),
            format!("{word}: {ty}{extra}\n{text}"),
        )]);
    }
    let doc = crate::script::docs::find(&word)?;
    let plain = format!(
        "{}\n\n{}\n\nExample:\n{}\n\nOutput:\n{}",
        doc.signature, doc.summary, doc.example, doc.output
    );
    let markdown = format!(
        "`{}`\n\n{}\n\n```rhai\n{}\n```\n\nprints\n\n```text\n{}\n```",
        doc.signature, doc.summary, doc.example, doc.output
    );
    Some(vec![
        ("text/plain".into(), plain),
        ("text/markdown".into(), markdown),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_strings() {
        assert_eq!(word_at("let x = dataset(", 16), "dataset");
        assert_eq!(word_at("datas", 3), "datas");
        assert!(inside_string(&"col(\"val".chars().collect::<Vec<_>>()));
        assert!(!inside_string(
            &"col(\"a\") + x".chars().collect::<Vec<_>>()
        ));
        // Code points, not bytes: "é" is one position.
        assert_eq!(word_at("let é = abc", 11), "abc");
    }
}
