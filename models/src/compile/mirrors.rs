//! The mirrors section: mirrors between the declared clusters, the topics
//! each writes in its target cluster, and the failover runbook.

use super::clusters::Clusters;
use super::network::Network;
use super::topics::Topics;
use super::topology::Topology;
use super::{
    bandwidth, bounded_ms, positive_ms, Checker, MirrorOf, PartitionSpec, TopicSpec,
    MAX_PARTITIONS, MAX_RF,
};
use crate::dr::spec::{ClusterSpec, DrSpec, MirrorSpec, MirroredTopic, RunbookSpec};
use crate::error::ScenarioError;
use crate::ids::*;
use crate::placement;
use crate::scenario::{
    Failback, FailoverCommand, Mirror, MirrorKind, PromotionPolicy, Runbook, Scenario, TimeDist,
    TopicNaming,
};
use std::collections::BTreeMap;

/// Resolves `mirrors` and `runbook` (`None` with one implicit cluster, which
/// has neither), then adds each mirror's target topics to `topics`.
pub(super) fn resolve(
    c: &Checker,
    scenario: &Scenario,
    topo: &Topology,
    network: &Network,
    clusters: &Clusters,
    topics: &mut Topics,
) -> Result<Option<DrSpec>, ScenarioError> {
    match &clusters.declared {
        None => {
            if !scenario.mirrors.is_empty() {
                return Err(c.err(
                    "mirrors",
                    "",
                    "mirrors join clusters: define `clusters` first",
                ));
            }
            if scenario.runbook.is_some() {
                return Err(c.err(
                    "runbook",
                    "",
                    "a runbook fails over a mirror: define `clusters` and `mirrors` first",
                ));
            }
            Ok(None)
        }
        Some(cl) => {
            let scope = Scope {
                c,
                clusters: cl,
                topics,
                network,
                n_dcs: topo.dcs.len(),
            };
            let mut spec = scope.dr_spec(scenario)?;
            add_mirror_topics(c, &mut spec, topo, topics)?;
            Ok(Some(spec))
        }
    }
}

/// What mirrors are resolved against: the declared clusters, the
/// scenario's topics, and the network.
struct Scope<'a> {
    c: &'a Checker<'a>,
    clusters: &'a [ClusterSpec],
    topics: &'a Topics,
    network: &'a Network,
    n_dcs: usize,
}

