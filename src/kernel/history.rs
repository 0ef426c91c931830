//! The kernel's input history: `tail`, `range` and `search` (glob patterns,
//! `unique`, `n`), with or without outputs, as `history_request` asks.
//! Kept in memory for the life of the kernel: one session, numbered 1.

use serde_json::{json, Value};

/// The number of this kernel's history session.
pub const SESSION: i64 = 1;

/// Entries a `tail` request without `n` returns (IPython's `%history -l`
/// default is 10 too).
pub const DEFAULT_TAIL: i64 = 10;

#[derive(Debug, Clone)]
struct Entry {
    line: i64,
    input: String,
    output: Option<String>,
}

/// The inputs run with `store_history`, numbered by execution count.
#[derive(Debug, Default)]
pub struct History {
    entries: Vec<Entry>,
}

impl History {
    /// Records an input and the text of its result.
    pub fn add(&mut self, line: usize, input: &str, output: Option<String>) {
        self.entries.push(Entry {
            line: line as i64,
            input: input.to_string(),
            output,
        });
    }

    /// Answers a `history_request`: `[session, line, input]` triples, or
    /// `[session, line, [input, output]]` with `output: true`.
    pub fn request(&self, content: &Value) -> Vec<Value> {
        let output = content
            .get("output")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let n = content.get("n").and_then(Value::as_i64);
        let picked: Vec<&Entry> = match content
            .get("hist_access_type")
            .and_then(Value::as_str)
            .unwrap_or("tail")
        {
            "range" => {
                let session = content.get("session").and_then(Value::as_i64).unwrap_or(0);
                // 0 is the current session, negative numbers earlier ones
                // (none: history lives as long as the kernel).
                if session != SESSION && session != 0 {
                    Vec::new()
                } else {
                    let start = content.get("start").and_then(Value::as_i64).unwrap_or(0);
                    let stop = content.get("stop").and_then(Value::as_i64);
                    self.entries
                        .iter()
                        .filter(|e| e.line >= start && stop.is_none_or(|s| e.line < s))
                        .collect()
                }
            }
            "search" => {
                let pattern = content
                    .get("pattern")
                    .and_then(Value::as_str)
                    .unwrap_or("*");
                let unique = content
                    .get("unique")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                let mut found: Vec<&Entry> = self
                    .entries
                    .iter()
                    .filter(|e| glob(pattern, &e.input))
                    .collect();
                if unique {
                    // Keep the latest run of each input.
                    let mut seen = std::collections::HashSet::new();
                    let mut kept: Vec<&Entry> = found
                        .into_iter()
                        .rev()
                        .filter(|e| seen.insert(e.input.as_str()))
                        .collect();
                    kept.reverse();
                    found = kept;
                }
                last(found, n)
            }
            _ => last(self.entries.iter().collect(), n.or(Some(DEFAULT_TAIL))),
        };
        picked
            .into_iter()
            .map(|e| {
                if output {
                    json!([SESSION, e.line, [e.input, e.output]])
                } else {
                    json!([SESSION, e.line, e.input])
                }
            })
            .collect()
    }
}

fn last(v: Vec<&Entry>, n: Option<i64>) -> Vec<&Entry> {
    match n {
        Some(n) if n >= 0 && (n as usize) < v.len() => v[v.len() - n as usize..].to_vec(),
        _ => v,
    }
}

/// Glob matching as IPython's history search does it: `*` any run of
/// characters, `?` one character, the whole input.
pub fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_range_search() {
        let mut h = History::default();
        h.add(1, "6 * 7", Some("42".into()));
        h.add(2, "print(1)", None);
        h.add(3, "6 * 7", Some("42".into()));
        let tail = h.request(&json!({"hist_access_type": "tail", "n": 2, "output": false}));
        assert_eq!(
            tail,
            vec![json!([1, 2, "print(1)"]), json!([1, 3, "6 * 7"])]
        );
        let range = h.request(&json!({"hist_access_type": "range", "session": 1, "start": 2, "stop": 3, "output": true}));
        assert_eq!(range, vec![json!([1, 2, ["print(1)", null]])]);
        let s = h.request(&json!({"hist_access_type": "search", "pattern": "6 *"}));
        assert_eq!(s.len(), 2);
        let u = h.request(&json!({"hist_access_type": "search", "pattern": "6 *", "unique": true}));
        assert_eq!(u, vec![json!([1, 3, "6 * 7"])]);
        assert!(glob("a?c*", "abcdef") && !glob("a?c", "abcd"));
    }
}
