//! Mirrors between clusters, partition by partition.
//!
//! A mirror (MirrorMaker 2, Cluster Linking, MSK Replicator) is a client of
//! two clusters: it reads what a source partition has committed (up to the
//! source high watermark, from the source leader, once the records are
//! `replication_delay_ms` plus half a round trip old) and appends it to the
//! mirror partition's leader in the target cluster, whose own followers,
//! ISR and high watermark replicate it like any other write. So a mirror
//! topic is an ordinary topic of the target cluster whose leader log end is
//! driven by the copy instead of a producer.
//!
//! The copy is a flow (a [`Link`] per mirrored partition): it *follows* the
//! source, the same function of time read `delay` in the past, while it
//! keeps up; it *drains* a backlog at the partition's share of the mirror's
//! bandwidth when it is behind; it stops while the mirror's process is down,
//! the source partition has no serving leader, the path between the two
//! leaders is cut, or the target cannot take the write (no serving leader;
//! for MM2 and MSK Replicator, whose producers use `acks=all`, an ISR below
//! `min.insync.replicas`). When production outruns the bandwidth the lag
//! grows without bound (a queue, docs/behaviours.md K6).
//!
//! What the copy holds is kept as the source's leader-epoch ranges it read
//! ([`World::link_epochs`]), so the oracle can ask whether an acknowledged
//! source record survives in a copy after the source lost it.

use super::traffic::Purpose;
use super::*;
use crate::dr::spec::MirrorSpec;
use crate::scenario::MirrorKind;

/// One mirrored partition: a copy of partition `source` into `target`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Link {
    pub(super) mirror: u16,
    pub(super) source: u32,
    pub(super) target: u32,
    /// The reverse copy of a failback (the DR partition back into the old
    /// primary): enabled only between `truncate-and-restore` and the switch
    /// back.
    pub(super) reverse: bool,
    pub(super) enabled: bool,
    /// Copying now.
    pub(super) active: bool,
    /// Failed over: the target takes producer writes; the copy is frozen at
    /// `copied`.
    pub(super) promoted: bool,
    /// Source offset the copy holds up to.
    pub(super) copied: u64,
    /// Records the target holds twice (MM2 re-copies after a task restart):
    /// the target's log end is `copied + dups`.
    pub(super) dups: u64,
    pub(super) timer: TimerGen,
}

impl Link {
    pub(super) fn new(mirror: u16, source: u32, target: u32, reverse: bool) -> Self {
        Link {
            mirror,
            source,
            target,
            reverse,
            enabled: !reverse,
            active: false,
            promoted: false,
            copied: 0,
            dups: 0,
            timer: TimerGen::default(),
        }
    }
}

impl World {
    pub(super) fn mirror_spec(&self, li: usize) -> &MirrorSpec {
        &self.model.mirrors()[self.links[li].mirror as usize]
    }

    /// The DC of partition `p`'s leader, or of its first replica.
    fn leader_dc_or_home(&self, p: usize) -> DcIdx {
        let slot = self.parts[p].leader.unwrap_or(0) as usize;
        self.broker_dc(self.replica_broker(p, slot))
    }

    /// How old a source record is when the copy may read it: the
    /// replicator's cadence plus half the round trip between the leaders.
    pub(super) fn link_delay(&self, li: usize) -> SimDuration {
        let l = self.links[li];
        let (a, b) = (
            self.leader_dc_or_home(l.source as usize),
            self.leader_dc_or_home(l.target as usize),
        );
        self.mirror_spec(li).delay + self.rtt_between(a, b).half()
    }

    /// This partition's share of the mirror's bandwidth, in milli-records
    /// per second.
    pub(super) fn link_bw_mrps(&self, li: usize) -> u64 {
        let mi = self.links[li].mirror as usize;
        let spec = &self.model.mirrors()[mi];
        let bytes = self.record_bytes[self.links[li].source as usize].max(1);
        let bw =
            spec.bandwidth_bytes_per_sec as u128 * self.mirror_factor_ppm[mi] as u128 / 1_000_000;
        (bw * 1000 / bytes as u128 / self.mirror_partitions[mi].max(1) as u128)
            .min(u64::MAX as u128) as u64
    }

