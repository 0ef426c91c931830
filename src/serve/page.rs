//! What `serve` adds to pages: the live-reload script (server-sent events;
//! the scroll position survives the reload), the error overlay built from a
//! failed build's [`Diagnostic`] (file, line, message, source line with a
//! caret, notes, help, call chain; every value escaped), and the index of
//! the reports.

use crate::diag::Diagnostic;
use crate::format::escape_html;

/// The path of the event stream.
pub const EVENTS_PATH: &str = "/__dossier/events";

/// The path of the JSON status.
pub const STATUS_PATH: &str = "/__dossier/status";

/// The element id of the overlay (tests and the script look for it).
pub const OVERLAY_ID: &str = "dossier-overlay";

/// The live-reload script for a page served at build `generation`.
///
/// It listens to [`EVENTS_PATH`]. A `reload` event names the pages that
/// changed (or `all`); the index reloads on every build. Before reloading
/// the script stores the scroll position in `sessionStorage`, and restores
/// it on the next load. A `hello` event (sent on every connection) carries
/// the current build: a page older than that reloads at once, so a build
/// that finished while the page was loading is not missed.
pub fn live_reload_script(generation: u64) -> String {
    format!(
        r#"<script id="dossier-live-reload">
(() => {{
  const served = {generation};
  const here = decodeURI(location.pathname);
  const key = "dossier-scroll:" + here;
  const saved = sessionStorage.getItem(key);
  if (saved) {{
    sessionStorage.removeItem(key);
    const [x, y] = JSON.parse(saved);
    const restore = () => window.scrollTo(x, y);
    if (document.readyState === "complete") restore(); else addEventListener("load", restore);
  }}
  const reload = () => {{
    sessionStorage.setItem(key, JSON.stringify([window.scrollX, window.scrollY]));
    location.reload();
  }};
  const events = new EventSource("{EVENTS_PATH}");
  events.addEventListener("hello", (e) => {{
    if (JSON.parse(e.data).generation > served) reload();
  }});
  events.addEventListener("reload", (e) => {{
    const d = JSON.parse(e.data);
    if (d.all || here === "/" || d.paths.includes(here)) reload();
  }});
}})();
</script>
"#
    )
}

