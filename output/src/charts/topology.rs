//! A scenario's topology as a picture: nested boxes region ⊃ DC ⊃ rack ⊃
//! brokers and KRaft controllers, brokers coloured by what they hold of
//! every topic (sync replicas, observers, nothing), each DC with its
//! cluster (when the scenario has several) and the clients in it, DC-to-DC
//! links with their round trips and the mirrors between clusters
//! underneath; and the same containment graph as Graphviz DOT through
//! `petgraph::dot`.
//!
//! The layout is computed bottom-up in whole pixels (a node's size fixes its
//! rack's, a rack's its DC's, and so on), so nothing overlaps by
//! construction whatever the names; long names are shortened to fit.

use kdrsim_models::compile::{Model, TopoNode};
use petgraph::dot::{Config, Dot};
use petgraph::visit::EdgeRef;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{err, fit, font, render, text_width, Chart, ChartError, Draw};

const NODE_W: i32 = 118;
const NODE_H: i32 = 40;
const PAD: i32 = 8;
const HEAD: i32 = 22;
const NODES_PER_ROW: usize = 3;

const REPLICA: RGBColor = RGBColor(0, 114, 178);
const OBSERVER: RGBColor = RGBColor(230, 159, 0);
const IDLE: RGBColor = RGBColor(190, 190, 190);
const CONTROLLER: RGBColor = RGBColor(120, 80, 160);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NodeKind {
    Broker {
        id: u32,
        replicas: u32,
        observers: u32,
    },
    Controller {
        id: u32,
    },
}

struct Rack {
    name: String,
    nodes: Vec<NodeKind>,
}

struct Dc {
    name: String,
    /// The cluster whose nodes sit here, in a scenario of several.
    cluster: Option<String>,
    /// One line per producer and consumer group running here.
    clients: Vec<String>,
    racks: Vec<Rack>,
}

struct Region {
    name: String,
    dcs: Vec<(usize, Dc)>,
}

/// The diagram, laid out.
struct Diagram {
    title: String,
    topic: Option<String>,
    regions: Vec<Region>,
    /// `(dc a, dc b, label)` for every DC pair.
    links: Vec<(usize, usize, String)>,
    /// One line per mirror: source cluster → target cluster, kind, topics.
    mirrors: Vec<String>,
}

/// Pixels per client line in a DC box.
const CLIENT_LINE: i32 = 17;

/// The topology diagram of `model` (stem `stem`) as SVG and PNG.
pub fn topology_chart(model: &Model, stem: &str) -> Result<Chart, ChartError> {
    let d = Diagram::of(model);
    let (w, h) = d.size();
    render(
        stem,
        &format!(
            "Topology of {}: regions ⊃ data centers ⊃ racks ⊃ brokers and KRaft controllers.",
            model.name
        ),
        (w as u32, h as u32),
        &d,
    )
}

/// The containment graph of `model` (region → DC → rack → broker or
/// controller) in Graphviz DOT, with names as labels. Names are written as
/// DOT quoted strings (quotes and backslashes escaped), so a scenario's names
/// cannot break the file.
pub fn topology_dot(model: &Model) -> String {
    let g = &model.graph;
    let label = |n: TopoNode| -> String {
        match n {
            TopoNode::Region(r) => format!(
                "label = {}, shape = box, style = rounded",
                dot_quote(&format!("region {}", model.regions[r.idx()]))
            ),
            TopoNode::Dc(d) => format!(
                "label = {}, shape = box",
                dot_quote(&format!("DC {}", model.dcs[d.idx()].name))
            ),
            TopoNode::Rack(k) => format!(
                "label = {}, shape = box, style = dashed",
                dot_quote(&format!("rack {}", model.racks[k.idx()].name))
            ),
            TopoNode::Broker(b) => {
                let (r, o) = holdings(model, b.idx());
                let fill = if r > 0 {
                    "#0072b2"
                } else if o > 0 {
                    "#e69f00"
                } else {
                    "#bebebe"
                };
                format!(
                    "label = \"broker {}\\n{}, {}\", style = filled, fillcolor = \"{fill}\"",
                    model.brokers[b.idx()].node_id,
                    crate::units::count(r as u64, "replica"),
                    crate::units::count(o as u64, "observer"),
                )
            }
            TopoNode::Controller(c) => format!(
                "label = \"controller {}\", shape = diamond",
                model.controllers[c.idx()].node_id
            ),
        }
    };
    let edge = |_, _: petgraph::graph::EdgeReference<'_, ()>| String::new();
    let node = |_, (_, n): (petgraph::graph::NodeIndex, &TopoNode)| label(*n);
    let dot = Dot::with_attr_getters(g, &[Config::EdgeNoLabel, Config::NodeNoLabel], &edge, &node);
    format!("{dot:?}")
}

