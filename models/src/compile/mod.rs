//! Validation and resolution: a parsed [`Scenario`] becomes a [`Model`], the
//! immutable, index-based description every trial of a run shares.
//!
//! Every check here rejects something a user could write and that would make
//! the simulation meaningless or panic later: unknown or duplicate names,
//! replication factors larger than the brokers available, `min.insync.replicas`
//! larger than RF, zero or negative rates and durations, faults naming unknown
//! components. Each error names the field path and what would be valid.
//!
//! [`compile`] resolves the scenario section by section, one file each, in
//! this order:
//!
//! | file | what it resolves |
//! |---|---|
//! | `topology.rs` | regions, DCs, racks, brokers and controllers; the containment graph; lookups by name and node id |
//! | `network.rs` | RTT, jitter and bandwidth between DCs, and the links |
//! | `clusters.rs` | which DCs, brokers and controllers each cluster holds |
//! | `timings.rs` | the cluster timings |
//! | `topics.rs` | topics: their cluster, sizes, placement and partitions |
//! | `mirrors.rs` | mirrors and the topics they copy; then `runbook.rs` (the failover runbook) and `mirror_topics.rs` (each mirror's topics in its target cluster) |
//! | `clients.rs` | producers and consumers |
//! | `faults.rs` | scheduled faults, and the target resolution fault processes share (`crate::faults` plans them per trial) |
//! | `processes.rs` | fault processes |
//! | `schedule.rs` | the planned faults' types (scheduled faults, processes, stream keys) that `crate::faults` draws from, so compilation depends on nothing after it |
//! | `expectations.rs` | what `kdrsim check` asserts |
//!
//! Each section hands what it resolved to the later ones in a small struct
//! (`topology::Topology`, `topics::Topics`, ...) and uses nothing of a later
//! one. Each reports every rule its elements break (see `Checker`) rather
//! than stopping at the first, so that `kdrsim validate` lists them all. This file holds the public types, the error helper (`Checker`) and
//! the small value checkers.

use crate::error::{Problems, ScenarioError};
use crate::ids::*;
use crate::load::Source;
use crate::scenario::*;
use kdrsim_sim::SimDuration;
use petgraph::graph::DiGraph;
use std::cell::RefCell;
use std::collections::BTreeSet;

mod client_failover;
mod clients;
mod clusters;
mod expectations;
mod faults;
mod mirror_topics;
mod mirrors;
mod network;
mod processes;
mod runbook;
pub mod schedule;
mod timings;
mod topics;
mod topology;

/// The largest replication factor modelled (replica sets are fixed arrays).
pub const MAX_RF: usize = 8;
/// At most this many DCs (connectivity is a `u64` mask per DC).
pub const MAX_DCS: usize = 64;
/// At most this many partitions over all topics.
pub const MAX_PARTITIONS: u64 = 100_000;
/// At most this many brokers or controllers.
pub const MAX_NODES: usize = 10_000;
/// At most this many faults.
pub const MAX_FAULTS: usize = 10_000;
/// At most this many racks (dense `u16` indices; a rack needs no broker,
/// so the broker limit does not bound them).
pub const MAX_RACKS: usize = 10_000;
/// At most this many topics (dense `u16` indices).
pub const MAX_TOPICS: usize = 10_000;
/// The longest simulated time per trial (10 years, for fault processes that
/// cover years of operation). Quiet time costs no events (flows, not
/// periodic ticks), and fault processes are capped in occurrences, so the
/// bound only keeps integer time far from overflow.
pub const MAX_DURATION_MS: u64 = 10 * 365 * 24 * 3_600_000;
/// Events a trial may process per (partition + broker) and per fault that
/// begins in it, plus one: `EVENT_BUDGET_FACTOR × (partitions + brokers) ×
/// (faults + 1)`. Real trials process about one or two (each partition's
/// ISR shrinks, its leader moves, its follower catches up; each broker is
/// fenced and unfenced, once per fault that takes it), so a trial that goes
/// past this many does not advance: the world stops it with an error
/// naming the scenario, seed and trial instead of spinning.
pub const EVENT_BUDGET_FACTOR: u64 = 1_000;

