//! `dossier diff [REPORT] [--since EDITION|DATE|last] [--edition EDITION] [--json]`:
//! what changed in the data a report reads, table by table, rows matched
//! by primary key.
//!
//! The newer side is the data as it is now, or `--edition`. The older side
//! is `--since`: `last` (the default) is the latest edition before the
//! newer side; when the data now is exactly that of the latest edition
//! (nothing changed since it was published), "now" is that edition, and
//! `last` is the one before it, so right after a run `dossier diff` still
//! says what the run brought. Exit 0 whether or not anything changed, 1 on
//! an error.

use std::io::IsTerminal;
use std::process::ExitCode;

use serde_json::{json, Value};

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::edition::changes::{comparison_json, display, edition_json};
use crate::edition::diff::{compare, Comparison, Newer};
use crate::edition::{select_since, Edition, Since, Store};

/// Rows of each kind listed per table on the terminal (`--json` lists all).
const SHOWN_ROWS: usize = 50;
/// Characters of one cell shown on the terminal before it is cut.
const SHOWN_CELL: usize = 48;

/// Arguments of `dossier diff`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The report (a name from dossier.toml); every report with editions when omitted.
    pub report: Option<String>,
    /// The older side: an edition id (see `dossier editions`), a date
    /// (the latest edition on or before that day), an RFC 3339 time, or
    /// `last` (the latest edition before the newer side).
    #[arg(long, value_name = "EDITION|DATE|last", default_value = "last")]
    pub since: String,
    /// The newer side: this edition instead of the data as it is now.
    #[arg(long, value_name = "EDITION")]
    pub edition: Option<String>,
    /// Print JSON instead of text (every row; the text lists the first 50 of each kind).
    #[arg(long)]
    pub json: bool,
}

/// One report's comparison, ready to print.
struct Outcome {
    report: String,
    /// `None` when there is no earlier edition to compare with.
    older: Option<Edition>,
    newer: Value,
    newer_text: String,
    cmp: Option<Comparison>,
}

fn compare_report(
    config: &Config,
    store: &Store,
    report: &str,
    args: &Args,
) -> Result<Outcome, Diagnostic> {
    let editions = store.list(Some(report))?;
    let since = Since::parse(&args.since);
    let (newer_index, newer_edition) = match &args.edition {
        Some(id) => {
            let e = crate::edition::find(&editions, report, id)?;
            let i = editions.iter().position(|x| std::ptr::eq(x, e));
            (i, Some(e))
        }
        None => (None, None),
    };
    let mut newer_text = match newer_edition {
        Some(e) => format!("edition {}", e.id),
        None => "the data now".to_string(),
    };
    let mut newer = match newer_edition {
        Some(e) => edition_json(e),
        None => json!({ "current": true }),
    };
    let side = match newer_edition {
        Some(e) => Newer::Edition(e),
        None => Newer::Current,
    };
    let mut older = select_since(&editions, report, &since, newer_index)?;
    let mut cmp = match older {
        Some(o) => Some(compare(config, store, o, &side)?),
        None => None,
    };
    // Nothing changed since the latest edition: "now" is that edition, and
    // `last` means the one before it.
    if newer_edition.is_none() && since == Since::Last {
        if let (Some(latest), Some(c)) = (older, &cmp) {
            if !c.any() && editions.len() >= 2 {
                let before = &editions[editions.len() - 2];
                newer_text = format!("the data now (as in edition {})", latest.id);
                newer = json!({ "current": true, "same_as": latest.id });
                cmp = Some(compare(config, store, before, &Newer::Current)?);
                older = Some(before);
            }
        }
    }
    Ok(Outcome {
        report: report.to_string(),
        older: older.cloned(),
        newer,
        newer_text,
        cmp,
    })
}

