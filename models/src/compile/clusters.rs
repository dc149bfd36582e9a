//! The clusters section: which data centers, and so which brokers and
//! controllers, each cluster holds. A scenario without `clusters` is one
//! implicit cluster holding every DC.

use super::topology::Topology;
use super::Checker;
use crate::dr::spec::ClusterSpec;
use crate::error::ScenarioError;
use crate::ids::*;
use crate::scenario::{ClusterDef, Scenario};

/// The resolved clusters.
pub(super) struct Clusters {
    /// The scenario's `clusters`; `None` when it has one implicit cluster.
    pub(super) declared: Option<Vec<ClusterSpec>>,
    /// Every cluster: the declared ones, or the implicit one.
    pub(super) list: Vec<ClusterSpec>,
    /// Per broker (by `BrokerIdx`): its cluster.
    pub(super) broker_cluster: Vec<u16>,
    /// Per controller (by `ControllerIdx`): its cluster.
    pub(super) controller_cluster: Vec<u16>,
}

/// Resolves `clusters`, and each broker's and controller's cluster. Every
/// rule broken is reported; a cluster that breaks one is left out (and
/// refused: what names it is not reported again).
pub(super) fn resolve(c: &Checker, scenario: &Scenario, topo: &Topology) -> Clusters {
    let declared = declared(c, scenario, topo);
    // Every scenario has clusters: the declared ones, or one that holds
    // every DC. Each runs the same replica-level mechanics.
    let list = declared.clone().unwrap_or_else(|| {
        vec![ClusterSpec {
            name: scenario.name.clone(),
            dcs: (0..topo.dcs.len()).map(|d| DcIdx(d as u16)).collect(),
            brokers: (0..topo.brokers.len())
                .map(|b| BrokerIdx(b as u16))
                .collect(),
            controllers: (0..topo.controllers.len())
                .map(|k| ControllerIdx(k as u16))
                .collect(),
        }]
    });
    let mut broker_cluster = vec![0u16; topo.brokers.len()];
    let mut controller_cluster = vec![0u16; topo.controllers.len()];
    for (k, cl) in list.iter().enumerate() {
        for b in &cl.brokers {
            broker_cluster[b.idx()] = k as u16;
        }
        for x in &cl.controllers {
            controller_cluster[x.idx()] = k as u16;
        }
    }
    Clusters {
        declared,
        list,
        broker_cluster,
        controller_cluster,
    }
}

/// Resolves `clusters`: each DC belongs to at most one cluster, every DC
/// with brokers or controllers to one, and every cluster has brokers and
/// controllers of its own. `None` when the scenario has one implicit cluster.
fn declared(c: &Checker, scenario: &Scenario, topo: &Topology) -> Option<Vec<ClusterSpec>> {
    if scenario.clusters.is_empty() {
        return None;
    }
    // Per DC: the cluster (by position in `out`) that holds it.
    let mut owner: Vec<Option<usize>> = vec![None; topo.dcs.len()];
    let mut out: Vec<ClusterSpec> = Vec::new();
    let before = c.errors();
    for (ki, k) in scenario.clusters.iter().enumerate() {
        match cluster(c, topo, ki, k, &owner, &out) {
            Ok(spec) => {
                for d in &spec.dcs {
                    owner[d.idx()] = Some(out.len());
                }
                out.push(spec);
            }
            Err(e) => {
                c.report(e);
                c.refuse(format!("cluster \"{}\"", k.name));
            }
        }
    }
    // A refused cluster's DCs belong to none: that follows from its error.
    if c.errors() == before {
        unowned_brokers(c, topo, &owner);
    }
    Some(out)
}

/// Every DC that holds brokers belongs to a cluster.
fn unowned_brokers(c: &Checker, topo: &Topology, owner: &[Option<usize>]) {
    for b in &topo.brokers {
        if owner[b.dc.idx()].is_none() {
            let name = &topo.dcs[b.dc.idx()].name;
            c.report(c.err(
                "clusters",
                "",
                format!("data center \"{name}\" holds brokers but belongs to no cluster; add it to one cluster's data_centers"),
            ));
            return;
        }
    }
}

