//! Rhai source as classified tokens (comments, strings, numbers, keywords,
//! function names) and bracket matching: one lexer for every highlighter
//! (notebook pages as HTML, the REPL's input line as terminal colours) and
//! the keyword list completion offers.

use std::ops::Range;

/// Rhai's keywords.
pub const KEYWORDS: &[&str] = &[
    "let", "const", "fn", "if", "else", "while", "loop", "for", "in", "return", "break",
    "continue", "import", "export", "as", "switch", "do", "until", "throw", "try", "catch",
    "private", "this", "global",
];

/// Words that read as literal values.
pub const LITERALS: &[&str] = &["true", "false"];

/// What a token is, for colouring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// `// …` and `/* … */`.
    Comment,
    /// `"…"`, `` `…` `` and `'…'` (unterminated ones run to the end).
    String,
    /// Numbers, `true` and `false`.
    Number,
    /// A Rhai keyword.
    Keyword,
    /// A name followed by `(`: a function call or definition.
    Function,
}

/// A classified token: its class and byte range in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub class: Class,
    pub range: Range<usize>,
}

/// The classified tokens of `code`, in order; text between them (names,
/// operators, brackets, spaces) is plain.
pub fn tokens(code: &str) -> Vec<Token> {
    let chars: Vec<(usize, char)> = code.char_indices().collect();
    let byte = |i: usize| chars.get(i).map_or(code.len(), |&(b, _)| b);
    let at = |i: usize| chars.get(i).map(|&(_, c)| c);
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i].1;
        let start = i;
        let class = if c == '/' && at(i + 1) == Some('/') {
            while i < chars.len() && chars[i].1 != '\n' {
                i += 1;
            }
            Some(Class::Comment)
        } else if c == '/' && at(i + 1) == Some('*') {
            i += 2;
            while i < chars.len() && !(chars[i].1 == '*' && at(i + 1) == Some('/')) {
                i += 1;
            }
            i = (i + 2).min(chars.len());
            Some(Class::Comment)
        } else if c == '"' || c == '`' || c == '\'' {
            i += 1;
            while i < chars.len() && chars[i].1 != c {
                if chars[i].1 == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i = (i + 1).min(chars.len());
            Some(Class::String)
        } else if c.is_ascii_digit() {
            while let Some(d) = at(i) {
                // `1..5` is a range, not a number.
                if !(d.is_ascii_alphanumeric() || d == '_' || d == '.')
                    || (d == '.' && at(i + 1) == Some('.'))
                {
                    break;
                }
                i += 1;
            }
            Some(Class::Number)
        } else if c.is_alphabetic() || c == '_' {
            while at(i).is_some_and(|d| d.is_alphanumeric() || d == '_') {
                i += 1;
            }
            let word = &code[byte(start)..byte(i)];
            let mut j = i;
            while at(j) == Some(' ') {
                j += 1;
            }
            if KEYWORDS.contains(&word) {
                Some(Class::Keyword)
            } else if LITERALS.contains(&word) {
                Some(Class::Number)
            } else if at(j) == Some('(') {
                Some(Class::Function)
            } else {
                None
            }
        } else {
            i += 1;
            None
        };
        if let Some(class) = class {
            out.push(Token {
                class,
                range: byte(start)..byte(i),
            });
        }
    }
    out
}

/// The byte offset of the bracket matching the one at byte offset `at`
/// (`(`, `[`, `{` forwards; `)`, `]`, `}` backwards), skipping brackets
/// inside strings and comments.
pub fn matching_bracket(code: &str, at: usize) -> Option<usize> {
    let strings = tokens(code)
        .into_iter()
        .filter(|t| matches!(t.class, Class::String | Class::Comment))
        .map(|t| t.range)
        .collect::<Vec<_>>();
    let quoted = |b: usize| strings.iter().any(|r| r.contains(&b));
    let open = code.as_bytes().get(at).copied()?;
    if quoted(at) {
        return None;
    }
    let (close, forward) = match open {
        b'(' => (b')', true),
        b'[' => (b']', true),
        b'{' => (b'}', true),
        b')' => (b'(', false),
        b']' => (b'[', false),
        b'}' => (b'{', false),
        _ => return None,
    };
    let bytes = code.as_bytes();
    let mut depth = 0usize;
    let order: Box<dyn Iterator<Item = usize>> = if forward {
        Box::new(at + 1..bytes.len())
    } else {
        Box::new((0..at).rev())
    };
    for b in order {
        if quoted(b) {
            continue;
        }
        if bytes[b] == open {
            depth += 1;
        } else if bytes[b] == close {
            if depth == 0 {
                return Some(b);
            }
            depth -= 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes(code: &str) -> Vec<(Class, &str)> {
        tokens(code)
            .into_iter()
            .map(|t| (t.class, &code[t.range]))
            .collect()
    }

    #[test]
    fn classifies_tokens() {
        assert_eq!(
            classes("let x = col(\"a(b\") > 5; // ok"),
            vec![
                (Class::Keyword, "let"),
                (Class::Function, "col"),
                (Class::String, "\"a(b\""),
                (Class::Number, "5"),
                (Class::Comment, "// ok"),
            ]
        );
        assert_eq!(
            classes("for i in 1..5 { true }"),
            vec![
                (Class::Keyword, "for"),
                (Class::Keyword, "in"),
                (Class::Number, "1"),
                (Class::Number, "5"),
                (Class::Number, "true"),
            ]
        );
        // Byte ranges stay on character boundaries.
        assert_eq!(classes("\"é\" + f(1)")[1], (Class::Function, "f"));
    }

    #[test]
    fn brackets_match_outside_strings() {
        let code = "f(a, \")\", [1, 2])";
        assert_eq!(matching_bracket(code, 1), Some(code.len() - 1));
        assert_eq!(matching_bracket(code, code.len() - 1), Some(1));
        assert_eq!(matching_bracket(code, 10), Some(15));
        assert_eq!(matching_bracket(code, 6), None);
        assert_eq!(matching_bracket("(a", 0), None);
    }
}