/// One error as HTML: where, what, the source line with a caret, notes.
pub fn error_block(report: Option<&str>, d: &Diagnostic) -> String {
    let mut s = String::new();
    let what = match report {
        Some(name) => format!("report <b>{}</b>", escape_html(name)),
        None => "the project (dossier.toml)".to_string(),
    };
    s.push_str(&format!(
        "<section class=\"dossier-error\" style=\"margin:0 0 1.5em\">\n<p style=\"margin:0 0 .3em;color:#ffb4a8\">Build failed: {what}</p>\n"
    ));
    s.push_str(&format!(
        "<h2 class=\"dossier-message\" style=\"margin:0 0 .4em;font-size:1.25em;color:#fff\">{}</h2>\n",
        escape_html(&d.message)
    ));
    if let Some(span) = &d.span {
        s.push_str(&format!(
            "<p class=\"dossier-where\" style=\"margin:0 0 .4em\"><code>{}:{}:{}</code></p>\n",
            escape_html(&span.file.display().to_string()),
            span.line,
            span.col
        ));
        if let Some(line) = &span.source_line {
            let gutter = format!("{} │ ", span.line);
            // The caret goes under column `col` (characters); tabs stay tabs
            // so the padding lines up with the line above.
            let pad: String = line
                .chars()
                .take(span.col.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            s.push_str(&format!(
                "<pre class=\"dossier-source\" style=\"margin:0 0 .6em;padding:.6em;background:#2a0d0d;overflow:auto\">{}{}\n{}{}<span style=\"color:#ff6b57\">^</span></pre>\n",
                escape_html(&gutter),
                escape_html(line),
                " ".repeat(gutter.chars().count()),
                pad
            ));
        }
    }
    let mut items: Vec<String> = d.notes.iter().map(|n| escape_html(n)).collect();
    if let Some(h) = &d.help {
        items.push(format!("help: {}", escape_html(h)));
    }
    for frame in d.trace.iter().rev() {
        items.push(format!(
            "in {}, called at <code>{}</code>",
            escape_html(&frame.what),
            escape_html(&frame.span.to_string())
        ));
    }
    if !items.is_empty() {
        s.push_str("<ul class=\"dossier-notes\" style=\"margin:0;padding-left:1.2em\">\n");
        for i in items {
            s.push_str(&format!("<li>{i}</li>\n"));
        }
        s.push_str("</ul>\n");
    }
    s.push_str("</section>\n");
    s
}

/// The overlay shown over a page whose last build failed.
pub fn overlay(errors: &[(Option<&str>, &Diagnostic)], stale_page: bool) -> String {
    let mut s = format!(
        "<div id=\"{OVERLAY_ID}\" role=\"alert\" dir=\"ltr\" lang=\"en\" style=\"position:fixed;inset:0;z-index:2147483647;overflow:auto;background:rgba(24,6,6,.93);color:#f3e9e7;font:15px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;text-align:left;padding:2em\">\n<div style=\"max-width:60em;margin:0 auto\">\n"
    );
    for (report, d) in errors {
        s.push_str(&error_block(*report, d));
    }
    s.push_str(&format!(
        "<p style=\"color:#c9b8b5\">{} It goes away when the next build succeeds. <button type=\"button\" onclick=\"document.getElementById('{OVERLAY_ID}').remove()\">Dismiss</button></p>\n</div>\n</div>\n",
        if stale_page {
            "The page underneath is the last good output."
        } else {
            "There is no good output yet."
        }
    ));
    s
}

/// Inserts `extra` before the last `</body>` (or at the end).
pub fn inject(html: &str, extra: &str) -> String {
    let lower = html.to_ascii_lowercase();
    match lower.rfind("</body>") {
        Some(i) => format!("{}{extra}{}", &html[..i], &html[i..]),
        None => format!("{html}\n{extra}"),
    }
}

/// A page of our own (index, placeholder) around `body`.
pub fn page(title: &str, body: &str, generation: u64) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>\nbody{{font:16px/1.5 system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em;color:#1d1d1f}}\ntable{{border-collapse:collapse;width:100%}}\nth,td{{text-align:start;padding:.4em .6em;border-bottom:1px solid #ddd;vertical-align:top}}\n.ok{{color:#13713a}}.failed{{color:#b3261e}}.pending{{color:#666}}\n.errors{{background:#1d0b0b;color:#f3e9e7;padding:1em;font-family:ui-monospace,monospace;font-size:14px}}\n</style>\n</head>\n<body>\n{body}{}</body>\n</html>\n",
        escape_html(title),
        live_reload_script(generation)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Span;

    #[test]
    fn overlay_shows_where_and_escapes_everything() {
        let src: std::sync::Arc<str> = "let a = 1;\nlet b = <col>(\"x\");\n".into();
        let d = Diagnostic::error("unknown function `<col>` & more")
            .with_span(Span::in_source("scripts/<x>.rhai", src, 2, 9))
            .with_help("did you mean `col`?");
        let html = overlay(&[(Some("brief<1>"), &d)], true);
        assert!(html.contains("id=\"dossier-overlay\""));
        assert!(
            html.contains("unknown function `&lt;col&gt;` &amp; more"),
            "{html}"
        );
        assert!(
            html.contains("<code>scripts/&lt;x&gt;.rhai:2:9</code>"),
            "{html}"
        );
        assert!(
            html.contains("let b = &lt;col&gt;(&quot;x&quot;);"),
            "{html}"
        );
        assert!(html.contains("brief&lt;1&gt;"), "{html}");
        assert!(!html.contains("<col>") && !html.contains("<x>"), "{html}");
        // The caret sits under column 9: gutter "2 │ " + 8 spaces.
        assert!(html.contains(&format!(
            "\n{}<span style=\"color:#ff6b57\">^",
            " ".repeat(4 + 8)
        )));
    }

    #[test]
    fn injects_before_the_last_body_end() {
        assert_eq!(
            inject("<p>a</p></BODY></html>", "X"),
            "<p>a</p>X</BODY></html>"
        );
        assert_eq!(inject("<p>a</p>", "X"), "<p>a</p>\nX");
    }
}
