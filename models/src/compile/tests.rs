//! Unit tests of compilation; the bad-scenario corpus (`tests/bad_scenarios.rs`)
//! pins every error message.

use crate::error::ScenarioError;
use crate::load::{parse, Source};

const BASE: &str = r#"(
    version: 1, name: "t", duration_ms: 60000,
    topology: (regions: [(name: "r", data_centers: [
        (name: "dc1", racks: [(name: "dc1", brokers: [1, 2], controllers: [9])]),
    ])]),
    topics: [(name: "t", partitions: 2, replication_factor: 2)],
    producers: [(name: "p", topic: "t", dc: "dc1", records_per_sec: 10.0)],
    faults: [(at: Fixed(1000), fault: Crash(Broker(1)))],
)"#;

fn compile_text(text: &str) -> Result<crate::Model, ScenarioError> {
    let src = Source {
        file: "t.ron".into(),
        text: text.into(),
    };
    super::compile(&parse(&src)?, &src)
}

fn invalid(text: &str) -> String {
    match compile_text(text) {
        Err(e @ ScenarioError::Invalid { .. }) => e.to_string(),
        other => panic!("expected a semantic error, got {other:?}"),
    }
}

#[test]
fn the_base_scenario_compiles() {
    let m = compile_text(BASE).unwrap();
    assert_eq!(m.partitions.len(), 2);
    assert_eq!(m.faults[0].brokers.len(), 1);
}

#[test]
fn fault_on_an_unknown_broker_lists_the_valid_ones_at_its_line() {
    let e = invalid(&BASE.replace("Crash(Broker(1))", "Crash(Broker(7))"));
    assert!(e.contains("t.ron:8:"), "{e}");
    assert!(
        e.contains("faults[0].fault") && e.contains("unknown broker 7; valid: 1, 2"),
        "{e}"
    );
}

#[test]
fn a_node_id_used_twice_is_refused() {
    let e = invalid(&BASE.replace("controllers: [9]", "controllers: [2]"));
    assert!(e.contains("node id 2 is already used"), "{e}");
}

#[test]
fn idempotence_with_acks_one_is_refused_as_kafka_does() {
    let e = invalid(&BASE.replace("records_per_sec: 10.0", "records_per_sec: 10.0, acks: One"));
    assert!(e.contains("idempotence requires acks: All"), "{e}");
}

#[test]
fn a_dc_fault_takes_its_brokers_controllers_and_clients() {
    let m = compile_text(&BASE.replace("Crash(Broker(1))", "PowerLoss(Dc(\"dc1\"))")).unwrap();
    let f = &m.faults[0];
    assert_eq!(
        (f.brokers.len(), f.controllers.len(), f.dcs.len()),
        (2, 1, 1)
    );
}

#[test]
fn a_controlled_shutdown_of_a_dc_stops_its_brokers_only() {
    let m =
        compile_text(&BASE.replace("Crash(Broker(1))", "ControlledShutdown(Dc(\"dc1\"))")).unwrap();
    let f = &m.faults[0];
    assert_eq!(
        (f.brokers.len(), f.controllers.len(), f.dcs.len()),
        (2, 0, 0)
    );
    assert_eq!(f.label, "controlled shutdown dc dc1");
}

#[test]
fn a_controlled_shutdown_of_a_controller_is_refused_with_the_valid_targets() {
    let e = invalid(&BASE.replace("Crash(Broker(1))", "ControlledShutdown(Controller(9))"));
    assert!(e.contains("t.ron:8:"), "{e}");
    assert!(
        e.contains("faults[0].fault") && e.contains("valid: Broker(id), Rack(name)"),
        "{e}"
    );
}

fn all_errors(text: &str) -> Vec<String> {
    let src = Source {
        file: "t.ron".into(),
        text: text.into(),
    };
    match super::compile_all(&parse(&src).unwrap(), &src) {
        Ok(_) => panic!("accepted"),
        Err(p) => p.errors.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn every_rule_broken_is_reported_in_file_order() {
    let text = BASE
        .replace("duration_ms: 60000", "duration_ms: 0")
        .replace(
            "replication_factor: 2",
            "replication_factor: 2, min_insync_replicas: 3",
        )
        .replace("dc: \"dc1\"", "dc: \"dc2\"")
        .replace("Crash(Broker(1))", "Crash(Broker(7))");
    let errors = all_errors(&text);
    assert_eq!(errors.len(), 4, "{errors:#?}");
    for (e, what) in errors.iter().zip([
        "duration_ms",
        "topics[0].min_insync_replicas",
        "producers[0].dc",
        "faults[0].fault",
    ]) {
        assert!(e.contains(&format!("field `{what}`")), "{errors:#?}");
    }
}

#[test]
fn a_node_left_out_for_its_duplicate_id_adds_no_error_of_its_own() {
    // The only controller reuses a broker's id: the topology then has no
    // controllers, which follows from that error.
    let errors = all_errors(&BASE.replace("controllers: [9]", "controllers: [2]"));
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].contains("node id 2 is already used"),
        "{errors:#?}"
    );
}
