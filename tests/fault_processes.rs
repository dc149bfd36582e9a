//! Fault processes checked against closed forms: Monte Carlo must agree with
//! the formulas within its confidence interval.
//!
//! The quorum cases run the whole model and read the time without an active
//! controller from the trace; the k-of-n case reads the fault plan (what the
//! processes scheduled) directly, since Kafka's reactions (fencing delays,
//! catch-up) are not part of an idealised k-of-n system.

mod common;

use common::Edit;
use kdrsim::models::faults;
use kdrsim::models::trace::TraceRecord;
use kdrsim::sim::RngStreams;
use kdrsim::{load_source, Source};
use std::sync::Arc;

fn model(name: &str, text: &str) -> Arc<kdrsim::Model> {
    load_source(&Source {
        file: format!("{name}.ron"),
        text: text.to_string(),
    })
    .unwrap_or_else(|e| panic!("{e}"))
}

const YEAR_MS: u64 = 365 * 24 * 3_600_000;
const DAY_MS: u64 = 24 * 3_600_000;

fn binomial(n: u64, k: u64) -> f64 {
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

/// P(at least `k` of `n` independent components up), each up w.p. `p`.
fn k_of_n(k: u64, n: u64, p: f64) -> f64 {
    (k..=n)
        .map(|j| binomial(n, j) * p.powi(j as i32) * (1.0 - p).powi((n - j) as i32))
        .sum()
}

fn mean_and_se(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

/// A cluster whose voters sit one per DC in `voter_dcs` (DC names may
/// repeat: voters sharing a DC share its failures), each voter failing on
/// its own and, with `dc_process`, each DC as a whole.
fn quorum_scenario(voter_dcs: &[&str], dc_process: bool) -> String {
    let mut dcs: Vec<&str> = voter_dcs.to_vec();
    dcs.sort();
    dcs.dedup();
    let mut id = 100;
    let dc_text: Vec<String> = dcs
        .iter()
        .map(|dc| {
            let voters: Vec<String> = voter_dcs
                .iter()
                .filter(|d| *d == dc)
                .map(|_| {
                    id += 1;
                    id.to_string()
                })
                .collect();
            format!(
                "(name: \"{dc}\", racks: [(name: \"{dc}\", controllers: [{}])])",
                voters.join(", ")
            )
        })
        .collect();
    let dc_proc = if dc_process {
        format!(
            "(component: Dc, time_to_failure: Exponential({}), time_to_repair: Exponential({}), only: [{}]),",
            40 * DAY_MS,
            DAY_MS,
            dcs.iter()
                .map(|d| format!("\"{d}\""))
                .collect::<Vec<_>>()
                .join(", ")
        )
    } else {
        String::new()
    };
    format!(
        r#"(
    version: 1, name: "quorum", duration_ms: {YEAR_MS},
    topology: (regions: [(name: "r", data_centers: [
        {},
        (name: "data", racks: [(name: "data", brokers: [1])]),
    ])]),
    topics: [(name: "t", partitions: 1, replication_factor: 1)],
    fault_processes: [
        (component: Controller, time_to_failure: Exponential({}), time_to_repair: Exponential({})),
        {dc_proc}
    ],
)"#,
        dc_text.join(",\n        "),
        10 * DAY_MS,
        DAY_MS,
    )
}

/// Per trial, the fraction of the year with an active controller, from the
/// trace.
fn quorum_availability(m: &Arc<kdrsim::Model>, trials: u64) -> Vec<f64> {
    (0..trials)
        .map(|t| {
            let (_, trace) = kdrsim::replay(m, 1, t);
            let mut down_ns = 0u64;
            let mut since: Option<u64> = None;
            for e in &trace {
                match e.record {
                    TraceRecord::QuorumLost if since.is_none() => since = Some(e.t_ns),
                    TraceRecord::ControllerElected { .. } => {
                        if let Some(s) = since.take() {
                            down_ns += e.t_ns - s;
                        }
                    }
                    TraceRecord::End => {
                        if let Some(s) = since.take() {
                            down_ns += e.t_ns - s;
                        }
                    }
                    _ => {}
                }
            }
            1.0 - down_ns as f64 / (YEAR_MS as f64 * 1e6)
        })
        .collect()
}

#[test]
fn majority_quorum_availability_of_3_and_5_independent_voters_matches_the_binomial_formula() {
    // Each voter: MTTF 10 days, MTTR 1 day, so up with probability 10/11.
    let p = 10.0 / 11.0;
    for (voters, dcs) in [
        (3u64, vec!["a", "b", "c"]),
        (5u64, vec!["a", "b", "c", "d", "e"]),
    ] {
        let m = model("q", &quorum_scenario(&dcs, false));
        let (mean, se) = mean_and_se(&quorum_availability(&m, 200));
        let expected = k_of_n(voters / 2 + 1, voters, p);
        assert!(
            (mean - expected).abs() <= 3.0 * se,
            "{voters} voters: {mean:.5} ± {se:.5}, formula {expected:.5}"
        );
    }
}

#[test]
fn voters_sharing_a_failure_domain_are_less_available_by_the_correlated_formula() {
    // Five voters, each failing on its own (up w.p. p), and each DC failing
    // as a whole (up w.p. d). Placed 2/2/1 over three DCs, a DC failure
    // takes two voters at once; placed one per DC, never more than one.
    let p = 10.0 / 11.0;
    let d = 40.0 / 41.0;
    // Exact: sum over DC up/down states, then voters in up DCs.
    let correlated = |sizes: &[u64]| -> f64 {
        let mut total = 0.0;
        for mask in 0..(1u32 << sizes.len()) {
            let mut prob = 1.0;
            let mut exposed = 0;
            for (i, &s) in sizes.iter().enumerate() {
                if mask & (1 << i) != 0 {
                    prob *= d;
                    exposed += s;
                } else {
                    prob *= 1.0 - d;
                }
            }
            total += prob * k_of_n(3, exposed, p);
        }
        total
    };
    let grouped_formula = correlated(&[2, 2, 1]);
    let spread_formula = correlated(&[1, 1, 1, 1, 1]);
    let grouped = quorum_availability(
        &model(
            "grouped",
            &quorum_scenario(&["a", "a", "b", "b", "c"], true),
        ),
        300,
    );
    let spread = quorum_availability(
        &model("spread", &quorum_scenario(&["a", "b", "c", "d", "e"], true)),
        300,
    );
    let (g, g_se) = mean_and_se(&grouped);
    let (s, s_se) = mean_and_se(&spread);
    assert!(
        (g - grouped_formula).abs() <= 3.0 * g_se,
        "{g} vs {grouped_formula}"
    );
    assert!(
        (s - spread_formula).abs() <= 3.0 * s_se,
        "{s} vs {spread_formula}"
    );
    // The difference, as the formulas give it.
    let diff_se = (g_se * g_se + s_se * s_se).sqrt();
    assert!(spread_formula > grouped_formula);
    assert!(
        ((s - g) - (spread_formula - grouped_formula)).abs() <= 3.0 * diff_se,
        "difference {} vs {}",
        s - g,
        spread_formula - grouped_formula
    );
}

#[test]
fn two_of_three_system_matches_availability_failure_frequency_and_mean_outage() {
    // Three brokers fail independently (exponential: MTTF 5 days, MTTR 12
    // hours); the system is up while at least two are.
    let (mttf, mttr) = (5.0 * DAY_MS as f64, 0.5 * DAY_MS as f64);
    let text = format!(
        r#"(
    version: 1, name: "2oo3", duration_ms: {YEAR_MS},
    topology: (regions: [(name: "r", data_centers: [
        (name: "a", racks: [(name: "a", brokers: [1], controllers: [101])]),
        (name: "b", racks: [(name: "b", brokers: [2])]),
        (name: "c", racks: [(name: "c", brokers: [3])]),
    ])]),
    topics: [(name: "t", partitions: 1, replication_factor: 3, min_insync_replicas: 2)],
    fault_processes: [(component: Broker, time_to_failure: Exponential({}), time_to_repair: Exponential({}))],
)"#,
        mttf as u64, mttr as u64
    );
    let m = model("2oo3", &text);
    let mut availability = Vec::new();
    let mut failures_per_year = Vec::new();
    let mut outage_total_ms = 0.0;
    let mut outages = 0u64;
    let mut occ = Vec::new();
    for trial in 0..400 {
        faults::plan(&m, &RngStreams::new(1, trial), &mut occ);
        // Sweep the up/down changes in time order.
        let mut changes: Vec<(u64, i32)> = Vec::new();
        for o in &occ {
            changes.push((o.start.as_ns(), -1));
            if let Some(stop) = o.stop {
                changes.push((stop.as_ns(), 1));
            }
        }
        changes.sort();
        let (mut up, mut last, mut down_ns, mut down_since) = (3i32, 0u64, 0u64, 0u64);
        let mut failures = 0u64;
        for (t, d) in changes {
            let was_up = up >= 2;
            if !was_up {
                down_ns += t - last;
            }
            last = t;
            up += d;
            if was_up && up < 2 {
                failures += 1;
                down_since = t;
            }
            if !was_up && up >= 2 {
                outages += 1;
                outage_total_ms += (t - down_since) as f64 / 1e6;
            }
        }
        let end = YEAR_MS * 1_000_000;
        if up < 2 {
            down_ns += end - last;
        }
        availability.push(1.0 - down_ns as f64 / end as f64);
        failures_per_year.push(failures as f64);
    }
    let p = mttf / (mttf + mttr);
    let a = k_of_n(2, 3, p);
    // Entering the down state: exactly two up, one of them fails.
    let per_ms = binomial(3, 2) * p * p * (1.0 - p) * 2.0 / mttf;
    let freq = per_ms * YEAR_MS as f64;
    let mean_outage = (1.0 - a) / per_ms;
    let (am, ase) = mean_and_se(&availability);
    let (fm, fse) = mean_and_se(&failures_per_year);
    assert!(
        (am - a).abs() <= 3.0 * ase,
        "availability {am} ± {ase} vs {a}"
    );
    assert!(
        (fm - freq).abs() <= 3.0 * fse,
        "failures/year {fm} ± {fse} vs {freq}"
    );
    // Mean outage: completed outages, each exponential-like; its standard
    // error is about mean / sqrt(count).
    let observed = outage_total_ms / outages as f64;
    let se = mean_outage / (outages as f64).sqrt();
    assert!(
        (observed - mean_outage).abs() <= 3.0 * se,
        "mean outage {observed:.0} ms vs {mean_outage:.0} ms ({outages} outages)"
    );
}

