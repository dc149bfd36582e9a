//! Cost in money: the traffic the world measured (bytes by purpose and
//! boundary, `World::traffic`) and the topology (brokers, controllers,
//! retained bytes, mirrors) priced by a [`PriceBook`].
//!
//! Two figures, as `docs/cost.md` derives them:
//! - steady state, dollars per month: the mean traffic of the scenario's
//!   trials with its faults taken out ("quiet" trials), scaled from the
//!   trial's length to the book's month, plus compute, storage and mirror
//!   charges per month;
//! - extra per incident: what the trials with their faults moved beyond
//!   the quiet ones (catch-up bursts of followers fetching what they
//!   missed, clients rerouted to another DC or region), priced, divided by
//!   the faults a trial has. It can be negative: a lost DC moves nothing.

pub mod platform;
pub mod price_book;
pub mod render;

pub use platform::{refusals, BookChoice};
pub use price_book::{CanRun, Platform, Price, PriceBook, PriceBookError, PriceKey};

use crate::units::{thousands, unit_usd};
use kdrsim_models::compile::Model;
use kdrsim_models::dr::spec::MirrorSpec;
use kdrsim_models::scenario::MirrorKind;
use kdrsim_models::traffic::{Boundary, Purpose, Traffic};
use serde::Serialize;

/// A month of a scenario, priced.
#[derive(Debug, Clone, Serialize)]
pub struct Bill {
    pub scenario: String,
    pub price_book: String,
    /// The platform the book prices, in words.
    pub platform: String,
    /// Why this platform, when the user named `aws` rather than one.
    pub chosen_because: Option<String>,
    pub as_of: String,
    pub trials: usize,
    pub trial_ms: u64,
    pub hours_per_month: f64,
    /// Every (purpose, boundary) that moved bytes, per month.
    pub transfer: Vec<TransferLine>,
    /// Compute, storage, mirror and connectivity charges, per month.
    pub lines: Vec<Line>,
    pub steady_usd_per_month: f64,
    pub incident: Incident,
    /// Lines the book does not price (a licence by quote, Cluster Linking
    /// inside it): the total leaves them out, and says so here.
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TransferLine {
    pub purpose: &'static str,
    pub boundary: &'static str,
    pub gb_per_month: f64,
    pub usd_per_gb: f64,
    pub usd_per_month: f64,
    /// A price used is marked unconfirmed in the book.
    pub unconfirmed: bool,
}

/// What a line of the bill pays for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Brokers, controllers, Connect workers.
    Compute,
    Storage,
    /// A mirror product's own charges (MSK Replicator, Cluster Linking).
    ReplicationProduct,
    /// Private connectivity for a self-run mirror between regions.
    Connectivity,
    Licence,
}

