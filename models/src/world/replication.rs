//! Partition replication as flows: log end offsets, the high watermark,
//! acknowledgements handed to the oracle, ISR changes, followers catching up
//! and truncating.

use super::traffic::Purpose;
use super::*;

impl World {
    pub(super) fn sync(&mut self, now: SimTime) {
        for p in 0..self.parts.len() {
            self.sync_partition(p, now);
        }
        for li in 0..self.links.len() {
            self.sync_link(li, now);
        }
    }

    /// Brings partition `p`'s flows forward to `now`: the zombie's and the
    /// leader's appends, the followers' fetches, the high watermark, the
    /// consumers' reads and the producer's acknowledgements, in that order
    /// (each reads what the one before it moved).
    pub(super) fn sync_partition(&mut self, p: usize, now: SimTime) {
        let m = self.model.clone();
        let producer_dc = self.prod[p].map(|i| self.producer_dc(i as usize));
        if let Some(z) = self.parts[p].zombie {
            self.sync_zombie(&m, p, z, now, producer_dc);
        }
        let Some(l) = self.parts[p].leader else {
            return;
        };
        let l = l as usize;
        let leader_dc = self.broker_dc(m.partitions[p].replicas[l]);
        let mut bytes = self.sync_leader(&m, p, l, now, producer_dc, leader_dc);
        bytes = bytes.saturating_add(self.sync_followers(&m, p, l, now, leader_dc));
        let old_hw = self.advance_hw(&m, p, l, now);
        bytes = bytes.saturating_add(self.count_reads(&m, p, leader_dc, old_hw));
        self.cross_dc_bytes = self.cross_dc_bytes.saturating_add(bytes);
        self.acknowledge_producer(&m, p, l, now);
        self.maybe_settle(p);
    }

    /// The zombie's appends up to `now`, counted as produce traffic; with
    /// acks=1 its producer is answered on the zombie's own append.
    #[inline]
    fn sync_zombie(
        &mut self,
        m: &Model,
        p: usize,
        z: Zombie,
        now: SimTime,
        producer_dc: Option<DcIdx>,
    ) {
        let producer = self.prod[p].map(|i| &m.producers[i as usize]);
        let record_bytes = self.record_bytes[p];
        let rate = self.parts[p].curve.rate_mrps();
        let zs = z.slot as usize;
        let before = self.parts[p].replicas[zs].leo;
        let leo = z.leo(now, rate).max(before);
        self.parts[p].replicas[zs].leo = leo;
        let zombie_dc = self.broker_dc(m.partitions[p].replicas[zs]);
        if producer_dc.is_some_and(|d| d != zombie_dc) {
            self.cross_dc_bytes = self
                .cross_dc_bytes
                .saturating_add((leo - before).saturating_mul(record_bytes));
        }
        if let Some(pdc) = producer_dc {
            let moved = (leo - before).saturating_mul(record_bytes);
            self.traffic
                .count(m, Purpose::Produce, pdc, zombie_dc, moved);
        }
        // acks=1 is answered on the zombie's own append.
        if producer.is_some_and(|pr| pr.acks == Acks::One) && leo > z.acked_upto {
            self.acknowledge_with(p, zs, z.acked_upto, leo, now, |o| z.time_of(o, rate));
            if let Some(z) = self.parts[p].zombie.as_mut() {
                z.acked_upto = leo;
            }
        }
    }

    /// The leader's log end up to `now`, counted as produce traffic;
    /// returns the bytes that crossed DCs.
    #[inline]
    fn sync_leader(
        &mut self,
        m: &Model,
        p: usize,
        l: usize,
        now: SimTime,
        producer_dc: Option<DcIdx>,
        leader_dc: DcIdx,
    ) -> u64 {
        let record_bytes = self.record_bytes[p];
        let part = &mut self.parts[p];
        let leo_now = part.curve.now(now);
        let mut bytes = 0u64;
        let old_leader_leo = part.replicas[l].leo;
        part.replicas[l].leo = leo_now.max(old_leader_leo);
        part.replicas[l].view = part.replicas[l].leo;
        if let Some(pdc) = producer_dc {
            let moved = (part.replicas[l].leo - old_leader_leo).saturating_mul(record_bytes);
            if pdc != leader_dc {
                bytes = bytes.saturating_add(moved);
            }
            self.traffic
                .count(m, Purpose::Produce, pdc, leader_dc, moved);
        }
        bytes
    }