/// A DOT double-quoted string.
fn dot_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push(' '),
            // The one rule for text a person reads (crate::text).
            c if c.is_control() => out.push('?'),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// How many partitions (of every topic, mirror copies included) broker `b`
/// (position) holds as a sync replica and as an observer.
fn holdings(model: &Model, b: usize) -> (u32, u32) {
    let (mut r, mut o) = (0, 0);
    for p in &model.partitions {
        for (s, rb) in p.replicas().iter().enumerate() {
            if rb.idx() == b {
                if p.observers & (1 << s) != 0 {
                    o += 1;
                } else {
                    r += 1;
                }
            }
        }
    }
    (r, o)
}

/// The brokers and controllers of each rack (by rack index), brokers first
/// then controllers, each by id: stable and readable. Containment comes
/// from the model's graph, so the picture shows what the simulation uses
/// (e.g. which rack a controller sits in).
fn rack_nodes(model: &Model) -> Vec<Vec<NodeKind>> {
    let g = &model.graph;
    let mut rack_nodes: Vec<Vec<NodeKind>> = vec![Vec::new(); model.racks.len()];
    for e in g.edge_references() {
        if let TopoNode::Rack(k) = g[e.source()] {
            let kind = match g[e.target()] {
                TopoNode::Broker(b) => {
                    let (replicas, observers) = holdings(model, b.idx());
                    NodeKind::Broker {
                        id: model.brokers[b.idx()].node_id,
                        replicas,
                        observers,
                    }
                }
                TopoNode::Controller(c) => NodeKind::Controller {
                    id: model.controllers[c.idx()].node_id,
                },
                _ => continue,
            };
            rack_nodes[k.idx()].push(kind);
        }
    }
    for nodes in &mut rack_nodes {
        nodes.sort_by_key(|n| match *n {
            NodeKind::Broker { id, .. } => (0, id),
            NodeKind::Controller { id } => (1, id),
        });
    }
    rack_nodes
}

/// The regions with their DCs, each DC with its cluster, clients and racks
/// (the racks holding `rack_nodes`).
fn regions(model: &Model, mut rack_nodes: Vec<Vec<NodeKind>>) -> Vec<Region> {
    let mut regions: Vec<Region> = model
        .regions
        .iter()
        .map(|name| Region {
            name: name.clone(),
            dcs: Vec::new(),
        })
        .collect();
    let mut dcs: Vec<Dc> = model
        .dcs
        .iter()
        .map(|d| Dc {
            name: d.name.clone(),
            cluster: None,
            clients: Vec::new(),
            racks: Vec::new(),
        })
        .collect();
    place_clusters_and_clients(model, &mut dcs);
    for (k, rack) in model.racks.iter().enumerate() {
        dcs[rack.dc.idx()].racks.push(Rack {
            name: rack.name.clone(),
            nodes: std::mem::take(&mut rack_nodes[k]),
        });
    }
    for (i, dc) in dcs.into_iter().enumerate() {
        regions[model.dcs[i].region.idx()].dcs.push((i, dc));
    }
    regions
}

