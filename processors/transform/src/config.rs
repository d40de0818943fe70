//! The `transform` processor's config, with the Go collector's keys.

use otelcol_component::{ComponentConfig, ConfigError};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What happens when a statement or condition fails (Go `ottl.ErrorMode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ErrorMode {
    /// Log the error and continue with the next statement.
    Ignore,
    /// Continue with the next statement without logging.
    Silent,
    /// Fail the whole payload; nothing is forwarded (the Go default).
    #[default]
    Propagate,
}

/// The default `error_mode` (Go `createDefaultConfig`: `propagate`).
pub const DEFAULT_ERROR_MODE: ErrorMode = ErrorMode::Propagate;

impl ErrorMode {
    /// The config spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorMode::Ignore => "ignore",
            ErrorMode::Silent => "silent",
            ErrorMode::Propagate => "propagate",
        }
    }
}

impl Serialize for ErrorMode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorMode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        match s.to_ascii_lowercase().as_str() {
            "ignore" => Ok(ErrorMode::Ignore),
            "silent" => Ok(ErrorMode::Silent),
            "propagate" => Ok(ErrorMode::Propagate),
            _ => Err(serde::de::Error::custom(format!(
                "{s} is not a valid ErrorMode; expected one of propagate, ignore, silent"
            ))),
        }
    }
}

/// The `transform` processor's config (Go `transformprocessor.Config`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TransformConfig {
    /// How statement errors are handled. Default: `propagate`.
    pub error_mode: ErrorMode,
    /// Statements for traces: strings (basic style, context inferred) or groups. Default: empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trace_statements: Vec<StatementsEntry>,
    /// Statements for metrics. Default: empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub metric_statements: Vec<StatementsEntry>,
    /// Statements for logs. Default: empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub log_statements: Vec<StatementsEntry>,
}

/// One entry of `*_statements`: a statement (all strings of a list form one
/// group whose context is inferred) or a group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum StatementsEntry {
    /// A statement with context-prefixed paths (`set(span.name, "x")`).
    Statement(String),
    /// A group with optional context, conditions and error mode.
    Group(ContextStatements),
}

/// `{context, conditions, statements, error_mode}` (Go `common.ContextStatements`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ContextStatements {
    /// The context (`resource`, `scope`, `span`, `spanevent`, `metric`,
    /// `datapoint`, `log`); unset means inferred from path prefixes. Default: unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// Conditions, ORed, gating every statement of the group. Default: empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<String>,
    /// The statements, run in order on each item. Default: empty.
    pub statements: Vec<String>,
    /// Overrides the top-level `error_mode` for this group. Default: unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_mode: Option<ErrorMode>,
}

impl ComponentConfig for TransformConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        crate::compile::compile(self).map(|_| ())
    }
}
