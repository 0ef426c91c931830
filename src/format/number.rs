//! Numbers and percentages.
//!
//! Rounding is done on the decimal text of the value (its shortest
//! round-trip representation), half away from zero: `2.345` shows as `2.35`
//! and `0.235` as `23.5%`, as a reader who sees those figures expects,
//! rather than what the nearest binary fraction would give.

use super::{digits, Lang, NOT_A_NUMBER};

/// How [`format_number`] shows a number.
///
/// - `decimals`: `None` shows whole numbers without decimals and other
///   numbers with up to two decimals, trailing zeros dropped (`2.35`,
///   `11.18`, `0.5`); a non-zero value that would round to `0` keeps two
///   significant digits, up to six decimals (`0.0012`). `Some(n)` shows
///   exactly `n` decimals (`Some(2)`: `3.00`).
/// - `compact`: thousands, millions, billions and trillions as a word
///   or letter: `45K`, `123M`, `1.2B`, `3T` in English; `45 ألف`,
///   `123 مليون`, `1.2 مليار`, `3 تريليونات` in Arabic. With `decimals:
///   None` the scaled value has one decimal below 100 and none from 100
///   (`1.2B`, `12.5M`, `123M`), trailing zeros dropped; `Some(n)` gives it
///   exactly `n`. A value that rounds up to 1000 units moves to the next
///   unit (`999,950` → `1M`). Below 1000 the number is shown as without
///   `compact`. In Arabic a whole count from 3 to 10 takes the plural
///   (`3 ملايين`, `5 مليارات`, `10 آلاف`); other counts the singular.
/// - `lang`: the words of `compact`.
/// - `arabic_digits`: Arabic-Indic digits, with `٬` and `٫` as separators.
/// - `grouping`: thousands separators (`123,000,000`); default on.
/// - `sign`: a `+` before positive numbers (for changes); zero, and a
///   value that rounds to zero, have no sign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberOptions {
    pub decimals: Option<usize>,
    pub compact: bool,
    pub lang: Lang,
    pub arabic_digits: bool,
    pub grouping: bool,
    pub sign: bool,
}

impl Default for NumberOptions {
    fn default() -> Self {
        NumberOptions {
            decimals: None,
            compact: false,
            lang: Lang::En,
            arabic_digits: false,
            grouping: true,
            sign: false,
        }
    }
}

/// Formats a number for a reader; see [`NumberOptions`] for the rules.
/// NaN and infinities give `—`.
///
/// ```
/// use dossier::format::{format_number, Lang, NumberOptions};
/// let ar = NumberOptions { lang: Lang::Ar, arabic_digits: true, ..Default::default() };
/// assert_eq!(format_number(123_000_000.0, &NumberOptions::default()), "123,000,000");
/// assert_eq!(format_number(1234.5, &ar), "١٬٢٣٤٫٥");
/// ```
pub fn format_number(x: f64, o: &NumberOptions) -> String {
    if !x.is_finite() {
        return NOT_A_NUMBER.to_string();
    }
    format_dec(&Dec::from_f64(x), o)
}

/// Formats an integer exactly (no trip through `f64`). `decimals` applies
/// only with `compact` (to the scaled value): an integer has no decimals.
pub(super) fn format_integer(v: i128, o: &NumberOptions) -> String {
    let o = if o.compact {
        o.clone()
    } else {
        NumberOptions {
            decimals: None,
            ..o.clone()
        }
    };
    format_dec(&Dec::from_i128(v), &o)
}

/// A whole number as plain digits: no separators, no sign for positives
/// (years).
pub(super) fn format_plain_integer(v: i128, arabic_digits: bool) -> String {
    digits(&v.to_string(), arabic_digits)
}

/// Formats a fraction as a percentage: the input is a **fraction**
/// (`0.235` → `23.5%`), not a number of percent.
///
/// `decimals`: `None` shows up to one decimal, trailing zeros dropped
/// (`23.5%`, `40%`); a non-zero value that would round to `0` keeps two
/// significant digits (`0.0012%`). `Some(n)` shows exactly `n`. With
/// `arabic_digits` the digits, separators and sign are Arabic (`٢٣٫٥٪`,
/// U+066A); otherwise `23.5%`, in either language. Thousands are grouped.
/// NaN and infinities give `—`.
pub fn format_percent(x: f64, decimals: Option<usize>, lang: Lang, arabic_digits: bool) -> String {
    // The separators and the percent sign follow the digits, not the language.
    let _ = lang;
    if !x.is_finite() {
        return NOT_A_NUMBER.to_string();
    }
    let mut d = Dec::from_f64(x);
    d.shift_left(2);
    let shown = round_for_display(&d, decimals.map_or(Decimals::UpTo(1), Decimals::Exactly));
    let mut s = render(&shown, arabic_digits, true, false);
    s.push(if arabic_digits { '٪' } else { '%' });
    s
}

