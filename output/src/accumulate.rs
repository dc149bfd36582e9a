//! Streaming statistics: fold trial outcomes one at a time into a
//! [`ScenarioAccumulator`], then [`finish`](ScenarioAccumulator::finish) it
//! into the same [`ScenarioSummary`] that [`summarize`](crate::summarize)
//! gives for the whole vector of trials.
//!
//! Why: a report over 10^6 trials must not hold 10^6 outcomes (11 metrics ×
//! 8 bytes each, plus the trial number). What the summary needs is smaller:
//!
//! - the mean needs the count and an exact `u128` sum;
//!
//! - `P(>0)` and its interval need the count of non-zero values;
//! - the worst trials need the [`WORST_TRIALS`] largest `(value, trial)`
//!   pairs seen so far (the top k of a union is within the union of top ks);
//! - exact nearest-rank percentiles need the multiset of values, which is
//!   kept as *distinct value → how many trials had it* ([`ValueCounts`]).
//!
//! The last is the only part that can grow with trials, and it grows with
//! the number of *distinct* values, not of trials: most metrics take a
//! handful of values (zero records lost in nearly every trial; outages in
//! whole milliseconds over a bounded range), so memory stays flat. A metric
//! with a different value in every trial (bytes crossed between DCs when the
//! fault time is continuous) costs one small record per distinct value —
//! the "one small record per trial" exactness needs, and nothing per event.
//!
//! Every count and sum here saturates instead of wrapping, so no figure of
//! a report can wrap to a small number, however extreme the values or the
//! merges (`tests/properties.rs` feeds it `u64::MAX` values and counts).
//!
//! Everything here is order-independent: folding the same multiset of
//! `(trial, outcome)` pairs in any order, or folding parts and
//! [`merge`](ScenarioAccumulator::merge)-ing them, gives an identical
//! summary. That is what lets `--jobs` and `--shard` leave reports
//! byte-identical.

use std::collections::BTreeMap;

use kdrsim_models::{Metric, TrialOutcome};

use crate::stats::{self, WORST_TRIALS};
use crate::summary::{CutOffCounts, MetricSummary, ScenarioRun, ScenarioSummary};

/// A multiset of `u64` values: distinct value → occurrences; exact while it
/// holds at most [`EXACT_DISTINCT`] distinct values, then with values
/// rounded up to 10 significant bits (see [`coarsen`]).
///
/// A `BTreeMap` keeps values sorted, so percentiles are a walk from the
/// smallest value; its entries are 16 bytes in nodes of eleven, roughly 25
/// bytes per distinct value in practice. The switch to rounded values bounds
/// memory whatever the number of trials (a metric with a new value in every
/// trial would otherwise cost a record per trial), and it is a function of
/// the multiset alone: rounded iff more than [`EXACT_DISTINCT`] distinct
/// values were seen in all, whatever the order or the merges, so reports stay
/// byte-identical across `--jobs` and shards.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValueCounts {
    counts: BTreeMap<u64, u64>,
    total: u64,
    /// Values are rounded (more than `EXACT_DISTINCT` distinct seen).
    coarse: bool,
    /// The exact largest value.
    max: Option<u64>,
}

pub use crate::stats::{coarsen, EXACT_DISTINCT};

impl ValueCounts {
    pub fn insert(&mut self, value: u64) {
        self.insert_n(value, 1);
    }

    pub fn insert_n(&mut self, value: u64, n: u64) {
        if n == 0 {
            return;
        }
        self.max = Some(self.max.map_or(value, |m| m.max(value)));
        let key = if self.coarse { coarsen(value) } else { value };
        // Counts saturate rather than wrap (merged parts whose counts add
        // up beyond u64::MAX cannot happen in a real run, but a wrap would
        // turn "every trial" into "almost none").
        let count = self.counts.entry(key).or_insert(0);
        *count = count.saturating_add(n);
        self.total = self.total.saturating_add(n);
        if !self.coarse && self.counts.len() > EXACT_DISTINCT {
            self.make_coarse();
        }
    }

    /// Rounds every value held (see [`coarsen`]).
    fn make_coarse(&mut self) {
        let exact = std::mem::take(&mut self.counts);
        for (v, n) in exact {
            let count = self.counts.entry(coarsen(v)).or_insert(0);
            *count = count.saturating_add(n);
        }
        self.coarse = true;
    }

    /// Whether values are rounded (more than [`EXACT_DISTINCT`] distinct).
    pub fn is_coarse(&self) -> bool {
        self.coarse
    }

