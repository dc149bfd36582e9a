//! `kdrsim explain`: a static reading of a topology, without simulating.
//!
//! For every single failure domain (each broker, controller, rack, DC and
//! region, and for several clusters each mirror) it answers three questions
//! from the compiled [`Model`] alone, from a healthy starting state:
//!
//! - **Does the KRaft quorum survive?** Iff a strict majority of the
//!   cluster's voters is outside the domain (kafka-semantics §2.1).
//! - **Do `acks=all` writes stay available?** A partition with no sync
//!   replica in the domain is untouched (observers never hold back the high
//!   watermark). Otherwise the lost replicas must be fenced and removed from
//!   the ISR, which needs the quorum (§2.3); then writes go on iff at least
//!   `min.insync.replicas` replicas remain in the ISR outside the domain
//!   (counting observers outside it when the promotion policy would promote
//!   them, §3.2) and one of them can lead (a sync replica outside the
//!   domain; observers are not elected automatically). With `acks=1` (or 0)
//!   only a leader is needed: without a quorum, partitions whose leader
//!   (the preferred one, from a healthy state) survives go on on cached
//!   metadata, and the others stop. Writes are the application's (docs/model.md,
//!   Clients): if the domain kills a topic's producer and it has nowhere else to
//!   run, that topic's writes stop whatever Kafka could still take, and
//!   no runbook moves them (`producer_stranded` holds the client model).
//! - **Can acknowledged data be lost?** An `acks=all` write is acknowledged
//!   once the ISR, of at least `min(min.insync.replicas, RF)` members, has
//!   it. If the domain holds that many of a partition's replicas, the ISR
//!   may earlier have shrunk to exactly those (a slow follower, a restart),
//!   and then losing the domain loses what they alone acknowledged: "can
//!   lose". Otherwise every acknowledged write has a copy outside the
//!   domain: "cannot lose". With `acks=1` the leader alone acknowledges, so
//!   any domain holding a replica (a potential leader) can lose data.
//!
//! "Can lose" is a possibility that needs an earlier ISR shrink; a single
//! loss from a healthy state usually loses nothing. "Cannot lose" is a
//! guarantee. The agreement test (`tests/explain.rs`) holds the simulation
//! to the guarantees: "stay available" means a bounded outage, "stop" means
//! an outage to the end of the trial, "cannot lose" means no loss in any
//! trial.
//!
//! For several clusters, a domain that stops a cluster's writes while a
//! runbook fails that cluster over to a healthy one reads "fail over": writes
//! resume on the DR cluster after detection, decision and the DNS switch,
//! and records not yet mirrored can be lost (asynchronous replication).
//!
//! Not covered: network partitions between DCs of one cluster (who can still
//! reach whom depends on timing the static view does not have), and
//! combinations of failures.

use crate::compile::{Model, Placement, ProducerSpec, TopicSpec, TopoNode};
use crate::ids::*;
use crate::scenario::{Acks, FaultKind, PromotionPolicy, Target};
use petgraph::visit::Dfs;
use std::collections::HashMap;
use std::fmt::Write as _;

/// What happens to writes when the domain is lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writes {
    /// They go on after at most the fencing and election delays.
    StayAvailable,
    /// They stop until the domain comes back.
    Stop,
    /// They stop on the primary and resume on the DR cluster once the
    /// runbook has failed over.
    FailOver,
}

/// Whether acknowledged writes can be lost with the domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loss {
    Cannot,
    /// Possible, given an earlier ISR shrink (or, across clusters, mirror
    /// lag at failover).
    Can,
}

/// The verdict for one failure domain.
#[derive(Debug, Clone)]
pub struct DomainReport {
    /// "dc dc1", "broker 3", "mirror east-to-west".
    pub label: String,
    /// Other domains with exactly the same members ("rack dc1").
    pub aliases: Vec<String>,
    /// A fault that takes each alias, in the order of `aliases`.
    pub alias_faults: Vec<FaultKind>,
    /// A fault that takes exactly this domain (a power loss, or a stopped
    /// mirror), to check the verdict by simulation.
    pub fault: FaultKind,
    pub brokers: Vec<BrokerIdx>,
    pub controllers: Vec<ControllerIdx>,
    /// DCs whose clients die with the domain.
    pub dcs: Vec<DcIdx>,
    /// Per cluster: (name, voters outside the domain, voters, survives).
    pub quorum: Vec<(String, usize, usize, bool)>,
    pub writes: Writes,
    pub writes_why: String,
    pub loss: Loss,
    pub loss_why: String,
    /// Producers the domain kills that have nowhere else to run (they
    /// stop writing until it returns).
    pub producers_lost: Vec<String>,
}

