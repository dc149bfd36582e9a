//! The price book: unit prices with their sources, in RON (format in
//! `docs/cost.md`). A book prices one *platform* (a way of running Kafka:
//! Amazon MSK, Apache Kafka on EC2, Confluent Platform, ...), not a cloud:
//! what a platform bills and what it can run differ between platforms of
//! one cloud. Five are built in, each as of a stated date; a user's file
//! overrides any of a built-in's entries and keeps the rest, so a
//! contract's two or three different prices are a short file.

use kdrsim_models::load::ron_options;
use kdrsim_models::scenario::MirrorKind;
use kdrsim_models::Location;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Every unit price a bill can use. Names end in their unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriceKey {
    /// Leaving one availability zone (DC) for another in its region.
    CrossAzOutUsdPerGb,
    /// Arriving in an availability zone from another (AWS bills both ends).
    CrossAzInUsdPerGb,
    /// Leaving a region for another.
    CrossRegionOutUsdPerGb,
    /// Arriving in a region from another.
    CrossRegionInUsdPerGb,
    /// MSK Replicator, per replicator.
    ReplicatorUsdPerHour,
    /// MSK Replicator, per GB it processes.
    ReplicatorUsdPerGb,
    /// Cluster Linking, per link.
    ClusterLinkUsdPerHour,
    ClusterLinkUsdPerGb,
    /// A Kafka Connect worker running MirrorMaker 2.
    ConnectWorkerUsdPerHour,
    BrokerUsdPerHour,
    /// A broker of a cluster no producer writes (a mirror's target).
    StandbyBrokerUsdPerHour,
    /// A KRaft controller.
    ControllerUsdPerHour,
    StorageUsdPerGbMonth,
    /// Private connectivity for a self-run mirror's cross-region path.
    PrivateLinkUsdPerHour,
    PrivateLinkUsdPerGb,
    /// The platform's software licence, per broker (Confluent Platform's
    /// subscription; 0 for Apache Kafka; included in MSK's broker price).
    LicenceUsdPerBrokerHour,
}

impl PriceKey {
    pub const ALL: [PriceKey; 16] = [
        PriceKey::CrossAzOutUsdPerGb,
        PriceKey::CrossAzInUsdPerGb,
        PriceKey::CrossRegionOutUsdPerGb,
        PriceKey::CrossRegionInUsdPerGb,
        PriceKey::ReplicatorUsdPerHour,
        PriceKey::ReplicatorUsdPerGb,
        PriceKey::ClusterLinkUsdPerHour,
        PriceKey::ClusterLinkUsdPerGb,
        PriceKey::ConnectWorkerUsdPerHour,
        PriceKey::BrokerUsdPerHour,
        PriceKey::StandbyBrokerUsdPerHour,
        PriceKey::ControllerUsdPerHour,
        PriceKey::StorageUsdPerGbMonth,
        PriceKey::PrivateLinkUsdPerHour,
        PriceKey::PrivateLinkUsdPerGb,
        PriceKey::LicenceUsdPerBrokerHour,
    ];

    /// The key as a file writes it (`broker_usd_per_hour`).
    pub fn name(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }
}

/// One unit price and where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    /// Dollars per unit; absent where the price is not public (a licence
    /// priced by quote): a bill then shows the line as not priced, with a
    /// warning, never as a silent $0.
    #[serde(default)]
    pub usd: Option<f64>,
    /// The page or document the price comes from.
    #[serde(default)]
    pub source: String,
    /// The date the source was read; the book's `as_of` when absent.
    #[serde(default)]
    pub as_of: String,
    /// The source's own page was not seen to state this figure (an
    /// estimate, a third party's, or a page that renders prices with
    /// script): check it before relying on it.
    #[serde(default)]
    pub unconfirmed: bool,
    #[serde(default)]
    pub note: String,
}

/// What a platform can run. Pricing a topology under a platform that
/// cannot run it is refused ([`super::platform::refusals`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CanRun {
    /// Replicas that are not in the ISR by design (Confluent's
    /// Multi-Region Clusters).
    pub observers: bool,
    /// One cluster with brokers or controllers in more than one region.
    pub stretched_across_regions: bool,
    /// The mirror products it runs.
    pub mirrors: Vec<MirrorKind>,
}

/// A price book as a file writes it: every entry optional, so a user's file
/// names only what it changes.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename = "PriceBook")]
struct PriceBookFile {
    name: Option<String>,
    platform: Option<String>,
    can_run: Option<CanRun>,
    as_of: Option<String>,
    gb_bytes: Option<u64>,
    hours_per_month: Option<f64>,
    broker_replication_billed: Option<bool>,
    connect_workers_per_mirror: Option<u32>,
    #[serde(default)]
    prices: BTreeMap<PriceKey, Price>,
}

