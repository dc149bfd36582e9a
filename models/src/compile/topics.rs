//! The topics section: each topic's cluster, sizes and placement, resolved
//! into its partitions and their replicas.

use super::clusters::Clusters;
use super::topology::Topology;
use super::{Checker, PartitionSpec, TopicSpec, MAX_PARTITIONS, MAX_RF, MAX_TOPICS};
use crate::dr::spec::ClusterSpec;
use crate::error::ScenarioError;
use crate::ids::*;
use crate::placement;
use crate::placement::constraints::Resolved;
use crate::scenario::{Placement, PromotionPolicy, ReplicaPlacement, Topic};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The topics so far: the scenario's, then (added by the mirrors section)
/// each mirror's target topics.
pub(super) struct Topics {
    pub(super) specs: Vec<TopicSpec>,
    /// Per topic (by `TopicIdx`): the owning cluster (0 with one implicit
    /// cluster).
    pub(super) cluster: Vec<usize>,
    pub(super) partitions: Vec<PartitionSpec>,
    /// Partitions over all topics so far, at most `MAX_PARTITIONS`.
    pub(super) total_partitions: u64,
    /// The names of topics left out for an error (still valid names to
    /// refer to: the error is theirs).
    left_out: Vec<String>,
    /// Every topic by name, in topic order (a name is in several clusters
    /// at most once each): lookups cost the same with 10 topics or 10,000.
    by_name: HashMap<String, Vec<TopicIdx>>,
}

/// Resolves the scenario's `topics`, in file order.
pub(super) fn resolve(
    c: &Checker,
    written: &[Topic],
    topo: &Topology,
    clusters: &Clusters,
) -> Result<Topics, ScenarioError> {
    if written.is_empty() {
        return Err(c.err("topics", "", "at least one topic is needed"));
    }
    if written.len() > MAX_TOPICS {
        return Err(c.err(
            "topics",
            "",
            format!(
                "{} topics: at most {MAX_TOPICS} are supported",
                written.len()
            ),
        ));
    }
    let mut out = Topics::none();
    // (owning cluster, name) of each topic so far.
    let mut names = BTreeSet::new();
    for (ti, t) in written.iter().enumerate() {
        if let Err(e) = out.add(c, topo, &clusters.declared, ti, t, &mut names) {
            // Left out: what names it follows from this error.
            c.report(e);
            c.refuse(format!("topic \"{}\"", t.name));
            out.left_out.push(t.name.clone());
        }
    }
    Ok(out)
}

/// The brokers a topic's replicas may use: those of its cluster.
struct Candidates<'t> {
    topo: &'t Topology,
    declared: &'t Option<Vec<ClusterSpec>>,
    owner: Option<usize>,
    /// (node id, rack name) of each, in broker order.
    racks: Vec<(u32, &'t str)>,
    by_rack: BTreeMap<&'t str, Vec<u32>>,
}

impl<'t> Candidates<'t> {
    fn new(
        topo: &'t Topology,
        declared: &'t Option<Vec<ClusterSpec>>,
        owner: Option<usize>,
    ) -> Self {
        let mut out = Candidates {
            topo,
            declared,
            owner,
            racks: Vec::new(),
            by_rack: BTreeMap::new(),
        };
        out.racks = topo
            .brokers
            .iter()
            .map(|b| (b.node_id, topo.racks[b.rack.idx()].name.as_str()))
            .filter(|&(id, _)| out.in_cluster(id))
            .collect();
        for &(id, rack) in &out.racks {
            out.by_rack.entry(rack).or_default().push(id);
        }
        out
    }

    /// Whether the broker with node id `id` is in the topic's cluster.
    fn in_cluster(&self, id: u32) -> bool {
        match (self.owner, self.declared) {
            (Some(k), Some(cl)) => cl[k]
                .brokers
                .iter()
                .any(|b| self.topo.brokers[b.idx()].node_id == id),
            _ => true,
        }
    }
}

impl Topics {
    /// No topics yet.
    pub(super) fn none() -> Topics {
        Topics {
            specs: Vec::new(),
            cluster: Vec::new(),
            partitions: Vec::new(),
            total_partitions: 0,
            left_out: Vec::new(),
            by_name: HashMap::new(),
        }
    }

