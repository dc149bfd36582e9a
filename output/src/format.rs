//! Report formats: JSON (the scripting contract), CSV (one row per trial) and
//! a plain-text table for terminals. Each is a pure function of its input, so
//! identical runs print byte-identical reports.

use crate::summary::{MetricSummary, ScenarioRun, ScenarioSummary};
use kdrsim_models::Metric;
use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Serialize, Serializer};

struct MetricJson<'a>(&'a MetricSummary);

impl Serialize for MetricJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let m = self.0;
        let mut st = s.serialize_struct("MetricSummary", 9)?;
        st.serialize_field("mean", &m.mean)?;
        st.serialize_field("p50", &m.p50)?;
        st.serialize_field("p90", &m.p90)?;
        st.serialize_field("p99", &m.p99)?;
        st.serialize_field("p999", &m.p999)?;
        st.serialize_field("max", &m.max)?;
        st.serialize_field("p_nonzero", &m.p_nonzero)?;
        st.serialize_field("p_nonzero_ci95", &m.p_nonzero_ci95)?;
        st.serialize_field("nonzero_trials", &m.nonzero_trials)?;
        st.end()
    }
}

/// A metric-keyed map emitted in `Metric::ALL` order.
struct ByMetric<'a, T>(&'a [(Metric, T)]);

impl<T> Serialize for ByMetric<'_, T>
where
    T: SerializeEntry,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (m, v) in self.0 {
            v.entry(m.name(), &mut map)?;
        }
        map.end()
    }
}

trait SerializeEntry {
    fn entry<M: SerializeMap>(&self, key: &str, map: &mut M) -> Result<(), M::Error>;
}
impl SerializeEntry for MetricSummary {
    fn entry<M: SerializeMap>(&self, key: &str, map: &mut M) -> Result<(), M::Error> {
        map.serialize_entry(key, &MetricJson(self))
    }
}
impl SerializeEntry for Vec<u64> {
    fn entry<M: SerializeMap>(&self, key: &str, map: &mut M) -> Result<(), M::Error> {
        map.serialize_entry(key, self)
    }
}

struct ScenarioJson<'a>(&'a ScenarioSummary);

impl Serialize for ScenarioJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        let mut st = s.serialize_struct("Scenario", 6)?;
        st.serialize_field("name", &r.name)?;
        st.serialize_field("file", &r.file)?;
        st.serialize_field("seed", &r.seed)?;
        st.serialize_field("trials", &r.trials)?;
        st.serialize_field("metrics", &ByMetric(&r.metrics))?;
        st.serialize_field("worst_trials", &ByMetric(&r.worst_trials))?;
        st.end()
    }
}

#[derive(Serialize)]
struct ReportJson<'a> {
    scenarios: Vec<ScenarioJson<'a>>,
}

/// `{"scenarios":[{"name","file","seed","trials","metrics":{..},"worst_trials":{..}}]}`,
/// pretty-printed, keys in a fixed order, with a trailing newline.
pub fn format_json(summaries: &[ScenarioSummary]) -> String {
    let report = ReportJson {
        scenarios: summaries.iter().map(ScenarioJson).collect(),
    };
    // Serialising strings, integers and finite floats cannot fail.
    let mut s = serde_json::to_string_pretty(&report).unwrap_or_default();
    s.push('\n');
    s
}

/// RFC 4180 quoting for a field that may hold a comma, quote or newline.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Header `scenario,seed,trial,<metrics>`, then one row per trial.
pub fn format_csv(runs: &[ScenarioRun]) -> String {
    let mut out = String::from("scenario,seed,trial");
    for m in Metric::ALL {
        out.push(',');
        out.push_str(m.name());
    }
    out.push('\n');
    for run in runs {
        let name = csv_field(&run.name);
        for (trial, o) in &run.trials {
            out.push_str(&format!("{name},{},{trial}", run.seed));
            for m in Metric::ALL {
                out.push_str(&format!(",{}", o.get(m)));
            }
            out.push('\n');
        }
    }
    out
}

