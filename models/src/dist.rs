//! Sampling the time distributions of scenario files.

use crate::scenario::TimeDist;
use kdrsim_sim::SimDuration;
use rand::Rng;
use rand_distr::{Distribution, Exp, LogNormal, Weibull};

/// The largest time any distribution may return (about 31 years), so that a
/// heavy tail never overflows integer time.
pub const MAX_DRAW_MS: f64 = 1.0e12;

impl TimeDist {
    /// Draws a duration. Exactly one number is taken from `rng` for every
    /// kind except `Fixed`, which takes none, so the number of draws depends
    /// only on the kind.
    pub fn sample<R: Rng>(&self, rng: &mut R) -> SimDuration {
        let ms: f64 = match *self {
            TimeDist::Fixed(ms) => ms as f64,
            TimeDist::Uniform(lo, hi) => {
                let u: f64 = rng.gen();
                lo as f64 + u * (hi.saturating_sub(lo)) as f64
            }
            TimeDist::Exponential(mean) => match Exp::new(1.0 / mean.max(1) as f64) {
                Ok(d) => d.sample(rng),
                Err(_) => mean as f64,
            },
            TimeDist::LogNormal(median, sigma) => {
                match LogNormal::new((median.max(1) as f64).ln(), sigma) {
                    Ok(d) => d.sample(rng),
                    Err(_) => median as f64,
                }
            }
            TimeDist::Weibull(scale, shape) => match Weibull::new(scale.max(1) as f64, shape) {
                Ok(d) => d.sample(rng),
                Err(_) => scale as f64,
            },
        };
        SimDuration::from_ms_f64(ms.clamp(0.0, MAX_DRAW_MS))
    }

    /// A lower bound of the mean in ms (exact except Weibull, where
    /// Γ(1 + 1/k) ≥ 0.8856 is used), for sizing checks before simulating.
    pub fn mean_ms_lower_bound(&self) -> f64 {
        match *self {
            TimeDist::Fixed(ms) => ms as f64,
            TimeDist::Uniform(lo, hi) => (lo as f64 + hi as f64) / 2.0,
            TimeDist::Exponential(mean) => mean as f64,
            TimeDist::LogNormal(median, sigma) => median as f64 * (sigma * sigma / 2.0).exp(),
            TimeDist::Weibull(scale, _) => scale as f64 * 0.8856,
        }
        .min(MAX_DRAW_MS)
    }

    /// P(draw < `x_ms`): the distribution function the sampler follows
    /// (before the clamp to [`MAX_DRAW_MS`]).
    pub fn cdf(&self, x_ms: f64) -> f64 {
        if x_ms <= 0.0 {
            return 0.0;
        }
        match *self {
            TimeDist::Fixed(v) => {
                if (v as f64) < x_ms {
                    1.0
                } else {
                    0.0
                }
            }
            TimeDist::Uniform(lo, hi) => {
                if hi <= lo {
                    return if (lo as f64) < x_ms { 1.0 } else { 0.0 };
                }
                ((x_ms - lo as f64) / (hi - lo) as f64).clamp(0.0, 1.0)
            }
            // 1 - exp(-y) computed as -expm1(-y): exact for tiny y, where
            // rare-event weights live.
            TimeDist::Exponential(mean) => -(-x_ms / mean.max(1) as f64).exp_m1(),
            TimeDist::Weibull(scale, shape) => {
                -(-(x_ms / scale.max(1) as f64).powf(shape)).exp_m1()
            }
            TimeDist::LogNormal(median, sigma) => {
                let z = ((x_ms).ln() - (median.max(1) as f64).ln()) / sigma;
                0.5 * erfc(-z / std::f64::consts::SQRT_2)
            }
        }
    }

