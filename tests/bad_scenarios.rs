//! The bad-input corpus: every file under `tests/bad-scenarios/` breaks one
//! rule of the scenario format, and its first line says the exact error
//! kdrsim must give, file:line:column, field and message included:
//!
//! ```text
//! // expect: 33-min-isr-above-rf.ron:19:70: field `topics[1].min_insync_replicas`: ...
//! // rule: min.insync.replicas larger than RF
//! ```
//!
//! After a deliberate change to a message, regenerate the first lines with
//! `KDRSIM_BLESS=1 cargo test --test bad_scenarios` and review the diff: a
//! moved column or a vaguer message is a regression, not noise.

mod common;

use common::Edit;
use kdrsim::{load_source, ScenarioError, Source};
use std::path::{Path, PathBuf};

const EXPECT: &str = "// expect: ";

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad-scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ron"))
        .collect();
    files.sort();
    files
}

/// The error a corpus file gets, reported under its bare file name so the
/// expectation does not depend on where the repository is checked out.
fn error_of(path: &Path, text: &str) -> ScenarioError {
    let file = path.file_name().unwrap().to_string_lossy().into_owned();
    match load_source(&Source {
        file,
        text: text.to_string(),
    }) {
        Ok(m) => panic!("{} was accepted (scenario {:?})", path.display(), m.name),
        Err(e) => e,
    }
}

#[test]
fn every_broken_scenario_is_refused_with_its_exact_error() {
    let bless = std::env::var_os("KDRSIM_BLESS").is_some();
    let files = corpus();
    assert!(files.len() >= 30, "only {} corpus files", files.len());
    let mut wrong = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let (first, rest) = text.split_once('\n').unwrap();
        let expected = first
            .strip_prefix(EXPECT)
            .unwrap_or_else(|| panic!("{}: first line must be `{EXPECT}...`", path.display()));
        let got = error_of(path, &text);
        let got_text = got.to_string();
        // Every error can point somewhere: a line, or at least a field.
        let loc = got.location().expect("corpus errors come from the text");
        assert!(
            loc.line > 0 || !loc.field.is_empty(),
            "{}: {got_text} says neither where nor which field",
            path.display()
        );
        if bless {
            std::fs::write(path, format!("{EXPECT}{got_text}\n{rest}")).unwrap();
        } else if got_text != expected {
            wrong.push(format!(
                "{}\n  expected: {expected}\n  got:      {got_text}",
                path.display()
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn each_corpus_file_names_the_rule_it_breaks() {
    if std::env::var_os("KDRSIM_BLESS").is_some() {
        return; // the other test is rewriting the files
    }
    for path in corpus() {
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.lines()
                .nth(1)
                .is_some_and(|l| l.starts_with("// rule: ")),
            "{}: second line must be `// rule: ...`",
            path.display()
        );
    }
}

/// Sizes too large to keep as corpus files, built in memory: each is
/// refused with its limit named (and before the compiler's dense `u16`
/// indices could wrap around).
#[test]
fn absurd_sizes_are_refused_naming_the_limit() {
    let base = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/broker-crash.ron"),
    )
    .unwrap();
    let load = |text: String| {
        load_source(&Source {
            file: "big.ron".into(),
            text,
        })
        .map(|_| ())
        .expect_err("refused")
        .to_string()
    };
    let racks: String = (0..70_000).map(|i| format!("(name: \"x{i}\"),")).collect();
    let e = load(base.edit("(name: \"rack-a\",", &format!("{racks} (name: \"rack-a\",")));
    assert!(e.contains("at most 10000 racks are supported"), "{e}");

    let topics: String = (0..70_000)
        .map(|i| format!("(name: \"t{i}\", partitions: 1, replication_factor: 1),"))
        .collect();
    let e = load(base.edit("topics: [", &format!("topics: [{topics}")));
    assert!(
        e.contains("70001 topics: at most 10000 are supported"),
        "{e}"
    );

    let e = load(format!("{base}{}", " ".repeat(5 << 20)));
    assert!(e.contains("scenarios are limited to 4194304 bytes"), "{e}");
}
