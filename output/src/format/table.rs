//! Summaries as an aligned plain-text table, the report a person reads in a
//! terminal. Column widths come from the content, so the table stays narrow
//! (well under 120 columns for ordinary values) without an external crate.

use kdrsim_models::Metric;

use crate::summary::{MetricSummary, ScenarioSummary};

/// How many worst trials the table shows per metric (JSON has them all).
const TABLE_WORST: usize = 3;

const HEADER: [&str; 7] = [
    "metric",
    "mean",
    "p50",
    "p99",
    "max",
    "P(>0) [95% CI]",
    "worst trials",
];

/// Which columns are numbers, right-aligned so digits line up.
const RIGHT_ALIGNED: [bool; 7] = [false, true, true, true, true, false, false];

/// Renders one block per scenario, separated by blank lines:
///
/// ```text
/// == broker-crash (scenarios/broker-crash.ron) — 1000 trials, seed 1 ==
/// metric               | mean | p50 | p99 | max | P(>0) [95% CI] | worst trials
/// ---------------------+------+-----+-----+-----+----------------+-------------
/// acked_lost_records   | 0.25 |   0 |   7 |  12 | 2.0% [1.3–3.1] | 17, 3, 99
/// rpo_ms               |    0 |   0 |   0 |   0 | 0.0% [0.0–0.4] | -
/// ...
/// ```
///
/// Numbers are right-aligned, widths follow the content. Means have two
/// decimals below 10, one below 1000 and none above; `P(>0)` is a
/// percentage with its 95% Wilson interval; "worst trials" lists up to three
/// trial numbers to replay, or `-`. Lines carry no trailing spaces.
///
/// Control characters in names are shown as `?` ([`crate::text`]); the
/// replacement is one character for one, so columns stay aligned.
pub fn format_table(summaries: &[ScenarioSummary]) -> String {
    let blocks: Vec<String> = summaries.iter().map(scenario_block).collect();
    crate::text::printable(&blocks.join("\n")).into_owned()
}

fn scenario_block(s: &ScenarioSummary) -> String {
    let mut out = format!(
        "== {} ({}) — {}, seed {} ==\n",
        s.name,
        s.file,
        crate::units::count(s.trials, "trial"),
        s.seed
    );
    let rows: Vec<[String; 7]> = Metric::ALL
        .iter()
        .filter_map(|&metric| s.metric(metric).map(|m| row(metric, m, s.worst(metric))))
        .collect();
    let mut widths = HEADER.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    out.push_str(&line(&HEADER.map(String::from), &widths));
    let rule: Vec<String> = widths.iter().map(|&w| "-".repeat(w)).collect();
    out.push_str(&rule.join("-+-"));
    out.push('\n');
    for row in &rows {
        out.push_str(&line(row, &widths));
    }
    // Time-weighted availability, and figures resting on too few trials.
    let avail: Vec<String> = [
        ("writes", Metric::WriteUnavailableMs),
        ("reads", Metric::ReadUnavailableMs),
    ]
    .iter()
    .filter_map(|&(what, m)| {
        s.availability(m).map(|(a, [lo, hi])| {
            format!(
                "{what} {:.5}% [{:.5}–{:.5}]",
                a * 100.0,
                lo * 100.0,
                hi * 100.0
            )
        })
    })
    .collect();
    if !avail.is_empty() {
        out.push_str(&format!(
            "availability (95% CI): {}
",
            avail.join(", ")
        ));
    }
    for w in s.warnings() {
        out.push_str(&format!(
            "warning: {w}
"
        ));
    }
    for n in &s.notes {
        out.push_str(&format!("model note: {}\n", crate::printable_line(n)));
    }
    out
}

fn row(metric: Metric, m: &MetricSummary, worst: &[u64]) -> [String; 7] {
    let worst = if worst.is_empty() {
        "-".to_string()
    } else {
        let shown: Vec<String> = worst.iter().take(TABLE_WORST).map(u64::to_string).collect();
        shown.join(", ")
    };
    [
        metric.name().to_string(),
        // A mean never exceeds the max, but near u64::MAX (every trial
        // saturated) the f64 mean rounds up past it: show the max then.
        if m.mean >= m.max as f64 {
            m.max.to_string()
        } else {
            format_mean(m.mean)
        },
        m.p50.to_string(),
        m.p99.to_string(),
        m.max.to_string(),
        format!(
            "{}% [{:.1}–{:.1}]",
            format_percent(m.p_nonzero),
            m.p_nonzero_ci95[0] * 100.0,
            m.p_nonzero_ci95[1] * 100.0
        ),
        worst,
    ]
}

/// One table line: cells padded to `widths`, joined by ` | `, right end
/// trimmed.
fn line(cells: &[String; 7], widths: &[usize; 7]) -> String {
    let padded: Vec<String> = cells
        .iter()
        .zip(widths)
        .zip(RIGHT_ALIGNED)
        .map(|((cell, &w), right)| {
            let pad = " ".repeat(w.saturating_sub(cell.chars().count()));
            if right {
                pad + cell
            } else {
                cell.clone() + &pad
            }
        })
        .collect();
    let mut text = padded.join(" | ").trim_end().to_string();
    text.push('\n');
    text
}

