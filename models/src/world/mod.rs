//! One trial of the world: every cluster of a scenario, replica by replica,
//! with the mirrors and the runbook that join them.
//!
//! A scenario without `clusters` is the case of one cluster. Each cluster
//! runs its own KRaft quorum over its own brokers and partitions; mirrors
//! (`mirrors`) are clients of two clusters that copy committed records into
//! an ordinary topic of the target; the runbook (`runbook`) acts on what the
//! world observes. `docs/architecture.md` lists the rooms.
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
/// Logs as leader-epoch-tagged ranges live beside the world, not in it,
/// so the oracle reads them without depending on the world.
pub use crate::log;
pub mod traffic;

mod budget;
mod client_failover;
mod consumers;
mod elections;
mod fault_effects;
mod mirrors;
mod observers;
mod partition_refresh;
mod placement;
mod producer_metadata;
mod producers;
mod quorum;
mod replication;
mod runbook;
mod state;
mod topology;

pub use budget::EventBudgetExceeded;
pub use state::Invariants;
pub(crate) use state::OutageClock;
use state::*;
use topology::catchup_rate_mrps;
pub(crate) use topology::draw_rtts;

use crate::compile::{FaultMode, Model, MAX_RF};
use crate::ids::*;
use crate::oracle::{AckedRange, FaultTimes, Oracle, Verdict};
use crate::outcome::{CutOff, TrialOutcome};
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

/// The stream of producers' metadata-refresh jitter: a purpose of its own,
/// so it moves no other draw.
const CLIENT_METADATA: Purpose = Purpose(0x300);

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
        cluster: u16,
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
    /// A mirrored partition's copy must change course.
    LinkSteer {
        link: u32,
        gen: u32,
    },
    /// The runbook's alert fires.
    Detected {
        gen: u32,
    },
    /// Operators decide to fail over.
    Decided {
        gen: u32,
    },
    /// Producers follow the DNS switch to the DR cluster.
    ProducersSwitched,
    /// Consumer groups follow.
    ConsumersSwitched,
    /// Failback begins (truncate-and-restore).
    FailbackStart {
        gen: u32,
    },
    /// Producers and consumers are back on the primary.
    SwitchedBack,
    /// A producer decides to fail over to another cluster (its own
    /// health check, `producers[].failover`).
    ClientDetected {
        producer: u16,
        gen: u32,
    },
    /// That producer's DNS switch takes effect.
    ClientSwitched {
        producer: u16,
    },
    /// A broker whose link to the controller healed has its pending
    /// request time out and reaches the controller again.
    ContactResumes {
        broker: BrokerIdx,
        gen: u32,
    },
    /// Partition `partition`'s producer refreshes its metadata (and learns
    /// the leader it names).
    ProducerRefresh {
        partition: PartitionIdx,
        gen: u32,
    },
    /// A client whose DC was lost runs again where its deployment says
    /// (placement.rs).
    ClientMoves {
        client: placement::ClientRef,
        gen: u32,
    },
    /// Test hook (`Canaries::loop_forever`): schedules itself again at the
    /// same instant, forever.
    Canary,
    End,
}

/// Where every record a live producer sent ended up, over one trial:
/// `sent = acknowledged + failed + in_flight + died_unacknowledged`, up to
/// the rounding of flows (a record per partition per change of course).
/// Producers with `acks=0` are counted as sent and acknowledged by nobody
/// and are left out of the check by its users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Conservation {
    pub sent: u64,
    pub acknowledged: u64,
    pub failed: u64,
    pub in_flight: u64,
    /// Waited on by a producer that then died with its DC.
    pub died_unacknowledged: u64,
}

/// What an event can change (see `World::scope_of`).
#[derive(Debug, Clone, Copy)]
enum Scope {
    Partition(usize),
    Broker(usize),
    World,
}

