//! The expectations section: what `kdrsim check` asserts, parsed.

use super::Checker;
use crate::expect::{parse, Written};

/// Parses each of `expect`, in file order; each one that does not parse is
/// reported.
pub(super) fn resolve(c: &Checker, expect: &[String]) -> Vec<Written> {
    let mut expectations = Vec::new();
    for (ei, text) in expect.iter().enumerate() {
        match parse(text) {
            Ok(expectation) => expectations.push(Written {
                text: text.clone(),
                expectation,
            }),
            Err(e) => c.report(c.err(format!("expect[{ei}]"), &format!("\"{text}\""), e)),
        }
    }
    expectations
}
