//! 2.5-DC clusters: Confluent observers, replica placement constraints and
//! automatic observer promotion (docs/model.md, Confluent observers),
//! and the four sizing cases S1.1-S1.4 of docs/behaviours.md. Variants edit a
//! scenario's text, never the model.

mod common;
use common::*;

use kdrsim::models::trace::TraceRecord;
use kdrsim::{load_source, replay, Source, TraceEntry, TrialOutcome};

fn load_err(text: &str) -> String {
    load_source(&Source {
        file: "bad.ron".into(),
        text: text.to_string(),
    })
    .map(|_| ())
    .expect_err("the scenario should be refused")
    .to_string()
}

fn median(mut v: Vec<u64>) -> u64 {
    v.sort_unstable();
    v[v.len() / 2]
}

fn lost_somewhere(out: &[TrialOutcome]) -> usize {
    out.iter().filter(|o| o.acked_lost_records > 0).count()
}

// ------------------------------------------------------------ S1.1-S1.4

/// The shipped S1 scenarios share their fault list (a dc2 broker restart
/// and the loss of dc1); this variant replaces the broker restart by a WAN
/// outage between the two data DCs (dc3 still reaches both).
fn with_wan_outage(t: &str) -> String {
    let v = t.edit(
        "fault: Crash(Broker(4))",
        "fault: Partition([\"dc1\"], [\"dc2\"])",
    );
    assert_ne!(v, t, "the S1 fault list changed; update this variant");
    v
}

#[test]
fn s1_1_rf4_min_isr_3_can_lose_acknowledged_writes_with_the_dc() {
    let out = outcomes(&model("s1-1", &text("s1-1-2.5dc-sizing.ron")), 400);
    // Partitions laid out 3+1 lose their only dc2 replica when broker 4
    // restarts; their ISR is then dc1's three replicas (= min.isr), which
    // acknowledge alone. If dc1 goes before broker 4 is back, the partition
    // waits for a dc1 replica that lost its page cache.
    let lost = lost_somewhere(&out);
    assert!(
        lost >= 20,
        "only {lost} of 400 trials lost acknowledged records"
    );
    assert!(
        lost < 400,
        "a DC loss alone must not lose data: {lost} of 400"
    );
}

#[test]
fn s1_2_rf6_min_isr_4_never_loses_but_writes_stop_for_the_rest_of_the_outage() {
    let out = outcomes(&model("s1-2", &text("s1-2-2.5dc-sizing.ron")), 300);
    assert_eq!(lost_somewhere(&out), 0);
    // The DC is down for 30 minutes; writes stop when it goes (the ISR
    // still waits for dc1's replicas) and resume only once they are back
    // and caught up.
    for o in &out {
        assert!(o.max_write_outage_ms >= 1_790_000, "{o:?}");
    }
    let m = median(out.iter().map(|o| o.max_write_outage_ms).collect());
    assert!(m <= 1_860_000, "median write outage {m} ms");
}

#[test]
fn s1_3_rf6_min_isr_3_survives_one_dc_but_loses_when_the_isr_shrank_to_one_dc_first() {
    // With the shipped faults no ISR ever shrinks into one DC: acks=all
    // waits for the whole ISR, and a single dc2 broker leaves two others.
    let shipped = outcomes(&model("s1-3", &text("s1-3-2.5dc-sizing.ron")), 300);
    assert_eq!(lost_somewhere(&shipped), 0);
    // Writes continue through a plain DC loss (3 dc2 replicas = min.isr).
    let m = median(shipped.iter().map(|o| o.max_write_outage_ms).collect());
    assert!(m < 60_000, "median write outage {m} ms");
    // After a WAN outage the ISR is one DC's three replicas, which is
    // min.isr: acknowledgements come from one DC and die with it.
    let wan = outcomes(
        &model("s1-3-wan", &with_wan_outage(&text("s1-3-2.5dc-sizing.ron"))),
        600,
    );
    assert!(lost_somewhere(&wan) > 0, "no loss in 600 trials");
}