/// The static reading of a whole scenario.
#[derive(Debug, Clone)]
pub struct Explanation {
    pub scenario: String,
    pub file: String,
    pub summary: Vec<String>,
    pub domains: Vec<DomainReport>,
}

/// Analyses `model`. Pure and deterministic.
pub fn explain(model: &Model) -> Explanation {
    let mut summary = Vec::new();
    for (k, voters) in clusters(model).iter().enumerate() {
        summary.push(quorum_line(model, k, voters));
    }
    for (ti, t) in model.topics.iter().enumerate() {
        summary.push(topic_line(model, ti, t));
    }
    let mut domains = power_loss_domains(model);
    domains.extend(mirror_domains(model));
    Explanation {
        scenario: model.name.clone(),
        file: model.file.clone(),
        summary,
        domains,
    }
}

/// The summary line of cluster `k`'s quorum: its voters per DC, so that a
/// reader sees which DC's loss takes the majority.
fn quorum_line(model: &Model, k: usize, voters: &[ControllerIdx]) -> String {
    let mut per_dc: Vec<(DcIdx, usize)> = Vec::new();
    for &c in voters {
        let dc = model.controllers[c.idx()].dc;
        match per_dc.iter_mut().find(|(d, _)| *d == dc) {
            Some((_, n)) => *n += 1,
            None => per_dc.push((dc, 1)),
        }
    }
    let layout: Vec<String> = per_dc
        .iter()
        .map(|(d, n)| format!("{}: {n}", model.dcs[d.idx()].name))
        .collect();
    format!(
        "{}KRaft quorum: {} ({}); it needs {} of them",
        cluster_prefix(model, k),
        crate::words::count(voters.len() as u64, "voter"),
        layout.join(", "),
        voters.len() / 2 + 1
    )
}

/// The summary line of topic `ti`: the settings the verdicts depend on
/// (RF, observers, min.insync.replicas, the producer's acks).
fn topic_line(model: &Model, ti: usize, t: &TopicSpec) -> String {
    let observers = model.partitions[t.first_partition as usize]
        .observers
        .count_ones();
    let producer = t.producer.map(|p| &model.producers[p]);
    format!(
        "{}topic {}: {}, RF={}{}, min.insync.replicas={}, unclean election {}; {}",
        cluster_prefix(model, topic_cluster(model, TopicIdx(ti as u16))),
        t.name,
        crate::words::count(t.partitions as u64, "partition"),
        t.rf,
        if observers > 0 {
            format!(
                " + {} (promotion: {})",
                crate::words::count(observers as u64, "observer"),
                policy_name(t.promotion)
            )
        } else {
            String::new()
        },
        t.min_isr,
        if t.unclean { "on" } else { "off" },
        match producer {
            Some(p) => format!(
                "producer {} in {} with acks={}",
                p.name,
                model.dcs[p.dc.idx()].name,
                acks_name(p.acks)
            ),
            None => "no producer (read as acks=all)".to_string(),
        }
    )
}

/// One judged domain per distinct set of members a power loss can take;
/// the other names of the same set become its aliases, judged once.
fn power_loss_domains(model: &Model) -> Vec<DomainReport> {
    let mut domains: Vec<DomainReport> = Vec::new();
    let mut index = Index::new(model);
    // Domains with the same brokers, controllers and DCs are one domain
    // under several names.
    type Members = (Vec<BrokerIdx>, Vec<ControllerIdx>, Vec<DcIdx>);
    let mut seen: HashMap<Members, usize> = HashMap::new();
    for (node, label, target) in candidate_domains(model) {
        let (brokers, controllers, dcs) = contained(model, node);
        if brokers.is_empty() && controllers.is_empty() {
            continue;
        }
        let key = (brokers, controllers, dcs);
        if let Some(&same) = seen.get(&key) {
            domains[same].aliases.push(label);
            domains[same]
                .alias_faults
                .push(FaultKind::PowerLoss(target));
            continue;
        }
        seen.insert(key.clone(), domains.len());
        let (brokers, controllers, dcs) = key;
        let fault = FaultKind::PowerLoss(target);
        domains.push(judge(&mut index, label, fault, brokers, controllers, dcs));
    }
    domains
}

/// One domain per mirror between clusters: a stopped mirror.
fn mirror_domains(model: &Model) -> Vec<DomainReport> {
    let Some(dr) = &model.dr else {
        return vec![];
    };
    dr.mirrors
        .iter()
        .map(|m| DomainReport {
            label: format!("mirror {}", m.name),
            aliases: vec![],
            alias_faults: vec![],
            fault: FaultKind::MirrorStopped(m.name.clone()),
            brokers: vec![],
            controllers: vec![],
            dcs: vec![],
            quorum: vec![],
            writes: Writes::StayAvailable,
            writes_why: format!(
                "producers write to cluster {}, which does not wait for the mirror (asynchronous)",
                dr.clusters[m.source].name
            ),
            loss: Loss::Cannot,
            loss_why: format!(
                "nothing acknowledged lives only in the mirror; but while it is down, cluster {}'s copy falls behind, and a failover then would lose everything since it stopped",
                dr.clusters[m.target].name
            ),
            producers_lost: vec![],
        })
        .collect()
}

