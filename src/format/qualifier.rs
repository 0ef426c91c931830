//! Qualifiers: how a source hedges a figure ("about 34 million", "more than
//! double"), and the words that carry the hedge onto the page.
//!
//! The data package records a qualifier code with every figure
//! (`exact`, `about`, `at_least`, `more_than`, `at_most`, `less_than`). This
//! module is the one place that knows the words for them in English and
//! Arabic; template filters, tables and chart value labels all come here, so
//! no template types a hedge word by hand and none can drift from the data.
//!
//! ```
//! use dossier::format::{Lang, Qualifier};
//! let q = Qualifier::parse("about").unwrap();
//! assert_eq!(q.apply("34M", Lang::En), "about 34M");
//! assert_eq!(q.apply("34 مليون", Lang::Ar), "نحو 34 مليون");
//! assert_eq!(Qualifier::Exact.apply("79M", Lang::En), "79M");
//! ```

use super::Lang;

/// How a source states a figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Qualifier {
    /// Stated without a hedge (the source may still have rounded it).
    #[default]
    Exact,
    /// "about", "around", "nearly": نحو.
    About,
    /// A lower bound that includes the figure: at least.
    AtLeast,
    /// A lower bound that excludes it: more than, over.
    MoreThan,
    /// An upper bound that includes it: at most, no more than.
    AtMost,
    /// An upper bound that excludes it: less than, under.
    LessThan,
}

impl Qualifier {
    /// Every qualifier, in the order the documentation lists them.
    pub const ALL: [Qualifier; 6] = [
        Qualifier::Exact,
        Qualifier::About,
        Qualifier::AtLeast,
        Qualifier::MoreThan,
        Qualifier::AtMost,
        Qualifier::LessThan,
    ];

    /// The qualifier a data code names: `exact`, `about`, `at_least`,
    /// `more_than`, `at_most`, `less_than` (case and surrounding space
    /// ignored; `-` and ` ` accepted for `_`). An empty code is `exact`.
    /// `None` for anything else.
    pub fn parse(code: &str) -> Option<Qualifier> {
        let c = code.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Qualifier::ALL
            .into_iter()
            .find(|q| q.code() == c)
            .or(if c.is_empty() {
                Some(Qualifier::Exact)
            } else {
                None
            })
    }

    /// The code the data package uses.
    pub fn code(self) -> &'static str {
        match self {
            Qualifier::Exact => "exact",
            Qualifier::About => "about",
            Qualifier::AtLeast => "at_least",
            Qualifier::MoreThan => "more_than",
            Qualifier::AtMost => "at_most",
            Qualifier::LessThan => "less_than",
        }
    }

    /// True for a figure stated without a hedge.
    pub fn is_exact(self) -> bool {
        self == Qualifier::Exact
    }

    /// The words put before a figure in `lang` (lower case), or `None` for
    /// an exact figure.
    pub fn word(self, lang: Lang) -> Option<&'static str> {
        let (en, ar) = match self {
            Qualifier::Exact => return None,
            Qualifier::About => ("about", "نحو"),
            Qualifier::AtLeast => ("at least", "على الأقل"),
            Qualifier::MoreThan => ("more than", "أكثر من"),
            Qualifier::AtMost => ("at most", "لا يتجاوز"),
            Qualifier::LessThan => ("less than", "أقل من"),
        };
        Some(match lang {
            Lang::En => en,
            Lang::Ar => ar,
        })
    }

    /// A short mark for tight places (chart value labels): `≈`, `≥`, `>`,
    /// `≤`, `<`; `None` for an exact figure.
    pub fn symbol(self) -> Option<&'static str> {
        match self {
            Qualifier::Exact => None,
            Qualifier::About => Some("≈"),
            Qualifier::AtLeast => Some("≥"),
            Qualifier::MoreThan => Some(">"),
            Qualifier::AtMost => Some("≤"),
            Qualifier::LessThan => Some("<"),
        }
    }

    /// An already formatted figure with its hedge in `lang`: `about 34M`,
    /// `نحو 34 مليون`; an exact figure is returned as it is.
    pub fn apply(self, figure: &str, lang: Lang) -> String {
        match self.word(lang) {
            Some(w) => format!("{w} {figure}"),
            None => figure.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_codes_are_refused() {
        for q in Qualifier::ALL {
            assert_eq!(Qualifier::parse(q.code()), Some(q));
        }
        assert_eq!(Qualifier::parse(" At-Least "), Some(Qualifier::AtLeast));
        assert_eq!(Qualifier::parse("more than"), Some(Qualifier::MoreThan));
        assert_eq!(Qualifier::parse(""), Some(Qualifier::Exact));
        assert_eq!(Qualifier::parse("roughly"), None);
    }

    #[test]
    fn every_hedge_has_words_in_both_languages() {
        for q in Qualifier::ALL {
            assert_eq!(q.word(Lang::En).is_none(), q.is_exact());
            assert_eq!(q.word(Lang::Ar).is_none(), q.is_exact());
            assert_eq!(q.symbol().is_none(), q.is_exact());
        }
        assert_eq!(
            Qualifier::AtMost.apply("5", Lang::Ar),
            "لا يتجاوز 5".to_string()
        );
        assert_eq!(Qualifier::MoreThan.apply("2×", Lang::En), "more than 2×");
    }
}