/// The mutable state of one trial, reused across trials by one worker.
pub struct World {
    model: Arc<Model>,
    q: EventQueue<Ev>,
    events: u64,
    /// Events this trial may process (see `budget.rs`).
    event_budget: u64,
    occurrences: Vec<crate::faults::Occurrence>,
    stratum: crate::faults::Stratum,
    fault_window: Vec<(SimTime, Option<SimTime>)>,
    fault_starts: Vec<SimTime>,
    rtt: Vec<SimDuration>,
    brokers: Vec<Broker>,
    controllers_down: Vec<u16>,
    dc_down: Vec<u16>,
    cuts: Vec<u16>,
    /// Per cluster: the active controller, its election timer, and the
    /// stream its protocol draws come from (one per cluster, so clusters do
    /// not shift each other's draws).
    active: Vec<Option<ControllerIdx>>,
    election: Vec<TimerGen>,
    /// Per cluster: a time on the grid of the active controller's periodic
    /// check for expired broker sessions (`quorum.rs`).
    fence_check_origin: Vec<SimTime>,
    protocol: Vec<StreamRng>,
    parts: Vec<Partition>,
    /// Per partition: the producer writing it now (a runbook moves them).
    prod: Vec<Option<u16>>,
    /// Per partition: a producer that failed over into it beside `prod`
    /// (client_failover.rs).
    guest: Vec<Option<u16>>,
    /// Per producer: its own failover's progress.
    client_fo: Vec<client_failover::ClientFailoverState>,
    /// When the latest producer switch already decided takes effect (for
    /// [`World::runbook_unfinished`]).
    client_switch_due: Option<SimTime>,
    /// Per partition: the size of its records (its producer's, or for a
    /// mirror topic its source's).
    record_bytes: Vec<u64>,
    /// Per partition: acknowledged up to here by a producer that has left.
    acked_end: Vec<u64>,
    /// Per partition: failed over and not restored, so its own log no
    /// longer counts for the records it acknowledged (only the copy does).
    superseded: Vec<bool>,
    /// Per partition: source offsets a controlled producer replay re-sent.
    replayed: Vec<Option<(u64, u64)>>,
    /// Per consumer group: the topic it reads now.
    consumer_topic: Vec<TopicIdx>,
    /// The consumer groups reading each topic now, in group order: what
    /// `consumer_topic` says, indexed by topic so a partition's refresh
    /// visits its own readers, not every group.
    readers: Vec<Vec<u32>>,
    links: Vec<mirrors::Link>,
    /// Per link: the source's leader-epoch ranges the copy holds.
    link_epochs: Vec<Vec<EpochStart>>,
    /// Per partition: the link writing it (`u32::MAX`: none).
    link_into: Vec<u32>,
    /// Per partition: the links reading it.
    links_from: Vec<Vec<u32>>,
    /// Per broker: its replicas as (partition, slot), in partition order, so
    /// a broker's event touches its own partitions instead of scanning all.
    broker_parts: Vec<Vec<(u32, u8)>>,
    /// Scratch list of a broker's event: the partitions it touches (kept
    /// to avoid an allocation per event).
    touched: Vec<usize>,
    /// Per mirror: stopped (nested faults count), throughput factor, and
    /// how many partitions share its bandwidth.
    mirror_stopped: Vec<u16>,
    mirror_factor_ppm: Vec<u32>,
    mirror_partitions: Vec<u32>,
    /// Per link: the phase of MM2's source offset commits.
    flush_phase: Vec<SimDuration>,
    sync_phase: Vec<SimDuration>,
    rb: runbook::RunbookState,
    watch: runbook::Watch,
    humans: StreamRng,
    /// Where each client runs now (placement.rs).
    places: placement::ClientPlaces,
    /// Jitter of producers' metadata-refresh backoff (`producer_metadata.rs`).
    client_meta: StreamRng,
    epochs: Vec<Vec<EpochStart>>,
    oracle: Oracle,
    writes: OutageClock,
    reads: OutageClock,
    /// The conservation count: records live producers sent, died with
    /// unacknowledged, and still had in flight at the end.
    sent: u64,
    died_unacked: u64,
    in_flight: u64,
    acked_records: u64,
    /// Per partition: since when its producer has been sending (alive).
    sending_since: Vec<Option<SimTime>>,
    /// Time some producer was dead, and which ones are.
    producers_down: OutageClock,
    producer_dead: Vec<bool>,
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
    /// The same bytes and the ones that stayed in a DC, by purpose and
    /// boundary (`traffic.rs`).
    traffic: traffic::Traffic,
    /// Acknowledgement latency of records acknowledged in normal operation
    /// (not after waiting through an outage).
    latency: LatencyHistogram,
    /// The longest any acknowledged record waited in its producer through
    /// an outage before it was (re)sent and acknowledged (µs): the incident
    /// side of latency, kept apart from `latency`.
    buffered_us_max: u64,
    consumer_alive: Vec<bool>,
    commit_phase: Vec<SimDuration>,
    trace: Option<Vec<TraceEntry>>,
    /// Deliberately broken models the checkers must catch (tests only).
    canaries: Canaries,
    /// Settle leader-epoch caches (`log::settle`); a test turns it off to
    /// show that settling changes no outcome and no trace.
    settle_epoch_caches: bool,
    invariants: Invariants,
}

/// Deliberately broken models, each the canary of one checker: a test
/// turns one on and the checker must catch it. Off in every world, and
/// settable only with the `canaries` feature (which only tests enable), so
/// no release build can run a broken model.
#[derive(Debug, Clone, Copy, Default)]
pub struct Canaries {
    /// The oracle's: acknowledge `acks=all` records at the leader's LEO
    /// instead of the high watermark.
    pub ack_before_hw: bool,
    /// The invariant checker's: a returning follower keeps its diverged
    /// suffix instead of truncating.
    pub skip_truncation: bool,
    /// The multi-cluster oracle's: a failover that pretends the mirror had
    /// copied everything.
    pub perfect_mirror: bool,
    /// The conservation check's: a producer whose acknowledgements resume
    /// forgets what it had buffered.
    pub forget_buffer: bool,
    /// The event budget's: the trial never advances past its start.
    pub loop_forever: bool,
}

