//! The PDF writer: the typst library inside the binary, with the bundled
//! fonts, so PDFs need no TeX, no browser and no system font, and come out
//! identical on every machine.
//!
//! Two ways in:
//! - **From the HTML** (the default, any report): the rendered page is
//!   parsed and converted to Typst markup — headings, paragraphs, lists,
//!   tables, charts (their drawing embedded as a vector image, their
//!   labels set over it as Typst text: [`super::chart_labels`]), footnote marks,
//!   the sources and provenance appendices — so the PDF carries the same
//!   content as the HTML. Every piece of text becomes a Typst *string
//!   literal*, never markup, so data cannot inject Typst syntax.
//! - **From a Typst template** (`pdf_template = "x.typ"` in the report): the
//!   template reads the report's data as structured JSON
//!   (`json("/context.json")`) and the charts as `/charts/NAME.svg`; errors
//!   point at `reports/x.typ:line:col`.
//!
//! Both share one [`PdfWorld`] over in-memory files.

use std::collections::HashMap;
use std::sync::OnceLock;

use markup5ever_rcdom::{Handle, NodeData, RcDom};

use crate::render::chart_labels;
use crate::render::dom::{attr, has_class, tag};
use typst::diag::{FileError, FileResult, Severity, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World, WorldExt};
use typst_layout::PagedDocument;

use crate::diag::{Diagnostic, Span};
use crate::format::Lang;

/// The fonts compiled into the binary (see `assets/fonts/README.md`).
const FONT_FILES: &[&[u8]] = &[
    include_bytes!("../../assets/fonts/NotoSans-Regular.ttf"),
    include_bytes!("../../assets/fonts/NotoSans-Bold.ttf"),
    include_bytes!("../../assets/fonts/NotoNaskhArabic-Regular.ttf"),
    include_bytes!("../../assets/fonts/NotoNaskhArabic-Bold.ttf"),
    include_bytes!("../../assets/fonts/NotoSansArabic-Regular.ttf"),
    include_bytes!("../../assets/fonts/NotoSansArabic-Bold.ttf"),
    // Symbols the text faces lack (≈, ≤, ≥, …); Typst falls back to it.
    include_bytes!("../../assets/fonts/NotoSansMath-Regular.ttf"),
];

/// The most headline boxes side by side in a PDF (the A4 text width holds
/// four at the headline size).
const HEADLINE_COLUMNS: usize = 4;

/// Default paper and margins (A4, as the issue asks; per report overridable).
pub const DEFAULT_PAPER: &str = "a4";
/// Default margins: room for the running header and the page numbers.
pub const DEFAULT_MARGIN: &str = "(x: 18mm, top: 22mm, bottom: 20mm)";

struct Fonts {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| {
        let fonts: Vec<Font> = FONT_FILES
            .iter()
            .flat_map(|data| Font::iter(Bytes::new(*data)))
            .collect();
        Fonts {
            book: LazyHash::new(FontBook::from_fonts(&fonts)),
            fonts,
        }
    })
}

fn library() -> &'static LazyHash<Library> {
    static LIB: OnceLock<LazyHash<Library>> = OnceLock::new();
    LIB.get_or_init(|| LazyHash::new(Library::builder().build()))
}

/// Runs `f` on the pool that lays out and writes PDFs, and waits for it.
///
/// Typst lays out a document's page runs side by side, and krilla deflates
/// its pages' content streams on other threads, both with rayon, on the
/// pool of the calling thread. A report's thread is usually a one-thread
/// pool of its own: Polars makes it one (its `NOOP_POOL`, built with
/// `use_current_thread`) the first time a small query runs on it (see the
/// data layer's `threads` module). Called from there, a whole PDF ran on
/// that one thread. On this pool, the reports of a render share every core,
/// and the one that finishes first takes over the other's page runs and
/// streams.
pub fn on_layout_pool<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    let pool = POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .thread_name(|i| format!("dossier-pdf-{i}"))
            .build()
            .ok()
    });
    match pool {
        Some(pool) => pool.install(f),
        // No thread could be started: the calling thread does the work.
        None => f(),
    }
}

