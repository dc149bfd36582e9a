//! One trial of several clusters joined by asynchronous mirrors.
//!
//! # What is modelled, and at what grain
//!
//! The single-cluster model (`crate::world`) follows every replica, ISR and
//! high watermark. Across clusters the question is a different one — how far
//! behind is the copy when the primary goes, how long until clients are on
//! the copy, what do consumers re-read or skip — and it is answered here at
//! the grain of a cluster:
//!
//! - **A cluster** is writable while a majority of its KRaft controllers is up
//!   and reachable from each other and at least `min.insync.replicas` of its
//!   brokers are up (`acks=all`; one for `acks=0/1`). Inside a writable
//!   cluster a record is committed when appended (the intra-cluster detail is
//!   the single-cluster model's job). A power loss that leaves no broker of
//!   the cluster up drops the last `os_dirty_expire_ms` of its logs (no
//!   fsync, kafka-semantics §1.8); a crash keeps them.
//! - **Partitions of one topic are symmetric**: the producer spreads evenly
//!   and the link's bandwidth is shared evenly, so one representative
//!   partition per topic is simulated and counts are multiplied by the
//!   partition count. Per-partition trace records repeat its figures.
//! - **A mirror** copies a topic's committed records to the target cluster.
//!   Its copy end is a flow: it *follows* the source `delay` behind (the
//!   replicator's cadence plus half the round trip) while it keeps up, and
//!   *drains* a backlog at the link's bandwidth otherwise. When production
//!   outruns the bandwidth the backlog (the lag) grows without bound: a
//!   queue, not a constant (behaviours.md K6). It stops while the source is
//!   unreadable, the target unwritable, the path cut, or the process down.
//! - **The runbook** (active-passive): the primary becomes unwritable;
//!   after `detection` an alert fires; after `decision` operators fail over
//!   (Cluster Linking `failover`: the mirror stops where it is and becomes
//!   writable; data not yet copied is lost, RPO = lag); producers follow
//!   after the DNS TTL, consumer groups `consumer_restart_ms` later. If the
//!   primary recovers before the decision, the failover is called off.
//!   Failback (`TruncateAndRestore`) truncates the old primary to the
//!   mirror's end at failover, mirrors back, and switches clients back once
//!   the reverse copy has caught up (a `promote`, which needs lag 0).
//! - **Consumers** keep up with committed data. After a switch a group
//!   starts from its synced offset (Cluster Linking's offset sync; MM2's
//!   checkpoints translated conservatively to the last offset sync, at most
//!   `offset.lag.max` back, and only with `sync.group.offsets.enabled`; MSK's
//!   approximate sync) or, with none, from `auto.offset.reset`. Starting
//!   below what it had processed re-reads (duplicates); above, skips.
//!
//! The oracle rule is the single-cluster one: a record acknowledged to a
//! producer is lost when the final authoritative log does not hold it. After
//! a failover that log is the DR copy (and, after failback, the restored
//! primary, which holds exactly the same prefix): what the primary holds
//! beyond it is orphaned, then truncated. Without a failover a record
//! survives if its own cluster kept it or a mirror had copied it.

use crate::compile::{FaultMode, Model};
use crate::dr::spec::{DrSpec, MirrorSpec};
use crate::ids::*;
use crate::outcome::TrialOutcome;
use crate::scenario::{Acks, Failback, FailoverCommand, MirrorKind, OffsetReset};
use crate::trace::{TraceEntry, TraceRecord};
use crate::world::curve::{records_over, LeoCurve, Segment};
use crate::world::latency::LatencyHistogram;
use crate::world::OutageClock;
use kdrsim_sim::{EventQueue, Purpose, RngStreams, SimDuration, SimTime, StreamRng, TimerGen};
use rand::Rng;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ev {
    FaultBegin(u16),
    FaultEnd(u16),
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
    /// A copy caught up with its source.
    CaughtUp {
        flow: u16,
        reverse: bool,
        gen: u32,
    },
    End,
}

/// Where a client is connected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Loc {
    Home,
    Dr,
}

/// The end of a copy of a log (in the source's offsets), as a flow.
#[derive(Debug, Clone, Copy, Default)]
struct Copy {
    m0: u64,
    t0: SimTime,
    draining: bool,
    active: bool,
    timer: TimerGen,
}

impl Copy {
    /// The copy end at `now`: `avail` is what the source offers to the
    /// replicator at `now` (its log end `delay` ago).
    fn value(&self, now: SimTime, avail: u64, bw_mrps: u64) -> u64 {
        if !self.active {
            self.m0
        } else if self.draining {
            (self.m0 + records_over(bw_mrps, now.since(self.t0).as_ns())).min(avail.max(self.m0))
        } else {
            avail.max(self.m0)
        }
    }
}

/// One mirrored topic of one mirror (representative partition).
#[derive(Debug, Clone, Copy)]
struct Flow {
    mirror: u16,
    topic: u16,
    fwd: Copy,
    /// Failed over: the copy stopped at `stop_end` and the DR topic took
    /// writes, which `dr` holds (its log end starts at `stop_end`).
    promoted: bool,
    stop_end: u64,
    dr: LeoCurve,
    dr_acked: u64,
    /// Failback: the old primary copies the DR topic back from `stop_end`.
    rev: Copy,
    /// Records the target holds twice (MM2 re-copies after a restart).
    dup_in_target: u64,
}

#[derive(Debug, Clone, Copy)]
struct TopicRun {
    /// The topic's log in its own cluster.
    log: LeoCurve,
    /// Acknowledged to the producer, in that log.
    acked: u64,
    /// With a controlled producer replay: records from here on were re-sent
    /// to the DR topic and survive there.
    replayed_from: u64,
}

#[derive(Debug, Clone, Copy, Default)]
struct Client {
    loc: Option<Loc>,
    blocked_since: Option<SimTime>,
    bad: bool,
}

/// Runbook progress.
#[derive(Debug, Clone, Copy, Default)]
struct RunbookState {
    timer: TimerGen,
    /// When the primary became unwritable (the failure instant).
    failed_at: Option<SimTime>,
    detected: bool,
    failed_over: bool,
    producers_on_dr: bool,
    failback_started: bool,
    failback_timer: TimerGen,
    cutover: bool,
    back_home: bool,
    /// A `promote` that could not reach the source.
    promote_failed: bool,
}

/// The mutable state of one multi-cluster trial, reused across trials.
pub struct DrWorld {
    model: Arc<Model>,
    q: EventQueue<Ev>,
    events: u64,
    occurrences: Vec<crate::faults::Occurrence>,
    pub(crate) stratum: crate::faults::Stratum,
    broker_down: Vec<u16>,
    controller_down: Vec<u16>,
    dc_down: Vec<u16>,
    cuts: Vec<u16>,
    /// This trial's round trips (jittered per trial, as in the
    /// single-cluster model).
    rtt: Vec<SimDuration>,
    mirror_stopped: Vec<u16>,
    mirror_factor_ppm: Vec<u32>,
    cluster_ok: Vec<bool>,
    topics: Vec<TopicRun>,
    flows: Vec<Flow>,
    producers: Vec<Client>,
    consumers: Vec<Client>,
    commit_phase: Vec<SimDuration>,
    sync_phase: Vec<SimDuration>,
    /// Per flow: the phase of MM2's source offset commits.
    flush_phase: Vec<SimDuration>,
    rb: RunbookState,
    humans: StreamRng,
    writes: OutageClock,
    reads: OutageClock,
    failed_sends: u64,
    duplicates: u64,
    skipped: u64,
    lost: u64,
    rpo_ms: u64,
    cross_dc_bytes: u64,
    latency: LatencyHistogram,
    trace: Option<Vec<TraceEntry>>,
    /// Test hook for the multi-cluster oracle's canary: a failover that
    /// pretends the mirror had copied everything (a broken model). Never set
    /// outside tests.
    pub canary_perfect_mirror: bool,
}

