//! Parsed scripts shared by the runs of one process.
//!
//! `dossier render` runs the same script once per report (the English and
//! Arabic briefings both run `scripts/briefing.rhai`), and watch mode runs
//! it again after every change to the data. A script's syntax tree depends
//! only on its text and on the engine's parse limits, so each text is
//! parsed once per process and its tree cloned for every later run: the
//! runs still read the file through the host (the read is recorded and
//! sandboxed as before), they only skip the parse. An edited file has a
//! new text and is parsed again. Runs that ask for the same text at the
//! same time wait for the one parse instead of parsing it twice.
//!
//! Scripts are parsed without the run's scope: the tree must not depend on
//! one run's parameters (`params` is a constant of the scope, which Rhai's
//! optimiser could otherwise fold into the tree).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use rhai::{Engine, ParseError, AST};

use crate::config::Limits;

/// The most paths kept; past that the cache starts over.
const MAX_ENTRIES: usize = 64;

/// The parse of one path's text under one set of limits, waited for by
/// runs that ask while it is under way.
struct Entry {
    text: String,
    limits: Limits,
    parse: Arc<OnceLock<Result<AST, ParseError>>>,
}

/// The syntax tree of `text` (the contents of `path`), parsed by `engine`
/// (whose limits are `limits`) the first time this process sees the text,
/// cloned from then on. A syntax error is returned the same way each time.
/// One text per path is kept: an edited file replaces its older text (watch
/// mode never asks for that again), and the cap bounds a process that sees
/// many files, such as a long kernel session.
pub fn compile(
    engine: &Engine,
    limits: &Limits,
    path: &Path,
    text: &str,
) -> Result<AST, ParseError> {
    static CACHE: OnceLock<Mutex<HashMap<PathBuf, Entry>>> = OnceLock::new();
    let parse = {
        let Ok(mut map) = CACHE.get_or_init(Default::default).lock() else {
            return engine.compile(text);
        };
        match map.get(path) {
            Some(e) if e.text == text && e.limits == *limits => e.parse.clone(),
            _ => {
                if map.len() >= MAX_ENTRIES {
                    map.clear();
                }
                let parse = Arc::new(OnceLock::new());
                let entry = Entry {
                    text: text.to_string(),
                    limits: limits.clone(),
                    parse: parse.clone(),
                };
                map.insert(path.to_path_buf(), entry);
                parse
            }
        }
    };
    parse.get_or_init(|| engine.compile(text)).clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_text_gives_the_same_tree_and_an_edit_a_new_one() {
        let engine = Engine::new_raw();
        let limits = Limits::default();
        let path = Path::new("/project/scripts/parsed_test_a.rhai");
        let a = compile(&engine, &limits, path, "let x = 1 + 2; x").expect("parses");
        let b = compile(&engine, &limits, path, "let x = 1 + 2; x").expect("parses");
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
        let edited = compile(&engine, &limits, path, "let y = 40 + 2; y").expect("parses");
        assert_ne!(format!("{a:?}"), format!("{edited:?}"));
        assert_eq!(engine.eval_ast::<i64>(&edited).expect("runs"), 42);
    }

    #[test]
    fn a_syntax_error_is_reported_every_time() {
        let engine = Engine::new_raw();
        let limits = Limits::default();
        let path = Path::new("/project/scripts/parsed_test_b.rhai");
        for _ in 0..2 {
            let err = compile(&engine, &limits, path, "let = ;").expect_err("a syntax error");
            assert_eq!(err.1.line(), Some(1));
        }
    }

    #[test]
    fn different_limits_parse_again() {
        let mut engine = Engine::new_raw();
        let path = Path::new("/project/scripts/parsed_test_c.rhai");
        let deep = "((((((((1))))))))";
        let limits = Limits::default();
        compile(&engine, &limits, path, deep).expect("parses under the default depth");
        engine.set_max_expr_depths(3, 3);
        let tight = Limits {
            max_expr_depth: 3,
            ..Limits::default()
        };
        let err =
            compile(&engine, &tight, path, deep).expect_err("too deep under the tighter limit");
        assert!(
            err.to_string().to_lowercase().contains("too deep")
                || err.to_string().to_lowercase().contains("complex"),
            "{err}"
        );
    }
}
