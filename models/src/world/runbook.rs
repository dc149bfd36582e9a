//! The active-passive runbook, acting on what the world observes.
//!
//! Detection starts from the runbook's `health` signal. By default
//! (`ProducerAcks`) that is the primary no longer taking acknowledged
//! writes: a live producer of a mirrored topic cannot get acknowledgements
//! on some partition, or, with no live producer, some partition of a
//! mirrored topic has no serving leader or an ISR below
//! `min.insync.replicas`. A runbook may instead watch the broker metrics
//! alone: `OfflinePartitions` (`OfflinePartitionsCount`: no serving leader)
//! or `UnderMinIsr` (`UnderMinIsrPartitionCount`, or offline). After
//! `detection` an alert fires; after `decision` operators fail over
//! (Cluster Linking `failover`: the mirror stops where it is and its topic
//! becomes writable; what it had not copied stays behind, RPO = lag);
//! producers follow after the DNS TTL, consumer groups
//! `consumer_restart_ms` later. If the primary recovers before the decision,
//! the failover is called off. Failback (`TruncateAndRestore`) truncates
//! the old primary to the mirror's end at failover, mirrors back, and
//! switches clients home once the reverse copy has caught up.

use super::mirrors::Link;
use super::*;
use crate::scenario::{Failback, FailoverCommand, HealthSignal, MirrorKind};

/// Runbook progress.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct RunbookState {
    pub(super) timer: TimerGen,
    /// When the primary stopped taking writes (the failure instant).
    pub(super) failed_at: Option<SimTime>,
    pub(super) failed_over: bool,
    pub(super) producers_on_dr: bool,
    pub(super) failback_started: bool,
    pub(super) failback_timer: TimerGen,
    pub(super) cutover: bool,
    pub(super) back_home: bool,
    /// When the last step already scheduled (clients switching over or
    /// back) takes effect: a step due at or after the trial's end is
    /// unfinished (see [`World::runbook_unfinished`]).
    pub(super) steps_due: Option<SimTime>,
}

/// What the runbook watches, kept so that one partition's event costs
/// the runbook O(1), not a pass over every mirrored partition: which
/// partitions its health signal reads (the sources of the runbook
/// mirror's forward links) and which of them are unhealthy now, and where
/// the last check that the failback's reverse copies caught up stopped.
#[derive(Debug, Clone, Default)]
pub(super) struct Watch {
    /// Per partition: the health signal reads it.
    watched: Vec<bool>,
    /// Per partition: watched and unhealthy as of its last refresh.
    sick: Vec<bool>,
    sick_count: usize,
    /// The runbook mirror's reverse links.
    reverse: Vec<u32>,
    /// Where in `reverse` the last catch-up check found a lagging copy.
    lagging_at: usize,
}

impl Watch {
    /// Nothing unhealthy, nothing lagging; the runbook's partitions from
    /// the world's links.
    pub(super) fn reset(&mut self, partitions: usize, forward: &[u32], reverse: Vec<u32>) {
        self.watched.clear();
        self.watched.resize(partitions, false);
        for &p in forward {
            self.watched[p as usize] = true;
        }
        self.sick.clear();
        self.sick.resize(partitions, false);
        self.sick_count = 0;
        self.reverse = reverse;
        self.lagging_at = 0;
    }
}

impl World {
    /// Sets up the runbook's [`Watch`] for a new trial (after the links).
    pub(super) fn reset_watch(&mut self) {
        let forward: Vec<u32> = self
            .runbook_links(false)
            .map(|li| self.links[li].source)
            .collect();
        let reverse: Vec<u32> = self.runbook_links(true).map(|li| li as u32).collect();
        let mut watch = std::mem::take(&mut self.watch);
        watch.reset(self.model.partitions.len(), &forward, reverse);
        self.watch = watch;
    }

