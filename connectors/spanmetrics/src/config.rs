//! The `spanmetrics` connector's config, with Go's keys and defaults.

use std::time::Duration;

use otelcol_component::{ComponentConfig, ConfigError};
use serde::{Deserialize, Serialize};

/// The dimensions every series has (Go's reserved names).
pub(crate) const SERVICE_NAME: &str = "service.name";
pub(crate) const SPAN_NAME: &str = "span.name";
pub(crate) const SPAN_KIND: &str = "span.kind";
pub(crate) const STATUS_CODE: &str = "status.code";

/// Go's default histogram bounds, in milliseconds.
pub(crate) const DEFAULT_BUCKETS_MS: [f64; 16] = [
    2.0, 4.0, 6.0, 8.0, 10.0, 50.0, 100.0, 200.0, 400.0, 800.0, 1000.0, 1400.0, 2000.0, 5000.0, 10_000.0,
    15_000.0,
];

/// Go's default exponential histogram size.
pub(crate) const DEFAULT_EXPONENTIAL_MAX_SIZE: usize = 160;

/// A dimension added to the default ones.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Dimension {
    /// The attribute, looked up on the span, then on its resource.
    pub name: String,
    /// The value when the attribute is missing; without it the dimension is left out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
}

/// A duration as config accepts it (`2ms`, `1.5s`, Go's notation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Bucket(#[serde(with = "otelcol_component::duration")] pub Duration);

/// `histogram::explicit`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExplicitConfig {
    /// The bucket bounds; empty: Go's defaults (2ms … 15s).
    pub buckets: Vec<Bucket>,
}

/// `histogram::exponential`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExponentialConfig {
    /// Buckets per range (Go's default 160).
    pub max_size: i32,
}

/// The duration histogram's unit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Unit {
    /// Milliseconds (default).
    #[default]
    #[serde(rename = "ms")]
    Milliseconds,
    /// Seconds.
    #[serde(rename = "s")]
    Seconds,
}

impl Unit {
    /// The OTLP unit string.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Unit::Milliseconds => "ms",
            Unit::Seconds => "s",
        }
    }

    /// A duration in this unit.
    pub(crate) fn of(self, d: Duration) -> f64 {
        match self {
            Unit::Milliseconds => d.as_secs_f64() * 1000.0,
            Unit::Seconds => d.as_secs_f64(),
        }
    }
}

/// `histogram`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HistogramConfig {
    /// No duration histogram at all.
    pub disable: bool,
    /// `ms` (default) or `s`.
    pub unit: Unit,
    /// Explicit bucket bounds (the default kind).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explicit: Option<ExplicitConfig>,
    /// Exponential buckets instead of explicit ones.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exponential: Option<ExponentialConfig>,
}

/// `exemplars`: the spans behind each data point since the last flush.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExemplarsConfig {
    /// Attach spans as exemplars.
    pub enabled: bool,
    /// Exemplars kept per data point between flushes (no limit when unset).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_per_data_point: Option<u32>,
}

/// `events`: a counter of span events by the span's and the event's dimensions.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EventsConfig {
    /// Count span events (`{namespace}.events`).
    pub enabled: bool,
    /// Event attributes as dimensions (at least one when enabled).
    pub dimensions: Vec<Dimension>,
}

