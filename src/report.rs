//! The design-review report: `kdrsim compare`, the zero-argument default
//! run, and `replay --timeline`.
//!
//! A comparison runs every scenario with the same seed and the same trial
//! numbers. Fault times are drawn from streams addressed by (seed, trial,
//! purpose), so two scenarios with the same fault list meet their faults at
//! the same instants in trial k: common random numbers, which make the
//! differences between topologies the topologies' and not the dice's.
//!
//! Everything is written atomically (src/files.rs) and only inside the
//! output directory: file names are fixed or built from
//! [`kdrsim::output::html::file_stem`], never from raw scenario names. The
//! directory's files of an earlier run are removed first (`OutDir`), so a
//! report never shows another run's charts beside its own.

use crate::console::{emit, CliError};
use crate::files::{write_atomic_path, OutDir};
use kdrsim::output::charts::{self, Chart};
use kdrsim::output::html::{self, ChartRef, ReportPage, ScenarioSection};
use kdrsim::output::provenance::{Provenance, ScenarioSource};
use kdrsim::output::{self, cost, ScenarioRun, ScenarioSummary, TimelineBy};
use kdrsim::{Model, TrialRange};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Trials whose traffic a comparison prices: cost is a mean of flows and
/// settles within a few trials, and each is run twice (with and without
/// its faults).
const COST_TRIALS: u64 = 20;

/// Each scenario's month under the first AWS platform that can run it
/// (`aws`, docs/cost.md); a scenario none can run is left unpriced.
fn bills(
    models: &[Arc<Model>],
    seed: u64,
    trials: u64,
    jobs: usize,
) -> Result<Vec<cost::Bill>, CliError> {
    let range = TrialRange::first(trials.min(COST_TRIALS));
    let mut bills = Vec::new();
    for m in models {
        let Ok((book, why)) = cost::platform::book_for(cost::BookChoice::Aws, m, None) else {
            continue;
        };
        let faulted = kdrsim::run_traffic(m, seed, range, jobs)?;
        let quiet = kdrsim::run_traffic(&kdrsim::without_faults(m), seed, range, jobs)?;
        let mut bill = cost::bill(m, &quiet, &faulted, &book);
        bill.chosen_because = why;
        bills.push(bill);
    }
    Ok(bills)
}

/// One paragraph: every scenario's cost per month and per incident.
///
/// The extra cost of an incident is the faulted runs' mean traffic minus
/// the quiet runs': where the incident saves traffic (producers stalled,
/// mirrors paused) or the two means differ only by noise, it comes out a
/// little below zero. An incident never earns money, so the page shows $0
/// and says what was measured; cost.json keeps the measured figure.
fn cost_paragraph(bills: &[cost::Bill]) -> Option<String> {
    let first = bills.first()?;
    let mut floored = Vec::new();
    let each: Vec<String> = bills
        .iter()
        .map(|b| {
            let incident = b.incident.usd_per_incident;
            if incident < 0.0 {
                floored.push(format!("{} {}", b.scenario, output::units::usd(incident)));
            }
            format!(
                "{} ({}) {} a month, {} per incident",
                b.scenario,
                b.price_book,
                output::units::usd(b.steady_usd_per_month),
                output::units::usd(incident.max(0.0))
            )
        })
        .collect();
    let mut text = format!(
        "Cost (each scenario under the first AWS platform that can run it, prices as of {}, \
         mean traffic of {} with and without the faults; cost.json and docs/cost.md say \
         how): {}.",
        first.as_of,
        output::units::count(first.trials as u64, "trial"),
        each.join("; ")
    );
    if !floored.is_empty() {
        text.push_str(&format!(
            " Per-incident cost is shown as $0 where it measured below zero ({}): the incident \
             moved less traffic than the quiet run (stalled producers and paused mirrors send \
             nothing), or the two means differ by noise; cost.json keeps the measured figure.",
            floored.join(", ")
        ));
    }
    Some(text)
}

/// Where the default run (the built-in study) and `study` write unless told
/// otherwise.
pub const DEFAULT_REPORT_DIR: &str = "kdrsim-report";