/// Per cluster: (name, voters outside the domain, voters, survives).
fn quorum_without(
    model: &Model,
    controllers: &[ControllerIdx],
) -> Vec<(String, usize, usize, bool)> {
    clusters(model)
        .iter()
        .enumerate()
        .map(|(k, voters)| {
            let out = voters.iter().filter(|v| !controllers.contains(v)).count();
            let name = model
                .dr
                .as_ref()
                .map_or(String::new(), |dr| dr.clusters[k].name.clone());
            (name, out, voters.len(), 2 * out > voters.len())
        })
        .collect()
}

/// Voters per cluster (one cluster when the model has no `clusters`).
fn clusters(model: &Model) -> Vec<Vec<ControllerIdx>> {
    match &model.dr {
        Some(dr) => dr.clusters.iter().map(|c| c.controllers.clone()).collect(),
        None => vec![(0..model.controllers.len())
            .map(|c| ControllerIdx(c as u16))
            .collect()],
    }
}

fn topic_cluster(model: &Model, t: TopicIdx) -> usize {
    model.dr.as_ref().map_or(0, |dr| dr.topic_cluster[t.idx()])
}

fn cluster_prefix(model: &Model, k: usize) -> String {
    match &model.dr {
        Some(dr) => format!("cluster {}: ", dr.clusters[k].name),
        None => String::new(),
    }
}

fn policy_name(p: PromotionPolicy) -> &'static str {
    match p {
        PromotionPolicy::UnderMinIsr => "under-min-isr",
        PromotionPolicy::UnderReplicated => "under-replicated",
        PromotionPolicy::LeaderIsObserver => "none (leader-is-observer)",
    }
}

fn acks_name(a: Acks) -> &'static str {
    match a {
        Acks::Zero => "0",
        Acks::One => "1",
        Acks::All => "all",
    }
}

/// Every broker, controller, rack, DC and region, in topology order.
fn candidate_domains(model: &Model) -> Vec<(petgraph::graph::NodeIndex, String, Target)> {
    let g = &model.graph;
    let mut out = Vec::new();
    let order = |n: &TopoNode| match n {
        TopoNode::Broker(_) => 0,
        TopoNode::Controller(_) => 1,
        TopoNode::Rack(_) => 2,
        TopoNode::Dc(_) => 3,
        TopoNode::Region(_) => 4,
    };
    let mut nodes: Vec<_> = g.node_indices().collect();
    nodes.sort_by_key(|&n| (order(&g[n]), n.index()));
    for n in nodes {
        let (label, target) = match g[n] {
            TopoNode::Broker(b) => {
                let id = model.brokers[b.idx()].node_id;
                (format!("broker {id}"), Target::Broker(id))
            }
            TopoNode::Controller(c) => {
                let id = model.controllers[c.idx()].node_id;
                (format!("controller {id}"), Target::Controller(id))
            }
            TopoNode::Rack(r) => {
                let name = &model.racks[r.idx()].name;
                (format!("rack {name}"), Target::Rack(name.clone()))
            }
            TopoNode::Dc(d) => {
                let name = &model.dcs[d.idx()].name;
                (format!("dc {name}"), Target::Dc(name.clone()))
            }
            TopoNode::Region(r) => {
                let name = &model.regions[r.idx()];
                (format!("region {name}"), Target::Region(name.clone()))
            }
        };
        out.push((n, label, target));
    }
    out
}

/// The brokers, controllers and (client-killing) DCs under a node, as the
/// compiler resolves a fault on it.
fn contained(
    model: &Model,
    root: petgraph::graph::NodeIndex,
) -> (Vec<BrokerIdx>, Vec<ControllerIdx>, Vec<DcIdx>) {
    let (mut b, mut c, mut d) = (vec![], vec![], vec![]);
    let mut dfs = Dfs::new(&model.graph, root);
    while let Some(n) = dfs.next(&model.graph) {
        match model.graph[n] {
            TopoNode::Broker(x) => b.push(x),
            TopoNode::Controller(x) => c.push(x),
            TopoNode::Dc(x) => d.push(x),
            _ => {}
        }
    }
    b.sort_unstable();
    c.sort_unstable();
    d.sort_unstable();
    (b, c, d)
}