/// The label of the link between DCs `a` and `b`: round trip, then jitter
/// and bandwidth when the scenario sets them.
fn link_label(model: &Model, a: usize, b: usize) -> String {
    let pair = model.dc_pair(
        kdrsim_models::ids::DcIdx(a as u16),
        kdrsim_models::ids::DcIdx(b as u16),
    );
    let rtt = model.rtt.get(pair).map_or(0, |d| d.as_ns()) as f64 / 1e6;
    let jitter = model.jitter.get(pair).map_or(0, |d| d.as_ns()) as f64 / 1e6;
    let bw = model
        .bandwidth_bytes_per_sec
        .get(pair)
        .copied()
        .unwrap_or(0) as f64
        * 8.0
        / 1e9;
    let mut label = format!(
        "{} ↔ {}: {} ms RTT",
        fit(&model.dcs[a].name, 16),
        fit(&model.dcs[b].name, 16),
        super::tick(rtt)
    );
    if jitter > 0.0 {
        label.push_str(&format!(" ± {}", super::tick(jitter)));
    }
    if bw > 0.0 {
        label.push_str(&format!(", {} Gbit/s", super::tick(bw)));
    }
    label
}

impl Diagram {
    fn of(model: &Model) -> Diagram {
        let n = model.dcs.len();
        let mut links = Vec::new();
        for a in 0..n {
            for b in a + 1..n {
                links.push((a, b, link_label(model, a, b)));
            }
        }
        Diagram {
            title: fit(&model.name, 60),
            topic: model.topics.first().map(|t| fit(&t.name, 30)),
            regions: regions(model, rack_nodes(model)),
            links,
            mirrors: mirror_lines(model),
        }
    }

    // Sizes, bottom-up.
    fn rack_size(r: &Rack) -> (i32, i32) {
        let n = r.nodes.len().max(1);
        let cols = n.min(NODES_PER_ROW) as i32;
        let rows = n.div_ceil(NODES_PER_ROW) as i32;
        let w = (cols * NODE_W + (cols + 1) * PAD).max(text_width(&r.name, 13) as i32 + 60);
        (w, HEAD + rows * (NODE_H + PAD))
    }
    fn dc_size(d: &Dc) -> (i32, i32) {
        let w = d
            .racks
            .iter()
            .map(|r| Self::rack_size(r).0)
            .max()
            .unwrap_or(NODE_W)
            + 2 * PAD;
        let w = w.max(text_width(&d.name, 14) as i32 + 50);
        let clients_w = d
            .clients
            .iter()
            .map(|c| text_width(c, 12) as i32 + 2 * PAD)
            .max()
            .unwrap_or(0);
        let h = HEAD
            + 4
            + d.racks
                .iter()
                .map(|r| Self::rack_size(r).1 + PAD)
                .sum::<i32>()
            + d.clients.len() as i32 * CLIENT_LINE
            + PAD;
        (w.max(clients_w), h)
    }
    fn region_size(r: &Region) -> (i32, i32) {
        let w = r
            .dcs
            .iter()
            .map(|(_, d)| Self::dc_size(d).0 + 2 * PAD)
            .sum::<i32>()
            + 2 * PAD;
        let w = w.max(text_width(&r.name, 15) as i32 + 80);
        let h = HEAD
            + 8
            + r.dcs
                .iter()
                .map(|(_, d)| Self::dc_size(d).1)
                .max()
                .unwrap_or(0)
            + 2 * PAD;
        (w, h)
    }
    fn body_size(&self) -> (i32, i32) {
        let w = self
            .regions
            .iter()
            .map(|r| Self::region_size(r).0 + 20)
            .sum::<i32>();
        let h = self
            .regions
            .iter()
            .map(|r| Self::region_size(r).1)
            .max()
            .unwrap_or(0);
        (w, h)
    }
    fn links_height(&self) -> i32 {
        if self.links.is_empty() {
            0
        } else {
            30 + self.links.len() as i32 * 24
        }
    }
    fn mirrors_height(&self) -> i32 {
        if self.mirrors.is_empty() {
            0
        } else {
            10 + self.mirrors.len() as i32 * 20
        }
    }
    fn size(&self) -> (i32, i32) {
        let (bw, bh) = self.body_size();
        let mirrors_w = self
            .mirrors
            .iter()
            .map(|m| text_width(m, 13) as i32 + 40)
            .max()
            .unwrap_or(0);
        let legend_w = 900;
        (
            bw.max(legend_w).max(mirrors_w) + 40,
            60 + bh + self.links_height() + self.mirrors_height() + 60,
        )
    }
}

