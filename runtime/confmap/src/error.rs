//! Config errors: every problem found, each naming the source, the key path
//! and what was expected.

use std::fmt;

/// One problem in the config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigIssue {
    /// The file (or other source) the offending value came from, when known.
    pub source: Option<String>,
    /// The key path, `::`-separated as the Go collector prints it (`processors::batch::timeout`).
    pub path: String,
    /// What is wrong and what was expected.
    pub message: String,
}

impl ConfigIssue {
    /// An issue at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigIssue {
            source: None,
            path: path.into(),
            message: message.into(),
        }
    }

    /// The same issue, attributed to a source.
    pub fn with_source(mut self, source: Option<String>) -> Self {
        self.source = source;
        self
    }
}

impl fmt::Display for ConfigIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)?;
        } else {
            write!(f, "{}: {}", self.path, self.message)?;
        }
        if let Some(s) = &self.source {
            write!(f, " (in {s})")?;
        }
        Ok(())
    }
}

/// All problems found in a config; the runtime reports them at once.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ConfigErrors(pub Vec<ConfigIssue>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        if n > 1 {
            writeln!(f, "{n} config errors:")?;
        }
        for (i, issue) in self.0.iter().enumerate() {
            if n > 1 {
                write!(f, "  - {issue}")?;
            } else {
                write!(f, "{issue}")?;
            }
            if i + 1 < n {
                writeln!(f)?;
            }
        }
        Ok(())
    }
}

impl From<ConfigIssue> for ConfigErrors {
    fn from(i: ConfigIssue) -> Self {
        ConfigErrors(vec![i])
    }
}

/// Turns a figment extraction error into issues under `prefix`.
/// `lookup` is the figment key path the value was extracted from; figment
/// reports it before or after the path inside the value, and it is dropped.
pub fn from_figment(err: figment::Error, prefix: &str, lookup: &[&str]) -> Vec<ConfigIssue> {
    err.into_iter()
        .map(|e| {
            let mut path: Vec<String> = e.path.clone();
            let n = lookup.len();
            if n > 0 && path.len() >= n {
                if path[path.len() - n..].iter().zip(lookup).all(|(a, b)| a == b) {
                    path.truncate(path.len() - n);
                } else if path[..n].iter().zip(lookup).all(|(a, b)| a == b) {
                    path.drain(..n);
                }
            }
            let message = match &e.kind {
                figment::error::Kind::UnknownField(field, expected) => {
                    // serde puts the unknown key last in the path already, or not at all.
                    if path.last() != Some(field) {
                        path.push(field.clone());
                    }
                    if expected.is_empty() {
                        format!("unknown field {field:?}: this component takes no settings")
                    } else {
                        format!(
                            "unknown field {field:?}, expected one of {}",
                            expected
                                .iter()
                                .map(|s| format!("{s:?}"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    }
                }
                figment::error::Kind::MissingField(f) => format!("missing field {f:?}"),
                other => other.to_string(),
            };
            let mut full = prefix.to_string();
            for p in &path {
                if !full.is_empty() {
                    full.push_str("::");
                }
                full.push_str(p);
            }
            let source = e
                .metadata
                .as_ref()
                .and_then(|m| m.source.as_ref())
                .map(|s| s.to_string());
            ConfigIssue {
                source,
                path: full,
                message,
            }
        })
        .collect()
}
