//! Producers: whether they can append, whether acknowledgements flow,
//! buffering while they cannot, what fails after `delivery.timeout.ms`,
//! write availability and acknowledgement latency.

use super::*;

/// What a partition's producer does after an event, decided from the
/// state before any of it is applied (`World::producer_course`).
#[derive(Debug, Clone, Copy)]
struct ProducerCourse {
    /// The partition's leader slot when the course was decided.
    leader: Option<usize>,
    alive: bool,
    /// Appending to the real leader.
    appending_real: bool,
    /// Writing to a zombie on stale metadata instead.
    use_zombie: bool,
    acks_flow: bool,
    /// Acknowledgements slower than `delivery.timeout.ms`.
    too_slow: bool,
    /// Steady acknowledgement latency (µs) while acknowledgements flow.
    steady_us: Option<u64>,
}

impl World {
    /// The producer side of partition `p` after an event (see the module
    /// doc): decided first (`producer_course`), then applied, so what it
    /// does to the logs, the waits and the accounts follows from one
    /// decision.
    pub(super) fn refresh_producer(&mut self, now: SimTime, p: usize) {
        let Some(course) = self.producer_course(now, p) else {
            return;
        };
        self.parts[p].acks_too_slow = course.too_slow;
        // The application's view: a producer that runs nowhere is down
        // for writes, as much as one that gets no acknowledgements.
        let write_bad = !course.alive || !course.acks_flow;
        let burst = self.follow_pending_sends(now, p, course);
        self.set_append_course(now, p, course, burst);
        if write_bad != self.parts[p].write_bad {
            self.parts[p].write_bad = write_bad;
            self.writes.change(now, write_bad);
            let available = !write_bad;
            self.note(
                now,
                TraceRecord::WriteAvailability {
                    partition: p as u32,
                    available,
                },
            );
        }
        if course.steady_us != self.parts[p].ack_latency_us {
            self.close_latency_window(p, now);
            self.parts[p].ack_latency_us = course.steady_us;
        }
        // Catch-up timers that a rate change invalidated are re-armed.
        for s in 0..self.model.partitions[p].rf as usize {
            let r = self.parts[p].replicas[s];
            if r.fetch == Fetch::CatchingUp && !r.catchup_timer.is_armed() {
                self.arm_catchup(now, p, s);
            }
        }
    }

    /// Whether `p`'s producer can append, and whether acknowledgements
    /// flow and how fast; `None` when no producer writes `p`. It retunes a
    /// shared lane and may have the producer refresh its metadata, the
    /// only changes made while deciding.
    #[inline]
    fn producer_course(&mut self, now: SimTime, p: usize) -> Option<ProducerCourse> {
        let m = self.model.clone();
        let spec = &m.partitions[p];
        let leader = self.parts[p].leader.map(|l| l as usize);
        let leader_b = leader.map(|l| spec.replicas[l]);
        let leader_up = leader_b.is_some_and(|b| self.brokers[b.idx()].serving());
        let leader_dc = leader_b.map(|b| self.broker_dc(b));
        // Producer: can it append, and do acknowledgements flow?
        let pi = self.prod[p]?;
        let pr = &m.producers[pi as usize];
        let pdc = self.producer_dc(pi as usize);
        // A partition shared with a producer that failed over into it is
        // judged as one lane (client_failover.rs); alone, by its producer.
        let shared = self.guest[p].is_some();
        let producer_alive = if shared {
            self.retune_lane(now, p);
            self.lane_alive(p)
        } else {
            self.producer_alive(pi as usize)
        };
        // Producers wait while a failback's cutover runs.
        let paused = self.producers_paused(p);
        let reach = !paused
            && leader_up
            && leader_dc.is_some_and(|d| match shared {
                true => self.lane_reaches(p, d),
                false => self.connected(d, pdc),
            });
        // It sends to the leader its metadata names (producer_metadata.rs).
        let knows = self.producer_knows_leader(now, p, producer_alive);
        let part = &self.parts[p];
        let enough = pr.acks != Acks::All || part.isr.count_ones() >= self.eff_min_isr(p);
        let appending_real = producer_alive && reach && enough && knows;
        let stale_writer = producer_alive && !paused && !appending_real && pr.acks != Acks::All;
        let (zombie_dc, use_zombie) = self.zombie_target(p, pdc, stale_writer);
        let acks_flow =
            use_zombie || (appending_real && (pr.acks != Acks::All || self.isr_members_fetch(p)));
        let target_dc = if use_zombie { zombie_dc } else { leader_dc };
        let round_trip_us = match (pr.acks, target_dc) {
            (Acks::One | Acks::All, Some(ldc)) => {
                let via_lane = shared && !use_zombie;
                let rtt = self.ack_round_trip(p, pr.acks, leader, pdc, ldc, via_lane);
                Some(rtt.as_ns() / 1_000)
            }
            _ => None,
        };
        // An acknowledgement slower than `delivery.timeout.ms` never counts:
        // the send has failed before it arrives. Such a producer is
        // write-unavailable, and what it sends fails as it expires.
        let too_slow =
            round_trip_us.is_some_and(|us| us.saturating_mul(1_000) > pr.delivery_timeout.as_ns());
        let acks_flow = acks_flow && !too_slow;
        Some(ProducerCourse {
            leader,
            alive: producer_alive,
            appending_real,
            use_zombie,
            acks_flow,
            too_slow,
            steady_us: round_trip_us.filter(|_| acks_flow),
        })
    }