#[cfg(any(test, feature = "canaries"))]
impl World {
    /// The canaries of this world, to turn one on (tests only).
    pub fn canaries_mut(&mut self) -> &mut Canaries {
        &mut self.canaries
    }

    /// Turns settling of epoch caches off (or on): a world that keeps
    /// every entry, to compare against (tests only).
    pub fn set_settle_epoch_caches(&mut self, on: bool) {
        self.settle_epoch_caches = on;
    }
}

impl World {
    /// A world for `model`, empty until [`Self::reset`] fills it for a
    /// trial. It is long because it names every field of [`World`] once:
    /// one struct literal reads better than the same list cut in pieces.
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
            event_budget: 0,
            occurrences: Vec::new(),
            stratum: crate::faults::Stratum::All,
            fault_window: Vec::new(),
            fault_starts: Vec::new(),
            rtt: Vec::new(),
            brokers: Vec::new(),
            controllers_down: Vec::new(),
            dc_down: Vec::new(),
            cuts: Vec::new(),
            active: Vec::new(),
            election: Vec::new(),
            fence_check_origin: Vec::new(),
            protocol: Vec::new(),
            parts: Vec::new(),
            prod: Vec::new(),
            guest: Vec::new(),
            client_fo: Vec::new(),
            client_switch_due: None,
            record_bytes: Vec::new(),
            acked_end: Vec::new(),
            superseded: Vec::new(),
            replayed: Vec::new(),
            consumer_topic: Vec::new(),
            readers: Vec::new(),
            links: runbook::build_links(&model),
            link_epochs: Vec::new(),
            link_into: Vec::new(),
            links_from: Vec::new(),
            broker_parts: Vec::new(),
            touched: Vec::new(),
            mirror_stopped: Vec::new(),
            mirror_factor_ppm: Vec::new(),
            mirror_partitions: Vec::new(),
            flush_phase: Vec::new(),
            sync_phase: Vec::new(),
            rb: runbook::RunbookState::default(),
            watch: runbook::Watch::default(),
            humans: streams.stream(Purpose::HUMANS),
            places: placement::ClientPlaces::new(&streams),
            client_meta: streams.stream(CLIENT_METADATA),
            epochs: Vec::new(),
            oracle: Oracle::default(),
            writes: OutageClock::default(),
            reads: OutageClock::default(),
            producers_down: OutageClock::default(),
            producer_dead: Vec::new(),
            sent: 0,
            died_unacked: 0,
            in_flight: 0,
            acked_records: 0,
            sending_since: Vec::new(),
            faults_begun: 0,
            faults_ended: 0,
            failed_sends: 0,
            duplicates: 0,
            skipped: 0,
            cross_dc_bytes: 0,
            traffic: traffic::Traffic::default(),
            latency: LatencyHistogram::default(),
            buffered_us_max: 0,
            consumer_alive: Vec::new(),
            commit_phase: Vec::new(),
            trace: None,
            canaries: Canaries::default(),
            settle_epoch_caches: true,
            invariants: Invariants::default(),
        }
        .with_link_tables()
    }

    /// The model's constant tables: who writes and who reads each partition,
    /// how many partitions share each mirror's bandwidth, which replicas
    /// each broker holds.
    fn with_link_tables(mut self) -> Self {
        let m = self.model.clone();
        let n = m.partitions.len();
        self.link_into = vec![u32::MAX; n];
        self.links_from = vec![Vec::new(); n];
        for (li, l) in self.links.iter().enumerate() {
            self.link_into[l.target as usize] = li as u32;
            self.links_from[l.source as usize].push(li as u32);
        }
        self.mirror_partitions = m
            .mirrors()
            .iter()
            .map(|mi| {
                mi.topics
                    .iter()
                    .map(|t| m.topics[t.source.idx()].partitions)
                    .sum()
            })
            .collect();
        self.broker_parts = vec![Vec::new(); m.brokers.len()];
        for (p, spec) in m.partitions.iter().enumerate() {
            for (s, b) in spec.replicas().iter().enumerate() {
                self.broker_parts[b.idx()].push((p as u32, s as u8));
            }
        }
        self.record_bytes = (0..n)
            .map(|p| {
                let mut t = m.partitions[p].topic.idx();
                if let Some(mo) = m.topics[t].mirror_of {
                    t = mo.source.idx();
                }
                m.topics[t]
                    .producer
                    .map_or(1024, |i| m.producers[i].record_bytes)
            })
            .collect();
        self
    }

    pub fn model(&self) -> &Arc<Model> {
        &self.model
    }

    /// Events processed by the last trial.
    pub fn events_processed(&self) -> u64 {
        self.events
    }

    /// The last trial's conservation count (see [`Conservation`]).
    pub fn conservation(&self) -> Conservation {
        Conservation {
            sent: self.sent,
            acknowledged: self.acked_records,
            failed: self.failed_sends,
            in_flight: self.in_flight,
            died_unacknowledged: self.died_unacked,
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
    }

    /// Runs trial `trial` of `seed` and returns its outcome, or the error of
    /// a trial that went past its event budget (a model bug, see
    /// `budget.rs`): what the runner and the command line use.
    pub fn try_run_trial(
        &mut self,
        seed: u64,
        trial: u64,
    ) -> Result<TrialOutcome, EventBudgetExceeded> {
        self.trace = None;
        self.run(seed, trial)
    }

    /// [`Self::try_run_trial`], also returning the trial's trace, for `replay`.
    pub fn try_run_trial_traced(
        &mut self,
        seed: u64,
        trial: u64,
    ) -> Result<(TrialOutcome, Vec<TraceEntry>), EventBudgetExceeded> {
        self.trace = Some(Vec::with_capacity(256));
        let outcome = self.run(seed, trial);
        let trace = self.trace.take().unwrap_or_default();
        outcome.map(|o| (o, trace))
    }

    /// Runs trial `trial` of `seed` and returns its outcome.
    ///
    /// # Panics
    ///
    /// If the trial goes past its event budget, which only a bug in the
    /// model makes it do; [`Self::try_run_trial`] returns that as an error.
    pub fn run_trial(&mut self, seed: u64, trial: u64) -> TrialOutcome {
        self.try_run_trial(seed, trial)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Runs a trial and also returns its trace, for `replay`.
    ///
    /// # Panics
    ///
    /// As [`Self::run_trial`].
    pub fn run_trial_traced(&mut self, seed: u64, trial: u64) -> (TrialOutcome, Vec<TraceEntry>) {
        self.try_run_trial_traced(seed, trial)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn run(&mut self, seed: u64, trial: u64) -> Result<TrialOutcome, EventBudgetExceeded> {
        self.reset(seed, trial);
        while let Some((now, ev)) = self.q.pop() {
            self.events += 1;
            if self.events > self.event_budget {
                return Err(self.budget_exceeded(seed, trial));
            }
            let scope = self.scope_of(ev);
            match scope {
                Scope::Partition(p) => self.sync_local(p, now),
                Scope::Broker(b) => self.sync_broker(b, now),
                Scope::World => self.sync(now),
            }
            if self.handle(now, ev) {
                break;
            }
            match scope {
                Scope::Partition(p) => self.refresh_local(now, p),
                Scope::Broker(b) => self.refresh_broker(now, b),
                Scope::World => self.refresh(now),
            }
            if self.trace.is_some() {
                self.sample_offsets(now);
                self.note_link_lag(now);
            }
        }
        Ok(self.finish())
    }

    /// What an event can change, and so what must be brought forward before
    /// it and re-derived after it. Flows are functions of time, so a
    /// partition left alone loses nothing by being synced at its next
    /// event; this keeps a trial's cost linear in partitions.
    ///
    /// - The events of one partition (its ISR check, its AlterPartition, a
    ///   follower catching up, the copy into it) change that partition
    ///   alone.
    /// - A broker's fencing or unfencing by the controller changes that
    ///   broker and its partitions alone (its ISRs and leaderships); in a
    ///   world without mirrors, only they are visited.
    /// - Anything else (faults, controller elections, the runbook) may
    ///   change everything.
    fn scope_of(&self, ev: Ev) -> Scope {
        match ev {
            Ev::IsrExpire { partition, .. }
            | Ev::AlterPartition { partition, .. }
            | Ev::CaughtUp { partition, .. }
            | Ev::ProducerRefresh { partition, .. } => Scope::Partition(partition.idx()),
            Ev::LinkSteer { link, .. } => {
                Scope::Partition(self.links[link as usize].target as usize)
            }
            Ev::Fence { broker, .. }
            | Ev::Unfence { broker, .. }
            | Ev::ContactResumes { broker, .. }
                if self.links.is_empty() =>
            {
                Scope::Broker(broker.idx())
            }
            _ => Scope::World,
        }
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

    /// Makes the world trial `trial` of `seed`, keeping every allocation.
    /// The steps run in a fixed order: the random streams each step draws
    /// from are shared, so reordering them would move every draw.
    fn reset(&mut self, seed: u64, trial: u64) {
        let m = self.model.clone();
        let streams = RngStreams::new(seed, trial);
        let mut network_rng = streams.stream(Purpose::NETWORK);
        let mut workload_rng = streams.stream(Purpose::WORKLOAD);
        self.reset_streams(&m, &streams);
        self.q.clear();
        self.events = 0;
        self.plan_faults(&m, &streams);
        draw_rtts(&m, &mut network_rng, &mut self.rtt);
        self.reset_brokers(&m);
        self.start_quorums(&streams);
        self.reset_clients(&m);
        self.reset_links(&m);
        self.rb = runbook::RunbookState::default();
        self.reset_watch();
        self.reset_partitions(&m);
        self.reset_accounts(&m);
        self.draw_phases(&m, &mut workload_rng);
        self.refresh(SimTime::ZERO);
    }

    /// The trial's own random streams, drawn from `streams`, so each
    /// trial draws what it always drew whatever ran before it.
    fn reset_streams(&mut self, m: &Model, streams: &RngStreams) {
        // Cluster 0 draws from the protocol stream itself, so a scenario of
        // one cluster draws what it always drew; other clusters have their own.
        self.protocol.clear();
        for k in 0..m.clusters.len() {
            let purpose = match k {
                0 => Purpose::PROTOCOL,
                k => Purpose(0x100 + k as u32),
            };
            self.protocol.push(streams.stream(purpose));
        }
        self.humans = streams.stream(Purpose::HUMANS);
        self.places.reset(m, streams);
        self.client_meta = streams.stream(CLIENT_METADATA);
    }

    /// Faults: the scheduled ones and the fault processes' occurrences,
    /// drawn as every model draws them (see `crate::faults`), queued with
    /// the end of the trial; the event budget follows from their number.
    fn plan_faults(&mut self, m: &Model, streams: &RngStreams) {
        self.fault_window.clear();
        self.fault_starts.clear();
        let end = SimTime::ZERO + m.duration;
        crate::faults::plan_stratum(m, streams, self.stratum, &mut self.occurrences);
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
        self.event_budget = self.event_budget_for(self.fault_starts.len());
        if self.canaries.loop_forever {
            self.q.schedule(SimTime::ZERO, Ev::Canary);
        }
    }

    /// Brokers up and in contact, each with its ISR check's phase drawn
    /// from its cluster's protocol stream; no controller, DC or link down.
    fn reset_brokers(&mut self, m: &Model) {
        let n = m.dcs.len();
        self.brokers.clear();
        let half_lag = m.timings.replica_lag_time_max.half().as_ns().max(1);
        for b in 0..m.brokers.len() {
            let k = m.broker_cluster[b] as usize;
            self.brokers.push(Broker {
                contact: true,
                isr_check_phase: SimDuration(self.protocol[k].gen_range(0..half_lag)),
                ..Broker::default()
            });
        }
        self.controllers_down.clear();
        self.controllers_down.resize(m.controllers.len(), 0);
        self.dc_down.clear();
        self.dc_down.resize(n, 0);
        self.cuts.clear();
        self.cuts.resize(n * n, 0);
        self.election.clear();
        self.election.resize(m.clusters.len(), TimerGen::default());
    }

    /// Producers and consumer groups where the scenario puts them, with no
    /// failover begun: a runbook or a client's own failover moves them.
    fn reset_clients(&mut self, m: &Model) {
        let np = m.partitions.len();
        self.prod.clear();
        self.prod.extend(
            m.partitions
                .iter()
                .map(|p| m.topics[p.topic.idx()].producer.map(|i| i as u16)),
        );
        self.guest.clear();
        self.guest.resize(np, None);
        self.client_fo.clear();
        self.client_fo.resize(m.producers.len(), Default::default());
        self.client_switch_due = None;
        self.acked_end.clear();
        self.acked_end.resize(np, 0);
        self.superseded.clear();
        self.superseded.resize(np, false);
        self.replayed.clear();
        self.replayed.resize(np, None);
        self.consumer_topic.clear();
        self.consumer_topic
            .extend(m.consumers.iter().map(|c| c.topic));
        self.readers.resize_with(m.topics.len(), Vec::new);
        self.readers.iter_mut().for_each(Vec::clear);
        for (i, c) in m.consumers.iter().enumerate() {
            self.readers[c.topic.idx()].push(i as u32);
        }
    }

    /// Mirrors' copies empty and running at full throughput: each trial's
    /// copies start from nothing, as its partitions do.
    fn reset_links(&mut self, m: &Model) {
        for l in &mut self.links {
            *l = mirrors::Link::new(l.mirror, l.source, l.target, l.reverse);
        }
        self.link_epochs.resize_with(self.links.len(), Vec::new);
        for e in &mut self.link_epochs {
            e.clear();
        }
        self.mirror_stopped.clear();
        self.mirror_stopped.resize(m.mirrors().len(), 0);
        self.mirror_factor_ppm.clear();
        self.mirror_factor_ppm.resize(m.mirrors().len(), 1_000_000);
    }

    /// Every partition empty, led by its first replica in epoch 0, with
    /// its sync replicas in the ISR; epoch caches keep their allocations.
    fn reset_partitions(&mut self, m: &Model) {
        self.parts.clear();
        self.epochs
            .resize_with(m.partitions.len() * MAX_RF, Vec::new);
        for (pi, p) in m.partitions.iter().enumerate() {
            let rate = self.rate_of(pi);
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
                pending_since: None,
                acks_too_slow: false,
                ack_latency_us: None,
                ack_latency_since: SimTime::ZERO,
                write_bad: false,
                read_bad: false,
                zombie: None,
                known_leader: Some(0),
                metadata_error_at: None,
                refresh_timer: TimerGen::default(),
                replicas,
            });
        }
        self.epochs.truncate(m.partitions.len() * MAX_RF);
    }

    /// The trial's accounts at zero: the oracle, the invariant checker,
    /// outage clocks, the conservation count and the traffic and latency
    /// figures, so nothing of the last trial leaks into this one's outcome.
    fn reset_accounts(&mut self, m: &Model) {
        self.oracle.reset(m.partitions.len());
        self.invariants.reset(m.partitions.len());
        self.writes = OutageClock::default();
        self.reads = OutageClock::default();
        self.producers_down = OutageClock::default();
        self.sent = 0;
        self.died_unacked = 0;
        self.in_flight = 0;
        self.acked_records = 0;
        self.sending_since.clear();
        self.sending_since.resize(m.partitions.len(), None);
        self.producer_dead.clear();
        self.producer_dead.resize(m.producers.len(), false);
        self.faults_begun = 0;
        self.faults_ended = 0;
        self.failed_sends = 0;
        self.duplicates = 0;
        self.skipped = 0;
        self.cross_dc_bytes = 0;
        self.traffic.clear();
        self.latency.clear();
        self.buffered_us_max = 0;
        self.consumer_alive.clear();
        self.consumer_alive.resize(m.consumers.len(), true);
    }

    /// The phases of periodic client work (consumer commits, MM2's offset
    /// syncs and flushes), drawn from the workload stream in this order.
    fn draw_phases(&mut self, m: &Model, workload_rng: &mut StreamRng) {
        self.commit_phase.clear();
        for c in &m.consumers {
            let interval = c.commit_interval.as_ns().max(1);
            self.commit_phase
                .push(SimDuration(workload_rng.gen_range(0..interval)));
        }
        // Drawn after the consumers' phases, so mirrors and runbooks do not
        // move them.
        self.sync_phase.clear();
        if let Some(rb) = m.runbook() {
            let sync = runbook::sync_interval(&m.mirrors()[rb.mirror])
                .as_ns()
                .max(1);
            for _ in &m.consumers {
                self.sync_phase
                    .push(SimDuration(workload_rng.gen_range(0..sync)));
            }
        } else {
            self.sync_phase.resize(m.consumers.len(), SimDuration::ZERO);
        }
        self.flush_phase.clear();
        for _ in 0..self.links.len() {
            self.flush_phase
                .push(SimDuration(workload_rng.gen_range(0..60_000_000_000u64)));
        }
    }

    /// Returns true when the trial is over. It is long because it has one
    /// arm per kind of event, each checking its timer's generation: one
    /// dispatch a reader scans, rather than handlers split by size.
    fn handle(&mut self, now: SimTime, ev: Ev) -> bool {
        match ev {
            Ev::FaultBegin(i) => self.fault_begins(now, i as usize),
            Ev::FaultEnd(i) => self.fault_ends(now, i as usize),
            Ev::Fence { broker, gen } => {
                if self.brokers[broker.idx()].fence_timer.fire(gen)
                    && self.active_of_broker(broker).is_some()
                {
                    self.fence(now, broker);
                }
            }
            Ev::Unfence { broker, gen } => {
                if self.brokers[broker.idx()].unfence_timer.fire(gen)
                    && self.active_of_broker(broker).is_some()
                {
                    self.unfence(now, broker);
                }
            }
            Ev::ControllerElection { cluster, gen } => {
                if self.election[cluster as usize].fire(gen) {
                    self.elect_controller(now, cluster as usize);
                }
            }
            Ev::LinkSteer { link, gen } => {
                // The copy's course is set again by the refresh that follows.
                let _ = self.links[link as usize].timer.fire(gen);
            }
            Ev::Detected { gen } => {
                if self.rb.timer.fire(gen) {
                    self.runbook_detected(now);
                }
            }
            Ev::Decided { gen } => {
                if self.rb.timer.fire(gen) {
                    self.runbook_decided(now);
                }
            }
            Ev::ProducersSwitched => self.runbook_producers_switch(now),
            Ev::ConsumersSwitched => self.runbook_consumers_switch(now),
            Ev::FailbackStart { gen } => {
                if self.rb.failback_timer.fire(gen) {
                    self.runbook_failback_start(now);
                }
            }
            Ev::SwitchedBack => self.runbook_switched_back(now),
            Ev::ClientDetected { producer, gen } => {
                if self.client_fo[producer as usize].timer.fire(gen) {
                    self.client_detected(now, producer as usize);
                }
            }
            Ev::ClientSwitched { producer } => self.client_switched(now, producer as usize),
            Ev::Canary => {
                self.q.schedule(now, Ev::Canary);
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
            Ev::ContactResumes { broker, gen } => {
                let b = broker.idx();
                // Its partitions were synced (and listed) for the refresh
                // of the broker that follows.
                if self.brokers[b].resume_timer.fire(gen) {
                    self.brokers[b].cut_off = false;
                }
            }
            Ev::ProducerRefresh { partition, gen } => {
                let p = partition.idx();
                if self.parts[p].refresh_timer.fire(gen) {
                    self.producer_refreshed(p);
                }
            }
            Ev::ClientMoves { client, gen } => self.client_moves(now, client, gen),
            Ev::End => return true,
        }
        false
    }

    fn refresh(&mut self, now: SimTime) {
        self.refresh_places(now);
        for pi in 0..self.producer_dead.len() {
            let dead = !self.producer_alive(pi);
            if dead != self.producer_dead[pi] {
                self.producer_dead[pi] = dead;
                self.producers_down.change(now, dead);
            }
        }
        self.refresh_controller(now);
        self.refresh_brokers(now);
        for p in 0..self.parts.len() {
            self.refresh_partition(now, p);
        }
        for li in 0..self.links.len() {
            self.steer_link(now, li);
        }
        self.runbook_maybe_cutover(now);
        self.refresh_consumers(now, None);
        self.watch_all();
        self.refresh_runbook(now);
        self.refresh_client_failover(now);
    }

    /// [`Self::refresh`] after an event of partition `p` alone (and the
    /// copies into and out of it). The controllers and brokers are not
    /// visited: only `quorum.rs` and the handlers of world events change
    /// what they derive from (faults, cuts, sessions, fencing), and every
    /// refresh leaves them settled (a second pass would do nothing), so
    /// after a partition's event they have nothing to do.
    fn refresh_local(&mut self, now: SimTime, p: usize) {
        self.refresh_partition(now, p);
        if let Some(&li) = Some(&self.link_into[p]).filter(|&&l| l != u32::MAX) {
            self.steer_link(now, li as usize);
        }
        for k in 0..self.links_from[p].len() {
            let li = self.links_from[p][k] as usize;
            let q = self.links[li].target as usize;
            self.refresh_partition(now, q);
            self.steer_link(now, li);
        }
        self.runbook_maybe_cutover(now);
        self.refresh_consumers(now, Some(p));
        if self.model.runbook().is_some() {
            // Only these partitions were synced or re-derived.
            self.watch_partition(p);
            for k in 0..self.links_from[p].len() {
                let q = self.links[self.links_from[p][k] as usize].target;
                self.watch_partition(q as usize);
            }
            if let Some(&li) = Some(&self.link_into[p]).filter(|&&l| l != u32::MAX) {
                self.watch_partition(self.links[li as usize].source as usize);
            }
            self.refresh_runbook(now);
        }
        if self.model.client_failovers {
            self.refresh_client_failover(now);
        }
    }

    /// [`Self::refresh`] after broker `b` was fenced or unfenced: the
    /// broker itself (an unfenced broker out of contact gets a new session
    /// timer), then its partitions, in the order the whole-world refresh
    /// visits them (so timers are armed and random numbers drawn in the
    /// same order). Nothing else derives from what changed: another
    /// partition's followers, producer and consumers read only its own
    /// replicas' brokers, and other brokers' sessions only the controller
    /// and the network. (Worlds with mirrors refresh everything: every
    /// refresh steers every copy anew.)
    fn refresh_broker(&mut self, now: SimTime, b: usize) {
        self.refresh_broker_session(now, b);
        let touched = std::mem::take(&mut self.touched);
        for &p in &touched {
            self.refresh_partition(now, p);
        }
        self.runbook_maybe_cutover(now);
        for &p in &touched {
            self.refresh_consumers(now, Some(p));
            self.watch_partition(p);
        }
        self.refresh_runbook(now);
        if self.model.client_failovers {
            self.refresh_client_failover(now);
        }
        self.touched = touched;
    }

    /// Broker `b`'s partitions and partition 0 (whose offsets a trace
    /// samples after every event), in partition order.
    fn partitions_of_broker(&self, b: usize, out: &mut Vec<usize>) {
        out.clear();
        out.push(0);
        out.extend(self.broker_parts[b].iter().map(|&(p, _)| p as usize));
        out.sort_unstable();
        out.dedup();
    }

    /// [`Self::sync`] before broker `b` is fenced or unfenced: its
    /// partitions (listed in `touched` for the refresh that follows).
    fn sync_broker(&mut self, b: usize, now: SimTime) {
        let mut touched = std::mem::take(&mut self.touched);
        self.partitions_of_broker(b, &mut touched);
        for &p in &touched {
            self.sync_partition(p, now);
        }
        self.touched = touched;
    }

    /// [`Self::sync`] for an event of partition `p` alone: it, the copy into
    /// it, and the copies out of it.
    fn sync_local(&mut self, p: usize, now: SimTime) {
        if self.link_into[p] != u32::MAX {
            // The copy reads its source's high watermark, a synced figure.
            let li = self.link_into[p] as usize;
            self.sync_partition(self.links[li].source as usize, now);
            self.sync_partition(p, now);
            self.sync_link(li, now);
        } else {
            self.sync_partition(p, now);
        }
        for k in 0..self.links_from[p].len() {
            let li = self.links_from[p][k] as usize;
            self.sync_partition(self.links[li].target as usize, now);
            self.sync_link(li, now);
        }
    }

    /// Closes the trial's clocks and accounts at its end and judges every
    /// partition's acknowledged records against what survives.
    fn finish(&mut self) -> TrialOutcome {
        let end = SimTime::ZERO + self.model.duration;
        self.note(end, TraceRecord::End);
        self.writes.finish(end);
        self.reads.finish(end);
        self.producers_down.finish(end);
        self.count_unacknowledged_at_end(end);
        for p in 0..self.parts.len() {
            self.close_latency_window(p, end);
        }
        let verdict = self.judge_partitions(end);
        self.acked_records = verdict.acked_records;
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
            producer_down_ms: self.producers_down.total.as_ms(),
            cross_dc_bytes: self.cross_dc_bytes,
            ack_latency_p99_us: self.latency.quantile(990),
            buffered_ms_max: self.buffered_us_max.div_ceil(1_000),
            cut_off: CutOff {
                fault_unhealed: self.fault_unhealed_at(end),
                runbook_unfinished: self.runbook_unfinished(end),
            },
        }
    }

    /// Producers still waiting at the end: what has outlived
    /// delivery.timeout.ms failed; the rest is in flight, like what the
    /// leaders hold unacknowledged (the conservation count must close).
    fn count_unacknowledged_at_end(&mut self, end: SimTime) {
        self.in_flight = 0;
        for p in 0..self.parts.len() {
            let Some(pi) = self.prod[p] else { continue };
            self.track_sending(end, p, false);
            let dt = self.model.producers[pi as usize].delivery_timeout;
            let rate = self.parts[p].curve.rate_mrps();
            let part = &self.parts[p];
            let in_log = part.curve.now(end).saturating_sub(part.acked_upto);
            match part.pending_since {
                Some(since) => {
                    let waited = end.since(since);
                    let pending = records_over(rate, waited.as_ns());
                    let expired = records_over(rate, (waited - dt.min(waited)).as_ns());
                    self.failed_sends = self.failed_sends.saturating_add(expired);
                    self.in_flight += pending - expired;
                }
                None => self.in_flight += in_log,
            }
        }
    }

    /// The oracle's verdict on every partition, judged against the logs
    /// that hold it at `end` (which depend on failovers and lost disks).
    fn judge_partitions(&mut self, end: SimTime) -> Verdict {
        let mut verdict = Verdict::default();
        let auth = self.final_replicas();
        let faults = FaultTimes {
            starts: &self.fault_starts,
            windows: &self.fault_window,
            end,
            aftermath: self.model.timings.quorum_request_timeout,
        };
        let mut logs: Vec<(&[EpochStart], u64)> = Vec::new();
        for p in 0..self.parts.len() {
            logs.clear();
            // A partition is its own authoritative log, whatever mirrors copy
            // it (an idle mirror changes nothing a cluster reports), until
            // the runbook fails it over: then the copy is what the
            // application has, and what the mirror had not copied is lost.
            // A partition whose authoritative replica was destroyed is held
            // by what survives elsewhere: its other replicas' disks (an
            // unclean election can recover them) and its mirrors' copies.
            let (s, leo, gone) = auth[p];
            if !self.superseded[p] {
                match gone {
                    false => logs.push((&self.epochs[p * MAX_RF + s], leo)),
                    true => logs.extend(self.surviving_logs(p)),
                }
            }
            for &li in self.links_from[p]
                .iter()
                .filter(|_| self.superseded[p] || gone)
            {
                let l = &self.links[li as usize];
                let q = l.target as usize;
                let extent = l.copied.min(auth[q].1.saturating_sub(l.dups));
                logs.push((&self.link_epochs[li as usize], extent));
            }
            self.oracle
                .judge_partition_held(p, &logs, self.replayed[p], &faults, &mut verdict);
        }
        verdict
    }

    /// Whether a fault that began before `end` had not healed by then: its
    /// recovery is absent (permanent) or falls at or after the end (a
    /// recovery due exactly at the end is not run; the end comes first).
    fn fault_unhealed_at(&self, end: SimTime) -> bool {
        self.occurrences
            .iter()
            .any(|o| o.start < end && o.stop.is_none_or(|s| s >= end))
    }

    /// Per partition: its authoritative replica, the log end it holds at
    /// the end of the trial, and whether its broker was destroyed (its disk
    /// is gone: it holds nothing). Epoch caches of every replica whose log
    /// may be read are made whole.
    fn final_replicas(&mut self) -> Vec<(usize, u64, bool)> {
        let mut auth = Vec::with_capacity(self.parts.len());
        for p in 0..self.parts.len() {
            let s = self.authoritative_replica(p);
            let gone = self.replica_destroyed(p, s);
            if gone {
                for r in 0..self.model.partitions[p].rf as usize {
                    self.ensure_epochs(p, r);
                }
            } else {
                self.ensure_epochs(p, s);
            }
            let leo = if gone {
                0
            } else {
                self.parts[p].replicas[s].leo
            };
            auth.push((s, leo, gone));
        }
        auth
    }

    fn replica_destroyed(&self, p: usize, s: usize) -> bool {
        self.brokers[self.replica_broker(p, s).idx()].destroyed
    }

    /// The logs of `p`'s replicas whose disks survive.
    fn surviving_logs(&self, p: usize) -> impl Iterator<Item = (&[EpochStart], u64)> + '_ {
        (0..self.model.partitions[p].rf as usize)
            .filter(move |&r| !self.replica_destroyed(p, r))
            .map(move |r| {
                let log: &[EpochStart] = &self.epochs[p * MAX_RF + r];
                (log, self.parts[p].replicas[r].leo)
            })
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
