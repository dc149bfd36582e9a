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

/// What one pass over the trace gathers: the spans and series the lanes
/// draw, kept apart from the lanes so reading the trace and laying it out
/// are two steps.
struct Gathered {
    faults: Spans,
    down: Spans,
    fenced: Spans,
    ctrl_down: Spans,
    /// Terms of the active controller: `(controller, from_ns, to_ns)`.
    active: Vec<(u32, u64, u64)>,
    active_now: Option<(u32, u64)>,
    isr: Vec<(u64, f64)>,
    gap: Vec<(u64, f64)>,
    marks: Vec<(u64, String)>,
    /// Partitions the application writes to and reads from, see
    /// [`application_partitions`].
    written: f64,
    read: f64,
    w_bad: u32,
    r_bad: u32,
    writes: Vec<(u64, f64)>,
    reads: Vec<(u64, f64)>,
    links: BTreeMap<u16, Vec<(u64, f64)>>,
    first_fault: Option<u64>,
    last_change: u64,
}

impl Gathered {
    /// Reads `trace` to its end, then closes what is still open at the
    /// trial's end `end`.
    fn read(model: &Model, trace: &[TraceEntry], end: u64) -> Self {
        // Shares of what the application writes to and reads from: the
        // partitions that have a producer (a group), not the DR copies
        // nobody uses until a failover moves the clients onto them.
        let (written, read) = application_partitions(model);
        let mut g = Gathered {
            faults: Spans::default(),
            down: Spans::default(),
            fenced: Spans::default(),
            ctrl_down: Spans::default(),
            active: Vec::new(),
            active_now: None,
            isr: vec![],
            gap: vec![],
            marks: Vec::new(),
            written,
            read,
            w_bad: 0,
            r_bad: 0,
            writes: vec![(0, 100.0)],
            reads: vec![(0, 100.0)],
            links: BTreeMap::new(),
            first_fault: None,
            last_change: 0,
        };
        if let Some(p0) = model.partitions.first() {
            g.isr
                .push((0, p0.rf as f64 - p0.observers.count_ones() as f64));
        }
        for e in trace {
            if g.record(model, e.t_ns, &e.record) {
                g.last_change = g.last_change.max(e.t_ns);
            }
        }
        for s in [&mut g.faults, &mut g.down, &mut g.fenced, &mut g.ctrl_down] {
            s.close_all(end);
        }
        if let Some((c, from)) = g.active_now {
            g.active.push((c, from, end));
        }
        g
    }

    /// Takes one record at time `t`; false for those that change no state
    /// (samples and the end), which do not stretch the default window.
    fn record(&mut self, model: &Model, t: u64, record: &TraceRecord) -> bool {
        let fault_name = |i: u16| {
            model
                .faults
                .get(i as usize)
                .map_or_else(|| format!("fault {i}"), |f| fit(&f.label, 30))
        };
        match *record {
            TraceRecord::FaultBegins { fault } => {
                self.faults.open(fault as u32, t);
                self.first_fault.get_or_insert(t);
                self.marks
                    .push((t, format!("{} begins", fault_name(fault))));
            }
            TraceRecord::FaultEnds { fault } => {
                self.faults.close(fault as u32, t);
                self.marks.push((t, format!("{} ends", fault_name(fault))));
            }
            TraceRecord::BrokerDown { broker, .. } => self.down.open(broker, t),
            TraceRecord::BrokerUp { broker } => self.down.close(broker, t),
            TraceRecord::BrokerFenced { broker } => self.fenced.open(broker, t),
            TraceRecord::BrokerUnfenced { broker } => self.fenced.close(broker, t),
            TraceRecord::ControllerDown { controller } => self.controller_down(controller, t),
            TraceRecord::ControllerUp { controller } => self.ctrl_down.close(controller, t),
            TraceRecord::QuorumLost => self.end_term(t),
            TraceRecord::ControllerElected { controller } => {
                self.end_term(t);
                self.active_now = Some((controller, t));
            }
            TraceRecord::IsrChanged {
                partition: 0,
                isr: set,
                ..
            } => {
                self.isr.push((t, set.count_ones() as f64));
            }
            TraceRecord::Offsets { leo, hw, .. } => {
                self.gap.push((t, leo.saturating_sub(hw) as f64));
                return false;
            }
            TraceRecord::WriteAvailability { available, .. } => {
                self.w_bad = step_count(self.w_bad, available);
                let share = 100.0 * (1.0 - self.w_bad as f64 / self.written);
                self.writes.push((t, share));
            }
            TraceRecord::ReadAvailability { available, .. } => {
                self.r_bad = step_count(self.r_bad, available);
                let share = 100.0 * (1.0 - self.r_bad as f64 / self.read);
                self.reads.push((t, share));
            }
            TraceRecord::LinkLag { link, lag_records } => {
                let lag = (t, lag_records as f64);
                self.links.entry(link).or_default().push(lag);
            }
            TraceRecord::End => return false,
            _ => {}
        }
        true
    }