    /// A draw conditioned on being below `x_ms` (which must have positive
    /// probability), taking exactly the one number `sample` would take (none
    /// for `Fixed`): inverse transform of `u · F(x)`.
    pub fn sample_below<R: Rng>(&self, rng: &mut R, x_ms: f64) -> SimDuration {
        let f = self.cdf(x_ms);
        let q = match *self {
            TimeDist::Fixed(_) => 0.0,
            _ => rng.gen::<f64>() * f,
        };
        let ms = match *self {
            TimeDist::Fixed(v) => v as f64,
            TimeDist::Uniform(lo, hi) => lo as f64 + q * (hi.saturating_sub(lo)) as f64,
            TimeDist::Exponential(mean) => -(mean.max(1) as f64) * (-q).ln_1p(),
            TimeDist::Weibull(scale, shape) => {
                scale.max(1) as f64 * (-(-q).ln_1p()).powf(1.0 / shape)
            }
            TimeDist::LogNormal(..) => {
                // No closed-form inverse here: bisect the distribution
                // function in log time (it is monotone).
                let (mut lo, mut hi) = (0.0f64, x_ms.max(1e-9).ln());
                lo = lo.min(hi - 60.0);
                for _ in 0..100 {
                    let mid = 0.5 * (lo + hi);
                    if self.cdf(mid.exp()) < q {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                hi.exp()
            }
        };
        SimDuration::from_ms_f64(ms.clamp(0.0, x_ms.min(MAX_DRAW_MS)))
    }

    /// What is wrong with the parameters, if anything.
    pub fn problem(&self) -> Option<String> {
        match *self {
            TimeDist::Uniform(lo, hi) if lo > hi => {
                Some(format!("Uniform({lo}, {hi}): min_ms must be <= max_ms"))
            }
            TimeDist::Exponential(0) => Some("Exponential(0): the mean must be > 0 ms".into()),
            TimeDist::LogNormal(_, s) if !(s.is_finite() && s > 0.0) => {
                Some(format!("LogNormal sigma {s}: must be a finite number > 0"))
            }
            TimeDist::Weibull(_, k) if !(k.is_finite() && k > 0.0) => {
                Some(format!("Weibull shape {k}: must be a finite number > 0"))
            }
            TimeDist::Fixed(ms)
            | TimeDist::Uniform(_, ms)
            | TimeDist::Exponential(ms)
            | TimeDist::LogNormal(ms, _)
            | TimeDist::Weibull(ms, _)
                if ms as f64 > MAX_DRAW_MS =>
            {
                Some(format!(
                    "{ms} ms is beyond the largest supported time ({MAX_DRAW_MS} ms)"
                ))
            }
            _ => None,
        }
    }
}

/// The complementary error function (W. J. Cody's rational Chebyshev
/// approximation via `erfc(x) = t·exp(-x² + P(t))`, Numerical Recipes'
/// `erfcc`: relative error below 1.2e-7 everywhere).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let ans = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 {
        ans
    } else {
        2.0 - ans
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kdrsim_sim::{Purpose, RngStreams};

    #[test]
    fn fixed_draws_nothing_and_uniform_stays_in_bounds() {
        let mut rng = RngStreams::new(1, 2).stream(Purpose::FAULTS);
        assert_eq!(TimeDist::Fixed(5).sample(&mut rng), SimDuration::from_ms(5));
        for _ in 0..1000 {
            let d = TimeDist::Uniform(10, 20).sample(&mut rng);
            assert!(d >= SimDuration::from_ms(10) && d <= SimDuration::from_ms(20));
        }
    }

    #[test]
    fn exponential_mean_is_close_to_its_parameter() {
        let mut rng = RngStreams::new(3, 0).stream(Purpose::FAULTS);
        let n = 20_000;
        let total: u64 = (0..n)
            .map(|_| TimeDist::Exponential(1000).sample(&mut rng).as_ms())
            .sum();
        let mean = total as f64 / n as f64;
        assert!((mean - 1000.0).abs() < 40.0, "mean {mean}");
    }

    #[test]
    fn conditioned_draws_stay_below_the_bound_and_follow_the_distribution() {
        let mut rng = RngStreams::new(5, 0).stream(Purpose::FAULTS);
        for d in [
            TimeDist::Exponential(1_000_000),
            TimeDist::Weibull(500_000, 1.7),
            TimeDist::LogNormal(2_000, 0.8),
            TimeDist::Uniform(100, 5_000),
        ] {
            let bound = 1_500.0;
            let f = d.cdf(bound);
            assert!(f > 0.0 && f <= 1.0, "{d:?}");
            // The conditional median sits where the CDF is half of F(bound).
            let mut draws: Vec<f64> = (0..4001)
                .map(|_| d.sample_below(&mut rng, bound).as_ns() as f64 / 1e6)
                .collect();
            assert!(draws.iter().all(|&x| x <= bound));
            draws.sort_by(|a, b| a.partial_cmp(b).unwrap());
            let median = draws[2000];
            assert!(
                (d.cdf(median) / f - 0.5).abs() < 0.03,
                "{d:?}: {}",
                d.cdf(median) / f
            );
        }
        // Tiny probabilities stay exact enough for rare-event weights.
        let p = TimeDist::Exponential(3_600_000_000_000).cdf(3_600_000.0);
        assert!((p - 1e-6).abs() / 1e-6 < 1e-6, "{p}");
        assert!((TimeDist::LogNormal(1_000, 1.0).cdf(1_000.0) - 0.5).abs() < 1e-7);
    }

    #[test]
    fn bad_parameters_are_named() {
        assert!(TimeDist::Uniform(5, 1).problem().is_some());
        assert!(TimeDist::LogNormal(5, -1.0).problem().is_some());
        assert!(TimeDist::Weibull(5, f64::NAN).problem().is_some());
        assert!(TimeDist::Exponential(10).problem().is_none());
    }
}
