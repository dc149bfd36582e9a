//! Cost in money (`kdrsim cost`, docs/cost.md): a small case priced by
//! hand to the cent, seed 003's worked example recomputed, the command
//! line's contract (figures, a bad price book named where it is wrong), and
//! prices from a platform that can run the topology: MSK refuses observers
//! and a cluster across regions, EC2 bills replication between brokers,
//! Cluster Linking is never a silent $0.

mod common;

use common::run::kdrsim;
use kdrsim::models::traffic::{Boundary, Purpose};
use kdrsim::output::cost::{self, Platform, PriceBook, PriceKey};
use kdrsim::output::units::usd;
use kdrsim::TrialRange;
use std::path::Path;

fn file(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(name)).unwrap()
}

/// Round prices, so the hand computation below reads as arithmetic.
const ROUND_BOOK: &str = "PriceBook(
    gb_bytes: 1000000000,
    hours_per_month: 730.0,
    broker_replication_billed: true,
    prices: {
        cross_az_out_usd_per_gb: (usd: 0.01),
        cross_az_in_usd_per_gb: (usd: 0.01),
        broker_usd_per_hour: (usd: 0.10),
        controller_usd_per_hour: (usd: 0.05),
        storage_usd_per_gb_month: (usd: 0.10),
    },
)";

#[test]
fn a_stretched_cluster_priced_by_hand_matches_the_tool_to_the_cent() {
    let model = common::model("3dc", &common::text("3dc-stretched.ron"));
    let book = PriceBook::load(Platform::AwsMsk, "round.ron", ROUND_BOOK).unwrap();
    let quiet = kdrsim::without_faults(&model);
    let trials = TrialRange::first(3);
    let quiet_traffic = kdrsim::run_traffic(&quiet, 1, trials, 1).unwrap();
    let faulted = kdrsim::run_traffic(&model, 1, trials, 1).unwrap();
    let bill = cost::bill(&model, &quiet_traffic, &faulted, &book);

    // By hand. Three DCs of one region: every byte between DCs costs
    // $0.01 out + $0.01 in; bytes within a DC are free. A one-hour trial
    // is 1/730 of the month.
    let mut cross_dc_bytes = 0.0;
    for t in &quiet_traffic {
        for p in Purpose::ALL {
            cross_dc_bytes += t.bytes(p, Boundary::CrossDc) as f64;
        }
    }
    let transfer = cross_dc_bytes / 3.0 / 1e9 * 0.02 * 730.0;
    let brokers = 6.0 * 730.0 * 0.10;
    let controllers = 3.0 * 730.0 * 0.05;
    // 5,000 records/s over 24 partitions is 208.333 records/s each, which
    // the model keeps in whole milli-records: 4,999.992 records/s.
    let stored_gb = 4_999.992 * 1024.0 * 3.0 * 7.0 * 86_400.0 / 1e9;
    let storage = stored_gb * 0.10;
    let by_hand = transfer + brokers + controllers + storage;

    assert_eq!(usd(bill.steady_usd_per_month), usd(by_hand), "{bill:#?}");
    assert!(transfer > 100.0, "{transfer}");
}

#[test]
fn seed_003_recomputed_from_aws_unit_prices() {
    // 50 MB/s for 30 days, decimal units: 50e6 B/s x 2,592,000 s.
    let gb = 50e6 * 2_592_000.0 / 1e9;
    assert_eq!(gb, 129_600.0);
    let aws = Platform::AwsMsk.book();
    let replicator_hours = 720.0 * aws.usd(PriceKey::ReplicatorUsdPerHour);
    let processed = gb * aws.usd(PriceKey::ReplicatorUsdPerGb);
    let transfer = gb * aws.usd(PriceKey::CrossRegionOutUsdPerGb);
    assert_eq!(usd(replicator_hours), "$216.00");
    assert_eq!(usd(processed), "$10,368.00");
    assert_eq!(usd(transfer), "$2,592.00");
    let total = replicator_hours + processed + transfer;
    assert_eq!(usd(total), "$13,176.00");
    // The seed quotes AWS's example as $13,647: $471.00 (3.5%) more, which
    // docs/cost.md discusses.
    assert_eq!(usd(13_647.0 - total), "$471.00");
}

