//! Faults that can outlast the trial: `kdrsim validate` warns (it does not
//! refuse) where a scheduled fault's start plus its duration can pass
//! `duration_ms`, because every outage such a fault causes is then cut off
//! at the trial's end and the run's figures understate it (the run itself
//! also counts those trials, `TrialOutcome::cut_off`).
//!
//! "Can pass" uses each distribution's upper bound: the largest value of a
//! `Fixed` or `Uniform` draw, and for the unbounded ones (exponential,
//! log-normal, Weibull) their 99th percentile, named in the warning, so a
//! tail that passes the end only one time in a thousand does not warn.

use crate::load::Source;
use crate::scenario::{FaultKind, Scenario, TimeDist};

/// The percentile used for unbounded distributions.
const TAIL_PERCENTILE: u32 = 99;

/// The upper bound of a draw in ms, and for an unbounded distribution the
/// words saying it is a percentile.
fn upper_ms(d: &TimeDist) -> (f64, Option<String>) {
    // -ln(1 - 0.99) and the standard normal's 0.99 quantile.
    const NEG_LN_TAIL: f64 = 4.605_170_185_988_091;
    const Z_TAIL: f64 = 2.326_347_874_040_841;
    let tail = |what: &str| Some(format!("the {TAIL_PERCENTILE}th percentile of its {what}"));
    match *d {
        TimeDist::Fixed(ms) => (ms as f64, None),
        TimeDist::Uniform(_, hi) => (hi as f64, None),
        TimeDist::Exponential(mean) => (mean as f64 * NEG_LN_TAIL, tail("exponential")),
        TimeDist::LogNormal(median, sigma) => {
            (median as f64 * (sigma * Z_TAIL).exp(), tail("log-normal"))
        }
        TimeDist::Weibull(scale, shape) => (
            scale as f64 * NEG_LN_TAIL.powf(1.0 / shape),
            tail("Weibull"),
        ),
    }
}

/// One warning per scheduled fault that can outlast the trial, each
/// `file:line:column: faults[i]...: what and why`, in file order.
pub fn cut_off_warnings(source: &Source, scenario: &Scenario) -> Vec<String> {
    let end = scenario.duration_ms as f64;
    let ms = |x: f64| crate::words::thousands(x.round() as u64);
    let mut out = Vec::new();
    for (i, f) in scenario.faults.iter().enumerate() {
        let (start, start_tail) = upper_ms(&f.at);
        let at = |field: &str| {
            let (line, column) = source.locate(field, "");
            format!("{}:{line}:{column}: {field}", source.file)
        };
        if matches!(f.fault, FaultKind::Destroyed(_)) {
            // A disaster never heals by definition (recover_after is
            // refused): its outages last until a failover ends them, and
            // the run counts the trials it cuts off. Nothing to fix here.
            continue;
        }
        let Some(dur) = &f.recover_after else {
            out.push(format!(
                "{}: no recover_after: this fault never heals, so every outage it causes lasts to the trial's end and is cut off there (give recover_after to measure outages whole)",
                at(&format!("faults[{i}]"))
            ));
            continue;
        };
        let (duration, dur_tail) = upper_ms(dur);
        // A start past the end is no fault in that trial; from a start
        // inside, the duration decides.
        let start = start.min(end);
        if start + duration <= end {
            continue;
        }
        let said = |v: f64, tail: &Option<String>| match tail {
            Some(t) => format!("{} ms ({t})", ms(v)),
            None => format!("{} ms", ms(v)),
        };
        out.push(format!(
            "{}: the fault can outlast the trial: it starts as late as {} and lasts up to {}, past duration_ms {}; outages it causes in such trials are cut off at the trial's end",
            at(&format!("faults[{i}].recover_after")),
            said(start, &start_tail),
            said(duration, &dur_tail),
            ms(end)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warnings(faults: &str) -> Vec<String> {
        let text = format!(
            r#"(version: 1, name: "w", duration_ms: 3_600_000,
    topology: (regions: [(name: "r", data_centers: [(name: "dc1", racks: [(name: "k", brokers: [1, 2, 3], controllers: [101])])])]),
    topics: [(name: "t", partitions: 1, replication_factor: 3, min_insync_replicas: 2)],
    faults: [{faults}],
)"#
        );
        let src = Source {
            file: "w.ron".into(),
            text,
        };
        let scenario = crate::load::parse(&src).unwrap();
        cut_off_warnings(&src, &scenario)
    }

    #[test]
    fn a_fault_that_heals_inside_the_trial_is_not_warned_about() {
        let w = warnings(
            "(at: Uniform(0, 1_000_000), fault: Crash(Broker(1)), recover_after: Fixed(600_000))",
        );
        assert!(w.is_empty(), "{w:?}");
    }

    #[test]
    fn a_late_start_plus_its_duration_passing_the_end_is_warned_with_its_location() {
        let w = warnings("(at: Uniform(600_000, 3_000_000), fault: Crash(Broker(1)), recover_after: Fixed(1_200_000))");
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].starts_with("w.ron:4:"), "{}", w[0]);
        assert!(w[0].contains("faults[0].recover_after"), "{}", w[0]);
        assert!(w[0].contains("3,000,000 ms"), "{}", w[0]);
    }

    #[test]
    fn an_exponential_repair_warns_only_when_its_99th_percentile_passes_the_end() {
        // 99th percentile of Exponential(100 s) is 460.5 s: inside.
        assert!(warnings(
            "(at: Fixed(60_000), fault: Crash(Broker(1)), recover_after: Exponential(100_000))"
        )
        .is_empty());
        // Of Exponential(1,000 s), 4,605 s: past the hour.
        let w = warnings(
            "(at: Fixed(60_000), fault: Crash(Broker(1)), recover_after: Exponential(1_000_000))",
        );
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].contains("99th percentile of its exponential"),
            "{}",
            w[0]
        );
    }

    #[test]
    fn a_destroyed_target_is_permanent_by_definition_and_not_warned_about() {
        assert!(warnings("(at: Fixed(60_000), fault: Destroyed(Broker(1)))").is_empty());
    }

    #[test]
    fn a_permanent_fault_is_warned_about_as_never_healing() {
        let w = warnings("(at: Fixed(60_000), fault: Crash(Broker(1)))");
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("never heals"), "{}", w[0]);
    }
}