/// A complete price book: every [`PriceKey`] has a price.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PriceBook {
    pub name: String,
    /// What the book prices, in words: `Amazon MSK (provisioned)`.
    pub platform: String,
    pub can_run: CanRun,
    pub as_of: String,
    /// Bytes in the provider's billed GB (10^9, or 2^30 where it meters
    /// GiB).
    pub gb_bytes: u64,
    pub hours_per_month: f64,
    /// Whether replication between one cluster's brokers across AZs is
    /// billed to the user (false on MSK).
    pub broker_replication_billed: bool,
    pub connect_workers_per_mirror: u32,
    pub prices: BTreeMap<PriceKey, Price>,
}

/// The built-in platforms, one price book each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// Amazon MSK, provisioned: replication between brokers is free; no
    /// observers, no cluster across regions, no Cluster Linking.
    AwsMsk,
    /// Apache Kafka run by the user on EC2 instances with EBS volumes.
    AwsEc2,
    /// Confluent Platform (Confluent Server) on EC2: observers, Cluster
    /// Linking; its licence is priced by quote.
    ConfluentPlatform,
    /// Apache Kafka run by the user on Google Compute Engine.
    Gcp,
    /// Apache Kafka run by the user on Azure virtual machines.
    Azure,
}

impl Platform {
    pub const ALL: [Platform; 5] = [
        Platform::AwsMsk,
        Platform::AwsEc2,
        Platform::ConfluentPlatform,
        Platform::Gcp,
        Platform::Azure,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Platform::AwsMsk => "aws-msk",
            Platform::AwsEc2 => "aws-ec2",
            Platform::ConfluentPlatform => "confluent-platform",
            Platform::Gcp => "gcp",
            Platform::Azure => "azure",
        }
    }

    pub fn from_name(name: &str) -> Option<Platform> {
        Platform::ALL.into_iter().find(|p| p.name() == name)
    }

    fn text(self) -> &'static str {
        match self {
            Platform::AwsMsk => include_str!("books/aws-msk.ron"),
            Platform::AwsEc2 => include_str!("books/aws-ec2.ron"),
            Platform::ConfluentPlatform => include_str!("books/confluent-platform.ron"),
            Platform::Gcp => include_str!("books/gcp.ron"),
            Platform::Azure => include_str!("books/azure.ron"),
        }
    }

    /// The built-in book of this platform.
    pub fn book(self) -> PriceBook {
        let file = format!("built-in {}.ron", self.name());
        let parsed = parse(&file, self.text()).unwrap_or_else(|e| panic!("{e}"));
        let empty = PriceBook {
            name: String::new(),
            platform: String::new(),
            can_run: CanRun {
                observers: false,
                stretched_across_regions: false,
                mirrors: Vec::new(),
            },
            as_of: String::new(),
            gb_bytes: 1_000_000_000,
            hours_per_month: 730.0,
            broker_replication_billed: true,
            connect_workers_per_mirror: 1,
            prices: BTreeMap::new(),
        };
        let book = empty.overridden_by(parsed);
        assert!(book.is_complete(), "{file} lacks a price");
        book
    }
}

/// A price book file that cannot be read: where, which field, what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {message}")]
pub struct PriceBookError {
    pub location: Location,
    pub message: String,
}

/// The largest price per unit (GB, hour, GB-month) a price book may set.
pub const MAX_USD_PER_UNIT: f64 = 1e6;

impl PriceBook {
    /// The price of `key` in dollars, 0 where it is not priced (callers
    /// that bill it check [`PriceBook::priced`] and warn).
    pub fn usd(&self, key: PriceKey) -> f64 {
        self.priced(key).unwrap_or(0.0)
    }

    /// The price of `key`, or `None` where the book does not price it.
    pub fn priced(&self, key: PriceKey) -> Option<f64> {
        self.prices.get(&key).and_then(|p| p.usd)
    }

    /// Whether the price of `key` is marked unconfirmed.
    pub fn unconfirmed(&self, key: PriceKey) -> bool {
        self.prices.get(&key).is_some_and(|p| p.unconfirmed)
    }

    /// The note of `key`'s price (why it is what it is).
    pub fn note(&self, key: PriceKey) -> &str {
        self.prices.get(&key).map_or("", |p| p.note.as_str())
    }

    fn is_complete(&self) -> bool {
        PriceKey::ALL.iter().all(|k| self.prices.contains_key(k))
    }

