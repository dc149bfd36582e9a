//! Partition leader elections: clean, from the Eligible Leader Replicas,
//! unclean, and the operator's unclean election; zombie leaders.

use super::*;

impl World {
    /// The controller's partition leader election: the first replica in
    /// assignment order that is in the ISR and unfenced; with unclean leader
    /// election enabled and none such, the first unfenced replica.
    pub(super) fn elect_leader(&mut self, now: SimTime, p: usize) {
        let unclean = self.model.topics[self.model.partitions[p].topic.idx()].unclean;
        self.elect_leader_with(now, p, unclean);
    }

    /// The controller's election of `p`'s leader, unclean allowed or not:
    /// decides the new leader (and whether the old one goes on as a
    /// zombie) against the state before the election, then applies it.
    pub(super) fn elect_leader_with(&mut self, now: SimTime, p: usize, allow_unclean: bool) {
        let m = self.model.clone();
        let spec = &m.partitions[p];
        let candidate = self.leader_candidate_with(
            p,
            |s| {
                let br = &self.brokers[spec.replicas[s].idx()];
                !br.fenced && !br.restarted && br.contact
            },
            allow_unclean,
        );
        let choice = candidate.map(|(s, _)| s);
        let kind = candidate.map(|(_, k)| k);
        if choice.is_none() && self.parts[p].leader.is_none() {
            // Nothing changes: the controller writes no partition record.
            return;
        }
        // Materialise every follower's epoch cache against the old leader
        // before the leader changes.
        for s in 0..spec.rf as usize {
            self.ensure_epochs(p, s);
        }
        let old_hw = self.parts[p].hw;
        // What the old leader had acknowledged: a zombie goes on from there
        // (the new leader's log, which lowers `acked_upto`, is not its own).
        let old_acked_upto = self.parts[p].acked_upto;
        // A leader replaced while its broker is alive but out of contact
        // does not know it: it becomes a zombie.
        let old_leader = self.parts[p].leader.map(|l| l as usize);
        let zombie = old_leader.filter(|&l| {
            let br = &self.brokers[spec.replicas[l].idx()];
            self.parts[p].zombie.is_none() && Some(l) != choice && br.serving() && !br.contact
        });
        let part = &mut self.parts[p];
        part.epoch += 1;
        part.pending_isr = None;
        part.pending_timer.cancel();
        part.expire_timer.cancel();
        let epoch = part.epoch;
        match choice {
            None => self.leave_leaderless(now, p, epoch),
            Some(l) => self.install_leader(now, p, l, kind, old_hw),
        }
        if let Some(z) = zombie {
            self.begin_zombie(now, p, z, old_acked_upto);
        }
    }

    /// No replica can lead: every fetching replica stalls until a leader
    /// is elected again.
    fn leave_leaderless(&mut self, now: SimTime, p: usize, epoch: u32) {
        let rf = self.model.partitions[p].rf as usize;
        let part = &mut self.parts[p];
        part.leader = None;
        for s in 0..rf {
            let r = &mut part.replicas[s];
            if r.fetch == Fetch::Leader
                || r.fetch == Fetch::Streaming
                || r.fetch == Fetch::CatchingUp
            {
                r.fetch = Fetch::Stalled;
            }
            r.catchup_timer.cancel();
        }
        self.note(
            now,
            TraceRecord::LeaderNone {
                partition: p as u32,
                epoch,
            },
        );
    }

    /// Replica `l` leads `p` in the epoch just begun: the ISR and ELR as
    /// the election `kind` leaves them, the log from the new leader's end,
    /// every follower reconciling with it.
    fn install_leader(
        &mut self,
        now: SimTime,
        p: usize,
        l: usize,
        kind: Option<Election>,
        old_hw: u64,
    ) {
        let rf = self.model.partitions[p].rf as usize;
        let part = &mut self.parts[p];
        let epoch = part.epoch;
        part.leader = Some(l as u8);
        let isr_before = part.isr;
        match kind {
            // An unclean election makes the new leader the ISR and
            // clears the ELR; an ELR election makes it the ISR.
            Some(Election::Unclean) => {
                part.isr = 1 << l;
                part.elr = 0;
            }
            Some(Election::Eligible) => {
                part.isr = 1 << l;
                part.elr &= !(1 << l);
            }
            _ => {}
        }
        let isr_changed = part.isr != isr_before;
        let leo = part.replicas[l].leo;
        part.replicas[l].fetch = Fetch::Leader;
        part.replicas[l].view = leo;
        part.hw = part.hw.min(leo);
        part.acked_upto = part.acked_upto.min(leo);
        part.curve.push(Segment {
            t0: now,
            leo0: leo,
            appending: false,
            epoch,
        });
        for s in 0..rf {
            if s != l {
                let r = &mut part.replicas[s];
                r.catchup_timer.cancel();
                if r.fetch != Fetch::Offline {
                    r.fetch = Fetch::Reconcile;
                }
                r.prefix_of_leader = false;
            }
        }
        log::push_epoch(&mut self.epochs[p * MAX_RF + l], epoch, leo);
        self.limit_follower_views(p, l, leo);
        self.note_leader_elected(now, p, l, kind == Some(Election::Unclean), isr_changed);
        // Consumers whose position lies beyond the new leader's log
        // are out of range and follow auto.offset.reset.
        if leo < old_hw {
            self.offsets_out_of_range(p, leo, old_hw);
        }
    }

