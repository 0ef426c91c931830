//! `dossier.toml` and command-line overrides, resolved into one [`Config`].
//!
//! Configuration is read in two stages (the ripgrep habit): the raw TOML is
//! deserialised into [`RawConfig`], then [`Config::load`] resolves paths
//! against the project root, applies defaults and validates everything
//! before any work starts. Nothing downstream reads the TOML again.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::diag::Diagnostic;

/// The name of the project file that marks a project's root.
pub const PROJECT_FILE: &str = "dossier.toml";

/// Default script limits. Each is overridable under `[limits]`.
pub mod defaults {
    /// Rhai operations per run: about ten seconds of pure Rhai work, far more
    /// than an analysis that pushes its work into Polars needs, and small
    /// enough that `loop {}` stops quickly with a clear message.
    pub const MAX_OPERATIONS: u64 = 100_000_000;
    /// Wall time per run in seconds (includes time spent inside Polars).
    pub const MAX_SECONDS: f64 = 300.0;
    /// Nested function calls: deep enough for real helper modules, shallow
    /// enough to stop runaway recursion long before the native stack is at risk.
    pub const MAX_CALL_LEVELS: usize = 64;
    /// Largest string a script may build, in bytes (10 MB).
    pub const MAX_STRING_SIZE: usize = 10_000_000;
    /// Largest array a script may build (also bounds `rows()` on a frame).
    pub const MAX_ARRAY_SIZE: usize = 1_000_000;
    /// Largest object map a script may build.
    pub const MAX_MAP_SIZE: usize = 100_000;
    /// Deepest expression nesting the parser accepts.
    pub const MAX_EXPR_DEPTH: usize = 128;
}

/// `dossier.toml` as written by the user.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    #[serde(default)]
    pub project: RawProject,
    #[serde(default)]
    pub paths: RawPaths,
    #[serde(default)]
    pub limits: RawLimits,
    #[serde(default)]
    pub params: toml::Table,
    #[serde(default, rename = "report")]
    pub reports: Vec<toml::Table>,
    #[serde(default, rename = "schedule")]
    pub schedules: Vec<toml::Table>,
}

/// `[project]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProject {
    pub name: Option<String>,
    pub title: Option<String>,
}

/// `[paths]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPaths {
    /// Folders holding data packages (`datapackage.json`), relative to the root.
    pub data: Option<Vec<String>>,
    /// The output folder; scripts may write only below it.
    pub output: Option<String>,
    /// Folders holding scripts (what `dossier check` parses).
    pub scripts: Option<Vec<String>>,
    /// Extra folders scripts may read from, outside the project root.
    pub allow_read: Option<Vec<String>>,
}

/// `[limits]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLimits {
    pub max_operations: Option<u64>,
    pub max_seconds: Option<f64>,
    pub max_call_levels: Option<usize>,
    pub max_string_size: Option<usize>,
    pub max_array_size: Option<usize>,
    pub max_map_size: Option<usize>,
    pub max_expr_depth: Option<usize>,
}

/// Resolved script limits.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    pub max_operations: u64,
    pub max_seconds: f64,
    pub max_call_levels: usize,
    pub max_string_size: usize,
    pub max_array_size: usize,
    pub max_map_size: usize,
    pub max_expr_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_operations: defaults::MAX_OPERATIONS,
            max_seconds: defaults::MAX_SECONDS,
            max_call_levels: defaults::MAX_CALL_LEVELS,
            max_string_size: defaults::MAX_STRING_SIZE,
            max_array_size: defaults::MAX_ARRAY_SIZE,
            max_map_size: defaults::MAX_MAP_SIZE,
            max_expr_depth: defaults::MAX_EXPR_DEPTH,
        }
    }
}

/// A run parameter value: typed from `-P key=value` or from `[params]`.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    Int(i64),
    Float(f64),
    Bool(bool),
    Str(String),
}

