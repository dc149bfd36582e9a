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

fn scenario_files() -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
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
            let producing =
                !model.producers.is_empty() && (model.dr.is_some() || d.producers_lost.is_empty());
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
