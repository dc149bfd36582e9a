//! Summaries of a scenario's trials: the per-scenario contract of DESIGN.md §4.

use crate::stats::{percentile, wilson, worst_trials, Z_95};
use kdrsim_models::{Metric, TrialOutcome};

/// How many trial numbers a report lists behind each metric's tail.
pub const WORST_TRIALS: usize = 5;

/// The outcomes of one scenario's run, in trial order.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioRun {
    pub name: String,
    pub file: String,
    pub seed: u64,
    pub trials: Vec<(u64, TrialOutcome)>,
}

/// One metric over all trials.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricSummary {
    pub mean: f64,
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
    pub p999: u64,
    pub max: u64,
    /// Fraction of trials in which the metric is above zero.
    pub p_nonzero: f64,
    /// Its 95% Wilson score interval.
    pub p_nonzero_ci95: [f64; 2],
    /// How many trials the tail figures rest on.
    pub nonzero_trials: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioSummary {
    pub name: String,
    pub file: String,
    pub seed: u64,
    pub trials: u64,
    /// In `Metric::ALL` order.
    pub metrics: Vec<(Metric, MetricSummary)>,
    pub worst_trials: Vec<(Metric, Vec<u64>)>,
}

impl ScenarioSummary {
    pub fn metric(&self, m: Metric) -> &MetricSummary {
        &self
            .metrics
            .iter()
            .find(|(k, _)| *k == m)
            .expect("every metric is summarised")
            .1
    }
}

/// Summarises a run. The result depends only on the (trial, outcome) pairs.
pub fn summarize(run: &ScenarioRun) -> ScenarioSummary {
    let n = run.trials.len() as u64;
    let mut metrics = Vec::with_capacity(Metric::ALL.len());
    let mut worst = Vec::with_capacity(Metric::ALL.len());
    let mut values: Vec<(u64, u64)> = Vec::with_capacity(run.trials.len());
    let mut sorted: Vec<u64> = Vec::with_capacity(run.trials.len());
    for m in Metric::ALL {
        values.clear();
        values.extend(run.trials.iter().map(|(t, o)| (*t, o.get(m))));
        sorted.clear();
        sorted.extend(values.iter().map(|(_, v)| *v));
        sorted.sort_unstable();
        let sum: u128 = sorted.iter().map(|v| *v as u128).sum();
        let k = sorted.iter().filter(|v| **v > 0).count() as u64;
        metrics.push((
            m,
            MetricSummary {
                mean: if n == 0 { 0.0 } else { sum as f64 / n as f64 },
                p50: percentile(&sorted, 50.0),
                p90: percentile(&sorted, 90.0),
                p99: percentile(&sorted, 99.0),
                p999: percentile(&sorted, 99.9),
                max: sorted.last().copied().unwrap_or(0),
                p_nonzero: if n == 0 { 0.0 } else { k as f64 / n as f64 },
                p_nonzero_ci95: wilson(k, n, Z_95),
                nonzero_trials: k,
            },
        ));
        worst.push((m, worst_trials(&values, WORST_TRIALS)));
    }
    ScenarioSummary {
        name: run.name.clone(),
        file: run.file.clone(),
        seed: run.seed,
        trials: n,
        metrics,
        worst_trials: worst,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_of_three_trials_with_one_loss() {
        let mk = |lost| TrialOutcome {
            acked_lost_records: lost,
            ..TrialOutcome::default()
        };
        let run = ScenarioRun {
            name: "s".into(),
            file: "s.ron".into(),
            seed: 1,
            trials: vec![(10, mk(0)), (11, mk(30)), (12, mk(0))],
        };
        let s = summarize(&run);
        let lost = s.metric(Metric::AckedLostRecords);
        assert_eq!(lost.max, 30);
        assert_eq!(lost.p50, 0);
        assert!((lost.mean - 10.0).abs() < 1e-12);
        assert!((lost.p_nonzero - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(lost.nonzero_trials, 1);
        assert_eq!(s.worst_trials[0], (Metric::AckedLostRecords, vec![11]));
    }
}
