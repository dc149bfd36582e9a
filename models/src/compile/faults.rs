//! The faults section: each scheduled fault resolved to the components it
//! takes (one spec per `AnyOf` alternative), and the target resolution that
//! fault processes share. `crate::faults` plans them per trial.

use super::schedule::{purpose_key, ScheduledFault};
use super::topics::Topics;
use super::topology::Topology;
use super::{Checker, FaultMode, FaultSpec, TopoNode, MAX_FAULTS};
use crate::dr::spec::DrSpec;
use crate::error::ScenarioError;
use crate::scenario::{ClientFate, Fault, FaultKind, Target};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::Dfs;

/// The fault specs and the schedule that picks among them.
pub(super) struct Faults {
    /// Every fault target so far (`Model::faults`); fault processes add
    /// theirs after the scheduled faults'.
    pub(super) specs: Vec<FaultSpec>,
    pub(super) schedule: Vec<ScheduledFault>,
}

/// The mirrors' names, by position, for fault targets (none without
/// `clusters`).
pub(super) fn mirror_names(dr: Option<&DrSpec>) -> Vec<String> {
    dr.map(|d| d.mirrors.iter().map(|m| m.name.clone()).collect())
        .unwrap_or_default()
}

/// Resolves the scheduled `faults`, in file order.
pub(super) fn resolve(
    c: &Checker,
    written: &[Fault],
    topo: &Topology,
    topics: &Topics,
    mirrors: &[String],
) -> Result<Faults, ScenarioError> {
    if written.len() > MAX_FAULTS {
        return Err(c.err(
            "faults",
            "",
            format!(
                "{} faults: at most {MAX_FAULTS} are supported",
                written.len()
            ),
        ));
    }
    let scope = Scope {
        c,
        topo,
        topics,
        mirrors,
    };
    let mut out = Faults {
        specs: Vec::new(),
        schedule: Vec::new(),
    };
    for (fi, f) in written.iter().enumerate() {
        // A fault that breaks a rule is reported and left out.
        out.schedule
            .extend(c.keep(scope.scheduled(fi, f, &mut out.specs)));
    }
    Ok(out)
}

/// What faults are resolved against.
struct Scope<'a> {
    c: &'a Checker<'a>,
    topo: &'a Topology,
    topics: &'a Topics,
    /// The mirrors' names.
    mirrors: &'a [String],
}