#[test]
fn fault_process_draws_are_keyed_by_component_name_so_topologies_share_them() {
    // Adding a DC elsewhere does not move dc "a"'s failures.
    let small = model("small", &quorum_scenario(&["a", "b", "c"], true));
    let big = model("big", &quorum_scenario(&["a", "b", "c", "d", "e"], true));
    let mut x = Vec::new();
    let mut y = Vec::new();
    for trial in 0..20 {
        faults::plan(&small, &RngStreams::new(1, trial), &mut x);
        faults::plan(&big, &RngStreams::new(1, trial), &mut y);
        let of = |m: &Arc<kdrsim::Model>, occ: &Vec<faults::Occurrence>, label: &str| {
            occ.iter()
                .filter(|o| m.faults[o.spec as usize].label.ends_with(label))
                .map(|o| (o.start, o.stop))
                .collect::<Vec<_>>()
        };
        assert_eq!(of(&small, &x, "dc a"), of(&big, &y, "dc a"));
        // Nine failures a year on average: every trial has some.
        assert!(!of(&small, &x, "dc a").is_empty(), "trial {trial}");
    }
}

// ------------------------------------------------------ rare events

/// S1.1 (a DC loss can lose acknowledged writes when the ISR had shrunk into
/// that DC) with the DC loss made a fault of mean time `mean_ms`.
fn s1_1_with_dc_loss_mean(mean_ms: u64) -> Arc<kdrsim::Model> {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/s1-1-2.5dc-sizing.ron");
    let text = std::fs::read_to_string(path).unwrap();
    let from = "(at: Uniform(600_000, 1_500_000), fault: PowerLoss(Dc(\"dc1\")), recover_after: Fixed(1_800_000)),";
    assert!(text.contains(from));
    model(
        "s1-1-rare",
        &text.edit(
            from,
            &format!("(at: Exponential({mean_ms}), fault: PowerLoss(Dc(\"dc1\")), recover_after: Fixed(1_800_000)),"),
        ),
    )
}

