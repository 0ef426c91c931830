//! nbformat 4 notebooks: a run written as `.ipynb` (outputs, execution
//! counts, the dossier kernelspec in the metadata), and an `.ipynb` read
//! back into cells for the percent-format script.

use serde_json::{json, Value};

use super::cells::{Cell, CellKind};
use super::run::{CellStatus, NotebookRun};
use crate::diag::Diagnostic;

/// The kernel's name (the kernelspec folder, `--kernel dossier`), recorded
/// in every notebook's metadata so Jupyter opens it on this kernel.
pub const KERNEL_NAME: &str = "dossier";

/// What front ends show in their kernel pickers.
pub const DISPLAY_NAME: &str = "Rhai (dossier)";

/// The notebook metadata Jupyter uses to pick the kernel.
pub fn metadata() -> Value {
    json!({
        "kernelspec": { "name": KERNEL_NAME, "display_name": DISPLAY_NAME, "language": "rhai" },
        "language_info": {
            "name": "rhai",
            "mimetype": "text/x-rhai",
            "file_extension": ".rhai",
            "pygments_lexer": "rust",
            "codemirror_mode": "rust",
        },
    })
}

/// A run as an nbformat 4.5 notebook.
pub fn to_ipynb(run: &NotebookRun) -> Value {
    let cells: Vec<Value> = run
        .cells
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut meta = json!({});
            if let Some(t) = &c.cell.title {
                meta["title"] = json!(t);
            }
            match c.cell.kind {
                CellKind::Markdown => json!({
                    "cell_type": "markdown",
                    "id": format!("cell-{}", i + 1),
                    "metadata": meta,
                    "source": c.cell.source,
                }),
                CellKind::Code => {
                    let count = c.execution_count.filter(|_| c.status != CellStatus::NotRun);
                    json!({
                        "cell_type": "code",
                        "id": format!("cell-{}", i + 1),
                        "metadata": meta,
                        "execution_count": count,
                        "source": c.cell.source,
                        "outputs": c.outputs.iter().map(|o| o.to_nbformat(count)).collect::<Vec<_>>(),
                    })
                }
            }
        })
        .collect();
    json!({
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": metadata(),
        "cells": cells,
    })
}

/// The cells of an `.ipynb` (code and markdown; raw cells become markdown).
pub fn from_ipynb(text: &str, name: &str) -> Result<Vec<Cell>, Diagnostic> {
    let nb: Value = serde_json::from_str(text)
        .map_err(|e| Diagnostic::error(format!("{name} is not a notebook: {e}")))?;
    let major = nb.get("nbformat").and_then(Value::as_u64).unwrap_or(0);
    if major != 4 {
        return Err(Diagnostic::error(format!(
            "{name}: nbformat {major} is not supported (nbformat 4 is)"
        ))
        .with_help("convert it with `jupyter nbconvert --to notebook` first"));
    }
    let cells = nb
        .get("cells")
        .and_then(Value::as_array)
        .ok_or_else(|| Diagnostic::error(format!("{name}: no `cells` list")))?;
    Ok(cells
        .iter()
        .filter_map(|c| {
            let kind = match c.get("cell_type")?.as_str()? {
                "code" => CellKind::Code,
                _ => CellKind::Markdown,
            };
            let source = match c.get("source")? {
                Value::String(s) => s.clone(),
                Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                _ => String::new(),
            };
            let title = c
                .pointer("/metadata/title")
                .and_then(Value::as_str)
                .map(str::to_string);
            Some(Cell {
                kind,
                title,
                source: source.trim_end_matches('\n').to_string(),
                line: 0,
            })
        })
        .collect())
}
