//! Reports: the `[[report]]` entries of dossier.toml, validated, and the
//! provenance appendix every rendered report carries.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::config::{Config, ParamValue, Params};
use crate::diag::Diagnostic;
use crate::format::{escape_html, Lang};
use crate::host::Access;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Pdf,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s.trim().to_lowercase().as_str() {
            "html" => Some(Format::Html),
            "pdf" => Some(Format::Pdf),
            _ => None,
        }
    }

    pub fn extension(&self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Pdf => "pdf",
        }
    }
}

/// One `[[report]]` entry.
#[derive(Debug, Clone)]
pub struct ReportSpec {
    pub name: String,
    pub title: Option<String>,
    /// The script, relative to the project root.
    pub script: PathBuf,
    /// The template, relative to `reports/`.
    pub template: String,
    pub lang: Lang,
    pub formats: Vec<Format>,
    pub params: Params,
    /// The output file name without extension (default: the name).
    pub output: String,
    /// A Typst template under `reports/` for the PDF (default: the HTML, converted).
    pub pdf_template: Option<String>,
    /// Paper size and margins for PDF (used by the PDF writer).
    pub paper: Option<String>,
    pub margin: Option<String>,
}

const REPORT_KEYS: &[&str] = &[
    "name",
    "title",
    "script",
    "template",
    "pdf_template",
    "language",
    "lang",
    "formats",
    "format",
    "params",
    "output",
    "paper",
    "margin",
];

/// Reads and validates every `[[report]]` entry. An invalid entry is
/// rejected with the entry and the field named.
pub fn reports(config: &Config) -> Result<Vec<ReportSpec>, Diagnostic> {
    let mut out: Vec<ReportSpec> = Vec::new();
    for (i, t) in config.reports.iter().enumerate() {
        let entry = crate::config::Entry::new("report", i, t);
        let bad = |field: &str, why: String| entry.bad(field, why);
        entry.check_keys(REPORT_KEYS, "report")?;
        let get_str = |key: &str| entry.get_str(key);
        let name = entry.name(false, "reports", |n| out.iter().any(|r| r.name == n))?;
        let script = get_str("script")?.ok_or_else(|| bad("script", "is required".into()))?;
        if !config.root.join(&script).is_file() {
            return Err(bad(
                "script",
                format!("names `{script}`, which does not exist"),
            ));
        }
        let template = get_str("template")?.ok_or_else(|| bad("template", "is required".into()))?;
        let template = template
            .strip_prefix("reports/")
            .unwrap_or(&template)
            .to_string();
        if !config.root.join("reports").join(&template).is_file() {
            return Err(bad(
                "template",
                format!("names `reports/{template}`, which does not exist"),
            ));
        }
        let lang_text = get_str("language")?
            .or(get_str("lang")?)
            .unwrap_or_else(|| "en".into());
        if !matches!(lang_text.split('-').next(), Some("en" | "ar")) {
            return Err(bad(
                "language",
                format!("is `{lang_text}`; use \"en\" or \"ar\""),
            ));
        }
        let lang = Lang::parse(&lang_text);
        let formats = match t.get("formats").or_else(|| t.get("format")) {
            None => vec![Format::Html],
            Some(v) => formats_from_toml(v, &bad)?,
        };
        let mut params = Params::new();
        if let Some(p) = t.get("params") {
            let table = p
                .as_table()
                .ok_or_else(|| bad("params", "must be a table".into()))?;
            for (k, v) in table {
                let pv = match v {
                    toml::Value::Integer(i) => ParamValue::Int(*i),
                    toml::Value::Float(f) => ParamValue::Float(*f),
                    toml::Value::Boolean(b) => ParamValue::Bool(*b),
                    toml::Value::String(s) => ParamValue::Str(s.clone()),
                    _ => {
                        return Err(bad(
                            "params",
                            format!("value of `{k}` must be a string, number or boolean"),
                        ))
                    }
                };
                params.insert(k.clone(), pv);
            }
        }
        let pdf_template = match get_str("pdf_template")? {
            Some(t) => {
                let t = t.strip_prefix("reports/").unwrap_or(&t).to_string();
                if !config.root.join("reports").join(&t).is_file() {
                    return Err(bad(
                        "pdf_template",
                        format!("names `reports/{t}`, which does not exist"),
                    ));
                }
                Some(t)
            }
            None => None,
        };
        let paper = get_str("paper")?;
        if let Some(p) = &paper {
            if p.is_empty() || !p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                return Err(bad(
                    "paper",
                    format!("`{p}` is not a paper name such as \"a4\" or \"us-letter\""),
                ));
            }
        }
        let margin = get_str("margin")?;
        if let Some(m) = &margin {
            let ok = m
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || " .,:()".contains(c));
            if !ok || !["mm", "cm", "in", "pt"].iter().any(|u| m.contains(u)) {
                return Err(bad(
                    "margin",
                    format!("`{m}` is not a margin such as \"20mm\" or \"(x: 18mm, y: 20mm)\""),
                ));
            }
        }
        out.push(ReportSpec {
            pdf_template,
            output: get_str("output")?.unwrap_or_else(|| name.clone()),
            title: get_str("title")?,
            paper,
            margin,
            name,
            script: PathBuf::from(script),
            template,
            lang,
            formats,
            params,
        });
    }
    Ok(out)
}