#[test]
fn s1_4_observer_promotion_keeps_writes_going_without_loss() {
    let out = outcomes(&model("s1-4", &text("s1-4-2.5dc-sizing.ron")), 300);
    assert_eq!(lost_somewhere(&out), 0);
    let m = median(out.iter().map(|o| o.max_write_outage_ms).collect());
    // Detection (session timeout, and a controller election when the
    // active controller was in dc1) plus the promotion's AlterPartition,
    // bounded below by the producer's request.timeout.ms (30 s) for the
    // leaders that lost power with dc1.
    assert!(m < 60_000, "median write outage {m} ms");
    // Against S1.2 on the same faults (common random numbers): the same
    // durability, a far shorter outage in every trial.
    let s12 = outcomes(&model("s1-2", &text("s1-2-2.5dc-sizing.ron")), 300);
    for (a, b) in out.iter().zip(&s12) {
        assert!(
            a.max_write_outage_ms <= b.max_write_outage_ms,
            "{a:?} vs {b:?}"
        );
    }
}

#[test]
fn s1_4_a_wan_outage_before_the_dc_loss_defeats_observer_promotion() {
    // Confluent's own caveat: a partition between the brokers (not the
    // controllers) needs manual action even with automatic promotion. The
    // ISR falls to one DC's two replicas, that DC's observer is promoted,
    // and the acknowledging ISR is one DC again.
    let wan = outcomes(
        &model("s1-4-wan", &with_wan_outage(&text("s1-4-2.5dc-sizing.ron"))),
        600,
    );
    assert!(lost_somewhere(&wan) > 0, "no loss in 600 trials");
}

#[test]
fn two_and_a_half_dc_scenario_promotes_the_surviving_observer_and_loses_nothing() {
    let m = model("2.5dc", &text("2.5dc-observers.ron"));
    let out = outcomes(&m, 200);
    assert_eq!(lost_somewhere(&out), 0);
    // The promotion ends the ISR's wait after ~12.6 s; the producer learns
    // the new leaders of partitions whose leader lost power only after its
    // request.timeout.ms (30 s).
    assert!(out.iter().all(|o| o.max_write_outage_ms <= 31_300));
    let (_, trace) = replay(&m, 1, 0);
    assert!(promotions(&trace) > 0);
    assert!(
        demotions(&trace) > 0,
        "observers stay promoted after dc1 returned"
    );
}

// ------------------------------------------------------- promotion policies

fn promotions(trace: &[TraceEntry]) -> usize {
    trace
        .iter()
        .filter(|e| {
            matches!(
                e.record,
                TraceRecord::ObserversChanging { promote: true, .. }
            )
        })
        .count()
}

fn demotions(trace: &[TraceEntry]) -> usize {
    trace
        .iter()
        .filter(|e| {
            matches!(
                e.record,
                TraceRecord::ObserversChanging { promote: false, .. }
            )
        })
        .count()
}

/// The last ISR of partition 0, as a bit set over replica slots.
fn final_isr(trace: &[TraceEntry]) -> u8 {
    trace
        .iter()
        .filter_map(|e| match e.record {
            TraceRecord::IsrChanged {
                partition: 0, isr, ..
            } => Some(isr),
            _ => None,
        })
        .next_back()
        .unwrap_or(0b11)
}

/// Confluent's tutorial layout: two sync replicas in `west`, two observers
/// in `east`, controllers in `central`, min.isr=2. Broker 2 (west, not the
/// leader) crashes at 60 s and restarts at 180 s.
fn tutorial(placement: &str, min_isr: u32) -> String {
    format!(
        r#"(
    version: 1, name: "tutorial", duration_ms: 600_000,
    topology: (regions: [(name: "r", data_centers: [
        (name: "west", racks: [(name: "west", brokers: [1, 2])]),
        (name: "east", racks: [(name: "east", brokers: [3, 4])]),
        (name: "central", racks: [(name: "central", controllers: [101, 102, 103])]),
    ])]),
    topics: [(name: "t", partitions: 1, replication_factor: 2, min_insync_replicas: {min_isr},
              placement: {placement})],
    producers: [(name: "p", topic: "t", dc: "central", records_per_sec: 1000.0)],
    faults: [(at: Fixed(60_000), fault: Crash(Broker(2)), recover_after: Fixed(120_000))],
)"#
    )
}

fn constraints(version: u32, policy: &str) -> String {
    format!(
        r#"Constraints((version: {version},
            replicas: [(count: 2, constraints: (rack: "west"))],
            observers: [(count: 2, constraints: (rack: "east"))]{policy}))"#
    )
}

