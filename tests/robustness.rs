//! Robustness of what kdrsim writes, end to end: hostile names never reach
//! a terminal raw, printed commands are safe to paste, temporary files are
//! neither followed nor left behind, a reused output directory holds one
//! run, and tampered shards are refused.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kdrsim-robust-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
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

/// Waits until the process has installed its SIGINT handler (see the same
/// helper in tests/cli.rs).
fn wait_until_sigint_is_caught(pid: u32) {
    let started = std::time::Instant::now();
    while started.elapsed() < std::time::Duration::from_secs(30) {
        let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
            std::thread::sleep(std::time::Duration::from_millis(1500));
            return;
        };
        let caught = status
            .lines()
            .find_map(|l| l.strip_prefix("SigCgt:"))
            .and_then(|m| u64::from_str_radix(m.trim(), 16).ok())
            .is_some_and(|mask| mask & (1 << 1) != 0);
        if caught {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
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
