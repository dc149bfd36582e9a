//! A partition's log end offset as a piecewise-linear function of time.
//!
//! The data plane is a flow, not records: while the producer appends at a
//! constant rate, the leader's log end offset (LEO) is `leo0 + rate·(t − t0)`.
//! A new segment starts only when that function changes (appends stop or
//! resume, a buffered burst lands, leadership moves), so a handful of
//! segments describe a whole trial. Followers and the high watermark are the
//! same function read a network delay in the past, which is why the last few
//! segments are kept: reading `now − RTT` may fall into the previous one.

use kdrsim_sim::SimTime;

/// How many past segments are remembered. Older history is needed only to
/// place a power loss's flush point; reads older than that fall back to the
/// oldest segment's start (which under-counts what was flushed: conservative).
const SEGMENTS: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Segment {
    pub t0: SimTime,
    pub leo0: u64,
    pub appending: bool,
    pub epoch: u32,
}

#[derive(Debug, Clone, Copy)]
pub struct LeoCurve {
    /// Each segment with its growth rate while appending (a producer's
    /// rate, or a mirror's while it drains a backlog), side by side: a read
    /// of the newest segment touches one cache line, not two.
    slots: [(Segment, u64); SEGMENTS],
    len: usize,
    head: usize,
    /// The producer's appends per second × 1000, per partition: the rate of
    /// segments pushed with [`LeoCurve::push`].
    rate_mrps: u64,
}

/// Records appended at `rate_mrps` (milli-records per second) over `ns`.
pub fn records_over(rate_mrps: u64, ns: u64) -> u64 {
    ((ns as u128 * rate_mrps as u128) / 1_000_000_000_000u128) as u64
}

impl LeoCurve {
    pub fn new(rate_mrps: u64) -> Self {
        LeoCurve {
            slots: [(Segment::default(), rate_mrps); SEGMENTS],
            len: 1,
            head: 0,
            rate_mrps,
        }
    }

    pub fn rate_mrps(&self) -> u64 {
        self.rate_mrps
    }

    pub fn reset(&mut self, rate_mrps: u64, seg: Segment) {
        self.rate_mrps = rate_mrps;
        self.slots[0].0 = seg;
        self.slots[0].1 = rate_mrps;
        self.len = 1;
        self.head = 0;
    }

    /// A new producer rate for segments pushed from now on (a producer that
    /// moved to this partition).
    pub fn set_rate(&mut self, rate_mrps: u64) {
        self.rate_mrps = rate_mrps;
    }

    /// The rate the log grows at now: the newest segment's while appending,
    /// else 0.
    pub fn append_rate_mrps(&self) -> u64 {
        if self.newest().appending {
            self.slots[self.head].1
        } else {
            0
        }
    }

    /// The rate the log grew at, at `t` (0 when not appending or before
    /// remembered history).
    pub fn rate_at(&self, t: SimTime) -> u64 {
        for k in 0..self.len {
            let i = (self.head + SEGMENTS - k) % SEGMENTS;
            if self.slots[i].0.t0 <= t {
                return if self.slots[i].0.appending {
                    self.slots[i].1
                } else {
                    0
                };
            }
        }
        0
    }

    /// The start of the first segment after `t`, if one began after it.
    pub fn next_change_after(&self, t: SimTime) -> Option<SimTime> {
        let mut next = None;
        for k in 0..self.len {
            let i = (self.head + SEGMENTS - k) % SEGMENTS;
            if self.slots[i].0.t0 <= t {
                break;
            }
            next = Some(self.slots[i].0.t0);
        }
        next
    }

    pub fn newest(&self) -> Segment {
        self.slots[self.head].0
    }

    /// Starts a new segment. A segment starting at the same instant as the
    /// newest replaces it, so back-to-back changes at one time cost nothing.
    pub fn push(&mut self, seg: Segment) {
        self.push_rated(seg, self.rate_mrps);
    }

