//! The per-scenario summary every report format is built from.
//!
//! [`ScenarioRun`] is what the runner hands over (every trial's outcome);
//! `accumulate::summarize` reduces it to a [`ScenarioSummary`] (the one
//! fold every statistic goes through; this module knows nothing of it). Keeping the reduction
//! here, apart from the formats, means table and JSON can never disagree on
//! a number.

use kdrsim_models::{Metric, TrialOutcome};

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
    /// Simulated time per trial (0 when unknown).
    pub duration_ms: u64,
    /// `(trial number, outcome)`, normally in trial order. Only the CSV
    /// output keeps this order; statistics depend on the multiset alone.
    pub trials: Vec<(u64, TrialOutcome)>,
}

/// The statistics of one metric over all trials of a scenario.
///
/// Percentiles are nearest-rank (see [`stats::nearest_rank`]): each is a
/// value some trial really produced, as long as the metric took at most
/// 16,384 distinct values; beyond that, values are rounded up to 10
/// significant bits (see `stats::coarsen`; never above the exact
/// maximum). With no trials everything is 0 and the
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
    /// The mean over the trials where the metric was greater than zero,
    /// E[X | X > 0]: how bad it is when it happens. `None` when no trial
    /// had it above zero (a report shows "-", not a made-up 0).
    pub mean_positive: Option<f64>,
    /// Standard deviation over trials (n − 1 in the denominator).
    pub sd: f64,
    /// How many trials reached the p99 (value ≥ p99, when p99 > 0): the
    /// evidence behind the tail.
    pub tail_trials_p99: u64,
}

impl MetricSummary {
    /// Summarizes the values of one metric, one per trial, in any order.
    pub fn from_values(values: &[u64]) -> MetricSummary {
        let mut exact = values.to_vec();
        exact.sort_unstable();
        let n = exact.len() as u64;
        let mean = stats::mean(&exact);
        let max = exact.last().copied().unwrap_or(0);
        // Beyond `EXACT_DISTINCT` distinct values, percentiles and spread
        // are read from values rounded to 10 significant bits (see
        // `stats::coarsen`), capped at the exact maximum.
        let distinct = exact.chunk_by(|a, b| a == b).count();
        let sorted: Vec<u64> = if distinct > stats::EXACT_DISTINCT {
            exact.iter().map(|&v| stats::coarsen(v)).collect()
        } else {
            exact.clone()
        };
        let pct = |per_mille| {
            stats::nearest_rank(&sorted, per_mille)
                .unwrap_or(0)
                .min(max)
        };
        let nonzero_trials = sorted.iter().filter(|&&v| v > 0).count() as u64;
        let p99 = pct(990);
        let sum: u128 = exact.iter().map(|&v| u128::from(v)).sum();
        MetricSummary {
            mean_positive: stats::conditional_mean(sum, nonzero_trials),
            // Grouped like the streaming accumulator's value counts
            // (ascending, equal values together), so the floating-point sum
            // runs in the same order and the two agree to the bit.
            sd: stats::sd(
                sorted
                    .chunk_by(|a, b| a == b)
                    .map(|run| (run[0], run.len() as u64)),
                mean,
                n,
            ),
            tail_trials_p99: if p99 > 0 {
                sorted.iter().filter(|&&v| v >= p99).count() as u64
            } else {
                0
            },
            mean,
            p50: pct(500),
            p90: pct(900),
            p99: pct(990),
            p999: pct(999),
            max,
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

/// Fewer trials than this behind a figure earns a warning.
pub const THIN_EVIDENCE: u64 = 10;

/// The summary of one scenario: what the table and JSON reports show.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioSummary {
    pub name: String,
    pub file: String,
    pub seed: u64,
    /// Number of trials summarized.
    pub trials: u64,
    /// Simulated time per trial (0 when unknown): what availability is a
    /// fraction of.
    pub duration_ms: u64,
    /// What the model simplifies for this scenario, said beside its
    /// figures (`kdrsim_models::notes`); empty when nothing applies.
    pub notes: Vec<String>,
    /// One entry per metric, in [`Metric::ALL`] order.
    pub metrics: Vec<(Metric, MetricSummary)>,
    /// Per metric, in [`Metric::ALL`] order: the trial numbers of the up to
    /// [`stats::WORST_TRIALS`] worst trials (see [`stats::worst_trials`]),
    /// the ones worth replaying.
    pub worst_trials: Vec<(Metric, Vec<u64>)>,
    /// In how many trials something was still under way at the trial's
    /// end (`TrialOutcome::cut_off`): their outages stop at the end.
    pub cut_off: CutOffCounts,
}

/// How many trials ended before a fault healed or a runbook step finished.
/// Counts saturate, like every count of a summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CutOffCounts {
    /// Trials with anything cut off (either below, or both).
    pub trials: u64,
    /// Trials that ended before a fault healed.
    pub fault_unhealed: u64,
    /// Trials that ended with a runbook step unfinished.
    pub runbook_unfinished: u64,
}

impl CutOffCounts {
    pub fn add(&mut self, c: kdrsim_models::CutOff) {
        self.trials = self.trials.saturating_add(u64::from(c.any()));
        self.fault_unhealed = self
            .fault_unhealed
            .saturating_add(u64::from(c.fault_unhealed));
        self.runbook_unfinished = self
            .runbook_unfinished
            .saturating_add(u64::from(c.runbook_unfinished));
    }

