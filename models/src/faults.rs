//! When faults happen in one trial: the scheduled faults of the scenario
//! file and the fault processes, drawn the same way by every model.
//!
//! # Common random numbers
//!
//! Two scenarios that differ only in topology must see the same fault times
//! for the same (seed, trial), so that the difference between their reports
//! is the topologies' and not sampling noise. The draws are addressed so
//! that this holds:
//!
//! - scheduled faults draw their start and duration from the `FAULTS`
//!   stream in file order, every fault whether or not it falls inside the
//!   trial: keep the same fault list (same order) and the times match;
//! - an `AnyOf` choice draws from a stream of its own, keyed by the fault's
//!   position, so choosing does not shift any other draw;
//! - every component of a fault process draws from a stream keyed by the
//!   process's position, the component class and the component's *name*
//!   (`process 0 Dc dc1`), so a DC named `dc1` fails at the same times in
//!   every scenario that has it, whatever else the topologies hold.

pub use crate::compile::schedule::{purpose_key, ProcessSpec, ScheduledFault, MAX_OCCURRENCES};
use crate::compile::Model;
use kdrsim_sim::{Purpose, RngStreams, SimTime};
use rand::Rng;

/// One fault in one trial.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence {
    pub start: SimTime,
    /// `None`: it lasts past the end of the trial.
    pub stop: Option<SimTime>,
    /// Index into `Model::faults`.
    pub spec: u16,
}

/// Which trials to draw, for stratified rare-event estimation: every trial
/// (plain Monte Carlo), or only those in which scheduled fault `k` begins
/// within the trial (its start drawn from its distribution conditioned on
/// that), or only those in which it does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Stratum {
    #[default]
    All,
    Happens(u16),
    Spared(u16),
}

/// Every fault of trial (`streams`) in `out`, scheduled faults first in
/// file order, then each process's occurrences. Occurrences that begin at
/// or after the end of the trial are still listed (their draws happened);
/// callers skip them.
pub fn plan(m: &Model, streams: &RngStreams, out: &mut Vec<Occurrence>) {
    plan_stratum(m, streams, Stratum::All, out)
}

/// [`plan`] within a stratum. The conditioned fault takes the same number
/// of draws as unconditioned, so every other draw is unchanged (common
/// random numbers between the strata and with plain runs).
pub fn plan_stratum(m: &Model, streams: &RngStreams, stratum: Stratum, out: &mut Vec<Occurrence>) {
    out.clear();
    let end = SimTime::ZERO + m.duration;
    let mut rng = streams.stream(Purpose::FAULTS);
    let end_ms = m.duration.as_ns() as f64 / 1e6;
    for (k, f) in m.schedule.iter().enumerate() {
        let start = match stratum {
            Stratum::Happens(h) if h as usize == k => {
                SimTime::ZERO + f.at.sample_below(&mut rng, end_ms)
            }
            Stratum::Spared(h) if h as usize == k => {
                // Its draws are taken; it does not happen in this trial.
                let _ = f.at.sample(&mut rng);
                end
            }
            _ => SimTime::ZERO + f.at.sample(&mut rng),
        };
        let stop = f.recover_after.map(|d| start + d.sample(&mut rng));
        let spec = if f.specs.len() == 1 {
            f.specs[0]
        } else {
            let mut choice = streams.stream(Purpose(f.choice_key));
            f.specs[choice.gen_range(0..f.specs.len())]
        };
        out.push(Occurrence { start, stop, spec });
    }
    let mut budget = MAX_OCCURRENCES;
    for p in &m.processes {
        for &(spec, key) in &p.components {
            let mut rng = streams.stream(Purpose(key));
            let mut t = SimTime::ZERO;
            loop {
                t += p.time_to_failure.sample(&mut rng);
                if t >= end || budget == 0 {
                    break;
                }
                let stop = t + p.time_to_repair.sample(&mut rng);
                out.push(Occurrence {
                    start: t,
                    stop: (stop < end).then_some(stop),
                    spec,
                });
                budget -= 1;
                t = stop;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_stable_and_apart_from_named_purposes() {
        assert_eq!(
            purpose_key("process 0 Dc dc1"),
            purpose_key("process 0 Dc dc1")
        );
        assert_ne!(
            purpose_key("process 0 Dc dc1"),
            purpose_key("process 0 Dc dc2")
        );
        assert!(purpose_key("x") >= 0x8000_0000);
    }
}
