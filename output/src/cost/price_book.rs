//! The price book: unit prices with their sources, in RON (format in
//! `docs/cost.md`). Three are built in (AWS, GCP, Azure, each as of a stated
//! date); a user's file overrides any of a built-in's entries and keeps the
//! rest, so a contract's two or three different prices are a short file.

use kdrsim_models::load::ron_options;
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
}

impl PriceKey {
    pub const ALL: [PriceKey; 15] = [
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
    ];
}

/// One unit price and where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    pub usd: f64,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub note: String,
}

/// A price book as a file writes it: every entry optional, so a user's file
/// names only what it changes.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename = "PriceBook")]
struct PriceBookFile {
    name: Option<String>,
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

/// The built-in providers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Aws,
    Gcp,
    Azure,
}

impl Provider {
    pub const ALL: [Provider; 3] = [Provider::Aws, Provider::Gcp, Provider::Azure];

    pub fn name(self) -> &'static str {
        match self {
            Provider::Aws => "aws",
            Provider::Gcp => "gcp",
            Provider::Azure => "azure",
        }
    }

    fn text(self) -> &'static str {
        match self {
            Provider::Aws => include_str!("books/aws.ron"),
            Provider::Gcp => include_str!("books/gcp.ron"),
            Provider::Azure => include_str!("books/azure.ron"),
        }
    }

    /// The built-in book of this provider.
    pub fn book(self) -> PriceBook {
        let file = format!("built-in {}.ron", self.name());
        let parsed = parse(&file, self.text()).unwrap_or_else(|e| panic!("{e}"));
        let empty = PriceBook {
            name: String::new(),
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

impl PriceBook {
    /// The price of `key` in dollars.
    pub fn usd(&self, key: PriceKey) -> f64 {
        self.prices.get(&key).map_or(0.0, |p| p.usd)
    }

    fn is_complete(&self) -> bool {
        PriceKey::ALL.iter().all(|k| self.prices.contains_key(k))
    }

    fn overridden_by(mut self, file: PriceBookFile) -> PriceBook {
        self.name = file.name.unwrap_or(self.name);
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
    pub fn load(base: Provider, file: &str, text: &str) -> Result<PriceBook, PriceBookError> {
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
            .filter(|h| !(h.is_finite() && *h > 0.0))
        {
            return Err(at(
                "hours_per_month",
                format!("{h} is not a positive number of hours"),
            ));
        }
        for (key, price) in &parsed.prices {
            if !(price.usd.is_finite() && price.usd >= 0.0) {
                let name = serde_json::to_value(key).unwrap_or_default();
                let field = format!("prices.{}", name.as_str().unwrap_or("?"));
                return Err(at(
                    &field,
                    format!("{} is not a price in dollars (>= 0)", price.usd),
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
    fn every_built_in_book_prices_everything_with_a_source_and_a_date() {
        for p in Provider::ALL {
            let book = p.book();
            assert_eq!(book.name, p.name());
            assert_eq!(book.as_of, "2026-12-01");
            for key in PriceKey::ALL {
                let price = &book.prices[&key];
                assert!(price.source.starts_with("https://"), "{p:?} {key:?}");
            }
        }
    }

    #[test]
    fn a_user_file_overrides_one_price_and_keeps_the_rest() {
        let text = "PriceBook(prices: { storage_usd_per_gb_month: (usd: 0.05) })";
        let book = PriceBook::load(Provider::Aws, "mine.ron", text).unwrap();
        assert_eq!(book.usd(PriceKey::StorageUsdPerGbMonth), 0.05);
        assert_eq!(
            book.prices[&PriceKey::StorageUsdPerGbMonth].source,
            "mine.ron"
        );
        assert_eq!(book.usd(PriceKey::CrossRegionOutUsdPerGb), 0.02);
        assert_eq!(book.name, "aws");
    }

    #[test]
    fn a_misspelt_price_is_named_with_its_line_column_and_field() {
        let text = "PriceBook(\n  prices: {\n    storage_usd_per_gib_month: (usd: 0.05),\n  },\n)";
        let e = PriceBook::load(Provider::Aws, "mine.ron", text).unwrap_err();
        let shown = e.to_string();
        assert!(shown.starts_with("mine.ron:3:"), "{shown}");
        assert!(shown.contains("prices"), "{shown}");
        assert!(shown.contains("storage_usd_per_gb_month"), "{shown}");
    }

    #[test]
    fn a_price_of_the_wrong_type_names_its_field() {
        let text = "PriceBook(\n  hours_per_month: \"730\",\n)";
        let e = PriceBook::load(Provider::Gcp, "mine.ron", text).unwrap_err();
        assert_eq!(e.location.line, 2, "{e}");
        assert_eq!(e.location.field, "hours_per_month", "{e}");
    }

    #[test]
    fn a_negative_price_is_refused() {
        let text = "PriceBook(prices: { broker_usd_per_hour: (usd: -1.0) })";
        let e = PriceBook::load(Provider::Azure, "mine.ron", text).unwrap_err();
        assert_eq!(e.location.field, "prices.broker_usd_per_hour", "{e}");
        assert_eq!((e.location.line, e.location.column), (1, 21), "{e}");
    }
}
