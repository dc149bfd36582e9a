//! `kdrsim check`: the expectations of a scenario file, decided over seeded
//! trials, with the trial behind every failure.
//!
//! - `metric OP N` must hold in every one of `trials` trials; a failure names
//!   the first trials that break it.
//! - `STAT(metric) OP X` is computed over the same trials (nearest-rank
//!   percentiles, as in reports); a failure names the worst trials.
//! - `P(metric OP N) OP b @ c%` is decided by a sequential test: it looks at
//!   100, 200, 400, ... trials, up to `max_trials`, and stops as soon as a
//!   one-sided Wilson bound at level `(1 − c) / looks` (Bonferroni over the
//!   planned looks) lies on one side of `b`. The chance of a wrong verdict is
//!   at most `1 − c` whatever the true probability; far from the bound it
//!   stops after a few hundred trials where a fixed-size test would run them
//!   all. Undecided at `max_trials`: the verdict says so (and counts as a
//!   failure: the expectation was not shown to hold).
//!
//! From a user's own `cargo test`:
//!
//! ```
//! use kdrsim::check::{check_model, CheckOptions, Verdict};
//! use kdrsim::{load_source, Source};
//!
//! let text = r#"(
//!     version: 1, name: "three-dc", duration_ms: 600_000,
//!     topology: (regions: [(name: "r", data_centers: [
//!         (name: "a", racks: [(name: "a", brokers: [1], controllers: [101])]),
//!         (name: "b", racks: [(name: "b", brokers: [2], controllers: [102])]),
//!         (name: "c", racks: [(name: "c", brokers: [3], controllers: [103])]),
//!     ])]),
//!     topics: [(name: "t", partitions: 3, replication_factor: 3, min_insync_replicas: 2)],
//!     // A leader that lost power is silent: the producer finds its successor
//!     // after request.timeout.ms (30 s by default; 10 s here).
//!     producers: [(name: "p", topic: "t", dc: "b", records_per_sec: 100.0, request_timeout_ms: 10_000)],
//!     faults: [(at: Uniform(60_000, 300_000), fault: PowerLoss(Dc("a")))],
//!     expect: ["acked_lost_records == 0", "p99(max_write_outage_ms) <= 20000"],
//! )"#;
//! let model = load_source(&Source { file: "three-dc.ron".into(), text: text.into() }).unwrap();
//! let opts = CheckOptions { seed: 1, trials: 50, max_trials: 1_000, jobs: 1 };
//! for result in check_model(&model, opts).unwrap() {
//!     assert_eq!(result.verdict, Verdict::Pass, "{}: {}", result.expectation, result.figure);
//! }
//! ```

use crate::output::stats::{nearest_rank, wilson_interval};
use crate::{run_batch, Model, RunnerError, TrialOutcome, TrialRange};
use kdrsim_models::expect::{Cmp, Expectation, Stat};
use kdrsim_models::outcome::Metric;
use std::sync::Arc;

/// How an expectation came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Fail,
    /// A probability the sequential test could not place within its budget.
    Undecided,
}

/// One expectation's result.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckResult {
    /// The expectation as written.
    pub expectation: String,
    pub verdict: Verdict,
    /// The figure it was decided on, e.g. `p99(rpo_ms) = 4,812`.
    pub figure: String,
    /// Trials it rests on.
    pub trials: u64,
    /// For failures: trials to replay (the first violations, or the worst).
    pub replay_trials: Vec<u64>,
    /// How many of those trials ended with a fault unhealed or a runbook
    /// step unfinished: their outages are cut off at the trial's end.
    pub cut_off: kdrsim_output::CutOffCounts,
}

/// The cut-off counts of `outcomes`.
fn cut_off_of(outcomes: &[(u64, TrialOutcome)]) -> kdrsim_output::CutOffCounts {
    let mut c = kdrsim_output::CutOffCounts::default();
    for (_, o) in outcomes {
        c.add(o.cut_off);
    }
    c
}

/// Trials and seed of a check.
#[derive(Debug, Clone, Copy)]
pub struct CheckOptions {
    pub seed: u64,
    /// Trials for per-trial and distribution expectations.
    pub trials: u64,
    /// The most trials a probability expectation may use.
    pub max_trials: u64,
    pub jobs: usize,
}

/// The outcome of a sequential probability test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sequential {
    pub verdict: Verdict,
    pub hits: u64,
    pub trials: u64,
    /// The one-sided bounds at the final look.
    pub interval: [f64; 2],
}

