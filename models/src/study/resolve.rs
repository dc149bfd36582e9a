//! A study cell as an ordinary scenario: the topology's file with the
//! study's trial length, workload and one fault scenario put in.
//!
//! Failure domains are placed relative to the topology's *primary*: the DC
//! of its first producer, the cluster that holds that DC (or the only
//! cluster) and the region around it. So "lose a DC" is a DC of the cluster
//! that takes the writes on every topology, and "lose the region" is the
//! region the writes go to.

use super::{Domain, FaultCase, Study};
use crate::scenario::{Fault, Producer};
use crate::scenario::{FaultKind, Placement, Scenario, Target, TimeDist};

/// What one cell runs: a scenario, or why the fault scenario cannot happen
/// on this topology (it then costs nothing there, and the report says so).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Runs {
        scenario: Box<Scenario>,
        /// Where the fault was placed, in words.
        placed: String,
    },
    NotApplicable(String),
}

/// The topology's primary: where its first producer writes.
struct Primary {
    dc: String,
    region: String,
    dcs: Vec<String>,
    brokers: Vec<u32>,
}

fn primary(base: &Scenario) -> Result<Primary, String> {
    let p0 = base.producers.first().ok_or_else(|| {
        "has no producers: a study needs a producer to place its faults".to_string()
    })?;
    let dc = p0.dc.clone();
    let region = base
        .topology
        .regions
        .iter()
        .find(|r| r.data_centers.iter().any(|d| d.name == dc))
        .map(|r| r.name.clone())
        .ok_or_else(|| {
            format!(
                "producer `{}` is in DC `{dc}`, which no region holds",
                p0.name
            )
        })?;
    let dcs: Vec<String> = match base.clusters.iter().find(|c| c.data_centers.contains(&dc)) {
        Some(c) => c.data_centers.clone(),
        None => all_dcs(base),
    };
    let brokers = base
        .topology
        .regions
        .iter()
        .flat_map(|r| &r.data_centers)
        .filter(|d| dcs.contains(&d.name))
        .flat_map(|d| &d.racks)
        .flat_map(|r| r.brokers.iter().copied())
        .collect();
    Ok(Primary {
        dc,
        region,
        dcs,
        brokers,
    })
}

fn all_dcs(base: &Scenario) -> Vec<String> {
    base.topology
        .regions
        .iter()
        .flat_map(|r| r.data_centers.iter().map(|d| d.name.clone()))
        .collect()
}

fn region_dcs(base: &Scenario, region: &str) -> Vec<String> {
    base.topology
        .regions
        .iter()
        .filter(|r| r.name == region)
        .flat_map(|r| r.data_centers.iter().map(|d| d.name.clone()))
        .collect()
}

/// The faults a domain becomes on `base`, with where they were placed, or
/// why the domain does not exist there.
fn place(
    base: &Scenario,
    case: &FaultCase,
) -> Result<Result<(Vec<FaultKind>, String), String>, String> {
    let p = primary(base)?;
    let lose = |t: Target| {
        if case.destroyed {
            FaultKind::Destroyed(t)
        } else if case.power_loss {
            FaultKind::PowerLoss(t)
        } else {
            FaultKind::Crash(t)
        }
    };
    Ok(match case.domain {
        Domain::Broker => Ok((
            vec![lose(Target::AnyOf(
                p.brokers.iter().map(|b| Target::Broker(*b)).collect(),
            ))],
            format!("any one of brokers {:?}", p.brokers),
        )),
        Domain::Dc => Ok((
            vec![lose(Target::AnyOf(
                p.dcs.iter().map(|d| Target::Dc(d.clone())).collect(),
            ))],
            format!("any one of DCs {}", p.dcs.join(", ")),
        )),
        Domain::Region => Ok((
            vec![lose(Target::Region(p.region.clone()))],
            format!("region {}", p.region),
        )),
        Domain::DcIsolation => dc_isolation(base, &p),
        Domain::RegionIsolation => region_isolation(base, &p),
        Domain::ReplicatorDown => replicators_down(base),
    })
}

