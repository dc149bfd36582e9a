//! A study as text for a terminal and as JSON for a script, with the human
//! units a review reads (minutes, percent, nines, dollars).

use super::{cheapest_meeting_all, monthly_total, FaultInfo, Objective, TopologyResult};
use crate::units::{count, plural, thousands, usd};
use serde::Serialize;

/// Everything a study report shows, in one value (JSON's shape).
#[derive(Debug, Clone, Serialize)]
pub struct StudyReport {
    pub study: String,
    pub description: String,
    pub file: String,
    pub seed: u64,
    pub trials: u64,
    pub duration_ms: u64,
    pub price_book: String,
    pub price_book_as_of: String,
    pub faults: Vec<FaultInfo>,
    pub classes: Vec<Objective>,
    pub topologies: Vec<TopologyResult>,
    pub cheapest_meeting_all: Option<String>,
    pub warnings: Vec<String>,
    /// Per topology, its month broken down (`super::bill`).
    pub bills: Vec<super::bill::TopologyBill>,
}

impl StudyReport {
    pub fn new(
        head: StudyHead,
        faults: Vec<FaultInfo>,
        classes: Vec<Objective>,
        topologies: Vec<TopologyResult>,
        warnings: Vec<String>,
    ) -> StudyReport {
        let cheapest = cheapest_meeting_all(&topologies).map(|t| t.name.clone());
        StudyReport {
            study: head.study,
            description: head.description,
            file: head.file,
            seed: head.seed,
            trials: head.trials,
            duration_ms: head.duration_ms,
            price_book: head.price_book,
            price_book_as_of: head.price_book_as_of,
            faults,
            classes,
            topologies,
            cheapest_meeting_all: cheapest,
            warnings,
            bills: Vec::new(),
        }
    }
}

/// The study's identity and run parameters.
#[derive(Debug, Clone)]
pub struct StudyHead {
    pub study: String,
    pub description: String,
    pub file: String,
    pub seed: u64,
    pub trials: u64,
    pub duration_ms: u64,
    pub price_book: String,
    pub price_book_as_of: String,
}

/// A duration a person reads: `0 s`, `12.5 s`, `13.2 min`, `2.0 h`.
pub fn duration(ms: f64) -> String {
    if ms <= 0.0 {
        "0 s".to_string()
    } else if ms < 1_000.0 {
        format!("{} ms", ms.round())
    } else if ms < 120_000.0 {
        trim(format!("{:.1}", ms / 1_000.0)) + " s"
    } else if ms < 7_200_000.0 {
        trim(format!("{:.1}", ms / 60_000.0)) + " min"
    } else {
        trim(format!("{:.1}", ms / 3_600_000.0)) + " h"
    }
}

fn trim(s: String) -> String {
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

/// A probability as a percentage with sensible precision: `0%`, `0.04%`,
/// `3.2%`, `95%`.
pub fn percent(p: f64) -> String {
    let v = p * 100.0;
    if v <= 0.0 {
        "0%".into()
    } else if v < 0.01 {
        "<0.01%".into()
    } else if v < 1.0 {
        trim(format!("{v:.2}")) + "%"
    } else if v < 10.0 {
        trim(format!("{v:.1}")) + "%"
    } else {
        format!("{v:.0}%")
    }
}

/// An availability as a percentage and nines: `99.9991% (5.0 nines)`.
pub fn availability(a: f64, nines: f64) -> String {
    if nines >= 12.0 {
        return "100% (no outage seen)".into();
    }
    // Enough decimals to show the first digit that is not a 9.
    let decimals = (nines.ceil() as usize).saturating_sub(1).clamp(1, 10);
    format!("{:.*}% ({:.1} nines)", decimals, a * 100.0, nines)
}

/// A count that may be fractional (a mean): integers as integers.
pub fn amount(v: f64) -> String {
    if v == 0.0 {
        "0".into()
    } else if v < 10.0 {
        trim(format!("{v:.2}"))
    } else {
        thousands(v.round() as u64)
    }
}

/// Whether an objective's RPO is "no acknowledged loss".
pub fn rpo_text(rpo_ms: u64) -> String {
    if rpo_ms == 0 {
        "no acknowledged loss".into()
    } else {
        duration(rpo_ms as f64)
    }
}

/// Aligned columns; `right[i]` right-aligns column i. No trailing spaces.
pub fn columns(header: &[String], rows: &[Vec<String>], right: &[bool]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let pad = widths[i].saturating_sub(c.chars().count());
                if right.get(i).copied().unwrap_or(false) {
                    format!("{}{c}", " ".repeat(pad))
                } else {
                    format!("{c}{}", " ".repeat(pad))
                }
            })
            .collect();
        parts.join(" | ").trim_end().to_string() + "\n"
    };
    let mut out = line(header);
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    out.push_str(&rule.join("-+-"));
    out.push('\n');
    for r in rows {
        out.push_str(&line(r));
    }
    out
}

/// The verdict cell: `met 0.4%/yr (≤ 1.2%)`.
fn verdict_cell(t: &TopologyResult, k: usize) -> String {
    let v = &t.verdicts[k];
    format!(
        "{} {}/yr (95% ≤ {})",
        v.status.label(),
        percent(v.p_breach_per_year),
        percent(v.p_breach_per_year_upper95)
    )
}

