//! `[[schedule]]` entries of dossier.toml, validated into [`JobSpec`]s.
//!
//! ```toml
//! [[schedule]]
//! name = "morning"
//! reports = ["briefing-en", "briefing-ar"]   # or report = "briefing-en"
//! cron = "0 7 * * *"                          # 5 or 6 fields
//! timezone = "Asia/Almaty"                    # default: the machine's zone
//! params = { edition = "{date}" }             # the scheduled time, in the job's zone
//! catch_up = "once"                           # or "skip"
//! retries = 2
//! retry_backoff = "30s"
//! timeout = "10m"
//! on_failure = "notify-send \"$DOSSIER_JOB failed\""
//! ```
//!
//! Every entry is checked before the scheduler starts; an invalid one is
//! rejected with the entry and the field named.

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::config::{Config, ParamValue, Params};
use crate::diag::Diagnostic;
use crate::render::report::{formats_from_toml, reports, Format};
use crate::schedule::cron::{CatchUp, CronSpec};

/// A job's run time limit when `timeout` is not given: a briefing takes
/// seconds; half an hour means something is stuck, and the next day's run
/// must not wait behind it.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// The first wait before a retry when `retry_backoff` is not given: long
/// enough for a file being copied into data/ to land, short enough that a
/// morning briefing is still on time.
pub const DEFAULT_RETRY_BACKOFF: Duration = Duration::from_secs(30);

/// The most retries a job may ask for: with doubling back-off, ten retries
/// already span hours; more hides a broken job.
pub const MAX_RETRIES: u32 = 10;

/// The fields a `[[schedule]]` entry may have.
const SCHEDULE_KEYS: &[&str] = &[
    "name",
    "report",
    "reports",
    "cron",
    "timezone",
    "time_zone",
    "tz",
    "params",
    "catch_up",
    "retries",
    "retry_backoff",
    "timeout",
    "on_failure",
    "on_success",
    "formats",
];

/// A command run after a run ends: a string goes to `sh -c`; an array is
/// the program and its arguments, run without a shell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookCommand {
    Shell(String),
    Argv(Vec<String>),
}

/// One value of a job's `params`: fixed, or text with placeholders for the
/// scheduled time.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamTemplate {
    Fixed(ParamValue),
    Text(Vec<Piece>),
}

/// A piece of a parameter template.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    Literal(String),
    /// A chrono `strftime` format applied to the scheduled time in the job's zone.
    Time(String),
    /// The job's name.
    Job,
}

/// The placeholders a parameter may use, and the `strftime` format each stands for.
pub const PLACEHOLDERS: &[(&str, &str)] = &[
    ("date", "%Y-%m-%d"),
    ("time", "%H:%M:%S"),
    ("datetime", "%Y-%m-%dT%H:%M:%S%:z"),
    ("year", "%Y"),
    ("month", "%m"),
    ("day", "%d"),
    ("hour", "%H"),
    ("minute", "%M"),
    ("weekday", "%A"),
    ("zone", "%Z"),
];

/// Where a job's zone came from (shown by `dossier schedule list`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZoneSource {
    /// `timezone = "…"` in the entry.
    Entry,
    /// The machine's zone (see [`machine_zone`]).
    Machine(String),
}

/// One validated `[[schedule]]` entry.
#[derive(Debug, Clone)]
pub struct JobSpec {
    pub name: String,
    /// Report names (from `[[report]]`), rendered in this order.
    pub reports: Vec<String>,
    pub cron: CronSpec,
    pub tz: Tz,
    pub zone_source: ZoneSource,
    pub params: Vec<(String, ParamTemplate)>,
    pub catch_up: CatchUp,
    pub retries: u32,
    pub retry_backoff: Duration,
    pub timeout: Duration,
    pub on_failure: Option<HookCommand>,
    pub on_success: Option<HookCommand>,
    /// Output formats (default: each report's own).
    pub formats: Option<Vec<Format>>,
}

impl JobSpec {
    /// The run parameters for the occurrence at `scheduled`, placeholders
    /// filled in the job's zone. A value that had placeholders is typed like
    /// `-P` (`"{year}"` gives an integer).
    pub fn params_at(&self, scheduled: DateTime<Utc>) -> Params {
        let local = scheduled.with_timezone(&self.tz);
        self.params
            .iter()
            .map(|(k, t)| {
                let v = match t {
                    ParamTemplate::Fixed(v) => v.clone(),
                    ParamTemplate::Text(pieces) => {
                        let mut s = String::new();
                        for p in pieces {
                            match p {
                                Piece::Literal(l) => s.push_str(l),
                                Piece::Time(f) => s.push_str(&local.format(f).to_string()),
                                Piece::Job => s.push_str(&self.name),
                            }
                        }
                        ParamValue::parse(&s)
                    }
                };
                (k.clone(), v)
            })
            .collect()
    }