#[test]
fn under_min_isr_promotes_an_observer_when_a_follower_dies_and_demotes_it_after_catch_up() {
    let m = model(
        "under-min-isr",
        &tutorial(
            &constraints(2, ", observer_promotion_policy: UnderMinIsr"),
            2,
        ),
    );
    let (o, trace) = replay(&m, 1, 0);
    assert_eq!(promotions(&trace), 1, "{trace:#?}");
    assert_eq!(demotions(&trace), 1, "{trace:#?}");
    // Writes stop only until the dead follower is fenced and the observer
    // promoted, not for the two minutes broker 2 is down.
    assert!(o.max_write_outage_ms < 15_000, "{o:?}");
    assert_eq!(o.acked_lost_records, 0);
    // In the end the ISR is the two sync replicas again (slots 0 and 1).
    assert_eq!(final_isr(&trace), 0b0011);
}

#[test]
fn under_replicated_promotes_after_one_failure_even_above_min_isr() {
    let m = model(
        "under-replicated",
        &tutorial(
            &constraints(2, ", observer_promotion_policy: UnderReplicated"),
            1,
        ),
    );
    let (_, trace) = replay(&m, 1, 0);
    assert_eq!(promotions(&trace), 1);
    assert_eq!(final_isr(&trace), 0b0011);
    // under-min-isr with min.isr=1 would not promote: the ISR of 1 meets it.
    let m = model(
        "under-min-isr-1",
        &tutorial(
            &constraints(2, ", observer_promotion_policy: UnderMinIsr"),
            1,
        ),
    );
    let (_, trace) = replay(&m, 1, 0);
    assert_eq!(promotions(&trace), 0);
}

#[test]
fn leader_is_observer_and_version_1_never_promote_so_writes_wait_for_the_follower() {
    for placement in [
        constraints(2, ", observer_promotion_policy: LeaderIsObserver"),
        constraints(1, ""),
    ] {
        let m = model("no-promotion", &tutorial(&placement, 2));
        let (o, trace) = replay(&m, 1, 0);
        assert_eq!(promotions(&trace), 0, "{placement}");
        // NOT_ENOUGH_REPLICAS from the fencing until broker 2 is back and
        // caught up: about the two minutes it was down, less detection.
        assert!(o.max_write_outage_ms > 100_000, "{placement}: {o:?}");
    }
}

#[test]
fn observers_never_hold_back_the_high_watermark_or_add_latency() {
    // The same cluster with its observers moved to a DC 150 ms away: the
    // acknowledgement latency does not change.
    let near = tutorial(
        &constraints(2, ", observer_promotion_policy: UnderMinIsr"),
        2,
    )
    .edit(
        "faults: [(at: Fixed(60_000), fault: Crash(Broker(2)), recover_after: Fixed(120_000))],",
        "",
    );
    let far = near.edit(
        "topology: (regions:",
        "topology: (links: [(between: (\"west\", \"east\"), rtt_ms: 150.0)], regions:",
    );
    assert_ne!(far, near);
    let a = kdrsim::run_one(&model("near", &near), 1, 0);
    let b = kdrsim::run_one(&model("far", &far), 1, 0);
    assert!(a.ack_latency_p99_us > 0);
    assert_eq!(a.ack_latency_p99_us, b.ack_latency_p99_us);
    assert_eq!(b.write_unavailable_ms, 0);
}

