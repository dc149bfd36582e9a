//! Errors in scenario input: every one names the file, the line and column,
//! the field, what was found and what would be valid.

use std::fmt;

/// Where in a scenario file a problem is. Line and column are 1-based; 0 means
/// the position could not be determined (the field path still says where).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// The field path, e.g. `topics[0].min_insync_replicas`.
    pub field: String,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}:{}", self.file, self.line, self.column)?;
        } else {
            write!(f, "{}", self.file)?;
        }
        if !self.field.is_empty() {
            write!(f, ": field `{}`", self.field)?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("{file}: cannot read the scenario file: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid RON, or a value has the wrong type or form.
    #[error("{location}: {message}")]
    Parse { location: Location, message: String },
    /// The file parses but describes something impossible.
    #[error("{location}: {message}")]
    Invalid { location: Location, message: String },
}

impl ScenarioError {
    pub fn location(&self) -> Option<&Location> {
        match self {
            ScenarioError::Io { .. } => None,
            ScenarioError::Parse { location, .. } | ScenarioError::Invalid { location, .. } => {
                Some(location)
            }
        }
    }
}

/// Everything wrong with one scenario: each error, in the order of the file
/// (line, then column; errors without a position last), and, when checking
/// stopped before the end of the file, why it did.
#[derive(Debug)]
pub struct Problems {
    pub errors: Vec<ScenarioError>,
    /// Why the rest was not checked (a syntax error, a topology other
    /// sections cannot refer to), when it was not.
    pub stopped: Option<String>,
}

impl Problems {
    /// One error that stops checking (a file that cannot be read or
    /// parsed), saying so.
    pub fn stopping(error: ScenarioError) -> Problems {
        let stopped = match &error {
            ScenarioError::Io { .. } => None,
            ScenarioError::Parse { .. } => Some(
                "parsing stops at the first syntax or type error; the rest of the file is checked once it is fixed"
                    .to_string(),
            ),
            ScenarioError::Invalid { .. } => None,
        };
        Problems {
            errors: vec![error],
            stopped,
        }
    }

    /// The first error (what commands other than `validate` report).
    pub fn first(mut self) -> ScenarioError {
        if self.errors.is_empty() {
            // Never built so; a refusal still needs a reason.
            return ScenarioError::Invalid {
                location: Location {
                    file: String::new(),
                    line: 0,
                    column: 0,
                    field: String::new(),
                },
                message: self
                    .stopped
                    .unwrap_or_else(|| "the scenario was refused".into()),
            };
        }
        self.errors.remove(0)
    }
}

impl From<ScenarioError> for Problems {
    fn from(error: ScenarioError) -> Problems {
        Problems::stopping(error)
    }
}

/// The widest stretch of a source line a snippet shows; longer lines are cut
/// to a window around the column so the caret stays on screen.
const SNIPPET_WIDTH: usize = 100;

impl ScenarioError {
    /// The error with the offending source line and a caret under the
    /// column, in the style of rustc and miette:
    ///
    /// ```text
    /// error: bad.ron:20:86: field `topics[1].min_insync_replicas`: ...
    ///    |
    /// 20 |         (name: "orders", ..., min_insync_replicas: 4, ...),
    ///    |                               ^ topics[1].min_insync_replicas
    /// ```
    ///
    /// `text` is the scenario's source. Without a usable position it is the
    /// one-line message. Hand-written rather than `miette`'s fancy renderer:
    /// that one sizes its output to the terminal, colours it when it thinks
    /// it may, and wants byte spans where our errors carry line and column;
    /// this output must be identical in a test, a pipe and a terminal.
    /// Control characters in the line (a fuzzed or hostile file may hold
    /// terminal escape sequences) are shown as `?`, never echoed.
    pub fn render(&self, text: &str) -> String {
        // The message quotes user strings (an unknown name), which may hold
        // control characters too.
        let head = printable(&format!("error: {self}"));
        let Some(loc) = self.location().filter(|l| l.line > 0) else {
            return head;
        };
        let Some(line) = text.lines().nth(loc.line - 1) else {
            return head;
        };
        let chars: Vec<char> = line
            .chars()
            .map(|c| {
                if c.is_control() {
                    if c == '\t' {
                        ' '
                    } else {
                        '?'
                    }
                } else {
                    c
                }
            })
            .collect();
        let col = loc.column.saturating_sub(1).min(chars.len());
        let from = if chars.len() <= SNIPPET_WIDTH {
            0
        } else {
            col.saturating_sub(SNIPPET_WIDTH / 2).min(chars.len())
        };
        let to = (from + SNIPPET_WIDTH).min(chars.len());
        let mut shown: String = chars[from..to].iter().collect();
        let mut caret_at = col - from;
        if from > 0 {
            shown.insert_str(0, "...");
            caret_at += 3;
        }
        if to < chars.len() {
            shown.push_str("...");
        }
        let number = loc.line.to_string();
        let pad = " ".repeat(number.len());
        let label = if loc.field.is_empty() {
            "here".to_string()
        } else {
            loc.field.clone()
        };
        format!(
            "{head}\n{pad} |\n{number} | {}\n{pad} | {}^ {label}",
            shown.trim_end(),
            " ".repeat(caret_at)
        )
    }
}

/// `s` with every control character except newlines shown as `?`, so that
/// text from a scenario file cannot drive the terminal it is printed on.
pub fn printable(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() && c != '\n' { '?' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(line: usize, column: usize) -> ScenarioError {
        ScenarioError::Invalid {
            location: Location {
                file: "f.ron".into(),
                line,
                column,
                field: "a.b".into(),
            },
            message: "bad".into(),
        }
    }

    #[test]
    fn the_snippet_puts_a_caret_under_the_column() {
        let r = err(2, 5).render("(\n  x: 1,\n)");
        assert_eq!(
            r,
            "error: f.ron:2:5: field `a.b`: bad\n  |\n2 |   x: 1,\n  |     ^ a.b"
        );
    }

    #[test]
    fn escape_sequences_in_the_source_are_not_echoed() {
        let r = err(1, 3).render("\u{1b}[2Jx: 1");
        assert!(!r.contains('\u{1b}'), "{r:?}");
        // Found by the fuzzer: an unknown name quoted in the message itself.
        let quoting = ScenarioError::Invalid {
            location: Location {
                file: "f.ron".into(),
                line: 0,
                column: 0,
                field: String::new(),
            },
            message: "unknown data center \"d\u{1b}[2Jc1\"".into(),
        };
        assert!(!quoting.render("").contains('\u{1b}'));
    }

    #[test]
    fn a_position_outside_the_text_gives_the_plain_message() {
        assert_eq!(err(9, 1).render("x"), "error: f.ron:9:1: field `a.b`: bad");
        assert!(err(1, 999).render("short").ends_with("^ a.b"));
    }

    #[test]
    fn long_lines_are_windowed_around_the_column() {
        let line = format!("{}X{}", "a".repeat(500), "b".repeat(500));
        let r = err(1, 501).render(&line);
        let lines: Vec<&str> = r.lines().collect();
        let caret = lines[3].find('^').unwrap();
        assert_eq!(lines[2].chars().nth(caret), Some('X'), "{r}");
    }
}
