//! Completion and inspection for every front end (the Jupyter kernel, the
//! REPL): API functions with their signatures, variables in scope, method
//! names after `.` (those of the receiver's type when it can be told from
//! the text: a variable, a call, a chain of calls, `.str`/`.dt`), and column
//! names of the frames in scope inside a string. Cursor positions count
//! Unicode code points, as the Jupyter protocol does.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use serde::Deserialize;

use super::chart::ChartV;
use super::syntax::KEYWORDS;
use super::Session;

/// What a completion is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// A variable in scope (or declared by the code being written).
    Variable,
    /// A column of a frame in scope (inside a string).
    Column,
    /// A method or property after `.`.
    Method,
    /// A function.
    Function,
    /// A Rhai keyword.
    Keyword,
}

impl Kind {
    /// The name Jupyter front ends show (`_jupyter_types_experimental`).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Variable => "instance",
            Kind::Column => "column",
            Kind::Method => "method",
            Kind::Function => "function",
            Kind::Keyword => "keyword",
        }
    }
}

/// One completion: the text that replaces the word, its kind, and what to
/// show beside it (a function's signature, a variable's type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub text: String,
    pub kind: Kind,
    pub signature: String,
}

/// The completions at a cursor and the code-point range they replace.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Completions {
    pub start: usize,
    pub end: usize,
    pub candidates: Vec<Candidate>,
}

impl Completions {
    /// The replacement texts, in order.
    pub fn texts(&self) -> Vec<String> {
        self.candidates.iter().map(|c| c.text.clone()).collect()
    }
}

/// The completions of the word before `cursor` (in code points).
pub fn complete(session: &Session, code: &str, cursor: usize) -> Completions {
    let chars: Vec<char> = code.chars().collect();
    let cursor = cursor.min(chars.len());
    let mut start = cursor;
    while start > 0 && is_ident(chars[start - 1]) {
        start -= 1;
    }
    let prefix: String = chars[start..cursor].iter().collect();
    let api = api(session);
    let mut found: BTreeMap<String, Candidate> = BTreeMap::new();
    let mut add = |text: &str, kind: Kind, signature: String| {
        if text.starts_with(&prefix) && !found.contains_key(text) {
            found.insert(
                text.to_string(),
                Candidate {
                    text: text.to_string(),
                    kind,
                    signature,
                },
            );
        }
    };
    if inside_string(&chars[..start]) {
        for c in columns(session) {
            add(c.as_str(), Kind::Column, String::new());
        }
    } else if start > 0 && chars[start - 1] == '.' && !(start > 1 && chars[start - 2] == '.') {
        let receiver = Types::new(session, code).of(&chars[..start - 1], 0);
        for (name, signature) in api.methods(receiver.as_deref()) {
            add(name.as_str(), Kind::Method, signature);
        }
        for (name, params) in session.functions() {
            if !params.is_empty() {
                add(
                    name.as_str(),
                    Kind::Method,
                    format!("{name}({})", params.join(", ")),
                );
            }
        }
    } else {
        let scope = session.scope_values();
        for (name, value) in scope.iter().rev() {
            add(
                name.as_str(),
                Kind::Variable,
                super::values::type_name(value),
            );
        }
        for name in declared(code) {
            add(name.as_str(), Kind::Variable, String::new());
        }
        if !prefix.is_empty() {
            for k in KEYWORDS.iter().chain(super::syntax::LITERALS) {
                add(k, Kind::Keyword, String::new());
            }
        }
        for (name, params) in session.functions() {
            add(
                name.as_str(),
                Kind::Function,
                format!("{name}({})", params.join(", ")),
            );
        }
        for (name, signature) in api.functions() {
            add(name.as_str(), Kind::Function, signature);
        }
    }
    Completions {
        start,
        end: cursor,
        candidates: found.into_values().collect(),
    }
}

/// Whether an input can run as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// It parses.
    Complete,
    /// It stops in the middle of a statement: more lines are expected.
    Incomplete,
    /// It has an error before its end.
    Invalid,
}

impl Status {
    /// The word Jupyter's `is_complete_reply` uses.
    pub fn name(self) -> &'static str {
        match self {
            Status::Complete => "complete",
            Status::Incomplete => "incomplete",
            Status::Invalid => "invalid",
        }
    }
}

