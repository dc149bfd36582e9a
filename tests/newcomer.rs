//! What a newcomer trips on (issue 15): hints for Kafka's own spellings,
//! every mistake of a file at once, output paths, replay commands that work
//! anywhere, readable traces and numbers, and exit codes that tell a failed
//! expectation from a failed write.

mod common;

use common::run::{kdrsim, kdrsim_in, temp_dir};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
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

/// `scenarios/NAME` with each `(from, to)` replaced once, in a temp file.
fn library_edited(base: &str, name: &str, edits: &[(&str, &str)]) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut text = std::fs::read_to_string(root.join("scenarios").join(base)).unwrap();
    for (from, to) in edits {
        assert!(text.contains(from), "{from} is not in {base}");
        text = text.replacen(from, to, 1);
    }
    let path = temp_dir(name).join(format!("{name}.ron"));
    std::fs::write(&path, text).unwrap();
    path
}

/// The `error:` lines `validate` printed.
fn error_lines(err: &str) -> Vec<&str> {
    err.lines().filter(|l| l.starts_with("error: ")).collect()
}

#[test]
fn validate_reports_every_mistake_in_a_file_with_line_column_field_and_what_is_valid() {
    let file = edited(
        "several",
        &[
            ("min_insync_replicas: 2", "min_insync_replicas: 4"),
            (
                "dc: \"dc1\", records_per_sec: 2000.0",
                "dc: \"dc9\", records_per_sec: 2000.0",
            ),
            (
                "topic: \"events\", dc: \"dc1\")",
                "topic: \"event\", dc: \"dc1\")",
            ),
            ("Crash(Broker(1))", "Crash(Broker(42))"),
        ],
    );
    let out = kdrsim(&["validate", file.to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    let errors = error_lines(&err);
    let f = file.display().to_string();
    let expected = [
        format!("{f}:20:91: field `topics[0].min_insync_replicas`: min_insync_replicas 4 is larger than replication_factor 3; valid: 1..=3"),
        format!("{f}:21:55: field `producers[0].dc`: unknown data center \"dc9\"; valid: \"dc1\""),
        format!("{f}:22:43: field `consumers[0].topic`: unknown topic \"event\"; valid: \"events\""),
        format!("{f}:24:62: field `faults[0].fault`: unknown broker 42; valid: 1, 2, 3, 4, 5, 6"),
    ];
    let expected: Vec<String> = expected.iter().map(|e| format!("error: {e}")).collect();
    assert_eq!(errors, expected, "{err}");
    // Each with its snippet, and a count at the end.
    assert!(err.matches("   | ").count() >= 4, "{err}");
    assert!(err.contains(&format!("{f}: 4 errors")), "{err}");
}

#[test]
fn a_topic_left_out_for_its_error_is_not_reported_again_by_what_names_it() {
    // The topic's cluster is unknown; its producer, consumer and mirror
    // name it, and must not each add an "unknown topic".
    let file = library_edited(
        "active-passive-cluster-link.ron",
        "cascade",
        &[
            (
                "cluster: \"primary\", partitions: 12",
                "cluster: \"primry\", partitions: 12",
            ),
            (
                "replication_delay_ms: 500",
                "replication_delay_ms: 500, offset_lag_max: 0",
            ),
        ],
    );
    let out = kdrsim(&["validate", file.to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    let errors = error_lines(&err);
    assert_eq!(errors.len(), 2, "{err}");
    assert!(
        errors[0].contains(
            "field `topics[0].cluster`: unknown cluster \"primry\"; valid: \"primary\", \"dr\""
        ),
        "{err}"
    );
    assert!(
        errors[1].contains("field `mirrors[0].offset_lag_max`: must be >= 1 record"),
        "{err}"
    );
}

#[test]
fn a_syntax_error_stops_validation_and_says_so() {
    let file = edited(
        "syntax",
        &[
            ("partitions: 12,", "partitions: 12,,"),
            ("Crash(Broker(1))", "Crash(Broker(42))"),
        ],
    );
    let out = kdrsim(&["validate", file.to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(error_lines(&err).len(), 1, "{err}");
    assert!(
        err.contains("parsing stops at the first syntax or type error; the rest of the file is checked once it is fixed"),
        "{err}"
    );
}

#[test]
fn a_topology_without_brokers_is_reported_with_the_other_sections_unchecked() {
    let file = edited(
        "no-brokers",
        &[
            ("brokers: [1, 2], ", ""),
            ("brokers: [3, 4], ", ""),
            ("brokers: [5, 6], ", ""),
            ("duration_ms: 1_800_000", "duration_ms: 0"),
        ],
    );
    let out = kdrsim(&["validate", file.to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    let errors = error_lines(&err);
    assert_eq!(errors.len(), 2, "{err}");
    assert!(
        errors[0].contains("field `duration_ms`: must be > 0 ms"),
        "{err}"
    );
    assert!(errors[1].contains("the topology has no brokers"), "{err}");
    assert!(
        err.contains("the network, clusters, topics, clients and faults are checked once the topology above is valid"),
        "{err}"
    );
}

fn library(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn replay_trace_dash_writes_the_trace_to_stdout_and_no_file_named_dash() {
    let dir = temp_dir("trace-dash");
    let scenario = library("broker-crash.ron");
    let out = kdrsim_in(&dir, &["replay", &scenario, "--trial", "1", "--trace", "-"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!dir.join("-").exists(), "a file named `-` was written");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(!text.is_empty());
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("stdout is not only JSON lines ({e}): {line}"));
        assert!(v.get("t_ns").is_some(), "{line}");
    }
    // The summary is still shown, on standard error.
    assert!(err.contains("trace hash"), "{err}");
}

#[test]
fn replay_timeline_with_an_unsupported_extension_exits_2_naming_svg_and_png() {
    let dir = temp_dir("timeline-pdf");
    let scenario = library("broker-crash.ron");
    for name in ["t.pdf", "timeline", "-"] {
        let out = kdrsim_in(
            &dir,
            &["replay", &scenario, "--trial", "1", "--timeline", name],
        );
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(
            err.contains("only .svg and .png timelines are supported"),
            "{name}: {err}"
        );
        assert!(!dir.join(name).exists(), "{name} was written");
        assert!(out.stdout.is_empty(), "{name}: nothing replayed");
    }
    let out = kdrsim_in(
        &dir,
        &["replay", &scenario, "--trial", "1", "--timeline", "t.PNG"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let png = std::fs::read(dir.join("t.PNG")).unwrap();
    assert!(
        png.starts_with(b"\x89PNG"),
        "a PNG, whatever the case of its name"
    );
}

/// `html` with the five entities kdrsim escapes turned back into text.
fn html_unescape(html: &str) -> String {
    html.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The first `kdrsim replay ...` command in `text`, to the end of its line
/// or HTML element.
fn first_replay_command(text: &str) -> String {
    // Not the page's explanation, `kdrsim replay FILE --seed S ...`.
    let start = text
        .match_indices("kdrsim replay ")
        .map(|(i, _)| i)
        .find(|&i| !text[i..].starts_with("kdrsim replay FILE"))
        .unwrap_or_else(|| panic!("no replay command in {text}"));
    let rest = &text[start..];
    let end = rest.find(['\n', '<']).unwrap_or(rest.len());
    html_unescape(&rest[..end])
}

/// Runs a printed `kdrsim replay ...` command through the shell in `dir`,
/// with `kdrsim` meaning the binary under test.
fn run_printed(dir: &Path, command: &str) -> Output {
    let args = command
        .strip_prefix("kdrsim ")
        .unwrap_or_else(|| panic!("not a kdrsim command: {command}"));
    Command::new("sh")
        .arg("-c")
        .arg(format!("\"$KDRSIM\" {args}"))
        .env("KDRSIM", env!("CARGO_BIN_EXE_kdrsim"))
        .current_dir(dir)
        .output()
        .unwrap()
}

#[test]
fn a_replay_command_from_the_study_report_works_from_another_directory() {
    let here = temp_dir("study-here");
    let elsewhere = temp_dir("study-elsewhere");
    // A relative report directory, as the default run uses.
    let out = kdrsim_in(&here, &["study", "--trials", "10", "--out", "rep"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let page = std::fs::read_to_string(here.join("rep/index.html")).unwrap();
    let command = first_replay_command(&page);
    let replayed = run_printed(&elsewhere, &command);
    assert_eq!(
        replayed.status.code(),
        Some(0),
        "{command}: {}",
        stderr(&replayed)
    );
    assert!(stdout_of(&replayed).contains("trace hash"), "{command}");
}

#[test]
fn a_replay_command_for_a_built_in_scenario_names_it_and_works_anywhere() {
    let here = temp_dir("compare-here");
    let elsewhere = temp_dir("compare-elsewhere");
    let out = kdrsim_in(
        &here,
        &[
            "compare",
            "--allow-different",
            "--trials",
            "5",
            "--out",
            "rep",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let page = std::fs::read_to_string(here.join("rep/index.html")).unwrap();
    let command = first_replay_command(&page);
    assert!(command.starts_with("kdrsim replay builtin:"), "{command}");
    let replayed = run_printed(&elsewhere, &command);
    assert_eq!(
        replayed.status.code(),
        Some(0),
        "{command}: {}",
        stderr(&replayed)
    );
    assert!(elsewhere.join("timeline.svg").exists(), "{command}");
}

#[test]
fn a_failed_expectation_prints_a_replay_command_that_works_from_another_directory() {
    let here = temp_dir("check-here");
    let elsewhere = temp_dir("check-elsewhere");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("scenarios/broker-crash.ron"))
        .unwrap()
        .replacen(
            "duration_ms: 1_800_000,",
            "duration_ms: 1_800_000, expect: [\"max_write_outage_ms == 0\"],",
            1,
        );
    std::fs::write(here.join("my topology.ron"), text).unwrap();
    let out = kdrsim_in(&here, &["check", "my topology.ron", "--trials", "20"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let command = first_replay_command(&stdout_of(&out));
    let replayed = run_printed(&elsewhere, &command);
    assert_eq!(
        replayed.status.code(),
        Some(0),
        "{command}: {}",
        stderr(&replayed)
    );
}

#[test]
fn builtin_names_a_scenario_wherever_a_file_is_accepted() {
    let dir = temp_dir("builtin");
    for args in [
        vec![
            "validate",
            "builtin:3dc-stretched",
            "builtin:study/multi-az",
        ],
        vec!["explain", "builtin:2.5dc-observers"],
        vec!["replay", "builtin:active-active-mm2", "--trial", "2"],
        vec!["run", "builtin:3dc-stretched", "--trials", "3"],
        vec!["cost", "builtin:3dc-stretched", "--trials", "2"],
        vec![
            "study",
            "builtin:study/default",
            "--trials",
            "3",
            "--out",
            "s",
        ],
    ] {
        let out = kdrsim_in(&dir, &args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    }
    let out = kdrsim_in(&dir, &["run", "builtin:3dc-strteched"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("builtin:3dc-strteched: no built-in scenario has this name; valid: builtin:2.5dc-observers, builtin:3dc-stretched,"), "{err}");
}

#[test]
fn trace_json_shows_the_isr_the_elr_and_proposed_isrs_as_lists_of_broker_ids() {
    let file = library("2.5dc-observers.ron");
    let out = kdrsim(&["replay", &file, "--trial", "1", "--trace", "-"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let model = kdrsim::load_file(Path::new(&file)).unwrap();
    let node_ids: Vec<u64> = model.brokers.iter().map(|b| b.node_id as u64).collect();
    let mut seen = [0usize; 2];
    for line in stdout_of(&out).lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let what = v["what"].as_str().unwrap();
        let sets: &[&str] = match what {
            "isr_changed" => {
                seen[0] += 1;
                &["isr", "elr"]
            }
            "observers_changing" => {
                seen[1] += 1;
                &["isr"]
            }
            _ => continue,
        };
        let p = &model.partitions[v["partition"].as_u64().unwrap() as usize];
        let replicas: Vec<u64> = p
            .replicas()
            .iter()
            .map(|b| model.brokers[b.idx()].node_id as u64)
            .collect();
        for key in sets {
            let ids: Vec<u64> = v[key]
                .as_array()
                .unwrap_or_else(|| panic!("`{key}` is not a list: {line}"))
                .iter()
                .map(|x| x.as_u64().unwrap())
                .collect();
            assert!(ids.windows(2).all(|w| w[0] < w[1]), "{line}");
            for id in &ids {
                assert!(node_ids.contains(id), "{id} is no broker: {line}");
                assert!(replicas.contains(id), "{id} is no replica: {line}");
            }
        }
    }
    assert!(seen[0] > 0 && seen[1] > 0, "{seen:?}");
}

#[test]
fn validate_counts_one_topic_and_one_fault_in_the_singular() {
    let out = kdrsim(&[
        "validate",
        "scenarios/broker-crash.ron",
        "tests/bad-scenarios/02-wrong-type.ron",
    ]);
    let (text, err) = (stdout_of(&out), stderr(&out));
    assert!(
        text.contains("6 brokers, 3 controllers, 1 topic, 12 partitions, 1 fault"),
        "{text}"
    );
    assert!(err.contains("1 of 2 files invalid"), "{err}");
    let out = kdrsim(&["validate", "tests/bad-scenarios/02-wrong-type.ron"]);
    assert!(
        stderr(&out).contains("1 of 1 file invalid"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_mean_every_trial_shares_is_printed_as_the_integer_it_is() {
    use kdrsim::output::ScenarioAccumulator;
    let mut acc = ScenarioAccumulator::new("same-rpo", "same.ron", 1);
    for trial in 0..3 {
        let outcome = kdrsim::TrialOutcome {
            rpo_ms: 537,
            acked_lost_records: 1,
            ..Default::default()
        };
        acc.add(trial, &outcome);
    }
    let table = kdrsim::output::format_table(&[acc.finish()]);
    let rpo = table
        .lines()
        .find(|l| l.starts_with("rpo_ms"))
        .unwrap_or_else(|| panic!("{table}"));
    let cells: Vec<&str> = rpo.split('|').map(str::trim).collect();
    assert_eq!(cells[1..5], ["537", "537", "537", "537"], "{table}");
    assert!(table.contains("— 3 trials, seed 1"), "{table}");
    let lost = table
        .lines()
        .find(|l| l.starts_with("acked_lost_records"))
        .unwrap();
    assert!(!lost.contains("1.0"), "{lost}");
}

#[test]
fn progress_rates_have_at_most_one_decimal_and_thousands_separators() {
    use kdrsim::output::units::per_second;
    assert_eq!(per_second(11371.8058), "11,372/s");
    assert_eq!(per_second(42.46), "42.5/s");
    assert_eq!(per_second(7.0), "7/s");
    assert_eq!(per_second(0.0), "0/s");
}

#[test]
fn a_cost_with_one_fault_per_trial_says_one_fault_not_1_00_faults() {
    let out = kdrsim(&["cost", "builtin:3dc-stretched", "--trials", "3"]);
    let text = stdout_of(&out);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(text.contains("with its 1 fault moves"), "{text}");
    assert!(text.contains("mean of 3 trials"), "{text}");
}

/// `scenarios/broker-crash.ron` with an expectation that every trial breaks.
fn failing_check_scenario(dir: &Path) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("scenarios/broker-crash.ron"))
        .unwrap()
        .replacen(
            "duration_ms: 1_800_000,",
            "duration_ms: 1_800_000, expect: [\"max_write_outage_ms == 0\"],",
            1,
        );
    let file = dir.join("failing.ron");
    std::fs::write(&file, text).unwrap();
    file
}

#[test]
fn check_exits_1_for_a_broken_expectation_and_2_for_a_junit_file_it_cannot_write() {
    let dir = temp_dir("junit");
    let file = failing_check_scenario(&dir);
    let f = file.to_str().unwrap();
    // The expectation is broken and the report is written: 1.
    let junit = dir.join("ok.xml");
    let out = kdrsim(&[
        "check",
        f,
        "--trials",
        "5",
        "--junit",
        junit.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(junit.exists());
    // A directory that does not exist: refused before any trial runs.
    let missing = dir.join("no/such/dir/check.xml");
    let out = kdrsim(&[
        "check",
        f,
        "--trials",
        "5",
        "--junit",
        missing.to_str().unwrap(),
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!("--junit {}", missing.display())),
        "{err}"
    );
    assert!(err.contains("does not exist"), "{err}");
    assert!(
        out.stdout.is_empty(),
        "nothing was checked: {}",
        stdout_of(&out)
    );
    // A directory given as the file.
    let out = kdrsim(&[
        "check",
        f,
        "--trials",
        "5",
        "--junit",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("it is a directory"),
        "{}",
        stderr(&out)
    );
}

/// A write that fails only when it happens (after the trials): still 2,
/// naming the file. /proc takes no new files, even from root.
#[cfg(target_os = "linux")]
#[test]
fn check_exits_2_naming_the_junit_file_when_writing_it_fails() {
    let dir = temp_dir("junit-proc");
    let file = failing_check_scenario(&dir);
    let out = kdrsim(&[
        "check",
        file.to_str().unwrap(),
        "--trials",
        "5",
        "--junit",
        "/proc/check.xml",
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("cannot write the JUnit report /proc/check.xml"),
        "{err}"
    );
}

#[test]
fn an_output_file_that_cannot_be_written_exits_2_in_every_command() {
    let dir = temp_dir("io-2");
    let blocker = dir.join("a-file");
    std::fs::write(&blocker, "").unwrap();
    let inside = blocker.join("out");
    let inside = inside.to_str().unwrap();
    let scenario = library("broker-crash.ron");
    for args in [
        vec!["run", &scenario, "--trials", "2", "--out", inside],
        vec!["replay", &scenario, "--trial", "1", "--trace", inside],
    ] {
        let out = kdrsim(&args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(&blocker.display().to_string()),
            "{args:?}: {err}"
        );
    }
}