#[test]
fn conditioning_on_the_dc_loss_agrees_with_plain_monte_carlo_where_both_can_run() {
    // Mean time to the DC loss 2 h: it happens within the 1 h trial with
    // probability 1 - e^-0.5 = 39%.
    let m = s1_1_with_dc_loss_mean(2 * 3_600_000);
    let lossy = |o: &kdrsim::TrialOutcome| o.acked_lost_records > 0;
    let plain = kdrsim::run_batch(&m, 7, kdrsim::TrialRange::first(6000), 0, |_| {}).unwrap();
    let hits = plain.iter().filter(|(_, o)| lossy(o)).count() as f64;
    let p_plain = hits / 6000.0;
    let se_plain = (p_plain * (1.0 - p_plain) / 6000.0).sqrt();
    let est = kdrsim::rare::estimate_given_fault(&m, 7, 1, 3000, 3000, lossy)
        .unwrap()
        .expect("fault 1 can happen");
    // The weight is the exact probability of the stratum.
    assert!((est.p_fault - (1.0 - (-0.5f64).exp())).abs() < 1e-12);
    let combined = (se_plain * se_plain + est.se * est.se).sqrt();
    assert!(
        (est.p - p_plain).abs() <= 3.0 * combined,
        "stratified {:.4} ± {:.4}, plain {p_plain:.4} ± {se_plain:.4}",
        est.p,
        est.se
    );
    assert!(est.given.0 > 0);
}