/// Where `compare` writes unless told otherwise: a directory of its own, so
/// a comparison never silently replaces the study's review report.
pub const DEFAULT_COMPARE_DIR: &str = "kdrsim-compare";

/// Runs `models` for `trials` trials each with master seed `seed`, with a
/// progress bar on standard error.
pub fn run_all(
    models: &[Arc<Model>],
    seed: u64,
    trials: u64,
    jobs: usize,
) -> Result<Vec<ScenarioRun>, CliError> {
    let total = trials.saturating_mul(models.len() as u64);
    let bar = crate::console::trials_bar(total, "{prefix:>16}");
    let mut runs = Vec::with_capacity(models.len());
    for model in models {
        bar.set_prefix(output::printable_line(&model.name));
        let outcomes =
            kdrsim::run_batch(model, seed, TrialRange::first(trials), jobs, |n| bar.inc(n))?;
        runs.push(ScenarioRun {
            name: model.name.clone(),
            file: model.file.clone(),
            seed,
            duration_ms: model.duration.as_ms(),
            trials: outcomes,
        });
    }
    bar.finish_and_clear();
    Ok(runs)
}

fn io_err(what: String) -> impl FnOnce(std::io::Error) -> CliError {
    move |source| CliError::Io { what, source }
}

fn chart_err(e: charts::ChartError) -> CliError {
    CliError::Io {
        what: "drawing the charts".into(),
        source: std::io::Error::other(e.to_string()),
    }
}

/// Writes `chart` as `{stem}.svg` and `{stem}.png` in `out`.
fn write_chart(out: &mut OutDir, chart: &Chart) -> Result<ChartRef, CliError> {
    for (ext, bytes) in [("svg", chart.svg.as_bytes()), ("png", chart.png.as_slice())] {
        let name = format!("{}.{ext}", chart.stem);
        out.write(&name, bytes).map_err(io_err(format!(
            "writing {name} in {}",
            out.path().display()
        )))?;
    }
    Ok(ChartRef {
        stem: chart.stem.clone(),
        caption: chart.caption.clone(),
    })
}

/// What the page says beside the outcomes: what the scenarios differ in
/// (when compared anyway), what each costs, which trial each timeline
/// shows, and the command line for the provenance.
pub struct Beside<'a> {
    pub differences: &'a [String],
    pub bills: &'a [cost::Bill],
    pub timeline_by: TimelineBy,
    pub command_line: &'a [String],
}

/// The text a scenario was compiled from: a built-in's, or its file's.
fn scenario_text(model: &Model) -> Option<String> {
    kdrsim::builtin_text(&model.file)
        .map(str::to_string)
        .or_else(|| std::fs::read_to_string(&model.file).ok())
}

/// What drew the report: version, commit, every scenario's digest, seed,
/// trials and the command line.
pub fn provenance(
    models: &[Arc<Model>],
    seed: u64,
    trials: u64,
    command_line: &[String],
) -> Provenance {
    Provenance {
        version: kdrsim::VERSION.to_string(),
        commit: kdrsim::GIT_COMMIT.to_string(),
        digest_algorithm: output::provenance::DIGEST_ALGORITHM.to_string(),
        scenarios: models
            .iter()
            .map(|m| ScenarioSource {
                file: m.file.clone(),
                name: m.name.clone(),
                digest: scenario_text(m).map_or_else(
                    || "unknown".to_string(),
                    |t| crate::fnv::Fnv64::of(t.as_bytes()),
                ),
            })
            .collect(),
        seed,
        trials,
        command_line: command_line.to_vec(),
    }
}

/// This process's command line, words that are not UTF-8 shown lossily.
pub fn command_line() -> Vec<String> {
    std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect()
}

