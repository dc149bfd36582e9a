//! Published behaviours (docs/behaviours.md) reproduced from
//! mechanisms. Each case has a scenario file under `scenarios/`; variants
//! edit that file's text, never the model.

mod common;
use common::*;

use kdrsim::{TrialOutcome, World};
use std::sync::Arc;

// ---------------------------------------------------------------- K1

#[test]
fn k1_isr_shrunk_to_the_leader_then_unclean_election_loses_acknowledged_writes() {
    let out = outcomes(
        &model("k1", &text("k1-isr-shrink-then-leader-lost.ron")),
        100,
    );
    assert!(out.iter().all(|o| o.acked_lost_records > 0), "{:?}", out[0]);
    // Everything acknowledged after the followers were cut off at 60 s:
    // the oldest lost record is about (crash − 60 s) old at the crash.
    assert!(
        out.iter()
            .all(|o| o.rpo_ms >= 85_000 && o.rpo_ms <= 141_000),
        "{:?}",
        out[0]
    );
}

#[test]
fn k1_with_min_isr_2_writes_are_refused_instead_of_lost() {
    let t = text("k1-isr-shrink-then-leader-lost.ron")
        .edit("min_insync_replicas: 1", "min_insync_replicas: 2");
    let out = outcomes(&model("k1-minisr2", &t), 100);
    assert!(
        out.iter().all(|o| o.acked_lost_records == 0),
        "{:?}",
        out[0]
    );
    assert!(out.iter().all(|o| o.max_write_outage_ms > 30_000));
}

#[test]
fn k1_without_unclean_election_stays_offline_and_loses_nothing() {
    let t = text("k1-isr-shrink-then-leader-lost.ron").edit(
        "unclean_leader_election_enable: true",
        "unclean_leader_election_enable: false",
    );
    let out = outcomes(&model("k1-clean", &t), 100);
    assert!(
        out.iter().all(|o| o.acked_lost_records == 0),
        "{:?}",
        out[0]
    );
    assert!(out.iter().all(|o| o.max_write_outage_ms >= 200_000));
}

// ---------------------------------------------------------------- K4

#[test]
fn k4_quorum_lost_acks_all_stalls_once_an_isr_follower_dies() {
    let out = outcomes(&model("k4", &text("k4-kraft-quorum.ron")), 50);
    for o in &out {
        assert_eq!(o.acked_lost_records, 0);
        // Broker 3 dies at 120 s; its ISR removal waits for the controllers
        // (back at 300 s), a re-election and a fresh session timeout.
        assert!(
            o.max_write_outage_ms >= 180_000 && o.max_write_outage_ms <= 200_000,
            "{o:?}"
        );
    }
}

#[test]
fn k4_quorum_lost_acks_1_keeps_working() {
    let t = text("k4-kraft-quorum.ron").edit(
        "records_per_sec: 3000.0",
        "records_per_sec: 3000.0, acks: One, enable_idempotence: false",
    );
    let out = outcomes(&model("k4-acks1", &t), 50);
    assert!(
        out.iter().all(|o| o.write_unavailable_ms == 0),
        "{:?}",
        out[0]
    );
}

#[test]
fn k4_one_voter_down_keeps_the_quorum_and_fences_normally() {
    let t = text("k4-kraft-quorum.ron").edit(
        "(at: Fixed(60_000), fault: Crash(Controller(103)), recover_after: Fixed(240_000)),",
        "",
    );
    let out = outcomes(&model("k4-one-down", &t), 50);
    // The active controller may be the one that died: at most a re-election
    // (3-4 s) plus a session timeout (9 s).
    assert!(
        out.iter().all(|o| o.max_write_outage_ms <= 14_000),
        "{:?}",
        out[0]
    );
}

#[test]
fn k4_quorum_lost_no_leader_election_for_a_dead_leader() {
    let t = text("k4-kraft-quorum.ron").edit("Crash(Broker(3))", "Crash(Broker(1))");
    let out = outcomes(&model("k4-leader", &t), 50);
    assert!(
        out.iter().all(|o| o.max_write_outage_ms >= 180_000),
        "{:?}",
        out[0]
    );
}

