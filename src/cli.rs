//! Commands and their execution.

use crate::console::{emit, CliError};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

use crate::console::{DEFAULT_SEED, DEFAULT_TRIALS};
use crate::cost_cmd::{cost, CostArgs};
use crate::merge_cmd::{merge, MergeArgs};
use crate::replay_cmd::{replay, ReplayArgs};
use crate::run_cmd::{load_models, run, RunArgs, ShardSource};

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