/// The reports named in `names` (all of them when `names` is empty), in the
/// order given; an unknown name is an error that lists the known ones.
pub fn select(all: &[ReportSpec], names: &[String]) -> Result<Vec<ReportSpec>, Diagnostic> {
    if all.is_empty() {
        return Err(Diagnostic::error("no [[report]] entries in dossier.toml")
            .with_kind("config")
            .with_help("add one: [[report]] name = \"brief\" script = \"scripts/brief.rhai\" template = \"brief.html\""));
    }
    if names.is_empty() {
        return Ok(all.to_vec());
    }
    let mut chosen = Vec::new();
    for n in names {
        match all.iter().find(|r| &r.name == n) {
            Some(r) => chosen.push(r.clone()),
            None => {
                let known: Vec<&str> = all.iter().map(|r| r.name.as_str()).collect();
                let mut d = Diagnostic::error(format!("unknown report `{n}`"))
                    .with_kind("config")
                    .with_note(format!("the reports are: {}", known.join(", ")));
                if let Some(s) = crate::diag::did_you_mean(n, known.iter().copied()) {
                    d = d.with_help(format!("did you mean `{s}`?"));
                }
                return Err(d);
            }
        }
    }
    Ok(chosen)
}

/// Reads a `formats` field: `"html,pdf"` or `["html", "pdf"]`. Errors come
/// from `bad(field, why)`, which names the entry.
pub fn formats_from_toml(
    value: &toml::Value,
    bad: &dyn Fn(&str, String) -> Diagnostic,
) -> Result<Vec<Format>, Diagnostic> {
    let unknown = |f: &str| bad("formats", format!("has unknown format `{f}` (html, pdf)"));
    match value {
        toml::Value::String(s) => parse_formats(s).map_err(|f| unknown(&f)),
        toml::Value::Array(a) => a
            .iter()
            .map(|x| {
                let s = x
                    .as_str()
                    .ok_or_else(|| bad("formats", "must list strings".into()))?;
                Format::parse(s).ok_or_else(|| unknown(s))
            })
            .collect(),
        _ => Err(bad(
            "formats",
            "must be an array such as [\"html\", \"pdf\"]".into(),
        )),
    }
}

/// Parses `html,pdf`.
pub fn parse_formats(s: &str) -> Result<Vec<Format>, String> {
    s.split(',')
        .filter(|x| !x.trim().is_empty())
        .map(|x| Format::parse(x).ok_or_else(|| x.trim().to_string()))
        .collect()
}

