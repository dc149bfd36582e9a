//! The KRaft quorum of each cluster and broker fencing: controller elections,
//! broker sessions, registration after a restart.

use super::*;

impl World {
    /// Per cluster (in `Model::clusters` order), whether it has an active
    /// controller now; after a trial, at its end. What `tests/explain.rs`
    /// holds explain's quorum column to.
    pub fn quorum_active(&self) -> Vec<bool> {
        self.active.iter().map(Option::is_some).collect()
    }

    pub(super) fn controller_up(&self, c: ControllerIdx) -> bool {
        self.controllers_down[c.idx()] == 0
    }

    /// A voter can lead when it reaches a majority of voters (itself
    /// included) that are up: Raft's vote and check-quorum conditions.
    /// Voters of cluster `k` only: each cluster runs its own quorum.
    pub(super) fn controller_eligible(&self, c: ControllerIdx) -> bool {
        if !self.controller_up(c) {
            return false;
        }
        let m = &self.model;
        let voters = &m.clusters[m.controller_cluster[c.idx()] as usize].controllers;
        let dc = m.controllers[c.idx()].dc;
        let reachable = voters
            .iter()
            .filter(|u| {
                self.controllers_down[u.idx()] == 0 && self.connected(dc, m.controllers[u.idx()].dc)
            })
            .count();
        reachable * 2 > voters.len()
    }

    /// The active controller of broker `b`'s cluster.
    pub(super) fn active_of_broker(&self, b: BrokerIdx) -> Option<ControllerIdx> {
        self.active[self.model.broker_cluster[b.idx()] as usize]
    }

    /// The active controller of partition `p`'s cluster.
    pub(super) fn active_of_partition(&self, p: usize) -> Option<ControllerIdx> {
        self.active_of_broker(self.model.partitions[p].replicas[0])
    }

    /// Each cluster's quorum at the trial's start. Which voter leads a
    /// KRaft quorum is whoever won the last election, so it is drawn
    /// uniformly from the eligible voters (on real Kafka 4.4 the first
    /// leader of a new cluster varied from run to run, docs/reality.md),
    /// as is the phase of its session-expiry check. Both come from a stream
    /// of the cluster's own, so no other draw moves.
    pub(super) fn start_quorums(&mut self, streams: &RngStreams) {
        let m = self.model.clone();
        self.active.clear();
        self.fence_check_origin.clear();
        for k in 0..m.clusters.len() {
            let mut rng = streams.stream(Purpose(0x200 + k as u32));
            let eligible = m.clusters[k]
                .controllers
                .iter()
                .copied()
                .filter(|&c| self.controller_eligible(c));
            let n = eligible.clone().count();
            let first = match n {
                0 => None,
                n => eligible.clone().nth(rng.gen_range(0..n)),
            };
            self.active.push(first);
            let period = fence_check_period(&m).as_ns();
            self.fence_check_origin
                .push(SimTime(rng.gen_range(0..period)));
        }
    }

    /// The first run at or after `t` of cluster `k`'s active controller's
    /// periodic session check (`maybeFenceStaleBroker`, every session
    /// timeout / 8 on a grid set when the controller took office): a session
    /// that expired at `t` is fenced then.
    pub(super) fn fence_check_at(&self, k: usize, t: SimTime) -> SimTime {
        let origin = self.fence_check_origin[k];
        if t <= origin {
            return origin;
        }
        let period = fence_check_period(&self.model).as_ns();
        let steps = (t.since(origin).as_ns()).div_ceil(period);
        SimTime(origin.as_ns() + steps * period)
    }

    pub(super) fn elect_controller(&mut self, now: SimTime, k: usize) {
        let m = self.model.clone();
        let eligible: Vec<ControllerIdx> = m.clusters[k]
            .controllers
            .iter()
            .copied()
            .filter(|&c| self.controller_eligible(c))
            .collect();
        if eligible.is_empty() {
            return;
        }
        // Randomised election timeouts decide which eligible voter wins.
        let winner = eligible[self.protocol[k].gen_range(0..eligible.len())];
        self.active[k] = Some(winner);
        self.note(
            now,
            TraceRecord::ControllerElected {
                controller: self.model.controllers[winner.idx()].node_id,
            },
        );
        // A new active controller starts every broker's session afresh:
        // brokers it cannot hear from are fenced a full session timeout
        // after it took over (at its first session check from then).
        let dc = m.controllers[winner.idx()].dc;
        self.fence_check_origin[k] = now;
        let at = self.fence_check_at(k, now + m.timings.broker_session_timeout);
        for &bi in &m.clusters[k].brokers {
            let b = bi.idx();
            let contact = self.brokers[b].up()
                && self.brokers[b].control_cut == 0
                && !self.brokers[b].cut_off
                && self.connected(m.brokers[b].dc, dc);
            let br = &mut self.brokers[b];
            br.fence_timer.cancel();
            br.contact = contact;
            br.cut_off |= !contact && br.up();
            if !contact && !br.fenced {
                let gen = br.fence_timer.arm();
                self.q.schedule(
                    at,
                    Ev::Fence {
                        broker: BrokerIdx(b as u16),
                        gen,
                    },
                );
            }
        }
    }

