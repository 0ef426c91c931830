//! `dossier doc [NAME] [--json]`: the script API reference, from the same
//! records the test suite runs as examples.

use std::process::ExitCode;

use crate::diag::Diagnostic;
use crate::script::docs;

/// Arguments of `dossier doc`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A function name; all functions when absent.
    pub name: Option<String>,
    /// Print JSON (every record, with its example and expected output).
    #[arg(long)]
    pub json: bool,
}

/// Prints the reference.
pub fn execute(args: Args) -> Result<ExitCode, Diagnostic> {
    let all = docs::all();
    if args.json {
        let flat: Vec<serde_json::Value> = all
            .iter()
            .flat_map(|(topic, ds)| {
                ds.iter().map(move |d| {
                    let mut v = serde_json::to_value(d).unwrap_or_default();
                    v["topic"] = serde_json::Value::String(topic.to_string());
                    v
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&flat).unwrap_or_default()
        );
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(name) = &args.name {
        let Some(d) = docs::find(name) else {
            let names: Vec<&str> = all
                .iter()
                .flat_map(|(_, ds)| ds.iter().map(|d| d.name))
                .collect();
            let mut diag = Diagnostic::error(format!("no documentation for `{name}`"));
            if let Some(s) = crate::diag::did_you_mean(name, names.iter().copied()) {
                diag = diag.with_help(format!("did you mean `{s}`?"));
            }
            return Err(diag);
        };
        println!(
            "{}\n\n{}\n\nExample:\n{}\n\nOutput:\n{}",
            d.signature, d.summary, d.example, d.output
        );
        return Ok(ExitCode::SUCCESS);
    }
    for (topic, ds) in all {
        println!("## {topic}");
        for d in ds {
            println!("  {:<14} {}", d.name, d.signature);
        }
        println!();
    }
    Ok(ExitCode::SUCCESS)
}