#[test]
fn a_manual_unclean_election_onto_an_observer_restores_writes_after_losing_the_sync_dc() {
    // All sync replicas (west) lose power for good; with leader-is-observer
    // nothing happens until an operator runs an unclean election at 5 min,
    // which makes an east observer the leader; the other observer then
    // joins the ISR to meet min ISR.
    let t = tutorial(
        &constraints(2, ", observer_promotion_policy: LeaderIsObserver"),
        2,
    )
    .edit(
        "faults: [(at: Fixed(60_000), fault: Crash(Broker(2)), recover_after: Fixed(120_000))],",
        "faults: [(at: Fixed(60_000), fault: PowerLoss(Dc(\"west\"))),
                  (at: Fixed(300_000), fault: UncleanLeaderElection(\"t\"))],",
    );
    let m = model("manual-unclean", &t);
    let (o, trace) = replay(&m, 1, 0);
    let unclean = trace.iter().any(|e| {
        matches!(
            e.record,
            TraceRecord::LeaderElected {
                broker: 3,
                unclean: true,
                ..
            }
        )
    });
    assert!(unclean, "{trace:#?}");
    assert_eq!(promotions(&trace), 1);
    // Writes were down from the loss (60 s) to just after the election (300 s).
    assert!(
        (239_000..=245_000).contains(&o.max_write_outage_ms),
        "{o:?}"
    );
    // Without the runbook step writes stay down to the end.
    let t2 = t.edit(
        ",\n                  (at: Fixed(300_000), fault: UncleanLeaderElection(\"t\"))",
        "",
    );
    let o2 = kdrsim::run_one(&model("no-runbook", &t2), 1, 0);
    assert!(o2.max_write_outage_ms >= 540_000, "{o2:?}");
}

// ------------------------------------------------------- follower fetching

#[test]
fn consumers_with_client_rack_read_from_their_own_dc_and_cut_cross_dc_bytes() {
    let t = text("2.5dc-observers.ron");
    let leader_only = t.edit(
        "replica_selector_class: RackAware",
        "replica_selector_class: Leader",
    );
    assert_ne!(t, leader_only);
    let a = kdrsim::run_one(&model("rack-aware", &t), 1, 0);
    let b = kdrsim::run_one(&model("leader-only", &leader_only), 1, 0);
    // Half the leaders are in dc1; the dc2 consumer reading them from a dc2
    // replica saves one record's bytes per record consumed.
    assert!(a.cross_dc_bytes < b.cross_dc_bytes, "{a:?} vs {b:?}");
    assert_eq!(a.acked_lost_records, b.acked_lost_records);
}

// ------------------------------------------------------ placement validation

fn with_placement(placement: &str) -> String {
    tutorial(placement, 2)
}

#[test]
fn confluent_json_placement_is_read_like_the_native_form() {
    let json = r###"ConfluentJson(r##"{"version": 2,
        "replicas": [{"count": 2, "constraints": {"rack": "west"}}],
        "observers": [{"count": 2, "constraints": {"rack": "east"}}],
        "observerPromotionPolicy": "under-min-isr"}"##)"###;
    let native = constraints(2, ", observer_promotion_policy: UnderMinIsr");
    let (json, native) = (
        model("json", &with_placement(json)),
        model("native", &with_placement(&native)),
    );
    let a = replay(&json, 1, 0);
    let b = replay(&native, 1, 0);
    assert_eq!(
        kdrsim::trace_hash(&json, &a.1),
        kdrsim::trace_hash(&native, &b.1)
    );
}

#[test]
fn placements_confluent_would_reject_are_refused_naming_the_rule() {
    let cases = [
        (
            r###"ConfluentJson(r##"{"version": 2, "replicas": [{"count": 1, "constraints": {"rack": "west"}}, {"count": 1, "constraints": {"rack": "west"}}]}"##)"###,
            "appears twice in replicas",
        ),
        (
            r###"ConfluentJson(r##"{"version": 2, "replicas": [{"count": 2, "constraints": {"rack": "west"}}], "observers": [{"count": 1, "constraints": {"rack": "west"}}]}"##)"###,
            "rack \"west\" has 2 brokers but the placement puts 3",
        ),
        (
            r###"ConfluentJson(r##"{"version": 3, "replicas": [{"count": 2, "constraints": {"rack": "west"}}]}"##)"###,
            "valid: 1, 2",
        ),
        (
            r###"ConfluentJson(r##"{"version": 2, "replicas": [{"count": 2, "constraints": {"rack": "north"}}]}"##)"###,
            "no broker has broker.rack \"north\"",
        ),
        (
            r###"ConfluentJson(r##"{"version": 2, "replicas": [{"count": 2, "constraints": {"rack": "west"}}], "observerPromotionPolicy": "always"}"##)"###,
            "unknown observerPromotionPolicy \"always\"",
        ),
        (
            r###"ConfluentJson(r##"{"version": 2, "replicas": [{"count": 2, "constraints": {"rack": "west"}}"##)"###,
            "not a valid Confluent placement JSON",
        ),
        (
            r###"ConfluentJson(r##"{"version": 1, "replicas": [{"count": 2, "constraints": {"rack": "west"}}], "observers": [{"count": 1, "constraints": {"rack": "east"}}], "observerPromotionPolicy": "under-min-isr"}"##)"###,
            "version 1 never promotes observers",
        ),
        (
            r#"Constraints((version: 2, replicas: [(count: 0, constraints: (rack: "west"))]))"#,
            "count must be at least 1",
        ),
        (
            r#"Constraints((version: 2, replicas: [(count: 1, constraints: (rack: "west")), (count: 2, constraints: (rack: "east"))]))"#,
            "replication_factor 2 does not match the placement's 3 sync replicas",
        ),
    ];
    for (placement, rule) in cases {
        let e = load_err(&with_placement(placement));
        assert!(e.contains(rule), "expected «{rule}» in: {e}");
        assert!(e.contains("bad.ron:") && e.contains("topics[0]"), "{e}");
    }
}
