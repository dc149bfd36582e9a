//! The scenario file schema, version 1 (RON, read with serde).
//!
//! Keys follow Kafka's own configuration names with dots written as
//! underscores (`min.insync.replicas` → `min_insync_replicas`), so a user can
//! carry values over from `server.properties` without translation. Durations
//! are whole milliseconds and end in `_ms`; network latencies (`rtt_ms`,
//! `jitter_ms`) may be fractional. `docs/scenario-format.md` is the reference
//! and `scenarios/*.ron` are worked examples.

use serde::{Deserialize, Serialize};

/// One scenario: a topology, its workload, and the faults it meets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Schema version; only 1 exists.
    pub version: u32,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Simulated time covered by each trial.
    pub duration_ms: u64,
    pub topology: Topology,
    /// Broker and controller settings, with Kafka's defaults.
    #[serde(default)]
    pub cluster: ClusterConfig,
    pub topics: Vec<Topic>,
    #[serde(default)]
    pub producers: Vec<Producer>,
    #[serde(default)]
    pub consumers: Vec<Consumer>,
    #[serde(default)]
    pub faults: Vec<Fault>,
    /// Several Kafka clusters in one scenario (each owns the brokers and
    /// controllers of its data centers). Empty: one cluster holds everything.
    #[serde(default)]
    pub clusters: Vec<ClusterDef>,
    /// Asynchronous replication between clusters.
    #[serde(default)]
    pub mirrors: Vec<Mirror>,
    /// The active-passive failover (and failback) runbook.
    #[serde(default)]
    pub runbook: Option<Runbook>,
    /// Components that fail and are repaired again and again, each on its
    /// own (alternating renewal processes): months or years of operation.
    #[serde(default)]
    pub fault_processes: Vec<FaultProcess>,
    /// What `kdrsim check` asserts: `"acked_lost_records == 0"` (every
    /// trial), `"p99(rpo_ms) <= 5000"` (the distribution),
    /// `"P(acked_lost_records > 0) < 0.01 @ 95%"` (a probability, decided
    /// sequentially). See `docs/scenario-format.md`.
    #[serde(default)]
    pub expect: Vec<String>,
}

/// Which components a fault process covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Component {
    Broker,
    Controller,
    /// A rack and everything in it.
    Rack,
    /// A data center and everything in it.
    Dc,
    /// A region and everything in it.
    Region,
    /// Each explicit `topology.links` entry: a network partition between its
    /// two DCs while failed.
    Link,
    /// Each mirror's replication process (`MirrorStopped` while failed).
    Mirror,
}

/// Every component of a class (or the named ones) fails after a
/// `time_to_failure` and is back after a `time_to_repair`, over and over,
/// independently of each other. Containment makes failures correlated: a
/// DC's failure takes its racks, brokers and controllers together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultProcess {
    pub component: Component,
    pub time_to_failure: TimeDist,
    pub time_to_repair: TimeDist,
    /// For brokers, controllers, racks, DCs and regions: `Crash` (default)
    /// or `PowerLoss`.
    #[serde(default)]
    pub power_loss: bool,
    /// Only these components (names; broker and controller ids as numbers
    /// in quotes). Empty: every component of the class.
    #[serde(default)]
    pub only: Vec<String>,
    /// For DCs and regions: whether their clients die with them (see
    /// [`ClientFate`]).
    #[serde(default)]
    pub clients: ClientFate,
}

/// A Kafka cluster: the brokers and KRaft controllers of these DCs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterDef {
    pub name: String,
    pub data_centers: Vec<String>,
}

/// Which product copies topics between clusters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MirrorKind {
    /// Apache MirrorMaker 2 (Connect): renamed topics by default, offset
    /// syncs, checkpoints, at-least-once.
    MirrorMaker2,
    /// Confluent Cluster Linking: offset-preserving mirror topics,
    /// `failover`, `truncate-and-restore`.
    ClusterLinking,
    /// Amazon MSK Replicator: prefixed or identical names, approximate
    /// offset sync.
    MskReplicator,
}

/// How mirror topics are named in the target cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TopicNaming {
    /// `{source cluster}.{topic}` (MM2's `DefaultReplicationPolicy`, MSK's
    /// default "prefixed").
    Prefixed,
    /// The same name (MM2 `IdentityReplicationPolicy`, MSK "identical",
    /// Cluster Linking mirror topics).
    Identity,
}

