//! The notebook page: one self-contained HTML file (styles inline, charts
//! as inline SVG, no scripts, nothing fetched) showing each cell's code
//! (highlighted), its output, markdown cells rendered, and errors with
//! their position inside the cell.

use pulldown_cmark::{html::push_html, Event, Options, Parser};

use super::cells::CellKind;
use super::highlight::highlight;
use super::output::{Bundle, Output};
use super::run::{CellStatus, NotebookRun};
use crate::format::escape_html;
use crate::script::Stream;

const STYLE: &str = r#"
:root { --fg: #1b1b1b; --muted: #5c6670; --line: #d9dee3; --code: #f6f8fa; --accent: #1f4e79; --err: #a4001d; --errbg: #fff1f2; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", "Noto Sans", sans-serif; color: var(--fg); background: #fff; }
header, main { max-width: 60rem; margin: 0 auto; padding: 0 1.25rem; }
header { padding-top: 1.5rem; border-bottom: 1px solid var(--line); }
header h1 { margin: 0 0 .25rem; font-size: 1.6rem; }
.meta { color: var(--muted); font-size: .875rem; margin: 0 0 1rem; }
.cell { display: grid; grid-template-columns: 5.5rem 1fr; gap: .5rem; margin: 1.25rem 0; }
.cell.markdown { display: block; margin-left: 6rem; }
.prompt { color: var(--muted); font: .8rem/1.6 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; text-align: right; padding-top: .55rem; }
.prompt .status { display: block; font-size: .7rem; }
.body { min-width: 0; }
.title { font-weight: 600; font-size: .9rem; margin: 0 0 .25rem; color: var(--accent); }
pre { margin: 0; overflow-x: auto; font: .85rem/1.5 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
pre.source { background: var(--code); border: 1px solid var(--line); border-radius: 4px; padding: .5rem .75rem; }
.outputs > * { margin-top: .5rem; }
pre.stream { padding: .25rem .75rem; }
pre.stderr { background: #fff8e6; }
.error { background: var(--errbg); border-left: 3px solid var(--err); padding: .5rem .75rem; }
.error .where { color: var(--err); font-weight: 600; margin: 0 0 .25rem; }
.figure { direction: ltr; overflow-x: auto; }
.figure svg, .figure img { max-width: 100%; height: auto; }
table { border-collapse: collapse; font-size: .85rem; }
th, td { border-bottom: 1px solid var(--line); padding: .25rem .6rem; text-align: left; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.null { color: var(--muted); }
.hl-kw { color: #8959a8; font-weight: 600; } .hl-str { color: #4d7a0f; } .hl-num { color: #c35000; } .hl-com { color: #6a737d; font-style: italic; } .hl-fn { color: #1f4e79; }
.notrun .source { opacity: .6; }
"#;

/// The page for a notebook run.
pub fn render(run: &NotebookRun) -> String {
    let heading = run
        .cells
        .iter()
        .filter(|c| c.cell.kind == CellKind::Markdown)
        .find_map(|c| {
            c.cell
                .source
                .lines()
                .find_map(|l| l.strip_prefix("# ").map(|t| t.trim().to_string()))
        });
    // A markdown heading is the page's title (and shows where it is written).
    let title = heading.clone().unwrap_or_else(|| run.script.clone());
    let mut h = String::new();
    h.push_str(
        "<!DOCTYPE html>\n<html lang=\"en\" dir=\"ltr\">\n<head>\n<meta charset=\"utf-8\">\n",
    );
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str(&format!(
        "<meta name=\"generator\" content=\"dossier {}\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        crate::VERSION,
        escape_html(&title)
    ));
    let mut params: Vec<String> = run
        .params
        .iter()
        .map(|(k, v)| format!("{k}={v:?}"))
        .collect();
    params.sort();
    h.push_str(&format!(
        "<header>\n{}<p class=\"meta\">{} · {} · {}{}</p>\n</header>\n<main>\n",
        if heading.is_some() {
            String::new()
        } else {
            format!("<h1>{}</h1>\n", escape_html(&title))
        },
        escape_html(&run.script),
        chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ"),
        escape_html(&run.summary()),
        if params.is_empty() {
            String::new()
        } else {
            format!(" · params: {}", escape_html(&params.join(", ")))
        }
    ));
    for (i, c) in run.cells.iter().enumerate() {
        let id = format!("cell-{}", i + 1);
        if c.cell.kind == CellKind::Markdown {
            h.push_str(&format!(
                "<section class=\"cell markdown\" id=\"{id}\">\n{}</section>\n",
                markdown(&c.cell.source)
            ));
            continue;
        }
        let (class, status) = match c.status {
            CellStatus::Ran => ("ran", format!("{} ms", c.duration.as_millis())),
            CellStatus::Cached => ("cached", "cached".to_string()),
            CellStatus::NotRun => ("notrun", "not run".to_string()),
            CellStatus::Markdown => ("", String::new()),
        };
        // Cells are numbered as in the script (markdown included), as
        // diagnostics and the run summary name them.
        let status = format!("cell {} · {status}", i + 1);
        let prompt = c
            .execution_count
            .filter(|_| c.status != CellStatus::NotRun)
            .map(|n| format!("In [{n}]:"))
            .unwrap_or_else(|| "In [ ]:".to_string());
        h.push_str(&format!(
            "<section class=\"cell code {class}\" id=\"{id}\">\n<div class=\"prompt\">{prompt}<span class=\"status\">{status}</span></div>\n<div class=\"body\">\n"
        ));
        if let Some(t) = &c.cell.title {
            h.push_str(&format!("<p class=\"title\">{}</p>\n", escape_html(t)));
        }
        h.push_str(&format!(
            "<pre class=\"source\"><code>{}</code></pre>\n<div class=\"outputs\">\n",
            highlight(&c.cell.source)
        ));
        for o in &c.outputs {
            h.push_str(&output(o));
        }
        h.push_str("</div>\n</div>\n</section>\n");
    }
    h.push_str("</main>\n</body>\n</html>\n");
    h
}

/// Markdown to HTML; raw HTML in the markdown is shown as text (the page
/// carries no markup it did not make).
pub fn markdown(text: &str) -> String {
    let parser = Parser::new_ext(
        text,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_FOOTNOTES,
    )
    .map(|e| match e {
        Event::Html(t) | Event::InlineHtml(t) => Event::Text(t),
        other => other,
    });
    let mut out = String::new();
    push_html(&mut out, parser);
    out
}

fn output(o: &Output) -> String {
    match o {
        Output::Stream { stream, text } => {
            let class = match stream {
                Stream::Stdout => "stdout",
                Stream::Stderr => "stderr",
            };
            format!(
                "<pre class=\"stream {class}\">{}</pre>\n",
                escape_html(text.trim_end_matches('\n'))
            )
        }
        Output::Display(b) | Output::Result(b) => bundle(b),
        Output::Error(e) => {
            let place = match e.position {
                Some(p) => format!(
                    "{}: line {}, column {} of cell {} (script line {})",
                    e.ename, p.line, p.col, p.cell, p.script_line
                ),
                None => e.ename.clone(),
            };
            format!(
                "<div class=\"error\" role=\"alert\">\n<p class=\"where\">{}</p>\n<pre>{}</pre>\n</div>\n",
                escape_html(&place),
                escape_html(&e.traceback.join("\n"))
            )
        }
    }
}

/// The richest representation this page can show.
fn bundle(b: &Bundle) -> String {
    if let Some(html) = b.get("text/html") {
        return format!("<div class=\"table\">{html}</div>\n");
    }
    if let Some(svg) = b.get("image/svg+xml") {
        return format!("<div class=\"figure\" dir=\"ltr\">{svg}</div>\n");
    }
    if let Some(png) = b.get("image/png") {
        return format!(
            "<div class=\"figure\" dir=\"ltr\"><img alt=\"\" src=\"data:image/png;base64,{}\"></div>\n",
            png.trim()
        );
    }
    format!(
        "<pre class=\"result\">{}</pre>\n",
        escape_html(b.get("text/plain").unwrap_or(""))
    )
}