impl Scope<'_> {
    /// Scheduled fault `fi`: its specs (one per target it may hit) go to
    /// `specs`. Every rule it breaks is reported, the last returned.
    fn scheduled(
        &self,
        fi: usize,
        f: &Fault,
        specs: &mut Vec<FaultSpec>,
    ) -> Result<ScheduledFault, ScenarioError> {
        let (c, ff) = (self.c, format!("faults[{fi}]"));
        let mut errors = Vec::new();
        if let Some(problem) = f.at.problem() {
            errors.push(c.err(format!("{ff}.at"), "", problem));
        }
        if let Some(problem) = f.recover_after.as_ref().and_then(|d| d.problem()) {
            errors.push(c.err(format!("{ff}.recover_after"), "", problem));
        }
        if matches!(f.fault, FaultKind::Destroyed(_)) && f.recover_after.is_some() {
            errors.push(
                c.err(
                    format!("{ff}.recover_after"),
                    "",
                    "a Destroyed target never comes back: valid: no recover_after \
                 (for an outage that ends, use PowerLoss or Crash)"
                        .to_string(),
                ),
            );
        }
        let mut spec = FaultSpec::new(f.fault.clone(), FaultMode::Crash, f.at, f.recover_after);
        let field = format!("{ff}.fault");
        let alternatives = self
            .kind(&field, &f.fault, &mut spec)
            .and_then(|target| alternatives(c, &field, target));
        let alternatives = match alternatives {
            Ok(alternatives) if errors.is_empty() => alternatives,
            other => {
                errors.extend(other.err());
                return Err(c.fail(errors));
            }
        };
        let mut indices = Vec::new();
        if alternatives.is_empty() {
            indices.push(specs.len() as u16);
            specs.push(spec);
        } else {
            for t in alternatives {
                let mut one = spec.clone();
                if let Err(e) = resolve_target(c, self.topo, &field, t, &mut one) {
                    errors.push(e);
                    continue;
                }
                if f.clients == ClientFate::Survive {
                    one.dcs.clear();
                }
                one.clients = f.clients;
                one.kind = with_target(&f.fault, t);
                indices.push(specs.len() as u16);
                specs.push(one);
            }
        }
        c.all(errors)?;
        Ok(ScheduledFault {
            at: f.at,
            recover_after: f.recover_after,
            specs: indices,
            choice_key: purpose_key(&format!("choice {fi}")),
        })
    }

    /// Sets `spec`'s mode from `kind` (at `field`) and resolves what needs
    /// no target; the target, for the kinds that take one.
    fn kind<'k>(
        &self,
        field: &str,
        kind: &'k FaultKind,
        spec: &mut FaultSpec,
    ) -> Result<Option<&'k Target>, ScenarioError> {
        match kind {
            FaultKind::MirrorStopped(name) => {
                spec.mode = FaultMode::MirrorStopped;
                spec.mirror = Some(self.find_mirror(field, name)?);
                spec.label = format!("mirror {name} stopped");
            }
            FaultKind::MirrorDegraded(name, factor) => self.degraded(field, name, *factor, spec)?,
            FaultKind::UncleanLeaderElection(name) => {
                spec.mode = FaultMode::UncleanElection;
                spec.topic = Some(self.topics.find(self.c, field, name)?);
                spec.label = format!("unclean leader election on {name}");
            }
            FaultKind::Crash(t) => {
                spec.mode = FaultMode::Crash;
                return Ok(Some(t));
            }
            FaultKind::PowerLoss(t) => {
                spec.mode = FaultMode::PowerLoss;
                return Ok(Some(t));
            }
            FaultKind::Destroyed(t) => {
                spec.mode = FaultMode::Destroyed;
                return Ok(Some(t));
            }
            FaultKind::ControlledShutdown(t) => {
                spec.mode = FaultMode::ControlledShutdown;
                check_shutdown_target(self.c, field, t)?;
                return Ok(Some(t));
            }
            FaultKind::ControlPlaneCut(t) => {
                spec.mode = FaultMode::ControlPlaneCut;
                return Ok(Some(t));
            }
            FaultKind::Partition(a, b) => self.partition(field, a, b, spec)?,
        }
        Ok(None)
    }

    fn find_mirror(&self, field: &str, name: &str) -> Result<usize, ScenarioError> {
        self.mirrors.iter().position(|m| m == name).ok_or_else(|| {
            self.c.unknown(
                field,
                &format!("\"{name}\""),
                format!("mirror \"{name}\""),
                self.mirrors.iter().map(|m| format!("\"{m}\"")),
            )
        })
    }

    /// Mirror `name`'s throughput falls to `factor` of its bandwidth.
    fn degraded(
        &self,
        field: &str,
        name: &str,
        factor: f64,
        spec: &mut FaultSpec,
    ) -> Result<(), ScenarioError> {
        spec.mode = FaultMode::MirrorDegraded;
        spec.mirror = Some(self.find_mirror(field, name)?);
        if !factor.is_finite() || factor <= 0.0 || factor > 1.0 {
            return Err(self.c.err(
                field,
                "MirrorDegraded",
                format!("{factor}: valid: a fraction of the bandwidth in (0, 1]"),
            ));
        }
        spec.factor_ppm = (factor * 1e6).round().max(1.0) as u32;
        spec.label = format!("mirror {name} degraded to {factor}");
        Ok(())
    }

    /// A network partition between the DCs `a` and the DCs `b`.
    fn partition(
        &self,
        field: &str,
        a: &[String],
        b: &[String],
        spec: &mut FaultSpec,
    ) -> Result<(), ScenarioError> {
        let c = self.c;
        spec.mode = FaultMode::Partition;
        if a.is_empty() || b.is_empty() {
            return Err(c.err(
                field,
                "Partition",
                "both sides of a partition need at least one data center",
            ));
        }
        for name in a {
            spec.side_a |= 1u64 << self.topo.find_dc(c, field, name)?.0;
        }
        for name in b {
            spec.side_b |= 1u64 << self.topo.find_dc(c, field, name)?.0;
        }
        if spec.side_a & spec.side_b != 0 {
            return Err(c.err(
                field,
                "Partition",
                "a data center cannot be on both sides of a partition",
            ));
        }
        spec.label = format!("partition {:?} | {:?}", a, b);
        Ok(())
    }
}

/// A controlled shutdown stops brokers only.
fn check_shutdown_target(c: &Checker, field: &str, t: &Target) -> Result<(), ScenarioError> {
    if let Target::Controller(id) = t {
        return Err(c.err(
            field,
            &id.to_string(),
            format!(
                "controlled shutdown stops brokers, not controller {id}; \
                 valid: Broker(id), Rack(name), Dc(name), Region(name)"
            ),
        ));
    }
    Ok(())
}

/// The targets a fault may hit: none for faults without one, each `AnyOf`
/// alternative, or the one target.
fn alternatives<'k>(
    c: &Checker,
    field: &str,
    target: Option<&'k Target>,
) -> Result<Vec<&'k Target>, ScenarioError> {
    Ok(match target {
        None => vec![],
        Some(Target::AnyOf(list)) => {
            if list.is_empty() || list.iter().any(|t| matches!(t, Target::AnyOf(_))) {
                return Err(c.err(
                    field,
                    "AnyOf",
                    "AnyOf needs at least one target, and targets that are not AnyOf themselves",
                ));
            }
            list.iter().collect()
        }
        Some(t) => vec![t],
    })
}

