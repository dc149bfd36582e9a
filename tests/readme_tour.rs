//! The README's five-minute tour, run as written: every command of its
//! `sh` blocks (between "## A five-minute tour" and the next section), in
//! order, in a temporary copy of the repository's scenarios under git, with
//! the built binary in place of `cargo run --release --`. Each must exit 0,
//! or the code its line's comment states (`# exits 1`), and afterwards the
//! copy must have no untracked file: the tour writes only where
//! `.gitignore` covers.

use std::path::{Path, PathBuf};
use std::process::Command;

const CARGO_RUN: &str = "cargo run --release --";

/// One command of the tour and the exit code the README gives it.
#[derive(Debug, PartialEq)]
struct TourCommand {
    line: String,
    exit: i32,
}

/// Every command of the tour section of `readme`, in order.
fn tour_commands(readme: &str) -> Vec<TourCommand> {
    let start = readme
        .find("## A five-minute tour")
        .expect("the README has a tour");
    let rest = &readme[start..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |i| i + 3);
    let mut out = Vec::new();
    let mut in_sh = false;
    for line in rest[..end].lines() {
        let t = line.trim();
        if t.starts_with("```") {
            in_sh = !in_sh && t == "```sh";
            continue;
        }
        if !in_sh || t.is_empty() || t.starts_with('#') {
            continue;
        }
        let (command, comment) = match t.split_once("  #") {
            Some((c, k)) => (c.trim(), k.trim()),
            None => (t, ""),
        };
        let exit = comment
            .strip_prefix("exits ")
            .map(|n| n.split(|c: char| !c.is_ascii_digit()).next().unwrap())
            .map_or(0, |n| n.parse().unwrap());
        out.push(TourCommand {
            line: command.to_string(),
            exit,
        });
    }
    out
}

#[test]
fn the_tour_parser_reads_commands_exit_codes_and_skips_other_blocks() {
    let readme = "# x\n```sh\nnot-the-tour\n```\n## A five-minute tour\ntext\n```sh\n\
                  mkdir -p d\ncargo run --release -- check f.ron  # exits 1\n```\n\
                  ```\n  domain  quorum\n```\n## Exit codes\n```sh\nafter\n```\n";
    assert_eq!(
        tour_commands(readme),
        vec![
            TourCommand {
                line: "mkdir -p d".into(),
                exit: 0
            },
            TourCommand {
                line: "cargo run --release -- check f.ron".into(),
                exit: 1
            },
        ]
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(["-c", "user.name=tour", "-c", "user.email=tour@example.com"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A copy of what the tour reads (the scenarios, the README, .gitignore),
/// committed to a fresh git repository.
fn repo_copy() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::temp_dir().join(format!("kdrsim-tour-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&root.join("scenarios"), &dir.join("scenarios"));
    for f in ["README.md", ".gitignore"] {
        std::fs::copy(root.join(f), dir.join(f)).unwrap();
    }
    git(&dir, &["init", "-q"]);
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-q", "-m", "copy"]);
    dir
}

/// The tour's `cargo run --release -- ARGS` as the built binary with ARGS.
fn as_binary(line: &str) -> String {
    match line.strip_prefix(CARGO_RUN) {
        Some(args) => format!("'{}'{args}", env!("CARGO_BIN_EXE_kdrsim")),
        None => line.to_string(),
    }
}

#[test]
fn every_command_of_the_readme_tour_runs_as_written_and_leaves_no_untracked_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let commands = tour_commands(&readme);
    assert!(commands.len() >= 10, "{commands:?}");
    let dir = repo_copy();
    let mut failures = Vec::new();
    for c in &commands {
        // bash with pipefail, so `kdrsim ... | jq` fails when kdrsim does.
        let out = Command::new("bash")
            .args(["-o", "pipefail", "-c", &as_binary(&c.line)])
            .current_dir(&dir)
            .env_remove("SLURM_ARRAY_TASK_ID")
            .env_remove("SLURM_ARRAY_TASK_COUNT")
            .env_remove("JOB_COMPLETION_INDEX")
            .output()
            .unwrap();
        let code = out.status.code().unwrap_or(-1);
        if code != c.exit {
            failures.push(format!(
                "{}\n  exit {code}, the README says {}\n  {}",
                c.line,
                c.exit,
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .take(6)
                    .collect::<Vec<_>>()
                    .join("\n  ")
            ));
        }
    }
    let untracked = git(&dir, &["status", "--porcelain", "--untracked-files=all"]);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        untracked.trim().is_empty(),
        "the tour left files .gitignore does not cover:\n{untracked}"
    );
}

#[test]
fn compare_without_out_writes_its_own_directory_and_leaves_the_study_report_alone() {
    let dir = std::env::temp_dir().join(format!("kdrsim-tour-cmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let study = dir.join("kdrsim-report");
    std::fs::create_dir_all(&study).unwrap();
    std::fs::write(study.join("index.html"), "the study's page").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kdrsim"))
        .args(["compare", "builtin:3dc-stretched", "--trials", "20"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.join("kdrsim-compare/index.html").is_file());
    assert_eq!(
        std::fs::read_to_string(study.join("index.html")).unwrap(),
        "the study's page"
    );
    assert_eq!(std::fs::read_dir(&study).unwrap().count(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn help_describes_the_default_run_as_the_built_in_study() {
    let out = Command::new(env!("CARGO_BIN_EXE_kdrsim"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.contains("With no command, runs the built-in study (scenarios/study/default.ron"),
        "{help}"
    );
    assert!(help.contains("kdrsim-report/index.html"), "{help}");
    assert!(!help.contains("runs the built-in scenarios"), "{help}");
}
