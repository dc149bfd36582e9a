//! The timeline of one replayed trial: what was up and down, and what the
//! clients saw, lane by lane on one time axis.
//!
//! Lanes, top to bottom: each fault while active; each broker (down, fenced,
//! up) and controller (down, active leader, follower); partition 0's ISR
//! size and the gap between its leader's log end offset and high watermark
//! (records written but not yet committed); the share of partitions
//! producers can write to and consumers can read from; and, when the trace
//! has them, each mirror's lag: records its source log holds that the
//! target does not yet, summed over every partition it copies (the
//! topic-wide figure, the one a failover would lose, not one partition's).
//! Fault starts and ends are marked across every lane.
//!
//! The time axis reads T+ from the trial's first fault (negative before it),
//! in seconds, or minutes over a long window; the heading says when the
//! fault hit, in simulated time since the trial began.
//!
//! Everything is reconstructed from the trace alone (plus the model for
//! names), so a timeline shows exactly what `--trace` would print.

use kdrsim_models::compile::Model;
use kdrsim_models::trace::{TraceEntry, TraceRecord};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::collections::BTreeMap;

use super::{err, fit, font, render, text_width, tick, Chart, ChartError, Draw};

const STATE_H: i32 = 16;
const NUM_H: i32 = 64;
const GAP: i32 = 6;

const DOWN: RGBColor = RGBColor(213, 94, 0);
const FENCED: RGBColor = RGBColor(240, 180, 60);
const UP: RGBColor = RGBColor(190, 225, 200);
const ACTIVE: RGBColor = RGBColor(0, 120, 80);
const FAULT: RGBColor = RGBColor(120, 60, 140);
const LINE: RGBColor = RGBColor(0, 90, 160);

/// A lane: either intervals coloured by state, or a step/line series.
enum Lane {
    States {
        label: String,
        /// `(from_ns, to_ns, colour)`.
        spans: Vec<(u64, u64, RGBColor)>,
    },
    Numbers {
        label: String,
        /// `(t_ns, value)`; drawn as steps when `steps`, else as a line.
        points: Vec<(u64, f64)>,
        steps: bool,
        max: f64,
    },
}

struct Timeline {
    heading: String,
    /// Under the heading: when T+0 is.
    subheading: String,
    /// T+0: the first fault's start (the trial's start without a fault).
    zero_ns: u64,
    from_ns: u64,
    to_ns: u64,
    lanes: Vec<Lane>,
    /// Fault marks: `(t_ns, text)`.
    marks: Vec<(u64, String)>,
}

/// The timeline of a replayed trial as SVG and PNG. `window` limits the time
/// axis to `[from, to)` nanoseconds; without it the axis spans from 30 s
/// before the first fault to 30 s after the last change of state.
pub fn timeline_chart(
    model: &Model,
    trace: &[TraceEntry],
    stem: &str,
    heading: &str,
    window: Option<(u64, u64)>,
) -> Result<Chart, ChartError> {
    let t = Timeline::of(model, trace, heading, window);
    let h = 130 + t.lanes_height() + 70;
    render(
        stem,
        &format!("Timeline of {heading}"),
        (1400, h as u32),
        &t,
    )
}

/// Spans of a state that is entered and left: `open` starts one, `close`
/// ends it; nested opens count (a broker taken by two faults stays down
/// until both end).
#[derive(Default)]
struct Spans {
    open: BTreeMap<u32, (u64, u32)>,
    done: Vec<(u32, u64, u64)>,
}

impl Spans {
    fn open(&mut self, key: u32, t: u64) {
        let e = self.open.entry(key).or_insert((t, 0));
        e.1 += 1;
    }
    fn close(&mut self, key: u32, t: u64) {
        if let Some(e) = self.open.get_mut(&key) {
            e.1 = e.1.saturating_sub(1);
            if e.1 == 0 {
                let from = e.0;
                self.open.remove(&key);
                self.done.push((key, from, t));
            }
        }
    }
    fn close_all(&mut self, t: u64) {
        let keys: Vec<u32> = self.open.keys().copied().collect();
        for k in keys {
            if let Some((from, _)) = self.open.remove(&k) {
                self.done.push((k, from, t));
            }
        }
    }
    fn of(&self, key: u32) -> Vec<(u64, u64)> {
        self.done
            .iter()
            .filter(|(k, _, _)| *k == key)
            .map(|&(_, a, b)| (a, b))
            .collect()
    }
}