impl DrWorld {
    pub fn new(model: Arc<Model>) -> Self {
        DrWorld {
            model,
            q: EventQueue::with_capacity(256),
            events: 0,
            occurrences: Vec::new(),
            stratum: crate::faults::Stratum::All,
            broker_down: Vec::new(),
            controller_down: Vec::new(),
            dc_down: Vec::new(),
            cuts: Vec::new(),
            rtt: Vec::new(),
            mirror_stopped: Vec::new(),
            mirror_factor_ppm: Vec::new(),
            cluster_ok: Vec::new(),
            topics: Vec::new(),
            flows: Vec::new(),
            producers: Vec::new(),
            consumers: Vec::new(),
            commit_phase: Vec::new(),
            sync_phase: Vec::new(),
            flush_phase: Vec::new(),
            rb: RunbookState::default(),
            humans: RngStreams::new(0, 0).stream(Purpose::HUMANS),
            writes: OutageClock::default(),
            reads: OutageClock::default(),
            failed_sends: 0,
            duplicates: 0,
            skipped: 0,
            lost: 0,
            rpo_ms: 0,
            cross_dc_bytes: 0,
            latency: LatencyHistogram::default(),
            trace: None,
            canary_perfect_mirror: false,
        }
    }

    fn dr(&self) -> &DrSpec {
        self.model.dr.as_ref().expect("a multi-cluster model")
    }

    pub fn events_processed(&self) -> u64 {
        self.events
    }

    pub fn run(&mut self, seed: u64, trial: u64, traced: bool) -> (TrialOutcome, Vec<TraceEntry>) {
        self.trace = traced.then(|| Vec::with_capacity(128));
        self.reset(seed, trial);
        while let Some((now, ev)) = self.q.pop() {
            self.events += 1;
            self.sync(now);
            if self.handle(now, ev) {
                break;
            }
            self.refresh(now);
            self.note_link_lag(now);
        }
        let out = self.finish();
        (out, self.trace.take().unwrap_or_default())
    }

    fn note(&mut self, now: SimTime, record: TraceRecord) {
        if let Some(t) = self.trace.as_mut() {
            t.push(TraceEntry::new(now, self.events, record));
        }
    }

    // ------------------------------------------------------------------
    // Set-up
    // ------------------------------------------------------------------

    fn reset(&mut self, seed: u64, trial: u64) {
        let m = self.model.clone();
        let dr = m.dr.as_ref().expect("a multi-cluster model");
        let streams = RngStreams::new(seed, trial);
        let mut workload = streams.stream(Purpose::WORKLOAD);
        let mut network = streams.stream(Purpose::NETWORK);
        self.humans = streams.stream(Purpose::HUMANS);
        self.q.clear();
        self.events = 0;
        // The same fault draws as the single-cluster model (`crate::faults`).
        let end = SimTime::ZERO + m.duration;
        crate::faults::plan_stratum(&m, &streams, self.stratum, &mut self.occurrences);
        for o in &self.occurrences {
            if o.start < end {
                self.q.schedule(o.start, Ev::FaultBegin(o.spec));
                if let Some(stop) = o.stop.filter(|s| *s < end) {
                    self.q.schedule(stop, Ev::FaultEnd(o.spec));
                }
            }
        }
        self.q.schedule(end, Ev::End);
        let n = m.dcs.len();
        // Each link's round trip for this trial, as the single-cluster
        // model draws it.
        crate::world::draw_rtts(&m, &mut network, &mut self.rtt);
        self.broker_down.clear();
        self.broker_down.resize(m.brokers.len(), 0);
        self.controller_down.clear();
        self.controller_down.resize(m.controllers.len(), 0);
        self.dc_down.clear();
        self.dc_down.resize(n, 0);
        self.cuts.clear();
        self.cuts.resize(n * n, 0);
        self.mirror_stopped.clear();
        self.mirror_stopped.resize(dr.mirrors.len(), 0);
        self.mirror_factor_ppm.clear();
        self.mirror_factor_ppm.resize(dr.mirrors.len(), 1_000_000);
        self.cluster_ok.clear();
        self.cluster_ok.resize(dr.clusters.len(), true);
        self.topics.clear();
        for t in &m.topics {
            let rate = t
                .producer
                .map_or(0, |p| m.producers[p].rate_mrps_per_partition);
            let mut log = LeoCurve::new(rate);
            log.reset(rate, Segment::default());
            self.topics.push(TopicRun {
                log,
                acked: 0,
                replayed_from: u64::MAX,
            });
        }
        self.flows.clear();
        for (mi, mirror) in dr.mirrors.iter().enumerate() {
            for mt in &mirror.topics {
                let rate = self.topics[mt.source.idx()].log.rate_mrps();
                let mut dr_log = LeoCurve::new(rate);
                dr_log.reset(rate, Segment::default());
                self.flows.push(Flow {
                    mirror: mi as u16,
                    topic: mt.source.0,
                    fwd: Copy {
                        active: false,
                        ..Copy::default()
                    },
                    promoted: false,
                    stop_end: 0,
                    dr: dr_log,
                    dr_acked: 0,
                    rev: Copy::default(),
                    dup_in_target: 0,
                });
            }
        }
        self.producers.clear();
        self.producers.resize(
            m.producers.len(),
            Client {
                loc: Some(Loc::Home),
                ..Client::default()
            },
        );
        self.consumers.clear();
        self.consumers.resize(
            m.consumers.len(),
            Client {
                loc: Some(Loc::Home),
                ..Client::default()
            },
        );
        self.commit_phase.clear();
        self.sync_phase.clear();
        for c in &m.consumers {
            let interval = c.commit_interval.as_ns().max(1);
            self.commit_phase
                .push(SimDuration(workload.gen_range(0..interval)));
            // The phase of the offset sync (CL, MSK) or checkpoint (MM2)
            // that would carry this group's offsets.
            let sync = self
                .runbook_mirror()
                .map_or(1, |mi| sync_interval(&dr.mirrors[mi]).as_ns().max(1));
            self.sync_phase
                .push(SimDuration(workload.gen_range(0..sync)));
        }
        // Drawn after the consumers' phases, so adding a mirror does not move
        // them.
        self.flush_phase.clear();
        for _ in 0..self.flows.len() {
            self.flush_phase
                .push(SimDuration(workload.gen_range(0..60_000_000_000u64)));
        }
        self.rb = RunbookState::default();
        self.writes = OutageClock::default();
        self.reads = OutageClock::default();
        self.failed_sends = 0;
        self.duplicates = 0;
        self.skipped = 0;
        self.lost = 0;
        self.rpo_ms = 0;
        self.cross_dc_bytes = 0;
        self.latency.clear();
        self.refresh(SimTime::ZERO);
    }

