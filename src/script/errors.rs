//! Turns Rhai errors into [`Diagnostic`]s: the innermost position with its
//! file, a readable message per error kind, "did you mean" hints, and the
//! call chain through functions and modules.

use std::path::PathBuf;

use rhai::{EvalAltResult, ParseErrorType, Position};

use crate::diag::{did_you_mean, Diagnostic, Frame, Span};

use super::{Session, STOP_INTERRUPT, STOP_TIME};

/// Converts a Rhai error raised while running `source` into a diagnostic.
pub fn to_diagnostic(err: &EvalAltResult, source: &str, session: &Session) -> Diagnostic {
    let mut trace = Vec::new();
    let mut current = source.to_string();
    let mut e = err;
    loop {
        match e {
            EvalAltResult::ErrorInFunctionCall(name, src, inner, pos) => {
                trace.push(Frame {
                    what: format!("function `{name}`"),
                    span: span(session, &current, *pos),
                });
                if !src.is_empty() {
                    current = src.clone();
                }
                // A function from an earlier input (REPL, cell) runs under
                // the caller's source name; name the input that defined it.
                if current == source {
                    if let Some(def) = session.function_source(name) {
                        current = def.to_string();
                    }
                }
                e = inner;
            }
            EvalAltResult::ErrorInModule(name, inner, pos) => {
                trace.push(Frame {
                    what: format!("module `{name}`"),
                    span: span(session, &current, *pos),
                });
                current = name.clone();
                e = inner;
            }
            _ => break,
        }
    }
    let mut d = leaf(e, session);
    d.span = Some(span(session, &current, e.position()));
    d.trace = trace;
    d
}

fn span(session: &Session, file: &str, pos: Position) -> Span {
    let line = pos.line().unwrap_or(1);
    let col = pos.position().unwrap_or(1);
    match session.host().source(&PathBuf::from(file)) {
        Some(src) => Span::in_source(file, src, line, col),
        None => Span::at(file, line, col),
    }
}

/// The message, notes and hint for the innermost error.
fn leaf(e: &EvalAltResult, session: &Session) -> Diagnostic {
    let limits = &session.ctx().config.limits;
    match e {
        EvalAltResult::ErrorParsing(ty, _) => parse_error(ty).with_kind("syntax"),
        EvalAltResult::ErrorFunctionNotFound(sig, _) => function_not_found(sig, session),
        EvalAltResult::ErrorVariableNotFound(name, _) => {
            let mut d =
                Diagnostic::error(format!("unknown variable `{name}`")).with_kind("runtime");
            let vars = session.variables();
            if let Some(s) = did_you_mean(name, vars.iter().map(String::as_str)) {
                d = d.with_help(format!("did you mean `{s}`?"));
            }
            d
        }
        EvalAltResult::ErrorTooManyOperations(_) => Diagnostic::error(format!(
            "the script was stopped by the operation limit ({} operations)",
            limits.max_operations
        ))
        .with_kind("limit")
        .with_note("an endless loop, or a loop over rows that belongs in Polars")
        .with_help("raise limits.max_operations in dossier.toml if the work is real"),
        EvalAltResult::ErrorTerminated(token, _) => {
            let t = token.to_string();
            if t == STOP_TIME {
                Diagnostic::error(format!(
                    "the script was stopped by the time limit ({} s)",
                    limits.max_seconds
                ))
                .with_kind("limit")
                .with_help("raise limits.max_seconds in dossier.toml if the work is real")
            } else if t == STOP_INTERRUPT {
                Diagnostic::error("interrupted").with_kind("interrupt")
            } else {
                Diagnostic::error(format!("the script was stopped: {t}")).with_kind("limit")
            }
        }
        EvalAltResult::ErrorStackOverflow(_) => Diagnostic::error(format!(
            "the script was stopped by the call depth limit ({} nested calls)",
            limits.max_call_levels
        ))
        .with_kind("limit")
        .with_note("runaway recursion: a function that calls itself without reaching a base case")
        .with_help("raise limits.max_call_levels in dossier.toml if the depth is real"),
        EvalAltResult::ErrorDataTooLarge(what, _) => {
            let (limit, key) = if what.contains("string") || what.contains("String") {
                (limits.max_string_size, "max_string_size")
            } else if what.contains("map") || what.contains("Map") {
                (limits.max_map_size, "max_map_size")
            } else {
                (limits.max_array_size, "max_array_size")
            };
            Diagnostic::error(format!("{what} exceeds the size limit ({limit})"))
                .with_kind("limit")
                .with_help(format!(
                    "raise limits.{key} in dossier.toml if the size is real"
                ))
        }
        EvalAltResult::ErrorMismatchDataType(expected, actual, _) => Diagnostic::error(format!(
            "type mismatch: expected {expected}, found {actual}"
        ))
        .with_kind("runtime"),
        EvalAltResult::ErrorModuleNotFound(path, _) => {
            Diagnostic::error(format!("cannot import module {path}")).with_kind("io")
        }
        EvalAltResult::ErrorRuntime(value, _) => match value.clone().try_cast::<Diagnostic>() {
            Some(d) => d,
            None => runtime(&value.to_string()),
        },
        other => {
            let text = other.to_string();
            let text = strip_position(&text);
            Diagnostic::error(text).with_kind("runtime")
        }
    }
}