    /// [`LeoCurve::push`] with a rate of its own.
    pub fn push_rated(&mut self, seg: Segment, rate_mrps: u64) {
        if self.slots[self.head].0.t0 != seg.t0 {
            self.head = (self.head + 1) % SEGMENTS;
            self.len = (self.len + 1).min(SEGMENTS);
        }
        self.slots[self.head].0 = seg;
        self.slots[self.head].1 = rate_mrps;
    }

    fn value(&self, i: usize, t: SimTime) -> u64 {
        let seg = &self.slots[i].0;
        if seg.appending {
            seg.leo0 + records_over(self.slots[i].1, t.since(seg.t0).as_ns())
        } else {
            seg.leo0
        }
    }

    /// The LEO at `t`, if `t` is within remembered history and (when `epoch`
    /// is given) belongs to that leader epoch.
    pub fn at(&self, t: SimTime, epoch: Option<u32>) -> Option<u64> {
        for k in 0..self.len {
            let i = (self.head + SEGMENTS - k) % SEGMENTS;
            let seg = &self.slots[i].0;
            if seg.t0 <= t {
                if epoch.is_some_and(|e| e != seg.epoch) {
                    return None;
                }
                return Some(self.value(i, t));
            }
        }
        None
    }

    /// The LEO now (the newest segment always starts at or before now).
    pub fn now(&self, now: SimTime) -> u64 {
        self.value(self.head, now)
    }

    /// The LEO at `t`, or the oldest remembered start if `t` is older.
    pub fn at_or_oldest(&self, t: SimTime) -> u64 {
        self.at(t, None).unwrap_or_else(|| {
            let oldest = (self.head + SEGMENTS + 1 - self.len) % SEGMENTS;
            self.slots[oldest].0.leo0
        })
    }

    /// The time at which the curve reaches `offset`, if it does within the
    /// newest segment (used to date acknowledged records).
    pub fn time_of(&self, offset: u64) -> Option<SimTime> {
        for k in 0..self.len {
            let i = (self.head + SEGMENTS - k) % SEGMENTS;
            let seg = &self.slots[i].0;
            if seg.leo0 <= offset {
                if !seg.appending || self.slots[i].1 == 0 {
                    return Some(seg.t0);
                }
                let ns =
                    ((offset - seg.leo0) as u128 * 1_000_000_000_000u128) / self.slots[i].1 as u128;
                return Some(SimTime(seg.t0.as_ns().saturating_add(ns as u64)));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(t_ms: u64, leo0: u64, appending: bool, epoch: u32) -> Segment {
        Segment {
            t0: SimTime::from_ms(t_ms),
            leo0,
            appending,
            epoch,
        }
    }

    #[test]
    fn appending_segment_grows_at_the_rate() {
        // 1000 records/s = 1_000_000 mrps.
        let mut c = LeoCurve::new(1_000_000);
        c.reset(1_000_000, seg(0, 0, true, 0));
        assert_eq!(c.now(SimTime::from_ms(1500)), 1500);
        c.push(seg(2000, 2000, false, 0));
        assert_eq!(c.now(SimTime::from_ms(9000)), 2000);
        // Reading the past finds the earlier segment.
        assert_eq!(c.at(SimTime::from_ms(1000), None), Some(1000));
        assert_eq!(c.time_of(500), Some(SimTime::from_ms(500)));
    }

    #[test]
    fn reads_across_a_leader_change_are_refused_for_the_new_epoch() {
        let mut c = LeoCurve::new(1_000_000);
        c.reset(1_000_000, seg(0, 0, true, 0));
        c.push(seg(100, 80, true, 1));
        assert_eq!(c.at(SimTime::from_ms(50), Some(1)), None);
        assert_eq!(c.at(SimTime::from_ms(150), Some(1)), Some(130));
    }

    #[test]
    fn history_older_than_the_ring_falls_back_to_the_oldest_start() {
        let mut c = LeoCurve::new(1_000_000);
        c.reset(1_000_000, seg(0, 0, true, 0));
        for i in 1..40u64 {
            c.push(seg(i * 10, i * 10, i % 2 == 0, 0));
        }
        assert_eq!(c.at(SimTime::from_ms(5), None), None);
        assert!(c.at_or_oldest(SimTime::from_ms(5)) > 0);
    }
}