/// Compares and prints.
pub fn execute(args: Args) -> Result<ExitCode, Diagnostic> {
    let config = super::load_config(None)?;
    let store = Store::new(&config);
    let reports: Vec<String> = match &args.report {
        Some(r) => {
            super::editions::check_report(&config, &store, r)?;
            vec![r.clone()]
        }
        None => {
            let mut r: Vec<String> = store
                .list(None)?
                .into_iter()
                .map(|e| e.manifest.report)
                .collect();
            r.sort();
            r.dedup();
            r
        }
    };
    let mut outcomes = Vec::new();
    for r in &reports {
        outcomes.push(compare_report(&config, &store, r, &args)?);
    }
    if args.json {
        let values: Vec<Value> = outcomes.iter().map(outcome_json).collect();
        let v = if args.report.is_some() {
            values.into_iter().next().unwrap_or(Value::Null)
        } else {
            Value::Array(values)
        };
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        return Ok(ExitCode::SUCCESS);
    }
    if outcomes.is_empty() {
        println!("no editions yet: `dossier schedule trigger JOB` or `dossier render --edition` records one");
    }
    let paint = Paint::for_stdout();
    for (i, o) in outcomes.iter().enumerate() {
        if i > 0 {
            println!();
        }
        print!("{}", human(o, &paint));
    }
    Ok(ExitCode::SUCCESS)
}

fn outcome_json(o: &Outcome) -> Value {
    match (&o.older, &o.cmp) {
        (Some(older), Some(cmp)) => {
            comparison_json(&o.report, older, o.newer.clone(), cmp, usize::MAX)
        }
        _ => json!({
            "report": o.report,
            "since": Value::Null,
            "to": o.newer,
            "any": false,
            "counts": {"added": 0, "removed": 0, "changed": 0, "tables": 0},
            "tables": [],
        }),
    }
}

/// ANSI colours, or none when stdout is not a terminal (or `NO_COLOR` is set).
struct Paint {
    on: bool,
}

impl Paint {
    fn for_stdout() -> Paint {
        Paint {
            on: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        }
    }

    fn wrap(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    fn bold(&self, t: &str) -> String {
        self.wrap("1", t)
    }
    fn green(&self, t: &str) -> String {
        self.wrap("32", t)
    }
    fn red(&self, t: &str) -> String {
        self.wrap("31", t)
    }
    fn yellow(&self, t: &str) -> String {
        self.wrap("33", t)
    }
    fn dim(&self, t: &str) -> String {
        self.wrap("2", t)
    }
}

fn cut(s: &str) -> String {
    if s.chars().count() > SHOWN_CELL {
        format!("{}…", s.chars().take(SHOWN_CELL - 1).collect::<String>())
    } else {
        s.to_string()
    }
}

fn plural(n: u64, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {one}s")
    }
}

