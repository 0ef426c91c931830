//! The rows of a chart, prepared for drawing: x values in axis units
//! (band index, number or day), series in order of appearance, timeline
//! events in date order, and what each value is (its qualifier, whether it
//! is computed).

use std::collections::HashMap;

use super::format::{self, DateUnit};
use super::spec::{Data, Kind, NumberFormat, Options, Qualifier, XData};
use super::theme::{Rgb, PALETTE};

/// How x values are placed.
pub enum XKind {
    /// Categories in bands; keys match annotations.
    Band {
        labels: Vec<String>,
        keys: Vec<BandKey>,
    },
    Numbers {
        integer: bool,
        plain: bool,
    },
    Dates,
}

/// What a band stands for, so that an annotation can name it.
#[derive(Clone, PartialEq)]
pub enum BandKey {
    Text(String),
    Number(f64),
    Date(i32),
}

/// One value of a series.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// In axis units: band index, number or day.
    pub x: f64,
    pub y: Option<f64>,
    /// How the source hedges it.
    pub qualifier: Qualifier,
    /// Computed, not stated by a source.
    pub derived: bool,
}

pub struct SeriesData {
    pub name: String,
    pub color: Rgb,
    /// In row order.
    pub points: Vec<Point>,
}

/// A timeline event.
pub struct Event {
    /// The first day (or the year) it may have happened.
    pub x: f64,
    pub label: String,
    /// Its series.
    pub group: usize,
    /// How precisely it is dated.
    pub unit: DateUnit,
}

pub struct Prepared {
    pub xkind: XKind,
    pub series: Vec<SeriesData>,
    pub events: Vec<Event>,
}

impl Prepared {
    /// The number of categories of a band axis (0 for other axes).
    pub fn band_count(&self) -> usize {
        match &self.xkind {
            XKind::Band { labels, .. } => labels.len(),
            _ => 0,
        }
    }
}

/// The colour of series `i`.
fn color(o: &Options, i: usize) -> Rgb {
    if o.colors.is_empty() {
        PALETTE[i % PALETTE.len()]
    } else {
        o.colors[i % o.colors.len()]
    }
}

/// Whether numbers on the x axis are written plainly: integers in a column
/// named like "year", or integers all below 10,000 in magnitude (years,
/// small counts). Otherwise they follow `number_format`.
pub fn plain_x(name: &str, values: &[Option<f64>]) -> (bool, bool) {
    let integer = values.iter().flatten().all(|v| v.fract() == 0.0);
    let small = values.iter().flatten().all(|v| v.abs() < 10_000.0);
    let plain = integer && (name.to_lowercase().contains("year") || small);
    (integer, plain)
}

fn sorted_unique(values: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut v: Vec<f64> = values.filter(|x| x.is_finite()).collect();
    v.sort_by(|a, b| a.total_cmp(b));
    v.dedup();
    v
}

/// Rows as indexes into sorted unique values (bands).
fn band_index(values: impl Iterator<Item = Option<f64>>, uniq: &[f64]) -> Vec<Option<f64>> {
    values
        .map(|v| {
            v.and_then(|x| {
                uniq.binary_search_by(|u| u.total_cmp(&x))
                    .ok()
                    .map(|i| i as f64)
            })
        })
        .collect()
}

