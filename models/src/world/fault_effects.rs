//! What a fault does to the world when it begins and ends: processes stop
//! and restart, page caches are lost, links are cut.

use super::*;

impl World {
    /// What fault `i` does as it begins. One arm per fault mode, kept in
    /// one match (past 70 lines) so that `fault_ends` mirrors it arm for
    /// arm.
    pub(super) fn fault_begins(&mut self, now: SimTime, i: usize) {
        let m = self.model.clone();
        let f = &m.faults[i];
        self.faults_begun += 1;
        self.note(now, TraceRecord::FaultBegins { fault: i as u16 });
        match f.mode {
            FaultMode::ControlledShutdown => {
                for &b in &f.brokers {
                    self.controlled_shutdown(now, b);
                }
            }
            FaultMode::Crash | FaultMode::PowerLoss | FaultMode::Destroyed => {
                let power = f.mode != FaultMode::Crash;
                for &b in &f.brokers {
                    let was_up = self.brokers[b.idx()].up();
                    self.brokers[b.idx()].down += 1;
                    self.brokers[b.idx()].destroyed |= f.mode == FaultMode::Destroyed;
                    if was_up || power {
                        self.note(
                            now,
                            TraceRecord::BrokerDown {
                                broker: m.brokers[b.idx()].node_id,
                                power_loss: power,
                            },
                        );
                    }
                    if power {
                        self.brokers[b.idx()].power_off += 1;
                        self.lose_page_cache(now, b);
                    }
                }
                for &c in &f.controllers {
                    if self.controllers_down[c.idx()] == 0 {
                        self.note(
                            now,
                            TraceRecord::ControllerDown {
                                controller: m.controllers[c.idx()].node_id,
                            },
                        );
                    }
                    self.controllers_down[c.idx()] += 1;
                }
                for &d in &f.dcs {
                    self.dc_down[d.idx()] += 1;
                }
            }
            FaultMode::Partition => self.cut(f.side_a, f.side_b, true),
            FaultMode::ControlPlaneCut => {
                for &b in &f.brokers {
                    self.brokers[b.idx()].control_cut += 1;
                }
            }
            FaultMode::UncleanElection => {
                if let Some(t) = f.topic {
                    self.runbook_unclean_election(now, t);
                }
            }
            FaultMode::MirrorStopped => {
                if let Some(mi) = f.mirror {
                    self.mirror_stopped[mi] += 1;
                    if m.mirrors()[mi].kind == crate::scenario::MirrorKind::MirrorMaker2 {
                        self.mm2_task_dies(now, mi);
                    }
                }
            }
            FaultMode::MirrorDegraded => {
                if let Some(mi) = f.mirror {
                    self.mirror_factor_ppm[mi] = f.factor_ppm;
                }
            }
        }
    }

    pub(super) fn fault_ends(&mut self, now: SimTime, i: usize) {
        let m = self.model.clone();
        let f = &m.faults[i];
        self.faults_ended += 1;
        self.note(now, TraceRecord::FaultEnds { fault: i as u16 });
        match f.mode {
            // Never scheduled to end: the loader refuses `recover_after`.
            FaultMode::Destroyed => debug_assert!(false, "a destroyed target came back"),
            FaultMode::Crash | FaultMode::PowerLoss | FaultMode::ControlledShutdown => {
                for &b in &f.brokers {
                    let br = &mut self.brokers[b.idx()];
                    br.down -= 1;
                    if f.mode == FaultMode::PowerLoss {
                        br.power_off -= 1;
                    }
                    if br.up() {
                        // A restarted broker registers anew; the controller
                        // treats a session it still held as ended (one
                        // already fenced just unfences). The shutdown was
                        // unclean unless it was a controlled one, whose log
                        // was flushed (KIP-966 keeps such a replica eligible).
                        br.restarted = !br.fenced;
                        br.unclean_restart = !br.stopped_cleanly;
                        br.stopped_cleanly = false;
                        self.note(
                            now,
                            TraceRecord::BrokerUp {
                                broker: m.brokers[b.idx()].node_id,
                            },
                        );
                        if m.follower_truncation == FollowerTruncation::HighWatermark {
                            self.truncate_to_high_watermark(now, b);
                        }
                    }
                }
                for &c in &f.controllers {
                    self.controllers_down[c.idx()] -= 1;
                    if self.controllers_down[c.idx()] == 0 {
                        self.note(
                            now,
                            TraceRecord::ControllerUp {
                                controller: m.controllers[c.idx()].node_id,
                            },
                        );
                    }
                }
                for &d in &f.dcs {
                    self.dc_down[d.idx()] -= 1;
                }
            }
            FaultMode::Partition => self.cut(f.side_a, f.side_b, false),
            FaultMode::ControlPlaneCut => {
                for &b in &f.brokers {
                    self.brokers[b.idx()].control_cut -= 1;
                }
            }
            FaultMode::MirrorStopped => {
                if let Some(mi) = f.mirror {
                    self.mirror_stopped[mi] -= 1;
                }
            }
            FaultMode::MirrorDegraded => {
                if let Some(mi) = f.mirror {
                    self.mirror_factor_ppm[mi] = 1_000_000;
                }
            }
            FaultMode::UncleanElection => {}
        }
    }