/// Whether producer `p` is dead, with nowhere else to run, for as long as
/// the DCs `lost` are down: what explain's writes verdict follows (the
/// application's view, docs/model.md, Clients). The one place that knows the client
/// model: a producer whose DC is lost runs again where its deployment says
/// (`Spread`: another DC of its region; `RestartIn`: the DC named), so it
/// is stranded only when that place is lost too, or when it is `Pinned`.
/// A rack or broker fault kills no client (`lost` is empty for them).
fn producer_stranded(p: &ProducerSpec, lost: &[DcIdx]) -> bool {
    if !lost.contains(&p.dc) {
        return false;
    }
    match &p.placement {
        Placement::Pinned => true,
        Placement::Spread { dcs, .. } => dcs.iter().all(|d| lost.contains(d)),
        Placement::RestartIn { dc, .. } => lost.contains(dc),
    }
}

/// Where producer `p`, whose DC is lost, runs again (`None`: nowhere).
fn producer_moves_to(p: &ProducerSpec, lost: &[DcIdx]) -> Option<DcIdx> {
    match &p.placement {
        Placement::Pinned => None,
        Placement::Spread { dcs, .. } => dcs.iter().copied().find(|d| !lost.contains(d)),
        Placement::RestartIn { dc, .. } => Some(*dc).filter(|d| !lost.contains(d)),
    }
}

/// What lets a domain's verdict visit its own partitions only: each
/// broker's partitions, and which brokers the domain being judged holds
/// (set for the domain, cleared after). A domain of one broker among
/// 10,000 costs its partitions, not the cluster's.
struct Index<'a> {
    model: &'a Model,
    /// Per broker, the partitions it holds a replica of, ascending.
    by_broker: Vec<Vec<u32>>,
    /// Per broker, whether the domain being judged holds it.
    member: Vec<bool>,
}

impl<'a> Index<'a> {
    fn new(model: &'a Model) -> Self {
        let mut by_broker = vec![Vec::new(); model.brokers.len()];
        for (p, part) in model.partitions.iter().enumerate() {
            for b in part.replicas() {
                let list: &mut Vec<u32> = &mut by_broker[b.idx()];
                if list.last() != Some(&(p as u32)) {
                    list.push(p as u32);
                }
            }
        }
        Index {
            model,
            by_broker,
            member: vec![false; model.brokers.len()],
        }
    }

