//! The template environment: minijinja over the project's `reports/`
//! folder, read through the host (sandboxed, recorded for watch mode), with
//! HTML auto-escaping, strict undefined variables, and the briefing
//! filters: `number`, `percent`, `date`, `period`, `table`, `cite`, `label`.
//! Frames and charts reach templates as the values of [`value`].
//!
//! This layer sits below the script engine and knows nothing of Rhai: the
//! engine converts its values (`script::template::dynamic_to_value`) and the
//! filters format through [`crate::format`].

pub mod value;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use minijinja::value::{Kwargs, Value};
use minijinja::{AutoEscape, Environment, Error, ErrorKind, UndefinedBehavior};

use crate::diag::{Diagnostic, Span};
use crate::format::{self, Lang, NumberOptions};
use crate::host::Host;
use value::{FrameObject, Row};

/// The folder templates are loaded from, relative to the project root.
pub const TEMPLATE_DIR: &str = "reports";

/// Citations made while rendering one document, in order of first use.
#[derive(Debug, Default)]
pub struct Citations {
    order: Vec<String>,
}

impl Citations {
    /// The footnote number of a source (1-based), registering it on first use.
    pub fn number(&mut self, source_id: &str) -> usize {
        if let Some(i) = self.order.iter().position(|s| s == source_id) {
            return i + 1;
        }
        self.order.push(source_id.to_string());
        self.order.len()
    }

    /// The sources cited so far, in footnote order.
    pub fn cited(&self) -> Vec<String> {
        self.order.clone()
    }
}

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
    env.add_filter(
        "number",
        move |v: Value, kwargs: Kwargs| -> Result<String, Error> {
            let x = as_f64(&v)?;
            let o = number_options(&s, &kwargs)?;
            kwargs.assert_all_used()?;
            Ok(format::format_number(x, &o))
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
        move |v: Value, arg: Value, kwargs: Kwargs| -> Result<Value, Error> {
            // `{{ value | cite(source_id) }}` or `{{ row | cite("column") }}`.
            let is_row = v.downcast_object_ref::<Row>().is_some()
                || v.kind() == minijinja::value::ValueKind::Map;
            let (value, source) = if is_row {
                let column = arg.as_str().unwrap_or_default().to_string();
                let value = v.get_attr(&column)?;
                if value.is_undefined() {
                    return Err(Error::new(
                        ErrorKind::InvalidOperation,
                        format!("cite: the row has no column `{column}`"),
                    ));
                }
                (value, v.get_attr("source_id")?.to_string())
            } else {
                (v, arg.to_string())
            };
            let shown = if value.is_number() {
                let o = number_options(&s, &kwargs)?;
                format::format_number(as_f64(&value)?, &o)
            } else {
                value.to_string()
            };
            kwargs.assert_all_used()?;
            let n = cites.lock().map(|mut c| c.number(&source)).unwrap_or(0);
            let num = format::format_number(
                n as f64,
                &NumberOptions {
                    lang: s.lang,
                    arabic_digits: s.arabic_digits,
                    ..Default::default()
                },
            );
            Ok(Value::from_safe_string(format!(
            "<span class=\"cited\">{}<sup class=\"fn\"><a href=\"#source-{}\">{}</a></sup></span>",
            format::escape_html(&shown),
            format::escape_html(&source),
            num
        )))
        },
    );
    let cites = citations;
    env.add_function("cited_sources", move || -> Vec<String> {
        cites.lock().map(|c| c.cited()).unwrap_or_default()
    });
    env
}

fn as_f64(v: &Value) -> Result<f64, Error> {
    if let Some(i) = v.as_i64() {
        return Ok(i as f64);
    }
    f64::try_from(v.clone()).map_err(|_| {
        Error::new(
            ErrorKind::InvalidOperation,
            format!("expected a number, found {} `{v}`", v.kind()),
        )
    })
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