impl Draw for Diagram {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let (w, h) = area.dim_in_pixel();
        let (w, h) = (w as i32, h as i32);
        let centre = |px| font(px).pos(Pos::new(HPos::Center, VPos::Top));
        let title = match &self.topic {
            Some(_) => format!("{} — replicas per broker, clients, links", self.title),
            None => self.title.clone(),
        };
        area.draw(&Text::new(title, (w / 2, 10), centre(20)))
            .map_err(err)?;
        let top = 50;
        let mut x = 20;
        // DC boxes' bottom-centre points, for the links.
        let mut dc_anchor: Vec<(usize, i32, i32)> = Vec::new();
        for region in &self.regions {
            x = draw_region(area, region, (x, top), &mut dc_anchor)?;
        }
        let (_, body_h) = self.body_size();
        let base = top + body_h + 20;
        self.draw_links(area, base, &dc_anchor)?;
        // Mirrors, one line each, below the links.
        let my = base + self.links_height() - 10;
        for (i, line) in self.mirrors.iter().enumerate() {
            area.draw(&Text::new(line.clone(), (20, my + i as i32 * 20), font(13)))
                .map_err(err)?;
        }
        draw_legend(area, h - 40)
    }
}

impl Diagram {
    /// Links, one level each below the boxes from `base` down, between the
    /// DCs' anchors; labels on white so crossing lines never run through
    /// text.
    fn draw_links<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        base: i32,
        dc_anchor: &[(usize, i32, i32)],
    ) -> Result<(), ChartError> {
        let find = |d: usize| dc_anchor.iter().find(|(i, _, _)| *i == d).copied();
        let mut labels = Vec::with_capacity(self.links.len());
        for (level, (a, b, label)) in self.links.iter().enumerate() {
            let (Some((_, ax, ay)), Some((_, bx, by))) = (find(*a), find(*b)) else {
                continue;
            };
            let y = base + level as i32 * 24;
            let style = RGBColor(60, 60, 60).stroke_width(1);
            area.draw(&PathElement::new(
                vec![(ax, ay), (ax, y), (bx, y), (bx, by)],
                style,
            ))
            .map_err(err)?;
            labels.push(((ax + bx) / 2, y, label));
        }
        // Labels after every line, so no later line runs through one.
        for (mx, y, label) in labels {
            let tw = text_width(label, 12) as i32;
            area.draw(&Rectangle::new(
                [(mx - tw / 2 - 4, y - 9), (mx + tw / 2 + 4, y + 9)],
                WHITE.filled(),
            ))
            .map_err(err)?;
            area.draw(&Text::new(
                label.clone(),
                (mx, y),
                font(12).pos(Pos::new(HPos::Center, VPos::Center)),
            ))
            .map_err(err)?;
        }
        Ok(())
    }
}