/// Whether `code` is complete, unfinished (an open bracket, a statement cut
/// short at the end) or invalid.
pub fn status(session: &Session, code: &str) -> Status {
    match session.engine().compile(code) {
        Ok(_) => Status::Complete,
        Err(e) => {
            let at_end = e
                .position()
                .line()
                .is_none_or(|l| l >= code.lines().count());
            if at_end
                && matches!(
                    e.err_type(),
                    rhai::ParseErrorType::UnexpectedEOF | rhai::ParseErrorType::MissingToken(_, _)
                )
            {
                Status::Incomplete
            } else {
                Status::Invalid
            }
        }
    }
}

/// Names the code itself declares (`let x`, `const X`, `fn f`), so the
/// cell being written completes its own variables before it has run.
fn declared(code: &str) -> Vec<String> {
    let words: Vec<&str> = code
        .split(|c: char| !is_ident(c))
        .filter(|w| !w.is_empty())
        .collect();
    words
        .windows(2)
        .filter(|w| matches!(w[0], "let" | "const" | "fn"))
        .map(|w| w[1].to_string())
        .filter(|n| !n.starts_with(|c: char| c.is_ascii_digit()))
        .collect()
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Whether the text before a position leaves an open `"` string.
fn inside_string(before: &[char]) -> bool {
    let mut open = false;
    let mut escaped = false;
    for &c in before {
        if escaped {
            escaped = false;
        } else if c == '\\' && open {
            escaped = true;
        } else if c == '"' {
            open = !open;
        } else if c == '\n' && open {
            open = false;
        }
    }
    open
}

/// Names of the script API: registered functions and documented ones.
pub fn function_names(session: &Session) -> BTreeSet<String> {
    api(session).functions().into_keys().collect()
}

/// Column names of every frame in scope.
pub fn columns(session: &Session) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (_, v) in session.scope_values() {
        for c in super::display::columns_of(&v) {
            out.insert(c);
        }
    }
    out
}

// ---------------------------------------------------------------------------
// The API's functions, from the engine's metadata

/// One registered function (an overload).
#[derive(Debug, Clone)]
struct Function {
    name: String,
    /// Parameter types, normalised (see [`normalise`]).
    params: Vec<String>,
    /// Return type, normalised; `?` when any.
    returns: String,
}

/// The engine's functions, read once: every session's engine registers the
/// same API (a session's own script functions come from
/// [`Session::functions`]).
struct Api {
    functions: Vec<Function>,
}

#[derive(Deserialize)]
struct MetaRoot {
    #[serde(default)]
    functions: Vec<MetaFn>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MetaFn {
    name: String,
    #[serde(default)]
    params: Vec<MetaParam>,
    #[serde(default)]
    return_type: String,
}

#[derive(Deserialize)]
struct MetaParam {
    #[serde(rename = "type", default)]
    typ: String,
}

fn api(session: &Session) -> &'static Api {
    static API: OnceLock<Api> = OnceLock::new();
    API.get_or_init(|| {
        let json = session
            .engine()
            .gen_fn_metadata_to_json(true)
            .unwrap_or_default();
        let root: MetaRoot = serde_json::from_str(&json).unwrap_or(MetaRoot { functions: vec![] });
        Api {
            functions: root
                .functions
                .into_iter()
                .map(|f| Function {
                    params: f.params.iter().map(|p| normalise(&p.typ)).collect(),
                    returns: normalise(&f.return_type),
                    name: f.name,
                })
                .collect(),
        }
    })
}

/// One spelling per type: `&mut LazyFrame` → `LazyFrame`, `ImmutableString`
/// → `string`, `RhaiResultOf<Expr>` → `Expr`, `Dynamic` → `?`.
pub(crate) fn normalise(t: &str) -> String {
    let t = t.trim();
    let t = t.strip_prefix("&mut ").unwrap_or(t);
    let t = t.strip_prefix('&').unwrap_or(t).trim();
    // `core::result::Result<T,Box<EvalAltResult>>`: the type is T; other
    // generic types go by their own name (`SmartString<LazyCompact>`).
    let t = match t.find('<') {
        Some(open) if t[..open].ends_with("Result") || t[..open].ends_with("RhaiResultOf") => {
            let inner = &t[open + 1..];
            let mut depth = 0usize;
            let end = inner
                .char_indices()
                .find(|&(_, c)| match c {
                    '<' => {
                        depth += 1;
                        false
                    }
                    '>' if depth > 0 => {
                        depth -= 1;
                        false
                    }
                    ',' | '>' => depth == 0,
                    _ => false,
                })
                .map_or(inner.len(), |(i, _)| i);
            return normalise(&inner[..end]);
        }
        Some(open) => &t[..open],
        None => t,
    };
    let short = t.rsplit("::").next().unwrap_or(t);
    match short {
        "" | "?" | "Dynamic" => "?",
        "ImmutableString" | "String" | "string" | "str" | "SmartString" | "Identifier" => "string",
        "INT" | "i64" | "int" => "int",
        "FLOAT" | "f64" | "float" => "float",
        "Array" | "array" | "Vec" => "array",
        "Map" | "map" | "BTreeMap" => "map",
        "ExprV" => "Expr",
        "LazyFrameV" => "LazyFrame",
        "DataFrameV" => "DataFrame",
        "GroupByV" => "GroupBy",
        "WhenV" => "When",
        "ThenV" => "Then",
        "ChartV" => "Chart",
        "StrNs" => "StrNamespace",
        "DtNs" => "DtNamespace",
        other => other,
    }
    .to_string()
}

