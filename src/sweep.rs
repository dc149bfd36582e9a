//! `kdrsim sweep FILE --set PATH=VALUES`: run one scenario once per value of
//! one parameter and chart every metric against it.
//!
//! The scenario is parsed into its typed form, turned into a JSON value, the
//! field at PATH (`topics[0].min_insync_replicas`, `a.b[0].c`) is replaced,
//! and the result goes back through the typed parser and the full
//! validation: a swept value gets exactly the checks a hand-written file
//! gets. Each value runs with the same seed and trials (common random
//! numbers), so the curve shows the parameter's effect, not noise.

use crate::console::{emit, CliError};
use crate::report::run_all;
use kdrsim::output::charts;
use kdrsim::output::html::{self, ChartRef, ReportPage};
use kdrsim::output::{self};
use kdrsim::{Model, Source};
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;

/// One step of a field path: a struct field or a list index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Field(String),
    Index(usize),
}

/// Parses `a.b[0].c` into steps.
pub fn parse_path(path: &str) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    if path.is_empty() {
        return Err("the path is empty; write it like topics[0].min_insync_replicas".into());
    }
    for part in path.split('.') {
        let (name, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if name.is_empty() && steps.is_empty() {
            return Err(format!("`{path}`: a path starts with a field name"));
        }
        if !name.is_empty() {
            if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(format!("`{path}`: `{name}` is not a field name"));
            }
            steps.push(Step::Field(name.to_string()));
        }
        while !rest.is_empty() {
            let close = rest
                .find(']')
                .ok_or_else(|| format!("`{path}`: `[` without `]`"))?;
            let index = rest[1..close]
                .parse::<usize>()
                .map_err(|_| format!("`{path}`: `{}` is not a list index", &rest[1..close]))?;
            steps.push(Step::Index(index));
            rest = &rest[close + 1..];
            if !rest.is_empty() && !rest.starts_with('[') {
                return Err(format!("`{path}`: unexpected `{rest}` after `]`"));
            }
        }
    }
    Ok(steps)
}

fn show(steps: &[Step]) -> String {
    let mut s = String::new();
    for step in steps {
        match step {
            Step::Field(f) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(f);
            }
            Step::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    if s.is_empty() {
        "the scenario".into()
    } else {
        s
    }
}

/// The value at `steps` in `root`, or an error naming the first step that
/// does not exist and what would be valid there.
pub fn locate<'a>(root: &'a mut Value, steps: &[Step]) -> Result<&'a mut Value, String> {
    let mut cur = root;
    for (i, step) in steps.iter().enumerate() {
        let here = show(&steps[..i]);
        cur = match (step, cur) {
            (Step::Field(f), Value::Object(map)) => {
                let valid: Vec<String> = map.keys().cloned().collect();
                match map.get_mut(f) {
                    Some(v) => v,
                    None => {
                        let names: Vec<&str> = valid.iter().map(String::as_str).collect();
                        let guess = kdrsim::models::suggest::did_you_mean(f, &names)
                            .map(|m| format!("; did you mean `{m}`?"))
                            .unwrap_or_default();
                        return Err(format!(
                            "unknown field `{f}` in {here}{guess}; valid: {}",
                            valid.join(", ")
                        ));
                    }
                }
            }
            (Step::Index(n), Value::Array(list)) => {
                let len = list.len();
                match list.get_mut(*n) {
                    Some(v) => v,
                    None if len == 0 => return Err(format!("{here} is an empty list")),
                    None => {
                        return Err(format!(
                            "index {n} out of range in {here}; valid: 0..={}",
                            len - 1
                        ))
                    }
                }
            }
            (Step::Field(f), other) => {
                return Err(format!("{here} is {}, it has no field `{f}`", kind(other)))
            }
            (Step::Index(n), other) => {
                return Err(format!(
                    "{here} is {}, not a list; `[{n}]` does not apply",
                    kind(other)
                ))
            }
        };
    }
    Ok(cur)
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "unset",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a structure",
    }
}

