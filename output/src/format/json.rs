//! Summaries as JSON, the machine-readable report.
//!
//! The shape is a contract scripts depend on, so it is spelled out here by
//! private view structs whose field order is the key order, rather than by
//! deriving `Serialize` on the summary types (which would let a field
//! reorder silently change the output). Metric-keyed objects are written by
//! hand in [`Metric::ALL`] order: `serde_json::Map` would sort them
//! alphabetically unless the `preserve_order` feature happened to be on.
//!
//! ```json
//! {"scenarios": [{"name", "file", "seed", "trials",
//!   "metrics": {"<metric>": {"mean", "p50", "p90", "p99", "p999", "max",
//!                            "p_nonzero", "p_nonzero_ci95": [lo, hi],
//!                            "nonzero_trials", "mean_positive"}, ...},
//!   "worst_trials": {"<metric>": [trial, ...], ...},
//!   "availability": {...}, "warnings": [...], "model_notes": [...],
//!   "cut_off": {"trials", "fault_unhealed", "runbook_unfinished"}}],
//!  // a report directory's summary.json only (format_report_json):
//!  "warnings": ["...", ...],
//!  "provenance": {"version", "commit", "digest_algorithm",
//!                 "scenarios": [{"file", "name", "digest"}], "seed",
//!                 "trials", "command_line": [...]}}
//! ```

use kdrsim_models::Metric;
use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::summary::{MetricSummary, ScenarioSummary};

/// Renders the summaries as pretty-printed JSON with a trailing newline.
/// Identical summaries give byte-identical text.
///
/// Names are kept exact, and no control character appears raw: serde_json
/// escapes U+0000 to U+001F, and DEL and the C1 set (U+007F to U+009F,
/// which holds the one-character CSI), which it would write raw, are
/// written as `\u007f` ... `\u009f` here.
pub fn format_json(summaries: &[ScenarioSummary]) -> String {
    format_report_json(summaries, &[], None)
}

/// [`format_json`] with the page's `warnings` (every warning the terminal
/// printed, in order) and the run's `provenance` added after `scenarios`:
/// the `summary.json` of a report directory. Only fields are added, so a
/// script that reads [`format_json`]'s shape reads this one too.
pub fn format_report_json(
    summaries: &[ScenarioSummary],
    warnings: &[String],
    provenance: Option<&crate::provenance::Provenance>,
) -> String {
    let report = Report {
        scenarios: summaries.iter().map(ScenarioView).collect(),
        warnings: provenance.map(|_| warnings),
        provenance,
    };
    // Serializing these types cannot fail: no maps with non-string keys, and
    // non-finite floats (which summaries never hold) would become `null`.
    let mut text = serde_json::to_string_pretty(&report).expect("report serializes");
    text.push('\n');
    escape_del_and_c1(text)
}

/// `json` with DEL and C1 characters written as `\u` escapes. Outside
/// strings JSON is ASCII without DEL, so every one found is inside a string,
/// where the escape denotes the same character.
pub(crate) fn escape_del_and_c1(json: String) -> String {
    if !json.chars().any(|c| ('\u{7f}'..='\u{9f}').contains(&c)) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if ('\u{7f}'..='\u{9f}').contains(&c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

#[derive(serde::Serialize)]
struct Report<'a> {
    scenarios: Vec<ScenarioView<'a>>,
    /// Report directories only (with a provenance): every warning.
    #[serde(skip_serializing_if = "Option::is_none")]
    warnings: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    provenance: Option<&'a crate::provenance::Provenance>,
}

struct ScenarioView<'a>(&'a ScenarioSummary);

#[derive(serde::Serialize)]
struct ScenarioFields<'a> {
    name: &'a str,
    file: &'a str,
    seed: u64,
    trials: u64,
    metrics: MetricsView<'a>,
    worst_trials: WorstView<'a>,
    /// Present when the duration is known: time-weighted availability of
    /// writes and reads with 95% intervals.
    #[serde(skip_serializing_if = "Option::is_none")]
    availability: Option<AvailabilityFields>,
    /// Figures resting on too few trials (see `ScenarioSummary::warnings`).
    warnings: Vec<String>,
    /// What the model simplifies for this scenario.
    model_notes: &'a [String],
    /// In how many trials the trial's end cut an outage off (a fault not
    /// healed, a runbook step unfinished); last, so no key moves.
    cut_off: CutOffFields,
}

