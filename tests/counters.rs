//! Accumulated counts and byte figures never wrap (issue 14, item 4).
//!
//! At 10^9 records/s of 1 KiB, `cross_dc_bytes` once grew to 5.5e18 at
//! 1,000 h and fell to 2.7e16 at 10,000 h: a u64 wrapped. Every accumulated
//! figure now saturates. Over extreme rates, record sizes and durations
//! (up to the longest the format accepts), and with or without a DC lost
//! and recovered on the way, two properties must hold for the same seed and
//! trial: a longer run never reports fewer bytes or records than a shorter
//! one (a wrap would fall), and the cross-DC bytes are at least the
//! follower traffic the acknowledged records imply (one replica per DC, so
//! every acknowledged record crossed at least two DC boundaries), capped at
//! `u64::MAX`.

use kdrsim::models::compile::MAX_DURATION_MS;
use kdrsim::{load_source, Source, World};
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Extreme {
    records_per_sec: f64,
    record_bytes: u32,
    hours: u64,
    consumers: usize,
    dc_loss: bool,
}

fn extreme() -> impl Strategy<Value = Extreme> {
    (
        6.0f64..=9.0,
        prop_oneof![
            Just(1u32),
            Just(1024),
            Just(1 << 20),
            Just(u32::MAX),
            1u32..=u32::MAX
        ],
        prop_oneof![
            Just(1u64),
            Just(1_000),
            Just(10_000),
            Just(MAX_DURATION_MS / 7_200_000),
            1u64..=87_600
        ],
        0usize..=3,
        any::<bool>(),
    )
        .prop_map(|(exp, record_bytes, hours, consumers, dc_loss)| Extreme {
            records_per_sec: 10f64.powf(exp).round(),
            record_bytes,
            hours,
            consumers,
            dc_loss,
        })
}

fn scenario(x: &Extreme, hours: u64) -> String {
    let consumers: Vec<String> = (0..x.consumers)
        .map(|i| format!(r#"(group: "g{i}", topic: "orders", dc: "dc{}")"#, i % 3))
        .collect();
    let faults = if x.dc_loss {
        r#"(at: Fixed(1_800_000), fault: Crash(Dc("dc1")), recover_after: Fixed(600_000))"#
    } else {
        ""
    };
    format!(
        r#"(
    version: 1,
    name: "extremes",
    duration_ms: {duration},
    topology: (regions: [(name: "r", data_centers: [
        (name: "dc0", racks: [(name: "r0", brokers: [1], controllers: [101])]),
        (name: "dc1", racks: [(name: "r1", brokers: [2], controllers: [102])]),
        (name: "dc2", racks: [(name: "r2", brokers: [3], controllers: [103])]),
    ])]),
    topics: [(name: "orders", partitions: 3, replication_factor: 3, min_insync_replicas: 2)],
    producers: [(name: "app", topic: "orders", dc: "dc0", records_per_sec: {rate:.1}, record_bytes: {bytes})],
    consumers: [{consumers}],
    faults: [{faults}],
)"#,
        duration = (hours * 3_600_000).min(MAX_DURATION_MS),
        rate = x.records_per_sec,
        bytes = x.record_bytes,
        consumers = consumers.join(", "),
    )
}

/// The trial's outcome and the records its producer got acknowledged.
fn run(text: &str) -> (kdrsim::TrialOutcome, u64) {
    let model = load_source(&Source {
        file: "extremes.ron".into(),
        text: text.into(),
    })
    .unwrap_or_else(|e| panic!("{e}\n{text}"));
    let mut world = World::new(model);
    let outcome = world.run_trial(5, 0);
    (outcome, world.conservation().acknowledged)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn byte_and_record_counts_saturate_instead_of_wrapping(x in extreme()) {
        let long_hours = (x.hours * 2).min(MAX_DURATION_MS / 3_600_000);
        let (short, short_acked) = run(&scenario(&x, x.hours));
        let (long, long_acked) = run(&scenario(&x, long_hours));
        prop_assert!(long.cross_dc_bytes >= short.cross_dc_bytes, "{x:?}: {short:?} then {long:?}");
        prop_assert!(long_acked >= short_acked, "{x:?}: acknowledged {short_acked} then {long_acked}");
        // Every acknowledged record crossed a DC boundary twice (to both
        // followers, one DC each) when no DC is lost; with dc1 lost for
        // 10 minutes, records acknowledged meanwhile are on two DCs only,
        // and dc1's catch-up may not finish at these rates: once.
        let crossings: u128 = if x.dc_loss { 1 } else { 2 };
        for (o, acked) in [(short, short_acked), (long, long_acked)] {
            let floor = (crossings * acked as u128 * x.record_bytes as u128).min(u64::MAX as u128) as u64;
            prop_assert!(o.cross_dc_bytes >= floor, "{x:?}: {o:?} below {floor} for {acked} acknowledged");
        }
    }
}

/// The issue's reproducer itself: 10^9 records/s of 1 KiB for 1,000 h and
/// for 10,000 h. The longer run saturates; it must not report less.
#[test]
fn a_billion_records_per_second_for_ten_thousand_hours_saturates_cross_dc_bytes() {
    let x = Extreme {
        records_per_sec: 1e9,
        record_bytes: 1024,
        hours: 1_000,
        consumers: 1,
        dc_loss: false,
    };
    let (short, _) = run(&scenario(&x, 1_000));
    let (long, _) = run(&scenario(&x, 10_000));
    assert!(
        short.cross_dc_bytes > 5_000_000_000_000_000_000,
        "{short:?}"
    );
    assert_eq!(long.cross_dc_bytes, u64::MAX, "{long:?}");
}
