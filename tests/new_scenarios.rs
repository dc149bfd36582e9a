//! The scenarios that join a replica-level cluster to a DR region: what an
//! AZ loss costs versus a region loss (seed 000), a 2.5-DC cluster with a DR
//! region, and an acks=1 primary losing records inside itself.
//!
//! Each is checked against the same cluster alone (the scenario with its
//! DR region, clusters, mirrors and runbook removed): a fault the primary
//! absorbs must cost exactly what it costs the cluster alone.

mod common;

use common::{edit, model, outcomes, text};
use kdrsim::models::load::parse;
use kdrsim::models::trace::TraceRecord;
use kdrsim::{Source, TrialOutcome};
use std::collections::BTreeMap;

/// The scenario with only its primary cluster: the DR region, the clusters,
/// mirrors and runbook removed.
fn cluster_alone(file: &str, primary_region: &str) -> String {
    let mut s = parse(&Source {
        file: file.into(),
        text: text(file),
    })
    .unwrap();
    s.topology.regions.retain(|r| r.name == primary_region);
    s.topology.links.retain(|l| {
        let dcs: Vec<&str> = s
            .topology
            .regions
            .iter()
            .flat_map(|r| r.data_centers.iter().map(|d| d.name.as_str()))
            .collect();
        dcs.contains(&l.between.0.as_str()) && dcs.contains(&l.between.1.as_str())
    });
    s.clusters.clear();
    s.mirrors.clear();
    s.runbook = None;
    for t in &mut s.topics {
        t.cluster.clear();
    }
    ron::ser::to_string(&s).unwrap()
}

fn failovers(m: &std::sync::Arc<kdrsim::Model>, trial: u64) -> BTreeMap<u32, (u64, u64)> {
    let (_, trace) = kdrsim::replay(m, 1, trial);
    trace
        .iter()
        .filter_map(|e| match e.record {
            TraceRecord::Failover {
                partition,
                source_leo,
                mirror_leo,
            } => Some((partition, (source_leo, mirror_leo))),
            _ => None,
        })
        .collect()
}

fn same_but_bytes(a: &TrialOutcome, b: &TrialOutcome) -> bool {
    let mut b = *b;
    b.cross_dc_bytes = a.cross_dc_bytes;
    *a == b
}

#[test]
fn msk_az_loss_costs_what_it_costs_the_cluster_alone_and_loses_nothing() {
    let file = "msk-3az-replicator.ron";
    let with_dr = outcomes(&model("msk", &text(file)), 200);
    let alone = outcomes(&model("msk-alone", &cluster_alone(file, "us-east-1")), 200);
    for (trial, (a, b)) in alone.iter().zip(&with_dr).enumerate() {
        assert_eq!(b.acked_lost_records, 0, "trial {trial}: {b:?}");
        assert!(
            a.max_write_outage_ms.abs_diff(b.max_write_outage_ms) <= 1_000,
            "trial {trial}: alone {a:?}, with DR {b:?}"
        );
        // Seconds, not the runbook's minutes: the session timeout fences
        // the lost AZ's brokers and leaders move.
        assert!(
            b.max_write_outage_ms > 0 && b.max_write_outage_ms < 15_000,
            "{b:?}"
        );
        assert!(same_but_bytes(a, b), "trial {trial}: {a:?} vs {b:?}");
    }
    let m = model("msk", &text(file));
    assert!(failovers(&m, 0).is_empty(), "an AZ loss must not fail over");
}

