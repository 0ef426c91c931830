//! Bar charts: `bar`, `grouped_bar` (side by side per category) and
//! `stacked_bar` (positive values stacked up, negative down). Rows with the
//! same category are summed; a computed value's bar is drawn lighter with
//! an outline, and its label carries the computed mark.

use plotters::style::text_anchor::{HPos, VPos};

use super::axes::{Plot, ValueAxis};
use super::canvas::{Anchor, Canvas, Font};
use super::marks;
use super::prepare::{Point, Prepared, SeriesData};
use super::spec::{Kind, Options, Qualifier};
use super::text;
use super::theme::{Rgb, BACKGROUND, SMALL_SIZE, TEXT};

/// Fill opacity of a computed value's bar.
const DERIVED_OPACITY: f64 = 0.4;
/// Widest single bar, in pixels.
const MAX_BAR: f64 = 120.0;
/// Widest bar of a group, in pixels.
const MAX_GROUPED_BAR: f64 = 60.0;

/// One category's value of a series: the sum of its rows there.
#[derive(Debug, Clone, PartialEq)]
pub struct BarValue {
    pub value: f64,
    pub qualifier: Qualifier,
    pub derived: bool,
}

/// A series' value per category (None where it has no row).
pub fn bar_values(s: &SeriesData, n: usize) -> Vec<Option<BarValue>> {
    let mut rows: Vec<Vec<&Point>> = vec![Vec::new(); n];
    for p in &s.points {
        if let (Some(_), Some(slot)) = (p.y, rows.get_mut(p.x as usize)) {
            slot.push(p);
        }
    }
    rows.into_iter()
        .map(|pts| {
            if pts.is_empty() {
                return None;
            }
            Some(BarValue {
                value: pts.iter().filter_map(|p| p.y).sum(),
                qualifier: marks::combined_qualifier(pts.iter().copied()),
                derived: pts.iter().any(|p| p.derived),
            })
        })
        .collect()
}

/// Positive and negative stack totals per category.
pub fn stacks(prep: &Prepared, n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut pos = vec![0.0; n];
    let mut neg = vec![0.0; n];
    for s in &prep.series {
        for (i, v) in bar_values(s, n).into_iter().enumerate() {
            match v {
                Some(v) if v.value >= 0.0 => pos[i] += v.value,
                Some(v) => neg[i] += v.value,
                None => {}
            }
        }
    }
    (pos, neg)
}

/// The values the value axis must show.
pub fn extent(prep: &Prepared, kind: Kind) -> Vec<f64> {
    let n = prep.band_count();
    if kind == Kind::StackedBar {
        let (pos, neg) = stacks(prep, n);
        pos.into_iter().chain(neg).collect()
    } else {
        prep.series
            .iter()
            .flat_map(|s| bar_values(s, n))
            .flatten()
            .map(|v| v.value)
            .collect()
    }
}

/// Where the bars of one category go, in logical x: the group's start,
/// its width and each bar's width.
pub fn band_layout(band_w: f64, groups: usize) -> (f64, f64) {
    let group_w = if groups <= 1 {
        (band_w * 0.6).min(MAX_BAR)
    } else {
        (band_w * 0.8).min(MAX_GROUPED_BAR * groups as f64)
    };
    (group_w, group_w / groups.max(1) as f64)
}

