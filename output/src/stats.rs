//! Order statistics and proportions over per-trial values.
//!
//! Percentiles use the nearest-rank method: the p-th percentile of n sorted
//! values is the value at 1-based rank ⌈p/100 · n⌉. It always returns an
//! observed value (no interpolation), so a reported p99 is the outcome of an
//! actual trial that can be replayed.

/// z for a two-sided 95% interval.
pub const Z_95: f64 = 1.959_963_984_540_054;

/// The nearest-rank percentile of `sorted` (ascending, non-empty).
pub fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let n = sorted.len();
    let rank = ((p / 100.0) * n as f64).ceil() as usize;
    sorted[rank.clamp(1, n) - 1]
}

/// The Wilson score interval for `k` successes in `n` trials at `z`.
/// For n = 0 it is the uninformative [0, 1].
pub fn wilson(k: u64, n: u64, z: f64) -> [f64; 2] {
    if n == 0 {
        return [0.0, 1.0];
    }
    let n_f = n as f64;
    let p = k as f64 / n_f;
    let z2 = z * z;
    let denom = 1.0 + z2 / n_f;
    let centre = (p + z2 / (2.0 * n_f)) / denom;
    let half = z * (p * (1.0 - p) / n_f + z2 / (4.0 * n_f * n_f)).sqrt() / denom;
    // At the edges the interval must contain the observed proportion exactly.
    let lo = if k == 0 {
        0.0
    } else {
        (centre - half).max(0.0)
    };
    let hi = if k == n {
        1.0
    } else {
        (centre + half).min(1.0)
    };
    [lo, hi]
}

/// Trial numbers of up to `count` largest non-zero values: value descending,
/// then trial ascending.
pub fn worst_trials(values: &[(u64, u64)], count: usize) -> Vec<u64> {
    let mut nonzero: Vec<(u64, u64)> = values.iter().copied().filter(|(_, v)| *v > 0).collect();
    nonzero.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    nonzero.into_iter().take(count).map(|(t, _)| t).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn nearest_rank_percentiles_of_one_to_ten() {
        let v: Vec<u64> = (1..=10).collect();
        assert_eq!(percentile(&v, 50.0), 5);
        assert_eq!(percentile(&v, 90.0), 9);
        assert_eq!(percentile(&v, 99.0), 10);
        assert_eq!(percentile(&[7], 99.9), 7);
        assert_eq!(percentile(&[0, 0, 0], 50.0), 0);
    }

    #[test]
    fn wilson_interval_matches_published_values() {
        let [lo, hi] = wilson(0, 10, Z_95);
        assert_eq!(lo, 0.0);
        assert!((hi - 0.2775).abs() < 1e-4, "{hi}");
        let [lo, hi] = wilson(5, 10, Z_95);
        assert!(
            (lo - 0.2366).abs() < 1e-4 && (hi - 0.7634).abs() < 1e-4,
            "{lo} {hi}"
        );
        assert_eq!(wilson(0, 0, Z_95), [0.0, 1.0]);
    }

    #[test]
    fn worst_trials_break_ties_by_trial_number_and_skip_zeros() {
        let v = [(0, 5), (1, 9), (2, 0), (3, 9), (4, 1)];
        assert_eq!(worst_trials(&v, 3), vec![1, 3, 0]);
        assert_eq!(worst_trials(&[(0, 0)], 3), Vec::<u64>::new());
    }

    proptest! {
        #[test]
        fn percentiles_are_ordered_and_the_interval_holds_the_estimate(
            mut v in prop::collection::vec(0u64..1000, 1..300),
        ) {
            v.sort_unstable();
            let ps: Vec<u64> = [50.0, 90.0, 99.0, 99.9, 100.0].iter().map(|p| percentile(&v, *p)).collect();
            prop_assert!(ps.windows(2).all(|w| w[0] <= w[1]));
            prop_assert_eq!(ps[4], *v.last().unwrap());
            let k = v.iter().filter(|x| **x > 0).count() as u64;
            let n = v.len() as u64;
            let [lo, hi] = wilson(k, n, Z_95);
            let p = k as f64 / n as f64;
            prop_assert!(lo <= p && p <= hi);
        }
    }
}