fn file_id(path: &str) -> FileId {
    let vpath = VirtualPath::new(path)
        .unwrap_or_else(|_| VirtualPath::new("main.typ").expect("valid path"));
    FileId::new(RootedPath::new(VirtualRoot::Project, vpath))
}

/// A Typst world over in-memory files and the bundled fonts.
pub struct PdfWorld {
    main: Source,
    /// Where the main source came from, for diagnostics.
    main_display: String,
    files: HashMap<FileId, Bytes>,
    today: Option<Datetime>,
    /// Lines of generated preamble before the user's template text, and
    /// that text, so errors point at the template's own lines.
    line_offset: usize,
    template_text: Option<std::sync::Arc<str>>,
}

impl PdfWorld {
    /// A world whose main file is `source` (shown as `display` in errors),
    /// with extra files `(absolute virtual path, bytes)`.
    pub fn new(display: &str, source: String, files: Vec<(String, Vec<u8>)>) -> PdfWorld {
        let main = Source::new(file_id("/main.typ"), source);
        let today = chrono::Utc::now().date_naive();
        use chrono::Datelike;
        PdfWorld {
            main,
            main_display: display.to_string(),
            files: files
                .into_iter()
                .map(|(p, b)| (file_id(&p), Bytes::new(b)))
                .collect(),
            today: Datetime::from_ymd(today.year(), today.month() as u8, today.day() as u8),
            line_offset: 0,
            template_text: None,
        }
    }

    /// The main source is `offset` lines of preamble followed by `template`.
    pub fn with_line_offset(mut self, offset: usize, template: String) -> Self {
        self.line_offset = offset;
        self.template_text = Some(template.into());
        self
    }

    /// Compiles to PDF bytes, on the layout pool ([`on_layout_pool`]).
    pub fn pdf(&self) -> Result<Vec<u8>, Diagnostic> {
        on_layout_pool(|| self.compile_and_export())
    }

    fn compile_and_export(&self) -> Result<Vec<u8>, Diagnostic> {
        let warned = typst::compile::<PagedDocument>(self);
        let doc = warned
            .output
            .map_err(|errs| self.diagnostic(errs.as_slice()))?;
        let options = typst_pdf::PdfOptions::default();
        typst_pdf::pdf(&doc, &options).map_err(|errs| self.diagnostic(errs.as_slice()))
    }

    fn diagnostic(&self, errs: &[SourceDiagnostic]) -> Diagnostic {
        let Some(first) = errs
            .iter()
            .find(|e| e.severity == Severity::Error)
            .or(errs.first())
        else {
            return Diagnostic::error("Typst failed without a message").with_kind("pdf");
        };
        let mut d = Diagnostic::error(format!("Typst: {}", first.message)).with_kind("pdf");
        if first.span.id() == Some(self.main.id()) {
            if let Some(range) = self.range(first.span) {
                let text = self.main.text();
                let (line, col) = crate::diag::line_col(text, range.start);
                let span = match &self.template_text {
                    Some(t) if line > self.line_offset => Span::in_source(
                        self.main_display.clone(),
                        t.clone(),
                        line - self.line_offset,
                        col,
                    ),
                    _ => Span::in_source(self.main_display.clone(), text.into(), line, col),
                };
                d = d.with_span(span);
            }
        }
        for h in &first.hints {
            d = d.with_note(format!("hint: {}", h.v));
        }
        if errs.len() > 1 {
            d = d.with_note(format!("{} more error(s)", errs.len() - 1));
        }
        d
    }
}

impl World for PdfWorld {
    fn library(&self) -> &LazyHash<Library> {
        library()
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &fonts().book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::NotSource)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.main.id() {
            return Ok(Bytes::from_string(self.main.text().to_string()));
        }
        self.files
            .get(&id)
            .cloned()
            .ok_or_else(|| FileError::NotFound(std::path::PathBuf::from(format!("{:?}", id))))
    }

    fn font(&self, index: usize) -> Option<Font> {
        fonts().fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        self.today
    }
}

/// A Typst string literal: the text appears exactly as given, whatever it holds.
pub fn typst_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Page settings of one document.
pub struct PageSettings {
    pub lang: Lang,
    pub title: String,
    /// A short date for the running header.
    pub date: String,
    pub paper: String,
    pub margin: String,
}

