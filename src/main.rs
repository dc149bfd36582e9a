//! The `kdrsim` command line: argument parsing, progress, wiring. Thin: all
//! simulation lives in the library crates.

mod check_cmd;
mod cli;
mod comparable;
mod console;
mod cost_cmd;
mod explain;
mod files;
mod fnv;
mod interrupt;
mod merge_cmd;
mod replay_cmd;
mod report;
mod run_cmd;
mod shard;
mod study_cmd;
mod sweep;
mod validate;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::execute(args) {
        Ok(code) => code,
        Err(console::CliError::Scenario(e)) => {
            console::note(&validate::render_error(&e));
            ExitCode::from(2)
        }
        Err(e) => {
            // Messages quote names and paths: the one rule for text a
            // person reads applies (kdrsim_output::text).
            console::note(&format!("error: {e}"));
            ExitCode::from(e.exit_code())
        }
    }
}