    /// The partitions with a replica on any of `brokers`, ascending.
    fn touched(&self, brokers: &[BrokerIdx]) -> Vec<u32> {
        let mut out: Vec<u32> = brokers
            .iter()
            .flat_map(|b| self.by_broker[b.idx()].iter().copied())
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// One domain's loss, as every verdict below reads it.
struct Lost<'a> {
    model: &'a Model,
    /// Per broker: whether the domain holds it.
    member: &'a [bool],
    /// The partitions with a replica in the domain, ascending: the only
    /// ones whose writes can stop or whose acknowledged records can be
    /// lost with it.
    touched: &'a [u32],
    dcs: &'a [DcIdx],
    /// The domain in a sentence: "broker 3", "dc1".
    short: &'a str,
    /// Per cluster: (name, voters outside, voters, survives).
    quorum: &'a [(String, usize, usize, bool)],
}

/// A partition's replicas in and outside the domain: (sync in, sync out,
/// observers in, observers out).
fn replica_counts(lost: &Lost, part: &crate::compile::PartitionSpec) -> (u8, u8, u8, u8) {
    let (mut sync_in, mut sync_out, mut obs_in, mut obs_out) = (0u8, 0u8, 0u8, 0u8);
    for (s, b) in part.replicas().iter().enumerate() {
        let observer = part.observers & (1 << s) != 0;
        match (observer, lost.member[b.idx()]) {
            (false, true) => sync_in += 1,
            (false, false) => sync_out += 1,
            (true, true) => obs_in += 1,
            (true, false) => obs_out += 1,
        }
    }
    (sync_in, sync_out, obs_in, obs_out)
}

/// Why Kafka stops writes to partition `name` (`None`: it goes on), given
/// that the domain holds `sync_in > 0` of its in-sync replicas.
fn partition_stop(
    lost: &Lost,
    t: &TopicSpec,
    part: &crate::compile::PartitionSpec,
    name: &str,
    quorum_ok: bool,
    acks: Acks,
) -> Option<String> {
    let short = lost.short;
    let (sync_in, sync_out, _, obs_out) = replica_counts(lost, part);
    let promoted = match t.promotion {
        PromotionPolicy::UnderMinIsr if sync_out < t.min_isr => obs_out,
        PromotionPolicy::UnderReplicated => obs_out,
        _ => 0,
    };
    let isr_out = sync_out + promoted;
    // The healthy state's leader is the preferred one (first in the
    // assignment).
    let leader_lost = lost.member[part.replicas()[0].idx()];
    if !quorum_ok && (acks == Acks::All || leader_lost) {
        Some(format!(
            "{name} loses {} with {short}, and without a KRaft quorum nothing can fence them out of the ISR or elect a new leader{}",
            crate::words::count(sync_in as u64, "in-sync replica"),
            if acks == Acks::All {
                " (acks=all waits for them)"
            } else {
                ""
            }
        ))
    } else if !quorum_ok {
        // acks=0/1 with a live leader: it goes on acknowledging on its
        // cached metadata (kafka-semantics §2.3).
        None
    } else if sync_out == 0 {
        Some(format!(
            "every in-sync replica of {name} is in {short}, so no leader can be elected (observers are not elected automatically)"
        ))
    } else if acks == Acks::All && isr_out < t.min_isr {
        Some(format!(
            "{name} keeps {} outside {short}{}, fewer than min.insync.replicas={}",
            crate::words::count(isr_out as u64, "in-sync replica"),
            if promoted > 0 {
                " (promoted observers included)"
            } else {
                ""
            },
            t.min_isr
        ))
    } else {
        None
    }
}

/// Why acknowledged writes of partition `name` can be lost with the
/// domain (`None`: they cannot).
fn partition_loss(
    lost: &Lost,
    t: &TopicSpec,
    part: &crate::compile::PartitionSpec,
    name: &str,
    acks: Acks,
) -> Option<String> {
    let short = lost.short;
    let (sync_in, sync_out, obs_in, obs_out) = replica_counts(lost, part);
    let holders_in = sync_in
        + if t.promotion != PromotionPolicy::LeaderIsObserver {
            obs_in
        } else {
            0
        };
    if sync_out + obs_out == 0 && acks != Acks::Zero {
        return Some(format!(
            "every replica of {name} is in {short}: a power loss drops what none of them had flushed, acknowledged or not"
        ));
    }
    match acks {
        Acks::Zero => None,
        Acks::One if sync_in > 0 => Some(format!(
            "acks=1: the leader acknowledges alone, and {short} holds a replica of {name} that may lead"
        )),
        Acks::One => None,
        Acks::All if holders_in >= t.min_isr.min(t.rf) => Some(format!(
            "min.insync.replicas={} but {short} holds {} of {name}: if the ISR first shrinks to those, a loss of {short} loses acknowledged writes",
            t.min_isr,
            crate::words::count(holders_in as u64, "replica")
        )),
        Acks::All => None,
    }
}

/// What the domain's loss does to one producer-written topic.
#[derive(Default)]
struct TopicVerdict {
    /// Why its writes stop (`None`: they go on).
    stop: Option<String>,
    /// Why acknowledged writes can be lost (`None`: they cannot).
    loss: Option<String>,
    /// The domain holds an in-sync replica of some partition.
    touched: bool,
    /// Its producer is dead, with nowhere else to run.
    dead: bool,
    /// Said beside the verdict (where a moved producer runs again).
    notes: Vec<String>,
}

fn judge_topic(lost: &Lost, ti: usize, quorum_ok: bool) -> TopicVerdict {
    let (model, short) = (lost.model, lost.short);
    let t = &model.topics[ti];
    let acks = t.producer.map_or(Acks::All, |p| model.producers[p].acks);
    let mut v = TopicVerdict::default();
    // A partition with no replica in the domain neither stops nor loses
    // (min.insync.replicas is at least 1), so only touched ones are read.
    for &q in lost.of_topic(t) {
        let part = &model.partitions[q as usize];
        let name = format!("{}-{}", t.name, q - t.first_partition);
        if replica_counts(lost, part).0 > 0 {
            v.touched = true;
            if v.stop.is_none() {
                v.stop = partition_stop(lost, t, part, &name, quorum_ok, acks);
            }
        }
        if v.loss.is_none() {
            v.loss = partition_loss(lost, t, part, &name, acks);
        }
    }
    // The application's view (docs/model.md, Clients): a producer the domain kills,
    // with nowhere else to run, cannot write, whatever Kafka could still
    // take; no runbook or failover of its own revives it.
    let Some(p) = t.producer.map(|p| &model.producers[p]) else {
        return v;
    };
    if producer_stranded(p, lost.dcs) {
        v.stop = Some(format!(
            "its producer {} dies with {short} and has nowhere else to run, so nothing writes the topic until {short} returns{}",
            p.name,
            v.stop
                .take()
                .map_or(String::new(), |why| format!("; Kafka would stop it too: {why}"))
        ));
        v.dead = true;
    } else if let Some(to) = lost
        .dcs
        .contains(&p.dc)
        .then(|| producer_moves_to(p, lost.dcs))
        .flatten()
    {
        v.notes.push(format!(
            "topic {}: its producer {} dies with {short} and runs again in {} after its deployment's delay (an outage of that length)",
            t.name,
            p.name,
            model.dcs[to.idx()].name
        ));
    }
    v
}

/// With several clusters, a runbook that moves the stopped writes: its
/// why and the data it can lose, when it applies (every stopped topic in
/// its mirror's source cluster, the target cluster alive).
fn runbook_failover(lost: &Lost, stopped_clusters: &[usize]) -> Option<(String, String)> {
    let dr = lost.model.dr.as_ref()?;
    let rb = dr.runbook.as_ref()?;
    let m = &dr.mirrors[rb.mirror];
    let target_ok = lost.quorum[m.target].3
        && dr.clusters[m.target]
            .brokers
            .iter()
            .any(|b| !lost.member[b.idx()]);
    if !target_ok || stopped_clusters.iter().any(|&k| k != m.source) {
        return None;
    }
    Some((
        format!(
            "the runbook fails over to cluster {} over mirror {} (after detection, a human decision and the DNS TTL)",
            dr.clusters[m.target].name, m.name
        ),
        format!(
            "mirror {} is asynchronous: records acknowledged on cluster {} but not yet mirrored at failover are lost",
            m.name, dr.clusters[m.source].name
        ),
    ))
}

/// Producers that fail over by themselves (`producers[].failover`): why,
/// one line per stopped topic, when every stopped topic's producer can.
fn producers_fail_over(lost: &Lost, stopped_topics: &[usize]) -> Option<Vec<String>> {
    let model = lost.model;
    let fails_over = |ti: usize| {
        let fo = model.topics[ti]
            .producer
            .and_then(|p| model.producers[p].failover);
        fo.filter(|fo| !stopped_topics.contains(&fo.to_topic.idx()))
            .map(|fo| topic_cluster(model, fo.to_topic))
            .filter(|&k| lost.quorum[k].3)
    };
    stopped_topics
        .iter()
        .map(|&ti| {
            let k = fails_over(ti)?;
            let p = &model.producers[model.topics[ti].producer?];
            Some(format!(
                "producer {} fails over by itself to topic {} of cluster {} (after its detection and the DNS TTL)",
                p.name, model.topics[ti].name, model.clusters[k].name
            ))
        })
        .collect()
}

/// The why of a mirror topic the domain touches (`None`: it does not). A
/// mirror topic is written by its mirror, not by a producer: while its
/// partitions cannot take the copy, the copy waits (and the mirror's lag
/// grows); no producer's writes stop for it.
fn mirror_topic_note(lost: &Lost, t: &TopicSpec, mirror: usize) -> Option<String> {
    let hit = !lost.of_topic(t).is_empty();
    hit.then(|| {
        format!(
            "topic {} is mirror {}'s copy: the copy pauses while its partitions in {} are re-elected; no producer writes it",
            t.name,
            lost.model.mirrors()[mirror].name,
            lost.short
        )
    })
}

impl Lost<'_> {
    /// The touched partitions of topic `t`.
    fn of_topic(&self, t: &TopicSpec) -> &[u32] {
        let (from, to) = (t.first_partition, t.first_partition + t.partitions);
        let a = self.touched.partition_point(|&p| p < from);
        let b = self.touched.partition_point(|&p| p < to);
        &self.touched[a..b]
    }
}

