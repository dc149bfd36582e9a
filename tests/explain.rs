//! `kdrsim explain` against the simulation: for every scenario in
//! `scenarios/` (and `tests/explain-scenarios/`) and EVERY broker, rack,
//! DC and region of it (aliases of one domain included: each is simulated
//! with its own target), every controller and every mirror, a variant of
//! the scenario whose only fault is that domain's loss (a power loss, so
//! unflushed page-cache data goes too, and a crash; a stopped mirror for
//! mirror domains) at a fixed time, without recovery,
//! is simulated for a few trials and must agree with the static verdict:
//!
//! - quorum "survives"/"LOST" → each cluster has (has not) an active
//!   controller at the trial's end;
//! - "writes stay available" → every trial's longest application write
//!   outage is under 60 s;
//! - "writes stop" → the outage lasts to the end of the trial;
//! - "writes fail over" → the outage ends before the trial does;
//! - "acknowledged writes cannot be lost" → no trial loses any.
//!
//! Writes are the application's (docs/model.md, Clients): a producer the domain
//! kills is down for writes (see [`app_write_outage_ms`]). "Can be lost"
//! needs an earlier ISR shrink, which a single loss from a healthy state
//! does not bring, so it is not checked against loss (only the guarantee
//! direction must hold).
//!
//! A canary (`the_agreement_check_catches_a_wrong_verdict`) feeds the
//! checker a verdict known to be wrong, so a checker that cannot fail is
//! noticed.

use kdrsim::models::explain::{explain, DomainReport, Loss, Writes};
use kdrsim::models::load::parse;
use kdrsim::models::scenario::{Fault, FaultKind, Target, TimeDist};
use kdrsim::{load_source, Source, World};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

/// Few trials per domain: the verdicts are about every trial, and a
/// disagreement shows in the first few (the fault time is fixed).
const TRIALS: u64 = 4;
const AVAILABLE_BOUND_MS: u64 = 60_000;

/// The scenario library, plus `tests/explain-scenarios/` for rules no
/// library scenario exercises (acks=1 under quorum loss).
fn scenario_files() -> Vec<std::path::PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<_> = ["scenarios", "tests/explain-scenarios"]
        .iter()
        .flat_map(|d| std::fs::read_dir(root.join(d)).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ron"))
        .collect();
    files.sort();
    files
}

/// The application's longest write outage in a trial (docs/model.md, Clients: a
/// producer that runs nowhere is down for writes, and the world counts it
/// so in `max_write_outage_ms`).
fn app_write_outage_ms(o: &kdrsim::TrialOutcome) -> u64 {
    o.max_write_outage_ms
}

/// One simulated trial as the check needs it.
struct Seen {
    outcome: kdrsim::TrialOutcome,
    /// Per cluster: an active controller at the trial's end.
    quorum: Vec<bool>,
}

/// What the simulated trials of one domain's loss say against explain's
/// verdict `d`, if they disagree.
fn disagreement(
    d: &DomainReport,
    producing: bool,
    to_end_ms: u64,
    seen: &[Seen],
) -> Option<String> {
    for s in seen {
        let said: Vec<bool> = d.quorum.iter().map(|q| q.3).collect();
        if !said.is_empty() && said != s.quorum {
            return Some(format!(
                "explain says the quorum per cluster survives {said:?} but the world ended with active controllers {:?}",
                s.quorum
            ));
        }
    }
    let outage_max = seen.iter().map(|s| app_write_outage_ms(&s.outcome)).max()?;
    let outage_min = seen.iter().map(|s| app_write_outage_ms(&s.outcome)).min()?;
    let lost = seen.iter().map(|s| s.outcome.acked_lost_records).max()?;
    if producing {
        match d.writes {
            Writes::StayAvailable if outage_max >= AVAILABLE_BOUND_MS => {
                return Some(format!(
                    "explain says writes stay available but an outage lasted {outage_max} ms"
                ))
            }
            Writes::Stop if outage_min < to_end_ms * 9 / 10 => {
                return Some(format!(
                    "explain says writes stop but one trial's longest outage was {outage_min} ms of {to_end_ms} ms"
                ))
            }
            Writes::FailOver if outage_max >= to_end_ms * 9 / 10 => {
                return Some(format!(
                    "explain says writes fail over but the outage lasted {outage_max} ms of {to_end_ms} ms"
                ))
            }
            _ => {}
        }
    }
    if d.loss == Loss::Cannot && lost > 0 {
        return Some(format!(
            "explain says acknowledged writes cannot be lost but a trial lost {lost}"
        ));
    }
    None
}