/// A non-zero value that rounds to zero keeps two significant digits, but
/// never more decimals than this.
const MAX_SMALL_DECIMALS: usize = 6;

/// The compact units: English suffix, Arabic singular, Arabic plural (3–10).
const UNITS: [(&str, &str, &str); 5] = [
    ("", "", ""),
    ("K", "ألف", "آلاف"),
    ("M", "مليون", "ملايين"),
    ("B", "مليار", "مليارات"),
    ("T", "تريليون", "تريليونات"),
];

fn format_dec(d: &Dec, o: &NumberOptions) -> String {
    if o.compact {
        return format_compact(d, o);
    }
    let shown = round_for_display(d, o.decimals.map_or(Decimals::UpTo(2), Decimals::Exactly));
    render(&shown, o.arabic_digits, o.grouping, o.sign)
}

fn format_compact(d: &Dec, o: &NumberOptions) -> String {
    let mut unit = (d.int.len().saturating_sub(1) / 3).min(UNITS.len() - 1);
    let shown = loop {
        let mut scaled = d.clone();
        scaled.shift_right(3 * unit);
        let mode = match (o.decimals, unit) {
            (Some(n), _) => Decimals::Exactly(n),
            (None, 0) => Decimals::UpTo(2),
            (None, _) if scaled.int.len() <= 2 => Decimals::UpTo(1),
            (None, _) => Decimals::UpTo(0),
        };
        let r = round_for_display(&scaled, mode);
        if r.int.len() > 3 && unit + 1 < UNITS.len() {
            unit += 1;
            continue;
        }
        break r;
    };
    let num = render(&shown, o.arabic_digits, o.grouping, o.sign);
    let (en, ar_one, ar_many) = UNITS[unit];
    if unit == 0 {
        return num;
    }
    match o.lang {
        Lang::En => format!("{num}{en}"),
        Lang::Ar => {
            let count = shown.whole_value();
            let word = if matches!(count, Some(3..=10)) {
                ar_many
            } else {
                ar_one
            };
            format!("{num} {word}")
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Decimals {
    /// Exactly this many decimals.
    Exactly(usize),
    /// At most this many, trailing zeros dropped; tiny values keep two
    /// significant digits.
    UpTo(usize),
}

fn round_for_display(d: &Dec, mode: Decimals) -> Dec {
    match mode {
        Decimals::Exactly(n) => d.round(n),
        Decimals::UpTo(n) => {
            let mut r = d.round(n);
            r.trim_frac();
            if r.is_zero() && !d.is_zero() {
                if let Some(p) = d.first_significant_frac() {
                    r = d.round((p + 2).clamp(n, MAX_SMALL_DECIMALS.max(n)));
                    r.trim_frac();
                }
            }
            r
        }
    }
}

/// Writes a rounded decimal: sign, grouped integer part, decimal part.
fn render(d: &Dec, arabic_digits: bool, grouping: bool, plus: bool) -> String {
    let (group_sep, decimal_sep) = if arabic_digits {
        ('٬', '٫')
    } else {
        (',', '.')
    };
    let mut s = String::new();
    if d.is_zero() {
        // No "-0" and no "+0".
    } else if d.neg {
        s.push('-');
    } else if plus {
        s.push('+');
    }
    let int: Vec<u8> = if d.int.is_empty() {
        vec![0]
    } else {
        d.int.clone()
    };
    for (i, digit) in int.iter().enumerate() {
        if grouping && i > 0 && (int.len() - i).is_multiple_of(3) {
            s.push(group_sep);
        }
        s.push((b'0' + digit) as char);
    }
    if !d.frac.is_empty() {
        s.push(decimal_sep);
        s.extend(d.frac.iter().map(|digit| (b'0' + digit) as char));
    }
    digits(&s, arabic_digits)
}

/// A decimal number as its digits: exact decimal arithmetic for rounding
/// and scaling by powers of ten.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Dec {
    neg: bool,
    /// Integer digits, most significant first, no leading zeros (empty for 0).
    int: Vec<u8>,
    /// Fraction digits, most significant first.
    frac: Vec<u8>,
}

impl Dec {
    /// A finite `f64` from its shortest round-trip text (Rust's `Display`
    /// for `f64` never uses an exponent).
    fn from_f64(x: f64) -> Dec {
        let text = format!("{}", x.abs());
        let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
        let mut d = Dec {
            neg: x.is_sign_negative(),
            int: ascii_digits(int),
            frac: ascii_digits(frac),
        };
        d.normalize();
        d
    }

    fn from_i128(v: i128) -> Dec {
        let mut d = Dec {
            neg: v < 0,
            int: ascii_digits(&v.unsigned_abs().to_string()),
            frac: Vec::new(),
        };
        d.normalize();
        d
    }

    /// No leading integer zeros, no trailing fraction zeros, no negative zero.
    fn normalize(&mut self) {
        let lead = self.int.iter().take_while(|&&d| d == 0).count();
        self.int.drain(..lead);
        self.trim_frac();
    }

    fn trim_frac(&mut self) {
        while self.frac.last() == Some(&0) {
            self.frac.pop();
        }
        if self.is_zero() {
            self.neg = false;
        }
    }

    fn is_zero(&self) -> bool {
        self.int.iter().all(|&d| d == 0) && self.frac.iter().all(|&d| d == 0)
    }

    /// The value when it is a whole number that fits in `u64`.
    fn whole_value(&self) -> Option<u64> {
        if self.frac.iter().any(|&d| d != 0) || self.int.len() > 19 {
            return None;
        }
        Some(self.int.iter().fold(0u64, |acc, &d| acc * 10 + d as u64))
    }

    /// Multiplies by `10^k`.
    fn shift_left(&mut self, k: usize) {
        for _ in 0..k {
            let d = if self.frac.is_empty() {
                0
            } else {
                self.frac.remove(0)
            };
            self.int.push(d);
        }
        self.normalize();
    }

    /// Divides by `10^k`.
    fn shift_right(&mut self, k: usize) {
        for _ in 0..k {
            let d = self.int.pop().unwrap_or(0);
            self.frac.insert(0, d);
        }
        self.normalize();
    }

    /// Position of the first non-zero fraction digit, when the integer part is zero.
    fn first_significant_frac(&self) -> Option<usize> {
        if !self.int.is_empty() {
            return None;
        }
        self.frac.iter().position(|&d| d != 0)
    }

    /// Rounded half away from zero to exactly `n` fraction digits (padded with zeros).
    fn round(&self, n: usize) -> Dec {
        let mut d = self.clone();
        if d.frac.len() > n {
            let up = d.frac[n] >= 5;
            d.frac.truncate(n);
            if up {
                let mut carry = true;
                for digit in d.frac.iter_mut().rev().chain(d.int.iter_mut().rev()) {
                    if *digit == 9 {
                        *digit = 0;
                    } else {
                        *digit += 1;
                        carry = false;
                        break;
                    }
                }
                if carry {
                    d.int.insert(0, 1);
                }
            }
        }
        d.frac.resize(n, 0);
        if d.is_zero() {
            d.neg = false;
        }
        d
    }
}

fn ascii_digits(s: &str) -> Vec<u8> {
    s.bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn en() -> NumberOptions {
        NumberOptions::default()
    }

    fn ar(arabic_digits: bool) -> NumberOptions {
        NumberOptions {
            lang: Lang::Ar,
            arabic_digits,
            ..Default::default()
        }
    }

    fn n(x: f64, o: &NumberOptions) -> String {
        format_number(x, o)
    }

    #[test]
    fn defaults() {
        let o = NumberOptions::default();
        assert!(o.grouping);
        assert!(!o.compact && !o.sign && !o.arabic_digits);
        assert_eq!(o.decimals, None);
        assert_eq!(o.lang, Lang::En);
    }

    #[test]
    fn english_grouping() {
        assert_eq!(n(123_000_000.0, &en()), "123,000,000");
        assert_eq!(n(1000.0, &en()), "1,000");
        assert_eq!(n(999.0, &en()), "999");
        assert_eq!(n(0.0, &en()), "0");
        assert_eq!(n(1_234_567.891, &en()), "1,234,567.89");
        let plain = NumberOptions {
            grouping: false,
            ..en()
        };
        assert_eq!(n(123_000_000.0, &plain), "123000000");
    }

    #[test]
    fn arabic_separators_follow_the_digits() {
        assert_eq!(n(123_000_000.0, &ar(true)), "١٢٣٬٠٠٠٬٠٠٠");
        assert_eq!(n(1234.5, &ar(true)), "١٬٢٣٤٫٥");
        // Latin digits in Arabic text: Latin separators.
        assert_eq!(n(123_000_000.0, &ar(false)), "123,000,000");
        assert_eq!(n(1234.5, &ar(false)), "1,234.5");
    }

    #[test]
    fn default_decimals_trim_to_two() {
        assert_eq!(n(2.345, &en()), "2.35");
        assert_eq!(n(11.18, &en()), "11.18");
        assert_eq!(n(11.184, &en()), "11.18");
        assert_eq!(n(0.5, &en()), "0.5");
        assert_eq!(n(2.0, &en()), "2");
        assert_eq!(n(2.001, &en()), "2");
        assert_eq!(n(1.995, &en()), "2");
        assert_eq!(n(-1.25, &en()), "-1.25");
    }

    #[test]
    fn tiny_values_keep_two_significant_digits() {
        assert_eq!(n(0.0012, &en()), "0.0012");
        assert_eq!(n(0.00123, &en()), "0.0012");
        assert_eq!(n(0.004, &en()), "0.004");
        assert_eq!(n(-0.0049, &en()), "-0.0049");
        assert_eq!(n(1e-9, &en()), "0");
    }

    #[test]
    fn exact_decimals() {
        let d = |k| NumberOptions {
            decimals: Some(k),
            ..en()
        };
        assert_eq!(n(3.0, &d(2)), "3.00");
        assert_eq!(n(2.345, &d(2)), "2.35");
        assert_eq!(n(2.5, &d(0)), "3");
        assert_eq!(n(-2.5, &d(0)), "-3");
        assert_eq!(n(9.999, &d(2)), "10.00");
        assert_eq!(n(999_999.5, &d(0)), "1,000,000");
        assert_eq!(n(0.0001, &d(2)), "0.00");
        assert_eq!(
            n(
                1234.5,
                &NumberOptions {
                    decimals: Some(2),
                    ..ar(true)
                }
            ),
            "١٬٢٣٤٫٥٠"
        );
    }

    #[test]
    fn negatives_and_zero() {
        assert_eq!(n(-1234.0, &en()), "-1,234");
        assert_eq!(n(-1234.0, &ar(true)), "-١٬٢٣٤");
        assert_eq!(n(-0.0, &en()), "0");
        let d2 = NumberOptions {
            decimals: Some(2),
            ..en()
        };
        assert_eq!(n(-0.001, &d2), "0.00");
    }

    #[test]
    fn sign_option() {
        let s = NumberOptions { sign: true, ..en() };
        assert_eq!(n(12.5, &s), "+12.5");
        assert_eq!(n(-12.5, &s), "-12.5");
        assert_eq!(n(0.0, &s), "0");
        assert_eq!(
            n(
                1500.0,
                &NumberOptions {
                    sign: true,
                    ..ar(true)
                }
            ),
            "+١٬٥٠٠"
        );
    }

    #[test]
    fn not_a_number() {
        assert_eq!(n(f64::NAN, &en()), "—");
        assert_eq!(n(f64::INFINITY, &ar(true)), "—");
        assert_eq!(n(f64::NEG_INFINITY, &en()), "—");
        assert_eq!(format_percent(f64::NAN, None, Lang::En, false), "—");
    }

    #[test]
    fn large_values_are_exact() {
        assert_eq!(n(1e20, &en()), "100,000,000,000,000,000,000");
        assert_eq!(
            format_integer(9_007_199_254_740_993, &en()),
            "9,007,199,254,740,993"
        );
        assert_eq!(format_integer(-1234, &ar(true)), "-١٬٢٣٤");
        // An integer has no decimals, unless compacted.
        let d2 = NumberOptions {
            decimals: Some(2),
            ..en()
        };
        assert_eq!(format_integer(5, &d2), "5");
        assert_eq!(format_plain_integer(2014, false), "2014");
        assert_eq!(format_plain_integer(2014, true), "٢٠١٤");
    }

    fn compact(lang: Lang, arabic_digits: bool) -> NumberOptions {
        NumberOptions {
            compact: true,
            lang,
            arabic_digits,
            ..Default::default()
        }
    }

    #[test]
    fn compact_english() {
        let o = compact(Lang::En, false);
        assert_eq!(n(123_000_000.0, &o), "123M");
        assert_eq!(n(1_200_000_000.0, &o), "1.2B");
        assert_eq!(n(1_234_000_000.0, &o), "1.2B");
        assert_eq!(n(2_000_000_000.0, &o), "2B");
        assert_eq!(n(45_000.0, &o), "45K");
        assert_eq!(n(12_500_000.0, &o), "12.5M");
        assert_eq!(n(883_456_000.0, &o), "883M");
        assert_eq!(n(950.0, &o), "950");
        assert_eq!(n(950.25, &o), "950.25");
        assert_eq!(n(3e12, &o), "3T");
        assert_eq!(n(-45_000.0, &o), "-45K");
        assert_eq!(n(1e18, &o), "1,000,000T");
    }

    #[test]
    fn compact_rounding_moves_to_the_next_unit() {
        let o = compact(Lang::En, false);
        assert_eq!(n(999_950.0, &o), "1M");
        assert_eq!(n(999_999_999.0, &o), "1B");
        assert_eq!(n(999.999, &o), "1K");
        assert_eq!(n(99_960.0, &o), "100K");
    }

    #[test]
    fn compact_with_decimals() {
        let o = NumberOptions {
            decimals: Some(2),
            ..compact(Lang::En, false)
        };
        assert_eq!(n(1_200_000_000.0, &o), "1.20B");
        assert_eq!(n(123_456_789.0, &o), "123.46M");
        assert_eq!(format_integer(1_234_567, &o), "1.23M");
    }

    #[test]
    fn compact_arabic() {
        let o = compact(Lang::Ar, false);
        assert_eq!(n(123_000_000.0, &o), "123 مليون");
        assert_eq!(n(1_200_000_000.0, &o), "1.2 مليار");
        assert_eq!(n(45_000.0, &o), "45 ألف");
        assert_eq!(n(950.0, &o), "950");
        let d = compact(Lang::Ar, true);
        assert_eq!(n(123_000_000.0, &d), "١٢٣ مليون");
        assert_eq!(n(1_200_000_000.0, &d), "١٫٢ مليار");
        assert_eq!(n(45_000.0, &d), "٤٥ ألف");
    }

    #[test]
    fn compact_arabic_plural_for_three_to_ten() {
        let o = compact(Lang::Ar, false);
        assert_eq!(n(3_000_000.0, &o), "3 ملايين");
        assert_eq!(n(10_000.0, &o), "10 آلاف");
        assert_eq!(n(5_000_000_000.0, &o), "5 مليارات");
        assert_eq!(n(3e12, &o), "3 تريليونات");
        assert_eq!(n(2_000_000.0, &o), "2 مليون");
        assert_eq!(n(11_000_000.0, &o), "11 مليون");
        assert_eq!(n(3_500_000.0, &o), "3.5 مليون");
    }

    #[test]
    fn percent() {
        assert_eq!(format_percent(0.235, None, Lang::En, false), "23.5%");
        assert_eq!(format_percent(0.235, None, Lang::Ar, true), "٢٣٫٥٪");
        assert_eq!(format_percent(0.235, None, Lang::Ar, false), "23.5%");
        assert_eq!(format_percent(0.4, None, Lang::En, false), "40%");
        assert_eq!(format_percent(0.12345, None, Lang::En, false), "12.3%");
        assert_eq!(format_percent(0.235, Some(0), Lang::En, false), "24%");
        assert_eq!(format_percent(0.235, Some(2), Lang::En, false), "23.50%");
        assert_eq!(format_percent(-0.05, None, Lang::En, false), "-5%");
        assert_eq!(format_percent(1.0, None, Lang::En, false), "100%");
        assert_eq!(format_percent(123.45, None, Lang::En, false), "12,345%");
        assert_eq!(format_percent(0.000012, None, Lang::En, false), "0.0012%");
        assert_eq!(format_percent(0.0, None, Lang::Ar, true), "٠٪");
    }

    #[test]
    fn decimal_arithmetic() {
        let d = Dec::from_f64(0.235);
        assert_eq!(d.int, Vec::<u8>::new());
        assert_eq!(d.frac, vec![2, 3, 5]);
        let mut p = d.clone();
        p.shift_left(2);
        assert_eq!((p.int.clone(), p.frac.clone()), (vec![2, 3], vec![5]));
        p.shift_right(3);
        assert_eq!((p.int.clone(), p.frac.clone()), (vec![], vec![0, 2, 3, 5]));
        assert_eq!(Dec::from_f64(99.95).round(1).frac, vec![0]);
        assert_eq!(Dec::from_f64(99.95).round(1).int, vec![1, 0, 0]);
        assert_eq!(Dec::from_i128(-120).whole_value(), Some(120));
        assert_eq!(Dec::from_f64(1.5).whole_value(), None);
    }
}
