//! Cells in scripts: the percent format that VS Code, Spyder and jupytext
//! read. `// %%` starts a code cell, `// %% [markdown]` a markdown cell
//! written as comment lines; a title may follow the marker
//! (`// %% Load the data`, `// %% [markdown] Notes`). Lines before the first
//! marker form a code cell of their own when they hold anything.

/// What a cell holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellKind {
    Code,
    Markdown,
}

/// One cell of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub kind: CellKind,
    /// The text after the marker, if any.
    pub title: Option<String>,
    /// Code, or markdown with the comment prefixes removed; no trailing blank lines.
    pub source: String,
    /// The script line (1-based) of the cell's first source line.
    pub line: usize,
}

/// The marker that starts a cell.
pub const MARKER: &str = "// %%";

/// Whether a line is a cell marker, and if so its kind and title.
fn marker(line: &str) -> Option<(CellKind, Option<String>)> {
    let rest = line.trim_start().strip_prefix(MARKER)?;
    // `// %%%` or `// %%x` is not a marker.
    if !(rest.is_empty() || rest.starts_with(char::is_whitespace)) {
        return None;
    }
    let rest = rest.trim();
    let (kind, title) = if let Some(i) = rest.find("[markdown]").or_else(|| rest.find("[md]")) {
        let tag_len = if rest[i..].starts_with("[markdown]") {
            10
        } else {
            4
        };
        let title = format!("{} {}", &rest[..i], &rest[i + tag_len..]);
        (CellKind::Markdown, title.trim().to_string())
    } else {
        (CellKind::Code, rest.to_string())
    };
    Some((kind, (!title.is_empty()).then_some(title)))
}

/// Whether a script has cell markers at all.
pub fn has_cells(text: &str) -> bool {
    text.lines().any(|l| marker(l).is_some())
}

/// Splits a script into cells.
pub fn parse(text: &str) -> Vec<Cell> {
    let mut cells = Vec::new();
    let mut current: Option<(CellKind, Option<String>, usize)> = None;
    let mut lines: Vec<&str> = Vec::new();
    let finish = |cells: &mut Vec<Cell>,
                  head: Option<(CellKind, Option<String>, usize)>,
                  lines: &mut Vec<&str>| {
        let (kind, title, first) = head.unwrap_or((CellKind::Code, None, 1));
        let implicit = cells.is_empty() && first == 1 && title.is_none();
        // Drop leading and trailing blank lines, remembering where the source starts.
        let start = lines.iter().position(|l| !l.trim().is_empty());
        let end = lines.iter().rposition(|l| !l.trim().is_empty());
        let (source, line) = match (start, end) {
            (Some(s), Some(e)) => {
                let body: Vec<String> = lines[s..=e]
                    .iter()
                    .map(|l| match kind {
                        CellKind::Code => l.to_string(),
                        CellKind::Markdown => uncomment(l),
                    })
                    .collect();
                (body.join("\n"), first + s)
            }
            _ => (String::new(), first),
        };
        lines.clear();
        if implicit && source.is_empty() {
            return;
        }
        cells.push(Cell {
            kind,
            title,
            source,
            line,
        });
    };
    let mut started = false;
    for (i, l) in text.lines().enumerate() {
        if let Some((kind, title)) = marker(l) {
            if started || !lines.is_empty() {
                finish(&mut cells, current.take(), &mut lines);
            }
            started = true;
            current = Some((kind, title, i + 2));
        } else {
            lines.push(l);
        }
    }
    if started || !lines.is_empty() {
        finish(&mut cells, current.take(), &mut lines);
    }
    cells
}

/// A markdown line without its comment prefix (`// text` → `text`).
fn uncomment(line: &str) -> String {
    let t = line.trim_start();
    match t.strip_prefix("//") {
        Some(rest) => rest.strip_prefix(' ').unwrap_or(rest).to_string(),
        None => line.to_string(),
    }
}

/// Writes cells back in the percent format (the inverse of [`parse`]).
pub fn write(cells: &[Cell]) -> String {
    let mut out = String::new();
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(MARKER);
        if c.kind == CellKind::Markdown {
            out.push_str(" [markdown]");
        }
        if let Some(t) = &c.title {
            out.push(' ');
            out.push_str(t);
        }
        out.push('\n');
        for l in c.source.lines() {
            match c.kind {
                CellKind::Code => out.push_str(l),
                CellKind::Markdown if l.is_empty() => out.push_str("//"),
                CellKind::Markdown => {
                    out.push_str("// ");
                    out.push_str(l);
                }
            }
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_code_and_markdown_cells_with_titles() {
        let text = "// header\nlet a = 1;\n\n// %% Load\nlet b = 2;\nb\n\n// %% [markdown] Notes\n// # Title\n//\n// Some *text*.\n// %%\nprint(a);\n";
        let cells = parse(text);
        assert_eq!(cells.len(), 4);
        assert_eq!(cells[0].source, "// header\nlet a = 1;");
        assert_eq!(cells[0].line, 1);
        assert_eq!(cells[1].title.as_deref(), Some("Load"));
        assert_eq!(cells[1].source, "let b = 2;\nb");
        assert_eq!(cells[1].line, 5);
        assert_eq!(cells[2].kind, CellKind::Markdown);
        assert_eq!(cells[2].title.as_deref(), Some("Notes"));
        assert_eq!(cells[2].source, "# Title\n\nSome *text*.");
        assert_eq!(cells[3].source, "print(a);");
        assert_eq!(cells[3].line, 13);
    }

    #[test]
    fn writing_then_parsing_gives_the_same_cells() {
        let text =
            "// %% One\nlet x = 1;\n\n// %% [markdown]\n// # Head\n//\n// body\n\n// %%\nx\n";
        let cells = parse(text);
        assert_eq!(write(&cells), text);
        assert_eq!(parse(&write(&cells)), cells);
    }

    #[test]
    fn not_a_marker() {
        assert!(marker("// %%% x").is_none());
        assert!(marker("//%%").is_none());
        assert_eq!(
            marker("  // %% [markdown]").map(|m| m.0),
            Some(CellKind::Markdown)
        );
        assert!(!has_cells("let a = 1; // %%x"));
    }
}