#[derive(Debug, Clone)]
pub struct DcSpec {
    pub name: String,
    pub region: RegionIdx,
}

#[derive(Debug, Clone)]
pub struct RackSpec {
    pub name: String,
    pub dc: DcIdx,
}

#[derive(Debug, Clone, Copy)]
pub struct BrokerSpec {
    pub node_id: u32,
    pub rack: RackIdx,
    pub dc: DcIdx,
}

#[derive(Debug, Clone, Copy)]
pub struct ControllerSpec {
    pub node_id: u32,
    pub dc: DcIdx,
}

/// Cluster timings as integer durations.
#[derive(Debug, Clone, Copy)]
pub struct Timings {
    pub replica_lag_time_max: SimDuration,
    pub broker_session_timeout: SimDuration,
    pub broker_heartbeat_interval: SimDuration,
    pub election_timeout: SimDuration,
    pub fetch_timeout: SimDuration,
    /// `controller.quorum.request.timeout.ms`.
    pub quorum_request_timeout: SimDuration,
    /// How far back a power loss reaches: min(os dirty expiry, flush.ms).
    pub unflushed_window: SimDuration,
}

#[derive(Debug, Clone)]
pub struct TopicSpec {
    pub name: String,
    pub partitions: u32,
    pub rf: u8,
    pub min_isr: u8,
    pub unclean: bool,
    pub first_partition: u32,
    pub producer: Option<usize>,
    /// Confluent's observer promotion policy (effective; `LeaderIsObserver`
    /// when the topic has no version-2 placement).
    pub promotion: PromotionPolicy,
    /// The cluster that holds the topic (0 when the scenario has one).
    pub cluster: u16,
    /// `retention.ms` (a mirror topic keeps its source's).
    pub retention_ms: u64,
    /// A mirror topic: written by a mirror (by position in the mirrors),
    /// copying `source`, not by a producer of its own.
    pub mirror_of: Option<MirrorOf>,
}

/// What a mirror topic copies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MirrorOf {
    pub mirror: usize,
    pub source: TopicIdx,
}

#[derive(Debug, Clone, Copy)]
pub struct PartitionSpec {
    pub topic: TopicIdx,
    pub replicas: [BrokerIdx; MAX_RF],
    /// Replica slots in use: sync replicas, then observers.
    pub rf: u8,
    /// Bit `s` set: slot `s` is an observer (Confluent MRC).
    pub observers: u8,
}

impl PartitionSpec {
    pub fn replicas(&self) -> &[BrokerIdx] {
        &self.replicas[..self.rf as usize]
    }
}

#[derive(Debug, Clone)]
pub struct ProducerSpec {
    pub name: String,
    pub topic: TopicIdx,
    pub dc: DcIdx,
    /// Milli-records per second per partition: integer, so appends are exact.
    pub rate_mrps_per_partition: u64,
    pub record_bytes: u64,
    pub acks: Acks,
    pub idempotence: bool,
    pub delivery_timeout: SimDuration,
    pub request_timeout: SimDuration,
    /// Metadata-refresh backoff: first wait and cap (`retry.backoff.ms`,
    /// `retry.backoff.max.ms`).
    pub retry_backoff: SimDuration,
    pub retry_backoff_max: SimDuration,
    /// The producer's own failover to another cluster's topic, if declared.
    pub failover: Option<ClientFailoverSpec>,
    /// Where it runs again when its DC is lost.
    pub placement: Placement,
}

/// A producer's client-side failover (`producers[].failover`), resolved.
#[derive(Debug, Clone, Copy)]
pub struct ClientFailoverSpec {
    /// The topic of the same name in the other cluster.
    pub to_topic: TopicIdx,
    /// Milli-records per second the producer adds to each partition of
    /// `to_topic` once there (its rate spread over that topic's partitions).
    pub rate_mrps_per_partition: u64,
    pub detection: TimeDist,
    pub dns_ttl: SimDuration,
}

