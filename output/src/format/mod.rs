//! The report formats. Each is a pure function returning the whole text, so
//! the caller decides where it goes (stdout, an atomically written file) and
//! identical inputs always give byte-identical output.

pub mod csv;
pub mod json;
pub mod table;

use std::fmt;
use std::str::FromStr;

use crate::accumulate::summarize;
use crate::summary::ScenarioRun;

/// A report format, as named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Aligned plain text for a terminal ([`table::format_table`]).
    Table,
    /// Summaries as pretty JSON ([`json::format_json`]).
    Json,
    /// One row per trial ([`csv::format_csv`]).
    Csv,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 3] = [Format::Table, Format::Json, Format::Csv];

    /// The command-line name, also the usual file extension.
    pub const fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Csv => "csv",
        }
    }

    /// Renders `runs` in this format. Table and JSON summarize the runs
    /// first; CSV lists every trial. Callers that render several formats can
    /// summarize once and call the format functions directly.
    pub fn render(self, runs: &[ScenarioRun]) -> String {
        match self {
            Format::Csv => csv::format_csv(runs),
            Format::Table | Format::Json => {
                let summaries: Vec<_> = runs.iter().map(summarize).collect();
                if self == Format::Table {
                    table::format_table(&summaries)
                } else {
                    json::format_json(&summaries)
                }
            }
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error of parsing an unknown format name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownFormat(pub String);

impl fmt::Display for UnknownFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown format `{}` (expected table, json or csv)",
            self.0
        )
    }
}

impl std::error::Error for UnknownFormat {}

impl FromStr for Format {
    type Err = UnknownFormat;

    /// Parses a format name, ignoring ASCII case.
    fn from_str(s: &str) -> Result<Format, UnknownFormat> {
        Format::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownFormat(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip() {
        for f in Format::ALL {
            assert_eq!(f.name().parse::<Format>(), Ok(f));
            assert_eq!(f.to_string(), f.name());
        }
        assert_eq!("JSON".parse::<Format>(), Ok(Format::Json));
        assert!("yaml".parse::<Format>().is_err());
    }

    #[test]
    fn render_dispatches_to_each_format() {
        let runs = [ScenarioRun {
            name: "a".into(),
            file: "a.ron".into(),
            seed: 1,
            duration_ms: 0,
            trials: vec![(0, Default::default())],
        }];
        assert!(Format::Csv
            .render(&runs)
            .starts_with("scenario,seed,trial,"));
        assert!(Format::Json.render(&runs).starts_with("{"));
        assert!(Format::Table.render(&runs).starts_with("== a (a.ron)"));
    }
}