    pub(super) fn fence(&mut self, now: SimTime, b: BrokerIdx) {
        if self.brokers[b.idx()].fenced {
            return;
        }
        self.brokers[b.idx()].fenced = true;
        self.brokers[b.idx()].restarted = false;
        self.note(
            now,
            TraceRecord::BrokerFenced {
                broker: self.model.brokers[b.idx()].node_id,
            },
        );
        for k in 0..self.broker_parts[b.idx()].len() {
            let (p, s) = self.broker_parts[b.idx()][k];
            let (p, s) = (p as usize, s as usize);
            let bit = 1u8 << s;
            let isr = self.parts[p].isr;
            // Without ELR the last ISR member stays in the ISR (KRaft never
            // writes an empty ISR), and the partition waits for it; with ELR
            // the ISR may become empty.
            if isr & bit != 0 && (isr != bit || self.model.elr) {
                self.set_isr(now, p, isr & !bit);
            }
            if self.parts[p].leader == Some(s as u8) {
                self.elect_leader(now, p);
            }
        }
    }

    pub(super) fn unfence(&mut self, now: SimTime, b: BrokerIdx) {
        let br = &mut self.brokers[b.idx()];
        if !br.fenced {
            return;
        }
        br.fenced = false;
        br.restarted = false;
        self.note(
            now,
            TraceRecord::BrokerUnfenced {
                broker: self.model.brokers[b.idx()].node_id,
            },
        );
        for k in 0..self.broker_parts[b.idx()].len() {
            let p = self.broker_parts[b.idx()][k].0 as usize;
            if self.parts[p].leader.is_none() {
                self.elect_leader(now, p);
            }
        }
    }

    pub(super) fn refresh_controller(&mut self, now: SimTime) {
        for k in 0..self.active.len() {
            self.refresh_cluster_controller(now, k);
        }
    }

    fn refresh_cluster_controller(&mut self, now: SimTime, k: usize) {
        if let Some(a) = self.active[k] {
            if !self.controller_eligible(a) {
                self.active[k] = None;
                self.note(now, TraceRecord::QuorumLost);
            }
        }
        if self.active[k].is_none() && !self.election[k].is_armed() {
            let any = self.model.clusters[k]
                .controllers
                .iter()
                .any(|&c| self.controller_eligible(c));
            if any {
                // Voters notice the missing leader after the fetch timeout,
                // then wait a random election timeout in [T, 2T).
                let t = self.model.timings;
                let jitter = self.protocol[k].gen_range(0..t.election_timeout.as_ns().max(1));
                let at = now + t.fetch_timeout + t.election_timeout + SimDuration(jitter);
                let gen = self.election[k].arm();
                self.q.schedule(
                    at,
                    Ev::ControllerElection {
                        cluster: k as u16,
                        gen,
                    },
                );
            }
        }
    }

    pub(super) fn refresh_brokers(&mut self, now: SimTime) {
        for b in 0..self.brokers.len() {
            self.refresh_broker_session(now, b);
        }
    }