    fn runbook_mirror(&self) -> Option<usize> {
        self.dr().runbook.as_ref().map(|r| r.mirror)
    }

    // ------------------------------------------------------------------
    // Cluster and network state
    // ------------------------------------------------------------------

    fn connected(&self, a: DcIdx, b: DcIdx) -> bool {
        a == b || self.cuts[self.model.dc_pair(a, b)] == 0
    }

    fn brokers_up(&self, k: usize) -> usize {
        self.dr().clusters[k]
            .brokers
            .iter()
            .filter(|b| self.broker_down[b.idx()] == 0)
            .count()
    }

    /// A majority of the cluster's voters up and reaching each other.
    fn quorum(&self, k: usize) -> bool {
        let m = &self.model;
        let voters = &self.dr().clusters[k].controllers;
        voters.iter().any(|&c| {
            self.controller_down[c.idx()] == 0 && {
                let dc = m.controllers[c.idx()].dc;
                let reach = voters
                    .iter()
                    .filter(|&&u| {
                        self.controller_down[u.idx()] == 0
                            && self.connected(dc, m.controllers[u.idx()].dc)
                    })
                    .count();
                reach * 2 > voters.len()
            }
        })
    }

    /// Whether cluster `k` takes writes needing `min_brokers` brokers.
    fn writable(&self, k: usize, min_brokers: usize) -> bool {
        self.quorum(k) && self.brokers_up(k) >= min_brokers.max(1)
    }

    /// Some up DC of cluster `k` reachable from `dc`.
    fn reaches(&self, dc: DcIdx, k: usize) -> bool {
        self.dc_down[dc.idx()] == 0
            && self.dr().clusters[k]
                .dcs
                .iter()
                .any(|&d| self.dc_down[d.idx()] == 0 && self.connected(dc, d))
    }

    fn clusters_connected(&self, a: usize, b: usize) -> bool {
        let dr = self.dr();
        dr.clusters[a].dcs.iter().any(|&x| {
            self.dc_down[x.idx()] == 0
                && dr.clusters[b]
                    .dcs
                    .iter()
                    .any(|&y| self.dc_down[y.idx()] == 0 && self.connected(x, y))
        })
    }

    fn rtt(&self, a: DcIdx, b: DcIdx) -> SimDuration {
        self.rtt[self.model.dc_pair(a, b)]
    }

    fn min_brokers(&self, topic: usize) -> usize {
        let t = &self.model.topics[topic];
        let acks_all = t
            .producer
            .is_none_or(|p| self.model.producers[p].acks == Acks::All);
        if acks_all {
            t.min_isr.min(t.rf) as usize
        } else {
            1
        }
    }

    fn mirror(&self, f: usize) -> &MirrorSpec {
        &self.dr().mirrors[self.flows[f].mirror as usize]
    }

    /// Per-partition bandwidth of a flow, in milli-records per second.
    fn flow_bw_mrps(&self, f: usize) -> u64 {
        let m = &self.model;
        let mi = self.flows[f].mirror as usize;
        let mirror = &self.dr().mirrors[mi];
        let partitions: u64 = mirror
            .topics
            .iter()
            .map(|t| m.topics[t.source.idx()].partitions as u64)
            .sum();
        let t = &m.topics[self.flows[f].topic as usize];
        let bytes = t
            .producer
            .map_or(1024, |p| m.producers[p].record_bytes)
            .max(1);
        let bw =
            mirror.bandwidth_bytes_per_sec as u128 * self.mirror_factor_ppm[mi] as u128 / 1_000_000;
        (bw * 1000 / bytes as u128 / partitions.max(1) as u128).min(u64::MAX as u128) as u64
    }

    fn flow_delay(&self, f: usize) -> SimDuration {
        let dr = self.dr();
        let mirror = self.mirror(f);
        let (s, t) = (
            dr.clusters[mirror.source].dcs[0],
            dr.clusters[mirror.target].dcs[0],
        );
        mirror.delay + self.rtt(s, t).half()
    }

    /// What the forward copy of flow `f` can read at `now`.
    fn fwd_avail(&self, f: usize, now: SimTime) -> u64 {
        self.topics[self.flows[f].topic as usize]
            .log
            .at_or_oldest(now.saturating_sub(self.flow_delay(f)))
    }

    fn rev_avail(&self, f: usize, now: SimTime) -> u64 {
        self.flows[f]
            .dr
            .at_or_oldest(now.saturating_sub(self.flow_delay(f)))
    }

    // ------------------------------------------------------------------
    // Flows: bring everything forward to `now`
    // ------------------------------------------------------------------

    fn sync(&mut self, now: SimTime) {
        let m = self.model.clone();
        for f in 0..self.flows.len() {
            let bw = self.flow_bw_mrps(f);
            let before = self.flows[f].fwd.m0;
            let avail = self.fwd_avail(f, now);
            let v = self.flows[f].fwd.value(now, avail, bw);
            let fl = &mut self.flows[f];
            fl.fwd.m0 = v;
            fl.fwd.t0 = now;
            let t = &m.topics[fl.topic as usize];
            let bytes = t.producer.map_or(0, |p| m.producers[p].record_bytes);
            self.cross_dc_bytes += v.saturating_sub(before) * bytes * t.partitions as u64;
            let ravail = self.rev_avail(f, now);
            let rv = self.flows[f].rev.value(now, ravail, bw);
            let r0 = self.flows[f].rev.m0;
            self.cross_dc_bytes += rv.saturating_sub(r0) * bytes * t.partitions as u64;
            self.flows[f].rev.m0 = rv;
            self.flows[f].rev.t0 = now;
        }
        // Acknowledgements: while a producer writes, its records are
        // committed as they are appended.
        for (pi, pr) in m.producers.iter().enumerate() {
            let t = pr.topic.idx();
            let c = self.producers[pi];
            if !c.bad && c.blocked_since.is_none() {
                match c.loc {
                    Some(Loc::Home) => {
                        let leo = self.topics[t].log.now(now);
                        self.ack(now, pi, t, None, leo);
                    }
                    Some(Loc::Dr) => {
                        if let Some(f) = self.producer_flow(t) {
                            let leo = self.flows[f].dr.now(now);
                            self.ack(now, pi, t, Some(f), leo);
                        }
                    }
                    None => {}
                }
            }
        }
    }

    fn ack(&mut self, _now: SimTime, pi: usize, t: usize, flow: Option<usize>, leo: u64) {
        if self.model.producers[pi].acks == Acks::Zero {
            return;
        }
        let partitions = self.model.topics[t].partitions as u64;
        let lat = self.steady_latency_us(pi, flow.is_some());
        let acked = match flow {
            None => &mut self.topics[t].acked,
            Some(f) => &mut self.flows[f].dr_acked,
        };
        if leo > *acked {
            let n = leo - *acked;
            *acked = leo;
            self.latency.add(lat, n * partitions);
            let pr = &self.model.producers[pi];
            let k = self.cluster_of_client(t, flow.is_some());
            let local = self.dr().clusters[k].dcs.contains(&pr.dc);
            if !local {
                self.cross_dc_bytes += n * pr.record_bytes * partitions;
            }
        }
    }

