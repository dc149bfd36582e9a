//! The oracle: which acknowledged records did the trial lose?
//!
//! It is deliberately separate from the replication logic. The world tells
//! it two things: every range of records a producer saw acknowledged (tagged
//! with the leader epoch it was written in, and dated), and, at the end, the
//! final authoritative log of each partition. A record is lost when it was
//! acknowledged and the final log does not hold that offset with that epoch.
//! Nothing in the replication code decides what counts as lost, so a bug that
//! acknowledges too early or truncates too much shows up here (see the canary
//! test in `tests/`).
//!
//! What it checks: acknowledged-record durability. What it does not: order,
//! duplicates (counted by consumers), or records never acknowledged.
//!
//! It also keeps each partition's settled history (`crate::log::Settled`):
//! the leader-epoch tags of the prefix every replica agreed on, which the
//! logs describe by one `SETTLED` entry. The oracle reads a final log's
//! tags through it, so settling changes no verdict.

use crate::log::{for_each_run, held_ranges, EpochStart, Settled};
use kdrsim_sim::{SimDuration, SimTime};

/// A range of acknowledged records `[start, end)` written in `epoch`, whose
/// first and last records were appended at `t_start` and `t_end`, and which
/// the producer saw acknowledged from `t_ack` on, after `faults_before_ack`
/// faults had begun and `faults_ended_before_ack` had ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AckedRange {
    pub epoch: u32,
    pub start: u64,
    pub end: u64,
    pub t_start: SimTime,
    pub t_end: SimTime,
    pub t_ack: SimTime,
    pub faults_before_ack: u32,
    pub faults_ended_before_ack: u32,
}

/// When a fault began and, if it ends within the trial, when it ended.
pub type FaultWindow = (SimTime, Option<SimTime>);

/// The trial's fault schedule, which dates failure instants.
#[derive(Debug, Clone, Copy)]
pub struct FaultTimes<'a> {
    /// Start times of the faults that began within the trial, sorted.
    pub starts: &'a [SimTime],
    /// Every fault's window, in any order.
    pub windows: &'a [FaultWindow],
    /// The end of the trial.
    pub end: SimTime,
    /// How long a fault's effects outlast its end: a broker a cut had
    /// separated from the controller hears it again up to
    /// `controller.quorum.request.timeout.ms` after the heal, so a zombie
    /// may still acknowledge meanwhile.
    pub aftermath: SimDuration,
}

impl FaultTimes<'_> {
    /// The failure instant of a record acknowledged at `t_ack` after
    /// `begun` faults had begun: the first fault to begin after it (the
    /// failure that destroys it); if none did, the end of the most recently
    /// begun fault still in progress when it was acknowledged (records a
    /// zombie leader acknowledges during a network split are lost when the
    /// split heals and it truncates), counting a fault as in progress for
    /// `aftermath` past its end (a zombie learns of the heal that late);
    /// else the end of the trial.
    pub fn failure_instant(&self, t_ack: SimTime, begun: u32) -> SimTime {
        if let Some(&t) = self.starts.get(begun as usize) {
            return t;
        }
        let mut latest: Option<FaultWindow> = None;
        for &(start, stop) in self.windows {
            let in_progress =
                start <= t_ack && !matches!(stop, Some(s) if s + self.aftermath < t_ack);
            if in_progress && !matches!(latest, Some((ls, _)) if start < ls) {
                latest = Some((start, stop));
            }
        }
        latest
            .and_then(|(_, stop)| stop)
            .map_or(self.end, |stop| stop.min(self.end))
    }
}

impl AckedRange {
    /// Linear interpolation of the append time of `offset`.
    fn time_of(&self, offset: u64) -> SimTime {
        let span = self.end - self.start;
        if span <= 1 {
            return self.t_start;
        }
        let dt = self.t_end.since(self.t_start).as_ns() as u128;
        let k = (offset - self.start) as u128;
        SimTime(self.t_start.as_ns() + (dt * k / (span as u128 - 1)) as u64)
    }
}

/// The oracle's verdict for one trial.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Verdict {
    pub acked_lost_records: u64,
    pub rpo_ms: u64,
    pub acked_records: u64,
}

#[derive(Debug, Default)]
pub struct Oracle {
    /// Per partition: its acknowledged ranges, in the order acknowledged.
    acked: Vec<Acked>,
    settled: Vec<Settled>,
}

/// A partition's acknowledged ranges. The newest, which the next
/// acknowledgement usually extends, is kept apart from the list: every sync
/// of every partition extends one, and reading it from the partitions'
/// contiguous array instead of each list's own allocation is what keeps a
/// sweep over 20,000 partitions out of main memory.
#[derive(Debug, Default)]
struct Acked {
    done: Vec<AckedRange>,
    last: Option<AckedRange>,
}