    pub fn merge(&mut self, other: &CutOffCounts) {
        self.trials = self.trials.saturating_add(other.trials);
        self.fault_unhealed = self.fault_unhealed.saturating_add(other.fault_unhealed);
        self.runbook_unfinished = self
            .runbook_unfinished
            .saturating_add(other.runbook_unfinished);
    }

    /// The warning for `of` trials ("525 of 2,000 trials ended before the
    /// fault healed: ..."), or `None` when nothing was cut off.
    pub fn warning(&self, of: u64) -> Option<String> {
        if self.trials == 0 {
            return None;
        }
        let n = crate::units::thousands;
        let trials = format!("{} {}", n(of), crate::units::plural(of, "trial"));
        let mut what = Vec::new();
        if self.fault_unhealed > 0 {
            what.push(format!(
                "{} of {trials} ended before a fault healed",
                n(self.fault_unhealed)
            ));
        }
        if self.runbook_unfinished > 0 {
            what.push(format!(
                "{} of {trials} ended with a runbook step unfinished",
                n(self.runbook_unfinished)
            ));
        }
        Some(format!(
            "{}: their outages are cut off at the trial's end (a longer duration_ms, or faults that heal sooner, measure them whole)",
            what.join("; ")
        ))
    }
}

impl ScenarioSummary {
    /// The statistics of `metric`, if present.
    pub fn metric(&self, metric: Metric) -> Option<&MetricSummary> {
        self.metrics
            .iter()
            .find(|(m, _)| *m == metric)
            .map(|(_, s)| s)
    }

    /// Time-weighted availability from a per-trial unavailability metric
    /// (`write_unavailable_ms`, `read_unavailable_ms`): the fraction of all
    /// simulated time available, with a 95% normal interval over trials
    /// (the trials are independent; each contributes its own fraction).
    /// `None` without a known duration.
    pub fn availability(&self, unavailable: Metric) -> Option<(f64, [f64; 2])> {
        let m = self.metric(unavailable)?;
        if self.duration_ms == 0 || self.trials == 0 {
            return None;
        }
        let d = self.duration_ms as f64;
        let a = 1.0 - m.mean / d;
        let half = 1.96 * m.sd / (self.trials as f64).sqrt() / d;
        Some((a, [(a - half).max(0.0), (a + half).min(1.0)]))
    }