/// The x axis kind and each row's x in axis units.
fn x_values(data: &Data, o: &Options) -> Result<(XKind, Vec<Option<f64>>), String> {
    let kind = o.kind;
    Ok(match &data.x {
        XData::Text(values) => {
            if kind == Kind::Timeline {
                return Err(format!(
                    "timeline: x column `{}` holds text; it must hold dates or years",
                    data.x_name
                ));
            }
            let mut index: HashMap<&str, usize> = HashMap::new();
            let mut labels = Vec::new();
            let row_x = values
                .iter()
                .map(|v| {
                    v.as_deref().map(|s| {
                        let next = index.len();
                        let i = *index.entry(s).or_insert_with(|| {
                            labels.push(s.to_string());
                            next
                        });
                        i as f64
                    })
                })
                .collect();
            let keys = labels.iter().cloned().map(BandKey::Text).collect();
            (XKind::Band { labels, keys }, row_x)
        }
        XData::Numbers(values) => {
            let (integer, plain) = plain_x(&data.x_name, values);
            let values: Vec<Option<f64>> =
                values.iter().map(|v| v.filter(|x| x.is_finite())).collect();
            if kind.is_bar() {
                let uniq = sorted_unique(values.iter().flatten().copied());
                let labels = if plain {
                    format::ticks(&uniq, NumberFormat::Plain, None)
                } else {
                    uniq.iter()
                        .map(|&v| format::value(v, o.number_format, None))
                        .collect()
                };
                let row_x = band_index(values.iter().copied(), &uniq);
                let keys = uniq.into_iter().map(BandKey::Number).collect();
                (XKind::Band { labels, keys }, row_x)
            } else {
                (XKind::Numbers { integer, plain }, values)
            }
        }
        XData::Dates(values) => {
            if kind.is_bar() {
                let uniq = sorted_unique(values.iter().flatten().map(|&d| d as f64));
                let unit = format::date_unit(uniq.iter().map(|&d| d as i32));
                let labels = uniq
                    .iter()
                    .map(|&d| format::date_label(d as i32, unit, o.lang, true))
                    .collect();
                let row_x = band_index(values.iter().map(|v| v.map(|d| d as f64)), &uniq);
                let keys = uniq.into_iter().map(|d| BandKey::Date(d as i32)).collect();
                (XKind::Band { labels, keys }, row_x)
            } else {
                (
                    XKind::Dates,
                    values.iter().map(|v| v.map(|d| d as f64)).collect(),
                )
            }
        }
    })
}

/// The series of a chart, created in order of first appearance.
struct Groups<'a> {
    o: &'a Options,
    seen: HashMap<String, usize>,
    series: Vec<SeriesData>,
}

impl Groups<'_> {
    fn get(&mut self, name: &str) -> usize {
        if let Some(&i) = self.seen.get(name) {
            return i;
        }
        let i = self.series.len();
        self.series.push(SeriesData {
            name: name.to_string(),
            color: color(self.o, i),
            points: Vec::new(),
        });
        self.seen.insert(name.to_string(), i);
        i
    }
}

/// Prepares the rows for drawing.
pub fn prepare(data: &Data, o: &Options) -> Result<Prepared, String> {
    let (xkind, row_x) = x_values(data, o)?;
    let mut groups = Groups {
        o,
        seen: HashMap::new(),
        series: Vec::new(),
    };

    if o.kind == Kind::Timeline {
        let events = events(data, &xkind, &row_x, &mut groups);
        return Ok(Prepared {
            xkind,
            series: groups.series,
            events,
        });
    }

    let point = |i: usize, x: f64, ys: &[Option<f64>]| Point {
        x,
        y: ys[i].filter(|v| v.is_finite()),
        qualifier: data
            .qualifiers
            .as_ref()
            .and_then(|q| q.get(i).copied())
            .unwrap_or_default(),
        derived: data
            .derived
            .as_ref()
            .and_then(|d| d.get(i).copied())
            .unwrap_or(false),
    };
    match &data.series {
        Some(keys) => {
            if data.y.len() != 1 {
                return Err("with `series`, `y` must be one column".into());
            }
            let ys = &data.y[0].1;
            for (i, x) in row_x.iter().enumerate() {
                let g = groups.get(&keys[i]);
                if let Some(x) = *x {
                    groups.series[g].points.push(point(i, x, ys));
                }
            }
        }
        None => {
            for (name, ys) in &data.y {
                let g = groups.get(name);
                for (i, x) in row_x.iter().enumerate() {
                    if let Some(x) = *x {
                        groups.series[g].points.push(point(i, x, ys));
                    }
                }
            }
        }
    }
    Ok(Prepared {
        xkind,
        series: groups.series,
        events: Vec::new(),
    })
}