fn verdict(writes: Writes, loss: Loss, quorum_survives: bool) -> DomainReport {
    DomainReport {
        label: "canary".into(),
        aliases: vec![],
        alias_faults: vec![],
        fault: FaultKind::Crash(Target::Broker(1)),
        brokers: vec![],
        controllers: vec![],
        dcs: vec![],
        quorum: vec![(String::new(), 2, 3, quorum_survives)],
        writes,
        writes_why: String::new(),
        loss,
        loss_why: String::new(),
        producers_lost: vec![],
    }
}

#[test]
fn the_agreement_check_catches_a_wrong_verdict() {
    let seen = |outage, down, lost, quorum| Seen {
        outcome: kdrsim::TrialOutcome {
            max_write_outage_ms: outage,
            producer_down_ms: down,
            acked_lost_records: lost,
            ..Default::default()
        },
        quorum: vec![quorum],
    };
    let available = verdict(Writes::StayAvailable, Loss::Cannot, true);
    let quorum_lost_to_the_end = [seen(1_000_000, 0, 0, false)];
    assert!(disagreement(&available, true, 1_000_000, &quorum_lost_to_the_end).is_some());
    // The quorum column alone: writes fine, but the world lost the quorum.
    assert!(disagreement(&available, true, 1_000_000, &[seen(9_000, 0, 0, false)]).is_some());
    // A producer dead to the end (the world counts its time as the
    // application's write outage) against "stay available".
    let producer_dead = [seen(1_000_000, 1_000_000, 0, true)];
    assert!(disagreement(&available, true, 1_000_000, &producer_dead).is_some());
    let stop = verdict(Writes::Stop, Loss::Cannot, true);
    assert!(disagreement(&stop, true, 1_000_000, &producer_dead).is_none());
    let short_blip = [seen(9_000, 0, 0, true)];
    assert!(disagreement(&stop, true, 1_000_000, &short_blip).is_some());
    let lost_some = [seen(9_000, 0, 7, true)];
    assert!(disagreement(&available, true, 1_000_000, &lost_some).is_some());
    let may_lose = verdict(Writes::StayAvailable, Loss::Can, true);
    assert!(disagreement(&may_lose, true, 1_000_000, &lost_some).is_none());
}

/// Every (label, fault, verdict) to simulate: each domain explain lists,
/// and each alias under its own target with the verdict it shares; a
/// domain's loss as a power loss and as a crash (the same verdict: a crash
/// keeps the page cache, so it can only lose less).
fn cases(report: &kdrsim::models::explain::Explanation) -> Vec<(String, FaultKind, &DomainReport)> {
    let mut out = Vec::new();
    for d in &report.domains {
        assert_eq!(d.aliases.len(), d.alias_faults.len(), "{}", d.label);
        let named =
            std::iter::once((&d.label, &d.fault)).chain(d.aliases.iter().zip(&d.alias_faults));
        for (label, fault) in named {
            out.push((label.clone(), fault.clone(), d));
            if let FaultKind::PowerLoss(t) = fault {
                out.push((format!("{label} (crash)"), FaultKind::Crash(t.clone()), d));
            }
        }
    }
    out
}

/// Every broker, rack, DC and region of `model`, named as explain names
/// them, found from the model itself (not from explain's list).
fn every_component(model: &kdrsim::Model) -> BTreeSet<String> {
    let mut all = BTreeSet::new();
    all.extend(
        model
            .brokers
            .iter()
            .map(|b| format!("broker {}", b.node_id)),
    );
    all.extend(model.racks.iter().map(|r| format!("rack {}", r.name)));
    all.extend(model.dcs.iter().map(|d| format!("dc {}", d.name)));
    all.extend(model.regions.iter().map(|r| format!("region {r}")));
    all
}

