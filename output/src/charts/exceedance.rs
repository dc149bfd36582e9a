//! Exceedance charts: P(X > x) against x, with a logarithmic probability
//! axis down to one trial in N.
//!
//! Why not a CDF: on a linear CDF a 1% tail is the top 1% of the axis, a
//! line that hugs the frame. On a log axis of P(X > x), 1%, 0.1% and one
//! trial in N each get a decade of their own, so the tail a review board
//! asks about ("how often do we lose more than 10,000 records?") is read off
//! directly. A dashed line marks one trial in N: the rarest event the run
//! can see; a curve ends where no trial went beyond, and drops to the floor
//! there.
//!
//! One line per scenario, in the scenario's colour ([`super::colour`]);
//! earlier scenarios are drawn wider, so coinciding curves still show. A
//! scenario no trial of which went above zero has no curve; the legend says
//! so instead of leaving the reader to look for it.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    colour, err, fit, font, legend, render, tick, title, Chart, ChartError, Draw, LABEL_PX, TICK_PX,
};

/// The exceedance chart of per-trial `series` (scenario name, one value per
/// trial, in the metric's unit), x in the same unit.
pub fn exceedance_chart(
    stem: &str,
    title: &str,
    x_label: &str,
    series: &[(String, Vec<u64>)],
) -> Result<Chart, ChartError> {
    exceedance_chart_scaled(stem, title, x_label, series, 1.0)
}

/// [`exceedance_chart`] with the x axis in the metric's unit divided by
/// `divisor` (1,000 turns milliseconds into seconds).
pub fn exceedance_chart_scaled(
    stem: &str,
    title: &str,
    x_label: &str,
    series: &[(String, Vec<u64>)],
    divisor: f64,
) -> Result<Chart, ChartError> {
    exceedance_chart_with(stem, title, x_label, series, divisor, false)
}

/// [`exceedance_chart_scaled`] with a marker of its own on every curve
/// (circle, triangle, cross, square, ...), placed at different points of
/// each, so curves that coincide stay distinguishable.
pub fn exceedance_chart_marked(
    stem: &str,
    title: &str,
    x_label: &str,
    series: &[(String, Vec<u64>)],
    divisor: f64,
) -> Result<Chart, ChartError> {
    exceedance_chart_with(stem, title, x_label, series, divisor, true)
}

/// The exceedance chart of `series` (x divided by `divisor`), with or
/// without markers: the two public forms differ only there.
fn exceedance_chart_with(
    stem: &str,
    title: &str,
    x_label: &str,
    series: &[(String, Vec<u64>)],
    divisor: f64,
    markers: bool,
) -> Result<Chart, ChartError> {
    let trials = series.iter().map(|(_, v)| v.len()).max().unwrap_or(0);
    let caption = format!(
        "{title}: the fraction of trials in which the value exceeded x, on a log scale down to \
         one trial in {} (dashed line). A curve ends where no trial went beyond.",
        crate::units::thousands(trials as u64)
    );
    let divisor = if divisor > 0.0 { divisor } else { 1.0 };
    let chart = Exceedance {
        markers,
        title: title.to_string(),
        x_label: x_label.to_string(),
        curves: series
            .iter()
            .map(|(name, v)| {
                let mut scaled: Vec<f64> = v.iter().map(|&x| x as f64 / divisor).collect();
                scaled.sort_by(f64::total_cmp);
                (name.clone(), scaled)
            })
            .collect(),
    };
    render(stem, &caption, (1100, 560), &chart)
}

