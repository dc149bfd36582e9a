//! kdrsim-output: statistics and reports. It never simulates: it turns
//! per-trial outcomes into summaries ([`summarize`]) and renders them as a
//! table, JSON or CSV ([`format_table`], [`format_json`], [`format_csv`]).

pub mod format;
pub mod stats;
pub mod summary;

pub use format::{format_csv, format_json, format_table};
pub use summary::{summarize, MetricSummary, ScenarioRun, ScenarioSummary};
