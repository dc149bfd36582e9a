//! `kdrsim merge`: the partial results of a sharded run into the report
//! the unsharded run would print.

use crate::console::CliError;
use crate::run_cmd::{FormatArg, Reports};
use crate::shard;
use kdrsim::output;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub(crate) struct MergeArgs {
    /// Directories holding partial results (partial-K-of-N.jsonl), or the
    /// files themselves. Every shard of the run must be among them once.
    #[arg(required = true)]
    pub(crate) inputs: Vec<PathBuf>,
    /// What to print on standard output.
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    pub(crate) format: FormatArg,
    /// Also write report.json, trials.csv and report.txt into this directory.
    #[arg(long)]
    pub(crate) out: Option<PathBuf>,
}

/// Combines partial results into the unsharded run's report: the partials'
/// outcomes are folded scenario by scenario, shard by shard (that is, in
/// trial order), through the same [`Reports`] a whole run uses.
pub(crate) fn merge(args: MergeArgs) -> Result<ExitCode, CliError> {
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
