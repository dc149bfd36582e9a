//! The topology section: regions, data centers, racks, brokers and
//! controllers, in file order, with the containment graph that fault targets
//! walk and the lookups by name and node id the later sections use.

use super::{
    BrokerSpec, Checker, ControllerSpec, DcSpec, RackSpec, TopoNode, MAX_DCS, MAX_NODES, MAX_RACKS,
};
use crate::error::ScenarioError;
use crate::ids::*;
use crate::scenario::{self, DataCenter, Rack, Region};
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::BTreeMap;

/// The resolved topology: the node tables the model keeps, the containment
/// graph, each node's place in the graph (by table position), and lookups.
pub(super) struct Topology {
    pub(super) regions: Vec<String>,
    pub(super) dcs: Vec<DcSpec>,
    pub(super) racks: Vec<RackSpec>,
    pub(super) brokers: Vec<BrokerSpec>,
    pub(super) controllers: Vec<ControllerSpec>,
    pub(super) graph: DiGraph<TopoNode, ()>,
    pub(super) region_nodes: Vec<NodeIndex>,
    pub(super) dc_nodes: Vec<NodeIndex>,
    pub(super) rack_nodes: Vec<NodeIndex>,
    pub(super) broker_nodes: Vec<NodeIndex>,
    pub(super) controller_nodes: Vec<NodeIndex>,
    /// Broker `node.id` -> the broker.
    pub(super) broker_by_id: BTreeMap<u32, BrokerIdx>,
    dc_by_name: BTreeMap<String, DcIdx>,
}

impl Topology {
    /// The data center `name` refers to, or an error at `field` listing the
    /// valid names.
    pub(super) fn find_dc(
        &self,
        c: &Checker,
        field: &str,
        name: &str,
    ) -> Result<DcIdx, ScenarioError> {
        self.dc_by_name.get(name).copied().ok_or_else(|| {
            c.unknown(
                field,
                &format!("\"{name}\""),
                format!("data center \"{name}\""),
                self.dcs.iter().map(|d| format!("\"{}\"", d.name)),
            )
        })
    }
}

/// Resolves `topology`'s regions and everything in them. The model's tables
/// are in file order, and so are the checks. Duplicate and empty names are
/// reported and the topology goes on; `None` (reported) for a topology
/// later sections cannot refer to: no regions, no brokers or controllers,
/// past a size limit.
pub(super) fn resolve(c: &Checker, topology: &scenario::Topology) -> Option<Topology> {
    let before = c.errors();
    let topo = c.keep(build(c, topology))?;
    if !topo.brokers.is_empty() && !topo.controllers.is_empty() {
        return Some(topo);
    }
    // The nodes left out for a duplicate id may have been all there were:
    // that error says so already.
    if c.errors() == before {
        c.keep(check_nodes(c, &topo));
    }
    None
}

/// The topology's tables and graph, in file order.
fn build(c: &Checker, topology: &scenario::Topology) -> Result<Topology, ScenarioError> {
    if topology.regions.is_empty() {
        return Err(c.err("topology.regions", "", "at least one region is needed"));
    }
    let mut b = Builder {
        c,
        topo: Topology {
            regions: Vec::new(),
            dcs: Vec::new(),
            racks: Vec::new(),
            brokers: Vec::new(),
            controllers: Vec::new(),
            graph: DiGraph::new(),
            region_nodes: Vec::new(),
            dc_nodes: Vec::new(),
            rack_nodes: Vec::new(),
            broker_nodes: Vec::new(),
            controller_nodes: Vec::new(),
            broker_by_id: BTreeMap::new(),
            dc_by_name: BTreeMap::new(),
        },
        names: BTreeMap::new(),
        node_ids: BTreeMap::new(),
    };
    for (ri, region) in topology.regions.iter().enumerate() {
        b.region(ri, region)?;
    }
    let mut topo = b.topo;
    topo.dc_by_name = topo
        .dcs
        .iter()
        .enumerate()
        .map(|(i, d)| (d.name.clone(), DcIdx(i as u16)))
        .collect();
    topo.broker_by_id = topo
        .brokers
        .iter()
        .enumerate()
        .map(|(i, b)| (b.node_id, BrokerIdx(i as u16)))
        .collect();
    Ok(topo)
}

/// A cluster needs brokers and KRaft controllers somewhere.
fn check_nodes(c: &Checker, topo: &Topology) -> Result<(), ScenarioError> {
    let mut errors = Vec::new();
    if topo.brokers.is_empty() {
        errors.push(c.err(
            "topology.regions",
            "",
            "the topology has no brokers; list node ids under a rack's `brokers`",
        ));
    }
    if topo.controllers.is_empty() {
        errors.push(c.err(
            "topology.regions",
            "",
            "the topology has no KRaft controllers; list node ids under a rack's `controllers`",
        ));
    }
    c.all(errors)
}

/// The topology as it is built, with the names and node ids claimed so far.
struct Builder<'c> {
    c: &'c Checker<'c>,
    topo: Topology,
    /// "{kind}/{name}" -> the field that used it first.
    names: BTreeMap<String, String>,
    /// Node id -> the field that used it first.
    node_ids: BTreeMap<u32, String>,
}