#[derive(serde::Serialize)]
struct CutOffFields {
    trials: u64,
    fault_unhealed: u64,
    runbook_unfinished: u64,
}

#[derive(serde::Serialize)]
struct AvailabilityFields {
    duration_ms: u64,
    writes: f64,
    writes_ci95: [f64; 2],
    reads: f64,
    reads_ci95: [f64; 2],
}

impl Serialize for ScenarioView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let s = self.0;
        ScenarioFields {
            name: &s.name,
            file: &s.file,
            seed: s.seed,
            trials: s.trials,
            metrics: MetricsView(s),
            worst_trials: WorstView(s),
            availability: s
                .availability(Metric::WriteUnavailableMs)
                .zip(s.availability(Metric::ReadUnavailableMs))
                .map(|((w, wci), (r, rci))| AvailabilityFields {
                    duration_ms: s.duration_ms,
                    writes: w,
                    writes_ci95: wci,
                    reads: r,
                    reads_ci95: rci,
                }),
            warnings: s.warnings(),
            model_notes: &s.notes,
            cut_off: CutOffFields {
                trials: s.cut_off.trials,
                fault_unhealed: s.cut_off.fault_unhealed,
                runbook_unfinished: s.cut_off.runbook_unfinished,
            },
        }
        .serialize(serializer)
    }
}

#[derive(serde::Serialize)]
struct MetricFields {
    mean: f64,
    p50: u64,
    p90: u64,
    p99: u64,
    p999: u64,
    max: u64,
    p_nonzero: f64,
    p_nonzero_ci95: [f64; 2],
    nonzero_trials: u64,
    /// E[X | X > 0]; `null` when no trial had the metric above zero.
    mean_positive: Option<f64>,
}

impl From<&MetricSummary> for MetricFields {
    fn from(m: &MetricSummary) -> MetricFields {
        MetricFields {
            mean: m.mean,
            p50: m.p50,
            p90: m.p90,
            p99: m.p99,
            p999: m.p999,
            max: m.max,
            p_nonzero: m.p_nonzero,
            p_nonzero_ci95: m.p_nonzero_ci95,
            nonzero_trials: m.nonzero_trials,
            mean_positive: m.mean_positive,
        }
    }
}

/// `"metrics"`: metric name → statistics, in [`Metric::ALL`] order whatever
/// the order of the summary's vector; metrics absent from it are omitted.
struct MetricsView<'a>(&'a ScenarioSummary);

impl Serialize for MetricsView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for metric in Metric::ALL {
            if let Some(m) = self.0.metric(metric) {
                map.serialize_entry(metric.name(), &MetricFields::from(m))?;
            }
        }
        map.end()
    }
}

/// `"worst_trials"`: metric name → trial numbers, in [`Metric::ALL`] order,
/// every metric present (an empty list when no trial had it above zero).
struct WorstView<'a>(&'a ScenarioSummary);

