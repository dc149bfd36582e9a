//! One trial of the single-cluster model.
//!
//! The world owns the trial's mutable state and is reused from trial to
//! trial by one worker (`reset` keeps every allocation). Each popped event
//! goes through the same three steps:
//!
//! 1. `sync`: bring every partition's flow state (log end offsets, the high
//!    watermark, acknowledged ranges, bytes moved) forward to now;
//! 2. the event's handler changes discrete state (a broker dies, the
//!    controller fences it, a leader is elected, the ISR changes);
//! 3. `refresh`: derive what follows from the new state (who can fetch from
//!    whom, whether producers can append, which timers must be armed) and
//!    account outages.
//!
//! Control-plane timings follow Kafka's defaults (see `docs/model.md`).

pub mod curve;
pub mod latency;
pub mod log;

use crate::compile::{FaultMode, Model, MAX_RF};
use crate::ids::*;
use crate::oracle::{AckedRange, FaultTimes, Oracle, Verdict};
use crate::outcome::TrialOutcome;
use crate::scenario::{Acks, FollowerTruncation, OffsetReset, PromotionPolicy};
use crate::trace::{TraceEntry, TraceRecord};
use curve::{records_over, LeoCurve, Segment};
use kdrsim_sim::{EventQueue, Purpose, RngStreams, SimDuration, SimTime, StreamRng, TimerGen};
use latency::LatencyHistogram;
use log::EpochStart;
use rand::Rng;
use std::sync::Arc;

/// Time for a controller to append and commit a metadata change
/// (`controller.quorum.append.linger.ms`).
const METADATA_LINGER: SimDuration = SimDuration::from_ms(25);

/// The events of the model: small and `Copy`. Timer events carry the
/// generation they were armed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ev {
    FaultBegin(u16),
    FaultEnd(u16),
    Fence {
        broker: BrokerIdx,
        gen: u32,
    },
    Unfence {
        broker: BrokerIdx,
        gen: u32,
    },
    ControllerElection {
        gen: u32,
    },
    IsrExpire {
        partition: PartitionIdx,
        gen: u32,
    },
    AlterPartition {
        partition: PartitionIdx,
        gen: u32,
    },
    CaughtUp {
        partition: PartitionIdx,
        slot: u8,
        gen: u32,
    },
    End,
}

/// How a leader was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Election {
    /// From the ISR.
    Clean,
    /// From the Eligible Leader Replicas (KIP-966).
    Eligible,
    /// Any live replica (`unclean.leader.election.enable`).
    Unclean,
}

/// How a replica is fetching from the leader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fetch {
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
struct Zombie {
    slot: u8,
    t0: SimTime,
    leo0: u64,
    appending: bool,
    acked_upto: u64,
}

impl Zombie {
    fn leo(&self, now: SimTime, rate_mrps: u64) -> u64 {
        if self.appending {
            self.leo0 + records_over(rate_mrps, now.since(self.t0).as_ns())
        } else {
            self.leo0
        }
    }

    /// When the zombie appended `offset` (its appends are linear in time).
    fn time_of(&self, offset: u64, rate_mrps: u64) -> SimTime {
        if !self.appending || rate_mrps == 0 || offset <= self.leo0 {
            return self.t0;
        }
        let ns = ((offset - self.leo0) as u128 * 1_000_000_000_000u128) / rate_mrps as u128;
        SimTime(self.t0.as_ns().saturating_add(ns as u64))
    }
}

#[derive(Debug, Clone, Copy)]
struct Replica {
    fetch: Fetch,
    /// Log end offset, materialised at the partition's last sync.
    leo: u64,
    /// The leader's knowledge of this follower's LEO (the HW input).
    view: u64,
    /// While catching up: where and when the catch-up started.
    catchup_from: u64,
    catchup_t0: SimTime,
    last_caught_up: SimTime,
    /// True when this follower's epoch cache is "the leader's, cut at my LEO";
    /// it is then materialised only when needed.
    prefix_of_leader: bool,
    catchup_timer: TimerGen,
    /// The high watermark this replica knows: the leader's own; a
    /// follower's comes with fetch responses, so it lags the leader's by
    /// half a round trip plus the round trip the leader needed to learn the
    /// followers' offsets. Tracked only under legacy (high-watermark)
    /// truncation, its only reader.
    hw_known: u64,
    /// The leader epoch this follower last reconciled against: a follower
    /// of a newer epoch has just become a follower (Kafka's makeFollowers).
    follows_epoch: u32,
}

