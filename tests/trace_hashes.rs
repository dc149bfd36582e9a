//! Refactoring must not change behaviour: the trace hash of trials 0–19
//! (seed 1) of every shipped scenario, and its outcome, pinned in
//! `tests/goldens/trace-hashes.txt`. A change that moves one event of one
//! trial fails here with the scenario and the trial to replay
//! (`kdrsim replay FILE --seed 1 --trial N --trace out.jsonl`).
//!
//! When a change is meant to alter behaviour, regenerate and review:
//!
//! ```sh
//! KDRSIM_UPDATE_GOLDENS=1 cargo test --test trace_hashes
//! git diff tests/goldens/trace-hashes.txt
//! ```

use kdrsim::{load_file, replay, trace_hash};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const SEED: u64 = 1;
const TRIALS: u64 = 20;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every shipped scenario file (studies are not scenarios), in path order.
fn shipped() -> Vec<String> {
    let mut out = Vec::new();
    for dir in ["scenarios", "scenarios/study", "scenarios/tour"] {
        for e in std::fs::read_dir(root().join(dir)).unwrap() {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            if name.ends_with(".ron") && !(dir == "scenarios/study" && name == "default.ron") {
                out.push(format!("{dir}/{name}"));
            }
        }
    }
    out.sort();
    out
}

/// One line per trial: file, trial, trace hash, and the outcome's figures
/// (so a moved figure is named even where the trace is the same).
fn hashes() -> String {
    let mut out = String::new();
    for file in shipped() {
        let model = load_file(&root().join(&file)).unwrap();
        for trial in 0..TRIALS {
            let (outcome, trace) = replay(&model, SEED, trial);
            let h = trace_hash(&model, &trace);
            let o = &outcome;
            writeln!(
                out,
                "{file} {trial} {h:016x} lost={} rpo={} wu={} ru={} dup={} skip={} failed={}",
                o.acked_lost_records,
                o.rpo_ms,
                o.write_unavailable_ms,
                o.read_unavailable_ms,
                o.duplicates_delivered,
                o.skipped_records,
                o.failed_sends
            )
            .unwrap();
        }
    }
    out
}

#[test]
fn every_shipped_scenario_replays_to_its_pinned_trace_hashes() {
    let path = root().join("tests/goldens/trace-hashes.txt");
    let now = hashes();
    if std::env::var_os("KDRSIM_UPDATE_GOLDENS").is_some() {
        std::fs::write(&path, &now).unwrap();
        return;
    }
    let pinned = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "{} is missing: run with KDRSIM_UPDATE_GOLDENS=1",
            path.display()
        )
    });
    let moved: Vec<String> = pinned
        .lines()
        .zip(now.lines())
        .filter(|(a, b)| a != b)
        .map(|(a, b)| format!("pinned {a}\n   now {b}"))
        .collect();
    assert!(
        moved.is_empty() && pinned.lines().count() == now.lines().count(),
        "{} of {} trials moved (and {} lines pinned, {} now):\n{}",
        moved.len(),
        now.lines().count(),
        pinned.lines().count(),
        now.lines().count(),
        moved
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(Path::new(&path).exists());
}