/// Config of the `spanmetrics` connector.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SpanMetricsConfig {
    /// Dimensions on top of `service.name`, `span.name`, `span.kind`, `status.code`.
    pub dimensions: Vec<Dimension>,
    /// Default dimensions to leave out.
    pub exclude_dimensions: Vec<String>,
    /// Deprecated in Go (a cache of dimension keys); accepted, no effect here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dimensions_cache_size: Option<i64>,
    /// Series per connector at most (0: no limit); more go to one overflow
    /// series per resource with `otel.metric.overflow: true`.
    pub aggregation_cardinality_limit: u64,
    /// `AGGREGATION_TEMPORALITY_CUMULATIVE` (default) or `AGGREGATION_TEMPORALITY_DELTA`.
    pub aggregation_temporality: String,
    /// The duration histogram.
    pub histogram: HistogramConfig,
    /// How often the metrics are emitted (Go's default 60 s).
    #[serde(with = "otelcol_component::duration")]
    pub metrics_flush_interval: Duration,
    /// A series not updated for this long is dropped (0: never).
    #[serde(with = "otelcol_component::duration")]
    pub metrics_expiration: Duration,
    /// The metric name prefix (Go's default `traces.span.metrics`).
    pub namespace: String,
    /// Resources tracked at most (the least recently updated go first).
    pub resource_metrics_cache_size: usize,
    /// The resource attributes that tell resources apart (all when empty).
    pub resource_metrics_key_attributes: Vec<String>,
    /// Exemplars.
    pub exemplars: ExemplarsConfig,
    /// The events metric.
    pub events: EventsConfig,
    /// Instrumentation scope names whose spans get the
    /// `span.instrumentation.scope.name` / `.version` dimensions.
    pub include_instrumentation_scope: Vec<String>,
    /// Go's cache of delta start timestamps; accepted, not needed here
    /// (every series keeps its own start).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delta_timestamp_cache_size: Option<i64>,
}

impl Default for SpanMetricsConfig {
    fn default() -> Self {
        SpanMetricsConfig {
            dimensions: Vec::new(),
            exclude_dimensions: Vec::new(),
            dimensions_cache_size: None,
            aggregation_cardinality_limit: 0,
            aggregation_temporality: CUMULATIVE.into(),
            histogram: HistogramConfig::default(),
            metrics_flush_interval: Duration::from_secs(60),
            metrics_expiration: Duration::ZERO,
            namespace: "traces.span.metrics".into(),
            resource_metrics_cache_size: 1000,
            resource_metrics_key_attributes: Vec::new(),
            exemplars: ExemplarsConfig::default(),
            events: EventsConfig::default(),
            include_instrumentation_scope: Vec::new(),
            delta_timestamp_cache_size: None,
        }
    }
}

const CUMULATIVE: &str = "AGGREGATION_TEMPORALITY_CUMULATIVE";
const DELTA: &str = "AGGREGATION_TEMPORALITY_DELTA";

impl SpanMetricsConfig {
    /// Whether the metrics are deltas (else cumulative).
    pub(crate) fn delta(&self) -> bool {
        self.aggregation_temporality == DELTA
    }

    /// The histogram bounds in the histogram's unit.
    pub(crate) fn bounds(&self) -> Vec<f64> {
        match self.histogram.explicit.as_ref().filter(|e| !e.buckets.is_empty()) {
            Some(e) => e.buckets.iter().map(|b| self.histogram.unit.of(b.0)).collect(),
            None => match self.histogram.unit {
                Unit::Milliseconds => DEFAULT_BUCKETS_MS.to_vec(),
                Unit::Seconds => DEFAULT_BUCKETS_MS.iter().map(|b| b / 1000.0).collect(),
            },
        }
    }

    /// The exponential histogram's bucket limit (Go's default 160), when exponential.
    pub(crate) fn exponential_max_size(&self) -> Option<usize> {
        self.histogram
            .exponential
            .as_ref()
            .map(|e| match usize::try_from(e.max_size) {
                Ok(0) | Err(_) => DEFAULT_EXPONENTIAL_MAX_SIZE,
                Ok(n) => n,
            })
    }

    /// The metric name `{namespace}.{name}` (`name` alone without a namespace).
    pub(crate) fn metric_name(&self, name: &str) -> String {
        if self.namespace.is_empty() {
            name.to_string()
        } else {
            format!("{}.{name}", self.namespace)
        }
    }
}