    /// Whether the copy can run now: its process is up, the source
    /// partition has a serving leader, the target's leader takes the write,
    /// and the network joins the two leaders.
    pub(super) fn link_can_run(&self, li: usize) -> bool {
        let l = self.links[li];
        if !l.enabled || l.promoted || self.mirror_stopped[l.mirror as usize] > 0 {
            return false;
        }
        let (p, q) = (l.source as usize, l.target as usize);
        let (Some(sl), Some(tl)) = (self.parts[p].leader, self.parts[q].leader) else {
            return false;
        };
        let (sb, tb) = (
            self.replica_broker(p, sl as usize),
            self.replica_broker(q, tl as usize),
        );
        if !self.brokers[sb.idx()].serving() || !self.brokers[tb.idx()].serving() {
            return false;
        }
        if !self.connected(self.broker_dc(sb), self.broker_dc(tb)) {
            return false;
        }
        // MM2 and MSK Replicator produce with acks=all: below min ISR the
        // target answers NOT_ENOUGH_REPLICAS and the copy waits. Cluster
        // Linking appends on the broker, like a follower fetch.
        let acks_all = !matches!(self.mirror_spec(li).kind, MirrorKind::ClusterLinking);
        !acks_all || self.parts[q].isr.count_ones() >= self.eff_min_isr(q)
    }

    /// Whether partition `p`'s high watermark can advance: a serving leader
    /// whose whole maximal ISR is fetching, at or above min ISR.
    pub(super) fn hw_advancing(&self, p: usize) -> bool {
        let part = &self.parts[p];
        let Some(l) = part.leader else {
            return false;
        };
        if !self.brokers[self.replica_broker(p, l as usize).idx()].serving()
            || part.isr.count_ones() < self.eff_min_isr(p)
        {
            return false;
        }
        let maximal = part.isr | part.pending_isr.unwrap_or(0);
        (0..self.model.partitions[p].rf as usize).all(|s| {
            maximal & (1 << s) == 0
                || matches!(
                    part.replicas[s].fetch,
                    Fetch::Leader | Fetch::Streaming | Fetch::CatchingUp
                )
        })
    }

    /// What the copy may read at `now`, the rate that ceiling grows at, and
    /// when (if ever) it next changes course: the source's log end `delay`
    /// ago, never past the source high watermark.
    fn link_ceiling(&self, li: usize, now: SimTime) -> (u64, u64, Option<SimTime>) {
        let p = self.links[li].source as usize;
        let delay = self.link_delay(li);
        if now.as_ns() < delay.as_ns() {
            // Nothing is old enough to copy yet.
            return (0, 0, Some(SimTime::ZERO + delay));
        }
        let t = now.saturating_sub(delay);
        let curve = &self.parts[p].curve;
        let read = curve.at_or_oldest(t);
        let hw = self.parts[p].hw;
        let advancing = self.hw_advancing(p);
        let rate = curve.rate_at(t);
        // The source's curve changes course `delay` before the copy sees it.
        let mut next = curve.next_change_after(t).map(|c| c + delay);
        if read >= hw {
            // Committed data is the ceiling: it grows while the high
            // watermark does (an event re-steers the copy when it stops).
            return (hw, if advancing { rate } else { 0 }, next);
        }
        if !advancing && rate > 0 {
            // The high watermark stands still: the delayed read reaches it.
            let ns = ((hw - read) as u128 * 1_000_000_000_000u128).div_ceil(rate as u128);
            let at = now + SimDuration(ns.min(u64::MAX as u128 / 4) as u64);
            next = Some(next.map_or(at, |n| n.min(at)));
        }
        (read, rate, next)
    }

    /// Brings link `li` forward to `now` after its target partition was
    /// synced: what the target leader appended since is copied data, read
    /// from the source leader's log.
    pub(super) fn sync_link(&mut self, li: usize, now: SimTime) {
        let l = self.links[li];
        if !l.enabled || l.promoted || !l.active {
            return;
        }
        let q = l.target as usize;
        if self.parts[q].leader.is_none() {
            return;
        }
        let leo = self.parts[q].curve.now(now);
        let copied = leo.saturating_sub(l.dups);
        if copied > l.copied {
            self.record_copy(li, l.copied, copied);
            let (p, bytes) = (l.source as usize, self.record_bytes[l.source as usize]);
            let (from, to) = (self.leader_dc_or_home(p), self.leader_dc_or_home(q));
            if from != to {
                self.cross_dc_bytes = self
                    .cross_dc_bytes
                    .saturating_add((copied - l.copied).saturating_mul(bytes));
            }
            let moved = (copied - l.copied).saturating_mul(bytes);
            let boundary = super::traffic::Boundary::between(&self.model, from, to);
            self.traffic.add(Purpose::Mirror, boundary, moved);
            self.links[li].copied = copied;
        }
    }

