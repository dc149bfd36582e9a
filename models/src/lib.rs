//! kdrsim-models: the Kafka world of kdrsim.
//!
//! - [`scenario`]: the scenario file schema (RON).
//! - [`load`] and [`compile`]: parsing with exact error locations, validation,
//!   and resolution into an index-based [`Model`].
//! - [`world`]: one trial of the single-cluster model, driven by the kernel.
//! - [`oracle`]: decides which acknowledged records were lost, apart from the
//!   replication logic.
//! - [`outcome`]: the per-trial metric contract.

pub mod compile;
pub mod dist;
pub mod dr;
pub mod error;
pub mod expect;
pub mod explain;
pub mod faults;
pub mod horizon;
pub mod ids;
pub mod load;
pub mod locate;
pub mod log;
pub mod notes;
pub mod oracle;
pub mod outcome;
pub mod placement;
pub mod scenario;
pub mod study;
pub mod suggest;
pub mod trace;
pub mod traffic;
pub mod words;
pub mod world;

pub use compile::{compile, compile_all, Model};
pub use error::{Location, Problems, ScenarioError};
pub use load::Source;
pub use outcome::{CutOff, Metric, TrialOutcome};
pub use scenario::Scenario;
pub use world::{EventBudgetExceeded, World};

use std::path::Path;
use std::sync::Arc;

/// Reads, parses and validates a scenario file.
pub fn load_file(path: &Path) -> Result<Arc<Model>, ScenarioError> {
    let source = Source::read(path)?;
    load_source(&source)
}

/// Parses and validates scenario text that was read elsewhere (for example a
/// scenario built into the binary).
pub fn load_source(source: &Source) -> Result<Arc<Model>, ScenarioError> {
    let scenario = load::parse(source)?;
    Ok(Arc::new(compile::compile(&scenario, source)?))
}

/// Parses and validates scenario text like [`load_source`], but gives every
/// rule the scenario breaks (in file order), not only the first. A syntax
/// error still stops parsing; [`Problems::stopped`] then says so.
pub fn check_source(source: &Source) -> Result<Arc<Model>, Problems> {
    let scenario = load::parse(source).map_err(Problems::stopping)?;
    Ok(Arc::new(compile::compile_all(&scenario, source)?))
}