// ---------------------------------------------------------------- K5

/// Two data DCs (3 brokers each), controllers in a third site. `a` of the
/// `r` replicas in dc-a (which fails), the rest in dc-b; preferred leader
/// in dc-a when a > 0.
fn k5(r: usize, a: usize, x: usize, durability: bool) -> String {
    let assignment: Vec<u32> = (1..=a as u32).chain(4..4 + (r - a) as u32).collect();
    let base = text("k5-two-dc-sync-replicas.ron")
        .edit("replication_factor: 4", &format!("replication_factor: {r}"))
        .edit(
            "min_insync_replicas: 2",
            &format!("min_insync_replicas: {x}"),
        )
        .edit(
            "Assignment([[1, 2, 4, 5]])",
            &format!("Assignment([{assignment:?}])"),
        );
    if durability {
        base
    } else {
        // Availability: a plain loss of dc-a, producing from the survivor.
        base.edit("dc: \"dc-a\", records_per_sec", "dc: \"dc-b\", records_per_sec")
            .edit(
                "(at: Fixed(100_000), fault: Partition([\"dc-a\"], [\"dc-b\"]), recover_after: Fixed(120_000)),",
                "",
            )
            .edit("recover_after: Fixed(60_000)", "recover_after: Fixed(300_000)")
    }
}