/// Timeline events in date order, each at its precision: the precision
/// column's when given, else the coarsest unit that dates them all exactly
/// (numbers on x are years).
fn events(data: &Data, xkind: &XKind, row_x: &[Option<f64>], groups: &mut Groups) -> Vec<Event> {
    let default_unit = match xkind {
        XKind::Dates => format::date_unit(row_x.iter().flatten().map(|&d| d as i32)),
        _ => DateUnit::Year,
    };
    let mut events = Vec::new();
    for (i, x) in row_x.iter().enumerate() {
        let Some(x) = *x else { continue };
        let g = match &data.series {
            Some(s) => groups.get(&s[i]),
            None => groups.get(&data.x_name),
        };
        let label = data
            .labels
            .as_ref()
            .and_then(|l| l.get(i))
            .cloned()
            .unwrap_or_default();
        let unit = match xkind {
            XKind::Dates => data
                .precision
                .as_ref()
                .and_then(|p| p.get(i).copied().flatten())
                .unwrap_or(default_unit),
            _ => DateUnit::Year,
        };
        events.push(Event {
            x,
            label,
            group: g,
            unit,
        });
    }
    events.sort_by(|a, b| a.x.total_cmp(&b.x));
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(x: XData) -> Data {
        Data {
            x_name: "date".into(),
            x,
            ..Data::default()
        }
    }

    #[test]
    fn categories_keep_their_order_and_numbers_become_sorted_bands() {
        let mut d = data(XData::Text(vec![
            Some("b".into()),
            Some("a".into()),
            Some("b".into()),
        ]));
        d.y = vec![("v".into(), vec![Some(1.0), Some(2.0), Some(3.0)])];
        let p = prepare(&d, &Options::new(Kind::Bar)).unwrap();
        let XKind::Band { labels, .. } = &p.xkind else {
            panic!()
        };
        assert_eq!(labels, &["b", "a"]);
        let xs: Vec<f64> = p.series[0].points.iter().map(|p| p.x).collect();
        assert_eq!(xs, [0.0, 1.0, 0.0]);

        let mut d = data(XData::Numbers(vec![Some(2022.0), Some(2020.0)]));
        d.x_name = "year".into();
        d.y = vec![("v".into(), vec![Some(1.0), Some(2.0)])];
        let p = prepare(&d, &Options::new(Kind::Bar)).unwrap();
        let XKind::Band { labels, .. } = &p.xkind else {
            panic!()
        };
        assert_eq!(labels, &["2020", "2022"]);
    }

    #[test]
    fn points_carry_their_qualifier_and_derivation() {
        let mut d = data(XData::Numbers(vec![Some(1.0), Some(2.0)]));
        d.y = vec![("v".into(), vec![Some(1.0), Some(f64::NAN)])];
        d.qualifiers = Some(vec![Qualifier::About, Qualifier::Exact]);
        d.derived = Some(vec![false, true]);
        let p = prepare(&d, &Options::new(Kind::Line)).unwrap();
        let pts = &p.series[0].points;
        assert_eq!(pts[0].qualifier, Qualifier::About);
        assert!(!pts[0].derived && pts[1].derived);
        assert_eq!(pts[1].y, None, "NaN is no value");
    }

    #[test]
    fn timeline_events_are_sorted_at_their_precision() {
        let day = |s: &str| format::parse_date(s);
        let mut d = data(XData::Dates(vec![day("2014-01-01"), day("1992-04-01")]));
        d.labels = Some(vec!["Defence".into(), "Relations".into()]);
        d.precision = Some(vec![Some(DateUnit::Year), None]);
        let p = prepare(&d, &Options::new(Kind::Timeline)).unwrap();
        assert_eq!(p.events[0].label, "Relations");
        // No precision given: the coarsest that dates every event exactly.
        assert_eq!(p.events[0].unit, DateUnit::Month);
        assert_eq!(p.events[1].unit, DateUnit::Year);
        let d = data(XData::Text(vec![Some("x".into())]));
        assert!(prepare(&d, &Options::new(Kind::Timeline))
            .err()
            .unwrap()
            .contains("holds text"));
    }
}