    /// The formats for one report: the job's override or the report's own.
    pub fn formats_for(&self, report: &crate::render::report::ReportSpec) -> Vec<Format> {
        self.formats
            .clone()
            .unwrap_or_else(|| report.formats.clone())
    }
}

/// Reads and validates every `[[schedule]]` entry of `config`.
pub fn jobs(config: &Config) -> Result<Vec<JobSpec>, Diagnostic> {
    let all_reports = if config.schedules.is_empty() {
        Vec::new()
    } else {
        reports(config)?
    };
    let report_names: Vec<&str> = all_reports.iter().map(|r| r.name.as_str()).collect();
    let machine = machine_zone();
    let mut out: Vec<JobSpec> = Vec::new();
    for (i, t) in config.schedules.iter().enumerate() {
        let entry = crate::config::Entry::new("schedule", i, t);
        let bad = |field: &str, why: String| entry.bad(field, why);
        entry.check_keys(SCHEDULE_KEYS, "schedule")?;
        let get_str = |key: &str| entry.get_str(key);

        let name = entry.name(true, "schedules", |n| out.iter().any(|j| j.name == n))?;

        let (field, list) = match (t.get("reports"), t.get("report")) {
            (Some(_), Some(_)) => {
                return Err(bad(
                    "report",
                    "and `reports` are both given; keep one".into(),
                ))
            }
            (Some(v), None) => ("reports", v),
            (None, Some(v)) => ("report", v),
            (None, None) => {
                return Err(bad(
                    "reports",
                    "is required (the [[report]] names to render)".into(),
                )
                .with_note(format!("the reports are: {}", report_names.join(", "))))
            }
        };
        let names: Vec<String> = match list {
            toml::Value::String(s) => vec![s.clone()],
            toml::Value::Array(a) if !a.is_empty() => a
                .iter()
                .map(|x| {
                    x.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| bad(field, "must list report names (strings)".into()))
                })
                .collect::<Result<_, _>>()?,
            _ => {
                return Err(bad(
                    field,
                    "must be a report name or a non-empty array of names".into(),
                ))
            }
        };
        for n in &names {
            if !report_names.contains(&n.as_str()) {
                let mut d = bad(field, format!("names `{n}`, which is not a [[report]]"))
                    .with_note(format!("the reports are: {}", report_names.join(", ")));
                if let Some(s) = crate::diag::did_you_mean(n, report_names.iter().copied()) {
                    d = d.with_help(format!("did you mean `{s}`?"));
                }
                return Err(d);
            }
        }

        let cron_text = get_str("cron")?.ok_or_else(|| {
            bad("cron", "is required".into())
                .with_help("e.g. cron = \"0 7 * * *\" (07:00 every day)")
        })?;
        let cron = CronSpec::parse(&cron_text).map_err(|why| {
            bad("cron", format!("= {cron_text:?} {why}")).with_note(
                "fields: [second] minute hour day-of-month month day-of-week; names (MON, JAN), ranges, lists, steps, L and # are allowed",
            )
        })?;

        // `timezone` (also spelled `time_zone` or `tz`, as crontab and systemd users write it).
        let zone_key = ["timezone", "time_zone", "tz"]
            .into_iter()
            .find(|k| t.contains_key(*k))
            .unwrap_or("timezone");
        let (tz, zone_source) = match get_str(zone_key)? {
            Some(z) => (
                parse_zone(&z).map_err(|help| {
                    let mut d = bad(zone_key, format!("= {z:?} is not an IANA time zone"))
                        .with_note(
                            "use a name such as \"Asia/Almaty\", \"Europe/Berlin\" or \"UTC\"",
                        );
                    if let Some(h) = help {
                        d = d.with_help(format!("did you mean `{h}`?"));
                    }
                    d
                })?,
                ZoneSource::Entry,
            ),
            None => (machine.0, ZoneSource::Machine(machine.1.clone())),
        };

        let mut params = Vec::new();
        if let Some(p) = t.get("params") {
            let table = p
                .as_table()
                .ok_or_else(|| bad("params", "must be a table".into()))?;
            for (k, v) in table {
                if k.is_empty() || !k.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    return Err(bad(
                        "params",
                        format!("has an invalid name `{k}`: use letters, digits and `_`"),
                    ));
                }
                let tpl = match v {
                    toml::Value::Integer(i) => ParamTemplate::Fixed(ParamValue::Int(*i)),
                    toml::Value::Float(f) => ParamTemplate::Fixed(ParamValue::Float(*f)),
                    toml::Value::Boolean(b) => ParamTemplate::Fixed(ParamValue::Bool(*b)),
                    toml::Value::String(s) => parse_template(s)
                        .map_err(|why| bad("params", format!("value of `{k}` ({s:?}): {why}")))?,
                    _ => {
                        return Err(bad(
                            "params",
                            format!("value of `{k}` must be a string, number or boolean"),
                        ))
                    }
                };
                params.push((k.clone(), tpl));
            }
        }

        let catch_up = match get_str("catch_up")?.as_deref() {
            None | Some("once") => CatchUp::Once,
            Some("skip") => CatchUp::Skip,
            Some(other) => {
                return Err(bad(
                    "catch_up",
                    format!("is {other:?}; use \"once\" or \"skip\""),
                ))
            }
        };
        let retries = match t.get("retries") {
            None => 0,
            Some(toml::Value::Integer(n)) if (0..=i64::from(MAX_RETRIES)).contains(n) => *n as u32,
            Some(_) => {
                return Err(bad(
                    "retries",
                    format!("must be a whole number from 0 to {MAX_RETRIES}"),
                ))
            }
        };
        let duration = |key: &str, default: Duration| -> Result<Duration, Diagnostic> {
            match t.get(key) {
                None => Ok(default),
                Some(v) => {
                    let d = match v {
                        toml::Value::Integer(n) if *n > 0 => Ok(Duration::from_secs(*n as u64)),
                        toml::Value::Float(f) if *f > 0.0 && f.is_finite() => {
                            Ok(Duration::from_secs_f64(*f))
                        }
                        toml::Value::String(s) => parse_duration(s),
                        _ => Err("must be a positive duration".to_string()),
                    };
                    d.map_err(|why| {
                        bad(key, why).with_help("write a duration such as \"90s\", \"5m\", \"1h30m\" or a number of seconds")
                    })
                }
            }
        };
        let retry_backoff = duration("retry_backoff", DEFAULT_RETRY_BACKOFF)?;
        let timeout = duration("timeout", DEFAULT_TIMEOUT)?;
        let hook = |key: &str| -> Result<Option<HookCommand>, Diagnostic> {
            match t.get(key) {
                None => Ok(None),
                Some(toml::Value::String(s)) if !s.trim().is_empty() => {
                    Ok(Some(HookCommand::Shell(s.clone())))
                }
                Some(toml::Value::Array(a)) if !a.is_empty() => a
                    .iter()
                    .map(|x| x.as_str().map(str::to_string))
                    .collect::<Option<Vec<_>>>()
                    .map(|v| Some(HookCommand::Argv(v)))
                    .ok_or_else(|| {
                        bad(
                            key,
                            "must list strings (the program and its arguments)".into(),
                        )
                    }),
                Some(_) => Err(bad(
                    key,
                    "must be a shell command (a string) or a program and its arguments (an array)"
                        .into(),
                )),
            }
        };
        let on_failure = hook("on_failure")?;
        let on_success = hook("on_success")?;
        let formats = match t.get("formats") {
            None => None,
            Some(v) => Some(formats_from_toml(v, &bad)?),
        };
        out.push(JobSpec {
            name,
            reports: names,
            cron,
            tz,
            zone_source,
            params,
            catch_up,
            retries,
            retry_backoff,
            timeout,
            on_failure,
            on_success,
            formats,
        });
    }
    Ok(out)
}