impl ParamValue {
    /// Types a command-line value: integers, floats and booleans are typed,
    /// anything else stays a string (`-P year=2022` gives an integer).
    pub fn parse(text: &str) -> ParamValue {
        if let Ok(i) = text.parse::<i64>() {
            return ParamValue::Int(i);
        }
        if let Ok(f) = text.parse::<f64>() {
            if text.chars().any(|c| c.is_ascii_digit()) {
                return ParamValue::Float(f);
            }
        }
        match text {
            "true" => ParamValue::Bool(true),
            "false" => ParamValue::Bool(false),
            _ => ParamValue::Str(text.to_string()),
        }
    }

    fn from_toml(value: &toml::Value) -> Option<ParamValue> {
        Some(match value {
            toml::Value::Integer(i) => ParamValue::Int(*i),
            toml::Value::Float(f) => ParamValue::Float(*f),
            toml::Value::Boolean(b) => ParamValue::Bool(*b),
            toml::Value::String(s) => ParamValue::Str(s.clone()),
            toml::Value::Datetime(d) => ParamValue::Str(d.to_string()),
            _ => return None,
        })
    }
}

impl std::fmt::Display for ParamValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParamValue::Int(i) => write!(f, "{i}"),
            ParamValue::Float(x) => write!(f, "{x}"),
            ParamValue::Bool(b) => write!(f, "{b}"),
            ParamValue::Str(s) => write!(f, "{s}"),
        }
    }
}

/// Ordered run parameters.
pub type Params = BTreeMap<String, ParamValue>;

/// Parses `key=value` pairs from `-P` flags.
pub fn parse_param_flags(flags: &[String]) -> Result<Params, Diagnostic> {
    let mut out = Params::new();
    for flag in flags {
        let Some((k, v)) = flag.split_once('=') else {
            return Err(Diagnostic::error(format!(
                "invalid parameter `{flag}`: expected KEY=VALUE, e.g. -P year=2022"
            )));
        };
        let k = k.trim();
        if k.is_empty() || !k.chars().all(|c| c.is_alphanumeric() || c == '_') {
            return Err(Diagnostic::error(format!(
                "invalid parameter name `{k}`: use letters, digits and `_`"
            )));
        }
        out.insert(k.to_string(), ParamValue::parse(v));
    }
    Ok(out)
}

/// The resolved project configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The project root (canonical, absolute).
    pub root: PathBuf,
    /// Whether a `dossier.toml` was found (otherwise defaults apply).
    pub has_project_file: bool,
    /// The project's name.
    pub name: String,
    /// Data package folders (absolute).
    pub data_dirs: Vec<PathBuf>,
    /// Script folders (absolute).
    pub script_dirs: Vec<PathBuf>,
    /// The output folder (absolute; may not exist yet).
    pub output_dir: PathBuf,
    /// Extra readable roots (absolute).
    pub allow_read: Vec<PathBuf>,
    /// Script limits.
    pub limits: Limits,
    /// Default parameters from `[params]`.
    pub params: Params,
    /// `[[report]]` tables, validated by the briefing layer.
    pub reports: Vec<toml::Table>,
    /// `[[schedule]]` tables, validated by the scheduler.
    pub schedules: Vec<toml::Table>,
}

impl Config {
    /// Finds the project root for `start` (a file or folder): the nearest
    /// ancestor holding `dossier.toml`; without one, the folder itself.
    pub fn find_root(start: &Path) -> PathBuf {
        let start = if start.is_file() || start.extension().is_some() {
            start.parent().unwrap_or(Path::new(".")).to_path_buf()
        } else {
            start.to_path_buf()
        };
        let abs = absolutize(&start);
        let mut cur = Some(abs.as_path());
        while let Some(dir) = cur {
            if dir.join(PROJECT_FILE).is_file() {
                return dir.to_path_buf();
            }
            cur = dir.parent();
        }
        std::env::current_dir().unwrap_or(abs)
    }