#[derive(Debug, Clone)]
pub struct ConsumerSpec {
    pub group: String,
    pub topic: TopicIdx,
    pub dc: DcIdx,
    pub commit_interval: SimDuration,
    pub reset: OffsetReset,
    /// `client.rack`, when set.
    pub client_rack: Option<RackIdx>,
    /// Reads the copy a mirror (by index) keeps of `topic`, in the mirror's
    /// target cluster, instead of `topic` itself.
    pub reads_mirror: Option<usize>,
    /// Where it runs again when its DC is lost.
    pub placement: Placement,
}

/// A client's deployment (`deployment`), resolved: where it runs again
/// when the DC it runs in is lost.
#[derive(Debug, Clone, PartialEq)]
pub enum Placement {
    /// Instances in each of `dcs` (its region's DCs, its own first): it
    /// moves to the first of them that is up after `move_after`.
    Spread {
        dcs: Vec<DcIdx>,
        move_after: TimeDist,
    },
    /// Only in its own DC.
    Pinned,
    /// Restarted in `dc` after `after`.
    RestartIn { dc: DcIdx, after: TimeDist },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultMode {
    Crash,
    PowerLoss,
    /// A power loss that never ends and leaves no disk behind (see
    /// [`FaultKind::Destroyed`]).
    Destroyed,
    /// A clean, operator-initiated stop of brokers (see
    /// [`FaultKind::ControlledShutdown`]).
    ControlledShutdown,
    Partition,
    /// The brokers lose every controller; the data plane still works
    /// (see [`FaultKind::ControlPlaneCut`]).
    ControlPlaneCut,
    /// A runbook step: unclean election for the leaderless partitions of
    /// `FaultSpec::topic`.
    UncleanElection,
    /// A mirror's replication process stops (`FaultSpec::mirror`).
    MirrorStopped,
    /// A mirror's throughput falls to `FaultSpec::factor_ppm` / 1e6.
    MirrorDegraded,
}

/// A fault resolved to the components it takes.
#[derive(Debug, Clone)]
pub struct FaultSpec {
    pub at: TimeDist,
    pub recover_after: Option<TimeDist>,
    pub mode: FaultMode,
    pub label: String,
    pub brokers: Vec<BrokerIdx>,
    pub controllers: Vec<ControllerIdx>,
    /// DCs whose clients die with the fault (DC and region targets).
    pub dcs: Vec<DcIdx>,
    /// For partitions: the two sides as DC masks.
    pub side_a: u64,
    pub side_b: u64,
    /// For runbook steps on a topic.
    pub topic: Option<TopicIdx>,
    /// For mirror faults.
    pub mirror: Option<usize>,
    /// For degradation: the remaining fraction of bandwidth, per million.
    pub factor_ppm: u32,
    /// The fault as a scenario file would write it, with a concrete target
    /// (an `AnyOf` alternative, a process's component): what `shrink`
    /// writes back.
    pub kind: FaultKind,
    /// Whether clients in lost DCs die (what `shrink` writes back).
    pub clients: ClientFate,
}

impl FaultSpec {
    /// A fault of `mode` that takes nothing yet: targets, sides, topic or
    /// mirror are filled in as the kind is resolved.
    fn new(
        kind: FaultKind,
        mode: FaultMode,
        at: TimeDist,
        recover_after: Option<TimeDist>,
    ) -> Self {
        FaultSpec {
            at,
            recover_after,
            mode,
            label: String::new(),
            brokers: vec![],
            controllers: vec![],
            dcs: vec![],
            side_a: 0,
            side_b: 0,
            topic: None,
            mirror: None,
            factor_ppm: 1_000_000,
            kind,
            clients: ClientFate::Die,
        }
    }
}

/// A node of the topology graph: containment edges point from a region to
/// its DCs, from a DC to its racks, from a rack to its brokers and controllers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopoNode {
    Region(RegionIdx),
    Dc(DcIdx),
    Rack(RackIdx),
    Broker(BrokerIdx),
    Controller(ControllerIdx),
}

