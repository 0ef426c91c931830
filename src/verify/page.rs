//! Reading a rendered page as a reader would: every number in its text,
//! tables and chart labels (inline SVG `<text>`), with the sentence it sits
//! in and what kind of number it is.
//!
//! Structure is left out: footnote and computed marks (`<sup class="fn">`,
//! `<sup class="calc">`), `<time>` elements, code, the provenance appendix,
//! paragraph numbers (`¶18`), years (`2025`, `1990s`), days of a month next
//! to a month name (`6 November`), and numbers glued to letters (`p18`).

use markup5ever_rcdom::{Handle, NodeData, RcDom};

use crate::render::dom::{attr, has_class, tag};

/// One number found on a page.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// The number as printed (`34M`, `4,875`).
    pub text: String,
    /// Its value (compact suffixes applied); for a figure printed by a
    /// filter, the exact value of its `<data value>`.
    pub value: f64,
    /// The sentence around it (text, collapsed white space).
    pub sentence: String,
    /// The words just before it (to read a hand-typed hedge).
    pub before: String,
    /// The text just after it (a chart's computed mark `†`).
    pub after: String,
    /// The compact scale printed with it (`M`: 1e6), 1 when none.
    pub scale: f64,
    pub place: Place,
}

/// Where a number was found.
#[derive(Debug, Clone, PartialEq)]
pub enum Place {
    /// Printed by a figure filter (`<data value>` inside `span.fig`); the
    /// index among such figures on the page, in document order.
    Filter(usize),
    /// Text of the page not printed by a figure filter.
    Text,
    /// A label of the `n`-th chart (0-based); `tick` when it is one of a
    /// regular series of axis labels.
    Chart { chart: usize, tick: bool },
}

/// The years a four-digit number is read as (structure, not a figure).
const YEARS: std::ops::RangeInclusive<i64> = 1800..=2100;

/// Reads every number of a page.
pub fn numbers(html: &str) -> Vec<Found> {
    use html5ever::tendril::TendrilSink;
    let dom = html5ever::parse_document(RcDom::default(), Default::default())
        .from_utf8()
        .read_from(&mut html.as_bytes())
        .expect("reading from memory cannot fail");
    let mut w = Walker::default();
    w.walk(&dom.document);
    w.flush_block();
    w.found
}

#[derive(Default)]
struct Walker {
    found: Vec<Found>,
    /// The text of the current block, and the numbers found in it (their
    /// sentences are filled in when the block ends).
    block: String,
    pending: Vec<(Found, usize)>,
    filter_figures: usize,
    charts: usize,
}

fn text_of(node: &Handle) -> String {
    let mut s = String::new();
    if let NodeData::Text { contents } = &node.data {
        s.push_str(&contents.borrow());
    }
    for c in node.children.borrow().iter() {
        s.push_str(&text_of(c));
    }
    s
}

fn is_block(t: &str) -> bool {
    matches!(
        t,
        "p" | "li"
            | "td"
            | "th"
            | "caption"
            | "figcaption"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "dt"
            | "dd"
            | "blockquote"
            | "section"
            | "div"
            | "header"
            | "footer"
            | "ul"
            | "ol"
            | "table"
            | "tr"
    )
}

impl Walker {
    fn walk(&mut self, node: &Handle) {
        let Some(t) = tag(node) else {
            if let NodeData::Text { contents } = &node.data {
                let text = contents.borrow().to_string();
                self.text(&text);
            }
            for c in node.children.borrow().iter() {
                self.walk(c);
            }
            return;
        };
        match t.as_str() {
            "head" | "style" | "script" | "title" | "template" | "time" | "code" => {
                // Structure: keep its words in the sentence, not its numbers.
                if t == "time" || t == "code" {
                    self.block.push_str(&text_of(node));
                    self.block.push(' ');
                }
                return;
            }
            "section" if attr(node, "id").as_deref() == Some("provenance") => return,
            "sup" if has_class(node, "fn") || has_class(node, "calc") => {
                self.block.push_str(&text_of(node));
                return;
            }
            "svg" => {
                self.chart(node);
                return;
            }
            "data" if attr(node, "value").is_some() => {
                let text = text_of(node);
                let value = attr(node, "value")
                    .and_then(|v| v.trim().parse::<f64>().ok())
                    .unwrap_or(f64::NAN);
                let at = self.block.len();
                let before = last_words(&self.block);
                self.block.push_str(&text);
                self.pending.push((
                    Found {
                        text: text.trim().to_string(),
                        value,
                        sentence: String::new(),
                        before,
                        after: String::new(),
                        scale: 1.0,
                        place: Place::Filter(self.filter_figures),
                    },
                    at,
                ));
                self.filter_figures += 1;
                return;
            }
            _ => {}
        }
        let block = is_block(&t);
        if block {
            self.flush_block();
        }
        for c in node.children.borrow().iter() {
            self.walk(c);
        }
        if block {
            self.flush_block();
        } else if t == "br" {
            self.block.push(' ');
        }
    }

