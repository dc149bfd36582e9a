//! The expectations section: what `kdrsim check` asserts, parsed.

use super::Checker;
use crate::error::ScenarioError;
use crate::expect::{parse, Written};

/// Parses each of `expect`, in file order.
pub(super) fn resolve(c: &Checker, expect: &[String]) -> Result<Vec<Written>, ScenarioError> {
    let mut expectations = Vec::new();
    for (ei, text) in expect.iter().enumerate() {
        let expectation =
            parse(text).map_err(|e| c.err(format!("expect[{ei}]"), &format!("\"{text}\""), e))?;
        expectations.push(Written {
            text: text.clone(),
            expectation,
        });
    }
    Ok(expectations)
}