/// An asynchronous link copying `topics` from `source` to `target`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mirror {
    pub name: String,
    pub kind: MirrorKind,
    pub source: String,
    pub target: String,
    pub topics: Vec<String>,
    /// Default: `Prefixed` for MirrorMaker2 and MskReplicator, `Identity`
    /// for ClusterLinking (which cannot rename).
    #[serde(default)]
    pub naming: Option<TopicNaming>,
    /// Throughput the replication flow can sustain, shared by its
    /// partitions. Default: the network path's bandwidth.
    #[serde(default)]
    pub bandwidth_mbps: Option<f64>,
    /// Latency the replicator adds on top of the network round trip (poll
    /// cadence, batching, the target's produce).
    #[serde(default = "default_mirror_delay_ms")]
    pub replication_delay_ms: u64,
    /// MM2 `offset.lag.max`: an offset sync at least every this many records.
    #[serde(default = "default_offset_lag_max")]
    pub offset_lag_max: u64,
    /// MM2 `emit.checkpoints.interval.seconds`, in ms.
    #[serde(default = "default_checkpoint_ms")]
    pub emit_checkpoints_interval_ms: u64,
    /// MM2 `sync.group.offsets.enabled` (default false).
    #[serde(default)]
    pub sync_group_offsets_enabled: bool,
    /// Cluster Linking `consumer.offset.sync.enable` / MSK consumer group
    /// offset sync (default true).
    #[serde(default = "yes")]
    pub consumer_offset_sync_enable: bool,
    /// Cluster Linking `consumer.offset.sync.ms` (default 5000, a secondary
    /// source) and MSK Replicator's sync interval.
    #[serde(default = "default_offset_sync_ms")]
    pub consumer_offset_sync_ms: u64,
}

fn default_mirror_delay_ms() -> u64 {
    500
}
fn default_offset_lag_max() -> u64 {
    100
}
fn default_checkpoint_ms() -> u64 {
    60_000
}
fn default_offset_sync_ms() -> u64 {
    5_000
}

/// How the mirror is made writable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum FailoverCommand {
    #[default]
    Failover,
    Promote,
}

/// What happens when the primary is back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Failback {
    /// Stay on the DR cluster.
    #[default]
    None,
    /// Cluster Linking: `truncate-and-restore` on the old primary (records
    /// it holds beyond the mirror's end at failover are truncated), mirror
    /// back from the DR cluster, and switch clients back once caught up.
    TruncateAndRestore,
}

/// Active-passive failover over `mirror`, as data: detection, a human
/// decision, the DNS/bootstrap switch, and optionally failback.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Runbook {
    pub mirror: String,
    /// From the primary becoming unwritable to an alert.
    pub detection: TimeDist,
    /// From the alert to the decision to fail over.
    pub decision: TimeDist,
    /// Clients follow the switch after the DNS TTL (bootstrap change).
    #[serde(default = "default_dns_ttl_ms")]
    pub dns_ttl_ms: u64,
    /// Consumer groups rejoin this long after producers switched.
    #[serde(default = "default_consumer_restart_ms")]
    pub consumer_restart_ms: u64,
    /// Cluster Linking's command: `Failover` (immediate, even with the source
    /// down) or `Promote` (planned: needs the source reachable and the lag
    /// at zero, so it fails when the source is down).
    #[serde(default)]
    pub failover_command: FailoverCommand,
    #[serde(default)]
    pub failback: Failback,
    /// From the primary being healthy again to starting failback.
    #[serde(default)]
    pub failback_after: Option<TimeDist>,
    /// Controlled producer replay: producers keep their last X acknowledged
    /// records per partition and re-send them to the DR cluster after
    /// failover (0 = off).
    #[serde(default)]
    pub producer_replay_records: u64,
    /// What monitoring watches to start detection.
    #[serde(default)]
    pub health: HealthSignal,
}

/// The signal a runbook's detection starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum HealthSignal {
    /// The primary's producers stop getting acknowledgements (with no live
    /// producer: a partition offline or under min ISR).
    #[default]
    ProducerAcks,
    /// `OfflinePartitionsCount` > 0: a mirrored partition has no serving
    /// leader. A partition that only lost its ISR does not alert.
    OfflinePartitions,
    /// `UnderMinIsrPartitionCount` > 0, or offline: a mirrored partition
    /// cannot take `acks=all` writes.
    UnderMinIsr,
}

fn default_dns_ttl_ms() -> u64 {
    60_000
}
fn default_consumer_restart_ms() -> u64 {
    10_000
}

