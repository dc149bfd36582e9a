//! The study file schema (RON): several topologies, one workload, one set of
//! fault scenarios with annual rates, and the objectives of stream classes.
//!
//! A study is not a second model. Each (topology, fault scenario) cell is
//! resolved into an ordinary [`Scenario`] ([`resolve`]) — the topology's own
//! file with the study's workload, trial length and one fault put in — and
//! run by the same world as `kdrsim run`. The resolved scenarios are written
//! beside the report, so every cell's trials can be replayed on their own.

pub mod resolve;

use crate::error::{Location, ScenarioError};
use crate::load::Source;
use crate::scenario::{Acks, ClientFate, Scenario, TimeDist};
use serde::{Deserialize, Serialize};

/// A design-review study.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Study {
    /// Schema version; only 1 exists.
    pub version: u32,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Simulated time of every trial of every cell.
    pub duration_ms: u64,
    /// Trials per cell unless `--trials` says otherwise.
    #[serde(default = "default_trials")]
    pub trials: u64,
    pub topologies: Vec<TopologyRef>,
    pub workload: Workload,
    pub faults: Vec<FaultCase>,
    #[serde(default)]
    pub classes: Vec<StreamClass>,
    /// The built-in price book of every topology `platforms` does not
    /// name: a platform (`"aws-msk"`, `"aws-ec2"`, `"confluent-platform"`,
    /// `"gcp"`, `"azure"`) or `"aws"`, the first AWS platform that can run
    /// each topology (docs/cost.md). Names are checked where the platforms
    /// are known (`kdrsim_output::cost`), at this field.
    #[serde(default = "default_price_book")]
    pub price_book: String,
    /// Per topology (by its name), the platform that prices it; a platform
    /// that cannot run it is refused at its entry.
    #[serde(default)]
    pub platforms: std::collections::BTreeMap<String, String>,
}

fn default_trials() -> u64 {
    500
}
fn default_price_book() -> String {
    "aws".to_string()
}

/// Where a topology comes from: a scenario file (relative to the study
/// file), a built-in scenario by name, or a scenario written inline. Its
/// faults, fault processes, expectations and trial length are replaced by
/// the study's; its clients' rates and sizes by the study's workload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TopologyRef {
    File(String),
    Builtin(String),
    Inline(Box<Scenario>),
}

/// The one workload every topology carries. The rate is the total over the
/// topology's producers, split evenly among them (an active-active topology
/// with a producer per region writes half in each).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workload {
    pub records_per_sec: f64,
    pub record_bytes: u32,
    /// Partitions of every topic the producers write (mirror topics follow
    /// their source). Absent: each topology keeps its own.
    #[serde(default)]
    pub partitions: Option<u32>,
    #[serde(default)]
    pub acks: Option<Acks>,
    /// Retention of every topic (storage cost). Absent: each keeps its own.
    #[serde(default)]
    pub retention_ms: Option<u64>,
}

/// One fault scenario of the matrix, stated by failure domain so that it
/// means the same on every topology ([`resolve`] says how each is placed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultCase {
    pub name: String,
    pub domain: Domain,
    /// How often this happens to the deployment, per year: an assumption
    /// the study states, not a measurement.
    pub rate_per_year: f64,
    /// When in the trial it starts. Absent: uniformly in the first third.
    #[serde(default)]
    pub at: Option<TimeDist>,
    /// How long it lasts. Required, except for a `destroyed` domain, which
    /// never comes back (and refuses it).
    #[serde(default)]
    pub lasts: Option<TimeDist>,
    /// For `Broker`, `Dc` and `Region`: the machines lose power, so every
    /// replica there drops its unflushed writes (Kafka does not fsync by
    /// default). Otherwise (the default) processes die and the page cache
    /// survives.
    #[serde(default)]
    pub power_loss: bool,
    /// For `Broker`, `Dc` and `Region`: a disaster, not an outage
    /// (`Destroyed`): the machines and their disks are gone for good, so
    /// what only they held is lost, and they never come back (`lasts` is
    /// refused). Its rate is an assumption to state: a region destroyed
    /// is far rarer than a region down.
    #[serde(default)]
    pub destroyed: bool,
    /// Whether the application in a lost DC or region survives it (its
    /// clients keep trying, so an outage is write-unavailability); `Survive`
    /// unless told.
    #[serde(default = "survive")]
    pub clients: ClientFate,
}

fn survive() -> ClientFate {
    ClientFate::Survive
}

