//! Fuzzing the scenario loader and validator (and what reads their
//! output: the error snippet renderer and `explain`): whatever the input,
//! no panic, no hang, bounded memory.
//!
//! Three generators, each a fixed-seed proptest so CI is reproducible:
//!
//! - arbitrary bytes (as lossy UTF-8);
//! - the scenario library and some broken corpus files, mutated: tokens
//!   inserted, ranges deleted or duplicated, and numbers swapped for
//!   extreme ones (negative, zero, NaN, infinities, u64::MAX + 1, 1e308);
//!   those the validator accepts also run one short trial;
//! - scenario *structures* with arbitrary values in the numeric fields
//!   (counts, durations, rates, time distributions), serialized back to RON;
//!   those the validator accepts also run one short trial, which must not
//!   panic either.
//!
//! `KDRSIM_FUZZ_CASES` sets the cases per generator (default 2,000, a few
//! seconds) and `KDRSIM_FUZZ_SEED` the seed, for longer runs:
//! `KDRSIM_FUZZ_CASES=200000 KDRSIM_FUZZ_SEED=$RANDOM cargo test --release --test fuzz_loader`.
//! docs/robustness.md also describes the cargo-fuzz target under `fuzz/`.

use kdrsim::models::explain::explain;
use kdrsim::models::load::parse;
use kdrsim::models::scenario::{FaultKind, Target, TimeDist};
use kdrsim::{load_source, Source};
use proptest::prelude::*;
use proptest::test_runner::TestRunner;
mod common;

use common::mutate::{apply, config, mutation};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Cases run and cases the validator accepted, over all generators (to
/// show in `--nocapture` output that the mutations reach past the parser).
static CASES: AtomicU64 = AtomicU64::new(0);
static ACCEPTED: AtomicU64 = AtomicU64::new(0);

fn report(what: &str) {
    eprintln!(
        "{what}: {} cases so far, {} accepted by the validator",
        CASES.load(Ordering::Relaxed),
        ACCEPTED.load(Ordering::Relaxed)
    );
}

/// Longer than any legitimate load takes by orders of magnitude; a case
/// slower than this is a hang in the making.
const CASE_BUDGET: Duration = Duration::from_secs(2);

fn bases() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in ["scenarios", "tests/bad-scenarios"] {
        let mut files: Vec<_> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        // Every library scenario; every fifth corpus file (and so the
        // multi-cluster base, whose mirror and runbook numbers get swapped).
        let step = if dir == "scenarios" { 1 } else { 5 };
        for f in files.iter().step_by(step) {
            out.push(std::fs::read_to_string(f).unwrap());
        }
    }
    out
}

/// Loads `text` the way the CLI does and exercises what consumes the
/// result. Panics (the failure proptest reports) only on a broken promise.
fn check(text: &str) {
    CASES.fetch_add(1, Ordering::Relaxed);
    let started = Instant::now();
    let src = Source {
        file: "fuzz.ron".into(),
        text: text.to_string(),
    };
    match load_source(&src) {
        Ok(model) => {
            ACCEPTED.fetch_add(1, Ordering::Relaxed);
            let report = explain(&model).render();
            assert!(
                !report.contains('\u{1b}'),
                "escape sequence echoed: {report:?}"
            );
        }
        Err(e) => {
            every_error_is_reported_like_the_first(&src, &e);
            let shown = e.render(text);
            let loc = e.location().expect("text errors have a location");
            assert!(
                loc.line <= text.lines().count() + 1,
                "line {} is past the end of the text: {shown}",
                loc.line
            );
            assert!(
                !shown.contains('\u{1b}'),
                "escape sequence echoed: {shown:?}"
            );
        }
    }
    assert!(
        started.elapsed() < CASE_BUDGET,
        "loading took {:?}",
        started.elapsed()
    );
}

/// `validate`'s view of a refused text: every error it lists is placed
/// within the text, safe to print, and the first is the one every other
/// command reports.
fn every_error_is_reported_like_the_first(src: &Source, first: &kdrsim::ScenarioError) {
    let problems = match kdrsim::check_source(src) {
        Ok(_) => panic!("check_source accepted what load_source refused: {first}"),
        Err(p) => p,
    };
    assert_eq!(
        problems.errors.first().map(ToString::to_string),
        Some(first.to_string())
    );
    for e in &problems.errors {
        let loc = e.location().expect("text errors have a location");
        assert!(loc.line <= src.text.lines().count() + 1, "{e}");
        assert!(!e.render(&src.text).contains('\u{1b}'), "{e:?}");
    }
}

#[test]
fn arbitrary_bytes_never_panic_the_loader() {
    TestRunner::new(config())
        .run(&proptest::collection::vec(any::<u8>(), 0..2048), |bytes| {
            check(&String::from_utf8_lossy(&bytes));
            Ok(())
        })
        .unwrap();
    report("arbitrary bytes");
}

#[test]
fn mutated_scenarios_never_panic_the_loader_the_snippets_or_explain() {
    let bases = bases();
    let n = bases.len();
    TestRunner::new(config())
        .run(
            &(0..n, proptest::collection::vec(mutation(), 1..6)),
            |(base, mutations)| {
                let mut text = bases[base].clone();
                for m in &mutations {
                    apply(&mut text, m);
                }
                check(&text);
                simulate_briefly(&text);
                Ok(())
            },
        )
        .unwrap();
    report("mutated scenarios");
}

