//! The per-trial traffic breakdown (`World::traffic`): bytes by purpose and
//! boundary, read beside the outcome whose `cross_dc_bytes` it must explain.

mod common;

use kdrsim::models::traffic::{Boundary, Purpose, Traffic};
use kdrsim::World;

fn traffic_of(
    model: &std::sync::Arc<kdrsim::Model>,
    trial: u64,
) -> (kdrsim::TrialOutcome, Traffic) {
    let mut world = World::new(model.clone());
    let outcome = world.run_trial(1, trial);
    (outcome, world.traffic())
}

#[test]
fn every_library_scenario_splits_exactly_its_cross_dc_bytes_into_buckets() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|f| f.ends_with(".ron"))
        .collect();
    files.sort();
    for file in files {
        let model = common::model(&file, &common::text(&file));
        for trial in 0..3 {
            let (outcome, traffic) = traffic_of(&model, trial);
            assert_eq!(
                traffic.cross_dc_total(),
                outcome.cross_dc_bytes,
                "{file} trial {trial}: {traffic:?}"
            );
        }
    }
}

#[test]
fn a_quiet_stretched_cluster_moves_each_record_once_per_hop() {
    // No faults: the producer in dc2 writes to leaders in every DC, two
    // followers fetch each record, the consumer in dc3 reads it once.
    let text = common::text("3dc-stretched.ron");
    let start = text.find("    faults: [").unwrap();
    let end = start + text[start..].find("    ],").unwrap() + "    ],".len();
    let quiet = format!("{}    faults: [],{}", &text[..start], &text[end..]);
    let model = common::model("quiet", &quiet);
    let (outcome, t) = traffic_of(&model, 0);
    let produced: u64 = Boundary::ALL
        .iter()
        .map(|b| t.bytes(Purpose::Produce, *b))
        .sum();
    let replicated: u64 = Boundary::ALL
        .iter()
        .map(|b| t.bytes(Purpose::Replication, *b))
        .sum();
    let consumed: u64 = Boundary::ALL
        .iter()
        .map(|b| t.bytes(Purpose::Consume, *b))
        .sum();
    assert!(produced > 0);
    // Followers lag the leader by half a round trip at the end of the trial.
    let lag = produced / 1000;
    assert!(replicated.abs_diff(2 * produced) <= lag, "{t:?}");
    assert!(consumed.abs_diff(produced) <= lag, "{t:?}");
    assert_eq!(t.across(Boundary::CrossRegion), 0);
    assert_eq!(t.bytes(Purpose::CatchUp, Boundary::CrossDc), 0);
    // A third of the leaders sit in the producer's DC, a third in the
    // consumer's.
    assert!(t.bytes(Purpose::Produce, Boundary::SameDc) > 0);
    assert!(t.bytes(Purpose::Consume, Boundary::SameDc) > 0);
    assert_eq!(t.cross_dc_total(), outcome.cross_dc_bytes);
}

#[test]
fn a_returning_dc_catches_up_in_a_burst() {
    let model = common::model("3dc", &common::text("3dc-stretched.ron"));
    let (_, t) = traffic_of(&model, 0);
    assert!(t.bytes(Purpose::CatchUp, Boundary::CrossDc) > 0, "{t:?}");
    assert_eq!(t.faults_begun, 1);
}

#[test]
fn follower_fetching_keeps_a_consumer_in_its_own_dc() {
    let text = common::text("3dc-stretched.ron");
    let plain = common::model("plain", &text);
    let racked = common::edit(
        &common::edit(
            &text,
            "auto_offset_reset: Latest)",
            "auto_offset_reset: Latest, client_rack: \"dc3-rack\")",
        ),
        "flush_ms: None,",
        "flush_ms: None, replica_selector_class: RackAware,",
    );
    let racked = common::model("racked", &racked);
    let (_, before) = traffic_of(&plain, 0);
    let (_, after) = traffic_of(&racked, 0);
    assert!(before.bytes(Purpose::Consume, Boundary::CrossDc) > 0);
    assert!(
        after.bytes(Purpose::Consume, Boundary::CrossDc)
            < before.bytes(Purpose::Consume, Boundary::CrossDc) / 10,
        "{before:?} {after:?}"
    );
}

#[test]
fn a_replicator_to_another_region_moves_mirror_bytes_across_regions() {
    let model = common::model("msk", &common::text("msk-3az-replicator.ron"));
    let (_, t) = traffic_of(&model, 0);
    let produced: u64 = Boundary::ALL
        .iter()
        .map(|b| t.bytes(Purpose::Produce, *b))
        .sum();
    let mirrored = t.bytes(Purpose::Mirror, Boundary::CrossRegion);
    // Every record once, give or take what at-least-once copies twice
    // around a leader change.
    assert!(mirrored.abs_diff(produced) <= produced / 100, "{t:?}");
}