impl Category {
    pub fn label(self) -> &'static str {
        match self {
            Category::Compute => "compute",
            Category::Storage => "storage",
            Category::ReplicationProduct => "replication product",
            Category::Connectivity => "connectivity",
            Category::Licence => "licence",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Line {
    pub category: Category,
    pub item: String,
    /// How the figure is made, e.g. `6 x 730 h x $0.21`.
    pub basis: String,
    pub usd_per_month: f64,
    /// False where the book has no price for it: `usd_per_month` is then
    /// 0 and the bill carries a warning, never a silent $0.
    pub priced: bool,
    /// A price used is marked unconfirmed in the book.
    pub unconfirmed: bool,
    /// The first price the book lacks, for the warning.
    #[serde(skip)]
    missing: Option<PriceKey>,
}

impl Line {
    /// A line priced by `keys` of `book` (priced only when all are).
    fn new(book: &PriceBook, category: Category, keys: &[PriceKey], item: String) -> Line {
        let missing = keys.iter().copied().find(|k| book.priced(*k).is_none());
        Line {
            category,
            item,
            basis: String::new(),
            usd_per_month: 0.0,
            priced: missing.is_none(),
            unconfirmed: keys.iter().any(|k| book.unconfirmed(*k)),
            missing,
        }
    }

    fn at(mut self, basis: String, usd_per_month: f64) -> Line {
        if self.priced {
            self.basis = basis;
            self.usd_per_month = usd_per_month;
        } else {
            self.basis = "not priced".into();
        }
        self
    }
}

/// What incidents cost on top of the steady state.
#[derive(Debug, Clone, Serialize)]
pub struct Incident {
    /// Of a trial with faults: bytes followers fetched catching up.
    pub catch_up_gb_per_trial: f64,
    pub catch_up_usd_per_trial: f64,
    /// A trial with faults minus a quiet one, all traffic priced.
    pub extra_transfer_usd_per_trial: f64,
    pub faults_per_trial: f64,
    pub usd_per_incident: f64,
}

/// What one GB of `purpose` across `boundary` costs under `book`.
pub fn usd_per_gb(book: &PriceBook, purpose: Purpose, boundary: Boundary) -> f64 {
    let replication = matches!(purpose, Purpose::Replication | Purpose::CatchUp);
    match boundary {
        Boundary::SameDc => 0.0,
        // MSK does not bill replication between one cluster's brokers.
        Boundary::CrossDc if replication && !book.broker_replication_billed => 0.0,
        Boundary::CrossDc => {
            book.usd(PriceKey::CrossAzOutUsdPerGb) + book.usd(PriceKey::CrossAzInUsdPerGb)
        }
        Boundary::CrossRegion => {
            book.usd(PriceKey::CrossRegionOutUsdPerGb) + book.usd(PriceKey::CrossRegionInUsdPerGb)
        }
    }
}

/// The mean bytes of `purpose` across `boundary` over `traffic`'s trials.
fn mean_bytes(traffic: &[Traffic], purpose: Purpose, boundary: Boundary) -> f64 {
    let total: f64 = traffic
        .iter()
        .map(|t| t.bytes(purpose, boundary) as f64)
        .sum();
    total / traffic.len().max(1) as f64
}

/// The mean priced transfer of one of `traffic`'s trials.
pub fn transfer_usd_per_trial(traffic: &[Traffic], book: &PriceBook) -> f64 {
    let mut usd = 0.0;
    for purpose in Purpose::ALL {
        for boundary in Boundary::ALL {
            let gb = mean_bytes(traffic, purpose, boundary) / book.gb_bytes as f64;
            usd += gb * usd_per_gb(book, purpose, boundary);
        }
    }
    usd
}

/// Prices `model`'s month from the traffic of its trials without faults
/// (`quiet`) and with them (`faulted`).
pub fn bill(model: &Model, quiet: &[Traffic], faulted: &[Traffic], book: &PriceBook) -> Bill {
    let traffic = quiet;
    let trial_ms = model.duration.as_ms().max(1);
    let months_per_trial = trial_ms as f64 / (book.hours_per_month * 3_600_000.0);
    let gb = |bytes: f64| bytes / book.gb_bytes as f64;
    let mut transfer = Vec::new();
    for purpose in Purpose::ALL {
        for boundary in Boundary::ALL {
            let bytes = mean_bytes(traffic, purpose, boundary);
            if bytes == 0.0 {
                continue;
            }
            let gb_per_month = gb(bytes) / months_per_trial;
            let unit = usd_per_gb(book, purpose, boundary);
            transfer.push(TransferLine {
                purpose: purpose.name(),
                boundary: boundary.name(),
                gb_per_month,
                usd_per_gb: unit,
                usd_per_month: gb_per_month * unit,
                unconfirmed: unit > 0.0 && transfer_unconfirmed(book, boundary),
            });
        }
    }
    let mirror_gb_per_month = gb(Boundary::ALL
        .iter()
        .map(|b| mean_bytes(traffic, Purpose::Mirror, *b))
        .sum::<f64>())
        / months_per_trial;
    let mut lines = compute_lines(model, book);
    lines.extend(storage_lines(model, book));
    lines.extend(mirror_lines(model, book, mirror_gb_per_month));
    lines.push(licence_line(model, book));
    let warnings = unpriced_warnings(book, &lines);
    let steady_usd_per_month = transfer.iter().map(|t| t.usd_per_month).sum::<f64>()
        + lines.iter().map(|l| l.usd_per_month).sum::<f64>();
    Bill {
        scenario: model.name.clone(),
        price_book: book.name.clone(),
        platform: book.platform.clone(),
        chosen_because: None,
        as_of: book.as_of.clone(),
        trials: traffic.len(),
        trial_ms,
        hours_per_month: book.hours_per_month,
        transfer,
        lines,
        steady_usd_per_month,
        incident: incident(quiet, faulted, book),
        warnings,
    }
}

fn transfer_unconfirmed(book: &PriceBook, boundary: Boundary) -> bool {
    let keys = match boundary {
        Boundary::SameDc => return false,
        Boundary::CrossDc => [PriceKey::CrossAzOutUsdPerGb, PriceKey::CrossAzInUsdPerGb],
        Boundary::CrossRegion => [
            PriceKey::CrossRegionOutUsdPerGb,
            PriceKey::CrossRegionInUsdPerGb,
        ],
    };
    keys.iter().any(|k| book.unconfirmed(*k))
}

/// The platform's licence over every broker of every cluster: a line on
/// every bill, so a licence is $0 because the book says so (Apache Kafka,
/// MSK's price includes it) or shown as not priced, never left out.
fn licence_line(model: &Model, book: &PriceBook) -> Line {
    let key = PriceKey::LicenceUsdPerBrokerHour;
    let brokers: usize = model.clusters.iter().map(|c| c.brokers.len()).sum();
    let hours = book.hours_per_month;
    let unit = book.usd(key);
    Line::new(book, Category::Licence, &[key], "licence".to_string()).at(
        format!("{brokers} brokers x {hours} h x {}/h", unit_usd(unit)),
        brokers as f64 * hours * unit,
    )
}

/// One warning per line the book does not price, with the book's reason.
fn unpriced_warnings(book: &PriceBook, lines: &[Line]) -> Vec<String> {
    let mut warnings: Vec<String> = lines
        .iter()
        .filter_map(|l| l.missing.map(|key| (l, key)))
        .map(|(l, key)| {
            format!(
                "{} is not priced (left out of the total): {}; set `{}` in a price book \
                 file (docs/cost.md)",
                l.item,
                book.note(key),
                key.name()
            )
        })
        .collect();
    warnings.dedup();
    warnings
}

fn incident(quiet: &[Traffic], traffic: &[Traffic], book: &PriceBook) -> Incident {
    let mut gb = 0.0;
    let mut usd = 0.0;
    for boundary in Boundary::ALL {
        let g = mean_bytes(traffic, Purpose::CatchUp, boundary) / book.gb_bytes as f64;
        gb += g;
        usd += g * usd_per_gb(book, Purpose::CatchUp, boundary);
    }
    let faults = traffic
        .iter()
        .map(|t| f64::from(t.faults_begun))
        .sum::<f64>()
        / traffic.len().max(1) as f64;
    let extra = transfer_usd_per_trial(traffic, book) - transfer_usd_per_trial(quiet, book);
    Incident {
        catch_up_gb_per_trial: gb,
        catch_up_usd_per_trial: usd,
        extra_transfer_usd_per_trial: extra,
        faults_per_trial: faults,
        usd_per_incident: if faults > 0.0 { extra / faults } else { 0.0 },
    }
}

/// Whether any producer writes a topic of cluster `c` (else it is a
/// standby: only mirrors write it).
fn is_written(model: &Model, c: usize) -> bool {
    model
        .producers
        .iter()
        .any(|p| model.topics[p.topic.idx()].cluster as usize == c)
}

/// Brokers (primary or standby) and controllers, per cluster.
fn compute_lines(model: &Model, book: &PriceBook) -> Vec<Line> {
    let hours = book.hours_per_month;
    let mut lines = Vec::new();
    for (c, cluster) in model.clusters.iter().enumerate() {
        let (what, key) = if is_written(model, c) {
            ("brokers", PriceKey::BrokerUsdPerHour)
        } else {
            ("standby brokers", PriceKey::StandbyBrokerUsdPerHour)
        };
        for (n, what, key) in [
            (cluster.brokers.len(), what, key),
            (
                cluster.controllers.len(),
                "controllers",
                PriceKey::ControllerUsdPerHour,
            ),
        ] {
            let unit = book.usd(key);
            let item = format!("{what} of cluster {}", cluster.name);
            lines.push(Line::new(book, Category::Compute, &[key], item).at(
                format!("{n} x {hours} h x {}/h", unit_usd(unit)),
                n as f64 * hours * unit,
            ));
        }
    }
    lines
}

/// Bytes per second written into topic `t`: its producers', or for a
/// mirror topic its source's.
fn topic_bytes_per_sec(model: &Model, t: usize) -> f64 {
    let source = model.topics[t].mirror_of.map_or(t, |m| m.source.idx());
    let partitions = f64::from(model.topics[source].partitions);
    model
        .producers
        .iter()
        .filter(|p| p.topic.idx() == source)
        .map(|p| p.rate_mrps_per_partition as f64 / 1000.0 * partitions * p.record_bytes as f64)
        .sum()
}

/// Retained bytes per cluster: retention x rate x RF, every topic.
fn storage_lines(model: &Model, book: &PriceBook) -> Vec<Line> {
    let key = PriceKey::StorageUsdPerGbMonth;
    let unit = book.usd(key);
    model
        .clusters
        .iter()
        .enumerate()
        .map(|(c, cluster)| {
            let bytes: f64 = (0..model.topics.len())
                .filter(|t| model.topics[*t].cluster as usize == c)
                .map(|t| {
                    let topic = &model.topics[t];
                    topic_bytes_per_sec(model, t) * f64::from(topic.rf) * topic.retention_ms as f64
                        / 1000.0
                })
                .sum();
            let stored_gb = bytes / book.gb_bytes as f64;
            let item = format!("storage of cluster {}", cluster.name);
            Line::new(book, Category::Storage, &[key], item).at(
                format!(
                    "{} retained x {}/GB-month",
                    gb_text(stored_gb),
                    unit_usd(unit)
                ),
                stored_gb * unit,
            )
        })
        .collect()
}

/// Each mirror's own charges, with the measured mirror bytes shared out in
/// proportion to what its source topics are written at.
fn mirror_lines(model: &Model, book: &PriceBook, mirror_gb_per_month: f64) -> Vec<Line> {
    let mirrors = model.mirrors();
    let rates: Vec<f64> = mirrors
        .iter()
        .map(|m| {
            m.topics
                .iter()
                .map(|t| topic_bytes_per_sec(model, t.source.idx()))
                .sum()
        })
        .collect();
    let total: f64 = rates.iter().sum();
    let hours = book.hours_per_month;
    let mut lines = Vec::new();
    for (m, rate) in mirrors.iter().zip(&rates) {
        let share = if total > 0.0 { rate / total } else { 0.0 };
        let gb = mirror_gb_per_month * share;
        lines.extend(product_lines(book, m, gb));
        // A self-run mirror between regions needs its own private path;
        // MSK Replicator brings its own.
        if m.kind != MirrorKind::MskReplicator && crosses_regions(model, m.source, m.target) {
            let keys = [
                PriceKey::PrivateLinkUsdPerHour,
                PriceKey::PrivateLinkUsdPerGb,
            ];
            let (h, g) = (book.usd(keys[0]), book.usd(keys[1]));
            let item = format!("private connectivity for {}", m.name);
            lines.push(
                Line::new(book, Category::Connectivity, &keys, item)
                    .at(hour_and_gb_basis(hours, h, gb, g), hours * h + gb * g),
            );
        }
    }
    lines
}

/// A mirror's own product charges: MSK Replicator's hours and data
/// processed, a cluster link's, or MirrorMaker 2's Connect workers.
fn product_lines(book: &PriceBook, m: &MirrorSpec, gb: f64) -> Vec<Line> {
    let hours = book.hours_per_month;
    let line = |category, keys: &[PriceKey], item: String| Line::new(book, category, keys, item);
    match m.kind {
        MirrorKind::MskReplicator => {
            let (hk, gk) = (PriceKey::ReplicatorUsdPerHour, PriceKey::ReplicatorUsdPerGb);
            let (h, g) = (book.usd(hk), book.usd(gk));
            let product = Category::ReplicationProduct;
            vec![
                line(product, &[hk], format!("MSK Replicator {} hours", m.name))
                    .at(format!("1 x {hours} h x {}/h", unit_usd(h)), hours * h),
                line(
                    product,
                    &[gk],
                    format!("MSK Replicator {} data processed", m.name),
                )
                .at(format!("{} x {}/GB", gb_text(gb), unit_usd(g)), gb * g),
            ]
        }
        MirrorKind::ClusterLinking => {
            let keys = [
                PriceKey::ClusterLinkUsdPerHour,
                PriceKey::ClusterLinkUsdPerGb,
            ];
            let (h, g) = (book.usd(keys[0]), book.usd(keys[1]));
            let item = format!("cluster link {}", m.name);
            vec![line(Category::ReplicationProduct, &keys, item)
                .at(hour_and_gb_basis(hours, h, gb, g), hours * h + gb * g)]
        }
        MirrorKind::MirrorMaker2 => {
            let n = book.connect_workers_per_mirror;
            let key = PriceKey::ConnectWorkerUsdPerHour;
            let h = book.usd(key);
            let item = format!("MirrorMaker 2 {} Connect workers", m.name);
            vec![line(Category::Compute, &[key], item).at(
                format!("{n} x {hours} h x {}/h", unit_usd(h)),
                f64::from(n) * hours * h,
            )]
        }
    }
}

/// GB (of the book's size) with separators.
fn gb_text(gb: f64) -> String {
    crate::units::gigabytes(gb * 1e9)
}

fn hour_and_gb_basis(hours: f64, h: f64, gb: f64, g: f64) -> String {
    format!(
        "{} h x {}/h + {} x {}/GB",
        thousands(hours as u64),
        unit_usd(h),
        gb_text(gb),
        unit_usd(g)
    )
}

fn crosses_regions(model: &Model, a: usize, b: usize) -> bool {
    let region = |c: usize| {
        model.clusters[c]
            .dcs
            .first()
            .map(|d| model.dcs[d.idx()].region)
    };
    region(a) != region(b)
}