/// The immutable, index-based model of a scenario shared by all its trials.
#[derive(Debug, Clone)]
pub struct Model {
    pub name: String,
    pub file: String,
    pub duration: SimDuration,
    pub regions: Vec<String>,
    pub dcs: Vec<DcSpec>,
    pub racks: Vec<RackSpec>,
    pub brokers: Vec<BrokerSpec>,
    pub controllers: Vec<ControllerSpec>,
    /// Base RTT and jitter between DCs (row-major, `dcs.len()` squared).
    pub rtt: Vec<SimDuration>,
    pub jitter: Vec<SimDuration>,
    pub bandwidth_bytes_per_sec: Vec<u64>,
    pub timings: Timings,
    /// Eligible Leader Replicas (KIP-966) enabled.
    pub elr: bool,
    /// `replica.selector.class=RackAwareReplicaSelector`.
    pub rack_aware_selector: bool,
    /// Where a replica that becomes a follower truncates (KIP-101 or legacy).
    pub follower_truncation: FollowerTruncation,
    pub topics: Vec<TopicSpec>,
    pub partitions: Vec<PartitionSpec>,
    pub producers: Vec<ProducerSpec>,
    pub consumers: Vec<ConsumerSpec>,
    /// Every fault target: the scheduled faults' (with one per `AnyOf`
    /// alternative) and every fault-process component's.
    pub faults: Vec<FaultSpec>,
    /// The scheduled faults, in file order.
    pub schedule: Vec<schedule::ScheduledFault>,
    /// The fault processes.
    pub processes: Vec<schedule::ProcessSpec>,
    /// What `kdrsim check` asserts.
    pub expectations: Vec<crate::expect::Written>,
    pub graph: DiGraph<TopoNode, ()>,
    /// Every cluster: the scenario's `clusters`, or one implicit cluster
    /// holding everything. Each runs its own KRaft quorum.
    pub clusters: Vec<crate::dr::spec::ClusterSpec>,
    /// Per broker (by `BrokerIdx`): its cluster.
    pub broker_cluster: Vec<u16>,
    /// Per controller (by `ControllerIdx`): its cluster.
    pub controller_cluster: Vec<u16>,
    /// The mirrors and the runbook, when the scenario declares `clusters`
    /// (`None`: one implicit cluster, no mirrors).
    pub dr: Option<crate::dr::spec::DrSpec>,
    /// The factor of a trial's event budget: [`EVENT_BUDGET_FACTOR`]
    /// (a test makes it tiny to stop a trial early).
    pub event_budget_factor: u64,
    /// Some producer declares its own failover (`producers[].failover`).
    pub client_failovers: bool,
}

impl Model {
    /// The partitions (by index) of topic `t`.
    pub fn topic_partitions(&self, t: TopicIdx) -> std::ops::Range<usize> {
        let spec = &self.topics[t.idx()];
        let first = spec.first_partition as usize;
        first..first + spec.partitions as usize
    }

    pub fn dc_pair(&self, a: DcIdx, b: DcIdx) -> usize {
        a.idx() * self.dcs.len() + b.idx()
    }

    /// The mirrors of the scenario (none for one implicit cluster).
    pub fn mirrors(&self) -> &[crate::dr::spec::MirrorSpec] {
        self.dr.as_ref().map_or(&[], |d| &d.mirrors)
    }

    /// The failover runbook, if any.
    pub fn runbook(&self) -> Option<&crate::dr::spec::RunbookSpec> {
        self.dr.as_ref().and_then(|d| d.runbook.as_ref())
    }
}

