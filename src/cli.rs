//! Commands and their execution.

use crate::console::{emit, io_in, note, open_out_dir, progress_bar, CliError, Stdout};
use crate::files::{write_atomic_path, AtomicFile, OutDir};
use crate::shard::{self, PartialHeader, PartialScenario, Shard};
use clap::{Parser, Subcommand, ValueEnum};
use kdrsim::output::{self, ScenarioAccumulator};
use kdrsim::{Model, Source, TrialOutcome, TrialRange};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

/// Trials per scenario when none are asked for.
pub const DEFAULT_TRIALS: u64 = 2000;
/// The master seed when none is given.
pub const DEFAULT_SEED: u64 = 1;

#[derive(Parser, Debug)]
#[command(
    name = "kdrsim",
    version,
    about = "Deterministic fault-injection simulator of Kafka disaster-recovery topologies",
    long_about = "Replays Kafka topologies under broker, rack, DC and region loss and network \
partitions over many seeded trials, and reports distributions of acknowledged records lost (RPO) \
and unavailability (RTO), naming the trial behind every tail so it can be replayed.\n\n\
With no command, runs the built-in study (scenarios/study/default.ron, as `kdrsim study`): \
its topologies on one workload under one matrix of failure domains with annual rates, \
on common random numbers. It prints per topology the cost per month, acknowledged loss and \
availability per year, RTO per incident and whether each stream class meets its objectives, \
and writes the review report (kdrsim-report/index.html; every cell as a scenario to replay)."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run scenario files over many seeded trials and report distributions.
    Run(RunArgs),
    /// Run a study: every topology x fault scenario on common random
    /// numbers, per year and per incident, verdicts for each stream class,
    /// cost in money; writes the review report (docs/study.md). With no
    /// file, the built-in default study (what the no-argument run runs).
    Study(StudyCmdArgs),
    /// Re-run one trial exactly, event for event, optionally writing its trace.
    Replay(ReplayArgs),
    /// Run scenarios on common random numbers and write a report directory
    /// (index.html, summary.json, trials.csv, charts as SVG and PNG).
    Compare(CompareArgs),
    /// Run one scenario for each value of one parameter and chart every
    /// metric against it.
    Sweep(SweepArgs),
    /// Combine the partial results of a sharded run (`run --shard K/N --out
    /// DIR`) into the report the unsharded run would print, byte for byte.
    Merge(MergeArgs),
    /// Decide the `expect` list of scenario files: exit 0 when every
    /// expectation holds, 1 when one does not (naming the trials to replay),
    /// 2 on bad input or a file it cannot read or write (--junit).
    Check(CheckArgs),
    /// Reduce a failing trial's faults to a minimal schedule that still
    /// breaks a per-trial expectation, written as a scenario with fixed times.
    Shrink(ShrinkArgs),
    /// Price a scenario's month: traffic by purpose and boundary from its
    /// trials, compute, storage and mirrors from its topology, under a
    /// price book (docs/cost.md).
    Cost(CostArgs),
    /// Check scenario files (parse and semantic rules) without simulating.
    Validate {
        /// Scenario files (RON), or builtin:NAME for a built-in one.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Read a topology statically: for each single failure domain, whether
    /// the quorum survives, writes stay available and acknowledged data can
    /// be lost.
    Explain {
        /// The scenario file (RON), or builtin:NAME for a built-in one.
        file: PathBuf,
    },
}