/// The terminal text for one report.
fn human(o: &Outcome, p: &Paint) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let (Some(older), Some(cmp)) = (&o.older, &o.cmp) else {
        let _ = writeln!(
            s,
            "{}: no earlier edition to compare with (record one with `dossier render --edition` or a scheduled run)",
            p.bold(&o.report)
        );
        return s;
    };
    let by = older
        .manifest
        .job
        .clone()
        .unwrap_or_else(|| "render".into());
    let _ = writeln!(
        s,
        "{}: {} against edition {} ({by}, {})",
        p.bold(&o.report),
        o.newer_text,
        older.id,
        older.time().format("%Y-%m-%d %H:%M %:z")
    );
    let j = comparison_json(&o.report, older, o.newer.clone(), cmp, SHOWN_ROWS);
    if !cmp.any() {
        let _ = writeln!(
            s,
            "no changes in {}",
            plural(cmp.tables.len() as u64, "table")
        );
        return s;
    }
    let counts = &j["counts"];
    let n = |k: &str| counts[k].as_u64().unwrap_or(0);
    let _ = writeln!(
        s,
        "{} changed, {} added, {} removed, in {}",
        plural(n("changed"), "row"),
        plural(n("added"), "row"),
        plural(n("removed"), "row"),
        plural(n("tables"), "table")
    );
    let empty = Vec::new();
    let tables = j["tables"].as_array().unwrap_or(&empty);
    let mut unchanged = Vec::new();
    for t in tables {
        let name = t["name"].as_str().unwrap_or("");
        let status = t["status"].as_str().unwrap_or("");
        if status == "unchanged" {
            unchanged.push(name.to_string());
            continue;
        }
        let key: Vec<&str> = t["key"]
            .as_array()
            .unwrap_or(&empty)
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let how = if key.is_empty() {
            "no primary key: rows compared as a multiset".to_string()
        } else {
            format!("key {}", key.join(", "))
        };
        let _ = writeln!(
            s,
            "\n{}  {}",
            p.bold(name),
            p.dim(&format!("{}, {how}", t["path"].as_str().unwrap_or("")))
        );
        match status {
            "new" => {
                let _ = writeln!(
                    s,
                    "  {} read for the first time ({} rows)",
                    p.green("new table:"),
                    t["rows"]
                );
                continue;
            }
            "dropped" => {
                let _ = writeln!(s, "  {} no longer read", p.red("dropped:"));
                continue;
            }
            _ => {}
        }
        for c in t["columns_added"].as_array().unwrap_or(&empty) {
            let _ = writeln!(s, "  {} column {}", p.green("+"), c.as_str().unwrap_or(""));
        }
        for c in t["columns_removed"].as_array().unwrap_or(&empty) {
            let _ = writeln!(s, "  {} column {}", p.red("-"), c.as_str().unwrap_or(""));
        }
        for c in t["columns_retyped"].as_array().unwrap_or(&empty) {
            let _ = writeln!(
                s,
                "  {} column {}: type {} → {}",
                p.yellow("~"),
                c["column"].as_str().unwrap_or(""),
                c["old"].as_str().unwrap_or(""),
                c["new"].as_str().unwrap_or("")
            );
        }
        if let Some(note) = t["note"].as_str() {
            let _ = writeln!(s, "  {}", p.dim(note));
        }
        for (kind, mark, count) in [
            ("changed", "~", "changed"),
            ("added", "+", "added"),
            ("removed", "-", "removed"),
        ] {
            let rows = t[kind].as_array().unwrap_or(&empty);
            for r in rows {
                let colour = |x: &str| match mark {
                    "+" => p.green(x),
                    "-" => p.red(x),
                    _ => p.yellow(x),
                };
                let times = match r.get("count").and_then(Value::as_u64) {
                    Some(k) if k > 1 => format!(" (×{k})"),
                    _ => String::new(),
                };
                let _ = write!(
                    s,
                    "  {} {}{times}",
                    colour(mark),
                    p.bold(r["key"].as_str().unwrap_or(""))
                );
                if kind == "changed" {
                    let _ = writeln!(s);
                    for f in r["fields"].as_array().unwrap_or(&empty) {
                        let _ = writeln!(
                            s,
                            "      {}  {} → {}",
                            f["field"].as_str().unwrap_or(""),
                            p.red(&cut(&display(&f["old"]))),
                            p.green(&cut(&display(&f["new"])))
                        );
                    }
                } else if !key.is_empty() {
                    let cells: Vec<String> = r["row"]
                        .as_object()
                        .map(|m| {
                            m.iter()
                                .filter(|(k, v)| !key.contains(&k.as_str()) && !v.is_null())
                                .map(|(k, v)| format!("{k}={}", cut(&display(v))))
                                .collect()
                        })
                        .unwrap_or_default();
                    let _ = writeln!(s, "  {}", p.dim(&cells.join("  ")));
                } else {
                    let _ = writeln!(s);
                }
                if let Some(src) = r["row"].get("source_id").and_then(Value::as_str) {
                    if kind == "changed" {
                        let _ = writeln!(s, "      {}", p.dim(&format!("source {src}")));
                    }
                }
            }
            let total = t["counts"][count].as_u64().unwrap_or(0);
            if total as usize > rows.len() {
                let _ = writeln!(
                    s,
                    "  … and {} more {count} (--json lists them all)",
                    total as usize - rows.len()
                );
            }
        }
    }
    if !unchanged.is_empty() {
        let _ = writeln!(s, "\n{} {}", p.dim("unchanged:"), unchanged.join(", "));
    }
    s
}
