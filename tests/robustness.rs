//! Robustness of what kdrsim writes, end to end: hostile names never reach
//! a terminal raw, printed commands are safe to paste, temporary files are
//! neither followed nor left behind, a reused output directory holds one
//! run, and tampered shards are refused.

mod common;

use common::Edit;

use common::run::{kdrsim, kdrsim_in, temp_dir, wait_until_sigint_is_caught};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn ok(out: Output) -> Output {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn library(file: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios")
            .join(file),
    )
    .unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Names of the entries of `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[cfg(unix)]
#[test]
fn a_second_ctrl_c_exits_at_once_and_leaves_no_temporary_file() {
    let dir = temp_dir("ctrl-c-twice");
    let child = Command::new(env!("CARGO_BIN_EXE_kdrsim"))
        .args([
            "run",
            "--trials",
            "50000000",
            "--jobs",
            "1",
            "--out",
            s(&dir),
            "scenarios/3dc-stretched.ron",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until_sigint_is_caught(child.id());
    // trials.csv is being streamed into its temporary file.
    let started = std::time::Instant::now();
    while !listing(&dir).iter().any(|n| n.ends_with(".tmp")) {
        assert!(
            started.elapsed().as_secs() < 30,
            "no temporary file appeared"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    for _ in 0..2 {
        let kill = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(kill.success());
        // Two signals, not one pending signal seen once; well within the
        // time a chunk of trials takes, so the first does not finish the run.
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    let names = listing(&dir);
    assert!(
        !names.iter().any(|n| n.contains(".tmp")),
        "temporary files left: {names:?}"
    );
    // It exited before publishing anything (the partial report of a single
    // Ctrl-C is tests/cli.rs's case).
    assert!(!names.contains(&"report.json".to_string()), "{names:?}");
}

/// What scenario names may hold: a colour sequence, BEL, BS, NUL, DEL and
/// the one-character CSI.
const NASTY: &str = "\u{1b}[31m\u{7}\u{8}\u{0}\u{7f}\u{9b}2J";

/// [`NASTY`] without the NUL, which no file name can hold.
const NASTY_PATH: &str = "\u{1b}[31m\u{7}\u{8}\u{7f}\u{9b}2J";

/// broker-crash with every name (scenario, description, DC, racks, topic,
/// producer, consumer group) carrying [`NASTY`], and an expectation that
/// fails, so `check` prints replay commands.
fn nasty_scenario() -> String {
    let mut t = library("broker-crash.ron");
    for (from, to) in [
        (
            "name: \"broker-crash\"",
            format!("name: \"broker{NASTY}crash\""),
        ),
        (
            "description: \"Single DC",
            format!("description: \"{NASTY}Single DC"),
        ),
        ("\"dc1\"", format!("\"dc{NASTY}1\"")),
        ("\"rack-a\"", format!("\"rack{NASTY}a\"")),
        ("\"events\"", format!("\"ev{NASTY}ents\"")),
        ("\"ingest\"", format!("\"in{NASTY}gest\"")),
        ("\"indexer\"", format!("\"idx{NASTY}\"")),
        (
            "    faults: [",
            "    expect: [\"max_write_outage_ms == 0\"],\n    faults: [".to_string(),
        ),
    ] {
        assert!(t.contains(from), "{from}");
        t = t.edit(from, &to);
    }
    t
}

/// Where raw control characters were found: every output is looked at
/// before the test fails, so one run lists every writer that leaks them.
#[derive(Default)]
struct Audit(Vec<String>);

impl Audit {
    /// Notes `what` if `bytes` hold a control character other than the
    /// line feed (as UTF-8: C0, DEL and C1).
    fn bytes(&mut self, what: &str, bytes: &[u8]) {
        let text = String::from_utf8_lossy(bytes);
        if let Some(at) = text.find(|c: char| c.is_control() && c != '\n') {
            let from = text[..at]
                .char_indices()
                .rev()
                .nth(60)
                .map_or(0, |(i, _)| i);
            let to = text[at..]
                .char_indices()
                .nth(8)
                .map_or(text.len(), |(i, _)| at + i);
            self.0.push(format!("{what}: {:?}", &text[from..to]));
        }
    }

    fn output(&mut self, what: &str, out: &Output) {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{what}: {stderr}");
        self.bytes(&format!("{what} (stdout)"), &out.stdout);
        self.bytes(&format!("{what} (stderr)"), &out.stderr);
    }

    /// Every file in `dir` but the PNG images (binary by nature).
    fn files(&mut self, what: &str, dir: &Path) {
        let names = listing(dir);
        assert!(!names.is_empty(), "{what}: nothing written");
        for name in names.iter().filter(|n| !n.ends_with(".png")) {
            let bytes = std::fs::read(dir.join(name)).unwrap();
            self.bytes(&format!("{what}: {name}"), &bytes);
        }
    }

    fn file(&mut self, what: &str, path: &Path) {
        self.bytes(what, &std::fs::read(path).unwrap());
    }
}

#[test]
fn names_with_terminal_controls_are_never_printed_or_written_raw() {
    let dir = temp_dir("controls");
    // The file's own path carries them too: it is printed as often as names.
    let file = dir.join(format!("evil{NASTY_PATH}.ron"));
    std::fs::write(&file, nasty_scenario()).unwrap();
    let f = s(&file);
    let mut audit = Audit::default();

    audit_runs(&mut audit, f, &dir);
    audit_check_and_replay(&mut audit, f, &dir);
    audit_reports(&mut audit, f, &dir);
    audit_shards(&mut audit, f, &dir);
    audit_errors(&mut audit, &dir);
    assert!(
        audit.0.is_empty(),
        "raw control characters in:\n{}",
        audit.0.join("\n")
    );
}

/// validate, explain and run in every format, and run's --out files.
fn audit_runs(audit: &mut Audit, f: &str, dir: &Path) {
    let at = |name: &str| dir.join(name);
    let out = ok(kdrsim(&["validate", f]));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("ok: "));
    audit.output("validate", &out);
    audit.output("explain", &ok(kdrsim(&["explain", f])));
    for format in ["table", "csv", "json"] {
        let out = ok(kdrsim(&["run", "--trials", "20", "--format", format, f]));
        audit.output(&format!("run --format {format}"), &out);
    }
    let run_out = at("run-out");
    audit.output(
        "run --out",
        &ok(kdrsim(&["run", "--trials", "20", "--out", s(&run_out), f])),
    );
    audit.files("run --out", &run_out);
}

/// check (which fails, naming the file) with its JUnit file; replay's
/// trace and timeline.
fn audit_check_and_replay(audit: &mut Audit, f: &str, dir: &Path) {
    let at = |name: &str| dir.join(name);
    // check fails (exit 1) and prints replay commands naming the file.
    let junit = at("junit.xml");
    let out = kdrsim(&["check", "--trials", "20", "--junit", s(&junit), f]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("replay: kdrsim replay "));
    audit.output("check", &out);
    audit.file("check --junit", &junit);

    let replay_dir = at("replay");
    std::fs::create_dir_all(&replay_dir).unwrap();
    let out = ok(kdrsim(&[
        "replay",
        f,
        "--trial",
        "0",
        "--trace",
        s(&replay_dir.join("t.jsonl")),
        "--timeline",
        s(&replay_dir.join("t.svg")),
    ]));
    audit.output("replay", &out);
    audit.file("replay --timeline", &replay_dir.join("t.svg"));
}

/// compare and sweep, and every file they write.
fn audit_reports(audit: &mut Audit, f: &str, dir: &Path) {
    let at = |name: &str| dir.join(name);
    // compare: index.html, DOT, SVG, CSV, JSON.
    let report = at("compare");
    audit.output(
        "compare",
        &ok(kdrsim(&[
            "compare",
            "--trials",
            "5",
            "--out",
            s(&report),
            f,
        ])),
    );
    audit.files("compare", &report);
    assert!(listing(&report).iter().any(|n| n.ends_with(".dot")));

    let sweep = at("sweep");
    audit.output(
        "sweep",
        &ok(kdrsim(&[
            "sweep",
            f,
            "--set",
            "topics[0].min_insync_replicas=1,2",
            "--trials",
            "5",
            "--out",
            s(&sweep),
        ])),
    );
    audit.files("sweep", &sweep);
}

/// Shards and merge: the names come back from the partials' headers.
fn audit_shards(audit: &mut Audit, f: &str, dir: &Path) {
    let at = |name: &str| dir.join(name);
    // Shards and merge (the names come back from the partials' headers).
    let parts = at("parts");
    for k in ["0/2", "1/2"] {
        let out = ok(kdrsim(&[
            "run",
            "--trials",
            "20",
            "--shard",
            k,
            "--out",
            s(&parts),
            f,
        ]));
        audit.output("run --shard", &out);
    }
    let merged = at("merged");
    for format in ["table", "csv"] {
        let out = ok(kdrsim(&[
            "merge",
            s(&parts),
            "--format",
            format,
            "--out",
            s(&merged),
        ]));
        audit.output(&format!("merge --format {format}"), &out);
    }
    audit.files("merge --out", &merged);
}

/// Errors quoting the file or a name.
fn audit_errors(audit: &mut Audit, dir: &Path) {
    let no_expect = dir.join(format!("no-expect{NASTY_PATH}.ron"));
    std::fs::write(&no_expect, library("broker-crash.ron")).unwrap();
    let out = kdrsim(&["check", s(&no_expect)]);
    assert_eq!(out.status.code(), Some(2));
    audit.output("check without expectations", &out);
    let unknown = dir.join("unknown-topic.ron");
    std::fs::write(
        &unknown,
        nasty_scenario().replacen(
            &format!("topic: \"ev{NASTY}ents\""),
            &format!("topic: \"x{NASTY}\""),
            1,
        ),
    )
    .unwrap();
    for cmd in ["validate", "run", "explain"] {
        let out = kdrsim(&[cmd, s(&unknown)]);
        assert_eq!(out.status.code(), Some(2), "{cmd}");
        audit.output(&format!("{cmd} of a bad file"), &out);
    }
}

/// broker-crash with an expectation that every trial breaks.
fn failing_scenario() -> String {
    library("broker-crash.ron").edit(
        "    faults: [",
        "    expect: [\"max_write_outage_ms == 0\"],\n    faults: [",
    )
}

#[cfg(unix)]
#[test]
fn printed_replay_commands_are_one_argument_per_word_when_pasted() {
    let dir = temp_dir("paste");
    let sub = dir.join("it's a b;touch X.ron");
    std::fs::create_dir_all(&sub).unwrap();
    let file = sub.join("s $(touch Y) `touch Z`.ron");
    std::fs::write(&file, failing_scenario()).unwrap();
    // Relative to the working directory, as a user would type it.
    let relative = file
        .strip_prefix(&dir)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let junit = dir.join("junit.xml");
    let out = kdrsim_in(
        &dir,
        &["check", "--trials", "5", "--junit", s(&junit), &relative],
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let commands: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.trim().strip_prefix("replay: "))
        .collect();
    assert!(!commands.is_empty(), "{stdout}");
    let junit = std::fs::read_to_string(&junit).unwrap();
    let in_junit = junit
        .replace("&apos;", "'")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    for command in commands {
        assert!(in_junit.contains(command), "{command} not in {junit}");
        // Pasted into a shell, with `kdrsim` standing for a program that
        // prints its arguments one per line.
        let words = command.strip_prefix("kdrsim ").unwrap();
        let shell = Command::new("sh")
            .args(["-c", &format!("printf '%s\\n' {words}")])
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(shell.status.success(), "{command}");
        let args: Vec<String> = String::from_utf8(shell.stdout)
            .unwrap()
            .lines()
            .map(String::from)
            .collect();
        // The file by its absolute path, so the command works from any
        // directory (issue 15).
        assert_eq!(args[0], "replay", "{command}");
        assert!(Path::new(&args[1]).is_absolute(), "{command}");
        assert_eq!(
            Path::new(&args[1]).canonicalize().unwrap(),
            file.canonicalize().unwrap(),
            "{command}"
        );
        assert_eq!(args[2], "--seed");
        assert_eq!(args[4], "--trial");
        assert_eq!(args.len(), 6, "{command}: {args:?}");
        // And the command replays the trial it names, from anywhere.
        let replay: Vec<&str> = args.iter().map(String::as_str).collect();
        ok(kdrsim_in(&sub, &replay));
    }
    for planted in ["X.ron", "Y", "Z"] {
        assert!(!dir.join(planted).exists(), "{planted} was created");
    }
}

/// `merge DIR...`, which must fail with exit code 2; returns its stderr.
fn merge_refused(dirs: &[&Path]) -> String {
    let mut args = vec!["merge"];
    args.extend(dirs.iter().map(|d| s(d)));
    let out = kdrsim(&args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty(), "a report from a refused merge");
    stderr
}

/// Two shards of a 40-trial run with seed 13, in a new directory.
fn two_shards(name: &str) -> PathBuf {
    let dir = temp_dir(name);
    for k in ["0/2", "1/2"] {
        ok(kdrsim(&[
            "run",
            "--trials",
            "40",
            "--seed",
            "13",
            "--shard",
            k,
            "--out",
            s(&dir),
            "scenarios/broker-crash.ron",
        ]));
    }
    ok(kdrsim(&["merge", s(&dir)]));
    dir
}

fn edit_file(path: &Path, edit: impl FnOnce(String) -> String) {
    let text = std::fs::read_to_string(path).unwrap();
    let edited = edit(text.clone());
    assert_ne!(edited, text, "the edit changed nothing");
    std::fs::write(path, edited).unwrap();
}

#[test]
fn merge_refuses_a_shard_whose_metric_value_was_edited() {
    let dir = two_shards("tamper-value");
    edit_file(&dir.join("partial-1-of-2.jsonl"), |text| {
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        // Row 3: [scenario, trial, acked_lost_records, ...]: lose a record.
        let mut fields: Vec<u64> = lines[3]
            .trim_matches(['[', ']'])
            .split(',')
            .map(|f| f.parse().unwrap())
            .collect();
        fields[2] += 1;
        let fields: Vec<String> = fields.iter().map(u64::to_string).collect();
        lines[3] = format!("[{}]", fields.join(","));
        lines.join("\n") + "\n"
    });
    let e = merge_refused(&[&dir]);
    assert!(e.contains("partial-1-of-2.jsonl"), "{e}");
    assert!(e.contains("edited or damaged"), "{e}");
    assert!(e.contains("re-run shard 1/2"), "{e}");
}

#[test]
fn merge_refuses_shards_whose_seed_was_changed_in_every_header() {
    let dir = two_shards("tamper-seed");
    for k in 0..2 {
        edit_file(&dir.join(format!("partial-{k}-of-2.jsonl")), |text| {
            text.replacen("\"seed\":13,", "\"seed\":14,", 1)
        });
    }
    let e = merge_refused(&[&dir]);
    assert!(e.contains("partial-0-of-2.jsonl"), "{e}");
    assert!(e.contains("edited or damaged"), "{e}");
}

#[test]
fn merge_refuses_a_shard_without_its_seal() {
    let dir = two_shards("tamper-seal");
    edit_file(&dir.join("partial-0-of-2.jsonl"), |text| {
        let mut lines: Vec<&str> = text.lines().collect();
        lines.pop();
        lines.join("\n") + "\n"
    });
    let e = merge_refused(&[&dir]);
    assert!(e.contains("partial-0-of-2.jsonl"), "{e}");
    assert!(
        e.contains("does not end with the line that seals it"),
        "{e}"
    );
    assert!(e.contains("re-run shard 0/2"), "{e}");
}

#[test]
fn a_reused_output_directory_holds_only_the_new_runs_files() {
    let dir = temp_dir("reused-out");
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    // Files kdrsim did not write, one named like its own charts.
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    std::fs::write(out.join("topology-7-mine.svg"), "<svg/>").unwrap();
    let compare = |files: &[&str]| {
        let mut args = vec![
            "compare",
            "--allow-different",
            "--trials",
            "3",
            "--out",
            s(&out),
        ];
        args.extend_from_slice(files);
        ok(kdrsim(&args));
    };
    compare(&["scenarios/broker-crash.ron", "scenarios/3dc-stretched.ron"]);
    let first = listing(&out);
    assert!(first.contains(&"topology-1-3dc-stretched.svg".to_string()));
    // One scenario now: the second one's charts must not stay behind.
    compare(&["scenarios/broker-crash.ron"]);
    let second = listing(&out);
    assert!(
        !second.iter().any(|n| n.contains("3dc-stretched")),
        "stale files of the first run: {second:?}"
    );
    assert!(second.contains(&"index.html".to_string()));
    for mine in ["notes.txt", "topology-7-mine.svg"] {
        assert!(second.contains(&mine.to_string()), "{mine} was removed");
    }
    // Another command: compare's report goes, run's files come; a file of
    // the earlier run edited since is kept, and named.
    std::fs::write(out.join("index.html"), "annotated by hand").unwrap();
    let run = ok(kdrsim(&[
        "run",
        "--trials",
        "3",
        "--out",
        s(&out),
        "scenarios/broker-crash.ron",
    ]));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("kept ") && stderr.contains("index.html"),
        "{stderr}"
    );
    assert_eq!(
        listing(&out),
        [
            "index.html",
            "kdrsim-manifest.txt",
            "notes.txt",
            "report.json",
            "report.txt",
            "topology-7-mine.svg",
            "trials.csv",
        ]
    );
    assert_eq!(
        std::fs::read_to_string(out.join("index.html")).unwrap(),
        "annotated by hand"
    );
}
