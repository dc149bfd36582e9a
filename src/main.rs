//! The `kdrsim` command line: argument parsing, progress, wiring. Thin: all
//! simulation lives in the library crates.

mod check_cmd;
mod cli;
mod files;
mod report;
mod shard;
mod sweep;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::execute(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