/// Writes the whole report directory for `runs` (of `models`, same order)
/// and returns the path of its `index.html`.
pub fn write_report(
    dir: &Path,
    models: &[Arc<Model>],
    runs: &[ScenarioRun],
    summaries: &[ScenarioSummary],
    seed: u64,
    trials: u64,
    beside: Beside,
) -> Result<PathBuf, CliError> {
    let Beside {
        differences,
        bills,
        timeline_by,
        command_line,
    } = beside;
    let provenance = provenance(models, seed, trials, command_line);
    let warnings = output::report_warnings(differences, summaries);
    let mut out = crate::console::open_out_dir(dir)?;
    // The data and text files, written in this order; formatting has no
    // side effect, so all are formatted before the first write.
    let data = [
        (
            "summary.json",
            output::format_report_json(summaries, &warnings, Some(&provenance)),
        ),
        ("trials.csv", output::format_csv(runs)),
        ("report.txt", report_text(differences, summaries, bills)),
        ("cost.json", cost::render::bills_json(bills)),
    ];
    for (name, text) in &data {
        write_named(&mut out, dir, name, text.as_bytes())?;
    }
    let mut chart_refs = Vec::new();
    for chart in charts::compare::compare_charts(runs, summaries).map_err(chart_err)? {
        chart_refs.push(write_chart(&mut out, &chart)?);
    }
    let mut sections = Vec::new();
    let mut files = fixed_files();
    for (i, (model, run)) in models.iter().zip(runs).enumerate() {
        let (section, dot_entry) =
            write_scenario_section(&mut out, dir, i, model, run, seed, timeline_by)?;
        files.push(dot_entry);
        sections.push(section);
    }
    let names: Vec<&str> = models.iter().map(|m| m.name.as_str()).collect();
    let page = ReportPage {
        title: format!("kdrsim: {}", names.join(" vs ")),
        warnings,
        provenance: Some(&provenance),
        intro: intro(models.len(), seed, trials, differences)
            .into_iter()
            .chain(cost_paragraph(bills))
            .collect(),
        summaries,
        charts: chart_refs,
        scenarios: sections,
        files,
    };
    write_named(
        &mut out,
        dir,
        "index.html",
        html::report_html(&page).as_bytes(),
    )?;
    Ok(dir.join("index.html"))
}

/// Writes one file of the report; an error names the file and the
/// directory, so a failed write says where it failed.
fn write_named(out: &mut OutDir, dir: &Path, name: &str, bytes: &[u8]) -> Result<(), CliError> {
    out.write(name, bytes)
        .map(|_| ())
        .map_err(io_err(format!("writing {name} in {}", dir.display())))
}

/// report.txt: the warnings first, so a reader meets them before the
/// figures they qualify, then the table, then each scenario's bill.
fn report_text(
    differences: &[String],
    summaries: &[ScenarioSummary],
    bills: &[cost::Bill],
) -> String {
    let mut text = String::new();
    for line in differences {
        // A difference quotes names from the files (DCs, topics): printed
        // as the terminal prints them, no raw control character.
        text.push_str(&format!(
            "warning: {}\n",
            output::text::printable_line(line)
        ));
    }
    if !differences.is_empty() {
        text.push('\n');
    }
    text.push_str(&output::format_table(summaries));
    for bill in bills {
        text.push('\n');
        text.push_str(&cost::render::bill_text(bill));
    }
    text
}

/// The files every report has, with what each holds, for the page's list
/// of files (the per-scenario ones are added after them).
fn fixed_files() -> Vec<(String, String)> {
    vec![
        (
            "summary.json".to_string(),
            "per scenario and metric: mean, p50, p90, p99, p99.9, max, E[x | x > 0], P(>0) with its 95% interval, worst trials; every warning; the provenance".to_string(),
        ),
        (
            "trials.csv".to_string(),
            "one row per scenario and trial, every metric".to_string(),
        ),
        (
            "cost.json".to_string(),
            "per scenario: the month priced under the AWS book, line by line (docs/cost.md)"
                .to_string(),
        ),
        (
            "report.txt".to_string(),
            "the summary table as text, after any warning that the scenarios are not comparable, then each scenario's cost".to_string(),
        ),
    ]
}

