//! `kdrsim study FILE` and the default run: resolve, run with a progress
//! bar, print the verdicts, write the review report directory.

use crate::console::{emit, open_out_dir, CliError};
use crate::files::OutDir;
use indicatif::ProgressBar;
use kdrsim::output::charts::{self, Chart};
use kdrsim::output::html::ChartRef;
use kdrsim::output::provenance::{Provenance, ScenarioSource, DIGEST_ALGORITHM};
use kdrsim::output::study::html::{study_html, StudyPage};
use kdrsim::output::study::render::{study_json, study_summary_json, study_text};
use kdrsim::output::{self, ScenarioRun};
use kdrsim::study::{self, Resolved, ResolvedCell, StudyRun};
use kdrsim::Source;
use std::path::Path;

/// The built-in default study's file.
pub const DEFAULT_STUDY: &str = "scenarios/study/default.ron";

/// What to run and where to write.
pub struct StudyArgs<'a> {
    pub file: Option<&'a Path>,
    pub seed: u64,
    pub trials: Option<u64>,
    pub jobs: usize,
    pub out: &'a Path,
}

fn bar(total: u64) -> ProgressBar {
    crate::console::trials_bar(total, "study")
}

/// Runs a study and writes its report.
pub fn study(a: StudyArgs) -> Result<(), CliError> {
    let named = a
        .file
        .and_then(|f| f.to_str()?.strip_prefix(kdrsim::BUILTIN_PREFIX));
    let (source, builtin) = match a.file {
        // A built-in study (`builtin:study/default`) is read under its path
        // in the repository, so its topology files are found among the
        // built-ins beside it.
        Some(f) if named.is_some() => {
            let mut source = kdrsim::read_source(f)?;
            source.file = format!("scenarios/{}.ron", named.unwrap_or_default());
            (source, true)
        }
        Some(f) => (Source::read(f)?, false),
        None => (
            Source {
                file: DEFAULT_STUDY.to_string(),
                text: kdrsim::builtin_text(DEFAULT_STUDY)
                    .unwrap_or_default()
                    .to_string(),
            },
            true,
        ),
    };
    let resolved = study::resolve(&source, builtin, a.out)?;
    let trials = a.trials.unwrap_or(resolved.study.trials);
    if trials == 0 {
        return Err(CliError::Usage("--trials must be at least 1".into()));
    }
    // The sensitivity variants' changed cells count too.
    let cells = study::cells_to_run(&resolved);
    let progress = bar(cells * trials);
    let run = study::run(&resolved, a.seed, trials, a.jobs, &|n| progress.inc(n))?;
    progress.finish_and_clear();
    emit(&study_text(&run.report))?;
    let index = write_report(a.out, &source, &resolved, &run)?;
    emit(&format!("\nreport: {}\n", index.display()))?;
    Ok(())
}

fn io_err(what: String) -> impl FnOnce(std::io::Error) -> CliError {
    move |source| CliError::Io { what, source }
}

fn write(out: &mut OutDir, name: &str, bytes: &[u8]) -> Result<(), CliError> {
    let what = format!("writing {name} in {}", out.path().display());
    out.write(name, bytes).map(|_| ()).map_err(io_err(what))
}

fn write_chart(out: &mut OutDir, chart: &Chart) -> Result<ChartRef, CliError> {
    write(out, &format!("{}.svg", chart.stem), chart.svg.as_bytes())?;
    write(out, &format!("{}.png", chart.stem), &chart.png)?;
    Ok(ChartRef {
        stem: chart.stem.clone(),
        caption: chart.caption.clone(),
    })
}

fn chart_err(e: charts::ChartError) -> CliError {
    CliError::Io {
        what: "drawing the charts".into(),
        source: std::io::Error::other(e.to_string()),
    }
}

/// Every cell that ran, as the runs `summary.json` and `trials.csv` hold.
fn cell_runs(resolved: &Resolved, run: &StudyRun, seed: u64) -> Vec<ScenarioRun> {
    let mut runs = Vec::new();
    for (t, trials) in resolved.topologies.iter().zip(&run.trials) {
        for (cell, trials) in t.cells.iter().zip(trials) {
            if let (ResolvedCell::Runs { model, .. }, Some(trials)) = (cell, trials) {
                runs.push(ScenarioRun {
                    name: model.name.clone(),
                    file: model.file.clone(),
                    seed,
                    duration_ms: model.duration.as_ms(),
                    trials: trials.clone(),
                });
            }
        }
    }
    runs
}