impl FaultCase {
    /// What kind of failure this is, in the words the assumptions use.
    pub fn kind(&self) -> &'static str {
        match self.domain {
            Domain::DcIsolation | Domain::RegionIsolation => "isolation",
            Domain::ReplicatorDown => "replicator stop",
            Domain::Broker | Domain::Dc | Domain::Region if self.destroyed => "destroyed",
            Domain::Broker | Domain::Dc | Domain::Region if self.power_loss => "power loss",
            Domain::Broker | Domain::Dc | Domain::Region => "crash",
        }
    }

    /// Whether the crash/power-loss choice means anything for this domain
    /// (the sensitivity analysis flips it only where it does).
    pub fn can_lose_power(&self) -> bool {
        !self.destroyed && matches!(self.domain, Domain::Broker | Domain::Dc | Domain::Region)
    }
}

/// A failure domain, placed on each topology relative to its primary: the
/// cluster, DC and region of the first producer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Domain {
    /// One broker of the primary cluster (any, per trial).
    Broker,
    /// One DC (AZ) of the primary cluster (any, per trial).
    Dc,
    /// The primary region.
    Region,
    /// One DC of the primary cluster other than the producer's cut off from
    /// every other DC (the producer's own when it is the only one).
    DcIsolation,
    /// The primary region cut off from every other region.
    RegionIsolation,
    /// Every mirror (replicator) stopped.
    ReplicatorDown,
}

impl Domain {
    pub fn describe(self) -> &'static str {
        match self {
            Domain::Broker => "one broker of the primary cluster is lost",
            Domain::Dc => "one DC (AZ) of the primary cluster is lost",
            Domain::Region => "the primary region is lost",
            Domain::DcIsolation => "one DC of the primary cluster is cut off from the other DCs",
            Domain::RegionIsolation => "the primary region is cut off from the other regions",
            Domain::ReplicatorDown => "every replicator (mirror) stops",
        }
    }
}

/// A class of streams with its objectives. Every class is judged on the
/// study's one workload: the classes differ in what they require, not in
/// how they are produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamClass {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// An incident breaches the class when acknowledged records older than
    /// this are lost (`rpo_ms` above it); 0 = no acknowledged loss at all.
    pub rpo_ms: u64,
    /// ... or when writes are refused for longer than this at a stretch
    /// (`max_write_outage_ms` above it).
    pub rto_ms: u64,
    /// The class is met when the probability of at least one breaching
    /// incident in a year is at most this.
    #[serde(default = "default_breach")]
    pub max_breach_probability_per_year: f64,
    /// Which outage `rto_ms` is held against: the application is down
    /// while it cannot write *or* cannot read, so `Both` (the default)
    /// takes the worse of the two.
    #[serde(default)]
    pub rto_of: RtoOf,
}

/// Which of the application's outages an RTO objective measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum RtoOf {
    /// The longest stretch without acknowledgements (`max_write_outage_ms`).
    Writes,
    /// The longest stretch a consumer group could not read
    /// (`max_read_outage_ms`).
    Reads,
    /// The worse of the two: what the business sees.
    #[default]
    Both,
}

impl RtoOf {
    /// The incident's RTO under this choice.
    pub fn of(self, max_write_outage_ms: u64, max_read_outage_ms: u64) -> u64 {
        match self {
            RtoOf::Writes => max_write_outage_ms,
            RtoOf::Reads => max_read_outage_ms,
            RtoOf::Both => max_write_outage_ms.max(max_read_outage_ms),
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            RtoOf::Writes => "writes",
            RtoOf::Reads => "reads",
            RtoOf::Both => "the worse of writes and reads",
        }
    }
}

fn default_breach() -> f64 {
    0.01
}

/// Parses and checks a study file (topologies are resolved later, by the
/// caller that knows where files are).
pub fn parse(source: &Source) -> Result<Study, ScenarioError> {
    let study: Study = crate::load::parse_ron(source)?;
    check(&study, source)?;
    Ok(study)
}

fn invalid(source: &Source, field: &str, needle: &str, message: String) -> ScenarioError {
    ScenarioError::Invalid {
        location: source.location(field, needle),
        message,
    }
}

