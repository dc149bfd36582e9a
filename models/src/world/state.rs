//! The state the world keeps per broker, partition and replica, and the
//! clocks that account outages.

use super::*;

/// How a leader was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Election {
    /// From the ISR.
    Clean,
    /// From the Eligible Leader Replicas (KIP-966).
    Eligible,
    /// Any live replica (`unclean.leader.election.enable`).
    Unclean,
}

/// How a replica is fetching from the leader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fetch {
    /// The broker is down.
    Offline,
    /// This replica is the leader.
    Leader,
    /// Up, but cannot fetch (no leader, leader unreachable, or fenced).
    Stalled,
    /// Must truncate against the current leader before fetching again.
    Reconcile,
    /// Fetching a backlog faster than the leader appends.
    CatchingUp,
    /// In step with the leader, one network delay behind.
    Streaming,
    /// A former leader that has not learned it was replaced (see [`Zombie`]).
    Zombie,
}

/// A leader the controller replaced while its broker was alive but out of
/// contact. KRaft brokers do not fence themselves [K-BLM]: it keeps serving
/// its old epoch to clients that still reach it, until it dies or hears from
/// the controller again, and then truncates like any returning follower.
/// Its appends are a flow of their own, `leo0 + rate·(t − t0)`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Zombie {
    pub(super) slot: u8,
    pub(super) t0: SimTime,
    pub(super) leo0: u64,
    pub(super) appending: bool,
    pub(super) acked_upto: u64,
}

impl Zombie {
    pub(super) fn leo(&self, now: SimTime, rate_mrps: u64) -> u64 {
        if self.appending {
            self.leo0 + records_over(rate_mrps, now.since(self.t0).as_ns())
        } else {
            self.leo0
        }
    }