    /// How many values were inserted (saturating at `u64::MAX`).
    pub fn len(&self) -> u64 {
        self.total
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// How many distinct values are held (what memory grows with).
    pub fn distinct(&self) -> usize {
        self.counts.len()
    }

    /// The occurrences of `value`.
    pub fn count(&self, value: u64) -> u64 {
        self.counts.get(&value).copied().unwrap_or(0)
    }

    /// The largest value, if any (exact even when values are rounded).
    pub fn max(&self) -> Option<u64> {
        self.max
    }

    /// `(value, occurrences)` in ascending value order.
    pub fn iter(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.counts.iter().map(|(&v, &n)| (v, n))
    }

    /// Adds every value of `other`.
    pub fn merge(&mut self, other: &ValueCounts) {
        if other.coarse && !self.coarse {
            self.make_coarse();
        }
        let mine = self.max;
        for (v, n) in other.iter() {
            self.insert_n(v, n);
        }
        // `insert_n` saw `other`'s values, rounded if it was coarse: the
        // exact maximum is the larger of the two exact ones.
        self.max = match (mine, other.max) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }

    /// The nearest-rank percentiles (in tenths of a percent, see
    /// [`stats::nearest_rank`]) of the multiset, answered in one ascending
    /// walk. `per_mille` must be ascending. Returns `None` per entry when
    /// the multiset is empty.
    pub fn nearest_ranks<const K: usize>(&self, per_mille: [u32; K]) -> [Option<u64>; K] {
        debug_assert!(per_mille.windows(2).all(|w| w[0] <= w[1]));
        let mut out = [None; K];
        let n = u128::from(self.total);
        if n == 0 {
            return out;
        }
        // The same integer rank as `stats::nearest_rank`, so the two can
        // never disagree on a report.
        let ranks = per_mille.map(|p| (u128::from(p) * n).div_ceil(1000).clamp(1, n));
        let mut next = 0;
        let mut seen: u128 = 0;
        // Rounded values never report above the exact maximum.
        let cap = self.max.unwrap_or(u64::MAX);
        for (value, count) in self.iter() {
            // At most 2^64 counts below 2^64 each: no u128 overflow.
            seen += u128::from(count);
            while next < K && ranks[next] <= seen {
                out[next] = Some(value.min(cap));
                next += 1;
            }
            if next == K {
                break;
            }
        }
        out
    }
}

/// The running statistics of one metric.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetricAccumulator {
    values: ValueCounts,
    sum: u128,
    /// Up to [`WORST_TRIALS`] `(value, trial)` pairs with value > 0, worst
    /// first: value descending, then trial ascending (the order of
    /// [`stats::worst_trials`]).
    worst: Vec<(u64, u64)>,
}

impl MetricAccumulator {
    pub fn add(&mut self, trial: u64, value: u64) {
        self.values.insert(value);
        // u128 holds 2^64 trials of u64::MAX; saturating beyond, not wrapping.
        self.sum = self.sum.saturating_add(u128::from(value));
        if value > 0 {
            self.offer_worst(trial, value);
        }
    }

    fn offer_worst(&mut self, trial: u64, value: u64) {
        // Worse = larger value, or equal value and smaller trial number.
        let worse = |a: (u64, u64), b: (u64, u64)| a.0 > b.0 || (a.0 == b.0 && a.1 < b.1);
        let entry = (value, trial);
        if self.worst.len() == WORST_TRIALS
            && !self.worst.last().is_some_and(|&last| worse(entry, last))
        {
            return;
        }
        if self.worst.contains(&entry) {
            // The same trial offered twice (a merge of overlapping parts is
            // refused upstream); keep the list a set regardless.
            return;
        }
        let at = self
            .worst
            .iter()
            .position(|&w| worse(entry, w))
            .unwrap_or(self.worst.len());
        self.worst.insert(at, entry);
        self.worst.truncate(WORST_TRIALS);
    }

    pub fn merge(&mut self, other: &MetricAccumulator) {
        self.values.merge(&other.values);
        self.sum = self.sum.saturating_add(other.sum);
        for &(value, trial) in &other.worst {
            self.offer_worst(trial, value);
        }
    }

    /// The distinct values held (what memory grows with).
    pub fn distinct_values(&self) -> usize {
        self.values.distinct()
    }