    fn overridden_by(mut self, mut file: PriceBookFile) -> PriceBook {
        // A price without a date was read when its file says it was.
        let as_of = file.as_of.clone().unwrap_or_default();
        for price in file.prices.values_mut() {
            if price.as_of.is_empty() {
                price.as_of.clone_from(&as_of);
            }
        }
        self.name = file.name.unwrap_or(self.name);
        self.platform = file.platform.unwrap_or(self.platform);
        self.can_run = file.can_run.unwrap_or(self.can_run);
        self.as_of = file.as_of.unwrap_or(self.as_of);
        self.gb_bytes = file.gb_bytes.unwrap_or(self.gb_bytes);
        self.hours_per_month = file.hours_per_month.unwrap_or(self.hours_per_month);
        self.broker_replication_billed = file
            .broker_replication_billed
            .unwrap_or(self.broker_replication_billed);
        self.connect_workers_per_mirror = file
            .connect_workers_per_mirror
            .unwrap_or(self.connect_workers_per_mirror);
        self.prices.extend(file.prices);
        self
    }

    /// `base` with every entry `text` (the file `file`) gives replaced.
    pub fn load(base: Platform, file: &str, text: &str) -> Result<PriceBook, PriceBookError> {
        let parsed = parse(file, text)?;
        let at = |field: &str, message: String| {
            // Point at the key in the text, where the value follows.
            let key = field.rsplit('.').next().unwrap_or(field);
            let (line, column) = position_of(text, key);
            PriceBookError {
                location: Location {
                    file: file.to_string(),
                    line,
                    column,
                    field: field.to_string(),
                },
                message,
            }
        };
        if parsed.gb_bytes == Some(0) {
            return Err(at("gb_bytes", "must be at least 1 byte".into()));
        }
        if let Some(h) = parsed
            .hours_per_month
            .filter(|h| !(h.is_finite() && *h > 0.0 && *h <= 744.0))
        {
            return Err(at(
                "hours_per_month",
                format!("{h} is not a month in hours: valid: more than 0, at most 744 (31 days)"),
            ));
        }
        for (key, price) in &parsed.prices {
            let Some(usd) = price.usd else { continue };
            // Bounded so that a month of any price times any quantity the
            // world measures stays a finite dollar figure: a million
            // dollars per unit (GB, hour) is past every real price.
            if !(usd.is_finite() && (0.0..=MAX_USD_PER_UNIT).contains(&usd)) {
                let field = format!("prices.{}", key.name());
                return Err(at(
                    &field,
                    format!(
                        "{usd} is not a price in dollars: valid: 0 to {MAX_USD_PER_UNIT} per unit"
                    ),
                ));
            }
        }
        let mut parsed = parsed;
        for price in parsed.prices.values_mut() {
            if price.source.is_empty() {
                price.source = file.to_string();
            }
        }
        Ok(base.book().overridden_by(parsed))
    }
}

/// The 1-based line and column of `needle`'s first occurrence (0, 0 when
/// absent).
fn position_of(text: &str, needle: &str) -> (usize, usize) {
    let Some(at) = text.find(needle) else {
        return (0, 0);
    };
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, column)
}