    /// Figures that rest on too few trials to trust: a non-zero p99 reached
    /// by fewer than 10 trials, a probability of a non-zero value backed by
    /// fewer than 10 trials. Each names the metric, the count and the fix.
    pub fn warnings(&self) -> Vec<String> {
        let thin = |count: &dyn Fn(&MetricSummary) -> Option<u64>| -> Vec<String> {
            // In report order, whatever the order of the vector.
            Metric::ALL
                .iter()
                .filter_map(|&m| {
                    self.metric(m)
                        .and_then(count)
                        .map(|n| format!("{} ({n})", m.name()))
                })
                .collect()
        };
        let tails = thin(&|s| {
            (s.p99 > 0 && s.tail_trials_p99 < THIN_EVIDENCE).then_some(s.tail_trials_p99)
        });
        let probs = thin(&|s| {
            (s.nonzero_trials > 0 && s.nonzero_trials < THIN_EVIDENCE).then_some(s.nonzero_trials)
        });
        let mut out: Vec<String> = self.cut_off.warning(self.trials).into_iter().collect();
        if !tails.is_empty() {
            out.push(format!(
                "p99 rests on fewer than {THIN_EVIDENCE} trials for {}: run more trials (about {} for a p99)",
                tails.join(", "),
                THIN_EVIDENCE * 100
            ));
        }
        if !probs.is_empty() {
            out.push(format!(
                "P(> 0) rests on fewer than {THIN_EVIDENCE} trials for {}: its interval is wide",
                probs.join(", ")
            ));
        }
        out
    }

    /// The worst trial numbers of `metric` (empty if none or absent).
    pub fn worst(&self, metric: Metric) -> &[u64] {
        self.worst_trials
            .iter()
            .find(|(m, _)| *m == metric)
            .map_or(&[], |(_, t)| t.as_slice())
    }
}

/// Which trial of a run a report draws as a timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimelineBy {
    /// The trial that lost the most acknowledged records; when every trial
    /// lost the same, the one with the longest write outage.
    #[default]
    Loss,
    /// The trial with the longest write outage (the RTO tail).
    Rto,
}

impl TimelineBy {
    /// `loss` or `rto`, as on the command line.
    pub fn parse(text: &str) -> Option<TimelineBy> {
        match text {
            "loss" => Some(TimelineBy::Loss),
            "rto" => Some(TimelineBy::Rto),
            _ => None,
        }
    }
}

/// The trial worth a timeline, and why in words: the worst of `run` by
/// `by` (largest value, lowest trial number among equals). A metric on
/// which every trial ties tells nothing, so it falls through: loss to write
/// outage, write outage to the first trial.
pub fn timeline_trial(run: &ScenarioRun, by: TimelineBy) -> (u64, String) {
    let order: &[(Metric, &str)] = match by {
        TimelineBy::Loss => &[
            (Metric::AckedLostRecords, "acknowledged records lost"),
            (Metric::MaxWriteOutageMs, "longest write outage"),
        ],
        TimelineBy::Rto => &[(Metric::MaxWriteOutageMs, "longest write outage")],
    };
    let mut tied = Vec::new();
    for &(metric, what) in order {
        let values = run.trials.iter().map(|(t, o)| (o.get(metric), *t));
        let worst = values
            .clone()
            .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        let lowest = values.map(|v| v.0).min();
        if let (Some((v, trial)), Some(lo)) = (worst, lowest) {
            if v > lo {
                let mut why = format!("the worst trial for {what}");
                if !tied.is_empty() {
                    why.push_str(&format!(
                        " (every trial tied on {}, so it tells nothing)",
                        tied.join(" and ")
                    ));
                }
                return (trial, why);
            }
            tied.push(format!("{what} ({})", crate::units::thousands(v)));
        }
    }
    let first = run.trials.iter().map(|(t, _)| *t).min().unwrap_or(0);
    (
        first,
        format!(
            "the first trial: every trial tied on {}",
            tied.join(" and ")
        ),
    )
}

