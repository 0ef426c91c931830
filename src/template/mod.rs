//! The template environment: minijinja over the project's `reports/`
//! folder, read through the host (sandboxed, recorded for watch mode), with
//! HTML auto-escaping, strict undefined variables, and the briefing
//! filters: `number`, `percent`, `date`, `period`, `table`, `cite`, `label`.
//! Frames and charts reach templates as the values of [`value`].
//!
//! This layer sits below the script engine and knows nothing of Rhai: the
//! engine converts its values (`script::template::dynamic_to_value`) and the
//! filters format through [`crate::format`].

pub mod figure;
pub mod value;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use minijinja::value::{Kwargs, Value, ValueKind};
use minijinja::{AutoEscape, Environment, Error, ErrorKind, UndefinedBehavior};

use crate::diag::{Diagnostic, Span};
use crate::format::{self, Lang, NumberOptions};
use crate::host::Host;
use value::{FrameObject, Row};

/// The folder templates are loaded from, relative to the project root.
pub const TEMPLATE_DIR: &str = "reports";

pub use crate::template::figure::Citations;
use crate::template::figure::{self as fig, FigureMeta, Printed};

/// Everything the filters need to know about the document being rendered.
#[derive(Clone)]
pub struct RenderSettings {
    pub lang: Lang,
    pub arabic_digits: bool,
}

