//! Producers' own failover (active-active): `producers[].failover`.
//!
//! A producer whose sends stop being acknowledged (some partition of its
//! topic write-unavailable while it is alive) decides after `detection` to
//! switch to the topic of the same name in another cluster; the switch
//! takes effect after the DNS TTL. If its sends are acknowledged again
//! before the decision, it stays. The switch is for the rest of the trial.
//!
//! What it had not got acknowledged moves with it, as an application that
//! re-sends failed sends does: sends older than `delivery.timeout.ms` have
//! failed; the others are sent again, spread over the target's partitions.
//! There it is a *guest* of each partition's lane: the partition's one flow
//! grows at the host's rate plus the guest's share, and is acknowledged as
//! one (the compiler checks the two send alike). A lane appends while any
//! member is alive, reaches its leader only when every live member does,
//! and is acknowledged at the slowest member's round trip. When a lane's
//! host leaves (fails over itself), its guest becomes the host.

use super::*;

/// A producer's failover progress.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct ClientFailoverState {
    pub(super) timer: TimerGen,
    /// When its sends stopped being acknowledged (detection running).
    pub(super) failed_at: Option<SimTime>,
    /// Decided (the switch is scheduled or done).
    pub(super) decided: bool,
}

impl World {
    /// Producer `pi`'s rate on partition `p`: its own topic's share, or, on
    /// the topic it failed over to, its share of that.
    fn member_rate(&self, pi: usize, p: usize) -> u64 {
        let pr = &self.model.producers[pi];
        match pr.failover {
            Some(fo) if self.model.partitions[p].topic == fo.to_topic => fo.rate_mrps_per_partition,
            _ => pr.rate_mrps_per_partition,
        }
    }