#[test]
fn msk_region_loss_loses_the_mirrors_lag_at_the_failure_instant_per_partition() {
    let t = edit(
        &text("msk-3az-replicator.ron"),
        "fault: Crash(Dc(\"use1-az3\")), recover_after: Fixed(3_600_000)),",
        "fault: Crash(Region(\"us-east-1\")), recover_after: Fixed(3_600_000), clients: Survive),",
    );
    let m = model("msk-region", &t);
    // 3,000 records/s over 12 partitions.
    let per_partition_rate = 250.0;
    for trial in 0..40 {
        let (o, _) = kdrsim::replay(&m, 1, trial);
        let lag = failovers(&m, trial);
        assert_eq!(lag.len(), 12, "trial {trial}: every partition fails over");
        // Lost = what producers had acknowledged minus what the copy had,
        // partition by partition, at the failure instant (the source was
        // down from then on, so the copy stood still).
        let lost: u64 = lag.values().map(|(acked, copied)| acked - copied).sum();
        assert!(lost > 0);
        assert_eq!(o.acked_lost_records, lost, "trial {trial}");
        // RPO: the age of the oldest record the copy lacked, which is the
        // largest partition lag in time.
        let worst = lag.values().map(|(a, c)| a - c).max().unwrap();
        let lag_ms = worst as f64 / per_partition_rate * 1000.0;
        assert!(
            (o.rpo_ms as f64 - lag_ms).abs() <= 8.0,
            "trial {trial}: rpo {} ms vs lag {lag_ms} ms",
            o.rpo_ms
        );
        // The replicator's lag is its delay (500 ms) plus half the 70 ms
        // round trip: about 134 records per partition.
        assert!((100..=160).contains(&worst), "trial {trial}: {worst}");
        // Writes are down for the runbook: detection + decision + DNS TTL.
        assert!(o.max_write_outage_ms >= 60_000 + 60_000, "{o:?}");
    }
}

#[test]
fn a_2_5dc_cluster_with_a_dr_region_absorbs_a_dc_loss_as_it_does_alone() {
    let file = "2.5dc-with-dr-region.ron";
    let with_dr = outcomes(&model("25dr", &text(file)), 200);
    let alone = outcomes(&model("25-alone", &cluster_alone(file, "region-1")), 200);
    for (trial, (a, b)) in alone.iter().zip(&with_dr).enumerate() {
        assert_eq!(b.acked_lost_records, 0, "trial {trial}");
        assert!(same_but_bytes(a, b), "trial {trial}: {a:?} vs {b:?}");
        // The observer in dc2 is promoted after ~12.6 s, as in
        // 2.5dc-observers; the producer finds the leaders that lost power
        // with dc1 replaced after its request.timeout.ms (30 s).
        assert!((11_000..=31_300).contains(&b.max_write_outage_ms), "{b:?}");
    }
    // The same topology without the DR region is the shipped 2.5-DC case.
    let shipped = outcomes(&model("25", &text("2.5dc-observers.ron")), 200);
    assert_eq!(
        shipped
            .iter()
            .map(|o| o.max_write_outage_ms)
            .collect::<Vec<_>>(),
        alone
            .iter()
            .map(|o| o.max_write_outage_ms)
            .collect::<Vec<_>>()
    );
}

#[test]
fn an_acks1_primary_loses_the_crashed_leaders_unreplicated_tail_and_the_report_shows_it() {
    let file = "active-passive-acks1-leader-crash.ron";
    let m = model("acks1", &text(file));
    let with_dr = outcomes(&m, 200);
    let alone = outcomes(&model("acks1-alone", &cluster_alone(file, "us-east")), 200);
    for (trial, (a, b)) in alone.iter().zip(&with_dr).enumerate() {
        // Broker 1 leads 4 of 12 partitions; each loses what its followers
        // had not fetched: 2,000 records/s x the 1 ms one-way trip.
        assert_eq!(b.acked_lost_records, 8, "trial {trial}: {b:?}");
        assert!(b.rpo_ms >= 1, "{b:?}");
        assert!(same_but_bytes(a, b), "trial {trial}: {a:?} vs {b:?}");
        assert!(failovers(&m, trial as u64).is_empty());
    }
    // The report shows it: P(loss > 0) is 100% in the run's JSON.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kdrsim"))
        .args([
            "run",
            &format!("scenarios/{file}"),
            "--trials",
            "50",
            "--format",
            "json",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let lost = &json["scenarios"][0]["metrics"]["acked_lost_records"];
    assert_eq!(lost["p_nonzero"], 1.0, "{lost}");
    assert_eq!(lost["mean"], 8.0, "{lost}");
}
