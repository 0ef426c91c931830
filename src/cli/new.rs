//! `dossier new DIR`: scaffolds a working project: dossier.toml, the
//! relations dataset in data/, and an example script that runs.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::data::bundled;
use crate::diag::Diagnostic;

/// Arguments of `dossier new`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder to create (must not exist, or be empty).
    pub dir: PathBuf,
}

const TOML: &str = r#"# dossier project file. See the README for every key.
[project]
name = "NAME"

[paths]
data = ["data"]        # folders holding a datapackage.json
output = "out"         # scripts may write only here
scripts = ["scripts"]  # what `dossier check` parses
allow_read = []        # extra folders scripts may read

[limits]
max_operations = 100000000
max_seconds = 300
max_call_levels = 64

[params]
partner = "ISR"

# `dossier render` fills reports/example.html with the script's variables.
[[report]]
name = "example"
title = "The trade mirror gap"
script = "scripts/example.rhai"
template = "example.html"
language = "en"
formats = ["html"]
"#;

const TEMPLATE: &str = r#"<!DOCTYPE html>
<html lang="{{ report.lang }}" dir="{{ report.dir }}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ report.title }}</title>
<style>body { font-family: sans-serif; max-width: 48rem; margin: auto; padding: 1rem; } td.num { text-align: end; }</style>
</head>
<body>
<h1>{{ report.title }}</h1>
{{ gap_chart }}
{{ gap | table(caption="What each office reports, and the ratio") }}
</body>
</html>
"#;

const EXAMPLE: &str = r#"// The trade mirror gap: what each statistical office reported, by year.
// Run it with:  dossier run scripts/example.rhai
let trade = dataset("trade")
    .filter(col("partner") == params.partner | col("reporter") == params.partner)
    .with_columns(col("period_start").dt.year().alias("year"));

let gap = trade
    .pivot("reporter", #{ index: "year", values: "value_usd" })
    .with_columns((col("KAZ") / col("ISR")).round(2).alias("ratio"))
    .sort("year")
    .collect();

print(gap);

// Variables left in scope fill the report template (dossier render).
let gap_chart = chart("line", gap, #{ x: "year", y: ["ISR", "KAZ"], title: "Trade by reporting office (USD)" });
"#;

/// Creates the project.
pub fn execute(args: Args) -> Result<ExitCode, Diagnostic> {
    let dir = &args.dir;
    if dir.exists()
        && std::fs::read_dir(dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(Diagnostic::error(format!(
            "{} already exists and is not empty",
            dir.display()
        )));
    }
    let io = |e: std::io::Error| {
        Diagnostic::error(format!("cannot create the project: {e}")).with_kind("io")
    };
    std::fs::create_dir_all(dir.join("data")).map_err(io)?;
    std::fs::create_dir_all(dir.join("scripts")).map_err(io)?;
    std::fs::create_dir_all(dir.join("reports")).map_err(io)?;
    std::fs::write(dir.join("reports/example.html"), TEMPLATE).map_err(io)?;
    let name = dir
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "briefing".into());
    std::fs::write(dir.join("dossier.toml"), TOML.replace("NAME", &name)).map_err(io)?;
    for (file, text) in bundled::FILES {
        std::fs::write(dir.join("data").join(file), text).map_err(io)?;
    }
    std::fs::write(dir.join("scripts/example.rhai"), EXAMPLE).map_err(io)?;
    std::fs::write(dir.join(".gitignore"), "out/\n.dossier/\n").map_err(io)?;
    println!("created {}", dir.display());
    println!(
        "  dossier.toml, data/ (the relations dataset), scripts/example.rhai, reports/example.html"
    );
    println!(
        "next:\n  cd {}\n  dossier run scripts/example.rhai\n  dossier render      # writes out/example.html",
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}
