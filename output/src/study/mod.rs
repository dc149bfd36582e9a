//! A study's figures: per incident (one fault scenario's trials), per year
//! (incidents arriving at the study's annual rates), and each stream class's
//! verdict, per topology.
//!
//! Per year, incidents of fault scenario f arrive as a Poisson process of
//! rate λ_f, independently of each other, and each is one trial of that
//! cell drawn at random. Then, with p_f the fraction of f's trials with
//! some event (loss, a breach of a class):
//! - expected acknowledged loss per year = Σ λ_f · E[loss | f];
//! - P(at least one such event in a year) = 1 − exp(−Σ λ_f · p_f)
//!   (thinning of the Poisson processes);
//! - unavailable time per year = Σ λ_f · E[unavailable | f], so
//!   availability = 1 − that / one year, shown in nines.
//!
//! The 95% upper bounds use each p_f's Wilson upper bound. Incidents are
//! assumed short and far apart next to a year (each trial holds one); two
//! overlapping incidents are not modelled by a study.

pub mod bill;
pub mod html;
pub mod render;

pub mod assumptions;

use crate::stats::{mean, wilson_ci95};
use crate::summary::MetricSummary;
use kdrsim_models::study::RtoOf;
use kdrsim_models::{Metric, TrialOutcome};
use serde::Serialize;

/// Milliseconds in a (Julian) year.
pub const YEAR_MS: f64 = 365.25 * 24.0 * 3_600_000.0;

/// A stream class's objectives, as the study file states them.
#[derive(Debug, Clone, Serialize)]
pub struct Objective {
    pub class: String,
    pub description: String,
    pub rpo_ms: u64,
    pub rto_ms: u64,
    pub max_breach_probability_per_year: f64,
    /// Which outage the RTO is held against (default: the worse of writes
    /// and reads, since the application is down while either is).
    pub rto_of: RtoOf,
}

impl Objective {
    /// Whether one incident's trial loses more than the RPO allows.
    pub fn breaches_rpo(&self, o: &TrialOutcome) -> bool {
        if self.rpo_ms == 0 {
            o.acked_lost_records > 0
        } else {
            o.rpo_ms > self.rpo_ms
        }
    }

    /// The incident's RTO as this class measures it.
    pub fn rto_of(&self, o: &TrialOutcome) -> u64 {
        self.rto_of.of(o.max_write_outage_ms, o.max_read_outage_ms)
    }

    /// Whether one incident's trial breaches the objective.
    pub fn breached_by(&self, o: &TrialOutcome) -> bool {
        self.breaches_rpo(o) || self.rto_of(o) > self.rto_ms
    }
}

/// One fault scenario as every topology meets it.
#[derive(Debug, Clone, Serialize)]
pub struct FaultInfo {
    pub name: String,
    pub describe: String,
    /// Crash, power loss, isolation, destroyed, replicator stop.
    pub kind: String,
    pub rate_per_year: f64,
}

/// What a (topology, fault scenario) cell produced.
#[derive(Debug, Clone)]
pub enum CellInput {
    Ran {
        /// The resolved scenario's file (written beside the report).
        file: String,
        placed: String,
        trials: Vec<(u64, TrialOutcome)>,
        /// The incident's extra transfer cost in dollars (may be 0).
        incident_usd: f64,
    },
    NotApplicable(String),
}

/// One topology's inputs.
#[derive(Debug, Clone)]
pub struct TopologyInput {
    pub name: String,
    pub file: String,
    pub usd_per_month: f64,
    /// p99 time from send to acknowledgement with no fault (median over
    /// a few quiet trials of each trial's p99), in microseconds.
    pub steady_ack_latency_p99_us: u64,
    pub cells: Vec<CellInput>,
}

/// A metric's distribution over a cell's trials.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Dist {
    pub mean: f64,
    pub p50: u64,
    pub p99: u64,
    pub p999: u64,
    pub max: u64,
}