/// `count` marker positions on a curve of `sorted` values: evenly spaced
/// in x over `[x_lo, x_hi]` (in log space when `log`), shifted by
/// `shift / of` of a step so that curves lying on each other put their
/// markers at different places, each at the curve's height there; none
/// beyond the curve's largest value, where it ends.
fn marker_points(
    sorted: &[f64],
    (x_lo, x_hi): (f64, f64),
    log: bool,
    (shift, of): (usize, usize),
    floor: f64,
) -> Vec<(f64, f64)> {
    let n = sorted.len();
    let Some(&last) = sorted.last() else {
        return Vec::new();
    };
    let count = 12;
    let (a, b) = if log {
        (x_lo.ln(), x_hi.ln())
    } else {
        (x_lo, x_hi)
    };
    (0..count)
        .map(|j| {
            let t = (j as f64 + (shift as f64 + 0.5) / of.max(1) as f64) / count as f64;
            let v = a + (b - a) * t;
            if log {
                v.exp()
            } else {
                v
            }
        })
        .filter(|&x| x < last)
        .map(|x| {
            let above = sorted.iter().filter(|&&v| v > x).count() as f64 / n as f64;
            (x, above.max(floor))
        })
        .collect()
}

/// `(x, P(X > x))` corners of the empirical survival function of `sorted`
/// (ascending), from `x_lo` to the largest value, where it reaches 0.
pub fn survival_steps(sorted: &[f64], x_lo: f64) -> Vec<(f64, f64)> {
    let n = sorted.len();
    if n == 0 {
        return Vec::new();
    }
    let nf = n as f64;
    let above = |x: f64| sorted.iter().filter(|&&v| v > x).count() as f64 / nf;
    let mut pts = vec![(x_lo, above(x_lo))];
    let mut i = 0;
    while i < n {
        let x = sorted[i];
        let mut j = i;
        while j < n && sorted[j] == x {
            j += 1;
        }
        if x > x_lo {
            // Just below x, every value from i on exceeds it; at x, those
            // equal to it no longer do.
            pts.push((x, (n - i) as f64 / nf));
            pts.push((x, (n - j) as f64 / nf));
        }
        i = j;
    }
    pts
}

struct Exceedance {
    /// Whether each curve carries its own marker.
    markers: bool,
    title: String,
    x_label: String,
    /// `(name, values ascending)`.
    curves: Vec<(String, Vec<f64>)>,
}

impl Draw for Exceedance {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let rest = title(area, &self.title)?;
        let names: Vec<(String, RGBColor)> = self
            .curves
            .iter()
            .enumerate()
            .map(|(i, (name, v))| {
                let label = if v.iter().all(|&x| x <= 0.0) {
                    format!("{}: none above 0", fit(name, 24))
                } else {
                    fit(name, 40)
                };
                (label, colour(i))
            })
            .collect();
        let rest = legend(&rest, &names)?;
        let n = self.curves.iter().map(|(_, v)| v.len()).max().unwrap_or(0);
        let one_in_n = 1.0 / n.max(1) as f64;
        // Half a decade below one trial in N: the floor where curves end.
        let floor = one_in_n / 3.0;
        let positive = self.curves.iter().flat_map(|(_, v)| v.iter().copied());
        let (min_pos, max) = positive
            .filter(|v| *v > 0.0)
            .fold((f64::INFINITY, 0.0f64), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            });
        let y = (floor..1.0).log_scale();
        // A decade of spread already squeezes the small values against the
        // axis on a linear scale: log x from there on.
        if max > 0.0 && max / min_pos >= 10.0 {
            let lo = min_pos / 1.5;
            self.plot(
                &rest,
                (lo..max * 1.5).log_scale(),
                y,
                lo,
                floor,
                one_in_n,
                n,
            )
        } else {
            let hi = if max > 0.0 { max * 1.05 } else { 10.0 };
            self.plot(&rest, 0.0..hi, y, 0.0, floor, one_in_n, n)
        }
    }
}