impl Acked {
    fn clear(&mut self) {
        self.done.clear();
        self.last = None;
    }

    /// Appends `range`, joining it to the newest one when it continues it.
    fn push(&mut self, range: AckedRange) {
        if range.start >= range.end {
            return;
        }
        if let Some(last) = self.last.as_mut() {
            // Ranges acknowledged on either side of a fault's beginning or
            // end stay apart: they date their failure instants differently.
            if last.epoch == range.epoch
                && last.end == range.start
                && last.faults_before_ack == range.faults_before_ack
                && last.faults_ended_before_ack == range.faults_ended_before_ack
            {
                last.end = range.end;
                last.t_end = range.t_end;
                return;
            }
        }
        if let Some(last) = self.last.replace(range) {
            self.done.push(last);
        }
    }

    fn iter(&self) -> impl Iterator<Item = &AckedRange> {
        self.done.iter().chain(self.last.iter())
    }
}

impl Oracle {
    /// Forgets everything, keeping allocations, for `partitions` partitions.
    pub fn reset(&mut self, partitions: usize) {
        self.acked.resize_with(partitions, Acked::default);
        self.acked.truncate(partitions);
        for a in &mut self.acked {
            a.clear();
        }
        self.settled.resize_with(partitions, Settled::default);
        self.settled.truncate(partitions);
        for s in &mut self.settled {
            s.clear();
        }
    }

    /// The settled history of `partition`, which its logs' `SETTLED`
    /// entries stand for.
    pub fn settled(&self, partition: usize) -> &Settled {
        &self.settled[partition]
    }

    pub fn settled_mut(&mut self, partition: usize) -> &mut Settled {
        &mut self.settled[partition]
    }

    /// Acknowledges `[start, end)` of a log of `partition`, split into runs
    /// by the epochs the log tags them with (settled entries read through
    /// the partition's history); `range(epoch, lo, hi)` dates each run.
    pub fn acknowledge_log(
        &mut self,
        partition: usize,
        log: &[EpochStart],
        start: u64,
        end: u64,
        mut range: impl FnMut(u32, u64, u64) -> AckedRange,
    ) {
        let settled = &self.settled[partition];
        let acked = &mut self.acked[partition];
        for_each_run(log, settled, start, end, |epoch, lo, hi| {
            acked.push(range(epoch, lo, hi))
        });
    }

    /// Records that a producer saw `[start, end)` of `partition` acknowledged.
    pub fn acknowledge(&mut self, partition: usize, range: AckedRange) {
        self.acked[partition].push(range);
    }

    /// `partition`'s acknowledged ranges, in the order acknowledged.
    pub fn acked_ranges(&self, partition: usize) -> impl Iterator<Item = &AckedRange> {
        self.acked[partition].iter()
    }

    /// Compares one partition's acknowledged ranges with its final log and
    /// adds to `verdict`. Each lost record is dated by
    /// [`FaultTimes::failure_instant`]; RPO is that instant minus the append
    /// time of the oldest lost record of each lost run, maximised.
    pub fn judge_partition(
        &self,
        partition: usize,
        final_log: &[EpochStart],
        final_leo: u64,
        faults: &FaultTimes,
        verdict: &mut Verdict,
    ) {
        self.judge_partition_held(partition, &[(final_log, final_leo)], None, faults, verdict);
    }