    /// Re-reads the health of partition `p`, if the runbook watches it:
    /// after anything that may have changed it.
    pub(super) fn watch_partition(&mut self, p: usize) {
        if !self.watch.watched.get(p).copied().unwrap_or(false) {
            return;
        }
        let sick = !self.source_healthy(p);
        if sick != self.watch.sick[p] {
            self.watch.sick[p] = sick;
            match sick {
                true => self.watch.sick_count += 1,
                false => self.watch.sick_count -= 1,
            }
        }
    }

    /// Re-reads the health of every partition the runbook watches.
    pub(super) fn watch_all(&mut self) {
        for p in 0..self.watch.watched.len() {
            self.watch_partition(p);
        }
    }

    /// The runbook mirror's links (forward or reverse).
    fn runbook_links(&self, reverse: bool) -> impl Iterator<Item = usize> + '_ {
        let mi = self.model.runbook().map(|r| r.mirror);
        (0..self.links.len())
            .filter(move |&li| Some(self.links[li].mirror as usize) == mi)
            .filter(move |&li| self.links[li].reverse == reverse)
    }

    /// The primary's health as monitoring sees it: the runbook's `health`
    /// signal (see the module doc).
    /// Every watched partition healthy (see [`Watch`]).
    fn primary_healthy(&self) -> bool {
        self.watch.sick_count == 0
    }

    /// Whether source partition `p` looks healthy to the runbook's signal.
    fn source_healthy(&self, p: usize) -> bool {
        let Some(signal) = self.model.runbook().map(|r| r.health) else {
            return true;
        };
        let online = || {
            self.parts[p]
                .leader
                .is_some_and(|l| self.brokers[self.replica_broker(p, l as usize).idx()].serving())
        };
        let at_min_isr = || self.parts[p].isr.count_ones() >= self.eff_min_isr(p);
        match (signal, self.prod[p]) {
            (HealthSignal::OfflinePartitions, _) => online(),
            (HealthSignal::ProducerAcks, Some(pi)) if self.producer_alive(pi as usize) => {
                !self.parts[p].write_bad
            }
            (HealthSignal::UnderMinIsr | HealthSignal::ProducerAcks, _) => online() && at_min_isr(),
        }
    }

    pub(super) fn refresh_runbook(&mut self, now: SimTime) {
        let Some(rb) = self.model.runbook().cloned() else {
            return;
        };
        let ok = self.primary_healthy();
        let st = self.rb;
        if !st.failed_over {
            match (ok, st.failed_at) {
                (false, None) => {
                    self.rb.failed_at = Some(now);
                    let d = rb.detection.sample(&mut self.humans);
                    let gen = self.rb.timer.arm();
                    self.q.schedule(now + d, Ev::Detected { gen });
                }
                (true, Some(_)) => {
                    // The primary is back before anyone failed over: stand down.
                    self.rb.failed_at = None;
                    self.rb.timer.cancel();
                    self.note(now, TraceRecord::RunbookAborted);
                }
                _ => {}
            }
        } else if rb.failback == Failback::TruncateAndRestore
            && ok
            && st.producers_on_dr
            && !st.failback_started
            && !st.failback_timer.is_armed()
        {
            let d = rb.failback_after.sample(&mut self.humans);
            let gen = self.rb.failback_timer.arm();
            self.q.schedule(now + d, Ev::FailbackStart { gen });
        }
    }

    pub(super) fn runbook_detected(&mut self, now: SimTime) {
        self.note(now, TraceRecord::RunbookDetected);
        let Some(rb) = self.model.runbook() else {
            return;
        };
        let d = rb.decision.sample(&mut self.humans);
        let gen = self.rb.timer.arm();
        self.q.schedule(now + d, Ev::Decided { gen });
    }

    pub(super) fn runbook_decided(&mut self, now: SimTime) {
        let Some(rb) = self.model.runbook().cloned() else {
            return;
        };
        // `promote` checks the lag against the source and fails when it
        // cannot read it: no failover; clients wait for the primary.
        let source_readable = self.runbook_links(false).all(|li| {
            let p = self.links[li].source as usize;
            self.parts[p]
                .leader
                .is_some_and(|l| self.brokers[self.replica_broker(p, l as usize).idx()].serving())
        });
        self.rb.failed_over = true;
        if rb.command == FailoverCommand::Promote && !source_readable {
            self.note(now, TraceRecord::PromoteFailed);
            return;
        }
        let links: Vec<usize> = self.runbook_links(false).collect();
        for li in links {
            self.fail_over_link(now, li, rb.command == FailoverCommand::Promote);
        }
        self.q.schedule(now + rb.dns_ttl, Ev::ProducersSwitched);
        self.q.schedule(
            now + rb.dns_ttl + rb.consumer_restart,
            Ev::ConsumersSwitched,
        );
        self.rb.steps_due = Some(now + rb.dns_ttl + rb.consumer_restart);
    }

    /// Whether, at the trial's `end`, the runbook (or a producer's own
    /// failover) is in the middle of a step: a detection or decision timer
    /// running, a client switch due at or after the end, or a failback
    /// begun whose clients are not home. Events due exactly at the end are
    /// not run (the end comes first), so they count as unfinished.
    pub(super) fn runbook_unfinished(&self, end: SimTime) -> bool {
        let rb = &self.rb;
        let client_pending = self.client_fo.iter().any(|c| c.timer.is_armed())
            || self.client_switch_due.is_some_and(|t| t >= end);
        rb.timer.is_armed()
            || rb.failback_timer.is_armed()
            || (rb.failback_started && !rb.back_home)
            || rb.steps_due.is_some_and(|t| t >= end)
            || client_pending
    }

    /// `failover` stops the copy where it is; `promote` first lets it reach
    /// the source's committed end (the drain itself is not timed).
    fn fail_over_link(&mut self, now: SimTime, li: usize, promote: bool) {
        let l = self.links[li];
        let (p, q) = (l.source as usize, l.target as usize);
        let mut stop = l.copied;
        if promote {
            stop = stop.max(self.parts[p].hw);
        }
        if self.canaries.perfect_mirror {
            stop = stop.max(self.parts[p].curve.now(now));
        }
        if stop > l.copied {
            let from = l.copied;
            self.extend_copy_to(li, from, stop);
        }
        let link = &mut self.links[li];
        link.promoted = true;
        link.active = false;
        link.copied = stop;
        link.timer.cancel();
        self.superseded[p] = true;
        let leo0 = stop + l.dups;
        let part = &mut self.parts[q];
        let epoch = part.epoch;
        part.curve.push_rated(
            Segment {
                t0: now,
                leo0: leo0.max(part.curve.now(now)),
                appending: false,
                epoch,
            },
            0,
        );
        if let Some(tl) = part.leader {
            let r = &mut part.replicas[tl as usize];
            r.leo = r.leo.max(leo0);
            r.view = r.leo;
        }
        // What producers had seen acknowledged on the source: the tail past
        // the copy's end is what the failover leaves behind.
        let source_leo = self.parts[p].acked_upto.max(self.acked_end[p]);
        self.note(
            now,
            TraceRecord::Failover {
                partition: p as u32,
                source_leo,
                mirror_leo: stop,
            },
        );
    }

    /// Test hooks (the canary, `promote`) move the copy's end forward at
    /// once: what it now holds is the source leader's log.
    fn extend_copy_to(&mut self, li: usize, from: u64, to: u64) {
        let p = self.links[li].source as usize;
        let Some(sl) = self.parts[p].leader else {
            return;
        };
        let src = self.epochs[p * MAX_RF + sl as usize].clone();
        for e in src.iter().filter(|e| e.start < to) {
            log::push_epoch(&mut self.link_epochs[li], e.epoch, e.start.max(from));
        }
    }

    /// Producers follow the DNS switch: each partition's writer moves from
    /// the source topic to its mirror, with what it had buffered.
    pub(super) fn runbook_producers_switch(&mut self, now: SimTime) {
        let Some(rb) = self.model.runbook().cloned() else {
            return;
        };
        self.rb.producers_on_dr = true;
        let links: Vec<usize> = self.runbook_links(false).collect();
        for li in links {
            let l = self.links[li];
            let (p, q) = (l.source as usize, l.target as usize);
            let Some(pi) = self.prod[p] else { continue };
            self.move_writer(now, p, q, pi);
            // Controlled replay: the producer re-sends its last X
            // acknowledged records to the DR topic. Those the mirror had
            // copied are there twice; the others survive there.
            if rb.replay_records > 0 {
                let acked = self.parts[p].acked_upto.max(self.acked_end[p]);
                let from = acked.saturating_sub(rb.replay_records);
                let resent = acked - from;
                let already = l.copied.saturating_sub(from).min(resent);
                let groups = self
                    .model
                    .consumers
                    .iter()
                    .filter(|c| c.topic == self.model.partitions[p].topic)
                    .count() as u64;
                self.duplicates = self.duplicates.saturating_add(already * groups);
                self.replayed[p] = Some((from, acked));
                let part = &mut self.parts[q];
                let leo = part.curve.now(now) + resent;
                let epoch = part.epoch;
                part.curve.push(Segment {
                    t0: now,
                    leo0: leo,
                    appending: false,
                    epoch,
                });
                if let Some(tl) = part.leader {
                    part.replicas[tl as usize].leo = leo;
                    part.replicas[tl as usize].view = leo;
                }
                self.note(
                    now,
                    TraceRecord::ProducerReplay {
                        topic: self.model.partitions[p].topic.0 as u32,
                        resent,
                        duplicated: already,
                    },
                );
            }
        }
        self.note(now, TraceRecord::ClientsSwitched { to_dr: true });
    }

    /// Moves producer `pi`'s writes of one partition from `from` to `to`:
    /// records it was still waiting for are re-sent there (what outlives
    /// `delivery.timeout.ms` fails), and the partition's write outage
    /// carries over without a break.
    fn move_writer(&mut self, now: SimTime, from: usize, to: usize, pi: u16) {
        let rate = self.model.producers[pi as usize].rate_mrps_per_partition;
        // Everything unacknowledged on `from` is sent again to `to`.
        let waiting = self.waiting_since(now, from);
        let alive = self.producer_alive(pi as usize);
        self.track_sending(now, from, false);
        self.stop_writes(now, from);
        let was_bad = std::mem::replace(&mut self.parts[from].write_bad, false);
        self.prod[to] = Some(pi);
        self.parts[to].curve.set_rate(rate);
        self.parts[to].acked_upto = self.parts[to].curve.now(now);
        self.parts[to].pending_since = waiting;
        self.parts[to].write_bad = was_bad;
        self.parts[to].ack_latency_since = now;
        self.track_sending(now, to, alive);
    }

    /// The producer leaves partition `p`: its log stops growing.
    /// The send time of the oldest record partition `p`'s producer is
    /// waiting on: its pending-send clock, or its log's unacknowledged tail.
    pub(super) fn waiting_since(&self, now: SimTime, p: usize) -> Option<SimTime> {
        let part = &self.parts[p];
        part.pending_since.or_else(|| {
            (part.curve.now(now) > part.acked_upto).then(|| {
                part.curve
                    .time_of(part.acked_upto)
                    .map_or(now, |t| t.min(now))
            })
        })
    }

    pub(super) fn stop_writes(&mut self, now: SimTime, p: usize) {
        self.close_latency_window(p, now);
        self.acked_end[p] = self.acked_end[p].max(self.parts[p].acked_upto);
        let part = &mut self.parts[p];
        part.pending_since = None;
        part.ack_latency_us = None;
        if part.curve.newest().appending {
            let leo = part.curve.now(now);
            let epoch = part.epoch;
            part.curve.push(Segment {
                t0: now,
                leo0: leo,
                appending: false,
                epoch,
            });
        }
        self.prod[p] = None;
    }

    /// Consumer groups restart on the DR cluster from their synced offsets
    /// (Cluster Linking's offset sync; MM2's checkpoints translated
    /// conservatively to the last offset sync, and only with
    /// `sync.group.offsets.enabled`; MSK's approximate sync) or, with none,
    /// from `auto.offset.reset`. Starting below what a group had processed
    /// re-reads (duplicates); above, skips.
    pub(super) fn runbook_consumers_switch(&mut self, now: SimTime) {
        let Some(rb) = self.model.runbook().cloned() else {
            return;
        };
        let mirror = self.model.mirrors()[rb.mirror].clone();
        let failed_at = self.rb.failed_at.unwrap_or(now);
        for ci in 0..self.model.consumers.len() {
            let t = self.consumer_topic[ci];
            let Some(mt) = mirror.topics.iter().find(|m| m.source == t) else {
                continue;
            };
            self.set_consumer_topic(ci, mt.target);
            let spec = &self.model.topics[t.idx()];
            let (first, n) = (spec.first_partition as usize, spec.partitions as usize);
            let target_first = self.model.topics[mt.target.idx()].first_partition as usize;
            let mut dup = 0u64;
            let mut skip = 0u64;
            for k in 0..n {
                let (p, q) = (first + k, target_first + k);
                let li = self.link_into[q] as usize;
                let stop = self.links[li].copied;
                // What the group had processed when the primary went (read
                // just before: a power loss at that instant already cut it).
                let position = self.parts[p]
                    .curve
                    .at_or_oldest(failed_at.saturating_sub(SimDuration(1)))
                    .min(self.parts[p].hw.max(self.acked_end[p]));
                let processed = position.min(stop);
                let synced = self
                    .synced_offset(ci, p, &mirror, failed_at)
                    .map(|o| o.min(stop));
                let start = match (synced, self.model.consumers[ci].reset) {
                    (Some(o), _) => o,
                    (None, OffsetReset::Earliest) => 0,
                    (None, OffsetReset::Latest) => self.parts[q].curve.now(now),
                };
                // (`start` from `Latest` is in the DR topic's offsets, which
                // run `dups` ahead of the source's.)
                if start < processed {
                    dup += processed - start;
                } else {
                    skip += start.saturating_sub(self.links[li].dups) - processed;
                }
                // Records the DR topic holds twice (MM2 re-copies) past
                // where the group starts are processed twice.
                if start < stop {
                    dup += self.links[li].dups;
                }
                if k == 0 {
                    self.note(
                        now,
                        TraceRecord::ConsumerSwitched {
                            group: ci as u32,
                            start,
                            processed,
                        },
                    );
                }
            }
            self.duplicates = self.duplicates.saturating_add(dup);
            self.skipped = self.skipped.saturating_add(skip);
        }
    }

    /// The offset group `ci` finds on the DR cluster for source partition
    /// `p`, in source offsets, if any.
    fn synced_offset(
        &self,
        ci: usize,
        p: usize,
        mirror: &crate::dr::spec::MirrorSpec,
        failed_at: SimTime,
    ) -> Option<u64> {
        let c = &self.model.consumers[ci];
        let curve = &self.parts[p].curve;
        let last_tick = |phase: SimDuration, interval: SimDuration, upto: SimTime| {
            let (ph, i, u) = (phase.as_ns(), interval.as_ns().max(1), upto.as_ns());
            (u >= ph).then(|| SimTime(ph + (u - ph) / i * i))
        };
        let sync_at = last_tick(self.sync_phase[ci], sync_interval(mirror), failed_at)?;
        let committed = last_tick(self.commit_phase[ci], c.commit_interval, sync_at)
            .map_or(0, |tick| curve.at_or_oldest(tick));
        match mirror.kind {
            MirrorKind::ClusterLinking if mirror.offset_sync_enable => Some(committed),
            // MM2 translates through the last offset sync at or before the
            // committed offset: up to offset.lag.max back, never ahead.
            MirrorKind::MirrorMaker2 if mirror.sync_group_offsets => {
                Some(committed - committed % mirror.offset_lag_max)
            }
            MirrorKind::MskReplicator if mirror.offset_sync_enable => {
                Some(committed - committed % mirror.offset_lag_max)
            }
            _ => None,
        }
    }

    /// `truncate-and-restore` on the old primary: every replica of each
    /// partition keeps what the mirror had at failover and drops the rest (a
    /// new leader epoch starts there), then the DR partition mirrors back.
    pub(super) fn runbook_failback_start(&mut self, now: SimTime) {
        self.rb.failback_started = true;
        let fwd: Vec<usize> = self.runbook_links(false).collect();
        let rev: Vec<usize> = self.runbook_links(true).collect();
        for (li, ri) in fwd.into_iter().zip(rev) {
            let l = self.links[li];
            let p = l.source as usize;
            let from = self.parts[p].curve.now(now);
            let to = self.restore_partition(now, p, l.copied);
            self.note(
                now,
                TraceRecord::FailbackTruncated {
                    partition: p as u32,
                    from,
                    to,
                },
            );
            self.superseded[p] = false;
            let r = &mut self.links[ri];
            r.enabled = true;
            r.copied = to;
            r.dups = 0;
            self.link_epochs[ri].clear();
        }
        self.note(now, TraceRecord::FailbackStarted);
    }

    /// Cuts every replica of `p` at `at` (or its own end) and starts a new
    /// leader epoch there; returns the new log end.
    fn restore_partition(&mut self, now: SimTime, p: usize, at: u64) -> u64 {
        let rf = self.model.partitions[p].rf as usize;
        for s in 0..rf {
            self.ensure_epochs(p, s);
        }
        let leader = self.parts[p].leader.map(|l| l as usize);
        let to = leader.map_or(at, |l| self.parts[p].replicas[l].leo.min(at));
        for s in 0..rf {
            let r = &mut self.parts[p].replicas[s];
            if r.leo > to {
                r.leo = to;
                log::truncate(&mut self.epochs[p * MAX_RF + s], to);
            }
            r.view = r.view.min(to);
        }
        let part = &mut self.parts[p];
        part.epoch += 1;
        let epoch = part.epoch;
        part.hw = part.hw.min(to);
        part.acked_upto = part.acked_upto.min(to);
        part.curve.push_rated(
            Segment {
                t0: now,
                leo0: to,
                appending: false,
                epoch,
            },
            0,
        );
        if let Some(l) = leader {
            log::push_epoch(&mut self.epochs[p * MAX_RF + l], epoch, to);
            for s in 0..rf {
                if s != l && self.parts[p].replicas[s].fetch != Fetch::Offline {
                    self.parts[p].replicas[s].fetch = Fetch::Reconcile;
                    self.parts[p].replicas[s].prefix_of_leader = false;
                }
            }
        }
        to
    }

    /// The reverse copy caught up: producers pause and clients switch back
    /// after the DNS TTL.
    pub(super) fn runbook_maybe_cutover(&mut self, now: SimTime) {
        if !self.rb.failback_started || self.rb.cutover {
            return;
        }
        // Every reverse copy caught up; the check starts at the copy that
        // lagged last time (it most likely still does), so a partition's
        // event does not pass over every copy.
        let n = self.watch.reverse.len();
        let lagging = (0..n).map(|k| (self.watch.lagging_at + k) % n).find(|&k| {
            let l = self.links[self.watch.reverse[k] as usize];
            let src = self.parts[l.source as usize].curve.now(now);
            !(l.active && l.copied + 2 >= src)
        });
        if let Some(k) = lagging {
            self.watch.lagging_at = k;
        }
        let caught_up = lagging.is_none();
        if caught_up {
            self.rb.cutover = true;
            let ttl = self
                .model
                .runbook()
                .map_or(SimDuration::ZERO, |r| r.dns_ttl);
            self.q.schedule(now + ttl, Ev::SwitchedBack);
            self.rb.steps_due = Some(now + ttl);
        }
    }

    pub(super) fn runbook_switched_back(&mut self, now: SimTime) {
        self.rb.back_home = true;
        let fwd: Vec<usize> = self.runbook_links(false).collect();
        let rev: Vec<usize> = self.runbook_links(true).collect();
        for (li, ri) in fwd.into_iter().zip(rev) {
            let (p, q) = (
                self.links[li].source as usize,
                self.links[li].target as usize,
            );
            // The last records of the DR partition reach the restored
            // primary before the switch (producers paused at cutover).
            self.sync_partition(q, now);
            self.sync_partition(p, now);
            self.sync_link(ri, now);
            let r = &mut self.links[ri];
            r.enabled = false;
            r.active = false;
            r.timer.cancel();
            if let Some(pi) = self.prod[q] {
                self.move_writer(now, q, p, pi);
            }
        }
        // Offsets come back through the reverse link's offset sync: a group
        // re-reads what it processed since the last sync.
        let Some(rb) = self.model.runbook().cloned() else {
            return;
        };
        let mirror = self.model.mirrors()[rb.mirror].clone();
        for ci in 0..self.model.consumers.len() {
            let t = self.consumer_topic[ci];
            let Some(mt) = mirror.topics.iter().find(|m| m.target == t) else {
                continue;
            };
            self.set_consumer_topic(ci, mt.source);
            let interval = sync_interval(&mirror).as_ns().max(1);
            let since = now.as_ns().saturating_sub(self.sync_phase[ci].as_ns()) % interval;
            let spec = &self.model.topics[t.idx()];
            for q in spec.first_partition..spec.first_partition + spec.partitions {
                let rate = self.parts[q as usize].curve.rate_mrps();
                self.duplicates = self.duplicates.saturating_add(records_over(rate, since));
            }
        }
        self.note(now, TraceRecord::ClientsSwitched { to_dr: false });
    }

    /// Producers of the runbook's topics wait while the cutover runs.
    pub(super) fn producers_paused(&self, p: usize) -> bool {
        self.rb.cutover && !self.rb.back_home && self.link_into[p] != u32::MAX && {
            let l = self.links[self.link_into[p] as usize];
            l.promoted && !l.reverse
        }
    }
}