/// Regions contain data centers, which contain racks, which hold brokers and
/// KRaft controllers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topology {
    pub regions: Vec<Region>,
    /// Latency between DCs that have no explicit link.
    #[serde(default)]
    pub network: NetworkDefaults,
    /// Explicit DC-to-DC links (symmetric).
    #[serde(default)]
    pub links: Vec<Link>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    pub name: String,
    pub data_centers: Vec<DataCenter>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataCenter {
    pub name: String,
    pub racks: Vec<Rack>,
}

/// A rack (Kafka's `broker.rack`). Broker and controller ids are Kafka
/// `node.id`s and must be unique across the scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rack {
    pub name: String,
    #[serde(default)]
    pub brokers: Vec<u32>,
    #[serde(default)]
    pub controllers: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkDefaults {
    /// Round trip between two hosts of one DC.
    #[serde(default = "default_intra_dc_rtt_ms")]
    pub intra_dc_rtt_ms: f64,
    /// Round trip between two DCs of one region with no explicit link.
    #[serde(default = "default_intra_region_rtt_ms")]
    pub intra_region_rtt_ms: f64,
    /// Round trip between two regions' DCs with no explicit link.
    #[serde(default = "default_inter_region_rtt_ms")]
    pub inter_region_rtt_ms: f64,
    /// Bandwidth of any DC-to-DC path with no explicit link.
    #[serde(default = "default_bandwidth_mbps")]
    pub bandwidth_mbps: f64,
}

impl Default for NetworkDefaults {
    fn default() -> Self {
        NetworkDefaults {
            intra_dc_rtt_ms: default_intra_dc_rtt_ms(),
            intra_region_rtt_ms: default_intra_region_rtt_ms(),
            inter_region_rtt_ms: default_inter_region_rtt_ms(),
            bandwidth_mbps: default_bandwidth_mbps(),
        }
    }
}

fn default_intra_dc_rtt_ms() -> f64 {
    0.5
}
fn default_intra_region_rtt_ms() -> f64 {
    2.0
}
fn default_inter_region_rtt_ms() -> f64 {
    80.0
}
fn default_bandwidth_mbps() -> f64 {
    10_000.0
}

/// A network path between two DCs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    pub between: (String, String),
    pub rtt_ms: f64,
    /// Each trial draws the link's RTT uniformly in `rtt_ms ± jitter_ms`.
    #[serde(default)]
    pub jitter_ms: f64,
    #[serde(default)]
    pub bandwidth_mbps: Option<f64>,
}

/// Broker and controller settings. Every default is Kafka's (see
/// `docs/model.md` for sources) except `os_dirty_expire_ms`, which is the
/// Linux page-cache default (`vm.dirty_expire_centisecs` = 3000).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClusterConfig {
    pub replica_lag_time_max_ms: u64,
    pub broker_session_timeout_ms: u64,
    pub broker_heartbeat_interval_ms: u64,
    pub controller_quorum_election_timeout_ms: u64,
    pub controller_quorum_fetch_timeout_ms: u64,
    /// `controller.quorum.request.timeout.ms`: a broker cut off from the
    /// controllers notices a heal only when the request it has pending times
    /// out, so it hears the controller again up to this long after the heal.
    pub controller_quorum_request_timeout_ms: u64,
    /// How long dirty pages stay in the page cache before the OS writes them
    /// back; a power loss drops what is younger than this (Kafka never fsyncs
    /// by default).
    pub os_dirty_expire_ms: u64,
    /// Kafka's `flush.ms`: fsync at least this often. `None` = never (default).
    pub flush_ms: Option<u64>,
    /// Eligible Leader Replicas (KIP-966; `eligible.leader.replicas.version=1`,
    /// Kafka 4.0+, on by default for new 4.1 clusters). Off by default here.
    pub eligible_leader_replicas_enable: bool,
    /// `replica.selector.class`: whether consumers with a `client_rack` may
    /// read from a follower or observer in their rack.
    pub replica_selector_class: ReplicaSelector,
    /// How a replica that becomes a follower cuts its log before fetching:
    /// at the leader-epoch divergence point (KIP-101, Kafka 0.11+, the
    /// default) or at its own high watermark (Kafka before 0.11).
    pub follower_truncation: FollowerTruncation,
}