/// A value the script threw itself (`throw "…"`): its first line is the
/// message, any further lines a note.
fn runtime(text: &str) -> Diagnostic {
    let (head, rest) = text.split_once('\n').unwrap_or((text, ""));
    let d = Diagnostic::error(head.to_string()).with_kind("runtime");
    if rest.trim().is_empty() {
        d
    } else {
        d.with_note(rest)
    }
}

fn strip_position(text: &str) -> String {
    match text.rfind(" (line ") {
        Some(i) if text.ends_with(')') => text[..i].to_string(),
        _ => text.to_string(),
    }
}

fn parse_error(ty: &ParseErrorType) -> Diagnostic {
    let msg = match ty {
        ParseErrorType::UnexpectedEOF => {
            "syntax error: the script ends in the middle of a statement".to_string()
        }
        ParseErrorType::MissingToken(token, ctx) => {
            format!("syntax error: expected `{token}` {ctx}")
        }
        ParseErrorType::BadInput(e) => format!("syntax error: {e}"),
        other => format!("syntax error: {other}"),
    };
    Diagnostic::error(msg)
}

/// "unknown function" with a "did you mean" hint, or "wrong argument
/// types" with the signatures that exist.
fn function_not_found(sig: &str, session: &Session) -> Diagnostic {
    let name = sig
        .split([' ', '('])
        .next()
        .unwrap_or(sig)
        .trim()
        .to_string();
    let args = sig[name.len()..]
        .trim()
        .replace("&str | ImmutableString | String", "string");
    let signatures = session.engine().gen_fn_signatures(false);
    let same: Vec<String> = signatures
        .iter()
        .filter(|s| s.split('(').next() == Some(name.as_str()))
        .map(|s| clean_signature(s))
        .collect();
    if same.is_empty() {
        let mut names: Vec<String> = signatures
            .iter()
            .filter_map(|s| s.split('(').next().map(str::to_string))
            .filter(|n| n.chars().all(|c| c.is_alphanumeric() || c == '_'))
            .collect();
        names.extend(
            crate::script::docs::all()
                .iter()
                .flat_map(|(_, d)| d.iter().map(|d| d.name.to_string())),
        );
        names.sort();
        names.dedup();
        let mut d = Diagnostic::error(format!("unknown function `{name}`")).with_kind("runtime");
        if let Some(s) = did_you_mean(&name, names.iter().map(String::as_str)) {
            d = d.with_help(format!("did you mean `{s}`?"));
        }
        d
    } else {
        let mut shown: Vec<String> = same.into_iter().collect();
        shown.sort();
        shown.dedup();
        let mut d = Diagnostic::error(format!("wrong argument types: `{name}` cannot take {args}"))
            .with_kind("runtime");
        d = d.with_note(format!(
            "`{name}` takes:\n  {}",
            shown.into_iter().take(8).collect::<Vec<_>>().join("\n  ")
        ));
        if let Some(doc) = crate::script::docs::find(&name) {
            d = d.with_help(doc.signature.to_string());
        }
        d
    }
}

fn clean_signature(s: &str) -> String {
    let head = s.split(" -> ").next().unwrap_or(s);
    head.replace("&mut ", "")
        .replace("&str | ImmutableString | String", "string")
        .replace("ImmutableString", "string")
        .replace("types::dynamic::Dynamic", "any")
        .replace("_: ", "")
}
