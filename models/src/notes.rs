//! What the model simplifies for *this* scenario, said in the run's own
//! output (table, JSON, report), not only in `docs/model.md`.
//!
//! Each note is triggered by the input: a scenario that does not use the
//! mechanism gets no note about it. The general simplifications that hold
//! for every scenario (flows of offsets, consumers at the high watermark,
//! jitter per trial) are in `docs/model.md`.

use crate::compile::Model;
use crate::scenario::{Acks, FailoverCommand};

/// The notes of `model`, in a fixed order.
pub fn model_notes(model: &Model) -> Vec<String> {
    let mut notes = Vec::new();
    shared_partitions(model, &mut notes);
    promote_drain(model, &mut notes);
    slow_followers(model, &mut notes);
    acks_zero(model, &mut notes);
    zombie_metadata_age(model, &mut notes);
    notes
}

/// A producer that a zombie answers (acks=0/1) keeps sending to it: its
/// metadata is refreshed only after errors here, never on
/// `metadata.max.age.ms` (5 minutes), which in Kafka could move it to the
/// real leader during a long split (docs/model.md, Clients).
fn zombie_metadata_age(model: &Model, notes: &mut Vec<String>) {
    use crate::compile::FaultMode;
    let splits = model
        .faults
        .iter()
        .any(|f| matches!(f.mode, FaultMode::Partition | FaultMode::ControlPlaneCut));
    if !splits {
        return;
    }
    for p in model.producers.iter().filter(|p| p.acks != Acks::All) {
        notes.push(format!(
            "producer {} (acks={}) stays with a leader a cut turned into a zombie for as long as it answers: the periodic metadata refresh (metadata.max.age.ms, 5 min) that could move it sooner is not modelled",
            p.name,
            if p.acks == Acks::One { "1" } else { "0" }
        ));
    }
}

/// A producer failing over into a topic that has its own producer.
fn shared_partitions(model: &Model, notes: &mut Vec<String>) {
    for p in &model.producers {
        let Some(fo) = p.failover else { continue };
        let target = &model.topics[fo.to_topic.idx()];
        if let Some(host) = target.producer {
            notes.push(format!(
                "after failing over, producer {} shares each partition of {} with producer {} as one flow: write-available only while both reach its leader, acknowledged at the slower round trip",
                p.name, target.name, model.producers[host].name
            ));
        }
        notes.push(format!(
            "producer {} fails over by itself; consumer groups do not (they wait for their cluster)",
            p.name
        ));
    }
}

fn promote_drain(model: &Model, notes: &mut Vec<String>) {
    if model
        .runbook()
        .is_some_and(|r| r.command == FailoverCommand::Promote)
    {
        notes.push(
            "Cluster Linking `promote` drains the mirror at once: the drain's own time is not simulated"
                .into(),
        );
    }
}

/// Links slower than `replica.lag.time.max.ms`: Kafka would drop a follower
/// that cannot fetch up to the leader's end within it; the model keeps a
/// streaming follower in the ISR whatever its round trip.
fn slow_followers(model: &Model, notes: &mut Vec<String>) {
    let lag = model.timings.replica_lag_time_max;
    let n = model.dcs.len();
    for a in 0..n {
        for b in a + 1..n {
            let rtt = model.rtt[a * n + b];
            if rtt > lag {
                notes.push(format!(
                    "the round trip between {} and {} ({} ms) exceeds replica.lag.time.max.ms ({} ms): followers across it stay in the ISR here, where Kafka would drop them",
                    model.dcs[a].name,
                    model.dcs[b].name,
                    rtt.as_ms(),
                    lag.as_ms()
                ));
            }
        }
    }
}

fn acks_zero(model: &Model, notes: &mut Vec<String>) {
    for p in model.producers.iter().filter(|p| p.acks == Acks::Zero) {
        notes.push(format!(
            "producer {} sends with acks=0: nothing is acknowledged, so its losses are not in acked_lost_records and it has no acknowledgement latency",
            p.name
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{load_source, Source};

    fn notes_of(file: &str) -> Vec<String> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../scenarios")
            .join(file);
        let text = std::fs::read_to_string(path).unwrap();
        model_notes(
            &load_source(&Source {
                file: file.into(),
                text,
            })
            .unwrap(),
        )
    }

    #[test]
    fn an_acks_1_producer_beside_a_split_is_told_metadata_age_is_not_modelled() {
        let notes = notes_of("zombie-leader-split.ron");
        assert!(
            notes.iter().any(|n| n.contains("metadata.max.age.ms")),
            "{notes:?}"
        );
        // acks=all cannot be held by a zombie: no note.
        assert!(!notes_of("3dc-stretched.ron")
            .iter()
            .any(|n| n.contains("metadata.max.age.ms")));
    }

    #[test]
    fn a_plain_stretched_cluster_has_nothing_to_confess() {
        assert!(notes_of("3dc-stretched.ron").is_empty());
    }

    #[test]
    fn a_producer_failing_over_into_a_busy_topic_says_the_partitions_are_shared() {
        let notes = notes_of("active-active-client-failover.ron");
        assert!(
            notes
                .iter()
                .any(|n| n.contains("shares each partition of orders")),
            "{notes:?}"
        );
        assert!(
            notes.iter().any(|n| n.contains("consumer groups do not")),
            "{notes:?}"
        );
    }
}
