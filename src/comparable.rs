//! Whether scenarios can be compared column by column: a comparison is a
//! statement about topologies only when the scenarios share the trial
//! length, the workload and the faults. Otherwise `compare` refuses (exit 2)
//! unless told `--allow-different`, and the report then says at the top
//! what differs.

use kdrsim::output::units::thousands;
use kdrsim::Model;
use std::fmt::Write;

/// What one scenario's value of an aspect is, as the message shows it.
type Describe = fn(&Model) -> String;

/// One line per aspect in which `models` differ, each naming every
/// scenario's value (scenarios sharing one listed together), e.g.
/// `scenarios differ in duration_ms: a, b 3,600,000 ms; c 7,200,000 ms`.
/// Empty when they are comparable.
pub fn differences(models: &[std::sync::Arc<Model>]) -> Vec<String> {
    let aspects: [(&str, Describe); 3] = [
        ("duration_ms", |m| {
            format!("{} ms", thousands(m.duration.as_ms()))
        }),
        ("workload (producers' rates, record sizes, acks)", workload),
        ("faults", faults),
    ];
    let mut lines = Vec::new();
    for (aspect, describe) in aspects {
        let values: Vec<String> = models.iter().map(|m| describe(m)).collect();
        if values.windows(2).any(|w| w[0] != w[1]) {
            lines.push(format!(
                "scenarios differ in {aspect}: {}",
                grouped(models, &values)
            ));
        }
    }
    lines
}

/// Scenarios that share a value listed together, in order of first
/// appearance: `a, b 3,600,000 ms; c 14,400,000 ms`.
fn grouped(models: &[std::sync::Arc<Model>], values: &[String]) -> String {
    let mut groups: Vec<(&str, Vec<String>)> = Vec::new();
    for (m, v) in models.iter().zip(values) {
        let name = kdrsim::output::printable_line(&m.name);
        match groups.iter_mut().find(|(value, _)| *value == v.as_str()) {
            Some((_, names)) => names.push(name),
            None => groups.push((v.as_str(), vec![name])),
        }
    }
    let listed: Vec<String> = groups
        .iter()
        .map(|(v, names)| format!("{} {v}", names.join(", ")))
        .collect();
    listed.join("; ")
}

/// A time distribution in milliseconds with separators.
fn dist(d: &kdrsim::models::scenario::TimeDist) -> String {
    use kdrsim::models::scenario::TimeDist::*;
    match *d {
        Fixed(ms) => format!("{} ms", thousands(ms)),
        Uniform(a, b) => format!("uniform {}..{} ms", thousands(a), thousands(b)),
        Exponential(mean) => format!("exponential, mean {} ms", thousands(mean)),
        LogNormal(median, sigma) => {
            format!("log-normal, median {} ms, sigma {sigma}", thousands(median))
        }
        Weibull(scale, shape) => format!("Weibull, scale {} ms, shape {shape}", thousands(scale)),
    }
}

/// The producers as rates, sizes and acks, sorted, without names or
/// topics (which differ between topologies without changing the load).
fn workload(m: &Model) -> String {
    let mut producers: Vec<String> = m
        .producers
        .iter()
        .map(|p| {
            let partitions = u64::from(m.topics[p.topic.idx()].partitions);
            // Milli-records per partition, rounded back to what the file
            // said (5,000/s over 24 partitions is 4,999.992/s).
            let rate = p
                .rate_mrps_per_partition
                .saturating_mul(partitions)
                .saturating_add(500)
                / 1000;
            format!(
                "{} records/s x {} B acks={:?}",
                thousands(rate),
                thousands(p.record_bytes),
                p.acks
            )
        })
        .collect();
    producers.sort();
    if producers.is_empty() {
        return "no producers".into();
    }
    producers.join(" + ")
}

/// The scheduled faults and fault processes: what each takes and when.
fn faults(m: &Model) -> String {
    let mut out = Vec::new();
    for f in &m.schedule {
        let mut s = String::new();
        let labels: Vec<&str> = f
            .specs
            .iter()
            .map(|i| m.faults[*i as usize].label.as_str())
            .collect();
        let _ = write!(s, "{} at {}", labels.join(" or "), dist(&f.at));
        if let Some(r) = &f.recover_after {
            let _ = write!(s, " for {}", dist(r));
        }
        out.push(s);
    }
    for p in &m.processes {
        let labels: Vec<&str> = p
            .components
            .iter()
            .map(|(i, _)| m.faults[*i as usize].label.as_str())
            .collect();
        out.push(format!(
            "{} failing after {}, repaired after {}",
            labels.join(", "),
            dist(&p.time_to_failure),
            dist(&p.time_to_repair)
        ));
    }
    if out.is_empty() {
        return "none".into();
    }
    out.join(", ")
}
