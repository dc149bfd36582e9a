//! The fault processes section: each process fails and repairs every
//! component of a kind (or those it lists in `only`), each component a
//! fault spec of its own.

use super::faults::resolve_target;
use super::schedule::{purpose_key, ProcessSpec, MAX_OCCURRENCES};
use super::topology::Topology;
use super::{Checker, FaultMode, FaultSpec};
use crate::error::ScenarioError;
use crate::scenario::{
    ClientFate, Component, FaultKind, FaultProcess, Link, Scenario, Target, TimeDist,
};

/// A component as `only` names it, and its fault spec.
type Member = (String, FaultSpec);

/// Resolves the `fault_processes`, in file order; each component's spec
/// goes to `faults`, after the scheduled faults'. Every rule broken is
/// reported; a process that breaks one is left out.
pub(super) fn resolve(
    c: &Checker,
    scenario: &Scenario,
    topo: &Topology,
    mirrors: &[String],
    faults: &mut Vec<FaultSpec>,
) -> Vec<ProcessSpec> {
    let scope = Scope {
        c,
        topo,
        links: &scenario.topology.links,
        mirrors,
    };
    let mut processes = Vec::new();
    // Expected failures per trial, summed over every process: the bound is
    // on a trial's failures in all, not on each process's.
    let mut expected_total = 0.0f64;
    let before = c.errors();
    for (pi, fp) in scenario.fault_processes.iter().enumerate() {
        let Some((members, expected)) = c.keep(scope.process(pi, fp, scenario.duration_ms)) else {
            continue;
        };
        expected_total += expected;
        processes.push(ProcessSpec {
            time_to_failure: fp.time_to_failure,
            time_to_repair: fp.time_to_repair,
            components: components(pi, fp, members, faults),
        });
    }
    if c.errors() == before {
        check_totals(c, scenario, expected_total, faults.len());
    }
    processes
}

/// The processes together: at most so many failures per trial, and fault
/// targets in all.
fn check_totals(c: &Checker, scenario: &Scenario, expected_total: f64, targets: usize) {
    if expected_total > MAX_OCCURRENCES as f64 {
        c.report(c.err(
            "fault_processes",
            "",
            format!(
                "about {expected_total:.0} failures per trial from {} fault processes together (over {} ms); at most {MAX_OCCURRENCES} are supported in all: lengthen time_to_failure, cover fewer components with `only`, or shorten duration_ms",
                scenario.fault_processes.len(),
                scenario.duration_ms,
            ),
        ));
    }
    if targets > u16::MAX as usize {
        c.report(c.err(
            "fault_processes",
            "",
            format!(
                "{targets} fault targets in all: at most {} are supported",
                u16::MAX
            ),
        ));
    }
}

/// The rules process `fp`'s (at `pf`) times break.
fn check_times(c: &Checker, pf: &str, fp: &FaultProcess) -> Vec<ScenarioError> {
    let mut errors = Vec::new();
    for (field, d) in [
        ("time_to_failure", &fp.time_to_failure),
        ("time_to_repair", &fp.time_to_repair),
    ] {
        if let Some(problem) = d.problem() {
            errors.push(c.err(format!("{pf}.{field}"), "", problem));
        }
    }
    errors
}

/// What a process's components are resolved against.
struct Scope<'a> {
    c: &'a Checker<'a>,
    topo: &'a Topology,
    links: &'a [Link],
    /// The mirrors' names.
    mirrors: &'a [String],
}

impl Scope<'_> {
    /// Process `pi`: its members and its expected failures per trial. Every
    /// rule it breaks is reported, the last returned.
    fn process(
        &self,
        pi: usize,
        fp: &FaultProcess,
        duration_ms: u64,
    ) -> Result<(Vec<Member>, f64), ScenarioError> {
        let c = self.c;
        let pf = format!("fault_processes[{pi}]");
        let mut errors = check_times(c, &pf, fp);
        let mut members = match self.members(&format!("{pf}.component"), fp) {
            Ok(members) => members,
            Err(e) => {
                errors.push(e);
                return Err(c.fail(errors));
            }
        };
        errors.extend(check_only(c, &pf, fp, &members));
        members.retain(|(n, _)| fp.only.is_empty() || fp.only.contains(n));
        // Occurrences are only estimated from valid times.
        c.all(errors)?;
        let expected = check_occurrences(c, &pf, fp, members.len(), duration_ms)?;
        Ok((members, expected))
    }

    /// Every component of `fp`'s kind, in model order (`field` is where an
    /// unresolvable one is reported).
    fn members(&self, field: &str, fp: &FaultProcess) -> Result<Vec<Member>, ScenarioError> {
        let base = base(fp);
        match fp.component {
            Component::Link => self.link_members(field, &base),
            Component::Mirror => Ok(self.mirror_members(&base)),
            nodes => self.node_members(field, fp, &base, node_targets(self.topo, nodes)),
        }
    }

    /// Brokers, controllers, racks, DCs or regions: each target with what it
    /// contains.
    fn node_members(
        &self,
        field: &str,
        fp: &FaultProcess,
        base: &FaultSpec,
        targets: Vec<(String, Target)>,
    ) -> Result<Vec<Member>, ScenarioError> {
        let mut out = Vec::new();
        for (name, t) in targets {
            let mut one = base.clone();
            resolve_target(self.c, self.topo, field, &t, &mut one)?;
            if fp.clients == ClientFate::Survive {
                one.dcs.clear();
            }
            one.clients = fp.clients;
            one.kind = if fp.power_loss {
                FaultKind::PowerLoss(t)
            } else {
                FaultKind::Crash(t)
            };
            out.push((name, one));
        }
        Ok(out)
    }

    /// Each link, as a partition between its two DCs.
    fn link_members(&self, field: &str, base: &FaultSpec) -> Result<Vec<Member>, ScenarioError> {
        let mut out = Vec::new();
        for l in self.links {
            let (a, b) = (
                self.topo.find_dc(self.c, field, &l.between.0)?,
                self.topo.find_dc(self.c, field, &l.between.1)?,
            );
            let mut one = base.clone();
            one.mode = FaultMode::Partition;
            one.side_a = 1u64 << a.0;
            one.side_b = 1u64 << b.0;
            let name = format!("{}-{}", l.between.0, l.between.1);
            one.label = format!("link {name} down");
            one.kind = FaultKind::Partition(vec![l.between.0.clone()], vec![l.between.1.clone()]);
            out.push((name, one));
        }
        Ok(out)
    }

    /// Each mirror, as its replication process stopping.
    fn mirror_members(&self, base: &FaultSpec) -> Vec<Member> {
        let mut out = Vec::new();
        for (mi, name) in self.mirrors.iter().enumerate() {
            let mut one = base.clone();
            one.mode = FaultMode::MirrorStopped;
            one.mirror = Some(mi);
            one.label = format!("mirror {name} stopped");
            one.kind = FaultKind::MirrorStopped(name.clone());
            out.push((name.clone(), one));
        }
        out
    }
}