/// Where a replica that becomes a follower truncates its log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum FollowerTruncation {
    /// To the point where its leader-epoch history diverges from the
    /// leader's (KIP-101, 0.11.0; KIP-279; KAFKA-10554): it keeps exactly the
    /// prefix it shares with the leader.
    #[default]
    LeaderEpoch,
    /// To its own high watermark, as Kafka did before 0.11 (pre-KIP-101),
    /// without asking the leader. A follower learns the high watermark one
    /// fetch round late, so this can cut acknowledged records.
    HighWatermark,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            replica_lag_time_max_ms: 30_000,
            broker_session_timeout_ms: 9_000,
            broker_heartbeat_interval_ms: 2_000,
            controller_quorum_election_timeout_ms: 1_000,
            controller_quorum_fetch_timeout_ms: 2_000,
            controller_quorum_request_timeout_ms: 2_000,
            os_dirty_expire_ms: 30_000,
            flush_ms: None,
            eligible_leader_replicas_enable: false,
            replica_selector_class: ReplicaSelector::Leader,
            follower_truncation: FollowerTruncation::LeaderEpoch,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    pub name: String,
    pub partitions: u32,
    pub replication_factor: u16,
    #[serde(default = "one_u16")]
    pub min_insync_replicas: u16,
    #[serde(default)]
    pub unclean_leader_election_enable: bool,
    #[serde(default)]
    pub placement: Placement,
    /// The cluster that owns the topic (when `clusters` are given).
    #[serde(default)]
    pub cluster: String,
    /// `retention.ms`: how long the log keeps records. No trial runs long
    /// enough for retention to delete anything; the cost of storage reads
    /// it (retention x rate x RF per cluster).
    #[serde(default = "week_ms", skip_serializing_if = "is_week_ms")]
    pub retention_ms: u64,
}

fn one_u16() -> u16 {
    1
}

/// Kafka's default `retention.ms` (`log.retention.hours=168`).
pub const DEFAULT_RETENTION_MS: u64 = 7 * 24 * 3_600_000;

fn week_ms() -> u64 {
    DEFAULT_RETENTION_MS
}

fn is_week_ms(ms: &u64) -> bool {
    *ms == DEFAULT_RETENTION_MS
}

/// How a topic's replicas are assigned to brokers.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub enum Placement {
    /// Kafka's rack-aware assignment over `broker.rack` (the default).
    #[default]
    RackAware,
    /// An explicit replica list per partition, preferred leader first.
    Assignment(Vec<Vec<u32>>),
    /// Confluent replica placement constraints (Multi-Region Clusters):
    /// sync replicas and observers counted per rack, with an observer
    /// promotion policy.
    Constraints(ReplicaPlacement),
    /// The same constraints in Confluent's own JSON, as given to
    /// `kafka-topics --replica-placement` or stored in the topic config
    /// `confluent.placement.constraints`.
    ConfluentJson(String),
}

/// Confluent replica placement constraints, version 1 or 2. Version 2 is
/// required for automatic observer promotion; version 1 never promotes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplicaPlacement {
    pub version: u32,
    /// Sync replicas: `count` brokers from each rack. The first group's
    /// replicas come first in the assignment.
    pub replicas: Vec<PlacementGroup>,
    /// Observers: replicas that fetch like followers but stay out of the ISR
    /// unless promoted.
    #[serde(default)]
    pub observers: Vec<PlacementGroup>,
    /// Confluent's `observerPromotionPolicy` (version 2; default
    /// `UnderMinIsr` when observers are given).
    #[serde(default)]
    pub observer_promotion_policy: Option<PromotionPolicy>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlacementGroup {
    pub count: u32,
    pub constraints: RackConstraint,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RackConstraint {
    /// A `broker.rack` value.
    pub rack: String,
}

/// When observers join the ISR (Confluent `observerPromotionPolicy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PromotionPolicy {
    /// `under-min-isr`: promote caught-up observers while the ISR is smaller
    /// than `min.insync.replicas`.
    UnderMinIsr,
    /// `under-replicated`: promote while the ISR is smaller than the number
    /// of sync replicas.
    UnderReplicated,
    /// `leader-is-observer`: never automatically; only once an operator has
    /// elected an observer leader (an unclean election) do the other
    /// observers join to meet min ISR.
    LeaderIsObserver,
}

/// Where Kafka's `replica.selector.class` sends consumers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ReplicaSelector {
    /// `LeaderSelector` (Apache Kafka's default): always the leader.
    #[default]
    Leader,
    /// `RackAwareReplicaSelector`: a replica whose `broker.rack` matches the
    /// consumer's `client.rack`, when it has the offset (KIP-392).
    RackAware,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Acks {
    /// `acks=0`: fire and forget; nothing is acknowledged.
    Zero,
    /// `acks=1`: the leader acknowledges after its own append.
    One,
    /// `acks=all` (the default): the leader acknowledges once the high
    /// watermark passes the record.
    #[default]
    All,
}