impl Serialize for WorstView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(Metric::ALL.len()))?;
        for metric in Metric::ALL {
            map.serialize_entry(metric.name(), self.0.worst(metric))?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accumulate::summarize;
    use crate::summary::ScenarioRun;
    use kdrsim_models::TrialOutcome;

    fn summary() -> ScenarioSummary {
        let trials = (0..10)
            .map(|t| {
                let o = TrialOutcome {
                    acked_lost_records: t % 3,
                    rpo_ms: 100 * t,
                    cross_dc_bytes: 1_000_000 + t,
                    ..TrialOutcome::default()
                };
                (t, o)
            })
            .collect();
        summarize(&ScenarioRun {
            name: "two-dc \"stretch\"".into(),
            file: "examples/stretch.ron".into(),
            seed: 99,
            duration_ms: 0,
            trials,
        })
    }

    /// The keys of a JSON object in the order they appear in `text`, which
    /// `serde_json::Value` (a sorted map by default) would not tell us.
    fn key_order(text: &str, keys: &[&str]) -> Vec<usize> {
        keys.iter()
            .map(|k| {
                text.find(&format!("\"{k}\":"))
                    .unwrap_or_else(|| panic!("{k} missing"))
            })
            .collect()
    }

    #[test]
    fn names_with_control_characters_are_exact_and_never_raw() {
        let name = "a\u{1b}[31m\u{7}\u{8}\u{0}\u{7f}\u{9b}2J\nz";
        let mut s = summary();
        s.name = name.into();
        let text = format_json(&[s]);
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "{text:?}"
        );
        assert!(
            text.contains(r#""a\u001b[31m\u0007\b\u0000\u007f\u009b2J\nz""#),
            "{text}"
        );
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["scenarios"][0]["name"], name);
    }

    #[test]
    fn report_parses_back_with_the_documented_shape() {
        let text = format_json(&[summary()]);
        assert!(text.ends_with("}\n"));
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let scenario = &v["scenarios"][0];
        assert_eq!(scenario["name"], "two-dc \"stretch\"");
        assert_eq!(scenario["seed"], 99);
        assert_eq!(scenario["trials"], 10);
        let lost = &scenario["metrics"]["acked_lost_records"];
        assert_eq!(lost["max"], 2);
        assert_eq!(lost["nonzero_trials"], 6);
        assert_eq!(lost["p_nonzero_ci95"].as_array().unwrap().len(), 2);
        assert_eq!(
            scenario["worst_trials"]["acked_lost_records"],
            serde_json::json!([2, 5, 8, 1, 4])
        );
        assert_eq!(
            scenario["worst_trials"]["skipped_records"],
            serde_json::json!([])
        );
        for m in Metric::ALL {
            assert!(scenario["metrics"][m.name()].is_object(), "{}", m.name());
            assert!(
                scenario["worst_trials"][m.name()].is_array(),
                "{}",
                m.name()
            );
        }
    }

    #[test]
    fn keys_appear_in_contract_order() {
        let text = format_json(&[summary()]);
        let top = key_order(
            &text,
            &["name", "file", "seed", "trials", "metrics", "worst_trials"],
        );
        assert!(top.windows(2).all(|w| w[0] < w[1]), "{top:?}");

        // The keys of one metric object, in order, read off the text itself.
        let start = text.find("\"acked_lost_records\": {").unwrap();
        let end = start + text[start..].find('}').unwrap();
        let object = &text[start + "\"acked_lost_records\": ".len()..=end];
        let keys: Vec<&str> = object
            .lines()
            .filter_map(|l| l.trim().strip_prefix('"').and_then(|l| l.split('"').next()))
            .collect();
        assert_eq!(
            keys,
            [
                "mean",
                "p50",
                "p90",
                "p99",
                "p999",
                "max",
                "p_nonzero",
                "p_nonzero_ci95",
                "nonzero_trials",
                "mean_positive"
            ]
        );

        // Every metric, in Metric::ALL order, in both metric-keyed objects.
        let names: Vec<&str> = Metric::ALL.iter().map(|m| m.name()).collect();
        let metrics_at = text.find("\"metrics\":").unwrap();
        let worst_at = text.find("\"worst_trials\":").unwrap();
        let metrics = key_order(&text[metrics_at..worst_at], &names);
        assert!(metrics.windows(2).all(|w| w[0] < w[1]), "{metrics:?}");
        let worst = key_order(&text[worst_at..], &names);
        assert!(worst.windows(2).all(|w| w[0] < w[1]), "{worst:?}");
    }

    #[test]
    fn metrics_keep_report_order_even_if_the_summary_is_shuffled() {
        let s = summary();
        let mut shuffled = s.clone();
        shuffled.metrics.reverse();
        shuffled.worst_trials.reverse();
        assert_eq!(format_json(&[s]), format_json(&[shuffled]));
    }

    #[test]
    fn identical_input_gives_identical_bytes() {
        assert_eq!(
            format_json(&[summary(), summary()]),
            format_json(&[summary(), summary()])
        );
    }

    #[test]
    fn no_scenarios_is_an_empty_list() {
        assert_eq!(format_json(&[]), "{\n  \"scenarios\": []\n}\n");
    }
}
