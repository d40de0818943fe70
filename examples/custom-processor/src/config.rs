//! The `redaction` processor's config.

use otelcol_component::{ComponentConfig, ConfigError};
use serde::{Deserialize, Serialize};

/// The default `mask`.
pub const DEFAULT_MASK: &str = "****";

/// Config of the `redaction` processor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RedactionConfig {
    /// Attribute keys whose whole value is replaced by `mask` (exact match). Default: empty.
    pub blocked_keys: Vec<String>,
    /// Regexes; every match inside a string attribute value is replaced by
    /// `mask`. Default: empty.
    pub blocked_values: Vec<String>,
    /// The replacement text. Default: [`DEFAULT_MASK`] (`****`).
    pub mask: String,
    /// Whether resource attributes are redacted too. Default: true.
    pub include_resource: bool,
}

impl Default for RedactionConfig {
    fn default() -> Self {
        RedactionConfig {
            blocked_keys: Vec::new(),
            blocked_values: Vec::new(),
            mask: DEFAULT_MASK.into(),
            include_resource: true,
        }
    }
}

impl ComponentConfig for RedactionConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        if self.blocked_keys.is_empty() && self.blocked_values.is_empty() {
            return Err(ConfigError::new(
                "at least one of blocked_keys or blocked_values must be set",
            ));
        }
        if let Some(i) = self.blocked_keys.iter().position(String::is_empty) {
            return Err(ConfigError::at(format!("blocked_keys::{i}"), "must not be empty"));
        }
        crate::Redactor::new(self).map(|_| ())
    }
}
