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

use crate::compile::Model;
use crate::scenario::TimeDist;
use kdrsim_sim::{Purpose, RngStreams, SimTime};
use rand::Rng;

/// At most this many fault occurrences per trial from all fault processes
/// together: checked at load time from each process's mean cycle, per
/// process and summed over processes, and enforced while drawing (one
/// budget shared by every process, so the draw stops there whatever the
/// distributions' tails do).
pub const MAX_OCCURRENCES: usize = 100_000;

/// A fault of the scenario file: its times and the target(s) it may hit
/// (one per `AnyOf` alternative; indices into `Model::faults`).
#[derive(Debug, Clone)]
pub struct ScheduledFault {
    pub at: TimeDist,
    pub recover_after: Option<TimeDist>,
    pub specs: Vec<u16>,
    /// The stream an `AnyOf` choice draws from.
    pub choice_key: u32,
}

/// A fault process: each component fails after `time_to_failure`, is
/// repaired after `time_to_repair`, and so on (an alternating renewal
/// process per component, independent of the others).
#[derive(Debug, Clone)]
pub struct ProcessSpec {
    pub time_to_failure: TimeDist,
    pub time_to_repair: TimeDist,
    /// (index into `Model::faults`, the component's stream key)
    pub components: Vec<(u16, u32)>,
}

/// One fault in one trial.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence {
    pub start: SimTime,
    /// `None`: it lasts past the end of the trial.
    pub stop: Option<SimTime>,
    /// Index into `Model::faults`.
    pub spec: u16,
}

/// A stable 32-bit stream key for a name (FNV-1a), in a range apart from
/// the named purposes.
pub fn purpose_key(name: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in name.bytes() {
        h ^= b as u32;
        h = h.wrapping_mul(0x0100_0193);
    }
    h | 0x8000_0000
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