#[test]
fn conditioning_reaches_a_one_in_a_million_loss_with_ten_percent_relative_error() {
    // The DC loss now has a mean time of ~11.4 years: within the one-hour
    // trial with probability 1e-5, and it loses data about one time in ten:
    // P(loss) ~ 1e-6. Plain Monte Carlo would need ~10^8 trials for 10%;
    // the stratified estimate needs a few thousand.
    let m = s1_1_with_dc_loss_mean(360_000_000_000);
    let lossy = |o: &kdrsim::TrialOutcome| o.acked_lost_records > 0;
    let est = kdrsim::rare::estimate_given_fault(&m, 3, 1, 4000, 200, lossy)
        .unwrap()
        .unwrap();
    assert!((est.p_fault - 1e-5).abs() / 1e-5 < 1e-4, "{}", est.p_fault);
    // Without the DC loss nothing is ever lost.
    assert_eq!(est.without.0, 0);
    assert!(est.p > 3e-7 && est.p < 3e-6, "{est:?}");
    assert!(est.relative_error() <= 0.10, "{est:?}");
    // Plain Monte Carlo at the same budget sees nothing at all.
    let plain = kdrsim::run_batch(&m, 3, kdrsim::TrialRange::first(4200), 0, |_| {}).unwrap();
    assert!(plain.iter().all(|(_, o)| o.acked_lost_records == 0));
}

/// Twelve processes of about 98,000 failures each: each is under the bound
/// of 100,000 failures per trial, together they are twelve times over it,
/// and the file is refused naming the field and the bound.
#[test]
fn the_failure_bound_holds_for_all_fault_processes_together() {
    // Broker 1 alone fails every ~3.2e6 ms over ten years: ~98,000 times.
    let one = "(component: Broker, only: [\"1\"], time_to_failure: Exponential(3_200_000), time_to_repair: Fixed(18_000))";
    let scenario = |processes: usize| {
        format!(
            r#"(
    version: 1, name: "many", duration_ms: 315_360_000_000,
    topology: (regions: [(name: "r", data_centers: [
        (name: "a", racks: [(name: "a", brokers: [1], controllers: [101])]),
    ])]),
    topics: [(name: "t", partitions: 1, replication_factor: 1, min_insync_replicas: 1)],
    fault_processes: [{}],
)"#,
            vec![one; processes].join(", ")
        )
    };
    let load = |text: String| {
        load_source(&Source {
            file: "many.ron".into(),
            text,
        })
    };
    assert!(load(scenario(1)).is_ok(), "one process is under the bound");
    let e = load(scenario(12))
        .expect_err("twelve are refused")
        .to_string();
    assert!(
        e.contains("field `fault_processes`")
            && e.contains("about 11759")
            && e.contains("failures per trial from 12 fault processes together")
            && e.contains("at most 100000 are supported in all"),
        "{e}"
    );
}
