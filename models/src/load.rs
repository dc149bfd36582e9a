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

/// Why [`read_text_limited`] returned no text.
#[derive(Debug)]
pub enum LimitedReadError {
    Io(std::io::Error),
    /// More than the limit: reading stopped one byte past it.
    TooLarge,
}

/// The UTF-8 text of `path`, refused past `limit` bytes. The bound is on
/// what is read, not on the size the file system reports, so `/dev/zero`, a
/// FIFO or a pipe costs at most `limit + 1` bytes.
pub fn read_text_limited(path: &Path, limit: u64) -> Result<String, LimitedReadError> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(LimitedReadError::Io)?;
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(LimitedReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(LimitedReadError::TooLarge);
    }
    String::from_utf8(bytes)
        .map_err(|e| LimitedReadError::Io(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))
}

/// The source text of a scenario and the name it is reported under.
#[derive(Debug, Clone)]
pub struct Source {
    pub file: String,
    pub text: String,
}

impl Source {
    /// Reads `path`, at most [`MAX_SCENARIO_BYTES`] of it whatever it is (a
    /// device or a pipe reports no size: the read itself stops one byte
    /// past the limit).
    pub fn read(path: &Path) -> Result<Source, ScenarioError> {
        let file = path.display().to_string();
        let text = match read_text_limited(path, MAX_SCENARIO_BYTES) {
            Ok(text) => text,
            Err(LimitedReadError::Io(source)) => return Err(ScenarioError::Io { file, source }),
            Err(LimitedReadError::TooLarge) => {
                return Err(ScenarioError::Invalid {
                    location: Location {
                        file,
                        line: 0,
                        column: 0,
                        field: String::new(),
                    },
                    message: format!(
                        "the file is larger than {MAX_SCENARIO_BYTES} bytes, the limit of a \
                         scenario or study file"
                    ),
                })
            }
        };
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
    parse_raw::<T>(&source.text).map_err(|raw| raw.into_error::<T>(source))
}

/// Where in parsing ron stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Before the first value (an unreadable `#![enable(..)]` header).
    Start,
    /// Reading the value.
    Value,
    /// After the value: something follows it.
    End,
}

/// A parse failure as ron reports it, with the field path being read.
struct RawError {
    code: ron::Error,
    line: usize,
    column: usize,
    path: String,
    stage: Stage,
}

/// Parses `text` as a `T`, without explaining the failure.
fn parse_raw<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, RawError> {
    let mut de =
        ron::Deserializer::from_str_with_options(text, ron_options()).map_err(|e| RawError {
            code: e.code,
            line: e.position.line,
            column: e.position.col,
            path: String::new(),
            stage: Stage::Start,
        })?;
    let mut track = serde_path_to_error::Track::new();
    let result = T::deserialize(serde_path_to_error::Deserializer::new(&mut de, &mut track));
    let value = result.map_err(|e| {
        let spanned = de.span_error(e);
        // serde_path_to_error writes `?` for a segment it could not
        // name (a syntax error before the key); drop it rather than show
        // `topics[0].?`.
        let path = track.path().to_string();
        let path = path.trim_end_matches(".?").trim_end_matches('?');
        RawError {
            code: spanned.code,
            line: spanned.position.line,
            column: spanned.position.col,
            path: if path == "." { "" } else { path }.to_string(),
            stage: Stage::Value,
        }
    })?;
    de.end().map_err(|e| {
        let spanned = de.span_error(e);
        RawError {
            code: spanned.code,
            line: spanned.position.line,
            column: spanned.position.col,
            path: String::new(),
            stage: Stage::End,
        }
    })?;
    Ok(value)
}

impl RawError {
    /// The error as kdrsim reports it: at `source`'s file, line, column
    /// and field, saying what would be valid.
    fn into_error<T: serde::de::DeserializeOwned>(self, source: &Source) -> ScenarioError {
        let (field, message) = match self.stage {
            Stage::Start => (String::new(), self.code.to_string()),
            Stage::End => (
                String::new(),
                format!(
                    "{} (anything after the scenario must be removed)",
                    self.code
                ),
            ),
            Stage::Value => self.explain::<T>(&source.text),
        };
        ScenarioError::Parse {
            location: Location {
                file: source.file.clone(),
                line: self.line,
                column: self.column,
                field,
            },
            message,
        }
    }

    /// The field and message of a failure while reading the value: ron's
    /// message with what would be valid and, for a misspelt name, what was
    /// probably meant.
    fn explain<T: serde::de::DeserializeOwned>(&self, text: &str) -> (String, String) {
        let field = self.path.clone();
        match &self.code {
            ron::Error::SuggestRawIdentifier(name) => self.dotted::<T>(text, name),
            ron::Error::NoSuchEnumVariant {
                expected,
                found,
                outer,
            } => (field, unknown_name("variant", found, outer, expected)),
            ron::Error::NoSuchStructField {
                expected,
                found,
                outer,
            } => (field, unknown_name("field", found, outer, expected)),
            code => (
                field,
                with_found(code.to_string(), text, self.line, self.column),
            ),
        }
    }

