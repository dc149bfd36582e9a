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
    let get = |m: Metric, f: &dyn Fn(&crate::MetricSummary) -> f64| -> Vec<f64> {
        summaries
            .iter()
            .map(|s| s.metric(m).map_or(0.0, f))
            .collect()
    };
    let mean_c = RGBColor(0, 114, 178);
    let p99_c = RGBColor(213, 94, 0);
    let p50_c = RGBColor(0, 158, 115);
    let gib = 1024.0 * 1024.0 * 1024.0;
    let panels = vec![
        Panel {
            caption: "acknowledged records lost",
            y_label: "records per trial",
            lines: vec![
                ("mean", mean_c, get(Metric::AckedLostRecords, &|m| m.mean)),
                (
                    "p99",
                    p99_c,
                    get(Metric::AckedLostRecords, &|m| m.p99 as f64),
                ),
            ],
            intervals: None,
        },
        Panel {
            caption: "P(any acknowledged record lost)",
            y_label: "trials (%), 95% interval",
            lines: vec![(
                "P(>0)",
                mean_c,
                get(Metric::AckedLostRecords, &|m| m.p_nonzero * 100.0),
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
        },
        Panel {
            caption: "RPO",
            y_label: "rpo (s)",
            lines: vec![
                ("mean", mean_c, get(Metric::RpoMs, &|m| m.mean / 1000.0)),
                ("p99", p99_c, get(Metric::RpoMs, &|m| m.p99 as f64 / 1000.0)),
            ],
            intervals: None,
        },
        Panel {
            caption: "write outage (RTO)",
            y_label: "max_write_outage (s)",
            lines: vec![
                (
                    "p50",
                    p50_c,
                    get(Metric::MaxWriteOutageMs, &|m| m.p50 as f64 / 1000.0),
                ),
                (
                    "p99",
                    p99_c,
                    get(Metric::MaxWriteOutageMs, &|m| m.p99 as f64 / 1000.0),
                ),
            ],
            intervals: None,
        },
        Panel {
            caption: "read outage (RTO)",
            y_label: "max_read_outage (s)",
            lines: vec![
                (
                    "p50",
                    p50_c,
                    get(Metric::MaxReadOutageMs, &|m| m.p50 as f64 / 1000.0),
                ),
                (
                    "p99",
                    p99_c,
                    get(Metric::MaxReadOutageMs, &|m| m.p99 as f64 / 1000.0),
                ),
            ],
            intervals: None,
        },
        Panel {
            caption: "cross-DC traffic (cost)",
            y_label: "GiB per trial",
            lines: vec![("mean", mean_c, get(Metric::CrossDcBytes, &|m| m.mean / gib))],
            intervals: None,
        },
        Panel {
            caption: "acknowledgement latency",
            y_label: "ack_latency_p99 (ms)",
            lines: vec![
                (
                    "p50",
                    p50_c,
                    get(Metric::AckLatencyP99Us, &|m| m.p50 as f64 / 1000.0),
                ),
                (
                    "p99",
                    p99_c,
                    get(Metric::AckLatencyP99Us, &|m| m.p99 as f64 / 1000.0),
                ),
            ],
            intervals: None,
        },
        Panel {
            caption: "longest wait buffered in the producer through an incident",
            y_label: "seconds",
            lines: vec![
                (
                    "p50",
                    p50_c,
                    get(Metric::BufferedMsMax, &|m| m.p50 as f64 / 1000.0),
                ),
                (
                    "p99",
                    p99_c,
                    get(Metric::BufferedMsMax, &|m| m.p99 as f64 / 1000.0),
                ),
            ],
            intervals: None,
        },
        Panel {
            caption: "failed sends",
            y_label: "records per trial",
            lines: vec![
                ("mean", mean_c, get(Metric::FailedSends, &|m| m.mean)),
                ("p99", p99_c, get(Metric::FailedSends, &|m| m.p99 as f64)),
            ],
            intervals: None,
        },
        Panel {
            caption: "producers dead (with their DC)",
            y_label: "producer_down (s)",
            lines: vec![
                (
                    "mean",
                    mean_c,
                    get(Metric::ProducerDownMs, &|m| m.mean / 1000.0),
                ),
                (
                    "p99",
                    p99_c,
                    get(Metric::ProducerDownMs, &|m| m.p99 as f64 / 1000.0),
                ),
            ],
            intervals: None,
        },
        Panel {
            caption: "write unavailable, total",
            y_label: "write_unavailable (s)",
            lines: vec![
                (
                    "mean",
                    mean_c,
                    get(Metric::WriteUnavailableMs, &|m| m.mean / 1000.0),
                ),
                (
                    "p99",
                    p99_c,
                    get(Metric::WriteUnavailableMs, &|m| m.p99 as f64 / 1000.0),
                ),
            ],
            intervals: None,
        },
        Panel {
            caption: "read unavailable, total",
            y_label: "read_unavailable (s)",
            lines: vec![
                (
                    "mean",
                    mean_c,
                    get(Metric::ReadUnavailableMs, &|m| m.mean / 1000.0),
                ),
                (
                    "p99",
                    p99_c,
                    get(Metric::ReadUnavailableMs, &|m| m.p99 as f64 / 1000.0),
                ),
            ],
            intervals: None,
        },
        Panel {
            caption: "duplicates delivered",
            y_label: "records per trial",
            lines: vec![
                (
                    "mean",
                    mean_c,
                    get(Metric::DuplicatesDelivered, &|m| m.mean),
                ),
                (
                    "p99",
                    p99_c,
                    get(Metric::DuplicatesDelivered, &|m| m.p99 as f64),
                ),
            ],
            intervals: None,
        },
        Panel {
            caption: "skipped records",
            y_label: "records per trial",
            lines: vec![
                ("mean", mean_c, get(Metric::SkippedRecords, &|m| m.mean)),
                ("p99", p99_c, get(Metric::SkippedRecords, &|m| m.p99 as f64)),
            ],
            intervals: None,
        },
    ];
    // Every metric of the report has a panel (P(loss) is the last).
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

impl Draw for Sweep {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let rest = title(area, &self.heading)?;
        // One legend for every panel, outside the plots so it covers no point.
        let rest = super::legend(
            &rest,
            &[
                (
                    "mean (P(>0) in its panel)".to_string(),
                    RGBColor(0, 114, 178),
                ),
                ("p50".to_string(), RGBColor(0, 158, 115)),
                ("p99".to_string(), RGBColor(213, 94, 0)),
                ("95% Wilson interval".to_string(), BLACK),
            ],
        )?;
        let cells = rest.split_evenly((3, 4));
        let n = self.labels.len();
        let pos: Vec<f64> = match &self.xs {
            Some(xs) => xs.clone(),
            None => (0..n).map(|i| i as f64).collect(),
        };
        let (lo, hi) = pos
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                (a.min(v), b.max(v))
            });
        let (lo, hi) = if lo.is_finite() && hi > lo {
            let pad = (hi - lo) * 0.08;
            (lo - pad, hi + pad)
        } else if lo.is_finite() {
            (lo - 1.0, lo + 1.0)
        } else {
            (0.0, 1.0)
        };
        for (panel, cell) in self.panels.iter().zip(&cells) {
            let top = panel
                .lines
                .iter()
                .flat_map(|l| l.2.iter().copied())
                .chain(panel.intervals.iter().flatten().map(|i| i.1))
                .fold(0.0f64, f64::max);
            let top = if top > 0.0 { top * 1.15 } else { 1.0 };
            let key_points = pos.clone();
            let labels = self.labels.clone();
            let xs_numeric = self.xs.is_some();
            let mut chart = ChartBuilder::on(cell)
                .caption(panel.caption, font(LABEL_PX))
                .margin(8)
                .margin_right(16)
                .x_label_area_size(TICK_PX * 3 + 4)
                .y_label_area_size(TICK_PX * 5)
                .build_cartesian_2d(super::Keyed::new(lo..hi, key_points), 0.0..top)
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
                let pts: Vec<(f64, f64)> =
                    pos.iter().copied().zip(values.iter().copied()).collect();
                let c = *c;
                chart
                    .draw_series(LineSeries::new(pts.clone(), c.stroke_width(width)))
                    .map_err(err)?;
                chart
                    .draw_series(pts.iter().map(|&p| Circle::new(p, 4, c.filled())))
                    .map_err(err)?;
            }
        }
        Ok(())
    }
}