/// Finds a job by name, with "did you mean" when there is none.
pub fn find<'a>(jobs: &'a [JobSpec], name: &str) -> Result<&'a JobSpec, Diagnostic> {
    if let Some(j) = jobs.iter().find(|j| j.name == name) {
        return Ok(j);
    }
    let names: Vec<&str> = jobs.iter().map(|j| j.name.as_str()).collect();
    let mut d = Diagnostic::error(format!("unknown schedule `{name}`"));
    d = if names.is_empty() {
        d.with_note("dossier.toml has no [[schedule]] entries")
    } else {
        d.with_note(format!("the schedules are: {}", names.join(", ")))
    };
    if let Some(s) = crate::diag::did_you_mean(name, names.iter().copied()) {
        d = d.with_help(format!("did you mean `{s}`?"));
    }
    Err(d)
}

/// Parses an IANA zone name; on failure, a close name if there is one.
pub fn parse_zone(name: &str) -> Result<Tz, Option<String>> {
    if let Ok(tz) = name.parse::<Tz>() {
        return Ok(tz);
    }
    // Exact but for case ("asia/almaty").
    if let Some(tz) = chrono_tz::TZ_VARIANTS
        .iter()
        .find(|z| z.name().eq_ignore_ascii_case(name))
    {
        return Err(Some(tz.name().to_string()));
    }
    let names = chrono_tz::TZ_VARIANTS.iter().map(|z| z.name());
    Err(crate::diag::did_you_mean(name, names).map(str::to_string))
}

