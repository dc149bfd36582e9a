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
    fn bad_parameters_are_named() {
        assert!(TimeDist::Uniform(5, 1).problem().is_some());
        assert!(TimeDist::LogNormal(5, -1.0).problem().is_some());
        assert!(TimeDist::Weibull(5, f64::NAN).problem().is_some());
        assert!(TimeDist::Exponential(10).problem().is_none());
    }
}
