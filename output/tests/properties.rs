//! Properties that must hold for any trial outcomes, not just the hand-picked
//! examples of the unit tests.

use kdrsim_models::{Metric, TrialOutcome};
use kdrsim_output::stats::{wilson_ci95, worst_trials};
use kdrsim_output::{
    format_json, summarize, MetricSummary, ScenarioAccumulator, ScenarioRun, ValueCounts,
};
use proptest::prelude::*;

/// Values mixing zeros, small counts and the extremes of `u64`, so both the
/// common shape (mostly zero) and overflow-prone sums are exercised.
fn value() -> impl Strategy<Value = u64> {
    prop_oneof![4 => Just(0u64), 4 => 0u64..1_000, 1 => any::<u64>(), 1 => Just(u64::MAX)]
}

fn outcome() -> impl Strategy<Value = TrialOutcome> {
    (value(), value(), value(), value()).prop_map(|(a, b, c, d)| TrialOutcome {
        acked_lost_records: a,
        rpo_ms: b,
        duplicates_delivered: c,
        cross_dc_bytes: d,
        ..TrialOutcome::default()
    })
}

fn run(trials: Vec<(u64, TrialOutcome)>) -> ScenarioRun {
    ScenarioRun {
        name: "prop".into(),
        file: "prop.ron".into(),
        seed: 1,
        duration_ms: 0,
        trials,
    }
}

proptest! {
    #[test]
    fn order_statistics_are_monotone_and_bracket_the_mean(values in prop::collection::vec(value(), 1..300)) {
        let m = MetricSummary::from_values(&values);
        let min = *values.iter().min().unwrap();
        prop_assert!(m.p50 <= m.p90 && m.p90 <= m.p99 && m.p99 <= m.p999 && m.p999 <= m.max, "{m:?}");
        prop_assert_eq!(m.max, *values.iter().max().unwrap());
        prop_assert!(min as f64 <= m.mean && m.mean <= m.max as f64, "{m:?}");
        prop_assert!(values.contains(&m.p50) && values.contains(&m.p999));
        prop_assert!(m.p_nonzero_ci95[0] <= m.p_nonzero && m.p_nonzero <= m.p_nonzero_ci95[1], "{m:?}");
    }

    #[test]
    fn wilson_interval_contains_the_observed_rate((n, k) in (1u64..100_000).prop_flat_map(|n| (Just(n), 0..=n))) {
        let [lo, hi] = wilson_ci95(k, n);
        let p = k as f64 / n as f64;
        prop_assert!((0.0..=1.0).contains(&lo) && (0.0..=1.0).contains(&hi));
        prop_assert!(lo <= p && p <= hi, "k={k} n={n}: [{lo}, {hi}]");
    }

    #[test]
    fn worst_trials_are_nonzero_descending_and_at_most_five(values in prop::collection::vec(value(), 0..200)) {
        let pairs: Vec<(u64, u64)> = values.iter().enumerate().map(|(t, &v)| (t as u64, v)).collect();
        let worst = worst_trials(&pairs, 5);
        prop_assert!(worst.len() <= 5);
        let v: Vec<u64> = worst.iter().map(|&t| values[t as usize]).collect();
        prop_assert!(v.iter().all(|&x| x > 0));
        prop_assert!(v.windows(2).all(|w| w[0] >= w[1]));
        let nonzero = values.iter().filter(|&&x| x > 0).count();
        prop_assert_eq!(worst.len(), nonzero.min(5));
    }

    #[test]
    fn reports_ignore_the_order_trials_arrive_in(
        shuffled in prop::collection::vec(outcome(), 0..60)
            .prop_map(|os| os.into_iter().enumerate().map(|(t, o)| (t as u64, o)).collect::<Vec<_>>())
            .prop_flat_map(|trials| (Just(trials.clone()), Just(trials).prop_shuffle()))
    ) {
        let (ordered, shuffled) = shuffled;
        let a = summarize(&run(ordered));
        let b = summarize(&run(shuffled));
        prop_assert_eq!(format_json(std::slice::from_ref(&a)), format_json(std::slice::from_ref(&b)));
        for metric in Metric::ALL {
            prop_assert!(a.metric(metric).is_some());
        }
    }
}

/// The summary as it was defined before streaming: sort every value, take
/// nearest ranks, rank the worst trials. The accumulator must agree with it
/// exactly, whichever way trials are split and merged.
fn collected_summary(trials: &[(u64, TrialOutcome)]) -> Vec<(MetricSummary, Vec<u64>)> {
    Metric::ALL
        .iter()
        .map(|&m| {
            let pairs: Vec<(u64, u64)> = trials.iter().map(|(t, o)| (*t, o.get(m))).collect();
            let values: Vec<u64> = pairs.iter().map(|p| p.1).collect();
            (MetricSummary::from_values(&values), worst_trials(&pairs, 5))
        })
        .collect()
}