impl Exceedance {
    #[allow(clippy::too_many_arguments)]
    fn plot<DB: DrawingBackend, X, Y>(
        &self,
        area: &DrawingArea<DB, Shift>,
        x: X,
        y: Y,
        x_lo: f64,
        floor: f64,
        one_in_n: f64,
        n: usize,
    ) -> Result<(), ChartError>
    where
        X: plotters::coord::ranged1d::AsRangedCoord<Value = f64>,
        X::CoordDescType: plotters::coord::ranged1d::ValueFormatter<f64>,
        Y: plotters::coord::ranged1d::AsRangedCoord<Value = f64>,
        Y::CoordDescType: plotters::coord::ranged1d::ValueFormatter<f64>,
    {
        let mut chart = ChartBuilder::on(area)
            .margin(10)
            .margin_right(30)
            .x_label_area_size(LABEL_PX * 3)
            .y_label_area_size(TICK_PX * 6)
            .build_cartesian_2d(x, y)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(self.x_label.as_str())
            .y_desc("P(value > x), share of trials")
            .x_labels(8)
            .y_labels(8)
            .x_label_formatter(&|v| tick(*v))
            .y_label_formatter(&|v| percent(*v))
            .label_style(font(TICK_PX))
            .axis_desc_style(font(LABEL_PX))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(err)?;
        let (x_min, x_max) = {
            let r = chart.x_range();
            (r.start, r.end)
        };
        draw_one_in_n(&mut chart, (x_min, x_max), one_in_n, n)?;
        let count = self.curves.len();
        for (i, (_, values)) in self.curves.iter().enumerate() {
            if values.iter().all(|&v| v <= 0.0) {
                continue;
            }
            let width = 2 + (count - 1 - i).min(3) as u32;
            let line: Vec<(f64, f64)> = survival_steps(values, x_lo)
                .into_iter()
                .map(|(x, p)| (x.max(x_lo), p.max(floor)))
                .collect();
            if self.markers {
                let log = x_lo > 0.0;
                let pts = marker_points(values, (x_lo, x_max), log, (i, count), floor);
                draw_markers(&mut chart, pts, i)?;
            }
            chart
                .draw_series(LineSeries::new(line, colour(i).stroke_width(width)))
                .map_err(err)?;
        }
        Ok(())
    }
}

/// Segments `(from, to)` of a dashed line over `[a, b]`, in `count` dashes.
/// The dashed line at one trial in `n` across `(x_min, x_max)`, labelled at
/// its right end: the rarest thing this run can show.
fn draw_one_in_n<DB: DrawingBackend, CT: CoordTranslate<From = (f64, f64)>>(
    chart: &mut ChartContext<'_, DB, CT>,
    (x_min, x_max): (f64, f64),
    one_in_n: f64,
    n: usize,
) -> Result<(), ChartError> {
    let grey = RGBColor(120, 120, 120);
    let dashes: Vec<PathElement<(f64, f64)>> = dash_points(x_min, x_max, 60)
        .into_iter()
        .map(|(a, b)| PathElement::new(vec![(a, one_in_n), (b, one_in_n)], grey.stroke_width(1)))
        .collect();
    chart.draw_series(dashes).map_err(err)?;
    let label = format!("one trial in {}", crate::units::thousands(n as u64));
    let style = font(TICK_PX)
        .color(&grey)
        .pos(plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Right,
            plotters::style::text_anchor::VPos::Bottom,
        ));
    chart
        .draw_series(std::iter::once(Text::new(
            label,
            (x_max, one_in_n * 1.3),
            style,
        )))
        .map_err(err)?;
    Ok(())
}

/// The markers of curve `i` at `pts`, in its colour and a shape of its
/// own (one of four), so curves stay apart where their lines coincide and
/// in grey print.
fn draw_markers<DB: DrawingBackend, CT: CoordTranslate<From = (f64, f64)>>(
    chart: &mut ChartContext<'_, DB, CT>,
    pts: Vec<(f64, f64)>,
    i: usize,
) -> Result<(), ChartError> {
    let c = colour(i);
    match i % 4 {
        0 => chart.draw_series(pts.into_iter().map(|p| Circle::new(p, 5, c.filled()))),
        1 => chart.draw_series(
            pts.into_iter()
                .map(|p| TriangleMarker::new(p, 7, c.filled())),
        ),
        2 => chart.draw_series(pts.into_iter().map(|p| Cross::new(p, 6, c.stroke_width(2)))),
        _ => chart.draw_series(
            pts.into_iter()
                .map(|p| Circle::new(p, 5, c.stroke_width(2))),
        ),
    }
    .map_err(err)?;
    Ok(())
}