/// The standard normal quantile (Acklam's rational approximation, relative
/// error below 1.2e-9).
fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let p_low = 0.02425;
    if p < p_low {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - p_low {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        -normal_quantile(1.0 - p)
    }
}

/// Decides `P(event) cmp bound` at `confidence`, drawing Bernoulli trials
/// with `sample(from, to)` (returns the hits among trials `from..to`).
pub fn sequential_test(
    cmp: Cmp,
    bound: f64,
    confidence: f64,
    max_trials: u64,
    mut sample: impl FnMut(u64, u64) -> Result<u64, RunnerError>,
) -> Result<Sequential, RunnerError> {
    let first = 100u64.min(max_trials.max(1));
    let mut looks = 1u32;
    let mut n = first;
    while n < max_trials {
        // Saturating: `--max-trials` may be u64::MAX.
        n = n.saturating_mul(2).min(max_trials);
        looks += 1;
    }
    let alpha = (1.0 - confidence) / looks as f64;
    // One-sided bounds at level alpha each: Wilson at z = Φ⁻¹(1 − alpha).
    let z = normal_quantile(1.0 - alpha);
    let (mut hits, mut done, mut next) = (0u64, 0u64, first);
    loop {
        hits = hits.saturating_add(sample(done, next)?);
        done = next;
        let [lo, hi] = wilson_interval(hits, done, z);
        let verdict = match cmp {
            Cmp::Lt | Cmp::Le if hi < bound => Some(Verdict::Pass),
            Cmp::Lt | Cmp::Le if lo >= bound => Some(Verdict::Fail),
            Cmp::Gt | Cmp::Ge if lo > bound => Some(Verdict::Pass),
            Cmp::Gt | Cmp::Ge if hi <= bound => Some(Verdict::Fail),
            _ => None,
        };
        if let Some(verdict) = verdict {
            return Ok(Sequential {
                verdict,
                hits,
                trials: done,
                interval: [lo, hi],
            });
        }
        if done >= max_trials {
            return Ok(Sequential {
                verdict: Verdict::Undecided,
                hits,
                trials: done,
                interval: [lo, hi],
            });
        }
        next = done.saturating_mul(2).min(max_trials);
    }
}

fn replay_list(outcomes: &[(u64, TrialOutcome)], pick: impl Fn(&TrialOutcome) -> bool) -> Vec<u64> {
    outcomes
        .iter()
        .filter(|(_, o)| pick(o))
        .map(|(t, _)| *t)
        .take(5)
        .collect()
}

/// Checks every expectation of `model`.
pub fn check_model(
    model: &Arc<Model>,
    opts: CheckOptions,
) -> Result<Vec<CheckResult>, RunnerError> {
    let needs_batch = model
        .expectations
        .iter()
        .any(|w| !matches!(w.expectation, Expectation::Probability { .. }));
    let outcomes = if needs_batch {
        run_batch(
            model,
            opts.seed,
            TrialRange::first(opts.trials),
            opts.jobs,
            |_| {},
        )?
    } else {
        Vec::new()
    };
    let mut results = Vec::new();
    for w in &model.expectations {
        let result = match w.expectation {
            Expectation::EveryTrial { metric, cmp, value } => {
                check_every_trial(&w.text, &outcomes, metric, cmp, value)
            }
            Expectation::Distribution {
                stat,
                metric,
                cmp,
                value,
            } => check_distribution(&w.text, &outcomes, stat, metric, cmp, value),
            Expectation::Probability {
                metric,
                inner,
                value,
                cmp,
                bound,
                confidence,
            } => {
                let event = |o: &TrialOutcome| inner.holds(o.get(metric) as f64, value as f64);
                check_probability(model, opts, &w.text, event, cmp, bound, confidence)?
            }
        };
        results.push(result);
    }
    Ok(results)
}

