//! Derived state of one partition after an event: which followers fetch,
//! AlterPartition requests, the producer's appends and acknowledgements,
//! write availability and latency.

use super::*;

impl World {
    /// Re-derives partition `p` after an event, from the zombie's end to
    /// the producer: who fetches, which AlterPartition requests are sent,
    /// what the producer can do. The order is fixed: timers are armed in
    /// it.
    pub(super) fn refresh_partition(&mut self, now: SimTime, p: usize) {
        let m = self.model.clone();
        let spec = &m.partitions[p];
        let leader = self.parts[p].leader.map(|l| l as usize);
        let leader_b = leader.map(|l| spec.replicas[l]);
        let leader_up = leader_b.is_some_and(|b| self.brokers[b.idx()].serving());
        let leader_dc = leader_b.map(|b| self.broker_dc(b));
        self.end_zombie_if_told(&m, now, p);
        self.refresh_followers(&m, now, p, leader, leader_up, leader_dc);

        if spec.observers != 0 && leader_up && self.parts[p].pending_isr.is_none() {
            self.promote_or_demote_observers(now, p);
        }

        // A follower that caught up while another AlterPartition was in
        // flight (a shrink, typically) asks again once that one is applied:
        // Kafka's leader re-checks `isFollowerInSync` on every fetch
        // (`Partition.maybeExpandIsr`), so the request is not lost.
        if leader_up && self.parts[p].pending_isr.is_none() {
            let rejoin = self.isr_rejoin_candidates(p, leader);
            if rejoin != 0 {
                self.parts[p].pending_isr = Some(self.parts[p].isr | rejoin);
            }
        }

        if let Some(lb) = leader_b {
            self.send_alter_partition(&m, now, p, lb);
        }
        self.refresh_producer(now, p);
    }

    /// A zombie learns the truth when it hears from the controller again
    /// (and is then fenced until it re-registers), or dies.
    #[inline]
    fn end_zombie_if_told(&mut self, m: &Model, now: SimTime, p: usize) {
        let Some(z) = self.parts[p].zombie else {
            return;
        };
        let zb = m.partitions[p].replicas[z.slot as usize];
        let br = self.brokers[zb.idx()];
        if !br.serving() || br.contact {
            self.parts[p].zombie = None;
            self.parts[p].replicas[z.slot as usize].fetch = if br.up() {
                Fetch::Reconcile
            } else {
                Fetch::Offline
            };
            let node = m.brokers[zb.idx()].node_id;
            self.note(
                now,
                TraceRecord::ZombieEnds {
                    partition: p as u32,
                    broker: node,
                },
            );
        }
    }

    /// Followers: who can fetch from the leader (up, in `leader_dc`), who
    /// must reconcile, who stalls; an ISR member that stops fetching arms
    /// the ISR's expiry.
    #[inline]
    fn refresh_followers(
        &mut self,
        m: &Model,
        now: SimTime,
        p: usize,
        leader: Option<usize>,
        leader_up: bool,
        leader_dc: Option<DcIdx>,
    ) {
        let spec = &m.partitions[p];
        for s in 0..spec.rf as usize {
            if Some(s) == leader || self.parts[p].replicas[s].fetch == Fetch::Zombie {
                continue;
            }
            let b = spec.replicas[s];
            let br = self.brokers[b.idx()];
            let f_dc = self.broker_dc(b);
            let can_fetch = br.serving()
                && !br.fenced
                && leader_up
                && leader_dc.is_some_and(|d| self.connected(d, f_dc));
            let fetch = self.parts[p].replicas[s].fetch;
            match (fetch, can_fetch) {
                (Fetch::Streaming | Fetch::CatchingUp, false) | (Fetch::Leader, _) => {
                    let r = &mut self.parts[p].replicas[s];
                    if fetch == Fetch::Streaming {
                        r.last_caught_up = now;
                    }
                    r.fetch = if br.up() {
                        Fetch::Stalled
                    } else {
                        Fetch::Offline
                    };
                    r.catchup_timer.cancel();
                    if self.parts[p].isr & (1 << s) != 0 {
                        self.arm_isr_expire(now, p);
                    }
                }
                (Fetch::Stalled | Fetch::Offline | Fetch::Reconcile, true) => {
                    self.reconcile(now, p, s);
                }
                (Fetch::Stalled, false) if !br.up() => {
                    self.parts[p].replicas[s].fetch = Fetch::Offline;
                }
                (Fetch::Offline, false) if br.up() => {
                    self.parts[p].replicas[s].fetch = Fetch::Stalled;
                }
                (Fetch::Reconcile, false) => {
                    self.parts[p].replicas[s].fetch = if br.up() {
                        Fetch::Stalled
                    } else {
                        Fetch::Offline
                    };
                    if self.parts[p].isr & (1 << s) != 0 {
                        self.arm_isr_expire(now, p);
                    }
                }
                _ => {}
            }
        }
    }

    /// AlterPartition goes from the leader (on broker `lb`) to the active
    /// controller: armed once per pending change, and only while the
    /// leader serves and reaches the controller.
    #[inline]
    fn send_alter_partition(&mut self, m: &Model, now: SimTime, p: usize, lb: BrokerIdx) {
        if self.parts[p].pending_isr.is_none() || self.parts[p].pending_timer.is_armed() {
            return;
        }
        let Some(a) = self.active_of_partition(p) else {
            return;
        };
        let br = self.brokers[lb.idx()];
        if br.serving() && br.contact {
            let rtt = self.rtt_between(self.broker_dc(lb), m.controllers[a.idx()].dc);
            let gen = self.parts[p].pending_timer.arm();
            self.q.schedule(
                now + rtt + METADATA_LINGER,
                Ev::AlterPartition {
                    partition: PartitionIdx(p as u32),
                    gen,
                },
            );
        }
    }

    /// Adds the records acknowledged at the partition's current steady
    /// latency since the window opened, and opens a new window at `now`.
    pub(super) fn close_latency_window(&mut self, p: usize, now: SimTime) {
        let part = &mut self.parts[p];
        if let Some(lat) = part.ack_latency_us {
            let records = records_over(
                part.curve.rate_mrps(),
                now.since(part.ack_latency_since).as_ns(),
            );
            self.latency.add(lat, records);
        }
        self.parts[p].ack_latency_since = now;
    }
}

impl World {
    /// Streaming, unfenced sync replicas (not observers) outside the ISR:
    /// the followers the leader would add back on their next fetch.
    fn isr_rejoin_candidates(&self, p: usize, leader: Option<usize>) -> u8 {
        let spec = &self.model.partitions[p];
        let part = &self.parts[p];
        let mut rejoin = 0u8;
        for s in 0..spec.rf as usize {
            let bit = 1u8 << s;
            if Some(s) == leader || part.isr & bit != 0 || spec.observers & bit != 0 {
                continue;
            }
            let b = spec.replicas[s];
            if part.replicas[s].fetch == Fetch::Streaming && !self.brokers[b.idx()].fenced {
                rejoin |= bit;
            }
        }
        rejoin
    }
}
