//! The `redaction` processor's config.

use otelcol_component::{ComponentConfig, ConfigError};
use regex::Regex;
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

impl RedactionConfig {
    /// Compiles `blocked_values`; errors name the entry (`blocked_values::1`).
    pub fn regexes(&self) -> Result<Vec<Regex>, ConfigError> {
        self.blocked_values
            .iter()
            .enumerate()
            .map(|(i, r)| {
                Regex::new(r).map_err(|e| ConfigError::at(format!("blocked_values::{i}"), e.to_string()))
            })
            .collect()
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
        self.regexes().map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use otelcol_componenttest::parse_config;

    #[test]
    fn defaults_and_full_config() {
        let d = RedactionConfig::default();
        assert_eq!(d.mask, "****");
        assert!(d.include_resource);
        let c = parse_config::<RedactionConfig>(
            "blocked_keys: [password]\nblocked_values: ['\\d{4}']\nmask: X\ninclude_resource: false",
        )
        .unwrap();
        assert_eq!(c.blocked_keys, vec!["password"]);
        assert_eq!(c.mask, "X");
        assert!(!c.include_resource);
    }

    #[test]
    fn refuses_bad_configs() {
        let e = parse_config::<RedactionConfig>("").unwrap_err();
        assert!(e.contains("at least one of"), "{e}");
        let e = parse_config::<RedactionConfig>("blocked_keys: [a]\nmasks: x").unwrap_err();
        assert!(e.contains("unknown field \"masks\""), "{e}");
        let e = parse_config::<RedactionConfig>("blocked_values: ['ok', '(']").unwrap_err();
        assert!(e.contains("blocked_values::1"), "{e}");
        let e = parse_config::<RedactionConfig>("blocked_keys: ['']").unwrap_err();
        assert!(e.contains("blocked_keys::0"), "{e}");
    }
}
