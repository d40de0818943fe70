//! The `filter` processor's config, with the Go collector's keys.

use otelcol_attraction::{MatchConfig, RegexpConfig};
use otelcol_component::{ComponentConfig, ConfigError};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::legacy::{LogMatchProperties, MetricMatchProperties};

/// What happens when a condition fails to evaluate (Go `ottl.ErrorMode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ErrorMode {
    /// Log the error and treat the condition as not matched (the Go default
    /// since v0.150.0, feature gate `processor.filter.defaultErrorModeIgnore`).
    #[default]
    Ignore,
    /// Treat the condition as not matched without logging.
    Silent,
    /// Fail the whole payload with a permanent error; nothing is forwarded.
    Propagate,
}

/// The default `error_mode`.
pub const DEFAULT_ERROR_MODE: ErrorMode = ErrorMode::Ignore;

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

/// The `filter` processor's config (Go `filterprocessor.Config`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FilterConfig {
    /// How evaluation errors are handled. Default: `ignore`.
    pub error_mode: ErrorMode,
    /// Deprecated span `include` / `exclude` matching. Default: unset.
    #[serde(skip_serializing_if = "MatchConfig::is_empty")]
    pub spans: MatchConfig,
    /// Per-context OTTL lists for traces (deprecated by `trace_conditions`). Default: empty.
    pub traces: TraceFilters,
    /// Per-context OTTL lists and deprecated include/exclude for metrics. Default: empty.
    pub metrics: MetricFilters,
    /// Per-context OTTL lists and deprecated include/exclude for logs. Default: empty.
    pub logs: LogFilters,
    /// Trace conditions, context inferred from path prefixes, or groups. Default: empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trace_conditions: Vec<ConditionsEntry>,
    /// Metric conditions, context inferred from path prefixes, or groups. Default: empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub metric_conditions: Vec<ConditionsEntry>,
    /// Log conditions, context inferred from path prefixes, or groups. Default: empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub log_conditions: Vec<ConditionsEntry>,
}

/// `traces:` (Go `TraceFilters`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TraceFilters {
    /// Resource-context conditions: a match drops the resource. Default: empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resource: Vec<String>,
    /// Span-context conditions: a match drops the span. Default: empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub span: Vec<String>,
    /// Span-event-context conditions: a match drops the event. Default: empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub spanevent: Vec<String>,
}

/// `metrics:` (Go `MetricFilters`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricFilters {
    /// Deprecated: metrics not matching are dropped. Default: unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include: Option<MetricMatchProperties>,
    /// Deprecated: metrics matching are dropped. Default: unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclude: Option<MetricMatchProperties>,
    /// Regexp options; accepted, no effect. Default: unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regexp: Option<RegexpConfig>,
    /// Resource-context conditions. Default: empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resource: Vec<String>,
    /// Metric-context conditions: a match drops the metric. Default: empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub metric: Vec<String>,
    /// Data-point-context conditions: a match drops the point. Default: empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub datapoint: Vec<String>,
}

/// `logs:` (Go `LogFilters`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogFilters {
    /// Deprecated: records not matching are dropped. Default: unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include: Option<LogMatchProperties>,
    /// Deprecated: records matching are dropped. Default: unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclude: Option<LogMatchProperties>,
    /// Resource-context conditions. Default: empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resource: Vec<String>,
    /// Log-context conditions: a match drops the record. Default: empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub log_record: Vec<String>,
}

/// One entry of `*_conditions`: a condition string (all strings of a list
/// form one group whose context is inferred) or a group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ConditionsEntry {
    /// A condition with context-prefixed paths (`span.name == "x"`).
    Condition(String),
    /// A group of conditions with an optional explicit context and error mode.
    Group(ConditionGroup),
}

/// `{context, conditions, error_mode}` (Go `condition.ContextConditions`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConditionGroup {
    /// The context (`resource`, `scope`, `span`, `spanevent`, `metric`,
    /// `datapoint`, `log`); unset means inferred from path prefixes. Default: unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// The conditions; any match drops the item. Default: empty.
    pub conditions: Vec<String>,
    /// Overrides the top-level `error_mode` for this group. Default: unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_mode: Option<ErrorMode>,
}

impl ComponentConfig for FilterConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        crate::compile::compile(self).map(|_| ())
    }
}