    /// A name with dots or dashes, `min.insync.replicas` (ron reads it as
    /// an invalid identifier): Kafka's property name. Says the field it is
    /// written as, found by reading the text again with a name no struct
    /// has in its place, which makes ron list the valid ones.
    fn dotted<T: serde::de::DeserializeOwned>(&self, text: &str, name: &str) -> (String, String) {
        let written: String = name
            .chars()
            .map(|c| if matches!(c, '.' | '-') { '_' } else { c })
            .collect();
        let what = if name.contains('.') { "dots" } else { "dashes" };
        let valid = self.valid_names_here::<T>(text, name);
        let at = |f: &str| match self.path.as_str() {
            "" => f.to_string(),
            path => format!("{path}.{f}"),
        };
        let Some((kind, outer, valid)) = valid else {
            return (
                self.path.clone(),
                format!("`{name}` is not a valid name: names are written with {what} as underscores (`{written}`)"),
            );
        };
        if kind == "variant" {
            let message = format!(
                "`{name}` is not a variant of {}",
                outer.map_or("this enum".to_string(), |o| format!("`{o}`"))
            );
            let meant = crate::suggest::did_you_mean(name, &valid);
            return (
                self.path.clone(),
                suggesting(message, meant, "valid", &valid),
            );
        }
        if valid.contains(&written.as_str()) {
            return (
                at(&written),
                format!("`{name}` is not a {kind} name: Kafka's property names are written with {what} as underscores: `{written}`"),
            );
        }
        let message = format!(
            "`{name}` is not a {kind} name: Kafka's property names are written with {what} as underscores, but {} has no {kind} `{written}` either",
            outer.map_or("this value".to_string(), |o| format!("`{o}`"))
        );
        let meant = crate::suggest::did_you_mean(&written, &valid);
        let label = format!("valid {kind}s");
        (
            self.path.clone(),
            suggesting(message, meant, &label, &valid),
        )
    }

    /// The field (or variant) names valid where `name` stands in `text`,
    /// with the struct (or enum) they belong to: read from the error ron
    /// gives for a name no schema has, put in `name`'s place.
    fn valid_names_here<T: serde::de::DeserializeOwned>(
        &self,
        text: &str,
        name: &str,
    ) -> Option<(&'static str, Option<String>, Vec<&'static str>)> {
        const PROBE: &str = "kdrsim_no_such_name";
        let line_start: usize = text
            .split_inclusive('\n')
            .take(self.line.saturating_sub(1))
            .map(str::len)
            .sum();
        let at = line_start + self.column.saturating_sub(1);
        if text.get(at..at + name.len()) != Some(name) {
            return None;
        }
        let probe = format!("{}{PROBE}{}", &text[..at], &text[at + name.len()..]);
        let Err(again) = parse_raw::<T>(&probe) else {
            return None;
        };
        match again.code {
            ron::Error::NoSuchStructField {
                expected,
                found,
                outer,
            } if found == PROBE => Some(("field", outer, expected.to_vec())),
            ron::Error::NoSuchEnumVariant {
                expected,
                found,
                outer,
            } if found == PROBE => Some(("variant", outer, expected.to_vec())),
            _ => None,
        }
    }
}

/// "unknown field `min_isr` in `Topic`; did you mean `min_insync_replicas`?
/// valid fields: ..." (or a variant of an enum).
fn unknown_name(kind: &str, found: &str, outer: &Option<String>, expected: &[&str]) -> String {
    let mut message = format!("unknown {kind} `{found}`");
    if let Some(outer) = outer {
        let of = if kind == "variant" { "of" } else { "in" };
        message.push_str(&format!(" {of} `{outer}`"));
    }
    let label = if kind == "variant" {
        "valid"
    } else {
        "valid fields"
    };
    let meant = crate::suggest::did_you_mean(found, expected);
    suggesting(message, meant, label, expected)
}

/// `message`, then "; did you mean `meant`?" when there is a guess, then
/// the valid names under `label`.
fn suggesting(mut message: String, meant: Option<&str>, label: &str, valid: &[&str]) -> String {
    match meant {
        Some(meant) => message.push_str(&format!("; did you mean `{meant}`? ")),
        None => message.push_str("; "),
    }
    if valid.is_empty() {
        message.push_str("nothing is valid here");
    } else {
        message.push_str(&format!("{label}: {}", valid.join(", ")));
    }
    message
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based() {
        assert_eq!(line_col("ab\ncd", 0), (1, 1));
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
    }
}
