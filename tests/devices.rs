//! Outputs never replace what is not a regular file, and inputs are read
//! to a bound whatever they are: devices and FIFOs made privately in a
//! temporary directory (never `/dev`), children capped in memory.

mod common;

use common::Edit;

use common::run::bin;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn scenario() -> String {
    format!("{}/scenarios/broker-crash.ron", env!("CARGO_MANIFEST_DIR"))
}

/// A private copy of the character device `major:minor` (1:3 is the null
/// device, 1:5 the zero device), or `None` where this user may not make
/// one (`mknod` needs root; CI runs as root).
fn device(dir: &Path, name: &str, minor: u32) -> Option<PathBuf> {
    let path = dir.join(name);
    let made = Command::new("mknod")
        .arg(&path)
        .args(["c", "1", &minor.to_string()])
        .status()
        .ok()?;
    made.success().then_some(path)
}

fn fifo(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    assert!(Command::new("mkfifo")
        .arg(&path)
        .status()
        .unwrap()
        .success());
    path
}

/// `kdrsim ARGS` with at most 512 MB of address space.
fn capped(args: &[&str]) -> Output {
    let line = std::iter::once(bin())
        .chain(args.iter().copied())
        .map(|a| format!("'{a}'"))
        .collect::<Vec<_>>()
        .join(" ");
    Command::new("bash")
        .args(["-c", &format!("ulimit -v 524288; exec {line}")])
        .output()
        .unwrap()
}

fn is_char_device(p: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::symlink_metadata(p)
        .map(|m| m.file_type().is_char_device())
        .unwrap_or(false)
}

#[test]
fn trace_to_a_character_device_writes_through_and_leaves_the_device() {
    let dir = tempfile::tempdir().unwrap();
    let Some(null) = device(dir.path(), "null", 3) else {
        eprintln!("SKIPPED: mknod needs root");
        return;
    };
    let s = scenario();
    let null_s = null.to_str().unwrap();
    for flag in ["--trace", "--timeline"] {
        let target = if flag == "--timeline" {
            // A timeline names its format by extension: a symlink ending in
            // .svg that points at the device.
            let link = dir.path().join("t.svg");
            let _ = std::fs::remove_file(&link);
            std::os::unix::fs::symlink(&null, &link).unwrap();
            link
        } else {
            null.clone()
        };
        let out = Command::new(bin())
            .args(["replay", &s, "--trial", "1", flag, target.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(out.status.success(), "{flag}: {out:?}");
        assert!(is_char_device(&null), "{flag} replaced the device {null_s}");
    }
}

#[test]
fn trace_to_dev_stdout_reaches_standard_output() {
    let out = Command::new(bin())
        .args([
            "replay",
            &scenario(),
            "--trial",
            "1",
            "--trace",
            "/dev/stdout",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.lines().any(|l| l.contains("\"what\":\"")),
        "no trace on stdout: {stdout}"
    );
}

#[test]
fn trace_to_a_fifo_reaches_its_reader() {
    let dir = tempfile::tempdir().unwrap();
    let pipe = fifo(dir.path(), "trace");
    let reader = {
        let pipe = pipe.clone();
        std::thread::spawn(move || {
            let mut text = String::new();
            std::fs::File::open(pipe)
                .unwrap()
                .read_to_string(&mut text)
                .unwrap();
            text
        })
    };
    let out = Command::new(bin())
        .args(["replay", &scenario(), "--trial", "1", "--trace"])
        .arg(&pipe)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = reader.join().unwrap();
    assert!(
        text.lines().count() > 10,
        "the reader got {} bytes",
        text.len()
    );
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::symlink_metadata(&pipe)
        .unwrap()
        .file_type()
        .is_fifo());
}

#[test]
fn a_directory_named_as_an_output_is_refused_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("trace.jsonl");
    std::fs::create_dir(&target).unwrap();
    let out = Command::new(bin())
        .args(["replay", &scenario(), "--trial", "1", "--trace"])
        .arg(&target)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(target.is_dir());
}

#[test]
fn every_input_from_an_endless_device_is_refused_within_a_second_and_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let Some(zero) = device(dir.path(), "zero", 5) else {
        eprintln!("SKIPPED: mknod needs root");
        return;
    };
    let z = zero.to_str().unwrap();
    let s = scenario();
    let study = dir.path().join("study.ron");
    std::fs::write(
        &study,
        format!(
            "(version: 1, name: \"s\", duration_ms: 3_600_000, trials: 3, topologies: [File(\"{z}\")],\n\
             workload: (records_per_sec: 100.0, record_bytes: 1024), faults: [(name: \"b\", domain: Broker, rate_per_year: 1.0, lasts: Fixed(60_000))],\n\
             classes: [(name: \"c\", rpo_ms: 0, rto_ms: 60_000, max_breach_probability_per_year: 0.1)], price_book: \"aws\")"
        ),
    )
    .unwrap();
    let st = study.to_str().unwrap();
    let cases: [&[&str]; 6] = [
        &["validate", z],
        &["run", z, "--trials", "1"],
        &["merge", z],
        &["cost", &s, "--price-book", z, "--trials", "1"],
        &["study", z],
        &["study", st],
    ];
    for args in cases {
        let started = Instant::now();
        let out = capped(args);
        let took = started.elapsed();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        assert!(took < Duration::from_secs(5), "{args:?} took {took:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(z) || err.contains("zero"), "{args:?}: {err}");
    }
}

#[test]
fn an_endless_fifo_is_read_to_the_limit_and_refused() {
    let dir = tempfile::tempdir().unwrap();
    let pipe = fifo(dir.path(), "scenario.ron");
    // A writer that never stops until the reader goes away.
    let mut writer = Command::new("bash")
        .args(["-c", &format!("yes > '{}' 2>/dev/null", pipe.display())])
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let out = capped(&["validate", pipe.to_str().unwrap()]);
    let took = started.elapsed();
    let _ = writer.kill();
    let _ = writer.wait();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("larger than")
            || String::from_utf8_lossy(&out.stderr).contains("larger than")
    );
}

#[test]
fn an_out_that_is_a_regular_file_is_named_as_such_not_blamed_on_a_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report");
    std::fs::write(&file, "mine").unwrap();
    let out = Command::new(bin())
        .args(["run", &scenario(), "--trials", "1", "--out"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is not a directory"), "{err}");
    assert!(!err.contains("manifest"), "{err}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");
}

#[test]
fn compare_report_txt_quotes_names_with_terminal_controls_printably() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(scenario()).unwrap();
    let evil = text.edit("\"dc1\"", "\"dc\u{1b}]0;owned\u{7}\"");
    assert_ne!(evil, text);
    let a = dir.path().join("a.ron");
    let b = dir.path().join("b.ron");
    std::fs::write(&a, &evil).unwrap();
    // A fault naming that DC, so the two differ in faults and report.txt
    // quotes the name.
    let dc_fault = "PowerLoss(Dc(\"dc\u{1b}]0;owned\u{7}\"))";
    std::fs::write(&b, evil.edit("Crash(Broker(1))", dc_fault)).unwrap();
    let out = dir.path().join("out");
    let run = Command::new(bin())
        .args(["compare", "--allow-different", "--trials", "3"])
        .arg(&a)
        .arg(&b)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(run.status.success(), "{run:?}");
    let report = std::fs::read_to_string(out.join("report.txt")).unwrap();
    assert!(report.contains("differ in faults"), "{report}");
    assert!(
        !report.chars().any(|c| c.is_control() && c != '\n'),
        "raw control character in report.txt"
    );
}