    /// The cluster a client of topic `t` is connected to.
    fn cluster_of_client(&self, t: usize, on_dr: bool) -> usize {
        let dr = self.dr();
        match (on_dr, self.producer_flow(t)) {
            (true, Some(f)) => dr.mirrors[self.flows[f].mirror as usize].target,
            _ => dr.topic_cluster[t],
        }
    }

    /// The flow that carries topic `t` under the runbook's mirror.
    fn producer_flow(&self, t: usize) -> Option<usize> {
        let rm = self.runbook_mirror()?;
        self.flows
            .iter()
            .position(|f| f.mirror as usize == rm && f.topic as usize == t)
    }

    fn steady_latency_us(&self, pi: usize, on_dr: bool) -> u64 {
        let m = &self.model;
        let pr = &m.producers[pi];
        let k = self.cluster_of_client(pr.topic.idx(), on_dr);
        let dcs = &self.dr().clusters[k].dcs;
        let to_cluster = dcs
            .iter()
            .map(|&d| self.rtt(pr.dc, d))
            .min()
            .unwrap_or(SimDuration::ZERO);
        // acks=all inside a stretched cluster waits for its farthest DC.
        let inner = if pr.acks == Acks::All {
            dcs.iter()
                .flat_map(|&a| dcs.iter().map(move |&b| (a, b)))
                .map(|(a, b)| self.rtt(a, b))
                .max()
                .unwrap_or(SimDuration::ZERO)
        } else {
            SimDuration::ZERO
        };
        (to_cluster + inner).as_ns() / 1_000
    }

    // ------------------------------------------------------------------
    // Events
    // ------------------------------------------------------------------

    fn handle(&mut self, now: SimTime, ev: Ev) -> bool {
        match ev {
            Ev::FaultBegin(i) => self.fault(now, i as usize, true),
            Ev::FaultEnd(i) => self.fault(now, i as usize, false),
            Ev::Detected { gen } => {
                if self.rb.timer.fire(gen) {
                    self.rb.detected = true;
                    self.note(now, TraceRecord::RunbookDetected);
                    let rb = self.dr().runbook.clone().expect("runbook");
                    let d = rb.decision.sample(&mut self.humans);
                    let gen = self.rb.timer.arm();
                    self.q.schedule(now + d, Ev::Decided { gen });
                }
            }
            Ev::Decided { gen } => {
                if self.rb.timer.fire(gen) {
                    let rb = self.dr().runbook.clone().expect("runbook");
                    let source = self.dr().mirrors[rb.mirror].source;
                    if rb.command == FailoverCommand::Promote && !self.cluster_ok[source] {
                        // `promote` checks the lag against the source and
                        // fails when it cannot reach it: no failover; clients
                        // wait for the primary.
                        self.rb.failed_over = true;
                        self.rb.promote_failed = true;
                        self.note(now, TraceRecord::PromoteFailed);
                    } else {
                        self.failover(now);
                    }
                }
            }
            Ev::ProducersSwitched => self.producers_switch(now),
            Ev::ConsumersSwitched => self.consumers_switch(now),
            Ev::FailbackStart { gen } => {
                if self.rb.failback_timer.fire(gen) {
                    self.failback_start(now);
                }
            }
            Ev::SwitchedBack => self.switched_back(now),
            Ev::CaughtUp { flow, reverse, gen } => {
                let f = flow as usize;
                let c = if reverse {
                    &mut self.flows[f].rev
                } else {
                    &mut self.flows[f].fwd
                };
                if c.timer.fire(gen) {
                    c.draining = false;
                    if reverse && self.rb.failback_started && !self.rb.cutover {
                        self.cutover(now);
                    }
                }
            }
            Ev::End => return true,
        }
        false
    }

    fn fault(&mut self, now: SimTime, i: usize, begin: bool) {
        let m = self.model.clone();
        let f = &m.faults[i];
        self.note(
            now,
            if begin {
                TraceRecord::FaultBegins { fault: i as u16 }
            } else {
                TraceRecord::FaultEnds { fault: i as u16 }
            },
        );
        let step = |v: &mut u16| {
            if begin {
                *v += 1
            } else {
                *v -= 1
            }
        };
        match f.mode {
            // At a cluster's grain a controlled shutdown is a crash that
            // loses nothing: the cluster is short of the same brokers.
            FaultMode::Crash | FaultMode::PowerLoss | FaultMode::ControlledShutdown => {
                let power_loss = f.mode == FaultMode::PowerLoss;
                for &b in &f.brokers {
                    step(&mut self.broker_down[b.idx()]);
                    // Transitions only, as the single-cluster model traces them.
                    let broker = m.brokers[b.idx()].node_id;
                    match (begin, self.broker_down[b.idx()]) {
                        (true, 1) => self.note(now, TraceRecord::BrokerDown { broker, power_loss }),
                        (false, 0) => self.note(now, TraceRecord::BrokerUp { broker }),
                        _ => {}
                    }
                }
                for &c in &f.controllers {
                    step(&mut self.controller_down[c.idx()]);
                    let controller = m.controllers[c.idx()].node_id;
                    match (begin, self.controller_down[c.idx()]) {
                        (true, 1) => self.note(now, TraceRecord::ControllerDown { controller }),
                        (false, 0) => self.note(now, TraceRecord::ControllerUp { controller }),
                        _ => {}
                    }
                }
                for &d in &f.dcs {
                    step(&mut self.dc_down[d.idx()]);
                }
                if begin && f.mode == FaultMode::PowerLoss {
                    self.power_loss(now, &f.brokers);
                }
            }
            FaultMode::Partition => {
                let n = m.dcs.len();
                for a in 0..n {
                    for b in 0..n {
                        if (f.side_a >> a) & 1 == 1 && (f.side_b >> b) & 1 == 1 {
                            step(&mut self.cuts[a * n + b]);
                            step(&mut self.cuts[b * n + a]);
                        }
                    }
                }
            }
            FaultMode::MirrorStopped => {
                if let Some(mi) = f.mirror {
                    step(&mut self.mirror_stopped[mi]);
                    if begin && self.dr().mirrors[mi].kind == MirrorKind::MirrorMaker2 {
                        self.mm2_task_dies(now, mi);
                    }
                }
            }
            FaultMode::MirrorDegraded => {
                if let Some(mi) = f.mirror {
                    self.mirror_factor_ppm[mi] = if begin { f.factor_ppm } else { 1_000_000 };
                }
            }
            // Unclean elections act on replicas, which this model does not
            // follow one by one.
            FaultMode::UncleanElection => {}
        }
    }

