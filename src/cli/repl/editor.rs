//! The REPL's line editor helper for rustyline: Tab completion from the
//! script layer's completer (the one the Jupyter kernel uses), syntax
//! colours from the script layer's lexer, and the bracket matching the one
//! at (or just before) the cursor.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

use rustyline::completion::{Completer, Pair};
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::Context;

use crate::script::complete::complete;
use crate::script::syntax::{matching_bracket, tokens, Class};
use crate::script::Session;

/// Colour of each token class (ANSI SGR parameters).
fn colour(class: Class) -> &'static str {
    match class {
        Class::Comment => "90",
        Class::String => "32",
        Class::Number => "33",
        Class::Keyword => "35",
        Class::Function => "34",
    }
}

/// The bracket matching the cursor's: bold blue, as rustyline's own
/// bracket highlighter shows it.
const BRACKET: &str = "1;34";

/// Completion and highlighting over the REPL's session.
pub struct Helper {
    /// The session the REPL evaluates in (borrowed only between inputs).
    pub session: Rc<RefCell<Session>>,
    /// The earlier lines of an unfinished multi-line input.
    pub pending: Rc<RefCell<String>>,
    /// Whether to mark the matching bracket (not on the final redraw).
    brackets: Cell<bool>,
}

impl Helper {
    pub fn new(session: Rc<RefCell<Session>>, pending: Rc<RefCell<String>>) -> Helper {
        Helper {
            session,
            pending,
            brackets: Cell::new(true),
        }
    }
}

impl rustyline::Helper for Helper {}

impl Completer for Helper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let Ok(session) = self.session.try_borrow() else {
            return Ok((pos, Vec::new()));
        };
        let pending = self.pending.borrow();
        let code = format!("{pending}{line}");
        let before = pending.chars().count();
        let cursor = before + line[..pos].chars().count();
        let found = complete(&session, &code, cursor);
        let start_char = found.start.saturating_sub(before);
        let start = line
            .char_indices()
            .nth(start_char)
            .map_or(line.len(), |(b, _)| b)
            .min(pos);
        let pairs = found
            .candidates
            .into_iter()
            .map(|c| Pair {
                display: if c.signature.is_empty() || c.signature == c.text {
                    c.text.clone()
                } else if c.signature.starts_with(&c.text) {
                    c.signature
                } else {
                    format!("{}: {}", c.text, c.signature)
                },
                replacement: c.text,
            })
            .collect();
        Ok((start, pairs))
    }
}

impl Hinter for Helper {
    type Hint = String;
}

impl Validator for Helper {}

impl Highlighter for Helper {
    fn highlight<'l>(&self, line: &'l str, pos: usize) -> Cow<'l, str> {
        let bracket = if self.brackets.get() {
            bracket_near(line, pos).and_then(|b| matching_bracket(line, b))
        } else {
            None
        };
        Cow::Owned(colourise(line, bracket))
    }

    fn highlight_char(&self, line: &str, _pos: usize, kind: CmdKind) -> bool {
        self.brackets.set(kind != CmdKind::ForcedRefresh);
        !line.is_empty()
    }
}

/// The bracket under the cursor, or the closing one just before it.
fn bracket_near(line: &str, pos: usize) -> Option<usize> {
    let is_bracket = |b: u8| b"()[]{}".contains(&b);
    let bytes = line.as_bytes();
    if bytes.get(pos).is_some_and(|&b| is_bracket(b)) {
        return Some(pos);
    }
    (pos > 0 && bytes.get(pos - 1).is_some_and(|&b| b")]}".contains(&b))).then(|| pos - 1)
}

/// `line` with ANSI colours around its tokens and the bracket at byte
/// `bracket` marked; the visible text is unchanged.
pub fn colourise(line: &str, bracket: Option<usize>) -> String {
    let mut out = String::with_capacity(line.len() * 2);
    let mut at = 0;
    let plain = |out: &mut String, text: &str, offset: usize| match bracket
        .filter(|b| (offset..offset + text.len()).contains(b))
    {
        Some(b) => {
            let b = b - offset;
            out.push_str(&text[..b]);
            out.push_str(&format!("\x1b[{BRACKET}m{}\x1b[0m", &text[b..b + 1]));
            out.push_str(&text[b + 1..]);
        }
        None => out.push_str(text),
    };
    for t in tokens(line) {
        plain(&mut out, &line[at..t.range.start], at);
        out.push_str(&format!(
            "\x1b[{}m{}\x1b[0m",
            colour(t.class),
            &line[t.range.clone()]
        ));
        at = t.range.end;
    }
    plain(&mut out, &line[at..], at);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_keep_the_text_and_mark_the_bracket() {
        let line = "let x = f(\"a\", 2)";
        let c = colourise(line, Some(9));
        assert!(c.starts_with("\x1b[35mlet\x1b[0m x = \x1b[34mf\x1b[0m\x1b[1;34m(\x1b[0m"));
        assert!(c.contains("\x1b[32m\"a\"\x1b[0m"));
        let visible = regex::Regex::new("\x1b\\[[0-9;]*m")
            .unwrap()
            .replace_all(&c, "");
        assert_eq!(visible, line);
        assert_eq!(bracket_near(line, line.len()), Some(line.len() - 1));
        assert_eq!(bracket_near(line, 9), Some(9));
        assert_eq!(bracket_near(line, 2), None);
    }
}