    pub(super) fn cut(&mut self, side_a: u64, side_b: u64, begin: bool) {
        let n = self.model.dcs.len();
        for a in 0..n {
            if side_a & (1 << a) == 0 {
                continue;
            }
            for b in 0..n {
                if side_b & (1 << b) == 0 {
                    continue;
                }
                for (x, y) in [(a, b), (b, a)] {
                    let c = &mut self.cuts[x * n + y];
                    *c = if begin { *c + 1 } else { *c - 1 };
                }
            }
        }
    }

    /// A controlled shutdown of broker `b` (KRaft `BrokerLifecycleManager`
    /// sets `wantShutDown`; the controller's
    /// `handleBrokerInControlledShutdown` moves its leaderships to other ISR
    /// members and removes it from every ISR in one metadata write; once it
    /// leads nothing the broker stops, flushing its log). The move is the
    /// same controller write as fencing, made at once instead of a session
    /// timeout later; the broker leaves the ISR while still in contact, so
    /// it never becomes a zombie. Without an active controller that it
    /// reaches, Kafka waits up to 5 minutes for the approval
    /// (`BrokerServer.shutdown`) and then stops anyway: here it stops at
    /// once, like a crash whose log was flushed.
    pub(super) fn controlled_shutdown(&mut self, now: SimTime, b: BrokerIdx) {
        let br = self.brokers[b.idx()];
        if !br.up() {
            self.brokers[b.idx()].down += 1;
            return;
        }
        if br.serving() && br.contact && self.active_of_broker(b).is_some() {
            self.fence(now, b);
        }
        let br = &mut self.brokers[b.idx()];
        br.down += 1;
        br.stopped_cleanly = true;
        self.note(
            now,
            TraceRecord::BrokerDown {
                broker: self.model.brokers[b.idx()].node_id,
                power_loss: false,
            },
        );
    }

    /// Legacy truncation on restart: every replica of `b` that is not its
    /// partition's leader comes back as a follower and cuts its log at the
    /// high watermark it knew (its checkpoint) before fetching (Kafka before
    /// 0.11, KIP-101 "Scenario 1"). Records above it, acknowledged or not,
    /// must be fetched again.
    pub(super) fn truncate_to_high_watermark(&mut self, now: SimTime, b: BrokerIdx) {
        let node = self.model.brokers[b.idx()].node_id;
        for k in 0..self.broker_parts[b.idx()].len() {
            let (p, s) = self.broker_parts[b.idx()][k];
            let (p, s) = (p as usize, s as usize);
            if self.parts[p].leader == Some(s as u8) {
                continue;
            }
            self.ensure_epochs(p, s);
            let r = &mut self.parts[p].replicas[s];
            let from = r.leo;
            let to = r.hw_known.min(from);
            if to < from {
                r.leo = to;
                r.view = r.view.min(to);
                log::truncate(&mut self.epochs[p * MAX_RF + s], to);
                self.note(
                    now,
                    TraceRecord::Truncated {
                        partition: p as u32,
                        broker: node,
                        from,
                        to,
                    },
                );
            }
        }
    }

    /// A power loss: every replica on `b` drops what the OS had not yet
    /// written back (Kafka does not fsync by default).
    pub(super) fn lose_page_cache(&mut self, now: SimTime, b: BrokerIdx) {
        if self.brokers[b.idx()].stopped_cleanly {
            // Stopped by a controlled shutdown: everything was flushed.
            return;
        }
        let window = self.model.timings.unflushed_window;
        let node = self.model.brokers[b.idx()].node_id;
        for k in 0..self.broker_parts[b.idx()].len() {
            let (p, s) = self.broker_parts[b.idx()][k];
            let (p, s) = (p as usize, s as usize);
            // Followers describe their epoch caches as "the leader's, cut at
            // my LEO": make them explicit before the leader's own cache is
            // cut, or they would inherit the cut.
            if self.parts[p].leader == Some(s as u8) {
                for other in 0..self.model.partitions[p].rf as usize {
                    self.ensure_epochs(p, other);
                }
            } else {
                self.ensure_epochs(p, s);
            }
            let part = &mut self.parts[p];
            let flushed = part.curve.at_or_oldest(now.saturating_sub(window));
            let r = &mut part.replicas[s];
            if flushed < r.leo {
                let from = r.leo;
                r.leo = flushed;
                r.view = r.view.min(flushed);
                log::truncate(&mut self.epochs[p * MAX_RF + s], flushed);
                if part.leader == Some(s as u8) {
                    // The curve is the leader's LEO: it must drop too, or the
                    // next segment would resurrect the lost suffix.
                    let epoch = part.epoch;
                    part.curve.push(Segment {
                        t0: now,
                        leo0: flushed,
                        appending: false,
                        epoch,
                    });
                    // The high watermark is left alone: this leader is down, and
                    // it serves again only after a new election (a new epoch),
                    // which resets both.
                }
                self.note(
                    now,
                    TraceRecord::Truncated {
                        partition: p as u32,
                        broker: node,
                        from,
                        to: flushed,
                    },
                );
            }
        }
    }
}