    /// MirrorMaker 2 is at-least-once: its source offsets are committed every
    /// `offset.flush.interval.ms` (60 s), so a restarted task copies again
    /// what it had copied since, and the target holds those records twice.
    fn mm2_task_dies(&mut self, now: SimTime, mi: usize) {
        const OFFSET_FLUSH: SimDuration = SimDuration::from_ms(60_000);
        for f in 0..self.flows.len() {
            if self.flows[f].mirror as usize != mi || self.flows[f].promoted {
                continue;
            }
            let phase = self.flush_phase[f].as_ns();
            let since = now.as_ns().saturating_sub(phase) % OFFSET_FLUSH.as_ns();
            let t = self.flows[f].topic as usize;
            let copied_then = self.topics[t].log.at_or_oldest(
                now.saturating_sub(SimDuration(since))
                    .saturating_sub(self.flow_delay(f)),
            );
            let again = self.flows[f].fwd.m0.saturating_sub(copied_then);
            self.flows[f].dup_in_target += again;
            self.note(
                now,
                TraceRecord::MirrorRecopies {
                    mirror: mi as u32,
                    topic: t as u32,
                    records: again,
                },
            );
        }
    }

    /// Brokers lost power: a cluster left with no broker up keeps only what
    /// its page caches had written back.
    fn power_loss(&mut self, now: SimTime, brokers: &[BrokerIdx]) {
        let window = self.model.timings.unflushed_window;
        let dr = self.dr().clone();
        let m = self.model.clone();
        for (k, cl) in dr.clusters.iter().enumerate() {
            if !cl.brokers.iter().any(|b| brokers.contains(b)) || self.brokers_up(k) > 0 {
                continue;
            }
            let flushed_at = now.saturating_sub(window);
            // Topics of this cluster lose what no page cache wrote back.
            // Acknowledged records that no mirror had copied either are gone
            // from every copy: the oracle's verdict is taken now. The log
            // continues from the flushed end when the cluster returns.
            for t in 0..self.topics.len() {
                if dr.topic_cluster[t] != k {
                    continue;
                }
                let flushed = self.topics[t].log.at_or_oldest(flushed_at);
                let copied = (0..self.flows.len())
                    .filter(|&f| self.flows[f].topic as usize == t && !self.flows[f].promoted)
                    .map(|f| self.flows[f].fwd.m0)
                    .max()
                    .unwrap_or(0);
                self.judge_home_log(t, flushed.max(copied), now);
                // A new segment, not a reset: consumers' positions before
                // the loss are read from the history.
                let run = &mut self.topics[t];
                run.log.push(Segment {
                    t0: now,
                    leo0: flushed,
                    appending: false,
                    epoch: 0,
                });
                run.acked = run.acked.min(flushed);
            }
            // Mirror copies held by this cluster lose their unflushed tail
            // too; a promoted copy loses acknowledged records.
            for f in 0..self.flows.len() {
                if self.mirror(f).target != k {
                    continue;
                }
                if self.flows[f].promoted {
                    let flushed = self.flows[f].dr.at_or_oldest(flushed_at);
                    let acked = self.flows[f].dr_acked;
                    if acked > flushed {
                        let t = self.flows[f].topic as usize;
                        self.lost += (acked - flushed) * m.topics[t].partitions as u64;
                        let appended = self.flows[f].dr.time_of(flushed).unwrap_or(now);
                        self.rpo_ms = self.rpo_ms.max(now.since(appended).as_ms());
                    }
                    let fl = &mut self.flows[f];
                    fl.dr.push(Segment {
                        t0: now,
                        leo0: flushed,
                        appending: false,
                        epoch: 0,
                    });
                    fl.dr_acked = fl.dr_acked.min(flushed);
                } else {
                    let t = self.flows[f].topic as usize;
                    let delay = self.flow_delay(f);
                    let had = self.topics[t]
                        .log
                        .at_or_oldest(flushed_at.saturating_sub(delay));
                    let fl = &mut self.flows[f];
                    fl.fwd.m0 = fl.fwd.m0.min(had);
                }
            }
        }
    }

    fn failover(&mut self, now: SimTime) {
        let rb = self.dr().runbook.clone().expect("runbook");
        self.rb.failed_over = true;
        let m = self.model.clone();
        for f in 0..self.flows.len() {
            if self.flows[f].mirror as usize != rb.mirror {
                continue;
            }
            let t = self.flows[f].topic as usize;
            let fl = &mut self.flows[f];
            // `failover` stops the mirror where it is: what it had not
            // copied stays behind (RPO = lag).
            fl.promoted = true;
            fl.fwd.active = false;
            fl.fwd.timer.cancel();
            fl.stop_end = fl.fwd.m0;
            if rb.command == FailoverCommand::Promote {
                // The source is readable: `promote` waits for lag 0 (the
                // drain itself is not timed here).
                fl.stop_end = self.topics[t].log.now(now);
            }
            if self.canary_perfect_mirror {
                fl.stop_end = self.topics[t].log.now(now);
            }
            let rate = fl.dr.rate_mrps();
            fl.dr.reset(
                rate,
                Segment {
                    t0: now,
                    leo0: fl.stop_end,
                    appending: false,
                    epoch: 0,
                },
            );
            fl.dr_acked = fl.stop_end;
            let source_leo = self.topics[t].log.now(now);
            let mirror_leo = self.flows[f].stop_end;
            for p in 0..m.topics[t].partitions {
                let partition = m.topics[t].first_partition + p;
                self.note(
                    now,
                    TraceRecord::Failover {
                        partition,
                        source_leo,
                        mirror_leo,
                    },
                );
            }
        }
        self.q.schedule(now + rb.dns_ttl, Ev::ProducersSwitched);
        self.q.schedule(
            now + rb.dns_ttl + rb.consumer_restart,
            Ev::ConsumersSwitched,
        );
    }

    fn producers_switch(&mut self, now: SimTime) {
        let rb = self.dr().runbook.clone().expect("runbook");
        self.rb.producers_on_dr = true;
        let m = self.model.clone();
        for (pi, pr) in m.producers.iter().enumerate() {
            let t = pr.topic.idx();
            let Some(f) = self.producer_flow(t) else {
                continue;
            };
            self.producers[pi].loc = Some(Loc::Dr);
            self.stop_appending(now, t, None);
            // Controlled replay: the producer re-sends its last X
            // acknowledged records to the DR topic. Those the mirror had
            // copied are now there twice.
            if rb.replay_records > 0 {
                let acked = self.topics[t].acked;
                let from = acked.saturating_sub(rb.replay_records);
                let stop = self.flows[f].stop_end;
                let resent = acked - from;
                let already = stop.saturating_sub(from).min(resent);
                let fl = &mut self.flows[f];
                let leo = fl.dr.now(now) + resent;
                let rate = fl.dr.rate_mrps();
                fl.dr.push(Segment {
                    t0: now,
                    leo0: leo,
                    appending: false,
                    epoch: 0,
                });
                let _ = rate;
                let partitions = m.topics[t].partitions as u64;
                let groups = m.consumers.iter().filter(|c| c.topic.idx() == t).count() as u64;
                self.duplicates += already * partitions * groups;
                // What the replay re-sent survives in the DR topic.
                self.topics[t].replayed_from = from;
                self.note(
                    now,
                    TraceRecord::ProducerReplay {
                        topic: t as u32,
                        resent,
                        duplicated: already,
                    },
                );
            }
        }
        self.note(now, TraceRecord::ClientsSwitched { to_dr: true });
    }

