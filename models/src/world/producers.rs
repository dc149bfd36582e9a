//! Producers: whether they can append, whether acknowledgements flow,
//! buffering while they cannot, what fails after `delivery.timeout.ms`,
//! write availability and acknowledgement latency.

use super::*;

impl World {
    /// The producer side of partition `p` after an event (see the module doc).
    pub(super) fn refresh_producer(&mut self, now: SimTime, p: usize) {
        let m = self.model.clone();
        let spec = &m.partitions[p];
        let rf = spec.rf as usize;
        let leader = self.parts[p].leader.map(|l| l as usize);
        let leader_b = leader.map(|l| spec.replicas[l]);
        let leader_up = leader_b.is_some_and(|b| self.brokers[b.idx()].serving());
        let leader_dc = leader_b.map(|b| self.broker_dc(b));
        // Producer: can it append, and do acknowledgements flow?
        let Some(pi) = self.prod[p] else { return };
        let pr = &m.producers[pi as usize];
        let producer_alive = self.producer_alive(pi as usize);
        // Producers wait while a failback's cutover runs.
        let paused = self.producers_paused(p);
        let reach = !paused && leader_up && leader_dc.is_some_and(|d| self.connected(d, pr.dc));
        let part = &self.parts[p];
        let isr_count = part.isr.count_ones();
        let eff_min = self.eff_min_isr(p);
        let enough = pr.acks != Acks::All || isr_count >= eff_min;
        let appending_real = producer_alive && reach && enough;
        // A producer that cannot reach the real leader but still reaches a
        // zombie keeps writing to it on its stale metadata. With acks=0/1 the
        // zombie answers on its own append; with acks=all it cannot commit
        // (its ISR still holds replicas that left it, and its shrink cannot
        // reach the controller), so such a producer is simply stalled.
        let zombie_dc = part
            .zombie
            .map(|z| self.broker_dc(spec.replicas[z.slot as usize]));
        let use_zombie = producer_alive
            && !paused
            && !appending_real
            && pr.acks != Acks::All
            && zombie_dc.is_some_and(|d| self.connected(d, pr.dc));
        let appending = appending_real || use_zombie;
        let maximal = part.isr | part.pending_isr.unwrap_or(0);
        let hw_moves = (0..rf).all(|s| {
            maximal & (1 << s) == 0
                || matches!(
                    part.replicas[s].fetch,
                    Fetch::Leader | Fetch::Streaming | Fetch::CatchingUp
                )
        });
        let acks_flow = use_zombie || (appending_real && (pr.acks != Acks::All || hw_moves));
        let write_bad = producer_alive && !acks_flow;
        // Steady acknowledgement latency: the producer's round trip to the
        // leader, plus, for acks=all, one round trip to the slowest follower
        // of the maximal ISR (the leader learns a follower's LEO from its
        // next fetch). Observers and non-ISR replicas add nothing.
        let target_dc = if use_zombie { zombie_dc } else { leader_dc };
        let steady_us = match (acks_flow, pr.acks, target_dc) {
            (true, Acks::One | Acks::All, Some(ldc)) => {
                let mut rtt = self.rtt_between(pr.dc, ldc);
                if pr.acks == Acks::All {
                    for s in 0..rf {
                        if maximal & (1 << s) != 0 && Some(s) != leader {
                            rtt = rtt.max(
                                self.rtt_between(ldc, self.broker_dc(spec.replicas[s]))
                                    + self.rtt_between(pr.dc, ldc),
                            );
                        }
                    }
                }
                Some(rtt.as_ns() / 1_000)
            }
            _ => None,
        };

        // The producer buffers while it is alive and cannot append, whatever
        // the reason (no leader, leader unreachable, NOT_ENOUGH_REPLICAS);
        // when appends resume, what is younger than delivery.timeout.ms lands
        // as a burst and the rest has failed back to the application. A
        // producer that dies takes its buffer with it.
        let rate = part.curve.rate_mrps();
        let blocked = producer_alive && !appending;
        let mut burst = 0;
        match (blocked, self.parts[p].blocked_since) {
            (true, None) => {
                self.parts[p].blocked_since = Some(now);
                self.note(
                    now,
                    TraceRecord::WritesBlocked {
                        partition: p as u32,
                    },
                );
            }
            (false, Some(since)) => {
                self.parts[p].blocked_since = None;
                if appending {
                    let waited = now.since(since);
                    let kept = waited.min(pr.delivery_timeout);
                    burst = records_over(rate, kept.as_ns());
                    let failed = records_over(rate, (waited - kept).as_ns());
                    self.failed_sends += failed;
                    // Buffered records waited up to `kept` before landing.
                    if let Some(lat) = steady_us {
                        self.latency
                            .add_spread(lat, lat + kept.as_ns() / 1_000, burst);
                    }
                    self.note(
                        now,
                        TraceRecord::WritesResumed {
                            partition: p as u32,
                            appended: burst,
                            failed,
                        },
                    );
                }
            }
            _ => {}
        }
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
            if let Some(l) = leader {
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
        // A stalled high watermark: appended records wait for the ISR; those
        // older than delivery.timeout.ms fail back to the application.
        let stalled = appending && !acks_flow;
        match (stalled, self.parts[p].stalled_since) {
            (true, None) => self.parts[p].stalled_since = Some(now),
            (false, Some(since)) => {
                self.parts[p].stalled_since = None;
                let waited = now.since(since);
                let kept = pr.delivery_timeout.min(waited);
                let over = waited - kept;
                self.failed_sends += records_over(self.parts[p].curve.rate_mrps(), over.as_ns());
                // Records appended while the high watermark stood still are
                // acknowledged now, each after its wait.
                if let Some(lat) = steady_us {
                    let waiting = records_over(self.parts[p].curve.rate_mrps(), kept.as_ns());
                    self.latency
                        .add_spread(lat, lat + kept.as_ns() / 1_000, waiting);
                }
            }
            _ => {}
        }
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
        if steady_us != self.parts[p].ack_latency_us {
            self.close_latency_window(p, now);
            self.parts[p].ack_latency_us = steady_us;
        }
        // Catch-up timers that a rate change invalidated are re-armed.
        for s in 0..rf {
            let r = self.parts[p].replicas[s];
            if r.fetch == Fetch::CatchingUp && !r.catchup_timer.is_armed() {
                self.arm_catchup(now, p, s);
            }
        }
    }
}
