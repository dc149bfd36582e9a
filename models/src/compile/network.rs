//! The network section: round trips, jitter and bandwidth between every
//! pair of data centers, from the defaults and the explicit links.

use super::topology::Topology;
use super::{bandwidth, latency, Checker};
use crate::error::ScenarioError;
use crate::ids::DcIdx;
use crate::scenario::{self, Link};
use kdrsim_sim::SimDuration;
use std::collections::BTreeSet;

/// Per pair of DCs (row-major, `dcs.len()` squared).
pub(super) struct Network {
    pub(super) rtt: Vec<SimDuration>,
    pub(super) jitter: Vec<SimDuration>,
    pub(super) bandwidth: Vec<u64>,
}

/// Resolves the network defaults, then each link over them.
pub(super) fn resolve(
    c: &Checker,
    topology: &scenario::Topology,
    topo: &Topology,
) -> Result<Network, ScenarioError> {
    let net = &topology.network;
    let intra_dc = latency(c, "topology.network.intra_dc_rtt_ms", net.intra_dc_rtt_ms)?;
    let intra_region = latency(
        c,
        "topology.network.intra_region_rtt_ms",
        net.intra_region_rtt_ms,
    )?;
    let inter_region = latency(
        c,
        "topology.network.inter_region_rtt_ms",
        net.inter_region_rtt_ms,
    )?;
    let default_bw = bandwidth(c, "topology.network.bandwidth_mbps", net.bandwidth_mbps)?;
    let dcs = &topo.dcs;
    let n = dcs.len();
    let mut out = Network {
        rtt: vec![SimDuration::ZERO; n * n],
        jitter: vec![SimDuration::ZERO; n * n],
        bandwidth: vec![default_bw; n * n],
    };
    for a in 0..n {
        for b in 0..n {
            out.rtt[a * n + b] = if a == b {
                intra_dc
            } else if dcs[a].region == dcs[b].region {
                intra_region
            } else {
                inter_region
            };
        }
    }
    let mut seen_links = BTreeSet::new();
    for (li, link) in topology.links.iter().enumerate() {
        out.link(
            c,
            topo,
            &format!("topology.links[{li}]"),
            link,
            default_bw,
            &mut seen_links,
        )?;
    }
    Ok(out)
}

impl Network {
    /// One link at `lf`: both directions get its RTT, jitter and bandwidth.
    /// `seen` holds the DC pairs joined so far.
    fn link(
        &mut self,
        c: &Checker,
        topo: &Topology,
        lf: &str,
        link: &Link,
        default_bw: u64,
        seen: &mut BTreeSet<(DcIdx, DcIdx)>,
    ) -> Result<(), ScenarioError> {
        let a = topo.find_dc(c, &format!("{lf}.between"), &link.between.0)?;
        let b = topo.find_dc(c, &format!("{lf}.between"), &link.between.1)?;
        if a == b {
            return Err(c.err(
                format!("{lf}.between"),
                "",
                "a link joins two different data centers",
            ));
        }
        if !seen.insert((a.min(b), a.max(b))) {
            return Err(c.err(
                format!("{lf}.between"),
                "",
                format!(
                    "a link between \"{}\" and \"{}\" is already defined",
                    link.between.0, link.between.1
                ),
            ));
        }
        let r = latency(c, &format!("{lf}.rtt_ms"), link.rtt_ms)?;
        let j = latency(c, &format!("{lf}.jitter_ms"), link.jitter_ms)?;
        if j > r {
            return Err(c.err(
                format!("{lf}.jitter_ms"),
                "",
                format!(
                    "jitter {} ms is larger than the RTT {} ms; valid: 0..={}",
                    link.jitter_ms, link.rtt_ms, link.rtt_ms
                ),
            ));
        }
        let w = match link.bandwidth_mbps {
            Some(m) => bandwidth(c, &format!("{lf}.bandwidth_mbps"), m)?,
            None => default_bw,
        };
        let n = topo.dcs.len();
        for (x, y) in [(a, b), (b, a)] {
            self.rtt[x.idx() * n + y.idx()] = r;
            self.jitter[x.idx() * n + y.idx()] = j;
            self.bandwidth[x.idx() * n + y.idx()] = w;
        }
        Ok(())
    }
}
