//! Trials of months and years: what grows with the number of failures.
//!
//! Every leader election adds a leader-epoch cache entry; the world settles
//! the prefix every replica agrees on (`models::log::settle`) so
//! caches stay short and a trial's cost stays linear in its failures
//! (`cargo bench --bench trials` measures that; docs/performance.md has the
//! figures). These tests show that settling changes nothing a trial
//! reports, and that caches stay short.

mod common;

use common::{edit, model, text};
use kdrsim::World;

/// `t` with its `duration_ms` (the first, the scenario's own) set to `ms`.
fn set_duration(t: &str, ms: u64) -> String {
    let at = t.find("duration_ms: ").expect("a duration_ms") + "duration_ms: ".len();
    let len = t[at..]
        .find(|c: char| !(c.is_ascii_digit() || c == '_'))
        .unwrap();
    format!("{}{ms}{}", &t[..at], &t[at + len..])
}

/// `file` over `days` days with `processes` added (RON text of the list's
/// items).
fn churned(file: &str, days: u64, processes: &str) -> String {
    let t = set_duration(&text(file), days * 86_400_000);
    let end = t.trim_end().rfind(')').unwrap();
    format!(
        "{}    fault_processes: [{processes}],\n{}",
        &t[..end],
        &t[end..]
    )
}

/// Brokers crash and lose their page cache every few hours, links fail,
/// controllers fail: many elections, truncations and diverged logs.
const CHURN: &str = "(component: Broker, time_to_failure: Exponential(7_200_000), time_to_repair: Exponential(600_000), power_loss: true), \
     (component: Link, time_to_failure: Exponential(14_400_000), time_to_repair: Exponential(300_000)), \
     (component: Controller, time_to_failure: Exponential(28_800_000), time_to_repair: Exponential(120_000))";

const RACKS: &str = "(component: Broker, time_to_failure: Exponential(3_600_000), time_to_repair: Exponential(1_200_000)), \
     (component: Rack, time_to_failure: Exponential(43_200_000), time_to_repair: Exponential(600_000), power_loss: true)";

#[test]
fn settled_epoch_caches_change_no_outcome_and_no_trace() {
    let cases = [
        ("3dc-stretched.ron", CHURN, None),
        (
            "3dc-stretched.ron",
            RACKS,
            Some((
                "unclean_leader_election_enable: false",
                "unclean_leader_election_enable: true",
            )),
        ),
        // Legacy truncation: followers keep records the leader lacks.
        ("k2-kip101-truncation.ron", RACKS, None),
        ("2.5dc-observers.ron", CHURN, None),
        ("zombie-leader-split.ron", CHURN, None),
        // Mirrors: the copies are settled with the partitions they copy;
        // a failover freezes a copy, a failback adds a reverse one.
        ("active-passive-mm2.ron", RACKS, None),
        ("active-active-mm2.ron", CHURN, None),
        ("active-passive-cluster-link.ron", RACKS, None),
    ];
    let mut shortened = 0;
    for (file, processes, change) in cases {
        let mut t = churned(file, 2, processes);
        if let Some((from, to)) = change {
            t = edit(&t, from, to);
        }
        let m = model(file, &t);
        let mut settled = World::new(m.clone());
        let mut kept = World::new(m.clone());
        kept.set_settle_epoch_caches(false);
        for trial in 0..6 {
            let a = settled.run_trial_traced(1, trial);
            let settled_len = settled.longest_epoch_cache();
            let b = kept.run_trial_traced(1, trial);
            assert_eq!(a.0, b.0, "{file} trial {trial}: outcomes differ");
            assert!(
                a.1 == b.1,
                "{file} trial {trial}: traces differ (replay both to compare)"
            );
            shortened += (settled_len * 2 < kept.longest_epoch_cache()) as u32;
        }
    }
    assert!(
        shortened > 10,
        "settling shortened caches in {shortened} trials only"
    );
}

/// The reported reproducer of issue 14: a broker failing once a day on
/// average, each repaired after about an hour, for a year.
fn broker_failures(days: u64) -> std::sync::Arc<kdrsim::Model> {
    broker_failures_in("3dc-stretched.ron", days)
}

/// `file` with no scheduled fault and a broker failing once a day on
/// average for `days` days (its runbook, if any, still runs).
fn broker_failures_in(file: &str, days: u64) -> std::sync::Arc<kdrsim::Model> {
    let t = text(file);
    let from = t.find("    faults: [").unwrap();
    let to = from + t[from..].find("\n    ],").unwrap() + "\n    ],".len();
    let t = format!(
        "{}    faults: [],\n    fault_processes: [(component: Broker, time_to_failure: Exponential(86_400_000), time_to_repair: LogNormal(3_600_000, 0.8))],{}",
        &t[..from],
        &t[to..]
    );
    model(file, &set_duration(&t, days * 86_400_000))
}

#[test]
fn a_year_of_daily_broker_failures_keeps_every_epoch_cache_short() {
    let m = broker_failures(365);
    let mut world = World::new(m.clone());
    let mut kept = World::new(m);
    kept.set_settle_epoch_caches(false);
    let a = world.run_trial(1, 0);
    let b = kept.run_trial(1, 0);
    assert_eq!(a, b);
    // Hundreds of elections per partition over the year...
    assert!(
        kept.longest_epoch_cache() > 300,
        "{}",
        kept.longest_epoch_cache()
    );
    // ...and a cache holds a few entries beyond its settled prefix.
    assert!(
        world.longest_epoch_cache() <= 32,
        "{}",
        world.longest_epoch_cache()
    );
}

/// Issue 27: in two clusters joined by a mirror, the mirror's copy holds
/// the source's epoch tags, and a copy frozen at failover held the source
/// back from settling for the rest of the trial, so its caches grew by an
/// entry per election and a trial cost the square of its failures. Now
/// the copies settle with their source: a year of daily broker failures
/// leaves every cache and copy short, and the outcome is the one the
/// unsettled world gives.
#[test]
fn a_year_of_daily_broker_failures_across_two_clusters_keeps_every_cache_short() {
    for file in ["active-active-mm2.ron", "active-passive-cluster-link.ron"] {
        let m = broker_failures_in(file, 365);
        let mut world = World::new(m.clone());
        let mut kept = World::new(m);
        kept.set_settle_epoch_caches(false);
        let a = world.run_trial(1, 0);
        let b = kept.run_trial(1, 0);
        assert_eq!(a, b, "{file}");
        let acked = world.conservation().acknowledged;
        assert!(acked > 1_000_000, "{file}: {acked} acknowledged");
        assert!(
            kept.longest_epoch_cache() > 300,
            "{file}: {}",
            kept.longest_epoch_cache()
        );
        assert!(
            world.longest_epoch_cache() <= 32,
            "{file}: {}",
            world.longest_epoch_cache()
        );
    }
}
