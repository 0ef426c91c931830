//! What a value label says about its value: the number in the chart's
//! format, the source's hedge before it in the chart's language ("about
//! 34", "نحو 34") and a mark after a computed value ("369†"), explained by
//! a note under the chart.

use super::format;
use super::prepare::Point;
use super::spec::{Lang, Options};

/// The mark after a computed value.
pub const DERIVED_MARK: &str = "†";

/// The note explaining [`DERIVED_MARK`].
pub fn derived_note(lang: Lang) -> String {
    match lang {
        Lang::En => format!("{DERIVED_MARK} computed from other figures, not stated by a source"),
        Lang::Ar => format!("{DERIVED_MARK} محسوب من أرقام أخرى، لم يرد في المصدر"),
    }
}

/// The label of a value that is `qualifier` (None when exact) and maybe
/// computed.
pub fn value_label(v: f64, qualifier: Option<&str>, derived: bool, o: &Options) -> String {
    let number = format::value(v, o.number_format, o.decimals);
    let mut s = match qualifier.and_then(|q| format::qualifier_words(q, o.lang)) {
        Some(words) => format!("{words} {number}"),
        None => number,
    };
    if derived {
        s.push_str(DERIVED_MARK);
    }
    s
}

/// The qualifier of a sum of values: theirs when they agree, "about"
/// when they differ and one is hedged.
pub fn combined_qualifier<'a>(points: impl IntoIterator<Item = &'a Point>) -> Option<String> {
    let mut out: Option<Option<&str>> = None;
    for p in points {
        let q = p.qualifier.as_deref().filter(|q| !format::is_exact(q));
        match out {
            None => out = Some(q),
            Some(prev) if prev == q => {}
            Some(_) => return Some("about".into()),
        }
    }
    out.flatten().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::spec::{Kind, NumberFormat};

    fn point(q: Option<&str>) -> Point {
        Point {
            x: 0.0,
            y: Some(1.0),
            qualifier: q.map(str::to_string),
            derived: false,
        }
    }

    #[test]
    fn labels_carry_the_hedge_in_the_chart_language_and_mark_computed_values() {
        let mut o = Options::new(Kind::Bar);
        o.number_format = NumberFormat::Compact;
        assert_eq!(value_label(34e6, Some("about"), false, &o), "about 34M");
        assert_eq!(value_label(34e6, Some("exact"), false, &o), "34M");
        assert_eq!(value_label(369e6, None, true, &o), "369M†");
        o.lang = Lang::Ar;
        assert_eq!(
            value_label(1200.0, Some("at_most"), false, &o),
            "لا يتجاوز 1.2K"
        );
        assert_eq!(
            value_label(1000.0, Some("at_least"), false, &o),
            "على الأقل 1K"
        );
        assert_eq!(
            value_label(1000.0, Some("more_than"), false, &o),
            "أكثر من 1K"
        );
        assert!(derived_note(Lang::Ar).starts_with(DERIVED_MARK));
    }

    #[test]
    fn sums_keep_a_shared_hedge_and_become_about_when_hedges_differ() {
        let same = [point(Some("about")), point(Some("about"))];
        assert_eq!(combined_qualifier(&same).as_deref(), Some("about"));
        let exact = [point(None), point(Some("exact"))];
        assert_eq!(combined_qualifier(&exact), None);
        let mixed = [point(Some("at_most")), point(None)];
        assert_eq!(combined_qualifier(&mixed).as_deref(), Some("about"));
    }
}