/// `TRIALS` trials of `m`: each trial's outcome and its quorums at the end.
fn simulate(m: &Arc<kdrsim::Model>) -> Vec<Seen> {
    let mut world = World::new(m.clone());
    (0..TRIALS)
        .map(|trial| Seen {
            outcome: world.run_trial(11, trial),
            quorum: world.quorum_active(),
        })
        .collect()
}

#[test]
fn explain_and_the_simulation_agree_on_every_broker_rack_dc_and_region_of_every_scenario() {
    let mut disagreements = Vec::new();
    let mut checked = 0;
    for path in scenario_files() {
        let src = Source::read(&path).unwrap();
        let scenario = parse(&src).unwrap();
        let model = load_source(&src).unwrap();
        let report = explain(&model);
        let duration_ms = scenario.duration_ms;
        // Late enough for the cluster to have settled, early enough to see
        // a long outage.
        let at_ms = (duration_ms / 4).min(120_000);
        let to_end_ms = duration_ms - at_ms;
        let cases = cases(&report);
        let covered: BTreeSet<String> = cases.iter().map(|c| c.0.clone()).collect();
        let missing: Vec<_> = every_component(&model)
            .difference(&covered)
            .cloned()
            .collect();
        assert!(
            missing.is_empty(),
            "{}: explain lists no verdict for {missing:?}",
            model.name
        );
        // One client rule for every topology: with no producer at all
        // there are no writes to judge.
        let producing = !model.producers.is_empty();
        for (label, fault, d) in cases {
            let mut variant = scenario.clone();
            variant.faults = vec![Fault {
                at: TimeDist::Fixed(at_ms),
                fault,
                recover_after: None,
                clients: Default::default(),
            }];
            let text = ron::ser::to_string(&variant).unwrap();
            let name = format!("{} / {label}", model.name);
            let m = load_source(&Source {
                file: name.clone(),
                text,
            })
            .unwrap_or_else(|e| panic!("{name}: {e}"));
            let seen = simulate(&m);
            checked += 1;
            if std::env::var_os("KDRSIM_EXPLAIN_VERBOSE").is_some() {
                let outages: Vec<u64> = seen
                    .iter()
                    .map(|s| app_write_outage_ms(&s.outcome))
                    .collect();
                eprintln!(
                    "{name}: {:?}/{:?}: outages {outages:?} ms of {to_end_ms}, lost {}, quorum {:?}",
                    d.writes,
                    d.loss,
                    seen.iter().map(|s| s.outcome.acked_lost_records).max().unwrap(),
                    seen[0].quorum
                );
            }
            if let Some(what) = disagreement(d, producing, to_end_ms, &seen) {
                disagreements.push(format!(
                    "{name}: {what} (explain: writes: {}; data: {})",
                    d.writes_why, d.loss_why
                ));
            }
        }
    }
    assert!(checked >= 400, "only {checked} domain losses checked");
    assert!(
        disagreements.is_empty(),
        "{} disagreement(s):\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}

fn explained(file: &str) -> kdrsim::models::explain::Explanation {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(file);
    explain(&kdrsim::load_file(&path).unwrap())
}

fn domain<'a>(
    e: &'a kdrsim::models::explain::Explanation,
    label: &str,
) -> &'a kdrsim::models::explain::DomainReport {
    e.domains
        .iter()
        .find(|d| d.label == label || d.aliases.iter().any(|a| a == label))
        .unwrap_or_else(|| panic!("no domain {label}"))
}

#[test]
fn s1_1_a_dc_holding_min_isr_replicas_can_lose_acknowledged_writes_and_says_why() {
    let e = explained("s1-1-2.5dc-sizing.ron");
    let dc1 = domain(&e, "dc dc1");
    assert_eq!((dc1.writes, dc1.loss), (Writes::Stop, Loss::Can));
    assert!(
        dc1.loss_why
            .contains("min.insync.replicas=3 but dc1 holds 3 replicas of orders-"),
        "{}",
        dc1.loss_why
    );
}