impl Timeline {
    fn of(model: &Model, trace: &[TraceEntry], heading: &str, window: Option<(u64, u64)>) -> Self {
        let end = model.duration.as_ns();
        let mut faults = Spans::default();
        let mut down = Spans::default();
        let mut fenced = Spans::default();
        let mut ctrl_down = Spans::default();
        let mut active: Vec<(u32, u64, u64)> = Vec::new();
        let mut active_now: Option<(u32, u64)> = None;
        let mut isr: Vec<(u64, f64)> = vec![];
        let mut gap: Vec<(u64, f64)> = vec![];
        let mut marks = Vec::new();
        // Shares of what the application writes to and reads from: the
        // partitions that have a producer (a group), not the DR copies
        // nobody uses until a failover moves the clients onto them.
        let (written, read) = application_partitions(model);
        let (mut w_bad, mut r_bad) = (0u32, 0u32);
        let mut writes: Vec<(u64, f64)> = vec![(0, 100.0)];
        let mut reads: Vec<(u64, f64)> = vec![(0, 100.0)];
        let mut links: BTreeMap<u16, Vec<(u64, f64)>> = BTreeMap::new();
        let mut first_fault = None;
        let mut last_change = 0u64;
        let fault_name = |i: u16| {
            model
                .faults
                .get(i as usize)
                .map_or_else(|| format!("fault {i}"), |f| fit(&f.label, 30))
        };
        if let Some(p0) = model.partitions.first() {
            isr.push((0, p0.rf as f64 - p0.observers.count_ones() as f64));
        }
        for e in trace {
            let t = e.t_ns;
            let mut change = true;
            match e.record {
                TraceRecord::FaultBegins { fault } => {
                    faults.open(fault as u32, t);
                    first_fault.get_or_insert(t);
                    marks.push((t, format!("{} begins", fault_name(fault))));
                }
                TraceRecord::FaultEnds { fault } => {
                    faults.close(fault as u32, t);
                    marks.push((t, format!("{} ends", fault_name(fault))));
                }
                TraceRecord::BrokerDown { broker, .. } => down.open(broker, t),
                TraceRecord::BrokerUp { broker } => down.close(broker, t),
                TraceRecord::BrokerFenced { broker } => fenced.open(broker, t),
                TraceRecord::BrokerUnfenced { broker } => fenced.close(broker, t),
                TraceRecord::ControllerDown { controller } => {
                    ctrl_down.open(controller, t);
                    if let Some((c, from)) = active_now {
                        if c == controller {
                            active.push((c, from, t));
                            active_now = None;
                        }
                    }
                }
                TraceRecord::ControllerUp { controller } => ctrl_down.close(controller, t),
                TraceRecord::QuorumLost => {
                    if let Some((c, from)) = active_now.take() {
                        active.push((c, from, t));
                    }
                }
                TraceRecord::ControllerElected { controller } => {
                    if let Some((c, from)) = active_now.take() {
                        active.push((c, from, t));
                    }
                    active_now = Some((controller, t));
                }
                TraceRecord::IsrChanged {
                    partition: 0,
                    isr: set,
                    ..
                } => {
                    isr.push((t, set.count_ones() as f64));
                }
                TraceRecord::Offsets { leo, hw, .. } => {
                    gap.push((t, leo.saturating_sub(hw) as f64));
                    change = false;
                }
                TraceRecord::WriteAvailability { available, .. } => {
                    if available {
                        w_bad = w_bad.saturating_sub(1);
                    } else {
                        w_bad += 1;
                    }
                    writes.push((t, 100.0 * (1.0 - w_bad as f64 / written)));
                }
                TraceRecord::ReadAvailability { available, .. } => {
                    if available {
                        r_bad = r_bad.saturating_sub(1);
                    } else {
                        r_bad += 1;
                    }
                    reads.push((t, 100.0 * (1.0 - r_bad as f64 / read)));
                }
                TraceRecord::LinkLag { link, lag_records } => {
                    links.entry(link).or_default().push((t, lag_records as f64));
                }
                TraceRecord::End => change = false,
                _ => {}
            }
            if change {
                last_change = last_change.max(t);
            }
        }
        for s in [&mut faults, &mut down, &mut fenced, &mut ctrl_down] {
            s.close_all(end);
        }
        if let Some((c, from)) = active_now {
            active.push((c, from, end));
        }

        let (from_ns, to_ns) = window.unwrap_or_else(|| {
            let margin = 30_000_000_000;
            let from = first_fault.unwrap_or(0).saturating_sub(margin);
            let to = (last_change + margin).min(end).max(from + 1_000_000_000);
            (from, to)
        });
        let to_ns = to_ns.max(from_ns + 1);

        let mut lanes = Vec::new();
        for (i, f) in model.faults.iter().enumerate() {
            lanes.push(Lane::States {
                label: fit(&f.label, 30),
                spans: faults
                    .of(i as u32)
                    .into_iter()
                    .map(|(a, b)| (a, b, FAULT))
                    .collect(),
            });
        }
        for b in &model.brokers {
            let mut spans: Vec<(u64, u64, RGBColor)> = vec![(0, end, UP)];
            spans.extend(
                fenced
                    .of(b.node_id)
                    .into_iter()
                    .map(|(a, z)| (a, z, FENCED)),
            );
            spans.extend(down.of(b.node_id).into_iter().map(|(a, z)| (a, z, DOWN)));
            lanes.push(Lane::States {
                label: format!("broker {}", b.node_id),
                spans,
            });
        }
        for c in &model.controllers {
            let mut spans: Vec<(u64, u64, RGBColor)> = vec![(0, end, UP)];
            spans.extend(
                active
                    .iter()
                    .filter(|(id, _, _)| *id == c.node_id)
                    .map(|&(_, a, z)| (a, z, ACTIVE)),
            );
            spans.extend(
                ctrl_down
                    .of(c.node_id)
                    .into_iter()
                    .map(|(a, z)| (a, z, DOWN)),
            );
            lanes.push(Lane::States {
                label: format!("controller {}", c.node_id),
                spans,
            });
        }
        let rf = model.partitions.first().map_or(1, |p| p.rf) as f64;
        lanes.push(Lane::Numbers {
            label: "ISR size, partition 0 (replicas)".into(),
            points: isr,
            steps: true,
            max: rf,
        });
        if !gap.is_empty() {
            let max = gap
                .iter()
                .filter(|(t, _)| *t >= from_ns && *t <= to_ns)
                .map(|p| p.1)
                .fold(1.0f64, f64::max);
            lanes.push(Lane::Numbers {
                label: "log end − high watermark, p0 (records)".into(),
                points: gap,
                // Drawn from the samples as they were taken: a line between
                // two sparse samples would show a drain that never happened.
                steps: true,
                max,
            });
        }
        lanes.push(Lane::Numbers {
            label: "producers: writable partitions (%)".into(),
            points: writes,
            steps: true,
            max: 100.0,
        });
        lanes.push(Lane::Numbers {
            label: "consumers: readable partitions (%)".into(),
            points: reads,
            steps: true,
            max: 100.0,
        });
        for (link, points) in links {
            let max = points.iter().map(|p| p.1).fold(1.0f64, f64::max);
            let name = model
                .mirrors()
                .get(link as usize)
                .map_or_else(|| format!("link {link}"), |m| fit(&m.name, 22));
            lanes.push(Lane::Numbers {
                label: format!("{name} lag, all partitions (records)"),
                points,
                steps: true,
                max,
            });
        }
        let zero_ns = first_fault.unwrap_or(0);
        let subheading = match first_fault {
            Some(t) => format!(
                "T+0 is the first fault, which hit {} ({} ms) after the trial began",
                crate::units::duration_ms(t as f64 / 1e6),
                crate::units::thousands(t / 1_000_000)
            ),
            None => "no fault in this trial: T+0 is the trial's start".to_string(),
        };
        Timeline {
            heading: heading.to_string(),
            subheading,
            zero_ns,
            from_ns,
            to_ns,
            lanes,
            marks,
        }
    }