impl Dist {
    fn of(values: &[u64]) -> Dist {
        let s = MetricSummary::from_values(values);
        Dist {
            mean: s.mean,
            p50: s.p50,
            p99: s.p99,
            p999: s.p999,
            max: s.max,
        }
    }
}

/// A probability with its 95% interval.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Prob {
    pub p: f64,
    pub ci95: [f64; 2],
}

impl Prob {
    fn of(k: u64, n: u64) -> Prob {
        Prob {
            p: if n == 0 { 0.0 } else { k as f64 / n as f64 },
            ci95: wilson_ci95(k, n),
        }
    }
}

/// One cell's per-incident figures.
#[derive(Debug, Clone, Serialize)]
pub struct CellStats {
    pub fault: String,
    pub rate_per_year: f64,
    pub applicable: bool,
    /// Where the fault was placed, or why it cannot happen here.
    pub placed: String,
    pub file: String,
    pub trials: u64,
    pub acked_lost_records: Dist,
    /// Mean of the trials that lost something (0 when none did).
    pub loss_given_loss_mean: f64,
    pub rpo_ms: Dist,
    /// The recovery time of an incident as the application sees it: the
    /// worse of its longest write outage and its longest read outage.
    pub rto_ms: Dist,
    /// The longest write outage (`max_write_outage_ms`).
    pub write_rto_ms: Dist,
    /// The longest read outage (`max_read_outage_ms`).
    pub read_rto_ms: Dist,
    /// Records a consumer group processed twice (after a failover).
    pub duplicates_delivered: Dist,
    pub write_unavailable_ms_mean: f64,
    pub read_unavailable_ms_mean: f64,
    pub p_loss: Prob,
    /// Per class (study order): P(this incident breaches the class).
    pub p_breach: Vec<Prob>,
    /// Per class: the trials that lost more than its RPO allows.
    pub rpo_breaches: Vec<u64>,
    /// Per class: the trials whose RTO (as the class measures it) was
    /// longer than its objective.
    pub rto_breaches: Vec<u64>,
    pub incident_usd: f64,
    /// The trial numbers of the worst loss and the worst RTO (replayable).
    pub worst_loss_trial: Option<u64>,
    pub worst_rto_trial: Option<u64>,
}

/// Per-year figures of one topology.
#[derive(Debug, Clone, Serialize)]
pub struct Annual {
    pub incidents_per_year: f64,
    pub expected_acked_loss_records_per_year: f64,
    pub p_any_loss_per_year: f64,
    pub p_any_loss_per_year_upper95: f64,
    pub write_availability: f64,
    pub write_nines: f64,
    pub read_availability: f64,
    pub read_nines: f64,
    pub incident_usd_per_year: f64,
}