/// A region's box at `(x, top)` with its DCs inside, each DC's anchor for
/// the links pushed onto `dc_anchor`; returns the next region's `x`.
fn draw_region<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    region: &Region,
    (x, top): (i32, i32),
    dc_anchor: &mut Vec<(usize, i32, i32)>,
) -> Result<i32, ChartError> {
    let (rw, rh) = Diagram::region_size(region);
    area.draw(&Rectangle::new(
        [(x, top), (x + rw, top + rh)],
        RGBColor(90, 90, 90).stroke_width(2),
    ))
    .map_err(err)?;
    area.draw(&Text::new(
        format!("region {}", fit(&region.name, 40)),
        (x + PAD, top + 5),
        font(15),
    ))
    .map_err(err)?;
    let mut dx = x + PAD;
    for (dc_idx, dc) in &region.dcs {
        let (dw, dh) = Diagram::dc_size(dc);
        let (x0, y0) = (dx + PAD, top + HEAD + 8);
        draw_dc(area, dc, (x0, y0), (dw, dh))?;
        dc_anchor.push((*dc_idx, x0 + dw / 2, y0 + dh));
        dx += dw + 2 * PAD;
    }
    Ok(x + rw + 20)
}

/// A DC's box at `(x0, y0)` of size `(dw, dh)`: its heading, its clients
/// at the bottom and its racks stacked from the top.
fn draw_dc<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    dc: &Dc,
    (x0, y0): (i32, i32),
    (dw, dh): (i32, i32),
) -> Result<(), ChartError> {
    area.draw(&Rectangle::new(
        [(x0, y0), (x0 + dw, y0 + dh)],
        RGBColor(40, 40, 40).stroke_width(1),
    ))
    .map_err(err)?;
    let head = match &dc.cluster {
        Some(k) => format!("DC {} · cluster {}", fit(&dc.name, 24), fit(k, 20)),
        None => format!("DC {}", fit(&dc.name, 30)),
    };
    area.draw(&Text::new(head, (x0 + PAD, y0 + 5), font(14)))
        .map_err(err)?;
    for (i, client) in dc.clients.iter().enumerate() {
        let cy = y0 + dh - PAD - (dc.clients.len() - i) as i32 * CLIENT_LINE;
        area.draw(&Text::new(client.clone(), (x0 + PAD, cy + 2), font(12)))
            .map_err(err)?;
    }
    let mut ky = y0 + HEAD + 4;
    for rack in &dc.racks {
        ky = draw_rack(area, rack, (x0 + PAD, ky))?;
    }
    Ok(())
}

/// A rack's box at `(kx, ky)` with its nodes in rows of
/// [`NODES_PER_ROW`]; returns the next rack's `y`.
fn draw_rack<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    rack: &Rack,
    (kx, ky): (i32, i32),
) -> Result<i32, ChartError> {
    let (kw, kh) = Diagram::rack_size(rack);
    area.draw(&Rectangle::new(
        [(kx, ky), (kx + kw, ky + kh)],
        RGBColor(150, 150, 150).stroke_width(1),
    ))
    .map_err(err)?;
    area.draw(&Text::new(
        format!("rack {}", fit(&rack.name, 30)),
        (kx + PAD, ky + 4),
        font(13),
    ))
    .map_err(err)?;
    for (i, node) in rack.nodes.iter().enumerate() {
        let col = (i % NODES_PER_ROW) as i32;
        let row = (i / NODES_PER_ROW) as i32;
        let nx = kx + PAD + col * (NODE_W + PAD);
        let ny = ky + HEAD + row * (NODE_H + PAD);
        draw_node(area, node, nx, ny)?;
    }
    Ok(ky + kh + PAD)
}

/// The legend of node colours, in a row at `ly`.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    ly: i32,
) -> Result<(), ChartError> {
    let items = [
        (REPLICA, "broker with sync replicas"),
        (OBSERVER, "broker with observers only"),
        (IDLE, "broker without replicas"),
        (CONTROLLER, "KRaft controller"),
    ];
    let mut lx = 20;
    for (c, text) in items {
        area.draw(&Rectangle::new([(lx, ly), (lx + 16, ly + 16)], c.filled()))
            .map_err(err)?;
        area.draw(&Text::new(text, (lx + 22, ly), font(13)))
            .map_err(err)?;
        lx += 22 + text_width(text, 13) as i32 + 30;
    }
    Ok(())
}