#[test]
fn k5_sweep_matches_the_durability_and_availability_inequalities() {
    let mut checked = 0;
    for r in 2..=5usize {
        for a in r.saturating_sub(3)..=r.min(3) {
            for x in 1..=r {
                let b = r - a;
                let lost = outcomes(&model("k5", &k5(r, a, x, true)), 8)
                    .iter()
                    .any(|o| o.acked_lost_records > 0);
                assert_eq!(lost, x <= a, "durability r={r} a={a} x={x}");
                let outage = outcomes(&model("k5", &k5(r, a, x, false)), 8)
                    .iter()
                    .map(|o| o.max_write_outage_ms)
                    .max()
                    .unwrap();
                // Available: only failure detection (the session timeout,
                // and the producer's request.timeout.ms of 30 s for leaders
                // that lost power: < 60 s); unavailable: the 300 s outage
                // of dc-a.
                let available = outage < 60_000;
                assert_eq!(
                    available,
                    b >= x,
                    "availability r={r} a={a} x={x}: outage {outage} ms"
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 40);
}

#[test]
fn k5_symmetric_two_two_layout_cannot_have_both() {
    for x in 1..=4 {
        let durable = x > 2;
        let available = 2 >= x;
        assert!(!(durable && available), "x={x}");
        let lost = outcomes(&model("k5", &k5(4, 2, x, true)), 8)
            .iter()
            .any(|o| o.acked_lost_records > 0);
        assert_eq!(lost, !durable, "x={x}");
    }
}

// ---------------------------------------------------------------- K3

#[test]
fn k3_without_elr_the_last_replica_standing_loses_its_unflushed_committed_records() {
    let out = outcomes(&model("k3", &text("k3-last-replica-standing.ron")), 50);
    for o in &out {
        // Committed up to ~100 s (then the ISR fell below min ISR); the power
        // loss at 118-125 s drops what was appended after (loss − 30 s).
        assert!(o.acked_lost_records > 0, "{o:?}");
        assert!(o.acked_lost_records <= 2_000 * 12, "{o:?}");
    }
}

#[test]
fn k3_with_elr_an_eligible_replica_is_elected_and_nothing_is_lost() {
    let t = text("k3-last-replica-standing.ron").edit(
        "eligible_leader_replicas_enable: false",
        "eligible_leader_replicas_enable: true",
    );
    let out = outcomes(&model("k3-elr", &t), 50);
    assert!(
        out.iter().all(|o| o.acked_lost_records == 0),
        "{:?}",
        out[0]
    );
}

#[test]
fn k3_with_elr_the_partition_waits_while_no_eligible_replica_is_unfenced() {
    // Broker 1 (the eligible replica) is also cut off from the controllers
    // before broker 2 loses power, so it is fenced while alive: it stays in
    // the ELR (only an unclean restart removes it) and nobody can be elected
    // until it is unfenced at 216 s. Nothing is lost.
    let t = text("k3-last-replica-standing.ron")
        .edit("eligible_leader_replicas_enable: false", "eligible_leader_replicas_enable: true")
        .edit(
            "(at: Uniform(118_000, 125_000)",
            "(at: Fixed(116_000), fault: Partition([\"dc1\"], [\"dc4\"]), recover_after: Fixed(100_000)),\n        (at: Uniform(118_000, 125_000)",
        );
    let out = outcomes(&model("k3-elr-wait", &t), 30);
    for o in &out {
        assert_eq!(o.acked_lost_records, 0, "{o:?}");
        assert!(o.max_write_outage_ms >= 116_000, "{o:?}");
    }
}

#[test]
fn k3_an_uncleanly_restarted_eligible_replica_leaves_the_elr() {
    // Kafka cannot tell a process crash from a power loss: a broker that
    // re-registers after either is dropped from the ELR (KIP-966). If the
    // eligible replica crashes too, ISR and ELR end empty and the partition
    // stays offline (unclean election off) to the end of the trial.
    let t = text("k3-last-replica-standing.ron")
        .edit("eligible_leader_replicas_enable: false", "eligible_leader_replicas_enable: true")
        .edit(
            "(at: Uniform(118_000, 125_000)",
            "(at: Fixed(116_000), fault: Crash(Broker(1)), recover_after: Fixed(100_000)),\n        (at: Uniform(118_000, 125_000)",
        );
    let out = outcomes(&model("k3-elr-unclean", &t), 30);
    for o in &out {
        assert!(
            o.max_write_outage_ms >= 280_000,
            "offline to the end: {o:?}"
        );
    }
}

// ---------------------------------------------------------------- S3

fn p99_latency_us(text: &str) -> Vec<u64> {
    outcomes(&model("s3", text), 20)
        .iter()
        .map(|o| o.ack_latency_p99_us)
        .collect()
}

#[test]
fn s3_stretched_across_regions_acks_all_pays_the_cross_region_round_trip() {
    // Latencies come from the configured round trips, not from the case:
    // producer->leader RTT + the RTT to the slowest ISR follower.
    let p99 = p99_latency_us(&text("s3-stretched-across-regions.ron"));
    for v in p99 {
        assert!(
            (150_000..=155_000).contains(&v),
            "p99 {v} µs, expected 75 + 75 ms"
        );
    }
}

#[test]
fn s3_the_same_cluster_inside_one_region_stays_near_four_milliseconds() {
    let one_region = text("s3-stretched-across-regions.ron").edit(
        "            ]),\n            (name: \"west\", data_centers: [\n",
        "",
    );
    let p99 = p99_latency_us(&one_region);
    for v in p99 {
        assert!(
            (4_000..=4_200).contains(&v),
            "p99 {v} µs, expected 2 + 2 ms"
        );
    }
}

#[test]
fn s3_acks_1_pays_only_the_round_trip_to_the_leader() {
    let acks1 = text("s3-stretched-across-regions.ron").edit(
        "records_per_sec: 6000.0",
        "records_per_sec: 6000.0, acks: One, enable_idempotence: false",
    );
    for v in p99_latency_us(&acks1) {
        assert!((75_000..=78_000).contains(&v), "p99 {v} µs, expected 75 ms");
    }
}

// ---------------------------------------------------------------- K2

fn k2(truncation: &str) -> String {
    text("k2-kip101-truncation.ron").edit(
        "follower_truncation: HighWatermark",
        &format!("follower_truncation: {truncation}"),
    )
}

/// Runs `trials` trials and returns their outcomes and how many trials
/// ended with replicas holding different records at one offset.
fn outcomes_and_divergent_trials(m: &Arc<kdrsim::Model>, trials: u64) -> (Vec<TrialOutcome>, u64) {
    let mut world = World::new(m.clone());
    let mut out = Vec::new();
    let mut divergent = 0;
    for t in 0..trials {
        out.push(world.run_trial(1, t));
        if !world.invariant_violations().is_empty() {
            divergent += 1;
        }
    }
    (out, divergent)
}

#[test]
fn k2_high_watermark_truncation_loses_an_acknowledged_record_on_fast_re_election() {
    let (out, divergent) = outcomes_and_divergent_trials(&model("k2-hw", &k2("HighWatermark")), 20);
    for o in &out {
        // The follower's high watermark lags the leader's by half its
        // 100 ms round trip (the leader's HW is LEO(t - RTT), the follower
        // hears of it RTT/2 later): 2000 records/s x 50 ms acknowledged
        // records sat above it when it restarted.
        assert_eq!(o.acked_lost_records, 100, "{o:?}");
        // Appended 150 ms before the follower's crash (which is the first
        // fault after their acknowledgement).
        assert_eq!(o.rpo_ms, 150, "{o:?}");
    }
    assert_eq!(
        divergent, 0,
        "the survivor's log is a prefix of the old leader's"
    );
}

#[test]
fn k2_leader_epoch_truncation_keeps_the_acknowledged_record_on_fast_re_election() {
    let (out, divergent) = outcomes_and_divergent_trials(&model("k2-le", &k2("LeaderEpoch")), 20);
    for o in &out {
        assert_eq!(o.acked_lost_records, 0, "{o:?}");
        // Same outage either way: the rule changes what survives, not when
        // writes resume (the old leader returns at 182 s).
        assert!(o.max_write_outage_ms >= 119_000, "{o:?}");
    }
    assert_eq!(divergent, 0);
}

#[test]
fn k2_the_loss_is_the_follower_high_watermark_lag_and_grows_with_the_round_trip() {
    let t = k2("HighWatermark").edit("rtt_ms: 100.0", "rtt_ms: 300.0");
    let out = outcomes(&model("k2-hw-300", &t), 10);
    // 2000 records/s x 150 ms.
    assert!(
        out.iter().all(|o| o.acked_lost_records == 300),
        "{:?}",
        out[0]
    );
    let t = k2("LeaderEpoch").edit("rtt_ms: 100.0", "rtt_ms: 300.0");
    let out = outcomes(&model("k2-le-300", &t), 10);
    assert!(
        out.iter().all(|o| o.acked_lost_records == 0),
        "{:?}",
        out[0]
    );
}

#[test]
fn k2_high_watermark_truncation_can_leave_two_replicas_holding_different_records() {
    // KIP-101 "Scenario 2". With min.insync.replicas=1 the old leader keeps
    // acknowledging alone after the follower is fenced, so its high
    // watermark ends far above the follower's. The follower, elected, writes
    // new records from its shorter log; when the old leader returns it
    // truncates only to its own high watermark and keeps old records at
    // offsets where the new leader holds different ones. Leader-epoch
    // truncation cuts it back to where the logs agree.
    let hw = k2("HighWatermark").edit("min_insync_replicas: 2", "min_insync_replicas: 1");
    let (_, divergent) = outcomes_and_divergent_trials(&model("k2-hw-div", &hw), 10);
    assert_eq!(divergent, 10, "legacy truncation must diverge here");
    let le = k2("LeaderEpoch").edit("min_insync_replicas: 2", "min_insync_replicas: 1");
    let (_, divergent) = outcomes_and_divergent_trials(&model("k2-le-div", &le), 10);
    assert_eq!(divergent, 0, "leader-epoch truncation must converge");
}

// ---------------------------------------------------------------- zombie leaders

#[test]
fn zombie_leader_with_acks_1_acknowledges_writes_that_are_truncated_when_the_split_heals() {
    let out = outcomes(&model("zombie", &text("zombie-leader-split.ron")), 30);
    for o in &out {
        // Broker 1 (dc1) led 2 of the 6 partitions; the producer in dc1
        // writes them to it for the whole 120 s split (as leader, then as a
        // zombie) and until the zombie hears of the heal (its pending
        // request to the quorum times out, under 2 s later): 2 x 500
        // records/s x 120-122 s, all truncated then.
        assert!((119_000..=123_000).contains(&o.acked_lost_records), "{o:?}");
        // Lost when the split heals, at most 120 s after they were written
        // (not at the end of the trial).
        assert!((119_000..=120_100).contains(&o.rpo_ms), "{o:?}");
    }
}

#[test]
fn zombie_leader_with_acks_all_loses_nothing_and_stalls_instead() {
    let t = text("zombie-leader-split.ron").edit(
        "acks: One,\n                 enable_idempotence: false",
        "acks: All",
    );
    assert!(
        t.contains("acks: All"),
        "the variant must edit the producer"
    );
    let out = outcomes(&model("zombie-all", &t), 30);
    for o in &out {
        assert_eq!(o.acked_lost_records, 0, "{o:?}");
        assert_eq!(o.rpo_ms, 0, "{o:?}");
        // The zombie cannot commit: writes stall for the whole split.
        assert!(o.max_write_outage_ms >= 119_000, "{o:?}");
    }
}

// ---------------------------------------------------------------- controlled shutdown

fn broker_crash(kind: &str) -> String {
    text("broker-crash.ron").edit("Crash(Broker(1))", &format!("{kind}(Broker(1))"))
}

#[test]
fn controlled_shutdown_of_a_leader_moves_leadership_at_once_and_loses_nothing() {
    let crash = outcomes(&model("crash", &broker_crash("Crash")), 50);
    let clean = outcomes(
        &model("controlled", &broker_crash("ControlledShutdown")),
        50,
    );
    for (c, s) in crash.iter().zip(&clean) {
        assert_eq!(s.acked_lost_records, 0, "{s:?}");
        // A crash waits for the session timeout (7-9 s); a controlled
        // shutdown moves leadership before the broker stops.
        assert!(c.max_write_outage_ms >= 7_000, "{c:?}");
        assert!(s.max_write_outage_ms < 1_000, "{s:?}");
    }
}

#[test]
fn controlled_shutdown_without_a_controller_quorum_degrades_to_a_crash() {
    // K4: the quorum is lost from 60 s to 300 s; broker 1 (the leader) is
    // shut down at 120 s. Nobody can approve it or elect a new leader.
    let t = text("k4-kraft-quorum.ron").edit("Crash(Broker(3))", "ControlledShutdown(Broker(1))");
    assert!(
        t.contains("ControlledShutdown"),
        "the variant must edit the fault"
    );
    let out = outcomes(&model("k4-controlled", &t), 20);
    for o in &out {
        assert!(o.max_write_outage_ms >= 180_000, "{o:?}");
    }
}

#[test]
fn controlled_shutdown_keeps_the_replica_an_eligible_leader() {
    // K3 with ELR, but broker 1 (the eligible replica) is shut down cleanly
    // and restarted before the leader loses power. A clean restart keeps it
    // in the ELR (an unclean one would not: see
    // k3_an_uncleanly_restarted_eligible_replica_leaves_the_elr), so it is
    // elected and nothing is lost.
    let t = text("k3-last-replica-standing.ron")
        .edit("eligible_leader_replicas_enable: false", "eligible_leader_replicas_enable: true")
        .edit(
            "(at: Uniform(118_000, 125_000)",
            "(at: Fixed(105_000), fault: ControlledShutdown(Broker(1)), recover_after: Fixed(5_000)),\n        (at: Uniform(118_000, 125_000)",
        );
    let out = outcomes(&model("k3-elr-controlled", &t), 30);
    for o in &out {
        assert_eq!(o.acked_lost_records, 0, "{o:?}");
    }
    // The same restart after a crash leaves the ELR empty: the partition
    // waits for the leader that lost power, and its lost suffix is gone.
    let crashed = t.edit("ControlledShutdown(Broker(1))", "Crash(Broker(1))");
    let out = outcomes(&model("k3-elr-crashed", &crashed), 30);
    assert!(out.iter().all(|o| o.acked_lost_records > 0), "{:?}", out[0]);
}
