//! Golden regression tests: the failback scenarios with fixed seeds, whose
//! exact per-trial figures are pinned in `tests/goldens/*.json`.
//!
//! A change to the model that moves any of these numbers fails here, loudly
//! and with the trial to replay. When the change is intended, regenerate the
//! goldens and review the diff like code:
//!
//! ```sh
//! KDRSIM_UPDATE_GOLDENS=1 cargo test --test goldens
//! git diff tests/goldens/
//! ```

use kdrsim::{load_source, run_batch, Source, TrialRange};
use std::path::{Path, PathBuf};

const SEED: u64 = 42;
const TRIALS: u64 = 20;
const SCENARIOS: [&str; 5] = [
    "s2-cluster-link-failback.ron",
    "active-passive-cluster-link.ron",
    "active-passive-mm2.ron",
    "active-active-mm2.ron",
    "k6-async-lag.ron",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The pinned figures of one scenario: per trial, the metrics a failback
/// regression is about.
fn figures(file: &str) -> String {
    let path = root().join("scenarios").join(file);
    let model = load_source(&Source {
        file: format!("scenarios/{file}"),
        text: std::fs::read_to_string(&path).unwrap(),
    })
    .unwrap();
    let rows: Vec<serde_json::Value> =
        run_batch(&model, SEED, TrialRange::first(TRIALS), 1, |_| {})
            .unwrap()
            .into_iter()
            .map(|(trial, o)| {
                serde_json::json!({
                    "trial": trial,
                    "acked_lost_records": o.acked_lost_records,
                    "rpo_ms": o.rpo_ms,
                    "duplicates_delivered": o.duplicates_delivered,
                    "skipped_records": o.skipped_records,
                    "max_write_outage_ms": o.max_write_outage_ms,
                    "failed_sends": o.failed_sends,
                })
            })
            .collect();
    let doc = serde_json::json!({ "scenario": file, "seed": SEED, "trials": rows });
    serde_json::to_string_pretty(&doc).unwrap() + "\n"
}

fn golden_path(file: &str) -> PathBuf {
    root()
        .join("tests/goldens")
        .join(Path::new(file).with_extension("json"))
}

#[test]
fn failback_scenarios_match_their_goldens_exactly() {
    let update = std::env::var_os("KDRSIM_UPDATE_GOLDENS").is_some();
    let mut stale = Vec::new();
    for file in SCENARIOS {
        let now = figures(file);
        let path = golden_path(file);
        if update {
            std::fs::write(&path, &now).unwrap();
            continue;
        }
        let pinned = std::fs::read_to_string(&path).unwrap_or_else(|_| {
            panic!(
                "{} is missing: run with KDRSIM_UPDATE_GOLDENS=1",
                path.display()
            )
        });
        if pinned != now {
            // Name the first trial that moved, with its replay command.
            let (a, b): (serde_json::Value, serde_json::Value) = (
                serde_json::from_str(&pinned).unwrap(),
                serde_json::from_str(&now).unwrap(),
            );
            let moved = a["trials"]
                .as_array()
                .unwrap()
                .iter()
                .zip(b["trials"].as_array().unwrap())
                .find(|(x, y)| x != y)
                .map(|(x, y)| format!("trial {}: pinned {x}, now {y}; replay: kdrsim replay scenarios/{file} --seed {SEED} --trial {}", x["trial"], x["trial"]))
                .unwrap_or_else(|| "the files differ".into());
            stale.push(format!("{file}: {moved}"));
        }
    }
    assert!(
        stale.is_empty(),
        "goldens moved (if intended: KDRSIM_UPDATE_GOLDENS=1 cargo test --test goldens):\n{}",
        stale.join("\n")
    );
}

#[test]
fn goldens_pin_real_losses_and_duplicates() {
    // A golden of zeros would pin nothing: the S2 golden must hold the
    // truncated records of every trial.
    let s2: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(golden_path(SCENARIOS[0])).unwrap()).unwrap();
    for row in s2["trials"].as_array().unwrap() {
        assert!(row["acked_lost_records"].as_u64().unwrap() > 0, "{row}");
    }
}
