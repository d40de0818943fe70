//! Config errors, worded as the Go collector's `spanprocessor` words them.

use otelcol_component::ConfigError;

/// Why a `span` processor config is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SpanConfigError {
    /// Neither `name::from_attributes`, `name::to_attributes::rules` nor `status` is set.
    #[error(
        "error creating \"span\" processor: either \"from_attributes\" or \"to_attributes\" must be specified in \"name:\" or \"setStatus\" must be specified"
    )]
    MissingRequiredField,
    /// `status::code` is not `Ok`, `Error` or `Unset`.
    #[error(
        "error creating \"span\" processor: \"status\" must have specified \"code\" as \"Ok\" or \"Error\" or \"Unset\""
    )]
    IncorrectStatusCode,
    /// `status::description` with a code other than `Error`.
    #[error(
        "error creating \"span\" processor: \"description\" can be specified only for \"code\" \"Error\""
    )]
    IncorrectStatusDescription,
    /// A `to_attributes` rule does not compile.
    #[error("invalid regexp pattern {pattern}")]
    InvalidPattern {
        /// Position of the rule.
        index: usize,
        /// The rule as written.
        pattern: String,
    },
}

impl SpanConfigError {
    /// The config key the error is about (`::`-separated), if any.
    pub fn key(&self) -> Option<String> {
        match self {
            SpanConfigError::MissingRequiredField => None,
            SpanConfigError::IncorrectStatusCode => Some("status::code".to_owned()),
            SpanConfigError::IncorrectStatusDescription => Some("status::description".to_owned()),
            SpanConfigError::InvalidPattern { index, .. } => {
                Some(format!("name::to_attributes::rules::{index}"))
            }
        }
    }
}

impl From<SpanConfigError> for ConfigError {
    fn from(e: SpanConfigError) -> Self {
        match e.key() {
            Some(key) => ConfigError::at(key, e.to_string()),
            None => ConfigError::new(e.to_string()),
        }
    }
}