/// The preamble: page, fonts, direction, running header, page numbers.
fn preamble(p: &PageSettings) -> String {
    let ar = matches!(p.lang, Lang::Ar);
    let fonts = if ar {
        r#"("Noto Naskh Arabic", "Noto Sans")"#
    } else {
        r#"("Noto Sans", "Noto Naskh Arabic")"#
    };
    format!(
        r##"#set document(title: {title})
#set page(paper: {paper}, margin: {margin},
  header: context {{
    if counter(page).get().first() > 1 {{
      set text(size: 8pt, fill: luma(90))
      text({title})
      h(1fr)
      text({date})
      v(-4pt)
      line(length: 100%, stroke: 0.4pt + luma(180))
    }}
  }},
  footer: context {{
    set align(center)
    set text(size: 8pt, fill: luma(90))
    counter(page).display("1 / 1", both: true)
  }})
#set text(font: {fonts}, size: {size}, lang: "{lang}", dir: {dir}, fill: rgb("#1a1a1a"))
#set par(leading: {leading}, spacing: 0.9em)
#show heading: set text(weight: "bold")
#show heading.where(level: 1): it => block(above: 1.4em, below: 0.6em)[#text(size: 14pt, it.body)#v(-6pt)#line(length: 100%, stroke: 0.5pt + luma(200))]
#show heading.where(level: 2): set text(size: 11.5pt)
#set table(stroke: (x, y) => (bottom: if y == 0 {{ 1pt + rgb("#1a1a1a") }} else {{ 0.4pt + luma(210) }}), inset: (x: 4pt, y: 3.5pt))
#show table: set text(size: 0.92em)
#show figure.caption: set text(size: 0.9em, weight: "bold")
#show figure.where(kind: table): set figure.caption(position: top)
#set list(indent: 0.6em)
"##,
        title = typst_str(&p.title),
        date = typst_str(&p.date),
        paper = typst_str(&p.paper),
        margin = p.margin,
        fonts = fonts,
        size = if ar { "11pt" } else { "10pt" },
        lang = if ar { "ar" } else { "en" },
        dir = if ar { "rtl" } else { "ltr" },
        leading = if ar { "0.85em" } else { "0.7em" },
    )
}

/// Converts a rendered HTML page into a Typst document and its chart files.
pub fn html_to_typst(html: &str, page: &PageSettings) -> (String, Vec<(String, Vec<u8>)>) {
    use html5ever::tendril::TendrilSink;
    let dom = html5ever::parse_document(RcDom::default(), Default::default())
        .from_utf8()
        .read_from(&mut html.as_bytes())
        .expect("reading from memory cannot fail");
    let svgs = raw_svgs(html);
    let mut conv = Converter {
        svgs,
        next_svg: 0,
        files: Vec::new(),
        rtl: page.lang.is_rtl(),
        labels: false,
    };
    let mut body = String::new();
    conv.blocks(&dom.document, &mut body);
    let labels = if conv.labels {
        chart_labels::LABEL_FUNCTION
    } else {
        ""
    };
    (format!("{}{labels}\n{}", preamble(page), body), conv.files)
}

/// The `<svg>…</svg>` substrings of the page, in document order (charts are
/// embedded as their original SVG text).
fn raw_svgs(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("<svg") {
        let after = &rest[i..];
        let Some(j) = after.find("</svg>") else { break };
        out.push(after[..j + 6].to_string());
        rest = &after[j + 6..];
    }
    out
}

struct Converter {
    svgs: Vec<String>,
    next_svg: usize,
    files: Vec<(String, Vec<u8>)>,
    /// A right-to-left page (the headline boxes' rule on the right).
    rtl: bool,
    /// Whether a chart's labels were set as Typst text ([`chart_labels`]).
    labels: bool,
}

/// Elements with no printed content.
fn is_skipped(t: &str) -> bool {
    matches!(
        t,
        "head" | "style" | "script" | "title" | "meta" | "link" | "template" | "noscript"
    )
}

