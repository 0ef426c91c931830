//! A small Rhai highlighter for notebook pages: comments, strings,
//! numbers, keywords and function calls become `<span class="hl-…">`; all
//! text is escaped.

use crate::format::escape_html;

const KEYWORDS: &[&str] = &[
    "let", "const", "fn", "if", "else", "while", "loop", "for", "in", "return", "break",
    "continue", "import", "export", "as", "switch", "do", "until", "throw", "try", "catch",
    "private", "this", "global",
];
const LITERALS: &[&str] = &["true", "false"];

/// Highlighted HTML for Rhai source (to go inside `<pre><code>`).
pub fn highlight(code: &str) -> String {
    let chars: Vec<char> = code.chars().collect();
    let mut out = String::with_capacity(code.len() * 2);
    let mut i = 0;
    let span = |out: &mut String, class: &str, text: &str| {
        out.push_str("<span class=\"");
        out.push_str(class);
        out.push_str("\">");
        out.push_str(&escape_html(text));
        out.push_str("</span>");
    };
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            span(&mut out, "hl-com", &collect(&chars[start..i]));
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i = (i + 2).min(chars.len());
            span(&mut out, "hl-com", &collect(&chars[start..i]));
        } else if c == '"' || c == '`' || c == '\'' {
            i += 1;
            while i < chars.len() && chars[i] != c {
                if chars[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i = (i + 1).min(chars.len());
            span(&mut out, "hl-str", &collect(&chars[start..i]));
        } else if c.is_ascii_digit() {
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == '.')
            {
                // `1..5` is a range, not a number.
                if chars[i] == '.' && chars.get(i + 1) == Some(&'.') {
                    break;
                }
                i += 1;
            }
            span(&mut out, "hl-num", &collect(&chars[start..i]));
        } else if c.is_alphabetic() || c == '_' {
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let word = collect(&chars[start..i]);
            let mut j = i;
            while j < chars.len() && chars[j] == ' ' {
                j += 1;
            }
            if KEYWORDS.contains(&word.as_str()) {
                span(&mut out, "hl-kw", &word);
            } else if LITERALS.contains(&word.as_str()) {
                span(&mut out, "hl-num", &word);
            } else if chars.get(j) == Some(&'(') {
                span(&mut out, "hl-fn", &word);
            } else {
                out.push_str(&escape_html(&word));
            }
        } else {
            i += 1;
            out.push_str(&escape_html(&c.to_string()));
        }
    }
    out
}

fn collect(chars: &[char]) -> String {
    chars.iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_and_escaping() {
        let h = highlight("let x = col(\"a<b\") > 5; // note & more");
        assert!(
            h.starts_with("<span class=\"hl-kw\">let</span> x = <span class=\"hl-fn\">col</span>(")
        );
        assert!(h.contains("<span class=\"hl-str\">&quot;a&lt;b&quot;</span>"));
        assert!(h.contains("&gt; <span class=\"hl-num\">5</span>"));
        assert!(h.contains("<span class=\"hl-com\">// note &amp; more</span>"));
        assert_eq!(highlight("for i in 1..5 {}"), "<span class=\"hl-kw\">for</span> i <span class=\"hl-kw\">in</span> <span class=\"hl-num\">1</span>..<span class=\"hl-num\">5</span> {}");
    }
}
