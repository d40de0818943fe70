//! Error types at the component boundary.

use std::fmt;
use std::time::Duration;

use crate::id::Signal;

/// How a consumer failed; decides whether the sender may retry.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConsumeErrorKind {
    /// Try again later, after `retry_after` if given (back-pressure, a
    /// backend outage). Receivers answer gRPC `UNAVAILABLE` / HTTP 503.
    Retryable {
        /// How long the sender should wait before retrying, when known.
        retry_after: Option<Duration>,
    },
    /// Never retry this data (it is malformed or refused for good).
    /// Receivers answer gRPC `INTERNAL` / HTTP 500, or 400 when `invalid_data`.
    Permanent {
        /// The data itself is invalid (maps to `INVALID_ARGUMENT` / 400).
        invalid_data: bool,
    },
    /// Part of the data was rejected for good and the rest accepted. Receivers
    /// answer success with an OTLP `partial_success` naming `rejected` items.
    PartiallyRejected {
        /// Number of items (spans, data points, log records) rejected.
        rejected: u64,
    },
}

/// The error a [`Consumer`](crate::Consumer) returns.
///
/// Like the Go collector's `consumererror`, it is either retryable (with an
/// optional retry-after) or permanent; partial rejection is a permanent error
/// for a subset of the items.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsumeError {
    kind: ConsumeErrorKind,
    message: String,
}

impl ConsumeError {
    /// A retryable error.
    pub fn retryable(message: impl Into<String>) -> Self {
        ConsumeError {
            kind: ConsumeErrorKind::Retryable { retry_after: None },
            message: message.into(),
        }
    }

    /// A retryable error with a retry-after hint.
    pub fn retryable_after(message: impl Into<String>, retry_after: Duration) -> Self {
        ConsumeError {
            kind: ConsumeErrorKind::Retryable {
                retry_after: Some(retry_after),
            },
            message: message.into(),
        }
    }

    /// A permanent error: the data must not be sent again.
    pub fn permanent(message: impl Into<String>) -> Self {
        ConsumeError {
            kind: ConsumeErrorKind::Permanent { invalid_data: false },
            message: message.into(),
        }
    }

    /// A permanent error because the data is invalid.
    pub fn invalid_data(message: impl Into<String>) -> Self {
        ConsumeError {
            kind: ConsumeErrorKind::Permanent { invalid_data: true },
            message: message.into(),
        }
    }

    /// `rejected` items were refused for good; the rest were accepted.
    pub fn partially_rejected(rejected: u64, message: impl Into<String>) -> Self {
        ConsumeError {
            kind: ConsumeErrorKind::PartiallyRejected { rejected },
            message: message.into(),
        }
    }

    /// The kind of failure.
    pub fn kind(&self) -> &ConsumeErrorKind {
        &self.kind
    }

    /// The message, without the `Permanent error: ` prefix.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// True unless the error is retryable.
    pub fn is_permanent(&self) -> bool {
        !self.is_retryable()
    }

    /// True for retryable errors.
    pub fn is_retryable(&self) -> bool {
        matches!(self.kind, ConsumeErrorKind::Retryable { .. })
    }

    /// The retry-after hint of a retryable error.
    pub fn retry_after(&self) -> Option<Duration> {
        match self.kind {
            ConsumeErrorKind::Retryable { retry_after } => retry_after,
            _ => None,
        }
    }

    /// Items rejected by a partial rejection.
    pub fn rejected_items(&self) -> Option<u64> {
        match self.kind {
            ConsumeErrorKind::PartiallyRejected { rejected } => Some(rejected),
            _ => None,
        }
    }

