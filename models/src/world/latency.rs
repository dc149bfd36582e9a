//! Acknowledgement latency of one trial in normal operation, as a weighted
//! histogram.
//!
//! Only records acknowledged at the partition's steady latency are added:
//! a record that waited in its producer through an outage is an incident
//! wait, reported apart as `buffered_ms_max` (the world's
//! `buffered_us_max`), so a 27 s wait during a failover cannot pass for the
//! p99 of normal running.
//!
//! Latency is piecewise constant between events, so the world adds whole
//! windows (a latency and the number of records acknowledged with it) rather
//! than records. Buckets are logarithmic, 32 per power of two (about 3%
//! wide), in microseconds, up to 2^40 µs (12.7 days): one fixed array per
//! world, cleared per trial, no allocation. Percentiles report the upper
//! edge of their bucket, so a latency is never understated.

const SUB_BITS: u32 = 5;
const SUB: usize = 1 << SUB_BITS;
const POWERS: usize = 41;
const BUCKETS: usize = POWERS * SUB;

#[derive(Debug, Clone)]
pub struct LatencyHistogram {
    weights: Box<[u64; BUCKETS]>,
    total: u64,
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        LatencyHistogram {
            weights: Box::new([0; BUCKETS]),
            total: 0,
        }
    }
}

fn bucket(us: u64) -> usize {
    if us < SUB as u64 {
        return us as usize;
    }
    let power = 63 - us.leading_zeros(); // floor(log2)
    let sub = ((us >> (power - SUB_BITS)) as usize) & (SUB - 1);
    (((power - SUB_BITS + 1) as usize) * SUB + sub).min(BUCKETS - 1)
}

/// The largest value that falls in bucket `i`.
fn upper_edge(i: usize) -> u64 {
    if i < SUB {
        return i as u64;
    }
    let power = (i / SUB) as u32 + SUB_BITS - 1;
    let sub = (i % SUB) as u64;
    let width = 1u64 << (power - SUB_BITS);
    (1u64 << power) + (sub + 1) * width - 1
}

impl LatencyHistogram {
    pub fn clear(&mut self) {
        if self.total > 0 {
            self.weights.fill(0);
            self.total = 0;
        }
    }

    /// `records` acknowledged after `latency_us` each.
    pub fn add(&mut self, latency_us: u64, records: u64) {
        if records == 0 {
            return;
        }
        self.weights[bucket(latency_us)] += records;
        self.total += records;
    }

    /// The `per_mille`-th quantile (990 = p99), 0 when nothing was recorded.
    pub fn quantile(&self, per_mille: u64) -> u64 {
        if self.total == 0 {
            return 0;
        }
        let rank = (self.total as u128 * per_mille as u128)
            .div_ceil(1000)
            .max(1) as u64;
        let mut seen = 0;
        for (i, w) in self.weights.iter().enumerate() {
            seen += w;
            if seen >= rank {
                return upper_edge(i);
            }
        }
        upper_edge(BUCKETS - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_contiguous_and_within_three_percent() {
        let mut last_edge = 0;
        for i in 0..BUCKETS - 1 {
            let e = upper_edge(i);
            assert!(e >= last_edge);
            assert_eq!(bucket(e), i, "edge {e} of bucket {i}");
            assert_eq!(bucket(e + 1), i + 1);
            last_edge = e;
        }
        for v in [1u64, 31, 32, 1_000, 150_000, 5_000_000] {
            let e = upper_edge(bucket(v));
            assert!(
                e >= v && (e - v) as f64 <= 0.032 * v as f64 + 1.0,
                "{v} -> {e}"
            );
        }
    }

    #[test]
    fn p99_of_a_mixture_is_the_slow_tail() {
        let mut h = LatencyHistogram::default();
        h.add(5_000, 980);
        h.add(150_000, 20);
        let p99 = h.quantile(990);
        assert!((150_000..=155_000).contains(&p99), "{p99}");
        assert!(h.quantile(500) < 5_200);
        h.clear();
        assert_eq!(h.quantile(990), 0);
    }
}
