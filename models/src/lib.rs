pub mod outcome;
pub use outcome::{Metric, TrialOutcome};
