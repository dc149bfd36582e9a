//! Rare-event estimation by conditioning on a fault (stratified sampling).
//!
//! A loss that needs a rare fault (a region lost in a given hour with
//! probability 1e-5) would need ~10^8 plain trials to estimate to 10%. Split
//! the trials instead into two strata by whether scheduled fault `k` begins
//! within the trial:
//!
//! - `p_fault` = P(fault `k` begins in the trial) is known exactly from its
//!   time distribution (`TimeDist::cdf` at the trial's duration);
//! - trials *given* the fault draw its start from the distribution
//!   conditioned on being inside the trial, everything else as usual;
//! - trials *without* it skip the fault.
//!
//! Then P(event) = `p_fault` · P(event | fault) + (1 − `p_fault`) · P(event |
//! no fault), each conditional estimated by plain Monte Carlo within its
//! stratum. The estimate is unbiased; its standard error combines the two
//! binomial errors with their weights. Nothing else about the trials
//! changes: the conditioned fault takes the same random draws as in plain
//! runs (`kdrsim_models::faults::plan_stratum`), so the strata share every
//! other fault time with a plain run of the same trial numbers.

use crate::{Model, RunnerError, TrialOutcome, TrialRange, World};
use kdrsim_models::faults::Stratum;
use std::sync::Arc;

/// A stratified estimate of P(event) and how it was weighted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RareEstimate {
    /// The scheduled fault conditioned on (its index in the file's list).
    pub fault: usize,
    /// P(the fault begins within a trial): the weight of the first stratum.
    pub p_fault: f64,
    /// Trials with the event, and trials, given the fault.
    pub given: (u64, u64),
    /// The same, for trials without the fault.
    pub without: (u64, u64),
    /// The estimate of P(event).
    pub p: f64,
    /// Its standard error.
    pub se: f64,
}

impl RareEstimate {
    /// Standard error over estimate (infinite when nothing was seen).
    pub fn relative_error(&self) -> f64 {
        if self.p > 0.0 {
            self.se / self.p
        } else {
            f64::INFINITY
        }
    }
}

fn stratum_hits(
    model: &Arc<Model>,
    seed: u64,
    trials: u64,
    stratum: Stratum,
    event: &(impl Fn(&TrialOutcome) -> bool + Sync),
) -> Result<u64, RunnerError> {
    let hits = kdrsim_sim::try_run_trials(
        TrialRange::first(trials),
        0,
        || {
            let mut w = World::new(model.clone());
            w.set_stratum(stratum);
            w
        },
        |world, trial| Ok(event(&world.try_run_trial(seed, trial)?) as u64),
        |_| {},
    )?;
    Ok(hits.into_iter().sum())
}

/// Estimates P(`event`) conditioning on scheduled fault `fault` (its index
/// in the scenario's `faults`), with `given_trials` trials in which it
/// happens and `without_trials` in which it does not.
///
/// Returns `None` if there is no such fault or its start can never fall
/// inside a trial.
pub fn estimate_given_fault(
    model: &Arc<Model>,
    seed: u64,
    fault: usize,
    given_trials: u64,
    without_trials: u64,
    event: impl Fn(&TrialOutcome) -> bool + Sync,
) -> Result<Option<RareEstimate>, RunnerError> {
    let Some(f) = model.schedule.get(fault) else {
        return Ok(None);
    };
    let duration_ms = model.duration.as_ns() as f64 / 1e6;
    let p_fault = f.at.cdf(duration_ms);
    if p_fault <= 0.0 {
        return Ok(None);
    }
    let k = fault as u16;
    let given = stratum_hits(model, seed, given_trials, Stratum::Happens(k), &event)?;
    let without = if p_fault < 1.0 && without_trials > 0 {
        stratum_hits(model, seed, without_trials, Stratum::Spared(k), &event)?
    } else {
        0
    };
    let rate = |hits: u64, n: u64| if n == 0 { 0.0 } else { hits as f64 / n as f64 };
    let var = |hits: u64, n: u64| {
        if n < 2 {
            0.0
        } else {
            let q = rate(hits, n);
            q * (1.0 - q) / n as f64
        }
    };
    let (q1, q0) = (rate(given, given_trials), rate(without, without_trials));
    let p = p_fault * q1 + (1.0 - p_fault) * q0;
    let se = (p_fault * p_fault * var(given, given_trials)
        + (1.0 - p_fault) * (1.0 - p_fault) * var(without, without_trials))
    .sqrt();
    Ok(Some(RareEstimate {
        fault,
        p_fault,
        given: (given, given_trials),
        without: (without, without_trials),
        p,
        se,
    }))
}