/// Builds an environment for one render.
pub fn environment(
    host: Arc<Host>,
    settings: RenderSettings,
    citations: Arc<Mutex<Citations>>,
) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|name| {
        match name.rsplit('.').next().unwrap_or("") {
            "css" | "txt" | "js" | "typ" => AutoEscape::None,
            // Briefings are HTML; a template with any other extension is escaped as HTML too.
            _ => AutoEscape::Html,
        }
    });
    env.set_debug(true);
    let loader_host = host.clone();
    env.set_loader(move |name: &str| -> Result<Option<String>, Error> {
        if name.contains("..") || name.starts_with('/') {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!("template names are paths inside {TEMPLATE_DIR}/: `{name}` is not"),
            ));
        }
        let rel = format!("{TEMPLATE_DIR}/{name}");
        match loader_host.read_source(&rel, loader_host.root()) {
            Ok((_, text)) => Ok(Some(text.to_string())),
            Err(d) if d.kind == "io" && d.message.starts_with("file not found") => Ok(None),
            Err(d) => Err(Error::new(ErrorKind::InvalidOperation, d.message)),
        }
    });

    let s = settings.clone();
    let cites = citations.clone();
    env.add_filter(
        "number",
        move |state: &minijinja::State,
              v: Value,
              column: Option<String>,
              kwargs: Kwargs|
              -> Result<Value, Error> {
            // `{{ x | number }}`, `{{ row | number("column") }}`, `{{ computed_value | number }}`.
            let (value, meta, column) = figure_of(&v, column.as_deref())?;
            let o = number_options(&s, &kwargs)?;
            let suffix: Option<String> = kwargs.get("suffix")?;
            kwargs.assert_all_used()?;
            let html = *state.auto_escape() != AutoEscape::None;
            let how = How {
                filter: "number",
                cite: false,
                html,
                suffix: suffix.as_deref().unwrap_or(""),
            };
            print(&s, &cites, &value, &meta, &o, column.as_deref(), &how)
        },
    );
    let s = settings.clone();
    env.add_filter(
        "percent",
        move |v: Value, kwargs: Kwargs| -> Result<String, Error> {
            let x = as_f64(&v)?;
            let decimals: Option<usize> = kwargs.get("decimals")?;
            let lang = lang_kw(&s, &kwargs)?;
            let digits = kwargs
                .get::<Option<bool>>("arabic_digits")?
                .unwrap_or(s.arabic_digits);
            kwargs.assert_all_used()?;
            Ok(format::format_percent(x, decimals, lang, digits))
        },
    );
    let s = settings.clone();
    env.add_filter(
        "date",
        move |v: Value, kwargs: Kwargs| -> Result<String, Error> {
            let text = v.to_string();
            let date = format::parse_date(&text).ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidOperation,
                    format!("date: `{text}` is not a date (YYYY-MM-DD)"),
                )
            })?;
            let precision = match kwargs.get::<Option<String>>("precision")? {
                Some(p) => format::Precision::parse(&p).ok_or_else(|| {
                    Error::new(
                        ErrorKind::InvalidOperation,
                        format!("date: unknown precision `{p}`"),
                    )
                })?,
                None => format::Precision::Day,
            };
            let lang = lang_kw(&s, &kwargs)?;
            let digits = kwargs
                .get::<Option<bool>>("arabic_digits")?
                .unwrap_or(s.arabic_digits);
            kwargs.assert_all_used()?;
            Ok(format::format_date(date, precision, lang, digits))
        },
    );
    let s = settings.clone();
    env.add_filter(
        "period",
        move |start: Value, end: Value, kwargs: Kwargs| -> Result<String, Error> {
            let a = format::parse_date(&start.to_string());
            let b = format::parse_date(&end.to_string());
            let (Some(a), Some(b)) = (a, b) else {
                return Err(Error::new(
                    ErrorKind::InvalidOperation,
                    "period: expects two dates (YYYY-MM-DD)",
                ));
            };
            let lang = lang_kw(&s, &kwargs)?;
            let digits = kwargs
                .get::<Option<bool>>("arabic_digits")?
                .unwrap_or(s.arabic_digits);
            kwargs.assert_all_used()?;
            Ok(format::format_period(a, b, lang, digits))
        },
    );
    let s = settings.clone();
    env.add_filter(
        "table",
        move |v: Value, kwargs: Kwargs| -> Result<Value, Error> {
            let Some(frame) = v.downcast_object_ref::<FrameObject>() else {
                return Err(Error::new(
                    ErrorKind::InvalidOperation,
                    "table: expects a frame",
                ));
            };
            let mut o = format::TableOptions {
                caption: kwargs.get("caption")?,
                lang: lang_kw(&s, &kwargs)?,
                arabic_digits: kwargs
                    .get::<Option<bool>>("arabic_digits")?
                    .unwrap_or(s.arabic_digits),
                columns: kwargs.get("columns")?,
                headers: None,
                number: number_options(&s, &kwargs)?,
                max_rows: kwargs.get("max_rows")?,
                id: kwargs.get("id")?,
                class: kwargs.get("class")?,
            };
            if let Some(h) = kwargs.get::<Option<Value>>("headers")? {
                let mut pairs = Vec::new();
                for key in h.try_iter()? {
                    let label = h.get_item(&key)?;
                    pairs.push((key.to_string(), label.to_string()));
                }
                o.headers = Some(pairs);
            }
            kwargs.assert_all_used()?;
            let html = format::try_frame_to_html(&frame.df, &o)
                .map_err(|e| Error::new(ErrorKind::InvalidOperation, format!("table: {e}")))?;
            Ok(Value::from_safe_string(html))
        },
    );
    let s = settings.clone();
    let cites = citations.clone();
    env.add_filter(
        "cite",
        move |state: &minijinja::State,
              v: Value,
              arg: Value,
              kwargs: Kwargs|
              -> Result<Value, Error> {
            // `{{ value | cite(source_id) }}` or `{{ row | cite("column") }}`.
            let is_row = v.downcast_object_ref::<Row>().is_some() || v.kind() == ValueKind::Map;
            let html = *state.auto_escape() != AutoEscape::None;
            let (value, meta, column) = if is_row {
                let column = arg.as_str().unwrap_or_default().to_string();
                figure_of(&v, Some(&column))?
            } else {
                let meta = FigureMeta {
                    source: Some(arg.to_string()).filter(|s| !s.is_empty()),
                    ..Default::default()
                };
                (v, meta, None)
            };
            let o = number_options(&s, &kwargs)?;
            let suffix: Option<String> = kwargs.get("suffix")?;
            kwargs.assert_all_used()?;
            if value.is_number() || value.is_none() {
                let how = How {
                    filter: "cite",
                    cite: true,
                    html,
                    suffix: suffix.as_deref().unwrap_or(""),
                };
                return print(&s, &cites, &value, &meta, &o, column.as_deref(), &how);
            }
            // A text (or empty) value with its source's footnote.
            let mark = match &meta.source {
                Some(src) => {
                    let mut c = cites.lock().map_err(|_| poisoned())?;
                    let n = c.number(src);
                    fig::footnote_mark(n, c.paragraph(src), html)
                }
                None => String::new(),
            };
            let text = if html {
                format::escape_html(&value.to_string())
            } else {
                value.to_string()
            };
            Ok(Value::from_safe_string(format!("{text}{mark}")))
        },
    );
    let cites = citations.clone();
    env.add_function("source_documents", move || -> Result<Value, Error> {
        let docs = cites.lock().map_err(|_| poisoned())?.documents();
        Ok(Value::from(minijinja::value::Serde(docs)))
    });
    let cites = citations.clone();
    env.add_function("calculations", move || -> Result<Value, Error> {
        let calcs = cites.lock().map_err(|_| poisoned())?.calculations();
        Ok(Value::from(
            calcs
                .into_iter()
                .map(|c| {
                    Value::from(std::collections::BTreeMap::from([
                        ("number", Value::from(c.number)),
                        ("anchor", Value::from(c.anchor)),
                        ("shown", Value::from(c.shown)),
                        // Markup made by the figure filters (escaped there).
                        ("note", Value::from_safe_string(c.note)),
                    ]))
                })
                .collect::<Vec<_>>(),
        ))
    });
    let cites = citations;
    env.add_function("cited_sources", move || -> Vec<String> {
        cites.lock().map(|c| c.cited()).unwrap_or_default()
    });
    env
}

use fig::as_f64;

fn poisoned() -> Error {
    Error::new(ErrorKind::InvalidOperation, "citations lock poisoned")
}

