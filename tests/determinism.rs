//! Determinism is the product: the same (scenario, seed, trial) must give the
//! same trial event for event, and a report must not depend on threads.

use kdrsim::{builtin_scenarios, load_file, replay, run_batch, trace_hash, TrialRange};
use std::path::Path;
use std::process::Command;

fn scenario(name: &str) -> std::sync::Arc<kdrsim::Model> {
    load_file(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios")
            .join(name),
    )
    .unwrap()
}

#[test]
fn same_scenario_seed_and_trial_replay_to_the_same_trace_hash() {
    for model in builtin_scenarios().unwrap() {
        for trial in [0, 7, 123] {
            let (a_out, a) = replay(&model, 99, trial);
            let (b_out, b) = replay(&model, 99, trial);
            assert!(!a.is_empty());
            assert_eq!(
                trace_hash(&model, &a),
                trace_hash(&model, &b),
                "{} trial {trial}",
                model.name
            );
            assert_eq!(a, b);
            assert_eq!(a_out, b_out);
        }
    }
}

#[test]
fn a_reused_world_gives_the_same_trial_as_a_fresh_one() {
    // Workers reuse one world for many trials: no state may leak between them.
    let model = scenario("3dc-stretched.ron");
    let mut world = kdrsim::World::new(model.clone());
    for trial in 0..20 {
        world.run_trial(5, trial);
    }
    let reused = world.run_trial_traced(5, 3);
    let fresh = replay(&model, 5, 3);
    assert_eq!(reused, fresh);
}

#[test]
fn different_trials_of_a_random_fault_schedule_differ() {
    let model = scenario("3dc-stretched.ron");
    let (_, a) = replay(&model, 1, 0);
    let (_, b) = replay(&model, 1, 1);
    assert_ne!(trace_hash(&model, &a), trace_hash(&model, &b));
}

#[test]
fn batch_outcomes_do_not_depend_on_thread_count() {
    let model = scenario("broker-crash.ron");
    let one = run_batch(&model, 3, TrialRange::first(300), 1, |_| {}).unwrap();
    let two = run_batch(&model, 3, TrialRange::first(300), 2, |_| {}).unwrap();
    assert_eq!(one, two);
}

#[test]
fn batch_trial_k_equals_a_single_run_of_trial_k() {
    let model = scenario("2dc-stretched.ron");
    let batch = run_batch(&model, 8, TrialRange { start: 10, end: 30 }, 2, |_| {}).unwrap();
    for (trial, outcome) in batch {
        assert_eq!(outcome, kdrsim::run_one(&model, 8, trial), "trial {trial}");
    }
}

#[test]
fn two_seeds_give_different_outcome_distributions() {
    // broker-crash draws its crash time and restart delay at random, so the
    // outage distribution must move with the seed.
    let model = scenario("broker-crash.ron");
    let a = run_batch(&model, 1, TrialRange::first(200), 0, |_| {}).unwrap();
    let b = run_batch(&model, 2, TrialRange::first(200), 0, |_| {}).unwrap();
    let outages = |v: &[(u64, kdrsim::TrialOutcome)]| {
        let mut o: Vec<u64> = v.iter().map(|(_, o)| o.max_write_outage_ms).collect();
        o.sort_unstable();
        o
    };
    assert_ne!(outages(&a), outages(&b));
}

fn kdrsim_json(jobs: &str) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_kdrsim"))
        // Not a shard even when the tests run inside a Slurm array or an
        // Indexed Job.
        .env_remove("SLURM_ARRAY_TASK_ID")
        .env_remove("JOB_COMPLETION_INDEX")
        .args([
            "run", "--trials", "300", "--seed", "11", "--format", "json", "--jobs", jobs,
        ])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/3dc-stretched.ron"))
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/broker-crash.ron"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn jobs_1_and_jobs_2_print_byte_identical_json_reports() {
    let one = kdrsim_json("1");
    let two = kdrsim_json("2");
    assert!(one.len() > 100);
    assert_eq!(one, two);
}

#[test]
fn streamed_reports_equal_reports_built_from_every_collected_outcome() {
    // The CLI folds outcomes chunk by chunk (4,096 trials per chunk) and
    // writes CSV as it goes; the library's collect-then-render path is the
    // reference. 4,500 trials cross a chunk boundary.
    use kdrsim::output::{Format, ScenarioRun};
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/broker-crash.ron");
    let model = load_file(&file).unwrap();
    let trials = run_batch(&model, 21, TrialRange::first(4_500), 0, |_| {}).unwrap();
    let runs = [ScenarioRun {
        name: model.name.clone(),
        file: model.file.clone(),
        seed: 21,
        duration_ms: model.duration.as_ms(),
        trials,
    }];
    for format in Format::ALL {
        let out = Command::new(env!("CARGO_BIN_EXE_kdrsim"))
            .env_remove("SLURM_ARRAY_TASK_ID")
            .env_remove("JOB_COMPLETION_INDEX")
            .args([
                "run",
                "--trials",
                "4500",
                "--seed",
                "21",
                "--format",
                format.name(),
            ])
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stdout == format.render(&runs).into_bytes(),
            "{format} differs between the streamed and the collected path"
        );
    }
}