/// Writes scenario `i`'s topology (chart and DOT) and the timeline of the
/// trial `timeline_by` picks, replayed; returns its section of the page
/// and the DOT file's entry in the list of files.
fn write_scenario_section(
    out: &mut OutDir,
    dir: &Path,
    i: usize,
    model: &Arc<Model>,
    run: &ScenarioRun,
    seed: u64,
    timeline_by: TimelineBy,
) -> Result<(ScenarioSection, (String, String)), CliError> {
    let stem = format!("{i}-{}", html::file_stem(&model.name));
    let topo =
        charts::topology::topology_chart(model, &format!("topology-{stem}")).map_err(chart_err)?;
    let topology = write_chart(out, &topo)?;
    let dot_name = format!("topology-{stem}.dot");
    write_named(
        out,
        dir,
        &dot_name,
        charts::topology::topology_dot(model).as_bytes(),
    )?;
    let dot_entry = (
        dot_name.clone(),
        format!("{}: topology graph (Graphviz DOT)", model.name),
    );
    let (trial, why) = output::timeline_trial(run, timeline_by);
    let (outcome, trace) =
        kdrsim::try_replay(model, seed, trial).map_err(kdrsim::RunnerError::from)?;
    let heading = format!(
        "{}, trial {trial} (seed {seed}): {} acknowledged records lost, longest write outage {}",
        model.name,
        output::units::thousands(outcome.acked_lost_records),
        output::units::duration_ms(outcome.max_write_outage_ms as f64)
    );
    let tl = charts::timeline::timeline_chart(
        model,
        &trace,
        &format!("timeline-{stem}"),
        &heading,
        None,
    )
    .map_err(chart_err)?;
    let mut timeline = write_chart(out, &tl)?;
    timeline.caption = format!("{}. The trial shown is {why}.", timeline.caption);
    let section = ScenarioSection {
        name: model.name.clone(),
        file: model.file.clone(),
        description: model_description(model),
        topology: Some(topology),
        dot_file: Some(dot_name),
        timeline: Some(timeline),
        replay_command: Some(kdrsim::safe::replay_command(
            &model.file,
            seed,
            trial,
            &["--timeline", "timeline.svg"],
        )),
    };
    Ok((section, dot_entry))
}

/// The paragraphs above the table: what differs first, when anything but
/// the topology does (then the columns are not the topologies' alone).
fn intro(scenarios: usize, seed: u64, trials: u64, differences: &[String]) -> Vec<String> {
    // What differs is in the warnings box above these paragraphs.
    let _ = differences;
    let mut paragraphs = Vec::new();
    let verdict = if differences.is_empty() {
        "Differences between the columns are the topologies', not chance's."
    } else {
        "These scenarios differ in more than topology (see the warnings above), so differences between the \
         columns are not the topologies' alone."
    };
    let trials = format!(
        "{} {}",
        output::units::thousands(trials),
        output::units::plural(trials, "trial")
    );
    let scenarios = output::units::count(scenarios as u64, "scenario");
    paragraphs.push(format!(
        "{scenarios}, {trials} each, master seed {seed}. Every scenario ran the \
         same trial numbers with the same seed: fault times come from random streams addressed by \
         (seed, trial, purpose), so scenarios with the same fault list meet their faults at the \
         same instants in every trial (common random numbers). {verdict}"
    ));
    paragraphs.push(
        "Each trial is reproducible: kdrsim replay FILE --seed S --trial K re-runs it event for \
         event. Colours identify a scenario in every chart."
            .to_string(),
    );
    paragraphs
}

/// A scenario's `description`, read again from its text (the compiled
/// model does not keep it), else its faults in words.
fn model_description(model: &Model) -> String {
    let text = scenario_text(model);
    let described = text.and_then(|text| {
        let source = kdrsim::Source {
            file: model.file.clone(),
            text,
        };
        kdrsim::models::load::parse(&source).ok()
    });
    if let Some(s) = described.filter(|s| !s.description.is_empty()) {
        return s.description;
    }
    let faults: Vec<&str> = model.faults.iter().map(|f| f.label.as_str()).collect();
    if faults.is_empty() {
        "no faults".to_string()
    } else {
        format!("faults: {}", faults.join("; "))
    }
}