/// Makes compilation's errors, each naming a field path of the scenario and
/// pointing at the text there, and collects them: a section reports every
/// rule its elements break and goes on with the next element, so one
/// `kdrsim validate` lists every mistake of a file.
///
/// An element that cannot be resolved (a topic on an unknown cluster) is
/// left out of what later sections see, and its name is *refused*: a later
/// "unknown topic" about that name only follows from the error already
/// reported, so it is not reported again.
struct Checker<'a> {
    src: &'a Source,
    found: RefCell<Vec<ScenarioError>>,
    /// `topic "orders"`, as [`Checker::unknown`] names things, or `topic *`
    /// for every topic.
    refused: RefCell<BTreeSet<String>>,
    /// The text of errors that only follow from a refused name.
    cascades: RefCell<BTreeSet<String>>,
    /// Why later sections were not checked, when they were not.
    stopped: RefCell<Option<String>>,
}

impl<'a> Checker<'a> {
    fn new(src: &'a Source) -> Self {
        Checker {
            src,
            found: RefCell::new(Vec::new()),
            refused: RefCell::new(BTreeSet::new()),
            cascades: RefCell::new(BTreeSet::new()),
            stopped: RefCell::new(None),
        }
    }

    /// Records `e`, unless it only follows from a refused name.
    fn report(&self, e: ScenarioError) {
        if !self.cascades.borrow().contains(&e.to_string()) {
            self.found.borrow_mut().push(e);
        }
    }

    /// The value, or `None` with the error recorded.
    fn keep<T>(&self, r: Result<T, ScenarioError>) -> Option<T> {
        r.map_err(|e| self.report(e)).ok()
    }

    /// Records every error of `errors` but the last, which it returns (for
    /// a check of several independent rules that then gives up).
    fn all(&self, errors: Vec<ScenarioError>) -> Result<(), ScenarioError> {
        if errors.is_empty() {
            return Ok(());
        }
        Err(self.fail(errors))
    }

    /// Records every error of `errors` but the last, and returns that one.
    fn fail(&self, mut errors: Vec<ScenarioError>) -> ScenarioError {
        let last = errors
            .pop()
            .unwrap_or_else(|| self.err("", "", "the scenario was refused"));
        for e in errors {
            self.report(e);
        }
        last
    }

    /// How many errors are recorded so far.
    fn errors(&self) -> usize {
        self.found.borrow().len()
    }

    /// `what` (as [`Checker::unknown`] names it) was refused.
    fn refuse(&self, what: String) {
        self.refused.borrow_mut().insert(what);
    }

    fn is_refused(&self, what: &str) -> bool {
        let refused = self.refused.borrow();
        let kind = what.split(' ').next().unwrap_or_default();
        refused.contains(what) || refused.contains(&format!("{kind} *"))
    }

    /// Checking stops after this section, for `why`.
    fn stop(&self, why: &str) {
        self.stopped
            .borrow_mut()
            .get_or_insert_with(|| why.to_string());
    }

    /// Everything recorded, in file order.
    fn problems(self) -> Problems {
        let mut errors = self.found.into_inner();
        errors.sort_by_key(|e| {
            let (line, column) = e.location().map_or((0, 0), |l| (l.line, l.column));
            (line == 0, line, column)
        });
        Problems {
            errors,
            stopped: self.stopped.into_inner(),
        }
    }

    /// "unknown {what}; valid: a, b, c" at `field`, pointing at `needle`.
    fn unknown<I, T>(
        &self,
        field: impl Into<String>,
        needle: &str,
        what: String,
        valid: I,
    ) -> ScenarioError
    where
        I: IntoIterator<Item = T>,
        T: std::fmt::Display,
    {
        let list: Vec<String> = valid.into_iter().map(|v| v.to_string()).collect();
        let e = self.err(
            field,
            needle,
            format!("unknown {what}; valid: {}", list.join(", ")),
        );
        if self.is_refused(&what) {
            self.cascades.borrow_mut().insert(e.to_string());
        }
        e
    }

    fn err(
        &self,
        field: impl Into<String>,
        needle: &str,
        message: impl Into<String>,
    ) -> ScenarioError {
        let field = field.into();
        ScenarioError::Invalid {
            location: self.src.location(&field, needle),
            message: message.into(),
        }
    }
}

