//! Every trial as CSV, for analysis in other tools: one row per trial per
//! scenario, columns in [`Metric::ALL`] order.

use std::fmt::Write;

use kdrsim_models::{Metric, TrialOutcome};

use crate::summary::ScenarioRun;

/// Renders `scenario,seed,trial,<metric names...>` and then one row per
/// trial, scenarios and trials in the order given. Only the scenario name
/// can need quoting (everything else is a number); it is quoted per RFC 4180
/// when it contains a comma, quote or LF, and its other control characters
/// are shown as `?`. Lines end with `\n` and the text ends with one.
///
/// It is [`csv_header`] followed by [`write_csv_rows`] per run: a streaming
/// writer that emits the header once and rows chunk by chunk produces the
/// same bytes.
pub fn format_csv(runs: &[ScenarioRun]) -> String {
    let mut out = csv_header();
    for run in runs {
        write_csv_rows(&mut out, &run.name, run.seed, &run.trials);
    }
    out
}

/// The header line, `scenario,seed,trial,<metric names...>\n`.
pub fn csv_header() -> String {
    let mut out = String::from("scenario,seed,trial");
    for metric in Metric::ALL {
        out.push(',');
        out.push_str(metric.name());
    }
    out.push('\n');
    out
}

/// Appends one row per `(trial, outcome)` of scenario `name`, in the order
/// given.
pub fn write_csv_rows(out: &mut String, name: &str, seed: u64, trials: &[(u64, TrialOutcome)]) {
    let name = quote(name);
    for (trial, outcome) in trials {
        // Writing to a String cannot fail.
        let _ = write!(out, "{name},{seed},{trial}");
        for metric in Metric::ALL {
            let _ = write!(out, ",{}", outcome.get(metric));
        }
        out.push('\n');
    }
}

/// A CSV field: as is, or in double quotes with inner quotes doubled;
/// control characters other than the line feed shown as `?`
/// ([`crate::text`]), so a CR never reaches the file either.
fn quote(field: &str) -> String {
    let field = crate::text::printable(field);
    if field.contains([',', '"', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(name: &str, trials: Vec<(u64, TrialOutcome)>) -> ScenarioRun {
        ScenarioRun {
            name: name.into(),
            file: "f.ron".into(),
            seed: 42,
            duration_ms: 0,
            trials,
        }
    }

    #[test]
    fn header_lists_every_metric_in_report_order() {
        let csv = format_csv(&[]);
        let names: Vec<&str> = Metric::ALL.iter().map(|m| m.name()).collect();
        assert_eq!(csv, format!("scenario,seed,trial,{}\n", names.join(",")));
    }

    #[test]
    fn one_row_per_trial_in_given_order() {
        let o = TrialOutcome {
            acked_lost_records: 3,
            cross_dc_bytes: 9,
            ..TrialOutcome::default()
        };
        let csv = format_csv(&[run("a", vec![(1, o), (0, TrialOutcome::default())])]);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[1], "a,42,1,3,0,0,0,0,0,0,0,0,0,9,0,0");
        assert_eq!(lines[2], "a,42,0,0,0,0,0,0,0,0,0,0,0,0,0,0");
        assert!(csv.ends_with('\n'));
    }

    #[test]
    fn control_characters_in_names_are_shown_as_question_marks() {
        assert_eq!(quote("a\u{1b}[31m\u{7}\u{8}\u{0}b"), "a?[31m???b");
        assert_eq!(quote("cr\r,lf\n"), "\"cr?,lf\n\"");
    }

    #[test]
    fn scenario_names_with_commas_quotes_or_newlines_are_quoted() {
        assert_eq!(quote("plain name"), "plain name");
        assert_eq!(quote("a,b"), "\"a,b\"");
        assert_eq!(quote("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(quote("two\nlines"), "\"two\nlines\"");
        let csv = format_csv(&[run("dc \"east\", west", vec![(0, TrialOutcome::default())])]);
        assert!(csv.contains("\n\"dc \"\"east\"\", west\",42,0,"));
    }
}