/// `kdrsim compare` and the default run: run, print the table, write the
/// report, print where it is.
pub fn compare(
    models: Vec<Arc<Model>>,
    seed: u64,
    trials: u64,
    jobs: usize,
    out: &Path,
    allow_different: bool,
    timeline_by: TimelineBy,
) -> Result<(), CliError> {
    if trials == 0 {
        return Err(CliError::Usage("--trials must be at least 1".into()));
    }
    let differences = crate::comparable::differences(&models);
    if !differences.is_empty() && !allow_different {
        return Err(CliError::Usage(format!(
            "{}\nthe columns would not be the topologies' alone; compare them anyway with \
             --allow-different (the report then says what differs)",
            differences.join("\n")
        )));
    }
    for d in &differences {
        crate::console::note(&format!("warning: {d}"));
    }
    let runs = run_all(&models, seed, trials, jobs)?;
    let summaries: Vec<_> = runs
        .iter()
        .zip(&models)
        .map(|(run, model)| {
            let mut s = output::summarize(run);
            s.notes = kdrsim::models::notes::model_notes(model);
            s
        })
        .collect();
    let bills = bills(&models, seed, trials, jobs)?;
    emit(&output::format_table(&summaries))?;
    let index = write_report(
        out,
        &models,
        &runs,
        &summaries,
        seed,
        trials,
        Beside {
            differences: &differences,
            bills: &bills,
            timeline_by,
            command_line: &command_line(),
        },
    )?;
    emit(&format!("\nreport: {}\n", index.display()))?;
    Ok(())
}

/// `kdrsim replay --timeline FILE`: drawn as `format` (from the name, see
/// [`TimelineFormat::of`]).
pub fn write_timeline(
    model: &Model,
    trace: &[kdrsim::TraceEntry],
    (seed, trial): (u64, u64),
    path: &Path,
    format: TimelineFormat,
    window: Option<(u64, u64)>,
) -> Result<(), CliError> {
    let heading = format!("{}, trial {trial} (seed {seed})", model.name);
    let chart = charts::timeline::timeline_chart(model, trace, "timeline", &heading, window)
        .map_err(chart_err)?;
    let bytes = match format {
        TimelineFormat::Png => chart.png.as_slice(),
        TimelineFormat::Svg => chart.svg.as_bytes(),
    };
    write_atomic_path(path, bytes).map_err(io_err(format!(
        "writing the timeline to {}",
        path.display()
    )))?;
    crate::console::note(&format!("wrote {}", path.display()));
    Ok(())
}

/// What a timeline file is drawn as, from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimelineFormat {
    Svg,
    Png,
}

impl TimelineFormat {
    /// The format `path` names by its extension (`.svg` or `.png`, in any
    /// case), or a usage error saying which are supported.
    pub fn of(path: &Path) -> Result<TimelineFormat, CliError> {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if ext.eq_ignore_ascii_case("svg") {
            Ok(TimelineFormat::Svg)
        } else if ext.eq_ignore_ascii_case("png") {
            Ok(TimelineFormat::Png)
        } else {
            Err(CliError::Usage(format!(
                "--timeline {}: only .svg and .png timelines are supported; name the file FILE.svg or FILE.png",
                path.display()
            )))
        }
    }
}

/// Parses `--window FROM..TO` (seconds, fractions allowed) into nanoseconds.
pub fn parse_window(text: &str) -> Result<(u64, u64), CliError> {
    let bad = || {
        CliError::Usage(format!(
            "--window `{text}`: expected FROM..TO in seconds with FROM < TO, e.g. 2370..2420"
        ))
    };
    let (a, b) = text.split_once("..").ok_or_else(bad)?;
    let secs = |s: &str| {
        s.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v >= 0.0 && *v < 1e9)
    };
    match (secs(a), secs(b)) {
        (Some(a), Some(b)) if a < b => Ok(((a * 1e9) as u64, (b * 1e9) as u64)),
        _ => Err(bad()),
    }
}
