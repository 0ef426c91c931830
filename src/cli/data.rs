//! `dossier data list | show NAME | validate`: the data package from the
//! command line.

use std::process::ExitCode;
use std::sync::Arc;

use crate::config::Config;
use crate::data::validate::validate_package;
use crate::data::{bundled, Catalogue, Location};
use crate::diag::Diagnostic;
use crate::host::Host;

/// The `data` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum DataCommand {
    /// List the datasets: name, rows, columns, title.
    List,
    /// Show a dataset's schema and first rows.
    Show {
        /// The dataset (resource) name, e.g. trade.
        name: String,
        /// How many rows to show.
        #[arg(short = 'n', long, default_value_t = 10)]
        rows: usize,
    },
    /// Validate types, keys and references; violations name file, row and column.
    Validate,
}

/// Runs a `data` subcommand.
pub fn execute(cmd: DataCommand) -> Result<ExitCode, Diagnostic> {
    let config = super::load_config(None)?;
    match cmd {
        DataCommand::List => list(&config),
        DataCommand::Show { name, rows } => show(&config, &name, rows),
        DataCommand::Validate => {
            let errors = validate_all(&config, true)?;
            if errors == 0 {
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("error: {errors} violation(s)");
                Ok(ExitCode::from(1))
            }
        }
    }
}

fn list(config: &Config) -> Result<ExitCode, Diagnostic> {
    let host = Host::new(config);
    let cat = Catalogue::load(config, &host)?;
    let mut seen = Vec::new();
    let mut table = Vec::new();
    for p in &cat.packages {
        for r in &p.package.resources {
            if seen.contains(&r.name) {
                continue;
            }
            seen.push(r.name.clone());
            let rows = cat
                .scan(&r.name, &host)
                .ok()
                .and_then(|(lf, _)| lf.collect().ok())
                .map(|df| df.height().to_string())
                .unwrap_or_else(|| "?".into());
            table.push(vec![
                r.name.clone(),
                rows,
                r.schema.fields.len().to_string(),
                p.display.clone(),
                r.title.clone().unwrap_or_default(),
            ]);
        }
    }
    print!(
        "{}",
        super::table::render(
            &["name", "rows", "cols", "package", "title"],
            &table,
            &[1, 2]
        )
    );
    Ok(ExitCode::SUCCESS)
}

fn show(config: &Config, name: &str, rows: usize) -> Result<ExitCode, Diagnostic> {
    let host = Host::new(config);
    let cat = Catalogue::load(config, &host)?;
    let (pkg, res) = cat.find(name).ok_or_else(|| cat.unknown(name))?;
    println!("{} — {}", res.name, res.title.clone().unwrap_or_default());
    if let Some(d) = &res.description {
        println!("{d}");
    }
    println!("file: {}  (package {})\n", res.path, pkg.display);
    let fields: Vec<Vec<String>> = res
        .schema
        .fields
        .iter()
        .map(|f| {
            vec![
                f.name.clone(),
                f.kind.to_string(),
                if f.constraints.required { "yes" } else { "" }.to_string(),
                f.description.clone().unwrap_or_default(),
            ]
        })
        .collect();
    print!(
        "{}",
        super::table::render(&["field", "type", "required", "description"], &fields, &[])
    );
    if let Some(pk) = &res.schema.primary_key {
        println!("primary key: {}", pk.to_vec().join(", "));
    }
    for fk in &res.schema.foreign_keys {
        let target = if fk.reference.resource.is_empty() {
            res.name.clone()
        } else {
            fk.reference.resource.clone()
        };
        println!(
            "foreign key: {} -> {}.{}",
            fk.fields.to_vec().join(", "),
            target,
            fk.reference.fields.to_vec().join(", ")
        );
    }
    let (lf, _) = cat.scan(name, &host)?;
    let df = lf
        .limit(rows as u32)
        .collect()
        .map_err(|e| Diagnostic::error(format!("cannot read {name}: {e}")).with_kind("data"))?;
    // Show every column of the table (Polars elides the middle ones by default).
    std::env::set_var("POLARS_FMT_MAX_COLS", "50");
    if std::env::var_os("POLARS_TABLE_WIDTH").is_none() {
        std::env::set_var("POLARS_TABLE_WIDTH", "250");
    }
    println!("\n{df}");
    Ok(ExitCode::SUCCESS)
}

/// Validates the project's data packages (the bundled one when the project
/// has none), printing each violation. Returns the number of violations.
pub fn validate_all(config: &Config, verbose: bool) -> Result<usize, Diagnostic> {
    let host = Arc::new(Host::new(config));
    let cat = Catalogue::load(config, &host)?;
    let project: Vec<_> = cat
        .packages
        .iter()
        .filter(|p| matches!(p.location, Location::Dir(_)))
        .collect();
    let targets = if project.is_empty() {
        vec![cat.packages.last().expect("bundled package")]
    } else {
        project
    };
    let mut total = 0;
    for pkg in targets {
        let read = |path: &str| -> Result<(String, String), Diagnostic> {
            match &pkg.location {
                Location::Dir(dir) => {
                    let rel = crate::config::display_rel(&config.root, &dir.join(path));
                    host.read_to_string(&rel).map(|(_, t)| (rel, t))
                }
                Location::Bundled => bundled::file(path)
                    .map(|t| (format!("<bundled>/{path}"), t.to_string()))
                    .ok_or_else(|| Diagnostic::error(format!("bundled file {path} missing"))),
            }
        };
        let (errors, counts) = validate_package(pkg, &read);
        for e in &errors {
            super::report(e);
        }
        total += errors.len();
        if verbose && errors.is_empty() {
            let rows: usize = counts.iter().map(|(_, n)| n).sum();
            println!(
                "ok: {} — {} resources, {} rows, types, keys and references valid",
                pkg.display,
                counts.len(),
                rows
            );
        }
    }
    Ok(total)
}