/// The topics a domain's verdict reads, ascending: those it touches and,
/// when it kills clients (it holds DCs), every topic (its producer may die
/// with the DCs).
fn topics_to_judge(model: &Model, touched: &[u32], dcs: &[DcIdx]) -> Vec<usize> {
    if !dcs.is_empty() {
        return (0..model.topics.len()).collect();
    }
    let mut out: Vec<usize> = touched
        .iter()
        .map(|&p| model.partitions[p as usize].topic.idx())
        .collect();
    out.dedup();
    out
}

/// One topic the domain's loss was judged for, in the order judged.
enum Judged {
    /// A mirror's copy: no producer writes it, only a note (if the domain
    /// holds part of it).
    Copy(Option<String>),
    /// A producer-written topic `ti` of cluster `k`.
    Written {
        ti: usize,
        k: usize,
        v: TopicVerdict,
    },
}

/// The writes question over every judged topic, before any failover: the
/// verdict, why (topic by topic, in order), and what failover needs.
struct WritesVerdict {
    writes: Writes,
    why: Vec<String>,
    stopped_clusters: Vec<usize>,
    stopped_topics: Vec<usize>,
    /// Some topic's producer dies with the domain: nothing moves writes.
    dead: bool,
}

fn judge(
    index: &mut Index,
    label: String,
    fault: FaultKind,
    brokers: Vec<BrokerIdx>,
    controllers: Vec<ControllerIdx>,
    dcs: Vec<DcIdx>,
) -> DomainReport {
    // "broker 3" reads well in a sentence; "dc dc1" does not.
    let short = match label.split_once(' ') {
        Some(("broker" | "controller", _)) | None => label.clone(),
        Some((_, name)) => name.to_string(),
    };
    let model = index.model;
    let quorum = quorum_without(model, &controllers);
    let touched = index.touched(&brokers);
    for b in &brokers {
        index.member[b.idx()] = true;
    }
    let lost = Lost {
        model,
        member: &index.member,
        touched: &touched,
        dcs: &dcs,
        short: &short,
        quorum: &quorum,
    };
    let judged = judge_topics(&lost);
    let mut w = writes_verdict(&lost, &judged);
    let (mut loss, mut loss_why) = loss_verdict(model, &judged);
    fail_over(&lost, &mut w, &mut loss, &mut loss_why);
    for b in &brokers {
        index.member[b.idx()] = false;
    }
    if w.why.is_empty() {
        w.why.push(format!("no in-sync replica is in {short}"));
    }
    if loss == Loss::Cannot {
        loss_why.push(cannot_lose_why(model, &short));
    }
    let producers_lost = model
        .producers
        .iter()
        .filter(|p| producer_stranded(p, &dcs))
        .map(|p| p.name.clone())
        .collect();
    DomainReport {
        label,
        aliases: vec![],
        alias_faults: vec![],
        fault,
        brokers,
        controllers,
        dcs,
        quorum,
        writes: w.writes,
        writes_why: w.why.join("; "),
        loss,
        loss_why: loss_why.join("; "),
        producers_lost,
    }
}