/// One input of a run, for the provenance appendix.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Input {
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
    /// Data rows, for CSV and Parquet files.
    pub rows: Option<u64>,
}

/// What a report was built from.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Provenance {
    pub inputs: Vec<Input>,
    pub params: Vec<(String, String)>,
    pub version: String,
    pub generated_at: String,
}

impl Provenance {
    /// Collects the files a run read (hashes and row counts) and its parameters.
    pub fn collect(root: &Path, accesses: &[Access], params: &Params) -> Provenance {
        let mut inputs = Vec::new();
        for a in accesses {
            let Access::Read(path) = a else { continue };
            let Ok(bytes) = std::fs::read(path) else {
                continue;
            };
            let ext = path
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or("")
                .to_lowercase();
            let sha256 = hex::encode(Sha256::digest(&bytes));
            let rows = match ext.as_str() {
                "csv" => Some(csv_rows(&sha256, &bytes)),
                "parquet" => polars::prelude::LazyFrame::scan_parquet(
                    polars::prelude::PlRefPath::new(path.to_string_lossy().as_ref()),
                    Default::default(),
                )
                .and_then(|lf| lf.select([polars::prelude::len()]).collect())
                .ok()
                .and_then(|df| {
                    df.columns()
                        .first()
                        .and_then(|c| c.get(0).ok())
                        .and_then(|v| v.extract::<u64>())
                }),
                _ => None,
            };
            inputs.push(Input {
                path: crate::config::display_rel(root, path),
                sha256,
                bytes: bytes.len() as u64,
                rows,
            });
        }
        Provenance {
            inputs,
            params: params
                .iter()
                .map(|(k, v)| (k.clone(), v.to_string()))
                .collect(),
            version: crate::VERSION.to_string(),
            generated_at: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        }
    }

    /// The appendix as HTML (every value escaped).
    pub fn html(&self, lang: Lang) -> String {
        let ar = matches!(lang, Lang::Ar);
        let t = |en: &'static str, arabic: &'static str| if ar { arabic } else { en };
        let mut s = String::new();
        s.push_str(&format!(
            "<section id=\"provenance\" class=\"provenance\">\n<h2>{}</h2>\n",
            t("Provenance", "مصدر البيانات والإعداد")
        ));
        s.push_str(&format!(
            "<p>{} dossier {} · {} <time datetime=\"{}\">{}</time></p>\n",
            t("Built with", "أُعدّ باستخدام"),
            escape_html(&self.version),
            t("run at", "وقت التشغيل"),
            escape_html(&self.generated_at),
            escape_html(&self.generated_at)
        ));
        s.push_str(&format!(
            "<table class=\"inputs\" dir=\"ltr\">\n<caption>{}</caption>\n<thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\" class=\"num\">{}</th><th scope=\"col\">SHA-256</th></tr></thead>\n<tbody>\n",
            t("Inputs read by this run", "الملفات التي قرأها هذا التشغيل"),
            t("File", "الملف"),
            t("Bytes", "البايتات"),
            t("Rows", "الصفوف"),
        ));
        for i in &self.inputs {
            s.push_str(&format!(
                "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td><code class=\"hash\">{}</code></td></tr>\n",
                escape_html(&i.path),
                i.bytes,
                i.rows.map(|r| r.to_string()).unwrap_or_else(|| "—".into()),
                escape_html(&i.sha256)
            ));
        }
        s.push_str("</tbody>\n</table>\n");
        if !self.params.is_empty() {
            s.push_str(&format!(
                "<h3>{}</h3>\n<dl class=\"params\" dir=\"ltr\">\n",
                t("Parameters", "المعاملات")
            ));
            for (k, v) in &self.params {
                s.push_str(&format!(
                    "<dt>{}</dt><dd>{}</dd>\n",
                    escape_html(k),
                    escape_html(v)
                ));
            }
            s.push_str("</dl>\n");
        }
        s.push_str("</section>\n");
        s
    }
}