/// `metric cmp value` over the shared batch: the verdict, and the first
/// trial that broke it so the figure names a trial to replay.
fn check_every_trial(
    text: &str,
    outcomes: &[(u64, TrialOutcome)],
    metric: Metric,
    cmp: Cmp,
    value: u64,
) -> CheckResult {
    let bad = |o: &TrialOutcome| !cmp.holds(o.get(metric) as f64, value as f64);
    let failing = replay_list(outcomes, bad);
    let count = outcomes.iter().filter(|(_, o)| bad(o)).count();
    let first = outcomes
        .iter()
        .find(|(_, o)| bad(o))
        .map(|(t, o)| (*t, o.get(metric)));
    CheckResult {
        expectation: text.to_string(),
        verdict: if count == 0 {
            Verdict::Pass
        } else {
            Verdict::Fail
        },
        figure: match first {
            None if outcomes.len() == 1 => "held in the one trial".to_string(),
            None => format!("held in all {} trials", outcomes.len()),
            Some((t, v)) => format!(
                "broken in {count} of {} (trial {t}: {} = {v})",
                kdrsim_output::units::count(outcomes.len() as u64, "trial"),
                metric.name()
            ),
        },
        trials: outcomes.len() as u64,
        replay_trials: failing,
        cut_off: cut_off_of(outcomes),
    }
}

/// `stat(metric) cmp value` over the shared batch; a failure names the
/// worst trials by the metric, the ones that pulled the figure over.
fn check_distribution(
    text: &str,
    outcomes: &[(u64, TrialOutcome)],
    stat: Stat,
    metric: Metric,
    cmp: Cmp,
    value: f64,
) -> CheckResult {
    let mut values: Vec<u64> = outcomes.iter().map(|(_, o)| o.get(metric)).collect();
    values.sort_unstable();
    let (name, figure) = match stat {
        Stat::Quantile(pm) => (
            format!("p{}", if pm % 10 == 0 { pm / 10 } else { pm }),
            nearest_rank(&values, pm as u32).unwrap_or(0) as f64,
        ),
        Stat::Mean => (
            "mean".to_string(),
            values.iter().map(|&v| v as f64).sum::<f64>() / values.len().max(1) as f64,
        ),
        Stat::Max => (
            "max".to_string(),
            values.last().copied().unwrap_or(0) as f64,
        ),
    };
    let pass = cmp.holds(figure, value);
    // The trials behind the figure: the worst by this metric.
    let mut worst: Vec<(u64, u64)> = outcomes.iter().map(|(t, o)| (*t, o.get(metric))).collect();
    worst.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    CheckResult {
        expectation: text.to_string(),
        verdict: if pass { Verdict::Pass } else { Verdict::Fail },
        figure: format!("{name}({}) = {figure}", metric.name()),
        trials: outcomes.len() as u64,
        replay_trials: if pass {
            vec![]
        } else {
            worst.iter().take(5).map(|(t, _)| *t).collect()
        },
        cut_off: cut_off_of(outcomes),
    }
}

/// `P(event) cmp bound @ confidence`: runs its own batches, as many as the
/// sequential test asks for, keeping the first trials where the event
/// happened as examples to replay.
fn check_probability(
    model: &Arc<Model>,
    opts: CheckOptions,
    text: &str,
    event: impl Fn(&TrialOutcome) -> bool,
    cmp: Cmp,
    bound: f64,
    confidence: f64,
) -> Result<CheckResult, RunnerError> {
    let mut examples = Vec::new();
    let mut cut_off = kdrsim_output::CutOffCounts::default();
    let s = sequential_test(cmp, bound, confidence, opts.max_trials, |from, to| {
        let batch = run_batch(
            model,
            opts.seed,
            TrialRange {
                start: from,
                end: to,
            },
            opts.jobs,
            |_| {},
        )?;
        cut_off.merge(&cut_off_of(&batch));
        if examples.len() < 5 {
            examples.extend(
                replay_list(&batch, &event)
                    .into_iter()
                    .take(5 - examples.len()),
            );
        }
        Ok(batch.iter().filter(|(_, o)| event(o)).count() as u64)
    })?;
    Ok(CheckResult {
        expectation: text.to_string(),
        verdict: s.verdict,
        figure: format!(
            "P = {}/{} = {:.4} (bounds {:.4}..{:.4} at {}%)",
            s.hits,
            s.trials,
            s.hits as f64 / s.trials.max(1) as f64,
            s.interval[0],
            s.interval[1],
            confidence * 100.0
        ),
        trials: s.trials,
        replay_trials: if s.verdict == Verdict::Pass {
            vec![]
        } else {
            examples
        },
        cut_off,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_quantiles_are_right() {
        assert!((normal_quantile(0.975) - 1.959_964).abs() < 1e-5);
        assert!((normal_quantile(0.5)).abs() < 1e-12);
        assert!((normal_quantile(1e-6) + 4.753_424).abs() < 1e-5);
    }
}