    /// When the zombie appended `offset` (its appends are linear in time).
    pub(super) fn time_of(&self, offset: u64, rate_mrps: u64) -> SimTime {
        if !self.appending || rate_mrps == 0 || offset <= self.leo0 {
            return self.t0;
        }
        let ns = ((offset - self.leo0) as u128 * 1_000_000_000_000u128) / rate_mrps as u128;
        SimTime(self.t0.as_ns().saturating_add(ns as u64))
    }
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Replica {
    pub(super) fetch: Fetch,
    /// Log end offset, materialised at the partition's last sync.
    pub(super) leo: u64,
    /// The leader's knowledge of this follower's LEO (the HW input).
    pub(super) view: u64,
    /// While catching up: where and when the catch-up started.
    pub(super) catchup_from: u64,
    pub(super) catchup_t0: SimTime,
    pub(super) last_caught_up: SimTime,
    /// True when this follower's epoch cache is "the leader's, cut at my LEO";
    /// it is then materialised only when needed.
    pub(super) prefix_of_leader: bool,
    pub(super) catchup_timer: TimerGen,
    /// The high watermark this replica knows: the leader's own; a
    /// follower's comes with fetch responses, so it lags the leader's by
    /// half a round trip plus the round trip the leader needed to learn the
    /// followers' offsets. Tracked only under legacy (high-watermark)
    /// truncation, its only reader.
    pub(super) hw_known: u64,
    /// The leader epoch this follower last reconciled against: a follower
    /// of a newer epoch has just become a follower (Kafka's makeFollowers).
    pub(super) follows_epoch: u32,
}

impl Replica {
    pub(super) fn fresh() -> Self {
        Replica {
            fetch: Fetch::Streaming,
            leo: 0,
            view: 0,
            catchup_from: 0,
            catchup_t0: SimTime::ZERO,
            last_caught_up: SimTime::ZERO,
            prefix_of_leader: true,
            catchup_timer: TimerGen::default(),
            hw_known: 0,
            follows_epoch: 0,
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Partition {
    pub(super) leader: Option<u8>,
    pub(super) epoch: u32,
    pub(super) isr: u8,
    /// Eligible Leader Replicas (KIP-966): replicas that left the ISR while
    /// it was below min.insync.replicas, and so hold every committed record.
    pub(super) elr: u8,
    pub(super) pending_isr: Option<u8>,
    pub(super) pending_timer: TimerGen,
    pub(super) expire_timer: TimerGen,
    pub(super) curve: LeoCurve,
    pub(super) hw: u64,
    /// Acknowledged up to here in the current leader's log.
    pub(super) acked_upto: u64,
    /// The producer's round trip for an acknowledgement exceeds its
    /// `delivery.timeout.ms`: nothing it sends is ever acknowledged in time.
    pub(super) acks_too_slow: bool,
    /// The send time of the oldest record the producer is waiting on,
    /// while acknowledgements do not flow (buffered or unacknowledged).
    pub(super) pending_since: Option<SimTime>,
    /// The acknowledgement latency records see right now (µs), while
    /// acknowledgements flow, and since when.
    pub(super) ack_latency_us: Option<u64>,
    pub(super) ack_latency_since: SimTime,
    pub(super) write_bad: bool,
    pub(super) read_bad: bool,
    pub(super) zombie: Option<Zombie>,
    /// The leader (slot) the producer's metadata names: it sends there
    /// until a metadata refresh names another (`producer_metadata.rs`).
    pub(super) known_leader: Option<u8>,
    /// When the producer saw its known leader fail (a refused connection or
    /// NOT_LEADER at once; a silent one after `request.timeout.ms`): its
    /// metadata refreshes run on a backoff schedule from then.
    pub(super) metadata_error_at: Option<SimTime>,
    pub(super) refresh_timer: TimerGen,
    pub(super) replicas: [Replica; MAX_RF],
}

#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Broker {
    pub(super) down: u16,
    pub(super) fenced: bool,
    /// Restarted after a crash and not yet re-registered.
    pub(super) restarted: bool,
    /// Came back from a crash or power loss (every fault but a controlled
    /// shutdown is an unclean shutdown); cleared when the controller has
    /// handled its registration.
    pub(super) unclean_restart: bool,
    /// Stopped by a controlled shutdown and not restarted since: its log was
    /// flushed, so a power loss now loses nothing and its restart is clean.
    pub(super) stopped_cleanly: bool,
    pub(super) contact: bool,
    /// Lost power (nested faults count): its connections go silent instead
    /// of being refused, so clients notice only by timing out.
    pub(super) power_off: u16,
    /// Destroyed (`FaultKind::Destroyed`): down for good, and its disks are
    /// gone, so its replicas hold nothing when the trial is judged.
    pub(super) destroyed: bool,
    /// Cut from every controller while the data plane still works
    /// (`ControlPlaneCut`; nested faults count).
    pub(super) control_cut: u16,
    /// Lost the active controller through a cut while up: after the heal it
    /// hears the controller only once its pending request times out
    /// (`resume_timer`).
    pub(super) cut_off: bool,
    pub(super) resume_timer: TimerGen,
    pub(super) fence_timer: TimerGen,
    pub(super) unfence_timer: TimerGen,
    /// Phase of this broker's `isr-expiration` task.
    pub(super) isr_check_phase: SimDuration,
}

impl Broker {
    pub(super) fn up(&self) -> bool {
        self.down == 0
    }

    /// Up and admitted by a controller. A restarted broker replays the
    /// metadata log and must catch up with the quorum and re-register before
    /// it serves anything (KRaft's BrokerLifecycleManager): with no
    /// controller it stays in STARTING, and it never leads or fetches on the
    /// metadata it had before it died.
    pub(super) fn serving(&self) -> bool {
        self.down == 0 && !self.restarted
    }
}

/// Time spent in a state that can overlap across partitions, as a union.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct OutageClock {
    pub(super) open: u32,
    pub(super) since: SimTime,
    pub(crate) total: SimDuration,
    pub(crate) longest: SimDuration,
}

impl OutageClock {
    pub(crate) fn change(&mut self, now: SimTime, became_bad: bool) {
        if became_bad {
            if self.open == 0 {
                self.since = now;
            }
            self.open += 1;
        } else {
            self.open -= 1;
            if self.open == 0 {
                self.close(now);
            }
        }
    }
    pub(super) fn close(&mut self, now: SimTime) {
        let d = now.since(self.since);
        self.total = self.total + d;
        self.longest = self.longest.max(d);
    }
    pub(crate) fn finish(&mut self, now: SimTime) {
        if self.open > 0 {
            self.close(now);
            self.since = now;
        }
    }
}

/// Checks of the model's own invariants, kept apart from the oracle (which
/// judges outcomes, not internal consistency):
///
/// - a leader's high watermark never decreases within its epoch;
/// - after the trial, replicas in step with the leader agree with it on
///   every offset they share (checked in `invariant_violations`).
///
/// It does not check liveness (that writes resume) or durability (the
/// oracle's job).
#[derive(Debug, Default)]
pub struct Invariants {
    pub(super) last_hw: Vec<(u32, u64)>,
    pub(super) violations: Vec<String>,
}

impl Invariants {
    pub(super) fn reset(&mut self, partitions: usize) {
        self.last_hw.clear();
        self.last_hw.resize(partitions, (0, 0));
        self.violations.clear();
    }

    pub(super) fn observe_hw(&mut self, p: usize, epoch: u32, hw: u64) {
        let (last_epoch, last_hw) = self.last_hw[p];
        if epoch == last_epoch && hw < last_hw {
            self.violations.push(format!(
                "partition {p}: high watermark fell from {last_hw} to {hw} within epoch {epoch}"
            ));
        }
        self.last_hw[p] = (epoch, hw);
    }
}