    /// The copy now holds source offsets `[from, to)`: as the source
    /// leader's log tags them.
    fn record_copy(&mut self, li: usize, from: u64, to: u64) {
        let p = self.links[li].source as usize;
        let Some(sl) = self.parts[p].leader else {
            return;
        };
        let src = &self.epochs[p * MAX_RF + sl as usize];
        let dst = &mut self.link_epochs[li];
        let first = src.partition_point(|e| e.start <= from).saturating_sub(1);
        for e in &src[first..] {
            if e.start >= to {
                break;
            }
            log::push_epoch(dst, e.epoch, e.start.max(from));
        }
    }

    /// Sets the copy's course after any change: stopped, following the
    /// source, or draining a backlog at its bandwidth; arms the event at
    /// which the course must change next.
    pub(super) fn steer_link(&mut self, now: SimTime, li: usize) {
        let l = self.links[li];
        if !l.enabled || l.promoted {
            return;
        }
        let q = l.target as usize;
        let value = match self.parts[q].leader {
            Some(_) => self.parts[q].curve.now(now),
            None => l.copied + l.dups,
        };
        // A new target leader may hold less than the old one did: the copy
        // resumes from the target's log end.
        let copied = value.saturating_sub(l.dups);
        if copied < l.copied {
            self.links[li].copied = copied;
            log::truncate(&mut self.link_epochs[li], copied);
        }
        if !self.link_can_run(li) {
            if l.active {
                self.links[li].active = false;
                self.links[li].timer.cancel();
                self.set_target_course(now, q, value, 0);
            }
            return;
        }
        let (ceiling, src_rate, next) = self.link_ceiling(li, now);
        let bw = self.link_bw_mrps(li);
        let gap = ceiling.saturating_sub(copied);
        if !l.active && gap > 0 {
            self.note_mirror_resumed(now, li, gap);
        }
        self.links[li].active = true;
        // A gap of what the source appends in a millisecond is rounding,
        // not a backlog.
        let slack = 2 + src_rate / 1_000_000;
        let (leo0, rate, wake) = if copied > ceiling {
            // The copy is ahead of what the source now offers (a source
            // leader with a shorter log): it waits for the source to pass it.
            let wake = (src_rate > 0).then(|| {
                let ns =
                    ((copied - ceiling) as u128 * 1_000_000_000_000u128).div_ceil(src_rate as u128);
                now + SimDuration(ns.min(u64::MAX as u128 / 4) as u64 + 1)
            });
            (value, 0, wake.or(next))
        } else if gap <= slack && src_rate <= bw {
            (ceiling + l.dups, src_rate, next)
        } else if bw > src_rate {
            let ns = (gap as u128 * 1_000_000_000_000u128).div_ceil((bw - src_rate) as u128);
            let at = now + SimDuration(ns.min(u64::MAX as u128 / 4) as u64 + 1);
            (value, bw, Some(next.map_or(at, |n| n.min(at))))
        } else {
            (value, bw, next)
        };
        if leo0 > value {
            self.record_copy(li, copied, leo0 - l.dups);
            self.links[li].copied = leo0 - l.dups;
        }
        self.set_target_course(now, q, leo0, rate);
        self.rearm_link_steer(now, li, wake);
    }

    /// Traces a stopped copy that starts again with a backlog of `gap`
    /// records: the timelines show when mirroring resumed and how far
    /// behind.
    fn note_mirror_resumed(&mut self, now: SimTime, li: usize, gap: u64) {
        let l = &self.links[li];
        let (mirror, topic, reverse) = (
            l.mirror as u32,
            self.model.partitions[l.source as usize].topic.0 as u32,
            l.reverse,
        );
        self.note(
            now,
            TraceRecord::MirrorResumed {
                mirror,
                topic,
                reverse,
                backlog: gap,
            },
        );
    }