#[test]
fn three_dc_stretched_survives_any_one_dc_and_two_dc_stretched_loses_the_quorum_with_dc1() {
    let three = explained("3dc-stretched.ron");
    for dc in ["dc dc1", "dc dc2", "dc dc3"] {
        let d = domain(&three, dc);
        assert_eq!(d.loss, Loss::Cannot, "{dc}");
        assert!(d.quorum[0].3, "{dc}");
        // Kafka keeps writing through any one DC; the producer's own DC
        // is the client model's question (below).
        if d.producers_lost.is_empty() {
            assert_eq!(d.writes, Writes::StayAvailable, "{dc}: {}", d.writes_why);
        }
    }
    let two = explained("2dc-stretched.ron");
    let dc1 = domain(&two, "dc dc1");
    assert!(!dc1.quorum[0].3);
    assert_eq!((dc1.writes, dc1.loss), (Writes::Stop, Loss::Cannot));
    assert!(
        dc1.writes_why.contains("without a KRaft quorum"),
        "{}",
        dc1.writes_why
    );
}

/// Issue 23: `dc dc2` and `rack dc2-rack` of 2dc-stretched are the same
/// brokers (RF 4, two per DC, min ISR 3: two remain), so Kafka stops
/// writes with either; losing the DC also kills the producer. Losing
/// `region region-1`, which holds everything, stops them too.
#[test]
fn two_dc_stretched_stops_writes_with_dc2_with_its_rack_and_with_the_whole_region() {
    let two = explained("2dc-stretched.ron");
    for label in ["dc dc2", "rack dc2-rack", "region region-1"] {
        let d = domain(&two, label);
        assert_eq!(d.writes, Writes::Stop, "{label}: {}", d.writes_why);
    }
    let rack = domain(&two, "rack dc2-rack");
    assert!(
        rack.writes_why.contains("fewer than min.insync.replicas=3"),
        "{}",
        rack.writes_why
    );
    let region = domain(&two, "region region-1");
    assert!(!region.quorum[0].3);
    assert!(
        region
            .writes_why
            .contains("producer checkout dies with region-1"),
        "{}",
        region.writes_why
    );
}

#[test]
fn observers_promoted_under_min_isr_keep_writes_available_when_a_data_dc_goes() {
    let e = explained("2.5dc-observers.ron");
    let dc1 = domain(&e, "dc dc1");
    assert_eq!(dc1.writes, Writes::StayAvailable, "{}", dc1.writes_why);
    // The controller-only site holds no replica: nothing to lose there.
    assert_eq!(domain(&e, "dc dc3").loss, Loss::Cannot);
}

#[test]
fn acks_1_can_lose_with_any_broker_and_a_cluster_link_primary_loss_fails_over_unless_it_kills_the_producer(
) {
    let zombie = explained("zombie-leader-split.ron");
    let b1 = domain(&zombie, "broker 1");
    assert_eq!(b1.loss, Loss::Can);
    assert!(b1.loss_why.contains("acks=1"), "{}", b1.loss_why);
    let ap = explained("active-passive-cluster-link.ron");
    // The primary's rack: its brokers and controllers, not its clients.
    let rack = domain(&ap, "rack east-a");
    assert_eq!((rack.writes, rack.loss), (Writes::FailOver, Loss::Can));
    assert!(
        rack.loss_why.contains("not yet mirrored"),
        "{}",
        rack.loss_why
    );
    // The whole region also kills producer checkout, which has nowhere
    // else to run: no failover brings its writes back.
    let east = domain(&ap, "region us-east");
    assert_eq!(east.writes, Writes::Stop, "{}", east.writes_why);
    assert!(
        east.writes_why.contains("nowhere else to run"),
        "{}",
        east.writes_why
    );
    let mirror = domain(&ap, "mirror east-to-west");
    assert_eq!(
        (mirror.writes, mirror.loss),
        (Writes::StayAvailable, Loss::Cannot)
    );
}