    /// A controller going down ends its term if it was the active one.
    fn controller_down(&mut self, controller: u32, t: u64) {
        self.ctrl_down.open(controller, t);
        if let Some((c, from)) = self.active_now {
            if c == controller {
                self.active.push((c, from, t));
                self.active_now = None;
            }
        }
    }

    /// The active controller's term, if any, ends at `t`.
    fn end_term(&mut self, t: u64) {
        if let Some((c, from)) = self.active_now.take() {
            self.active.push((c, from, t));
        }
    }

    /// The state lanes: each fault, each broker, each controller, over the
    /// trial `[0, end)`.
    fn state_lanes(&self, model: &Model, end: u64) -> Vec<Lane> {
        let mut lanes = Vec::new();
        for (i, f) in model.faults.iter().enumerate() {
            lanes.push(Lane::States {
                label: fit(&f.label, 30),
                spans: self
                    .faults
                    .of(i as u32)
                    .into_iter()
                    .map(|(a, b)| (a, b, FAULT))
                    .collect(),
            });
        }
        for b in &model.brokers {
            let mut spans: Vec<(u64, u64, RGBColor)> = vec![(0, end, UP)];
            let fenced = self.fenced.of(b.node_id).into_iter();
            spans.extend(fenced.map(|(a, z)| (a, z, FENCED)));
            let down = self.down.of(b.node_id).into_iter();
            spans.extend(down.map(|(a, z)| (a, z, DOWN)));
            lanes.push(Lane::States {
                label: format!("broker {}", b.node_id),
                spans,
            });
        }
        for c in &model.controllers {
            let mut spans: Vec<(u64, u64, RGBColor)> = vec![(0, end, UP)];
            let terms = self.active.iter().filter(|(id, _, _)| *id == c.node_id);
            spans.extend(terms.map(|&(_, a, z)| (a, z, ACTIVE)));
            let down = self.ctrl_down.of(c.node_id).into_iter();
            spans.extend(down.map(|(a, z)| (a, z, DOWN)));
            lanes.push(Lane::States {
                label: format!("controller {}", c.node_id),
                spans,
            });
        }
        lanes
    }

    /// The number lanes: ISR size, the LEO − HW gap (when sampled), the
    /// writable and readable shares, and each mirror's lag. The gap's scale
    /// is its maximum inside the window `[from_ns, to_ns]`.
    fn number_lanes(self, model: &Model, from_ns: u64, to_ns: u64) -> Vec<Lane> {
        let steps = |label: String, points, max| Lane::Numbers {
            label,
            points,
            steps: true,
            max,
        };
        let rf = model.partitions.first().map_or(1, |p| p.rf) as f64;
        let mut lanes = vec![steps(
            "ISR size, partition 0 (replicas)".into(),
            self.isr,
            rf,
        )];
        if !self.gap.is_empty() {
            let max = self
                .gap
                .iter()
                .filter(|(t, _)| *t >= from_ns && *t <= to_ns)
                .map(|p| p.1)
                .fold(1.0f64, f64::max);
            // Drawn from the samples as they were taken (steps): a line
            // between two sparse samples would show a drain that never
            // happened.
            let label = "log end − high watermark, p0 (records)".into();
            lanes.push(steps(label, self.gap, max));
        }
        let label = "producers: writable partitions (%)".into();
        lanes.push(steps(label, self.writes, 100.0));
        let label = "consumers: readable partitions (%)".into();
        lanes.push(steps(label, self.reads, 100.0));
        for (link, points) in self.links {
            let max = points.iter().map(|p| p.1).fold(1.0f64, f64::max);
            let name = model
                .mirrors()
                .get(link as usize)
                .map_or_else(|| format!("link {link}"), |m| fit(&m.name, 22));
            let label = format!("{name} lag, all partitions (records)");
            lanes.push(steps(label, points, max));
        }
        lanes
    }
}

