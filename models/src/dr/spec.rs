//! The resolved, index-based description of several clusters joined by
//! asynchronous mirrors, and the active-passive runbook.

use crate::ids::*;
use crate::scenario::{Failback, FailoverCommand, MirrorKind, TimeDist, TopicNaming};
use kdrsim_sim::SimDuration;

#[derive(Debug, Clone)]
pub struct ClusterSpec {
    pub name: String,
    pub dcs: Vec<DcIdx>,
    pub brokers: Vec<BrokerIdx>,
    pub controllers: Vec<ControllerIdx>,
}

/// One mirrored topic: its source topic and the name it gets in the target.
#[derive(Debug, Clone)]
pub struct MirroredTopic {
    pub source: TopicIdx,
    pub target_name: String,
    /// The mirror topic in the target cluster.
    pub target: TopicIdx,
}

#[derive(Debug, Clone)]
pub struct MirrorSpec {
    pub name: String,
    pub kind: MirrorKind,
    pub source: usize,
    pub target: usize,
    pub topics: Vec<MirroredTopic>,
    pub naming: TopicNaming,
    /// Bytes per second of the whole flow, shared by its partitions.
    pub bandwidth_bytes_per_sec: u64,
    pub delay: SimDuration,
    pub offset_lag_max: u64,
    pub checkpoint_interval: SimDuration,
    pub sync_group_offsets: bool,
    pub offset_sync_enable: bool,
    pub offset_sync_interval: SimDuration,
}

#[derive(Debug, Clone)]
pub struct RunbookSpec {
    pub mirror: usize,
    pub detection: TimeDist,
    pub decision: TimeDist,
    pub dns_ttl: SimDuration,
    pub consumer_restart: SimDuration,
    pub command: FailoverCommand,
    pub failback: Failback,
    pub failback_after: TimeDist,
    pub replay_records: u64,
    pub health: crate::scenario::HealthSignal,
}

/// Several clusters: which cluster owns each topic, the mirrors between
/// them, and the runbook.
#[derive(Debug, Clone)]
pub struct DrSpec {
    pub clusters: Vec<ClusterSpec>,
    /// Per topic (by `TopicIdx`): the owning cluster.
    pub topic_cluster: Vec<usize>,
    pub mirrors: Vec<MirrorSpec>,
    pub runbook: Option<RunbookSpec>,
}

impl DrSpec {
    /// The cluster a DC belongs to.
    pub fn cluster_of_dc(&self, dc: DcIdx) -> Option<usize> {
        self.clusters.iter().position(|c| c.dcs.contains(&dc))
    }
}