    /// Topic `ti`, after the topics (and their `names`) before it; added
    /// only when it breaks no rule (every rule it breaks is reported, the
    /// last returned).
    fn add(
        &mut self,
        c: &Checker,
        topo: &Topology,
        declared: &Option<Vec<ClusterSpec>>,
        ti: usize,
        t: &Topic,
        names: &mut BTreeSet<(Option<usize>, String)>,
    ) -> Result<(), ScenarioError> {
        let tf = format!("topics[{ti}]");
        if t.name.trim().is_empty() {
            c.report(c.err(format!("{tf}.name"), "", "topic names must not be empty"));
        }
        let owner = owner(c, &tf, t, declared)?;
        // Names are unique within a cluster (two clusters may each have an
        // `orders`, as active-active designs do).
        if !names.insert((owner, t.name.clone())) {
            return Err(c.err(
                format!("{tf}.name"),
                &format!("\"{}\"", t.name),
                format!("topic \"{}\" is defined twice in one cluster", t.name),
            ));
        }
        let brokers = Candidates::new(topo, declared, owner);
        self.check_sizes(c, &tf, t, brokers.racks.len())?;
        let rf = t.replication_factor as usize;
        let constraints = constraints(c, &tf, t)?;
        let resolved = match &constraints {
            Some(pl) => Some(check_constraints(c, &tf, pl, &brokers.by_rack, rf)?),
            None => None,
        };
        let slots = rf + resolved.as_ref().map_or(0, |r| r.observers);
        let assignment = assignment(c, &tf, t, rf, &brokers, constraints.as_ref())?;
        let topic = TopicIdx(self.specs.len() as u16);
        let mut partitions = Vec::new();
        let mut errors = Vec::new();
        for (pi, list) in assignment.iter().enumerate() {
            let pf = format!("{tf}.placement[{pi}]");
            match replicas(c, &pf, pi, list, rf, slots, &brokers) {
                Ok(replicas) => partitions.push(PartitionSpec {
                    topic,
                    replicas,
                    rf: slots as u8,
                    observers: (((1u16 << slots) - 1) & !((1u16 << rf) - 1)) as u8,
                }),
                Err(e) => errors.push(e),
            }
        }
        c.all(errors)?;
        let first_partition = self.partitions.len() as u32;
        self.partitions.extend(partitions);
        let spec = spec(t, owner, rf, first_partition, resolved.as_ref());
        self.push(spec, owner.unwrap_or(0));
        Ok(())
    }

    /// Adds topic `spec` of cluster `cluster` (its partitions are already
    /// in `partitions`).
    pub(super) fn push(&mut self, spec: TopicSpec, cluster: usize) -> TopicIdx {
        let t = TopicIdx(self.specs.len() as u16);
        self.by_name.entry(spec.name.clone()).or_default().push(t);
        self.specs.push(spec);
        self.cluster.push(cluster);
        t
    }