/// What drew the report: version, commit, the study's and every cell's
/// digest, seed, trials, the command line.
fn provenance(source: &Source, resolved: &Resolved, run: &StudyRun) -> Provenance {
    let mut scenarios = vec![ScenarioSource {
        file: source.file.clone(),
        name: format!("study {}", resolved.study.name),
        digest: crate::shard::digest(&source.text),
    }];
    for t in &resolved.topologies {
        for c in &t.cells {
            if let ResolvedCell::Runs { model, text, .. } = c {
                scenarios.push(ScenarioSource {
                    file: model.file.clone(),
                    name: model.name.clone(),
                    digest: crate::shard::digest(text),
                });
            }
        }
    }
    Provenance {
        version: env!("CARGO_PKG_VERSION").to_string(),
        commit: env!("KDRSIM_GIT_COMMIT").to_string(),
        digest_algorithm: DIGEST_ALGORITHM.to_string(),
        scenarios,
        seed: run.report.seed,
        trials: run.report.trials,
        command_line: std::env::args().collect(),
    }
}

/// The provenance as the page's rows.
fn provenance_rows(p: &Provenance) -> Vec<(String, String)> {
    let mut rows = vec![
        ("kdrsim version".to_string(), p.version.clone()),
        ("git commit".to_string(), p.commit.clone()),
        ("command line".to_string(), p.command_text()),
        ("seed".to_string(), p.seed.to_string()),
        ("trials per cell".to_string(), p.trials.to_string()),
    ];
    for s in &p.scenarios {
        rows.push((
            s.file.clone(),
            format!("{} {}", p.digest_algorithm, s.digest),
        ));
    }
    rows
}

/// A chart and the note naming the topologies whose curves coincide on it.
type NotedChart = (ChartRef, String);

/// Names of series whose values are the same multiset, as "A and B lie on
/// one curve" sentences (empty when every curve is its own).
fn coinciding(series: &[(String, Vec<u64>)]) -> String {
    let mut groups: Vec<(Vec<u64>, Vec<&str>)> = Vec::new();
    for (name, values) in series {
        let mut sorted = values.clone();
        sorted.sort_unstable();
        match groups.iter_mut().find(|(v, _)| *v == sorted) {
            Some((_, names)) => names.push(name),
            None => groups.push((sorted, vec![name])),
        }
    }
    let same: Vec<String> = groups
        .iter()
        .filter(|(_, n)| n.len() > 1)
        .map(|(v, n)| {
            let what = if v.iter().all(|&x| x == 0) {
                "no outage in any trial"
            } else {
                "the same figures in every percentile"
            };
            format!("{} lie on one curve ({what})", n.join(", "))
        })
        .collect();
    if same.is_empty() {
        String::new()
    } else {
        format!("On one curve: {}.", same.join("; "))
    }
}

/// One exceedance chart of the RTO (the worse of writes and reads) per
/// fault scenario (every topology a line, each with its own marker), and
/// which of them decides: the fault scenario most verdicts that fail name
/// as their main cause (else the first).
fn tail_charts(
    out: &mut OutDir,
    resolved: &Resolved,
    run: &StudyRun,
) -> Result<(Option<ChartRef>, Vec<NotedChart>), CliError> {
    let mut refs = Vec::new();
    for (k, f) in resolved.study.faults.iter().enumerate() {
        let series: Vec<(String, Vec<u64>)> = resolved
            .topologies
            .iter()
            .zip(&run.trials)
            .filter_map(|(t, trials)| {
                trials[k].as_ref().map(|v| {
                    let values = v
                        .iter()
                        .map(|(_, o)| o.max_write_outage_ms.max(o.max_read_outage_ms))
                        .collect();
                    (t.name.clone(), values)
                })
            })
            .collect();
        if series.is_empty() {
            refs.push(None);
            continue;
        }
        let stem = format!("rto-exceedance-{k}-{}", output::html::file_stem(&f.name));
        let title = format!(
            "{} ({}): P(RTO > x) per incident",
            f.domain.describe(),
            f.kind()
        );
        let chart = charts::exceedance::exceedance_chart_marked(
            &stem,
            &title,
            "RTO, the longer of the write and read outages (s)",
            &series,
            1000.0,
        )
        .map_err(chart_err)?;
        refs.push(Some((write_chart(out, &chart)?, coinciding(&series))));
    }
    let blamed = |k: usize| {
        run.report
            .topologies
            .iter()
            .flat_map(|t| &t.verdicts)
            .filter(|v| {
                !v.status.holds() && v.driven_by.as_deref() == Some(&run.report.faults[k].name)
            })
            .count()
    };
    let decide = (0..refs.len())
        .filter(|&k| refs[k].is_some())
        .max_by_key(|&k| (blamed(k), std::cmp::Reverse(k)));
    let deciding = decide.and_then(|k| refs[k].as_ref().map(|(c, _)| c.clone()));
    Ok((deciding, refs.into_iter().flatten().collect()))
}

