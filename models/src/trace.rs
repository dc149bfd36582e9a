//! The trace of one trial: what happened, in order, for `kdrsim replay`.
//!
//! Records are small `Copy` values pushed only when tracing is on; a run
//! without `--trace` pays one branch per record site. The hash is FNV-1a over
//! the JSON lines, so two traces hash equal exactly when they print equal.

use crate::compile::Model;
use kdrsim_sim::SimTime;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "what", rename_all = "snake_case")]
pub enum TraceRecord {
    FaultBegins {
        fault: u16,
    },
    FaultEnds {
        fault: u16,
    },
    BrokerDown {
        broker: u32,
        power_loss: bool,
    },
    BrokerUp {
        broker: u32,
    },
    ControllerDown {
        controller: u32,
    },
    ControllerUp {
        controller: u32,
    },
    QuorumLost,
    ControllerElected {
        controller: u32,
    },
    BrokerFenced {
        broker: u32,
    },
    BrokerUnfenced {
        broker: u32,
    },
    LeaderElected {
        partition: u32,
        broker: u32,
        epoch: u32,
        unclean: bool,
    },
    LeaderNone {
        partition: u32,
        epoch: u32,
    },
    /// `isr` and `elr` are bit sets over the partition's replica slots
    /// here; [`to_json_lines`] shows them as broker ids.
    IsrChanged {
        partition: u32,
        isr: u8,
        elr: u8,
    },
    ZombieBegins {
        partition: u32,
        broker: u32,
    },
    ZombieEnds {
        partition: u32,
        broker: u32,
    },
    /// The runbook's alert fired (the primary has been unwritable for the
    /// detection time).
    RunbookDetected,
    /// The primary came back before the decision: no failover.
    RunbookAborted,
    /// Operators failed over: the copy stopped at `mirror_leo` while the
    /// primary's producers had seen records acknowledged up to `source_leo`
    /// (one record per partition; the difference is the acknowledged tail
    /// the failover leaves behind).
    Failover {
        partition: u32,
        source_leo: u64,
        mirror_leo: u64,
    },
    /// Producers re-sent their last records to the DR topic.
    ProducerReplay {
        topic: u32,
        resent: u64,
        duplicated: u64,
    },
    /// Clients followed the DNS switch (to the DR cluster, or back).
    ClientsSwitched {
        to_dr: bool,
    },
    /// A producer failed over by itself to topic `topic` of another
    /// cluster, re-sending `resent` records it had not got acknowledged.
    ClientFailedOver {
        producer: u32,
        topic: u32,
        resent: u64,
    },
    /// A consumer group started on the DR topic at `start`, having
    /// processed up to `processed` (in DR offsets) before.
    ConsumerSwitched {
        group: u32,
        start: u64,
        processed: u64,
    },
    /// A client whose DC was lost runs again in DC `dc` (its deployment):
    /// producer `client` when `producer`, else consumer group entry
    /// `client`.
    ClientMoved {
        producer: bool,
        client: u16,
        dc: u16,
    },
    /// Cluster Linking `promote` could not reach the source: no failover.
    PromoteFailed,
    /// A restarted MM2 task copies these records again (at-least-once).
    MirrorRecopies {
        mirror: u32,
        topic: u32,
        records: u64,
    },
    /// A mirror copy resumes `backlog` records behind its source (the
    /// divergence between the two sides while it was stopped).
    MirrorResumed {
        mirror: u32,
        topic: u32,
        reverse: bool,
        backlog: u64,
    },
    /// Failback began with truncate-and-restore on the old primary.
    FailbackStarted,
    /// truncate-and-restore cut the old primary's log from `from` to `to`.
    FailbackTruncated {
        partition: u32,
        from: u64,
        to: u64,
    },
    /// The leader asks the controller to promote (or demote) observers:
    /// `isr` is the proposed ISR as a bit set over replica slots (broker
    /// ids in [`to_json_lines`]).
    ObserversChanging {
        partition: u32,
        isr: u8,
        promote: bool,
    },
    Truncated {
        partition: u32,
        broker: u32,
        from: u64,
        to: u64,
    },
    CaughtUp {
        partition: u32,
        broker: u32,
        leo: u64,
    },
    WritesBlocked {
        partition: u32,
    },
    WritesResumed {
        partition: u32,
        appended: u64,
        failed: u64,
    },
    /// Producers can (or cannot) get acknowledgements from this partition:
    /// the per-partition input of `write_unavailable_ms`.
    WriteAvailability {
        partition: u32,
        available: bool,
    },
    /// Consumer groups can (or cannot) read this partition: the input of
    /// `read_unavailable_ms`.
    ReadAvailability {
        partition: u32,
        available: bool,
    },
    /// A sample of the first partition's leader log end offset and high
    /// watermark, for timelines: written after an event when at least a
    /// simulated second has passed since the last sample, or sooner when the
    /// gap between them moved by more than an eighth. Between samples both
    /// move linearly (the data plane is flows), so lines between samples
    /// are faithful.
    Offsets {
        partition: u32,
        leo: u64,
        hw: u64,
    },
    /// Reserved for cross-cluster links (MirrorMaker 2, Cluster Linking):
    /// a link's lag in records. Timelines draw a lane when it appears.
    LinkLag {
        link: u16,
        lag_records: u64,
    },
    End,
}