/// The machine's zone and where it came from: `$TZ` if it names an IANA
/// zone (`Asia/Almaty`, `:Asia/Almaty` or a path into a zoneinfo folder);
/// else the system's zone as the `iana-time-zone` crate finds it (on Linux
/// `/etc/localtime` and `/etc/timezone`; macOS and Windows have their own
/// APIs); else UTC. (This reads system settings, not project files, so not
/// through the host.)
pub fn machine_zone() -> (Tz, String) {
    if let Ok(tz) = std::env::var("TZ") {
        let name = tz.trim_start_matches(':');
        let name = zone_from_path(Path::new(name)).unwrap_or_else(|| name.to_string());
        if let Ok(z) = name.parse::<Tz>() {
            return (z, format!("$TZ={tz}"));
        }
    }
    match iana_time_zone::get_timezone() {
        Ok(name) => match name.parse::<Tz>() {
            Ok(z) => (z, "the system's time zone".into()),
            Err(_) => (
                chrono_tz::UTC,
                format!("the system's zone {name:?} is not an IANA zone: UTC"),
            ),
        },
        Err(_) => (chrono_tz::UTC, "no $TZ or system time zone: UTC".into()),
    }
}

/// `…/zoneinfo/Asia/Almaty` → `Asia/Almaty`.
fn zone_from_path(p: &Path) -> Option<String> {
    let s = p.to_string_lossy();
    s.find("zoneinfo/")
        .map(|i| s[i + "zoneinfo/".len()..].to_string())
}

/// Parses `"90s"`, `"5m"`, `"1h30m"`, `"1h 30min"`, `"500ms"`, `"2d"`
/// (humantime's units: ms, s, m/min, h, d, w …) or a bare number of
/// seconds (`"45"`, `"1.5"`). Zero is refused.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("is empty".into());
    }
    let d = match t.parse::<f64>() {
        Ok(n) if n.is_finite() && n >= 0.0 => Duration::from_secs_f64(n),
        Ok(_) => return Err(format!("= {text:?} must be positive")),
        Err(_) => humantime::parse_duration(t)
            .map_err(|e| format!("= {text:?} is not a duration: {e}"))?,
    };
    if d.is_zero() {
        return Err(format!("= {text:?} must be positive"));
    }
    Ok(d)
}

/// Shows a duration for people: `500 ms`, `30 s`, `5 min`, `1 h 30 min`.
pub fn show_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        return format!("{ms} ms");
    }
    let s = d.as_secs();
    if !ms.is_multiple_of(1000) && s < 60 {
        return format!("{:.1} s", d.as_secs_f64());
    }
    match (s / 3600, (s % 3600) / 60, s % 60) {
        (0, 0, s) => format!("{s} s"),
        (0, m, 0) => format!("{m} min"),
        (0, m, s) => format!("{m} min {s} s"),
        (h, 0, 0) => format!("{h} h"),
        (h, m, _) => format!("{h} h {m} min"),
    }
}

