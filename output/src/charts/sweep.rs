//! Each metric against a swept scenario parameter (`kdrsim sweep`): small
//! multiples, one panel per metric, the swept values on every x axis.

use kdrsim_models::Metric;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{err, fit, font, render, tick, title, Chart, ChartError, Draw, LABEL_PX, TICK_PX};
use crate::summary::ScenarioSummary;

/// One panel: a metric statistic per swept value.
struct Panel {
    caption: &'static str,
    y_label: &'static str,
    /// `(legend, colour, value per point)`.
    lines: Vec<(&'static str, RGBColor, Vec<f64>)>,
    /// Interval per point (drawn as whiskers), if any.
    intervals: Option<Vec<(f64, f64)>>,
}

struct Sweep {
    heading: String,
    x_label: String,
    labels: Vec<String>,
    /// Numeric x positions when every value is a number.
    xs: Option<Vec<f64>>,
    panels: Vec<Panel>,
}

/// Colours of the statistics, the same in every panel and the legend.
const MEAN_C: RGBColor = RGBColor(0, 114, 178);
const P50_C: RGBColor = RGBColor(0, 158, 115);
const P99_C: RGBColor = RGBColor(213, 94, 0);

/// Bytes in a GiB: cross-DC traffic is charted in GiB per trial.
const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// A statistic of a metric that a panel draws as one line.
#[derive(Clone, Copy)]
enum Stat {
    Mean,
    P50,
    P99,
}

impl Stat {
    /// The line's legend and colour, so every panel names a statistic alike.
    fn key(self) -> (&'static str, RGBColor) {
        match self {
            Stat::Mean => ("mean", MEAN_C),
            Stat::P50 => ("p50", P50_C),
            Stat::P99 => ("p99", P99_C),
        }
    }

