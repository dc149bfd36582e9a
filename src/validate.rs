//! `kdrsim validate FILE...` and the rendering of scenario errors with a
//! source snippet (also used for every scenario error the CLI reports).

use kdrsim::ScenarioError;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// A scenario error as the CLI prints it: the one-line message, then the
/// offending line with a caret when the file can be read again.
pub fn render_error(e: &ScenarioError) -> String {
    match e.location().filter(|l| l.line > 0) {
        Some(loc) => match kdrsim::read_source(Path::new(&loc.file)) {
            Ok(src) => e.render(&src.text),
            Err(_) => e.render(""),
        },
        None => e.render(""),
    }
}

/// Parses and checks every file (without simulating), reporting each
/// problem with its snippet. Exit code 2 when any file is bad; every file is
/// checked either way, so one run lists every broken file.
pub fn validate(files: &[PathBuf]) -> ExitCode {
    let mut bad = 0usize;
    for path in files {
        let src = match kdrsim::read_source(path) {
            Ok(src) => src,
            Err(e) => {
                bad += 1;
                crate::console::note(&e.render(""));
                continue;
            }
        };
        if let Some(study) = as_study(&src) {
            match study {
                Ok(line) => println!(
                    "{}",
                    kdrsim::output::printable(&format!("ok: {}: {line}", path.display()))
                ),
                Err(e) => {
                    bad += 1;
                    crate::console::note(&e.render(&src.text));
                }
            }
            continue;
        }
        match kdrsim::check_source(&src) {
            // Names and paths are shown with control characters as `?`,
            // like every text kdrsim prints (kdrsim_output::text).
            Ok(m) => {
                println!(
                    "{}",
                    kdrsim::output::printable(&format!(
                        "ok: {}: scenario \"{}\": {}",
                        path.display(),
                        m.name,
                        inventory(&m)
                    ))
                );
                warn_cut_offs(&src);
            }
            Err(problems) => {
                bad += 1;
                report_problems(&path.display().to_string(), &src.text, &problems);
            }
        }
    }
    if bad > 0 {
        let files = files.len() as u64;
        eprintln!(
            "{bad} of {} invalid",
            kdrsim::output::units::count(files, "file")
        );
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

/// A study file checked as `kdrsim study` would read it (its topology
/// files, fault scenarios, classes and price books resolved, nothing
/// run): `None` when the file is no study. A file is a study when it
/// reads as one, or when it fails to read as a scenario and names
/// `topologies` (a study's error then says more than a scenario's).
fn as_study(src: &kdrsim::Source) -> Option<Result<String, kdrsim::ScenarioError>> {
    let parsed = kdrsim::models::study::parse(src);
    if parsed.is_err() && (!names_topologies(&src.text) || kdrsim::check_source(src).is_ok()) {
        return None;
    }
    let out = std::path::Path::new(crate::report::DEFAULT_REPORT_DIR);
    Some(kdrsim::study::resolve(src, false, out).map(|r| {
        use kdrsim::output::units::count;
        let cells: usize = r.topologies.iter().map(|t| t.cells.len()).sum();
        format!(
            "study \"{}\": {}, {}, {}, {}",
            r.study.name,
            count(r.topologies.len() as u64, "topology"),
            count(r.study.faults.len() as u64, "fault scenario"),
            count(r.study.classes.len() as u64, "class"),
            count(cells as u64, "cell")
        )
    }))
}

/// Whether `text` has a `topologies:` field outside comments.
fn names_topologies(text: &str) -> bool {
    text.lines().any(|l| {
        let code = l.split("//").next().unwrap_or("");
        code.split_once("topologies")
            .is_some_and(|(_, rest)| rest.trim_start().starts_with(':'))
    })
}

/// Warnings, not errors: faults that can outlast the trial, whose outages
/// a run would cut off at the trial's end (`models::horizon`). A study
/// file or anything that is not a scenario has none.
fn warn_cut_offs(src: &kdrsim::Source) {
    let Ok(scenario) = kdrsim::models::load::parse(src) else {
        return;
    };
    for w in kdrsim::models::horizon::cut_off_warnings(src, &scenario) {
        crate::console::note(&format!("warning: {w}"));
    }
}

/// "6 brokers, 3 controllers, 1 topic, 12 partitions, 1 fault".
fn inventory(m: &kdrsim::Model) -> String {
    use kdrsim::output::units::count;
    [
        (m.brokers.len(), "broker"),
        (m.controllers.len(), "controller"),
        (m.topics.len(), "topic"),
        (m.partitions.len(), "partition"),
        (m.faults.len(), "fault"),
    ]
    .map(|(n, noun)| count(n as u64, noun))
    .join(", ")
}

/// Every error of one file, each with its snippet, then why checking
/// stopped early (if it did) and how many errors there were.
fn report_problems(file: &str, text: &str, problems: &kdrsim::Problems) {
    for e in &problems.errors {
        crate::console::note(&e.render(text));
    }
    if let Some(why) = &problems.stopped {
        crate::console::note(&format!("note: {file}: {why}"));
    }
    let n = problems.errors.len();
    if n > 1 {
        crate::console::note(&format!("{file}: {n} errors"));
    }
}
