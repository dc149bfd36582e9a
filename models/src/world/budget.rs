//! The event budget of a trial: a world that keeps processing events
//! without reaching the end of its trial (time stuck, two mechanisms
//! re-arming each other) stops with an error instead of spinning.
//!
//! The budget is derived from the scenario and the trial's fault plan,
//! `EVENT_BUDGET_FACTOR × (partitions + brokers) × (faults + 1)`
//! (`crate::compile::EVENT_BUDGET_FACTOR`, a thousand): generous, since a
//! trial's events are a few per partition and per broker for each fault
//! that begins in it, and the data plane is a flow (no event per record or
//! per tick). Going past it is a model bug, reported with what names the
//! trial, so it can be replayed.

use super::*;
use crate::words::count;

/// A trial stopped because it processed more events than its budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventBudgetExceeded {
    pub scenario: String,
    pub file: String,
    pub seed: u64,
    pub trial: u64,
    pub events: u64,
    pub budget: u64,
    pub factor: u64,
    pub partitions: usize,
    pub brokers: usize,
    pub faults: usize,
}

impl std::fmt::Display for EventBudgetExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "scenario \"{}\" ({}), seed {}, trial {}: stopped after {}, more than the trial's budget of {} ({} x ({} + {}) x ({} + 1)): the simulation no longer advances, a bug in kdrsim; replaying this seed and trial stops at the same event",
            self.scenario,
            self.file,
            self.seed,
            self.trial,
            count(self.events, "event"),
            self.budget,
            self.factor,
            count(self.partitions as u64, "partition"),
            count(self.brokers as u64, "broker"),
            count(self.faults as u64, "fault")
        )
    }
}

impl std::error::Error for EventBudgetExceeded {}

impl From<EventBudgetExceeded> for kdrsim_sim::RunnerError {
    fn from(e: EventBudgetExceeded) -> Self {
        kdrsim_sim::RunnerError::Trial {
            trial: e.trial,
            message: e.to_string(),
        }
    }
}

impl World {
    /// The budget of a trial with `faults` faults beginning in it.
    pub(super) fn event_budget_for(&self, faults: usize) -> u64 {
        let m = &self.model;
        let size = (m.partitions.len() + m.brokers.len()) as u64;
        m.event_budget_factor
            .saturating_mul(size)
            .saturating_mul(faults as u64 + 1)
    }

    /// The event budget of the last trial.
    pub fn event_budget(&self) -> u64 {
        self.event_budget
    }

    pub(super) fn budget_exceeded(&self, seed: u64, trial: u64) -> EventBudgetExceeded {
        let m = &self.model;
        EventBudgetExceeded {
            scenario: m.name.clone(),
            file: m.file.clone(),
            seed,
            trial,
            events: self.events,
            budget: self.event_budget,
            factor: m.event_budget_factor,
            partitions: m.partitions.len(),
            brokers: m.brokers.len(),
            faults: self.fault_starts.len(),
        }
    }
}