/// Parses a parameter value with `{placeholder}`s; `{{` and `}}` are braces.
fn parse_template(text: &str) -> Result<ParamTemplate, String> {
    let mut pieces = Vec::new();
    let mut lit = String::new();
    let mut has_placeholder = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                lit.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                lit.push('}');
            }
            '{' => {
                let mut inner = String::new();
                let mut closed = false;
                for c in chars.by_ref() {
                    if c == '}' {
                        closed = true;
                        break;
                    }
                    inner.push(c);
                }
                if !closed {
                    return Err("a `{` is not closed (write `{{` for a brace)".into());
                }
                if !lit.is_empty() {
                    pieces.push(Piece::Literal(std::mem::take(&mut lit)));
                }
                has_placeholder = true;
                let inner = inner.trim();
                if inner == "job" {
                    pieces.push(Piece::Job);
                } else if let Some(fmt) = inner.strip_prefix("scheduled:") {
                    check_strftime(fmt)?;
                    pieces.push(Piece::Time(fmt.to_string()));
                } else if inner == "scheduled" {
                    pieces.push(Piece::Time("%Y-%m-%dT%H:%M:%S%:z".into()));
                } else if let Some((_, f)) = PLACEHOLDERS.iter().find(|(n, _)| *n == inner) {
                    pieces.push(Piece::Time((*f).to_string()));
                } else {
                    let mut names: Vec<&str> = PLACEHOLDERS.iter().map(|(n, _)| *n).collect();
                    names.push("job");
                    let mut why = format!(
                        "unknown placeholder `{{{inner}}}`; use {}, or {{scheduled:FORMAT}} with a strftime FORMAT",
                        names.iter().map(|n| format!("{{{n}}}")).collect::<Vec<_>>().join(", ")
                    );
                    if let Some(s) = crate::diag::did_you_mean(inner, names.iter().copied()) {
                        why.push_str(&format!(" (did you mean `{{{s}}}`?)"));
                    }
                    return Err(why);
                }
            }
            '}' => return Err("a `}` has no `{` (write `}}` for a brace)".into()),
            c => lit.push(c),
        }
    }
    if !has_placeholder {
        return Ok(ParamTemplate::Fixed(ParamValue::Str(lit)));
    }
    if !lit.is_empty() {
        pieces.push(Piece::Literal(lit));
    }
    Ok(ParamTemplate::Text(pieces))
}

fn check_strftime(fmt: &str) -> Result<(), String> {
    if fmt.is_empty() {
        return Err("{scheduled:} needs a format, e.g. {scheduled:%d %B %Y}".into());
    }
    chrono::format::StrftimeItems::new(fmt)
        .parse()
        .map(|_| ())
        .map_err(|_| format!("`{fmt}` is not a valid strftime format"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("45").unwrap(), Duration::from_secs(45));
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("0s").is_err());
        assert_eq!(show_duration(Duration::from_secs(5400)), "1 h 30 min");
        assert_eq!(show_duration(Duration::from_secs(30)), "30 s");
        assert_eq!(show_duration(Duration::from_millis(1500)), "1.5 s");
    }

    #[test]
    fn templates_fill_the_scheduled_time_in_the_zone() {
        let t = parse_template("Edition of {date} ({weekday}) {{literal}}").unwrap();
        let job = JobSpec {
            name: "morning".into(),
            reports: vec![],
            cron: CronSpec::parse("0 7 * * *").unwrap(),
            tz: "Asia/Almaty".parse().unwrap(),
            zone_source: ZoneSource::Entry,
            params: vec![
                ("edition".into(), t),
                ("year".into(), parse_template("{year}").unwrap()),
                (
                    "stamp".into(),
                    parse_template("{scheduled:%d %B %Y %H:%M}").unwrap(),
                ),
                ("who".into(), parse_template("{job}").unwrap()),
                ("plain".into(), parse_template("KAZ").unwrap()),
            ],
            catch_up: CatchUp::Once,
            retries: 0,
            retry_backoff: DEFAULT_RETRY_BACKOFF,
            timeout: DEFAULT_TIMEOUT,
            on_failure: None,
            on_success: None,
            formats: None,
        };
        // 2026-11-29 21:30 UTC is already the 30th in Astana (UTC+5).
        let at = DateTime::parse_from_rfc3339("2026-11-29T21:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let p = job.params_at(at);
        assert_eq!(
            p["edition"],
            ParamValue::Str("Edition of 2026-11-30 (Monday) {literal}".into())
        );
        assert_eq!(p["year"], ParamValue::Int(2026));
        assert_eq!(p["stamp"], ParamValue::Str("30 November 2026 02:30".into()));
        assert_eq!(p["who"], ParamValue::Str("morning".into()));
        assert_eq!(p["plain"], ParamValue::Str("KAZ".into()));
        assert!(parse_template("{dat}")
            .unwrap_err()
            .contains("did you mean `{date}`"));
        assert!(parse_template("{date").is_err());
        assert!(parse_template("{scheduled:%Q}").is_err());
    }

    #[test]
    fn zones() {
        assert!(parse_zone("Asia/Almaty").is_ok());
        assert_eq!(
            parse_zone("asia/almaty").unwrap_err().as_deref(),
            Some("Asia/Almaty")
        );
        assert_eq!(
            parse_zone("Asia/Almty").unwrap_err().as_deref(),
            Some("Asia/Almaty")
        );
        assert_eq!(
            zone_from_path(Path::new("/usr/share/zoneinfo/Europe/Berlin")).as_deref(),
            Some("Europe/Berlin")
        );
    }
}
