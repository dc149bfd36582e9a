//! The runbook section: how an operator fails over to one mirror's target
//! (detection, decision, the failover command, DNS and consumer restarts)
//! and fails back.

use super::{bounded_ms, Checker};
use crate::dr::spec::{MirrorSpec, RunbookSpec};
use crate::error::ScenarioError;
use crate::scenario::{Failback, FailoverCommand, MirrorKind, Runbook, TimeDist};
use kdrsim_sim::SimDuration;

/// The runbook `r`, failing over one of `mirrors`; every rule it breaks is
/// reported, the last returned.
pub(super) fn resolve(
    c: &Checker,
    r: &Runbook,
    mirrors: &[MirrorSpec],
) -> Result<RunbookSpec, ScenarioError> {
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
            c.report(c.err(field, "", p));
        }
    }
    check_commands(c, r, mirrors[mirror].kind);
    let dns_ttl = c.keep(bounded_ms(c, "runbook.dns_ttl_ms", r.dns_ttl_ms));
    let consumer_restart = bounded_ms(c, "runbook.consumer_restart_ms", r.consumer_restart_ms)?;
    Ok(RunbookSpec {
        mirror,
        detection: r.detection,
        decision: r.decision,
        dns_ttl: dns_ttl.unwrap_or(SimDuration::ZERO),
        consumer_restart,
        command: r.failover_command,
        failback: r.failback,
        failback_after: r.failback_after.unwrap_or(TimeDist::Fixed(0)),
        replay_records: r.producer_replay_records,
        health: r.health,
    })
}

/// Cluster Linking's own commands need a Cluster Linking mirror (each one
/// that does not have one is reported).
fn check_commands(c: &Checker, r: &Runbook, kind: MirrorKind) {
    if r.failover_command == FailoverCommand::Promote && kind != MirrorKind::ClusterLinking {
        c.report(c.err(
            "runbook.failover_command",
            "Promote",
            "`promote` is a Cluster Linking command; MirrorMaker 2 and MSK Replicator targets are simply used (valid: Failover)",
        ));
    }
    if r.failback == Failback::TruncateAndRestore && kind != MirrorKind::ClusterLinking {
        c.report(c.err(
            "runbook.failback",
            "TruncateAndRestore",
            "truncate-and-restore is a Cluster Linking command; the runbook's mirror is not a ClusterLinking mirror (valid: None)",
        ));
    }
}
