//! kdrsim: a deterministic, seed-reproducible fault-injection simulator of
//! Kafka disaster-recovery topologies.
//!
//! This crate is the thin facade over the workspace: load a scenario, run a
//! batch of trials or one trial, and hand the outcomes to the reports. The
//! same functions back the `kdrsim` command line, so a user's own
//! `cargo test` can assert on exactly what the CLI would print.
//!
//! ```
//! use kdrsim::{builtin_scenarios, run_batch, TrialRange};
//!
//! let scenario = builtin_scenarios().unwrap().remove(0);
//! let outcomes = run_batch(&scenario, 42, TrialRange::first(4), 1, |_| {}).unwrap();
//! assert_eq!(outcomes.len(), 4);
//! // Trials are reproducible: the same (scenario, seed, trial) gives the same outcome.
//! assert_eq!(kdrsim::run_one(&scenario, 42, 2), outcomes[2].1);
//! ```

pub mod safe;
pub mod study;

pub use kdrsim_models as models;
pub use kdrsim_output as output;
pub use kdrsim_sim as sim;

pub mod check;
pub mod rare;
pub mod shrink;

pub use kdrsim_models::trace::{to_json_lines, trace_hash, TraceEntry};
pub use kdrsim_models::{
    check_source, load_file, load_source, EventBudgetExceeded, Metric, Model, Problems,
    ScenarioError, Source, TrialOutcome, World,
};
pub use kdrsim_sim::{RunnerError, TrialRange};

use std::sync::Arc;

/// kdrsim's version, as reports name it (provenance).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The git commit this binary was built from (`build.rs`), or `unknown`
/// when it was built outside a git checkout or without git.
pub const GIT_COMMIT: &str = env!("KDRSIM_GIT_COMMIT");

/// The scenarios built into the binary: what `cargo run --release` runs
/// with no arguments. They are the files under `scenarios/`.
pub const BUILTIN: [(&str, &str); 4] = [
    (
        "scenarios/3dc-stretched.ron",
        include_str!("../scenarios/3dc-stretched.ron"),
    ),
    (
        "scenarios/2.5dc-observers.ron",
        include_str!("../scenarios/2.5dc-observers.ron"),
    ),
    (
        "scenarios/active-passive-cluster-link.ron",
        include_str!("../scenarios/active-passive-cluster-link.ron"),
    ),
    (
        "scenarios/active-active-mm2.ron",
        include_str!("../scenarios/active-active-mm2.ron"),
    ),
];

/// The default study (`cargo run --release` with no arguments) and the
/// topology files it names that are not in [`BUILTIN`].
pub const BUILTIN_STUDY: [(&str, &str); 7] = [
    (
        "scenarios/study/3-region-stretched.ron",
        include_str!("../scenarios/study/3-region-stretched.ron"),
    ),
    (
        "scenarios/study/default.ron",
        include_str!("../scenarios/study/default.ron"),
    ),
    (
        "scenarios/study/multi-az.ron",
        include_str!("../scenarios/study/multi-az.ron"),
    ),
    (
        "scenarios/study/active-passive-cluster-link.ron",
        include_str!("../scenarios/study/active-passive-cluster-link.ron"),
    ),
    (
        "scenarios/study/active-passive-mm2.ron",
        include_str!("../scenarios/study/active-passive-mm2.ron"),
    ),
    (
        "scenarios/study/active-active.ron",
        include_str!("../scenarios/study/active-active.ron"),
    ),
    (
        "scenarios/active-passive-mm2.ron",
        include_str!("../scenarios/active-passive-mm2.ron"),
    ),
];

/// The text of a built-in file (scenario or study) by its path in the
/// repository, e.g. `scenarios/3dc-stretched.ron`, or by the name a
/// command line gives it, `builtin:3dc-stretched`.
pub fn builtin_text(path: &str) -> Option<&'static str> {
    BUILTIN
        .iter()
        .chain(BUILTIN_STUDY.iter())
        .find(|(file, _)| *file == path || builtin_name(file).as_deref() == Some(path))
        .map(|(_, text)| *text)
}

