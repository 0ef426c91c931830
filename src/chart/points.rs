//! Charts of points over x: `line` (markers when there are few points),
//! `area` (filled to the baseline, under every line) and `scatter`. A
//! missing value breaks a line; a computed value's marker is hollow and its
//! label carries the computed mark.

use plotters::style::text_anchor::{HPos, VPos};

use super::axes::{Plot, ValueAxis, XAxis};
use super::canvas::{Anchor, Canvas, Font};
use super::marks;
use super::prepare::{Point, Prepared};
use super::spec::{Kind, Options};
use super::theme::{AREA_OPACITY, LINE_WIDTH, SMALL_SIZE, TEXT};

/// Lines with at most this many points get a marker on each.
const MAX_MARKED_POINTS: usize = 30;

/// The values the value axis must show.
pub fn extent(prep: &Prepared) -> Vec<f64> {
    prep.series
        .iter()
        .flat_map(|s| s.points.iter().filter_map(|p| p.y))
        .collect()
}

/// Runs of consecutive points with a value inside the axis, as pixels
/// (with the point each came from): a gap ends a run.
pub fn segments<'a>(
    pts: &[&'a Point],
    x: impl Fn(f64) -> f64,
    y: &ValueAxis,
    plot: &Plot,
) -> Vec<Vec<(f64, f64, &'a Point)>> {
    let mut out: Vec<Vec<(f64, f64, &Point)>> = vec![Vec::new()];
    for p in pts {
        match p.y {
            Some(v) if y.contains(v) => {
                if let Some(last) = out.last_mut() {
                    last.push((x(p.x), y.y(plot, v), p))
                }
            }
            _ => out.push(Vec::new()),
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

/// Draws the series and their value labels.
pub fn draw(
    c: &mut Canvas,
    prep: &Prepared,
    axis: &XAxis,
    plot: &Plot,
    y: &ValueAxis,
    o: &Options,
) {
    let kind = o.kind;
    let base = y.base(plot);
    let xpos = |v: f64| axis.pos(plot, v);
    // In x order (a scatter keeps its rows' order).
    let sorted: Vec<Vec<&Point>> = prep
        .series
        .iter()
        .map(|s| {
            let mut p: Vec<&Point> = s.points.iter().collect();
            if kind != Kind::Scatter {
                p.sort_by(|a, b| a.x.total_cmp(&b.x));
            }
            p
        })
        .collect();
    // Areas first, so that no fill covers another series' line.
    if kind == Kind::Area {
        c.group("areas");
        for (s, pts) in prep.series.iter().zip(&sorted) {
            for seg in segments(pts, xpos, y, plot) {
                let mut poly = Vec::with_capacity(seg.len() + 2);
                poly.push((seg[0].0, base));
                poly.extend(seg.iter().map(|p| (p.0, p.1)));
                poly.push((seg[seg.len() - 1].0, base));
                c.polygon(&poly, s.color, AREA_OPACITY);
            }
        }
    }
    let mut labels: Vec<(String, f64, f64)> = Vec::new();
    for (j, (s, pts)) in prep.series.iter().zip(&sorted).enumerate() {
        c.group(&format!("series series-{}", j + 1));
        let segs = segments(pts, xpos, y, plot);
        let n_points: usize = segs.iter().map(Vec::len).sum();
        for seg in &segs {
            if kind == Kind::Scatter {
                for &(x, py, p) in seg {
                    c.circle(x, py, 4, s.color, !p.derived, 0.85);
                }
                continue;
            }
            let line: Vec<(f64, f64)> = seg.iter().map(|p| (p.0, p.1)).collect();
            c.path(&line, s.color, LINE_WIDTH);
            let markers = kind == Kind::Line && n_points <= MAX_MARKED_POINTS;
            for &(x, py, p) in seg {
                if p.derived {
                    c.circle(x, py, 4, s.color, false, 1.0);
                } else if markers || seg.len() == 1 {
                    c.circle(x, py, 3, s.color, true, 1.0);
                }
            }
        }
        if o.value_labels {
            for seg in &segs {
                for &(x, py, p) in seg {
                    let Some(v) = p.y else { continue };
                    let l = marks::value_label(v, p.qualifier, p.derived, o);
                    labels.push((l, x, py - 7.0));
                }
            }
        }
    }
    if !labels.is_empty() {
        c.group("value-labels");
    }
    let font = Font {
        size: SMALL_SIZE,
        bold: false,
        color: TEXT,
    };
    for (l, x, py) in labels {
        c.text(&l, x, py, font, Anchor(HPos::Center, VPos::Bottom));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::spec::Kind;

    #[test]
    fn gaps_and_values_off_the_axis_break_a_line() {
        let o = Options::new(Kind::Line);
        let y = ValueAxis::new(&[0.0, 10.0], 200.0, &o);
        let plot = Plot {
            left: 0.0,
            right: 100.0,
            top: 0.0,
            bottom: 100.0,
            mirror: false,
        };
        let p = |x: f64, v: Option<f64>| Point {
            x,
            y: v,
            qualifier: Default::default(),
            derived: false,
        };
        let pts = [
            p(0.0, Some(1.0)),
            p(1.0, Some(2.0)),
            p(2.0, None),
            p(3.0, Some(5.0)),
            p(4.0, Some(1e9)),
            p(5.0, Some(6.0)),
        ];
        let refs: Vec<&Point> = pts.iter().collect();
        let segs = segments(&refs, |x| x * 10.0, &y, &plot);
        let lens: Vec<usize> = segs.iter().map(Vec::len).collect();
        assert_eq!(lens, [2, 1, 1]);
        assert_eq!(segs[0][1].0, 10.0);
        assert!(segs[0][0].1 > segs[0][1].1, "larger values are higher up");
    }
}
