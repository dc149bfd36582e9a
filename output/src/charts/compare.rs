//! The side-by-side charts of a comparison: several scenarios (normally the
//! four DR topologies) run with the same seed and trial numbers, so every
//! scenario met the same fault draws (common random numbers) and the
//! differences are the topologies', not the dice's.

use kdrsim_models::Metric;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::exceedance::{exceedance_chart, exceedance_chart_scaled};
use super::{bar_panel, cdf_panel, colour, legend, render, title, Bar, Chart, ChartError, Draw};
use crate::summary::{ScenarioRun, ScenarioSummary};

/// Renders every comparison chart of `runs` (and their summaries, in the
/// same order): the exceedance charts of loss, RPO and write outage
/// ([`super::exceedance`]), the outage (RTO) CDFs, P(any loss) with its
/// interval, duplicates and skipped records, and cost next to RPO and RTO.
pub fn compare_charts(
    runs: &[ScenarioRun],
    summaries: &[ScenarioSummary],
) -> Result<Vec<Chart>, ChartError> {
    // The tails first: P(X > x) on a log axis, where a 1% tail is a
    // decade of its own rather than the top line of a CDF.
    let mut charts = tail_charts(runs)?;
    charts.push(rto_cdf_chart(runs)?);
    charts.push(p_loss_chart(runs, summaries)?);
    charts.push(dup_skip_chart(runs, summaries)?);
    charts.push(cost_chart(runs, summaries)?);
    Ok(charts)
}

/// The values of metric `m` in every trial of each run, named by run: what
/// an exceedance chart plots.
fn per_trial(runs: &[ScenarioRun], m: Metric) -> Vec<(String, Vec<u64>)> {
    runs.iter()
        .map(|r| {
            (
                r.name.clone(),
                r.trials.iter().map(|(_, o)| o.get(m)).collect(),
            )
        })
        .collect()
}

/// The exceedance charts of loss, RPO and write outage, in that order.
fn tail_charts(runs: &[ScenarioRun]) -> Result<Vec<Chart>, ChartError> {
    Ok(vec![
        exceedance_chart(
            "loss-exceedance",
            "Acknowledged records lost per trial",
            "acknowledged records lost in the trial (records)",
            &per_trial(runs, Metric::AckedLostRecords),
        )?,
        exceedance_chart_scaled(
            "rpo-exceedance",
            "RPO per trial",
            "rpo: age of the oldest lost acknowledged record (s)",
            &per_trial(runs, Metric::RpoMs),
            1000.0,
        )?,
        exceedance_chart_scaled(
            "write-outage-exceedance",
            "Longest write outage per trial (write RTO)",
            "max_write_outage (s)",
            &per_trial(runs, Metric::MaxWriteOutageMs),
            1000.0,
        )?,
    ])
}

/// Metric `m` of every trial divided by `div`, one CDF series per run in
/// the run's colour.
fn cdf_series(runs: &[ScenarioRun], m: Metric, div: f64) -> Vec<super::Series> {
    runs.iter()
        .enumerate()
        .map(|(i, r)| super::Series {
            colour: colour(i),
            values: r
                .trials
                .iter()
                .map(|(_, o)| o.get(m) as f64 / div)
                .collect(),
        })
        .collect()
}

/// The CDFs of the longest write and read outage, side by side.
fn rto_cdf_chart(runs: &[ScenarioRun]) -> Result<Chart, ChartError> {
    let named: Vec<(String, RGBColor)> = runs
        .iter()
        .enumerate()
        .map(|(i, r)| (r.name.clone(), colour(i)))
        .collect();
    render(
        "rto-cdf",
        "Longest write and read outage per trial (the RTO), in seconds: the fraction of trials \
         whose longest outage was at most x.",
        (1200, 520),
        &Panels {
            title: "Write and read outage (RTO)".into(),
            legend: named,
            panels: vec![
                Panel::Cdf {
                    caption: "producers: longest write outage".into(),
                    x_label: "max_write_outage (s)".into(),
                    series: cdf_series(runs, Metric::MaxWriteOutageMs, 1000.0),
                },
                Panel::Cdf {
                    caption: "consumers: longest read outage".into(),
                    x_label: "max_read_outage (s)".into(),
                    series: cdf_series(runs, Metric::MaxReadOutageMs, 1000.0),
                },
            ],
        },
    )
}

/// Summary of metric `m` for run `i`, if the run has one.
fn stat(summaries: &[ScenarioSummary], i: usize, m: Metric) -> Option<crate::MetricSummary> {
    summaries.get(i).and_then(|s| s.metric(m)).cloned()
}

