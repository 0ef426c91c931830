//! What a value label says about its value: the number in the chart's
//! format, the source's hedge before it in the chart's language ("about
//! 34", "نحو 34", in the words of [`crate::format::Qualifier`]) and a mark
//! after a computed value ("369†"), explained by a note under the chart.

use super::format;
use super::prepare::Point;
use super::spec::{Lang, Options, Qualifier};

/// The mark after a computed value.
pub const DERIVED_MARK: &str = "†";

/// The note explaining [`DERIVED_MARK`].
pub fn derived_note(lang: Lang) -> String {
    match lang {
        Lang::En => format!("{DERIVED_MARK} computed from other figures, not stated by a source"),
        Lang::Ar => format!("{DERIVED_MARK} محسوب من أرقام أخرى، لم يرد في المصدر"),
    }
}

/// The label of a value hedged by `q`, maybe computed.
pub fn value_label(v: f64, q: Qualifier, derived: bool, o: &Options) -> String {
    let mut s = q.apply(&format::value(v, o.number_format, o.decimals), o.lang);
    if derived {
        s.push_str(DERIVED_MARK);
    }
    s
}

/// The qualifier of a sum of values: theirs when they agree, "about"
/// when they differ.
pub fn combined_qualifier<'a>(points: impl IntoIterator<Item = &'a Point>) -> Qualifier {
    let mut out: Option<Qualifier> = None;
    for p in points {
        match out {
            None => out = Some(p.qualifier),
            Some(q) if q == p.qualifier => {}
            Some(_) => return Qualifier::About,
        }
    }
    out.unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::spec::{Kind, NumberFormat};

    fn point(q: Qualifier) -> Point {
        Point {
            x: 0.0,
            y: Some(1.0),
            qualifier: q,
            derived: false,
        }
    }

    #[test]
    fn labels_carry_the_hedge_in_the_chart_language_and_mark_computed_values() {
        let mut o = Options::new(Kind::Bar);
        o.number_format = NumberFormat::Compact;
        let label = |v, q, d, o: &Options| value_label(v, q, d, o);
        assert_eq!(label(34e6, Qualifier::About, false, &o), "about 34M");
        assert_eq!(label(34e6, Qualifier::Exact, false, &o), "34M");
        assert_eq!(label(369e6, Qualifier::Exact, true, &o), "369M†");
        o.lang = Lang::Ar;
        assert_eq!(label(1200.0, Qualifier::AtMost, false, &o), "لا يتجاوز 1.2K");
        assert_eq!(label(1000.0, Qualifier::AtLeast, false, &o), "على الأقل 1K");
        assert_eq!(label(1000.0, Qualifier::MoreThan, false, &o), "أكثر من 1K");
        assert!(derived_note(Lang::Ar).starts_with(DERIVED_MARK));
    }

    #[test]
    fn sums_keep_a_shared_hedge_and_become_about_when_hedges_differ() {
        let same = [point(Qualifier::AtLeast), point(Qualifier::AtLeast)];
        assert_eq!(combined_qualifier(&same), Qualifier::AtLeast);
        let exact = [point(Qualifier::Exact), point(Qualifier::Exact)];
        assert_eq!(combined_qualifier(&exact), Qualifier::Exact);
        let mixed = [point(Qualifier::AtMost), point(Qualifier::Exact)];
        assert_eq!(combined_qualifier(&mixed), Qualifier::About);
    }
}
