//! `dossier editions [REPORT] [--json]`: the recorded editions of the
//! reports (all, or one), oldest first, with their outputs and how many
//! rows changed against the edition before; and the recording step of
//! `dossier render --edition`.

use std::process::ExitCode;

use serde_json::{json, Value};

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::edition::changes::edition_json;
use crate::edition::diff::{compare, Newer};
use crate::edition::{Edition, Store, Summary};
use crate::pipeline::Rendered;

/// Arguments of `dossier editions`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The report (a name from dossier.toml); all reports when omitted.
    pub report: Option<String>,
    /// Print JSON (an array of editions) instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Records an edition of a report `dossier render --edition` just rendered,
/// and says so.
pub fn record(config: &Config, r: &Rendered) -> Result<(), Diagnostic> {
    let paths: Vec<_> = r.outputs.iter().map(|o| o.path.clone()).collect();
    let e = crate::edition::record_render(config, &r.name, &r.params, &r.accesses, &paths)?;
    println!(
        "edition {:<16} {}  {}",
        r.name,
        e.id,
        changes_text(e.manifest.summary.as_ref().map(Ok))
    );
    Ok(())
}

/// Checks that `report` is a report of dossier.toml or has editions.
pub fn check_report(config: &Config, store: &Store, report: &str) -> Result<(), Diagnostic> {
    if crate::edition::report_lang(config, report).is_some()
        || !store.list(Some(report))?.is_empty()
    {
        return Ok(());
    }
    let names: Vec<String> = config
        .reports
        .iter()
        .filter_map(|t| t.get("name").and_then(|v| v.as_str()).map(str::to_string))
        .collect();
    let mut d = Diagnostic::error(format!("unknown report `{report}`"))
        .with_kind("edition")
        .with_note(format!(
            "the reports of dossier.toml are: {}",
            names.join(", ")
        ));
    if let Some(s) = crate::diag::did_you_mean(report, names.iter().map(String::as_str)) {
        d = d.with_help(format!("did you mean `{s}`?"));
    }
    Err(d)
}

/// The changes of `e` against `previous`: from its manifest when it was
/// recorded against that edition, else computed now.
fn summary_against(
    config: &Config,
    store: &Store,
    e: &Edition,
    previous: &Edition,
) -> Result<Summary, Diagnostic> {
    if let Some(s) = &e.manifest.summary {
        if s.previous == previous.id {
            return Ok(s.clone());
        }
    }
    Ok(compare(config, store, previous, &Newer::Edition(e))?.summary(&previous.id))
}

fn changes_text(s: Option<Result<&Summary, &Diagnostic>>) -> String {
    match s {
        None => "first edition".into(),
        Some(Err(d)) => format!("changes unknown: {}", d.message),
        Some(Ok(s)) if s.tables.is_empty() => "no changes".into(),
        Some(Ok(s)) => {
            let mut parts = Vec::new();
            for (n, what) in [
                (s.changed, "changed"),
                (s.added, "added"),
                (s.removed, "removed"),
            ] {
                if n > 0 {
                    parts.push(format!("{n} {what}"));
                }
            }
            if parts.is_empty() {
                parts.push("schema changed".into());
            }
            format!("{} ({})", parts.join(", "), s.tables.join(", "))
        }
    }
}

/// Lists the editions.
pub fn execute(args: Args) -> Result<ExitCode, Diagnostic> {
    let config = super::load_config(None)?;
    let store = Store::new(&config);
    if let Some(r) = &args.report {
        check_report(&config, &store, r)?;
    }
    let all = store.list(args.report.as_deref())?;
    let mut reports: Vec<String> = all.iter().map(|e| e.manifest.report.clone()).collect();
    reports.sort();
    reports.dedup();
    let mut rows: Vec<Value> = Vec::new();
    let mut lines: Vec<String> = Vec::new();
    for report in &reports {
        let editions: Vec<&Edition> = all
            .iter()
            .filter(|e| &e.manifest.report == report)
            .collect();
        lines.push(report.to_string());
        for (i, e) in editions.iter().enumerate() {
            let previous = i.checked_sub(1).map(|p| editions[p]);
            let summary = previous.map(|p| summary_against(&config, &store, e, p));
            let outputs: Vec<String> = e
                .manifest
                .outputs
                .iter()
                .map(|o| config.display_path(&e.dir.join(o)))
                .collect();
            let by = e.manifest.job.clone().unwrap_or_else(|| "render".into());
            lines.push(format!(
                "  {:<26} {:<10} {}  {}",
                e.id,
                by,
                changes_text(summary.as_ref().map(|r| r.as_ref())),
                outputs.join(", ")
            ));
            let mut row = edition_json(e);
            row["outputs"] = json!(outputs);
            row["previous"] = json!(previous.map(|p| p.id.clone()));
            row["changes"] = match &summary {
                Some(Ok(s)) => json!({
                    "added": s.added, "removed": s.removed, "changed": s.changed,
                    "rows": s.rows(), "tables": s.tables,
                }),
                Some(Err(d)) => json!({ "error": d.message }),
                None => Value::Null,
            };
            row["tables"] = json!(e
                .manifest
                .tables
                .iter()
                .map(|t| json!({"name": t.name, "path": t.path, "sha256": t.sha256, "bytes": t.bytes}))
                .collect::<Vec<_>>());
            row["params"] = json!(e.manifest.params);
            row["dossier_version"] = json!(e.manifest.dossier_version);
            rows.push(row);
        }
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&rows).unwrap_or_default()
        );
    } else if rows.is_empty() {
        println!(
            "no editions{} yet: `dossier schedule trigger JOB` or `dossier render --edition` records one",
            args.report.as_ref().map(|r| format!(" of `{r}`")).unwrap_or_default()
        );
    } else {
        for l in lines {
            println!("{l}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
