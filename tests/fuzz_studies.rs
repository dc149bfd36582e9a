//! Fuzzing what a study reads beside scenarios: study files (resolved as
//! `kdrsim study` and `kdrsim validate` resolve them: topology files, fault
//! scenarios, classes, price books) and price books (loaded as
//! `kdrsim cost --price-book` loads them, then billed). Whatever the input:
//! no panic, an error placed inside its file and safe to print, and a bill
//! whose every dollar figure is a finite, non-negative number.
//!
//! The mutations are the scenario fuzzer's (`tests/common/mutate.rs`);
//! `KDRSIM_FUZZ_CASES` sets the scenario fuzzer's cases per generator, and
//! these take a tenth of it (default 200: a study resolves dozens of cells).

mod common;

use common::mutate::{apply, config, mutation};
use kdrsim::models::traffic::Traffic;
use kdrsim::output::cost::{self, Platform, PriceBook};
use kdrsim::study;
use kdrsim::{ScenarioError, Source, TrialRange};
use proptest::test_runner::{Config, TestRunner};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A study resolves in well under this; slower is a hang in the making.
const CASE_BUDGET: Duration = Duration::from_secs(10);

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn few() -> Config {
    let c = config();
    Config {
        cases: (c.cases / 10).max(20),
        ..c
    }
}

/// No byte a terminal would act on: what every message kdrsim prints
/// must be (names are shown with `?` for control characters).
fn assert_printable(what: &str, text: &str) {
    let bad = text
        .chars()
        .find(|&c| c.is_control() && c != '\n' && c != '\t');
    assert!(bad.is_none(), "{what} carries {bad:?}: {text:?}");
}

fn assert_placed(e: &ScenarioError, file: &str, text: &str) {
    if let Some(loc) = e.location().filter(|l| l.file == file) {
        assert!(loc.line <= text.lines().count() + 1, "past the end: {e}");
    }
    assert_printable("a study error", &e.render(text));
}

/// The study files under `scenarios/study/` and `tests/study/`, each
/// under its own path so its `File(...)` topologies resolve.
fn studies() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for f in [
        "scenarios/study/default.ron",
        "tests/study/small.ron",
        "tests/study/active-active-region.ron",
    ] {
        let path = root().join(f);
        let text = std::fs::read_to_string(&path).unwrap();
        out.push((path.display().to_string(), text));
    }
    out
}

fn check_study(file: &str, text: &str) {
    let started = Instant::now();
    let src = Source {
        file: file.to_string(),
        text: text.to_string(),
    };
    match study::resolve(&src, false, Path::new("out")) {
        Ok(r) => {
            assert!(
                study::cells_to_run(&r) <= 10_000,
                "a study of that many cells"
            );
            for w in &r.warnings {
                assert_printable("a study warning", w);
            }
        }
        Err(e) => assert_placed(&e, file, text),
    }
    assert!(
        started.elapsed() < CASE_BUDGET,
        "resolving took {:?}",
        started.elapsed()
    );
}

#[test]
fn mutated_study_files_never_panic_resolution_and_every_error_is_placed() {
    let bases = studies();
    TestRunner::new(few())
        .run(
            &(0..bases.len(), proptest::collection::vec(mutation(), 1..6)),
            |(base, mutations)| {
                let (file, mut text) = bases[base].clone();
                for m in &mutations {
                    apply(&mut text, m);
                }
                check_study(&file, &text);
                Ok(())
            },
        )
        .unwrap();
}

/// The price books a user starts from: the shipped example, and every
/// built-in book written out as a file.
fn books() -> Vec<String> {
    let example = root().join("tests/cost-scenarios/seed-003-book.ron");
    vec![std::fs::read_to_string(example).unwrap()]
}

/// Two trials' traffic of a two-cluster scenario: something to bill.
fn traffic() -> (std::sync::Arc<kdrsim::Model>, Vec<Traffic>, Vec<Traffic>) {
    let model = kdrsim::load_scenario(&root().join("scenarios/active-passive-mm2.ron")).unwrap();
    let trials = TrialRange::first(2);
    let faulted = kdrsim::run_traffic(&model, 1, trials, 1).unwrap();
    let quiet = kdrsim::run_traffic(&kdrsim::without_faults(&model), 1, trials, 1).unwrap();
    (model, quiet, faulted)
}

fn check_book(text: &str, billed: &(std::sync::Arc<kdrsim::Model>, Vec<Traffic>, Vec<Traffic>)) {
    match PriceBook::load(Platform::AwsMsk, "book.ron", text) {
        Ok(book) => {
            let (model, quiet, faulted) = billed;
            let bill = cost::bill(model, quiet, faulted, &book);
            let figures = [bill.steady_usd_per_month, bill.hours_per_month]
                .into_iter()
                .chain(bill.lines.iter().map(|l| l.usd_per_month))
                .chain(bill.transfer.iter().map(|t| t.usd_per_month));
            for usd in figures {
                assert!(usd.is_finite() && usd >= 0.0, "a bill figure of {usd}");
            }
            let json = cost::render::bill_json(&bill);
            let value: serde_json::Value = serde_json::from_str(&json).expect("the bill is JSON");
            assert_dollars_are_numbers(&value);
            assert_printable("a bill", &cost::render::bill_text(&bill));
        }
        Err(e) => {
            assert!(e.location.line <= text.lines().count() + 1, "{}", e.message);
            assert_printable("a price book error", &e.message);
        }
    }
}

/// Every `*usd*` field of the bill's JSON is a number (a figure that
/// overflowed would be `null`).
fn assert_dollars_are_numbers(v: &serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, x) in map {
                if k.contains("usd") && !x.is_object() && !x.is_array() {
                    assert!(x.is_number(), "{k} is {x}");
                }
                assert_dollars_are_numbers(x);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(assert_dollars_are_numbers),
        _ => {}
    }
}

#[test]
fn mutated_price_books_never_panic_and_never_bill_a_figure_that_is_no_number() {
    let bases = books();
    let billed = traffic();
    TestRunner::new(config())
        .run(
            &(0..bases.len(), proptest::collection::vec(mutation(), 1..6)),
            |(base, mutations)| {
                let mut text = bases[base].clone();
                for m in &mutations {
                    apply(&mut text, m);
                }
                check_book(&text, &billed);
                Ok(())
            },
        )
        .unwrap();
}
