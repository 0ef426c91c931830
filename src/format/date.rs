//! Dates at their precision, and periods.
//!
//! Arabic month names are the Egyptian/Gulf ones (يناير … ديسمبر), used
//! across Arabic news; [`month_name`] can also give the Levantine name
//! after them (`نوفمبر/تشرين الثاني`). Years are never grouped (`2014`),
//! and all digits follow `arabic_digits`.

use chrono::{Datelike, Month, NaiveDate};

use super::{digits, Lang};

/// How much of a date to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Precision {
    /// `2014`
    Year,
    /// `May 2021`, `مايو 2021`
    Month,
    /// `6 November 2025`, `6 نوفمبر 2025`
    Day,
}

impl Precision {
    /// `"year"`, `"month"` or `"day"` (ignoring case and surrounding spaces).
    pub fn parse(s: &str) -> Option<Precision> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("year") {
            Some(Precision::Year)
        } else if s.eq_ignore_ascii_case("month") {
            Some(Precision::Month)
        } else if s.eq_ignore_ascii_case("day") {
            Some(Precision::Day)
        } else {
            None
        }
    }

    /// The name [`Precision::parse`] reads.
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::Year => "year",
            Precision::Month => "month",
            Precision::Day => "day",
        }
    }
}

const EN_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Egyptian/Gulf month names (also used on chart axes).
pub const AR_MONTHS: [&str; 12] = [
    "يناير",
    "فبراير",
    "مارس",
    "أبريل",
    "مايو",
    "يونيو",
    "يوليو",
    "أغسطس",
    "سبتمبر",
    "أكتوبر",
    "نوفمبر",
    "ديسمبر",
];

/// Levantine (Syriac-derived) month names.
const LEVANTINE_MONTHS: [&str; 12] = [
    "كانون الثاني",
    "شباط",
    "آذار",
    "نيسان",
    "أيار",
    "حزيران",
    "تموز",
    "آب",
    "أيلول",
    "تشرين الأول",
    "تشرين الثاني",
    "كانون الأول",
];

/// The name of a month. In Arabic, `levantine` adds the Levantine name
/// after the Egyptian/Gulf one, as many pan-Arab outlets write it:
/// `نوفمبر/تشرين الثاني`. English ignores `levantine`.
pub fn month_name(month: Month, lang: Lang, levantine: bool) -> String {
    let i = month.number_from_month() as usize - 1;
    match lang {
        Lang::En => EN_MONTHS[i].to_string(),
        Lang::Ar if levantine => format!("{}/{}", AR_MONTHS[i], LEVANTINE_MONTHS[i]),
        Lang::Ar => AR_MONTHS[i].to_string(),
    }
}

/// English month abbreviations, for tight places (chart axes).
const EN_MONTHS_SHORT: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A month (`0` = January) as a chart axis writes it: `Mar` in English,
/// `مارس` in Arabic (Arabic names have no common abbreviation).
pub fn month_short(month0: usize, lang: Lang) -> &'static str {
    let i = month0.min(11);
    match lang {
        Lang::En => EN_MONTHS_SHORT[i],
        Lang::Ar => AR_MONTHS[i],
    }
}

/// True for a word that names a month in any form the formatter writes
/// (case ignored for English): `march`, `Mar`, `مارس`, and the first word of
/// a Levantine name (`آذار`, `كانون`, `تشرين`). `dossier verify` uses it to
/// read a small number beside a month as a day, not a figure.
pub fn is_month_word(word: &str) -> bool {
    let lower = word.to_lowercase();
    EN_MONTHS
        .iter()
        .chain(EN_MONTHS_SHORT.iter())
        .any(|m| m.to_lowercase() == lower)
        || AR_MONTHS.contains(&word)
        || LEVANTINE_MONTHS
            .iter()
            .any(|m| m.split_whitespace().next() == Some(word))
}

fn month_of(date: NaiveDate, lang: Lang) -> &'static str {
    let i = date.month0() as usize;
    match lang {
        Lang::En => EN_MONTHS[i],
        Lang::Ar => AR_MONTHS[i],
    }
}