    /// The copy's next change of course, at `wake` if it is still to come;
    /// an earlier timer is void, since the course was just set anew.
    #[inline]
    fn rearm_link_steer(&mut self, now: SimTime, li: usize, wake: Option<SimTime>) {
        self.links[li].timer.cancel();
        if let Some(at) = wake.filter(|&at| at > now) {
            let gen = self.links[li].timer.arm();
            self.q.schedule(
                at,
                Ev::LinkSteer {
                    link: li as u32,
                    gen,
                },
            );
        }
    }

    /// The target leader's log end from `now` on: `leo0`, growing at `rate`.
    fn set_target_course(&mut self, now: SimTime, q: usize, leo0: u64, rate: u64) {
        let part = &mut self.parts[q];
        let newest = part.curve.newest();
        let same = newest.epoch == part.epoch
            && part.curve.rate_at(now) == rate
            && part.curve.now(now) == leo0;
        if same {
            return;
        }
        let epoch = part.epoch;
        part.curve.push_rated(
            Segment {
                t0: now,
                leo0,
                appending: rate > 0,
                epoch,
            },
            rate,
        );
        if let Some(l) = part.leader {
            let r = &mut part.replicas[l as usize];
            r.leo = r.leo.max(leo0);
            r.view = r.leo;
        }
    }

    /// MirrorMaker 2 is at-least-once: its source offsets are committed
    /// every `offset.flush.interval.ms` (60 s), so a restarted task copies
    /// again what it had copied since, and the target holds those records
    /// twice.
    pub(super) fn mm2_task_dies(&mut self, now: SimTime, mi: usize) {
        const OFFSET_FLUSH: SimDuration = SimDuration::from_ms(60_000);
        let mut again_total = 0;
        let mut topic = 0;
        for li in 0..self.links.len() {
            let l = self.links[li];
            if l.mirror as usize != mi || l.promoted || !l.enabled || l.reverse {
                continue;
            }
            let phase = self.flush_phase[li].as_ns();
            let since = now.as_ns().saturating_sub(phase) % OFFSET_FLUSH.as_ns();
            let p = l.source as usize;
            let flushed_at = now
                .saturating_sub(SimDuration(since))
                .saturating_sub(self.link_delay(li));
            let copied_then = self.parts[p].curve.at_or_oldest(flushed_at);
            let again = l.copied.saturating_sub(copied_then);
            let link = &mut self.links[li];
            link.dups += again;
            link.copied -= again;
            log::truncate(&mut self.link_epochs[li], link.copied);
            again_total += again;
            topic = self.model.partitions[p].topic.0 as u32;
        }
        self.note(
            now,
            TraceRecord::MirrorRecopies {
                mirror: mi as u32,
                topic,
                records: again_total,
            },
        );
    }

    /// Tracing only: each mirror's lag (source log end minus copy, summed
    /// over its partitions), for timelines.
    pub(super) fn note_link_lag(&mut self, now: SimTime) {
        if self.trace.is_none() {
            return;
        }
        for mi in 0..self.model.mirrors().len() {
            let mut lag_records = 0u64;
            let mut any = false;
            for li in 0..self.links.len() {
                let l = self.links[li];
                if l.mirror as usize != mi || l.reverse || l.promoted {
                    continue;
                }
                any = true;
                let leo = self.parts[l.source as usize].curve.now(now);
                lag_records = lag_records.saturating_add(leo.saturating_sub(l.copied));
            }
            // Sampled like the offsets: on a change of an eighth, or a second on.
            let last = self.trace.as_ref().and_then(|t| {
                t.iter().rev().find_map(|e| match e.record {
                    TraceRecord::LinkLag { link, lag_records } if link as usize == mi => {
                        Some((e.t_ns, lag_records))
                    }
                    _ => None,
                })
            });
            let due = match last {
                None => true,
                Some((t, l)) => {
                    now.as_ns().saturating_sub(t) >= 1_000_000_000
                        || (now.as_ns() > t && lag_records.abs_diff(l) > l / 8 + 16)
                }
            };
            if any && due {
                self.note(
                    now,
                    TraceRecord::LinkLag {
                        link: mi as u16,
                        lag_records,
                    },
                );
            }
        }
    }
}
