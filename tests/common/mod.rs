//! Helpers shared by the end-to-end tests: scenario text from the library,
//! models from text, outcomes of a batch. Each test binary uses a subset.
#![allow(dead_code)]

pub mod mutate;
pub mod run;

use kdrsim::{load_source, run_batch, Source, TrialOutcome, TrialRange};
use std::path::Path;
use std::sync::Arc;

/// The text of `scenarios/FILE`.
pub fn text(file: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios")
            .join(file),
    )
    .unwrap()
}

/// A model from scenario text, reported as `NAME.ron`; panics with the
/// scenario error (a test's own scenario text must be valid).
pub fn model(name: &str, text: &str) -> Arc<kdrsim::Model> {
    load_source(&Source {
        file: format!("{name}.ron"),
        text: text.to_string(),
    })
    .unwrap_or_else(|e| panic!("{e}"))
}

/// `from` replaced by `to` in `t`, insisting that `from` is there (a
/// variant that silently edits nothing would test the original).
pub fn edit(t: &str, from: &str, to: &str) -> String {
    assert!(t.contains(from), "scenario text lacks «{from}»");
    t.replace(from, to)
}

/// Outcomes of trials `0..trials`, seed 1, in trial order.
pub fn outcomes(m: &Arc<kdrsim::Model>, trials: u64) -> Vec<TrialOutcome> {
    run_batch(m, 1, TrialRange::first(trials), 0, |_| {})
        .unwrap()
        .into_iter()
        .map(|(_, o)| o)
        .collect()
}

/// `.edit(from, to)`: `str::replace` that insists `from` is there, for
/// editing scenario text (a variant whose edit silently matched nothing
/// would test the original).
pub trait Edit {
    fn edit(&self, from: &str, to: &str) -> String;
}

impl Edit for str {
    fn edit(&self, from: &str, to: &str) -> String {
        edit(self, from, to)
    }
}