    fn lanes_height(&self) -> i32 {
        self.lanes
            .iter()
            .map(|l| match l {
                Lane::States { .. } => STATE_H + GAP,
                Lane::Numbers { .. } => NUM_H + 3 * GAP,
            })
            .sum()
    }
}

/// How many partitions the application writes to (those of topics with a
/// producer) and reads from (those of topics a group reads), at least 1
/// each. A failover moves clients from the primary's topics to the copies
/// one for one, so the counts hold across it.
fn application_partitions(model: &Model) -> (f64, f64) {
    let mut written = 0u32;
    let mut read = 0u32;
    for t in 0..model.topics.len() {
        let n = model.topics[t].partitions;
        if model.topics[t].producer.is_some() {
            written += n;
        }
        if model.consumers.iter().any(|c| c.topic.idx() == t) {
            read += n;
        }
    }
    (written.max(1) as f64, read.max(1) as f64)
}

impl Draw for Timeline {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let (w, _) = area.dim_in_pixel();
        let w = w as i32;
        area.draw(&Text::new(
            fit(&self.heading, 120),
            (w / 2, 8),
            font(18).pos(Pos::new(HPos::Center, VPos::Top)),
        ))
        .map_err(err)?;
        area.draw(&Text::new(
            self.subheading.clone(),
            (w / 2, 32),
            font(14).pos(Pos::new(HPos::Center, VPos::Top)),
        ))
        .map_err(err)?;
        let label_w = 300;
        let (x0, x1) = (label_w, w - 30);
        let span = (self.to_ns - self.from_ns) as f64;
        let px = |t: u64| -> i32 {
            let t = t.clamp(self.from_ns, self.to_ns);
            x0 + (((t - self.from_ns) as f64 / span) * (x1 - x0) as f64).round() as i32
        };
        let top = 110;
        let mut y = top;
        let right_label = font(12).pos(Pos::new(HPos::Right, VPos::Center));
        for lane in &self.lanes {
            match lane {
                Lane::States { label, spans } => {
                    area.draw(&Text::new(
                        label.clone(),
                        (x0 - 10, y + STATE_H / 2),
                        right_label.clone(),
                    ))
                    .map_err(err)?;
                    area.draw(&Rectangle::new(
                        [(x0, y), (x1, y + STATE_H)],
                        RGBColor(245, 245, 245).filled(),
                    ))
                    .map_err(err)?;
                    for &(a, b, c) in spans {
                        if b < self.from_ns || a > self.to_ns {
                            continue;
                        }
                        // At least a pixel, so a short outage is not invisible.
                        let (l, r) = (px(a), px(b).max(px(a) + 1));
                        area.draw(&Rectangle::new([(l, y), (r, y + STATE_H)], c.filled()))
                            .map_err(err)?;
                    }
                    y += STATE_H + GAP;
                }
                Lane::Numbers {
                    label,
                    points,
                    steps,
                    max,
                } => {
                    y += GAP;
                    let (yt, yb) = (y, y + NUM_H);
                    area.draw(&Text::new(
                        label.clone(),
                        (x0 - 48, (yt + yb) / 2),
                        right_label.clone(),
                    ))
                    .map_err(err)?;
                    area.draw(&Rectangle::new(
                        [(x0, yt), (x1, yb)],
                        RGBColor(200, 200, 200).stroke_width(1),
                    ))
                    .map_err(err)?;
                    // The lane's own scale: 0 and its maximum.
                    let scale = font(11).pos(Pos::new(HPos::Right, VPos::Center));
                    area.draw(&Text::new(tick(*max), (x0 - 6, yt + 5), scale.clone()))
                        .map_err(err)?;
                    area.draw(&Text::new("0", (x0 - 6, yb - 5), scale))
                        .map_err(err)?;
                    let max = if *max > 0.0 { *max } else { 1.0 };
                    let py = |v: f64| {
                        yb - ((v / max).clamp(0.0, 1.0) * (NUM_H - 4) as f64).round() as i32
                    };
                    let mut path: Vec<(i32, i32)> = Vec::new();
                    let mut last: Option<f64> = None;
                    for &(t, v) in points {
                        if t > self.to_ns {
                            break;
                        }
                        if t < self.from_ns {
                            last = Some(v);
                            continue;
                        }
                        if path.is_empty() {
                            if let Some(lv) = last {
                                path.push((x0, py(lv)));
                            }
                        }
                        if *steps {
                            if let Some(&(_, prev_y)) = path.last() {
                                path.push((px(t), prev_y));
                            }
                        }
                        path.push((px(t), py(v)));
                        last = Some(v);
                    }
                    if path.is_empty() {
                        if let Some(lv) = last {
                            path.push((x0, py(lv)));
                        }
                    }
                    // A value holds until the next record: steps by definition,
                    // and the sampled gap because samples stop when nothing
                    // changes.
                    if let Some(&(_, ly)) = path.last() {
                        path.push((x1, ly));
                    }
                    area.draw(&PathElement::new(path, LINE.stroke_width(2)))
                        .map_err(err)?;
                    y = yb + 2 * GAP;
                }
            }
        }
        let bottom = y;
        // Fault marks across every lane, labels staggered so they never overlap.
        let mut label_right = [i32::MIN; 3];
        for (t, text) in &self.marks {
            if *t < self.from_ns || *t > self.to_ns {
                continue;
            }
            let x = px(*t);
            area.draw(&PathElement::new(
                vec![(x, top - 6), (x, bottom)],
                FAULT.stroke_width(1),
            ))
            .map_err(err)?;
            let tw = text_width(text, 12) as i32;
            // Right of the line, or left of it where it would leave the chart.
            let left = if x + 3 + tw > w - 8 {
                x - 3 - tw
            } else {
                x + 3
            };
            let row = (0..3).find(|&r| label_right[r] < left - 4).unwrap_or(2);
            label_right[row] = left + tw;
            area.draw(&Text::new(
                text.clone(),
                (left, top - 50 + row as i32 * 15),
                font(12).color(&FAULT),
            ))
            .map_err(err)?;
        }
        // Time axis, in T+ from the first fault: ticks at whole steps from
        // T+0, so the fault's own instant is a tick.
        let secs = span / 1e9;
        let minutes = secs > 1200.0;
        let unit = if minutes { 60.0 } else { 1.0 };
        let step = nice_step(secs / unit / 8.0) * unit;
        let zero = self.zero_ns as f64 / 1e9;
        let from = self.from_ns as f64 / 1e9;
        let to = self.to_ns as f64 / 1e9;
        area.draw(&PathElement::new(
            vec![(x0, bottom), (x1, bottom)],
            BLACK.stroke_width(1),
        ))
        .map_err(err)?;
        let mut k = ((from - zero) / step).ceil() as i64;
        while zero + k as f64 * step <= to + 1e-9 {
            let s = zero + k as f64 * step;
            let x = px((s.max(0.0) * 1e9).round() as u64);
            area.draw(&PathElement::new(
                vec![(x, bottom), (x, bottom + 5)],
                BLACK.stroke_width(1),
            ))
            .map_err(err)?;
            area.draw(&Text::new(
                t_plus(k as f64 * step / unit),
                (x, bottom + 8),
                font(12).pos(Pos::new(HPos::Center, VPos::Top)),
            ))
            .map_err(err)?;
            k += 1;
        }
        let desc = if minutes {
            "T+ minutes from the first fault (negative: before it)"
        } else {
            "T+ seconds from the first fault (negative: before it)"
        };
        area.draw(&Text::new(
            desc,
            ((x0 + x1) / 2, bottom + 28),
            font(14).pos(Pos::new(HPos::Center, VPos::Top)),
        ))
        .map_err(err)?;
        // Legend of the state colours.
        let mut lx = 20;
        let ly = bottom + 50;
        for (c, text) in [
            (UP, "up"),
            (FENCED, "fenced (broker)"),
            (DOWN, "down"),
            (ACTIVE, "active controller (from an election on)"),
            (FAULT, "fault active"),
        ] {
            area.draw(&Rectangle::new([(lx, ly), (lx + 14, ly + 14)], c.filled()))
                .map_err(err)?;
            area.draw(&Text::new(text, (lx + 20, ly), font(12)))
                .map_err(err)?;
            lx += 20 + text_width(text, 12) as i32 + 26;
        }
        Ok(())
    }
}

