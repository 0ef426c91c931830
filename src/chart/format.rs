//! Numbers and dates as charts print them.
//!
//! - `plain`: `123000000`; `thousands` (the default): `123,000,000`;
//!   `compact`: `123M`, `1.2B`, `45K` (K, M, B, T).
//! - `decimals` fixes the digits after the point. Without it, value labels
//!   show what the value needs (at most 2 digits; compact: 1 digit below 10,
//!   none above), and axis ticks what the tick step needs.
//! - Negative numbers take the ASCII hyphen-minus `-` (the bundled Noto
//!   Sans has no U+2212, and `-` copies and searches as people expect).
//! - Arabic charts use the same Latin digits, `,` and `.` and Latin compact
//!   suffixes: Arabic-Indic digits are a template-level choice, made once for
//!   the whole briefing. Month names are Arabic.

use chrono::{Datelike, NaiveDate};

use super::spec::{Lang, NumberFormat};

const MINUS: char = '-';

/// The smallest number of decimals (≤ `max`) that shows `v` exactly.
pub fn needed_decimals(v: f64, max: usize) -> usize {
    for d in 0..max {
        let p = 10f64.powi(d as i32);
        if ((v * p).round() / p - v).abs() <= 1e-9 * v.abs().max(1.0) {
            return d;
        }
    }
    max
}

/// `v` with `decimals` digits, grouped by thousands when `group`: the
/// crate's one number formatter ([`crate::format::format_number`]), so a
/// chart label rounds as a table cell does (half away from zero on the
/// decimal text: 2.675 → 2.68). Not a number gives an empty label.
pub fn fixed(v: f64, decimals: usize, group: bool) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let o = crate::format::NumberOptions {
        decimals: Some(decimals),
        grouping: group,
        ..Default::default()
    };
    crate::format::format_number(v, &o)
}

const UNITS: [(f64, &str); 4] = [(1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")];

/// Compact form with a rule for the decimals of the scaled number.
fn compact(v: f64, decimals: impl Fn(f64) -> usize, trim: bool) -> String {
    let a = v.abs();
    let mut pick = UNITS.len();
    for (i, (u, _)) in UNITS.iter().enumerate() {
        if a >= *u {
            pick = i;
            break;
        }
    }
    // Rounding may carry into the next unit (999,950 -> 1000K -> 1M).
    loop {
        let (unit, suffix) = if pick < UNITS.len() {
            UNITS[pick]
        } else {
            (1.0, "")
        };
        let scaled = v / unit;
        let d = decimals(scaled);
        let p = 10f64.powi(d as i32);
        let rounded = (scaled.abs() * p).round() / p;
        if rounded >= 1000.0 && pick > 0 && pick <= UNITS.len() {
            pick = if pick == UNITS.len() {
                UNITS.len() - 1
            } else {
                pick - 1
            };
            continue;
        }
        let mut s = fixed(scaled, d, false);
        if trim && s.contains('.') {
            s = s.trim_end_matches('0').trim_end_matches('.').to_string();
        }
        if s == "0" || s == format!("{MINUS}0") {
            return "0".into();
        }
        return format!("{s}{suffix}");
    }
}

/// A value label (bars, points, annotations).
pub fn value(v: f64, format: NumberFormat, decimals: Option<usize>) -> String {
    match format {
        NumberFormat::Compact => match decimals {
            Some(d) => compact(v, |_| d, false),
            None => compact(v, |s| if s.abs() < 10.0 { 1 } else { 0 }, true),
        },
        NumberFormat::Thousands | NumberFormat::Plain => {
            let d = decimals.unwrap_or_else(|| needed_decimals(v, 2));
            fixed(v, d, format == NumberFormat::Thousands)
        }
    }
}

/// Axis tick labels: the same number of decimals for all ticks (as many as
/// the step needs), or per tick in compact form.
pub fn ticks(values: &[f64], format: NumberFormat, decimals: Option<usize>) -> Vec<String> {
    match format {
        NumberFormat::Compact => values
            .iter()
            .map(|&v| match decimals {
                Some(d) => compact(v, |_| d, false),
                None => compact(v, |s| needed_decimals(s, 3), true),
            })
            .collect(),
        NumberFormat::Thousands | NumberFormat::Plain => {
            let d = decimals.unwrap_or_else(|| {
                values
                    .iter()
                    .map(|&v| needed_decimals(v, 6))
                    .max()
                    .unwrap_or(0)
            });
            values
                .iter()
                .map(|&v| fixed(v, d, format == NumberFormat::Thousands))
                .collect()
        }
    }
}

/// How precise a date label is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DateUnit {
    Year,
    Month,
    Day,
}

/// Days since 1970-01-01 as a date.
pub fn date(days: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default() + chrono::Duration::days(days as i64)
}

/// A date as days since 1970-01-01.
pub fn days(d: NaiveDate) -> i32 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()).num_days() as i32
}