/// P(any acknowledged record lost) per run as bars with Wilson whiskers;
/// the note gives the count behind it, so a thin estimate shows as one.
fn p_loss_chart(runs: &[ScenarioRun], summaries: &[ScenarioSummary]) -> Result<Chart, ChartError> {
    let p_loss: Vec<Bar> = runs
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let m = stat(summaries, i, Metric::AckedLostRecords)?;
            Some(Bar {
                name: r.name.clone(),
                colour: colour(i),
                value: m.p_nonzero * 100.0,
                interval: Some((m.p_nonzero_ci95[0] * 100.0, m.p_nonzero_ci95[1] * 100.0)),
                marker: None,
                note: format!(
                    "{} of {} {} ({:.1}–{:.1}%)",
                    crate::units::thousands(m.nonzero_trials),
                    crate::units::thousands(r.trials.len() as u64),
                    crate::units::plural(r.trials.len() as u64, "trial"),
                    m.p_nonzero_ci95[0] * 100.0,
                    m.p_nonzero_ci95[1] * 100.0
                ),
            })
        })
        .collect();
    render(
        "p-loss",
        "Probability that a trial loses any acknowledged record, with its 95% Wilson interval \
         (whiskers): zero lossy trials still leave an upper bound.",
        (1000, bar_height(runs.len())),
        &Panels {
            title: "P(any acknowledged record lost)".into(),
            legend: vec![],
            panels: vec![Panel::Bars {
                caption: "bar: observed fraction; whiskers: 95% Wilson interval".into(),
                x_label: "trials losing acknowledged records (%)".into(),
                bars: p_loss,
            }],
        },
    )
}

/// One bar per run: the mean of metric `m` divided by `div`, its p99 as the
/// black tick, both in the note with `unit`.
fn mean_p99(
    runs: &[ScenarioRun],
    summaries: &[ScenarioSummary],
    m: Metric,
    div: f64,
    unit: &str,
) -> Vec<Bar> {
    runs.iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let s = stat(summaries, i, m)?;
            Some(Bar {
                name: r.name.clone(),
                colour: colour(i),
                value: s.mean / div,
                interval: None,
                marker: Some(s.p99 as f64 / div),
                note: format!(
                    "mean {} · p99 {} {unit}",
                    super::tick(s.mean / div),
                    super::tick(s.p99 as f64 / div)
                ),
            })
        })
        .collect()
}

/// A bar panel of [`mean_p99`] bars.
fn mean_p99_panel(
    (runs, summaries): (&[ScenarioRun], &[ScenarioSummary]),
    caption: &str,
    x_label: &str,
    (m, div, unit): (Metric, f64, &str),
) -> Panel {
    Panel::Bars {
        caption: caption.into(),
        x_label: x_label.into(),
        bars: mean_p99(runs, summaries, m, div, unit),
    }
}

/// Duplicates and skipped records after failover, side by side.
fn dup_skip_chart(
    runs: &[ScenarioRun],
    summaries: &[ScenarioSummary],
) -> Result<Chart, ChartError> {
    let both = (runs, summaries);
    render(
        "dup-skip",
        "Records consumers processed twice (re-read after failover) and records they never \
         processed: bar = mean per trial, black tick = p99.",
        (1300, bar_height(runs.len())),
        &Panels {
            title: "Duplicates and skipped records after failover".into(),
            legend: vec![],
            panels: vec![
                mean_p99_panel(
                    both,
                    "duplicates delivered",
                    "records per trial",
                    (Metric::DuplicatesDelivered, 1.0, "records"),
                ),
                mean_p99_panel(
                    both,
                    "skipped records",
                    "records per trial",
                    (Metric::SkippedRecords, 1.0, "records"),
                ),
            ],
        },
    )
}

/// Cross-DC traffic next to RPO and write RTO: what a topology costs next
/// to what it buys.
fn cost_chart(runs: &[ScenarioRun], summaries: &[ScenarioSummary]) -> Result<Chart, ChartError> {
    let both = (runs, summaries);
    // Decimal GB, as clouds bill and as the page says.
    let gb = 1e9;
    render(
        "cost",
        "What each topology costs in cross-DC traffic next to what it buys: RPO and write RTO \
         (bar = mean per trial, black tick = p99).",
        (1500, bar_height(runs.len())),
        &Panels {
            title: "Cross-DC traffic (cost) next to RPO and RTO".into(),
            legend: vec![],
            panels: vec![
                mean_p99_panel(
                    both,
                    "cross-DC bytes",
                    "GB per trial",
                    (Metric::CrossDcBytes, gb, "GB"),
                ),
                mean_p99_panel(both, "RPO", "rpo (s)", (Metric::RpoMs, 1000.0, "s")),
                mean_p99_panel(
                    both,
                    "write RTO",
                    "max_write_outage (s)",
                    (Metric::MaxWriteOutageMs, 1000.0, "s"),
                ),
            ],
        },
    )
}

/// Pixel height of a bar chart with `n` rows.
fn bar_height(n: usize) -> u32 {
    200 + 56 * n.max(1) as u32
}

/// A panel of a multi-panel chart.
pub(crate) enum Panel {
    Cdf {
        caption: String,
        x_label: String,
        series: Vec<super::Series>,
    },
    Bars {
        caption: String,
        x_label: String,
        bars: Vec<Bar>,
    },
}

/// A chart: a title, an optional shared legend, and panels side by side.
pub(crate) struct Panels {
    pub title: String,
    pub legend: Vec<(String, RGBColor)>,
    pub panels: Vec<Panel>,
}

impl Draw for Panels {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let mut rest = title(area, &self.title)?;
        if !self.legend.is_empty() {
            rest = legend(&rest, &self.legend)?;
        }
        let cols = rest.split_evenly((1, self.panels.len().max(1)));
        for (panel, cell) in self.panels.iter().zip(&cols) {
            match panel {
                Panel::Cdf {
                    caption,
                    x_label,
                    series,
                } => cdf_panel(cell, caption, x_label, series)?,
                Panel::Bars {
                    caption,
                    x_label,
                    bars,
                } => bar_panel(cell, caption, x_label, bars)?,
            }
        }
        Ok(())
    }
}
