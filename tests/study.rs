//! Studies: a cell is the scenario it says it is (one world), verdicts
//! follow the measured figures, and results do not depend on threads.

use kdrsim::study::{self, ResolvedCell};
use kdrsim::Source;
use std::path::Path;

fn source(text: &str) -> Source {
    Source {
        file: Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/study/small.ron")
            .display()
            .to_string(),
        text: text.to_string(),
    }
}

fn small() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/study/small.ron"))
        .unwrap()
}

fn run(text: &str, jobs: usize) -> study::StudyRun {
    let r =
        study::resolve(&source(text), false, Path::new("out")).unwrap_or_else(|e| panic!("{e}"));
    study::run(&r, 1, 40, jobs, &|_| {}).unwrap()
}

#[test]
fn a_study_cell_gives_what_kdrsim_run_gives_on_its_written_scenario() {
    let r = study::resolve(&source(&small()), false, Path::new("out")).unwrap();
    let ran = study::run(&r, 1, 40, 0, &|_| {}).unwrap();
    let ResolvedCell::Runs { text, model, .. } = &r.topologies[1].cells[0] else {
        panic!("the broker cell runs");
    };
    // Read back from its text as any scenario file is: the same trials.
    let again = kdrsim::load_source(&Source {
        file: "again.ron".into(),
        text: text.clone(),
    })
    .unwrap();
    let direct = kdrsim::run_batch(&again, 1, kdrsim::TrialRange::first(40), 0, |_| {}).unwrap();
    assert_eq!(ran.trials[1][0].as_ref().unwrap(), &direct);
    assert_eq!(model.name, "active-passive-cluster-link--broker");
    // ... and the study's table shows that cell's own figures.
    let max_rto = direct
        .iter()
        .map(|(_, o)| o.max_write_outage_ms)
        .max()
        .unwrap();
    assert_eq!(ran.report.topologies[1].cells[0].rto_ms.max, max_rto);
}

#[test]
fn verdict_flips_when_the_rto_objective_is_tightened_past_the_measured_recovery() {
    let loose = run(&small(), 0);
    let t = &loose.report.topologies[0];
    let rto = t.cells[0].rto_ms;
    // A broker's loss costs seconds of writes (the session timeout).
    assert!(rto.p50 > 5_000 && rto.max < 15_000, "{rto:?}");
    assert!(t.verdicts[0].status.holds(), "{:?}", t.verdicts[0]);
    // Tighten the RTO below the measured p50: most broker incidents breach.
    let tight = small().replace("rto_ms: 15_000", &format!("rto_ms: {}", rto.p50 - 1));
    let tight = run(&tight, 0);
    let v = &tight.report.topologies[0].verdicts[0];
    assert!(!v.status.holds(), "{v:?}");
    assert_eq!(v.driven_by.as_deref(), Some("broker"));
    assert!(v.p_breach_per_year > 0.8, "{v:?}");
}

#[test]
fn a_fault_with_nothing_to_hit_is_not_applicable_and_says_why() {
    let r = run(&small(), 0);
    let cell = &r.report.topologies[0].cells[1];
    assert!(!cell.applicable);
    assert!(cell.placed.contains("no replicator"), "{}", cell.placed);
    assert!(r.report.topologies[1].cells[1].applicable);
    // Stopping the only mirror costs the active-passive primary nothing.
    assert_eq!(r.report.topologies[1].cells[1].rto_ms.max, 0);
}

#[test]
fn study_results_do_not_depend_on_the_thread_count() {
    let one = kdrsim::output::study::render::study_json(&run(&small(), 1).report);
    let two = kdrsim::output::study::render::study_json(&run(&small(), 2).report);
    assert_eq!(one, two);
}

#[test]
fn a_fault_outlasting_the_trial_is_refused_at_its_field() {
    let long = small().replace("lasts: Fixed(300_000)", "lasts: Fixed(3_500_000)");
    let e = study::resolve(&source(&long), false, Path::new("out"))
        .err()
        .expect("refused")
        .to_string();
    assert!(
        e.contains("small.ron:") && e.contains("broker") && e.contains("duration_ms"),
        "{e}"
    );
}

#[test]
fn every_builtin_study_cell_loads() {
    let text = kdrsim::builtin_text("scenarios/study/default.ron").unwrap();
    let src = Source {
        file: "scenarios/study/default.ron".into(),
        text: text.into(),
    };
    let r =
        study::resolve(&src, true, Path::new("kdrsim-report")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.topologies.len(), 7);
    assert!(r.topologies.iter().all(|t| t.cells.len() == 6));
}