    /// Every topic named `name`, in topic order.
    pub(super) fn named<'a>(&'a self, name: &str) -> impl Iterator<Item = TopicIdx> + 'a {
        self.by_name.get(name).into_iter().flatten().copied()
    }

    /// The topic named `name` in cluster `cluster`, if there is one.
    pub(super) fn in_cluster(&self, name: &str, cluster: usize) -> Option<TopicIdx> {
        let all = self.by_name.get(name)?;
        all.iter()
            .copied()
            .find(|t| self.cluster[t.idx()] == cluster)
    }

    /// Partitions, replication factor and `min.insync.replicas` of topic
    /// `t` (at `tf`), whose cluster has `brokers` brokers.
    fn check_sizes(
        &mut self,
        c: &Checker,
        tf: &str,
        t: &Topic,
        brokers: usize,
    ) -> Result<(), ScenarioError> {
        self.total_partitions += t.partitions as u64;
        let mut errors = Vec::new();
        if t.partitions == 0 || self.total_partitions > MAX_PARTITIONS {
            errors.push(c.err(
                format!("{tf}.partitions"),
                "",
                format!(
                    "{} partitions: valid: 1..={} in total over all topics",
                    t.partitions, MAX_PARTITIONS
                ),
            ));
        }
        let max_rf = brokers.min(MAX_RF);
        let rf_valid = t.replication_factor != 0 && t.replication_factor as usize <= max_rf;
        if !rf_valid {
            errors.push(c.err(
                format!("{tf}.replication_factor"),
                "",
                format!(
                    "replication_factor {} is not possible with {}; valid: 1..={}",
                    t.replication_factor,
                    crate::words::count(brokers as u64, "broker"),
                    max_rf
                ),
            ));
        }
        // Against a replication factor that is itself wrong, the minimum
        // ISR cannot be judged.
        let min_isr_valid =
            t.min_insync_replicas != 0 && t.min_insync_replicas <= t.replication_factor;
        if rf_valid && !min_isr_valid {
            let what = if t.min_insync_replicas == 0 {
                "is below 1 (Kafka's minimum)".to_string()
            } else {
                format!("is larger than replication_factor {}", t.replication_factor)
            };
            errors.push(c.err(
                format!("{tf}.min_insync_replicas"),
                "",
                format!(
                    "min_insync_replicas {} {what}; valid: 1..={}",
                    t.min_insync_replicas, t.replication_factor
                ),
            ));
        }
        c.all(errors)
    }
}

/// Topic `t`, its partitions from `first_partition` on.
fn spec(
    t: &Topic,
    owner: Option<usize>,
    rf: usize,
    first_partition: u32,
    resolved: Option<&Resolved>,
) -> TopicSpec {
    TopicSpec {
        name: t.name.clone(),
        partitions: t.partitions,
        rf: rf as u8,
        min_isr: t.min_insync_replicas as u8,
        unclean: t.unclean_leader_election_enable,
        first_partition,
        producer: None,
        promotion: resolved.map_or(PromotionPolicy::LeaderIsObserver, |r| r.policy),
        cluster: owner.unwrap_or(0) as u16,
        retention_ms: t.retention_ms,
        mirror_of: None,
    }
}

/// The cluster that owns topic `t` (at `tf`); `None` with one implicit
/// cluster.
fn owner(
    c: &Checker,
    tf: &str,
    t: &Topic,
    declared: &Option<Vec<ClusterSpec>>,
) -> Result<Option<usize>, ScenarioError> {
    Ok(match (declared, t.cluster.as_str()) {
        (None, "") => None,
        (None, name) => {
            return Err(c.err(
                format!("{tf}.cluster"),
                &format!("\"{name}\""),
                "the scenario defines no `clusters`; remove `cluster` or add a clusters list",
            ))
        }
        (Some(cl), "") if cl.len() == 1 => Some(0),
        (Some(cl), "") => {
            return Err(c.unknown(
                format!("{tf}.cluster"),
                "",
                "cluster \"\" (the topic must name its cluster)".to_string(),
                cl.iter().map(|k| format!("\"{}\"", k.name)),
            ))
        }
        (Some(cl), name) => Some(cl.iter().position(|k| k.name == name).ok_or_else(|| {
            c.unknown(
                format!("{tf}.cluster"),
                &format!("\"{name}\""),
                format!("cluster \"{name}\""),
                cl.iter().map(|k| format!("\"{}\"", k.name)),
            )
        })?),
    })
}

/// Confluent placement constraints, written or as Confluent's JSON: sync
/// replicas then observers. `None` for the other placements.
fn constraints(
    c: &Checker,
    tf: &str,
    t: &Topic,
) -> Result<Option<ReplicaPlacement>, ScenarioError> {
    Ok(match &t.placement {
        Placement::Constraints(pl) => Some(pl.clone()),
        Placement::ConfluentJson(text) => Some(
            placement::constraints::from_confluent_json(text).map_err(|e| {
                c.err(
                    format!("{tf}.placement"),
                    "ConfluentJson",
                    format!("{}{}", json_field(&e.field), e.message),
                )
            })?,
        ),
        _ => None,
    })
}

/// Prefix for a message about a field inside an embedded Confluent JSON.
fn json_field(field: &str) -> String {
    if field.is_empty() {
        String::new()
    } else {
        format!("in the JSON's \"{field}\": ")
    }
}