/// Puts the provenance appendix into a rendered page, unless the template
/// placed it itself (an element with `id="provenance"`).
pub fn inject_provenance(html: &str, appendix: &str) -> String {
    if html.contains("id=\"provenance\"") {
        return html.to_string();
    }
    match html.rfind("</body>") {
        Some(i) => format!("{}{}{}", &html[..i], appendix, &html[i..]),
        None => format!("{html}\n{appendix}"),
    }
}

/// The records of a CSV file (its header left out), counted once per
/// process for each content (keyed by its SHA-256): every report of a
/// render lists the same data files in its appendix. One parser serves
/// the process, reset before each file: csv-core builds a transition table
/// for each new reader, which cost more than counting these small files.
/// (A clone would not do: csv-core 0.1.13's `Clone` for its table copies
/// the transitions only, and the clone never reaches the end of a file.)
fn csv_rows(sha256: &str, bytes: &[u8]) -> u64 {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    /// The counts so far, and the parser that makes them.
    struct Counter {
        counted: HashMap<String, u64>,
        parser: csv_core::Reader,
    }
    static COUNTER: OnceLock<Mutex<Counter>> = OnceLock::new();
    let mut counter = COUNTER
        .get_or_init(|| {
            Mutex::new(Counter {
                counted: HashMap::new(),
                parser: csv_core::ReaderBuilder::new().build(),
            })
        })
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(&n) = counter.counted.get(sha256) {
        return n;
    }
    counter.parser.reset();
    let n = count_csv_records(&mut counter.parser, bytes).saturating_sub(1);
    if counter.counted.len() >= 1024 {
        counter.counted.clear();
    }
    counter.counted.insert(sha256.to_string(), n);
    n
}

/// Every record of `bytes`, the header included, as the `csv` crate reads
/// them: quoted fields may span lines, blank lines are no records, and
/// records may differ in length. The fields themselves are discarded.
fn count_csv_records(parser: &mut csv_core::Reader, mut bytes: &[u8]) -> u64 {
    use csv_core::ReadRecordResult;
    let mut out = [0u8; 4096];
    let mut ends = [0usize; 64];
    let mut records = 0;
    loop {
        let (result, read, _, _) = parser.read_record(bytes, &mut out, &mut ends);
        bytes = &bytes[read..];
        match result {
            ReadRecordResult::Record => records += 1,
            ReadRecordResult::End => return records,
            ReadRecordResult::InputEmpty
            | ReadRecordResult::OutputFull
            | ReadRecordResult::OutputEndsFull => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The row counts of the appendix agree with the `csv` crate's reading
    /// (header left out) on the shapes a CSV file takes.
    #[test]
    fn csv_rows_counts_records_as_the_csv_crate_reads_them() {
        let long = format!("a,b\n{}\n", vec!["\"x\ny\",2"; 3000].join("\n"));
        let cases: &[&[u8]] = &[
            b"",
            b"a,b",
            b"a,b\n",
            b"a,b\n1,2",
            b"a,b\n1,2\n3,4\n",
            b"a,b\r\n1,2\r\n\r\n3,4\r\n",
            b"a,b\n\n\n1,2\n\n",
            b"a,b\n\"multi\nline\",2\n3\n4,5,6\n",
            b"\xef\xbb\xbfa,b\n1,2\n",
            b"a\n\"quote \"\"inside\"\"\",x\n",
            long.as_bytes(),
        ];
        for (i, bytes) in cases.iter().enumerate() {
            let expected = csv::ReaderBuilder::new()
                .has_headers(true)
                .flexible(true)
                .from_reader(*bytes)
                .records()
                .count() as u64;
            let sha = format!("test-{i}-{}", bytes.len());
            assert_eq!(csv_rows(&sha, bytes), expected, "case {i}");
        }
    }
}