/// What names a built-in file wherever a scenario (or study) file is
/// accepted: `builtin:3dc-stretched` is `scenarios/3dc-stretched.ron` as
/// compiled into the binary, `builtin:study/default` the default study.
pub const BUILTIN_PREFIX: &str = "builtin:";

/// The `builtin:NAME` of a built-in file's path in the repository
/// (`scenarios/NAME.ron`).
pub fn builtin_name(path: &str) -> Option<String> {
    let name = path.strip_prefix("scenarios/")?.strip_suffix(".ron")?;
    Some(format!("{BUILTIN_PREFIX}{name}"))
}

/// Every built-in file's `builtin:NAME`, those of `scenarios/` first, each
/// group by name.
pub fn builtin_names() -> Vec<String> {
    let mut names: Vec<String> = BUILTIN
        .iter()
        .chain(BUILTIN_STUDY.iter())
        .filter_map(|(file, _)| builtin_name(file))
        .collect();
    names.sort_by(|a, b| (a.contains('/'), a).cmp(&(b.contains('/'), b)));
    names
}

/// The source of a scenario (or study) argument: the built-in it names
/// (`builtin:NAME`, reported under that name), or the file at that path.
pub fn read_source(arg: &std::path::Path) -> Result<Source, ScenarioError> {
    let written = arg.to_string_lossy();
    if !written.starts_with(BUILTIN_PREFIX) {
        return Source::read(arg);
    }
    match builtin_text(&written) {
        Some(text) => Ok(Source {
            file: written.into_owned(),
            text: text.to_string(),
        }),
        None => Err(ScenarioError::Invalid {
            location: kdrsim_models::Location {
                file: written.into_owned(),
                line: 0,
                column: 0,
                field: String::new(),
            },
            message: format!(
                "no built-in scenario has this name; valid: {}",
                builtin_names().join(", ")
            ),
        }),
    }
}

/// Reads, parses and validates a scenario argument: `builtin:NAME` or a
/// file ([`read_source`]).
pub fn load_scenario(arg: &std::path::Path) -> Result<Arc<Model>, ScenarioError> {
    load_source(&read_source(arg)?)
}

/// The built-in scenarios, each under its `builtin:NAME`.
pub fn builtin_sources() -> Vec<Source> {
    BUILTIN
        .iter()
        .map(|(file, text)| Source {
            file: builtin_name(file).unwrap_or_else(|| file.to_string()),
            text: text.to_string(),
        })
        .collect()
}

/// Loads the built-in scenarios.
pub fn builtin_scenarios() -> Result<Vec<Arc<Model>>, ScenarioError> {
    builtin_sources().iter().map(load_source).collect()
}

/// Runs trials `trials` of `model` with master seed `seed` on `jobs` threads
/// (0 = all cores). Outcomes come back in trial order and do not depend on
/// `jobs`. `progress` is called with counts of finished trials. A trial that
/// goes past its event budget (a model bug) stops the run with
/// [`RunnerError::Trial`], naming the scenario, seed and trial.
pub fn run_batch(
    model: &Arc<Model>,
    seed: u64,
    trials: TrialRange,
    jobs: usize,
    progress: impl Fn(u64) + Sync + Send,
) -> Result<Vec<(u64, TrialOutcome)>, RunnerError> {
    kdrsim_sim::try_run_trials(
        trials,
        jobs,
        || World::new(model.clone()),
        |world, trial| Ok((trial, world.try_run_trial(seed, trial)?)),
        progress,
    )
}

/// Runs trials `trials` like [`run_batch`], but hands the outcomes to `sink`
/// a chunk at a time (in trial order, on the calling thread) instead of
/// collecting them: what the CLI uses, so memory stays flat in the number of
/// trials. An error from `sink` stops the run.
pub fn run_chunked<E: From<RunnerError>>(
    model: &Arc<Model>,
    seed: u64,
    trials: TrialRange,
    jobs: usize,
    progress: impl Fn(u64) + Sync + Send,
    sink: impl FnMut(&mut Vec<(u64, TrialOutcome)>) -> Result<(), E>,
) -> Result<(), E> {
    kdrsim_sim::try_run_trials_chunked(
        trials,
        jobs,
        kdrsim_sim::DEFAULT_CHUNK,
        || World::new(model.clone()),
        |world, trial| Ok((trial, world.try_run_trial(seed, trial)?)),
        progress,
        sink,
    )
}