/// Judges every topic the domain can affect once, so that the writes and
/// the loss questions read the same verdicts.
fn judge_topics(lost: &Lost) -> Vec<Judged> {
    let model = lost.model;
    topics_to_judge(model, lost.touched, lost.dcs)
        .into_iter()
        .map(|ti| {
            let t = &model.topics[ti];
            if let Some(mo) = t.mirror_of {
                return Judged::Copy(mirror_topic_note(lost, t, mo.mirror));
            }
            let k = topic_cluster(model, TopicIdx(ti as u16));
            let v = judge_topic(lost, ti, lost.quorum[k].3);
            Judged::Written { ti, k, v }
        })
        .collect()
}

/// Do writes stay available? Stop if any topic's stop; the why names each
/// topic the domain touches, in the order judged.
fn writes_verdict(lost: &Lost, judged: &[Judged]) -> WritesVerdict {
    let (model, short) = (lost.model, lost.short);
    let mut w = WritesVerdict {
        writes: Writes::StayAvailable,
        why: vec![],
        stopped_clusters: vec![],
        stopped_topics: vec![],
        dead: false,
    };
    for j in judged {
        let (ti, k, v) = match j {
            Judged::Copy(note) => {
                w.why.extend(note.clone());
                continue;
            }
            Judged::Written { ti, k, v } => (*ti, *k, v),
        };
        let t = &model.topics[ti];
        w.why.extend(v.notes.iter().cloned());
        w.dead |= v.dead;
        if let Some(why) = &v.stop {
            w.writes = Writes::Stop;
            w.stopped_clusters.push(k);
            w.stopped_topics.push(ti);
            w.why.push(format!("topic {}: {why}", t.name));
        } else if v.touched {
            w.why.push(format!(
                "topic {}: every partition keeps at least min.insync.replicas={} in-sync replica(s) and a leader outside {short}{}",
                t.name,
                t.min_isr,
                if lost.quorum[k].3 { "; the quorum fences the lost ones" } else { "" }
            ));
        }
    }
    w
}

/// Can acknowledged writes be lost? Yes if any topic's can, each named in
/// the order judged (before any failover adds mirror lag).
fn loss_verdict(model: &Model, judged: &[Judged]) -> (Loss, Vec<String>) {
    let mut loss = Loss::Cannot;
    let mut why = vec![];
    for j in judged {
        if let Judged::Written { ti, v, .. } = j {
            if let Some(w) = &v.loss {
                loss = Loss::Can;
                why.push(format!("topic {}: {w}", model.topics[*ti].name));
            }
        }
    }
    (loss, why)
}

