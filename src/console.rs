//! What every command shares to talk to the person running it: the
//! failures and their exit codes, standard output that survives a closed
//! pipe, notes on standard error, progress bars, and opening an output
//! directory. Commands import this module; it imports none of them.

use crate::files::OutDir;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use kdrsim::output;
use kdrsim::ScenarioError;
use std::path::Path;

/// Trials per scenario when none are asked for.
pub const DEFAULT_TRIALS: u64 = 2000;
/// The master seed when none is given.
pub const DEFAULT_SEED: u64 = 1;

/// Failures, each with its exit code: 2 for every one of them, bad input,
/// a usage error, a file that cannot be read or written, a trial that went
/// past its event budget (the scenario drives the model somewhere it
/// cannot finish: a report naming scenario, seed and trial, not a result).
/// Exit code 1 is kept for one answer, not a failure: `check` found an
/// expectation that does not hold (README, "Exit codes").
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
            CliError::Scenario(_)
            | CliError::Usage(_)
            | CliError::Io { .. }
            | CliError::Runner(_) => 2,
        }
    }
}

pub(crate) fn progress_bar(total: u64) -> ProgressBar {
    trials_bar(total, "{prefix:>16}")
}

/// A progress bar over `total` trials, after `head` (a template piece):
/// counts with thousands separators, the rate with at most one decimal
/// (`11,372 trials/s`; indicatif's own `{per_sec}` shows four).
pub(crate) fn trials_bar(total: u64, head: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    let template =
        format!("{head} [{{bar:30}}] {{human_pos}}/{{human_len}} trials ({{rate}}, eta {{eta}})");
    bar.set_style(
        ProgressStyle::with_template(&template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .with_key(
                "rate",
                |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let rate = output::units::per_second(state.per_sec());
                    let _ = write!(w, "{}", rate.replace("/s", " trials/s"));
                },
            )
            .progress_chars("=> "),
    );
    bar
}

/// Opens an output directory for a new run's files, removing the files of
/// the run before (see [`OutDir`]) and saying which were kept.
pub(crate) fn open_out_dir(dir: &Path) -> Result<OutDir, CliError> {
    // Said plainly before anything is removed: an --out that is a file, or
    // a directory that cannot be made or written, is not a manifest's fault.
    if dir.exists() && !dir.is_dir() {
        return Err(CliError::Usage(format!(
            "{} is not a directory: --out names the directory the report is written into",
            dir.display()
        )));
    }
    std::fs::create_dir_all(dir).map_err(|source| CliError::Io {
        what: format!("creating the output directory {}", dir.display()),
        source,
    })?;
    let probe = tempfile::Builder::new()
        .prefix(".kdrsim-probe")
        .tempfile_in(dir)
        .map_err(|source| CliError::Io {
            what: format!("writing into the output directory {}", dir.display()),
            source,
        })?;
    drop(probe);
    let (out, kept) = OutDir::open(dir).map_err(|source| CliError::Io {
        what: format!(
            "removing the earlier run's files from {} (listed in its {})",
            dir.display(),
            crate::files::MANIFEST
        ),
        source,
    })?;
    for name in kept {
        note(&format!(
            "kept {}: kdrsim wrote it in an earlier run, but it has changed since",
            dir.join(name).display()
        ));
    }
    Ok(out)
}

pub(crate) fn io_in(dir: &Path, name: &str) -> impl FnOnce(std::io::Error) -> CliError {
    let what = format!("writing {name} in {}", dir.display());
    move |source| CliError::Io { what, source }
}

/// Standard output, written in pieces, with control characters shown as
/// `?` (every report, table, CSV and message printed goes through here or
/// [`note`]). A closed pipe (`kdrsim ... | head`)
/// is the reader's choice, not an error: the rest is dropped quietly instead
/// of panicking, and files under `--out` are still written.
#[derive(Default)]
pub(crate) struct Stdout {
    closed: bool,
    buffer: Option<std::io::BufWriter<std::io::Stdout>>,
}

impl Stdout {
    pub(crate) fn write(&mut self, text: &str) -> Result<(), CliError> {
        use std::io::Write;
        if self.closed {
            return Ok(());
        }
        let out = self
            .buffer
            .get_or_insert_with(|| std::io::BufWriter::with_capacity(1 << 16, std::io::stdout()));
        // The one rule for text a person reads (kdrsim_output::text):
        // control characters from scenario names are shown as `?`.
        let result = out.write_all(output::printable(text).as_bytes());
        self.check(result)
    }

    pub(crate) fn flush(&mut self) -> Result<(), CliError> {
        use std::io::Write;
        match &mut self.buffer {
            Some(out) if !self.closed => {
                let result = out.flush();
                self.check(result)
            }
            _ => Ok(()),
        }
    }

    fn check(&mut self, result: std::io::Result<()>) -> Result<(), CliError> {
        match result {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                // Drop the buffer without flushing it into the closed pipe.
                if let Some(b) = self.buffer.take() {
                    let _ = b.into_parts();
                }
                Ok(())
            }
            Err(source) => Err(CliError::Io {
                what: "writing to standard output".into(),
                source,
            }),
        }
    }
}

/// Writes `text` and a newline to standard error, with control characters
/// shown as `?` like everything printed (see [`Stdout`]).
pub(crate) fn note(text: &str) {
    eprintln!("{}", output::printable(text));
}

/// Writes all of `text` to standard output (see [`Stdout`]).
pub(crate) fn emit(text: &str) -> Result<(), CliError> {
    let mut out = Stdout::default();
    out.write(text)?;
    out.flush()
}
