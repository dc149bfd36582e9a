//! Commands and their execution.

use crate::files::{write_atomic, write_atomic_path};
use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use kdrsim::output::{self, ScenarioRun};
use kdrsim::{Model, ScenarioError, TrialRange};
use std::path::PathBuf;
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
With no command, runs the built-in scenarios and prints a table."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run scenario files over many seeded trials and report distributions.
    Run(RunArgs),
    /// Re-run one trial exactly, event for event, optionally writing its trace.
    Replay(ReplayArgs),
    /// Check scenario files (parse and semantic rules) without simulating.
    Validate {
        /// Scenario files (RON).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Read a topology statically: for each single failure domain, whether
    /// the quorum survives, writes stay available and acknowledged data can
    /// be lost.
    Explain {
        /// The scenario file (RON).
        file: PathBuf,
    },
}

#[derive(clap::Args, Debug)]
struct RunArgs {
    /// Scenario files (RON). With none, the built-in scenarios run.
    files: Vec<PathBuf>,
    /// Trials per scenario.
    #[arg(long, default_value_t = DEFAULT_TRIALS)]
    trials: u64,
    /// Master seed: (scenario, seed, trial) identifies a run.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
    /// Worker threads (0 = one per core). Results do not depend on it.
    #[arg(long, default_value_t = 0)]
    jobs: usize,
    /// What to print on standard output.
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    format: FormatArg,
    /// Also write report.json, trials.csv and report.txt into this directory.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
struct ReplayArgs {
    /// The scenario file (RON).
    file: PathBuf,
    /// The trial number to replay (as named in a report's worst_trials).
    #[arg(long)]
    trial: u64,
    /// The master seed of the run being replayed.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
    /// Write the trial's trace as JSON lines to this file.
    #[arg(long)]
    trace: Option<PathBuf>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum FormatArg {
    Table,
    Json,
    Csv,
}

/// Failures, each with its exit code: 2 for bad input, 1 for the rest.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Scenario(#[from] ScenarioError),
    #[error("{0}")]
    Usage(String),
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Runner(#[from] kdrsim::RunnerError),
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Scenario(_) | CliError::Usage(_) => 2,
            CliError::Io { .. } | CliError::Runner(_) => 1,
        }
    }
}

pub fn execute(cli: Cli) -> Result<ExitCode, CliError> {
    match cli.command {
        None => run(RunArgs {
            files: vec![],
            trials: DEFAULT_TRIALS,
            seed: DEFAULT_SEED,
            jobs: 0,
            format: FormatArg::Table,
            out: None,
        }),
        Some(Command::Run(args)) => run(args),
        Some(Command::Replay(args)) => replay(args),
        Some(Command::Validate { files }) => Ok(crate::validate::validate(&files)),
        Some(Command::Explain { file }) => {
            let model = kdrsim::load_file(&file)?;
            emit(&crate::explain::explain_text(&model))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn load_all(files: &[PathBuf]) -> Result<Vec<Arc<Model>>, CliError> {
    if files.is_empty() {
        return Ok(kdrsim::builtin_scenarios()?);
    }
    files
        .iter()
        .map(|f| kdrsim::load_file(f).map_err(CliError::from))
        .collect()
}

fn run(args: RunArgs) -> Result<ExitCode, CliError> {
    if args.trials == 0 {
        return Err(CliError::Usage("--trials must be at least 1".into()));
    }
    let models = load_all(&args.files)?;
    let total = args.trials.saturating_mul(models.len() as u64);
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{prefix:>16} [{bar:30}] {pos}/{len} trials ({per_sec}, eta {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let cancel = crate::interrupt::install();
    let mut runs = Vec::with_capacity(models.len());
    for model in &models {
        bar.set_prefix(model.name.clone());
        let trials = kdrsim::run_batch_cancellable(
            model,
            args.seed,
            TrialRange::first(args.trials),
            args.jobs,
            cancel,
            |n| bar.inc(n),
        )?;
        if trials.is_empty() {
            break; // interrupted before this scenario's first trial
        }
        runs.push(ScenarioRun {
            name: model.name.clone(),
            file: model.file.clone(),
            seed: args.seed,
            trials,
        });
    }
    bar.finish_and_clear();
    // Interrupted (Ctrl-C): report the trials that completed, marked partial.
    let partial = cancel.load(std::sync::atomic::Ordering::SeqCst).then(|| {
        let done: u64 = runs.iter().map(|r| r.trials.len() as u64).sum();
        (done, total)
    });
    let summaries: Vec<_> = runs.iter().map(output::summarize).collect();
    let json = || match partial {
        Some((done, of)) => crate::interrupt::mark_json(&output::format_json(&summaries), done, of),
        None => output::format_json(&summaries),
    };
    let table = || match partial {
        Some((done, of)) => {
            crate::interrupt::mark_table(&output::format_table(&summaries), done, of)
        }
        None => output::format_table(&summaries),
    };
    let text = match args.format {
        FormatArg::Table => table(),
        FormatArg::Json => json(),
        FormatArg::Csv => output::format_csv(&runs),
    };
    emit(&text)?;
    if let Some(dir) = &args.out {
        let io = |what: &str| {
            let what = format!("writing {what} in {}", dir.display());
            move |source| CliError::Io { what, source }
        };
        write_atomic(dir, "report.json", json().as_bytes()).map_err(io("report.json"))?;
        write_atomic(dir, "trials.csv", output::format_csv(&runs).as_bytes())
            .map_err(io("trials.csv"))?;
        write_atomic(dir, "report.txt", table().as_bytes()).map_err(io("report.txt"))?;
        eprintln!("wrote {}", dir.join("report.json").display());
    }
    if let Some((done, of)) = partial {
        eprintln!("interrupted: reported {done} of {of} trials (marked partial)");
        return Ok(ExitCode::from(130));
    }
    Ok(ExitCode::SUCCESS)
}

fn replay(args: ReplayArgs) -> Result<ExitCode, CliError> {
    let model = kdrsim::load_file(&args.file)?;
    let (outcome, trace) = kdrsim::replay(&model, args.seed, args.trial);
    let mut text = format!(
        "scenario {} ({}), seed {}, trial {}: {} trace records, trace hash {:016x}\n",
        model.name,
        model.file,
        args.seed,
        args.trial,
        trace.len(),
        kdrsim::trace_hash(&trace)
    );
    for m in kdrsim::Metric::ALL {
        text.push_str(&format!("  {:<22} {}\n", m.name(), outcome.get(m)));
    }
    emit(&text)?;
    if let Some(path) = &args.trace {
        write_atomic_path(path, kdrsim::to_json_lines(&trace).as_bytes()).map_err(|source| {
            CliError::Io {
                what: format!("writing the trace to {}", path.display()),
                source,
            }
        })?;
        eprintln!("wrote {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes to standard output. A closed pipe (`kdrsim ... | head`) is the
/// reader's choice, not an error: stop quietly instead of panicking.
fn emit(text: &str) -> Result<(), CliError> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(source) => Err(CliError::Io {
            what: "writing to standard output".into(),
            source,
        }),
    }
}