#[derive(clap::Args, Debug)]
struct CheckArgs {
    /// Scenario files (RON, or builtin:NAME) with an `expect` list.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Trials for per-trial and distribution expectations.
    #[arg(long, default_value_t = DEFAULT_TRIALS)]
    trials: u64,
    /// The most trials a probability expectation may use (it stops earlier
    /// once decided).
    #[arg(long, default_value_t = 100_000)]
    max_trials: u64,
    /// Master seed.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
    /// Worker threads (0 = one per core; at most 4 per core and one per trial). Verdicts do not depend on it.
    #[arg(long, default_value_t = 0)]
    jobs: usize,
    /// Also write the verdicts as JUnit XML to this file.
    #[arg(long)]
    junit: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
struct CostArgs {
    /// The scenario file (RON), or builtin:NAME for a built-in one.
    file: PathBuf,
    /// The platform whose built-in price book prices the scenario:
    /// aws-msk, aws-ec2, confluent-platform, gcp, azure, or aws (the first
    /// of aws-msk, aws-ec2, confluent-platform that can run it). A platform
    /// that cannot run the scenario is refused (exit 2).
    #[arg(
        long,
        alias = "provider",
        default_value = "aws",
        value_name = "PLATFORM"
    )]
    platform: String,
    /// A price book file (RON) whose entries replace the provider's.
    #[arg(long, value_name = "FILE")]
    price_book: Option<PathBuf>,
    /// Trials whose mean traffic is priced.
    #[arg(long, default_value_t = 100)]
    trials: u64,
    /// Master seed.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
    /// Worker threads (0 = one per core; at most 4 per core and one per trial).
    #[arg(long, default_value_t = 0)]
    jobs: usize,
    /// Text for a person, or JSON for a script.
    #[arg(long, value_enum, default_value_t = CostFormat::Table)]
    format: CostFormat,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum CostFormat {
    Table,
    Json,
}