/// How often a group's offsets reach the DR cluster over this mirror.
pub(super) fn sync_interval(m: &crate::dr::spec::MirrorSpec) -> SimDuration {
    match m.kind {
        MirrorKind::MirrorMaker2 => m.checkpoint_interval,
        _ => m.offset_sync_interval,
    }
}

/// The links of a model: one per mirrored partition, and for a runbook with
/// `TruncateAndRestore`, one reverse link per partition of its mirror.
pub(super) fn build_links(m: &Model) -> Vec<Link> {
    let mut links = Vec::new();
    for (mi, mirror) in m.mirrors().iter().enumerate() {
        for mt in &mirror.topics {
            let (s, t) = (&m.topics[mt.source.idx()], &m.topics[mt.target.idx()]);
            for k in 0..s.partitions {
                links.push(Link::new(
                    mi as u16,
                    s.first_partition + k,
                    t.first_partition + k,
                    false,
                ));
            }
        }
    }
    if let Some(rb) = m
        .runbook()
        .filter(|r| r.failback == Failback::TruncateAndRestore)
    {
        let fwd: Vec<Link> = links
            .iter()
            .filter(|l| l.mirror as usize == rb.mirror)
            .copied()
            .collect();
        for l in fwd {
            links.push(Link::new(l.mirror, l.target, l.source, true));
        }
    }
    links
}