/// The longest setting a scenario may give in milliseconds (about 31 years,
/// as for drawn times). Integer time is nanoseconds in a `u64`, and the
/// model adds settings to the clock and to each other: near `u64::MAX` ms
/// that arithmetic overflows (the fuzzer found one in the ISR expiry
/// schedule), so larger values are refused here rather than trusted there.
pub const MAX_SETTING_MS: u64 = 1_000_000_000_000;

fn positive_ms(c: &Checker, field: &str, v: u64) -> Result<SimDuration, ScenarioError> {
    if v == 0 {
        return Err(c.err(field, "", "must be > 0 ms"));
    }
    bounded_ms(c, field, v)
}

fn bounded_ms(c: &Checker, field: &str, v: u64) -> Result<SimDuration, ScenarioError> {
    if v > MAX_SETTING_MS {
        return Err(c.err(
            field,
            "",
            format!("{v} ms is beyond the longest supported setting; valid: at most {MAX_SETTING_MS} ms"),
        ));
    }
    Ok(SimDuration::from_ms(v))
}

fn latency(c: &Checker, field: &str, v: f64) -> Result<SimDuration, ScenarioError> {
    if !v.is_finite() || !(0.0..=1.0e6).contains(&v) {
        return Err(c.err(
            field,
            "",
            format!("{v} is not a valid latency; valid: a number of ms in [0, 1000000]"),
        ));
    }
    Ok(SimDuration::from_ms_f64(v))
}

fn bandwidth(c: &Checker, field: &str, mbps: f64) -> Result<u64, ScenarioError> {
    if !mbps.is_finite() || mbps <= 0.0 || mbps > 1.0e9 {
        return Err(c.err(
            field,
            "",
            format!("{mbps} is not a valid bandwidth; valid: Mbit/s in (0, 1e9]"),
        ));
    }
    Ok((mbps * 1.0e6 / 8.0).round().max(1.0) as u64)
}

/// Checks the scenario's header: its version, name and duration (each
/// rule broken is reported; the duration is a placeholder after an error).
fn header(c: &Checker, scenario: &Scenario) -> SimDuration {
    if scenario.version != 1 {
        c.report(c.err(
            "version",
            "",
            format!("version {} is not supported; valid: 1", scenario.version),
        ));
    }
    if scenario.name.trim().is_empty() {
        c.report(c.err("name", "", "the scenario needs a non-empty name"));
    }
    let duration = c.keep(positive_ms(c, "duration_ms", scenario.duration_ms));
    if scenario.duration_ms > MAX_DURATION_MS {
        c.report(c.err(
            "duration_ms",
            "",
            format!(
                "{} ms is longer than the longest supported trial; valid: 1..={MAX_DURATION_MS} ms (10 years)",
                scenario.duration_ms
            ),
        ));
    }
    duration.unwrap_or(SimDuration::from_ms(1))
}

/// Validates `scenario` (read from `src`) and resolves it into a [`Model`];
/// the first of its errors ([`compile_all`] gives them all).
pub fn compile(scenario: &Scenario, src: &Source) -> Result<Model, ScenarioError> {
    compile_all(scenario, src).map_err(Problems::first)
}

/// Validates `scenario` (read from `src`) and resolves it into a [`Model`],
/// or gives every rule it breaks, in file order.
///
/// The sections run in the order of the table above. Each reports every
/// rule its elements break and hands the later sections what it could
/// resolve; the model is built only when nothing was reported. A topology
/// that cannot be resolved (no brokers, too many DCs) stops the sections
/// that refer to it, and [`Problems::stopped`] says so.
pub fn compile_all(scenario: &Scenario, src: &Source) -> Result<Model, Problems> {
    let c = Checker::new(src);
    let duration = header(&c, scenario);
    let topo = topology::resolve(&c, &scenario.topology);
    let timings = timings::resolve(&c, &scenario.cluster);
    let later = match &topo {
        Some(topo) => sections(&c, scenario, topo),
        None => {
            c.stop("the network, clusters, topics, clients and faults are checked once the topology above is valid");
            None
        }
    };
    let expectations = expectations::resolve(&c, &scenario.expect);
    match (topo, later) {
        (Some(topo), Some(later)) if c.errors() == 0 => Ok(model(
            scenario,
            src,
            duration,
            topo,
            timings,
            later,
            expectations,
        )),
        _ => {
            if c.errors() == 0 {
                // Never so: a section that gives up has reported why.
                c.report(c.err("", "", "the scenario was refused"));
            }
            Err(c.problems())
        }
    }
}

