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

mod consumers;
mod elections;
mod fault_effects;
mod observers;
mod partition_refresh;
mod quorum;
mod replication;
mod state;
mod topology;

pub use state::Invariants;
pub(crate) use state::OutageClock;
use state::*;
use topology::catchup_rate_mrps;
pub(crate) use topology::draw_rtts;

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