/// The DCs of `base` not in `inside`: the other side of a cut.
fn other_dcs(base: &Scenario, inside: &[String]) -> Vec<String> {
    all_dcs(base)
        .into_iter()
        .filter(|d| !inside.contains(d))
        .collect()
}

/// A DC of the primary cut from every other DC: one other than the first
/// producer's where the primary has several.
fn dc_isolation(base: &Scenario, p: &Primary) -> Result<(Vec<FaultKind>, String), String> {
    let cut = p.dcs.iter().find(|d| **d != p.dc).unwrap_or(&p.dc).clone();
    let rest = other_dcs(base, std::slice::from_ref(&cut));
    if rest.is_empty() {
        Err("one DC only: there is nothing to cut it from".to_string())
    } else {
        Ok((
            vec![FaultKind::Partition(vec![cut.clone()], rest)],
            format!("DC {cut} cut from every other DC"),
        ))
    }
}

/// The primary's region cut from every other region.
fn region_isolation(base: &Scenario, p: &Primary) -> Result<(Vec<FaultKind>, String), String> {
    let inside = region_dcs(base, &p.region);
    let rest = other_dcs(base, &inside);
    if rest.is_empty() {
        Err("one region only: there is no other region to cut it from".to_string())
    } else {
        Ok((
            vec![FaultKind::Partition(inside, rest)],
            format!("region {} cut from every other region", p.region),
        ))
    }
}

/// Every mirror of `base` stopped at once: a replicator down stops all
/// the copying it does.
fn replicators_down(base: &Scenario) -> Result<(Vec<FaultKind>, String), String> {
    if base.mirrors.is_empty() {
        Err("no replicator: nothing to stop".to_string())
    } else {
        let names: Vec<String> = base.mirrors.iter().map(|m| m.name.clone()).collect();
        Ok((
            names
                .iter()
                .map(|n| FaultKind::MirrorStopped(n.clone()))
                .collect(),
            format!("mirrors {} stopped", names.join(", ")),
        ))
    }
}

/// The study's workload on `base`'s producers and topics.
fn apply_workload(study: &Study, base: &mut Scenario) -> Result<(), String> {
    let w = &study.workload;
    let n = base.producers.len().max(1) as f64;
    for p in &mut base.producers {
        let Producer {
            records_per_sec,
            record_bytes,
            acks,
            ..
        } = p;
        *records_per_sec = w.records_per_sec / n;
        *record_bytes = w.record_bytes;
        if let Some(a) = w.acks {
            *acks = a;
        }
    }
    for t in &mut base.topics {
        if let Some(parts) = w.partitions {
            if matches!(t.placement, Placement::Assignment(_)) && t.partitions != parts {
                return Err(format!(
                    "topic `{}` has an explicit assignment of {}; the workload's \
                     partitions ({parts}) cannot be applied (remove workload.partitions or the \
                     assignment)",
                    t.name,
                    crate::words::count(t.partitions as u64, "partition")
                ));
            }
            t.partitions = parts;
        }
        if let Some(r) = w.retention_ms {
            t.retention_ms = r;
        }
    }
    Ok(())
}

/// The default start of a fault: uniformly in the first third of the
/// trial, after a tenth (so steady state is measured before it).
pub fn default_at(duration_ms: u64) -> TimeDist {
    TimeDist::Uniform(duration_ms / 10, duration_ms / 3)
}

