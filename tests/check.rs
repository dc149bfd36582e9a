//! Seed-reproducible regression checks: expectations in scenario files, the
//! sequential probability test, and shrinking a failing trial's faults.

mod common;

use common::run::kdrsim;
use common::*;

use kdrsim::check::{check_model, sequential_test, CheckOptions, Verdict};
use kdrsim::models::expect::Cmp;
use kdrsim::shrink::{breaks_per_trial, shrink};
use kdrsim::Source;
use rand::{Rng, SeedableRng};
use std::sync::Arc;

/// S1.1 (which loses acknowledged writes in about a quarter of its trials)
/// with expectations, and two extra faults that have nothing to do with it.
fn s1_1_with(expect: &[&str]) -> String {
    let t = text("s1-1-2.5dc-sizing.ron");
    let faults_end = "recover_after: Fixed(1_800_000)),\n    ],";
    assert!(t.contains(faults_end));
    let list: Vec<String> = expect.iter().map(|e| format!("{e:?}")).collect();
    t.edit(
        faults_end,
        &format!(
            "recover_after: Fixed(1_800_000)),
        (at: Uniform(0, 3_000_000), fault: Crash(Controller(105)), recover_after: Fixed(60_000)),
        (at: Uniform(0, 3_000_000), fault: Crash(Broker(5)), recover_after: Fixed(20_000)),
    ],
    expect: [{}],",
            list.join(", ")
        ),
    )
}

fn opts() -> CheckOptions {
    CheckOptions {
        seed: 1,
        trials: 200,
        max_trials: 20_000,
        jobs: 0,
    }
}

#[test]
fn check_fails_a_broken_expectation_and_names_a_trial_that_replays_the_break() {
    let m = model(
        "s1-1",
        &s1_1_with(&[
            "acked_lost_records == 0",
            "p50(max_write_outage_ms) <= 2000000",
        ]),
    );
    let results = check_model(&m, opts()).unwrap();
    assert_eq!(results.len(), 2);
    let lost = &results[0];
    assert_eq!(lost.verdict, Verdict::Fail, "{lost:?}");
    assert!(!lost.replay_trials.is_empty());
    for &trial in &lost.replay_trials {
        // The named trial, replayed on its own, breaks it again.
        let (o, _) = kdrsim::replay(&m, 1, trial);
        assert!(o.acked_lost_records > 0, "trial {trial}");
        assert!(breaks_per_trial(&m, &o));
    }
    assert_eq!(results[1].verdict, Verdict::Pass, "{:?}", results[1]);
}

#[test]
fn probability_expectations_are_decided_by_the_sequential_test() {
    // P(loss) is about 0.24 here: far above 0.01 and far below 0.9.
    let m = model(
        "s1-1-p",
        &s1_1_with(&[
            "P(acked_lost_records > 0) < 0.01",
            "P(acked_lost_records > 0) < 0.9 @ 99%",
        ]),
    );
    let results = check_model(&m, opts()).unwrap();
    assert_eq!(results[0].verdict, Verdict::Fail, "{:?}", results[0]);
    assert_eq!(results[1].verdict, Verdict::Pass, "{:?}", results[1]);
    // Both decided at the first look, long before the 20,000-trial budget a
    // fixed-size test would spend.
    assert!(results.iter().all(|r| r.trials <= 200), "{results:?}");
    assert!(!results[0].replay_trials.is_empty());
}

/// Bernoulli(p) trials from a seeded generator.
fn bernoulli(p: f64, seed: u64) -> impl FnMut(u64, u64) -> Result<u64, kdrsim::RunnerError> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    move |from, to| Ok((from..to).filter(|_| rng.gen::<f64>() < p).count() as u64)
}