/// Does a failover move the stopped writes? A runbook failing the stopped
/// cluster over to a healthy one does, and can lose what was not yet
/// mirrored; else producers that move to another DC may. Failovers move
/// the writes of live producers only.
fn fail_over(lost: &Lost, w: &mut WritesVerdict, loss: &mut Loss, loss_why: &mut Vec<String>) {
    if w.writes != Writes::Stop || w.dead {
        return;
    }
    if let Some((why, data)) = runbook_failover(lost, &w.stopped_clusters) {
        w.writes = Writes::FailOver;
        w.why.push(why);
        *loss = Loss::Can;
        loss_why.push(data);
    } else if let Some(whys) = producers_fail_over(lost, &w.stopped_topics) {
        w.writes = Writes::FailOver;
        w.why.extend(whys);
    }
}

fn cannot_lose_why(model: &Model, short: &str) -> String {
    let acks_1 = model.topics.iter().any(|t| {
        t.producer
            .is_some_and(|p| model.producers[p].acks == Acks::One)
    });
    if acks_1 {
        format!("{short} holds no replica an acks=1 leader could acknowledge alone from")
    } else {
        format!(
            "every acknowledged write is on at least min.insync.replicas in-sync replicas, more than {short} holds of any partition"
        )
    }
}

impl Explanation {
    /// The report `kdrsim explain` prints (names from the scenario with
    /// control characters shown as `?`).
    pub fn render(&self) -> String {
        crate::error::printable(&self.render_raw())
    }

    /// The report as written, names raw: `render` makes it printable in
    /// one place rather than at every name.
    fn render_raw(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "{} ({})", self.scenario, self.file);
        for line in &self.summary {
            let _ = writeln!(s, "  {line}");
        }
        self.write_table(&mut s);
        self.write_in_short(&mut s);
        self.write_why(&mut s);
        s
    }

    /// The table: one row per domain, its three answers in columns.
    fn write_table(&self, s: &mut String) {
        let _ = writeln!(
            s,
            "\nIf one failure domain is lost (from a healthy cluster, nothing else failing):\n"
        );
        let _ = writeln!(
            s,
            "  {:<28} {:<10} {:<16} acknowledged writes",
            "domain", "quorum", "writes"
        );
        for d in &self.domains {
            let _ = writeln!(
                s,
                "  {:<28} {:<10} {:<16} {}",
                d.label,
                if d.quorum.iter().all(|q| q.3) {
                    "survives"
                } else {
                    "LOST"
                },
                match d.writes {
                    Writes::StayAvailable => "stay available",
                    Writes::Stop => "STOP",
                    Writes::FailOver => "fail over",
                },
                match d.loss {
                    Loss::Cannot => "cannot be lost",
                    Loss::Can => "CAN BE LOST",
                }
            );
        }
    }

    /// The domains behind each bad answer, listed so that a reader who
    /// stops here knows what to fix.
    fn write_in_short(&self, s: &mut String) {
        let list = |pick: &dyn Fn(&DomainReport) -> bool| -> String {
            let names: Vec<&str> = self
                .domains
                .iter()
                .filter(|d| pick(d))
                .map(|d| d.label.as_str())
                .collect();
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            }
        };
        let _ = writeln!(s, "\nIn short:");
        let _ = writeln!(
            s,
            "  writes stop with the loss of: {}",
            list(&|d| d.writes == Writes::Stop)
        );
        if self.domains.iter().any(|d| d.writes == Writes::FailOver) {
            let _ = writeln!(
                s,
                "  writes fail over to another cluster with: {}",
                list(&|d| d.writes == Writes::FailOver)
            );
        }
        let _ = writeln!(
            s,
            "  acknowledged writes can be lost with: {}",
            list(&|d| d.loss == Loss::Can)
        );
    }

    /// Per domain, the reasons behind each answer.
    fn write_why(&self, s: &mut String) {
        let _ = writeln!(s, "\nWhy:");
        for d in &self.domains {
            let _ = writeln!(s, "\n  {}", d.label);
            if !d.aliases.is_empty() {
                let _ = writeln!(s, "    (same as {})", d.aliases.join(", "));
            }
            for (name, out, total, ok) in &d.quorum {
                let who = if name.is_empty() {
                    String::new()
                } else {
                    format!(" of cluster {name}")
                };
                let _ = writeln!(
                    s,
                    "    quorum{who}: {} ({out} of {} {}, {} needed)",
                    if *ok { "survives" } else { "lost" },
                    crate::words::count(*total as u64, "voter"),
                    if *out == 1 { "remains" } else { "remain" },
                    total / 2 + 1
                );
            }
            let _ = writeln!(s, "    writes: {}", d.writes_why);
            let _ = writeln!(s, "    data:   {}", d.loss_why);
            if !d.producers_lost.is_empty() {
                let _ = writeln!(
                    s,
                    "    note:   producer(s) {} die with it and have nowhere else to run",
                    d.producers_lost.join(", ")
                );
            }
        }
    }
}