impl Scope<'_> {
    /// Resolves `mirrors` and `runbook` against the clusters and topics.
    fn dr_spec(&self, scenario: &Scenario) -> Result<DrSpec, ScenarioError> {
        let mut mirrors: Vec<MirrorSpec> = Vec::new();
        for (mi, m) in scenario.mirrors.iter().enumerate() {
            let spec = self.mirror(&format!("mirrors[{mi}]"), m, &mirrors)?;
            mirrors.push(spec);
        }
        let runbook = match &scenario.runbook {
            None => None,
            Some(r) => Some(runbook(self.c, r, &mirrors)?),
        };
        Ok(DrSpec {
            clusters: self.clusters.to_vec(),
            topic_cluster: self.topics.cluster.clone(),
            mirrors,
            runbook,
        })
    }

    /// The mirror `m` at `mf`, after the mirrors `before` it.
    fn mirror(
        &self,
        mf: &str,
        m: &Mirror,
        before: &[MirrorSpec],
    ) -> Result<MirrorSpec, ScenarioError> {
        let c = self.c;
        if m.name.trim().is_empty() || before.iter().any(|o| o.name == m.name) {
            return Err(c.err(
                format!("{mf}.name"),
                &format!("\"{}\"", m.name),
                format!("mirror names must be non-empty and unique (\"{}\")", m.name),
            ));
        }
        let route = self.route(mf, m)?;
        if m.topics.is_empty() {
            return Err(c.err(
                format!("{mf}.topics"),
                "",
                "a mirror needs at least one topic",
            ));
        }
        let mut topics = Vec::new();
        for name in &m.topics {
            topics.push(self.mirrored_topic(mf, m, route, name)?);
        }
        let bandwidth_bytes_per_sec = self.bandwidth(mf, m, route)?;
        settings(c, mf, m, route, topics, bandwidth_bytes_per_sec)
    }

    /// The clusters mirror `m` (at `mf`) joins, and its topic naming.
    fn route(&self, mf: &str, m: &Mirror) -> Result<Route, ScenarioError> {
        let source = self.find_cluster(format!("{mf}.source"), &m.source)?;
        let target = self.find_cluster(format!("{mf}.target"), &m.target)?;
        if source == target {
            return Err(self.c.err(
                format!("{mf}.target"),
                &format!("\"{}\"", m.target),
                "a mirror's source and target must be different clusters",
            ));
        }
        Ok(Route {
            source,
            target,
            naming: naming(self.c, mf, m)?,
        })
    }

    fn find_cluster(&self, field: String, name: &str) -> Result<usize, ScenarioError> {
        let clusters = self.clusters;
        clusters.iter().position(|k| k.name == name).ok_or_else(|| {
            self.c.unknown(
                field,
                &format!("\"{name}\""),
                format!("cluster \"{name}\""),
                clusters.iter().map(|k| format!("\"{}\"", k.name)),
            )
        })
    }

    /// The source topic `name` of mirror `m` (at `mf`), and the name it gets
    /// in the target cluster.
    fn mirrored_topic(
        &self,
        mf: &str,
        m: &Mirror,
        route: Route,
        name: &str,
    ) -> Result<MirroredTopic, ScenarioError> {
        let (c, topics, topic_cluster) = (self.c, &self.topics.specs, &self.topics.cluster);
        let Route {
            source,
            target,
            naming,
        } = route;
        let t = (0..topics.len())
            .find(|&i| topics[i].name == name && topic_cluster[i] == source)
            .or_else(|| topics.iter().position(|t| t.name == name))
            .ok_or_else(|| {
                c.unknown(
                    format!("{mf}.topics"),
                    &format!("\"{name}\""),
                    format!("topic \"{name}\""),
                    topics.iter().map(|t| format!("\"{}\"", t.name)),
                )
            })?;
        if topic_cluster[t] != source {
            return Err(c.err(
                format!("{mf}.topics"),
                &format!("\"{name}\""),
                format!(
                    "topic \"{name}\" belongs to cluster \"{}\", not to the mirror's source \"{}\"",
                    self.clusters[topic_cluster[t]].name, m.source
                ),
            ));
        }
        let target_name = match naming {
            TopicNaming::Prefixed => format!("{}.{}", m.source, name),
            TopicNaming::Identity => name.to_string(),
        };
        if naming == TopicNaming::Identity
            && topics
                .iter()
                .enumerate()
                .any(|(i, t)| t.name == target_name && topic_cluster[i] == target)
        {
            return Err(c.err(
                format!("{mf}.naming"),
                "",
                format!(
                    "cluster \"{}\" already has a topic \"{target_name}\"; identity naming would write the mirror into it (use Prefixed, as MM2 and MSK do for active-active)",
                    m.target
                ),
            ));
        }
        Ok(MirroredTopic {
            source: TopicIdx(t as u16),
            target_name,
            target: TopicIdx(u16::MAX),
        })
    }

    /// The mirror's own bandwidth, or by default the network's between the
    /// first DCs of its source and target clusters.
    fn bandwidth(&self, mf: &str, m: &Mirror, route: Route) -> Result<u64, ScenarioError> {
        let (sd, td) = (
            self.clusters[route.source].dcs[0],
            self.clusters[route.target].dcs[0],
        );
        let path_bw = self.network.bandwidth[sd.idx() * self.n_dcs + td.idx()];
        Ok(match m.bandwidth_mbps {
            Some(v) => bandwidth(self.c, &format!("{mf}.bandwidth_mbps"), v)?,
            None => path_bw,
        })
    }
}

/// How mirror `m` (at `mf`) names its target topics.
fn naming(c: &Checker, mf: &str, m: &Mirror) -> Result<TopicNaming, ScenarioError> {
    Ok(match (m.kind, m.naming) {
        (MirrorKind::ClusterLinking, Some(TopicNaming::Prefixed)) => {
            return Err(c.err(
                format!("{mf}.naming"),
                "Prefixed",
                "Cluster Linking mirror topics keep the source topic's name (and offsets); valid: Identity",
            ))
        }
        (MirrorKind::ClusterLinking, _) => TopicNaming::Identity,
        (_, Some(n)) => n,
        (_, None) => TopicNaming::Prefixed,
    })
}

/// Where a mirror copies: its source and target clusters (by position), and
/// how it names its topics in the target.
#[derive(Clone, Copy)]
struct Route {
    source: usize,
    target: usize,
    naming: TopicNaming,
}

/// Mirror `m` (at `mf`) with its settings checked, from what was resolved.
fn settings(
    c: &Checker,
    mf: &str,
    m: &Mirror,
    route: Route,
    topics: Vec<MirroredTopic>,
    bandwidth_bytes_per_sec: u64,
) -> Result<MirrorSpec, ScenarioError> {
    if m.offset_lag_max == 0 {
        return Err(c.err(format!("{mf}.offset_lag_max"), "", "must be >= 1 record"));
    }
    Ok(MirrorSpec {
        name: m.name.clone(),
        kind: m.kind,
        source: route.source,
        target: route.target,
        topics,
        naming: route.naming,
        bandwidth_bytes_per_sec,
        delay: bounded_ms(
            c,
            &format!("{mf}.replication_delay_ms"),
            m.replication_delay_ms,
        )?,
        offset_lag_max: m.offset_lag_max,
        checkpoint_interval: positive_ms(
            c,
            &format!("{mf}.emit_checkpoints_interval_ms"),
            m.emit_checkpoints_interval_ms,
        )?,
        sync_group_offsets: m.sync_group_offsets_enabled,
        offset_sync_enable: m.consumer_offset_sync_enable,
        offset_sync_interval: positive_ms(
            c,
            &format!("{mf}.consumer_offset_sync_ms"),
            m.consumer_offset_sync_ms,
        )?,
    })
}