impl Builder<'_> {
    fn region(&mut self, ri: usize, region: &Region) -> Result<(), ScenarioError> {
        let rf = format!("topology.regions[{ri}]");
        self.unique("region", &format!("{rf}.name"), &region.name)?;
        let r_idx = RegionIdx(ri as u16);
        self.topo.regions.push(region.name.clone());
        let rn = self.topo.graph.add_node(TopoNode::Region(r_idx));
        self.topo.region_nodes.push(rn);
        if region.data_centers.is_empty() {
            self.c.report(self.c.err(
                format!("{rf}.data_centers"),
                "",
                "a region needs at least one data center",
            ));
        }
        for (di, dc) in region.data_centers.iter().enumerate() {
            self.dc(&format!("{rf}.data_centers[{di}]"), dc, r_idx, rn)?;
        }
        Ok(())
    }

    fn dc(
        &mut self,
        df: &str,
        dc: &DataCenter,
        region: RegionIdx,
        rn: NodeIndex,
    ) -> Result<(), ScenarioError> {
        self.unique("data center", &format!("{df}.name"), &dc.name)?;
        if self.topo.dcs.len() >= MAX_DCS {
            return Err(self.c.err(
                df,
                "",
                format!("at most {MAX_DCS} data centers are supported"),
            ));
        }
        let d_idx = DcIdx(self.topo.dcs.len() as u16);
        self.topo.dcs.push(DcSpec {
            name: dc.name.clone(),
            region,
        });
        let dn = self.topo.graph.add_node(TopoNode::Dc(d_idx));
        self.topo.graph.add_edge(rn, dn, ());
        self.topo.dc_nodes.push(dn);
        for (ki, rack) in dc.racks.iter().enumerate() {
            self.rack(&format!("{df}.racks[{ki}]"), rack, d_idx, dn)?;
        }
        Ok(())
    }

    fn rack(
        &mut self,
        kf: &str,
        rack: &Rack,
        dc: DcIdx,
        dn: NodeIndex,
    ) -> Result<(), ScenarioError> {
        if self.topo.racks.len() >= MAX_RACKS {
            return Err(self
                .c
                .err(kf, "", format!("at most {MAX_RACKS} racks are supported")));
        }
        self.unique("rack", &format!("{kf}.name"), &rack.name)?;
        let k_idx = RackIdx(self.topo.racks.len() as u16);
        self.topo.racks.push(RackSpec {
            name: rack.name.clone(),
            dc,
        });
        let kn = self.topo.graph.add_node(TopoNode::Rack(k_idx));
        self.topo.graph.add_edge(dn, kn, ());
        self.topo.rack_nodes.push(kn);
        for (bi, &id) in rack.brokers.iter().enumerate() {
            self.broker(format!("{kf}.brokers[{bi}]"), id, k_idx, dc, kn)?;
        }
        for (ci, &id) in rack.controllers.iter().enumerate() {
            self.controller(format!("{kf}.controllers[{ci}]"), id, dc, kn)?;
        }
        Ok(())
    }

    fn broker(
        &mut self,
        field: String,
        id: u32,
        rack: RackIdx,
        dc: DcIdx,
        kn: NodeIndex,
    ) -> Result<(), ScenarioError> {
        if !self.claim_node(field, id, self.topo.brokers.len(), "brokers")? {
            return Ok(());
        }
        let b_idx = BrokerIdx(self.topo.brokers.len() as u16);
        self.topo.brokers.push(BrokerSpec {
            node_id: id,
            rack,
            dc,
        });
        let bn = self.topo.graph.add_node(TopoNode::Broker(b_idx));
        self.topo.graph.add_edge(kn, bn, ());
        self.topo.broker_nodes.push(bn);
        Ok(())
    }

    fn controller(
        &mut self,
        field: String,
        id: u32,
        dc: DcIdx,
        kn: NodeIndex,
    ) -> Result<(), ScenarioError> {
        if !self.claim_node(field, id, self.topo.controllers.len(), "controllers")? {
            return Ok(());
        }
        let c_idx = ControllerIdx(self.topo.controllers.len() as u16);
        self.topo
            .controllers
            .push(ControllerSpec { node_id: id, dc });
        let cn = self.topo.graph.add_node(TopoNode::Controller(c_idx));
        self.topo.graph.add_edge(kn, cn, ());
        self.topo.controller_nodes.push(cn);
        Ok(())
    }

    /// Names are unique within their kind: fault targets say which kind they
    /// mean (`Rack("dc1")` vs `Dc("dc1")`), and operators often name a
    /// stretched cluster's racks after their DCs. A name broken either way
    /// is reported, and the topology goes on (later sections find one of
    /// the namesakes, which is enough to check them).
    fn unique(&mut self, kind: &str, field: &str, name: &str) -> Result<(), ScenarioError> {
        if name.trim().is_empty() {
            self.c
                .report(self.c.err(field, "", "names must not be empty"));
        }
        if let Some(prev) = self
            .names
            .insert(format!("{kind}/{name}"), field.to_string())
        {
            self.c.report(self.c.err(
                field,
                &format!("\"{name}\""),
                format!("the {kind} name \"{name}\" is already used by `{prev}`; {kind} names must be unique"),
            ));
        }
        Ok(())
    }

    /// Node ids are shared by brokers and controllers (KRaft `node.id`).
    /// `count` is how many of `kind` there are so far. Whether the node is
    /// added: a second node with an id is reported and left out (node ids
    /// stay unique for everything that places replicas on them).
    fn claim_node(
        &mut self,
        field: String,
        id: u32,
        count: usize,
        kind: &str,
    ) -> Result<bool, ScenarioError> {
        if let Some(prev) = self.node_ids.get(&id) {
            self.c.report(self.c.err(
                field.clone(),
                &id.to_string(),
                format!("node id {id} is already used by `{prev}`; node ids must be unique"),
            ));
            return Ok(false);
        }
        self.node_ids.insert(id, field.clone());
        if count >= MAX_NODES {
            return Err(self.c.err(
                field,
                "",
                format!("at most {MAX_NODES} {kind} are supported"),
            ));
        }
        Ok(true)
    }
}