/// A trace entry: simulated time, the event's sequence number, the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TraceEntry {
    pub t_ns: u64,
    pub event_seq: u64,
    #[serde(flatten)]
    pub record: TraceRecord,
}

impl TraceEntry {
    pub fn new(t: SimTime, event_seq: u64, record: TraceRecord) -> Self {
        TraceEntry {
            t_ns: t.as_ns(),
            event_seq,
            record,
        }
    }
}

/// A trace entry as its JSON line shows it: replica sets (kept as bit sets
/// over a partition's replica slots) as lists of broker ids.
#[derive(Serialize)]
struct ShownEntry<'a> {
    t_ns: u64,
    event_seq: u64,
    #[serde(flatten)]
    record: Shown<'a>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Shown<'a> {
    Record(&'a TraceRecord),
    IsrChanged {
        what: &'static str,
        partition: u32,
        isr: Vec<u32>,
        elr: Vec<u32>,
    },
    ObserversChanging {
        what: &'static str,
        partition: u32,
        isr: Vec<u32>,
        promote: bool,
    },
}

/// The broker ids (ascending) of the replica slots set in `slots` of
/// partition `partition`.
fn broker_ids(model: &Model, partition: u32, slots: u8) -> Vec<u32> {
    let Some(spec) = model.partitions.get(partition as usize) else {
        return Vec::new();
    };
    let mut ids: Vec<u32> = spec
        .replicas()
        .iter()
        .enumerate()
        .filter(|(s, _)| slots & (1 << s) != 0)
        .filter_map(|(_, b)| model.brokers.get(b.idx()).map(|b| b.node_id))
        .collect();
    ids.sort_unstable();
    ids
}

fn shown<'a>(model: &Model, record: &'a TraceRecord) -> Shown<'a> {
    match *record {
        TraceRecord::IsrChanged {
            partition,
            isr,
            elr,
        } => Shown::IsrChanged {
            what: "isr_changed",
            partition,
            isr: broker_ids(model, partition, isr),
            elr: broker_ids(model, partition, elr),
        },
        TraceRecord::ObserversChanging {
            partition,
            isr,
            promote,
        } => Shown::ObserversChanging {
            what: "observers_changing",
            partition,
            isr: broker_ids(model, partition, isr),
            promote,
        },
        _ => Shown::Record(record),
    }
}

/// Renders a trace of a trial of `model` as JSON lines; replica sets (the
/// ISR, the ELR, a proposed ISR) are lists of broker ids, `"isr":[1,2,5]`.
pub fn to_json_lines(model: &Model, trace: &[TraceEntry]) -> String {
    let mut out = String::with_capacity(trace.len() * 64);
    for e in trace {
        let line = ShownEntry {
            t_ns: e.t_ns,
            event_seq: e.event_seq,
            record: shown(model, &e.record),
        };
        // Every field is an integer, a bool, a list of them or a fixed
        // tag: cannot fail.
        if let Ok(line) = serde_json::to_string(&line) {
            out.push_str(&line);
        }
        out.push('\n');
    }
    out
}

/// FNV-1a (64-bit) of the JSON-lines rendering: stable across platforms and
/// Rust versions, unlike `DefaultHasher`.
pub fn trace_hash(model: &Model, trace: &[TraceEntry]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in to_json_lines(model, trace).bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}