    /// Text outside figures: every number token in it.
    fn text(&mut self, text: &str) {
        let base = self.block.len();
        let full = format!("{}{}", self.block, text);
        for tok in tokens(&full[base..]) {
            let start = base + tok.start;
            let before_text = &full[..start];
            let after_text = &full[start + tok.len..];
            if is_structure(&tok, before_text, after_text) {
                continue;
            }
            let (value, scale) = parse_number(&tok.text, after_text);
            self.pending.push((
                Found {
                    text: tok.text.clone(),
                    value,
                    sentence: String::new(),
                    before: last_words(before_text),
                    after: after_text.chars().take(3).collect(),
                    scale,
                    place: Place::Text,
                },
                start,
            ));
        }
        self.block.push_str(text);
    }

    /// Ends a block: fills in the sentences of its numbers.
    fn flush_block(&mut self) {
        let block = std::mem::take(&mut self.block);
        for (mut f, at) in self.pending.drain(..) {
            f.sentence = sentence_at(&block, at);
            self.found.push(f);
        }
    }

    /// The numeric labels of a chart; regular series of axis labels are ticks.
    fn chart(&mut self, svg: &Handle) {
        let chart = self.charts;
        self.charts += 1;
        let mut texts: Vec<(f64, f64, String)> = Vec::new();
        collect_svg_text(svg, &mut texts);
        let mut labels: Vec<(f64, f64, Found)> = Vec::new();
        for (x, y, text) in &texts {
            let collapsed = collapse(text);
            for tok in tokens(&collapsed) {
                let before = &collapsed[..tok.start];
                let after = &collapsed[tok.start + tok.len..];
                if is_structure(&tok, before, after) {
                    continue;
                }
                let (value, scale) = parse_number(&tok.text, after);
                labels.push((
                    *x,
                    *y,
                    Found {
                        text: tok.text.clone(),
                        value,
                        sentence: collapsed.clone(),
                        before: last_words(before),
                        after: after.chars().take(3).collect(),
                        scale,
                        place: Place::Chart { chart, tick: false },
                    },
                ));
            }
        }
        // Axis labels: three or more plain numbers on one line (same x or
        // same y) at regular steps.
        let n = labels.len();
        let mut tick = vec![false; n];
        for by_x in [true, false] {
            let mut groups: Vec<Vec<usize>> = Vec::new();
            for i in 0..n {
                let key = if by_x { labels[i].0 } else { labels[i].1 };
                match groups.iter_mut().find(|g| {
                    let k = if by_x { labels[g[0]].0 } else { labels[g[0]].1 };
                    (k - key).abs() < 0.5
                }) {
                    Some(g) => g.push(i),
                    None => groups.push(vec![i]),
                }
            }
            for g in groups.iter().filter(|g| g.len() >= 3) {
                let plain = g
                    .iter()
                    .all(|&i| labels[i].2.sentence.trim() == labels[i].2.text);
                let mut values: Vec<f64> = g.iter().map(|&i| labels[i].2.value).collect();
                values.sort_by(|a, b| a.total_cmp(b));
                let step = values[1] - values[0];
                let regular = step > 0.0
                    && values
                        .windows(2)
                        .all(|w| ((w[1] - w[0]) - step).abs() <= step * 1e-6);
                if plain && regular {
                    for &i in g {
                        tick[i] = true;
                    }
                }
            }
        }
        for (i, (_, _, mut f)) in labels.into_iter().enumerate() {
            f.place = Place::Chart {
                chart,
                tick: tick[i],
            };
            self.found.push(f);
        }
    }
}