/// Mostly plausible values, often the edges, sometimes anything: uniform
/// `any::<u64>()` alone would almost never get past the first check.
fn u64_value(plausible: std::ops::Range<u64>) -> impl Strategy<Value = u64> {
    prop_oneof![
        30 => plausible,
        1 => Just(0u64),
        1 => Just(u64::MAX),
        1 => any::<u64>(),
    ]
}

fn u32_value(plausible: std::ops::Range<u32>) -> impl Strategy<Value = u32> {
    prop_oneof![30 => plausible, 1 => Just(0u32), 1 => Just(u32::MAX), 1 => any::<u32>()]
}

fn u16_value(plausible: std::ops::Range<u16>) -> impl Strategy<Value = u16> {
    prop_oneof![30 => plausible, 1 => Just(0u16), 1 => any::<u16>()]
}

fn f64_value(plausible: std::ops::Range<f64>) -> impl Strategy<Value = f64> {
    prop_oneof![
        30 => plausible,
        1 => Just(0.0),
        1 => Just(-1.0),
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => any::<f64>(),
    ]
}

fn time_dist() -> impl Strategy<Value = TimeDist> {
    let ms = || u64_value(0..2_000_000);
    prop_oneof![
        ms().prop_map(TimeDist::Fixed),
        (ms(), ms()).prop_map(|(a, b)| TimeDist::Uniform(a, b)),
        ms().prop_map(TimeDist::Exponential),
        (ms(), f64_value(0.0..3.0)).prop_map(|(a, s)| TimeDist::LogNormal(a, s)),
        (ms(), f64_value(0.0..5.0)).prop_map(|(a, s)| TimeDist::Weibull(a, s)),
    ]
}

/// When the validator accepts a structure, one short trial of it must run
/// without panicking either: validation exists so that the model can trust
/// its input. Only trials of up to four hours of simulated time, to bound the
/// budget.
fn simulate_briefly(text: &str) {
    let src = Source {
        file: "fuzz.ron".into(),
        text: text.to_string(),
    };
    if let Ok(model) = load_source(&src) {
        // Valid but expensive scenarios (65,535 partitions, a heartbeat
        // every millisecond) are slow in proportion, not hung: a trial's
        // work grows with partitions and with duration / heartbeat
        // interval. Simulate only those within a small budget.
        let heartbeats_per_broker =
            model.duration.as_ms() / model.timings.broker_heartbeat_interval.as_ms().max(1);
        let cheap = model.duration.as_ms() <= 4 * 3_600_000
            && model.partitions.len() <= 1_000
            && heartbeats_per_broker.saturating_mul(model.brokers.len() as u64) <= 200_000;
        if cheap {
            // On a thread, so that a trial that never ends is reported
            // with its scenario instead of hanging the test.
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let _ = kdrsim::run_one(&model, 1, 0);
                let _ = tx.send(());
            });
            match rx.recv_timeout(CASE_BUDGET * 5) {
                Ok(()) => {}
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    eprintln!("SLOW TRIAL:\n{text}");
                    panic!("a trial took longer than {:?}", CASE_BUDGET * 5);
                }
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                    panic!("the trial panicked");
                }
            }
        }
    }
}

#[test]
fn scenario_structures_with_arbitrary_values_never_panic_the_validator() {
    let base = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/3dc-stretched.ron"),
    )
    .unwrap();
    let scenario = parse(&Source {
        file: "base.ron".into(),
        text: base,
    })
    .unwrap();
    let values = (
        (
            u64_value(1..3_600_000),
            u32_value(1..200),
            u16_value(1..7),
            u16_value(1..7),
        ),
        (
            f64_value(1.0..100_000.0),
            u32_value(1..100_000),
            u64_value(1..200_000),
            u64_value(1..60_000),
        ),
        (time_dist(), proptest::option::of(time_dist()), 0..8u32),
        (
            u64_value(1..20_000),
            u64_value(1..5_000),
            f64_value(0.0..100.0),
            f64_value(0.0..10.0),
        ),
    );
    TestRunner::new(config())
        .run(
            &values,
            |(
                (duration, partitions, rf, min_isr),
                (rate, bytes, delivery, request),
                (at, recover, broker),
                (session, heartbeat, rtt, jitter),
            )| {
                let mut s = scenario.clone();
                s.duration_ms = duration;
                s.topics[0].partitions = partitions;
                s.topics[0].replication_factor = rf;
                s.topics[0].min_insync_replicas = min_isr;
                s.producers[0].records_per_sec = rate;
                s.producers[0].record_bytes = bytes;
                s.producers[0].delivery_timeout_ms = delivery;
                s.producers[0].request_timeout_ms = request;
                s.faults[0].at = at;
                s.faults[0].recover_after = recover;
                s.faults[0].fault = FaultKind::Crash(Target::Broker(broker % 8));
                s.cluster.broker_session_timeout_ms = session;
                s.cluster.broker_heartbeat_interval_ms = heartbeat;
                s.topology.links[0].rtt_ms = rtt;
                s.topology.links[0].jitter_ms = jitter;
                // ron cannot write every f64 it reads back (it is fine
                // with NaN and infinities); a value it refuses to write is
                // not an input anyone can give.
                if let Ok(text) = ron::ser::to_string(&s) {
                    check(&text);
                    simulate_briefly(&text);
                }
                Ok(())
            },
        )
        .unwrap();
    report("arbitrary structures");
}
