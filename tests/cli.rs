//! The command line's contracts: exit codes, error messages that point at
//! the problem, formats, replay.

mod common;

use common::Edit;

use common::run::{kdrsim, kdrsim_env, temp_dir, wait_until_sigint_is_caught};
use std::path::Path;
use std::process::{Command, Output};

fn ok(out: &Output) -> &Output {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn scenario_text() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/broker-crash.ron"),
    )
    .unwrap()
}

#[test]
fn malformed_value_is_reported_with_file_line_column_and_field() {
    let dir = temp_dir("malformed");
    let file = dir.join("bad.ron");
    let text = scenario_text().edit("partitions: 12", "partitions: \"twelve\"");
    std::fs::write(&file, &text).unwrap();
    let out = kdrsim(&["run", "--trials", "3", file.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    // The line and column of the bad value.
    let line = text.lines().position(|l| l.contains("\"twelve\"")).unwrap() + 1;
    let expected = format!("{}:{line}:", file.display());
    assert!(
        stderr.contains(&expected),
        "expected {expected} in: {stderr}"
    );
    assert!(stderr.contains("topics[0].partitions"), "{stderr}");
    assert!(out.stdout.is_empty(), "no half report on stdout");
}

#[test]
fn impossible_topology_is_refused_naming_the_field_and_the_valid_range() {
    let dir = temp_dir("semantic");
    let file = dir.join("rf.ron");
    let text = scenario_text().edit("min_insync_replicas: 2", "min_insync_replicas: 4");
    std::fs::write(&file, &text).unwrap();
    let out = kdrsim(&["run", "--trials", "3", file.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("topics[0].min_insync_replicas"), "{stderr}");
    assert!(stderr.contains("valid: 1..=3"), "{stderr}");
    let line = text
        .lines()
        .position(|l| l.contains("min_insync_replicas: 4"))
        .unwrap()
        + 1;
    assert!(stderr.contains(&format!("rf.ron:{line}:")), "{stderr}");
}

#[test]
fn unknown_field_lists_the_valid_ones() {
    let dir = temp_dir("unknown");
    let file = dir.join("typo.ron");
    std::fs::write(
        &file,
        scenario_text().edit("replication_factor:", "replication_factr:"),
    )
    .unwrap();
    let out = kdrsim(&["run", "--trials", "3", file.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("replication_factr"), "{stderr}");
    assert!(
        stderr.contains("replication_factor"),
        "valid names listed: {stderr}"
    );
}

#[test]
fn missing_file_is_a_clean_error() {
    let out = kdrsim(&["run", "no/such/file.ron"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no/such/file.ron"));
}

#[test]
fn default_run_is_the_builtin_study_and_names_every_topology_and_class() {
    // The README promises the no-argument run finishes within 30 s on 2
    // cores; this is that contract (about 10 s here), not a benchmark.
    let started = std::time::Instant::now();
    let out = kdrsim(&[]);
    assert!(
        started.elapsed().as_secs() < 120,
        "default run took {:?}",
        started.elapsed()
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    for name in [
        "multi-az",
        "3dc-stretched",
        "2.5dc-observers",
        "active-passive-cluster-link",
        "active-passive-mm2",
        "active-active",
        "3-region-stretched",
        "event-of-record",
        "operational",
        "analytical",
        "migration",
        "acked_lost_records",
        "max_write_outage_ms",
        "per year",
    ] {
        assert!(stdout.contains(name), "{name} missing from:\n{stdout}");
    }
    assert!(
        stdout.contains("Cheapest topology meeting every class")
            || stdout.contains("No topology meets every class"),
        "{stdout}"
    );
}

#[test]
fn csv_has_one_row_per_trial_and_json_has_every_metric() {
    let csv = kdrsim(&[
        "run",
        "--trials",
        "25",
        "--format",
        "csv",
        "scenarios/broker-crash.ron",
    ]);
    assert!(csv.status.success());
    let text = String::from_utf8_lossy(&csv.stdout);
    assert_eq!(text.lines().count(), 1 + 25);
    assert!(text.lines().next().unwrap().contains("acked_lost_records"));

    let json = kdrsim(&[
        "run",
        "--trials",
        "25",
        "--format",
        "json",
        "scenarios/broker-crash.ron",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let s = &v["scenarios"][0];
    assert_eq!(s["name"], "broker-crash");
    assert_eq!(s["trials"], 25);
    for m in kdrsim::Metric::ALL {
        let metric = &s["metrics"][m.name()];
        for key in ["mean", "p50", "p90", "p99", "p999", "max", "p_nonzero"] {
            assert!(metric[key].is_number(), "{}.{key}", m.name());
        }
        assert_eq!(metric["p_nonzero_ci95"].as_array().unwrap().len(), 2);
        assert!(s["worst_trials"][m.name()].is_array());
    }
}

#[test]
fn out_directory_receives_complete_reports() {
    let dir = temp_dir("out");
    let out = kdrsim(&[
        "run",
        "--trials",
        "10",
        "--out",
        dir.to_str().unwrap(),
        "scenarios/broker-crash.ron",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for f in ["report.json", "trials.csv", "report.txt"] {
        assert!(dir.join(f).metadata().unwrap().len() > 0, "{f}");
    }
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind");
}

#[test]
fn replay_reproduces_a_trial_and_writes_its_trace() {
    let dir = temp_dir("replay");
    let trace = dir.join("t.jsonl");
    let args = [
        "replay",
        "scenarios/3dc-stretched.ron",
        "--trial",
        "4",
        "--seed",
        "9",
        "--trace",
        trace.to_str().unwrap(),
    ];
    let a = kdrsim(&args);
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    let first = std::fs::read_to_string(&trace).unwrap();
    let b = kdrsim(&args);
    assert_eq!(a.stdout, b.stdout, "same hash and outcome printed");
    assert_eq!(first, std::fs::read_to_string(&trace).unwrap());
    assert!(first
        .lines()
        .all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok()));
    assert!(first.contains("\"what\":\"leader_elected\""));

    // The replayed outcome equals the one a batch run reports for that trial.
    let csv = kdrsim(&[
        "run",
        "--trials",
        "5",
        "--seed",
        "9",
        "--format",
        "csv",
        "scenarios/3dc-stretched.ron",
    ]);
    let row = String::from_utf8_lossy(&csv.stdout)
        .lines()
        .nth(5)
        .unwrap()
        .to_string();
    let lost = row.split(',').nth(3).unwrap();
    assert!(String::from_utf8_lossy(&a.stdout).contains(&format!("acked_lost_records     {lost}")));
}

#[test]
fn a_reader_closing_the_pipe_early_is_not_a_crash() {
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_kdrsim"))
        .env_remove("SLURM_ARRAY_TASK_ID")
        .env_remove("JOB_COMPLETION_INDEX")
        .args([
            "run",
            "--trials",
            "3000",
            "--format",
            "csv",
            "scenarios/broker-crash.ron",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.status.success(), "{stderr}");
}

// ---- Sharded runs and merge ----------------------------------------------

const SHARDED_FILES: [&str; 2] = ["scenarios/3dc-stretched.ron", "scenarios/broker-crash.ron"];

/// `kdrsim run <both scenarios> --trials T --seed 13 <extra>`.
fn run_sharded_args(trials: &str, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = ["run", "--trials", trials, "--seed", "13"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    args.extend(SHARDED_FILES.iter().map(|s| s.to_string()));
    args
}

fn as_strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// Runs shards `0..count` of a run into `dir`, alternating 1 and 2 worker
/// threads so the merge also shows independence from `--jobs`.
fn run_shards(dir: &Path, trials: &str, count: u64) {
    for k in 0..count {
        let shard = format!("{k}/{count}");
        let jobs = if k % 2 == 0 { "1" } else { "2" };
        let args = run_sharded_args(
            trials,
            &[
                "--shard",
                &shard,
                "--jobs",
                jobs,
                "--out",
                dir.to_str().unwrap(),
            ],
        );
        let out = ok(&kdrsim(&as_strs(&args))).clone();
        assert!(out.stdout.is_empty(), "a shard prints no report");
    }
}

#[test]
fn four_shards_merge_to_the_unsharded_report_byte_for_byte() {
    let parts = temp_dir("shards4");
    run_shards(&parts, "1001", 4);
    let whole_out = temp_dir("shards4-whole");
    let merged_out = temp_dir("shards4-merged");
    for format in ["table", "json", "csv"] {
        let mut extra = vec!["--format", format];
        if format == "json" {
            extra.extend(["--out", whole_out.to_str().unwrap()]);
        }
        let whole = kdrsim(&as_strs(&run_sharded_args("1001", &extra)));
        let mut merge = vec!["merge", parts.to_str().unwrap(), "--format", format];
        if format == "json" {
            merge.extend(["--out", merged_out.to_str().unwrap()]);
        }
        let merged = kdrsim(&merge);
        ok(&whole);
        ok(&merged);
        assert!(whole.stdout.len() > 500, "{format}");
        assert!(
            whole.stdout == merged.stdout,
            "{format} differs after merging 4 shards"
        );
    }
    for f in ["report.json", "trials.csv", "report.txt"] {
        let a = std::fs::read(whole_out.join(f)).unwrap();
        let b = std::fs::read(merged_out.join(f)).unwrap();
        assert!(a == b, "{f} differs");
    }
}

#[test]
fn shard_layout_does_not_change_the_report_even_with_empty_shards() {
    // 5 trials over 8 shards: three shards run nothing, which is allowed.
    let eight = temp_dir("shards8");
    run_shards(&eight, "5", 8);
    let three = temp_dir("shards3");
    run_shards(&three, "5", 3);
    let whole = ok(&kdrsim(&as_strs(&run_sharded_args(
        "5",
        &["--format", "csv"],
    ))))
    .clone();
    for dir in [&eight, &three] {
        let merged = ok(&kdrsim(&[
            "merge",
            dir.to_str().unwrap(),
            "--format",
            "csv",
        ]))
        .clone();
        assert_eq!(
            String::from_utf8_lossy(&whole.stdout),
            String::from_utf8_lossy(&merged.stdout)
        );
    }
}

#[test]
fn slurm_array_environment_picks_the_shard_when_none_is_given() {
    let from_env = temp_dir("slurm-env");
    let explicit = temp_dir("slurm-explicit");
    for id in 1..=3 {
        // An array submitted as --array=1-3: indexes count from the minimum.
        let id = id.to_string();
        let env = [
            ("SLURM_ARRAY_TASK_ID", id.as_str()),
            ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_COUNT", "3"),
        ];
        let args = run_sharded_args("90", &["--out", from_env.to_str().unwrap()]);
        ok(&kdrsim_env(&as_strs(&args), &env));
    }
    run_shards(&explicit, "90", 3);
    for k in 0..3 {
        let name = format!("partial-{k}-of-3.jsonl");
        assert_eq!(
            std::fs::read_to_string(from_env.join(&name)).unwrap(),
            std::fs::read_to_string(explicit.join(&name)).unwrap(),
            "{name}"
        );
    }
}

#[test]
fn kubernetes_completion_index_with_shards_writes_that_shard() {
    let dir = temp_dir("k8s-env");
    let args = run_sharded_args("40", &["--shards", "4", "--out", dir.to_str().unwrap()]);
    let out = kdrsim_env(&as_strs(&args), &[("JOB_COMPLETION_INDEX", "2")]);
    ok(&out);
    let text = std::fs::read_to_string(dir.join("partial-2-of-4.jsonl")).unwrap();
    let header: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(
        (header["first_trial"].as_u64(), header["end_trial"].as_u64()),
        (Some(20), Some(30))
    );
    // Without the count, the index alone is refused with the fix.
    let args = run_sharded_args("40", &["--out", dir.to_str().unwrap()]);
    let out = kdrsim_env(&as_strs(&args), &[("JOB_COMPLETION_INDEX", "2")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--shards N"));
}

#[test]
fn an_explicit_shard_overrides_the_environment() {
    let dir = temp_dir("override");
    let args = run_sharded_args("40", &["--shard", "1/2", "--out", dir.to_str().unwrap()]);
    let env = [
        ("SLURM_ARRAY_TASK_ID", "0"),
        ("SLURM_ARRAY_TASK_COUNT", "5"),
    ];
    ok(&kdrsim_env(&as_strs(&args), &env));
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["partial-1-of-2.jsonl"]);
}

#[test]
fn the_default_run_is_never_a_shard_even_inside_a_job_array() {
    let out = kdrsim_env(
        &[],
        &[
            ("SLURM_ARRAY_TASK_ID", "1"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ],
    );
    ok(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("== study seed-000-decision-matrix"));
}

#[test]
fn a_shard_without_an_output_directory_is_refused() {
    let out = kdrsim_env(
        &as_strs(&run_sharded_args("10", &[])),
        &[
            ("SLURM_ARRAY_TASK_ID", "0"),
            ("SLURM_ARRAY_TASK_COUNT", "2"),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--out DIR"));
    assert!(out.stdout.is_empty(), "no report from a shard");
}

fn merge_error(dirs: &[&Path]) -> String {
    let mut args = vec!["merge"];
    args.extend(dirs.iter().map(|d| d.to_str().unwrap()));
    let out = kdrsim(&args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty(), "no report from a refused merge");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

#[test]
fn merge_refuses_missing_duplicate_and_foreign_shards() {
    let parts = temp_dir("merge-bad");
    run_shards(&parts, "60", 3);

    // A missing shard is named.
    let missing = temp_dir("merge-missing");
    for k in [0, 2] {
        let name = format!("partial-{k}-of-3.jsonl");
        std::fs::copy(parts.join(&name), missing.join(&name)).unwrap();
    }
    let e = merge_error(&[&missing]);
    assert!(e.contains("missing (shard 1)"), "{e}");

    // The same shard from two directories.
    let e = merge_error(&[&parts, &missing]);
    assert!(e.contains("shard 0/3 appears twice"), "{e}");

    // A shard of a run with another seed.
    let other = temp_dir("merge-other-seed");
    let mut args = run_sharded_args("60", &["--shard", "1/3", "--out", other.to_str().unwrap()]);
    args[4] = "14".into();
    ok(&kdrsim(&as_strs(&args)));
    std::fs::copy(
        other.join("partial-1-of-3.jsonl"),
        missing.join("partial-1-of-3.jsonl"),
    )
    .unwrap();
    let e = merge_error(&[&missing]);
    assert!(e.contains("seed 13 vs 14"), "{e}");

    // A shard of the same run from a different version of the scenario file.
    let edited = temp_dir("merge-edited");
    let file = edited.join("broker-crash.ron");
    std::fs::write(
        &file,
        scenario_text().edit("partitions: 12", "partitions: 13"),
    )
    .unwrap();
    let shard_of = |dir: &Path, k: &str| {
        let out = kdrsim(&[
            "run",
            "--trials",
            "10",
            "--shard",
            k,
            "--out",
            dir.to_str().unwrap(),
            file.to_str().unwrap(),
        ]);
        ok(&out);
    };
    shard_of(&edited, "0/2");
    std::fs::write(&file, scenario_text()).unwrap();
    shard_of(&edited, "1/2");
    let e = merge_error(&[&edited]);
    assert!(e.contains("not shards of the same run: scenarios"), "{e}");

    // A directory with no partials, and a file that is not one.
    let empty = temp_dir("merge-empty");
    let e = merge_error(&[&empty]);
    assert!(e.contains("holds no partial results"), "{e}");
    std::fs::write(empty.join("partial-0-of-1.jsonl"), "hello\n").unwrap();
    let e = merge_error(&[&empty]);
    assert!(e.contains("not a kdrsim partial result"), "{e}");
}

#[test]
fn a_truncated_partial_is_refused_naming_the_shard_to_rerun() {
    let parts = temp_dir("merge-truncated");
    run_shards(&parts, "40", 2);
    let path = parts.join("partial-1-of-2.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let kept: Vec<&str> = text.lines().take(text.lines().count() - 3).collect();
    std::fs::write(&path, kept.join("\n") + "\n").unwrap();
    let e = merge_error(&[&parts]);
    assert!(e.contains("re-run shard 1/2"), "{e}");
}

#[test]
fn validate_checks_every_file_and_shows_the_offending_line_with_a_caret() {
    let out = kdrsim(&[
        "validate",
        "scenarios/3dc-stretched.ron",
        "tests/bad-scenarios/32-min-isr-above-rf.ron",
        "tests/bad-scenarios/58-fault-unknown-broker.ron",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stdout.contains("ok: scenarios/3dc-stretched.ron"),
        "{stdout}"
    );
    assert!(
        stderr.contains("32-min-isr-above-rf.ron:20:86: field `topics[1].min_insync_replicas`"),
        "{stderr}"
    );
    // The snippet: the line number gutter, then a caret line labelled with
    // the field.
    assert!(stderr.contains("20 | "), "{stderr}");
    assert!(
        stderr.contains("^ topics[1].min_insync_replicas"),
        "{stderr}"
    );
    assert!(
        stderr.contains("unknown broker 33"),
        "both bad files reported: {stderr}"
    );
    assert!(stderr.contains("2 of 3 files invalid"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// Issue 14, item 1: a cluster listing a DC twice once panicked (exit 101)
/// while building its own error, and `validate` stopped there.
#[test]
fn validate_goes_on_past_a_cluster_that_lists_a_dc_twice() {
    let out = kdrsim(&[
        "validate",
        "tests/bad-scenarios/95-cluster-lists-a-dc-twice.ron",
        "scenarios/active-passive-cluster-link.ron",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("field `clusters[0].data_centers`: data center \"east-a\" is listed twice"),
        "{stderr}"
    );
    assert!(
        stdout.contains("ok: scenarios/active-passive-cluster-link.ron"),
        "the next file is still validated: {stdout}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn validate_accepts_every_scenario_in_the_library() {
    let mut args = vec!["validate".to_string()];
    // Scenario files, and scenarios/study/: the default study's topology
    // files and the study itself (checked as a study).
    for dir in ["scenarios", "scenarios/study"] {
        for e in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            if e.path().is_file() && name.ends_with(".ron") {
                args.push(format!("{dir}/{name}"));
            }
        }
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = kdrsim(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Issue 27, item 9: `validate` refused every study file ("unknown field
/// `trials` in `Scenario`"). It checks one as `kdrsim study` resolves it,
/// and reports a study's error at the study's own line and field.
#[test]
fn validate_checks_a_study_as_a_study() {
    let dir = temp_dir("validate-study");
    let good = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/study/small.ron");
    let text = std::fs::read_to_string(&good).unwrap();
    let bad = dir.join("bad-study.ron");
    std::fs::write(&bad, text.edit("trials:", "trials: 3, rounds:")).unwrap();
    let out = kdrsim(&["validate", good.to_str().unwrap(), bad.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stdout.contains("small.ron: study \""), "{stdout}");
    assert!(stdout.contains(" cells"), "{stdout}");
    assert!(
        stderr.contains("field `rounds`: unknown field `rounds` in `Study`"),
        "{stderr}"
    );
    assert!(!stderr.contains("in `Scenario`"), "{stderr}");
}

#[test]
fn run_errors_also_show_the_snippet() {
    let out = kdrsim(&[
        "run",
        "--trials",
        "2",
        "tests/bad-scenarios/18-link-unknown-dc.ron",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("unknown data center \"dc9\""), "{stderr}");
    assert!(stderr.contains("^ topology.links[0].between"), "{stderr}");
}

#[test]
fn explain_names_the_dc_whose_loss_stops_writes_and_why() {
    let out = kdrsim(&["explain", "scenarios/2dc-stretched.ron"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let row = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("dc dc1 "))
        .unwrap_or_else(|| panic!("no dc1 row in:\n{stdout}"));
    assert!(row.contains("LOST") && row.contains("STOP"), "{row}");
    assert!(stdout.contains("without a KRaft quorum"), "{stdout}");
    let bad = kdrsim(&["explain", "tests/bad-scenarios/30-rf-above-brokers.ron"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn ctrl_c_writes_the_statistics_of_the_completed_trials_marked_partial() {
    use std::process::Stdio;
    let dir = temp_dir("interrupt");
    let child = Command::new(env!("CARGO_BIN_EXE_kdrsim"))
        .args([
            "run",
            "--trials",
            "50000000",
            "--jobs",
            "1",
            "--format",
            "json",
            "--out",
            dir.to_str().unwrap(),
            "scenarios/3dc-stretched.ron",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until_sigint_is_caught(child.id());
    // Let some trials complete.
    std::thread::sleep(std::time::Duration::from_millis(700));
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for json in [
        out.stdout.clone(),
        std::fs::read(dir.join("report.json")).unwrap(),
    ] {
        let v: serde_json::Value = serde_json::from_slice(&json)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&json)));
        assert_eq!(v["partial"], true);
        let done = v["trials_completed"].as_u64().unwrap();
        assert!(done > 0 && done < 50_000_000, "{done}");
        assert_eq!(v["scenarios"][0]["trials"].as_u64(), Some(done));
    }
    let table = std::fs::read_to_string(dir.join("report.txt")).unwrap();
    assert!(table.starts_with("PARTIAL RESULTS"), "{table}");
}

/// What the model simplifies for a scenario is said in the run's own
/// output: the table, the JSON, a sharded run merged back, and the report.
#[test]
fn model_notes_reach_the_table_the_json_a_merged_run_and_the_report() {
    let file = "scenarios/active-active-client-failover.ron";
    let table = ok(&kdrsim(&["run", file, "--trials", "4"])).clone();
    let table = String::from_utf8_lossy(&table.stdout).into_owned();
    assert!(
        table.contains("model note: after failing over, producer checkout-east shares"),
        "{table}"
    );
    let json = |out: &Output| -> serde_json::Value { serde_json::from_slice(&out.stdout).unwrap() };
    let whole = json(ok(&kdrsim(&[
        "run", file, "--trials", "4", "--format", "json",
    ])));
    let notes = &whole["scenarios"][0]["model_notes"];
    assert_eq!(notes.as_array().map(Vec::len), Some(4), "{whole}");
    let parts = temp_dir("notes-shards");
    for k in 0..2 {
        let shard = format!("{k}/2");
        ok(&kdrsim(&[
            "run",
            file,
            "--trials",
            "4",
            "--shard",
            &shard,
            "--out",
            parts.to_str().unwrap(),
        ]));
    }
    let merged = json(ok(&kdrsim(&[
        "merge",
        parts.to_str().unwrap(),
        "--format",
        "json",
    ])));
    assert_eq!(&merged["scenarios"][0]["model_notes"], notes);
    // A scenario that uses none of the simplified mechanisms says nothing.
    let plain = json(ok(&kdrsim(&[
        "run",
        "scenarios/3dc-stretched.ron",
        "--trials",
        "2",
        "--format",
        "json",
    ])));
    assert_eq!(plain["scenarios"][0]["model_notes"], serde_json::json!([]));
    let out = temp_dir("notes-report");
    ok(&kdrsim(&[
        "compare",
        file,
        "--trials",
        "4",
        "--out",
        out.to_str().unwrap(),
    ]));
    let page = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(
        page.contains("What the model simplifies here"),
        "no notes on the page"
    );
    assert!(page.contains("consumer groups do not (they wait for their cluster)"));
}