/// The value, meaning and column of what a figure filter was given: a row
/// and a column name, a figure map from `computed(...)`, or a bare number.
fn figure_of(
    v: &Value,
    column: Option<&str>,
) -> Result<(Value, FigureMeta, Option<String>), Error> {
    let is_row = v.downcast_object_ref::<Row>().is_some() || v.kind() == ValueKind::Map;
    match column {
        Some(c) if is_row => {
            let value = v.get_attr(c)?;
            if value.is_undefined() {
                return Err(Error::new(
                    ErrorKind::InvalidOperation,
                    format!("the row has no column `{c}`"),
                ));
            }
            Ok((value, FigureMeta::from_row(v, c)?, Some(c.to_string())))
        }
        None if fig::is_figure_map(v) => {
            Ok((v.get_attr("value")?, FigureMeta::from_figure_map(v)?, None))
        }
        Some(c) => Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("a column name (`{c}`) needs a row, not {} `{v}`", v.kind()),
        )),
        None => Ok((v.clone(), FigureMeta::default(), None)),
    }
}

/// How a figure filter prints.
struct How<'a> {
    filter: &'static str,
    /// Add the source's footnote.
    cite: bool,
    /// Markup, not plain text.
    html: bool,
    /// Text after the number (a unit).
    suffix: &'a str,
}

/// Prints a figure with its qualifier and its mark (see [`fig::print_figure`]).
fn print(
    s: &RenderSettings,
    cites: &Arc<Mutex<Citations>>,
    value: &Value,
    meta: &FigureMeta,
    o: &NumberOptions,
    column: Option<&str>,
    how: &How<'_>,
) -> Result<Value, Error> {
    let html = how.html;
    if value.is_none() || value.is_undefined() {
        return Ok(Value::from_safe_string(if html {
            "<span class=\"null\">—</span>".into()
        } else {
            "—".into()
        }));
    }
    let x = as_f64(value)?;
    let shown = format::format_number(x, o);
    let plain = NumberOptions {
        lang: s.lang,
        arabic_digits: s.arabic_digits,
        ..Default::default()
    };
    let format_input = move |v: f64| format::format_number(v, &plain);
    let mut c = cites.lock().map_err(|_| poisoned())?;
    let out = fig::print_figure(
        &Printed {
            lang: o.lang,
            html,
            value: x,
            shown: &shown,
            meta,
            cite: how.cite,
            suffix: how.suffix,
            format_input: &format_input,
        },
        column,
        how.filter,
        &mut c,
    );
    Ok(Value::from_safe_string(out))
}

fn lang_kw(s: &RenderSettings, kwargs: &Kwargs) -> Result<Lang, Error> {
    Ok(match kwargs.get::<Option<String>>("lang")? {
        Some(l) => Lang::try_parse(&l).ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidOperation,
                format!("unknown language `{l}` (use \"en\" or \"ar\")"),
            )
        })?,
        None => s.lang,
    })
}

fn number_options(s: &RenderSettings, kwargs: &Kwargs) -> Result<NumberOptions, Error> {
    Ok(NumberOptions {
        decimals: kwargs.get("decimals")?,
        compact: kwargs.get::<Option<bool>>("compact")?.unwrap_or(false),
        lang: lang_kw(s, kwargs)?,
        arabic_digits: kwargs
            .get::<Option<bool>>("arabic_digits")?
            .unwrap_or(s.arabic_digits),
        grouping: kwargs.get::<Option<bool>>("grouping")?.unwrap_or(true),
        sign: kwargs.get::<Option<bool>>("sign")?.unwrap_or(false),
    })
}

/// A template error as a diagnostic naming the template file and line.
pub fn to_diagnostic(err: &Error, host: &Host, context_names: &[String]) -> Diagnostic {
    let mut message = match err.kind() {
        ErrorKind::UndefinedError => "undefined variable or attribute".to_string(),
        ErrorKind::SyntaxError => "template syntax error".to_string(),
        ErrorKind::TemplateNotFound => "template not found".to_string(),
        _ => format!("template error: {}", err.kind()),
    };
    if let Some(detail) = err.detail() {
        message.push_str(&format!(": {detail}"));
    }
    let mut d = Diagnostic::error(message).with_kind("template");
    if let (Some(name), Some(line)) = (err.name(), err.line()) {
        let file = PathBuf::from(format!("{TEMPLATE_DIR}/{name}"));
        let source = host
            .source(&host.root().join(&file))
            .or_else(|| err.template_source().map(Into::into));
        let col = match (&source, err.range()) {
            (Some(src), Some(r)) => crate::diag::line_col(src, r.start).1,
            _ => 1,
        };
        let span = match source {
            Some(src) => Span::in_source(file, src, line, col),
            None => Span::at(file, line, 1),
        };
        d = d.with_span(span);
    }
    if err.kind() == ErrorKind::UndefinedError && !context_names.is_empty() {
        d = d.with_note(format!("the variables are: {}", context_names.join(", ")));
    }
    let mut cause = std::error::Error::source(err);
    while let Some(c) = cause {
        d = d.with_note(c.to_string());
        cause = c.source();
    }
    d
}