/// A getter's name in the metadata (`get$str` is the `.str` property).
const GETTER: &str = "get$";

impl Api {
    /// Every function callable by name, with a signature to show.
    fn functions(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for f in &self.functions {
            if f.name.chars().all(is_ident) && !f.name.starts_with('_') {
                out.entry(f.name.clone())
                    .or_insert_with(|| self.signature(&f.name, None));
            }
        }
        for (_, docs) in super::docs::all() {
            for d in docs {
                if d.name.chars().all(is_ident) && d.signature.starts_with(d.name) {
                    out.insert(d.name.to_string(), d.signature.to_string());
                }
            }
        }
        out
    }

    /// Methods and properties of `receiver` (every one when unknown).
    fn methods(&self, receiver: Option<&str>) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for f in &self.functions {
            let Some(first) = f.params.first() else {
                continue;
            };
            if receiver.is_some_and(|r| r != first) {
                continue;
            }
            if let Some(prop) = f.name.strip_prefix(GETTER) {
                if prop.chars().all(is_ident) {
                    out.insert(prop.to_string(), format!(".{prop} -> {}", f.returns));
                }
            } else if f.name.chars().all(is_ident) && !f.name.starts_with('_') {
                out.entry(f.name.clone())
                    .or_insert_with(|| self.signature(&f.name, receiver));
            }
        }
        out
    }

    /// What a function shows beside its name: its documented signature, or
    /// its overloads' parameter types.
    fn signature(&self, name: &str, receiver: Option<&str>) -> String {
        if let Some(d) = super::docs::find(name) {
            return d.signature.to_string();
        }
        let forms: BTreeSet<String> = self
            .functions
            .iter()
            .filter(|f| f.name == name)
            .filter(|f| receiver.is_none_or(|r| f.params.first().is_some_and(|p| p == r)))
            .map(|f| {
                let params = if receiver.is_some() {
                    &f.params[1..]
                } else {
                    &f.params[..]
                };
                let ret = if f.returns == "?" || f.returns == "()" {
                    String::new()
                } else {
                    format!(" -> {}", f.returns)
                };
                format!("{name}({}){ret}", params.join(", "))
            })
            .collect();
        forms.into_iter().collect::<Vec<_>>().join(" / ")
    }

    /// The type `name(…)` returns (called on `receiver`), when every
    /// overload agrees.
    fn returns(&self, name: &str, receiver: Option<&str>) -> Option<String> {
        let types: BTreeSet<&str> = self
            .functions
            .iter()
            .filter(|f| f.name == name)
            .filter(|f| receiver.is_none_or(|r| f.params.first().is_some_and(|p| p == r)))
            .map(|f| f.returns.as_str())
            .collect();
        match types.into_iter().collect::<Vec<_>>()[..] {
            [t] if t != "?" => Some(t.to_string()),
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------
// The type of the expression before a `.`

/// Deepest chain of calls and variables [`Types::of`] follows.
const MAX_TYPE_DEPTH: usize = 16;

/// Tells the type of an expression from its text, without running it.
struct Types<'a> {
    session: &'a Session,
    code: &'a str,
    api: &'static Api,
}

impl<'a> Types<'a> {
    fn new(session: &'a Session, code: &'a str) -> Types<'a> {
        Types {
            session,
            code,
            api: api(session),
        }
    }

    /// The normalised type of the expression that ends `text`, if known.
    fn of(&self, text: &[char], depth: usize) -> Option<String> {
        if depth > MAX_TYPE_DEPTH {
            return None;
        }
        let text = trim_end(text);
        let last = *text.last()?;
        let n = text.len();
        match last {
            ')' => {
                let open = matching_open(text, n - 1)?;
                let before = trim_end(&text[..open]);
                let mut s = before.len();
                while s > 0 && is_ident(before[s - 1]) {
                    s -= 1;
                }
                let name: String = before[s..].iter().collect();
                if name.is_empty() {
                    return self.of(&text[open + 1..n - 1], depth + 1);
                }
                let receiver = self.receiver(&before[..s], depth)?;
                self.api.returns(&name, receiver.as_deref())
            }
            '"' | '`' => Some("string".into()),
            ']' => {
                let open = matching_open(text, n - 1)?;
                let before = trim_end(&text[..open]);
                match before.last() {
                    Some(&c) if is_ident(c) || matches!(c, ')' | ']' | '"') => None,
                    _ => Some("array".into()),
                }
            }
            '}' => {
                let open = matching_open(text, n - 1)?;
                (open > 0 && text[open - 1] == '#').then(|| "map".into())
            }
            c if is_ident(c) => {
                let mut s = n;
                while s > 0 && is_ident(text[s - 1]) {
                    s -= 1;
                }
                let word: String = text[s..].iter().collect();
                if word.chars().all(|c| c.is_ascii_digit()) {
                    return Some("int".into());
                }
                match self.receiver(&text[..s], depth)? {
                    Some(r) => self.api.returns(&format!("{GETTER}{word}"), Some(&r)),
                    None => self.variable(&word, depth),
                }
            }
            _ => None,
        }
    }

    /// For the text before a name: `Some(Some(type))` after `expr.`,
    /// `Some(None)` when the name stands alone, `None` when the receiver's
    /// type cannot be told.
    fn receiver(&self, before: &[char], depth: usize) -> Option<Option<String>> {
        let n = before.len();
        if n > 0 && before[n - 1] == '.' && !(n > 1 && before[n - 2] == '.') {
            self.of(&before[..n - 1], depth + 1).map(Some)
        } else {
            Some(None)
        }
    }

    /// A variable's type: from its value in scope, or from `let name = …;`
    /// in the code being written.
    fn variable(&self, name: &str, depth: usize) -> Option<String> {
        if let Some((_, v)) = self
            .session
            .scope_values()
            .into_iter()
            .rev()
            .find(|(n, _)| n == name)
        {
            return Some(normalise(&super::values::type_name(&v)));
        }
        let decl = format!("let {name} =");
        let at = self.code.rfind(&decl)? + decl.len();
        let rest = &self.code[at..];
        let end = rest.find(';').unwrap_or(rest.len());
        let rhs: Vec<char> = rest[..end].chars().collect();
        self.of(&rhs, depth + 1)
    }
}