/// A date at a precision: `2014`, `May 2021`, `6 November 2025` in English;
/// `2014`, `مايو 2021`, `6 نوفمبر 2025` in Arabic (day, month, year in
/// logical order; digits Arabic-Indic with `arabic_digits`). Years are not
/// grouped.
pub fn format_date(date: NaiveDate, p: Precision, lang: Lang, arabic_digits: bool) -> String {
    let year = date.year();
    let text = match p {
        Precision::Year => year.to_string(),
        Precision::Month => format!("{} {year}", month_of(date, lang)),
        Precision::Day => format!("{} {} {year}", date.day(), month_of(date, lang)),
    };
    digits(&text, arabic_digits)
}

/// Reads an ISO date at its precision: `2025-11-06` (day), `2025-11`
/// (month, as its first day), `2025` (year, as 1 January). The year has
/// four digits, month and day two. A time after the day (`2025-11-06T10:00`,
/// `2025-11-06 10:00:00`) is ignored. Surrounding spaces are allowed.
pub fn parse_date_precision(s: &str) -> Option<(NaiveDate, Precision)> {
    let s = s.trim();
    let s = match s.char_indices().nth(10) {
        Some((i, 'T' | ' ')) => &s[..i],
        _ => s,
    };
    let number = |part: &str, len: usize| -> Option<u32> {
        (part.len() == len && part.bytes().all(|b| b.is_ascii_digit()))
            .then(|| part.parse().ok())
            .flatten()
    };
    let parts: Vec<&str> = s.split('-').collect();
    let year = number(parts.first()?, 4)? as i32;
    let (month, day, p) = match parts.len() {
        1 => (1, 1, Precision::Year),
        2 => (number(parts[1], 2)?, 1, Precision::Month),
        3 => (number(parts[1], 2)?, number(parts[2], 2)?, Precision::Day),
        _ => return None,
    };
    NaiveDate::from_ymd_opt(year, month, day).map(|d| (d, p))
}

/// Reads `2025-11-06`, `2025-11` or `2025` as a date (a month or a year as
/// its first day); see [`parse_date_precision`].
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    parse_date_precision(s).map(|(d, _)| d)
}

/// A period from `start` to `end`, both included, at the coarsest precision
/// that describes it exactly:
///
/// | period | English | Arabic |
/// |---|---|---|
/// | a calendar year | `2020` | `2020` |
/// | whole years | `2020–2022` | `2020–2022` |
/// | one whole month | `May 2021` | `مايو 2021` |
/// | whole months, one year | `January–August 2025` | `يناير–أغسطس 2025` |
/// | whole months, across years | `November 2024 – February 2025` | `نوفمبر 2024 – فبراير 2025` |
/// | one day | `6 November 2025` | `6 نوفمبر 2025` |
/// | days, one month | `6–9 November 2025` | `6–9 نوفمبر 2025` |
/// | days, one year | `6 May – 9 June 2025` | `6 مايو – 9 يونيو 2025` |
/// | otherwise | `6 November 2025 – 3 January 2026` | … |
///
/// The dash is an en dash (U+2013), spaced when a side has a space. A
/// period whose end is before its start is written as given, in full.
pub fn format_period(start: NaiveDate, end: NaiveDate, lang: Lang, arabic_digits: bool) -> String {
    let text = period_text(start, end, lang);
    digits(&text, arabic_digits)
}