    /// A new leader knows nothing of its followers until they fetch
    /// (Kafka's makeLeader resets remote replica state): what a follower
    /// counts for in the high watermark is at most the prefix it shares
    /// with the new leader's log (which ends at `leo`).
    fn limit_follower_views(&mut self, p: usize, l: usize, leo: u64) {
        for s in 0..self.model.partitions[p].rf as usize {
            if s != l {
                let (fi, li) = (p * MAX_RF + s, p * MAX_RF + l);
                let f_leo = self.parts[p].replicas[s].leo;
                let div = log::divergence(&self.epochs[fi], f_leo, &self.epochs[li], leo);
                let r = &mut self.parts[p].replicas[s];
                r.view = r.view.min(div);
            }
        }
    }

    /// Traces the election of replica `l`, and the ISR it left if it
    /// changed it (ELR and unclean elections do).
    fn note_leader_elected(
        &mut self,
        now: SimTime,
        p: usize,
        l: usize,
        unclean: bool,
        isr_changed: bool,
    ) {
        let epoch = self.parts[p].epoch;
        let broker = self.model.brokers[self.model.partitions[p].replicas[l].idx()].node_id;
        self.note(
            now,
            TraceRecord::LeaderElected {
                partition: p as u32,
                broker,
                epoch,
                unclean,
            },
        );
        if isr_changed {
            let (isr, elr) = (self.parts[p].isr, self.parts[p].elr);
            self.note(
                now,
                TraceRecord::IsrChanged {
                    partition: p as u32,
                    isr,
                    elr,
                },
            );
        }
    }

    /// The replaced leader in slot `z`, alive but out of contact, goes on
    /// leading on its own (a zombie) from what it had acknowledged, until
    /// it hears from the controller again (partition_refresh.rs).
    fn begin_zombie(&mut self, now: SimTime, p: usize, z: usize, old_acked_upto: u64) {
        let leo = self.parts[p].replicas[z].leo;
        let acked_upto = old_acked_upto.min(leo);
        let part = &mut self.parts[p];
        part.replicas[z].fetch = Fetch::Zombie;
        part.replicas[z].catchup_timer.cancel();
        part.zombie = Some(Zombie {
            slot: z as u8,
            t0: now,
            leo0: leo,
            appending: false,
            acked_upto,
        });
        let node = self.model.brokers[self.model.partitions[p].replicas[z].idx()].node_id;
        self.note(
            now,
            TraceRecord::ZombieBegins {
                partition: p as u32,
                broker: node,
            },
        );
    }

    /// The replica a leader election picks among those `ok` accepts: the
    /// first ISR member in assignment order; with ELR, the first ELR member;
    /// with unclean election enabled, the first replica at all.
    pub(super) fn leader_candidate(
        &self,
        p: usize,
        ok: impl Fn(usize) -> bool,
    ) -> Option<(usize, Election)> {
        let unclean = self.model.topics[self.model.partitions[p].topic.idx()].unclean;
        self.leader_candidate_with(p, ok, unclean)
    }

    /// [`Self::leader_candidate`], with unclean election allowed or not
    /// (an operator's `kafka-leader-election --election-type UNCLEAN`
    /// allows it whatever the topic says).
    pub(super) fn leader_candidate_with(
        &self,
        p: usize,
        ok: impl Fn(usize) -> bool,
        allow_unclean: bool,
    ) -> Option<(usize, Election)> {
        let spec = &self.model.partitions[p];
        let part = &self.parts[p];
        let rf = spec.rf as usize;
        (0..rf)
            .find(|&s| part.isr & (1 << s) != 0 && ok(s))
            .map(|s| (s, Election::Clean))
            .or_else(|| {
                self.model
                    .elr
                    .then(|| (0..rf).find(|&s| part.elr & (1 << s) != 0 && ok(s)))
                    .flatten()
                    .map(|s| (s, Election::Eligible))
            })
            .or_else(|| {
                allow_unclean
                    .then(|| (0..rf).find(|&s| ok(s)))
                    .flatten()
                    .map(|s| (s, Election::Unclean))
            })
    }

    /// An operator's `kafka-leader-election --election-type UNCLEAN` for
    /// every leaderless partition of `topic`: the controller elects the
    /// first live replica in assignment order (sync replicas, then
    /// observers). It needs an active controller; without one the command
    /// fails and nothing changes.
    pub(super) fn runbook_unclean_election(&mut self, now: SimTime, topic: TopicIdx) {
        let first = self.model.topics[topic.idx()].first_partition as usize;
        if self.active_of_partition(first).is_none() {
            return;
        }
        let t = &self.model.topics[topic.idx()];
        let (first, count) = (t.first_partition as usize, t.partitions as usize);
        for p in first..first + count {
            if self.parts[p].leader.is_none() {
                self.elect_leader_with(now, p, true);
            }
        }
    }
}