fn trim_end(text: &[char]) -> &[char] {
    let mut n = text.len();
    while n > 0 && text[n - 1].is_whitespace() {
        n -= 1;
    }
    &text[..n]
}

/// The position of the bracket opening the one that closes at `close`,
/// skipping brackets inside strings.
fn matching_open(text: &[char], close: usize) -> Option<usize> {
    let code: String = text[..=close].iter().collect();
    let byte = code.char_indices().nth(close)?.0;
    let open = super::syntax::matching_bracket(&code, byte)?;
    Some(code[..open].chars().count())
}

// ---------------------------------------------------------------------------
// Inspection

/// The word around `cursor` (code points).
pub fn word_at(code: &str, cursor: usize) -> String {
    let chars: Vec<char> = code.chars().collect();
    let cursor = cursor.min(chars.len());
    let mut start = cursor;
    while start > 0 && is_ident(chars[start - 1]) {
        start -= 1;
    }
    let mut end = cursor;
    while end < chars.len() && is_ident(chars[end]) {
        end += 1;
    }
    // A cursor just after `name(` inspects `name`.
    if start == end && cursor > 0 && chars[cursor - 1] == '(' {
        return word_at(code, cursor - 1);
    }
    chars[start..end].iter().collect()
}

/// What inspection shows for the word at `cursor`: the API docs of a
/// function (plain text and Markdown), or a variable's type and value.
pub fn inspect(session: &Session, code: &str, cursor: usize) -> Option<Vec<(String, String)>> {
    let word = word_at(code, cursor);
    if word.is_empty() {
        return None;
    }
    if let Some((_, v)) = session
        .scope_values()
        .into_iter()
        .rev()
        .find(|(n, _)| *n == word)
    {
        let ty = super::values::type_name(&v);
        let text = super::display::plain_text(&v);
        let extra = if v.is::<ChartV>() {
            String::new()
        } else {
            let cols = super::display::columns_of(&v);
            if cols.is_empty() {
                String::new()
            } else {
                format!("\ncolumns: {}", cols.join(", "))
            }
        };
        return Some(vec![(
            "text/plain".into(),
            format!("{word}: {ty}{extra}\n{text}"),
        )]);
    }
    let doc = super::docs::find(&word)?;
    let plain = format!(
        "{}\n\n{}\n\nExample:\n{}\n\nOutput:\n{}",
        doc.signature, doc.summary, doc.example, doc.output
    );
    let markdown = format!(
        "`{}`\n\n{}\n\n```rhai\n{}\n```\n\nprints\n\n```text\n{}\n```",
        doc.signature, doc.summary, doc.example, doc.output
    );
    Some(vec![
        ("text/plain".into(), plain),
        ("text/markdown".into(), markdown),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn session() -> (tempfile::TempDir, Session) {
        super::super::test_session(Arc::new(|_: super::super::Stream, _: &str| {}))
    }

    fn texts(s: &Session, code: &str) -> Vec<String> {
        complete(s, code, code.chars().count()).texts()
    }

    #[test]
    fn words_and_strings() {
        assert_eq!(word_at("let x = dataset(", 16), "dataset");
        assert_eq!(word_at("datas", 3), "datas");
        assert!(inside_string(&"col(\"val".chars().collect::<Vec<_>>()));
        assert!(!inside_string(
            &"col(\"a\") + x".chars().collect::<Vec<_>>()
        ));
        // Code points, not bytes: "é" is one position.
        assert_eq!(word_at("let é = abc", 11), "abc");
    }

    #[test]
    fn functions_with_signatures_variables_and_keywords() {
        let (_dir, mut s) = session();
        let _ = s
            .eval_source("<t>", "let trade_rows = 3; fn twice(x) { x * 2 }")
            .expect("eval");
        let c = complete(&s, "scan_c", 6);
        assert_eq!(c.texts(), vec!["scan_csv"]);
        assert_eq!((c.start, c.end), (0, 6));
        assert!(c.candidates[0].signature.starts_with("scan_csv("), "{c:?}");
        assert_eq!(texts(&s, "trade_"), vec!["trade_rows"]);
        assert_eq!(texts(&s, "twi"), vec!["twice"]);
        assert!(texts(&s, "whi").contains(&"while".to_string()));
        // A variable declared earlier in the same input.
        assert_eq!(texts(&s, "let answer = 1; ans"), vec!["answer"]);
    }

    #[test]
    fn methods_follow_the_receiver_type() {
        let (_dir, mut s) = session();
        let _ = s
            .eval_source("<t>", "let df = frame(#{ amount: [1, 2] });")
            .expect("eval");
        // A lazy frame in scope: frame verbs, not expression methods.
        let m = texts(&s, "df.");
        assert!(m.contains(&"filter".to_string()), "{m:?}");
        assert!(m.contains(&"collect".to_string()), "{m:?}");
        assert!(!m.contains(&"alias".to_string()), "{m:?}");
        // A chain of calls on an expression, then its namespaces.
        let m = texts(&s, "col(\"a\").abs().");
        assert!(m.contains(&"alias".to_string()), "{m:?}");
        assert!(m.contains(&"str".to_string()), "{m:?}");
        assert!(!m.contains(&"collect".to_string()), "{m:?}");
        let m = texts(&s, "col(\"a\").str.");
        assert!(m.contains(&"contains".to_string()), "{m:?}");
        assert!(!m.contains(&"alias".to_string()), "{m:?}");
        let m = texts(&s, "df.select(col(\"a\").dt.y");
        assert_eq!(m, vec!["year"]);
        // A variable declared in the input being written.
        let m = texts(&s, "let e = col(\"x\");\ne.str.starts");
        assert_eq!(m, vec!["starts_with"]);
        // A name declared again has its latest type (the scope's order).
        let _ = s
            .eval_source("<t>", "let v = 1; let v = col(\"a\");")
            .expect("eval");
        let m = texts(&s, "v.ali");
        assert_eq!(m, vec!["alias"]);
        let found = complete(&s, "v", 1);
        assert_eq!(found.candidates[0].signature, "Expr", "{found:?}");
        // A collected frame.
        let m = texts(&s, "df.collect().hei");
        assert_eq!(m, vec!["height"]);
    }

    #[test]
    fn columns_inside_strings() {
        let (_dir, mut s) = session();
        let _ = s
            .eval_source("<t>", "let df = frame(#{ amount: [1], year: [2] });")
            .expect("eval");
        assert_eq!(texts(&s, "df.select(col(\"am"), vec!["amount"]);
        let c = complete(&s, "col(\"", 5);
        assert_eq!(c.texts(), vec!["amount", "year"]);
        assert_eq!(c.candidates[0].kind, Kind::Column);
    }
}