#[test]
fn the_sequential_test_stops_early_far_from_the_bound_and_keeps_its_error_rate() {
    let confidence = 0.95;
    // Far from the bound: decided after a few hundred trials, where a
    // fixed-N test of the same budget runs 100,000.
    let far = sequential_test(Cmp::Lt, 0.05, confidence, 100_000, bernoulli(0.005, 1)).unwrap();
    assert_eq!(far.verdict, Verdict::Pass);
    assert!(far.trials <= 1_600, "{far:?}");
    // At the bound itself any "pass" is wrong: over many repetitions the
    // wrong verdicts stay below 1 - confidence.
    let reps = 400;
    let mut wrong = 0;
    for seed in 0..reps {
        let s = sequential_test(
            Cmp::Lt,
            0.05,
            confidence,
            6_400,
            bernoulli(0.05, 1000 + seed),
        )
        .unwrap();
        if s.verdict == Verdict::Pass {
            wrong += 1;
        }
    }
    let rate = wrong as f64 / reps as f64;
    assert!(rate <= 1.0 - confidence, "wrong verdicts {rate}");
    // Slightly on the failing side: it fails (correctly) most of the time
    // and never passes more often than the error rate allows.
    let mut passes = 0;
    let mut fails = 0;
    for seed in 0..reps {
        match sequential_test(
            Cmp::Lt,
            0.05,
            confidence,
            25_600,
            bernoulli(0.07, 5000 + seed),
        )
        .unwrap()
        .verdict
        {
            Verdict::Pass => passes += 1,
            Verdict::Fail => fails += 1,
            Verdict::Undecided => {}
        }
    }
    assert!(passes as f64 / reps as f64 <= 1.0 - confidence);
    assert!(fails > reps * 3 / 4, "{fails} of {reps}");
}

#[test]
fn shrinking_keeps_the_break_and_every_remaining_fault_is_needed() {
    let t = s1_1_with(&["acked_lost_records == 0"]);
    let m = model("s1-1-shrink", &t);
    let results = check_model(&m, opts()).unwrap();
    let trial = results[0].replay_trials[0];
    let source = Source {
        file: "s1-1-shrink.ron".into(),
        text: t,
    };
    let shrunk = shrink(&source, 1, trial).unwrap();
    assert!(shrunk.faults_after <= shrunk.faults_before);
    assert!(shrunk.faults_after >= 1);
    assert!(shrunk.outcome.acked_lost_records > 0);
    // The written scenario loads, and its trial still breaks the expectation.
    let small = model("shrunk", &shrunk.text);
    let o = kdrsim::run_one(&small, 1, trial);
    assert!(breaks_per_trial(&small, &o), "{o:?}");
    assert_eq!(small.schedule.len(), shrunk.faults_after);
    assert!(small.processes.is_empty());
    // Removing any one remaining fault makes the trial pass.
    let scenario = kdrsim::models::load::parse(&Source {
        file: "shrunk.ron".into(),
        text: shrunk.text.clone(),
    })
    .unwrap();
    for i in 0..scenario.faults.len() {
        let mut fewer = scenario.clone();
        fewer.faults.remove(i);
        let m2 = Arc::new(
            kdrsim::models::compile(
                &fewer,
                &Source {
                    file: "fewer.ron".into(),
                    text: String::new(),
                },
            )
            .unwrap(),
        );
        let o = kdrsim::run_one(&m2, 1, trial);
        assert!(
            !breaks_per_trial(&m2, &o),
            "fault {i} was not needed: {o:?}"
        );
    }
}

// ------------------------------------------------------------------ CLI