    /// [`Oracle::judge_partition`] where a record survives if any of `logs`
    /// holds it with its epoch (the partition's own final log, and the
    /// copies mirrors keep of it, in its offsets and epochs), or if it lies
    /// in `any_epoch` (records a producer re-sent elsewhere).
    pub fn judge_partition_held(
        &self,
        partition: usize,
        logs: &[(&[EpochStart], u64)],
        any_epoch: Option<(u64, u64)>,
        faults: &FaultTimes,
        verdict: &mut Verdict,
    ) {
        for r in self.acked[partition].iter() {
            verdict.acked_records += r.end - r.start;
            let lost_here = |lo: u64, hi: u64, verdict: &mut Verdict| {
                if lo >= hi {
                    return;
                }
                verdict.acked_lost_records += hi - lo;
                let appended = r.time_of(lo);
                let failure = faults.failure_instant(r.t_ack, r.faults_before_ack);
                verdict.rpo_ms = verdict.rpo_ms.max(failure.since(appended).as_ms());
            };
            // Held sub-ranges from every log: an epoch appears at most once
            // in a log, so each log adds at most a few (a log's runs come
            // in offset order, and touching ones, as where a settled
            // history ends, are joined).
            let mut held: [(u64, u64); 32] = [(0, 0); 32];
            let mut n_held = 0;
            let mut push = |lo: u64, hi: u64| {
                if lo >= hi {
                    return;
                }
                if n_held > 0 && held[n_held - 1].1 == lo {
                    held[n_held - 1].1 = hi;
                } else if n_held < held.len() {
                    held[n_held] = (lo, hi);
                    n_held += 1;
                }
            };
            let settled = &self.settled[partition];
            for &(log, leo) in logs {
                held_ranges(log, leo, settled, r.epoch, r.start, r.end, &mut push);
            }
            if let Some((lo, hi)) = any_epoch {
                push(lo.max(r.start), hi.min(r.end));
            }
            let held = &mut held[..n_held];
            held.sort_unstable();
            let mut cursor = r.start;
            for &(lo, hi) in held.iter() {
                if lo > cursor {
                    lost_here(cursor, lo, verdict);
                }
                cursor = cursor.max(hi);
            }
            lost_here(cursor, r.end, verdict);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(epoch: u32, start: u64, end: u64) -> AckedRange {
        AckedRange {
            epoch,
            start,
            end,
            t_start: SimTime::from_ms(start),
            t_end: SimTime::from_ms(end - 1),
            t_ack: SimTime::from_ms(end),
            faults_before_ack: 0,
            faults_ended_before_ack: 0,
        }
    }

    #[test]
    fn records_truncated_by_a_new_epoch_are_lost_and_dated_from_the_fault() {
        let mut o = Oracle::default();
        o.reset(1);
        o.acknowledge(0, range(1, 0, 100));
        // The final log kept 0..60 of epoch 1, then epoch 2 overwrote 60..
        let log = [
            EpochStart { epoch: 1, start: 0 },
            EpochStart {
                epoch: 2,
                start: 60,
            },
        ];
        let mut v = Verdict::default();
        o.judge_partition(
            0,
            &log,
            200,
            &FaultTimes {
                starts: &[SimTime::from_ms(150)],
                windows: &[(SimTime::from_ms(150), None)],
                end: SimTime::from_ms(999),
                aftermath: SimDuration::ZERO,
            },
            &mut v,
        );
        assert_eq!(v.acked_lost_records, 40);
        // Oldest lost record appended at 60 ms, failure at 150 ms.
        assert_eq!(v.rpo_ms, 90);
        assert_eq!(v.acked_records, 100);
    }

    #[test]
    fn fully_held_ranges_lose_nothing() {
        let mut o = Oracle::default();
        o.reset(1);
        o.acknowledge(0, range(0, 0, 50));
        o.acknowledge(0, range(0, 50, 80));
        assert_eq!(o.acked_ranges(0).count(), 1, "contiguous ranges merge");
        let log = [EpochStart { epoch: 0, start: 0 }];
        let mut v = Verdict::default();
        let none = FaultTimes {
            starts: &[],
            windows: &[],
            end: SimTime::from_ms(100),
            aftermath: SimDuration::ZERO,
        };
        o.judge_partition(0, &log, 80, &none, &mut v);
        assert_eq!(v.acked_lost_records, 0);
        assert_eq!(v.rpo_ms, 0);
    }

    #[test]
    fn records_acknowledged_after_the_last_fault_began_fail_when_it_ends() {
        let starts = [SimTime::from_ms(100), SimTime::from_ms(200)];
        let faults = [
            (SimTime::from_ms(100), Some(SimTime::from_ms(400))),
            (SimTime::from_ms(200), Some(SimTime::from_ms(320))),
        ];
        let times = FaultTimes {
            starts: &starts,
            windows: &faults,
            end: SimTime::from_ms(1_000),
            aftermath: SimDuration::ZERO,
        };
        let at = |t_ack: u64, begun: u32| {
            times
                .failure_instant(SimTime::from_ms(t_ack), begun)
                .as_ms()
        };
        // Before any fault, or between the two: the next fault to begin.
        assert_eq!(at(50, 0), 100);
        assert_eq!(at(150, 1), 200);
        // During both: the end of the most recently begun one.
        assert_eq!(at(250, 2), 320);
        // During the first only (the second has healed).
        assert_eq!(at(350, 2), 400);
        // After every fault has ended, or during one that never ends.
        assert_eq!(at(500, 2), 1_000);
        // Within a fault's aftermath (a zombie that has not heard of the
        // heal yet): still that fault's end.
        let late = FaultTimes {
            aftermath: SimDuration::from_ms(150),
            ..times
        };
        assert_eq!(late.failure_instant(SimTime::from_ms(500), 2).as_ms(), 400);
        assert_eq!(
            late.failure_instant(SimTime::from_ms(560), 2).as_ms(),
            1_000
        );
        let open = FaultTimes {
            starts: &starts[..1],
            windows: &[(SimTime::from_ms(100), None)],
            end: SimTime::from_ms(1_000),
            aftermath: SimDuration::ZERO,
        };
        assert_eq!(
            open.failure_instant(SimTime::from_ms(150), 1).as_ms(),
            1_000
        );
    }
}