    /// Broker `b`'s session with its cluster's active controller: contact
    /// gained or lost, fencing of a re-registered incarnation, the timers
    /// that fence or unfence it. Settled after one pass: calling it again
    /// with nothing changed does nothing.
    pub(super) fn refresh_broker_session(&mut self, now: SimTime, b: usize) {
        let m = self.model.clone();
        let t = m.timings;
        let k = m.broker_cluster[b] as usize;
        let active_dc = self.active[k].map(|a| m.controllers[a.idx()].dc);
        let dc = m.brokers[b].dc;
        let reachable = self.brokers[b].up()
            && self.brokers[b].control_cut == 0
            && active_dc.is_some_and(|a| self.connected(dc, a));
        let contact = self.contact_after_cut(now, b, reachable);
        let br = &mut self.brokers[b];
        if contact != br.contact {
            // Contact lost to a live controller by a broker that is up is
            // a cut (a dead controller is no cut: no active one then).
            br.cut_off |= !contact && br.up() && active_dc.is_some();
            br.contact = contact;
            if contact {
                br.fence_timer.cancel();
            } else {
                br.unfence_timer.cancel();
            }
        }
        let br = &mut self.brokers[b];
        if contact {
            if br.restarted && !br.fenced {
                // Re-registration after an unclean shutdown fences the
                // old incarnation at once.
                self.fence(now, BrokerIdx(b as u16));
            }
            if self.brokers[b].unclean_restart {
                self.brokers[b].unclean_restart = false;
                if m.elr {
                    self.forget_unclean_replica(now, BrokerIdx(b as u16));
                }
            }
            let br = &mut self.brokers[b];
            if br.fenced && !br.unfence_timer.is_armed() {
                // Unfenced once a heartbeat shows it caught up with the
                // metadata log: the next heartbeat plus a round trip.
                let hb = self.protocol[k].gen_range(0..t.broker_heartbeat_interval.as_ns().max(1));
                let rtt = self.rtt_between(dc, active_dc.unwrap_or(dc));
                let at = now + SimDuration(hb) + rtt;
                let gen = self.brokers[b].unfence_timer.arm();
                self.q.schedule(
                    at,
                    Ev::Unfence {
                        broker: BrokerIdx(b as u16),
                        gen,
                    },
                );
            }
        } else if active_dc.is_some() && !br.fenced && !br.fence_timer.is_armed() {
            // The controller fences a broker whose session expired: the
            // session timeout after its last heartbeat.
            let since_hb =
                self.protocol[k].gen_range(0..t.broker_heartbeat_interval.as_ns().max(1));
            let at =
                self.fence_check_at(k, now + (t.broker_session_timeout - SimDuration(since_hb)));
            let gen = self.brokers[b].fence_timer.arm();
            self.q.schedule(
                at,
                Ev::Fence {
                    broker: BrokerIdx(b as u16),
                    gen,
                },
            );
        }
    }

    /// Whether broker `b`, which reaches the active controller
    /// (`reachable`), is in contact with it. One that a cut had separated
    /// from a live controller hears it again only when the request it had
    /// pending times out, up to `controller.quorum.request.timeout.ms`
    /// after the heal (a phase drawn then): real Kafka 4.4's cut-off broker
    /// learned its leadership had moved 1.3-2.3 s after the heal
    /// (docs/reality.md). A broker that went down starts afresh.
    fn contact_after_cut(&mut self, now: SimTime, b: usize, reachable: bool) -> bool {
        let br = self.brokers[b];
        if !br.up() {
            self.brokers[b].cut_off = false;
            self.brokers[b].resume_timer.cancel();
            return false;
        }
        if !reachable || !br.cut_off {
            if !reachable {
                self.brokers[b].resume_timer.cancel();
            }
            return reachable;
        }
        if !br.resume_timer.is_armed() {
            let k = self.model.broker_cluster[b] as usize;
            let timeout = self.model.timings.quorum_request_timeout.as_ns().max(1);
            let at = now + SimDuration(self.protocol[k].gen_range(0..timeout));
            let gen = self.brokers[b].resume_timer.arm();
            self.q.schedule(
                at,
                Ev::ContactResumes {
                    broker: BrokerIdx(b as u16),
                    gen,
                },
            );
        }
        false
    }

    /// A broker re-registering after an unclean shutdown leaves every ISR
    /// and ELR (KIP-966 `handleBrokerUncleanShutdown`): its log may have lost
    /// its unflushed suffix, so it is no longer known to hold every
    /// committed record.
    pub(super) fn forget_unclean_replica(&mut self, now: SimTime, b: BrokerIdx) {
        for k in 0..self.broker_parts[b.idx()].len() {
            let (p, s) = self.broker_parts[b.idx()][k];
            let (p, bit) = (p as usize, 1u8 << s);
            self.parts[p].elr &= !bit;
            let isr = self.parts[p].isr;
            if isr & bit != 0 {
                self.set_isr(now, p, isr & !bit);
            }
        }
    }
}

/// The period of the controller's check for expired broker sessions:
/// `broker.session.timeout.ms` / 8 (Kafka's `QuorumController`
/// `maybeFenceStaleBroker` periodic task).
fn fence_check_period(m: &Model) -> SimDuration {
    SimDuration((m.timings.broker_session_timeout.as_ns() / 8).max(1))
}