/// The runbook `r`, failing over one of `mirrors`.
fn runbook(c: &Checker, r: &Runbook, mirrors: &[MirrorSpec]) -> Result<RunbookSpec, ScenarioError> {
    let mirror = mirrors
        .iter()
        .position(|m| m.name == r.mirror)
        .ok_or_else(|| {
            c.unknown(
                "runbook.mirror",
                &format!("\"{}\"", r.mirror),
                format!("mirror \"{}\"", r.mirror),
                mirrors.iter().map(|m| format!("\"{}\"", m.name)),
            )
        })?;
    for (field, d) in [
        ("runbook.detection", Some(&r.detection)),
        ("runbook.decision", Some(&r.decision)),
        ("runbook.failback_after", r.failback_after.as_ref()),
    ] {
        if let Some(p) = d.and_then(|d| d.problem()) {
            return Err(c.err(field, "", p));
        }
    }
    check_commands(c, r, mirrors[mirror].kind)?;
    Ok(RunbookSpec {
        mirror,
        detection: r.detection,
        decision: r.decision,
        dns_ttl: bounded_ms(c, "runbook.dns_ttl_ms", r.dns_ttl_ms)?,
        consumer_restart: bounded_ms(c, "runbook.consumer_restart_ms", r.consumer_restart_ms)?,
        command: r.failover_command,
        failback: r.failback,
        failback_after: r.failback_after.unwrap_or(TimeDist::Fixed(0)),
        replay_records: r.producer_replay_records,
    })
}

/// Cluster Linking's own commands need a Cluster Linking mirror.
fn check_commands(c: &Checker, r: &Runbook, kind: MirrorKind) -> Result<(), ScenarioError> {
    if r.failover_command == FailoverCommand::Promote && kind != MirrorKind::ClusterLinking {
        return Err(c.err(
            "runbook.failover_command",
            "Promote",
            "`promote` is a Cluster Linking command; MirrorMaker 2 and MSK Replicator targets are simply used (valid: Failover)",
        ));
    }
    if r.failback == Failback::TruncateAndRestore && kind != MirrorKind::ClusterLinking {
        return Err(c.err(
            "runbook.failback",
            "TruncateAndRestore",
            "truncate-and-restore is a Cluster Linking command; the runbook's mirror is not a ClusterLinking mirror (valid: None)",
        ));
    }
    Ok(())
}

/// Creates each mirror's target topics in its target cluster: as many
/// partitions as the source topic, the source's replication factor and
/// `min.insync.replicas` (capped by the target's brokers; Cluster Linking
/// mirror topics inherit the source's configuration, and MM2 and MSK
/// Replicator deployments set `replication.factor` to match), placed
/// rack-aware over the target cluster's brokers.
fn add_mirror_topics(
    c: &Checker,
    spec: &mut DrSpec,
    topo: &Topology,
    topics: &mut Topics,
) -> Result<(), ScenarioError> {
    for mi in 0..spec.mirrors.len() {
        let target = spec.mirrors[mi].target;
        let brokers = TargetBrokers::new(topo, &spec.clusters[target]);
        for ti in 0..spec.mirrors[mi].topics.len() {
            let t_idx = add_mirror_topic(c, spec, mi, ti, &brokers, topics)?;
            spec.mirrors[mi].topics[ti].target = t_idx;
            spec.topic_cluster.push(target);
        }
    }
    Ok(())
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
}

/// Adds the target topic of mirror `mi`'s topic `ti` to `topics`.
fn add_mirror_topic(
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
    if (0..topics.specs.len()).any(|i| topics.specs[i].name == name && topics.cluster[i] == target)
    {
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
    for list in placement::rack_aware(&brokers.members, src.partitions, rf) {
        let mut replicas = [BrokerIdx(0); MAX_RF];
        for (k, id) in list.iter().enumerate() {
            replicas[k] = brokers.by_id[id];
        }
        topics.partitions.push(PartitionSpec {
            topic: t_idx,
            replicas,
            rf: rf as u8,
            observers: 0,
        });
    }
    topics.specs.push(TopicSpec {
        name,
        partitions: src.partitions,
        rf: rf as u8,
        min_isr: src.min_isr.min(rf as u8),
        unclean: false,
        first_partition,
        producer: None,
        promotion: PromotionPolicy::LeaderIsObserver,
        cluster: target as u16,
        mirror_of: Some(MirrorOf { mirror: mi, source }),
    });
    topics.cluster.push(target);
    Ok(t_idx)
}