/// A mean for reading: `0` when exactly zero, `<0.01` when it would
/// otherwise round to a misleading `0.00`, two decimals below 10, one below
/// 1000 and none above (a fraction of a millisecond or byte in a mean of
/// thousands is noise, and the column stays narrow).
///
/// A mean that is a whole number (every trial counted the same) is shown
/// as one, `537`, like the percentiles beside it, never `537.0`; so are
/// trailing zeros (`1.50` is `1.5`).
fn format_mean(mean: f64) -> String {
    let text = if mean == 0.0 {
        return "0".to_string();
    } else if mean < 0.005 {
        return "<0.01".to_string();
    } else if mean < 10.0 {
        format!("{mean:.2}")
    } else if mean < 1000.0 {
        format!("{mean:.1}")
    } else {
        format!("{mean:.0}")
    };
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// A proportion as a percentage with one decimal, never rounding a nonzero
/// rate to `0.0` or a rate below one to `100.0`: those are exactly the cases
/// ("it never happened", "it always happened") a reader must not misread.
fn format_percent(p: f64) -> String {
    let text = format!("{:.1}", p * 100.0);
    if p > 0.0 && text == "0.0" {
        "<0.1".to_string()
    } else if p < 1.0 && text == "100.0" {
        ">99.9".to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accumulate::summarize;
    use crate::summary::ScenarioRun;
    use kdrsim_models::TrialOutcome;

    fn run(name: &str, n: u64) -> ScenarioRun {
        let trials = (0..n)
            .map(|t| {
                let o = TrialOutcome {
                    acked_lost_records: if t % 8 == 0 { t } else { 0 },
                    write_unavailable_ms: 30_000 + t,
                    ..TrialOutcome::default()
                };
                (t, o)
            })
            .collect();
        ScenarioRun {
            name: name.into(),
            file: format!("{name}.ron"),
            seed: 42,
            duration_ms: 0,
            trials,
        }
    }

    #[test]
    fn table_lists_every_metric_under_a_titled_block() {
        let text = format_table(&[summarize(&run("stretch", 100))]);
        assert!(text.starts_with("== stretch (stretch.ron) — 100 trials, seed 42 ==\n"));
        for m in Metric::ALL {
            assert!(
                text.lines().any(|l| l.starts_with(m.name())),
                "{} missing",
                m.name()
            );
        }
        assert!(text.ends_with('\n'));
    }

    #[test]
    fn a_metric_saturated_in_every_trial_shows_a_mean_no_greater_than_its_max() {
        let mut r = run("saturated", 3);
        for (_, o) in &mut r.trials {
            o.cross_dc_bytes = u64::MAX;
        }
        let text = format_table(&[summarize(&r)]);
        let line = text
            .lines()
            .find(|l| l.starts_with("cross_dc_bytes"))
            .unwrap();
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        assert_eq!(cells[1], u64::MAX.to_string(), "{line}");
        assert_eq!(cells[4], u64::MAX.to_string(), "{line}");
    }

    #[test]
    fn control_characters_in_names_are_shown_as_question_marks() {
        let text = format_table(&[summarize(&run("a\u{1b}[31m\u{7}\u{8}\u{0}\u{9b}b", 10))]);
        assert!(
            text.starts_with("== a?[31m????b (a?[31m????b.ron) — 10 trials"),
            "{text}"
        );
        assert!(!text.chars().any(|c| c.is_control() && c != '\n'));
    }

    #[test]
    fn columns_line_up_and_stay_narrow() {
        let text = format_table(&[summarize(&run("stretch", 1000))]);
        let bars: Vec<Vec<usize>> = text
            .lines()
            .skip(1)
            // Character (not byte) positions: the en dash is multi-byte.
            .map(|l| {
                l.chars()
                    .enumerate()
                    .filter(|&(_, c)| c == '|' || c == '+')
                    .map(|(i, _)| i)
                    .collect()
            })
            .collect();
        assert!(bars.windows(2).all(|w| w[0] == w[1]), "{text}");
        assert!(
            text.lines()
                .all(|l| l.chars().count() <= 120 && !l.ends_with(' ')),
            "{text}"
        );
    }

    #[test]
    fn lossy_metric_shows_rate_interval_and_three_worst_trials() {
        let text = format_table(&[summarize(&run("s", 100))]);
        let lost = text
            .lines()
            .find(|l| l.starts_with("acked_lost_records"))
            .unwrap();
        // Trials 8, 16, ..., 96 lost records (trial 0 lost 0): 12 of 100.
        assert!(lost.contains("12.0% [7.0–19.8]"), "{lost}");
        assert!(lost.ends_with("| 96, 88, 80"), "{lost}");
        let dup = text
            .lines()
            .find(|l| l.starts_with("duplicates_delivered"))
            .unwrap();
        assert!(dup.ends_with("| -"), "{dup}");
        assert!(dup.contains("0.0% [0.0–3.7]"), "{dup}");
    }

    #[test]
    fn scenarios_are_separated_by_a_blank_line() {
        let text = format_table(&[summarize(&run("a", 5)), summarize(&run("b", 5))]);
        assert!(text.contains("\n\n== b (b.ron) — 5 trials, seed 42 ==\n"));
        assert_eq!(format_table(&[]), "");
    }

    #[test]
    fn means_and_rates_round_without_misleading() {
        assert_eq!(format_mean(0.0), "0");
        assert_eq!(format_mean(0.001), "<0.01");
        assert_eq!(format_mean(1.234), "1.23");
        assert_eq!(format_mean(12.34), "12.3");
        assert_eq!(format_mean(999.94), "999.9");
        assert_eq!(format_mean(537.0), "537");
        assert_eq!(format_mean(1.5), "1.5");
        assert_eq!(format_mean(3.0), "3");
        assert_eq!(format_mean(123_456.78), "123457");
        assert_eq!(format_percent(0.0), "0.0");
        assert_eq!(format_percent(0.0001), "<0.1");
        assert_eq!(format_percent(0.123), "12.3");
        assert_eq!(format_percent(0.9999), ">99.9");
        assert_eq!(format_percent(1.0), "100.0");
    }
}