fn collect_svg_text(node: &Handle, out: &mut Vec<(f64, f64, String)>) {
    if tag(node).as_deref() == Some("text") {
        let num = |k: &str| {
            attr(node, k)
                .and_then(|v| v.split_whitespace().next().map(str::to_string))
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        out.push((num("x"), num("y"), text_of(node)));
        return;
    }
    for c in node.children.borrow().iter() {
        collect_svg_text(c, out);
    }
}

/// Collapses white space.
pub fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The last few words before a position (for a hedge typed by hand).
fn last_words(s: &str) -> String {
    let words: Vec<&str> = s.split_whitespace().collect();
    let from = words.len().saturating_sub(3);
    words[from..].join(" ")
}

/// The sentence of `block` around byte offset `at`.
fn sentence_at(block: &str, at: usize) -> String {
    let at = at.min(block.len());
    let is_end = |c: char| matches!(c, '.' | '!' | '?' | '؟' | '؛' | ';' | '\n');
    let bytes_before = &block[..at];
    let start = bytes_before
        .char_indices()
        .rev()
        .find(|&(i, c)| {
            // A full stop ends a sentence only before white space (not 2.35).
            is_end(c)
                && block[i + c.len_utf8()..]
                    .chars()
                    .next()
                    .is_none_or(char::is_whitespace)
        })
        .map_or(0, |(i, c)| i + c.len_utf8());
    let rest = &block[at..];
    let mut end = block.len();
    let mut iter = rest.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        if is_end(c) && iter.peek().is_none_or(|(_, n)| n.is_whitespace()) {
            end = at + i + c.len_utf8();
            break;
        }
    }
    collapse(&block[start..end])
}

/// A number token in a text.
#[derive(Debug, Clone)]
pub struct Token {
    pub text: String,
    /// Byte offset in the text.
    pub start: usize,
    pub len: usize,
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('\u{0660}'..='\u{0669}').contains(&c)
}

/// The number tokens of a text: digits with grouping and decimal
/// separators between digits.
pub fn tokens(s: &str) -> Vec<Token> {
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !is_digit(chars[i].1) {
            i += 1;
            continue;
        }
        let start = i;
        let mut j = i;
        while j < chars.len() {
            let c = chars[j].1;
            let separator_in_number = matches!(c, ',' | '.' | '٬' | '٫')
                && j + 1 < chars.len()
                && is_digit(chars[j + 1].1);
            if is_digit(c) || separator_in_number {
                j += 1;
            } else {
                break;
            }
        }
        let b0 = chars[start].0;
        let b1 = if j < chars.len() { chars[j].0 } else { s.len() };
        out.push(Token {
            text: s[b0..b1].to_string(),
            start: b0,
            len: b1 - b0,
        });
        i = j;
    }
    out
}

/// ASCII digits and separators removed: `١٢٬٥` → `12.5`.
fn ascii_number(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '0'..='9' => Some(c),
            '\u{0660}'..='\u{0669}' => char::from_u32('0' as u32 + (c as u32 - 0x660)),
            '.' | '٫' => Some('.'),
            _ => None,
        })
        .collect()
}

/// The value of a token, with a compact suffix just after it (`34M`,
/// `34 مليون`) applied. Returns the value and the scale.
pub fn parse_number(text: &str, after: &str) -> (f64, f64) {
    let base: f64 = ascii_number(text).parse().unwrap_or(f64::NAN);
    let rest = after.trim_start();
    let glued = !after.starts_with(char::is_whitespace);
    let scale = if glued && rest.starts_with(['K', 'k']) {
        1e3
    } else if glued && rest.starts_with('M') {
        1e6
    } else if glued && rest.starts_with(['B', 'b']) && !rest.starts_with("by") {
        1e9
    } else if rest.starts_with("ألف") || rest.starts_with("آلاف") {
        1e3
    } else if rest.starts_with("مليون") || rest.starts_with("ملايين") {
        1e6
    } else if rest.starts_with("مليار") {
        1e9
    } else if rest.starts_with("million") {
        1e6
    } else if rest.starts_with("billion") {
        1e9
    } else {
        1.0
    };
    (base * scale, scale)
}