/// A fault target: everything it contains, walking down the containment
/// graph (a DC takes its racks, brokers, controllers and clients), and the
/// fault's label.
pub(super) fn resolve_target(
    c: &Checker,
    topo: &Topology,
    field: &str,
    target: &Target,
    spec: &mut FaultSpec,
) -> Result<(), ScenarioError> {
    let (node, label) = target_node(c, topo, field, target)?;
    collect_contained(&topo.graph, node, spec);
    if matches!(
        spec.mode,
        FaultMode::ControlledShutdown | FaultMode::ControlPlaneCut
    ) {
        // A planned stop of brokers, or a cut of their controller links:
        // controllers keep running and no client dies.
        spec.controllers.clear();
        spec.dcs.clear();
    }
    spec.label = format!(
        "{} {label}",
        match spec.mode {
            FaultMode::Crash => "crash",
            FaultMode::ControlledShutdown => "controlled shutdown",
            FaultMode::ControlPlaneCut => "control plane cut from",
            _ => "power loss",
        }
    );
    Ok(())
}

/// The graph node `target` (at `field`) names, and how a label names it.
fn target_node(
    c: &Checker,
    topo: &Topology,
    field: &str,
    target: &Target,
) -> Result<(NodeIndex, String), ScenarioError> {
    Ok(match target {
        Target::Broker(id) => {
            let b = topo.broker_by_id.get(id).ok_or_else(|| {
                c.unknown(
                    field,
                    &id.to_string(),
                    format!("broker {id}"),
                    topo.brokers.iter().map(|b| b.node_id),
                )
            })?;
            (topo.broker_nodes[b.idx()], format!("broker {id}"))
        }
        Target::Controller(id) => {
            let ids = topo.controllers.iter().map(|k| k.node_id);
            let k = ids.clone().position(|k| k == *id).ok_or_else(|| {
                c.unknown(field, &id.to_string(), format!("controller {id}"), ids)
            })?;
            (topo.controller_nodes[k], format!("controller {id}"))
        }
        Target::Rack(name) => {
            let k = find_named(c, field, "rack", name, topo.racks.iter().map(|r| &r.name))?;
            (topo.rack_nodes[k], format!("rack {name}"))
        }
        Target::Dc(name) => {
            let d = topo.find_dc(c, field, name)?;
            (topo.dc_nodes[d.idx()], format!("dc {name}"))
        }
        Target::Region(name) => {
            let r = find_named(c, field, "region", name, topo.regions.iter())?;
            (topo.region_nodes[r], format!("region {name}"))
        }
        Target::AnyOf(_) => {
            return Err(c.err(field, "AnyOf", "AnyOf cannot be nested"));
        }
    })
}

/// The position of `name` among `names` (of racks or regions), or an error
/// at `field` listing them.
fn find_named<'n>(
    c: &Checker,
    field: &str,
    kind: &str,
    name: &str,
    names: impl Iterator<Item = &'n String> + Clone,
) -> Result<usize, ScenarioError> {
    names.clone().position(|n| n == name).ok_or_else(|| {
        c.unknown(
            field,
            &format!("\"{name}\""),
            format!("{kind} \"{name}\""),
            names.map(|n| format!("\"{n}\"")),
        )
    })
}

/// Everything a failure of `root` takes with it: a walk down the containment
/// graph. DCs (and so their clients) are taken only by DC and region faults.
fn collect_contained(graph: &DiGraph<TopoNode, ()>, root: NodeIndex, spec: &mut FaultSpec) {
    let mut dfs = Dfs::new(graph, root);
    while let Some(nx) = dfs.next(graph) {
        match graph[nx] {
            TopoNode::Broker(b) => spec.brokers.push(b),
            TopoNode::Controller(k) => spec.controllers.push(k),
            TopoNode::Dc(d) => spec.dcs.push(d),
            TopoNode::Region(_) | TopoNode::Rack(_) => {}
        }
    }
    spec.brokers.sort_unstable();
    spec.controllers.sort_unstable();
    spec.dcs.sort_unstable();
}

/// `kind` with its target replaced by `target` (for `AnyOf` alternatives).
fn with_target(kind: &FaultKind, target: &Target) -> FaultKind {
    match kind {
        FaultKind::Crash(_) => FaultKind::Crash(target.clone()),
        FaultKind::PowerLoss(_) => FaultKind::PowerLoss(target.clone()),
        FaultKind::Destroyed(_) => FaultKind::Destroyed(target.clone()),
        FaultKind::ControlledShutdown(_) => FaultKind::ControlledShutdown(target.clone()),
        FaultKind::ControlPlaneCut(_) => FaultKind::ControlPlaneCut(target.clone()),
        other => other.clone(),
    }
}