/// Markup that prints nothing but white space.
fn is_blank(markup: &str) -> bool {
    markup.replace("#\" \"", "").trim().is_empty()
}

fn is_block(t: &str) -> bool {
    matches!(
        t,
        "p" | "div"
            | "section"
            | "header"
            | "footer"
            | "main"
            | "article"
            | "aside"
            | "nav"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "ul"
            | "ol"
            | "dl"
            | "table"
            | "figure"
            | "blockquote"
            | "pre"
            | "hr"
            | "body"
            | "html"
    )
}

/// Collapses white space as HTML does.
fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            space = true;
        } else {
            if space {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    if space {
        out.push(' ');
    }
    out
}

impl Converter {
    fn children(node: &Handle) -> Vec<Handle> {
        node.children.borrow().clone()
    }

    /// Block-level content.
    fn blocks(&mut self, node: &Handle, out: &mut String) {
        for child in Self::children(node) {
            self.block(&child, out);
        }
    }

    fn block(&mut self, node: &Handle, out: &mut String) {
        let Some(t) = tag(node) else {
            if let NodeData::Text { contents } = &node.data {
                let text = collapse(&contents.borrow());
                if !text.trim().is_empty() {
                    out.push_str(&format!("#{}\n\n", typst_str(text.trim())));
                }
            }
            return;
        };
        match t.as_str() {
            "head" | "style" | "script" | "title" | "meta" | "link" | "template" => {}
            "h1" => {
                out.push_str(&format!(
                    "#block(below: 0.5em)[#text(size: 20pt, weight: \"bold\")[{}]]\n\n",
                    self.inline_of(node)
                ));
            }
            "h2" | "h3" | "h4" | "h5" | "h6" => {
                let level = t[1..].parse::<u8>().unwrap_or(2) - 1;
                out.push_str(&format!(
                    "#heading(level: {level})[{}]\n\n",
                    self.inline_of(node)
                ));
            }
            "p" => {
                let content = self.inline_of(node);
                if is_blank(&content) {
                    return;
                }
                if has_class(node, "kicker") {
                    out.push_str(&format!(
                        "#text(size: 8.5pt, fill: luma(90), weight: \"bold\")[{content}]\n\n"
                    ));
                } else if has_class(node, "dek") {
                    out.push_str(&format!("#text(size: 12pt, fill: luma(70))[{content}]\n\n"));
                } else if has_class(node, "byline")
                    || has_class(node, "note")
                    || has_class(node, "dateline")
                {
                    out.push_str(&format!(
                        "#text(size: 0.85em, fill: luma(85))[{content}]\n\n"
                    ));
                } else {
                    out.push_str(&format!("#par[{content}]\n\n"));
                }
            }
            "ul" if has_class(node, "headlines") => self.headlines(node, out),
            "ul" | "ol" => {
                let items: Vec<String> = Self::children(node)
                    .iter()
                    .filter(|c| tag(c).as_deref() == Some("li"))
                    .map(|li| format!("[{}]", self.flow_of(li)))
                    .collect();
                if items.is_empty() {
                    return;
                }
                let f = if t == "ol" { "enum" } else { "list" };
                out.push_str(&format!(
                    "#{f}(tight: false,\n  {}\n)\n\n",
                    items.join(",\n  ")
                ));
            }
            "dl" => {
                let mut items = Vec::new();
                let mut term = String::new();
                for c in Self::children(node) {
                    match tag(&c).as_deref() {
                        Some("dt") => term = self.inline_of(&c),
                        Some("dd") => {
                            items.push(format!("terms.item([{term}], [{}])", self.inline_of(&c)))
                        }
                        _ => {}
                    }
                }
                if !items.is_empty() {
                    out.push_str(&format!("#terms({})\n\n", items.join(", ")));
                }
            }
            "table" => self.table(node, out),
            "figure" if has_class(node, "chart") => self.chart(out),
            "svg" => self.svg_image(out, true),
            "hr" => out.push_str("#line(length: 100%, stroke: 0.5pt + luma(200))\n\n"),
            "section" if attr(node, "id").as_deref() == Some("provenance") => {
                out.push_str("#pagebreak(weak: true)\n#set text(size: 0.85em)\n");
                self.blocks(node, out);
            }
            "header" if has_class(node, "masthead") => {
                self.blocks(node, out);
                out.push_str(
                    "#line(length: 100%, stroke: 1.5pt + rgb(\"#1a1a1a\"))\n#v(0.4em)\n\n",
                );
            }
            _ if is_block(&t) || t == "li" || t == "body" => {
                // Containers: their block children in order; loose inline runs become paragraphs.
                let children = Self::children(node);
                let mut run = String::new();
                for c in &children {
                    let inline = match tag(c) {
                        Some(ct) if is_skipped(&ct) => continue,
                        Some(ct) => !is_block(&ct),
                        None => matches!(c.data, NodeData::Text { .. }),
                    };
                    if inline {
                        self.inline(c, &mut run);
                    } else {
                        if !is_blank(&run) {
                            out.push_str(&format!("#par[{run}]\n\n"));
                        }
                        run.clear();
                        self.block(c, out);
                    }
                }
                if !is_blank(&run) {
                    out.push_str(&format!("#par[{run}]\n\n"));
                }
            }
            _ => {
                let content = self.inline_of(node);
                if !content.trim().is_empty() {
                    out.push_str(&format!("#par[{content}]\n\n"));
                }
            }
        }
    }

    /// List items and cells: inline content, or blocks if they hold any.
    fn flow_of(&mut self, node: &Handle) -> String {
        let has_blocks = Self::children(node)
            .iter()
            .any(|c| tag(c).is_some_and(|t| is_block(&t)));
        if has_blocks {
            let mut s = String::new();
            self.blocks(node, &mut s);
            s
        } else {
            self.inline_of(node)
        }
    }

    fn inline_of(&mut self, node: &Handle) -> String {
        let mut s = String::new();
        for c in Self::children(node) {
            self.inline(&c, &mut s);
        }
        s.trim().to_string()
    }

    fn inline(&mut self, node: &Handle, out: &mut String) {
        match &node.data {
            NodeData::Text { contents } => {
                let text = collapse(&contents.borrow());
                if !text.is_empty() {
                    out.push_str(&format!("#{}", typst_str(&text)));
                }
            }
            NodeData::Element { .. } => {
                let t = tag(node).unwrap_or_default();
                if is_skipped(&t) {
                    return;
                }
                let inner = self.inline_of(node);
                match t.as_str() {
                    "strong" | "b" | "th" => out.push_str(&format!("#strong[{inner}]")),
                    "em" | "i" => out.push_str(&format!("#emph[{inner}]")),
                    "code" | "kbd" | "samp" => {
                        let text = text_of(node);
                        out.push_str(&format!(
                            "#text(font: (\"Noto Sans\", \"Noto Naskh Arabic\"), size: 0.9em, {})",
                            typst_str(&text)
                        ));
                    }
                    "sup" => out.push_str(&format!("#super[{inner}]")),
                    "sub" => out.push_str(&format!("#sub[{inner}]")),
                    "br" => out.push_str("#linebreak()"),
                    "time" => out.push_str(&format!("#strong[{inner}] ")),
                    "svg" => {
                        let mut s = String::new();
                        self.svg_image(&mut s, false);
                        out.push_str(&s);
                    }
                    "style" | "script" => {}
                    _ if has_class(node, "figure") => out.push_str(&format!(
                        "#text(size: 1.45em, weight: \"bold\")[{inner}]#linebreak()"
                    )),
                    _ if has_class(node, "what") => {
                        out.push_str(&format!("#text(size: 0.85em, fill: luma(70))[{inner}]"))
                    }
                    _ => out.push_str(&inner),
                }
                // A space between adjacent inline elements is kept by the text nodes around them.
            }
            _ => {}
        }
    }

    /// The next SVG of the page as an image. At block level, a dossier
    /// chart's labels are set as Typst text over the drawing
    /// ([`chart_labels`]); any other SVG is embedded whole.
    fn svg_image(&mut self, out: &mut String, block: bool) {
        let Some(svg) = self.svgs.get(self.next_svg).cloned() else {
            return;
        };
        self.next_svg += 1;
        let name = format!("/charts/chart-{}.svg", self.next_svg);
        match block.then(|| chart_labels::split(&svg)).flatten() {
            Some(split) => {
                out.push_str(&chart_labels::markup(&split, &name));
                self.files.push((name, split.drawing.into_bytes()));
                self.labels = true;
            }
            None => {
                out.push_str(&format!("#image({}, width: 100%)", typst_str(&name)));
                self.files.push((name, svg.into_bytes()));
            }
        }
    }

    fn chart(&mut self, out: &mut String) {
        let mut img = String::new();
        self.svg_image(&mut img, true);
        if img.is_empty() {
            return;
        }
        // Charts are drawn left to right whatever the page direction (they
        // mirror themselves). A chart floats to the top or bottom of a page
        // where it fits, and the text goes on around it: a chart that does
        // not fit under the text never leaves the rest of a page empty.
        out.push_str(&format!(
            "#place(auto, float: true, clearance: 1.2em)[#block(breakable: false)[#set text(dir: ltr)\n{img}]]\n\n"
        ));
    }

    /// The headline figures as a grid of boxes, as the HTML shows them.
    fn headlines(&mut self, node: &Handle, out: &mut String) {
        let side = if self.rtl { "right" } else { "left" };
        let items: Vec<String> = Self::children(node)
            .iter()
            .filter(|c| tag(c).as_deref() == Some("li"))
            .map(|li| format!("[{}]", self.inline_of(li)))
            .collect();
        if items.is_empty() {
            return;
        }
        let columns = items.len().min(HEADLINE_COLUMNS);
        out.push_str(&format!(
            "#block(above: 0.6em, below: 1.2em, breakable: false)[#grid(columns: ({}), column-gutter: 8pt, row-gutter: 8pt,\n  inset: (x: 7pt, y: 6pt), fill: luma(246), stroke: ({side}: 2.5pt + rgb(\"#0072B2\")),\n  {}\n)]\n\n",
            vec!["1fr"; columns].join(", "),
            items.join(",\n  ")
        ));
    }

    fn table(&mut self, node: &Handle, out: &mut String) {
        let mut caption = String::new();
        let mut rows: Vec<(bool, Vec<(String, bool)>)> = Vec::new();
        let mut walk = vec![node.clone()];
        while let Some(n) = walk.pop() {
            for c in Self::children(&n).into_iter().rev() {
                match tag(&c).as_deref() {
                    Some("caption") => caption = self.inline_of(&c),
                    Some("thead") | Some("tbody") | Some("tfoot") => walk.push(c.clone()),
                    _ => {}
                }
            }
        }
        // Rows in document order, header rows flagged.
        let mut sections = vec![];
        for c in Self::children(node) {
            match tag(&c).as_deref() {
                Some("thead") => sections.push((true, c.clone())),
                Some("tbody") | Some("tfoot") => sections.push((false, c.clone())),
                Some("tr") => sections.push((false, node.clone())),
                _ => {}
            }
        }
        let mut seen_direct = false;
        for (header, sec) in sections {
            if std::ptr::eq(&*sec, &**node) {
                if seen_direct {
                    continue;
                }
                seen_direct = true;
            }
            for tr in Self::children(&sec)
                .iter()
                .filter(|c| tag(c).as_deref() == Some("tr"))
            {
                let cells: Vec<(String, bool)> = Self::children(tr)
                    .iter()
                    .filter(|c| matches!(tag(c).as_deref(), Some("td") | Some("th")))
                    .map(|cell| {
                        let mut content = self.flow_of(cell);
                        if tag(cell).as_deref() == Some("th") && !header {
                            content = format!("#strong[{content}]");
                        }
                        (content, has_class(cell, "num"))
                    })
                    .collect();
                if !cells.is_empty() {
                    rows.push((header, cells));
                }
            }
        }
        let ncols = rows.iter().map(|(_, c)| c.len()).max().unwrap_or(0);
        if ncols == 0 {
            return;
        }
        // A column is numeric if its body cells are.
        let numeric: Vec<bool> = (0..ncols)
            .map(|i| {
                rows.iter()
                    .filter(|(h, _)| !h)
                    .any(|(_, c)| c.get(i).is_some_and(|x| x.1))
            })
            .collect();
        let align: Vec<&str> = numeric
            .iter()
            .map(|n| if *n { "end" } else { "start" })
            .collect();
        let cell = |(content, _): &(String, bool)| format!("[{content}]");
        let mut body = String::new();
        let header_rows: Vec<_> = rows.iter().filter(|(h, _)| *h).collect();
        if !header_rows.is_empty() {
            let cells: Vec<String> = header_rows
                .iter()
                .flat_map(|(_, c)| c.iter().map(|x| format!("[#strong[{}]]", x.0)))
                .collect();
            body.push_str(&format!("  table.header({}),\n", cells.join(", ")));
        }
        for (_, cells) in rows.iter().filter(|(h, _)| !h) {
            let mut v: Vec<String> = cells.iter().map(cell).collect();
            while v.len() < ncols {
                v.push("[]".into());
            }
            body.push_str(&format!("  {},\n", v.join(", ")));
        }
        let table = format!(
            "table(columns: {ncols}, align: ({},),\n{body})",
            align.join(", ")
        );
        if caption.is_empty() {
            out.push_str(&format!("#{table}\n\n"));
        } else {
            out.push_str(&format!(
                "#figure(kind: table, caption: [{caption}], {table})\n\n"
            ));
        }
    }
}

fn text_of(node: &Handle) -> String {
    let mut s = String::new();
    if let NodeData::Text { contents } = &node.data {
        s.push_str(&contents.borrow());
    }
    for c in node.children.borrow().iter() {
        s.push_str(&text_of(c));
    }
    s
}

/// The report's data as JSON for a Typst template: every script variable
/// (frames as arrays of row objects, charts as the path of their SVG file
/// under `/charts/`), plus `report`, `params` and `provenance`.
pub fn context_json(
    vars: &[(String, rhai::Dynamic)],
    extra: serde_json::Map<String, serde_json::Value>,
) -> (Vec<u8>, Vec<(String, Vec<u8>)>) {
    let mut files = Vec::new();
    let mut map = serde_json::Map::new();
    for (name, value) in vars {
        map.insert(name.clone(), to_json(name, value, &mut files));
    }
    map.extend(extra);
    let bytes = serde_json::to_vec(&serde_json::Value::Object(map)).unwrap_or_default();
    (bytes, files)
}

fn to_json(name: &str, d: &rhai::Dynamic, files: &mut Vec<(String, Vec<u8>)>) -> serde_json::Value {
    use crate::script::values::{any_to_dynamic, DataFrameV, LazyFrameV};
    use serde_json::Value as J;
    if let Some(c) = d.clone().try_cast::<crate::script::chart::ChartV>() {
        let path = format!("/charts/{name}.svg");
        files.push((path.clone(), c.0.svg.clone().into_bytes()));
        return J::String(path);
    }
    let df = if let Some(df) = d.clone().try_cast::<DataFrameV>() {
        Some(df.0)
    } else if let Some(lf) = d.clone().try_cast::<LazyFrameV>() {
        crate::script::frame::collect(&lf).ok().map(|x| x.0)
    } else {
        None
    };
    if let Some(df) = df {
        let rows: Vec<J> = (0..df.height())
            .map(|i| {
                let mut m = serde_json::Map::new();
                for c in df.columns() {
                    let v = c.get(i).map(any_to_dynamic).unwrap_or(rhai::Dynamic::UNIT);
                    m.insert(c.name().to_string(), to_json("", &v, files));
                }
                J::Object(m)
            })
            .collect();
        return J::Array(rows);
    }
    if d.is_array() {
        let arr = d.clone().into_array().unwrap_or_default();
        return J::Array(
            arr.iter()
                .enumerate()
                .map(|(i, v)| to_json(&format!("{name}-{i}"), v, files))
                .collect(),
        );
    }
    if d.is_map() {
        let m = d.clone().try_cast::<rhai::Map>().unwrap_or_default();
        return J::Object(
            m.iter()
                .map(|(k, v)| (k.to_string(), to_json(&format!("{name}-{k}"), v, files)))
                .collect(),
        );
    }
    rhai::serde::from_dynamic::<J>(d).unwrap_or_else(|_| J::String(d.to_string()))
}

/// Renders a report's PDF: from its Typst template if it has one, else from
/// its rendered HTML.
pub fn render(
    session: &crate::script::Session,
    spec: &crate::render::report::ReportSpec,
    params: &crate::config::Params,
    html: &str,
    provenance: &crate::render::report::Provenance,
) -> Result<Vec<u8>, Diagnostic> {
    let date = chrono::Utc::now().date_naive();
    let page = PageSettings {
        lang: spec.lang,
        title: spec.title.clone().unwrap_or_else(|| spec.name.clone()),
        date: crate::format::format_date(date, crate::format::Precision::Day, spec.lang, false),
        paper: spec
            .paper
            .clone()
            .unwrap_or_else(|| DEFAULT_PAPER.to_string()),
        margin: spec
            .margin
            .clone()
            .unwrap_or_else(|| DEFAULT_MARGIN.to_string()),
    };
    match &spec.pdf_template {
        None => {
            let (source, files) = html_to_typst(html, &page);
            // For debugging a layout: DOSSIER_TYPST_DUMP=folder keeps the generated Typst source.
            if let Some(dir) = std::env::var_os("DOSSIER_TYPST_DUMP") {
                let _ = std::fs::write(
                    std::path::Path::new(&dir).join(format!("{}.typ", spec.name)),
                    &source,
                );
            }
            PdfWorld::new(
                &format!("<{} converted from HTML>", spec.name),
                source,
                files,
            )
            .pdf()
        }
        Some(template) => {
            let rel = format!("{}/{template}", crate::template::TEMPLATE_DIR);
            let (_, text) = session.host().read_source(&rel, session.host().root())?;
            let mut extra = serde_json::Map::new();
            extra.insert(
                "report".into(),
                serde_json::json!({
                    "name": spec.name, "title": page.title, "lang": spec.lang.code(), "dir": spec.lang.dir(),
                    "date": date.format("%Y-%m-%d").to_string(), "date_text": page.date,
                }),
            );
            extra.insert(
                "params".into(),
                serde_json::Value::Object(
                    params
                        .iter()
                        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.to_string())))
                        .collect(),
                ),
            );
            extra.insert(
                "provenance".into(),
                serde_json::to_value(provenance).unwrap_or_default(),
            );
            let (json, mut files) = context_json(&session.scope_values(), extra);
            files.push(("/context.json".into(), json));
            // The page setup comes first so the template can override any of it.
            let source = format!("{}\n{}", preamble(&page), text);
            let offset_lines = preamble(&page).lines().count() + 1;
            PdfWorld::new(&rel, source, files)
                .with_line_offset(offset_lines, text.to_string())
                .pdf()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A report's thread becomes a one-thread rayon pool once Polars has run
    /// a small query there; the PDF work called from it must still reach the
    /// layout pool's threads, and the PDF must come out.
    #[test]
    fn pdf_work_leaves_a_reports_one_thread_pool() {
        std::thread::spawn(|| {
            // What Polars does to a thread that runs a small query itself.
            let _own = rayon::ThreadPoolBuilder::new()
                .use_current_thread()
                .num_threads(1)
                .build()
                .unwrap();
            assert_eq!(rayon::current_num_threads(), 1, "a one-thread pool");
            let (name, threads) = on_layout_pool(|| {
                let name = std::thread::current().name().map(str::to_string);
                (name, rayon::current_num_threads())
            });
            assert!(
                name.as_deref()
                    .is_some_and(|n| n.starts_with("dossier-pdf-")),
                "ran on {name:?}"
            );
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
            if cores > 1 && std::env::var_os("RAYON_NUM_THREADS").is_none() {
                assert_eq!(threads, cores);
            }
            let source = "#set page(width: 80mm, height: 60mm)\nOne\n#pagebreak()\nTwo".to_string();
            let pdf = PdfWorld::new("<test>", source, Vec::new()).pdf().unwrap();
            assert!(pdf.starts_with(b"%PDF-"));
        })
        .join()
        .unwrap();
    }
}
