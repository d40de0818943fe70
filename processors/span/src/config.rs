//! The `span` processor's config (Go `spanprocessor.Config`).

use otelcol_attraction::{MatchConfig, MatchProperties, Matcher};
use otelcol_component::{ComponentConfig, ConfigError};
use serde::{Deserialize, Serialize};

use crate::error::SpanConfigError;
use crate::rename::ToAttributeRule;

/// The status code `Ok`.
pub const STATUS_CODE_OK: &str = "Ok";
/// The status code `Error`.
pub const STATUS_CODE_ERROR: &str = "Error";
/// The status code `Unset`.
pub const STATUS_CODE_UNSET: &str = "Unset";

/// Default of `name::separator`: no separator.
pub const DEFAULT_SEPARATOR: &str = "";
/// Default of `name::to_attributes::break_after_match`.
pub const DEFAULT_BREAK_AFTER_MATCH: bool = false;
/// Default of `name::to_attributes::keep_original_name`.
pub const DEFAULT_KEEP_ORIGINAL_NAME: bool = false;

/// Config of the `span` processor.
///
/// The default (nothing to do) is not valid on its own, as in Go: one of
/// `name::from_attributes`, `name::to_attributes::rules` or `status` must be
/// given.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SpanConfig {
    /// Only spans matching these properties are processed. Default: unset
    /// (every span).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include: Option<MatchProperties>,

    /// Spans matching these properties are not processed; checked after
    /// `include`. Default: unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclude: Option<MatchProperties>,

    /// How to rename spans. Default: empty (no renaming).
    pub name: NameConfig,

    /// The status to set on every processed span. Default: unset (status
    /// unchanged).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusConfig>,
}

/// `name:` — renaming from attributes and extracting attributes from the name.
/// `from_attributes` runs first, then `to_attributes`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NameConfig {
    /// Attribute keys whose values, in this order, form the new span name.
    /// The span is renamed only if it has every one of them. Default: empty.
    pub from_attributes: Vec<String>,

    /// Put between the attribute values of `from_attributes`. Default: `""`.
    pub separator: String,

    /// Rules extracting attributes from the span name. Default: unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_attributes: Option<ToAttributesConfig>,
}

impl Default for NameConfig {
    fn default() -> Self {
        NameConfig {
            from_attributes: Vec::new(),
            separator: DEFAULT_SEPARATOR.to_owned(),
            to_attributes: None,
        }
    }
}

/// `name::to_attributes:`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ToAttributesConfig {
    /// Regular expressions tried in order against the span name (each rule
    /// sees the name the previous one produced). Every capture group of a
    /// matching rule becomes an attribute named after the group, and the
    /// matched part of the name becomes `{group}`. Default: empty.
    pub rules: Vec<String>,

    /// Stop after the first rule that matches. Default: false.
    pub break_after_match: bool,

    /// Extract the attributes but leave the span name unchanged. Default: false.
    pub keep_original_name: bool,
}

impl Default for ToAttributesConfig {
    fn default() -> Self {
        ToAttributesConfig {
            rules: Vec::new(),
            break_after_match: DEFAULT_BREAK_AFTER_MATCH,
            keep_original_name: DEFAULT_KEEP_ORIGINAL_NAME,
        }
    }
}

/// `status:`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StatusConfig {
    /// `Ok`, `Error` or `Unset` (case-sensitive). Required. Default: empty.
    pub code: String,

    /// The status message; only allowed with `code: Error`. Default: `""`.
    pub description: String,
}

impl SpanConfig {
    /// `include` and `exclude` together.
    pub fn match_config(&self) -> MatchConfig {
        MatchConfig {
            include: self.include.clone(),
            exclude: self.exclude.clone(),
        }
    }

    /// The span matcher, with Go's messages on error.
    pub fn matcher(&self) -> Result<Matcher, ConfigError> {
        Matcher::for_spans(&self.match_config()).map_err(|e| e.to_config_error())
    }

    /// The compiled `to_attributes` rules, in order.
    pub fn to_attribute_rules(&self) -> Result<Vec<ToAttributeRule>, ConfigError> {
        let rules = self
            .name
            .to_attributes
            .as_ref()
            .map_or(&[][..], |t| t.rules.as_slice());
        rules
            .iter()
            .enumerate()
            .map(|(index, pattern)| {
                ToAttributeRule::new(pattern).map_err(|_| {
                    SpanConfigError::InvalidPattern {
                        index,
                        pattern: pattern.clone(),
                    }
                    .into()
                })
            })
            .collect()
    }

    /// Go's checks in `createTracesProcessor`, in Go's order.
    fn check_required(&self) -> Result<(), SpanConfigError> {
        let no_rules = self
            .name
            .to_attributes
            .as_ref()
            .is_none_or(|t| t.rules.is_empty());
        if self.name.from_attributes.is_empty() && no_rules && self.status.is_none() {
            return Err(SpanConfigError::MissingRequiredField);
        }
        if let Some(status) = &self.status {
            if ![STATUS_CODE_UNSET, STATUS_CODE_ERROR, STATUS_CODE_OK].contains(&status.code.as_str()) {
                return Err(SpanConfigError::IncorrectStatusCode);
            }
            if !status.description.is_empty() && status.code != STATUS_CODE_ERROR {
                return Err(SpanConfigError::IncorrectStatusDescription);
            }
        }
        Ok(())
    }
}

impl ComponentConfig for SpanConfig {
    /// Nothing: Go's span processor has no `Validate()` and checks its config
    /// only when it creates the processor, so an unused `span` (e.g. with an
    /// empty `match_type`) is valid. See [`SpanConfig::validate_for_build`].
    fn validate(&self) -> Result<(), ConfigError> {
        Ok(())
    }
}

impl SpanConfig {
    /// Go's checks in `createTracesProcessor`, with the same messages: what
    /// is required, the status, `include`/`exclude`, then the
    /// `to_attributes` patterns.
    pub fn validate_for_build(&self) -> Result<(), ConfigError> {
        self.check_required()?;
        self.matcher()?;
        self.to_attribute_rules()?;
        Ok(())
    }
}
