//! Mutations of valid input files, shared by the fuzz tests
//! (`tests/fuzz_loader.rs` for scenarios, `tests/fuzz_studies.rs` for
//! studies and price books): tokens inserted, ranges deleted or
//! duplicated, numbers swapped for extreme ones.

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

pub const NUMBERS: &[&str] = &[
    "-1",
    "0",
    "-0.0",
    "NaN",
    "inf",
    "-inf",
    "1e308",
    "1e-308",
    "18446744073709551615",
    "18446744073709551616",
    "4294967295",
    "4294967296",
    "65535",
    "65536",
    "999999999999",
    "2.5",
    "1_000_000_000",
];

pub const TOKENS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "r#\"",
    "\"#",
    "//",
    "/*",
    "*/",
    "Some(",
    "None",
    "Fixed(",
    "Dc(\"dc1\")",
    "Broker(1)",
    "'",
    "\\",
    "\u{0}",
    "é",
    "\u{1b}[2J",
    "\n",
    "topics",
    "partitions: ",
    "topologies",
    "File(\"../3dc-stretched.ron\")",
    "Builtin(\"3dc-stretched\")",
    "rate_per_year: ",
    "usd: ",
];

pub fn config() -> Config {
    let cases = std::env::var("KDRSIM_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let seed = std::env::var("KDRSIM_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_261_125);
    Config {
        cases,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: None,
        // Shrinking re-runs failing cases; a slow trial makes each rerun\n        // slow, so keep it short.\n        max_shrink_iters: 50,
        ..Config::default()
    }
}

pub fn boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[derive(Debug, Clone)]
pub enum Mutation {
    Insert(f64, usize),
    Delete(f64, usize),
    Duplicate(f64, usize),
    SwapNumber(usize, usize),
}

pub fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (0.0..1.0f64, 0..TOKENS.len()).prop_map(|(p, t)| Mutation::Insert(p, t)),
        (0.0..1.0f64, 1..40usize).prop_map(|(p, n)| Mutation::Delete(p, n)),
        (0.0..1.0f64, 1..200usize).prop_map(|(p, n)| Mutation::Duplicate(p, n)),
        (0..64usize, 0..NUMBERS.len()).prop_map(|(k, n)| Mutation::SwapNumber(k, n)),
        (0..64usize, 0..NUMBERS.len()).prop_map(|(k, n)| Mutation::SwapNumber(k, n)),
    ]
}

pub fn apply(text: &mut String, m: &Mutation) {
    let at = |p: f64, t: &String| boundary(t, (p * t.len() as f64) as usize);
    match *m {
        Mutation::Insert(p, t) => {
            let i = at(p, text);
            text.insert_str(i, TOKENS[t]);
        }
        Mutation::Delete(p, n) => {
            let i = at(p, text);
            let j = boundary(text, i + n);
            text.replace_range(i..j, "");
        }
        Mutation::Duplicate(p, n) => {
            let i = at(p, text);
            let j = boundary(text, i + n);
            let copy = text[i..j].to_string();
            text.insert_str(j, &copy);
        }
        Mutation::SwapNumber(k, n) => {
            // The k-th run of digits (modulo their count).
            let b = text.as_bytes();
            let mut runs = Vec::new();
            let mut i = 0;
            while i < b.len() {
                if b[i].is_ascii_digit() {
                    let s = i;
                    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_' || b[i] == b'.') {
                        i += 1;
                    }
                    runs.push((s, i));
                } else {
                    i += 1;
                }
            }
            if !runs.is_empty() {
                let (s, e) = runs[k % runs.len()];
                text.replace_range(s..e, NUMBERS[n]);
            }
        }
    }
}
