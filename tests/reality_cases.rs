//! The reality cases (reality/cases/*.ron) where kdrsim was corrected after
//! real Kafka 4.4.0 disagreed with it (docs/reality.md).

mod common;
use common::*;
use std::path::Path;

fn case(file: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("reality/cases")
            .join(file),
    )
    .unwrap()
}

/// A follower cut (or frozen) past replica.lag.time.max.ms leaves the ISR;
/// when it comes back it catches up and rejoins. Real Kafka's producer
/// (acks=all, min ISR 2, the other follower in step) was refused for
/// 14.1-15.2 s; before the fix the caught-up follower's rejoin request was
/// dropped when it met the shrink still in flight, and writes stayed refused
/// until the next shrink check (30 s in most trials).
#[test]
fn follower_back_after_isr_shrink_rejoins_and_writes_resume() {
    let m = model("follower-paused", &case("follower-paused.ron"));
    let out = outcomes(&m, 50);
    for o in &out {
        assert_eq!(o.acked_lost_records, 0, "{o:?}");
        assert!(o.write_unavailable_ms < 16_000, "{o:?}");
    }
}
