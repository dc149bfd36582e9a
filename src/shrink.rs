//! `kdrsim shrink`: the smallest fault schedule that still breaks an
//! expectation, written as a scenario with fixed times.
//!
//! 1. The failing trial's faults are drawn exactly as the run drew them
//!    (`faults::plan`: scheduled faults, `AnyOf` choices, fault-process
//!    occurrences) and written as scheduled faults at fixed times (whole
//!    milliseconds) with concrete targets; fault processes are dropped.
//! 2. That scenario must still break the expectation with the same seed and
//!    trial number (the other random streams — network jitter, protocol
//!    phases, runbook delays — stay addressed by them).
//! 3. Faults are removed one at a time, keeping each removal that still
//!    breaks it, until no single fault can go: the result is 1-minimal
//!    (removing any one remaining fault makes the trial pass). It is never
//!    longer than the trial's schedule.

use crate::{Model, ScenarioError, Source, TrialOutcome};
use kdrsim_models::expect::Expectation;
use kdrsim_models::faults;
use kdrsim_models::scenario::{Fault, Scenario, TimeDist};
use kdrsim_sim::{RngStreams, SimTime};
use std::sync::Arc;

/// Why shrinking could not start.
#[derive(Debug, thiserror::Error)]
pub enum ShrinkError {
    #[error("{0}")]
    Scenario(#[from] ScenarioError),
    #[error("the scenario has no per-trial expectation (like `acked_lost_records == 0`) to shrink against")]
    NoPerTrialExpectation,
    #[error("trial {trial} (seed {seed}) meets every per-trial expectation: nothing to shrink")]
    TrialPasses { seed: u64, trial: u64 },
    #[error("trial {trial} (seed {seed}) breaks an expectation, but no longer with its faults at fixed whole-millisecond times; shrinking needs a reproducible schedule")]
    NotReproducible { seed: u64, trial: u64 },
    #[error("cannot write the shrunk scenario: {0}")]
    Write(String),
    #[error("{0}")]
    Trial(#[from] kdrsim_models::EventBudgetExceeded),
}

/// A shrunk scenario.
#[derive(Debug, Clone)]
pub struct Shrunk {
    /// The scenario file text (RON) with the minimal fixed schedule.
    pub text: String,
    /// Faults in the trial before shrinking, and after.
    pub faults_before: usize,
    pub faults_after: usize,
    /// The outcome of the shrunk trial.
    pub outcome: TrialOutcome,
}

/// Whether `o` breaks one of `model`'s per-trial expectations.
pub fn breaks_per_trial(model: &Model, o: &TrialOutcome) -> bool {
    model.expectations.iter().any(|w| match w.expectation {
        Expectation::EveryTrial { metric, cmp, value } => {
            !cmp.holds(o.get(metric) as f64, value as f64)
        }
        _ => false,
    })
}

fn with_faults(base: &Scenario, faults: &[Fault]) -> Scenario {
    let mut s = base.clone();
    s.faults = faults.to_vec();
    s.fault_processes.clear();
    s
}

fn to_text(s: &Scenario) -> Result<String, ShrinkError> {
    let config = ron::ser::PrettyConfig::new()
        .depth_limit(6)
        .extensions(ron::extensions::Extensions::IMPLICIT_SOME);
    ron::ser::to_string_pretty(s, config).map_err(|e| ShrinkError::Write(e.to_string()))
}

fn run(
    text: &str,
    file: &str,
    seed: u64,
    trial: u64,
) -> Result<(Arc<Model>, TrialOutcome), ShrinkError> {
    let model = kdrsim_models::load_source(&Source {
        file: file.to_string(),
        text: text.to_string(),
    })?;
    let outcome = crate::try_run_one(&model, seed, trial)?;
    Ok((model, outcome))
}

/// Shrinks trial `trial` of `source` (seed `seed`).
pub fn shrink(source: &Source, seed: u64, trial: u64) -> Result<Shrunk, ShrinkError> {
    let scenario = kdrsim_models::load::parse(source)?;
    let model = kdrsim_models::compile(&scenario, source)?;
    if !model
        .expectations
        .iter()
        .any(|w| matches!(w.expectation, Expectation::EveryTrial { .. }))
    {
        return Err(ShrinkError::NoPerTrialExpectation);
    }
    let model = Arc::new(model);
    if !breaks_per_trial(&model, &crate::try_run_one(&model, seed, trial)?) {
        return Err(ShrinkError::TrialPasses { seed, trial });
    }
    let mut schedule = fixed_schedule(&model, seed, trial);
    let faults_before = schedule.len();
    let file = format!("{} (shrunk)", source.file);
    let breaks = |faults: &[Fault]| -> Result<Option<TrialOutcome>, ShrinkError> {
        let text = to_text(&with_faults(&scenario, faults))?;
        let (m, o) = run(&text, &file, seed, trial)?;
        Ok(breaks_per_trial(&m, &o).then_some(o))
    };
    let Some(mut outcome) = breaks(&schedule)? else {
        return Err(ShrinkError::NotReproducible { seed, trial });
    };
    // Greedy one-at-a-time removal to a fixed point (1-minimal).
    let mut i = 0;
    while i < schedule.len() {
        let mut fewer = schedule.clone();
        fewer.remove(i);
        match breaks(&fewer)? {
            Some(o) => {
                schedule = fewer;
                outcome = o;
            }
            None => i += 1,
        }
    }
    Ok(Shrunk {
        text: shrunk_text(source, &scenario, &schedule, faults_before, seed, trial)?,
        faults_before,
        faults_after: schedule.len(),
        outcome,
    })
}

/// The trial's faults exactly as the run drew them, as scheduled faults at
/// fixed whole-millisecond times with concrete targets: a schedule that
/// can be written down and cut. Faults past the trial's end never fired
/// and are left out.
fn fixed_schedule(model: &Model, seed: u64, trial: u64) -> Vec<Fault> {
    let mut occurrences = Vec::new();
    faults::plan(model, &RngStreams::new(seed, trial), &mut occurrences);
    let end = SimTime::ZERO + model.duration;
    occurrences
        .iter()
        .filter(|o| o.start < end)
        .map(|o| Fault {
            at: TimeDist::Fixed(o.start.as_ns() / 1_000_000),
            fault: model.faults[o.spec as usize].kind.clone(),
            clients: model.faults[o.spec as usize].clients,
            recover_after: o
                .stop
                .map(|s| TimeDist::Fixed((s.as_ns() - o.start.as_ns()) / 1_000_000)),
        })
        .collect()
}

/// The shrunk scenario's file: a header saying how it was made and how to
/// replay it, then the scenario with `schedule` as its faults.
fn shrunk_text(
    source: &Source,
    scenario: &Scenario,
    schedule: &[Fault],
    faults_before: usize,
    seed: u64,
    trial: u64,
) -> Result<String, ShrinkError> {
    let mut shrunk = with_faults(scenario, schedule);
    shrunk.description = format!(
        "Shrunk from {} (seed {seed}, trial {trial}): {} of {}, at fixed times. {}",
        source.file,
        schedule.len(),
        kdrsim_output::units::count(faults_before as u64, "fault"),
        scenario.description
    );
    // The input path goes into a `//` comment, which ends at the first line
    // feed: a path holding one would end it early and leave the rest of the
    // path as (invalid) RON. Quoted for a shell and kept on one line, it is
    // a command to paste and a comment that stays a comment.
    let command = crate::safe::printable_line(&crate::safe::shell_command(&[
        "kdrsim",
        "shrink",
        &source.file,
        "--seed",
        &seed.to_string(),
        "--trial",
        &trial.to_string(),
    ]));
    Ok(format!(
        "// Written by `{command}`: the smallest fault\n\
         // schedule that still breaks a per-trial expectation. Replay it with\n\
         // `kdrsim replay THIS_FILE --seed {seed} --trial {trial}`.\n{}\n",
        to_text(&shrunk)?
    ))
}