/// Applies Confluent's rules to `pl` against the cluster's racks; its sync
/// replicas must be the topic's `rf`.
fn check_constraints(
    c: &Checker,
    tf: &str,
    pl: &ReplicaPlacement,
    by_rack: &BTreeMap<&str, Vec<u32>>,
    rf: usize,
) -> Result<Resolved, ScenarioError> {
    let r = placement::constraints::check(pl, by_rack, MAX_RF).map_err(|e| {
        let needle = pl
            .replicas
            .first()
            .map(|g| format!("\"{}\"", g.constraints.rack))
            .unwrap_or_default();
        c.err(format!("{tf}.placement.{}", e.field), &needle, e.message)
    })?;
    if r.sync != rf {
        return Err(c.err(
            format!("{tf}.replication_factor"),
            "",
            format!(
                "replication_factor {rf} does not match the placement's {} sync replicas; \
                 with placement constraints replication_factor must equal the sum of the `replicas` counts",
                r.sync
            ),
        ));
    }
    Ok(r)
}

/// Each partition's replica list (node ids), by the topic's placement.
fn assignment(
    c: &Checker,
    tf: &str,
    t: &Topic,
    rf: usize,
    brokers: &Candidates,
    constraints: Option<&ReplicaPlacement>,
) -> Result<Vec<Vec<u32>>, ScenarioError> {
    Ok(match &t.placement {
        Placement::RackAware => placement::rack_aware(&brokers.racks, t.partitions, rf),
        Placement::Assignment(lists) => {
            if lists.len() != t.partitions as usize {
                return Err(c.err(format!("{tf}.placement"), "", format!(
                    "the assignment lists {} but the topic has {}; give one replica list per partition",
                    crate::words::count(lists.len() as u64, "partition"), t.partitions)));
            }
            lists.clone()
        }
        Placement::Constraints(_) | Placement::ConfluentJson(_) => {
            let pl = constraints.expect("constraints were resolved above");
            placement::constraints::assign(pl, &brokers.by_rack, t.partitions)
        }
    })
}

/// Partition `pi`'s replicas (at `pf`): as many as its slots (`rf` sync
/// replicas, then observers), brokers of the topic's cluster, each once.
fn replicas(
    c: &Checker,
    pf: &str,
    pi: usize,
    list: &[u32],
    rf: usize,
    slots: usize,
    brokers: &Candidates,
) -> Result<[BrokerIdx; MAX_RF], ScenarioError> {
    if list.len() != slots {
        return Err(c.err(
            pf,
            "",
            format!(
                "partition {pi} lists {} but replication_factor is {rf}",
                crate::words::count(list.len() as u64, "replica")
            ),
        ));
    }
    let topo = brokers.topo;
    let mut replicas = [BrokerIdx(0); MAX_RF];
    for (k, id) in list.iter().enumerate() {
        let Some(&b) = topo
            .broker_by_id
            .get(id)
            .filter(|_| brokers.in_cluster(*id))
        else {
            return Err(c.unknown(
                pf,
                &id.to_string(),
                format!("broker {id}"),
                topo.brokers.iter().map(|b| b.node_id),
            ));
        };
        if replicas[..k].contains(&b) {
            return Err(c.err(
                pf,
                &id.to_string(),
                format!("broker {id} appears twice in partition {pi}'s replicas"),
            ));
        }
        replicas[k] = b;
    }
    Ok(replicas)
}

impl Topics {
    /// The first topic named `name`, or an error at `field` listing the
    /// valid names.
    pub(super) fn find(
        &self,
        c: &Checker,
        field: &str,
        name: &str,
    ) -> Result<TopicIdx, ScenarioError> {
        self.by_name
            .get(name)
            .and_then(|all| all.first().copied())
            .ok_or_else(|| {
                c.unknown(
                    field,
                    &format!("\"{name}\""),
                    format!("topic \"{name}\""),
                    self.specs
                        .iter()
                        .map(|t| &t.name)
                        .chain(self.left_out.iter().filter(|n| !n.is_empty()))
                        .map(|n| format!("\"{n}\"")),
                )
            })
    }
}