    /// Combines errors from several consumers (fan-out): retryable if any is
    /// retryable (the longest retry-after wins), otherwise permanent.
    pub fn combine(errors: Vec<ConsumeError>) -> Option<ConsumeError> {
        let mut iter = errors.into_iter();
        let first = iter.next()?;
        Some(iter.fold(first, |acc, e| {
            let message = format!("{}; {}", acc.message, e.message);
            let kind =
                match (acc.kind, e.kind) {
                    (
                        ConsumeErrorKind::Retryable { retry_after: a },
                        ConsumeErrorKind::Retryable { retry_after: b },
                    ) => ConsumeErrorKind::Retryable {
                        retry_after: a.max(b),
                    },
                    (k @ ConsumeErrorKind::Retryable { .. }, _)
                    | (_, k @ ConsumeErrorKind::Retryable { .. }) => k,
                    (
                        ConsumeErrorKind::Permanent { invalid_data: a },
                        ConsumeErrorKind::Permanent { invalid_data: b },
                    ) => ConsumeErrorKind::Permanent { invalid_data: a && b },
                    (k @ ConsumeErrorKind::Permanent { .. }, _)
                    | (_, k @ ConsumeErrorKind::Permanent { .. }) => k,
                    (
                        ConsumeErrorKind::PartiallyRejected { rejected: a },
                        ConsumeErrorKind::PartiallyRejected { rejected: b },
                    ) => ConsumeErrorKind::PartiallyRejected { rejected: a.max(b) },
                };
            ConsumeError { kind, message }
        }))
    }
}

impl fmt::Display for ConsumeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            ConsumeErrorKind::Permanent { .. } => write!(f, "Permanent error: {}", self.message),
            ConsumeErrorKind::PartiallyRejected { rejected } => {
                write!(f, "{} items rejected: {}", rejected, self.message)
            }
            ConsumeErrorKind::Retryable { .. } => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ConsumeError {}

/// A config validation error, naming the key it is about.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", key_prefix(.key))]
pub struct ConfigError {
    /// The key path inside the component's config (`protocols::grpc::endpoint`), if any.
    pub key: Option<String>,
    /// What is wrong and what was expected.
    pub message: String,
}

fn key_prefix(key: &Option<String>) -> String {
    key.as_ref().map(|k| format!("{k}: ")).unwrap_or_default()
}

impl ConfigError {
    /// An error about the component's config as a whole.
    pub fn new(message: impl Into<String>) -> Self {
        ConfigError {
            key: None,
            message: message.into(),
        }
    }

    /// An error about one key (`::`-separated path, as the Go collector prints).
    pub fn at(key: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError {
            key: Some(key.into()),
            message: message.into(),
        }
    }
}

/// Why a factory could not create a component.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CreateError {
    /// The component does not support this signal.
    #[error("telemetry type is not supported: {0}")]
    SignalNotSupported(Signal),
    /// The config is invalid in a way only found while creating.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Anything else.
    #[error("{0}")]
    Other(String),
}

/// An error from a component's `start` or `shutdown`.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ComponentError {
    message: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl ComponentError {
    /// An error with a message.
    pub fn new(message: impl Into<String>) -> Self {
        ComponentError {
            message: message.into(),
            source: None,
        }
    }

    /// An error with a message and a cause.
    pub fn with_source(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        ComponentError {
            message: format!("{}: {}", message.into(), source),
            source: Some(Box::new(source)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permanent_display_matches_go() {
        assert_eq!(ConsumeError::permanent("bad").to_string(), "Permanent error: bad");
        assert_eq!(ConsumeError::retryable("later").to_string(), "later");
    }

    #[test]
    fn combine_prefers_retryable() {
        let e = ConsumeError::combine(vec![
            ConsumeError::permanent("a"),
            ConsumeError::retryable_after("b", Duration::from_secs(2)),
            ConsumeError::retryable_after("c", Duration::from_secs(5)),
        ])
        .unwrap();
        assert!(e.is_retryable());
        assert_eq!(e.retry_after(), Some(Duration::from_secs(5)));
        assert_eq!(e.message(), "a; b; c");
        assert!(ConsumeError::combine(vec![]).is_none());
        let p = ConsumeError::combine(vec![
            ConsumeError::invalid_data("x"),
            ConsumeError::permanent("y"),
        ])
        .unwrap();
        assert_eq!(p.kind(), &ConsumeErrorKind::Permanent { invalid_data: false });
    }

    #[test]
    fn config_error_names_key() {
        assert_eq!(
            ConfigError::at("timeout", "must be positive").to_string(),
            "timeout: must be positive"
        );
        assert_eq!(ConfigError::new("whole").to_string(), "whole");
    }
}