impl ComponentConfig for SpanMetricsConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        let mut seen: Vec<&str> = vec![SERVICE_NAME, SPAN_NAME, SPAN_KIND, STATUS_CODE];
        for d in &self.dimensions {
            if d.name.is_empty() {
                return Err(ConfigError::at("dimensions", "dimension name missing"));
            }
            if seen.contains(&d.name.as_str()) {
                return Err(ConfigError::at(
                    "dimensions",
                    format!(
                        "failed validating dimensions: duplicate dimension name {}",
                        d.name
                    ),
                ));
            }
            seen.push(&d.name);
        }
        if self.histogram.explicit.is_some() && self.histogram.exponential.is_some() {
            return Err(ConfigError::at(
                "histogram",
                "use either `explicit` or `exponential` buckets histogram",
            ));
        }
        if self.events.enabled {
            if self.events.dimensions.is_empty() {
                return Err(ConfigError::at(
                    "events::dimensions",
                    "failed validating event dimensions: no dimensions configured for events",
                ));
            }
            let mut seen: Vec<&str> = vec![SERVICE_NAME, SPAN_NAME, SPAN_KIND, STATUS_CODE];
            for d in &self.events.dimensions {
                if seen.contains(&d.name.as_str()) {
                    return Err(ConfigError::at(
                        "events::dimensions",
                        format!(
                            "failed validating event dimensions: duplicate dimension name {}",
                            d.name
                        ),
                    ));
                }
                seen.push(&d.name);
            }
        }
        if let Some(e) = &self.histogram.explicit {
            if e.buckets.windows(2).any(|w| w[0].0 >= w[1].0) {
                return Err(ConfigError::at(
                    "histogram::explicit::buckets",
                    "buckets must be in increasing order",
                ));
            }
        }
        if ![CUMULATIVE, DELTA].contains(&self.aggregation_temporality.as_str()) {
            return Err(ConfigError::at(
                "aggregation_temporality",
                format!(
                    "invalid aggregation_temporality {:?}: expected {CUMULATIVE} or {DELTA}",
                    self.aggregation_temporality
                ),
            ));
        }
        if self.metrics_flush_interval.is_zero() {
            return Err(ConfigError::at(
                "metrics_flush_interval",
                "invalid metrics_flush_interval: 0s, the duration should be positive",
            ));
        }
        if self.resource_metrics_cache_size == 0 {
            return Err(ConfigError::at(
                "resource_metrics_cache_size",
                "invalid cache size: 0, the maximum number of the items in the cache should be positive",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use otelcol_componenttest::parse_config;

    #[test]
    fn defaults_are_gos() {
        let c: SpanMetricsConfig = parse_config("").unwrap();
        assert_eq!(c.namespace, "traces.span.metrics");
        assert_eq!(c.metrics_flush_interval, Duration::from_secs(60));
        assert!(!c.delta());
        assert_eq!(c.bounds(), DEFAULT_BUCKETS_MS.to_vec());
        assert_eq!(c.metric_name("calls"), "traces.span.metrics.calls");
    }

    #[test]
    fn buckets_in_the_unit_and_errors_named() {
        let c: SpanMetricsConfig =
            parse_config("histogram: {unit: s, explicit: {buckets: [100us, 1ms, 250ms, 2s]}}").unwrap();
        assert_eq!(c.bounds(), vec![0.0001, 0.001, 0.25, 2.0]);
        let e = parse_config::<SpanMetricsConfig>("dimensions: [{name: span.kind}]").unwrap_err();
        assert!(e.contains("duplicate dimension name span.kind"), "{e}");
        let e = parse_config::<SpanMetricsConfig>("histogram: {explicit: {}, exponential: {}}").unwrap_err();
        assert!(e.contains("use either `explicit` or `exponential`"), "{e}");
        let e = parse_config::<SpanMetricsConfig>("aggregation_temporality: DELTA").unwrap_err();
        assert!(e.contains("invalid aggregation_temporality"), "{e}");
        let e = parse_config::<SpanMetricsConfig>("events: {enabled: true}").unwrap_err();
        assert!(e.contains("no dimensions configured for events"), "{e}");
        let c: SpanMetricsConfig = parse_config("histogram: {exponential: {}}").unwrap();
        assert_eq!(c.exponential_max_size(), Some(160));
    }
}