    /// A producer that cannot reach the real leader but still reaches a
    /// zombie keeps writing to it on its stale metadata (`stale_writer`:
    /// alive, not paused, not appending, acks=0/1). With acks=0/1 the
    /// zombie answers on its own append; with acks=all it cannot commit
    /// (its ISR still holds replicas that left it, and its shrink cannot
    /// reach the controller), so such a producer is simply stalled.
    /// Returns the zombie's DC and whether the producer writes to it.
    #[inline]
    fn zombie_target(&self, p: usize, pdc: DcIdx, stale_writer: bool) -> (Option<DcIdx>, bool) {
        let part = &self.parts[p];
        let spec = &self.model.partitions[p];
        let zombie_dc = part
            .zombie
            .map(|z| self.broker_dc(spec.replicas[z.slot as usize]));
        let use_zombie = stale_writer
            && part.zombie.map(|z| z.slot) == part.known_leader
            && zombie_dc.is_some_and(|d| self.connected(d, pdc));
        (zombie_dc, use_zombie)
    }

    /// Whether every member of `p`'s maximal ISR fetches from the leader:
    /// with acks=all, the high watermark (and so every acknowledgement)
    /// stands still while one does not.
    #[inline]
    fn isr_members_fetch(&self, p: usize) -> bool {
        let part = &self.parts[p];
        let maximal = part.isr | part.pending_isr.unwrap_or(0);
        (0..self.model.partitions[p].rf as usize).all(|s| {
            maximal & (1 << s) == 0
                || matches!(
                    part.replicas[s].fetch,
                    Fetch::Leader | Fetch::Streaming | Fetch::CatchingUp
                )
        })
    }

    /// Steady acknowledgement latency: the producer's round trip (from
    /// `pdc`, or its shared lane's) to the leader in `ldc`, plus, for
    /// acks=all, one round trip to the slowest follower of the maximal
    /// ISR (the leader learns a follower's LEO from its next fetch).
    /// Observers and non-ISR replicas add nothing.
    #[inline]
    fn ack_round_trip(
        &self,
        p: usize,
        acks: Acks,
        leader: Option<usize>,
        pdc: DcIdx,
        ldc: DcIdx,
        via_lane: bool,
    ) -> SimDuration {
        let to_leader = if via_lane {
            self.lane_rtt(p, ldc)
        } else {
            self.rtt_between(pdc, ldc)
        };
        let mut rtt = to_leader;
        if acks == Acks::All {
            let spec = &self.model.partitions[p];
            let part = &self.parts[p];
            let maximal = part.isr | part.pending_isr.unwrap_or(0);
            for s in 0..spec.rf as usize {
                if maximal & (1 << s) != 0 && Some(s) != leader {
                    rtt = rtt
                        .max(self.rtt_between(ldc, self.broker_dc(spec.replicas[s])) + to_leader);
                }
            }
        }
        rtt
    }

    /// Sends the producer is waiting on: from the oldest unacknowledged
    /// send (`pending_since`) on, whatever the reason acknowledgements
    /// stopped (no leader, leader unreachable, NOT_ENOUGH_REPLICAS, a
    /// high watermark standing still). Returns what must be sent again
    /// now that acknowledgements resume (see `resolve_pending`).
    #[inline]
    fn follow_pending_sends(&mut self, now: SimTime, p: usize, course: ProducerCourse) -> u64 {
        self.track_sending(now, p, course.alive);
        let mut burst = 0;
        match (course.alive, course.acks_flow, self.parts[p].pending_since) {
            (true, false, None) => {
                // Sent from the oldest record the leader holds unacknowledged.
                // Sent from the oldest record the leader holds unacknowledged,
                // but not before this producer (re)started sending.
                let part = &self.parts[p];
                let since = part
                    .curve
                    .time_of(part.acked_upto)
                    .map_or(now, |t| t.min(now))
                    .max(self.sending_since[p].unwrap_or(now));
                self.parts[p].pending_since = Some(since);
                self.note(
                    now,
                    TraceRecord::WritesBlocked {
                        partition: p as u32,
                    },
                );
            }
            (true, true, Some(since)) => {
                burst = self.resolve_pending(now, p, since, course.use_zombie, course.steady_us);
            }
            (false, _, Some(since)) => {
                // A producer that dies takes what it had buffered with it;
                // what the leader holds may still be acknowledged.
                let part = &self.parts[p];
                let rate = part.curve.rate_mrps();
                let in_log = part.curve.now(now).saturating_sub(part.acked_upto);
                let pending = records_over(rate, now.since(since).as_ns());
                self.died_unacked = self
                    .died_unacked
                    .saturating_add(pending.saturating_sub(in_log));
                self.parts[p].pending_since = None;
            }
            _ => {}
        }
        burst
    }