/// serde_path_to_error names a map key `?`: `prices.?.usd`. The key is
/// the first `name:` on the error's line, so say `prices.broker_usd_per_hour.usd`.
fn name_map_key(field: &str, text: &str, line: usize) -> String {
    if !field.contains("prices.?") {
        return field.to_string();
    }
    let key = text
        .lines()
        .nth(line.saturating_sub(1))
        .and_then(|l| l.split(':').next())
        .map(|k| k.trim().trim_start_matches(['{', '(']).trim())
        .filter(|k| !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    match key {
        Some(k) => field.replacen("prices.?", &format!("prices.{k}"), 1),
        None => field.to_string(),
    }
}

/// Parses a price book file, with errors at file:line:column and field.
fn parse(file: &str, text: &str) -> Result<PriceBookFile, PriceBookError> {
    let error = |line, column, field: String, message: String| PriceBookError {
        location: Location {
            file: file.to_string(),
            line,
            column,
            field,
        },
        message,
    };
    let mut de = ron::Deserializer::from_str_with_options(text, ron_options()).map_err(|e| {
        error(
            e.position.line,
            e.position.col,
            String::new(),
            e.code.to_string(),
        )
    })?;
    let mut track = serde_path_to_error::Track::new();
    let parsed =
        PriceBookFile::deserialize(serde_path_to_error::Deserializer::new(&mut de, &mut track));
    let parsed = parsed.map_err(|e| {
        let spanned = de.span_error(e);
        let path = track.path().to_string();
        let path = path.trim_end_matches(".?").trim_end_matches('?');
        let field = if path == "." { "" } else { path };
        let field = name_map_key(field, text, spanned.position.line);
        error(
            spanned.position.line,
            spanned.position.col,
            field,
            spanned.code.to_string(),
        )
    })?;
    de.end().map_err(|e| {
        let spanned = de.span_error(e);
        error(
            spanned.position.line,
            spanned.position.col,
            String::new(),
            format!(
                "{} (anything after the price book must be removed)",
                spanned.code
            ),
        )
    })?;
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_book_states_each_price_with_a_source_and_a_date() {
        for p in Platform::ALL {
            let book = p.book();
            assert_eq!(book.name, p.name());
            assert_eq!(book.as_of, "2026-12-01");
            assert!(!book.platform.is_empty(), "{p:?} says what platform it is");
            for key in PriceKey::ALL {
                let price = &book.prices[&key];
                assert!(price.source.starts_with("https://"), "{p:?} {key:?}");
                assert_eq!(price.as_of, "2026-12-01", "{p:?} {key:?}");
                // A price a book leaves out says why.
                if price.usd.is_none() {
                    assert!(!price.note.is_empty(), "{p:?} {key:?}");
                }
            }
        }
    }

    #[test]
    fn only_msk_prices_msk_replicator_and_only_confluent_prices_cluster_linking_runs() {
        for p in Platform::ALL {
            let can = p.book().can_run;
            assert_eq!(
                can.mirrors.contains(&MirrorKind::MskReplicator),
                p == Platform::AwsMsk,
                "{p:?}"
            );
            assert_eq!(
                can.mirrors.contains(&MirrorKind::ClusterLinking),
                p == Platform::ConfluentPlatform,
                "{p:?}"
            );
            assert_eq!(can.observers, p == Platform::ConfluentPlatform, "{p:?}");
            assert!(can.mirrors.contains(&MirrorKind::MirrorMaker2), "{p:?}");
        }
    }

    #[test]
    fn a_price_without_usd_is_not_priced_rather_than_free() {
        let text = "PriceBook(prices: { storage_usd_per_gb_month: (note: \"by quote\") })";
        let book = PriceBook::load(Platform::AwsEc2, "mine.ron", text).unwrap();
        assert_eq!(book.priced(PriceKey::StorageUsdPerGbMonth), None);
        let book = Platform::ConfluentPlatform.book();
        assert_eq!(book.priced(PriceKey::LicenceUsdPerBrokerHour), None);
        assert_eq!(book.priced(PriceKey::ClusterLinkUsdPerHour), None);
    }

    #[test]
    fn a_user_file_overrides_one_price_and_keeps_the_rest() {
        let text = "PriceBook(prices: { storage_usd_per_gb_month: (usd: 0.05) })";
        let book = PriceBook::load(Platform::AwsMsk, "mine.ron", text).unwrap();
        assert_eq!(book.usd(PriceKey::StorageUsdPerGbMonth), 0.05);
        assert_eq!(
            book.prices[&PriceKey::StorageUsdPerGbMonth].source,
            "mine.ron"
        );
        assert_eq!(book.usd(PriceKey::CrossRegionOutUsdPerGb), 0.02);
        assert_eq!(book.name, "aws-msk");
    }

    #[test]
    fn a_misspelt_price_is_named_with_its_line_column_and_field() {
        let text = "PriceBook(\n  prices: {\n    storage_usd_per_gib_month: (usd: 0.05),\n  },\n)";
        let e = PriceBook::load(Platform::AwsMsk, "mine.ron", text).unwrap_err();
        let shown = e.to_string();
        assert!(shown.starts_with("mine.ron:3:"), "{shown}");
        assert!(shown.contains("prices"), "{shown}");
        assert!(shown.contains("storage_usd_per_gb_month"), "{shown}");
    }

    #[test]
    fn a_price_of_the_wrong_type_names_its_field() {
        let text = "PriceBook(\n  hours_per_month: \"730\",\n)";
        let e = PriceBook::load(Platform::Gcp, "mine.ron", text).unwrap_err();
        assert_eq!(e.location.line, 2, "{e}");
        assert_eq!(e.location.field, "hours_per_month", "{e}");
    }

    #[test]
    fn an_absurd_price_or_month_is_refused_naming_the_field_and_the_bound() {
        for (text, field) in [
            (
                "PriceBook(prices: { broker_usd_per_hour: (usd: 1e308) })",
                "prices.broker_usd_per_hour",
            ),
            ("PriceBook(hours_per_month: 1e300)", "hours_per_month"),
        ] {
            let e = PriceBook::load(Platform::AwsEc2, "mine.ron", text).unwrap_err();
            assert_eq!(e.location.field, field, "{e}");
            assert!(e.to_string().contains("valid"), "{e}");
        }
    }

    #[test]
    fn a_negative_price_is_refused() {
        let text = "PriceBook(prices: { broker_usd_per_hour: (usd: -1.0) })";
        let e = PriceBook::load(Platform::Azure, "mine.ron", text).unwrap_err();
        assert_eq!(e.location.field, "prices.broker_usd_per_hour", "{e}");
        assert_eq!((e.location.line, e.location.column), (1, 21), "{e}");
    }
}