fn period_text(start: NaiveDate, end: NaiveDate, lang: Lang) -> String {
    let ordered = start <= end;
    let whole_months = ordered && start.day() == 1 && is_month_end(end);
    let whole_years = whole_months && start.month() == 1 && end.month() == 12;
    let same_year = start.year() == end.year();
    let same_month = same_year && start.month() == end.month();
    let day = |d: NaiveDate| format_date(d, Precision::Day, lang, false);
    let month = |d: NaiveDate| format_date(d, Precision::Month, lang, false);

    if whole_years {
        if same_year {
            start.year().to_string()
        } else {
            format!("{}–{}", start.year(), end.year())
        }
    } else if whole_months {
        if same_month {
            month(start)
        } else if same_year {
            format!(
                "{}–{} {}",
                month_of(start, lang),
                month_of(end, lang),
                end.year()
            )
        } else {
            format!("{} – {}", month(start), month(end))
        }
    } else if !ordered {
        format!("{} – {}", day(start), day(end))
    } else if start == end {
        day(start)
    } else if same_month {
        format!(
            "{}–{} {} {}",
            start.day(),
            end.day(),
            month_of(end, lang),
            end.year()
        )
    } else if same_year {
        format!(
            "{} {} – {} {} {}",
            start.day(),
            month_of(start, lang),
            end.day(),
            month_of(end, lang),
            end.year()
        )
    } else {
        format!("{} – {}", day(start), day(end))
    }
}