/// The executive summary as sentences: objectives, who meets them, cost.
pub fn summary_lines(r: &StudyReport) -> Vec<String> {
    let mut lines = Vec::new();
    for t in &r.topologies {
        let failing: Vec<String> = t
            .verdicts
            .iter()
            .filter(|v| !v.status.holds())
            .map(|v| match &v.driven_by {
                Some(f) => format!("{} (mostly on {f})", v.class),
                None => v.class.clone(),
            })
            .collect();
        let meets = if r.classes.is_empty() {
            String::new()
        } else if failing.is_empty() {
            "meets every class's objectives".into()
        } else {
            format!("misses {}", failing.join(", "))
        };
        lines.push(format!(
            "{}: {} a month; {}{}P(acknowledged loss in a year) {}, writes available {}",
            t.name,
            usd(t.usd_per_month),
            meets,
            if meets.is_empty() { "" } else { "; " },
            percent(t.annual.p_any_loss_per_year),
            availability(t.annual.write_availability, t.annual.write_nines)
        ));
    }
    lines.push(match (&r.cheapest_meeting_all, r.classes.is_empty()) {
        (_, true) => "No stream classes: no verdicts.".into(),
        (Some(name), false) => {
            let t = r.topologies.iter().find(|t| &t.name == name);
            format!(
                "Cheapest topology meeting every class: {name}, {} a month (steady state plus \
                 incidents spread over the year).",
                usd(t.map_or(0.0, monthly_total))
            )
        }
        (None, false) => "No topology meets every class's objectives.".into(),
    });
    lines
}

/// The whole study as text for a terminal.
pub fn study_text(r: &StudyReport) -> String {
    let mut out = format!(
        "== study {} ({}) — {} x {}, {} {} each of {}, seed {} ==\n",
        r.study,
        r.file,
        count(r.topologies.len() as u64, "topology"),
        count(r.faults.len() as u64, "fault scenario"),
        thousands(r.trials),
        plural(r.trials, "trial"),
        duration(r.duration_ms as f64),
        r.seed
    );
    for w in &r.warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    out.push_str(
        "\nobjectives (met: P(at least one breaching incident in a year) within the target):\n",
    );
    let rows: Vec<Vec<String>> = r
        .classes
        .iter()
        .map(|c| {
            vec![
                c.class.clone(),
                rpo_text(c.rpo_ms),
                duration(c.rto_ms as f64),
                percent(c.max_breach_probability_per_year),
            ]
        })
        .collect();
    let h = ["class", "RPO", "RTO", "target P(breach)/yr"].map(String::from);
    out.push_str(&columns(&h, &rows, &[false, false, true, true]));
    out.push_str("\nverdicts per topology:\n");
    let mut h = vec!["topology".to_string(), "cost/month".to_string()];
    h.extend(r.classes.iter().map(|c| c.class.clone()));
    let rows: Vec<Vec<String>> = r
        .topologies
        .iter()
        .map(|t| {
            let mut row = vec![t.name.clone(), usd(t.usd_per_month)];
            row.extend((0..r.classes.len()).map(|k| verdict_cell(t, k)));
            row
        })
        .collect();
    out.push_str(&columns(&h, &rows, &[false, true]));
    out.push_str("\nper year (incidents at the study's rates):\n");
    out.push_str(&annual_table(r));
    out.push_str(
        "\nper incident: RTO p50 / p99 and P(loss) (RTO: max_write_outage_ms, loss: \
         acked_lost_records > 0, RPO: rpo_ms, each as kdrsim run defines it):\n",
    );
    out.push_str(&incident_table(r));
    out.push_str(&super::bill::bills_text(r));
    out.push('\n');
    for l in summary_lines(r) {
        out.push_str(&l);
        out.push('\n');
    }
    crate::text::printable(&out).into_owned()
}

fn annual_table(r: &StudyReport) -> String {
    let h = [
        "topology",
        "incidents/yr",
        "E[acked loss]/yr",
        "P(any loss)/yr",
        "write availability",
        "read availability",
        "incidents $/yr",
    ]
    .map(String::from);
    let rows: Vec<Vec<String>> = r
        .topologies
        .iter()
        .map(|t| {
            let a = &t.annual;
            vec![
                t.name.clone(),
                amount(a.incidents_per_year),
                amount(a.expected_acked_loss_records_per_year),
                format!(
                    "{} (95% ≤ {})",
                    percent(a.p_any_loss_per_year),
                    percent(a.p_any_loss_per_year_upper95)
                ),
                availability(a.write_availability, a.write_nines),
                availability(a.read_availability, a.read_nines),
                usd(a.incident_usd_per_year),
            ]
        })
        .collect();
    columns(&h, &rows, &[false, true, true, true, true, true, true])
}

fn incident_table(r: &StudyReport) -> String {
    let mut h = vec!["topology".to_string()];
    h.extend(
        r.faults
            .iter()
            .map(|f| format!("{} ({}/yr)", f.name, amount(f.rate_per_year))),
    );
    let rows: Vec<Vec<String>> = r
        .topologies
        .iter()
        .map(|t| {
            let mut row = vec![t.name.clone()];
            row.extend(t.cells.iter().map(|c| {
                if !c.applicable {
                    "n/a".into()
                } else {
                    format!(
                        "{} / {}, loss {}",
                        duration(c.rto_ms.p50 as f64),
                        duration(c.rto_ms.p99 as f64),
                        percent(c.p_loss.p)
                    )
                }
            }));
            row
        })
        .collect();
    let right: Vec<bool> = h.iter().enumerate().map(|(i, _)| i > 0).collect();
    columns(&h, &rows, &right)
}

/// The report as pretty JSON (`study.json`).
pub fn study_json(r: &StudyReport) -> String {
    serde_json::to_string_pretty(r).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}")) + "\n"
}
