//! `kdrsim cost`: a scenario's month under a price book.

use crate::console::DEFAULT_SEED;
use crate::console::{emit, CliError};
use clap::ValueEnum;
use kdrsim::output;
use kdrsim::TrialRange;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub(crate) struct CostArgs {
    /// The scenario file (RON), or builtin:NAME for a built-in one.
    pub(crate) file: PathBuf,
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
    pub(crate) platform: String,
    /// A price book file (RON) whose entries replace the provider's.
    #[arg(long, value_name = "FILE")]
    pub(crate) price_book: Option<PathBuf>,
    /// Trials whose mean traffic is priced.
    #[arg(long, default_value_t = 100)]
    pub(crate) trials: u64,
    /// Master seed.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub(crate) seed: u64,
    /// Worker threads (0 = one per core; at most 4 per core and one per trial).
    #[arg(long, default_value_t = 0)]
    pub(crate) jobs: usize,
    /// Text for a person, or JSON for a script.
    #[arg(long, value_enum, default_value_t = CostFormat::Table)]
    pub(crate) format: CostFormat,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CostFormat {
    Table,
    Json,
}

/// `kdrsim cost`: the scenario's month under a price book.
pub(crate) fn cost(a: CostArgs) -> Result<ExitCode, CliError> {
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
