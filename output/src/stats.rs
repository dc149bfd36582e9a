//! The statistics behind every report: nearest-rank percentiles, an exact
//! mean, the Wilson score interval for P(metric > 0), and the worst trials.
//!
//! Everything here is a pure function of the multiset of values (plus trial
//! numbers, used only to break ties), so a report never depends on the order
//! in which parallel workers happened to finish trials.

/// The normal quantile for a two-sided 95% interval (Φ⁻¹(0.975)).
pub const Z95: f64 = 1.959963984540054;

/// How many worst trials a summary keeps per metric.
pub const WORST_TRIALS: usize = 5;

/// The nearest-rank percentile of `sorted` (ascending), with the percentile
/// given in tenths of a percent (`per_mille`: 500 = p50, 999 = p99.9).
///
/// Definition: with `n` values, the p-th percentile is the value at 1-based
/// rank `ceil(p/100 · n)` (clamped to `1..=n`). It is always one of the
/// observed values — never an interpolation — so a p99 of a count is a count
/// some trial actually saw, and the result is exact. The rank is computed in
/// integers (`ceil(per_mille · n / 1000)`) so that, e.g., p99.9 of 1000
/// values is rank 999 and not rank 1000 through floating-point error.
///
/// Returns `None` when `sorted` is empty.
pub fn nearest_rank(sorted: &[u64], per_mille: u32) -> Option<u64> {
    debug_assert!(per_mille <= 1000, "percentile above 100%");
    debug_assert!(sorted.windows(2).all(|w| w[0] <= w[1]), "input not sorted");
    let n = sorted.len() as u128;
    if n == 0 {
        return None;
    }
    let rank = (u128::from(per_mille) * n).div_ceil(1000).clamp(1, n);
    Some(sorted[(rank - 1) as usize])
}

/// Standard deviation (n − 1 denominator) of values given as
/// `(value, count)` pairs around their `mean`; 0 with fewer than 2 values.
pub fn sd(values: impl Iterator<Item = (u64, u64)>, mean: f64, n: u64) -> f64 {
    if n < 2 {
        return 0.0;
    }
    let ss: f64 = values
        .map(|(v, c)| (v as f64 - mean).powi(2) * c as f64)
        .sum();
    (ss / (n - 1) as f64).sqrt()
}

/// The arithmetic mean, or 0.0 for no values.
///
/// The sum is taken in `u128`, so it cannot overflow for any realistic trial
/// count. The result is `q + r/n` where `q, r` are the integer quotient and
/// remainder of `sum / n`: it is as exact as an `f64` allows and never falls
/// outside `[min, max]` through rounding.
pub fn mean(values: &[u64]) -> f64 {
    let n = values.len() as u128;
    if n == 0 {
        return 0.0;
    }
    let sum: u128 = values.iter().map(|&v| u128::from(v)).sum();
    let (q, r) = (sum / n, sum % n);
    q as f64 + r as f64 / n as f64
}

/// `sum / n` as [`mean`] computes it (`q + r/n`, exact as an `f64`
/// allows), or `None` when `n` is 0. With the sum of all values and the
/// count of positive ones it is E[X | X > 0]: zeros add nothing to the sum.
pub fn conditional_mean(sum: u128, n: u64) -> Option<f64> {
    if n == 0 {
        return None;
    }
    let n = u128::from(n);
    let (q, r) = (sum / n, sum % n);
    Some(q as f64 + r as f64 / n as f64)
}

/// The Wilson score interval for a proportion of `k` successes in `n`
/// trials, at normal quantile `z`, clamped to `[0, 1]` (and, against
/// floating-point error, to contain `k/n`).
///
/// Why Wilson and not `p ± z·sqrt(p(1-p)/n)`: the rare events a DR
/// simulator cares about (k = 0 or a handful of lossy trials) are exactly
/// where the normal approximation collapses to a zero-width interval; Wilson
/// still says "0 of 10 trials lost data, but the rate could be up to ~28%".
///
/// With `n = 0` nothing is known, so the interval is `[0, 1]`. The bound on
/// the side of an extreme observation is exact: `k = 0` gives `lo = 0` and
/// `k = n` gives `hi = 1`.
pub fn wilson_interval(k: u64, n: u64, z: f64) -> [f64; 2] {
    debug_assert!(k <= n, "more successes than trials");
    if n == 0 {
        return [0.0, 1.0];
    }
    let nf = n as f64;
    let p = k as f64 / nf;
    let z2 = z * z;
    let denom = 1.0 + z2 / nf;
    let center = (p + z2 / (2.0 * nf)) / denom;
    let half = z / denom * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt();
    let lo = if k == 0 {
        0.0
    } else {
        (center - half).clamp(0.0, p)
    };
    let hi = if k == n {
        1.0
    } else {
        (center + half).clamp(p, 1.0)
    };
    [lo, hi]
}

/// [`wilson_interval`] at 95% confidence.
pub fn wilson_ci95(k: u64, n: u64) -> [f64; 2] {
    wilson_interval(k, n, Z95)
}

/// The trial numbers of the up to `limit` largest values, among values
/// greater than zero: ordered by value descending, then trial number
/// ascending, so ties resolve the same way however the input was ordered.
///
/// `values` holds `(trial number, value)` pairs. Zero values are never
/// "worst": a trial that lost nothing is not worth replaying.
pub fn worst_trials(values: &[(u64, u64)], limit: usize) -> Vec<u64> {
    let mut nonzero: Vec<(u64, u64)> = values.iter().copied().filter(|&(_, v)| v > 0).collect();
    nonzero.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    nonzero
        .into_iter()
        .take(limit)
        .map(|(trial, _)| trial)
        .collect()
}

