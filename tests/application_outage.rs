//! The application's outage: a producer or consumer group that runs nowhere
//! is down, whatever Kafka does; where it runs again is its deployment.

mod common;

use common::Edit;

use common::{edit, model, outcomes};

const HOUR_MS: u64 = 3_600_000;

/// One region of three AZs, one broker and one controller each; the
/// producer and the group run in az1. `FAULT` is replaced per test.
const BASE: &str = r#"(
    version: 1,
    name: "single-region",
    description: "one region, three AZs",
    duration_ms: 7_200_000,
    topology: (
        regions: [
            (name: "r1", data_centers: [
                (name: "az1", racks: [(name: "az1", brokers: [1], controllers: [101])]),
                (name: "az2", racks: [(name: "az2", brokers: [2], controllers: [102])]),
                (name: "az3", racks: [(name: "az3", brokers: [3], controllers: [103])]),
            ]),
        ],
    ),
    topics: [(name: "events", partitions: 6, replication_factor: 3, min_insync_replicas: 2)],
    producers: [(name: "ingest", topic: "events", dc: "az1", records_per_sec: 1000.0, acks: All)],
    consumers: [(group: "indexer", topic: "events", dc: "az1")],
    faults: [
        (at: Uniform(600_000, 1_800_000), fault: FAULT, recover_after: Fixed(3_600_000)),
    ],
)"#;

fn scenario(fault: &str) -> String {
    edit(BASE, "FAULT", fault)
}

#[test]
fn region_power_loss_takes_the_application_down_for_the_hour() {
    let m = model("region-power", &scenario("PowerLoss(Region(\"r1\"))"));
    for (trial, o) in outcomes(&m, 20).iter().enumerate() {
        // Within 1 % of the hour: the producer runs nowhere while every AZ
        // of its region is down (and Kafka then needs a few seconds).
        assert!(
            o.max_write_outage_ms.abs_diff(HOUR_MS) <= HOUR_MS / 100,
            "trial {trial}: write outage {} ms",
            o.max_write_outage_ms
        );
        assert!(o.max_read_outage_ms.abs_diff(HOUR_MS) <= HOUR_MS / 100);
        assert!(o.write_unavailable_ms >= o.producer_down_ms);
        assert_eq!(o.producer_down_ms, HOUR_MS, "trial {trial}");
    }
}

#[test]
fn zone_loss_costs_a_spread_client_its_move_delay_not_the_zone_outage() {
    let fault = "PowerLoss(Dc(\"az1\"))";
    let spread = |move_ms: u64| {
        let t = scenario(fault).edit(
            "acks: All)",
            &format!("acks: All, deployment: SpreadOverRegion(move_after: Fixed({move_ms})))"),
        );
        let t = edit(
            &t,
            "dc: \"az1\")]",
            &format!("dc: \"az1\", deployment: SpreadOverRegion(move_after: Fixed({move_ms})))]"),
        );
        outcomes(&model("spread", &t), 20)
    };
    // The default is 30 s; the declared delay is what the outage follows
    // once it is longer than Kafka's own recovery (request.timeout.ms, 30 s,
    // for a powered-off leader).
    let default = outcomes(&model("default", &scenario(fault)), 20);
    for (moved, o) in [
        (30_000, &default),
        (30_000, &spread(30_000)),
        (90_000, &spread(90_000)),
    ] {
        for (trial, o) in o.iter().enumerate() {
            assert!(
                (moved..moved + 10_000).contains(&o.max_write_outage_ms),
                "move {moved} trial {trial}: write outage {}",
                o.max_write_outage_ms
            );
            assert!((moved..moved + 10_000).contains(&o.max_read_outage_ms));
            assert_eq!(o.producer_down_ms, moved);
        }
    }
}

#[test]
fn pinned_client_waits_for_its_zone_and_a_restarted_one_for_its_restart() {
    let fault = "PowerLoss(Dc(\"az1\"))";
    let with = |deployment: &str| {
        let t = edit(
            &scenario(fault),
            "acks: All)",
            &format!("acks: All, deployment: {deployment})"),
        );
        outcomes(&model("deployed", &t), 10)
    };
    for o in with("Pinned") {
        assert!(
            o.max_write_outage_ms >= HOUR_MS,
            "{}",
            o.max_write_outage_ms
        );
    }
    for o in with("RestartIn(dc: \"az3\", after: Fixed(300_000))") {
        assert!(
            (300_000..310_000).contains(&o.max_write_outage_ms),
            "{}",
            o.max_write_outage_ms
        );
    }
}

#[test]
fn restart_in_its_own_dc_is_refused_naming_the_field() {
    let t = edit(
        &scenario("PowerLoss(Dc(\"az1\"))"),
        "acks: All)",
        "acks: All, deployment: RestartIn(dc: \"az1\", after: Fixed(1000)))",
    );
    let err = kdrsim::load_source(&kdrsim::Source {
        file: "own-dc.ron".into(),
        text: t,
    })
    .expect_err("restarting in its own DC is Pinned");
    let msg = err.to_string();
    assert!(msg.contains("producers[0].deployment.dc"), "{msg}");
}

#[test]
fn surviving_clients_are_not_moved() {
    // `clients: Survive`: the application outlives the AZ; only Kafka's own
    // recovery (the powered-off leader's request timeout) is left.
    let t = edit(
        &scenario("PowerLoss(Dc(\"az1\"))"),
        "recover_after: Fixed(3_600_000))",
        "recover_after: Fixed(3_600_000), clients: Survive)",
    );
    for o in outcomes(&model("survive", &t), 10) {
        assert_eq!(o.producer_down_ms, 0);
        assert!(o.max_write_outage_ms < 60_000, "{}", o.max_write_outage_ms);
    }
}