/// Splits `VALUES` into the values to sweep: `a,b,c` or
/// `start..end:step` (numbers, `end` included when a step lands on it).
pub fn parse_values(values: &str) -> Result<Vec<String>, String> {
    if let Some((range, step)) = values.split_once(':') {
        if let Some((a, b)) = range.split_once("..") {
            let num = |s: &str| {
                s.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| {
                        format!("`{s}` in `{values}` is not a number (ranges are start..end:step)")
                    })
            };
            let (a, b, step) = (num(a)?, num(b)?, num(step)?);
            if step <= 0.0 || b < a {
                return Err(format!(
                    "`{values}`: a range needs start <= end and step > 0"
                ));
            }
            // `as` saturates (an infinite quotient is u64::MAX), and so
            // does the `+ 1`: a huge range is refused below, not wrapped.
            let count = (((b - a) / step + 1e-9).floor() as u64).saturating_add(1);
            if count > 1000 {
                return Err(format!("`{values}` gives {count} values; at most 1000"));
            }
            let integers = [a, b, step].iter().all(|v| v.fract() == 0.0);
            return Ok((0..count)
                .map(|i| {
                    let v = a + step * i as f64;
                    if integers {
                        format!("{}", v as i64)
                    } else {
                        // Round away the float noise of repeated addition.
                        let s = format!("{v:.6}");
                        s.trim_end_matches('0').trim_end_matches('.').to_string()
                    }
                })
                .collect());
        }
    }
    let list: Vec<String> = values.split(',').map(|s| s.trim().to_string()).collect();
    if list.iter().any(String::is_empty) {
        return Err(format!(
            "`{values}`: empty value; write values as a,b,c or start..end:step"
        ));
    }
    Ok(list)
}

/// The JSON value for `text` at a field currently holding `old`: numbers
/// for numeric (or unset) fields, booleans for boolean ones, and otherwise
/// the text as a string (enum variants like `All` are strings).
fn typed(text: &str, old: &Value) -> Result<Value, String> {
    match old {
        Value::Number(_) => number(text).ok_or_else(|| format!("`{text}` is not a number")),
        Value::Bool(_) => match text {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("`{text}` is not a boolean; valid: true, false")),
        },
        Value::Null => Ok(number(text).unwrap_or_else(|| Value::String(text.to_string()))),
        Value::String(_) => Ok(Value::String(text.to_string())),
        Value::Array(_) | Value::Object(_) => Err(format!(
            "it is {}; sweeps set numbers, booleans, names and unit enum variants (like acks=All)",
            kind(old)
        )),
    }
}

fn number(text: &str) -> Option<Value> {
    if let Ok(i) = text.parse::<u64>() {
        return Some(Value::from(i));
    }
    if let Ok(i) = text.parse::<i64>() {
        return Some(Value::from(i));
    }
    text.parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map(Value::Number)
}

/// The scenario of `source` with `path` set to each of `values`, compiled.
pub fn variants(
    source: &Source,
    path: &str,
    values: &[String],
) -> Result<Vec<Arc<Model>>, CliError> {
    let scenario = kdrsim::models::load::parse(source)?;
    let steps = parse_path(path).map_err(|e| CliError::Usage(format!("--set {e}")))?;
    let base = serde_json::to_value(&scenario).map_err(|e| CliError::Usage(e.to_string()))?;
    let mut out = Vec::with_capacity(values.len());
    for text in values {
        let mut v = base.clone();
        let slot = locate(&mut v, &steps)
            .map_err(|e| CliError::Usage(format!("--set {path}: {e} (in {})", source.file)))?;
        *slot =
            typed(text, slot).map_err(|e| CliError::Usage(format!("--set {path}={text}: {e}")))?;
        let mut edited: kdrsim::models::Scenario =
            serde_path_to_error::deserialize(v).map_err(|e| {
                let at = e.path().to_string();
                CliError::Usage(format!("--set {path}={text}: {} (at {at})", e.into_inner()))
            })?;
        edited.name = format!("{} [{path}={text}]", scenario.name);
        let model = kdrsim::models::compile::compile(&edited, source).map_err(|e| {
            CliError::Usage(format!(
                "--set {path}={text} makes the scenario invalid: {e}"
            ))
        })?;
        out.push(Arc::new(model));
    }
    Ok(out)
}

/// `--set PATH=VALUES` split into the path and its values, checked before
/// the scenario is read so that a typo costs no run.
fn parse_set(set: &str) -> Result<(&str, Vec<String>), CliError> {
    let (path, values) = set.split_once('=').ok_or_else(|| {
        CliError::Usage(format!(
            "--set `{set}`: expected PATH=VALUES, e.g. topics[0].min_insync_replicas=1,2,3"
        ))
    })?;
    let values = parse_values(values).map_err(|e| CliError::Usage(format!("--set {path}: {e}")))?;
    Ok((path, values))
}