fn temp_file(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("kdrsim-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn check_exits_1_on_a_broken_expectation_names_the_replay_and_writes_junit() {
    let file = temp_file(
        "s1-1-check.ron",
        &s1_1_with(&["acked_lost_records == 0", "max(rpo_ms) >= 0"]),
    );
    let junit = file.with_extension("xml");
    let out = kdrsim(&[
        "check",
        file.to_str().unwrap(),
        "--trials",
        "200",
        "--junit",
        junit.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("FAIL      acked_lost_records == 0"), "{text}");
    assert!(text.contains("PASS      max(rpo_ms) >= 0"), "{text}");
    // The named replay command reproduces the break.
    let line = text
        .lines()
        .find(|l| l.contains("replay: kdrsim replay"))
        .unwrap();
    let trial = line.rsplit(' ').next().unwrap();
    let replay = kdrsim(&[
        "replay",
        file.to_str().unwrap(),
        "--seed",
        "1",
        "--trial",
        trial,
    ]);
    let replayed = String::from_utf8_lossy(&replay.stdout);
    let lost: u64 = replayed
        .lines()
        .find(|l| l.trim_start().starts_with("acked_lost_records"))
        .and_then(|l| l.split_whitespace().last())
        .unwrap()
        .parse()
        .unwrap();
    assert!(lost > 0, "{replayed}");
    // JUnit: one suite, two cases, one failure carrying the replay command.
    let xml = std::fs::read_to_string(&junit).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 2);
    let failures: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .collect();
    assert_eq!(failures.len(), 1);
    assert!(failures[0].text().unwrap().contains("kdrsim replay"));
}

#[test]
fn check_exits_0_when_everything_holds_and_2_on_bad_input() {
    let ok = temp_file(
        "3dc-check.ron",
        &text("3dc-stretched.ron").edit(
            "    faults: [",
            "    expect: [\"acked_lost_records == 0\", \"p99(max_write_outage_ms) <= 31000\", \"P(acked_lost_records > 0) < 0.01\"],\n    faults: [",
        ),
    );
    let out = kdrsim(&["check", ok.to_str().unwrap(), "--trials", "300"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let bad = temp_file(
        "bad-expect.ron",
        &text("3dc-stretched.ron").edit(
            "    faults: [",
            "    expect: [\"lost == 0\"],\n    faults: [",
        ),
    );
    let out = kdrsim(&["check", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("expect[0]") && err.contains("unknown metric `lost`"),
        "{err}"
    );
}

#[test]
fn shrink_writes_a_smaller_scenario_that_replays_the_break() {
    let t = s1_1_with(&["acked_lost_records == 0"]);
    let file = temp_file("s1-1-shrink-cli.ron", &t);
    let m = model("s1-1-shrink-cli", &t);
    let trial = check_model(&m, opts()).unwrap()[0].replay_trials[0];
    let out_file = file.with_file_name("shrunk-cli.ron");
    let out = kdrsim(&[
        "shrink",
        file.to_str().unwrap(),
        "--trial",
        &trial.to_string(),
        "--out",
        out_file.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shrunk = model("shrunk-cli", &std::fs::read_to_string(&out_file).unwrap());
    assert!(shrunk.schedule.len() < m.schedule.len() + m.processes.len() + 1);
    assert!(breaks_per_trial(
        &shrunk,
        &kdrsim::run_one(&shrunk, 1, trial)
    ));
}

#[test]
fn a_shrunk_scenario_from_a_path_with_a_line_feed_still_parses() {
    // The input path is quoted in the first `//` comment: a line feed in it
    // used to end the comment and leave the rest of the path as bad RON.
    let t = edit(
        &text("broker-crash.ron"),
        "    faults: [",
        "    expect: [\"max_write_outage_ms == 0\"],\n    faults: [",
    );
    let m = model("broker-crash-expect", &t);
    let trial = check_model(&m, opts()).unwrap()[0].replay_trials[0];
    let source = Source {
        file: "dir\n)garbage(\r\n/it's \u{1b}[31mred.ron".into(),
        text: t,
    };
    let shrunk = shrink(&source, 1, trial).unwrap();
    let reparsed = kdrsim::load_source(&Source {
        file: "shrunk.ron".into(),
        text: shrunk.text.clone(),
    });
    assert!(reparsed.is_ok(), "{reparsed:?}\n{}", shrunk.text);
    let first = shrunk.text.lines().next().unwrap();
    assert!(
        first.starts_with(
            "// Written by `kdrsim shrink 'dir?)garbage(??/it'\\''s ?[31mred.ron' --seed 1"
        ),
        "{first}"
    );
    assert!(!shrunk.text.contains('\u{1b}'), "{}", shrunk.text);
}

#[test]
fn a_probability_check_with_the_largest_trial_budget_does_not_overflow() {
    // --max-trials u64::MAX: planning the looks doubled 100 until it
    // overflowed (a panic in debug builds, a wrap in release).
    for (p, verdict) in [(0.0, Verdict::Pass), (1.0, Verdict::Fail)] {
        let s = sequential_test(Cmp::Lt, 0.5, 0.95, u64::MAX, bernoulli(p, 3)).unwrap();
        assert_eq!(s.verdict, verdict, "{s:?}");
        assert_eq!(s.trials, 100);
    }
}