/// Distinct values kept exactly before values are rounded.
pub const EXACT_DISTINCT: usize = 16_384;

/// `v` rounded up to the top of its bucket of 10 significant bits: values
/// below 1,024 stay exact (zero among them, so `P(>0)` stays exact); larger
/// ones are overstated by less than 0.1%. Idempotent, so rounded values can
/// be merged again.
pub fn coarsen(v: u64) -> u64 {
    const BITS: u32 = 10;
    let len = 64 - v.leading_zeros();
    if len <= BITS {
        return v;
    }
    let shift = len - BITS;
    v | ((1u64 << shift) - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-4
    }

    #[test]
    fn percentiles_of_one_to_ten_pick_observed_ranks() {
        let v: Vec<u64> = (1..=10).collect();
        assert_eq!(nearest_rank(&v, 500), Some(5));
        assert_eq!(nearest_rank(&v, 900), Some(9));
        assert_eq!(nearest_rank(&v, 990), Some(10));
        assert_eq!(nearest_rank(&v, 999), Some(10));
        assert_eq!(nearest_rank(&v, 1000), Some(10));
        assert_eq!(nearest_rank(&v, 0), Some(1));
    }

    #[test]
    fn p999_of_a_thousand_values_is_rank_999_not_the_max() {
        let v: Vec<u64> = (1..=1000).collect();
        assert_eq!(nearest_rank(&v, 999), Some(999));
        assert_eq!(nearest_rank(&v, 990), Some(990));
        assert_eq!(nearest_rank(&v, 500), Some(500));
    }

    #[test]
    fn percentiles_of_a_single_trial_are_that_trial() {
        for pm in [0, 500, 900, 990, 999, 1000] {
            assert_eq!(nearest_rank(&[42], pm), Some(42));
        }
    }

    #[test]
    fn percentiles_of_all_zero_trials_are_zero() {
        let v = [0u64; 37];
        for pm in [500, 900, 990, 999, 1000] {
            assert_eq!(nearest_rank(&v, pm), Some(0));
        }
        assert_eq!(mean(&v), 0.0);
    }

    #[test]
    fn rare_spike_shows_only_in_high_percentiles() {
        let mut v = vec![0u64; 99];
        v.push(500);
        assert_eq!(nearest_rank(&v, 990), Some(0));
        assert_eq!(nearest_rank(&v, 999), Some(500));
    }

    #[test]
    fn percentile_of_no_values_is_none() {
        assert_eq!(nearest_rank(&[], 500), None);
    }

    #[test]
    fn mean_is_exact_and_survives_huge_values() {
        assert_eq!(mean(&[]), 0.0);
        assert_eq!(mean(&[1, 2]), 1.5);
        assert_eq!(mean(&[u64::MAX, u64::MAX]), u64::MAX as f64);
        assert!(close(mean(&[1, 1, 2]), 4.0 / 3.0));
    }

    #[test]
    fn wilson_for_zero_of_ten_still_allows_28_percent() {
        let [lo, hi] = wilson_ci95(0, 10);
        assert_eq!(lo, 0.0);
        assert!(close(hi, 0.2775), "hi = {hi}");
    }

    #[test]
    fn wilson_for_half_of_ten_is_symmetric() {
        let [lo, hi] = wilson_ci95(5, 10);
        assert!(close(lo, 0.2366), "lo = {lo}");
        assert!(close(hi, 0.7634), "hi = {hi}");
    }

    #[test]
    fn wilson_for_all_of_ten_mirrors_none_of_ten() {
        let [lo, hi] = wilson_ci95(10, 10);
        assert!(close(lo, 1.0 - 0.2775), "lo = {lo}");
        assert_eq!(hi, 1.0);
    }

    #[test]
    fn wilson_for_one_of_a_thousand() {
        // Reference: 1/1000 → [0.000177, 0.005643].
        let [lo, hi] = wilson_ci95(1, 1000);
        assert!((lo - 0.000177).abs() < 1e-6, "lo = {lo}");
        assert!((hi - 0.005643).abs() < 1e-6, "hi = {hi}");
    }

    #[test]
    fn wilson_with_no_trials_knows_nothing() {
        assert_eq!(wilson_ci95(0, 0), [0.0, 1.0]);
    }

    #[test]
    fn worst_trials_break_ties_by_trial_number() {
        let values = [
            (7, 3),
            (2, 9),
            (5, 9),
            (1, 0),
            (3, 3),
            (4, 1),
            (6, 2),
            (0, 9),
        ];
        assert_eq!(worst_trials(&values, 5), vec![0, 2, 5, 3, 7]);
    }

    #[test]
    fn worst_trials_ignore_zero_values_and_input_order() {
        let a = [(0, 0), (1, 4), (2, 0), (3, 4)];
        let b = [(3, 4), (2, 0), (1, 4), (0, 0)];
        assert_eq!(worst_trials(&a, 5), vec![1, 3]);
        assert_eq!(worst_trials(&b, 5), vec![1, 3]);
        assert!(worst_trials(&[(0, 0), (1, 0)], 5).is_empty());
    }
}
