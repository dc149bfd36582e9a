//! What one trial reports: the metric contract users script against
//! (docs/model.md, Clients). The JSON keys are the field names.

use serde::{Deserialize, Serialize};

/// The per-trial metrics. Every field is a count or whole milliseconds, so
/// reports built from them are exact and byte-reproducible.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TrialOutcome {
    /// Records acknowledged to a producer that are absent from the final
    /// authoritative log (decided by the oracle, not by replication code).
    pub acked_lost_records: u64,
    /// Age, at the failure instant, of the oldest lost acknowledged record.
    /// 0 when nothing was lost.
    pub rpo_ms: u64,
    /// Total time during which some producer could not get acknowledgements,
    /// for any reason: Kafka, the network, or the producer itself being
    /// dead (the application's view).
    pub write_unavailable_ms: u64,
    /// The longest such stretch (the write RTO).
    pub max_write_outage_ms: u64,
    /// Total time during which some consumer group could not read, dead
    /// groups included.
    pub read_unavailable_ms: u64,
    /// The longest such stretch (the read RTO).
    pub max_read_outage_ms: u64,
    /// Records a consumer group processed more than once.
    pub duplicates_delivered: u64,
    /// Records that exist but a consumer group never processed.
    pub skipped_records: u64,
    /// Records whose send failed back to the application (not silent loss).
    pub failed_sends: u64,
    /// Total time during which some producer was dead: killed with its DC
    /// or region (`clients: Die`) until its deployment ran it again. A
    /// component figure: the application's write outage counts that time
    /// too.
    pub producer_down_ms: u64,
    /// Bytes that crossed data-center or region boundaries.
    pub cross_dc_bytes: u64,
    /// 99th percentile, over the records acknowledged in normal operation,
    /// of the time from send to acknowledgement, in microseconds (~3%
    /// resolution, never understated). Records that waited in the
    /// producer through an outage are not in it: see `buffered_ms_max`.
    /// 0 with `acks=0`.
    pub ack_latency_p99_us: u64,
    /// The longest time any acknowledged record spent waiting in its
    /// producer during an incident (no leader, leader unreachable, too few
    /// in-sync replicas, a failover) before it was acknowledged, in whole
    /// milliseconds rounded up; at most `delivery.timeout.ms`, since older
    /// sends fail (`failed_sends`). 0 when no acknowledged record waited,
    /// and with `acks=0`.
    #[serde(default)]
    pub buffered_ms_max: u64,
    /// Not a metric (no statistics of its own, not in [`Metric::ALL`]):
    /// what was still under way when the trial ended, so a report can say
    /// in how many trials the figures above are cut off at the trial's end
    /// rather than measured to their real end.
    #[serde(default)]
    pub cut_off: CutOff,
}

/// What one trial left unfinished at its end. The outage figures of such a
/// trial stop at the trial's end: the real outage would have gone on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CutOff {
    /// A fault that began in the trial had not healed (a permanent fault,
    /// or one whose recovery fell after the end).
    pub fault_unhealed: bool,
    /// A runbook (or a producer's own failover) had begun a step it had
    /// not finished: detection, decision, the DNS switch, a failback.
    pub runbook_unfinished: bool,
}

impl CutOff {
    /// Whether anything was cut off.
    pub fn any(self) -> bool {
        self.fault_unhealed || self.runbook_unfinished
    }

    /// As one whole number (bit 0: fault, bit 1: runbook), the column a
    /// shard's partial result stores it in.
    pub fn bits(self) -> u64 {
        u64::from(self.fault_unhealed) | u64::from(self.runbook_unfinished) << 1
    }

    /// The inverse of [`bits`](Self::bits); `None` for a value no
    /// `CutOff` writes.
    pub fn from_bits(bits: u64) -> Option<CutOff> {
        (bits < 4).then_some(CutOff {
            fault_unhealed: bits & 1 != 0,
            runbook_unfinished: bits & 2 != 0,
        })
    }
}

/// A named metric of [`TrialOutcome`], in report order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Metric {
    AckedLostRecords,
    RpoMs,
    WriteUnavailableMs,
    MaxWriteOutageMs,
    ReadUnavailableMs,
    MaxReadOutageMs,
    DuplicatesDelivered,
    SkippedRecords,
    FailedSends,
    ProducerDownMs,
    CrossDcBytes,
    AckLatencyP99Us,
    BufferedMsMax,
}