/// Each DC's cluster (when the scenario has several and one holds the DC)
/// and the clients running in it.
fn place_clusters_and_clients(model: &Model, dcs: &mut [Dc]) {
    if model.clusters.len() > 1 {
        for k in &model.clusters {
            for d in &k.dcs {
                dcs[d.idx()].cluster = Some(k.name.clone());
            }
        }
    }
    for p in &model.producers {
        let topic = &model.topics[p.topic.idx()].name;
        dcs[p.dc.idx()].clients.push(format!(
            "producer {} → {}",
            fit(&p.name, 24),
            fit(topic, 20)
        ));
    }
    for c in &model.consumers {
        let topic = &model.topics[c.topic.idx()].name;
        dcs[c.dc.idx()].clients.push(format!(
            "consumer group {} ← {}",
            fit(&c.group, 24),
            fit(topic, 20)
        ));
    }
}

/// One line per mirror: "mirror NAME: cluster A → cluster B (kind): topics".
fn mirror_lines(model: &Model) -> Vec<String> {
    use kdrsim_models::scenario::MirrorKind;
    model
        .mirrors()
        .iter()
        .map(|m| {
            let kind = match m.kind {
                MirrorKind::MirrorMaker2 => "MirrorMaker 2",
                MirrorKind::ClusterLinking => "Cluster Linking",
                _ => "MSK Replicator",
            };
            let topics: Vec<String> = m
                .topics
                .iter()
                .map(|t| fit(&model.topics[t.source.idx()].name, 20))
                .collect();
            format!(
                "mirror {}: cluster {} → cluster {} ({kind}), topics {}",
                fit(&m.name, 24),
                fit(&model.clusters[m.source].name, 20),
                fit(&model.clusters[m.target].name, 20),
                topics.join(", ")
            )
        })
        .collect()
}