fn fmt_mean(v: f64) -> String {
    if v == 0.0 {
        "0".into()
    } else if v >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// A plain-text table, one block per scenario.
pub fn format_table(summaries: &[ScenarioSummary]) -> String {
    let mut out = String::new();
    for s in summaries {
        out.push_str(&format!(
            "== {} ({}) — {} trials, seed {} ==\n",
            s.name, s.file, s.trials, s.seed
        ));
        let header = [
            "metric",
            "mean",
            "p50",
            "p99",
            "max",
            "P(>0) [95% CI]",
            "worst trials",
        ];
        let mut rows: Vec<[String; 7]> = Vec::new();
        for ((m, ms), (_, worst)) in s.metrics.iter().zip(&s.worst_trials) {
            let worst = if worst.is_empty() {
                "-".to_string()
            } else {
                worst
                    .iter()
                    .take(3)
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(",")
            };
            rows.push([
                m.name().to_string(),
                fmt_mean(ms.mean),
                ms.p50.to_string(),
                ms.p99.to_string(),
                ms.max.to_string(),
                format!(
                    "{:.1}% [{:.1}–{:.1}]",
                    ms.p_nonzero * 100.0,
                    ms.p_nonzero_ci95[0] * 100.0,
                    ms.p_nonzero_ci95[1] * 100.0
                ),
                worst,
            ]);
        }
        let mut widths = header.map(|h| h.chars().count());
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |cells: &[String]| {
            let mut l = String::new();
            for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
                let pad = w - cell.chars().count();
                if i == 0 || i >= 5 {
                    l.push_str(cell);
                    l.push_str(&" ".repeat(pad));
                } else {
                    l.push_str(&" ".repeat(pad));
                    l.push_str(cell);
                }
                if i + 1 < cells.len() {
                    l.push_str("  ");
                }
            }
            l.trim_end().to_string() + "\n"
        };
        out.push_str(&line(&header.map(String::from)));
        for row in &rows {
            out.push_str(&line(row));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::summarize;
    use kdrsim_models::TrialOutcome;

    fn run(name: &str) -> ScenarioRun {
        ScenarioRun {
            name: name.into(),
            file: "x.ron".into(),
            seed: 3,
            trials: (0..4)
                .map(|t| {
                    (
                        t,
                        TrialOutcome {
                            rpo_ms: t * 10,
                            ..TrialOutcome::default()
                        },
                    )
                })
                .collect(),
        }
    }

    #[test]
    fn json_keys_come_in_the_contract_order() {
        let text = format_json(&[summarize(&run("a"))]);
        let mut last = 0;
        for m in Metric::ALL {
            let at = text.find(&format!("\"{}\"", m.name())).unwrap();
            assert!(at > last, "{} out of order", m.name());
            last = at;
        }
        let keys = [
            "\"mean\"",
            "\"p50\"",
            "\"p90\"",
            "\"p99\"",
            "\"p999\"",
            "\"max\"",
            "\"p_nonzero\"",
            "\"p_nonzero_ci95\"",
        ];
        let mut last = 0;
        for k in keys {
            let at = text[last..].find(k).unwrap() + last;
            assert!(at >= last);
            last = at;
        }
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            v["scenarios"][0]["worst_trials"]["rpo_ms"],
            serde_json::json!([3, 2, 1])
        );
        assert!(text.ends_with("}\n"));
    }

    #[test]
    fn csv_quotes_awkward_scenario_names() {
        let text = format_csv(&[run("a,\"b\"")]);
        assert_eq!(text.lines().count(), 5);
        assert!(text
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("\"a,\"\"b\"\"\",3,0,"));
    }

    #[test]
    fn table_lists_every_metric_once_per_scenario() {
        let text = format_table(&[summarize(&run("a")), summarize(&run("b"))]);
        for m in Metric::ALL {
            assert_eq!(text.matches(m.name()).count(), 2, "{}", m.name());
        }
        assert!(text.lines().all(|l| l.chars().count() <= 120));
    }
}