/// Draws the bars and their value labels.
pub fn draw(c: &mut Canvas, prep: &Prepared, plot: &Plot, y: &ValueAxis, o: &Options) {
    let n = prep.band_count();
    if n == 0 {
        return;
    }
    let bw = plot.w() / n as f64;
    let zero = y.base(plot);
    let per_series: Vec<Vec<Option<BarValue>>> =
        prep.series.iter().map(|s| bar_values(s, n)).collect();
    let stacked = o.kind == Kind::StackedBar;
    let groups = if stacked { 1 } else { prep.series.len().max(1) };
    let (group_w, sub_w) = band_layout(bw, groups);
    let gap = if groups > 1 && sub_w > 6.0 { 1.0 } else { 0.0 };
    let mut labels: Vec<(String, f64, f64, VPos, Rgb)> = Vec::new();
    let mut stack = vec![(0.0, 0.0); n];
    for (j, values) in per_series.iter().enumerate() {
        let color = prep.series[j].color;
        c.group(&format!("series series-{}", j + 1));
        for (i, v) in values.iter().enumerate() {
            let Some(v) = v else { continue };
            let start = (i as f64 + 0.5) * bw - group_w / 2.0;
            let (a, b) = if stacked {
                (start, start + group_w)
            } else {
                (
                    start + j as f64 * sub_w + gap,
                    start + (j + 1) as f64 * sub_w - gap,
                )
            };
            let (x0, x1) = (plot.x(a), plot.x(b));
            let (y0, y1) = if stacked {
                let (pos, neg) = &mut stack[i];
                let acc = if v.value >= 0.0 { pos } else { neg };
                let from = *acc;
                *acc += v.value;
                (y.y(plot, y.clamp(from)), y.y(plot, y.clamp(*acc)))
            } else {
                (zero, y.y(plot, y.clamp(v.value)))
            };
            if v.derived {
                c.rect(x0, y0, x1, y1, color, DERIVED_OPACITY);
                c.frame(x0, y0, x1, y1, color);
            } else {
                c.rect(x0, y0, x1, y1, color, 1.0);
            }
            if !o.value_labels {
                continue;
            }
            let label = marks::value_label(v.value, v.qualifier, v.derived, o);
            let cx = (x0 + x1) / 2.0;
            if stacked {
                let fits = (y0 - y1).abs() >= SMALL_SIZE + 4.0
                    && text::width(&label, SMALL_SIZE, false) <= (x1 - x0).abs();
                if fits {
                    let ink = if color.luminance() < 0.35 && !v.derived {
                        BACKGROUND
                    } else {
                        TEXT
                    };
                    labels.push((label, cx, (y0 + y1) / 2.0, VPos::Center, ink));
                }
            } else if v.value >= 0.0 {
                labels.push((label, cx, y1 - 4.0, VPos::Bottom, TEXT));
            } else {
                labels.push((label, cx, y1 + 4.0, VPos::Top, TEXT));
            }
        }
    }
    if !labels.is_empty() {
        c.group("value-labels");
    }
    for (l, x, y, v, ink) in labels {
        let font = Font {
            size: SMALL_SIZE,
            bold: false,
            color: ink,
        };
        c.text(&l, x, y, font, Anchor(HPos::Center, v));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::prepare::XKind;
    use crate::chart::theme::PALETTE;

    fn series(points: &[(f64, f64, Qualifier, bool)]) -> SeriesData {
        SeriesData {
            name: "s".into(),
            color: PALETTE[0],
            points: points
                .iter()
                .map(|&(x, y, q, derived)| Point {
                    x,
                    y: Some(y),
                    qualifier: q,
                    derived,
                })
                .collect(),
        }
    }

    #[test]
    fn rows_of_a_category_are_summed_with_their_meaning() {
        let s = series(&[
            (0.0, 1.0, Qualifier::About, false),
            (0.0, 2.0, Qualifier::About, true),
            (2.0, 5.0, Qualifier::Exact, false),
        ]);
        let v = bar_values(&s, 3);
        assert_eq!(
            v[0],
            Some(BarValue {
                value: 3.0,
                qualifier: Qualifier::About,
                derived: true
            })
        );
        assert_eq!(v[1], None);
        assert_eq!(v[2].as_ref().map(|b| b.value), Some(5.0));
    }

    #[test]
    fn stacks_split_positive_and_negative_values() {
        let prep = Prepared {
            xkind: XKind::Band {
                labels: vec!["a".into(), "b".into()],
                keys: vec![],
            },
            series: vec![
                series(&[
                    (0.0, 2.0, Qualifier::Exact, false),
                    (1.0, -1.0, Qualifier::Exact, false),
                ]),
                series(&[
                    (0.0, 3.0, Qualifier::Exact, false),
                    (1.0, -4.0, Qualifier::Exact, false),
                ]),
            ],
            events: vec![],
        };
        assert_eq!(stacks(&prep, 2), (vec![5.0, 0.0], vec![0.0, -5.0]));
        assert_eq!(extent(&prep, Kind::StackedBar), [5.0, 0.0, 0.0, -5.0]);
        assert_eq!(extent(&prep, Kind::GroupedBar), [2.0, -1.0, 3.0, -4.0]);
    }

    #[test]
    fn bars_are_capped_in_width() {
        assert_eq!(band_layout(100.0, 1), (60.0, 60.0));
        assert_eq!(band_layout(1000.0, 1).0, MAX_BAR);
        let (group, bar) = band_layout(1000.0, 2);
        assert_eq!((group, bar), (120.0, 60.0));
    }
}