impl Replica {
    fn fresh() -> Self {
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
struct Partition {
    leader: Option<u8>,
    epoch: u32,
    isr: u8,
    /// Eligible Leader Replicas (KIP-966): replicas that left the ISR while
    /// it was below min.insync.replicas, and so hold every committed record.
    elr: u8,
    pending_isr: Option<u8>,
    pending_timer: TimerGen,
    expire_timer: TimerGen,
    curve: LeoCurve,
    hw: u64,
    /// Acknowledged up to here in the current leader's log.
    acked_upto: u64,
    /// The producer is buffering (cannot append) since this time.
    blocked_since: Option<SimTime>,
    /// Appending, but the high watermark cannot advance, since this time.
    stalled_since: Option<SimTime>,
    /// The acknowledgement latency records see right now (µs), while
    /// acknowledgements flow, and since when.
    ack_latency_us: Option<u64>,
    ack_latency_since: SimTime,
    write_bad: bool,
    read_bad: bool,
    zombie: Option<Zombie>,
    replicas: [Replica; MAX_RF],
}

#[derive(Debug, Clone, Copy, Default)]
struct Broker {
    down: u16,
    fenced: bool,
    /// Restarted after a crash and not yet re-registered.
    restarted: bool,
    /// Came back from a crash or power loss (every fault but a controlled
    /// shutdown is an unclean shutdown); cleared when the controller has
    /// handled its registration.
    unclean_restart: bool,
    /// Stopped by a controlled shutdown and not restarted since: its log was
    /// flushed, so a power loss now loses nothing and its restart is clean.
    stopped_cleanly: bool,
    contact: bool,
    fence_timer: TimerGen,
    unfence_timer: TimerGen,
    /// Phase of this broker's `isr-expiration` task.
    isr_check_phase: SimDuration,
}

impl Broker {
    fn up(&self) -> bool {
        self.down == 0
    }

    /// Up and admitted by a controller. A restarted broker replays the
    /// metadata log and must catch up with the quorum and re-register before
    /// it serves anything (KRaft's BrokerLifecycleManager): with no
    /// controller it stays in STARTING, and it never leads or fetches on the
    /// metadata it had before it died.
    fn serving(&self) -> bool {
        self.down == 0 && !self.restarted
    }
}

/// Time spent in a state that can overlap across partitions, as a union.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct OutageClock {
    open: u32,
    since: SimTime,
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
    fn close(&mut self, now: SimTime) {
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

/// The mutable state of one trial, reused across trials by one worker.
pub struct World {
    model: Arc<Model>,
    q: EventQueue<Ev>,
    events: u64,
    occurrences: Vec<crate::faults::Occurrence>,
    stratum: crate::faults::Stratum,
    fault_window: Vec<(SimTime, Option<SimTime>)>,
    fault_starts: Vec<SimTime>,
    rtt: Vec<SimDuration>,
    brokers: Vec<Broker>,
    controllers_down: Vec<u16>,
    dc_down: Vec<u16>,
    cuts: Vec<u16>,
    active: Option<ControllerIdx>,
    election: TimerGen,
    parts: Vec<Partition>,
    epochs: Vec<Vec<EpochStart>>,
    oracle: Oracle,
    writes: OutageClock,
    reads: OutageClock,
    /// Faults begun so far: acknowledged ranges carry it, so the oracle
    /// knows which fault was the first to strike after each acknowledgement.
    faults_begun: u32,
    /// Faults ended so far (acknowledged ranges on either side of a fault's
    /// end are dated apart).
    faults_ended: u32,
    failed_sends: u64,
    duplicates: u64,
    skipped: u64,
    cross_dc_bytes: u64,
    latency: LatencyHistogram,
    consumer_alive: Vec<bool>,
    commit_phase: Vec<SimDuration>,
    protocol: StreamRng,
    trace: Option<Vec<TraceEntry>>,
    /// Test hook for the oracle's canary: acknowledge `acks=all` records at
    /// the leader's LEO instead of the high watermark (a deliberately broken
    /// model). Never set outside tests.
    pub canary_ack_before_hw: bool,
    /// Test hook for the invariant checker's canary: a returning follower
    /// keeps its diverged suffix instead of truncating. Never set outside
    /// tests.
    pub canary_skip_truncation: bool,
    invariants: Invariants,
    /// Several clusters joined by mirrors run in their own model
    /// (`crate::dr`); this world then only dispatches to it.
    dr: Option<Box<crate::dr::world::DrWorld>>,
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
    last_hw: Vec<(u32, u64)>,
    violations: Vec<String>,
}

impl Invariants {
    fn reset(&mut self, partitions: usize) {
        self.last_hw.clear();
        self.last_hw.resize(partitions, (0, 0));
        self.violations.clear();
    }

    fn observe_hw(&mut self, p: usize, epoch: u32, hw: u64) {
        let (last_epoch, last_hw) = self.last_hw[p];
        if epoch == last_epoch && hw < last_hw {
            self.violations.push(format!(
                "partition {p}: high watermark fell from {last_hw} to {hw} within epoch {epoch}"
            ));
        }
        self.last_hw[p] = (epoch, hw);
    }
}

impl World {
    pub fn new(model: Arc<Model>) -> Self {
        let streams = RngStreams::new(0, 0);
        World {
            // A private copy per world: handlers clone this `Arc` to borrow
            // the model while mutating state, and a count shared by several
            // workers would bounce one cache line between cores on every
            // event (measured: 2 threads ran 2.5x slower than 1).
            model: Arc::new((*model).clone()),
            q: EventQueue::with_capacity(1024),
            events: 0,
            occurrences: Vec::new(),
            stratum: crate::faults::Stratum::All,
            fault_window: Vec::new(),
            fault_starts: Vec::new(),
            rtt: Vec::new(),
            brokers: Vec::new(),
            controllers_down: Vec::new(),
            dc_down: Vec::new(),
            cuts: Vec::new(),
            active: None,
            election: TimerGen::default(),
            parts: Vec::new(),
            epochs: Vec::new(),
            oracle: Oracle::default(),
            writes: OutageClock::default(),
            reads: OutageClock::default(),
            faults_begun: 0,
            faults_ended: 0,
            failed_sends: 0,
            duplicates: 0,
            skipped: 0,
            cross_dc_bytes: 0,
            latency: LatencyHistogram::default(),
            consumer_alive: Vec::new(),
            commit_phase: Vec::new(),
            protocol: streams.stream(Purpose::PROTOCOL),
            trace: None,
            canary_ack_before_hw: false,
            canary_skip_truncation: false,
            invariants: Invariants::default(),
            dr: model
                .dr
                .is_some()
                .then(|| Box::new(crate::dr::world::DrWorld::new(Arc::new((*model).clone())))),
        }
    }

    pub fn model(&self) -> &Arc<Model> {
        &self.model
    }

    /// Events processed by the last trial.
    pub fn events_processed(&self) -> u64 {
        match &self.dr {
            Some(d) => d.events_processed(),
            None => self.events,
        }
    }

    /// Invariant violations seen in the last trial (empty when the model is
    /// consistent). See [`Invariants`] for what is checked.
    pub fn invariant_violations(&mut self) -> Vec<String> {
        self.check_replica_agreement();
        std::mem::take(&mut self.invariants.violations)
    }

    /// After the trial: every follower that is streaming from the leader
    /// holds, on every offset they share, the record the leader holds there
    /// (same epoch tag). Replicas not in step with the leader have not
    /// converged and are not compared.
    fn check_replica_agreement(&mut self) {
        for p in 0..self.parts.len() {
            let Some(l) = self.parts[p].leader else {
                continue;
            };
            let l = l as usize;
            if !self.brokers[self.replica_broker(p, l).idx()].serving() {
                continue;
            }
            for s in 0..self.model.partitions[p].rf as usize {
                if s == l || self.parts[p].replicas[s].fetch != Fetch::Streaming {
                    continue;
                }
                self.ensure_epochs(p, s);
                let (f_leo, l_leo) = (self.parts[p].replicas[s].leo, self.parts[p].replicas[l].leo);
                let div = log::divergence(
                    &self.epochs[p * MAX_RF + s],
                    f_leo,
                    &self.epochs[p * MAX_RF + l],
                    l_leo,
                );
                if div < f_leo.min(l_leo) {
                    self.invariants.violations.push(format!(
                        "partition {p}: replica {s} and leader {l} hold different records from offset {div}"
                    ));
                }
            }
        }
    }

    /// Runs trial `trial` of `seed` and returns its outcome.
    /// Draws later trials within `stratum` (rare-event estimation; see
    /// `crate::faults::Stratum`).
    pub fn set_stratum(&mut self, stratum: crate::faults::Stratum) {
        self.stratum = stratum;
        if let Some(d) = self.dr.as_mut() {
            d.stratum = stratum;
        }
    }

    /// The multi-cluster model, when the scenario has several clusters (for
    /// tests that need its hooks).
    pub fn multi_cluster(&mut self) -> Option<&mut crate::dr::world::DrWorld> {
        self.dr.as_deref_mut()
    }

    pub fn run_trial(&mut self, seed: u64, trial: u64) -> TrialOutcome {
        if let Some(d) = self.dr.as_mut() {
            return d.run(seed, trial, false).0;
        }
        self.trace = None;
        self.run(seed, trial)
    }

    /// Runs a trial and also returns its trace, for `replay`.
    pub fn run_trial_traced(&mut self, seed: u64, trial: u64) -> (TrialOutcome, Vec<TraceEntry>) {
        if let Some(d) = self.dr.as_mut() {
            return d.run(seed, trial, true);
        }
        self.trace = Some(Vec::with_capacity(256));
        let outcome = self.run(seed, trial);
        (outcome, self.trace.take().unwrap_or_default())
    }

    fn run(&mut self, seed: u64, trial: u64) -> TrialOutcome {
        self.reset(seed, trial);
        while let Some((now, ev)) = self.q.pop() {
            self.events += 1;
            // Events of one partition (its ISR check, its AlterPartition, a
            // follower catching up) change that partition alone: only it is
            // brought forward and re-derived. Flows are functions of time,
            // so the others lose nothing by being synced at their next
            // event; this keeps a trial's cost linear in partitions.
            let local = match ev {
                Ev::IsrExpire { partition, .. }
                | Ev::AlterPartition { partition, .. }
                | Ev::CaughtUp { partition, .. } => Some(partition.idx()),
                _ => None,
            };
            match local {
                Some(p) => self.sync_partition(p, now),
                None => self.sync(now),
            }
            if self.handle(now, ev) {
                break;
            }
            match local {
                Some(p) => self.refresh_local(now, p),
                None => self.refresh(now),
            }
            if self.trace.is_some() {
                self.sample_offsets(now);
            }
        }
        self.finish()
    }

    fn note(&mut self, now: SimTime, record: TraceRecord) {
        if let Some(t) = self.trace.as_mut() {
            t.push(TraceEntry::new(now, self.events, record));
        }
    }

    /// Tracing only: samples partition 0's leader LEO and HW for timelines
    /// (see `TraceRecord::Offsets`); the last sample is found in the trace
    /// itself, so the world keeps no extra state.
    fn sample_offsets(&mut self, now: SimTime) {
        let Some(l) = self.parts.first().and_then(|p| p.leader) else {
            return;
        };
        let (leo, hw) = (self.parts[0].replicas[l as usize].leo, self.parts[0].hw);
        let last = self.trace.as_ref().and_then(|t| {
            t.iter().rev().find_map(|e| match e.record {
                TraceRecord::Offsets { leo, hw, .. } => Some((e.t_ns, leo.saturating_sub(hw))),
                _ => None,
            })
        });
        let gap = leo.saturating_sub(hw);
        let due = match last {
            None => true,
            Some((t, g)) => {
                now.as_ns().saturating_sub(t) >= 1_000_000_000
                    || (now.as_ns() > t && gap.abs_diff(g) > g / 8 + 16)
            }
        };
        if due {
            self.note(
                now,
                TraceRecord::Offsets {
                    partition: 0,
                    leo,
                    hw,
                },
            );
        }
    }

    // ------------------------------------------------------------------
    // Trial set-up
    // ------------------------------------------------------------------

    fn reset(&mut self, seed: u64, trial: u64) {
        let m = self.model.clone();
        let streams = RngStreams::new(seed, trial);
        let mut network_rng = streams.stream(Purpose::NETWORK);
        let mut workload_rng = streams.stream(Purpose::WORKLOAD);
        self.protocol = streams.stream(Purpose::PROTOCOL);
        self.q.clear();
        self.events = 0;

        // Faults: the scheduled ones and the fault processes' occurrences,
        // drawn as every model draws them (see `crate::faults`).
        self.fault_window.clear();
        self.fault_starts.clear();
        let end = SimTime::ZERO + m.duration;
        crate::faults::plan_stratum(&m, &streams, self.stratum, &mut self.occurrences);
        for o in &self.occurrences {
            self.fault_window.push((o.start, o.stop));
            if o.start < end {
                self.fault_starts.push(o.start);
                self.q.schedule(o.start, Ev::FaultBegin(o.spec));
                if let Some(stop) = o.stop.filter(|s| *s < end) {
                    self.q.schedule(stop, Ev::FaultEnd(o.spec));
                }
            }
        }
        self.fault_starts.sort_unstable();
        self.q.schedule(end, Ev::End);

        let n = m.dcs.len();
        draw_rtts(&m, &mut network_rng, &mut self.rtt);

        self.brokers.clear();
        let half_lag = m.timings.replica_lag_time_max.half().as_ns().max(1);
        for _ in &m.brokers {
            self.brokers.push(Broker {
                contact: true,
                isr_check_phase: SimDuration(self.protocol.gen_range(0..half_lag)),
                ..Broker::default()
            });
        }
        self.controllers_down.clear();
        self.controllers_down.resize(m.controllers.len(), 0);
        self.dc_down.clear();
        self.dc_down.resize(n, 0);
        self.cuts.clear();
        self.cuts.resize(n * n, 0);
        self.election = TimerGen::default();
        self.active = (0..m.controllers.len())
            .map(|c| ControllerIdx(c as u16))
            .find(|&c| self.controller_eligible(c));

        self.parts.clear();
        self.epochs
            .resize_with(m.partitions.len() * MAX_RF, Vec::new);
        for (pi, p) in m.partitions.iter().enumerate() {
            let rate = self.rate_of(PartitionIdx(pi as u32));
            let mut curve = LeoCurve::new(rate);
            curve.reset(
                rate,
                Segment {
                    t0: SimTime::ZERO,
                    leo0: 0,
                    appending: false,
                    epoch: 0,
                },
            );
            let mut replicas = [Replica::fresh(); MAX_RF];
            replicas[0].fetch = Fetch::Leader;
            for slot in 0..MAX_RF {
                let log = &mut self.epochs[pi * MAX_RF + slot];
                log.clear();
                if slot == 0 {
                    log.push(EpochStart { epoch: 0, start: 0 });
                }
            }
            self.parts.push(Partition {
                leader: Some(0),
                epoch: 0,
                elr: 0,
                // Observers start outside the ISR.
                isr: ((1u16 << p.rf) - 1) as u8 & !p.observers,
                pending_isr: None,
                pending_timer: TimerGen::default(),
                expire_timer: TimerGen::default(),
                curve,
                hw: 0,
                acked_upto: 0,
                blocked_since: None,
                stalled_since: None,
                ack_latency_us: None,
                ack_latency_since: SimTime::ZERO,
                write_bad: false,
                read_bad: false,
                zombie: None,
                replicas,
            });
        }
        self.epochs.truncate(m.partitions.len() * MAX_RF);
        self.oracle.reset(m.partitions.len());
        self.invariants.reset(m.partitions.len());
        self.writes = OutageClock::default();
        self.reads = OutageClock::default();
        self.faults_begun = 0;
        self.faults_ended = 0;
        self.failed_sends = 0;
        self.duplicates = 0;
        self.skipped = 0;
        self.cross_dc_bytes = 0;
        self.latency.clear();
        self.consumer_alive.clear();
        self.consumer_alive.resize(m.consumers.len(), true);
        self.commit_phase.clear();
        for c in &m.consumers {
            let interval = c.commit_interval.as_ns().max(1);
            self.commit_phase
                .push(SimDuration(workload_rng.gen_range(0..interval)));
        }
        self.refresh(SimTime::ZERO);
    }

    // ------------------------------------------------------------------
    // Topology helpers
    // ------------------------------------------------------------------

    fn rate_of(&self, p: PartitionIdx) -> u64 {
        let topic = &self.model.topics[self.model.partitions[p.idx()].topic.idx()];
        topic
            .producer
            .map_or(0, |i| self.model.producers[i].rate_mrps_per_partition)
    }

    fn connected(&self, a: DcIdx, b: DcIdx) -> bool {
        a == b || self.cuts[self.model.dc_pair(a, b)] == 0
    }

    fn rtt_between(&self, a: DcIdx, b: DcIdx) -> SimDuration {
        self.rtt[self.model.dc_pair(a, b)]
    }

    fn broker_dc(&self, b: BrokerIdx) -> DcIdx {
        self.model.brokers[b.idx()].dc
    }

    fn replica_broker(&self, p: usize, slot: usize) -> BrokerIdx {
        self.model.partitions[p].replicas[slot]
    }

    fn controller_up(&self, c: ControllerIdx) -> bool {
        self.controllers_down[c.idx()] == 0
    }

    /// A voter can lead when it reaches a majority of voters (itself
    /// included) that are up: Raft's vote and check-quorum conditions.
    fn controller_eligible(&self, c: ControllerIdx) -> bool {
        if !self.controller_up(c) {
            return false;
        }
        let m = &self.model;
        let dc = m.controllers[c.idx()].dc;
        let reachable = (0..m.controllers.len())
            .filter(|&u| self.controllers_down[u] == 0 && self.connected(dc, m.controllers[u].dc))
            .count();
        reachable * 2 > m.controllers.len()
    }

    fn eff_min_isr(&self, p: usize) -> u32 {
        let t = &self.model.topics[self.model.partitions[p].topic.idx()];
        t.min_isr.min(t.rf) as u32
    }

    // ------------------------------------------------------------------
    // Flow: bring partitions forward to `now`
    // ------------------------------------------------------------------

    fn sync(&mut self, now: SimTime) {
        for p in 0..self.parts.len() {
            self.sync_partition(p, now);
        }
    }

    fn sync_partition(&mut self, p: usize, now: SimTime) {
        let m = self.model.clone();
        let spec = &m.partitions[p];
        let topic = &m.topics[spec.topic.idx()];
        let producer = topic.producer.map(|i| &m.producers[i]);
        let record_bytes = producer.map_or(0, |pr| pr.record_bytes);
        if let Some(z) = self.parts[p].zombie {
            let rate = self.parts[p].curve.rate_mrps();
            let zs = z.slot as usize;
            let before = self.parts[p].replicas[zs].leo;
            let leo = z.leo(now, rate).max(before);
            self.parts[p].replicas[zs].leo = leo;
            if producer.is_some_and(|pr| pr.dc != self.broker_dc(spec.replicas[zs])) {
                self.cross_dc_bytes += (leo - before) * record_bytes;
            }
            // acks=1 is answered on the zombie's own append.
            if producer.is_some_and(|pr| pr.acks == Acks::One) && leo > z.acked_upto {
                self.acknowledge_with(p, zs, z.acked_upto, leo, now, |o| z.time_of(o, rate));
                if let Some(z) = self.parts[p].zombie.as_mut() {
                    z.acked_upto = leo;
                }
            }
        }
        let Some(l) = self.parts[p].leader else {
            return;
        };
        let l = l as usize;
        let leader_dc = self.broker_dc(spec.replicas[l]);
        let part = &mut self.parts[p];
        let epoch = part.epoch;
        let leo_now = part.curve.now(now);
        let mut bytes = 0u64;
        let old_leader_leo = part.replicas[l].leo;
        part.replicas[l].leo = leo_now.max(old_leader_leo);
        part.replicas[l].view = part.replicas[l].leo;
        if let Some(pr) = producer {
            if pr.dc != leader_dc {
                bytes += (part.replicas[l].leo - old_leader_leo) * record_bytes;
            }
        }
        for s in 0..spec.rf as usize {
            if s == l {
                continue;
            }
            let f_dc = self.model.brokers[spec.replicas[s].idx()].dc;
            let rtt = self.rtt[m.dc_pair(leader_dc, f_dc)];
            let part = &mut self.parts[p];
            let r = &mut part.replicas[s];
            let before = r.leo;
            match r.fetch {
                Fetch::Streaming => {
                    if let Some(v) = part.curve.at(now.saturating_sub(rtt.half()), Some(epoch)) {
                        r.leo = r.leo.max(v);
                    }
                    if let Some(v) = part.curve.at(now.saturating_sub(rtt), Some(epoch)) {
                        r.view = r.view.max(v.min(r.leo));
                    }
                    r.last_caught_up = now;
                }
                Fetch::CatchingUp => {
                    let rate = catchup_rate_mrps(&m, p, leader_dc, f_dc);
                    let fetched =
                        r.catchup_from + records_over(rate, now.since(r.catchup_t0).as_ns());
                    let ceiling = part
                        .curve
                        .at(now.saturating_sub(rtt.half()), Some(epoch))
                        .unwrap_or(r.leo);
                    r.leo = r.leo.max(fetched.min(ceiling));
                    r.view = r.leo;
                }
                _ => {}
            }
            if f_dc != leader_dc {
                bytes += (r.leo - before) * record_bytes;
            }
        }
        // The high watermark: the minimum LEO over the maximal ISR, frozen
        // while the ISR is below min.insync.replicas (KAFKA-15583, 3.7+).
        let part = &self.parts[p];
        let maximal = part.isr | part.pending_isr.unwrap_or(0);
        let isr_count = part.isr.count_ones();
        let eff_min = self.eff_min_isr(p);
        let mut hw = part.replicas[l].leo;
        for s in 0..spec.rf as usize {
            if maximal & (1 << s) != 0 {
                hw = hw.min(part.replicas[s].view);
            }
        }
        let old_hw = part.hw;
        let part = &mut self.parts[p];
        if isr_count >= eff_min && hw > part.hw {
            part.hw = hw;
        }
        self.invariants.observe_hw(p, part.epoch, part.hw);
        if m.follower_truncation == FollowerTruncation::HighWatermark {
            self.update_known_hw(p, l, now);
        }
        // Consumers fetch up to the high watermark, from the leader or, with
        // follower fetching, from a replica in their rack.
        let consumer_cross = m
            .consumers
            .iter()
            .enumerate()
            .filter(|(i, c)| {
                c.topic == spec.topic
                    && self.consumer_alive[*i]
                    && self.consumer_source_dc(p, *i).unwrap_or(leader_dc) != c.dc
            })
            .count() as u64;
        let part = &mut self.parts[p];
        bytes += (part.hw.saturating_sub(old_hw)) * record_bytes * consumer_cross;
        self.cross_dc_bytes += bytes;

        // What the producer has seen acknowledged.
        if let Some(pr) = producer {
            let target = match pr.acks {
                Acks::Zero => 0,
                Acks::One => part.replicas[l].leo,
                Acks::All if self.canary_ack_before_hw => part.replicas[l].leo,
                Acks::All => part.hw,
            };
            if target > part.acked_upto {
                let start = part.acked_upto;
                part.acked_upto = target;
                self.acknowledge(p, l, start, target, now);
            }
        }
    }

    /// What each replica knows of the high watermark (legacy truncation
    /// only). The leader knows its own. A follower learns it from fetch
    /// responses: a response reaching it now left the leader half a round
    /// trip ago and carried the high watermark of that instant, which the
    /// leader had computed from what each ISR member's previous fetch told
    /// it (KIP-101 "Scenario 1": the follower's HW lags by one round).
    /// Read off the flow: the high watermark at `t` is the minimum over the
    /// maximal ISR of the leader's LEO at `t` and each streaming follower's
    /// LEO as the leader knew it then (`LEO(t - RTT)`); a member not
    /// streaming counts with the offset the leader last knew.
    fn update_known_hw(&mut self, p: usize, l: usize, now: SimTime) {
        let m = &self.model;
        let spec = &m.partitions[p];
        let rf = spec.rf as usize;
        let leader_dc = m.brokers[spec.replicas[l].idx()].dc;
        let part = &self.parts[p];
        let epoch = part.epoch;
        let hw_now = part.hw;
        let maximal = part.isr | part.pending_isr.unwrap_or(0);
        let mut known = [0u64; MAX_RF];
        for (s, k) in known.iter_mut().enumerate().take(rf) {
            let r = &part.replicas[s];
            *k = r.hw_known;
            if s == l {
                *k = hw_now;
                continue;
            }
            if !matches!(r.fetch, Fetch::Streaming | Fetch::CatchingUp) {
                continue;
            }
            let f_dc = m.brokers[spec.replicas[s].idx()].dc;
            let sent = now.saturating_sub(self.rtt[m.dc_pair(leader_dc, f_dc)].half());
            let mut hw_then = part.curve.at(sent, Some(epoch));
            for o in 0..rf {
                if o == l || maximal & (1 << o) == 0 {
                    continue;
                }
                let ro = &part.replicas[o];
                let seen = if ro.fetch == Fetch::Streaming {
                    let o_dc = m.brokers[spec.replicas[o].idx()].dc;
                    let rtt_o = self.rtt[m.dc_pair(leader_dc, o_dc)];
                    part.curve.at(sent.saturating_sub(rtt_o), Some(epoch))
                } else {
                    Some(ro.view)
                };
                hw_then = match (hw_then, seen) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    _ => None,
                };
            }
            // Without history (the epoch began after `sent`) nothing new is
            // learned; a follower's HW never exceeds its own LEO.
            if let Some(h) = hw_then {
                *k = (*k).max(h.min(hw_now)).min(r.leo);
            }
        }
        for (s, k) in known.iter().enumerate().take(rf) {
            self.parts[p].replicas[s].hw_known = *k;
        }
    }

    /// Hands `[start, end)` of the leader's log to the oracle, split by the
    /// epochs the records were written in.
    fn acknowledge(&mut self, p: usize, l: usize, start: u64, end: u64, now: SimTime) {
        let curve = self.parts[p].curve;
        self.acknowledge_with(p, l, start, end, now, |o| {
            curve.time_of(o).unwrap_or(now).min(now)
        });
    }

    /// Hands `[start, end)` of replica `l`'s log to the oracle, split by the
    /// epochs the records were written in, dated by `time_of` and
    /// acknowledged at `now`.
    fn acknowledge_with(
        &mut self,
        p: usize,
        l: usize,
        start: u64,
        end: u64,
        now: SimTime,
        time_of: impl Fn(u64) -> SimTime,
    ) {
        let log = &self.epochs[p * MAX_RF + l];
        for (i, e) in log.iter().enumerate() {
            let seg_end = log.get(i + 1).map_or(u64::MAX, |n| n.start);
            let lo = e.start.max(start);
            let hi = seg_end.min(end);
            if lo < hi {
                let t_start = time_of(lo);
                let t_end = time_of(hi - 1);
                self.oracle.acknowledge(
                    p,
                    AckedRange {
                        epoch: e.epoch,
                        start: lo,
                        end: hi,
                        t_start,
                        t_end,
                        t_ack: now,
                        faults_before_ack: self.faults_begun,
                        faults_ended_before_ack: self.faults_ended,
                    },
                );
            }
        }
    }

    /// Makes a follower's epoch cache explicit (it was "the leader's, cut at
    /// my LEO") before its log changes independently of the leader's.
    fn ensure_epochs(&mut self, p: usize, s: usize) {
        let r = self.parts[p].replicas[s];
        if !r.prefix_of_leader {
            return;
        }
        if let Some(l) = self.parts[p].leader {
            let l = l as usize;
            if l != s {
                let (a, b) = (p * MAX_RF + s, p * MAX_RF + l);
                let (follower, leader) = if a < b {
                    let (x, y) = self.epochs.split_at_mut(b);
                    (&mut x[a], &y[0])
                } else {
                    let (x, y) = self.epochs.split_at_mut(a);
                    (&mut y[0], &x[b])
                };
                follower.clear();
                // Entries starting at the LEO describe the records this
                // follower fetches next: keep them, or a follower that goes
                // on streaming would tag new-epoch records with the old epoch.
                follower.extend(leader.iter().copied().take_while(|e| e.start <= r.leo));
            }
        }
        self.parts[p].replicas[s].prefix_of_leader = false;
    }

    // ------------------------------------------------------------------
    // Event handlers
    // ------------------------------------------------------------------

    /// Returns true when the trial is over.
    fn handle(&mut self, now: SimTime, ev: Ev) -> bool {
        match ev {
            Ev::FaultBegin(i) => self.fault_begins(now, i as usize),
            Ev::FaultEnd(i) => self.fault_ends(now, i as usize),
            Ev::Fence { broker, gen } => {
                if self.brokers[broker.idx()].fence_timer.fire(gen) && self.active.is_some() {
                    self.fence(now, broker);
                }
            }
            Ev::Unfence { broker, gen } => {
                if self.brokers[broker.idx()].unfence_timer.fire(gen) && self.active.is_some() {
                    self.unfence(now, broker);
                }
            }
            Ev::ControllerElection { gen } => {
                if self.election.fire(gen) {
                    self.elect_controller(now);
                }
            }
            Ev::IsrExpire { partition, gen } => {
                if self.parts[partition.idx()].expire_timer.fire(gen) {
                    self.isr_expire(now, partition.idx());
                }
            }
            Ev::AlterPartition { partition, gen } => {
                if self.parts[partition.idx()].pending_timer.fire(gen) {
                    self.apply_alter_partition(now, partition.idx());
                }
            }
            Ev::CaughtUp {
                partition,
                slot,
                gen,
            } => {
                let p = partition.idx();
                if self.parts[p].replicas[slot as usize]
                    .catchup_timer
                    .fire(gen)
                {
                    self.caught_up(now, p, slot as usize);
                }
            }
            Ev::End => return true,
        }
        false
    }

    fn fault_begins(&mut self, now: SimTime, i: usize) {
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
            FaultMode::Crash | FaultMode::PowerLoss => {
                let power = f.mode == FaultMode::PowerLoss;
                for &b in &f.brokers {
                    let was_up = self.brokers[b.idx()].up();
                    self.brokers[b.idx()].down += 1;
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
            FaultMode::UncleanElection => {
                if let Some(t) = f.topic {
                    self.runbook_unclean_election(now, t);
                }
            }
            // Mirrors exist only between clusters (the `dr` model).
            FaultMode::MirrorStopped | FaultMode::MirrorDegraded => {}
        }
    }

    fn fault_ends(&mut self, now: SimTime, i: usize) {
        let m = self.model.clone();
        let f = &m.faults[i];
        self.faults_ended += 1;
        self.note(now, TraceRecord::FaultEnds { fault: i as u16 });
        match f.mode {
            FaultMode::Crash | FaultMode::PowerLoss | FaultMode::ControlledShutdown => {
                for &b in &f.brokers {
                    let br = &mut self.brokers[b.idx()];
                    br.down -= 1;
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
            FaultMode::UncleanElection | FaultMode::MirrorStopped | FaultMode::MirrorDegraded => {}
        }
    }

    /// An operator's `kafka-leader-election --election-type UNCLEAN` for
    /// every leaderless partition of `topic`: the controller elects the
    /// first live replica in assignment order (sync replicas, then
    /// observers). It needs an active controller; without one the command
    /// fails and nothing changes.
    fn runbook_unclean_election(&mut self, now: SimTime, topic: TopicIdx) {
        if self.active.is_none() {
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

    fn cut(&mut self, side_a: u64, side_b: u64, begin: bool) {
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
    fn controlled_shutdown(&mut self, now: SimTime, b: BrokerIdx) {
        let br = self.brokers[b.idx()];
        if !br.up() {
            self.brokers[b.idx()].down += 1;
            return;
        }
        if br.serving() && br.contact && self.active.is_some() {
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
    fn truncate_to_high_watermark(&mut self, now: SimTime, b: BrokerIdx) {
        let node = self.model.brokers[b.idx()].node_id;
        for p in 0..self.parts.len() {
            let Some(s) = self.model.partitions[p]
                .replicas()
                .iter()
                .position(|&x| x == b)
            else {
                continue;
            };
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
    fn lose_page_cache(&mut self, now: SimTime, b: BrokerIdx) {
        if self.brokers[b.idx()].stopped_cleanly {
            // Stopped by a controlled shutdown: everything was flushed.
            return;
        }
        let window = self.model.timings.unflushed_window;
        let node = self.model.brokers[b.idx()].node_id;
        for p in 0..self.parts.len() {
            let Some(s) = self.model.partitions[p]
                .replicas()
                .iter()
                .position(|&x| x == b)
            else {
                continue;
            };
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

    fn elect_controller(&mut self, now: SimTime) {
        let n = self.model.controllers.len();
        let eligible: Vec<ControllerIdx> = (0..n)
            .map(|c| ControllerIdx(c as u16))
            .filter(|&c| self.controller_eligible(c))
            .collect();
        if eligible.is_empty() {
            return;
        }
        // Randomised election timeouts decide which eligible voter wins.
        let winner = eligible[self.protocol.gen_range(0..eligible.len())];
        self.active = Some(winner);
        self.note(
            now,
            TraceRecord::ControllerElected {
                controller: self.model.controllers[winner.idx()].node_id,
            },
        );
        // A new active controller starts every broker's session afresh:
        // brokers it cannot hear from are fenced a full session timeout
        // after it took over.
        let m = self.model.clone();
        let dc = m.controllers[winner.idx()].dc;
        let at = now + m.timings.broker_session_timeout;
        for b in 0..self.brokers.len() {
            let contact = self.brokers[b].up() && self.connected(m.brokers[b].dc, dc);
            let br = &mut self.brokers[b];
            br.fence_timer.cancel();
            br.contact = contact;
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

    fn fence(&mut self, now: SimTime, b: BrokerIdx) {
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
        for p in 0..self.parts.len() {
            let Some(s) = self.model.partitions[p]
                .replicas()
                .iter()
                .position(|&x| x == b)
            else {
                continue;
            };
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

    fn unfence(&mut self, now: SimTime, b: BrokerIdx) {
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
        for p in 0..self.parts.len() {
            if self.parts[p].leader.is_none() && self.model.partitions[p].replicas().contains(&b) {
                self.elect_leader(now, p);
            }
        }
    }

    /// The controller's partition leader election: the first replica in
    /// assignment order that is in the ISR and unfenced; with unclean leader
    /// election enabled and none such, the first unfenced replica.
    fn elect_leader(&mut self, now: SimTime, p: usize) {
        let unclean = self.model.topics[self.model.partitions[p].topic.idx()].unclean;
        self.elect_leader_with(now, p, unclean);
    }

    fn elect_leader_with(&mut self, now: SimTime, p: usize, allow_unclean: bool) {
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
        let unclean = kind == Some(Election::Unclean);
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
            None => {
                part.leader = None;
                for s in 0..spec.rf as usize {
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
            Some(l) => {
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
                let rate = part.curve.rate_mrps();
                part.curve.push(Segment {
                    t0: now,
                    leo0: leo,
                    appending: false,
                    epoch,
                });
                let _ = rate;
                for s in 0..spec.rf as usize {
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
                // A new leader knows nothing of its followers until they
                // fetch (Kafka's makeLeader resets remote replica state): what
                // a follower counts for in the high watermark is at most the
                // prefix it shares with the new leader's log.
                for s in 0..spec.rf as usize {
                    if s != l {
                        let (fi, li) = (p * MAX_RF + s, p * MAX_RF + l);
                        let f_leo = self.parts[p].replicas[s].leo;
                        let div = log::divergence(&self.epochs[fi], f_leo, &self.epochs[li], leo);
                        let r = &mut self.parts[p].replicas[s];
                        r.view = r.view.min(div);
                    }
                }
                self.note(
                    now,
                    TraceRecord::LeaderElected {
                        partition: p as u32,
                        broker: m.brokers[spec.replicas[l].idx()].node_id,
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
                // Consumers whose position lies beyond the new leader's log
                // are out of range and follow auto.offset.reset.
                if leo < old_hw {
                    self.offsets_out_of_range(p, leo, old_hw);
                }
            }
        }
        if let Some(z) = zombie {
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
            let node = m.brokers[spec.replicas[z].idx()].node_id;
            self.note(
                now,
                TraceRecord::ZombieBegins {
                    partition: p as u32,
                    broker: node,
                },
            );
        }
    }

    fn offsets_out_of_range(&mut self, p: usize, new_end: u64, position: u64) {
        let m = self.model.clone();
        let topic = m.partitions[p].topic;
        for (i, c) in m.consumers.iter().enumerate() {
            if c.topic != topic || !self.consumer_alive[i] {
                continue;
            }
            match c.reset {
                // Reset to the log end: nothing re-read; records appended
                // between the truncation and the reset would be skipped, and
                // the reset happens at the next fetch, at the same instant.
                OffsetReset::Latest => self.skipped += 0,
                // Reset to the start: everything still in the log is re-read.
                OffsetReset::Earliest => self.duplicates += new_end.min(position),
            }
        }
    }

    fn isr_expire(&mut self, now: SimTime, p: usize) {
        let Some(l) = self.parts[p].leader else {
            return;
        };
        let leader_b = self.replica_broker(p, l as usize);
        if !self.brokers[leader_b.idx()].serving() {
            return;
        }
        let lag = self.model.timings.replica_lag_time_max;
        let rf = self.model.partitions[p].rf as usize;
        let part = &self.parts[p];
        let mut remove = 0u8;
        for s in 0..rf {
            let r = &part.replicas[s];
            if s != l as usize
                && part.isr & (1 << s) != 0
                && r.fetch != Fetch::Streaming
                && now.since(r.last_caught_up) > lag
            {
                remove |= 1 << s;
            }
        }
        if remove != 0 && part.pending_isr.is_none() {
            let new_isr = part.isr & !remove;
            self.parts[p].pending_isr = Some(new_isr);
        }
    }

    fn apply_alter_partition(&mut self, now: SimTime, p: usize) {
        let Some(new_isr) = self.parts[p].pending_isr.take() else {
            return;
        };
        // The controller rejects members that are fenced.
        let rf = self.model.partitions[p].rf as usize;
        let mut isr = new_isr;
        for s in 0..rf {
            if isr & (1 << s) != 0 && self.brokers[self.replica_broker(p, s).idx()].fenced {
                isr &= !(1 << s);
            }
        }
        if isr == 0 || isr == self.parts[p].isr {
            return;
        }
        self.set_isr(now, p, isr);
    }

    /// Every ISR change goes through here, so the ELR rule holds everywhere:
    /// while the new ISR is below min ISR, members leaving it join the ELR;
    /// once the ISR is back at min ISR, the ELR is cleared (KIP-966,
    /// `PartitionChangeBuilder.maybePopulateTargetElr`).
    fn set_isr(&mut self, now: SimTime, p: usize, isr: u8) {
        let eff_min = self.eff_min_isr(p);
        let elr_on = self.model.elr;
        let part = &mut self.parts[p];
        let old = part.isr;
        if old == isr {
            return;
        }
        if elr_on {
            part.elr = if isr.count_ones() < eff_min {
                (part.elr | (old & !isr)) & !isr
            } else {
                0
            };
        }
        part.isr = isr;
        part.pending_isr = None;
        part.pending_timer.cancel();
        let elr = part.elr;
        self.note(
            now,
            TraceRecord::IsrChanged {
                partition: p as u32,
                isr,
                elr,
            },
        );
    }

    /// The replica a leader election picks among those `ok` accepts: the
    /// first ISR member in assignment order; with ELR, the first ELR member;
    /// with unclean election enabled, the first replica at all.
    fn leader_candidate(&self, p: usize, ok: impl Fn(usize) -> bool) -> Option<(usize, Election)> {
        let unclean = self.model.topics[self.model.partitions[p].topic.idx()].unclean;
        self.leader_candidate_with(p, ok, unclean)
    }

    /// [`Self::leader_candidate`], with unclean election allowed or not
    /// (an operator's `kafka-leader-election --election-type UNCLEAN`
    /// allows it whatever the topic says).
    fn leader_candidate_with(
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

    /// A broker re-registering after an unclean shutdown leaves every ISR
    /// and ELR (KIP-966 `handleBrokerUncleanShutdown`): its log may have lost
    /// its unflushed suffix, so it is no longer known to hold every
    /// committed record.
    fn forget_unclean_replica(&mut self, now: SimTime, b: BrokerIdx) {
        for p in 0..self.parts.len() {
            let Some(s) = self.model.partitions[p]
                .replicas()
                .iter()
                .position(|&x| x == b)
            else {
                continue;
            };
            let bit = 1u8 << s;
            self.parts[p].elr &= !bit;
            let isr = self.parts[p].isr;
            if isr & bit != 0 {
                self.set_isr(now, p, isr & !bit);
            }
        }
    }

    fn caught_up(&mut self, now: SimTime, p: usize, s: usize) {
        let Some(l) = self.parts[p].leader else {
            return;
        };
        let m = self.model.clone();
        let leader_dc = self.broker_dc(self.replica_broker(p, l as usize));
        let f_dc = self.broker_dc(self.replica_broker(p, s));
        let rtt = self.rtt_between(leader_dc, f_dc);
        let part = &mut self.parts[p];
        let target = part
            .curve
            .at(now.saturating_sub(rtt.half()), Some(part.epoch))
            .unwrap_or(part.replicas[s].leo);
        if part.replicas[s].fetch != Fetch::CatchingUp {
            return;
        }
        if part.replicas[s].leo >= target {
            let r = &mut part.replicas[s];
            r.fetch = Fetch::Streaming;
            r.last_caught_up = now;
            let leo = r.leo;
            // Observers never join the ISR by catching up; only a promotion
            // policy puts them there (see `promote_or_demote_observers`).
            let observer = m.partitions[p].observers & (1 << s) != 0;
            if !observer && part.isr & (1 << s) == 0 && part.pending_isr.is_none() {
                part.pending_isr = Some(part.isr | (1 << s));
            }
            self.note(
                now,
                TraceRecord::CaughtUp {
                    partition: p as u32,
                    broker: m.brokers[self.replica_broker(p, s).idx()].node_id,
                    leo,
                },
            );
        } else {
            self.arm_catchup(now, p, s);
        }
    }

    fn arm_catchup(&mut self, now: SimTime, p: usize, s: usize) {
        let Some(l) = self.parts[p].leader else {
            return;
        };
        let m = self.model.clone();
        let leader_dc = self.broker_dc(self.replica_broker(p, l as usize));
        let f_dc = self.broker_dc(self.replica_broker(p, s));
        let c = catchup_rate_mrps(&m, p, leader_dc, f_dc);
        let part = &mut self.parts[p];
        let r_rate = part.curve.append_rate_mrps();
        let backlog = part.curve.now(now).saturating_sub(part.replicas[s].leo);
        if c <= r_rate {
            // The follower can never catch up at this rate: it stays out of
            // the ISR (honest: a slow link makes a permanent laggard).
            return;
        }
        let ns = (backlog as u128 * 1_000_000_000_000u128).div_ceil((c - r_rate) as u128);
        let rtt = self.rtt_between(leader_dc, f_dc);
        let at =
            now + SimDuration(ns.min(u64::MAX as u128 / 2) as u64) + rtt.half() + SimDuration(1);
        let gen = self.parts[p].replicas[s].catchup_timer.arm();
        self.q.schedule(
            at,
            Ev::CaughtUp {
                partition: PartitionIdx(p as u32),
                slot: s as u8,
                gen,
            },
        );
    }

    // ------------------------------------------------------------------
    // Refresh: derived state, timers, outages
    // ------------------------------------------------------------------

    fn refresh(&mut self, now: SimTime) {
        self.refresh_controller(now);
        self.refresh_brokers(now);
        for p in 0..self.parts.len() {
            self.refresh_partition(now, p);
        }
        self.refresh_consumers(now, None);
    }

    /// [`Self::refresh`] after an event of partition `p` alone.
    fn refresh_local(&mut self, now: SimTime, p: usize) {
        self.refresh_controller(now);
        self.refresh_brokers(now);
        self.refresh_partition(now, p);
        self.refresh_consumers(now, Some(p));
    }

    fn refresh_controller(&mut self, now: SimTime) {
        if let Some(a) = self.active {
            if !self.controller_eligible(a) {
                self.active = None;
                self.note(now, TraceRecord::QuorumLost);
            }
        }
        if self.active.is_none() && !self.election.is_armed() {
            let any = (0..self.model.controllers.len())
                .any(|c| self.controller_eligible(ControllerIdx(c as u16)));
            if any {
                // Voters notice the missing leader after the fetch timeout,
                // then wait a random election timeout in [T, 2T).
                let t = self.model.timings;
                let jitter = self
                    .protocol
                    .gen_range(0..t.election_timeout.as_ns().max(1));
                let at = now + t.fetch_timeout + t.election_timeout + SimDuration(jitter);
                let gen = self.election.arm();
                self.q.schedule(at, Ev::ControllerElection { gen });
            }
        }
    }

    fn refresh_brokers(&mut self, now: SimTime) {
        let m = self.model.clone();
        let t = m.timings;
        let active_dc = self.active.map(|a| m.controllers[a.idx()].dc);
        for b in 0..self.brokers.len() {
            let dc = m.brokers[b].dc;
            let contact = self.brokers[b].up() && active_dc.is_some_and(|a| self.connected(dc, a));
            let br = &mut self.brokers[b];
            if contact != br.contact {
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
                    let hb = self
                        .protocol
                        .gen_range(0..t.broker_heartbeat_interval.as_ns().max(1));
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
                let since_hb = self
                    .protocol
                    .gen_range(0..t.broker_heartbeat_interval.as_ns().max(1));
                let at = now + (t.broker_session_timeout - SimDuration(since_hb));
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
    }

    fn refresh_partition(&mut self, now: SimTime, p: usize) {
        let m = self.model.clone();
        let spec = &m.partitions[p];
        let rf = spec.rf as usize;
        let leader = self.parts[p].leader.map(|l| l as usize);
        let leader_b = leader.map(|l| spec.replicas[l]);
        let leader_up = leader_b.is_some_and(|b| self.brokers[b.idx()].serving());
        let leader_dc = leader_b.map(|b| self.broker_dc(b));

        // A zombie learns the truth when it hears from the controller again
        // (and is then fenced until it re-registers), or dies.
        if let Some(z) = self.parts[p].zombie {
            let zb = spec.replicas[z.slot as usize];
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

        // Followers: who can fetch, who must reconcile, who stalls.
        for s in 0..rf {
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

        if spec.observers != 0 && leader_up && self.parts[p].pending_isr.is_none() {
            self.promote_or_demote_observers(now, p);
        }

        // AlterPartition goes from the leader to the active controller.
        if self.parts[p].pending_isr.is_some() && !self.parts[p].pending_timer.is_armed() {
            if let (Some(a), Some(lb)) = (self.active, leader_b) {
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
        }

        // Producer: can it append, and do acknowledgements flow?
        let topic = &m.topics[spec.topic.idx()];
        let Some(pi) = topic.producer else { return };
        let pr = &m.producers[pi];
        let producer_alive = self.dc_down[pr.dc.idx()] == 0;
        let reach = leader_up && leader_dc.is_some_and(|d| self.connected(d, pr.dc));
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

    /// Confluent's automatic observer promotion and demotion, proposed by the
    /// leader through the same one-at-a-time `AlterPartition` as any ISR
    /// change:
    ///
    /// - promote caught-up (streaming) observers, in assignment order, while
    ///   the ISR is below the policy's threshold: `min.insync.replicas` for
    ///   `under-min-isr`, the sync replica count for `under-replicated`;
    ///   `leader-is-observer` (and version 1) only once an operator made an
    ///   observer the leader, then up to min ISR;
    /// - demote observers (other than the leader) once enough sync replicas
    ///   are back in the ISR that the ISR stays at the threshold without them.
    ///
    /// An observer that is not caught up is never promoted: promoting it
    /// would stall the high watermark, and Confluent promotes only caught-up
    /// observers [CP-AOP-blog].
    fn promote_or_demote_observers(&mut self, now: SimTime, p: usize) {
        let m = self.model.clone();
        let spec = &m.partitions[p];
        let topic = &m.topics[spec.topic.idx()];
        let Some(l) = self.parts[p].leader else {
            return;
        };
        let obs = spec.observers;
        let part = &self.parts[p];
        let isr = part.isr;
        let eff_min = self.eff_min_isr(p);
        let leader_is_observer = obs & (1 << l) != 0;
        let promote_below = match topic.promotion {
            PromotionPolicy::UnderMinIsr => eff_min,
            PromotionPolicy::UnderReplicated => topic.rf as u32,
            PromotionPolicy::LeaderIsObserver if leader_is_observer => eff_min,
            PromotionPolicy::LeaderIsObserver => 0,
        };
        let demote_at = match topic.promotion {
            PromotionPolicy::UnderReplicated => topic.rf as u32,
            _ => eff_min,
        };
        let mut target = isr;
        if isr.count_ones() < promote_below {
            for s in 0..spec.rf as usize {
                let bit = 1u8 << s;
                if target.count_ones() >= promote_below {
                    break;
                }
                if obs & bit != 0 && isr & bit == 0 && part.replicas[s].fetch == Fetch::Streaming {
                    target |= bit;
                }
            }
        } else if isr & obs & !(1 << l) != 0 && (isr & !obs).count_ones() >= demote_at {
            target = isr & !(obs & !(1 << l));
        }
        if target != isr {
            self.parts[p].pending_isr = Some(target);
            let promoted = target & !isr != 0;
            self.note(
                now,
                TraceRecord::ObserversChanging {
                    partition: p as u32,
                    isr: target,
                    promote: promoted,
                },
            );
        }
    }

    /// Adds the records acknowledged at the partition's current steady
    /// latency since the window opened, and opens a new window at `now`.
    fn close_latency_window(&mut self, p: usize, now: SimTime) {
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

    fn arm_isr_expire(&mut self, now: SimTime, p: usize) {
        let Some(l) = self.parts[p].leader else {
            return;
        };
        let b = self.replica_broker(p, l as usize);
        let lag = self.model.timings.replica_lag_time_max;
        let half = lag.half().as_ns().max(1);
        let phase = self.brokers[b.idx()].isr_check_phase.as_ns();
        // The first isr-expiration check strictly more than `lag` from now.
        let due = (now + lag).as_ns() + 1;
        let k = due.saturating_sub(phase).div_ceil(half);
        let at = SimTime(phase + k * half);
        let part = &mut self.parts[p];
        if part.expire_timer.is_armed() {
            return;
        }
        let gen = part.expire_timer.arm();
        self.q.schedule(
            at.max(now),
            Ev::IsrExpire {
                partition: PartitionIdx(p as u32),
                gen,
            },
        );
    }

    /// Truncates follower `s` to where its log diverges from the leader's,
    /// then starts fetching from there. Under legacy truncation a follower
    /// of a new leader epoch instead cuts its log at its own high watermark
    /// without asking the leader (pre-0.11 `makeFollowers`); a fetch beyond
    /// the leader's log end is out of range and cut to it. Records it keeps
    /// below that point may differ from the leader's (KIP-101 "Scenario 2").
    fn reconcile(&mut self, now: SimTime, p: usize, s: usize) {
        let Some(l) = self.parts[p].leader else {
            return;
        };
        let l = l as usize;
        self.ensure_epochs(p, s);
        let leader_leo = self.parts[p].curve.now(now);
        let (fi, li) = (p * MAX_RF + s, p * MAX_RF + l);
        let f_leo = self.parts[p].replicas[s].leo;
        let agree = log::divergence(&self.epochs[fi], f_leo, &self.epochs[li], leader_leo);
        let mut div = agree;
        if self.model.follower_truncation == FollowerTruncation::HighWatermark {
            let r = &self.parts[p].replicas[s];
            div = f_leo.min(leader_leo);
            if r.follows_epoch != self.parts[p].epoch {
                div = div.min(r.hw_known);
            }
        }
        if self.canary_skip_truncation {
            div = f_leo.min(leader_leo);
        }
        let diverged = div > agree;
        let spliced = diverged && !self.canary_skip_truncation;
        if spliced {
            // Legacy truncation kept records the leader does not hold: the
            // follower's log is its own below `div`, the leader's above.
            let (a, b) = (fi.min(li), fi.max(li));
            let (x, y) = self.epochs.split_at_mut(b);
            let (follower, leader) = if fi < li {
                (&mut x[a], &y[0])
            } else {
                (&mut y[0], &x[a])
            };
            log::splice(follower, div, leader);
        }
        if div < f_leo {
            if !spliced {
                log::truncate(&mut self.epochs[fi], div);
            }
            let node = self.model.brokers[self.replica_broker(p, s).idx()].node_id;
            self.note(
                now,
                TraceRecord::Truncated {
                    partition: p as u32,
                    broker: node,
                    from: f_leo,
                    to: div,
                },
            );
        }
        let part = &mut self.parts[p];
        let epoch = part.epoch;
        let r = &mut part.replicas[s];
        r.leo = div;
        r.view = div;
        r.hw_known = r.hw_known.min(div);
        r.follows_epoch = epoch;
        // A broken reconcile (the canary) leaves the follower's own log as it
        // was; a correct one makes it a prefix of the leader's.
        r.prefix_of_leader = !self.canary_skip_truncation && !diverged;
        r.catchup_from = div;
        r.catchup_t0 = now;
        r.fetch = Fetch::CatchingUp;
        self.arm_catchup(now, p, s);
    }

    /// The DC a consumer group reads partition `p` from: with
    /// `RackAwareReplicaSelector` and a `client.rack`, a replica in that rack
    /// that has the group's offsets (the leader, or a follower or observer
    /// streaming from it: a lagging one is skipped and the group goes to the
    /// leader, as KIP-392 consumers do when the preferred replica lacks the
    /// offset). `None`: the group reads from the leader.
    fn consumer_source_dc(&self, p: usize, consumer: usize) -> Option<DcIdx> {
        let m = &self.model;
        let rack = m.consumers[consumer]
            .client_rack
            .filter(|_| m.rack_aware_selector)?;
        let spec = &m.partitions[p];
        let part = &self.parts[p];
        (0..spec.rf as usize)
            .find(|&s| {
                let b = spec.replicas[s];
                m.brokers[b.idx()].rack == rack
                    && self.brokers[b.idx()].serving()
                    && matches!(part.replicas[s].fetch, Fetch::Leader | Fetch::Streaming)
                    && self.connected(m.brokers[b.idx()].dc, m.consumers[consumer].dc)
            })
            .map(|s| m.brokers[spec.replicas[s].idx()].dc)
    }

    /// Consumer groups: deaths with their DC, and read availability of
    /// every partition (or of `only` one).
    fn refresh_consumers(&mut self, now: SimTime, only: Option<usize>) {
        let m = self.model.clone();
        for (i, c) in m.consumers.iter().enumerate() {
            let alive = self.dc_down[c.dc.idx()] == 0;
            if alive != self.consumer_alive[i] {
                self.consumer_alive[i] = alive;
                if !alive {
                    // The group dies with its DC; on restart it resumes from
                    // the last committed offsets and re-processes what it had
                    // consumed since the last auto-commit.
                    let interval = c.commit_interval.as_ns().max(1);
                    let phase = self.commit_phase[i].as_ns();
                    let since_commit = if now.as_ns() >= phase {
                        (now.as_ns() - phase) % interval
                    } else {
                        now.as_ns()
                    };
                    let t = &m.topics[c.topic.idx()];
                    for p in t.first_partition..t.first_partition + t.partitions {
                        let part = &self.parts[p as usize];
                        if part.curve.newest().appending {
                            self.duplicates += records_over(part.curve.rate_mrps(), since_commit);
                        }
                    }
                }
            }
        }
        let range = match only {
            Some(p) => p..p + 1,
            None => 0..self.parts.len(),
        };
        for p in range {
            let spec = &m.partitions[p];
            let leader_b = self.parts[p].leader.map(|l| spec.replicas[l as usize]);
            let mut bad = false;
            for (i, c) in m.consumers.iter().enumerate() {
                if c.topic != spec.topic || !self.consumer_alive[i] {
                    continue;
                }
                let ok = leader_b.is_some_and(|b| {
                    self.brokers[b.idx()].serving() && self.connected(self.broker_dc(b), c.dc)
                }) || self.consumer_source_dc(p, i).is_some();
                bad |= !ok;
            }
            if bad != self.parts[p].read_bad {
                self.parts[p].read_bad = bad;
                self.reads.change(now, bad);
                let available = !bad;
                self.note(
                    now,
                    TraceRecord::ReadAvailability {
                        partition: p as u32,
                        available,
                    },
                );
            }
        }
    }

    // ------------------------------------------------------------------
    // End of trial
    // ------------------------------------------------------------------

    fn finish(&mut self) -> TrialOutcome {
        let m = self.model.clone();
        let end = SimTime::ZERO + m.duration;
        self.note(end, TraceRecord::End);
        self.writes.finish(end);
        self.reads.finish(end);
        // Producers still buffering: what has outlived delivery.timeout.ms failed.
        for p in 0..self.parts.len() {
            let topic = &m.topics[m.partitions[p].topic.idx()];
            let Some(pi) = topic.producer else { continue };
            let dt = m.producers[pi].delivery_timeout;
            let rate = self.parts[p].curve.rate_mrps();
            for since in [self.parts[p].blocked_since, self.parts[p].stalled_since]
                .into_iter()
                .flatten()
            {
                let waited = end.since(since);
                self.failed_sends += records_over(rate, (waited - dt.min(waited)).as_ns());
            }
        }
        for p in 0..self.parts.len() {
            self.close_latency_window(p, end);
        }
        let mut verdict = Verdict::default();
        for p in 0..self.parts.len() {
            let s = self.authoritative_replica(p);
            self.ensure_epochs(p, s);
            let leo = self.parts[p].replicas[s].leo;
            let faults = FaultTimes {
                starts: &self.fault_starts,
                windows: &self.fault_window,
                end,
            };
            self.oracle.judge_partition(
                p,
                &self.epochs[p * MAX_RF + s],
                leo,
                &faults,
                &mut verdict,
            );
        }
        TrialOutcome {
            acked_lost_records: verdict.acked_lost_records,
            rpo_ms: verdict.rpo_ms,
            write_unavailable_ms: self.writes.total.as_ms(),
            max_write_outage_ms: self.writes.longest.as_ms(),
            read_unavailable_ms: self.reads.total.as_ms(),
            max_read_outage_ms: self.reads.longest.as_ms(),
            duplicates_delivered: self.duplicates,
            skipped_records: self.skipped,
            failed_sends: self.failed_sends,
            cross_dc_bytes: self.cross_dc_bytes,
            ack_latency_p99_us: self.latency.quantile(990),
        }
    }

    /// The replica whose log the partition converges to once every pending
    /// detection has run: the leader if its broker is up; otherwise the one
    /// the controller would elect (first ISR member that is up, in
    /// assignment order; with unclean election, first replica that is up);
    /// otherwise the first ISR member, which the partition waits for.
    fn authoritative_replica(&self, p: usize) -> usize {
        let spec = &self.model.partitions[p];
        let part = &self.parts[p];
        let up = |s: usize| self.brokers[spec.replicas[s].idx()].serving();
        if let Some(l) = part.leader {
            if up(l as usize) {
                return l as usize;
            }
        }
        let rf = spec.rf as usize;
        if let Some((s, _)) = self.leader_candidate(p, |s| up(s) && Some(s as u8) != part.leader) {
            return s;
        }
        // Nobody can be elected now: the partition waits for an ISR member
        // (or, with ELR, an eligible one) to return.
        (0..rf)
            .find(|&s| part.isr & (1 << s) != 0)
            .or_else(|| (0..rf).find(|&s| part.elr & (1 << s) != 0))
            .or(part.leader.map(|l| l as usize))
            .unwrap_or(0)
    }
}

/// This trial's round trips into `out`: each link's RTT drawn uniformly in
/// `rtt ± jitter`, the same both ways. Shared by every model, so scenarios
/// with the same links see the same network for the same (seed, trial).
pub(crate) fn draw_rtts(m: &Model, network_rng: &mut StreamRng, out: &mut Vec<SimDuration>) {
    let n = m.dcs.len();
    out.clear();
    out.extend_from_slice(&m.rtt);
    for a in 0..n {
        for b in (a + 1)..n {
            let j = m.jitter[a * n + b].as_ns();
            if j > 0 {
                let base = m.rtt[a * n + b].as_ns();
                let d = network_rng.gen_range(0..=2 * j);
                let v = SimDuration((base + d).saturating_sub(j));
                out[a * n + b] = v;
                out[b * n + a] = v;
            }
        }
    }
}

/// The rate at which a follower in `f_dc` can fetch a backlog from a leader
/// in `leader_dc`: the path's bandwidth shared by the topic's partitions.
fn catchup_rate_mrps(m: &Model, p: usize, leader_dc: DcIdx, f_dc: DcIdx) -> u64 {
    let spec = &m.partitions[p];
    let topic = &m.topics[spec.topic.idx()];
    let bytes = topic
        .producer
        .map_or(1024, |i| m.producers[i].record_bytes)
        .max(1);
    let bw = m.bandwidth_bytes_per_sec[m.dc_pair(leader_dc, f_dc)];
    (bw as u128 * 1000 / bytes as u128 / topic.partitions.max(1) as u128).min(u64::MAX as u128)
        as u64
}