    /// The live members of partition `p`'s lane: host, then guest.
    pub(super) fn lane_members(&self, p: usize) -> impl Iterator<Item = usize> + '_ {
        [self.prod[p], self.guest[p]]
            .into_iter()
            .flatten()
            .map(|i| i as usize)
            .filter(|&i| self.producer_alive(i))
    }

    /// Whether any member of `p`'s lane is alive.
    pub(super) fn lane_alive(&self, p: usize) -> bool {
        self.lane_members(p).next().is_some()
    }

    /// The rate `p`'s lane appends at: its live members' (the host's when
    /// none is alive, which appends nothing).
    pub(super) fn lane_rate(&self, p: usize) -> u64 {
        let live: u64 = self.lane_members(p).map(|i| self.member_rate(i, p)).sum();
        if live > 0 {
            live
        } else {
            self.prod[p].map_or(0, |i| self.member_rate(i as usize, p))
        }
    }

    /// Whether every live member of `p`'s lane reaches data center `dc`.
    pub(super) fn lane_reaches(&self, p: usize, dc: DcIdx) -> bool {
        self.lane_members(p)
            .all(|i| self.connected(self.producer_dc(i), dc))
    }

    /// The slowest live member's round trip to data center `dc`.
    pub(super) fn lane_rtt(&self, p: usize, dc: DcIdx) -> SimDuration {
        self.lane_members(p)
            .map(|i| self.rtt_between(self.producer_dc(i), dc))
            .max()
            .unwrap_or(SimDuration::ZERO)
    }

    /// Partition `p`'s flow at its lane's rate from now on: a member
    /// joined, left, died or came back. Sends so far are counted at the old
    /// rate; the caller's refresh counts on from now.
    pub(super) fn retune_lane(&mut self, now: SimTime, p: usize) {
        let rate = self.lane_rate(p);
        if rate == self.parts[p].curve.rate_mrps() {
            return;
        }
        self.track_sending(now, p, false);
        let part = &mut self.parts[p];
        part.curve.set_rate(rate);
        if part.curve.newest().appending {
            let leo = part.curve.now(now);
            let epoch = part.epoch;
            part.curve.push(Segment {
                t0: now,
                leo0: leo,
                appending: true,
                epoch,
            });
        }
    }

    /// Starts or calls off a producer's detection (see the module doc).
    pub(super) fn refresh_client_failover(&mut self, now: SimTime) {
        for pi in 0..self.client_fo.len() {
            let Some(fo) = self.model.producers[pi].failover else {
                continue;
            };
            if self.client_fo[pi].decided {
                continue;
            }
            let home = self.model.producers[pi].topic;
            let bad = self.producer_alive(pi)
                && self
                    .model
                    .topic_partitions(home)
                    .any(|p| self.prod[p] == Some(pi as u16) && self.parts[p].write_bad);
            let st = &mut self.client_fo[pi];
            match (bad, st.failed_at) {
                (true, None) => {
                    st.failed_at = Some(now);
                    let gen = st.timer.arm();
                    let d = fo.detection.sample(&mut self.humans);
                    let producer = pi as u16;
                    self.q
                        .schedule(now + d, Ev::ClientDetected { producer, gen });
                }
                (false, Some(_)) => {
                    st.failed_at = None;
                    st.timer.cancel();
                }
                _ => {}
            }
        }
    }

    /// The producer has decided: it switches after the DNS TTL.
    pub(super) fn client_detected(&mut self, now: SimTime, pi: usize) {
        let Some(fo) = self.model.producers[pi].failover else {
            return;
        };
        self.client_fo[pi].decided = true;
        let producer = pi as u16;
        self.q
            .schedule(now + fo.dns_ttl, Ev::ClientSwitched { producer });
    }

    /// The producer leaves its partitions for its failover topic's.
    pub(super) fn client_switched(&mut self, now: SimTime, pi: usize) {
        let Some(fo) = self.model.producers[pi].failover else {
            return;
        };
        let home = self.model.producers[pi].topic;
        let mut resend = 0;
        let mut waited_us = 0;
        for p in self.model.topic_partitions(home) {
            if self.prod[p] == Some(pi as u16) {
                let (r, w) = self.leave_lane(now, p);
                resend += r;
                waited_us = waited_us.max(w);
            }
        }
        let targets: Vec<usize> = self.model.topic_partitions(fo.to_topic).collect();
        let n = targets.len() as u64;
        for (j, &q) in targets.iter().enumerate() {
            match self.prod[q] {
                None => self.prod[q] = Some(pi as u16),
                Some(_) => self.guest[q] = Some(pi as u16),
            }
            self.retune_lane(now, q);
            let share = resend / n + u64::from((j as u64) < resend % n);
            self.resend_to(now, q, share, waited_us);
        }
        self.note(
            now,
            TraceRecord::ClientFailedOver {
                producer: pi as u32,
                topic: fo.to_topic.0 as u32,
                resent: resend,
            },
        );
    }

    /// Partition `p`'s host leaves it: what it was still waiting on is
    /// resolved as at a failover (older than the delivery timeout failed,
    /// the rest returned for re-sending, with the longest wait in µs). A
    /// guest, if any, takes the lane over, waits included.
    fn leave_lane(&mut self, now: SimTime, p: usize) -> (u64, u64) {
        if let Some(g) = self.guest[p].take() {
            self.prod[p] = Some(g);
            self.retune_lane(now, p);
            return (0, 0);
        }
        let pi = self.prod[p].expect("a host leaves") as usize;
        let dt = self.model.producers[pi].delivery_timeout;
        let (mut resend, mut waited_us) = (0, 0);
        if let Some(since) = self.waiting_since(now, p) {
            let rate = self.parts[p].curve.rate_mrps();
            let waited = now.since(since);
            let expired = records_over(rate, (waited - waited.min(dt)).as_ns());
            resend = records_over(rate, waited.as_ns()).saturating_sub(expired);
            waited_us = waited.min(dt).as_ns() / 1_000;
            self.failed_sends = self.failed_sends.saturating_add(expired);
        }
        self.track_sending(now, p, false);
        self.stop_writes(now, p);
        if std::mem::replace(&mut self.parts[p].write_bad, false) {
            self.writes.change(now, false);
        }
        (resend, waited_us)
    }

    /// `records` re-sent to partition `q`, having waited up to `waited_us`:
    /// appended at once where `q` has a serving leader, else failed (the
    /// new producer's send fails too; nothing is silently dropped).
    fn resend_to(&mut self, now: SimTime, q: usize, records: u64, waited_us: u64) {
        if records == 0 {
            return;
        }
        let serving = self.parts[q]
            .leader
            .is_some_and(|l| self.brokers[self.replica_broker(q, l as usize).idx()].serving());
        if !serving || self.parts[q].write_bad {
            self.failed_sends = self.failed_sends.saturating_add(records);
            return;
        }
        // Waited through the outage: an incident wait, not normal latency.
        self.buffered_us_max = self.buffered_us_max.max(waited_us);
        let part = &mut self.parts[q];
        let leo = part.curve.now(now) + records;
        let appending = part.curve.newest().appending;
        let epoch = part.epoch;
        part.curve.push(Segment {
            t0: now,
            leo0: leo,
            appending,
            epoch,
        });
        if let Some(l) = part.leader {
            part.replicas[l as usize].leo = leo;
            part.replicas[l as usize].view = leo;
        }
    }
}