    /// Loads the configuration of the project rooted at `root`.
    pub fn load(root: &Path) -> Result<Config, Diagnostic> {
        let root = root.canonicalize().map_err(|e| {
            Diagnostic::error(format!(
                "cannot open project folder {}: {e}",
                root.display()
            ))
        })?;
        let file = root.join(PROJECT_FILE);
        let (raw, has_file) = if file.is_file() {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| Diagnostic::error(format!("cannot read {}: {e}", file.display())))?;
            let raw: RawConfig = toml::from_str(&text).map_err(|e| {
                let mut d = Diagnostic::error(format!("invalid {PROJECT_FILE}: {}", e.message()));
                if let Some(span) = e.span() {
                    d = d.with_span_in_text(PathBuf::from(PROJECT_FILE), &text, span.start);
                }
                d
            })?;
            (raw, true)
        } else {
            (RawConfig::default(), false)
        };
        Self::resolve(root, raw, has_file)
    }

    fn resolve(root: PathBuf, raw: RawConfig, has_file: bool) -> Result<Config, Diagnostic> {
        let rel = |p: &str| -> PathBuf {
            let p = Path::new(p);
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                normalize(&root.join(p))
            }
        };
        let data_dirs = raw
            .paths
            .data
            .unwrap_or_else(|| vec!["data".into()])
            .iter()
            .map(|p| rel(p))
            .collect();
        let script_dirs = raw
            .paths
            .scripts
            .unwrap_or_else(|| vec!["scripts".into()])
            .iter()
            .map(|p| rel(p))
            .collect();
        let output = raw.paths.output.unwrap_or_else(|| "out".into());
        let output_dir = rel(&output);
        if !output_dir.starts_with(&root) {
            return Err(Diagnostic::error(format!(
                "{PROJECT_FILE}: paths.output = {output:?} must be inside the project root"
            )));
        }
        if output_dir == root {
            return Err(Diagnostic::error(format!(
                "{PROJECT_FILE}: paths.output must be a folder below the project root, not the root itself"
            )));
        }
        let allow_read = raw
            .paths
            .allow_read
            .unwrap_or_default()
            .iter()
            .map(|p| rel(p))
            .collect();
        let d = Limits::default();
        let l = raw.limits;
        let limits = Limits {
            max_operations: l.max_operations.unwrap_or(d.max_operations),
            max_seconds: l.max_seconds.unwrap_or(d.max_seconds),
            max_call_levels: l.max_call_levels.unwrap_or(d.max_call_levels),
            max_string_size: l.max_string_size.unwrap_or(d.max_string_size),
            max_array_size: l.max_array_size.unwrap_or(d.max_array_size),
            max_map_size: l.max_map_size.unwrap_or(d.max_map_size),
            max_expr_depth: l.max_expr_depth.unwrap_or(d.max_expr_depth),
        };
        if limits.max_seconds <= 0.0 || limits.max_operations == 0 {
            return Err(Diagnostic::error(format!(
                "{PROJECT_FILE}: limits.max_seconds and limits.max_operations must be positive"
            )));
        }
        let mut params = Params::new();
        for (k, v) in &raw.params {
            let Some(p) = ParamValue::from_toml(v) else {
                return Err(Diagnostic::error(format!(
                    "{PROJECT_FILE}: params.{k} must be a string, number, boolean or date"
                )));
            };
            params.insert(k.clone(), p);
        }
        let name = raw
            .project
            .name
            .or_else(|| root.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "project".into());
        Ok(Config {
            root,
            has_project_file: has_file,
            name,
            data_dirs,
            script_dirs,
            output_dir,
            allow_read,
            limits,
            params,
            reports: raw.reports,
            schedules: raw.schedules,
        })
    }

    /// Default parameters overlaid with `overrides` (from `-P`).
    pub fn params_with(&self, overrides: &Params) -> Params {
        let mut p = self.params.clone();
        p.extend(overrides.iter().map(|(k, v)| (k.clone(), v.clone())));
        p
    }

    /// A path shown to the user: relative to the project root when inside it.
    pub fn display_path(&self, path: &Path) -> String {
        display_rel(&self.root, path)
    }
}

