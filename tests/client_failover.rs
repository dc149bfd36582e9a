//! Active-active producers that fail over by themselves
//! (`producers[].failover`, `scenarios/active-active-client-failover.ron`):
//! us-east's brokers and controllers crash for an hour while its
//! application survives; its producer's health check notices after 30 s
//! and its DNS switch to us-west takes 60 s more.

mod common;

use common::Edit;

use common::{edit, model, outcomes, text};
use kdrsim::models::trace::TraceRecord;
use kdrsim::World;

const FILE: &str = "active-active-client-failover.ron";
const DETECTION_PLUS_TTL_MS: u64 = 90_000;
const CRASH_MS: u64 = 3_600_000;

/// The scenario without its producers' failover: they stall instead.
fn stalling() -> String {
    let t = text(FILE);
    let t = edit(
        &t,
        ",\n         failover: (to_cluster: \"us-west\", detection: Fixed(30_000), dns_ttl_ms: 60_000)",
        "",
    );
    edit(
        &t,
        ",\n         failover: (to_cluster: \"us-east\", detection: Fixed(30_000), dns_ttl_ms: 60_000)",
        "",
    )
}

/// Sent, acknowledged and failed records of trials `0..trials`.
fn ledger(text: &str, trials: u64) -> Vec<kdrsim::models::world::Conservation> {
    let mut w = World::new(model("ledger", text));
    (0..trials)
        .map(|t| {
            w.run_trial(1, t);
            w.conservation()
        })
        .collect()
}

#[test]
fn a_producer_that_fails_over_is_down_for_its_detection_and_dns_ttl_not_the_region_outage() {
    let with = outcomes(&model("with", &text(FILE)), 100);
    let without = outcomes(&model("without", &stalling()), 100);
    for (a, b) in with.iter().zip(&without) {
        assert!(
            a.max_write_outage_ms.abs_diff(DETECTION_PLUS_TTL_MS) <= 1_000,
            "failing over: {a:?}"
        );
        assert!(
            b.max_write_outage_ms >= CRASH_MS - 60_000,
            "stalling: {b:?}"
        );
        assert_eq!((a.acked_lost_records, b.acked_lost_records), (0, 0));
        // Its buffer waited 90 s, under the 120 s delivery timeout: re-sent.
        assert_eq!(a.failed_sends, 0, "{a:?}");
    }
}

#[test]
fn the_failed_over_producer_is_acknowledged_on_the_other_cluster_for_the_rest_of_the_outage() {
    let with = ledger(&text(FILE), 20);
    let without = ledger(&stalling(), 20);
    for (a, b) in with.iter().zip(&without) {
        // Failing over, every record sent during the hour is acknowledged
        // (on us-west, the producer does not come back)...
        let accounted = a.acknowledged + a.failed + a.in_flight + a.died_unacknowledged;
        assert!(a.sent.abs_diff(accounted) <= 4 * 48, "{a:?}");
        assert_eq!(a.failed, 0, "{a:?}");
        assert!(a.sent.abs_diff(a.acknowledged) <= 4 * 48, "{a:?}");
        // ...where a stalling producer's sends of the hour fail, all but
        // those of the last delivery timeout (120 s) before the recovery.
        let floor = 2_000 * (CRASH_MS - 120_000 - 60_000) / 1_000;
        assert!(b.failed >= floor, "stalling: {b:?}");
    }
}

#[test]
fn sends_older_than_the_delivery_timeout_at_the_switch_fail_and_the_rest_are_sent_again() {
    let t = text(FILE).edit("acks: All,", "acks: All, delivery_timeout_ms: 60_000,");
    let runs = ledger(&t, 20);
    let out = outcomes(&model("short-timeout", &t), 20);
    for (c, o) in runs.iter().zip(&out) {
        // Sent in the first 30 s of the 90 s wait: 2,000/s × 30 s.
        let expected = 2_000 * (DETECTION_PLUS_TTL_MS - 60_000) / 1_000;
        assert!(
            o.failed_sends.abs_diff(expected) <= expected / 100,
            "{o:?} (expected about {expected})"
        );
        assert_eq!(o.acked_lost_records, 0);
        let accounted = c.acknowledged + c.failed + c.in_flight + c.died_unacknowledged;
        assert!(c.sent.abs_diff(accounted) <= 4 * 48, "{c:?}");
    }
}

#[test]
fn a_producer_whose_cluster_comes_back_before_its_detection_stays_home() {
    let t = edit(
        &text(FILE),
        "recover_after: Fixed(3_600_000)",
        "recover_after: Fixed(10_000)",
    );
    let m = model("short", &t);
    for trial in 0..10 {
        let (o, trace) = kdrsim::replay(&m, 1, trial);
        assert!(
            !trace
                .iter()
                .any(|e| matches!(e.record, TraceRecord::ClientFailedOver { .. })),
            "trial {trial} failed over"
        );
        assert!(o.max_write_outage_ms < 30_000, "{o:?}");
    }
    // And with the hour-long crash the trace says who went where.
    let (_, trace) = kdrsim::replay(&model("long", &text(FILE)), 1, 0);
    let moved: Vec<_> = trace
        .iter()
        .filter_map(|e| match e.record {
            TraceRecord::ClientFailedOver { producer, .. } => Some(producer),
            _ => None,
        })
        .collect();
    assert_eq!(moved, vec![0], "only checkout-east fails over");
}

/// One client rule: a crash and a power loss of the region cost the
/// surviving producer the same write outage (what a power loss adds is
/// loss of unflushed records, not time).
#[test]
fn a_region_crash_and_power_loss_cost_a_failing_over_producer_the_same_outage() {
    let crash = outcomes(&model("crash", &text(FILE)), 50);
    let power = outcomes(
        &model(
            "power",
            &edit(
                &text(FILE),
                "Crash(Region(\"us-east\"))",
                "PowerLoss(Region(\"us-east\"))",
            ),
        ),
        50,
    );
    for (c, p) in crash.iter().zip(&power) {
        assert_eq!(
            c.max_write_outage_ms, p.max_write_outage_ms,
            "{c:?} vs {p:?}"
        );
        assert_eq!(c.write_unavailable_ms, p.write_unavailable_ms);
        assert_eq!(c.acked_lost_records, 0);
    }
}