/// Every broker, controller, rack, DC or region (as `component` says) as a
/// fault target, with its name as `only` writes it. Links and mirrors are
/// not nodes of the topology: none.
fn node_targets(topo: &Topology, component: Component) -> Vec<(String, Target)> {
    let named = |names: Vec<&String>, target: fn(String) -> Target| {
        names
            .into_iter()
            .map(|n| (n.clone(), target(n.clone())))
            .collect()
    };
    match component {
        Component::Broker => topo
            .brokers
            .iter()
            .map(|b| (b.node_id.to_string(), Target::Broker(b.node_id)))
            .collect(),
        Component::Controller => topo
            .controllers
            .iter()
            .map(|k| (k.node_id.to_string(), Target::Controller(k.node_id)))
            .collect(),
        Component::Rack => named(topo.racks.iter().map(|r| &r.name).collect(), Target::Rack),
        Component::Dc => named(topo.dcs.iter().map(|d| &d.name).collect(), Target::Dc),
        Component::Region => named(topo.regions.iter().collect(), Target::Region),
        Component::Link | Component::Mirror => vec![],
    }
}

/// A crash or power loss that takes nothing yet. Times come from the
/// process, targets from each component.
fn base(fp: &FaultProcess) -> FaultSpec {
    let mode = if fp.power_loss {
        FaultMode::PowerLoss
    } else {
        FaultMode::Crash
    };
    FaultSpec::new(
        FaultKind::Crash(Target::Broker(0)),
        mode,
        TimeDist::Fixed(0),
        None,
    )
}

/// Every name in `only` is one of the `members` (an error for each that
/// is not).
fn check_only(c: &Checker, pf: &str, fp: &FaultProcess, members: &[Member]) -> Vec<ScenarioError> {
    let mut errors = Vec::new();
    for name in &fp.only {
        if !members.iter().any(|(n, _)| n == name) {
            errors.push(c.unknown(
                format!("{pf}.only"),
                &format!("\"{name}\""),
                format!("{:?} \"{name}\"", fp.component).to_lowercase(),
                members.iter().map(|(n, _)| format!("\"{n}\"")),
            ));
        }
    }
    errors
}

/// Refuse processes that would schedule absurdly many faults, before any
/// trial allocates for them; returns the process's expected failures per
/// trial (the bound also holds for all processes together).
fn check_occurrences(
    c: &Checker,
    pf: &str,
    fp: &FaultProcess,
    members: usize,
    duration_ms: u64,
) -> Result<f64, ScenarioError> {
    let cycle_ms =
        fp.time_to_failure.mean_ms_lower_bound() + fp.time_to_repair.mean_ms_lower_bound();
    let expected = members as f64 * duration_ms as f64 / cycle_ms.max(1.0);
    if expected > MAX_OCCURRENCES as f64 {
        return Err(c.err(
            format!("{pf}.time_to_failure"),
            "",
            format!(
                "about {expected:.0} failures per trial ({members} components over {duration_ms} ms); at most {MAX_OCCURRENCES} are supported: lengthen time_to_failure or shorten duration_ms",
            ),
        ));
    }
    Ok(expected)
}

/// Process `pi`'s components: each member's spec, labelled, goes to
/// `faults`, with the stream its failures draw from.
fn components(
    pi: usize,
    fp: &FaultProcess,
    members: Vec<Member>,
    faults: &mut Vec<FaultSpec>,
) -> Vec<(u16, u32)> {
    let mut components = Vec::new();
    for (name, mut one) in members {
        if one.label.is_empty() {
            one.label = name.to_string();
        }
        one.label = format!("process {pi}: {}", one.label);
        let key = purpose_key(&format!("process {pi} {:?} {name}", fp.component));
        components.push((faults.len() as u16, key));
        faults.push(one);
    }
    components
}