/// Whether a class's objectives hold on a topology. Only [`Status::Met`]
/// passes: a point estimate within the target whose interval reaches past
/// it has not shown anything yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "is")]
pub enum Status {
    /// Even the 95% upper bound of P(breach per year) is within the target.
    Met,
    /// The estimate is within the target but its 95% upper bound is not.
    /// `trials_needed`: about how many trials per cell would bring the
    /// bound within the target if the breach rates stayed as observed
    /// ([`trials_to_show`]); `None` when no number would (the estimate sits
    /// on the target).
    NotShown {
        trials_needed: Option<u64>,
    },
    NotMet,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::NotShown { .. } => "not shown to be met",
            Status::NotMet => "not met",
        }
    }
    /// Whether the class counts as met (toward the cheapest topology).
    pub fn holds(self) -> bool {
        self == Status::Met
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub class: String,
    pub p_breach_per_year: f64,
    pub p_breach_per_year_upper95: f64,
    pub status: Status,
    /// The fault scenario contributing most to the breach rate, if any.
    pub driven_by: Option<String>,
    /// What that fault scenario does to the class, in words with its
    /// figure ("RTO over 15 min in 100% of incidents, p50 1 h").
    pub decided_by: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TopologyResult {
    pub name: String,
    pub file: String,
    pub usd_per_month: f64,
    pub steady_ack_latency_p99_us: u64,
    pub cells: Vec<CellStats>,
    pub annual: Annual,
    pub verdicts: Vec<Verdict>,
}

impl TopologyResult {
    pub fn meets_all(&self) -> bool {
        self.verdicts.iter().all(|v| v.status.holds())
    }
}

/// Nines of an availability: 0.999 → 3.0. Capped at 12 (an availability
/// of 1 has no finite number of nines).
pub fn nines(availability: f64) -> f64 {
    let down = 1.0 - availability;
    if down <= 1e-12 {
        12.0
    } else {
        -down.log10()
    }
}

fn cell_stats(fault: &FaultInfo, cell: &CellInput, classes: &[Objective]) -> CellStats {
    let (file, placed, trials, incident_usd, applicable) = match cell {
        CellInput::Ran {
            file,
            placed,
            trials,
            incident_usd,
        } => (
            file.clone(),
            placed.clone(),
            trials.as_slice(),
            *incident_usd,
            true,
        ),
        CellInput::NotApplicable(why) => (String::new(), why.clone(), &[][..], 0.0, false),
    };
    let values = |m: Metric| -> Vec<u64> { trials.iter().map(|(_, o)| o.get(m)).collect() };
    let both = |o: &TrialOutcome| RtoOf::Both.of(o.max_write_outage_ms, o.max_read_outage_ms);
    let n = trials.len() as u64;
    let losses: Vec<u64> = values(Metric::AckedLostRecords);
    let positive: Vec<u64> = losses.iter().copied().filter(|&v| v > 0).collect();
    let worst = |f: &dyn Fn(&TrialOutcome) -> u64| {
        trials
            .iter()
            .filter(|(_, o)| f(o) > 0)
            .max_by(|(ta, a), (tb, b)| f(a).cmp(&f(b)).then(tb.cmp(ta)))
            .map(|(t, _)| *t)
    };
    let count = |f: &dyn Fn(&TrialOutcome) -> bool| trials.iter().filter(|(_, o)| f(o)).count();
    CellStats {
        fault: fault.name.clone(),
        rate_per_year: fault.rate_per_year,
        applicable,
        placed,
        file,
        trials: n,
        acked_lost_records: Dist::of(&losses),
        loss_given_loss_mean: mean(&positive),
        rpo_ms: Dist::of(&values(Metric::RpoMs)),
        rto_ms: Dist::of(&trials.iter().map(|(_, o)| both(o)).collect::<Vec<_>>()),
        write_rto_ms: Dist::of(&values(Metric::MaxWriteOutageMs)),
        read_rto_ms: Dist::of(&values(Metric::MaxReadOutageMs)),
        duplicates_delivered: Dist::of(&values(Metric::DuplicatesDelivered)),
        write_unavailable_ms_mean: mean(&values(Metric::WriteUnavailableMs)),
        read_unavailable_ms_mean: mean(&values(Metric::ReadUnavailableMs)),
        p_loss: Prob::of(positive.len() as u64, n),
        p_breach: classes
            .iter()
            .map(|c| Prob::of(count(&|o| c.breached_by(o)) as u64, n))
            .collect(),
        rpo_breaches: classes
            .iter()
            .map(|c| count(&|o| c.breaches_rpo(o)) as u64)
            .collect(),
        rto_breaches: classes
            .iter()
            .map(|c| count(&|o| c.rto_of(o) > c.rto_ms) as u64)
            .collect(),
        incident_usd: incident_usd.max(0.0),
        worst_loss_trial: worst(&|o| o.acked_lost_records),
        worst_rto_trial: worst(&both),
    }
}

/// 1 − exp(−Σ λ_f p_f) over the applicable cells.
fn p_per_year(cells: &[CellStats], p: impl Fn(&CellStats) -> f64) -> f64 {
    let rate: f64 = cells
        .iter()
        .filter(|c| c.applicable)
        .map(|c| c.rate_per_year * p(c))
        .sum();
    1.0 - (-rate).exp()
}

fn annual(cells: &[CellStats]) -> Annual {
    let ran = || cells.iter().filter(|c| c.applicable);
    let per_year =
        |f: &dyn Fn(&CellStats) -> f64| ran().map(|c| c.rate_per_year * f(c)).sum::<f64>();
    let write_down = per_year(&|c| c.write_unavailable_ms_mean) / YEAR_MS;
    let read_down = per_year(&|c| c.read_unavailable_ms_mean) / YEAR_MS;
    Annual {
        incidents_per_year: per_year(&|_| 1.0),
        expected_acked_loss_records_per_year: per_year(&|c| c.acked_lost_records.mean),
        p_any_loss_per_year: p_per_year(cells, |c| c.p_loss.p),
        p_any_loss_per_year_upper95: p_per_year(cells, |c| c.p_loss.ci95[1]),
        write_availability: (1.0 - write_down).max(0.0),
        write_nines: nines(1.0 - write_down),
        read_availability: (1.0 - read_down).max(0.0),
        read_nines: nines(1.0 - read_down),
        incident_usd_per_year: per_year(&|c| c.incident_usd),
    }
}

fn verdict(cells: &[CellStats], k: usize, class: &Objective) -> Verdict {
    let p = p_per_year(cells, |c| c.p_breach[k].p);
    let upper = p_per_year(cells, |c| c.p_breach[k].ci95[1]);
    let target = class.max_breach_probability_per_year;
    // A topology no fault scenario applies to has been shown nothing: a
    // probability of 0 out of no incidents is no evidence of meeting.
    if !cells.iter().any(|c| c.applicable) {
        return Verdict {
            class: class.class.clone(),
            p_breach_per_year: p,
            p_breach_per_year_upper95: upper,
            status: Status::NotShown {
                trials_needed: None,
            },
            driven_by: None,
            decided_by: Some(
                "no fault scenario of the study applies to this topology: nothing was shown"
                    .to_string(),
            ),
        };
    }
    let status = if upper <= target {
        Status::Met
    } else if p <= target {
        Status::NotShown {
            trials_needed: trials_to_show(cells, k, target),
        }
    } else {
        Status::NotMet
    };
    let driver = cells
        .iter()
        .filter(|c| c.applicable && c.p_breach[k].p > 0.0)
        .max_by(|a, b| {
            (a.rate_per_year * a.p_breach[k].p).total_cmp(&(b.rate_per_year * b.p_breach[k].p))
        });
    Verdict {
        class: class.class.clone(),
        p_breach_per_year: p,
        p_breach_per_year_upper95: upper,
        status,
        driven_by: driver.map(|c| c.fault.clone()),
        decided_by: driver.map(|c| what_breaches(c, k, class)),
    }
}

/// What a cell does to class `k`, with the figure: how often it loses
/// more than the RPO allows and how often its RTO is over the objective.
fn what_breaches(c: &CellStats, k: usize, class: &Objective) -> String {
    use render::{duration, percent};
    let share = |n: u64| percent(n as f64 / c.trials.max(1) as f64);
    let mut parts = Vec::new();
    if c.rpo_breaches[k] > 0 {
        parts.push(if class.rpo_ms == 0 {
            format!(
                "loses acknowledged records in {} of incidents (up to {} {})",
                share(c.rpo_breaches[k]),
                crate::units::thousands(c.acked_lost_records.max),
                crate::units::plural(c.acked_lost_records.max, "record")
            )
        } else {
            format!(
                "loses records older than {} in {} of incidents (RPO max {})",
                duration(class.rpo_ms as f64),
                share(c.rpo_breaches[k]),
                duration(c.rpo_ms.max as f64)
            )
        });
    }
    if c.rto_breaches[k] > 0 {
        let d = match class.rto_of {
            RtoOf::Writes => c.write_rto_ms,
            RtoOf::Reads => c.read_rto_ms,
            RtoOf::Both => c.rto_ms,
        };
        parts.push(format!(
            "is down longer than {} in {} of incidents (RTO p50 {}, max {})",
            duration(class.rto_ms as f64),
            share(c.rto_breaches[k]),
            duration(d.p50 as f64),
            duration(d.max as f64)
        ));
    }
    format!("{}: {}", c.fault, parts.join("; "))
}

/// The Wilson 95% upper bound of a fraction `p` observed over `n` trials
/// (`p` need not be a whole count over `n`, so the bound falls smoothly as
/// `n` grows). Equal to `wilson_ci95(k, n)[1]` where `p = k / n < 1`.
pub fn wilson_upper95(p: f64, n: u64) -> f64 {
    if p >= 1.0 {
        return 1.0;
    }
    let (nf, z) = (n.max(1) as f64, crate::stats::Z95);
    let z2 = z * z;
    let denom = 1.0 + z2 / nf;
    let center = (p + z2 / (2.0 * nf)) / denom;
    let half = z / denom * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt();
    (center + half).clamp(p, 1.0)
}

/// About how many trials per cell would bring the 95% upper bound of
/// P(breach of class `k` per year) within `target`, if every cell kept its
/// observed breach fraction p_f: the smallest n (searched by doubling, then
/// bisection) at which 1 − exp(−Σ λ_f · wilson_upper95(p_f, n)) is at most
/// the target, rounded up to two significant figures. `None` when not even
/// a billion trials would (the estimate itself is at the target).
pub fn trials_to_show(cells: &[CellStats], k: usize, target: f64) -> Option<u64> {
    let upper_at = |n: u64| p_per_year(cells, |c| wilson_upper95(c.p_breach[k].p, n));
    const CAP: u64 = 1_000_000_000;
    let mut hi = cells.iter().map(|c| c.trials).max().unwrap_or(1).max(1);
    while upper_at(hi) > target {
        if hi >= CAP {
            return None;
        }
        hi = (hi * 2).min(CAP);
    }
    let mut lo = hi / 2;
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if upper_at(mid) <= target {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Some(round_up_2sf(hi))
}

/// `n` rounded up to two significant figures (1,234 → 1,300).
fn round_up_2sf(n: u64) -> u64 {
    let mut unit = 1;
    while n / unit >= 100 {
        unit *= 10;
    }
    n.div_ceil(unit) * unit
}

/// Every topology's figures and verdicts.
pub fn evaluate(
    faults: &[FaultInfo],
    classes: &[Objective],
    topologies: &[TopologyInput],
) -> Vec<TopologyResult> {
    topologies
        .iter()
        .map(|t| {
            let cells: Vec<CellStats> = faults
                .iter()
                .zip(&t.cells)
                .map(|(f, c)| cell_stats(f, c, classes))
                .collect();
            TopologyResult {
                name: t.name.clone(),
                file: t.file.clone(),
                usd_per_month: t.usd_per_month,
                steady_ack_latency_p99_us: t.steady_ack_latency_p99_us,
                annual: annual(&cells),
                verdicts: classes
                    .iter()
                    .enumerate()
                    .map(|(k, c)| verdict(&cells, k, c))
                    .collect(),
                cells,
            }
        })
        .collect()
}

/// The topology that meets every class at the lowest cost per month
/// (steady state plus the year's incidents spread over twelve months).
pub fn cheapest_meeting_all(results: &[TopologyResult]) -> Option<&TopologyResult> {
    results
        .iter()
        .filter(|t| t.meets_all())
        .min_by(|a, b| monthly_total(a).total_cmp(&monthly_total(b)))
}

/// Steady cost per month plus incidents' extra cost per year / 12.
pub fn monthly_total(t: &TopologyResult) -> f64 {
    t.usd_per_month + t.annual.incident_usd_per_year / 12.0
}

#[cfg(test)]
mod tests;
