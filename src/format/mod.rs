//! Reader-facing formatting in English and Arabic: numbers, percentages,
//! dates at their precision, and frames as accessible HTML tables.
//!
//! This is the one formatter of the crate: template filters, HTML tables,
//! chart labels and the PDF all come here, so a figure reads the same everywhere (one
//! rounding rule, one set of month names, one `Lang`, one escaper). It sits
//! low in the layers: it knows Polars frames (for tables) but nothing of
//! scripts, templates or charts.
//!
//! Everything here is a pure function of plain Rust values (and, for
//! tables, a `&DataFrame`); the template filters only parse their arguments
//! and call these.
//!
//! # Rules shared by every formatter
//!
//! - **Digits and separators go together.** With `arabic_digits` the digits
//!   are Arabic-Indic (`٠١٢٣٤٥٦٧٨٩`) and so are the separators: thousands
//!   `٬` (U+066C), decimal `٫` (U+066B), percent `٪` (U+066A). With Latin
//!   digits the separators are `,` `.` `%` in both languages, as Arabic news
//!   sites write them. The language chooses words (month names, `مليون`,
//!   `نعم`), never separators.
//! - **Not a number**: NaN and ±infinity are shown as `—`.
//! - **Minus** is ASCII `-` before the digits (in logical order, in both
//!   languages); the bidi algorithm places it in right-to-left text.
//! - **Escaping**: every text that ends up in HTML goes through
//!   [`escape_html`].
//!
//! The submodules: numbers and percentages (`number`), dates and periods
//! (`date`), HTML tables (`table`), the words of qualifiers (`qualifier`:
//! about / نحو, at least / على الأقل …); their items are re-exported here.

mod date;
mod number;
pub mod qualifier;
mod table;

pub use date::{
    format_date, format_period, is_month_word, month_name, month_short, parse_date,
    parse_date_precision, Precision, AR_MONTHS,
};
pub use number::{format_number, format_percent, NumberOptions};
pub use qualifier::Qualifier;
pub use table::{
    frame_to_html, is_year_column, is_year_name, try_frame_to_html, TableError, TableOptions,
};

/// The language of a briefing: its words and its direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// English, left to right.
    #[default]
    En,
    /// Arabic, right to left.
    Ar,
}

impl Lang {
    /// A language from a tag: `en`, `ar`, or a tag with a region or
    /// script (`en-GB`, `ar_EG`, `AR-SA`), matched on the primary subtag,
    /// ignoring case. Any other tag gives English; use [`Lang::try_parse`]
    /// to reject it instead.
    pub fn parse(tag: &str) -> Lang {
        Lang::try_parse(tag).unwrap_or_default()
    }

    /// Like [`Lang::parse`], but `None` for a language other than English
    /// or Arabic.
    pub fn try_parse(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or("");
        if primary.eq_ignore_ascii_case("en") {
            Some(Lang::En)
        } else if primary.eq_ignore_ascii_case("ar") {
            Some(Lang::Ar)
        } else {
            None
        }
    }

    /// The language tag: `"en"` or `"ar"`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ar => "ar",
        }
    }

    /// The text direction, as the HTML `dir` attribute wants it: `"ltr"` or `"rtl"`.
    pub fn dir(self) -> &'static str {
        match self {
            Lang::En => "ltr",
            Lang::Ar => "rtl",
        }
    }

    /// True for a right-to-left language.
    pub fn is_rtl(self) -> bool {
        self == Lang::Ar
    }
}

/// The one escaper for text that ends up in markup — HTML pages, inline
/// SVG charts, SVG files: `&` `<` `>` `"` `'` become `&amp;` `&lt;` `&gt;`
/// `&quot;` `&#39;`, for element content and quoted attribute values alike;
/// a character XML 1.0 does not allow (a C0 control other than tab and the
/// line breaks) becomes a space, since it would make an SVG unreadable.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if is_xml_char(c) => out.push(c),
            _ => out.push(' '),
        }
    }
    out
}

/// Characters XML 1.0 allows (others make an SVG document unreadable).
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || !(c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}')
}

/// Replaces the ASCII digits `0`–`9` with the Arabic-Indic digits `٠`–`٩`
/// (U+0660–U+0669); every other character is kept.
pub fn to_arabic_digits(s: &str) -> String {
    s.chars().map(arabic_digit).collect()
}

/// One ASCII digit as an Arabic-Indic digit; any other character unchanged.
fn arabic_digit(c: char) -> char {
    match c {
        '0'..='9' => char::from_u32('\u{0660}' as u32 + (c as u32 - '0' as u32)).unwrap_or(c),
        c => c,
    }
}

/// Maps the digits of `s` when `arabic_digits` is set.
fn digits(s: &str, arabic_digits: bool) -> String {
    if arabic_digits {
        to_arabic_digits(s)
    } else {
        s.to_string()
    }
}

/// Shown for a value that is not a number (NaN, infinity).
const NOT_A_NUMBER: &str = "—";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lang_parses_tags_by_primary_subtag() {
        assert_eq!(Lang::parse("en"), Lang::En);
        assert_eq!(Lang::parse("ar"), Lang::Ar);
        assert_eq!(Lang::parse("en-GB"), Lang::En);
        assert_eq!(Lang::parse("ar-EG"), Lang::Ar);
        assert_eq!(Lang::parse("ar_SA"), Lang::Ar);
        assert_eq!(Lang::parse(" AR "), Lang::Ar);
        assert_eq!(Lang::parse("fr"), Lang::En);
        assert_eq!(Lang::parse("arabic"), Lang::En);
        assert_eq!(Lang::try_parse("fr"), None);
        assert_eq!(Lang::try_parse("english"), None);
        assert_eq!(Lang::try_parse("En-us"), Some(Lang::En));
        assert_eq!(Lang::default(), Lang::En);
    }

    #[test]
    fn lang_direction_and_code() {
        assert_eq!(Lang::En.dir(), "ltr");
        assert_eq!(Lang::Ar.dir(), "rtl");
        assert_eq!(Lang::En.code(), "en");
        assert_eq!(Lang::Ar.code(), "ar");
        assert!(Lang::Ar.is_rtl());
        assert!(!Lang::En.is_rtl());
    }

    #[test]
    fn escape_html_escapes_the_five_characters() {
        assert_eq!(
            escape_html("<script>alert(1)</script>"),
            "&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        assert_eq!(escape_html("\"onmouseover="), "&quot;onmouseover=");
        assert_eq!(escape_html("Tom & Jerry's"), "Tom &amp; Jerry&#39;s");
        assert_eq!(escape_html("&amp;"), "&amp;amp;");
        assert_eq!(escape_html("مصر"), "مصر");
        assert_eq!(escape_html(""), "");
        assert_eq!(escape_html("a\u{1}b\nc"), "a b\nc");
    }

    #[test]
    fn arabic_digits_map_only_ascii_digits() {
        assert_eq!(to_arabic_digits("0123456789"), "٠١٢٣٤٥٦٧٨٩");
        assert_eq!(to_arabic_digits("May 2021, x9"), "May ٢٠٢١, x٩");
        assert_eq!(digits("42", false), "42");
        assert_eq!(digits("42", true), "٤٢");
    }
}