/// On a log x axis the dashes are even in log space.
fn dash_points(a: f64, b: f64, count: usize) -> Vec<(f64, f64)> {
    let log = a > 0.0 && b / a > 50.0;
    let (fa, fb) = if log { (a.ln(), b.ln()) } else { (a, b) };
    let step = (fb - fa) / (2 * count) as f64;
    (0..count)
        .map(|k| {
            let s = fa + step * (2 * k) as f64;
            let e = s + step;
            if log {
                (s.exp(), e.exp())
            } else {
                (s, e)
            }
        })
        .collect()
}

/// A probability as a percentage without noise: `100%`, `1%`, `0.1%`,
/// `0.01%`.
pub fn percent(p: f64) -> String {
    let pct = p * 100.0;
    if pct >= 1.0 {
        format!("{}%", tick(pct))
    } else {
        let digits = (-pct.log10()).ceil().max(1.0) as usize;
        let s = format!("{pct:.digits$}");
        let s = if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        };
        format!("{s}%")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_with_terminal_controls_reach_no_written_svg_or_caption_raw() {
        let evil = "east\u{1b}]0;owned\u{7}\u{9b}31m".to_string();
        let chart = exceedance_chart(
            "rto",
            &format!("{evil} lost"),
            "RTO (s)",
            &[(evil.clone(), vec![1, 2, 3, 400])],
        )
        .unwrap();
        for text in [&chart.svg, &chart.caption] {
            assert!(
                !text.chars().any(|c| c.is_control() && c != '\n'),
                "raw control character in {text:.200}"
            );
        }
        assert!(chart.svg.contains("east?]0;owned??31m"));
    }

    #[test]
    fn one_lossy_trial_in_a_hundred_shows_as_one_percent_up_to_its_value() {
        let mut v = vec![0.0; 99];
        v.push(500.0);
        let pts = survival_steps(&v, 0.0);
        // From x = 0 up to 500, one trial in 100 exceeded x; none beyond.
        assert_eq!(pts, vec![(0.0, 0.01), (500.0, 0.01), (500.0, 0.0)]);
    }

    #[test]
    fn survival_counts_ties_once_and_starts_at_one_when_every_value_is_positive() {
        let pts = survival_steps(&[2.0, 2.0, 5.0, 9.0], 0.0);
        assert_eq!(
            pts,
            vec![
                (0.0, 1.0),
                (2.0, 1.0),
                (2.0, 0.5),
                (5.0, 0.5),
                (5.0, 0.25),
                (9.0, 0.25),
                (9.0, 0.0)
            ]
        );
    }

    #[test]
    fn percentages_keep_the_digit_that_matters() {
        assert_eq!(percent(1.0), "100%");
        assert_eq!(percent(0.01), "1%");
        assert_eq!(percent(0.001), "0.1%");
        assert_eq!(percent(0.0001), "0.01%");
        assert_eq!(percent(0.05), "5%");
    }

    #[test]
    fn a_chart_with_a_silent_scenario_renders_and_says_it_has_no_curve() {
        let series = vec![
            (
                "lossy".to_string(),
                (0..200).map(|t| u64::from(t % 50 == 0) * t).collect(),
            ),
            ("clean".to_string(), vec![0; 200]),
        ];
        let c = exceedance_chart("x", "Records lost", "records", &series).unwrap();
        assert!(
            c.svg.contains("clean: none above 0"),
            "legend names the silent one"
        );
        assert!(c.svg.contains("one trial in 200"));
        assert!(c.png.starts_with(b"\x89PNG"));
    }
}
