//! Axis domains and ticks: "nice" numeric steps (1, 2, 5 × 10ⁿ) and
//! calendar steps for dates.

use chrono::{Datelike, NaiveDate};

use super::format::{self, DateUnit};
use super::spec::Lang;

/// A step of 1, 2 or 5 × 10ⁿ giving about `target` intervals over `range`.
pub fn nice_step(range: f64, target: usize) -> f64 {
    let target = target.max(1) as f64;
    if !(range.is_finite() && range > 0.0) {
        return 1.0;
    }
    let raw = range / target;
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    let nice = if norm <= 1.0 {
        1.0
    } else if norm <= 2.0 {
        2.0
    } else if norm <= 2.5 {
        2.5
    } else if norm <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

/// Ticks at multiples of a nice step inside `[min, max]` (integers only when
/// `integer`).
pub fn ticks_within(min: f64, max: f64, target: usize, integer: bool) -> Vec<f64> {
    if !(min.is_finite() && max.is_finite()) || max < min {
        return Vec::new();
    }
    if max == min {
        return vec![min];
    }
    let mut step = nice_step(max - min, target);
    if integer {
        step = step.max(1.0).round();
    }
    let first = (min / step - 1e-9).ceil() as i64;
    let last = (max / step + 1e-9).floor() as i64;
    (first..=last)
        .map(|i| clean(i as f64 * step, step))
        .collect()
}

/// Removes floating-point noise (0.30000000000000004 → 0.3) at the step's precision.
fn clean(v: f64, step: f64) -> f64 {
    let d = format::needed_decimals(step, 10) as i32;
    let p = 10f64.powi(d);
    (v * p).round() / p
}

/// A domain grown to multiples of a nice step (ends fixed by `fixed_min`,
/// `fixed_max` stay), and its ticks.
pub fn nice_domain(
    mut min: f64,
    mut max: f64,
    target: usize,
    integer: bool,
    fixed_min: Option<f64>,
    fixed_max: Option<f64>,
) -> (f64, f64, Vec<f64>) {
    if let Some(v) = fixed_min {
        min = v;
    }
    if let Some(v) = fixed_max {
        max = v;
    }
    if max < min {
        std::mem::swap(&mut min, &mut max);
    }
    if max == min {
        let pad = if min == 0.0 { 1.0 } else { min.abs() * 0.1 };
        if fixed_min.is_none() && (min != 0.0 || fixed_max.is_some()) {
            min -= pad;
        }
        if fixed_max.is_none() {
            max += pad;
        } else if fixed_min.is_none() {
            min -= pad;
        }
        if max == min {
            max = min + 1.0;
        }
    }
    let mut step = nice_step(max - min, target);
    if integer {
        step = step.max(1.0).round();
    }
    let lo = match fixed_min {
        Some(v) => v,
        None => clean((min / step + 1e-9).floor() * step, step),
    };
    let hi = match fixed_max {
        Some(v) => v,
        None => clean((max / step - 1e-9).ceil() * step, step),
    };
    let ticks = ticks_within(lo, hi, target, integer)
        .into_iter()
        .filter(|t| *t >= lo - 1e-9 * step && *t <= hi + 1e-9 * step)
        .collect();
    (lo, hi, ticks)
}

#[derive(Clone, Copy)]
enum Step {
    Days(i32),
    Months(u32),
    Years(i32),
}

const STEPS: [(Step, f64); 16] = [
    (Step::Days(1), 1.0),
    (Step::Days(2), 2.0),
    (Step::Days(7), 7.0),
    (Step::Days(14), 14.0),
    (Step::Months(1), 30.4),
    (Step::Months(2), 60.9),
    (Step::Months(3), 91.3),
    (Step::Months(6), 182.6),
    (Step::Years(1), 365.25),
    (Step::Years(2), 730.5),
    (Step::Years(5), 1826.0),
    (Step::Years(10), 3652.0),
    (Step::Years(20), 7305.0),
    (Step::Years(50), 18262.0),
    (Step::Years(100), 36525.0),
    (Step::Years(500), 182_625.0),
];

/// Calendar ticks between two dates (days since 1970-01-01), about
/// `target` of them, with their labels.
pub fn date_ticks(min: i32, max: i32, target: usize, lang: Lang) -> Vec<(f64, String)> {
    let span = (max - min).max(1) as f64;
    let target = target.max(1) as f64;
    let step = STEPS
        .iter()
        .find(|(_, len)| span / len <= target)
        .map(|(s, _)| *s)
        .unwrap_or(Step::Years(1000));
    let (lo, hi) = (format::date(min), format::date(max));
    let mut out = Vec::new();
    match step {
        Step::Days(n) => {
            let mut d = min;
            if n > 1 {
                d = min + (n - min.rem_euclid(n)) % n;
            }
            let with_year = lo.year() != hi.year();
            while d <= max {
                out.push((
                    d as f64,
                    format::date_label(d, DateUnit::Day, lang, with_year),
                ));
                d += n;
            }
        }
        Step::Months(n) => {
            let (mut y, mut m) = (lo.year(), lo.month0());
            if lo.day() != 1 {
                m += 1;
            }
            loop {
                if m >= 12 {
                    y += (m / 12) as i32;
                    m %= 12;
                }
                if m % n != 0 {
                    m += 1;
                    continue;
                }
                let Some(d) = NaiveDate::from_ymd_opt(y, m + 1, 1) else {
                    break;
                };
                if d > hi {
                    break;
                }
                let days = format::days(d);
                out.push((
                    days as f64,
                    format::date_label(days, DateUnit::Month, lang, true),
                ));
                m += n;
            }
        }
        Step::Years(n) => {
            let mut y = lo.year();
            if lo.ordinal() != 1 {
                y += 1;
            }
            y += (n - y.rem_euclid(n)) % n;
            while let Some(d) = NaiveDate::from_ymd_opt(y, 1, 1) {
                if d > hi {
                    break;
                }
                let days = format::days(d);
                out.push((
                    days as f64,
                    format::date_label(days, DateUnit::Year, lang, true),
                ));
                y += n;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_domains_cover_the_data() {
        let (lo, hi, t) = nice_domain(0.0, 883e6, 5, false, None, None);
        assert_eq!((lo, hi), (0.0, 1e9));
        let (lo, hi, _) = nice_domain(0.0, 953e6, 5, true, None, None);
        assert_eq!((lo, hi), (0.0, 1e9));
        let (lo, hi, _) = nice_domain(-200.0, 1000.0, 5, true, None, None);
        assert_eq!((lo, hi), (-250.0, 1000.0));
        assert_eq!(t.len(), 6);
        let (lo, hi, t) = nice_domain(2020.0, 2024.0, 8, true, None, None);
        assert_eq!((lo, hi), (2020.0, 2024.0));
        assert_eq!(t, [2020.0, 2021.0, 2022.0, 2023.0, 2024.0]);
        let (lo, hi, _) = nice_domain(5.0, 5.0, 5, false, None, None);
        assert!(lo < 5.0 && hi > 5.0);
        let (lo, hi, t) = nice_domain(0.0, 0.7, 5, false, None, Some(1.0));
        assert_eq!((lo, hi), (0.0, 1.0));
        assert_eq!(t.last(), Some(&1.0));
        assert_eq!(ticks_within(0.0, 0.6, 6, false)[3], 0.3);
    }

    #[test]
    fn date_ticks_follow_the_calendar() {
        let a = format::parse_date("1992-04-01").unwrap();
        let b = format::parse_date("2025-11-01").unwrap();
        let t = date_ticks(a, b, 7, Lang::En);
        let labels: Vec<&str> = t.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(
            labels,
            ["1995", "2000", "2005", "2010", "2015", "2020", "2025"]
        );
        let a = format::parse_date("2021-01-15").unwrap();
        let b = format::parse_date("2021-07-01").unwrap();
        let t = date_ticks(a, b, 4, Lang::En);
        assert_eq!(t[0].1, "Mar 2021");
    }
}
