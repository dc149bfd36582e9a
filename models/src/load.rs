//! Reading scenario files: RON text → [`Scenario`], with errors that point at
//! the file, line, column and field.
//!
//! Parsing goes through `serde_path_to_error` so that a type error knows the
//! field path (`topics[0].partitions`), and through ron's own deserializer so
//! that it knows the position. Semantic validation happens afterwards in
//! [`crate::compile`]; its errors carry the field path and, where the offending
//! value can be found in the text, its position.

use crate::error::{Location, ScenarioError};
use crate::scenario::Scenario;
use ron::extensions::Extensions;
use ron::Options;
use std::path::Path;

/// The largest scenario file accepted (refused before parsing).
pub const MAX_SCENARIO_BYTES: u64 = 4 * 1024 * 1024;

/// The source text of a scenario and the name it is reported under.
#[derive(Debug, Clone)]
pub struct Source {
    pub file: String,
    pub text: String,
}

impl Source {
    pub fn read(path: &Path) -> Result<Source, ScenarioError> {
        let file = path.display().to_string();
        let meta = std::fs::metadata(path).map_err(|source| ScenarioError::Io {
            file: file.clone(),
            source,
        })?;
        if meta.len() > MAX_SCENARIO_BYTES {
            return Err(ScenarioError::Invalid {
                location: Location {
                    file,
                    line: 0,
                    column: 0,
                    field: String::new(),
                },
                message: format!(
                    "the file is {} bytes; scenario files are limited to {} bytes",
                    meta.len(),
                    MAX_SCENARIO_BYTES
                ),
            });
        }
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io {
            file: file.clone(),
            source,
        })?;
        Ok(Source { file, text })
    }

    /// The 1-based (line, column) of `field`'s value, found by walking its
    /// path through the text ([`crate::locate`]); with a `needle`, of the
    /// needle's first occurrence inside that value (e.g. the unknown broker
    /// id inside `Crash(Broker(7))`). (0, 0) when nothing fits.
    pub fn locate(&self, field: &str, needle: &str) -> (usize, usize) {
        if field.is_empty() {
            return match self.text.find(needle).filter(|_| !needle.is_empty()) {
                Some(offset) => line_col(&self.text, offset),
                None => (0, 0),
            };
        }
        let Some((start, end)) = crate::locate::span(&self.text, field) else {
            return (0, 0);
        };
        let inside = (!needle.is_empty())
            .then(|| self.text.get(start..end).and_then(|v| v.find(needle)))
            .flatten();
        line_col(&self.text, start + inside.unwrap_or(0))
    }

    pub fn location(&self, field: &str, needle: &str) -> Location {
        let (line, column) = self.locate(field, needle);
        Location {
            file: self.file.clone(),
            line,
            column,
            field: field.to_string(),
        }
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    // Back off to a character boundary: offsets come from byte scans of
    // arbitrary (possibly fuzzed) text.
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The RON options every scenario is read with: `Some(..)` may be omitted.
pub fn ron_options() -> Options {
    Options::default().with_default_extension(Extensions::IMPLICIT_SOME)
}

/// Parses scenario text (no semantic checks).
pub fn parse(source: &Source) -> Result<Scenario, ScenarioError> {
    parse_ron::<Scenario>(source)
}

/// Parses RON text into any of the file schemas (a scenario, a study),
/// with the same limits and the same file, line, column and field in every
/// error.
pub fn parse_ron<T: serde::de::DeserializeOwned>(source: &Source) -> Result<T, ScenarioError> {
    // The same limit as for files, for text that arrives another way (a
    // built-in, a library caller, the fuzzer): parsing allocates in
    // proportion to the text, so refuse before it starts.
    if source.text.len() as u64 > MAX_SCENARIO_BYTES {
        return Err(ScenarioError::Invalid {
            location: Location {
                file: source.file.clone(),
                line: 0,
                column: 0,
                field: String::new(),
            },
            message: format!(
                "the scenario is {} bytes; scenarios are limited to {MAX_SCENARIO_BYTES} bytes",
                source.text.len()
            ),
        });
    }
    let mut de =
        ron::Deserializer::from_str_with_options(&source.text, ron_options()).map_err(|e| {
            ScenarioError::Parse {
                location: Location {
                    file: source.file.clone(),
                    line: e.position.line,
                    column: e.position.col,
                    field: String::new(),
                },
                message: e.code.to_string(),
            }
        })?;
    let mut track = serde_path_to_error::Track::new();
    let result = T::deserialize(serde_path_to_error::Deserializer::new(&mut de, &mut track));
    let scenario = match result {
        Ok(s) => s,
        Err(e) => {
            let spanned = de.span_error(e);
            // serde_path_to_error writes `?` for a segment it could not
            // name (a syntax error before the key); drop it rather than show
            // `topics[0].?`.
            let path = track.path().to_string();
            let path = path
                .trim_end_matches(".?")
                .trim_end_matches('?')
                .to_string();
            return Err(ScenarioError::Parse {
                location: Location {
                    file: source.file.clone(),
                    line: spanned.position.line,
                    column: spanned.position.col,
                    field: if path == "." { String::new() } else { path },
                },
                message: with_found(
                    explain_parse_error(&spanned.code),
                    &source.text,
                    spanned.position.line,
                    spanned.position.col,
                ),
            });
        }
    };
    de.end().map_err(|e| {
        let spanned = de.span_error(e);
        ScenarioError::Parse {
            location: Location {
                file: source.file.clone(),
                line: spanned.position.line,
                column: spanned.position.col,
                field: String::new(),
            },
            message: format!(
                "{} (anything after the scenario must be removed)",
                spanned.code
            ),
        }
    })?;
    Ok(scenario)
}

/// "Expected integer" says what would be valid but not what was there: add
/// the token at the error's position (ron points at the start of the value
/// it could not read), shortened and with control characters shown as `?`.
fn with_found(message: String, text: &str, line: usize, col: usize) -> String {
    if !message.starts_with("Expected") {
        return message;
    }
    let Some(l) = text.lines().nth(line.wrapping_sub(1)) else {
        return message;
    };
    let rest: String = l.chars().skip(col.saturating_sub(1)).collect();
    let token: String = if let Some(inner) = rest.strip_prefix('"') {
        // A string literal, to its closing quote.
        let end = inner.find('"').map_or(rest.len(), |i| i + 2);
        rest[..end].to_string()
    } else {
        rest.chars()
            .take_while(|c| !c.is_whitespace() && !matches!(c, ',' | ')' | ']' | '}'))
            .collect()
    };
    let token: String = token
        .chars()
        .take(40)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if token.is_empty() {
        return message;
    }
    let hint = if message.starts_with("Expected integer") && token.starts_with('-') {
        " (counts and durations are never negative)"
    } else {
        ""
    };
    format!("{message}, found `{token}`{hint}")
}

/// ron's messages are good but terse; add what would be valid where we can.
fn explain_parse_error(code: &ron::Error) -> String {
    let base = code.to_string();
    match code {
        ron::Error::NoSuchEnumVariant { expected, .. } => {
            format!("{base}; valid: {}", expected.join(", "))
        }
        ron::Error::NoSuchStructField { expected, .. } => {
            format!("{base}; valid fields: {}", expected.join(", "))
        }
        _ => base,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based() {
        assert_eq!(line_col("ab\ncd", 0), (1, 1));
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
    }
}