/// A T+ tick: `0`, `+30`, `−30` (a true minus sign), `+2.5`.
fn t_plus(v: f64) -> String {
    if v.abs() < 1e-9 {
        "0".into()
    } else if v > 0.0 {
        format!("+{}", tick(v))
    } else {
        format!("\u{2212}{}", tick(-v))
    }
}

/// A 1-2-5 step at least `raw` long.
fn nice_step(raw: f64) -> f64 {
    let raw = raw.max(1e-3);
    let mag = 10f64.powf(raw.log10().floor());
    for m in [1.0, 2.0, 5.0, 10.0] {
        if m * mag >= raw {
            return m * mag;
        }
    }
    10.0 * mag
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_plus_ticks_carry_their_sign() {
        assert_eq!(t_plus(0.0), "0");
        assert_eq!(t_plus(30.0), "+30");
        assert_eq!(t_plus(-30.0), "\u{2212}30");
        assert_eq!(t_plus(2.5), "+2.5");
    }

    #[test]
    fn nice_steps_are_one_two_five() {
        assert_eq!(nice_step(0.7), 1.0);
        assert_eq!(nice_step(1.5), 2.0);
        assert_eq!(nice_step(30.0), 50.0);
        assert_eq!(nice_step(240.0), 500.0);
    }

    #[test]
    fn nested_downs_end_with_the_last_up() {
        let mut s = Spans::default();
        s.open(1, 10);
        s.open(1, 20);
        s.close(1, 30);
        s.close(1, 40);
        assert_eq!(s.of(1), vec![(10, 40)]);
    }
}