    fn consumers_switch(&mut self, now: SimTime) {
        let m = self.model.clone();
        let dr = self.dr().clone();
        let Some(mi) = self.runbook_mirror() else {
            return;
        };
        let mirror = &dr.mirrors[mi];
        let failed_at = self.rb.failed_at.unwrap_or(now);
        for (ci, c) in m.consumers.iter().enumerate() {
            let t = c.topic.idx();
            let Some(f) = self.producer_flow(t).filter(|_| c.reads_mirror.is_none()) else {
                continue;
            };
            self.consumers[ci].loc = Some(Loc::Dr);
            let stop = self.flows[f].stop_end;
            // What the group had processed when the primary went, and what
            // of that the DR topic holds.
            // Read just before the failure: a power loss at that instant
            // already cut the log.
            let position = self.topics[t]
                .log
                .at_or_oldest(failed_at.saturating_sub(SimDuration(1)));
            let processed = position.min(stop);
            let synced = self
                .synced_offset(ci, mirror, failed_at)
                .map(|o| o.min(stop));
            let start = match (synced, c.reset) {
                (Some(o), _) => o,
                (None, OffsetReset::Earliest) => 0,
                (None, OffsetReset::Latest) => self.flows[f].dr.now(now),
            };
            let partitions = m.topics[t].partitions as u64;
            let (dup, skip) = if start < processed {
                (processed - start, 0)
            } else {
                (0, start - processed)
            };
            // Records the DR topic holds twice (MM2 re-copies) past where
            // the group starts are processed twice.
            let twice = if start < stop {
                self.flows[f].dup_in_target
            } else {
                0
            };
            self.duplicates += (dup + twice) * partitions;
            self.skipped += skip * partitions;
            self.note(
                now,
                TraceRecord::ConsumerSwitched {
                    group: ci as u32,
                    start,
                    processed,
                },
            );
        }
    }

    /// The offset a group finds on the DR cluster, in DR offsets, if any.
    fn synced_offset(&self, ci: usize, mirror: &MirrorSpec, failed_at: SimTime) -> Option<u64> {
        let m = &self.model;
        let c = &m.consumers[ci];
        let t = c.topic.idx();
        let log = &self.topics[t].log;
        let last_tick = |phase: SimDuration, interval: SimDuration, upto: SimTime| {
            let (p, i, u) = (phase.as_ns(), interval.as_ns().max(1), upto.as_ns());
            if u < p {
                None
            } else {
                Some(SimTime(p + (u - p) / i * i))
            }
        };
        // The group's committed offset as of `at`: its position at the last
        // auto-commit before then.
        let committed_at = |at: SimTime| {
            last_tick(self.commit_phase[ci], c.commit_interval, at)
                .map_or(0, |tick| log.at_or_oldest(tick))
        };
        let sync_at = last_tick(self.sync_phase[ci], sync_interval(mirror), failed_at)?;
        let committed = committed_at(sync_at);
        match mirror.kind {
            MirrorKind::ClusterLinking if mirror.offset_sync_enable => Some(committed),
            // MM2 translates through the last offset sync at or before the
            // committed offset: up to offset.lag.max back, never ahead.
            MirrorKind::MirrorMaker2 if mirror.sync_group_offsets => {
                Some(committed - committed % mirror.offset_lag_max)
            }
            MirrorKind::MskReplicator if mirror.offset_sync_enable => {
                Some(committed - committed % mirror.offset_lag_max)
            }
            _ => None,
        }
    }

    fn failback_start(&mut self, now: SimTime) {
        self.rb.failback_started = true;
        let m = self.model.clone();
        let rm = self.runbook_mirror().expect("runbook");
        for f in 0..self.flows.len() {
            if self.flows[f].mirror as usize != rm {
                continue;
            }
            let t = self.flows[f].topic as usize;
            let stop = self.flows[f].stop_end;
            // truncate-and-restore on the old primary: everything past the
            // mirror's end at failover goes.
            let from = self.topics[t].log.now(now);
            for p in 0..m.topics[t].partitions {
                self.note(
                    now,
                    TraceRecord::FailbackTruncated {
                        partition: m.topics[t].first_partition + p,
                        from,
                        to: stop.min(from),
                    },
                );
            }
            // The truncated records that were acknowledged (and not re-sent
            // by a producer replay) are lost: the oracle's verdict is taken
            // here, where the loss happens.
            let failed_at = self.rb.failed_at.unwrap_or(now);
            self.judge_home_log(t, stop, failed_at);
            let run = &mut self.topics[t];
            let rate = run.log.rate_mrps();
            run.log.reset(
                rate,
                Segment {
                    t0: now,
                    leo0: stop.min(from),
                    appending: false,
                    epoch: 0,
                },
            );
            run.acked = run.acked.min(stop);
            run.replayed_from = u64::MAX;
            let fl = &mut self.flows[f];
            fl.rev = Copy {
                m0: stop.min(from),
                t0: now,
                draining: true,
                active: false,
                timer: fl.rev.timer,
            };
        }
        self.note(now, TraceRecord::FailbackStarted);
    }

    /// The reverse copy caught up: producers pause, the primary's topics
    /// are promoted (lag 0), and clients switch back after the DNS TTL.
    fn cutover(&mut self, now: SimTime) {
        self.rb.cutover = true;
        let ttl = self
            .dr()
            .runbook
            .as_ref()
            .map_or(SimDuration::ZERO, |r| r.dns_ttl);
        self.q.schedule(now + ttl, Ev::SwitchedBack);
    }

    fn switched_back(&mut self, now: SimTime) {
        self.rb.back_home = true;
        let m = self.model.clone();
        let rm = self.runbook_mirror().expect("runbook");
        for f in 0..self.flows.len() {
            if self.flows[f].mirror as usize != rm {
                continue;
            }
            let t = self.flows[f].topic as usize;
            let end = self.flows[f].dr.now(now);
            let fl = &mut self.flows[f];
            fl.rev.active = false;
            fl.rev.m0 = end;
            fl.rev.timer.cancel();
            // The restored primary holds the DR topic's whole log.
            let run = &mut self.topics[t];
            let rate = run.log.rate_mrps();
            run.log.reset(
                rate,
                Segment {
                    t0: now,
                    leo0: end,
                    appending: false,
                    epoch: 0,
                },
            );
            run.acked = end;
        }
        for pi in 0..m.producers.len() {
            let t = m.producers[pi].topic.idx();
            if let Some(f) = self.producer_flow(t) {
                self.producers[pi].loc = Some(Loc::Home);
                self.stop_appending(now, t, Some(f));
            }
        }
        // Offsets come back through the reverse link's offset sync: a group
        // re-reads what it processed since the last sync.
        for (ci, c) in m.consumers.iter().enumerate() {
            let t = c.topic.idx();
            if self.producer_flow(t).is_none() || c.reads_mirror.is_some() {
                continue;
            }
            self.consumers[ci].loc = Some(Loc::Home);
            let interval = sync_interval(&self.dr().mirrors[rm]).as_ns().max(1);
            let since = (now.as_ns().saturating_sub(self.sync_phase[ci].as_ns())) % interval;
            let rate = self.topics[t].log.rate_mrps();
            self.duplicates += records_over(rate, since) * m.topics[t].partitions as u64;
        }
        self.note(now, TraceRecord::ClientsSwitched { to_dr: false });
    }

