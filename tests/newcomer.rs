//! What a newcomer trips on (issue 15): hints for Kafka's own spellings,
//! every mistake of a file at once, output paths, replay commands that work
//! anywhere, readable traces and numbers, and exit codes that tell a failed
//! expectation from a failed write.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs kdrsim in `dir` (the repository root when `None`).
fn kdrsim_in(dir: Option<&Path>, args: &[&str]) -> Output {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    Command::new(env!("CARGO_BIN_EXE_kdrsim"))
        .args(args)
        .current_dir(dir.unwrap_or(root))
        .env_remove("SLURM_ARRAY_TASK_ID")
        .env_remove("SLURM_ARRAY_TASK_MIN")
        .env_remove("SLURM_ARRAY_TASK_COUNT")
        .env_remove("JOB_COMPLETION_INDEX")
        .output()
        .unwrap()
}

fn kdrsim(args: &[&str]) -> Output {
    kdrsim_in(None, args)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kdrsim-newcomer-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `scenarios/broker-crash.ron` with `from` replaced by `to` (which must
/// be there), written to a temp file.
fn edited(name: &str, edits: &[(&str, &str)]) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut text = std::fs::read_to_string(root.join("scenarios/broker-crash.ron")).unwrap();
    for (from, to) in edits {
        assert!(text.contains(from), "{from} is not in the scenario");
        text = text.replacen(from, to, 1);
    }
    let path = temp_dir(name).join(format!("{name}.ron"));
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn dotted_kafka_key_hint_names_the_underscore_field() {
    let file = edited(
        "dotted",
        &[("min_insync_replicas: 2", "min.insync.replicas: 2")],
    );
    let out = kdrsim(&["validate", file.to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(
            "Kafka's property names are written with dots as underscores: `min_insync_replicas`"
        ),
        "{err}"
    );
    assert!(
        err.contains("field `topics[0].min_insync_replicas`"),
        "{err}"
    );
    assert!(!err.contains("r#"), "no raw-identifier advice: {err}");
}

#[test]
fn dotted_key_that_is_no_field_suggests_the_nearest_and_lists_the_valid_ones() {
    let file = edited(
        "dotted-typo",
        &[("min_insync_replicas: 2", "min.insync.replica: 2")],
    );
    let err = stderr(&kdrsim(&["validate", file.to_str().unwrap()]));
    assert!(err.contains("has no field `min_insync_replica`"), "{err}");
    assert!(err.contains("did you mean `min_insync_replicas`?"), "{err}");
    assert!(err.contains("valid fields: name, partitions,"), "{err}");
}

#[test]
fn min_isr_is_read_as_a_misspelt_min_insync_replicas() {
    let file = edited("alias", &[("min_insync_replicas: 2", "min_isr: 2")]);
    let out = kdrsim(&["validate", file.to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("unknown field `min_isr` in `Topic`; did you mean `min_insync_replicas`? valid fields: name,"),
        "{err}"
    );
}

#[test]
fn lowercase_acks_all_suggests_the_variant_and_lists_the_valid_ones() {
    let file = edited(
        "acks",
        &[(
            "records_per_sec: 2000.0",
            "records_per_sec: 2000.0, acks: all",
        )],
    );
    let out = kdrsim(&["validate", file.to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("unknown variant `all` of `Acks`; did you mean `All`? valid: Zero, One, All"),
        "{err}"
    );
}
