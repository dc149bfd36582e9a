//! The per-scenario summary every report format is built from.
//!
//! [`ScenarioRun`] is what the runner hands over (every trial's outcome);
//! [`summarize`] reduces it to a [`ScenarioSummary`]. Keeping the reduction
//! here, apart from the formats, means table and JSON can never disagree on
//! a number.

use kdrsim_models::{Metric, TrialOutcome};

use crate::accumulate::ScenarioAccumulator;
use crate::stats;

/// Every trial of one scenario, as produced by the runner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioRun {
    /// The scenario's name.
    pub name: String,
    /// The file the scenario was loaded from (or a built-in's label).
    pub file: String,
    /// The batch seed; with a trial number it reproduces a trial.
    pub seed: u64,
    /// `(trial number, outcome)`, normally in trial order. Only the CSV
    /// output keeps this order; statistics depend on the multiset alone.
    pub trials: Vec<(u64, TrialOutcome)>,
}

/// The statistics of one metric over all trials of a scenario.
///
/// Percentiles are nearest-rank (see [`stats::nearest_rank`]): each is a
/// value some trial really produced. With no trials everything is 0 and the
/// interval is `[0, 1]`.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricSummary {
    pub mean: f64,
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
    pub p999: u64,
    pub max: u64,
    /// Fraction of trials where the metric was greater than zero.
    pub p_nonzero: f64,
    /// 95% Wilson score interval of `p_nonzero`, `[lo, hi]`.
    pub p_nonzero_ci95: [f64; 2],
    /// How many trials had the metric greater than zero: the evidence behind
    /// `p_nonzero`, so callers can warn when it is too thin to trust.
    pub nonzero_trials: u64,
}

impl MetricSummary {
    /// Summarizes the values of one metric, one per trial, in any order.
    pub fn from_values(values: &[u64]) -> MetricSummary {
        let mut sorted = values.to_vec();
        sorted.sort_unstable();
        let n = sorted.len() as u64;
        let pct = |per_mille| stats::nearest_rank(&sorted, per_mille).unwrap_or(0);
        let nonzero_trials = sorted.iter().filter(|&&v| v > 0).count() as u64;
        MetricSummary {
            mean: stats::mean(&sorted),
            p50: pct(500),
            p90: pct(900),
            p99: pct(990),
            p999: pct(999),
            max: sorted.last().copied().unwrap_or(0),
            p_nonzero: if n == 0 {
                0.0
            } else {
                nonzero_trials as f64 / n as f64
            },
            p_nonzero_ci95: stats::wilson_ci95(nonzero_trials, n),
            nonzero_trials,
        }
    }
}

/// The summary of one scenario: what the table and JSON reports show.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioSummary {
    pub name: String,
    pub file: String,
    pub seed: u64,
    /// Number of trials summarized.
    pub trials: u64,
    /// One entry per metric, in [`Metric::ALL`] order.
    pub metrics: Vec<(Metric, MetricSummary)>,
    /// Per metric, in [`Metric::ALL`] order: the trial numbers of the up to
    /// [`stats::WORST_TRIALS`] worst trials (see [`stats::worst_trials`]),
    /// the ones worth replaying.
    pub worst_trials: Vec<(Metric, Vec<u64>)>,
}

impl ScenarioSummary {
    /// The statistics of `metric`, if present.
    pub fn metric(&self, metric: Metric) -> Option<&MetricSummary> {
        self.metrics
            .iter()
            .find(|(m, _)| *m == metric)
            .map(|(_, s)| s)
    }

    /// The worst trial numbers of `metric` (empty if none or absent).
    pub fn worst(&self, metric: Metric) -> &[u64] {
        self.worst_trials
            .iter()
            .find(|(m, _)| *m == metric)
            .map_or(&[], |(_, t)| t.as_slice())
    }
}

/// Reduces every trial of a run to its summary. Deterministic: the result
/// depends only on the multiset of `(trial, outcome)` pairs in `run.trials`.
///
/// It folds the trials through a [`ScenarioAccumulator`], the same path the
/// streaming runner and `merge` take, so there is one definition of every
/// statistic.
pub fn summarize(run: &ScenarioRun) -> ScenarioSummary {
    let mut acc = ScenarioAccumulator::new(run.name.clone(), run.file.clone(), run.seed);
    for (trial, outcome) in &run.trials {
        acc.add(*trial, outcome);
    }
    acc.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(trials: Vec<(u64, TrialOutcome)>) -> ScenarioRun {
        ScenarioRun {
            name: "s".into(),
            file: "s.ron".into(),
            seed: 7,
            trials,
        }
    }

    fn lost(n: u64) -> TrialOutcome {
        TrialOutcome {
            acked_lost_records: n,
            ..TrialOutcome::default()
        }
    }

    #[test]
    fn summary_lists_every_metric_in_report_order() {
        let s = summarize(&run(vec![(0, lost(1))]));
        let order: Vec<Metric> = s.metrics.iter().map(|(m, _)| *m).collect();
        assert_eq!(order, Metric::ALL);
        let order: Vec<Metric> = s.worst_trials.iter().map(|(m, _)| *m).collect();
        assert_eq!(order, Metric::ALL);
    }

    #[test]
    fn two_lossy_trials_of_ten() {
        let trials = (0..10)
            .map(|t| (t, lost(if t == 3 || t == 8 { 5 } else { 0 })))
            .collect();
        let s = summarize(&run(trials));
        assert_eq!(s.trials, 10);
        let m = s.metric(Metric::AckedLostRecords).unwrap();
        assert_eq!((m.p50, m.p90, m.p99, m.max), (0, 5, 5, 5));
        assert_eq!(m.mean, 1.0);
        assert_eq!(m.nonzero_trials, 2);
        assert_eq!(m.p_nonzero, 0.2);
        assert_eq!(s.worst(Metric::AckedLostRecords), &[3, 8]);
        assert!(s.worst(Metric::RpoMs).is_empty());
        assert_eq!(s.metric(Metric::RpoMs).unwrap().p_nonzero_ci95[0], 0.0);
    }

    #[test]
    fn shuffled_trials_summarize_identically() {
        let forward: Vec<_> = (0..20).map(|t| (t, lost(t % 4))).collect();
        let mut backward = forward.clone();
        backward.reverse();
        assert_eq!(summarize(&run(forward)), summarize(&run(backward)));
    }

    #[test]
    fn run_without_trials_summarizes_to_zeros() {
        let s = summarize(&run(Vec::new()));
        assert_eq!(s.trials, 0);
        let m = s.metric(Metric::RpoMs).unwrap();
        assert_eq!((m.mean, m.p50, m.max, m.p_nonzero), (0.0, 0, 0, 0.0));
        assert_eq!(m.p_nonzero_ci95, [0.0, 1.0]);
    }
}