    // ------------------------------------------------------------------
    // Refresh: derived state
    // ------------------------------------------------------------------

    fn refresh(&mut self, now: SimTime) {
        let m = self.model.clone();
        let dr = self.dr().clone();
        for k in 0..dr.clusters.len() {
            self.cluster_ok[k] = self.quorum(k) && self.brokers_up(k) > 0;
        }
        self.refresh_runbook(now);
        // Producers.
        for (pi, pr) in m.producers.iter().enumerate() {
            let t = pr.topic.idx();
            let loc = self.producers[pi].loc;
            let on_dr = loc == Some(Loc::Dr);
            let k = self.cluster_of_client(t, on_dr);
            // Clients of a topic under the runbook stand for the
            // application, which fails over with it (redeployed beside the DR
            // cluster if its own DC is lost): its outage runs from the
            // failure to the switch. Other clients die with their DC.
            let moved = on_dr && !dr.clusters[k].dcs.contains(&pr.dc);
            let alive = self.dc_down[pr.dc.idx()] == 0 || self.producer_flow(t).is_some();
            let paused = self.rb.cutover && !self.rb.back_home && self.producer_flow(t).is_some();
            let from_dc = if moved { dr.clusters[k].dcs[0] } else { pr.dc };
            let ok = alive
                && !paused
                && self.writable(k, self.min_brokers(t))
                && self.reaches(from_dc, k);
            let bad = alive && !ok;
            // Appending: the log of wherever the producer writes.
            let flow = if on_dr { self.producer_flow(t) } else { None };
            self.set_appending(now, pi, t, flow, alive, ok);
            if bad != self.producers[pi].bad {
                self.producers[pi].bad = bad;
                self.writes.change(now, bad);
                self.note_partitions(now, t, !bad, true);
            }
        }
        // Consumers.
        for (ci, c) in m.consumers.iter().enumerate() {
            let t = c.topic.idx();
            let on_dr = self.consumers[ci].loc == Some(Loc::Dr);
            // A group reading a mirror copy reads it in the mirror's target
            // cluster, whatever happens to the source (it sees no new
            // records while the copy stands still, but it can read).
            let k = match c.reads_mirror {
                Some(mi) => dr.mirrors[mi].target,
                None => self.cluster_of_client(t, on_dr),
            };
            let moved = on_dr && !dr.clusters[k].dcs.contains(&c.dc);
            let follows_runbook = c.reads_mirror.is_none() && self.producer_flow(t).is_some();
            let alive = self.dc_down[c.dc.idx()] == 0 || follows_runbook;
            let from_dc = if moved { dr.clusters[k].dcs[0] } else { c.dc };
            let ok = alive && self.quorum(k) && self.brokers_up(k) > 0 && self.reaches(from_dc, k);
            let bad = alive && !ok;
            if bad != self.consumers[ci].bad {
                self.consumers[ci].bad = bad;
                self.reads.change(now, bad);
                self.note_partitions(now, t, !bad, false);
            }
        }
        // Flows.
        for f in 0..self.flows.len() {
            let mi = self.flows[f].mirror as usize;
            let mirror = &dr.mirrors[mi];
            let t = self.flows[f].topic as usize;
            let fwd_on =
                !self.flows[f].promoted && self.copy_can_run(mi, mirror.source, mirror.target);
            let src_rate = self.topics[t].log.append_rate_mrps();
            let avail = self.fwd_avail(f, now);
            self.steer(now, f, false, fwd_on, avail, src_rate);
            let rev_on = self.rb.failback_started
                && !self.rb.back_home
                && self.copy_can_run(mi, mirror.target, mirror.source);
            let dr_rate = self.flows[f].dr.append_rate_mrps();
            let ravail = self.rev_avail(f, now);
            self.steer(now, f, true, rev_on, ravail, dr_rate);
        }
    }

    /// Whether mirror `mi` can copy from cluster `from` to cluster `to` now:
    /// its process runs, the source is readable, the target writable, and
    /// the network joins them.
    fn copy_can_run(&self, mi: usize, from: usize, to: usize) -> bool {
        self.mirror_stopped[mi] == 0
            && self.cluster_ok[from]
            && self.writable(to, 1)
            && self.clusters_connected(from, to)
    }

    /// Sets a copy's mode: follow the source when it keeps up, drain the
    /// backlog at the link's bandwidth otherwise, and arm the caught-up
    /// timer when draining can end.
    fn steer(
        &mut self,
        now: SimTime,
        f: usize,
        reverse: bool,
        on: bool,
        avail: u64,
        src_rate: u64,
    ) {
        let bw = self.flow_bw_mrps(f);
        let c = if reverse {
            &mut self.flows[f].rev
        } else {
            &mut self.flows[f].fwd
        };
        let was = (c.active, c.draining);
        c.active = on;
        if !on {
            c.timer.cancel();
            return;
        }
        let behind = c.m0 < avail;
        c.draining = behind || src_rate > bw;
        if !was.0 && behind {
            // A copy resumes after a cut, a stopped process or a failed
            // side: what the two sides disagree on (active-active
            // divergence) is this backlog.
            let backlog = avail - c.m0;
            let (mirror, topic) = (self.flows[f].mirror as u32, self.flows[f].topic as u32);
            self.note(
                now,
                TraceRecord::MirrorResumed {
                    mirror,
                    topic,
                    reverse,
                    backlog,
                },
            );
        }
        let c = if reverse {
            &mut self.flows[f].rev
        } else {
            &mut self.flows[f].fwd
        };
        if !c.draining {
            c.timer.cancel();
            if reverse && self.rb.failback_started && !self.rb.cutover {
                self.cutover(now);
            }
            return;
        }
        if was == (true, true) && c.timer.is_armed() {
            // Re-arm: the source's rate or the bandwidth may have changed.
        }
        c.timer.cancel();
        if src_rate < bw && behind {
            let gap = (avail - c.m0) as u128;
            let ns = (gap * 1_000_000_000_000u128).div_ceil((bw - src_rate) as u128);
            let at = now + SimDuration(ns.min(u64::MAX as u128 / 4) as u64 + 1);
            let gen = c.timer.arm();
            self.q.schedule(
                at,
                Ev::CaughtUp {
                    flow: f as u16,
                    reverse,
                    gen,
                },
            );
        }
    }