/// One `[[report]]` or `[[schedule]]` table being validated: errors name
/// the entry (by name, or by position) and the field.
pub struct Entry<'a> {
    pub table: &'a toml::Table,
    label: String,
}

impl<'a> Entry<'a> {
    /// The `index`-th (0-based) `[[kind]]` table.
    pub fn new(kind: &str, index: usize, table: &'a toml::Table) -> Entry<'a> {
        let label = table
            .get("name")
            .and_then(|v| v.as_str())
            .map(|n| format!("[[{kind}]] `{n}`"))
            .unwrap_or_else(|| format!("[[{kind}]] #{}", index + 1));
        Entry { table, label }
    }

    /// An error about `field`.
    pub fn bad(&self, field: &str, why: impl Into<String>) -> Diagnostic {
        Diagnostic::error(format!(
            "{PROJECT_FILE}: {}: `{field}` {}",
            self.label,
            why.into()
        ))
        .with_kind("config")
    }

    /// Rejects keys not in `known`, with a "did you mean".
    pub fn check_keys(&self, known: &[&str], what: &str) -> Result<(), Diagnostic> {
        for key in self.table.keys() {
            if !known.contains(&key.as_str()) {
                let mut d = self
                    .bad(key, format!("is not a {what} field"))
                    .with_note(format!("{what} fields: {}", known.join(", ")));
                if let Some(s) = crate::diag::did_you_mean(key, known.iter().copied()) {
                    d = d.with_help(format!("did you mean `{s}`?"));
                }
                return Err(d);
            }
        }
        Ok(())
    }

    /// The required `name`: letters, digits, `-` or `_` (ASCII only where the
    /// name becomes a folder), not `taken` by an earlier entry.
    pub fn name(
        &self,
        ascii_only: bool,
        plural: &str,
        taken: impl Fn(&str) -> bool,
    ) -> Result<String, Diagnostic> {
        let name = self
            .get_str("name")?
            .ok_or_else(|| self.bad("name", "is required"))?;
        let ok_char = |c: char| {
            (if ascii_only {
                c.is_ascii_alphanumeric()
            } else {
                c.is_alphanumeric()
            }) || c == '-'
                || c == '_'
        };
        if name.is_empty() || !name.chars().all(ok_char) {
            return Err(self.bad("name", "must be letters, digits, `-` or `_`"));
        }
        if taken(&name) {
            return Err(self.bad("name", format!("`{name}` is used by two {plural}")));
        }
        Ok(name)
    }

    /// An optional string field.
    pub fn get_str(&self, key: &str) -> Result<Option<String>, Diagnostic> {
        match self.table.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_str()
                .map(|s| Some(s.to_string()))
                .ok_or_else(|| self.bad(key, "must be a string")),
        }
    }
}

/// `path` relative to `root` when inside it, else as given.
pub fn display_rel(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| path.display().to_string())
}

/// Makes `p` absolute against the current directory, without touching the file system.
pub fn absolutize(p: &Path) -> PathBuf {
    if p.is_absolute() {
        normalize(p)
    } else {
        normalize(&std::env::current_dir().unwrap_or_default().join(p))
    }
}

/// Removes `.` and resolves `..` lexically (no symlinks are followed).
pub fn normalize(p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_are_typed() {
        assert_eq!(ParamValue::parse("2022"), ParamValue::Int(2022));
        assert_eq!(ParamValue::parse("2.5"), ParamValue::Float(2.5));
        assert_eq!(ParamValue::parse("true"), ParamValue::Bool(true));
        assert_eq!(ParamValue::parse("KAZ"), ParamValue::Str("KAZ".into()));
        assert_eq!(ParamValue::parse("inf"), ParamValue::Str("inf".into()));
    }

    #[test]
    fn normalize_resolves_parents() {
        assert_eq!(
            normalize(Path::new("/a/b/../c/./d")),
            PathBuf::from("/a/c/d")
        );
    }
}