    /// The summary; identical to [`MetricSummary::from_values`] of every
    /// value added.
    pub fn summary(&self) -> MetricSummary {
        let n = self.values.len();
        let [p50, p90, p99, p999] = self
            .values
            .nearest_ranks([500, 900, 990, 999])
            .map(|p| p.unwrap_or(0));
        let nonzero_trials = n.saturating_sub(self.values.count(0));
        let mean = exact_mean(self.sum, n);
        MetricSummary {
            mean_positive: stats::conditional_mean(self.sum, nonzero_trials),
            sd: stats::sd(self.values.iter(), mean, n),
            tail_trials_p99: if p99 > 0 {
                self.values
                    .iter()
                    .filter(|&(v, _)| v >= p99)
                    .fold(0u64, |sum, (_, c)| sum.saturating_add(c))
            } else {
                0
            },
            mean,
            p50,
            p90,
            p99,
            p999,
            max: self.values.max().unwrap_or(0),
            p_nonzero: if n == 0 {
                0.0
            } else {
                nonzero_trials as f64 / n as f64
            },
            p_nonzero_ci95: stats::wilson_ci95(nonzero_trials, n),
            nonzero_trials,
        }
    }

    /// Trial numbers of the worst trials, worst first.
    pub fn worst_trials(&self) -> Vec<u64> {
        self.worst.iter().map(|&(_, trial)| trial).collect()
    }
}

/// `sum / n` as [`stats::mean`] computes it (`q + r/n`), so a streamed mean
/// is bit-identical to the mean of the collected values.
fn exact_mean(sum: u128, n: u64) -> f64 {
    stats::conditional_mean(sum, n).unwrap_or(0.0)
}

/// The running statistics of one scenario: fold trials in with
/// [`add`](Self::add), combine parts with [`merge`](Self::merge), and
/// [`finish`](Self::finish) into the report's summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioAccumulator {
    pub name: String,
    pub file: String,
    pub seed: u64,
    /// Simulated time per trial (0 when unknown), for availability.
    pub duration_ms: u64,
    /// What the model simplifies for this scenario (`models::notes`).
    pub notes: Vec<String>,
    trials: u64,
    /// In [`Metric::ALL`] order.
    metrics: Vec<MetricAccumulator>,
    /// Trials whose figures the trial's end cut off (not a metric).
    cut_off: CutOffCounts,
}

impl ScenarioAccumulator {
    pub fn new(name: impl Into<String>, file: impl Into<String>, seed: u64) -> Self {
        ScenarioAccumulator {
            name: name.into(),
            file: file.into(),
            seed,
            duration_ms: 0,
            notes: Vec::new(),
            trials: 0,
            metrics: vec![MetricAccumulator::default(); Metric::ALL.len()],
            cut_off: CutOffCounts::default(),
        }
    }

    /// Folds in one trial's outcome.
    pub fn add(&mut self, trial: u64, outcome: &TrialOutcome) {
        self.trials = self.trials.saturating_add(1);
        for (acc, metric) in self.metrics.iter_mut().zip(Metric::ALL) {
            acc.add(trial, outcome.get(metric));
        }
        self.cut_off.add(outcome.cut_off);
    }

    /// Folds in another part of the same scenario's trials (which must not
    /// overlap this one's).
    pub fn merge(&mut self, other: &ScenarioAccumulator) {
        self.trials = self.trials.saturating_add(other.trials);
        for (a, b) in self.metrics.iter_mut().zip(&other.metrics) {
            a.merge(b);
        }
        self.cut_off.merge(&other.cut_off);
    }

    /// Trials folded in so far.
    pub fn trials(&self) -> u64 {
        self.trials
    }

    /// The largest number of distinct values any one metric holds: the
    /// only part of the accumulator that can grow with trials.
    pub fn max_distinct_values(&self) -> usize {
        self.metrics
            .iter()
            .map(MetricAccumulator::distinct_values)
            .max()
            .unwrap_or(0)
    }

    /// The summary the reports are built from.
    pub fn finish(&self) -> ScenarioSummary {
        ScenarioSummary {
            name: self.name.clone(),
            file: self.file.clone(),
            seed: self.seed,
            trials: self.trials,
            duration_ms: self.duration_ms,
            notes: self.notes.clone(),
            metrics: Metric::ALL
                .into_iter()
                .zip(&self.metrics)
                .map(|(m, acc)| (m, acc.summary()))
                .collect(),
            worst_trials: Metric::ALL
                .into_iter()
                .zip(&self.metrics)
                .map(|(m, acc)| (m, acc.worst_trials()))
                .collect(),
            cut_off: self.cut_off,
        }
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
    acc.duration_ms = run.duration_ms;
    for (trial, outcome) in &run.trials {
        acc.add(*trial, outcome);
    }
    acc.finish()
}

#[cfg(test)]
mod coarse_tests {
    use super::*;