/// A producer writing one topic from one data center at a constant rate,
/// spread evenly over the topic's partitions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Producer {
    pub name: String,
    pub topic: String,
    pub dc: String,
    pub records_per_sec: f64,
    #[serde(default = "default_record_bytes")]
    pub record_bytes: u32,
    #[serde(default)]
    pub acks: Acks,
    #[serde(default = "yes")]
    pub enable_idempotence: bool,
    #[serde(default = "default_delivery_timeout_ms")]
    pub delivery_timeout_ms: u64,
    /// `request.timeout.ms`: how long the producer waits for a silent
    /// leader (one that lost power or that the network cut off) before it
    /// gives up on the request and refreshes its metadata.
    #[serde(default = "default_request_timeout_ms")]
    pub request_timeout_ms: u64,
    /// `retry.backoff.ms`: the first wait between metadata refreshes after
    /// a send fails; it doubles (with ±20% jitter) up to
    /// `retry_backoff_max_ms` (KIP-580).
    #[serde(default = "default_retry_backoff_ms")]
    pub retry_backoff_ms: u64,
    /// `retry.backoff.max.ms`.
    #[serde(default = "default_retry_backoff_max_ms")]
    pub retry_backoff_max_ms: u64,
    /// A client-side failover step (active-active): when this producer's
    /// sends stop being acknowledged, it switches to the topic of the same
    /// name in another cluster after `detection` and the DNS TTL.
    #[serde(default)]
    pub failover: Option<ClientFailover>,
    /// How the application that runs this producer is deployed: where it
    /// runs again when its DC is lost (see [`Deployment`]).
    #[serde(default)]
    pub deployment: Deployment,
}

/// How a client application is deployed, which decides where it runs
/// again when its DC is lost. A client that runs nowhere is down for the
/// application (writes or reads), whatever Kafka could do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Deployment {
    /// The default, as applications are usually run: instances in every DC
    /// of the client's region behind a load balancer or a scheduler. Losing
    /// the client's DC moves its traffic to a surviving DC of the region
    /// after `move_after` (the health check that takes the lost instances
    /// out, e.g. a load balancer's 3 failed checks 10 s apart); it is down
    /// only while every DC of its region is down.
    SpreadOverRegion {
        #[serde(default = "default_move_after")]
        move_after: TimeDist,
    },
    /// Runs only in its DC: down while that DC is down.
    Pinned,
    /// Runs in its DC; when that DC is lost it is restarted in DC `dc`
    /// (another zone, or another region) after `after`, if `dc` is up.
    RestartIn { dc: String, after: TimeDist },
}

impl Default for Deployment {
    fn default() -> Self {
        Deployment::SpreadOverRegion {
            move_after: default_move_after(),
        }
    }
}

fn default_move_after() -> TimeDist {
    TimeDist::Fixed(30_000)
}

/// A producer's own failover to another cluster, as an application with a
/// health check and a bootstrap DNS name does it: no operator, no mirror
/// command. The producer stays there for the rest of the trial.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientFailover {
    /// The cluster whose topic of the same name the producer writes after
    /// failing over.
    pub to_cluster: String,
    /// From the first send that is not acknowledged to the client's
    /// decision to switch (its health check).
    pub detection: TimeDist,
    /// The switch takes effect after the DNS TTL (bootstrap change).
    #[serde(default = "default_dns_ttl_ms")]
    pub dns_ttl_ms: u64,
}

fn default_record_bytes() -> u32 {
    1024
}
fn yes() -> bool {
    true
}
fn default_delivery_timeout_ms() -> u64 {
    120_000
}
fn default_request_timeout_ms() -> u64 {
    30_000
}
fn default_retry_backoff_ms() -> u64 {
    100
}
fn default_retry_backoff_max_ms() -> u64 {
    1_000
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum OffsetReset {
    #[default]
    Latest,
    Earliest,
}

/// A consumer group reading one topic from one data center.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consumer {
    pub group: String,
    pub topic: String,
    pub dc: String,
    #[serde(default = "default_auto_commit_interval_ms")]
    pub auto_commit_interval_ms: u64,
    #[serde(default)]
    pub auto_offset_reset: OffsetReset,
    /// Kafka's `client.rack` (empty = none): with
    /// `replica_selector_class: RackAware` the group reads from a replica in
    /// this rack while that replica has the offsets it needs.
    #[serde(default)]
    pub client_rack: String,
    /// How the group's application is deployed (see [`Deployment`]).
    #[serde(default)]
    pub deployment: Deployment,
}