    /// The statistic of `m` divided by `scale` (the unit of the y axis).
    fn of(self, m: &crate::MetricSummary, scale: f64) -> f64 {
        match self {
            Stat::Mean => m.mean / scale,
            Stat::P50 => m.p50 as f64 / scale,
            Stat::P99 => m.p99 as f64 / scale,
        }
    }
}

/// What one panel of a plain metric shows: a table row, so the panels read
/// as a list instead of thirteen copies of the same construction.
struct PanelSpec {
    caption: &'static str,
    y_label: &'static str,
    metric: Metric,
    stats: &'static [Stat],
    /// The metric's values are divided by this for the y axis.
    scale: f64,
}

/// The panels of plain metrics, in the order they are laid out (the
/// P(loss) panel goes second, see [`p_loss_panel`]).
const PANELS: [PanelSpec; 13] = {
    use Stat::{Mean, P50, P99};
    const MEAN_P99: &[Stat] = &[Mean, P99];
    const P50_P99: &[Stat] = &[P50, P99];
    [
        spec(
            "acknowledged records lost",
            "records per trial",
            Metric::AckedLostRecords,
            MEAN_P99,
            1.0,
        ),
        spec("RPO", "rpo (s)", Metric::RpoMs, MEAN_P99, 1000.0),
        spec(
            "write outage (RTO)",
            "max_write_outage (s)",
            Metric::MaxWriteOutageMs,
            P50_P99,
            1000.0,
        ),
        spec(
            "read outage (RTO)",
            "max_read_outage (s)",
            Metric::MaxReadOutageMs,
            P50_P99,
            1000.0,
        ),
        spec(
            "cross-DC traffic (cost)",
            "GiB per trial",
            Metric::CrossDcBytes,
            &[Mean],
            GIB,
        ),
        spec(
            "acknowledgement latency",
            "ack_latency_p99 (ms)",
            Metric::AckLatencyP99Us,
            P50_P99,
            1000.0,
        ),
        spec(
            "longest wait buffered in the producer through an incident",
            "seconds",
            Metric::BufferedMsMax,
            P50_P99,
            1000.0,
        ),
        spec(
            "failed sends",
            "records per trial",
            Metric::FailedSends,
            MEAN_P99,
            1.0,
        ),
        spec(
            "producers dead (with their DC)",
            "producer_down (s)",
            Metric::ProducerDownMs,
            MEAN_P99,
            1000.0,
        ),
        spec(
            "write unavailable, total",
            "write_unavailable (s)",
            Metric::WriteUnavailableMs,
            MEAN_P99,
            1000.0,
        ),
        spec(
            "read unavailable, total",
            "read_unavailable (s)",
            Metric::ReadUnavailableMs,
            MEAN_P99,
            1000.0,
        ),
        spec(
            "duplicates delivered",
            "records per trial",
            Metric::DuplicatesDelivered,
            MEAN_P99,
            1.0,
        ),
        spec(
            "skipped records",
            "records per trial",
            Metric::SkippedRecords,
            MEAN_P99,
            1.0,
        ),
    ]
};

/// A row of [`PANELS`], positional so each row fits on a line or two.
const fn spec(
    caption: &'static str,
    y_label: &'static str,
    metric: Metric,
    stats: &'static [Stat],
    scale: f64,
) -> PanelSpec {
    PanelSpec {
        caption,
        y_label,
        metric,
        stats,
        scale,
    }
}

impl PanelSpec {
    /// The panel of this row: one line per statistic, a value per swept run
    /// (0 where a run lacks the metric).
    fn panel(&self, summaries: &[ScenarioSummary]) -> Panel {
        let lines = self
            .stats
            .iter()
            .map(|&stat| {
                let (name, colour) = stat.key();
                let values = summaries
                    .iter()
                    .map(|s| {
                        s.metric(self.metric)
                            .map_or(0.0, |m| stat.of(m, self.scale))
                    })
                    .collect();
                (name, colour, values)
            })
            .collect();
        Panel {
            caption: self.caption,
            y_label: self.y_label,
            lines,
            intervals: None,
        }
    }
}

/// P(any acknowledged record lost) with its Wilson interval: the one panel
/// with whiskers, so it is built apart from the table.
fn p_loss_panel(summaries: &[ScenarioSummary]) -> Panel {
    Panel {
        caption: "P(any acknowledged record lost)",
        y_label: "trials (%), 95% interval",
        lines: vec![(
            "P(>0)",
            MEAN_C,
            summaries
                .iter()
                .map(|s| {
                    s.metric(Metric::AckedLostRecords)
                        .map_or(0.0, |m| m.p_nonzero * 100.0)
                })
                .collect(),
        )],
        intervals: Some(
            summaries
                .iter()
                .map(|s| {
                    s.metric(Metric::AckedLostRecords)
                        .map_or((0.0, 100.0), |m| {
                            (m.p_nonzero_ci95[0] * 100.0, m.p_nonzero_ci95[1] * 100.0)
                        })
                })
                .collect(),
        ),
    }
}

/// The sweep chart of scenario `scenario`: `summaries[i]` is the run at
/// swept value `labels[i]`.
pub fn sweep_chart(
    scenario: &str,
    path: &str,
    labels: &[String],
    summaries: &[ScenarioSummary],
    stem: &str,
) -> Result<Chart, ChartError> {
    let xs: Option<Vec<f64>> = labels.iter().map(|l| l.parse::<f64>().ok()).collect();
    let mut panels: Vec<Panel> = PANELS.iter().map(|p| p.panel(summaries)).collect();
    panels.insert(1, p_loss_panel(summaries));
    // Every metric of the report has a panel (P(loss) is the extra one).
    debug_assert_eq!(panels.len(), Metric::ALL.len() + 1);
    let sweep = Sweep {
        heading: fit(&format!("{scenario}: metrics against {path}"), 90),
        x_label: fit(path, 50),
        labels: labels.iter().map(|l| fit(l, 12)).collect(),
        xs,
        panels,
    };
    render(
        stem,
        &format!("Each metric against {path} (one run per value, same seed and trials)."),
        (1400, 1240),
        &sweep,
    )
}

/// The x range of the swept positions, padded 8% each side so the end
/// points are not on the frame; one value gets ±1, none gets 0..1.
fn x_range(pos: &[f64]) -> (f64, f64) {
    let (lo, hi) = pos
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    if lo.is_finite() && hi > lo {
        let pad = (hi - lo) * 0.08;
        (lo - pad, hi + pad)
    } else if lo.is_finite() {
        (lo - 1.0, lo + 1.0)
    } else {
        (0.0, 1.0)
    }
}

impl Draw for Sweep {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let rest = title(area, &self.heading)?;
        // One legend for every panel, outside the plots so it covers no point.
        let rest = super::legend(
            &rest,
            &[
                ("mean (P(>0) in its panel)".to_string(), MEAN_C),
                ("p50".to_string(), P50_C),
                ("p99".to_string(), P99_C),
                ("95% Wilson interval".to_string(), BLACK),
            ],
        )?;
        let cells = rest.split_evenly((3, 4));
        let n = self.labels.len();
        let pos: Vec<f64> = match &self.xs {
            Some(xs) => xs.clone(),
            None => (0..n).map(|i| i as f64).collect(),
        };
        let x = x_range(&pos);
        for (panel, cell) in self.panels.iter().zip(&cells) {
            self.draw_panel(panel, cell, &pos, x)?;
        }
        Ok(())
    }
}

