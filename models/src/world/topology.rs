//! Topology helpers: rates, reachability, round trips.

use super::*;

impl World {
    /// The append rate of partition `p`'s producer now (0: none).
    pub(super) fn rate_of(&self, p: usize) -> u64 {
        self.prod[p].map_or(0, |i| {
            self.model.producers[i as usize].rate_mrps_per_partition
        })
    }

    /// Whether producer `pi` is alive: the DC it runs in now is up
    /// (placement.rs).
    pub(super) fn producer_alive(&self, pi: usize) -> bool {
        self.dc_down[self.producer_dc(pi).idx()] == 0
    }

    pub(super) fn connected(&self, a: DcIdx, b: DcIdx) -> bool {
        a == b || self.cuts[self.model.dc_pair(a, b)] == 0
    }

    pub(super) fn rtt_between(&self, a: DcIdx, b: DcIdx) -> SimDuration {
        self.rtt[self.model.dc_pair(a, b)]
    }

    pub(super) fn broker_dc(&self, b: BrokerIdx) -> DcIdx {
        self.model.brokers[b.idx()].dc
    }

    pub(super) fn replica_broker(&self, p: usize, slot: usize) -> BrokerIdx {
        self.model.partitions[p].replicas[slot]
    }

    pub(super) fn eff_min_isr(&self, p: usize) -> u32 {
        let t = &self.model.topics[self.model.partitions[p].topic.idx()];
        t.min_isr.min(t.rf) as u32
    }
}

/// This trial's round trips into `out`: each link's RTT drawn uniformly in
/// `rtt ± jitter`, the same both ways. Shared by every model, so scenarios
/// with the same links see the same network for the same (seed, trial).
pub(crate) fn draw_rtts(m: &Model, network_rng: &mut StreamRng, out: &mut Vec<SimDuration>) {
    let n = m.dcs.len();
    out.clear();
    out.extend_from_slice(&m.rtt);
    for a in 0..n {
        for b in (a + 1)..n {
            let j = m.jitter[a * n + b].as_ns();
            if j > 0 {
                let base = m.rtt[a * n + b].as_ns();
                let d = network_rng.gen_range(0..=2 * j);
                let v = SimDuration((base + d).saturating_sub(j));
                out[a * n + b] = v;
                out[b * n + a] = v;
            }
        }
    }
}

/// The rate at which a follower in `f_dc` can fetch a backlog from a leader
/// in `leader_dc`: the path's bandwidth shared by the topic's partitions.
pub(super) fn catchup_rate_mrps(
    m: &Model,
    p: usize,
    leader_dc: DcIdx,
    f_dc: DcIdx,
    bytes: u64,
) -> u64 {
    let spec = &m.partitions[p];
    let topic = &m.topics[spec.topic.idx()];
    let bytes = bytes.max(1);
    let bw = m.bandwidth_bytes_per_sec[m.dc_pair(leader_dc, f_dc)];
    (bw as u128 * 1000 / bytes as u128 / topic.partitions.max(1) as u128).min(u64::MAX as u128)
        as u64
}
