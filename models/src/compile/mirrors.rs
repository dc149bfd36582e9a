//! The mirrors section: mirrors between the declared clusters and the
//! topics each copies. It resolves the runbook (`runbook.rs`), which fails
//! over one of them, and then creates their target topics
//! (`mirror_topics.rs`).

use super::clusters::Clusters;
use super::mirror_topics;
use super::network::Network;
use super::runbook;
use super::topics::Topics;
use super::topology::Topology;
use super::{bandwidth, bounded_ms, positive_ms, Checker};
use crate::dr::spec::{ClusterSpec, DrSpec, MirrorSpec, MirroredTopic};
use crate::error::ScenarioError;
use crate::ids::*;
use crate::scenario::{Mirror, MirrorKind, Scenario, TopicNaming};
use kdrsim_sim::SimDuration;

/// Resolves `mirrors` and `runbook` (`None` with one implicit cluster, which
/// has neither), then adds each mirror's target topics to `topics`. Every
/// rule broken is reported; a mirror that breaks one is left out (and
/// refused, with the topics it would write).
pub(super) fn resolve(
    c: &Checker,
    scenario: &Scenario,
    topo: &Topology,
    network: &Network,
    clusters: &Clusters,
    topics: &mut Topics,
) -> Option<DrSpec> {
    match &clusters.declared {
        None => {
            if !scenario.mirrors.is_empty() {
                c.report(c.err(
                    "mirrors",
                    "",
                    "mirrors join clusters: define `clusters` first",
                ));
                for m in &scenario.mirrors {
                    c.refuse(format!("mirror \"{}\"", m.name));
                }
            }
            if scenario.runbook.is_some() {
                c.report(c.err(
                    "runbook",
                    "",
                    "a runbook fails over a mirror: define `clusters` and `mirrors` first",
                ));
            }
            None
        }
        Some(cl) => {
            let scope = Scope {
                c,
                clusters: cl,
                topics,
                network,
                n_dcs: topo.dcs.len(),
            };
            let mut spec = scope.dr_spec(scenario);
            mirror_topics::add(c, &mut spec, topo, topics);
            Some(spec)
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
    fn dr_spec(&self, scenario: &Scenario) -> DrSpec {
        let c = self.c;
        let mut mirrors: Vec<MirrorSpec> = Vec::new();
        for (mi, m) in scenario.mirrors.iter().enumerate() {
            match self.mirror(&format!("mirrors[{mi}]"), m, &mirrors) {
                Ok(spec) => mirrors.push(spec),
                Err(e) => {
                    c.report(e);
                    c.refuse(format!("mirror \"{}\"", m.name));
                    for t in &m.topics {
                        c.refuse(format!("topic \"{}.{t}\"", m.source));
                    }
                }
            }
        }
        let runbook = scenario
            .runbook
            .as_ref()
            .and_then(|r| c.keep(runbook::resolve(c, r, &mirrors)));
        DrSpec {
            clusters: self.clusters.to_vec(),
            topic_cluster: self.topics.cluster.clone(),
            mirrors,
            runbook,
        }
    }

    /// The mirror `m` at `mf`, after the mirrors `before` it; every rule it
    /// breaks is reported, the last returned.
    fn mirror(
        &self,
        mf: &str,
        m: &Mirror,
        before: &[MirrorSpec],
    ) -> Result<MirrorSpec, ScenarioError> {
        let c = self.c;
        let mut errors = Vec::new();
        if m.name.trim().is_empty() || before.iter().any(|o| o.name == m.name) {
            errors.push(c.err(
                format!("{mf}.name"),
                &format!("\"{}\"", m.name),
                format!("mirror names must be non-empty and unique (\"{}\")", m.name),
            ));
        }
        let route = match self.route(mf, m) {
            Ok(route) => route,
            Err(e) => {
                errors.push(e);
                return Err(c.fail(errors));
            }
        };
        if m.topics.is_empty() {
            errors.push(c.err(
                format!("{mf}.topics"),
                "",
                "a mirror needs at least one topic",
            ));
        }
        let mut topics = Vec::new();
        for name in &m.topics {
            match self.mirrored_topic(mf, m, route, name) {
                Ok(t) => topics.push(t),
                Err(e) => errors.push(e),
            }
        }
        let bandwidth = self.bandwidth(mf, m, route);
        let spec = settings(c, mf, m, route, topics, bandwidth, &mut errors);
        c.all(errors)?;
        Ok(spec)
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
        let t = self.source_topic(mf, m, route.source, name)?;
        let target_name = match route.naming {
            TopicNaming::Prefixed => format!("{}.{}", m.source, name),
            TopicNaming::Identity => name.to_string(),
        };
        if route.naming == TopicNaming::Identity
            && self.topics.in_cluster(&target_name, route.target).is_some()
        {
            return Err(self.c.err(
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

    /// The topic `name` of mirror `m` (at `mf`) in its `source` cluster.
    fn source_topic(
        &self,
        mf: &str,
        m: &Mirror,
        source: usize,
        name: &str,
    ) -> Result<usize, ScenarioError> {
        let (c, topics, topic_cluster) = (self.c, &self.topics.specs, &self.topics.cluster);
        let t = (self.topics.in_cluster(name, source))
            .or_else(|| self.topics.named(name).next())
            .map(|t| t.idx())
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
        Ok(t)
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

/// Mirror `m` (at `mf`) with its settings checked, from what was resolved
/// (each rule broken goes to `errors`).
fn settings(
    c: &Checker,
    mf: &str,
    m: &Mirror,
    route: Route,
    topics: Vec<MirroredTopic>,
    bandwidth: Result<u64, ScenarioError>,
    errors: &mut Vec<ScenarioError>,
) -> MirrorSpec {
    if m.offset_lag_max == 0 {
        errors.push(c.err(format!("{mf}.offset_lag_max"), "", "must be >= 1 record"));
    }
    let mut ms = |r: Result<SimDuration, ScenarioError>| {
        r.unwrap_or_else(|e| {
            errors.push(e);
            SimDuration::ZERO
        })
    };
    let delay = ms(bounded_ms(
        c,
        &format!("{mf}.replication_delay_ms"),
        m.replication_delay_ms,
    ));
    let checkpoint_interval = ms(positive_ms(
        c,
        &format!("{mf}.emit_checkpoints_interval_ms"),
        m.emit_checkpoints_interval_ms,
    ));
    let offset_sync_interval = ms(positive_ms(
        c,
        &format!("{mf}.consumer_offset_sync_ms"),
        m.consumer_offset_sync_ms,
    ));
    let bandwidth_bytes_per_sec = bandwidth.unwrap_or_else(|e| {
        errors.push(e);
        1
    });
    MirrorSpec {
        name: m.name.clone(),
        kind: m.kind,
        source: route.source,
        target: route.target,
        topics,
        naming: route.naming,
        bandwidth_bytes_per_sec,
        delay,
        offset_lag_max: m.offset_lag_max,
        checkpoint_interval,
        sync_group_offsets: m.sync_group_offsets_enabled,
        offset_sync_enable: m.consumer_offset_sync_enable,
        offset_sync_interval,
    }
}