    /// The leader's (or the zombie's) log from `now` on: appending or not,
    /// with what is sent again (`burst`) appended at once. A new course
    /// starts only when something changed, so the curve stays short.
    #[inline]
    fn set_append_course(&mut self, now: SimTime, p: usize, course: ProducerCourse, burst: u64) {
        let use_zombie = course.use_zombie;
        let appending_real = course.appending_real;
        let part = &mut self.parts[p];
        let newest = part.curve.newest();
        let was_appending = newest.appending && part.leader.is_some();
        let real_burst = if use_zombie { 0 } else { burst };
        if appending_real != was_appending
            || (appending_real && newest.epoch != part.epoch)
            || real_burst > 0
        {
            let leo = part.curve.now(now);
            let epoch = part.epoch;
            part.curve.push(Segment {
                t0: now,
                leo0: leo + real_burst,
                appending: appending_real,
                epoch,
            });
            if let Some(l) = course.leader {
                part.replicas[l].leo = leo + real_burst;
                part.replicas[l].view = leo + real_burst;
            }
        }
        if let Some(z) = part.zombie.as_mut() {
            if z.appending != use_zombie || (use_zombie && burst > 0) {
                let rate = part.curve.rate_mrps();
                let leo = z.leo(now, rate) + if use_zombie { burst } else { 0 };
                z.leo0 = leo;
                z.t0 = now;
                z.appending = use_zombie;
                part.replicas[z.slot as usize].leo = leo;
            }
        }
    }

    /// Acknowledgements flow again after waiting since `since`: of what the
    /// producer sent meanwhile, what is older than `delivery.timeout.ms` has
    /// failed (and, where the leader holds it, is never acknowledged); the
    /// rest is acknowledged as the high watermark passes it. What the
    /// leader's log does not hold (it was buffered, or appended to a leader
    /// that was replaced or lost its page cache) is sent again now, as a
    /// burst, which is returned. Every record sent is so acknowledged,
    /// failed, or still in flight.
    fn resolve_pending(
        &mut self,
        now: SimTime,
        p: usize,
        since: SimTime,
        use_zombie: bool,
        steady_us: Option<u64>,
    ) -> u64 {
        let Some(pi) = self.prod[p] else { return 0 };
        let dt = self.model.producers[pi as usize].delivery_timeout;
        let part = &self.parts[p];
        let rate = part.curve.rate_mrps();
        let waited = now.since(since);
        let kept = waited.min(dt);
        let pending = records_over(rate, waited.as_ns());
        let expired = records_over(rate, (waited - kept).as_ns());
        let in_log = if use_zombie {
            0
        } else {
            part.curve.now(now).saturating_sub(part.acked_upto)
        };
        let skipped = in_log.min(expired);
        let mut burst = pending.saturating_sub(in_log.max(expired));
        if self.canaries.forget_buffer {
            burst = 0;
        }
        let part = &mut self.parts[p];
        part.acked_upto += skipped;
        part.pending_since = None;
        self.failed_sends = self.failed_sends.saturating_add(expired);
        // Each record waited up to `kept` before its acknowledgement: an
        // incident wait, reported apart from normal-operation latency (one
        // max per resumption, not a record each).
        if steady_us.is_some() && pending > expired {
            self.buffered_us_max = self.buffered_us_max.max(kept.as_ns() / 1_000);
        }
        self.note(
            now,
            TraceRecord::WritesResumed {
                partition: p as u32,
                appended: burst,
                failed: expired,
            },
        );
        burst
    }

    /// Counts what a live producer sends (for the conservation check): its
    /// rate over the time it is alive and writing this partition.
    pub(super) fn track_sending(&mut self, now: SimTime, p: usize, alive: bool) {
        match (alive && self.prod[p].is_some(), self.sending_since[p]) {
            (true, None) => self.sending_since[p] = Some(now),
            (false, Some(since)) => {
                let rate = self.parts[p].curve.rate_mrps();
                self.sent = self
                    .sent
                    .saturating_add(records_over(rate, now.since(since).as_ns()));
                self.sending_since[p] = None;
            }
            _ => {}
        }
    }
}
