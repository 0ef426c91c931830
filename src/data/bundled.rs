//! The Kazakhstan–Israel relations dataset, compiled into the binary.
//!
//! The files under `data/` are the source of truth; this module embeds them
//! so that `dataset("trade")` works in any project and `dossier new` can
//! write a working copy. A test checks the embedded copy parses and
//! validates.

use crate::diag::Diagnostic;

use super::{parse_package, LoadedPackage, Location, Package};

/// `(file name, contents)` of every bundled file.
pub const FILES: &[(&str, &str)] = &[
    (
        "datapackage.json",
        include_str!("../../data/datapackage.json"),
    ),
    ("README.md", include_str!("../../data/README.md")),
    ("sources.csv", include_str!("../../data/sources.csv")),
    ("trade.csv", include_str!("../../data/trade.csv")),
    (
        "trade_ratio.csv",
        include_str!("../../data/trade_ratio.csv"),
    ),
    ("tourism.csv", include_str!("../../data/tourism.csv")),
    ("migration.csv", include_str!("../../data/migration.csv")),
    ("events.csv", include_str!("../../data/events.csv")),
    ("facts.csv", include_str!("../../data/facts.csv")),
    ("countries.csv", include_str!("../../data/countries.csv")),
    ("labels.csv", include_str!("../../data/labels.csv")),
];

/// The contents of a bundled file.
pub fn file(name: &str) -> Option<&'static str> {
    FILES.iter().find(|(n, _)| *n == name).map(|(_, c)| *c)
}

/// The bundled package.
pub fn package() -> Result<LoadedPackage, Diagnostic> {
    let display = "<bundled>/datapackage.json".to_string();
    let package: Package = parse_package(file("datapackage.json").unwrap_or("{}"), &display)?;
    Ok(LoadedPackage {
        package,
        location: Location::Bundled,
        display,
    })
}
