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