    #[test]
    fn rounding_is_idempotent_bounded_and_exact_below_1024() {
        for v in [0, 1, 1023, 1024, 1025, 123_456_789, u64::MAX / 3, u64::MAX] {
            let c = coarsen(v);
            assert!(c >= v);
            assert_eq!(coarsen(c), c);
            if v < 1024 {
                assert_eq!(c, v);
            } else {
                assert!((c - v) as f64 <= v as f64 / 512.0, "{v} -> {c}");
            }
        }
    }

    #[test]
    fn many_distinct_values_stay_bounded_and_merge_in_any_order() {
        let values: Vec<u64> = (0..200_000u64)
            .map(|i| 1_000_000 + i * 7919 % 999_983 * 13)
            .collect();
        let mut whole = ValueCounts::default();
        for &v in &values {
            whole.insert(v);
        }
        assert!(whole.is_coarse());
        assert!(whole.distinct() < 5_000, "{}", whole.distinct());
        assert_eq!(whole.max(), values.iter().copied().max());
        // Parts folded separately and merged (in both orders) agree.
        let (mut a, mut b) = (ValueCounts::default(), ValueCounts::default());
        for (i, &v) in values.iter().enumerate() {
            if i % 3 == 0 {
                a.insert(v)
            } else {
                b.insert(v)
            }
        }
        let mut ab = a.clone();
        ab.merge(&b);
        let mut ba = b.clone();
        ba.merge(&a);
        assert_eq!(ab, whole);
        assert_eq!(ba, whole);
        // Percentiles never exceed the exact maximum.
        let [p999] = whole.nearest_ranks([999]);
        assert!(p999.unwrap() <= whole.max().unwrap());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_from_counts_match_the_sorted_definition() {
        let values: Vec<u64> = (0..1000).map(|i| (i * 7919) % 113).collect();
        let mut counts = ValueCounts::default();
        values.iter().for_each(|&v| counts.insert(v));
        let mut sorted = values.clone();
        sorted.sort_unstable();
        let per_mille = [0, 1, 500, 900, 990, 999, 1000];
        let got = counts.nearest_ranks(per_mille);
        for (p, g) in per_mille.iter().zip(got) {
            assert_eq!(g, stats::nearest_rank(&sorted, *p), "per mille {p}");
        }
        assert_eq!(counts.distinct(), 113);
        assert_eq!(counts.len(), 1000);
    }

    #[test]
    fn a_metric_that_is_nearly_always_zero_holds_two_distinct_values() {
        let mut acc = MetricAccumulator::default();
        for t in 0..100_000 {
            acc.add(t, if t % 1000 == 7 { 3 } else { 0 });
        }
        assert_eq!(acc.distinct_values(), 2);
        let s = acc.summary();
        // 100 of 100,000 is exactly 0.1%: rank 99,900 is still a zero.
        assert_eq!((s.nonzero_trials, s.max, s.p999), (100, 3, 0));
        assert_eq!(acc.worst_trials(), vec![7, 1007, 2007, 3007, 4007]);
    }

    #[test]
    fn worst_trials_keep_value_then_trial_order_whatever_the_arrival_order() {
        let pairs = [
            (7, 3),
            (2, 9),
            (5, 9),
            (1, 0),
            (3, 3),
            (4, 1),
            (6, 2),
            (0, 9),
        ];
        let mut forward = MetricAccumulator::default();
        let mut backward = MetricAccumulator::default();
        pairs.iter().for_each(|&(t, v)| forward.add(t, v));
        pairs.iter().rev().for_each(|&(t, v)| backward.add(t, v));
        assert_eq!(forward.worst_trials(), vec![0, 2, 5, 3, 7]);
        assert_eq!(forward, backward);
    }

    #[test]
    fn merged_parts_equal_one_pass_over_everything() {
        let outcome = |t: u64| TrialOutcome {
            acked_lost_records: t % 5,
            rpo_ms: (t * 31) % 17,
            cross_dc_bytes: t * 1000,
            ..TrialOutcome::default()
        };
        let mut whole = ScenarioAccumulator::new("s", "s.ron", 3);
        (0..500).for_each(|t| whole.add(t, &outcome(t)));
        let mut merged = ScenarioAccumulator::new("s", "s.ron", 3);
        for part in [(300..500), (0..120), (120..300)] {
            let mut acc = ScenarioAccumulator::new("s", "s.ron", 3);
            part.for_each(|t| acc.add(t, &outcome(t)));
            merged.merge(&acc);
        }
        assert_eq!(whole.finish(), merged.finish());
        assert_eq!(whole.trials(), 500);
    }

    #[test]
    fn mean_of_huge_values_does_not_overflow() {
        let mut acc = MetricAccumulator::default();
        acc.add(0, u64::MAX);
        acc.add(1, u64::MAX);
        assert_eq!(acc.summary().mean, u64::MAX as f64);
    }
}