/// A count of unavailable partitions after one availability record: up
/// one when a partition is lost, down one (never below 0) when it is back.
fn step_count(bad: u32, available: bool) -> u32 {
    if available {
        bad.saturating_sub(1)
    } else {
        bad + 1
    }
}

/// The default time axis: from 30 s before the first fault to 30 s after
/// the last change of state, within the trial and at least a second long.
fn default_window(first_fault: Option<u64>, last_change: u64, end: u64) -> (u64, u64) {
    let margin = 30_000_000_000;
    let from = first_fault.unwrap_or(0).saturating_sub(margin);
    let to = (last_change + margin).min(end).max(from + 1_000_000_000);
    (from, to)
}

/// Under the heading: when T+0 is, in simulated time since the trial began.
fn subheading(first_fault: Option<u64>) -> String {
    match first_fault {
        Some(t) => format!(
            "T+0 is the first fault, which hit {} ({} ms) after the trial began",
            crate::units::duration_ms(t as f64 / 1e6),
            crate::units::thousands(t / 1_000_000)
        ),
        None => "no fault in this trial: T+0 is the trial's start".to_string(),
    }
}

impl Timeline {
    fn of(model: &Model, trace: &[TraceEntry], heading: &str, window: Option<(u64, u64)>) -> Self {
        let end = model.duration.as_ns();
        let mut g = Gathered::read(model, trace, end);
        let (from_ns, to_ns) =
            window.unwrap_or_else(|| default_window(g.first_fault, g.last_change, end));
        let to_ns = to_ns.max(from_ns + 1);
        let mut lanes = g.state_lanes(model, end);
        let marks = std::mem::take(&mut g.marks);
        let first_fault = g.first_fault;
        lanes.extend(g.number_lanes(model, from_ns, to_ns));
        Timeline {
            heading: heading.to_string(),
            subheading: subheading(first_fault),
            zero_ns: first_fault.unwrap_or(0),
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

/// Where a time lands on the x axis: the window `[from_ns, to_ns]` onto
/// the pixels `[x0, x1]`, times outside it clamped to its edges.
struct XScale {
    x0: i32,
    x1: i32,
    from_ns: u64,
    to_ns: u64,
}

impl XScale {
    fn px(&self, t: u64) -> i32 {
        let span = (self.to_ns - self.from_ns) as f64;
        let t = t.clamp(self.from_ns, self.to_ns);
        self.x0 + (((t - self.from_ns) as f64 / span) * (self.x1 - self.x0) as f64).round() as i32
    }
}

/// Labels of lanes, right-aligned against the plot.
fn right_label() -> TextStyle<'static> {
    font(12).pos(Pos::new(HPos::Right, VPos::Center))
}

impl Draw for Timeline {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let (w, _) = area.dim_in_pixel();
        let w = w as i32;
        self.draw_headings(area, w)?;
        let label_w = 300;
        let sx = XScale {
            x0: label_w,
            x1: w - 30,
            from_ns: self.from_ns,
            to_ns: self.to_ns,
        };
        let top = 110;
        let mut y = top;
        for lane in &self.lanes {
            y = match lane {
                Lane::States { label, spans } => self.draw_states(area, &sx, y, label, spans)?,
                Lane::Numbers {
                    label,
                    points,
                    steps,
                    max,
                } => self.draw_numbers(area, &sx, y, label, (points, *steps, *max))?,
            };
        }
        let bottom = y;
        self.draw_marks(area, &sx, (top, bottom), w)?;
        self.draw_time_axis(area, &sx, bottom)?;
        draw_legend(area, bottom)
    }
}

impl Timeline {
    /// The heading and, under it, when T+0 is, both centred.
    fn draw_headings<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        w: i32,
    ) -> Result<(), ChartError> {
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
        .map_err(err)
    }