fn draw_node<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    node: &NodeKind,
    x: i32,
    y: i32,
) -> Result<(), ChartError> {
    let (fill, line1, line2, light) = match *node {
        NodeKind::Broker {
            id,
            replicas,
            observers,
        } => {
            let fill = if replicas > 0 {
                REPLICA
            } else if observers > 0 {
                OBSERVER
            } else {
                IDLE
            };
            let line2 = match (replicas, observers) {
                (0, 0) => "no replicas".to_string(),
                (r, 0) => crate::units::count(r as u64, "replica"),
                (0, o) => crate::units::count(o as u64, "observer"),
                (r, o) => format!("{r} repl · {o} obs"),
            };
            (fill, format!("broker {id}"), line2, fill == IDLE)
        }
        NodeKind::Controller { id } => (
            CONTROLLER,
            format!("controller {id}"),
            "KRaft voter".to_string(),
            false,
        ),
    };
    area.draw(&Rectangle::new(
        [(x, y), (x + NODE_W, y + NODE_H)],
        fill.filled(),
    ))
    .map_err(err)?;
    let colour = if light { BLACK } else { WHITE };
    let style = |px| {
        font(px)
            .color(&colour)
            .pos(Pos::new(HPos::Center, VPos::Top))
    };
    area.draw(&Text::new(
        fit(&line1, 17),
        (x + NODE_W / 2, y + 4),
        style(12),
    ))
    .map_err(err)?;
    area.draw(&Text::new(
        fit(&line2, 19),
        (x + NODE_W / 2, y + 22),
        style(11),
    ))
    .map_err(err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kdrsim_models::{load_source, Source};

    #[test]
    fn dot_labels_show_control_characters_as_question_marks() {
        assert_eq!(
            dot_quote("dc\u{1b}[31m\u{7}\u{8}\u{0}\u{9b}\r\n\"x\""),
            "\"dc?[31m????? \\\"x\\\"\""
        );
    }

    /// Two sync replicas in rack `r1`, one observer in rack `r2` (its only
    /// broker), a spare broker in `r3`; a scenario name with markup.
    fn observer_model() -> std::sync::Arc<Model> {
        let text = r#"(
            version: 1,
            name: "obs <b>&</b> \"q\"",
            duration_ms: 60000,
            topology: (regions: [(name: "west", data_centers: [
                (name: "dc1", racks: [(name: "r1", brokers: [1, 2], controllers: [101])]),
                (name: "dc2", racks: [(name: "r2", brokers: [3], controllers: [102])]),
                (name: "dc3", racks: [(name: "r3", brokers: [4], controllers: [103])]),
            ])]),
            topics: [(name: "t", partitions: 4, replication_factor: 2, min_insync_replicas: 1,
                placement: Constraints((version: 2,
                    replicas: [(count: 2, constraints: (rack: "r1"))],
                    observers: [(count: 1, constraints: (rack: "r2"))])))],
        )"#;
        load_source(&Source {
            file: "obs.ron".into(),
            text: text.into(),
        })
        .unwrap()
    }

    #[test]
    fn observer_only_broker_is_counted_apart_from_sync_replicas() {
        let m = observer_model();
        let pos = |id| m.brokers.iter().position(|b| b.node_id == id).unwrap();
        assert_eq!(holdings(&m, pos(1)), (4, 0));
        assert_eq!(holdings(&m, pos(2)), (4, 0));
        assert_eq!(holdings(&m, pos(3)), (0, 4));
        assert_eq!(holdings(&m, pos(4)), (0, 0));
    }

    #[test]
    fn dot_has_every_node_and_containment_edge() {
        let m = observer_model();
        let dot = topology_dot(&m);
        assert!(dot.starts_with("digraph {"), "{dot}");
        assert_eq!(dot.matches(" -> ").count(), m.graph.edge_count());
        assert!(dot.contains("broker 3\\n0 replicas, 4 observers"), "{dot}");
        assert!(dot.contains("fillcolor = \"#e69f00\""), "{dot}");
        assert!(dot.contains("\"region west\""), "{dot}");
    }

    #[test]
    fn diagram_escapes_names_in_svg_and_renders_a_png() {
        let m = observer_model();
        let chart = topology_chart(&m, "t").unwrap();
        assert!(
            chart.svg.contains("&lt;b&gt;&amp;&lt;/b&gt;"),
            "{}",
            chart.svg
        );
        assert!(!chart.svg.contains("<b>"));
        assert!(chart.svg.contains("3 observers") || chart.svg.contains("4 observers"));
        assert_eq!(&chart.png[1..4], b"PNG");
    }

    /// A review board must see which cluster each DC belongs to, where the
    /// clients run and which way the mirrors copy (issue 15).
    #[test]
    fn a_two_cluster_diagram_names_its_clusters_clients_and_mirrors() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../scenarios/active-active-mm2.ron"
        );
        let m = load_source(&Source {
            file: path.into(),
            text: std::fs::read_to_string(path).unwrap(),
        })
        .unwrap();
        let svg = topology_chart(&m, "t").unwrap().svg;
        for k in &m.clusters {
            assert!(svg.contains(&format!("cluster {}", k.name)), "{}", k.name);
        }
        for p in &m.producers {
            assert!(svg.contains(&format!("producer {}", p.name)), "{}", p.name);
        }
        for mi in m.mirrors() {
            assert!(svg.contains(&format!("mirror {}", mi.name)), "{}", mi.name);
        }
        assert!(svg.contains("MirrorMaker 2"));
    }

    #[test]
    fn dot_strings_escape_quotes_and_backslashes() {
        assert_eq!(dot_quote(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(dot_quote("two\nlines"), "\"two lines\"");
    }
}
