//! Plain terminal tables for the commands that list things (`data list`,
//! `data show`, `schedule history`), through comfy-table: columns sized to
//! their widest cell (Unicode width, so Arabic and CJK line up), two spaces
//! between columns, no borders, no trailing spaces. The last column is
//! never padded, so a long error or path does not widen the others.

use comfy_table::{presets::NOTHING, CellAlignment, Table};

/// A table with `header` and `rows`; the columns whose index is in `right`
/// are right-aligned (counts, ids).
pub fn render(header: &[&str], rows: &[Vec<String>], right: &[usize]) -> String {
    let mut t = Table::new();
    t.load_preset(NOTHING);
    t.set_header(header.to_vec());
    for r in rows {
        t.add_row(r.clone());
    }
    let last = header.len().saturating_sub(1);
    for (i, col) in t.column_iter_mut().enumerate() {
        // Two spaces between columns, none at the edges.
        col.set_padding((0, if i == last { 0 } else { 2 }));
        if right.contains(&i) {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
    let mut out = String::new();
    for line in t.lines() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up_and_lines_have_no_trailing_space() {
        let t = render(
            &["ID", "NAME", "NOTE"],
            &[
                vec!["7".into(), "trade".into(), "a long note".into()],
                vec!["12".into(), "كازاخستان".into(), "".into()],
            ],
            &[0],
        );
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "ID  NAME       NOTE");
        assert_eq!(lines[1], " 7  trade      a long note");
        assert_eq!(lines[2], "12  كازاخستان");
        assert!(t.lines().all(|l| !l.ends_with(' ')));
    }
}