#[derive(clap::Args, Debug)]
struct ShrinkArgs {
    /// The scenario file (RON, or builtin:NAME) with a per-trial expectation.
    file: PathBuf,
    /// The failing trial (as `check` names it).
    #[arg(long)]
    trial: u64,
    /// The master seed of the run.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
    /// Where to write the shrunk scenario (default: beside FILE,
    /// NAME.shrunk-SEED-TRIAL.ron).
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
struct StudyCmdArgs {
    /// The study file (RON), or builtin:study/default. With none, the built-in default study.
    file: Option<PathBuf>,
    /// Trials per cell (topology x fault scenario); default: the study's.
    #[arg(long)]
    trials: Option<u64>,
    /// Master seed, the same for every cell.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
    /// Worker threads (0 = one per core; at most 4 per core and one per trial). Results do not depend on it.
    #[arg(long, default_value_t = 0)]
    jobs: usize,
    /// The report directory.
    #[arg(long, default_value = crate::report::DEFAULT_REPORT_DIR)]
    out: PathBuf,
}

#[derive(clap::Args, Debug)]
struct CompareArgs {
    /// Scenario files (RON), or builtin:NAME for a built-in one. With none, the built-in scenarios.
    files: Vec<PathBuf>,
    /// Trials per scenario.
    #[arg(long, default_value_t = DEFAULT_TRIALS)]
    trials: u64,
    /// Master seed, the same for every scenario.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
    /// Worker threads (0 = one per core; at most 4 per core and one per trial). Results do not depend on it.
    #[arg(long, default_value_t = 0)]
    jobs: usize,
    /// The report directory (not kdrsim-report/, the study's).
    #[arg(long, default_value = crate::report::DEFAULT_COMPARE_DIR)]
    out: PathBuf,
    /// Compare scenarios even when they differ in trial length, workload
    /// or faults (otherwise exit 2 naming the difference); the report then
    /// says at the top what differs.
    #[arg(long)]
    allow_different: bool,
    /// Which trial each scenario's timeline shows: `loss` (the most
    /// acknowledged records lost; when every trial lost the same, the
    /// longest write outage) or `rto` (the longest write outage).
    #[arg(long, default_value = "loss", value_parser = ["loss", "rto"])]
    timeline_by: String,
}

#[derive(clap::Args, Debug)]
struct SweepArgs {
    /// The scenario file (RON), or builtin:NAME for a built-in one.
    file: PathBuf,
    /// PATH=VALUES: a field path into the scenario and the values to try,
    /// as a,b,c or start..end:step (e.g. topics[0].min_insync_replicas=1,2,3).
    #[arg(long)]
    set: String,
    /// Trials per value.
    #[arg(long, default_value_t = 500)]
    trials: u64,
    /// Master seed, the same for every value.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
    /// Worker threads (0 = one per core; at most 4 per core and one per trial).
    #[arg(long, default_value_t = 0)]
    jobs: usize,
    /// The report directory.
    #[arg(long, default_value = "kdrsim-sweep")]
    out: PathBuf,
}

#[derive(clap::Args, Debug)]
struct RunArgs {
    /// Scenario files (RON), or builtin:NAME for a built-in one. With none, the built-in scenarios run.
    files: Vec<PathBuf>,
    /// Trials per scenario.
    #[arg(long, default_value_t = DEFAULT_TRIALS)]
    trials: u64,
    /// Master seed: (scenario, seed, trial) identifies a run.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
    /// Worker threads (0 = one per core; at most 4 per core and one per trial). Results do not depend on it.
    #[arg(long, default_value_t = 0)]
    jobs: usize,
    /// What to print on standard output [default: table].
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// Also write report.json, trials.csv and report.txt into this directory.
    /// With a shard, write only the shard's partial result there.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Run only shard K of N (0-based) of the trials and write a partial
    /// result into --out, for `kdrsim merge`. Without it, the shard comes from
    /// SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT (Slurm job arrays) or
    /// JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs) when set.
    #[arg(long, value_name = "K/N", value_parser = Shard::parse)]
    shard: Option<Shard>,
    /// The shard count when the environment gives only the index
    /// (JOB_COMPLETION_INDEX): the Indexed Job's completions.
    #[arg(long, value_name = "N", conflicts_with = "shard")]
    shards: Option<u64>,
}

#[derive(clap::Args, Debug)]
struct MergeArgs {
    /// Directories holding partial results (partial-K-of-N.jsonl), or the
    /// files themselves. Every shard of the run must be among them once.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// What to print on standard output.
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    format: FormatArg,
    /// Also write report.json, trials.csv and report.txt into this directory.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
struct ReplayArgs {
    /// The scenario file (RON), or builtin:NAME for a built-in one.
    file: PathBuf,
    /// The trial number to replay (as named in a report's worst_trials).
    #[arg(long)]
    trial: u64,
    /// The master seed of the run being replayed.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
    /// Write the trial's trace as JSON lines to this file; `-` writes it to
    /// standard output (the summary then goes to standard error).
    #[arg(long)]
    trace: Option<PathBuf>,
    /// Draw the trial's timeline to this file: FILE.svg or FILE.png.
    #[arg(long)]
    timeline: Option<PathBuf>,
    /// The timeline's time axis as FROM..TO seconds of simulated time
    /// (default: 30 s before the first fault to 30 s after the last change).
    #[arg(long, value_name = "FROM..TO", requires = "timeline")]
    window: Option<String>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum FormatArg {
    Table,
    Json,
    Csv,
}

pub fn execute(cli: Cli) -> Result<ExitCode, CliError> {
    match cli.command {
        // The default run is the built-in study: the seeds' topologies on
        // one workload and one fault matrix (scenarios/study/default.ron).
        None => crate::study_cmd::study(crate::study_cmd::StudyArgs {
            file: None,
            seed: DEFAULT_SEED,
            trials: None,
            jobs: 0,
            out: std::path::Path::new(crate::report::DEFAULT_REPORT_DIR),
        })
        .map(|_| ExitCode::SUCCESS),
        Some(Command::Study(a)) => crate::study_cmd::study(crate::study_cmd::StudyArgs {
            file: a.file.as_deref(),
            seed: a.seed,
            trials: a.trials,
            jobs: a.jobs,
            out: &a.out,
        })
        .map(|_| ExitCode::SUCCESS),
        Some(Command::Run(args)) => run(args, ShardSource::ArgumentsOrEnvironment),
        Some(Command::Replay(args)) => replay(args),
        Some(Command::Merge(args)) => merge(args),
        Some(Command::Check(a)) => crate::check_cmd::check(
            &a.files,
            kdrsim::check::CheckOptions {
                seed: a.seed,
                trials: a.trials,
                max_trials: a.max_trials,
                jobs: a.jobs,
            },
            a.junit.as_deref(),
        ),
        Some(Command::Shrink(a)) => {
            crate::check_cmd::shrink(&a.file, a.seed, a.trial, a.out.as_deref())
        }
        Some(Command::Compare(a)) => {
            let models = load_models(&a.files)?;
            let by = kdrsim::output::TimelineBy::parse(&a.timeline_by).unwrap_or_default();
            crate::report::compare(
                models,
                a.seed,
                a.trials,
                a.jobs,
                &a.out,
                a.allow_different,
                by,
            )
            .map(|_| ExitCode::SUCCESS)
        }
        Some(Command::Sweep(a)) => {
            crate::sweep::sweep(&a.file, &a.set, a.seed, a.trials, a.jobs, &a.out)
                .map(|_| ExitCode::SUCCESS)
        }
        Some(Command::Cost(a)) => cost(a),
        Some(Command::Validate { files }) => Ok(crate::validate::validate(&files)),
        Some(Command::Explain { file }) => {
            let model = kdrsim::load_scenario(&file)?;
            emit(&crate::explain::explain_text(&model))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `kdrsim cost`: the scenario's month under a price book.
fn cost(a: CostArgs) -> Result<ExitCode, CliError> {
    use output::cost::{self, BookChoice};
    if a.trials == 0 {
        return Err(CliError::Usage("--trials must be at least 1".into()));
    }
    let choice =
        BookChoice::parse(&a.platform).map_err(|e| CliError::Usage(format!("--platform: {e}")))?;
    let file = match &a.price_book {
        None => None,
        Some(path) => {
            let limit = kdrsim::models::load::MAX_SCENARIO_BYTES;
            let text = kdrsim::models::load::read_text_limited(path, limit).map_err(|e| {
                let source = match e {
                    kdrsim::models::load::LimitedReadError::Io(e) => e,
                    kdrsim::models::load::LimitedReadError::TooLarge => std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        format!("larger than {limit} bytes, the limit of a price book"),
                    ),
                };
                CliError::Io {
                    what: format!("reading the price book {}", path.display()),
                    source,
                }
            })?;
            Some((path.display().to_string(), text))
        }
    };
    let model = kdrsim::load_scenario(&a.file)?;
    let file = file.as_ref().map(|(n, t)| (n.as_str(), t.as_str()));
    // Refused before any trial runs: a platform that cannot run the
    // topology has no price for it.
    let (book, why) = cost::platform::book_for(choice, &model, file).map_err(CliError::Usage)?;
    let trials = TrialRange::first(a.trials);
    let faulted = kdrsim::run_traffic(&model, a.seed, trials, a.jobs)?;
    let quiet = kdrsim::run_traffic(&kdrsim::without_faults(&model), a.seed, trials, a.jobs)?;
    let mut bill = cost::bill(&model, &quiet, &faulted, &book);
    bill.chosen_because = why;
    emit(&match a.format {
        CostFormat::Table => cost::render::bill_text(&bill),
        CostFormat::Json => cost::render::bill_json(&bill),
    })?;
    Ok(ExitCode::SUCCESS)
}

/// A scenario ready to run, with the fingerprint of its text that a shard's
/// partial result records.
struct Loaded {
    model: Arc<Model>,
    digest: String,
}

/// The models alone (for commands that do not shard).
fn load_models(files: &[PathBuf]) -> Result<Vec<Arc<Model>>, CliError> {
    Ok(load_all(files)?.into_iter().map(|l| l.model).collect())
}

fn load_all(files: &[PathBuf]) -> Result<Vec<Loaded>, CliError> {
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
enum ShardSource {
    ArgumentsOnly,
    ArgumentsOrEnvironment,
}

/// Which shard this run is, from `--shard`, else (if allowed) from the batch
/// system's environment (see [`shard::shard_from_env`]).
fn resolve_shard(args: &RunArgs, source: ShardSource) -> Result<Option<Shard>, CliError> {
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

fn run(args: RunArgs, source: ShardSource) -> Result<ExitCode, CliError> {
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
fn run_whole(args: &RunArgs, loaded: &[Loaded]) -> Result<ExitCode, CliError> {
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
fn run_shard(
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

/// Combines partial results into the unsharded run's report: the partials'
/// outcomes are folded scenario by scenario, shard by shard (that is, in
/// trial order), through the same [`Reports`] a whole run uses.
fn merge(args: MergeArgs) -> Result<ExitCode, CliError> {
    let parts = shard::check_complete(shard::find_partials(&args.inputs)?)?;
    let header = parts[0].header.clone();
    let mut reports = Reports::new(args.format, args.out.as_deref())?;
    for (index, scenario) in header.scenarios.iter().enumerate() {
        reports.begin(
            &scenario.name,
            &scenario.file,
            header.seed,
            scenario.duration_ms,
            scenario.notes.clone(),
        );
        for part in &parts {
            shard::read_scenario(part, index, kdrsim::sim::DEFAULT_CHUNK as usize, |rows| {
                reports.add(rows)
            })?;
        }
    }
    reports.finish(None)?;
    eprintln!(
        "merged {}: {}, {} each, seed {}",
        output::units::count(parts.len() as u64, "shard"),
        output::units::count(header.scenarios.len() as u64, "scenario"),
        output::units::count(header.trials, "trial"),
        header.seed
    );
    Ok(ExitCode::SUCCESS)
}

/// Where a run's outcomes go as they arrive: per-scenario statistics (for
/// the table and JSON), and CSV rows written straight to standard output
/// and/or `trials.csv`. Nothing here holds more than one chunk of trials.
struct Reports {
    format: FormatArg,
    out: Option<OutDir>,
    stdout: Stdout,
    csv_file: Option<AtomicFile>,
    done: Vec<ScenarioAccumulator>,
    current: Option<ScenarioAccumulator>,
    rows: String,
}

impl Reports {
    fn new(format: FormatArg, out: Option<&Path>) -> Result<Reports, CliError> {
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

    fn begin(&mut self, name: &str, file: &str, seed: u64, duration_ms: u64, notes: Vec<String>) {
        self.done.extend(self.current.take());
        let mut acc = ScenarioAccumulator::new(name, file, seed);
        acc.duration_ms = duration_ms;
        acc.notes = notes;
        self.current = Some(acc);
    }

    fn add(&mut self, chunk: &[(u64, TrialOutcome)]) -> Result<(), CliError> {
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
    fn finish(mut self, partial: Option<(u64, u64)>) -> Result<(), CliError> {
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

fn replay(args: ReplayArgs) -> Result<ExitCode, CliError> {
    // Checked before replaying, so a typo prints nothing but the error.
    let window = args
        .window
        .as_deref()
        .map(crate::report::parse_window)
        .transpose()?;
    let timeline = args
        .timeline
        .as_deref()
        .map(crate::report::TimelineFormat::of)
        .transpose()?;
    let model = kdrsim::load_scenario(&args.file)?;
    let (outcome, trace) =
        kdrsim::try_replay(&model, args.seed, args.trial).map_err(kdrsim::RunnerError::from)?;
    let mut text = format!(
        "scenario {} ({}), seed {}, trial {}: {} trace records, trace hash {:016x}\n",
        model.name,
        model.file,
        args.seed,
        args.trial,
        trace.len(),
        kdrsim::trace_hash(&model, &trace)
    );
    for m in kdrsim::Metric::ALL {
        text.push_str(&format!("  {:<22} {}\n", m.name(), outcome.get(m)));
    }
    if outcome.cut_off.fault_unhealed {
        text.push_str(
            "  cut off: a fault had not healed when the trial ended; its outages stop at the end\n",
        );
    }
    if outcome.cut_off.runbook_unfinished {
        text.push_str("  cut off: a runbook step had not finished when the trial ended\n");
    }
    let trace_to_stdout = args.trace.as_deref() == Some(Path::new("-"));
    if trace_to_stdout {
        // Standard output is the trace's alone, for a pipe into jq.
        note(text.trim_end());
        emit(&kdrsim::to_json_lines(&model, &trace))?;
    } else {
        emit(&text)?;
    }
    if let Some(path) = args.trace.as_ref().filter(|_| !trace_to_stdout) {
        write_atomic_path(path, kdrsim::to_json_lines(&model, &trace).as_bytes()).map_err(
            |source| CliError::Io {
                what: format!("writing the trace to {}", path.display()),
                source,
            },
        )?;
        note(&format!("wrote {}", path.display()));
    }
    if let (Some(path), Some(format)) = (&args.timeline, timeline) {
        crate::report::write_timeline(
            &model,
            &trace,
            (args.seed, args.trial),
            path,
            format,
            window,
        )?;
    }
    Ok(ExitCode::SUCCESS)
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
        let cli = Cli::try_parse_from([
            "kdrsim", "run", "--trials", "20", "--jobs", "2", "--format", "json",
        ])
        .unwrap();
        let Some(Command::Run(args)) = cli.command else {
            panic!("a run command");
        };
        let e = run_whole(&args, &loaded).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        let text = e.to_string();
        assert!(
            text.starts_with("scenario \"3dc-stretched\" (builtin:3dc-stretched), seed 1, trial 0: stopped after 1 event,"),
            "{text}"
        );
    }
}
