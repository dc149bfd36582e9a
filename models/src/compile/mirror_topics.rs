//! The mirror topics: what each mirror writes in its target cluster, as
//! ordinary topics of that cluster.

use super::topics::Topics;
use super::topology::Topology;
use super::{Checker, MirrorOf, PartitionSpec, TopicSpec, MAX_PARTITIONS, MAX_RF};
use crate::dr::spec::{ClusterSpec, DrSpec};
use crate::error::ScenarioError;
use crate::ids::*;
use crate::placement;
use crate::scenario::PromotionPolicy;
use std::collections::BTreeMap;

/// Creates each mirror's target topics in its target cluster: as many
/// partitions as the source topic, the source's replication factor and
/// `min.insync.replicas` (capped by the target's brokers; Cluster Linking
/// mirror topics inherit the source's configuration, and MM2 and MSK
/// Replicator deployments set `replication.factor` to match), placed
/// rack-aware over the target cluster's brokers.
///
/// A target topic that cannot be created is reported, and refused.
pub(super) fn add(c: &Checker, spec: &mut DrSpec, topo: &Topology, topics: &mut Topics) {
    for mi in 0..spec.mirrors.len() {
        let target = spec.mirrors[mi].target;
        let brokers = TargetBrokers::new(topo, &spec.clusters[target]);
        for ti in 0..spec.mirrors[mi].topics.len() {
            match add_one(c, spec, mi, ti, &brokers, topics) {
                Ok(t_idx) => {
                    spec.mirrors[mi].topics[ti].target = t_idx;
                    spec.topic_cluster.push(target);
                }
                Err(e) => {
                    c.report(e);
                    let name = &spec.mirrors[mi].topics[ti].target_name;
                    c.refuse(format!("topic \"{name}\""));
                }
            }
        }
    }
}

/// The brokers of a mirror's target cluster.
struct TargetBrokers<'t> {
    /// (node id, rack name) of each.
    members: Vec<(u32, &'t str)>,
    by_id: BTreeMap<u32, BrokerIdx>,
}

impl<'t> TargetBrokers<'t> {
    fn new(topo: &'t Topology, cluster: &ClusterSpec) -> Self {
        let members = cluster
            .brokers
            .iter()
            .map(|b| {
                let bs = &topo.brokers[b.idx()];
                (bs.node_id, topo.racks[bs.rack.idx()].name.as_str())
            })
            .collect();
        let by_id = cluster
            .brokers
            .iter()
            .map(|&b| (topo.brokers[b.idx()].node_id, b))
            .collect();
        TargetBrokers { members, by_id }
    }

    /// `partitions` partitions of `topic`, `rf` replicas each, rack-aware.
    fn place(&self, topic: TopicIdx, partitions: u32, rf: usize) -> Vec<PartitionSpec> {
        let mut out = Vec::new();
        for list in placement::rack_aware(&self.members, partitions, rf) {
            let mut replicas = [BrokerIdx(0); MAX_RF];
            for (k, id) in list.iter().enumerate() {
                replicas[k] = self.by_id[id];
            }
            out.push(PartitionSpec {
                topic,
                replicas,
                rf: rf as u8,
                observers: 0,
            });
        }
        out
    }
}

/// Adds the target topic of mirror `mi`'s topic `ti` to `topics`.
fn add_one(
    c: &Checker,
    spec: &DrSpec,
    mi: usize,
    ti: usize,
    brokers: &TargetBrokers,
    topics: &mut Topics,
) -> Result<TopicIdx, ScenarioError> {
    let target = spec.mirrors[mi].target;
    let source = spec.mirrors[mi].topics[ti].source;
    let name = spec.mirrors[mi].topics[ti].target_name.clone();
    let field = format!("mirrors[{mi}].topics");
    if topics.in_cluster(&name, target).is_some() {
        return Err(c.err(
            field,
            &format!("\"{}\"", topics.specs[source.idx()].name),
            format!(
                "cluster \"{}\" already has a topic \"{name}\" (a topic listed twice, or another mirror writing it)",
                spec.clusters[target].name
            ),
        ));
    }
    let src = topics.specs[source.idx()].clone();
    let rf = (src.rf as usize)
        .min(brokers.members.len())
        .clamp(1, MAX_RF);
    topics.total_partitions += src.partitions as u64;
    if topics.total_partitions > MAX_PARTITIONS {
        return Err(c.err(
            field,
            "",
            format!("mirror topics bring the partitions over {MAX_PARTITIONS} in total"),
        ));
    }
    let first_partition = topics.partitions.len() as u32;
    let t_idx = TopicIdx(topics.specs.len() as u16);
    topics
        .partitions
        .extend(brokers.place(t_idx, src.partitions, rf));
    let of = MirrorOf { mirror: mi, source };
    let spec = mirror_topic(name, &src, rf, first_partition, target, of);
    Ok(topics.push(spec, target))
}

/// The mirror topic `name` of cluster `target`, copying `src`: as many
/// partitions (from `first_partition` on), `rf` replicas, and `src`'s
/// `min.insync.replicas` capped by them.
fn mirror_topic(
    name: String,
    src: &TopicSpec,
    rf: usize,
    first_partition: u32,
    target: usize,
    of: MirrorOf,
) -> TopicSpec {
    TopicSpec {
        name,
        partitions: src.partitions,
        rf: rf as u8,
        min_isr: src.min_isr.min(rf as u8),
        unclean: false,
        first_partition,
        producer: None,
        promotion: PromotionPolicy::LeaderIsObserver,
        cluster: target as u16,
        retention_ms: src.retention_ms,
        mirror_of: Some(of),
    }
}