impl Sweep {
    /// One panel in `cell`: axes over the swept values `pos` (x range `x`),
    /// the whiskers if any, then each line with its points.
    fn draw_panel<DB: DrawingBackend>(
        &self,
        panel: &Panel,
        cell: &DrawingArea<DB, Shift>,
        pos: &[f64],
        (lo, hi): (f64, f64),
    ) -> Result<(), ChartError> {
        let top = panel
            .lines
            .iter()
            .flat_map(|l| l.2.iter().copied())
            .chain(panel.intervals.iter().flatten().map(|i| i.1))
            .fold(0.0f64, f64::max);
        let top = if top > 0.0 { top * 1.15 } else { 1.0 };
        let labels = self.labels.clone();
        let xs_numeric = self.xs.is_some();
        let mut chart = ChartBuilder::on(cell)
            .caption(panel.caption, font(LABEL_PX))
            .margin(8)
            .margin_right(16)
            .x_label_area_size(TICK_PX * 3 + 4)
            .y_label_area_size(TICK_PX * 5)
            .build_cartesian_2d(super::Keyed::new(lo..hi, pos.to_vec()), 0.0..top)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(self.x_label.as_str())
            .y_desc(panel.y_label)
            .y_labels(5)
            .x_label_formatter(&move |v| {
                if xs_numeric {
                    tick(*v)
                } else {
                    let i = v.round();
                    labels.get(i as usize).cloned().unwrap_or_default()
                }
            })
            .y_label_formatter(&|v| tick(*v))
            .label_style(font(TICK_PX - 1))
            .axis_desc_style(font(TICK_PX))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(err)?;
        if let Some(intervals) = &panel.intervals {
            for (x, (a, b)) in pos.iter().zip(intervals) {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(*x, *a), (*x, *b)],
                        BLACK.stroke_width(2),
                    )))
                    .map_err(err)?;
            }
        }
        let n_lines = panel.lines.len();
        for (j, (_, c, values)) in panel.lines.iter().enumerate() {
            // Earlier lines wider, so equal values still show both colours.
            let width = 2 + 2 * (n_lines - 1 - j) as u32;
            let pts: Vec<(f64, f64)> = pos.iter().copied().zip(values.iter().copied()).collect();
            let c = *c;
            chart
                .draw_series(LineSeries::new(pts.clone(), c.stroke_width(width)))
                .map_err(err)?;
            chart
                .draw_series(pts.iter().map(|&p| Circle::new(p, 4, c.filled())))
                .map_err(err)?;
        }
        Ok(())
    }
}
