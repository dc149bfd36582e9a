//! `kdrsim replay`: one trial again, event for event, with its trace
//! and timeline.

use crate::console::DEFAULT_SEED;
use crate::console::{emit, note, CliError};
use crate::files::write_atomic_path;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub(crate) struct ReplayArgs {
    /// The scenario file (RON), or builtin:NAME for a built-in one.
    pub(crate) file: PathBuf,
    /// The trial number to replay (as named in a report's worst_trials).
    #[arg(long)]
    pub(crate) trial: u64,
    /// The master seed of the run being replayed.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub(crate) seed: u64,
    /// Write the trial's trace as JSON lines to this file; `-` writes it to
    /// standard output (the summary then goes to standard error).
    #[arg(long)]
    pub(crate) trace: Option<PathBuf>,
    /// Draw the trial's timeline to this file: FILE.svg or FILE.png.
    #[arg(long)]
    pub(crate) timeline: Option<PathBuf>,
    /// The timeline's time axis as FROM..TO seconds of simulated time
    /// (default: 30 s before the first fault to 30 s after the last change).
    #[arg(long, value_name = "FROM..TO", requires = "timeline")]
    pub(crate) window: Option<String>,
}

/// `kdrsim replay`: re-runs one trial and writes what was asked.
pub(crate) fn replay(args: ReplayArgs) -> Result<ExitCode, CliError> {
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
