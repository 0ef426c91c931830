//! API documentation records. Each binding module keeps a `DOCS` table
//! next to its registrations: a signature, a summary, an example script and
//! the exact output the example prints. `dossier doc` shows them, and the
//! test suite runs every example and compares the output.

use serde::Serialize;

/// One documented script function (or family of functions).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Doc {
    pub name: &'static str,
    pub signature: &'static str,
    pub summary: &'static str,
    /// A complete script that prints something.
    pub example: &'static str,
    /// What the example prints, exactly.
    pub output: &'static str,
}

/// Every documented function, grouped by topic.
pub fn all() -> Vec<(&'static str, &'static [Doc])> {
    vec![
        ("io", super::io::DOCS),
        ("frames", super::frame::DOCS),
        ("expressions", super::expr::DOCS),
        ("figures", super::figures::DOCS),
        ("charts", super::chart::DOCS),
        ("templates", super::template::DOCS),
        ("display", super::display::DOCS),
        ("editions", super::edition::DOCS),
    ]
}

/// Looks a function up by name.
pub fn find(name: &str) -> Option<Doc> {
    all()
        .into_iter()
        .flat_map(|(_, d)| d.iter().copied())
        .find(|d| d.name == name)
}