/// Parses an ISO date (`2021-03-01`), a month (`2021-03`) or a year (`2021`).
pub fn parse_date(s: &str) -> Option<i32> {
    let s = s.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some(days(d));
    }
    if let Ok(d) = NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d") {
        return Some(days(d));
    }
    if s.len() == 4 {
        let y: i32 = s.parse().ok()?;
        return NaiveDate::from_ymd_opt(y, 1, 1).map(days);
    }
    None
}

/// The coarsest unit that labels all these dates exactly.
pub fn date_unit(values: impl IntoIterator<Item = i32>) -> DateUnit {
    let mut unit = DateUnit::Year;
    for v in values {
        let d = date(v);
        if d.day() != 1 {
            return DateUnit::Day;
        }
        if d.month() != 1 {
            unit = DateUnit::Month;
        }
    }
    unit
}

/// A date at a precision: `2021`, `Mar 2021`, `5 Mar 2021` (Arabic month
/// names when `lang` is Arabic). `with_year` false drops the year of day labels.
pub fn date_label(days: i32, unit: DateUnit, lang: Lang, with_year: bool) -> String {
    let d = date(days);
    let m = d.month0() as usize;
    let month = crate::format::month_short(m, lang);
    match unit {
        DateUnit::Year => d.year().to_string(),
        DateUnit::Month => format!("{month} {}", d.year()),
        DateUnit::Day if with_year => format!("{} {month} {}", d.day(), d.year()),
        DateUnit::Day => format!("{} {month}", d.day()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_plain_and_compact() {
        let t = NumberFormat::Thousands;
        assert_eq!(value(123_000_000.0, t, None), "123,000,000");
        assert_eq!(value(1234.5, t, None), "1,234.5");
        assert_eq!(value(-1234.0, t, None), "-1,234");
        assert_eq!(value(999.0, t, None), "999");
        assert_eq!(value(1.23456, t, None), "1.23");
        assert_eq!(value(2.5, t, Some(2)), "2.50");
        assert_eq!(value(-0.001, t, Some(1)), "0.0");
        assert_eq!(value(123_000_000.0, NumberFormat::Plain, None), "123000000");
        let c = NumberFormat::Compact;
        assert_eq!(value(123_000_000.0, c, None), "123M");
        assert_eq!(value(1_234_000_000.0, c, None), "1.2B");
        assert_eq!(value(45_000.0, c, None), "45K");
        assert_eq!(value(1_000_000.0, c, None), "1M");
        assert_eq!(value(999_960.0, c, None), "1M");
        assert_eq!(value(12.0, c, None), "12");
        assert_eq!(value(0.0, c, None), "0");
        assert_eq!(value(-45_000.0, c, None), "-45K");
        assert_eq!(value(1_500_000.0, c, Some(2)), "1.50M");
    }

    #[test]
    fn tick_labels_show_what_the_step_needs() {
        let t = ticks(&[0.0, 0.5, 1.0, 1.5], NumberFormat::Thousands, None);
        assert_eq!(t, ["0.0", "0.5", "1.0", "1.5"]);
        let t = ticks(
            &[0.0, 250e6, 500e6, 750e6, 1e9],
            NumberFormat::Compact,
            None,
        );
        assert_eq!(t, ["0", "250M", "500M", "750M", "1B"]);
        let t = ticks(&[0.0, 0.1 + 0.2, 0.6], NumberFormat::Thousands, None);
        assert_eq!(t, ["0.0", "0.3", "0.6"]);
        let t = ticks(&[0.0, 5000.0, 10000.0], NumberFormat::Thousands, None);
        assert_eq!(t, ["0", "5,000", "10,000"]);
    }

    #[test]
    fn dates() {
        let d = parse_date("2021-03-05").unwrap();
        assert_eq!(date_label(d, DateUnit::Day, Lang::En, true), "5 Mar 2021");
        assert_eq!(date_label(d, DateUnit::Month, Lang::Ar, true), "مارس 2021");
        assert_eq!(parse_date("2021"), parse_date("2021-01-01"));
        assert_eq!(
            date_unit([parse_date("2020").unwrap(), parse_date("2021").unwrap()]),
            DateUnit::Year
        );
        assert_eq!(date_unit([parse_date("2021-03").unwrap()]), DateUnit::Month);
    }
}
