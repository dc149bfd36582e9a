//! `kdrsim check` and `kdrsim shrink` on the command line: verdicts with the
//! figure and the exact replay command for each failure, JUnit XML for CI
//! systems, and the shrunk scenario written atomically.

use crate::console::{emit, CliError};
use crate::files::write_atomic_path;
use kdrsim::check::{check_model, CheckOptions, CheckResult, Verdict};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// One scenario's results, for the text and JUnit reports.
struct Checked {
    file: String,
    name: String,
    results: Vec<CheckResult>,
}

fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "PASS",
        Verdict::Fail => "FAIL",
        Verdict::Undecided => "UNDECIDED",
    }
}

/// Escapes text for XML attributes and content.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 has no way to write most control characters, and
            // the one rule for text a person reads shows them as `?`
            // (kdrsim_output::text).
            c if kdrsim::output::text::is_escaped(c) => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

/// The replay command for a failing trial, its path shell-quoted so that
/// pasting it never runs anything else.
fn replay_command(file: &str, seed: u64, trial: u64) -> String {
    kdrsim::safe::replay_command(file, seed, trial, &[])
}

fn junit(checked: &[Checked], seed: u64) -> String {
    let tests: usize = checked.iter().map(|c| c.results.len()).sum();
    let failures: usize = checked
        .iter()
        .flat_map(|c| &c.results)
        .filter(|r| r.verdict != Verdict::Pass)
        .count();
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"kdrsim check\" tests=\"{tests}\" failures=\"{failures}\">\n"
    );
    for c in checked {
        let failed = c
            .results
            .iter()
            .filter(|r| r.verdict != Verdict::Pass)
            .count();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" file=\"{}\" tests=\"{}\" failures=\"{failed}\">",
            xml(&c.name),
            xml(&c.file),
            c.results.len()
        );
        for r in &c.results {
            let _ = write!(
                out,
                "    <testcase classname=\"{}\" name=\"{}\"",
                xml(&c.name),
                xml(&r.expectation)
            );
            if r.verdict == Verdict::Pass {
                out.push_str("/>\n");
                continue;
            }
            let replays: Vec<String> = r
                .replay_trials
                .iter()
                .map(|&t| replay_command(&c.file, seed, t))
                .collect();
            let _ = write!(
                out,
                ">\n      <failure message=\"{}: {}\">{}</failure>\n    </testcase>\n",
                verdict_word(r.verdict),
                xml(&r.figure),
                xml(&replays.join("\n"))
            );
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// Runs the expectations of every file; exit 0 when all pass, 1 when one
/// does not, 2 on bad input (or a file without expectations) and when the
/// JUnit report cannot be written (checked before the trials run, where it
/// can be).
pub fn check(
    files: &[PathBuf],
    opts: CheckOptions,
    junit_path: Option<&Path>,
) -> Result<ExitCode, CliError> {
    // A JUnit file that cannot be written is found before the trials run.
    if let Some(path) = junit_path {
        check_writable(path)?;
    }
    let mut checked = Vec::new();
    for f in files {
        let model = kdrsim::load_scenario(f)?;
        if model.expectations.is_empty() {
            return Err(CliError::Usage(format!(
                "{}: no `expect` list: nothing to check (e.g. expect: [\"acked_lost_records == 0\"])",
                f.display()
            )));
        }
        let results = check_model(&model, opts)?;
        checked.push(Checked {
            file: f.display().to_string(),
            name: model.name.clone(),
            results,
        });
    }
    let (text, all_pass) = results_text(&checked, opts.seed);
    emit(&text)?;
    if let Some(path) = junit_path {
        write_atomic_path(path, junit(&checked, opts.seed).as_bytes()).map_err(|source| {
            CliError::Io {
                what: format!("cannot write the JUnit report {}", path.display()),
                source,
            }
        })?;
    }
    Ok(if all_pass {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// What `kdrsim check` prints: per file, each result with its figure, any
/// cut-off warning and the replay commands of a failure; and whether
/// every expectation held, which decides the exit code.
fn results_text(checked: &[Checked], seed: u64) -> (String, bool) {
    let mut text = String::new();
    let mut all_pass = true;
    for c in checked {
        let _ = writeln!(text, "== {} ({}) — seed {} ==", c.name, c.file, seed);
        for r in &c.results {
            all_pass &= r.verdict == Verdict::Pass;
            let _ = writeln!(
                text,
                "{:<9} {}   [{}; {}]",
                verdict_word(r.verdict),
                r.expectation,
                r.figure,
                kdrsim::output::units::count(r.trials, "trial")
            );
            // An outage figure of a trial that ended mid-fault is cut off:
            // a PASS on it may only mean the trial was too short to see.
            if let Some(w) = r.cut_off.warning(r.trials) {
                let _ = writeln!(text, "          warning: {w}");
            }
            if r.verdict != Verdict::Pass {
                for &t in &r.replay_trials {
                    let _ = writeln!(
                        text,
                        "          replay: {}",
                        replay_command(&c.file, seed, t)
                    );
                }
            }
        }
    }
    let _ = writeln!(
        text,
        "{}",
        if all_pass {
            "all expectations hold"
        } else {
            "some expectations do not hold"
        }
    );
    (text, all_pass)
}

/// `--junit PATH` names a file in a directory that exists (and not a
/// directory itself).
fn check_writable(path: &Path) -> Result<(), CliError> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    let problem = if path.is_dir() {
        Some("it is a directory".to_string())
    } else {
        dir.filter(|d| !d.is_dir()).map(|d| {
            let what = if d.exists() {
                "is not a directory"
            } else {
                "does not exist"
            };
            format!("{} {what}", d.display())
        })
    };
    match problem {
        Some(why) => Err(CliError::Usage(format!(
            "--junit {}: cannot write the JUnit report there: {why}",
            path.display()
        ))),
        None => Ok(()),
    }
}

/// Shrinks a failing trial and writes the minimal scenario.
pub fn shrink(
    file: &Path,
    seed: u64,
    trial: u64,
    out: Option<&Path>,
) -> Result<ExitCode, CliError> {
    let source = kdrsim::read_source(file)?;
    let shrunk = kdrsim::shrink::shrink(&source, seed, trial).map_err(|e| match e {
        kdrsim::shrink::ShrinkError::Scenario(s) => CliError::Scenario(s),
        other => CliError::Usage(other.to_string()),
    })?;
    let out_path = out.map(Path::to_path_buf).unwrap_or_else(|| {
        let stem = file
            .file_stem()
            .map_or("scenario".into(), |s| s.to_string_lossy().to_string());
        let name = format!("{stem}.shrunk-{seed}-{trial}.ron");
        if source.file.starts_with(kdrsim::BUILTIN_PREFIX) {
            // A built-in has no directory: the current one.
            PathBuf::from(name)
        } else {
            file.with_file_name(name)
        }
    });
    write_atomic_path(&out_path, shrunk.text.as_bytes()).map_err(|source| CliError::Io {
        what: format!("writing {}", out_path.display()),
        source,
    })?;
    emit(&format!(
        "shrunk trial {trial} (seed {seed}) of {}: {} of {} still {} a per-trial expectation\n\
         wrote {}\nreplay: {}\n",
        file.display(),
        shrunk.faults_after,
        kdrsim::output::units::count(shrunk.faults_before as u64, "fault"),
        if shrunk.faults_after == 1 {
            "breaks"
        } else {
            "break"
        },
        out_path.display(),
        replay_command(&out_path.display().to_string(), seed, trial)
    ))?;
    Ok(ExitCode::SUCCESS)
}