/// Like [`run_batch`], but stops once `cancel` is set (by a Ctrl-C handler,
/// say) and returns the trials that completed, in trial order with their
/// numbers, so a partial report still names replayable trials.
///
/// Trials run in chunks so that an interrupted run has only stored what it
/// finished (a huge `--trials` is not allocated up front), and the flag is
/// also checked before each trial so a chunk drains at once. This is the
/// whole cancellation hook: a chunked or streaming runner keeps it by
/// checking the same flag between its chunks.
pub fn run_batch_cancellable(
    model: &Arc<Model>,
    seed: u64,
    trials: TrialRange,
    jobs: usize,
    cancel: &std::sync::atomic::AtomicBool,
    progress: impl Fn(u64) + Sync + Send,
) -> Result<Vec<(u64, TrialOutcome)>, RunnerError> {
    use std::sync::atomic::Ordering;
    const CHUNK: u64 = 8192;
    let mut done = Vec::new();
    let mut start = trials.start;
    while start < trials.end && !cancel.load(Ordering::Relaxed) {
        let end = trials.end.min(start.saturating_add(CHUNK));
        let chunk = kdrsim_sim::try_run_trials(
            TrialRange { start, end },
            jobs,
            || World::new(model.clone()),
            |world, trial| {
                if cancel.load(Ordering::Relaxed) {
                    return Ok(None);
                }
                Ok(Some((trial, world.try_run_trial(seed, trial)?)))
            },
            &progress,
        )?;
        done.extend(chunk.into_iter().flatten());
        start = end;
    }
    Ok(done)
}

/// Runs trials `trials` of `model` like [`run_batch`] and returns each
/// trial's bytes by purpose and boundary (`World::traffic`), in trial
/// order: what `kdrsim cost` prices.
pub fn run_traffic(
    model: &Arc<Model>,
    seed: u64,
    trials: TrialRange,
    jobs: usize,
) -> Result<Vec<kdrsim_models::traffic::Traffic>, RunnerError> {
    kdrsim_sim::try_run_trials(
        trials,
        jobs,
        || World::new(model.clone()),
        |world, trial| {
            world.try_run_trial(seed, trial)?;
            Ok(world.traffic())
        },
        |_| {},
    )
}

/// `model` with its faults taken out (scheduled faults and fault
/// processes): the steady state a price book bills month after month.
pub fn without_faults(model: &Model) -> Arc<Model> {
    let mut quiet = model.clone();
    quiet.schedule.clear();
    quiet.processes.clear();
    Arc::new(quiet)
}

/// Runs one trial.
///
/// # Panics
///
/// If the trial goes past its event budget (a model bug); [`try_run_one`]
/// returns that as an error.
pub fn run_one(model: &Arc<Model>, seed: u64, trial: u64) -> TrialOutcome {
    World::new(model.clone()).run_trial(seed, trial)
}

/// Runs one trial, or says which trial went past its event budget.
pub fn try_run_one(
    model: &Arc<Model>,
    seed: u64,
    trial: u64,
) -> Result<TrialOutcome, EventBudgetExceeded> {
    World::new(model.clone()).try_run_trial(seed, trial)
}

/// Runs one trial and returns its trace, event for event.
///
/// # Panics
///
/// As [`run_one`]; [`try_replay`] returns the error instead.
pub fn replay(model: &Arc<Model>, seed: u64, trial: u64) -> (TrialOutcome, Vec<TraceEntry>) {
    World::new(model.clone()).run_trial_traced(seed, trial)
}

/// [`replay`], or the trial's event-budget error.
pub fn try_replay(
    model: &Arc<Model>,
    seed: u64,
    trial: u64,
) -> Result<(TrialOutcome, Vec<TraceEntry>), EventBudgetExceeded> {
    World::new(model.clone()).try_run_trial_traced(seed, trial)
}
