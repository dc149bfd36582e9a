//! Every trial has an event budget, `1000 × (partitions + brokers) ×
//! (faults + 1)` (`models::compile::EVENT_BUDGET_FACTOR`): a trial that does
//! not advance stops with an error naming the scenario, seed and trial, and
//! the runner hands it up as a `Result` instead of spinning. The inputs that
//! once made the world spin finish in a few hundred events.

mod common;

use common::Edit;

use common::{edit, model, text};
use kdrsim::{run_batch, RunnerError, TrialRange, World};
use std::sync::Arc;

#[test]
fn a_world_that_never_advances_stops_at_its_budget_naming_the_trial() {
    let m = model("3dc-stretched", &text("3dc-stretched.ron"));
    let mut world = World::new(m.clone());
    world.canaries_mut().loop_forever = true;
    let e = world.try_run_trial(7, 3).unwrap_err();
    assert_eq!(world.events_processed(), world.event_budget() + 1);
    // 24 partitions and 6 brokers; one DC loss begins in the trial.
    assert_eq!(world.event_budget(), 1_000 * 30 * 2);
    let text = e.to_string();
    for part in [
        "scenario \"3dc-stretched\" (3dc-stretched.ron)",
        "seed 7, trial 3",
        "stopped after 60001 events",
        "budget of 60000 (1000 x (24 partitions + 6 brokers) x (1 fault + 1))",
    ] {
        assert!(text.contains(part), "{text}");
    }
    // The same world then runs an ordinary trial as a fresh one does.
    world.canaries_mut().loop_forever = false;
    assert_eq!(
        world.try_run_trial(7, 3).unwrap(),
        kdrsim::run_one(&m, 7, 3)
    );
}

/// 3dc-stretched with a budget of one event per partition and broker per
/// fault: trials with more events than that stop.
fn tight() -> Arc<kdrsim::Model> {
    let mut m = (*model("3dc-stretched", &text("3dc-stretched.ron"))).clone();
    m.event_budget_factor = 1;
    Arc::new(m)
}

#[test]
fn the_runner_reports_the_first_trial_over_budget_whatever_the_threads() {
    let m = tight();
    let range = TrialRange { start: 5, end: 400 };
    // The first trial of the range whose events exceed its budget.
    let mut world = World::new(m.clone());
    let first = (range.start..range.end)
        .find(|&t| world.try_run_trial(1, t).is_err())
        .expect("some trial goes over a budget this tight");
    for jobs in [1, 2] {
        match run_batch(&m, 1, range, jobs, |_| {}) {
            Err(RunnerError::Trial { trial, message }) => {
                assert_eq!(trial, first, "jobs {jobs}");
                assert!(
                    message.contains(&format!("seed 1, trial {first}:")),
                    "{message}"
                );
            }
            other => panic!("jobs {jobs}: {other:?}"),
        }
    }
    // With the real budget the same trials all finish.
    let m = model("3dc-stretched", &text("3dc-stretched.ron"));
    assert_eq!(run_batch(&m, 1, range, 2, |_| {}).unwrap().len(), 395);
}

/// Runs `trials` trials and returns the most events any of them processed;
/// none may go past its budget.
fn most_events(name: &str, t: &str, trials: u64) -> u64 {
    let m = model(name, t);
    let mut world = World::new(m);
    (0..trials)
        .map(|trial| {
            world
                .try_run_trial(1, trial)
                .unwrap_or_else(|e| panic!("{e}"));
            world.events_processed()
        })
        .max()
        .unwrap()
}

const WEST_2000: &str =
    r#"(name: "checkout-west", topic: "orders", dc: "west-1", records_per_sec: 2000.0"#;

#[test]
fn active_active_with_a_second_producer_at_2001_records_a_second_finishes() {
    let t = edit(
        &text("active-active-mm2.ron"),
        WEST_2000,
        &WEST_2000.edit("2000.0", "2001.0"),
    );
    let most = most_events("aa-2001", &t, 40);
    assert!(most < 2_000, "{most} events");
}

#[test]
fn active_active_at_2500_and_2000_records_a_second_with_only_the_wan_split_finishes() {
    let t = edit(
        &text("active-active-mm2.ron"),
        r#"dc: "east-1", records_per_sec: 2000.0"#,
        r#"dc: "east-1", records_per_sec: 2500.0"#,
    );
    let t = edit(
        &t,
        r#"        (at: Uniform(3_000_000, 4_800_000), fault: PowerLoss(Region("us-east")), recover_after: Fixed(3_600_000)),
"#,
        "",
    );
    let most = most_events("aa-2500-wan", &t, 40);
    assert!(most < 2_000, "{most} events");
}

#[test]
fn active_active_with_orders_topics_of_3_and_12_partitions_finishes() {
    let t = edit(
        &text("active-active-mm2.ron"),
        r#"(name: "orders", cluster: "us-east", partitions: 12"#,
        r#"(name: "orders", cluster: "us-east", partitions: 3"#,
    );
    let most = most_events("aa-3-12", &t, 40);
    assert!(most < 2_000, "{most} events");
}

/// The fourth once-spinning input, a mirror listing `orders` twice, is
/// refused before any trial: `tests/bad-scenarios/93-mirror-topic-twice.ron`.
#[test]
fn a_mirror_listing_a_topic_twice_is_refused() {
    let t = edit(
        &text("active-active-mm2.ron"),
        r#"target: "us-west", topics: ["orders"]"#,
        r#"target: "us-west", topics: ["orders", "orders"]"#,
    );
    let e = kdrsim::load_source(&kdrsim::Source {
        file: "aa-dup.ron".into(),
        text: t,
    })
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("field `mirrors[0].topics`") && e.contains("a topic listed twice"),
        "{e}"
    );
}
