//! The network section: round trips, jitter and bandwidth between every
//! pair of data centers, from the defaults and the explicit links.

use super::topology::Topology;
use super::{bandwidth, latency, Checker};
use crate::error::ScenarioError;
use crate::ids::DcIdx;
use crate::scenario::{self, Link, NetworkDefaults};
use kdrsim_sim::SimDuration;
use std::collections::BTreeSet;

/// Per pair of DCs (row-major, `dcs.len()` squared).
pub(super) struct Network {
    pub(super) rtt: Vec<SimDuration>,
    pub(super) jitter: Vec<SimDuration>,
    pub(super) bandwidth: Vec<u64>,
}

/// Resolves the network defaults, then each link over them. Every rule
/// broken is reported (a broken value counts as 0 ms or the default
/// bandwidth for the checks after it).
pub(super) fn resolve(c: &Checker, topology: &scenario::Topology, topo: &Topology) -> Network {
    let (mut out, default_bw) = defaults(c, &topology.network, topo);
    // The DC pairs joined so far.
    let mut seen = BTreeSet::new();
    for (li, link) in topology.links.iter().enumerate() {
        let lf = format!("topology.links[{li}]");
        let Some((a, b)) = c.keep(link_ends(c, topo, &lf, link, &mut seen)) else {
            continue;
        };
        out.link(c, topo.dcs.len(), &lf, link, (a, b), default_bw);
    }
    out
}

/// Every pair of DCs at the default RTT for where they are (the same DC,
/// region, or not), no jitter, and the default bandwidth (also returned).
fn defaults(c: &Checker, net: &NetworkDefaults, topo: &Topology) -> (Network, u64) {
    let ms = |field: &str, v: f64| c.keep(latency(c, field, v)).unwrap_or(SimDuration::ZERO);
    let intra_dc = ms("topology.network.intra_dc_rtt_ms", net.intra_dc_rtt_ms);
    let intra_region = ms(
        "topology.network.intra_region_rtt_ms",
        net.intra_region_rtt_ms,
    );
    let inter_region = ms(
        "topology.network.inter_region_rtt_ms",
        net.inter_region_rtt_ms,
    );
    let default_bw = c
        .keep(bandwidth(
            c,
            "topology.network.bandwidth_mbps",
            net.bandwidth_mbps,
        ))
        .unwrap_or(1);
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
    (out, default_bw)
}

/// The two DCs link `link` (at `lf`) joins: different ones, and a pair not
/// among those `seen` so far.
fn link_ends(
    c: &Checker,
    topo: &Topology,
    lf: &str,
    link: &Link,
    seen: &mut BTreeSet<(DcIdx, DcIdx)>,
) -> Result<(DcIdx, DcIdx), ScenarioError> {
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
    Ok((a, b))
}

impl Network {
    /// Link `link` (at `lf`) between DCs `a` and `b` of `n`: both directions
    /// get its RTT, jitter and bandwidth (each rule broken is reported).
    fn link(
        &mut self,
        c: &Checker,
        n: usize,
        lf: &str,
        link: &Link,
        (a, b): (DcIdx, DcIdx),
        default_bw: u64,
    ) {
        let r = c.keep(latency(c, &format!("{lf}.rtt_ms"), link.rtt_ms));
        let j = c.keep(latency(c, &format!("{lf}.jitter_ms"), link.jitter_ms));
        if r.zip(j).is_some_and(|(r, j)| j > r) {
            c.report(c.err(
                format!("{lf}.jitter_ms"),
                "",
                format!(
                    "jitter {} ms is larger than the RTT {} ms; valid: 0..={}",
                    link.jitter_ms, link.rtt_ms, link.rtt_ms
                ),
            ));
        }
        let (r, j) = (
            r.unwrap_or(SimDuration::ZERO),
            j.unwrap_or(SimDuration::ZERO),
        );
        let w = match link.bandwidth_mbps {
            Some(m) => c
                .keep(bandwidth(c, &format!("{lf}.bandwidth_mbps"), m))
                .unwrap_or(default_bw),
            None => default_bw,
        };
        for (x, y) in [(a, b), (b, a)] {
            self.rtt[x.idx() * n + y.idx()] = r;
            self.jitter[x.idx() * n + y.idx()] = j;
            self.bandwidth[x.idx() * n + y.idx()] = w;
        }
    }
}