#[test]
fn seed_003_simulated_lands_within_its_end_of_trial_lag_of_the_recomputation() {
    let out = kdrsim(&[
        "cost",
        "tests/cost-scenarios/seed-003-msk-replicator.ron",
        "--price-book",
        "tests/cost-scenarios/seed-003-book.ron",
        "--trials",
        "1",
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bill: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let total = bill["steady_usd_per_month"].as_f64().unwrap();
    // The copy trails the source by about half a second at the end of the
    // hour; scaled to the month that is about $2 of $13,176.
    assert!(total <= 13_176.0 && total > 13_176.0 * 0.9995, "{total}");
    let lines = bill["lines"].as_array().unwrap();
    let hours = lines
        .iter()
        .find(|l| l["item"] == "MSK Replicator replicator hours")
        .unwrap();
    assert_eq!(hours["usd_per_month"].as_f64().unwrap(), 216.0);
}

#[test]
fn cost_prints_dollars_with_separators_and_the_book_it_used() {
    let out = kdrsim(&["cost", "scenarios/msk-3az-replicator.ron", "--trials", "2"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("price book aws-msk (as of 2026-12-01)"),
        "{text}"
    );
    assert!(text.contains("platform: Amazon MSK"), "{text}");
    assert!(text.contains("mirror cross-region"), "{text}");
    // MSK does not bill replication between its brokers across AZs.
    let replication = text
        .lines()
        .find(|l| l.contains("replication cross-dc"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(replication.trim_end().ends_with("$0.00"), "{replication}");
    assert!(text.contains("extra per incident"), "{text}");
    let total = text
        .lines()
        .find(|l| l.trim_start().starts_with("total"))
        .unwrap();
    assert!(total.contains("$3,"), "{total}");
}

#[test]
fn a_bad_price_book_is_named_at_its_line_column_and_field() {
    let dir = std::env::temp_dir().join(format!("kdrsim-cost-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let book = dir.join("book.ron");
    std::fs::write(
        &book,
        "PriceBook(\n    prices: {\n        broker_usd_per_hour: (usd: \"0.21\"),\n    },\n)\n",
    )
    .unwrap();
    let out = kdrsim(&[
        "cost",
        "scenarios/3dc-stretched.ron",
        "--price-book",
        book.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let at = format!("{}:3:", book.display());
    assert!(stderr.contains(&at), "{stderr}");
    assert!(
        stderr.contains("prices.broker_usd_per_hour.usd"),
        "{stderr}"
    );
}

#[test]
fn the_seed_003_scenario_file_is_valid() {
    let text = file("tests/cost-scenarios/seed-003-msk-replicator.ron");
    common::model("seed-003", &text);
}

/// `kdrsim cost FILE --platform P --format json`, as JSON, or the exit
/// code and stderr when it fails.
fn bill_json(scenario: &str, platform: &str) -> Result<serde_json::Value, (i32, String)> {
    let out = kdrsim(&[
        "cost",
        scenario,
        "--platform",
        platform,
        "--trials",
        "2",
        "--format",
        "json",
    ]);
    if out.status.success() {
        Ok(serde_json::from_slice(&out.stdout).unwrap())
    } else {
        Err((
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ))
    }
}

#[test]
fn msk_refuses_a_2_5dc_cluster_with_observers_and_says_why() {
    let (code, stderr) = bill_json("scenarios/2.5dc-observers.ron", "aws-msk").unwrap_err();
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("cannot be priced under aws-msk"),
        "{stderr}"
    );
    assert!(stderr.contains("no observers on this platform"), "{stderr}");
    assert!(stderr.contains("\"confluent-platform\""), "{stderr}");
    // The platform that can run it prices it.
    let bill = bill_json("scenarios/2.5dc-observers.ron", "confluent-platform").unwrap();
    assert_eq!(bill["price_book"], "confluent-platform");
}

#[test]
fn msk_refuses_a_cluster_stretched_over_three_regions_and_says_why() {
    let scenario = "scenarios/study/3-region-stretched.ron";
    let (code, stderr) = bill_json(scenario, "aws-msk").unwrap_err();
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no cluster across regions"), "{stderr}");
    assert!(stderr.contains("`3-region-stretched`"), "{stderr}");
    // `aws` passes over MSK to self-managed Kafka on EC2, and says so.
    let bill = bill_json(scenario, "aws").unwrap();
    assert_eq!(bill["price_book"], "aws-ec2");
    let why = bill["chosen_because"].as_str().unwrap();
    assert!(why.contains("aws-msk cannot"), "{why}");
}

/// The (purpose, boundary) transfer line of a JSON bill.
fn transfer<'a>(
    bill: &'a serde_json::Value,
    purpose: &str,
    boundary: &str,
) -> &'a serde_json::Value {
    bill["transfer"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["purpose"] == purpose && t["boundary"] == boundary)
        .unwrap_or_else(|| panic!("no {purpose} {boundary} in {bill:#}"))
}

#[test]
fn a_self_managed_3az_cluster_on_ec2_bills_replication_between_brokers_with_no_override() {
    let ec2 = bill_json("scenarios/3dc-stretched.ron", "aws-ec2").unwrap();
    let msk = bill_json("scenarios/3dc-stretched.ron", "aws-msk").unwrap();
    let on_ec2 = transfer(&ec2, "replication", "cross_dc");
    let on_msk = transfer(&msk, "replication", "cross_dc");
    // The same bytes (same trials), billed on EC2 at cross-AZ rates both
    // ways and free on MSK.
    assert_eq!(on_ec2["gb_per_month"], on_msk["gb_per_month"]);
    let gb = on_ec2["gb_per_month"].as_f64().unwrap();
    assert!(gb > 1_000.0, "{gb}");
    assert_eq!(on_ec2["usd_per_gb"].as_f64().unwrap(), 0.02);
    let usd = on_ec2["usd_per_month"].as_f64().unwrap();
    assert!((usd - gb * 0.02).abs() < 1e-6, "{usd} for {gb} GB");
    assert_eq!(on_msk["usd_per_month"].as_f64().unwrap(), 0.0);
    // EC2 prices its instances and EBS, with no licence for Apache Kafka.
    let licence = ec2["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["category"] == "licence")
        .unwrap();
    assert_eq!(licence["priced"], true);
    assert_eq!(licence["usd_per_month"].as_f64().unwrap(), 0.0);
}

#[test]
fn cluster_linking_is_never_a_silent_zero_under_any_built_in_book() {
    let scenario = "scenarios/active-passive-cluster-link.ron";
    for p in Platform::ALL {
        match bill_json(scenario, p.name()) {
            Err((code, stderr)) => {
                assert_eq!(code, 2, "{stderr}");
                assert!(
                    stderr.contains("no Cluster Linking on this platform"),
                    "{stderr}"
                );
            }
            Ok(bill) => {
                let link = bill["lines"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|l| l["item"].as_str().unwrap().starts_with("cluster link"))
                    .unwrap_or_else(|| panic!("{} bills no cluster link: {bill:#}", p.name()));
                let priced = link["priced"].as_bool().unwrap();
                let usd = link["usd_per_month"].as_f64().unwrap();
                let warned = bill["warnings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|w| w.as_str().unwrap().contains("cluster link"));
                assert!(
                    (priced && usd > 0.0) || (!priced && warned),
                    "{}: {link:#} {bill:#}",
                    p.name()
                );
            }
        }
    }
    // The Confluent Platform licence is shown unpriced too, not as $0.
    let bill = bill_json(scenario, "confluent-platform").unwrap();
    let warnings = bill["warnings"].to_string();
    assert!(warnings.contains("licence is not priced"), "{warnings}");
}

#[test]
fn a_price_book_file_that_prices_cluster_linking_puts_it_on_the_bill() {
    let dir = std::env::temp_dir().join(format!("kdrsim-cost-cl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let book = dir.join("contract.ron");
    std::fs::write(
        &book,
        "PriceBook(name: \"our-contract\", prices: {\n    cluster_link_usd_per_hour: (usd: 0.25),\n    \
         cluster_link_usd_per_gb: (usd: 0.04),\n})\n",
    )
    .unwrap();
    let out = kdrsim(&[
        "cost",
        "scenarios/active-passive-cluster-link.ron",
        "--platform",
        "confluent-platform",
        "--price-book",
        book.to_str().unwrap(),
        "--trials",
        "2",
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bill: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let link = bill["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["item"].as_str().unwrap().starts_with("cluster link"))
        .unwrap();
    assert_eq!(link["priced"], true);
    // 730 h x $0.25 plus the mirrored GB x $0.04.
    assert!(
        link["usd_per_month"].as_f64().unwrap() > 730.0 * 0.25,
        "{link:#}"
    );
    assert!(
        !bill["warnings"].to_string().contains("cluster link"),
        "{bill:#}"
    );
}

#[test]
fn an_unknown_platform_is_refused_with_the_nearest_names() {
    let (code, stderr) = bill_json("scenarios/3dc-stretched.ron", "msk").unwrap_err();
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("did you mean \"aws-msk\""), "{stderr}");
}