fn is_month_end(d: NaiveDate) -> bool {
    d.succ_opt().is_none_or(|next| next.day() == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn precision_parses() {
        assert_eq!(Precision::parse("year"), Some(Precision::Year));
        assert_eq!(Precision::parse("Month"), Some(Precision::Month));
        assert_eq!(Precision::parse(" day "), Some(Precision::Day));
        assert_eq!(Precision::parse("week"), None);
        assert_eq!(Precision::parse(""), None);
        for p in [Precision::Year, Precision::Month, Precision::Day] {
            assert_eq!(Precision::parse(p.as_str()), Some(p));
        }
    }

    #[test]
    fn english_dates_at_each_precision() {
        assert_eq!(
            format_date(d(2014, 3, 2), Precision::Year, Lang::En, false),
            "2014"
        );
        assert_eq!(
            format_date(d(2021, 5, 1), Precision::Month, Lang::En, false),
            "May 2021"
        );
        assert_eq!(
            format_date(d(2025, 11, 6), Precision::Day, Lang::En, false),
            "6 November 2025"
        );
    }

    #[test]
    fn arabic_dates_at_each_precision() {
        assert_eq!(
            format_date(d(2014, 3, 2), Precision::Year, Lang::Ar, false),
            "2014"
        );
        assert_eq!(
            format_date(d(2021, 5, 1), Precision::Month, Lang::Ar, false),
            "مايو 2021"
        );
        assert_eq!(
            format_date(d(2025, 11, 6), Precision::Day, Lang::Ar, false),
            "6 نوفمبر 2025"
        );
        assert_eq!(
            format_date(d(2014, 3, 2), Precision::Year, Lang::Ar, true),
            "٢٠١٤"
        );
        assert_eq!(
            format_date(d(2021, 5, 1), Precision::Month, Lang::Ar, true),
            "مايو ٢٠٢١"
        );
        assert_eq!(
            format_date(d(2025, 11, 6), Precision::Day, Lang::Ar, true),
            "٦ نوفمبر ٢٠٢٥"
        );
    }

    #[test]
    fn month_names() {
        assert_eq!(month_name(Month::January, Lang::Ar, false), "يناير");
        assert_eq!(month_name(Month::November, Lang::Ar, false), "نوفمبر");
        assert_eq!(
            month_name(Month::November, Lang::Ar, true),
            "نوفمبر/تشرين الثاني"
        );
        assert_eq!(month_name(Month::August, Lang::Ar, true), "أغسطس/آب");
        assert_eq!(month_name(Month::November, Lang::En, true), "November");
        let all: Vec<String> = (1..=12u8)
            .map(|m| month_name(Month::try_from(m).unwrap(), Lang::Ar, false))
            .collect();
        assert_eq!(
            all.join(" "),
            "يناير فبراير مارس أبريل مايو يونيو يوليو أغسطس سبتمبر أكتوبر نوفمبر ديسمبر"
        );
    }

    #[test]
    fn parses_iso_dates_at_their_precision() {
        assert_eq!(parse_date("2025-11-06"), Some(d(2025, 11, 6)));
        assert_eq!(parse_date("2025-11"), Some(d(2025, 11, 1)));
        assert_eq!(parse_date("2025"), Some(d(2025, 1, 1)));
        assert_eq!(parse_date(" 2025-11-06 "), Some(d(2025, 11, 6)));
        assert_eq!(
            parse_date_precision("2025-11"),
            Some((d(2025, 11, 1), Precision::Month))
        );
        assert_eq!(
            parse_date_precision("2025"),
            Some((d(2025, 1, 1), Precision::Year))
        );
        assert_eq!(
            parse_date_precision("2025-11-06"),
            Some((d(2025, 11, 6), Precision::Day))
        );
        assert_eq!(parse_date("2025-11-06T10:30:00"), Some(d(2025, 11, 6)));
        assert_eq!(parse_date("2025-11-06 10:30:00"), Some(d(2025, 11, 6)));
    }

    #[test]
    fn rejects_what_is_not_an_iso_date() {
        for bad in [
            "",
            "25",
            "20250",
            "2025-1",
            "2025-13",
            "2025-02-30",
            "2025-11-6",
            "2025/11/06",
            "2025-11-06-01",
            "May 2021",
            "٢٠٢٥",
            "+2025",
            "2025-11-06x",
            "2025-11-",
        ] {
            assert_eq!(parse_date(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn periods_in_english() {
        let p = |a, b| format_period(a, b, Lang::En, false);
        assert_eq!(p(d(2020, 1, 1), d(2020, 12, 31)), "2020");
        assert_eq!(p(d(2020, 1, 1), d(2022, 12, 31)), "2020–2022");
        assert_eq!(p(d(2025, 1, 1), d(2025, 8, 31)), "January–August 2025");
        assert_eq!(p(d(2021, 5, 1), d(2021, 5, 31)), "May 2021");
        assert_eq!(p(d(2024, 2, 1), d(2024, 2, 29)), "February 2024");
        assert_eq!(
            p(d(2024, 11, 1), d(2025, 2, 28)),
            "November 2024 – February 2025"
        );
        assert_eq!(p(d(2025, 11, 6), d(2025, 11, 6)), "6 November 2025");
        assert_eq!(p(d(2025, 11, 6), d(2025, 11, 9)), "6–9 November 2025");
        assert_eq!(p(d(2025, 5, 6), d(2025, 6, 9)), "6 May – 9 June 2025");
        assert_eq!(
            p(d(2025, 11, 6), d(2026, 1, 3)),
            "6 November 2025 – 3 January 2026"
        );
        // Not whole months: February 28 is not the end of February 2024.
        assert_eq!(p(d(2024, 2, 1), d(2024, 2, 28)), "1–28 February 2024");
        // Reversed: as given, in full.
        assert_eq!(
            p(d(2020, 12, 31), d(2020, 1, 1)),
            "31 December 2020 – 1 January 2020"
        );
    }

    #[test]
    fn periods_in_arabic() {
        let p = |a, b| format_period(a, b, Lang::Ar, false);
        assert_eq!(p(d(2020, 1, 1), d(2020, 12, 31)), "2020");
        assert_eq!(p(d(2025, 1, 1), d(2025, 8, 31)), "يناير–أغسطس 2025");
        assert_eq!(p(d(2021, 5, 1), d(2021, 5, 31)), "مايو 2021");
        assert_eq!(p(d(2025, 11, 6), d(2025, 11, 9)), "6–9 نوفمبر 2025");
        assert_eq!(
            p(d(2024, 11, 1), d(2025, 2, 28)),
            "نوفمبر 2024 – فبراير 2025"
        );
        let q = |a, b| format_period(a, b, Lang::Ar, true);
        assert_eq!(q(d(2020, 1, 1), d(2020, 12, 31)), "٢٠٢٠");
        assert_eq!(q(d(2025, 1, 1), d(2025, 8, 31)), "يناير–أغسطس ٢٠٢٥");
        assert_eq!(q(d(2020, 1, 1), d(2022, 12, 31)), "٢٠٢٠–٢٠٢٢");
    }
}
