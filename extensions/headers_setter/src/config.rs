//! The `headers_setter` extension's config: Go's keys and checks.

use std::fmt;

use otelcol_component::redact::REDACTED;
use otelcol_component::{ComponentConfig, ConfigError};
use serde::{Deserialize, Serialize};

/// Go's message for an empty `headers`.
const ERR_MISSING_HEADERS_CONFIG: &str = "missing headers configuration";
/// Go's message for a header without `key`.
const ERR_MISSING_HEADER: &str = "missing header name";
/// Go's message for a header without a value source.
const ERR_MISSING_SOURCE: &str = "missing header source, must be 'from_context', 'from_attribute' or 'value'";
/// Go's message for a header with more than one value source.
const ERR_CONFLICTING_SOURCES: &str =
    "invalid header source, must either 'from_context', 'from_attribute' or 'value'";

/// Config of the `headers_setter` extension (Go `headerssetterextension.Config`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// The headers to set, applied in order. Required (default empty, refused).
    pub headers: Vec<HeaderConfig>,
}

/// What to do with a header (Go `ActionValue`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Set the header only if an earlier entry has not set it.
    Insert,
    /// Replace the header only if an earlier entry has set it.
    Update,
    /// Set the header, replacing an earlier entry's value.
    Upsert,
    /// Remove the header an earlier entry set.
    Delete,
}

/// One entry of `headers`. Exactly one of `value`, `from_context` and
/// `from_attribute` is required, except with `action: delete`. `Debug`
/// redacts `value` and `default_value`.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HeaderConfig {
    /// The header name (sent lower-case). Required.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// What to do; absent means `upsert` (with a warning, as in Go).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<Action>,
    /// A fixed value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The client metadata key (request header kept by the receiver, or
    /// `auth.<attribute>`) whose value is sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_context: Option<String>,
    /// The receiver authenticator's attribute whose value is sent (a list of
    /// values is sent as a JSON array, as Go marshals non-string attributes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_attribute: Option<String>,
    /// The value when `from_context` / `from_attribute` finds nothing
    /// (default empty). A secret in Go (`configopaque`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_value: Option<String>,
}

impl fmt::Debug for HeaderConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |v: &Option<String>| v.as_ref().map(|_| REDACTED);
        f.debug_struct("HeaderConfig")
            .field("key", &self.key)
            .field("action", &self.action)
            .field("value", &redacted(&self.value))
            .field("from_context", &self.from_context)
            .field("from_attribute", &self.from_attribute)
            .field("default_value", &redacted(&self.default_value))
            .finish()
    }
}

impl ComponentConfig for Config {
    /// Go's `Config.Validate`, in Go's order and words.
    fn validate(&self) -> Result<(), ConfigError> {
        if self.headers.is_empty() {
            return Err(ConfigError::at("headers", ERR_MISSING_HEADERS_CONFIG));
        }
        for (i, h) in self.headers.iter().enumerate() {
            let at = format!("headers::{i}");
            if h.key.as_deref().is_none_or(str::is_empty) {
                return Err(ConfigError::at(at, ERR_MISSING_HEADER));
            }
            if h.action != Some(Action::Delete) {
                let sources = [
                    h.value.is_some(),
                    h.from_context.is_some(),
                    h.from_attribute.is_some(),
                ]
                .into_iter()
                .filter(|s| *s)
                .count();
                if sources == 0 {
                    return Err(ConfigError::at(at, ERR_MISSING_SOURCE));
                }
                if sources > 1 {
                    return Err(ConfigError::at(at, ERR_CONFLICTING_SOURCES));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn err(yaml: &str) -> String {
        let cfg: Config = serde_yaml::from_str(yaml).unwrap();
        cfg.validate().unwrap_err().to_string()
    }

    #[test]
    fn go_checks_and_messages() {
        assert_eq!(err("{}"), "headers: missing headers configuration");
        assert_eq!(err("headers: []"), "headers: missing headers configuration");
        assert_eq!(err("headers: [{value: v}]"), "headers::0: missing header name");
        assert_eq!(
            err("headers: [{key: '', value: v}]"),
            "headers::0: missing header name"
        );
        assert_eq!(
            err("headers: [{key: a, value: v}, {key: b}]"),
            "headers::1: missing header source, must be 'from_context', 'from_attribute' or 'value'"
        );
        for both in [
            "{key: a, value: v, from_context: c}",
            "{key: a, value: v, from_attribute: c}",
            "{key: a, from_context: v, from_attribute: c}",
        ] {
            assert_eq!(
                err(&format!("headers: [{both}]")),
                "headers::0: invalid header source, must either 'from_context', 'from_attribute' or 'value'"
            );
        }
        // `delete` needs no source.
        let cfg: Config = serde_yaml::from_str("headers: [{key: a, action: delete}]").unwrap();
        cfg.validate().unwrap();
    }

    #[test]
    fn keys_and_actions_parse() {
        let cfg: Config = serde_yaml::from_str(
            "headers:\n- {key: X-Scope-OrgID, action: insert, from_context: tenant_id, default_value: anon}\n\
             - {key: u, action: update, from_attribute: username}\n- {key: v, action: upsert, value: x}",
        )
        .unwrap();
        cfg.validate().unwrap();
        assert_eq!(cfg.headers[0].action, Some(Action::Insert));
        assert_eq!(cfg.headers[1].action, Some(Action::Update));
        assert!(serde_yaml::from_str::<Config>("headers: [{key: a, value: b, action: replace}]").is_err());
        assert!(serde_yaml::from_str::<Config>("headers: [{key: a, value: b, name: c}]").is_err());
    }

    #[test]
    fn debug_redacts_values() {
        let cfg: Config = serde_yaml::from_str(
            "headers: [{key: api-key, value: topsecret, from_context: t, default_value: dflt}]",
        )
        .unwrap();
        let dbg = format!("{cfg:?}");
        assert!(!dbg.contains("topsecret") && !dbg.contains("dflt"), "{dbg}");
        assert!(dbg.contains("api-key"), "{dbg}");
    }
}
