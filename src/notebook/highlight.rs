//! A Rhai highlighter for notebook pages: the script layer's tokens
//! (comments, strings, numbers, keywords, function calls) become
//! `<span class="hl-…">`; all text is escaped.

use crate::format::escape_html;
use crate::script::syntax::{tokens, Class};

/// The CSS class of a token class.
fn css(class: Class) -> &'static str {
    match class {
        Class::Comment => "hl-com",
        Class::String => "hl-str",
        Class::Number => "hl-num",
        Class::Keyword => "hl-kw",
        Class::Function => "hl-fn",
    }
}

/// Highlighted HTML for Rhai source (to go inside `<pre><code>`).
pub fn highlight(code: &str) -> String {
    let mut out = String::with_capacity(code.len() * 2);
    let mut at = 0;
    for t in tokens(code) {
        out.push_str(&escape_html(&code[at..t.range.start]));
        out.push_str("<span class=\"");
        out.push_str(css(t.class));
        out.push_str("\">");
        out.push_str(&escape_html(&code[t.range.clone()]));
        out.push_str("</span>");
        at = t.range.end;
    }
    out.push_str(&escape_html(&code[at..]));
    out
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