/// Every warning a report's reader should see, in the order the terminal
/// prints them: what the scenarios differ in (`differences`, when compared
/// anyway), then per scenario its thin-evidence warnings
/// ([`ScenarioSummary::warnings`]) and its model notes, each prefixed with
/// the scenario's name. The page's warnings box and `summary.json`'s
/// `warnings` array are this list.
pub fn report_warnings(differences: &[String], summaries: &[ScenarioSummary]) -> Vec<String> {
    let mut out: Vec<String> = differences.to_vec();
    for s in summaries {
        out.extend(s.warnings().into_iter().map(|w| format!("{}: {w}", s.name)));
        out.extend(
            s.notes
                .iter()
                .map(|n| format!("{}: model note: {n}", s.name)),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accumulate::summarize;

    fn run(trials: Vec<(u64, TrialOutcome)>) -> ScenarioRun {
        ScenarioRun {
            name: "s".into(),
            file: "s.ron".into(),
            seed: 7,
            duration_ms: 0,
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
    fn availability_is_the_time_weighted_fraction_with_an_interval_over_trials() {
        let trials = (0..100)
            .map(|t| {
                let o = TrialOutcome {
                    write_unavailable_ms: if t % 10 == 0 { 1_000 } else { 0 },
                    ..TrialOutcome::default()
                };
                (t, o)
            })
            .collect();
        let mut r = run(trials);
        assert!(summarize(&r)
            .availability(Metric::WriteUnavailableMs)
            .is_none());
        r.duration_ms = 10_000;
        let s = summarize(&r);
        let (a, [lo, hi]) = s.availability(Metric::WriteUnavailableMs).unwrap();
        // 10 trials of 100 were down 10% of their time: 1% overall.
        assert!((a - 0.99).abs() < 1e-12);
        assert!(lo < a && a < hi && hi - lo < 0.02, "{lo} {hi}");
        assert_eq!(s.availability(Metric::ReadUnavailableMs).unwrap().0, 1.0);
    }

    #[test]
    fn figures_resting_on_fewer_than_ten_trials_are_flagged() {
        let few: Vec<(u64, TrialOutcome)> = (0..100).map(|t| (t, lost(u64::from(t < 3)))).collect();
        let w = summarize(&run(few)).warnings();
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(w[0].contains("acked_lost_records (3)"), "{w:?}");
        assert!(w[1].contains("P(> 0)"), "{w:?}");
        let many: Vec<(u64, TrialOutcome)> =
            (0..2000).map(|t| (t, lost(u64::from(t < 40)))).collect();
        assert!(summarize(&run(many)).warnings().is_empty());
    }

    #[test]
    fn a_timeline_by_loss_falls_back_to_write_outage_when_every_trial_lost_the_same() {
        let outcome = |lost: u64, outage: u64| TrialOutcome {
            acked_lost_records: lost,
            max_write_outage_ms: outage,
            ..TrialOutcome::default()
        };
        let tied = run(vec![
            (0, outcome(0, 5)),
            (1, outcome(0, 9)),
            (2, outcome(0, 9)),
        ]);
        let (trial, why) = timeline_trial(&tied, TimelineBy::Loss);
        assert_eq!(trial, 1, "{why}");
        assert!(
            why.contains("every trial tied on acknowledged records lost"),
            "{why}"
        );
        let lossy = run(vec![
            (0, outcome(0, 50)),
            (1, outcome(3, 9)),
            (2, outcome(0, 9)),
        ]);
        assert_eq!(timeline_trial(&lossy, TimelineBy::Loss).0, 1);
        assert_eq!(timeline_trial(&lossy, TimelineBy::Rto).0, 0);
        let flat = run(vec![(4, outcome(0, 0)), (3, outcome(0, 0))]);
        assert_eq!(timeline_trial(&flat, TimelineBy::Rto).0, 3);
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
        // When a trial loses, it loses 5: the mean over all trials (1)
        // understates that fivefold.
        assert_eq!(m.mean_positive, Some(5.0));
        assert_eq!(s.metric(Metric::RpoMs).unwrap().mean_positive, None);
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
