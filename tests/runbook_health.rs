//! The signal a runbook's detection starts from (`runbook.health`).
//!
//! `active-passive-cluster-link` with two of the primary's three brokers
//! crashed for an hour instead of the region: every partition keeps a
//! leader on the third broker, but its ISR (1) is below min ISR (2), so
//! `acks=all` writes stop. Watching the producers' acknowledgements or
//! `UnderMinIsrPartitionCount`, the runbook fails over; watching only
//! `OfflinePartitionsCount`, nobody is alerted and writes wait the hour.

mod common;

use common::{edit, model, outcomes, text};
use kdrsim::models::trace::TraceRecord;

fn two_brokers_down(health: &str) -> String {
    let t = edit(
        &text("active-passive-cluster-link.ron"),
        r#"(at: Uniform(1_800_000, 5_400_000), fault: Crash(Region("us-east")), recover_after: Fixed(7_200_000),"#,
        r#"(at: Fixed(1_800_000), fault: Crash(Broker(1)), recover_after: Fixed(3_600_000)),
           (at: Fixed(1_800_000), fault: Crash(Broker(2)), recover_after: Fixed(3_600_000),"#,
    );
    edit(
        &t,
        "producer_replay_records: 0,",
        &format!("producer_replay_records: 0, health: {health},"),
    )
}

fn failed_over(text: &str, trial: u64) -> bool {
    let (_, trace) = kdrsim::replay(&model("health", text), 1, trial);
    trace
        .iter()
        .any(|e| matches!(e.record, TraceRecord::Failover { .. }))
}

#[test]
fn a_runbook_watching_only_offline_partitions_misses_an_isr_below_min_isr() {
    for health in ["ProducerAcks", "UnderMinIsr", "OfflinePartitions"] {
        let t = two_brokers_down(health);
        let fails_over = health != "OfflinePartitions";
        for trial in 0..5 {
            assert_eq!(failed_over(&t, trial), fails_over, "{health} trial {trial}");
        }
        for o in outcomes(&model(health, &t), 20) {
            if fails_over {
                // Detection (1-3 min), a decision (~10 min) and the DNS TTL.
                assert!(o.max_write_outage_ms < 3_000_000, "{health}: {o:?}");
            } else {
                assert!(o.max_write_outage_ms >= 3_500_000, "{health}: {o:?}");
            }
        }
    }
}