    /// What each follower fetched up to `now` (streaming a round trip
    /// behind the leader, or catching up at its bandwidth), counted as
    /// replication traffic; returns the bytes that crossed DCs.
    #[inline]
    fn sync_followers(
        &mut self,
        m: &Model,
        p: usize,
        l: usize,
        now: SimTime,
        leader_dc: DcIdx,
    ) -> u64 {
        let spec = &m.partitions[p];
        let record_bytes = self.record_bytes[p];
        let mut bytes = 0u64;
        let epoch = self.parts[p].epoch;
        for s in 0..spec.rf as usize {
            if s == l {
                continue;
            }
            let f_dc = self.model.brokers[spec.replicas[s].idx()].dc;
            let rtt = self.rtt[m.dc_pair(leader_dc, f_dc)];
            let part = &mut self.parts[p];
            let r = &mut part.replicas[s];
            let before = r.leo;
            // A follower fetching a backlog is an incident's burst.
            let purpose = match r.fetch {
                Fetch::CatchingUp => Purpose::CatchUp,
                _ => Purpose::Replication,
            };
            match r.fetch {
                Fetch::Streaming => {
                    if let Some(v) = part.curve.at(now.saturating_sub(rtt.half()), Some(epoch)) {
                        r.leo = r.leo.max(v);
                    }
                    if let Some(v) = part.curve.at(now.saturating_sub(rtt), Some(epoch)) {
                        r.view = r.view.max(v.min(r.leo));
                    }
                    r.last_caught_up = now;
                }
                Fetch::CatchingUp => {
                    let rate = catchup_rate_mrps(m, p, leader_dc, f_dc, self.record_bytes[p]);
                    let fetched =
                        r.catchup_from + records_over(rate, now.since(r.catchup_t0).as_ns());
                    let ceiling = part
                        .curve
                        .at(now.saturating_sub(rtt.half()), Some(epoch))
                        .unwrap_or(r.leo);
                    r.leo = r.leo.max(fetched.min(ceiling));
                    r.view = r.leo;
                }
                _ => {}
            }
            let moved = (r.leo - before).saturating_mul(record_bytes);
            if f_dc != leader_dc {
                bytes = bytes.saturating_add(moved);
            }
            self.traffic.count(m, purpose, leader_dc, f_dc, moved);
        }
        bytes
    }

    /// The high watermark: the minimum LEO over the maximal ISR, frozen
    /// while the ISR is below min.insync.replicas (KAFKA-15583, 3.7+).
    /// Returns the high watermark before it moved.
    #[inline]
    fn advance_hw(&mut self, m: &Model, p: usize, l: usize, now: SimTime) -> u64 {
        let part = &self.parts[p];
        let maximal = part.isr | part.pending_isr.unwrap_or(0);
        let isr_count = part.isr.count_ones();
        let eff_min = self.eff_min_isr(p);
        let mut hw = part.replicas[l].leo;
        for s in 0..m.partitions[p].rf as usize {
            if maximal & (1 << s) != 0 {
                hw = hw.min(part.replicas[s].view);
            }
        }
        let old_hw = part.hw;
        let part = &mut self.parts[p];
        if isr_count >= eff_min && hw > part.hw {
            part.hw = hw;
        }
        self.invariants.observe_hw(p, part.epoch, part.hw);
        if m.follower_truncation == FollowerTruncation::HighWatermark {
            self.update_known_hw(p, l, now);
        }
        old_hw
    }

    /// Consumers fetch up to the high watermark, from the leader or, with
    /// follower fetching, from a replica in their rack: counts what they
    /// read since `old_hw` and returns the bytes that crossed DCs.
    #[inline]
    fn count_reads(&mut self, m: &Model, p: usize, leader_dc: DcIdx, old_hw: u64) -> u64 {
        let consumer_cross = self.readers[m.partitions[p].topic.idx()]
            .iter()
            .map(|&i| i as usize)
            .filter(|&i| {
                self.consumer_alive[i]
                    && self.consumer_source_dc(p, i).unwrap_or(leader_dc) != self.consumer_dc(i)
            })
            .count() as u64;
        self.count_consumed(p, leader_dc, self.parts[p].hw.saturating_sub(old_hw));
        (self.parts[p].hw.saturating_sub(old_hw))
            .saturating_mul(self.record_bytes[p])
            .saturating_mul(consumer_cross)
    }

