//! kdrsim-output: turns trial outcomes into reports.
//!
//! The flow is `ScenarioRun` (every trial's [`TrialOutcome`], from the
//! runner) → [`summarize`] → [`ScenarioSummary`] → a format:
//!
//! - [`format_table`]`(&[ScenarioSummary]) -> String`: aligned text for a
//!   terminal.
//! - [`format_json`]`(&[ScenarioSummary]) -> String`: pretty JSON whose shape
//!   and key order are a contract (see [`format::json`]).
//! - [`format_csv`]`(&[ScenarioRun]) -> String`: one row per trial; it takes
//!   the runs because a summary no longer holds the trials.
//! - [`Format`] names the three for a command line and
//!   [`Format::render`] renders runs in any of them.
//!
//! - [`charts`]: comparison, topology, timeline and sweep charts as SVG and
//!   PNG (plotters, with a bundled font); [`html`]: the self-contained
//!   report page that shows them.
//!
//! For runs too long to hold every outcome, [`ScenarioAccumulator`] folds
//! outcomes one at a time into the same summary (see [`accumulate`]), and
//! [`csv_header`] / [`write_csv_rows`] write CSV a chunk at a time.
//!
//! Every function is pure and deterministic: identical inputs give
//! byte-identical text, and statistics depend only on the multiset of
//! `(trial, outcome)` pairs, never on the order trials finished in.
//! [`stats`] documents the definitions (nearest-rank percentiles, Wilson
//! score intervals, worst-trial ordering).
//!
//! Every format a person reads shows control characters from scenario
//! names as `?` ([`text`], the one rule); JSON keeps them, escaped.
//!
//! [`TrialOutcome`]: kdrsim_models::TrialOutcome

pub mod accumulate;
pub mod charts;
pub mod cost;
pub mod format;
pub mod html;
pub mod provenance;
pub mod stats;
pub mod study;
pub mod summary;
pub mod text;
pub mod units;

pub use accumulate::summarize;
pub use accumulate::{MetricAccumulator, ScenarioAccumulator, ValueCounts};
pub use format::csv::{csv_header, format_csv, write_csv_rows};
pub use format::json::{format_json, format_report_json};
pub use format::table::format_table;
pub use format::{Format, UnknownFormat};
pub use summary::{
    report_warnings, timeline_trial, CutOffCounts, MetricSummary, ScenarioRun, ScenarioSummary,
    TimelineBy,
};
pub use text::{printable, printable_line};