/// What the sections after the topology resolve.
struct Sections {
    network: network::Network,
    clusters: clusters::Clusters,
    topics: topics::Topics,
    dr: Option<crate::dr::spec::DrSpec>,
    clients: clients::Clients,
    faults: faults::Faults,
    processes: Vec<schedule::ProcessSpec>,
}

/// The sections after the topology, in order; `None` when one of them
/// gives up (its error is reported).
fn sections(c: &Checker, scenario: &Scenario, topo: &topology::Topology) -> Option<Sections> {
    let network = network::resolve(c, &scenario.topology, topo);
    let clusters = clusters::resolve(c, scenario, topo);
    let mut topics = match topics::resolve(c, &scenario.topics, topo, &clusters) {
        Ok(topics) => topics,
        Err(e) => {
            c.report(e);
            c.refuse("topic *".into());
            topics::Topics::none()
        }
    };
    // Mirror topics are real topics of their target cluster, replicated by
    // its own brokers, so they exist before the clients that read them.
    let dr = mirrors::resolve(c, scenario, topo, &network, &clusters, &mut topics);
    let mut clients = clients::resolve(c, scenario, topo, &clusters, dr.as_ref(), &mut topics);
    client_failover::resolve(
        c,
        scenario,
        &clusters,
        dr.as_ref(),
        &topics,
        &mut clients.producers,
    );
    let mirror_names = faults::mirror_names(dr.as_ref());
    let faults = c.keep(faults::resolve(
        c,
        &scenario.faults,
        topo,
        &topics,
        &mirror_names,
    ));
    let mut faults = faults?;
    let processes = processes::resolve(c, scenario, topo, &mirror_names, &mut faults.specs);
    Some(Sections {
        network,
        clusters,
        topics,
        dr,
        clients,
        faults,
        processes,
    })
}

/// The model of a scenario that broke no rule.
fn model(
    scenario: &Scenario,
    src: &Source,
    duration: SimDuration,
    topo: topology::Topology,
    timings: Timings,
    s: Sections,
    expectations: Vec<crate::expect::Written>,
) -> Model {
    let producers: Vec<ProducerSpec> = s.clients.producers.into_iter().flatten().collect();
    let client_failovers = producers.iter().any(|p| p.failover.is_some());
    Model {
        name: scenario.name.clone(),
        file: src.file.clone(),
        duration,
        regions: topo.regions,
        dcs: topo.dcs,
        racks: topo.racks,
        brokers: topo.brokers,
        controllers: topo.controllers,
        rtt: s.network.rtt,
        jitter: s.network.jitter,
        bandwidth_bytes_per_sec: s.network.bandwidth,
        timings,
        elr: scenario.cluster.eligible_leader_replicas_enable,
        rack_aware_selector: scenario.cluster.replica_selector_class == ReplicaSelector::RackAware,
        follower_truncation: scenario.cluster.follower_truncation,
        topics: s.topics.specs,
        partitions: s.topics.partitions,
        producers,
        consumers: s.clients.consumers,
        faults: s.faults.specs,
        schedule: s.faults.schedule,
        processes: s.processes,
        expectations,
        graph: topo.graph,
        clusters: s.clusters.list,
        broker_cluster: s.clusters.broker_cluster,
        controller_cluster: s.clusters.controller_cluster,
        dr: s.dr,
        event_budget_factor: EVENT_BUDGET_FACTOR,
        client_failovers,
    }
}

#[cfg(test)]
mod tests;