    fn set_appending(
        &mut self,
        now: SimTime,
        pi: usize,
        t: usize,
        flow: Option<usize>,
        alive: bool,
        ok: bool,
    ) {
        let pr = self.model.producers[pi].clone();
        let lat = self.steady_latency_us(pi, flow.is_some());
        let log = match flow {
            None => self.topics[t].log,
            Some(f) => self.flows[f].dr,
        };
        let newest = log.newest();
        let mut burst = 0;
        match (alive && !ok, self.producers[pi].blocked_since) {
            (true, None) => self.producers[pi].blocked_since = Some(now),
            (false, Some(since)) => {
                self.producers[pi].blocked_since = None;
                if ok {
                    // Buffered records younger than delivery.timeout.ms land
                    // as a burst; older ones failed back to the application.
                    let waited = now.since(since);
                    let kept = waited.min(pr.delivery_timeout);
                    let rate = log.rate_mrps();
                    burst = records_over(rate, kept.as_ns());
                    let partitions = self.model.topics[t].partitions as u64;
                    self.failed_sends += records_over(rate, (waited - kept).as_ns()) * partitions;
                    self.latency
                        .add_spread(lat, lat + kept.as_ns() / 1_000, burst * partitions);
                }
            }
            _ => {}
        }
        if newest.appending != ok || burst > 0 {
            let leo = log.now(now) + burst;
            let seg = Segment {
                t0: now,
                leo0: leo,
                appending: ok,
                epoch: 0,
            };
            match flow {
                None => self.topics[t].log.push(seg),
                Some(f) => self.flows[f].dr.push(seg),
            }
            if burst > 0 && pr.acks != Acks::Zero {
                match flow {
                    None => self.topics[t].acked = leo,
                    Some(f) => self.flows[f].dr_acked = leo,
                }
            }
        }
    }

    fn refresh_runbook(&mut self, now: SimTime) {
        let Some(rb) = self.dr().runbook.clone() else {
            return;
        };
        let source = self.dr().mirrors[rb.mirror].source;
        let topic = self.dr().mirrors[rb.mirror].topics[0].source.idx();
        let primary_ok = self.writable(source, self.min_brokers(topic));
        if !self.rb.failed_over {
            match (primary_ok, self.rb.failed_at) {
                (false, None) => {
                    self.rb.failed_at = Some(now);
                    let d = rb.detection.sample(&mut self.humans);
                    let gen = self.rb.timer.arm();
                    self.q.schedule(now + d, Ev::Detected { gen });
                }
                (true, Some(_)) => {
                    // The primary is back before anyone failed over: stand
                    // down.
                    self.rb.failed_at = None;
                    self.rb.detected = false;
                    self.rb.timer.cancel();
                    self.note(now, TraceRecord::RunbookAborted);
                }
                _ => {}
            }
        } else if rb.failback == Failback::TruncateAndRestore
            && primary_ok
            && self.rb.producers_on_dr
            && !self.rb.failback_started
            && !self.rb.failback_timer.is_armed()
        {
            let d = rb.failback_after.sample(&mut self.humans);
            let gen = self.rb.failback_timer.arm();
            self.q.schedule(now + d, Ev::FailbackStart { gen });
        }
    }

    /// Records acknowledged in topic `t`'s own log that the authoritative
    /// log holds only up to `held` are lost; RPO dates them from `failure`.
    fn judge_home_log(&mut self, t: usize, held: u64, failure: SimTime) {
        let run = self.topics[t];
        let partitions = self.model.topics[t].partitions as u64;
        let acked = run.acked.min(run.replayed_from.max(held));
        if acked > held {
            self.lost += (acked - held) * partitions;
            let appended = run.log.time_of(held).unwrap_or(failure);
            self.rpo_ms = self.rpo_ms.max(failure.since(appended).as_ms());
        }
    }

    /// Write (or read) availability of every partition of topic `t`, for
    /// timelines (the partitions are symmetric).
    fn note_partitions(&mut self, now: SimTime, t: usize, available: bool, writes: bool) {
        if self.trace.is_none() {
            return;
        }
        let spec = &self.model.topics[t];
        for p in spec.first_partition..spec.first_partition + spec.partitions {
            self.note(
                now,
                if writes {
                    TraceRecord::WriteAvailability {
                        partition: p,
                        available,
                    }
                } else {
                    TraceRecord::ReadAvailability {
                        partition: p,
                        available,
                    }
                },
            );
        }
    }

    /// Each forward copy's lag behind its source, for timelines.
    fn note_link_lag(&mut self, now: SimTime) {
        if self.trace.is_none() {
            return;
        }
        for f in 0..self.flows.len() {
            if self.flows[f].promoted {
                continue;
            }
            let t = self.flows[f].topic as usize;
            let lag_records = self.topics[t]
                .log
                .now(now)
                .saturating_sub(self.flows[f].fwd.m0);
            self.note(
                now,
                TraceRecord::LinkLag {
                    link: f as u16,
                    lag_records,
                },
            );
        }
    }

    /// The producer left this log: it stops growing.
    fn stop_appending(&mut self, now: SimTime, t: usize, flow: Option<usize>) {
        let log = match flow {
            None => &mut self.topics[t].log,
            Some(f) => &mut self.flows[f].dr,
        };
        if log.newest().appending {
            let leo = log.now(now);
            log.push(Segment {
                t0: now,
                leo0: leo,
                appending: false,
                epoch: 0,
            });
        }
    }

    // ------------------------------------------------------------------
    // End of trial: the oracle
    // ------------------------------------------------------------------

    fn finish(&mut self) -> TrialOutcome {
        let m = self.model.clone();
        let end = SimTime::ZERO + m.duration;
        self.note(end, TraceRecord::End);
        self.writes.finish(end);
        self.reads.finish(end);
        for (pi, pr) in m.producers.iter().enumerate() {
            if let Some(since) = self.producers[pi].blocked_since {
                let waited = end.since(since);
                let rate = self.topics[pr.topic.idx()].log.rate_mrps();
                self.failed_sends +=
                    records_over(rate, (waited - pr.delivery_timeout.min(waited)).as_ns())
                        * m.topics[pr.topic.idx()].partitions as u64;
            }
        }
        let failed_at = self.rb.failed_at.unwrap_or(end);
        for t in 0..self.topics.len() {
            let flow = self.producer_flow(t).filter(|&f| self.flows[f].promoted);
            // The final authoritative log of the records acknowledged by the
            // topic's own cluster: the DR copy after a failover (judged at
            // failback if there was one), else the topic's own log, short of
            // what a whole-cluster power loss dropped.
            match flow {
                Some(_) if self.rb.failback_started => {}
                Some(f) => {
                    let stop = self.flows[f].stop_end;
                    self.judge_home_log(t, stop, failed_at);
                }
                None => {
                    // No failover: a record survives if its own cluster kept
                    // it or a mirror had copied it (active-active readers
                    // see the copy; an operator can recover it from there).
                    let copied = (0..self.flows.len())
                        .filter(|&f| self.flows[f].topic as usize == t)
                        .map(|f| self.flows[f].fwd.m0)
                        .max()
                        .unwrap_or(0);
                    let held = self.topics[t].log.now(end).max(copied);
                    self.judge_home_log(t, held, end);
                }
            }
        }
        TrialOutcome {
            acked_lost_records: self.lost,
            rpo_ms: self.rpo_ms,
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
}

/// How often a group's offsets reach the DR cluster over this mirror.
fn sync_interval(m: &MirrorSpec) -> SimDuration {
    match m.kind {
        MirrorKind::MirrorMaker2 => m.checkpoint_interval,
        _ => m.offset_sync_interval,
    }
}