    /// What the producer has seen acknowledged: nothing when every
    /// acknowledgement would arrive after its delivery timeout, nor while
    /// it waits (`pending_since`: it does not reach this leader, or does
    /// not know it leads yet); what the high watermark passed meanwhile
    /// is acknowledged or failed when it is resumed (`resolve_pending`).
    #[inline]
    fn acknowledge_producer(&mut self, m: &Model, p: usize, l: usize, now: SimTime) {
        let producer = self.prod[p].map(|i| &m.producers[i as usize]);
        let part = &mut self.parts[p];
        if let Some(pr) = producer.filter(|_| !part.acks_too_slow && part.pending_since.is_none()) {
            let target = match pr.acks {
                Acks::Zero => 0,
                Acks::One => part.replicas[l].leo,
                Acks::All if self.canaries.ack_before_hw => part.replicas[l].leo,
                Acks::All => part.hw,
            };
            if target > part.acked_upto {
                let start = part.acked_upto;
                part.acked_upto = target;
                self.acknowledge(p, l, start, target, now);
            }
        }
    }

    /// What each replica knows of the high watermark (legacy truncation
    /// only). The leader knows its own. A follower learns it from fetch
    /// responses: a response reaching it now left the leader half a round
    /// trip ago and carried the high watermark of that instant, which the
    /// leader had computed from what each ISR member's previous fetch told
    /// it (KIP-101 "Scenario 1": the follower's HW lags by one round).
    /// Read off the flow: the high watermark at `t` is the minimum over the
    /// maximal ISR of the leader's LEO at `t` and each streaming follower's
    /// LEO as the leader knew it then (`LEO(t - RTT)`); a member not
    /// streaming counts with the offset the leader last knew.
    pub(super) fn update_known_hw(&mut self, p: usize, l: usize, now: SimTime) {
        let m = &self.model;
        let spec = &m.partitions[p];
        let rf = spec.rf as usize;
        let leader_dc = m.brokers[spec.replicas[l].idx()].dc;
        let part = &self.parts[p];
        let epoch = part.epoch;
        let hw_now = part.hw;
        let maximal = part.isr | part.pending_isr.unwrap_or(0);
        let mut known = [0u64; MAX_RF];
        for (s, k) in known.iter_mut().enumerate().take(rf) {
            let r = &part.replicas[s];
            *k = r.hw_known;
            if s == l {
                *k = hw_now;
                continue;
            }
            if !matches!(r.fetch, Fetch::Streaming | Fetch::CatchingUp) {
                continue;
            }
            let f_dc = m.brokers[spec.replicas[s].idx()].dc;
            let sent = now.saturating_sub(self.rtt[m.dc_pair(leader_dc, f_dc)].half());
            let mut hw_then = part.curve.at(sent, Some(epoch));
            for o in 0..rf {
                if o == l || maximal & (1 << o) == 0 {
                    continue;
                }
                let ro = &part.replicas[o];
                let seen = if ro.fetch == Fetch::Streaming {
                    let o_dc = m.brokers[spec.replicas[o].idx()].dc;
                    let rtt_o = self.rtt[m.dc_pair(leader_dc, o_dc)];
                    part.curve.at(sent.saturating_sub(rtt_o), Some(epoch))
                } else {
                    Some(ro.view)
                };
                hw_then = match (hw_then, seen) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    _ => None,
                };
            }
            // Without history (the epoch began after `sent`) nothing new is
            // learned; a follower's HW never exceeds its own LEO.
            if let Some(h) = hw_then {
                *k = (*k).max(h.min(hw_now)).min(r.leo);
            }
        }
        for (s, k) in known.iter().enumerate().take(rf) {
            self.parts[p].replicas[s].hw_known = *k;
        }
    }

    /// Hands `[start, end)` of the leader's log to the oracle, split by the
    /// epochs the records were written in.
    pub(super) fn acknowledge(&mut self, p: usize, l: usize, start: u64, end: u64, now: SimTime) {
        // The curve is borrowed, not copied (it is 16 segments long), while
        // the oracle takes the ranges.
        let curve = &self.parts[p].curve;
        let log = &self.epochs[p * MAX_RF + l];
        let (begun, ended) = (self.faults_begun, self.faults_ended);
        self.oracle
            .acknowledge_log(p, log, start, end, |epoch, lo, hi| {
                acked_range(epoch, lo, hi, now, (begun, ended), |o| {
                    curve.time_of(o).unwrap_or(now).min(now)
                })
            });
    }

    /// Hands `[start, end)` of replica `l`'s log to the oracle, split by the
    /// epochs the records were written in, dated by `time_of` and
    /// acknowledged at `now`.
    pub(super) fn acknowledge_with(
        &mut self,
        p: usize,
        l: usize,
        start: u64,
        end: u64,
        now: SimTime,
        time_of: impl Fn(u64) -> SimTime,
    ) {
        let log = &self.epochs[p * MAX_RF + l];
        let faults = (self.faults_begun, self.faults_ended);
        self.oracle
            .acknowledge_log(p, log, start, end, |epoch, lo, hi| {
                acked_range(epoch, lo, hi, now, faults, &time_of)
            });
    }

    /// Settles partition `p`'s leader-epoch caches below the offset every
    /// replica agrees on (see `log::settle`), when the leader's cache has
    /// grown enough since the last try: what keeps a trial of years of
    /// elections linear in its failures, since divergence checks, cache
    /// copies and the oracle then walk a handful of entries, not one per
    /// election so far. A mirror's copy holds the source's tags, so it is
    /// settled with the partition's own caches: it bounds where every log
    /// agrees, and its entries below that become the same `SETTLED` entry,
    /// so a `SETTLED` tag means one history wherever it is read.
    pub(super) fn maybe_settle(&mut self, p: usize) {
        let Some(l) = self.parts[p].leader else {
            return;
        };
        let l = l as usize;
        let li = p * MAX_RF + l;
        if !self.settle_epoch_caches || !self.oracle.settled(p).due(self.epochs[li].len()) {
            return;
        }
        let rf = self.model.partitions[p].rf as usize;
        let l_leo = self.parts[p].replicas[l].leo;
        // The first offset where some replica's log differs from the
        // leader's, or ends. A follower whose cache is "the leader's, cut
        // at my LEO" agrees up to its LEO.
        let mut upto = l_leo;
        let mut explicit = [false; MAX_RF];
        for (s, ex) in explicit.iter_mut().enumerate().take(rf) {
            let r = &self.parts[p].replicas[s];
            if s == l {
                continue;
            }
            if r.prefix_of_leader {
                upto = upto.min(r.leo);
            } else {
                *ex = true;
                let fi = p * MAX_RF + s;
                upto = upto.min(log::divergence(
                    &self.epochs[fi],
                    r.leo,
                    &self.epochs[li],
                    l_leo,
                ));
            }
        }
        let (upto, mut copies) = self.settle_copies(p, li, upto);
        // The leader's cache first, then every explicit follower's, then
        // the copies that hold all of `[0, upto)`.
        let mut logs: Vec<&mut Vec<EpochStart>> = Vec::with_capacity(rf);
        let mut others: Vec<&mut Vec<EpochStart>> = Vec::with_capacity(rf);
        for (s, log) in self.epochs[p * MAX_RF..p * MAX_RF + rf]
            .iter_mut()
            .enumerate()
        {
            if s == l {
                logs.push(log);
            } else if explicit[s] {
                others.push(log);
            }
        }
        logs.append(&mut others);
        logs.extend(
            copies
                .iter_mut()
                .filter(|(_, held, _)| *held >= upto)
                .map(|(_, _, log)| log),
        );
        let progress = log::settle(&mut logs, upto, self.oracle.settled_mut(p));
        for (c, held, mut log) in copies {
            // A shorter copy that is a prefix of the leader's log is all
            // settled history now.
            if progress && held < upto {
                log.clear();
                log.push(EpochStart {
                    epoch: log::SETTLED,
                    start: 0,
                });
            }
            self.link_epochs[c] = log;
        }
    }

    /// Where partition `p`'s mirrors' copies let its caches settle, at most
    /// `upto`, and the copies themselves, moved out of `link_epochs` (the
    /// caller puts them back) with the source offset each holds up to. A
    /// copy that diverges from the leader's log (leader cache `li`) bounds
    /// the settling; one that is a prefix of it does not, even if it ends
    /// sooner: a copy frozen at failover must not hold its source's caches
    /// back for the rest of the trial. An empty copy holds no tag and takes
    /// the partition's tags when it starts copying.
    fn settle_copies(
        &mut self,
        p: usize,
        li: usize,
        mut upto: u64,
    ) -> (u64, Vec<(usize, u64, Vec<EpochStart>)>) {
        let l_leo = self.parts[p].replicas[li % MAX_RF].leo;
        let mut copies = Vec::new();
        for &c in &self.links_from[p] {
            let c = c as usize;
            if self.link_epochs[c].is_empty() {
                continue;
            }
            let held = self.links[c].copied;
            let agreed = log::divergence(&self.link_epochs[c], held, &self.epochs[li], l_leo);
            if agreed < held {
                upto = upto.min(agreed);
            }
            copies.push((c, held, std::mem::take(&mut self.link_epochs[c])));
        }
        (upto, copies)
    }

    /// The most entries any replica's leader-epoch cache, or any mirror's
    /// copy of one, held at the end of the last trial: with settling, a
    /// handful whatever the trial's length.
    pub fn longest_epoch_cache(&self) -> usize {
        let copies = self.link_epochs.iter();
        self.epochs
            .iter()
            .chain(copies)
            .map(Vec::len)
            .max()
            .unwrap_or(0)
    }

    /// Makes a follower's epoch cache explicit (it was "the leader's, cut at
    /// my LEO") before its log changes independently of the leader's.
    pub(super) fn ensure_epochs(&mut self, p: usize, s: usize) {
        let r = self.parts[p].replicas[s];
        if !r.prefix_of_leader {
            return;
        }
        if let Some(l) = self.parts[p].leader {
            let l = l as usize;
            if l != s {
                let (a, b) = (p * MAX_RF + s, p * MAX_RF + l);
                let (follower, leader) = if a < b {
                    let (x, y) = self.epochs.split_at_mut(b);
                    (&mut x[a], &y[0])
                } else {
                    let (x, y) = self.epochs.split_at_mut(a);
                    (&mut y[0], &x[b])
                };
                follower.clear();
                // Entries starting at the LEO describe the records this
                // follower fetches next: keep them, or a follower that goes
                // on streaming would tag new-epoch records with the old epoch.
                follower.extend(leader.iter().copied().take_while(|e| e.start <= r.leo));
            }
        }
        self.parts[p].replicas[s].prefix_of_leader = false;
    }

    pub(super) fn isr_expire(&mut self, now: SimTime, p: usize) {
        let Some(l) = self.parts[p].leader else {
            return;
        };
        let leader_b = self.replica_broker(p, l as usize);
        if !self.brokers[leader_b.idx()].serving() {
            return;
        }
        let lag = self.model.timings.replica_lag_time_max;
        let rf = self.model.partitions[p].rf as usize;
        let part = &self.parts[p];
        let mut remove = 0u8;
        for s in 0..rf {
            let r = &part.replicas[s];
            if s != l as usize
                && part.isr & (1 << s) != 0
                && r.fetch != Fetch::Streaming
                && now.since(r.last_caught_up) > lag
            {
                remove |= 1 << s;
            }
        }
        if remove != 0 && part.pending_isr.is_none() {
            let new_isr = part.isr & !remove;
            self.parts[p].pending_isr = Some(new_isr);
        }
    }

    pub(super) fn apply_alter_partition(&mut self, now: SimTime, p: usize) {
        let Some(new_isr) = self.parts[p].pending_isr.take() else {
            return;
        };
        // The controller rejects members that are fenced.
        let rf = self.model.partitions[p].rf as usize;
        let mut isr = new_isr;
        for s in 0..rf {
            if isr & (1 << s) != 0 && self.brokers[self.replica_broker(p, s).idx()].fenced {
                isr &= !(1 << s);
            }
        }
        if isr == 0 || isr == self.parts[p].isr {
            return;
        }
        self.set_isr(now, p, isr);
    }

    /// Every ISR change goes through here, so the ELR rule holds everywhere:
    /// while the new ISR is below min ISR, members leaving it join the ELR;
    /// once the ISR is back at min ISR, the ELR is cleared (KIP-966,
    /// `PartitionChangeBuilder.maybePopulateTargetElr`).
    pub(super) fn set_isr(&mut self, now: SimTime, p: usize, isr: u8) {
        let eff_min = self.eff_min_isr(p);
        let elr_on = self.model.elr;
        let part = &mut self.parts[p];
        let old = part.isr;
        if old == isr {
            return;
        }
        if elr_on {
            part.elr = if isr.count_ones() < eff_min {
                (part.elr | (old & !isr)) & !isr
            } else {
                0
            };
        }
        part.isr = isr;
        part.pending_isr = None;
        part.pending_timer.cancel();
        let elr = part.elr;
        self.note(
            now,
            TraceRecord::IsrChanged {
                partition: p as u32,
                isr,
                elr,
            },
        );
    }

    pub(super) fn caught_up(&mut self, now: SimTime, p: usize, s: usize) {
        let Some(l) = self.parts[p].leader else {
            return;
        };
        let m = self.model.clone();
        let leader_dc = self.broker_dc(self.replica_broker(p, l as usize));
        let f_dc = self.broker_dc(self.replica_broker(p, s));
        let rtt = self.rtt_between(leader_dc, f_dc);
        let part = &mut self.parts[p];
        let target = part
            .curve
            .at(now.saturating_sub(rtt.half()), Some(part.epoch))
            .unwrap_or(part.replicas[s].leo);
        if part.replicas[s].fetch != Fetch::CatchingUp {
            return;
        }
        if part.replicas[s].leo >= target {
            let r = &mut part.replicas[s];
            r.fetch = Fetch::Streaming;
            r.last_caught_up = now;
            let leo = r.leo;
            // Observers never join the ISR by catching up; only a promotion
            // policy puts them there (see `promote_or_demote_observers`).
            let observer = m.partitions[p].observers & (1 << s) != 0;
            if !observer && part.isr & (1 << s) == 0 && part.pending_isr.is_none() {
                part.pending_isr = Some(part.isr | (1 << s));
            }
            self.note(
                now,
                TraceRecord::CaughtUp {
                    partition: p as u32,
                    broker: m.brokers[self.replica_broker(p, s).idx()].node_id,
                    leo,
                },
            );
        } else {
            self.arm_catchup(now, p, s);
        }
    }

    pub(super) fn arm_catchup(&mut self, now: SimTime, p: usize, s: usize) {
        let Some(l) = self.parts[p].leader else {
            return;
        };
        let m = self.model.clone();
        let leader_dc = self.broker_dc(self.replica_broker(p, l as usize));
        let f_dc = self.broker_dc(self.replica_broker(p, s));
        let c = catchup_rate_mrps(&m, p, leader_dc, f_dc, self.record_bytes[p]);
        let part = &mut self.parts[p];
        let r_rate = part.curve.append_rate_mrps();
        let backlog = part.curve.now(now).saturating_sub(part.replicas[s].leo);
        if c <= r_rate {
            // The follower can never catch up at this rate: it stays out of
            // the ISR (honest: a slow link makes a permanent laggard).
            return;
        }
        let ns = (backlog as u128 * 1_000_000_000_000u128).div_ceil((c - r_rate) as u128);
        let rtt = self.rtt_between(leader_dc, f_dc);
        let at =
            now + SimDuration(ns.min(u64::MAX as u128 / 2) as u64) + rtt.half() + SimDuration(1);
        let gen = self.parts[p].replicas[s].catchup_timer.arm();
        self.q.schedule(
            at,
            Ev::CaughtUp {
                partition: PartitionIdx(p as u32),
                slot: s as u8,
                gen,
            },
        );
    }

    pub(super) fn arm_isr_expire(&mut self, now: SimTime, p: usize) {
        let Some(l) = self.parts[p].leader else {
            return;
        };
        let b = self.replica_broker(p, l as usize);
        let lag = self.model.timings.replica_lag_time_max;
        let half = lag.half().as_ns().max(1);
        let phase = self.brokers[b.idx()].isr_check_phase.as_ns();
        // The first isr-expiration check strictly more than `lag` from now.
        let due = (now + lag).as_ns() + 1;
        let k = due.saturating_sub(phase).div_ceil(half);
        let at = SimTime(phase + k * half);
        let part = &mut self.parts[p];
        if part.expire_timer.is_armed() {
            return;
        }
        let gen = part.expire_timer.arm();
        self.q.schedule(
            at.max(now),
            Ev::IsrExpire {
                partition: PartitionIdx(p as u32),
                gen,
            },
        );
    }

    /// Truncates follower `s` to where its log diverges from the leader's,
    /// then starts fetching from there. Under legacy truncation a follower
    /// of a new leader epoch instead cuts its log at its own high watermark
    /// without asking the leader (pre-0.11 `makeFollowers`); a fetch beyond
    /// the leader's log end is out of range and cut to it. Records it keeps
    /// below that point may differ from the leader's (KIP-101 "Scenario 2").
    pub(super) fn reconcile(&mut self, now: SimTime, p: usize, s: usize) {
        let Some(l) = self.parts[p].leader else {
            return;
        };
        let l = l as usize;
        self.ensure_epochs(p, s);
        let leader_leo = self.parts[p].curve.now(now);
        let (fi, li) = (p * MAX_RF + s, p * MAX_RF + l);
        let f_leo = self.parts[p].replicas[s].leo;
        let agree = log::divergence(&self.epochs[fi], f_leo, &self.epochs[li], leader_leo);
        let mut div = agree;
        if self.model.follower_truncation == FollowerTruncation::HighWatermark {
            let r = &self.parts[p].replicas[s];
            div = f_leo.min(leader_leo);
            if r.follows_epoch != self.parts[p].epoch {
                div = div.min(r.hw_known);
            }
        }
        if self.canaries.skip_truncation {
            div = f_leo.min(leader_leo);
        }
        let diverged = div > agree;
        let spliced = diverged && !self.canaries.skip_truncation;
        if spliced {
            // Legacy truncation kept records the leader does not hold: the
            // follower's log is its own below `div`, the leader's above.
            let (a, b) = (fi.min(li), fi.max(li));
            let (x, y) = self.epochs.split_at_mut(b);
            let (follower, leader) = if fi < li {
                (&mut x[a], &y[0])
            } else {
                (&mut y[0], &x[a])
            };
            log::splice(follower, div, leader);
        }
        if div < f_leo {
            if !spliced {
                log::truncate(&mut self.epochs[fi], div);
            }
            let node = self.model.brokers[self.replica_broker(p, s).idx()].node_id;
            self.note(
                now,
                TraceRecord::Truncated {
                    partition: p as u32,
                    broker: node,
                    from: f_leo,
                    to: div,
                },
            );
        }
        let part = &mut self.parts[p];
        let epoch = part.epoch;
        let r = &mut part.replicas[s];
        r.leo = div;
        r.view = div;
        r.hw_known = r.hw_known.min(div);
        r.follows_epoch = epoch;
        // A broken reconcile (the canary) leaves the follower's own log as it
        // was; a correct one makes it a prefix of the leader's.
        r.prefix_of_leader = !self.canaries.skip_truncation && !diverged;
        r.catchup_from = div;
        r.catchup_t0 = now;
        r.fetch = Fetch::CatchingUp;
        self.arm_catchup(now, p, s);
    }

    /// After the trial: every follower that is streaming from the leader
    /// holds, on every offset they share, the record the leader holds there
    /// (same epoch tag). Replicas not in step with the leader have not
    /// converged and are not compared.
    pub(super) fn check_replica_agreement(&mut self) {
        for p in 0..self.parts.len() {
            let Some(l) = self.parts[p].leader else {
                continue;
            };
            let l = l as usize;
            if !self.brokers[self.replica_broker(p, l).idx()].serving() {
                continue;
            }
            for s in 0..self.model.partitions[p].rf as usize {
                if s == l || self.parts[p].replicas[s].fetch != Fetch::Streaming {
                    continue;
                }
                self.ensure_epochs(p, s);
                let (f_leo, l_leo) = (self.parts[p].replicas[s].leo, self.parts[p].replicas[l].leo);
                let div = log::divergence(
                    &self.epochs[p * MAX_RF + s],
                    f_leo,
                    &self.epochs[p * MAX_RF + l],
                    l_leo,
                );
                if div < f_leo.min(l_leo) {
                    self.invariants.violations.push(format!(
                        "partition {p}: replica {s} and leader {l} hold different records from offset {div}"
                    ));
                }
            }
        }
    }
}

/// The acknowledged range `[lo, hi)` of `epoch`, acknowledged at `now` after
/// `faults` (begun, ended) faults, its ends dated by `time_of`.
fn acked_range(
    epoch: u32,
    lo: u64,
    hi: u64,
    now: SimTime,
    faults: (u32, u32),
    time_of: impl Fn(u64) -> SimTime,
) -> AckedRange {
    AckedRange {
        epoch,
        start: lo,
        end: hi,
        t_start: time_of(lo),
        t_end: time_of(hi - 1),
        t_ack: now,
        faults_before_ack: faults.0,
        faults_ended_before_ack: faults.1,
    }
}