/// Cluster `ki`, after the clusters `before` it (which own DCs as `owner`
/// says). Every rule it breaks is reported, the last returned.
fn cluster(
    c: &Checker,
    topo: &Topology,
    ki: usize,
    k: &ClusterDef,
    owner: &[Option<usize>],
    before: &[ClusterSpec],
) -> Result<ClusterSpec, ScenarioError> {
    let kf = format!("clusters[{ki}]");
    let mut errors = check_def(c, &kf, k, before);
    let dcs = claim_dcs(c, topo, &kf, k, owner, before, &mut errors);
    let spec = holding(topo, k.name.clone(), dcs);
    if (spec.brokers.is_empty() || spec.controllers.is_empty()) && errors.is_empty() {
        errors.push(c.err(
            format!("{kf}.data_centers"),
            "",
            format!(
                "cluster \"{}\" has {} and {} in its data centers; it needs at least one of each",
                k.name,
                crate::words::count(spec.brokers.len() as u64, "broker"),
                crate::words::count(spec.controllers.len() as u64, "controller")
            ),
        ));
    }
    c.all(errors)?;
    Ok(spec)
}

/// The rules cluster `k` (at `kf`) breaks in its name and its list of data
/// centers.
fn check_def(c: &Checker, kf: &str, k: &ClusterDef, before: &[ClusterSpec]) -> Vec<ScenarioError> {
    let mut errors = Vec::new();
    if k.name.trim().is_empty() {
        errors.push(c.err(format!("{kf}.name"), "", "cluster names must not be empty"));
    }
    if before.iter().any(|o| o.name == k.name) {
        errors.push(c.err(
            format!("{kf}.name"),
            &format!("\"{}\"", k.name),
            format!("cluster \"{}\" is defined twice", k.name),
        ));
    }
    if k.data_centers.is_empty() {
        errors.push(c.err(
            format!("{kf}.data_centers"),
            "",
            "a cluster needs at least one data center",
        ));
    }
    errors
}

/// The cluster `name` holding `dcs`, and so their brokers and controllers.
fn holding(topo: &Topology, name: String, dcs: Vec<DcIdx>) -> ClusterSpec {
    let brokers = (0..topo.brokers.len())
        .filter(|&b| dcs.contains(&topo.brokers[b].dc))
        .map(|b| BrokerIdx(b as u16))
        .collect();
    let controllers = (0..topo.controllers.len())
        .filter(|&k| dcs.contains(&topo.controllers[k].dc))
        .map(|k| ControllerIdx(k as u16))
        .collect();
    ClusterSpec {
        name,
        dcs,
        brokers,
        controllers,
    }
}

/// The DCs cluster `k` (at `kf`) lists that no cluster `before` it owns;
/// a DC it may not have goes to `errors` instead.
fn claim_dcs(
    c: &Checker,
    topo: &Topology,
    kf: &str,
    k: &ClusterDef,
    owner: &[Option<usize>],
    before: &[ClusterSpec],
    errors: &mut Vec<ScenarioError>,
) -> Vec<DcIdx> {
    let field = format!("{kf}.data_centers");
    let mut dcs = Vec::new();
    for name in &k.data_centers {
        let needle = format!("\"{name}\"");
        let d = match topo.find_dc(c, &field, name) {
            Ok(d) => d,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        if dcs.contains(&d) {
            errors.push(c.err(
                &field,
                &needle,
                format!(
                    "data center \"{name}\" is listed twice in cluster \"{}\"",
                    k.name
                ),
            ));
        } else if let Some(prev) = owner[d.idx()] {
            errors.push(c.err(
                &field,
                &needle,
                format!(
                    "data center \"{name}\" already belongs to cluster \"{}\"; a DC's brokers and controllers belong to one cluster",
                    before[prev].name
                ),
            ));
        } else {
            dcs.push(d);
        }
    }
    dcs
}