impl Metric {
    /// Every metric, in the order reports list them.
    pub const ALL: [Metric; 13] = [
        Metric::AckedLostRecords,
        Metric::RpoMs,
        Metric::WriteUnavailableMs,
        Metric::MaxWriteOutageMs,
        Metric::ReadUnavailableMs,
        Metric::MaxReadOutageMs,
        Metric::DuplicatesDelivered,
        Metric::SkippedRecords,
        Metric::FailedSends,
        Metric::ProducerDownMs,
        Metric::CrossDcBytes,
        Metric::AckLatencyP99Us,
        Metric::BufferedMsMax,
    ];

    /// The JSON key and CSV column of this metric.
    pub const fn name(self) -> &'static str {
        match self {
            Metric::AckedLostRecords => "acked_lost_records",
            Metric::RpoMs => "rpo_ms",
            Metric::WriteUnavailableMs => "write_unavailable_ms",
            Metric::MaxWriteOutageMs => "max_write_outage_ms",
            Metric::ReadUnavailableMs => "read_unavailable_ms",
            Metric::MaxReadOutageMs => "max_read_outage_ms",
            Metric::DuplicatesDelivered => "duplicates_delivered",
            Metric::SkippedRecords => "skipped_records",
            Metric::FailedSends => "failed_sends",
            Metric::ProducerDownMs => "producer_down_ms",
            Metric::CrossDcBytes => "cross_dc_bytes",
            Metric::AckLatencyP99Us => "ack_latency_p99_us",
            Metric::BufferedMsMax => "buffered_ms_max",
        }
    }

    pub fn from_name(name: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.name() == name)
    }
}

impl TrialOutcome {
    pub fn get(&self, metric: Metric) -> u64 {
        match metric {
            Metric::AckedLostRecords => self.acked_lost_records,
            Metric::RpoMs => self.rpo_ms,
            Metric::WriteUnavailableMs => self.write_unavailable_ms,
            Metric::MaxWriteOutageMs => self.max_write_outage_ms,
            Metric::ReadUnavailableMs => self.read_unavailable_ms,
            Metric::MaxReadOutageMs => self.max_read_outage_ms,
            Metric::DuplicatesDelivered => self.duplicates_delivered,
            Metric::SkippedRecords => self.skipped_records,
            Metric::FailedSends => self.failed_sends,
            Metric::ProducerDownMs => self.producer_down_ms,
            Metric::CrossDcBytes => self.cross_dc_bytes,
            Metric::AckLatencyP99Us => self.ack_latency_p99_us,
            Metric::BufferedMsMax => self.buffered_ms_max,
        }
    }

    /// Sets one metric; with [`get`](Self::get) it lets an outcome round-trip
    /// through a list of values in [`Metric::ALL`] order (a shard's partial
    /// result) without a second list of fields to keep in step.
    pub fn set(&mut self, metric: Metric, value: u64) {
        let field = match metric {
            Metric::AckedLostRecords => &mut self.acked_lost_records,
            Metric::RpoMs => &mut self.rpo_ms,
            Metric::WriteUnavailableMs => &mut self.write_unavailable_ms,
            Metric::MaxWriteOutageMs => &mut self.max_write_outage_ms,
            Metric::ReadUnavailableMs => &mut self.read_unavailable_ms,
            Metric::MaxReadOutageMs => &mut self.max_read_outage_ms,
            Metric::DuplicatesDelivered => &mut self.duplicates_delivered,
            Metric::SkippedRecords => &mut self.skipped_records,
            Metric::FailedSends => &mut self.failed_sends,
            Metric::ProducerDownMs => &mut self.producer_down_ms,
            Metric::CrossDcBytes => &mut self.cross_dc_bytes,
            Metric::AckLatencyP99Us => &mut self.ack_latency_p99_us,
            Metric::BufferedMsMax => &mut self.buffered_ms_max,
        };
        *field = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_names_round_trip_and_match_json_keys() {
        let o = TrialOutcome {
            rpo_ms: 7,
            ..TrialOutcome::default()
        };
        let json = serde_json_like_keys(&o);
        for m in Metric::ALL {
            assert_eq!(Metric::from_name(m.name()), Some(m));
            assert!(json.contains(&m.name().to_string()), "{} missing", m.name());
        }
        assert_eq!(o.get(Metric::RpoMs), 7);
    }

    // The field names are the JSON keys; ron serialises them the same way.
    fn serde_json_like_keys(o: &TrialOutcome) -> Vec<String> {
        let s = ron::to_string(o).unwrap();
        s.trim_matches(|c| c == '(' || c == ')')
            .split(',')
            .map(|kv| kv.split(':').next().unwrap().trim().to_string())
            .collect()
    }
}