/// `kdrsim sweep`.
pub fn sweep(
    file: &Path,
    set: &str,
    seed: u64,
    trials: u64,
    jobs: usize,
    out: &Path,
) -> Result<(), CliError> {
    if trials == 0 {
        return Err(CliError::Usage("--trials must be at least 1".into()));
    }
    let (path, values) = parse_set(set)?;
    let source = kdrsim::read_source(file)?;
    let models = variants(&source, path, &values)?;
    let scenario_name = kdrsim::models::load::parse(&source)?.name;
    let runs = run_all(&models, seed, trials, jobs)?;
    let summaries: Vec<_> = runs.iter().map(output::summarize).collect();
    emit(&output::format_table(&summaries))?;

    let mut dir = crate::console::open_out_dir(out)?;
    let mut write = |name: &str, bytes: &[u8]| {
        dir.write(name, bytes)
            .map(|_| ())
            .map_err(|source| CliError::Io {
                what: format!("writing {name} in {}", out.display()),
                source,
            })
    };
    write("summary.json", output::format_json(&summaries).as_bytes())?;
    write("trials.csv", output::format_csv(&runs).as_bytes())?;
    let chart = charts::sweep::sweep_chart(&scenario_name, path, &values, &summaries, "sweep")
        .map_err(|e| CliError::Io {
            what: "drawing the sweep chart".into(),
            source: std::io::Error::other(e.to_string()),
        })?;
    write("sweep.svg", chart.svg.as_bytes())?;
    write("sweep.png", &chart.png)?;
    let page = ReportPage {
        title: format!("kdrsim sweep: {scenario_name} over {path}"),
        warnings: output::report_warnings(&[], &summaries),
        provenance: None,
        intro: vec![format!(
            "{} of {path} ({}), {} each, master seed {seed}, every value on the \
             same trial numbers (common random numbers).",
            output::units::count(values.len() as u64, "value"),
            values.join(", "),
            output::units::count(trials, "trial")
        )],
        summaries: &summaries,
        charts: vec![ChartRef {
            stem: chart.stem.clone(),
            caption: chart.caption.clone(),
        }],
        scenarios: vec![],
        files: vec![
            (
                "summary.json".into(),
                "per value and metric: statistics".into(),
            ),
            ("trials.csv".into(), "one row per value and trial".into()),
        ],
    };
    write("index.html", html::report_html(&page).as_bytes())?;
    emit(&format!("\nreport: {}\n", out.join("index.html").display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_with_fields_and_indices_parse() {
        assert_eq!(
            parse_path("topics[0].min_insync_replicas").unwrap(),
            vec![
                Step::Field("topics".into()),
                Step::Index(0),
                Step::Field("min_insync_replicas".into())
            ]
        );
        assert!(parse_path("a[").is_err());
        assert!(parse_path("a[x]").is_err());
        assert!(parse_path("").is_err());
    }

    #[test]
    fn values_are_lists_or_ranges() {
        assert_eq!(parse_values("2,3,4").unwrap(), ["2", "3", "4"]);
        assert_eq!(
            parse_values("1000..4000:1000").unwrap(),
            ["1000", "2000", "3000", "4000"]
        );
        assert_eq!(parse_values("0.5..1.5:0.5").unwrap(), ["0.5", "1", "1.5"]);
        assert!(parse_values("5..1:1").is_err());
        assert!(parse_values("1..5:0").is_err());
        assert!(parse_values("1,,2").is_err());
        // A count beyond u64: refused, not wrapped to an empty sweep.
        for huge in ["0..1e300:1e-300", "-1e308..1e308:1", "0..1e19:1"] {
            let e = parse_values(huge).unwrap_err();
            assert!(e.contains("at most 1000"), "{huge}: {e}");
        }
    }

    #[test]
    fn unknown_fields_list_the_valid_ones() {
        let mut v: Value = serde_json::json!({"topics": [{"name": "t", "partitions": 3}]});
        let e = locate(&mut v, &parse_path("topics[0].partitionz").unwrap()).unwrap_err();
        assert!(e.contains("valid: name, partitions"), "{e}");
        let e = locate(&mut v, &parse_path("topics[3].name").unwrap()).unwrap_err();
        assert!(e.contains("valid: 0..=0"), "{e}");
    }
}
