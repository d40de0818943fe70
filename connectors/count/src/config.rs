//! The `count` connector's config, with Go's keys and default metrics.

use std::collections::BTreeMap;

use otelcol_component::{ComponentConfig, ConfigError};
use otelcol_ottl::{Condition, ContextKind};
use serde::{Deserialize, Serialize};

/// An attribute a count is split by.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AttributeConfig {
    /// The attribute, looked up on the item, then its scope, then its resource.
    pub key: String,
    /// The value for items without the attribute; without it such items are not counted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_value: Option<String>,
}

/// One count metric.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricInfo {
    /// The metric's description.
    pub description: String,
    /// OTTL conditions; an item is counted when any matches (all items when none).
    pub conditions: Vec<String>,
    /// Attributes the count is split by (not for `metrics`).
    pub attributes: Vec<AttributeConfig>,
}

/// Config of the `count` connector: count metrics by the kind of item they
/// count. A kind left out counts every item under Go's default name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CountConfig {
    /// Counts of spans.
    pub spans: BTreeMap<String, MetricInfo>,
    /// Counts of span events.
    pub spanevents: BTreeMap<String, MetricInfo>,
    /// Counts of metrics.
    pub metrics: BTreeMap<String, MetricInfo>,
    /// Counts of data points.
    pub datapoints: BTreeMap<String, MetricInfo>,
    /// Counts of log records.
    pub logs: BTreeMap<String, MetricInfo>,
}

/// The kinds of item counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ItemKind {
    Spans,
    SpanEvents,
    Metrics,
    DataPoints,
    Logs,
}

impl ItemKind {
    fn section(self) -> &'static str {
        match self {
            ItemKind::Spans => "spans",
            ItemKind::SpanEvents => "spanevents",
            ItemKind::Metrics => "metrics",
            ItemKind::DataPoints => "datapoints",
            ItemKind::Logs => "logs",
        }
    }

    fn context(self) -> ContextKind {
        match self {
            ItemKind::Spans => ContextKind::Span,
            ItemKind::SpanEvents => ContextKind::SpanEvent,
            ItemKind::Metrics => ContextKind::Metric,
            ItemKind::DataPoints => ContextKind::DataPoint,
            ItemKind::Logs => ContextKind::Log,
        }
    }

    /// Go's default metric: name and description.
    fn default_metric(self) -> (&'static str, &'static str) {
        match self {
            ItemKind::Spans => ("trace.span.count", "The number of spans observed."),
            ItemKind::SpanEvents => ("trace.span.event.count", "The number of span events observed."),
            ItemKind::Metrics => ("metric.count", "The number of metrics observed."),
            ItemKind::DataPoints => ("metric.datapoint.count", "The number of data points observed."),
            ItemKind::Logs => ("log.record.count", "The number of log records observed."),
        }
    }
}

/// A count metric, compiled.
#[derive(Clone, Debug)]
pub(crate) struct MetricDef {
    pub(crate) name: String,
    pub(crate) description: String,
    /// Empty: every item counts.
    pub(crate) conditions: Vec<Condition>,
    pub(crate) attributes: Vec<AttributeConfig>,
}

impl CountConfig {
    fn section(&self, kind: ItemKind) -> &BTreeMap<String, MetricInfo> {
        match kind {
            ItemKind::Spans => &self.spans,
            ItemKind::SpanEvents => &self.spanevents,
            ItemKind::Metrics => &self.metrics,
            ItemKind::DataPoints => &self.datapoints,
            ItemKind::Logs => &self.logs,
        }
    }

    /// The metrics counting `kind`: the configured ones, or Go's default.
    pub(crate) fn defs(&self, kind: ItemKind) -> Result<Vec<MetricDef>, ConfigError> {
        let section = self.section(kind);
        if section.is_empty() {
            let (name, description) = kind.default_metric();
            return Ok(vec![MetricDef {
                name: name.into(),
                description: description.into(),
                conditions: Vec::new(),
                attributes: Vec::new(),
            }]);
        }
        let mut out = Vec::with_capacity(section.len());
        for (name, info) in section {
            let key = |k: &str| format!("{}::{name}::{k}", kind.section());
            if name.is_empty() {
                return Err(ConfigError::at(kind.section(), "metric name missing"));
            }
            if kind == ItemKind::Metrics && !info.attributes.is_empty() {
                return Err(ConfigError::at(
                    key("attributes"),
                    "attributes are not supported for metrics",
                ));
            }
            for (i, a) in info.attributes.iter().enumerate() {
                if a.key.is_empty() {
                    return Err(ConfigError::at(
                        format!("{}::{i}::key", key("attributes")),
                        "attribute key missing",
                    ));
                }
            }
            let conditions = info
                .conditions
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    Condition::parse(c, kind.context()).map_err(|e| {
                        ConfigError::at(
                            format!("{}::{i}", key("conditions")),
                            format!("unable to parse OTTL condition {c:?}: {e}"),
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            out.push(MetricDef {
                name: name.clone(),
                description: info.description.clone(),
                conditions,
                attributes: info.attributes.clone(),
            });
        }
        Ok(out)
    }
}

impl ComponentConfig for CountConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        for kind in [
            ItemKind::Spans,
            ItemKind::SpanEvents,
            ItemKind::Metrics,
            ItemKind::DataPoints,
            ItemKind::Logs,
        ] {
            self.defs(kind)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use otelcol_componenttest::parse_config;

    #[test]
    fn defaults_are_gos_metrics() {
        let cfg: CountConfig = parse_config("").unwrap();
        let names = |k| {
            cfg.defs(k)
                .unwrap()
                .into_iter()
                .map(|d| d.name)
                .collect::<Vec<_>>()
        };
        assert_eq!(names(ItemKind::Spans), ["trace.span.count"]);
        assert_eq!(names(ItemKind::SpanEvents), ["trace.span.event.count"]);
        assert_eq!(names(ItemKind::Metrics), ["metric.count"]);
        assert_eq!(names(ItemKind::DataPoints), ["metric.datapoint.count"]);
        assert_eq!(names(ItemKind::Logs), ["log.record.count"]);
    }

    #[test]
    fn custom_metrics_replace_the_default_and_bad_ones_are_named() {
        let cfg: CountConfig = parse_config(
            "logs: {my.error.count: {description: errors, conditions: ['severity_number >= SEVERITY_NUMBER_ERROR'], attributes: [{key: env, default_value: none}]}}",
        )
        .unwrap();
        let defs = cfg.defs(ItemKind::Logs).unwrap();
        assert_eq!(defs.len(), 1);
        assert_eq!(defs[0].name, "my.error.count");
        assert_eq!(defs[0].conditions.len(), 1);
        let e = parse_config::<CountConfig>("spans: {x: {conditions: ['name ==']}}").unwrap_err();
        assert!(
            e.contains("spans::x::conditions::0") && e.contains("unable to parse OTTL condition"),
            "{e}"
        );
        let e = parse_config::<CountConfig>("metrics: {x: {attributes: [{key: a}]}}").unwrap_err();
        assert!(e.contains("attributes are not supported for metrics"), "{e}");
        let e = parse_config::<CountConfig>("logs: {x: {attributes: [{default_value: a}]}}").unwrap_err();
        assert!(e.contains("attribute key missing"), "{e}");
    }
}