    /// A lane of coloured spans at `y`; returns the next lane's `y`.
    fn draw_states<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        sx: &XScale,
        y: i32,
        label: &str,
        spans: &[(u64, u64, RGBColor)],
    ) -> Result<i32, ChartError> {
        let (x0, x1) = (sx.x0, sx.x1);
        let text = Text::new(label.to_string(), (x0 - 10, y + STATE_H / 2), right_label());
        area.draw(&text).map_err(err)?;
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
            let (l, r) = (sx.px(a), sx.px(b).max(sx.px(a) + 1));
            area.draw(&Rectangle::new([(l, y), (r, y + STATE_H)], c.filled()))
                .map_err(err)?;
        }
        Ok(y + STATE_H + GAP)
    }

    /// A lane of numbers at `y` on its own scale, 0 to `max`: a framed
    /// plot with the scale on its left; returns the next lane's `y`.
    fn draw_numbers<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        sx: &XScale,
        y: i32,
        label: &str,
        (points, steps, max): (&[(u64, f64)], bool, f64),
    ) -> Result<i32, ChartError> {
        let (x0, x1) = (sx.x0, sx.x1);
        let y = y + GAP;
        let (yt, yb) = (y, y + NUM_H);
        let text = Text::new(label.to_string(), (x0 - 48, (yt + yb) / 2), right_label());
        area.draw(&text).map_err(err)?;
        area.draw(&Rectangle::new(
            [(x0, yt), (x1, yb)],
            RGBColor(200, 200, 200).stroke_width(1),
        ))
        .map_err(err)?;
        // The lane's own scale: 0 and its maximum.
        let scale = font(11).pos(Pos::new(HPos::Right, VPos::Center));
        area.draw(&Text::new(tick(max), (x0 - 6, yt + 5), scale.clone()))
            .map_err(err)?;
        area.draw(&Text::new("0", (x0 - 6, yb - 5), scale))
            .map_err(err)?;
        let max = if max > 0.0 { max } else { 1.0 };
        let py = |v: f64| yb - ((v / max).clamp(0.0, 1.0) * (NUM_H - 4) as f64).round() as i32;
        let path = self.number_path(sx, points, steps, py);
        area.draw(&PathElement::new(path, LINE.stroke_width(2)))
            .map_err(err)?;
        Ok(yb + 2 * GAP)
    }

    /// The pixel path of `points` inside the window: entering at the left
    /// edge with the value held from before it, stepped when `steps`, and
    /// carried to the right edge.
    fn number_path(
        &self,
        sx: &XScale,
        points: &[(u64, f64)],
        steps: bool,
        py: impl Fn(f64) -> i32,
    ) -> Vec<(i32, i32)> {
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
                    path.push((sx.x0, py(lv)));
                }
            }
            if steps {
                if let Some(&(_, prev_y)) = path.last() {
                    path.push((sx.px(t), prev_y));
                }
            }
            path.push((sx.px(t), py(v)));
            last = Some(v);
        }
        if path.is_empty() {
            if let Some(lv) = last {
                path.push((sx.x0, py(lv)));
            }
        }
        // A value holds until the next record: steps by definition, and the
        // sampled gap because samples stop when nothing changes.
        if let Some(&(_, ly)) = path.last() {
            path.push((sx.x1, ly));
        }
        path
    }

    /// Fault marks across every lane, from `top` to `bottom`, labels
    /// staggered so they never overlap.
    fn draw_marks<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        sx: &XScale,
        (top, bottom): (i32, i32),
        w: i32,
    ) -> Result<(), ChartError> {
        let mut label_right = [i32::MIN; 3];
        for (t, text) in &self.marks {
            if *t < self.from_ns || *t > self.to_ns {
                continue;
            }
            let x = sx.px(*t);
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
        Ok(())
    }

    /// Time axis, in T+ from the first fault: ticks at whole steps from
    /// T+0, so the fault's own instant is a tick; minutes past 20 minutes.
    fn draw_time_axis<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        sx: &XScale,
        bottom: i32,
    ) -> Result<(), ChartError> {
        let (x0, x1) = (sx.x0, sx.x1);
        let secs = (self.to_ns - self.from_ns) as f64 / 1e9;
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
            let x = sx.px((s.max(0.0) * 1e9).round() as u64);
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
        .map_err(err)
    }
}

/// Legend of the state colours, in a row under the time axis.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    bottom: i32,
) -> Result<(), ChartError> {
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
