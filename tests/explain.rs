//! `kdrsim explain` against the simulation: for every scenario in
//! `scenarios/` and every single failure domain explain lists, a variant of
//! the scenario whose only fault is that domain's loss (a power loss, so
//! unflushed page-cache data goes too — the harsher of the two for data;
//! a stopped mirror for mirror domains) at a fixed time, without recovery,
//! is simulated and must agree with the static verdict:
//!
//! - "writes stay available" → every trial's longest write outage is
//!   under 60 s;
//! - "writes stop" → the outage lasts to the end of the trial;
//! - "writes fail over" → the outage ends before the trial does;
//! - "acknowledged writes cannot be lost" → no trial loses any.
//!
//! "Can be lost" needs an earlier ISR shrink, which a single loss from a
//! healthy state does not bring, so it is not checked against loss (only
//! the guarantee direction must hold). In one cluster, write checks are
//! skipped when the producer's own DC is lost: a dead producer asks for
//! nothing, so the simulation counts no outage. (Across clusters the
//! application is restarted against the DR cluster, so they are checked.)
//!
//! A canary (`the_agreement_check_catches_a_wrong_verdict`) feeds the
//! checker a verdict known to be wrong, so a checker that cannot fail is
//! noticed.

use kdrsim::models::explain::{explain, Loss, Writes};
use kdrsim::models::load::parse;
use kdrsim::models::scenario::{Fault, TimeDist};
use kdrsim::{load_source, run_batch, Source, TrialRange};
use std::path::Path;

const TRIALS: u64 = 20;
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

/// What the simulated `outcomes` of one domain's loss say against explain's
/// verdict, if they disagree.
fn disagreement(
    writes: Writes,
    loss: Loss,
    producing: bool,
    to_end_ms: u64,
    outcomes: &[kdrsim::TrialOutcome],
) -> Option<String> {
    let outage_max = outcomes.iter().map(|o| o.max_write_outage_ms).max()?;
    let outage_min = outcomes.iter().map(|o| o.max_write_outage_ms).min()?;
    let lost = outcomes.iter().map(|o| o.acked_lost_records).max()?;
    if producing {
        match writes {
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
    if loss == Loss::Cannot && lost > 0 {
        return Some(format!(
            "explain says acknowledged writes cannot be lost but a trial lost {lost}"
        ));
    }
    None
}

#[test]
fn the_agreement_check_catches_a_wrong_verdict() {
    let outcome = |outage, lost| kdrsim::TrialOutcome {
        max_write_outage_ms: outage,
        acked_lost_records: lost,
        ..Default::default()
    };
    let quorum_lost_to_the_end = [outcome(1_000_000, 0)];
    assert!(disagreement(
        Writes::StayAvailable,
        Loss::Cannot,
        true,
        1_000_000,
        &quorum_lost_to_the_end
    )
    .is_some());
    let short_blip = [outcome(9_000, 0)];
    assert!(disagreement(Writes::Stop, Loss::Cannot, true, 1_000_000, &short_blip).is_some());
    let lost_some = [outcome(9_000, 7)];
    assert!(disagreement(
        Writes::StayAvailable,
        Loss::Cannot,
        true,
        1_000_000,
        &lost_some
    )
    .is_some());
    assert!(disagreement(
        Writes::StayAvailable,
        Loss::Can,
        true,
        1_000_000,
        &lost_some
    )
    .is_none());
}

#[test]
fn explain_and_the_simulation_agree_on_every_single_domain_loss_of_every_scenario() {
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
        for d in &report.domains {
            let mut variant = scenario.clone();
            variant.faults = vec![Fault {
                at: TimeDist::Fixed(at_ms),
                fault: d.fault.clone(),
                recover_after: None,
                clients: Default::default(),
            }];
            let text = ron::ser::to_string(&variant).unwrap();
            let name = format!("{} / {}", model.name, d.label);
            let m = load_source(&Source {
                file: name.clone(),
                text,
            })
            .unwrap_or_else(|e| panic!("{name}: {e}"));
            let outcomes: Vec<_> = run_batch(&m, 11, TrialRange::first(TRIALS), 0, |_| {})
                .unwrap()
                .into_iter()
                .map(|(_, o)| o)
                .collect();
            checked += 1;
            if std::env::var_os("KDRSIM_EXPLAIN_VERBOSE").is_some() {
                eprintln!(
                    "{name}: {:?}/{:?}: outage {}..{} ms of {to_end_ms}, lost {}",
                    d.writes,
                    d.loss,
                    outcomes
                        .iter()
                        .map(|o| o.max_write_outage_ms)
                        .min()
                        .unwrap(),
                    outcomes
                        .iter()
                        .map(|o| o.max_write_outage_ms)
                        .max()
                        .unwrap(),
                    outcomes.iter().map(|o| o.acked_lost_records).max().unwrap()
                );
            }
            // One client rule for every topology: a producer that dies with
            // the domain (the default `clients: Die`) asks for nothing, so no
            // outage is counted for it (it is `producer_down_ms`).
            let producing = !model.producers.is_empty() && d.producers_lost.is_empty();
            if let Some(what) = disagreement(d.writes, d.loss, producing, to_end_ms, &outcomes) {
                disagreements.push(format!(
                    "{name}: {what} (explain: writes: {}; data: {})",
                    d.writes_why, d.loss_why
                ));
            }
        }
    }
    assert!(checked >= 50, "only {checked} domains checked");
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
        assert_eq!(
            (d.writes, d.loss),
            (Writes::StayAvailable, Loss::Cannot),
            "{dc}"
        );
        assert!(d.quorum[0].3, "{dc}");
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

#[test]
fn observers_promoted_under_min_isr_keep_writes_available_when_a_data_dc_goes() {
    let e = explained("2.5dc-observers.ron");
    let dc1 = domain(&e, "dc dc1");
    assert_eq!(dc1.writes, Writes::StayAvailable, "{}", dc1.writes_why);
    // The controller-only site holds no replica: nothing to lose there.
    assert_eq!(domain(&e, "dc dc3").loss, Loss::Cannot);
}

#[test]
fn acks_1_can_lose_with_any_broker_and_a_cluster_link_region_loss_fails_over() {
    let zombie = explained("zombie-leader-split.ron");
    let b1 = domain(&zombie, "broker 1");
    assert_eq!(b1.loss, Loss::Can);
    assert!(b1.loss_why.contains("acks=1"), "{}", b1.loss_why);
    let ap = explained("active-passive-cluster-link.ron");
    let east = domain(&ap, "region us-east");
    assert_eq!((east.writes, east.loss), (Writes::FailOver, Loss::Can));
    assert!(
        east.loss_why.contains("not yet mirrored"),
        "{}",
        east.loss_why
    );
    let mirror = domain(&ap, "mirror east-to-west");
    assert_eq!(
        (mirror.writes, mirror.loss),
        (Writes::StayAvailable, Loss::Cannot)
    );
}