proptest! {
    #[test]
    fn streamed_and_merged_statistics_equal_the_collected_definition(
        outcomes in prop::collection::vec(outcome(), 0..300),
        cuts in prop::collection::vec(0usize..300, 0..4),
    ) {
        let trials: Vec<(u64, TrialOutcome)> =
            outcomes.into_iter().enumerate().map(|(t, o)| (t as u64, o)).collect();
        let expected = collected_summary(&trials);
        // Split into contiguous parts (as shards do), fold each, merge.
        let mut bounds: Vec<usize> = cuts.into_iter().map(|c| c.min(trials.len())).collect();
        bounds.extend([0, trials.len()]);
        bounds.sort_unstable();
        let mut merged = ScenarioAccumulator::new("prop", "prop.ron", 1);
        for w in bounds.windows(2) {
            let mut part = ScenarioAccumulator::new("prop", "prop.ron", 1);
            for (t, o) in &trials[w[0]..w[1]] {
                part.add(*t, o);
            }
            merged.merge(&part);
        }
        let got = merged.finish();
        prop_assert_eq!(got.trials, trials.len() as u64);
        for (i, m) in Metric::ALL.iter().enumerate() {
            prop_assert_eq!(got.metric(*m).unwrap(), &expected[i].0);
            prop_assert_eq!(got.worst(*m), expected[i].1.as_slice());
        }
    }
}

/// Occurrence counts from one up to `u64::MAX`: what merged parts of a
/// (hypothetical) astronomically long run would carry.
fn count() -> impl Strategy<Value = u64> {
    prop_oneof![
        2 => 1u64..1_000,
        1 => Just(u64::MAX / 2 + 1),
        1 => Just(u64::MAX - 1),
        1 => Just(u64::MAX),
        1 => any::<u64>(),
    ]
}

proptest! {
    #[test]
    fn value_counts_saturate_and_never_wrap(
        pairs in prop::collection::vec((value(), count()), 1..40),
        cut in 0usize..40,
    ) {
        let exact_total: u128 = pairs.iter().map(|&(_, n)| u128::from(n)).sum();
        let expected_total = exact_total.min(u128::from(u64::MAX)) as u64;
        let mut whole = ValueCounts::default();
        for &(v, n) in &pairs {
            whole.insert_n(v, n);
        }
        prop_assert_eq!(whole.len(), expected_total);
        prop_assert_eq!(whole.max(), pairs.iter().map(|p| p.0).max());
        for &(v, _) in &pairs {
            let exact: u128 = pairs.iter().filter(|p| p.0 == v).map(|p| u128::from(p.1)).sum();
            prop_assert_eq!(whole.count(v), exact.min(u128::from(u64::MAX)) as u64);
        }
        // Parts merged in either order give the same saturated counts.
        let cut = cut.min(pairs.len());
        let (mut a, mut b) = (ValueCounts::default(), ValueCounts::default());
        pairs[..cut].iter().for_each(|&(v, n)| a.insert_n(v, n));
        pairs[cut..].iter().for_each(|&(v, n)| b.insert_n(v, n));
        let mut ab = a.clone();
        ab.merge(&b);
        let mut ba = b.clone();
        ba.merge(&a);
        prop_assert_eq!(&ab, &whole);
        prop_assert_eq!(&ba, &whole);
        // Percentiles stay within the values seen, in order.
        let ranks = whole.nearest_ranks([0, 500, 990, 1000]);
        let min = pairs.iter().map(|p| p.0).min().unwrap();
        let max = pairs.iter().map(|p| p.0).max().unwrap();
        for w in ranks.windows(2) {
            prop_assert!(w[0] <= w[1], "{ranks:?}");
        }
        for r in ranks {
            let r = r.unwrap();
            prop_assert!(min <= r && r <= max, "{r} outside {min}..={max}");
        }
    }

    #[test]
    fn sums_of_extreme_values_over_trials_and_merges_do_not_wrap(
        values in prop::collection::vec(value(), 1..200),
        parts in 1usize..5,
    ) {
        // cross_dc_bytes and record counts of u64::MAX in many trials, folded
        // in parts and merged: the mean is exact, never a wrapped sum.
        let trials: Vec<(u64, TrialOutcome)> = values
            .iter()
            .enumerate()
            .map(|(t, &v)| (t as u64, TrialOutcome { cross_dc_bytes: v, acked_lost_records: v, ..TrialOutcome::default() }))
            .collect();
        let mut merged = ScenarioAccumulator::new("prop", "prop.ron", 1);
        for chunk in trials.chunks(trials.len().div_ceil(parts)) {
            let mut part = ScenarioAccumulator::new("prop", "prop.ron", 1);
            chunk.iter().for_each(|(t, o)| part.add(*t, o));
            merged.merge(&part);
        }
        let s = merged.finish();
        let sum: u128 = values.iter().map(|&v| u128::from(v)).sum();
        let mean = sum as f64 / values.len() as f64;
        for m in [Metric::CrossDcBytes, Metric::AckedLostRecords] {
            let got = s.metric(m).unwrap();
            prop_assert!((got.mean - mean).abs() <= mean * 1e-12, "{} vs {mean}", got.mean);
            prop_assert!(got.mean <= got.max as f64);
            prop_assert_eq!(got.max, *values.iter().max().unwrap());
        }
        prop_assert_eq!(s.trials, values.len() as u64);
    }
}
