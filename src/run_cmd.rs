//! `kdrsim run`: scenario files over many seeded trials, whole or as one
//! shard, streamed into the reports (table, JSON, CSV, `--out`).

use crate::console::{io_in, note, open_out_dir, progress_bar, CliError, Stdout};
use crate::console::{DEFAULT_SEED, DEFAULT_TRIALS};
use crate::files::{AtomicFile, OutDir};
use crate::shard::{self, PartialHeader, PartialScenario, Shard};
use clap::ValueEnum;
use kdrsim::output;
use kdrsim::output::ScenarioAccumulator;
use kdrsim::{Model, Source, TrialOutcome, TrialRange};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(clap::Args, Debug)]
pub(crate) struct RunArgs {
    /// Scenario files (RON), or builtin:NAME for a built-in one. With none, the built-in scenarios run.
    pub(crate) files: Vec<PathBuf>,
    /// Trials per scenario.
    #[arg(long, default_value_t = DEFAULT_TRIALS)]
    pub(crate) trials: u64,
    /// Master seed: (scenario, seed, trial) identifies a run.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub(crate) seed: u64,
    /// Worker threads (0 = one per core; at most 4 per core and one per trial). Results do not depend on it.
    #[arg(long, default_value_t = 0)]
    pub(crate) jobs: usize,
    /// What to print on standard output [default: table].
    #[arg(long, value_enum)]
    pub(crate) format: Option<FormatArg>,
    /// Also write report.json, trials.csv and report.txt into this directory.
    /// With a shard, write only the shard's partial result there.
    #[arg(long)]
    pub(crate) out: Option<PathBuf>,
    /// Run only shard K of N (0-based) of the trials and write a partial
    /// result into --out, for `kdrsim merge`. Without it, the shard comes from
    /// SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT (Slurm job arrays) or
    /// JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs) when set.
    #[arg(long, value_name = "K/N", value_parser = Shard::parse)]
    pub(crate) shard: Option<Shard>,
    /// The shard count when the environment gives only the index
    /// (JOB_COMPLETION_INDEX): the Indexed Job's completions.
    #[arg(long, value_name = "N", conflicts_with = "shard")]
    pub(crate) shards: Option<u64>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FormatArg {
    Table,
    Json,
    Csv,
}

/// A scenario ready to run, with the fingerprint of its text that a shard's
/// partial result records.
pub(crate) struct Loaded {
    pub(crate) model: Arc<Model>,
    pub(crate) digest: String,
}

/// The models alone (for commands that do not shard).
pub(crate) fn load_models(files: &[PathBuf]) -> Result<Vec<Arc<Model>>, CliError> {
    Ok(load_all(files)?.into_iter().map(|l| l.model).collect())
}

pub(crate) fn load_all(files: &[PathBuf]) -> Result<Vec<Loaded>, CliError> {
    let sources: Vec<Source> = if files.is_empty() {
        kdrsim::builtin_sources()
    } else {
        files
            .iter()
            .map(|f| kdrsim::read_source(f))
            .collect::<Result<_, _>>()?
    };
    sources
        .iter()
        .map(|source| {
            Ok(Loaded {
                model: kdrsim::load_source(source)?,
                digest: shard::digest(&source.text),
            })
        })
        .collect()
}

/// Where a run may learn that it is a shard.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum ShardSource {
    ArgumentsOnly,
    ArgumentsOrEnvironment,
}

/// Which shard this run is, from `--shard`, else (if allowed) from the batch
/// system's environment (see [`shard::shard_from_env`]).
pub(crate) fn resolve_shard(
    args: &RunArgs,
    source: ShardSource,
) -> Result<Option<Shard>, CliError> {
    if let Some(shard) = args.shard {
        return Ok(Some(shard));
    }
    if source == ShardSource::ArgumentsOnly {
        return Ok(None);
    }
    let found =
        shard::shard_from_env(|k| std::env::var(k).ok(), args.shards).map_err(CliError::Usage)?;
    Ok(found.map(|(shard, from)| {
        eprintln!("running shard {shard} (from {from})");
        shard
    }))
}

pub(crate) fn run(args: RunArgs, source: ShardSource) -> Result<ExitCode, CliError> {
    if args.trials == 0 {
        return Err(CliError::Usage("--trials must be at least 1".into()));
    }
    let shard = resolve_shard(&args, source)?;
    if let Some(shard) = shard {
        if args.out.is_none() {
            return Err(CliError::Usage(format!(
                "shard {shard} writes a partial result for `kdrsim merge`: pass --out DIR"
            )));
        }
        if args.format.is_some() {
            return Err(CliError::Usage(format!(
                "--format does not apply to shard {shard}, which writes a partial result: \
                 choose the format at `kdrsim merge DIR... --format ...`"
            )));
        }
    }
    let loaded = load_all(&args.files)?;
    match (shard, &args.out) {
        (Some(shard), Some(dir)) => run_shard(&args, &loaded, shard, dir),
        _ => run_whole(&args, &loaded),
    }
}

