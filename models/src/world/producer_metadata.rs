//! What a producer knows of its partition's leader, and when it learns of a
//! new one.
//!
//! A Kafka producer sends to the leader its metadata names and refreshes
//! that metadata only after a send fails (`Sender` marks the metadata
//! stale on NOT_LEADER_OR_FOLLOWER, on a refused connection, or when a
//! request times out). So after an election it keeps writing to the old
//! leader until:
//!
//! - the old leader answers with an error at once (its process died and the
//!   connection is refused; it is alive and no longer leads, and says so;
//!   it is a zombie that learned the truth): the error is now;
//! - the old leader is silent (it lost power, the network cut the producer
//!   off it, or it is a zombie that takes `acks=all` sends it can never
//!   commit): the error is `request.timeout.ms` after the trouble began.
//!
//! From the error on, metadata refreshes run on Kafka's `ExponentialBackoff`
//! (`retry.backoff.ms` doubling to `retry.backoff.max.ms`, ±20% jitter,
//! KIP-580); the producer learns the new leader at the first refresh after
//! the election. A zombie that answers `acks=0/1` sends raises no error:
//! the producer stays with it (see `producers.rs`).
//!
//! Measured on real Kafka 4.4 (docs/reality.md): a leader crash stalls
//! writes 0.5–1.0 s past the fencing, and an isolated leader exactly
//! `request.timeout.ms`.

use super::*;

/// Refresh steps drawn one by one before the rest of a long outage is
/// taken as one uniform phase of the capped backoff (bounds the draws per
/// refresh, whatever the outage's length).
const MAX_BACKOFF_STEPS: u32 = 64;

impl World {
    /// Whether the producer of `p` (alive: `alive`) sends to the current
    /// leader; keeps its known leader, the time of its error and its
    /// refresh timer in step with the world.
    pub(super) fn producer_knows_leader(&mut self, now: SimTime, p: usize, alive: bool) -> bool {
        let leader = self.parts[p].leader;
        let known = match self.parts[p].known_leader {
            // A (re)started producer reads fresh metadata.
            Some(k) if alive => k,
            _ => {
                self.forget_metadata_error(p, leader);
                return true;
            }
        };
        match self.metadata_error(now, p, known) {
            None => self.forget_metadata_error(p, self.parts[p].known_leader),
            Some(at) => {
                let part = &mut self.parts[p];
                if part.metadata_error_at.is_none_or(|e| at < e) {
                    part.metadata_error_at = Some(at);
                    part.refresh_timer.cancel();
                }
            }
        }
        if Some(known) == leader {
            return true;
        }
        let part = &self.parts[p];
        if leader.is_some() && part.metadata_error_at == Some(now) {
            // Failed this instant by a leader that answers (NOT_LEADER, a
            // refused connection): the refresh it triggers runs now, and
            // acknowledgements do not stop in between.
            self.producer_refreshed(p);
            self.parts[p].refresh_timer.cancel();
            return true;
        }
        if let (Some(_), Some(error), false) = (
            leader,
            part.metadata_error_at,
            part.refresh_timer.is_armed(),
        ) {
            let at = self.next_refresh(now, p, error);
            let gen = self.parts[p].refresh_timer.arm();
            self.q.schedule(
                at,
                Ev::ProducerRefresh {
                    partition: PartitionIdx(p as u32),
                    gen,
                },
            );
        }
        false
    }

    /// The refresh has run: the producer's metadata names the current
    /// leader (if there is none yet, the next election is learned at the
    /// refresh after it).
    pub(super) fn producer_refreshed(&mut self, p: usize) {
        let part = &mut self.parts[p];
        if part.leader.is_some() {
            part.known_leader = part.leader;
            part.metadata_error_at = None;
        }
    }

    fn forget_metadata_error(&mut self, p: usize, known: Option<u8>) {
        let part = &mut self.parts[p];
        part.known_leader = known;
        part.metadata_error_at = None;
        part.refresh_timer.cancel();
    }

    /// When sending to slot `known` fails, or `None` while it works (or
    /// fails in a way metadata cannot fix: NOT_ENOUGH_REPLICAS from the
    /// right leader). See the module doc.
    fn metadata_error(&self, now: SimTime, p: usize, known: u8) -> Option<SimTime> {
        let spec = &self.model.partitions[p];
        let b = spec.replicas[known as usize];
        let br = self.brokers[b.idx()];
        let part = &self.parts[p];
        let acks_all =
            self.prod[p].is_some_and(|pi| self.model.producers[pi as usize].acks == Acks::All);
        let zombie = part.zombie.is_some_and(|z| z.slot == known);
        let reaches = self.producer_reaches(p, self.broker_dc(b));
        let silent = br.power_off > 0 || !reaches || (zombie && acks_all);
        let fine = part.leader == Some(known) && br.serving() && reaches;
        if fine || (zombie && !acks_all && reaches) {
            return None;
        }
        let timeout = self.prod[p].map_or(SimDuration::ZERO, |pi| {
            self.model.producers[pi as usize].request_timeout
        });
        Some(if silent { now + timeout } else { now })
    }

    /// Whether partition `p`'s producer (or the lane it shares) reaches DC `d`.
    fn producer_reaches(&self, p: usize, d: DcIdx) -> bool {
        if self.guest[p].is_some() {
            return self.lane_reaches(p, d);
        }
        self.prod[p].is_some_and(|pi| self.connected(d, self.producer_dc(pi as usize)))
    }

    /// The first metadata refresh at or after `now` on the backoff schedule
    /// that began with the error at `error` (a refresh at the error itself,
    /// then waits of `retry.backoff.ms`·2^n, capped, each ×U[0.8, 1.2)).
    fn next_refresh(&mut self, now: SimTime, p: usize, error: SimTime) -> SimTime {
        if error >= now {
            return error;
        }
        let Some(pi) = self.prod[p] else { return now };
        let pr = &self.model.producers[pi as usize];
        let (mut wait, cap) = (pr.retry_backoff.as_ns(), pr.retry_backoff_max.as_ns());
        let mut t = error;
        for _ in 0..MAX_BACKOFF_STEPS {
            if t >= now {
                return t;
            }
            let jitter_permille = self.client_meta.gen_range(800..1200u64);
            t += SimDuration(wait.min(cap) / 1_000 * jitter_permille);
            wait = wait.saturating_mul(2);
        }
        if t >= now {
            return t;
        }
        now + SimDuration(self.client_meta.gen_range(0..cap.max(1)))
    }
}