/// Numbers that are structure, not figures.
pub fn is_structure(tok: &Token, before: &str, after: &str) -> bool {
    let prev = before.chars().next_back();
    let next = after.chars().next();
    // Paragraph and section numbers.
    if matches!(prev, Some('¶' | '§' | '#')) {
        return true;
    }
    // Footnote and computed marks written out: `[3]`, `[†1]`.
    if matches!(prev, Some('[' | '†')) && next == Some(']') {
        return true;
    }
    // Glued to letters: identifiers (p18, COVID-19 keeps its hyphen, H2).
    if prev.is_some_and(|c| c.is_alphabetic() || c == '_' || c == '-') && !before.ends_with(" -") {
        return true;
    }
    let plain = ascii_number(&tok.text);
    let int = plain.parse::<i64>().ok().filter(|_| !plain.contains('.'));
    let grouped = tok.text.contains([',', '٬']);
    // Years, and decades (1990s).
    if let Some(y) = int.filter(|_| !grouped && plain.len() == 4) {
        if YEARS.contains(&y) {
            return true;
        }
    }
    if next.is_some_and(|c| c.is_alphabetic())
        && !matches!(next, Some('K' | 'M' | 'B' | 'k'))
        && next.is_some_and(|c| c.is_ascii())
    {
        return true;
    }
    // A day of a month: `6 November`, `November 6`, `6 نوفمبر`.
    if let Some(d) = int.filter(|d| (1..=31).contains(d)) {
        let _ = d;
        let next_word = after
            .split_whitespace()
            .next()
            .unwrap_or("")
            .trim_matches(|c: char| !c.is_alphabetic())
            .to_lowercase();
        let prev_word = before
            .split_whitespace()
            .next_back()
            .unwrap_or("")
            .trim_matches(|c: char| !c.is_alphabetic())
            .to_lowercase();
        // A month name makes a small number next to it a day of the month.
        if crate::format::is_month_word(&next_word) || crate::format::is_month_word(&prev_word) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_values() {
        let t = tokens("about 34M and 4,875 people, ratio 2.35.");
        let texts: Vec<&str> = t.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(texts, vec!["34", "4,875", "2.35"]);
        assert_eq!(parse_number("34", "M and").0, 34e6);
        assert_eq!(parse_number("٨٨٣", " مليون").0, 883e6);
        assert_eq!(parse_number("4,875", " people").0, 4875.0);
    }

    #[test]
    fn structure_is_not_a_figure() {
        let html = r#"<p>On 6 November 2025 (¶18) it was p18 in the 1990s<sup class="fn"><a>[2]</a></sup>.</p>
            <p>Trade reached 999 million. Then <span class="fig">about&nbsp;<data value="34000000">34M</data></span> came.</p>"#;
        let found = numbers(html);
        let texts: Vec<(&str, &Place)> =
            found.iter().map(|f| (f.text.as_str(), &f.place)).collect();
        assert_eq!(
            texts,
            vec![("999", &Place::Text), ("34M", &Place::Filter(0))]
        );
        assert_eq!(found[0].sentence, "Trade reached 999 million.");
        assert_eq!(found[0].value, 999e6);
        assert_eq!(found[1].value, 34e6);
        assert_eq!(found[1].before, "million. Then about");
    }

    #[test]
    fn chart_ticks_are_structure_and_value_labels_are_figures() {
        let svg = r#"<svg><text x="49" y="300">0</text><text x="49" y="200">200</text>
            <text x="49" y="100">400</text><text x="118" y="316">about 123</text>
            <text x="148" y="375">2020</text></svg>"#;
        let found = numbers(svg);
        let ticks = found
            .iter()
            .filter(|f| matches!(f.place, Place::Chart { tick: true, .. }))
            .count();
        assert_eq!(ticks, 3);
        let label = found.iter().find(|f| f.text == "123").unwrap();
        assert_eq!(label.before, "about");
    }
}
