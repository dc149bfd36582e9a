//! What a study's verdicts rest on, stated before them: the failure
//! domains (kind, rate, duration), the human times of the runbooks, the
//! replication delays and the prices. None of these is measured by the
//! simulation; each is an input the reader should check against their own
//! estate. And how the headline moves when the most doubtful of them move
//! (the sensitivity analysis, run on the same seed and trials).

use serde::Serialize;

/// Every input a study's verdicts rest on.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Assumptions {
    pub failure_domains: Vec<DomainAssumption>,
    pub human_times: Vec<HumanTimes>,
    /// Replication delay of every mirror: an input of the scenario (poll
    /// cadence, batching), not a measurement.
    pub replication: Vec<ReplicationDelay>,
    pub price_book: String,
    pub price_book_as_of: String,
    pub prices: Vec<PriceAssumption>,
}

/// One fault scenario of the matrix, as the study assumes it.
#[derive(Debug, Clone, Serialize)]
pub struct DomainAssumption {
    pub name: String,
    /// What fails, in words.
    pub describe: String,
    /// Crash, power loss, isolation, destroyed, replicator stop.
    pub kind: String,
    /// Why this kind (a power loss drops unflushed tails; a crash keeps
    /// the page cache).
    pub kind_means: String,
    pub rate_per_year: f64,
    /// How long it lasts, in words ("30 min", "never recovers").
    pub lasts: String,
}

/// A topology's detection, decision and DNS times, in words.
#[derive(Debug, Clone, Serialize)]
pub struct HumanTimes {
    pub topology: String,
    pub detection: String,
    pub decision: String,
    pub dns: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReplicationDelay {
    pub topology: String,
    pub mirror: String,
    pub kind: String,
    pub replication_delay_ms: u64,
}

/// One unit price of the book, and whether its source was confirmed.
#[derive(Debug, Clone, Serialize)]
pub struct PriceAssumption {
    pub key: String,
    /// Absent where the book does not price it (a licence sold by quote).
    pub usd: Option<f64>,
    pub confirmed: bool,
    pub note: String,
}

/// The sentence every page and file carries beside the replication delays.
pub const REPLICATION_DELAY_IS_AN_INPUT: &str = "replication delay is an input of each \
    topology's scenario (the replicator's poll cadence and batching), not a measurement: \
    replace it with your replicator's observed latency";

/// Whether a price book note says its price was confirmed. A note that
/// says "not confirmed", or sends the reader to set the price themselves,
/// is unconfirmed.
pub fn price_confirmed(note: &str) -> bool {
    let n = note.to_ascii_lowercase();
    !(n.contains("not confirmed") || n.contains("unconfirmed") || n.contains("set it from"))
}

/// One change of an assumption and what the headline (the cheapest
/// topology meeting every class) becomes under it.
#[derive(Debug, Clone, Serialize)]
pub struct SensitivityRow {
    /// The change, in words ("az: crash instead of power loss").
    pub change: String,
    /// The cheapest topology meeting every class under the change.
    pub headline: Option<String>,
    /// Whether that is the same as the study's own headline.
    pub holds: bool,
    /// Cells simulated again for this change (the others are unchanged
    /// and reused: the same scenario on the same seed and trials).
    pub cells_rerun: u64,
}

/// The sensitivity analysis: the headline, and each change's.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Sensitivity {
    pub headline: Option<String>,
    pub rows: Vec<SensitivityRow>,
}

impl Sensitivity {
    /// What a row's headline is, in words.
    pub fn headline_text(h: &Option<String>) -> String {
        match h {
            Some(t) => t.clone(),
            None => "no topology meets every class".into(),
        }
    }
}

/// A time distribution in words: `30 s`, `1–3 min (uniform)`,
/// `median 10 min (log-normal, σ 0.5)`.
pub fn describe_dist(d: &kdrsim_models::scenario::TimeDist) -> String {
    use super::render::duration;
    use kdrsim_models::scenario::TimeDist;
    let t = |v: u64| duration(v as f64);
    match *d {
        TimeDist::Fixed(v) => t(v),
        TimeDist::Uniform(a, b) => format!("{} to {} (uniform)", t(a), t(b)),
        TimeDist::Exponential(m) => format!("mean {} (exponential)", t(m)),
        TimeDist::LogNormal(m, s) => format!("median {} (log-normal, σ {s})", t(m)),
        TimeDist::Weibull(scale, shape) => format!("scale {} (Weibull, shape {shape})", t(scale)),
    }
}