fn default_auto_commit_interval_ms() -> u64 {
    5_000
}

/// A time drawn per trial. All parameters are milliseconds except the
/// dimensionless `sigma` and `shape`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum TimeDist {
    Fixed(u64),
    /// Uniform in `[min_ms, max_ms]`.
    Uniform(u64, u64),
    /// Exponential with this mean.
    Exponential(u64),
    /// Log-normal with this median and `sigma` of the underlying normal.
    LogNormal(u64, f64),
    /// Weibull with this scale and shape.
    Weibull(u64, f64),
}

/// What a fault hits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Target {
    Broker(u32),
    Controller(u32),
    Rack(String),
    Dc(String),
    Region(String),
    /// One of these, chosen uniformly at random per trial ("any one DC").
    AnyOf(Vec<Target>),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FaultKind {
    /// Processes die; the page cache (and so every appended record) survives.
    Crash(Target),
    /// Machines lose power: each replica drops its unflushed suffix. A lost
    /// DC or region is a power loss of everything in it; clients in a lost
    /// DC or region die with it.
    PowerLoss(Target),
    /// A disaster, not an outage: everything in the target is gone for good
    /// (processes, page caches and disks; the site never comes back). It
    /// begins as a power loss, but the brokers never restart and their
    /// replicas hold nothing at the end of the trial: records held only
    /// there are lost. A mirror's target keeps what it had copied.
    /// `recover_after` is refused. Clients in a destroyed DC or region die
    /// with it (and come back where their `deployment` says).
    Destroyed(Target),
    /// An operator stops the brokers cleanly (`controlled.shutdown.enable`,
    /// the default): the active controller first moves their leaderships
    /// away and removes them from every ISR, their logs are flushed, and on
    /// recovery they restart cleanly (they stay eligible leaders, KIP-966).
    /// Without an active controller that the brokers reach, it degrades to a
    /// crash (leaderships move only when the session expires). Controllers in
    /// the target are not stopped, and no client dies.
    ControlledShutdown(Target),
    /// Every link between a DC of the first set and a DC of the second is cut
    /// (both directions, data and control plane) until it heals.
    Partition(Vec<String>, Vec<String>),
    /// The brokers of the target lose every controller (both directions)
    /// while clients and the other brokers still reach them: their sessions
    /// expire and the controller fences them and moves their leaderships,
    /// but they go on serving the epochs they led to whoever still sends to
    /// them (KRaft brokers do not fence themselves). Controllers in the
    /// target are not cut; no process stops.
    ControlPlaneCut(Target),
    /// A runbook step, not a fault: an operator runs
    /// `kafka-leader-election --election-type UNCLEAN` for every leaderless
    /// partition of this topic. The controller elects the first live replica
    /// in assignment order (sync replicas, then observers), which may lose
    /// acknowledged records. `recover_after` is ignored.
    UncleanLeaderElection(String),
    /// The replication process of a mirror (MM2 workers, the cluster link,
    /// the MSK Replicator) stops; it resumes where it left off.
    MirrorStopped(String),
    /// A mirror's throughput falls to this fraction of its bandwidth.
    MirrorDegraded(String, f64),
}

/// A scheduled fault. `recover_after` absent = it lasts to the end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    pub at: TimeDist,
    pub fault: FaultKind,
    #[serde(default)]
    pub recover_after: Option<TimeDist>,
    /// What happens to the producers and consumer groups in a lost DC or
    /// region (`Crash` and `PowerLoss` of a `Dc` or `Region`): `Die`
    /// (default) or `Survive`.
    #[serde(default)]
    pub clients: ClientFate,
}

/// Whether the clients in a lost DC or region die with it.
///
/// `Die` (the default, for `Crash`, `PowerLoss` and `Destroyed` alike): they
/// stop, and are down for the application (writes, reads) until their
/// [`Deployment`] runs them again (`producer_down_ms` is the producers' dead
/// time as a component figure).
/// `Survive`: the application outlives the brokers (its clients run
/// elsewhere, or are restarted at once): a surviving producer that cannot
/// get acknowledgements is write-unavailable and its expired sends fail,
/// whatever the topology.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ClientFate {
    #[default]
    Die,
    Survive,
}