/// Resolves one cell. `Err` is a topology the study cannot use (no
/// producer, a workload that does not fit); its message names the topology.
pub fn cell(study: &Study, base: &Scenario, case: &FaultCase) -> Result<Cell, String> {
    let placed = match place(base, case)? {
        Ok(p) => p,
        Err(why) => return Ok(Cell::NotApplicable(why)),
    };
    let mut s = base.clone();
    apply_workload(study, &mut s)?;
    s.duration_ms = study.duration_ms;
    s.name = format!("{}--{}", base.name, case.name);
    s.description = format!(
        "study {}: topology {} under fault scenario {} ({}: {})",
        study.name,
        base.name,
        case.name,
        case.domain.describe(),
        placed.1
    );
    s.fault_processes.clear();
    s.expect.clear();
    let at = case.at.unwrap_or_else(|| default_at(study.duration_ms));
    s.faults = placed
        .0
        .into_iter()
        .map(|fault| Fault {
            at,
            fault,
            recover_after: case.lasts,
            clients: case.clients,
        })
        .collect();
    Ok(Cell::Runs {
        scenario: Box::new(s),
        placed: placed.1,
    })
}

/// The topology `base` under the study's workload and trial length with no
/// fault at all: what its steady month (cost, latency) is measured on,
/// whether or not any fault scenario applies to it.
pub fn quiet(study: &Study, base: &Scenario) -> Result<Scenario, String> {
    let mut s = base.clone();
    apply_workload(study, &mut s)?;
    s.duration_ms = study.duration_ms;
    s.name = format!("{}--no-fault", base.name);
    s.faults.clear();
    s.fault_processes.clear();
    s.expect.clear();
    Ok(s)
}

/// A time people (or their tooling) take in a runbook: what the study's
/// sensitivity analysis halves and doubles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HumanTime {
    /// From the failure to an alert (the runbook's and every producer's own
    /// failover `detection`).
    Detection,
    /// From the alert to the decision to fail over (the runbook's).
    Decision,
    /// Clients following the switch (`dns_ttl_ms`, the runbook's and every
    /// producer's own failover).
    Dns,
}

impl HumanTime {
    pub const ALL: [HumanTime; 3] = [HumanTime::Detection, HumanTime::Decision, HumanTime::Dns];

    pub fn describe(self) -> &'static str {
        match self {
            HumanTime::Detection => "detection time",
            HumanTime::Decision => "decision time",
            HumanTime::Dns => "DNS / bootstrap switch time",
        }
    }
}

/// `d` with every time in it scaled by `num / den` (integer milliseconds:
/// the shape parameters are not times and stay).
pub fn scale_dist(d: TimeDist, num: u64, den: u64) -> TimeDist {
    let s = |v: u64| v.saturating_mul(num) / den.max(1);
    match d {
        TimeDist::Fixed(v) => TimeDist::Fixed(s(v)),
        TimeDist::Uniform(a, b) => TimeDist::Uniform(s(a), s(b)),
        TimeDist::Exponential(m) => TimeDist::Exponential(s(m)),
        TimeDist::LogNormal(m, sigma) => TimeDist::LogNormal(s(m), sigma),
        TimeDist::Weibull(scale, shape) => TimeDist::Weibull(s(scale), shape),
    }
}

/// Scales one human time of `base` (its runbook and its producers' own
/// failovers) by `num / den`. Returns whether the topology has that time
/// at all (one without a runbook or client failover does not).
pub fn scale_human_time(base: &mut Scenario, which: HumanTime, num: u64, den: u64) -> bool {
    let mut touched = false;
    if let Some(r) = &mut base.runbook {
        touched = true;
        match which {
            HumanTime::Detection => r.detection = scale_dist(r.detection, num, den),
            HumanTime::Decision => r.decision = scale_dist(r.decision, num, den),
            HumanTime::Dns => r.dns_ttl_ms = r.dns_ttl_ms.saturating_mul(num) / den.max(1),
        }
    }
    for f in base
        .producers
        .iter_mut()
        .filter_map(|p| p.failover.as_mut())
    {
        match which {
            HumanTime::Detection => {
                f.detection = scale_dist(f.detection, num, den);
                touched = true;
            }
            HumanTime::Dns => {
                f.dns_ttl_ms = f.dns_ttl_ms.saturating_mul(num) / den.max(1);
                touched = true;
            }
            HumanTime::Decision => {}
        }
    }
    touched
}