/// Writes the report directory; returns the path of its `index.html`.
fn write_report(
    dir: &Path,
    source: &Source,
    resolved: &Resolved,
    run: &StudyRun,
) -> Result<std::path::PathBuf, CliError> {
    let mut out = open_out_dir(dir)?;
    let seed = run.report.seed;
    let mut files = Vec::new();
    let mut replay = Vec::new();
    let mut topologies = Vec::new();
    for (i, t) in resolved.topologies.iter().enumerate() {
        let (row, diagram) = write_cells(&mut out, &mut files, resolved, run, i, t)?;
        replay.push(row);
        topologies.push(diagram);
    }
    let runs = cell_runs(resolved, run, seed);
    let summaries: Vec<_> = runs.iter().map(output::summarize).collect();
    write(&mut out, "study.json", study_json(&run.report).as_bytes())?;
    let prov = provenance(source, resolved, run);
    let summary = output::format_report_json(&summaries, &run.report.warnings, Some(&prov));
    write(
        &mut out,
        "summary.json",
        study_summary_json(&summary, &run.report).as_bytes(),
    )?;
    write(&mut out, "trials.csv", output::format_csv(&runs).as_bytes())?;
    write(&mut out, "report.txt", study_text(&run.report).as_bytes())?;
    let mut listed = fixed_files();
    listed.extend(files);
    let (deciding, charts) = tail_charts(&mut out, resolved, run)?;
    let page = StudyPage {
        report: &run.report,
        deciding,
        charts,
        topologies,
        provenance: provenance_rows(&prov),
        files: listed,
        replay,
    };
    write(&mut out, "index.html", study_html(&page).as_bytes())?;
    Ok(dir.join("index.html"))
}

/// The files every study report has, with what each holds, listed before
/// the cells' scenario files.
fn fixed_files() -> Vec<(String, String)> {
    vec![
        (
            "study.json".to_string(),
            "the study: per topology, per year, per incident, verdicts, cost".to_string(),
        ),
        (
            "summary.json".to_string(),
            "the assumptions and sensitivity, then per cell (topology under one fault \
             scenario): every metric's distribution"
                .to_string(),
        ),
        (
            "trials.csv".to_string(),
            "one row per cell and trial, every metric".to_string(),
        ),
        ("report.txt".to_string(), "the study as text".to_string()),
    ]
}

/// Writes topology `i`'s cells as scenario files (listed in `files`) and
/// its diagram, drawn from its first cell that ran; returns per cell the
/// command that replays its worst trial, and the diagram.
fn write_cells(
    out: &mut OutDir,
    files: &mut Vec<(String, String)>,
    resolved: &Resolved,
    run: &StudyRun,
    i: usize,
    t: &study::ResolvedTopology,
) -> Result<(Vec<Option<String>>, Option<ChartRef>), CliError> {
    let seed = run.report.seed;
    let mut row = Vec::new();
    let mut diagram = None;
    for (k, c) in t.cells.iter().enumerate() {
        let ResolvedCell::Runs { model, text, .. } = c else {
            row.push(None);
            continue;
        };
        // The name the cell was resolved under (its replay commands
        // name it): unique per cell by construction (study::cell_stems).
        let name = std::path::Path::new(&model.file)
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        write(out, &name, text.as_bytes())?;
        files.push((
            name,
            format!(
                "{} under {}: the cell as a scenario",
                t.name, resolved.study.faults[k].name
            ),
        ));
        if diagram.is_none() {
            let stem = format!("topology-{i}-{}", output::html::file_stem(&t.name));
            let chart = charts::topology::topology_chart(model, &stem).map_err(chart_err)?;
            diagram = Some(write_chart(out, &chart)?);
        }
        let stats = &run.report.topologies[i].cells[k];
        let worst = stats.worst_loss_trial.or(stats.worst_rto_trial);
        row.push(worst.map(|trial| kdrsim::safe::replay_command(&model.file, seed, trial, &[])));
    }
    Ok((row, diagram))
}