/// The study's own rules; every violation is reported at its field.
fn check(study: &Study, src: &Source) -> Result<(), ScenarioError> {
    if study.version != 1 {
        return Err(invalid(
            src,
            "version",
            "version",
            format!(
                "version {} is not known; the only version is 1",
                study.version
            ),
        ));
    }
    if study.duration_ms == 0 || study.trials == 0 {
        return Err(invalid(
            src,
            "duration_ms",
            "duration_ms",
            "duration_ms and trials must be at least 1".into(),
        ));
    }
    if study.topologies.is_empty() || study.faults.is_empty() {
        return Err(invalid(
            src,
            "topologies",
            "topologies",
            "a study needs at least one topology and one fault scenario".into(),
        ));
    }
    let w = &study.workload;
    if !(w.records_per_sec.is_finite() && w.records_per_sec > 0.0 && w.records_per_sec <= 1e9)
        || w.record_bytes == 0
    {
        return Err(invalid(
            src,
            "workload.records_per_sec",
            "records_per_sec",
            "the workload needs records_per_sec in (0, 1e9] (the scenario limit) and \
             record_bytes > 0"
                .into(),
        ));
    }
    check_faults(study, src)?;
    check_classes(study, src)
}

/// Each fault scenario's rate and durations, and names that tell them
/// apart (a report names faults, and two alike would be one).
fn check_faults(study: &Study, src: &Source) -> Result<(), ScenarioError> {
    for (i, f) in study.faults.iter().enumerate() {
        // A bound the per-year arithmetic carries exactly: past a million
        // incidents a year (one every 32 s) a study is no longer about
        // incidents, and counts would saturate into nonsense.
        if !(f.rate_per_year.is_finite()
            && f.rate_per_year >= 0.0
            && f.rate_per_year <= MAX_RATE_PER_YEAR)
        {
            return Err(invalid(
                src,
                &format!("faults[{i}].rate_per_year"),
                &f.name,
                format!(
                    "fault `{}`: rate_per_year must be a number in [0, {MAX_RATE_PER_YEAR}] \
                     (incidents per year)",
                    f.name
                ),
            ));
        }
        check_lasts(f, i, src)?;
        if study.faults[..i].iter().any(|g| g.name == f.name) {
            return Err(invalid(
                src,
                &format!("faults[{i}].name"),
                &f.name,
                format!("fault name `{}` is used twice; names must differ", f.name),
            ));
        }
    }
    Ok(())
}

/// Each class's names and breach probability: a probability outside
/// [0, 1] could never be met or never be missed.
fn check_classes(study: &Study, src: &Source) -> Result<(), ScenarioError> {
    for (i, c) in study.classes.iter().enumerate() {
        if study.classes[..i].iter().any(|d| d.name == c.name) {
            return Err(invalid(
                src,
                &format!("classes[{i}].name"),
                &c.name,
                format!("class name `{}` is used twice; names must differ", c.name),
            ));
        }
        let p = c.max_breach_probability_per_year;
        if !(p.is_finite() && (0.0..=1.0).contains(&p)) {
            return Err(invalid(
                src,
                &format!("classes[{i}].max_breach_probability_per_year"),
                &c.name,
                format!(
                    "class `{}`: max_breach_probability_per_year must be in [0, 1]",
                    c.name
                ),
            ));
        }
    }
    Ok(())
}

/// The most incidents a year a failure domain may have.
pub const MAX_RATE_PER_YEAR: f64 = 1e6;

/// `lasts` is required for an outage and refused for a destroyed domain
/// (which never comes back); `destroyed` only applies where machines are.
fn check_lasts(f: &FaultCase, i: usize, src: &Source) -> Result<(), ScenarioError> {
    let err = |field: &str, message: String| {
        Err(invalid(
            src,
            &format!("faults[{i}].{field}"),
            &f.name,
            message,
        ))
    };
    let machines = matches!(f.domain, Domain::Broker | Domain::Dc | Domain::Region);
    if f.destroyed && !machines {
        return err(
            "destroyed",
            format!(
                "fault `{}`: destroyed applies to Broker, Dc and Region only ({:?} has no \
                 machines to destroy)",
                f.name, f.domain
            ),
        );
    }
    if f.destroyed && f.power_loss {
        return err(
            "power_loss",
            format!(
                "fault `{}`: destroyed already loses everything there; remove power_loss",
                f.name
            ),
        );
    }
    match (f.destroyed, f.lasts.is_some()) {
        (true, true) => err(
            "lasts",
            format!(
                "fault `{}` is destroyed and never comes back: remove lasts (for an outage \
                 that ends, set destroyed: false)",
                f.name
            ),
        ),
        (false, false) => err(
            "lasts",
            format!(
                "fault `{}` needs lasts: how long the outage lasts (a time distribution, \
                 e.g. Fixed(600_000)); only a destroyed domain has none",
                f.name
            ),
        ),
        _ => Ok(()),
    }
}

/// A location with only a file and a field, for errors found while
/// resolving a cell (the text is the topology's, not the study's).
pub fn at_field(file: &str, field: &str) -> Location {
    Location {
        file: file.to_string(),
        line: 0,
        column: 0,
        field: field.to_string(),
    }
}
