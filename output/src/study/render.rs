//! A study as text for a terminal and as JSON for a script, with the human
//! units a review reads (minutes, percent, nines, dollars).

use super::assumptions::{Assumptions, Sensitivity, REPLICATION_DELAY_IS_AN_INPUT};
use super::{cheapest_meeting_all, monthly_total, FaultInfo, Objective, Status, TopologyResult};
use crate::units::{count, plural, thousands, usd};
use serde::Serialize;

/// Everything a study report shows, in one value (JSON's shape).
#[derive(Debug, Clone, Serialize)]
pub struct StudyReport {
    /// What every verdict below rests on: first, so no one reads a
    /// verdict without them.
    pub assumptions: Assumptions,
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
    /// Per class (study order): the cheapest topology meeting it.
    pub cheapest_per_class: Vec<Option<String>>,
    /// The headline recomputed with each assumption changed.
    pub sensitivity: Sensitivity,
    pub warnings: Vec<String>,
    /// Per topology, its month broken down (`super::bill`).
    pub bills: Vec<super::bill::TopologyBill>,
    /// What the model leaves out for these topologies, in plain words.
    pub model_notes: Vec<String>,
}

impl StudyReport {
    pub fn new(
        head: StudyHead,
        assumptions: Assumptions,
        faults: Vec<FaultInfo>,
        classes: Vec<Objective>,
        topologies: Vec<TopologyResult>,
        warnings: Vec<String>,
    ) -> StudyReport {
        let cheapest = cheapest_meeting_all(&topologies).map(|t| t.name.clone());
        let cheapest_per_class = (0..classes.len())
            .map(|k| {
                topologies
                    .iter()
                    .filter(|t| t.verdicts[k].status.holds())
                    .min_by(|a, b| monthly_total(a).total_cmp(&monthly_total(b)))
                    .map(|t| t.name.clone())
            })
            .collect();
        StudyReport {
            assumptions,
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
            cheapest_per_class,
            sensitivity: Sensitivity::default(),
            warnings,
            bills: Vec::new(),
            model_notes: Vec::new(),
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

/// A count that may be fractional (a mean, a rate): integers as integers,
/// small values with three significant figures and no trailing zeros
/// (`4`, `0.5`, `0.005`, `2.35`), so a rate of 0.005 a year does not read
/// as 0.01.
pub fn amount(v: f64) -> String {
    if v == 0.0 {
        "0".into()
    } else if v < 10.0 {
        let decimals = (2 - v.abs().log10().floor() as i32).clamp(2, 9) as usize;
        let s = format!("{v:.decimals$}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
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

/// A verdict's status in words, with what would decide one not shown:
/// `not shown to be met at 1,000 trials — run about 4,100`.
pub fn status_text(status: Status, trials: u64) -> String {
    match status {
        Status::NotShown {
            trials_needed: Some(m),
        } => format!(
            "{} at {} {} — run about {}",
            status.label(),
            thousands(trials),
            plural(trials, "trial"),
            thousands(m)
        ),
        Status::NotShown {
            trials_needed: None,
        } => format!(
            "{} at {} {}: the estimate sits on the target",
            status.label(),
            thousands(trials),
            plural(trials, "trial")
        ),
        _ => status.label().to_string(),
    }
}

/// The verdict cell: `met 0.4%/yr (95% ≤ 1.2%)`.
fn verdict_cell(t: &TopologyResult, k: usize, trials: u64) -> String {
    let v = &t.verdicts[k];
    format!(
        "{} {}/yr (95% ≤ {})",
        status_text(v.status, trials),
        percent(v.p_breach_per_year),
        percent(v.p_breach_per_year_upper95)
    )
}

/// A steady p99 acknowledgement latency: `4.2 ms`, `131 ms`.
pub fn latency(us: u64) -> String {
    if us == 0 {
        "-".into()
    } else if us < 10_000 {
        trim(format!("{:.1}", us as f64 / 1_000.0)) + " ms"
    } else {
        format!("{} ms", thousands(us.div_ceil(1_000)))
    }
}

/// The executive summary as sentences: objectives, who meets them, cost.
pub fn summary_lines(r: &StudyReport) -> Vec<String> {
    let mut lines = Vec::new();
    for t in &r.topologies {
        let with_status = |want: fn(&Status) -> bool| -> Vec<String> {
            t.verdicts
                .iter()
                .filter(|v| want(&v.status))
                .map(|v| match &v.driven_by {
                    Some(f) => format!("{} (mostly on {f})", v.class),
                    None => v.class.clone(),
                })
                .collect()
        };
        let failing = with_status(|s| *s == Status::NotMet);
        let unshown = with_status(|s| matches!(s, Status::NotShown { .. }));
        let meets = if r.classes.is_empty() {
            String::new()
        } else if failing.is_empty() && unshown.is_empty() {
            "meets every class's objectives".into()
        } else {
            let mut parts = Vec::new();
            if !failing.is_empty() {
                parts.push(format!("not met: {}", failing.join(", ")));
            }
            if !unshown.is_empty() {
                parts.push(format!(
                    "not shown to be met at {} {}: {}",
                    thousands(r.trials),
                    plural(r.trials, "trial"),
                    unshown.join(", ")
                ));
            }
            parts.join("; ")
        };
        lines.push(format!(
            "{}: {} a month, p99 write latency {}; {}{}P(acknowledged loss in a year) {}, \
             writes available {}",
            t.name,
            super::bill::cost_with_unpriced(r, &t.name, t.usd_per_month),
            latency(t.steady_ack_latency_p99_us),
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
                 incidents spread over the year; met means the 95% upper bound is within \
                 every target).",
                usd(t.map_or(0.0, monthly_total))
            )
        }
        (None, false) => "No topology meets every class's objectives (met: the 95% upper bound \
            within every target)."
            .into(),
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
    out.push_str(&assumptions_text(r));
    for w in &r.warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    out.push_str(
        "\nobjectives (met: P(at least one breaching incident in a year) within the target):\n",
    );
    out.push_str(&objectives_table(r));
    out.push_str("\nverdicts per topology:\n");
    out.push_str(&verdicts_table(r));
    out.push_str(&deciding_text(r));
    out.push_str("\nper year (incidents at the study's rates):\n");
    out.push_str(&annual_table(r));
    out.push_str(
        "\nper incident: write RTO p50 / p99 / max (max_write_outage_ms), read RTO p50 / p99 / \
         max (max_read_outage_ms), duplicates after failover (duplicates_delivered, max) and \
         P(loss) (acked_lost_records > 0), each as kdrsim run defines it:\n",
    );
    out.push_str(&incident_table(r));
    out.push_str(&super::bill::bills_text(r));
    out.push_str(&sensitivity_text(r));
    if !r.model_notes.is_empty() {
        out.push_str("\nmodel notes:\n");
        for n in &r.model_notes {
            out.push_str(&format!("- {n}\n"));
        }
    }
    out.push('\n');
    for l in summary_lines(r) {
        out.push_str(&l);
        out.push('\n');
    }
    crate::text::printable(&out).into_owned()
}

/// The stream classes' objectives as columns: what each class must meet.
fn objectives_table(r: &StudyReport) -> String {
    let rows: Vec<Vec<String>> = r
        .classes
        .iter()
        .map(|c| {
            vec![
                c.class.clone(),
                rpo_text(c.rpo_ms),
                duration(c.rto_ms as f64),
                c.rto_of.describe().to_string(),
                percent(c.max_breach_probability_per_year),
            ]
        })
        .collect();
    let h = ["class", "RPO", "RTO", "RTO of", "target P(breach)/yr"].map(String::from);
    columns(&h, &rows, &[false, false, true, false, true])
}

/// Per topology its cost, write latency and one verdict per class.
fn verdicts_table(r: &StudyReport) -> String {
    let mut h = vec![
        "topology".to_string(),
        "cost/month".to_string(),
        "p99 write latency".to_string(),
    ];
    h.extend(r.classes.iter().map(|c| c.class.clone()));
    let rows: Vec<Vec<String>> = r
        .topologies
        .iter()
        .map(|t| {
            let mut row = vec![
                t.name.clone(),
                usd(t.usd_per_month),
                latency(t.steady_ack_latency_p99_us),
            ];
            row.extend((0..r.classes.len()).map(|k| verdict_cell(t, k, r.trials)));
            row
        })
        .collect();
    columns(&h, &rows, &[false, true, true])
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
                    let d = |x: &super::Dist| {
                        format!(
                            "{} / {} / {}",
                            duration(x.p50 as f64),
                            duration(x.p99 as f64),
                            duration(x.max as f64)
                        )
                    };
                    format!(
                        "write {}, read {}, dup {}, loss {}",
                        d(&c.write_rto_ms),
                        d(&c.read_rto_ms),
                        thousands(c.duplicates_delivered.max),
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

/// What the verdicts rest on, as text: failure domains, human times,
/// replication delays, unconfirmed prices.
fn assumptions_text(r: &StudyReport) -> String {
    let a = &r.assumptions;
    let mut out = String::from("\nassumptions (inputs, not measurements):\n");
    let rows: Vec<Vec<String>> = a
        .failure_domains
        .iter()
        .map(|d| {
            vec![
                d.name.clone(),
                d.describe.clone(),
                d.kind.clone(),
                format!("{}/yr", amount(d.rate_per_year)),
                d.lasts.clone(),
            ]
        })
        .collect();
    let h = ["fault", "what fails", "kind", "rate", "lasts"].map(String::from);
    out.push_str(&columns(&h, &rows, &[false, false, false, true, false]));
    for h in &a.human_times {
        out.push_str(&format!(
            "runbook of {}: detection {}, decision {}, DNS {}\n",
            h.topology, h.detection, h.decision, h.dns
        ));
    }
    for m in &a.replication {
        out.push_str(&format!(
            "replication delay of {} ({}, {}): {}\n",
            m.topology,
            m.mirror,
            m.kind,
            duration(m.replication_delay_ms as f64)
        ));
    }
    if !a.replication.is_empty() {
        out.push_str(&format!("({REPLICATION_DELAY_IS_AN_INPUT})\n"));
    }
    let unconfirmed: Vec<&str> = a
        .prices
        .iter()
        .filter(|p| !p.confirmed)
        .map(|p| p.key.as_str())
        .collect();
    out.push_str(&format!(
        "prices: {} book as of {}; unconfirmed: {}\n",
        a.price_book,
        a.price_book_as_of,
        if unconfirmed.is_empty() {
            "none".to_string()
        } else {
            unconfirmed.join(", ")
        }
    ));
    out
}

/// The cheapest topology per class and what decides each class a
/// topology does not meet.
fn deciding_text(r: &StudyReport) -> String {
    let mut out = String::new();
    for (c, best) in r.classes.iter().zip(&r.cheapest_per_class) {
        out.push_str(&format!(
            "cheapest meeting {}: {}\n",
            c.class,
            best.as_deref().unwrap_or("none")
        ));
    }
    for t in &r.topologies {
        for v in t.verdicts.iter().filter(|v| !v.status.holds()) {
            if let Some(d) = &v.decided_by {
                out.push_str(&format!("{} misses {}: {d}\n", t.name, v.class));
            }
        }
    }
    out
}

/// The sensitivity table as text.
fn sensitivity_text(r: &StudyReport) -> String {
    let s = &r.sensitivity;
    if s.rows.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "\nsensitivity (same seed and trials; headline: {}):\n",
        Sensitivity::headline_text(&s.headline)
    );
    let rows: Vec<Vec<String>> = s
        .rows
        .iter()
        .map(|row| {
            vec![
                row.change.clone(),
                if row.holds {
                    "holds".into()
                } else {
                    format!("becomes: {}", Sensitivity::headline_text(&row.headline))
                },
            ]
        })
        .collect();
    let h = ["change", "headline"].map(String::from);
    out.push_str(&columns(&h, &rows, &[false, false]));
    out
}

/// The report as pretty JSON (`study.json`), the assumptions first.
pub fn study_json(r: &StudyReport) -> String {
    let text =
        serde_json::to_string_pretty(r).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    crate::format::json::escape_del_and_c1(text + "\n")
}

/// A report directory's `summary.json` (the per-cell summaries of
/// [`crate::format::json::format_report_json`]) opened with the study's
/// assumptions and sensitivity, so a script that reads the cells reads
/// what they rest on first. Only keys are added before `scenarios`.
pub fn study_summary_json(summary_json: &str, r: &StudyReport) -> String {
    #[derive(Serialize)]
    struct Head<'a> {
        assumptions: &'a Assumptions,
        sensitivity: &'a Sensitivity,
    }
    let head = Head {
        assumptions: &r.assumptions,
        sensitivity: &r.sensitivity,
    };
    let head = serde_json::to_string_pretty(&head).unwrap_or_else(|_| "{}".into());
    // `{ ...head fields... }` and `{ ...summary fields... }` as one object.
    let head = head.trim_end().strip_suffix('}').unwrap_or("{").trim_end();
    let rest = summary_json.trim_start().strip_prefix('{').unwrap_or("}");
    let joined = if rest.trim_start().starts_with('}') {
        format!("{head}\n{rest}")
    } else {
        format!("{head},{rest}")
    };
    crate::format::json::escape_del_and_c1(joined)
}