/// Runs every trial of every scenario, streaming outcomes into the reports:
/// memory does not grow with `--trials` beyond the statistics' value counts.
pub(crate) fn run_whole(args: &RunArgs, loaded: &[Loaded]) -> Result<ExitCode, CliError> {
    let format = args.format.unwrap_or(FormatArg::Table);
    let bar = progress_bar(args.trials.saturating_mul(loaded.len() as u64));
    let mut reports = Reports::new(format, args.out.as_deref())?;
    // Ctrl-C: the chunk under way finishes, then the trials completed are
    // reported, marked partial (see `interrupt`).
    let cancel = crate::interrupt::install();
    let interrupted = || CliError::Usage("interrupted".into());
    let mut stopped = false;
    for l in loaded {
        let model = &l.model;
        bar.set_prefix(output::printable_line(&model.name));
        reports.begin(
            &model.name,
            &model.file,
            args.seed,
            model.duration.as_ms(),
            kdrsim::models::notes::model_notes(model),
        );
        let result = kdrsim::run_chunked(
            model,
            args.seed,
            TrialRange::first(args.trials),
            args.jobs,
            |n| bar.inc(n),
            |chunk| {
                reports.add(chunk)?;
                if cancel.load(std::sync::atomic::Ordering::SeqCst) {
                    return Err(interrupted());
                }
                Ok(())
            },
        );
        match result {
            Err(_) if cancel.load(std::sync::atomic::Ordering::SeqCst) => {
                stopped = true;
                break;
            }
            other => other?,
        }
    }
    bar.finish_and_clear();
    let requested = args.trials.saturating_mul(loaded.len() as u64);
    let partial = stopped.then(|| (reports.trials_done(), requested));
    reports.finish(partial)?;
    if let Some((done, of)) = partial {
        eprintln!(
            "interrupted: reported {done} of {} (marked partial)",
            output::units::count(of, "trial")
        );
        return Ok(ExitCode::from(130));
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs this shard's trials of every scenario and writes them, atomically,
/// as `DIR/partial-K-of-N.jsonl`, sealed by a last line with their digest.
pub(crate) fn run_shard(
    args: &RunArgs,
    loaded: &[Loaded],
    shard: Shard,
    dir: &Path,
) -> Result<ExitCode, CliError> {
    let range = shard.range(args.trials);
    let name = shard.file_name();
    let io = |source| CliError::Io {
        what: format!("writing {name} in {}", dir.display()),
        source,
    };
    let header = PartialHeader::new(
        args.seed,
        args.trials,
        shard,
        loaded
            .iter()
            .map(|l| PartialScenario {
                name: l.model.name.clone(),
                file: l.model.file.clone(),
                digest: l.digest.clone(),
                duration_ms: l.model.duration.as_ms(),
                notes: kdrsim::models::notes::model_notes(&l.model),
            })
            .collect(),
    );
    let mut file = AtomicFile::create(dir, &name).map_err(io)?;
    file.write_all(header.line().as_bytes()).map_err(io)?;
    let bar = progress_bar(range.len().saturating_mul(loaded.len() as u64));
    let mut text = String::new();
    let mut rows = 0u64;
    for (index, l) in loaded.iter().enumerate() {
        bar.set_prefix(output::printable_line(&l.model.name));
        kdrsim::run_chunked(
            &l.model,
            args.seed,
            range,
            args.jobs,
            |n| bar.inc(n),
            |chunk: &mut Vec<(u64, TrialOutcome)>| -> Result<(), CliError> {
                text.clear();
                shard::write_rows(&mut text, index, chunk);
                rows += chunk.len() as u64;
                file.write_all(text.as_bytes()).map_err(io)
            },
        )?;
    }
    bar.finish_and_clear();
    // Sealed: `merge` refuses a partial edited or damaged after this.
    let (hash, _) = file.digest();
    file.write_all(shard::end_line(hash, rows).as_bytes())
        .map_err(io)?;
    let path = file.commit().map_err(io)?;
    note(&format!(
        "wrote {}: shard {shard}, trials {}..{} of {}",
        path.display(),
        range.start,
        range.end,
        args.trials
    ));
    Ok(ExitCode::SUCCESS)
}

/// Where a run's outcomes go as they arrive: per-scenario statistics (for
/// the table and JSON), and CSV rows written straight to standard output
/// and/or `trials.csv`. Nothing here holds more than one chunk of trials.
pub(crate) struct Reports {
    pub(crate) format: FormatArg,
    pub(crate) out: Option<OutDir>,
    pub(crate) stdout: Stdout,
    pub(crate) csv_file: Option<AtomicFile>,
    pub(crate) done: Vec<ScenarioAccumulator>,
    pub(crate) current: Option<ScenarioAccumulator>,
    pub(crate) rows: String,
}

impl Reports {
    pub(crate) fn new(format: FormatArg, out: Option<&Path>) -> Result<Reports, CliError> {
        let mut reports = Reports {
            format,
            out: out.map(open_out_dir).transpose()?,
            stdout: Stdout::default(),
            csv_file: None,
            done: Vec::new(),
            current: None,
            rows: String::new(),
        };
        if let Some(out) = &reports.out {
            reports.csv_file = Some(
                out.create("trials.csv")
                    .map_err(io_in(out.path(), "trials.csv"))?,
            );
        }
        let header = output::csv_header();
        reports.write_csv(&header)?;
        Ok(reports)
    }

    fn write_csv(&mut self, text: &str) -> Result<(), CliError> {
        if self.format == FormatArg::Csv {
            self.stdout.write(text)?;
        }
        if let (Some(file), Some(out)) = (&mut self.csv_file, &self.out) {
            file.write_all(text.as_bytes())
                .map_err(io_in(out.path(), "trials.csv"))?;
        }
        Ok(())
    }

    pub(crate) fn begin(
        &mut self,
        name: &str,
        file: &str,
        seed: u64,
        duration_ms: u64,
        notes: Vec<String>,
    ) {
        self.done.extend(self.current.take());
        let mut acc = ScenarioAccumulator::new(name, file, seed);
        acc.duration_ms = duration_ms;
        acc.notes = notes;
        self.current = Some(acc);
    }

    pub(crate) fn add(&mut self, chunk: &[(u64, TrialOutcome)]) -> Result<(), CliError> {
        let Some(acc) = &mut self.current else {
            return Ok(());
        };
        for (trial, outcome) in chunk {
            acc.add(*trial, outcome);
        }
        if self.format == FormatArg::Csv || self.csv_file.is_some() {
            let (name, seed) = (acc.name.clone(), acc.seed);
            let mut rows = std::mem::take(&mut self.rows);
            rows.clear();
            output::write_csv_rows(&mut rows, &name, seed, chunk);
            let result = self.write_csv(&rows);
            self.rows = rows;
            result?;
        }
        Ok(())
    }

    /// Prints the table or JSON report and publishes the files.
    /// Trials folded in so far, over every scenario.
    fn trials_done(&self) -> u64 {
        self.done
            .iter()
            .chain(self.current.iter())
            .map(ScenarioAccumulator::trials)
            .fold(0u64, u64::saturating_add)
    }

    /// Prints the table or JSON report and publishes the files; `partial`
    /// (completed, requested) marks an interrupted run's reports.
    pub(crate) fn finish(mut self, partial: Option<(u64, u64)>) -> Result<(), CliError> {
        self.done.extend(self.current.take());
        let summaries: Vec<_> = self.done.iter().map(ScenarioAccumulator::finish).collect();
        let json = || match partial {
            Some((done, of)) => {
                crate::interrupt::mark_json(&output::format_json(&summaries), done, of)
            }
            None => output::format_json(&summaries),
        };
        let table = || match partial {
            Some((done, of)) => {
                crate::interrupt::mark_table(&output::format_table(&summaries), done, of)
            }
            None => output::format_table(&summaries),
        };
        match self.format {
            FormatArg::Table => self.stdout.write(&table())?,
            FormatArg::Json => self.stdout.write(&json())?,
            FormatArg::Csv => {}
        }
        self.stdout.flush()?;
        if let (Some(mut out), Some(csv)) = (self.out.take(), self.csv_file.take()) {
            let dir = out.path().to_path_buf();
            out.write("report.json", json().as_bytes())
                .map_err(io_in(&dir, "report.json"))?;
            out.commit(csv).map_err(io_in(&dir, "trials.csv"))?;
            out.write("report.txt", table().as_bytes())
                .map_err(io_in(&dir, "report.txt"))?;
            note(&format!("wrote {}", dir.join("report.json").display()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A trial past its event budget ends `kdrsim run` with an error that
    /// names it and exit code 2 (what `main` prints and returns), not with
    /// a panic or a report.
    #[test]
    fn a_trial_past_its_event_budget_fails_the_run_with_exit_code_2() {
        let mut model = (*kdrsim::builtin_scenarios().unwrap().remove(0)).clone();
        model.event_budget_factor = 0;
        let loaded = [Loaded {
            model: Arc::new(model),
            digest: String::new(),
        }];
        #[derive(clap::Parser)]
        struct Run {
            #[command(flatten)]
            args: RunArgs,
        }
        let args = <Run as clap::Parser>::try_parse_from([
            "kdrsim", "--trials", "20", "--jobs", "2", "--format", "json",
        ])
        .unwrap()
        .args;
        let e = run_whole(&args, &loaded).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        let text = e.to_string();
        assert!(
            text.starts_with("scenario \"3dc-stretched\" (builtin:3dc-stretched), seed 1, trial 0: stopped after 1 event,"),
            "{text}"
        );
    }
}
