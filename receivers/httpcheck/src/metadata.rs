//! The metrics the receiver emits, as Go's `metadata.yaml` declares them
//! (names, descriptions, units, types, attributes, default enablement), the
//! `metrics` config block that toggles them, and the builder that turns the
//! recorded data points into one OTLP payload per scrape (Go's generated
//! `MetricsBuilder`).

use std::fmt;

use otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use otelcol_component::proto::common::v1::{InstrumentationScope, KeyValue};
use otelcol_component::proto::metrics::v1::{
    AggregationTemporality, Gauge, Metric as ProtoMetric, NumberDataPoint, ResourceMetrics, ScopeMetrics,
    Sum, metric, number_data_point,
};
use otelcol_component::proto::resource::v1::Resource;
use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The instrumentation scope name of every metric (Go's generated `ScopeName`).
pub const SCOPE_NAME: &str =
    "github.com/open-telemetry/opentelemetry-collector-contrib/receiver/httpcheckreceiver";

/// Attribute names (Go's `metadata.yaml` `attributes`).
pub mod attr {
    /// Full HTTP request URL (the configured endpoint).
    pub const HTTP_URL: &str = "http.url";
    /// HTTP response status code (int).
    pub const HTTP_STATUS_CODE: &str = "http.status_code";
    /// HTTP request method.
    pub const HTTP_METHOD: &str = "http.method";
    /// HTTP response status class (`1xx`..`5xx`).
    pub const HTTP_STATUS_CLASS: &str = "http.status_class";
    /// Error message recorded during the check.
    pub const ERROR_MESSAGE: &str = "error.message";
    /// The transport of the connection (always `tcp`).
    pub const NETWORK_TRANSPORT: &str = "network.transport";
    /// The entity that issued the server certificate.
    pub const HTTP_TLS_ISSUER: &str = "http.tls.issuer";
    /// The common name in the subject of the server certificate.
    pub const HTTP_TLS_CN: &str = "http.tls.cn";
    /// The subject alternative names of the server certificate (a slice).
    pub const HTTP_TLS_SAN: &str = "http.tls.san";
    /// The kind of response validation (`contains`, `not_contains`, `json_path`, `size`, `regex`).
    pub const VALIDATION_TYPE: &str = "validation.type";
}

/// One metric of the receiver. The order is the emission order (by name,
/// as Go's generated builder emits them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Metric {
    /// `httpcheck.client.connection.duration` (ns, gauge; off by default).
    ClientConnectionDuration,
    /// `httpcheck.client.request.duration` (ns, gauge; off by default).
    ClientRequestDuration,
    /// `httpcheck.dns.lookup.duration` (ns, gauge; off by default).
    DnsLookupDuration,
    /// `httpcheck.duration` (ms, gauge; on by default).
    Duration,
    /// `httpcheck.error` (`{error}`, non-monotonic cumulative sum; on by default).
    Error,
    /// `httpcheck.response.duration` (ns, gauge; off by default).
    ResponseDuration,
    /// `httpcheck.response.size` (By, gauge; off by default).
    ResponseSize,
    /// `httpcheck.status` (1, non-monotonic cumulative sum; on by default).
    Status,
    /// `httpcheck.tls.cert_remaining` (s, gauge; off by default).
    TlsCertRemaining,
    /// `httpcheck.tls.handshake.duration` (ns, gauge; off by default).
    TlsHandshakeDuration,
    /// `httpcheck.validation.failed` (`{validation}`, non-monotonic cumulative sum; off by default).
    ValidationFailed,
    /// `httpcheck.validation.passed` (`{validation}`, non-monotonic cumulative sum; off by default).
    ValidationPassed,
}

impl Metric {
    /// Every metric, in emission order.
    pub const ALL: [Metric; 12] = [
        Metric::ClientConnectionDuration,
        Metric::ClientRequestDuration,
        Metric::DnsLookupDuration,
        Metric::Duration,
        Metric::Error,
        Metric::ResponseDuration,
        Metric::ResponseSize,
        Metric::Status,
        Metric::TlsCertRemaining,
        Metric::TlsHandshakeDuration,
        Metric::ValidationFailed,
        Metric::ValidationPassed,
    ];

    /// Every metric name, in emission order.
    pub const NAMES: [&'static str; 12] = [
        "httpcheck.client.connection.duration",
        "httpcheck.client.request.duration",
        "httpcheck.dns.lookup.duration",
        "httpcheck.duration",
        "httpcheck.error",
        "httpcheck.response.duration",
        "httpcheck.response.size",
        "httpcheck.status",
        "httpcheck.tls.cert_remaining",
        "httpcheck.tls.handshake.duration",
        "httpcheck.validation.failed",
        "httpcheck.validation.passed",
    ];

    fn index(self) -> usize {
        self as usize
    }

    /// The metric's name.
    pub fn name(self) -> &'static str {
        Self::NAMES[self.index()]
    }

    /// The metric named `name`.
    pub fn from_name(name: &str) -> Option<Metric> {
        Self::NAMES.iter().position(|n| *n == name).map(|i| Self::ALL[i])
    }

    /// The metric's description.
    pub fn description(self) -> &'static str {
        match self {
            Metric::ClientConnectionDuration => "Time spent establishing TCP connection to the endpoint.",
            Metric::ClientRequestDuration => "Time spent sending the HTTP request to the endpoint.",
            Metric::DnsLookupDuration => "Time spent performing DNS lookup for the endpoint.",
            Metric::Duration => "Measures the duration of the HTTP check.",
            Metric::Error => "Records errors occurring during HTTP check.",
            Metric::ResponseDuration => "Time spent receiving the HTTP response from the endpoint.",
            Metric::ResponseSize => "Size of the response body in bytes.",
            Metric::Status => {
                "1 if the check resulted in status_code matching the status_class, otherwise 0."
            }
            Metric::TlsCertRemaining => {
                "Time in seconds until certificate expiry, as specified by `NotAfter` field in the x.509 \
                 certificate. Negative values represent time in seconds since expiration."
            }
            Metric::TlsHandshakeDuration => "Time spent performing TLS handshake with the endpoint.",
            Metric::ValidationFailed => "Number of response validations that failed.",
            Metric::ValidationPassed => "Number of response validations that passed.",
        }
    }

    /// The metric's unit (UCUM).
    pub fn unit(self) -> &'static str {
        match self {
            Metric::ClientConnectionDuration
            | Metric::ClientRequestDuration
            | Metric::DnsLookupDuration
            | Metric::ResponseDuration
            | Metric::TlsHandshakeDuration => "ns",
            Metric::Duration => "ms",
            Metric::Error => "{error}",
            Metric::ResponseSize => "By",
            Metric::Status => "1",
            Metric::TlsCertRemaining => "s",
            Metric::ValidationFailed | Metric::ValidationPassed => "{validation}",
        }
    }

    /// True for the non-monotonic cumulative sums, false for the gauges.
    pub fn is_sum(self) -> bool {
        matches!(
            self,
            Metric::Error | Metric::Status | Metric::ValidationFailed | Metric::ValidationPassed
        )
    }

    /// Whether the metric is emitted without a `metrics` setting.
    pub fn enabled_by_default(self) -> bool {
        matches!(self, Metric::Duration | Metric::Error | Metric::Status)
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `metrics`: `{<metric name>: {enabled: bool}}` over the defaults (Go's
/// `MetricsBuilderConfig`). An unknown metric name or key is refused.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct MetricsConfig {
    enabled: [bool; 12],
}

impl Default for MetricsConfig {
    fn default() -> Self {
        MetricsConfig {
            enabled: Metric::ALL.map(Metric::enabled_by_default),
        }
    }
}

impl fmt::Debug for MetricsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(Metric::ALL.iter().map(|m| (m.name(), self.is_enabled(*m))))
            .finish()
    }
}

impl MetricsConfig {
    /// Whether `metric` is emitted.
    pub fn is_enabled(&self, metric: Metric) -> bool {
        self.enabled[metric.index()]
    }

    /// Turns `metric` on or off.
    pub fn set_enabled(&mut self, metric: Metric, on: bool) {
        self.enabled[metric.index()] = on;
    }

    /// The same config with `metric` turned on or off.
    pub fn with(mut self, metric: Metric, on: bool) -> Self {
        self.set_enabled(metric, on);
        self
    }
}

/// One entry of `metrics` (Go's `MetricConfig`).
#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Toggle {
    #[serde(default)]
    enabled: Option<bool>,
}

impl Serialize for MetricsConfig {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(Metric::ALL.len()))?;
        for m in Metric::ALL {
            let toggle = Toggle {
                enabled: Some(self.is_enabled(m)),
            };
            map.serialize_entry(m.name(), &toggle)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for MetricsConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = MetricsConfig;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of metric names to {enabled: bool}")
            }
            fn visit_unit<E: de::Error>(self) -> Result<MetricsConfig, E> {
                Ok(MetricsConfig::default())
            }
            fn visit_none<E: de::Error>(self) -> Result<MetricsConfig, E> {
                Ok(MetricsConfig::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<MetricsConfig, A::Error> {
                let mut cfg = MetricsConfig::default();
                while let Some(name) = map.next_key::<String>()? {
                    let Some(metric) = Metric::from_name(&name) else {
                        return Err(de::Error::unknown_field(&name, &Metric::NAMES));
                    };
                    let toggle = map.next_value::<Option<Toggle>>()?;
                    if let Some(on) = toggle.and_then(|t| t.enabled) {
                        cfg.set_enabled(metric, on);
                    }
                }
                Ok(cfg)
            }
        }
        d.deserialize_any(V)
    }
}

/// Collects one scrape's data points and builds its payload (Go's
/// generated `MetricsBuilder`): metrics that are off record nothing,
/// metrics without points are left out, every point carries the receiver's
/// start time.
#[derive(Debug)]
pub(crate) struct MetricsBuilder {
    config: MetricsConfig,
    start_time: u64,
    points: [Vec<NumberDataPoint>; 12],
}

impl MetricsBuilder {
    /// A builder for metrics enabled in `config`, whose points start at `start_time` (Unix ns).
    pub(crate) fn new(config: MetricsConfig, start_time: u64) -> Self {
        MetricsBuilder {
            config,
            start_time,
            points: Default::default(),
        }
    }

    /// Whether `metric` is recorded at all.
    pub(crate) fn enabled(&self, metric: Metric) -> bool {
        self.config.is_enabled(metric)
    }

    /// Records an int data point of `metric` at `time` (Unix ns).
    pub(crate) fn record(&mut self, metric: Metric, time: u64, value: i64, attributes: Vec<KeyValue>) {
        if !self.enabled(metric) {
            return;
        }
        self.points[metric.index()].push(NumberDataPoint {
            attributes,
            start_time_unix_nano: self.start_time,
            time_unix_nano: time,
            value: Some(number_data_point::Value::AsInt(value)),
            ..Default::default()
        });
    }

    /// Number of data points recorded.
    #[cfg(test)]
    pub(crate) fn point_count(&self) -> usize {
        self.points.iter().map(Vec::len).sum()
    }

    /// The payload: one resource (no attributes), one scope
    /// ([`SCOPE_NAME`], `scope_version`), the metrics with points in name
    /// order. `None` when nothing was recorded.
    pub(crate) fn emit(self, scope_version: &str) -> Option<ExportMetricsServiceRequest> {
        let mut metrics = Vec::new();
        for (metric, points) in Metric::ALL.into_iter().zip(self.points) {
            if points.is_empty() {
                continue;
            }
            let data = if metric.is_sum() {
                metric::Data::Sum(Sum {
                    data_points: points,
                    aggregation_temporality: AggregationTemporality::Cumulative as i32,
                    is_monotonic: false,
                })
            } else {
                metric::Data::Gauge(Gauge { data_points: points })
            };
            metrics.push(ProtoMetric {
                name: metric.name().to_string(),
                description: metric.description().to_string(),
                unit: metric.unit().to_string(),
                data: Some(data),
                ..Default::default()
            });
        }
        if metrics.is_empty() {
            return None;
        }
        Some(ExportMetricsServiceRequest {
            resource_metrics: vec![ResourceMetrics {
                resource: Some(Resource::default()),
                scope_metrics: vec![ScopeMetrics {
                    scope: Some(InstrumentationScope {
                        name: SCOPE_NAME.to_string(),
                        version: scope_version.to_string(),
                        ..Default::default()
                    }),
                    metrics,
                    ..Default::default()
                }],
                ..Default::default()
            }],
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use otelcol_component::build::string_kv;

    #[test]
    fn names_and_order_match_go() {
        let mut sorted = Metric::NAMES;
        sorted.sort_unstable();
        assert_eq!(sorted, Metric::NAMES, "emission order is by name");
        for m in Metric::ALL {
            assert_eq!(Metric::from_name(m.name()), Some(m));
        }
        assert_eq!(Metric::Duration.unit(), "ms");
        assert_eq!(Metric::Status.unit(), "1");
        assert_eq!(Metric::Error.unit(), "{error}");
        assert_eq!(Metric::ResponseSize.unit(), "By");
        assert_eq!(Metric::DnsLookupDuration.unit(), "ns");
        assert!(Metric::Status.is_sum() && !Metric::Duration.is_sum());
        let on: Vec<_> = Metric::ALL
            .into_iter()
            .filter(|m| m.enabled_by_default())
            .map(Metric::name)
            .collect();
        assert_eq!(on, ["httpcheck.duration", "httpcheck.error", "httpcheck.status"]);
    }

    #[test]
    fn metrics_config_reads_over_defaults_and_round_trips() {
        let c: MetricsConfig = serde_yaml::from_str(
            "httpcheck.response.size: {enabled: true}\nhttpcheck.status: {enabled: false}\nhttpcheck.error: {}",
        )
        .unwrap();
        assert!(c.is_enabled(Metric::ResponseSize));
        assert!(!c.is_enabled(Metric::Status));
        assert!(c.is_enabled(Metric::Error), "an empty entry keeps the default");
        let yaml = serde_yaml::to_string(&c).unwrap();
        assert_eq!(serde_yaml::from_str::<MetricsConfig>(&yaml).unwrap(), c);
        assert_eq!(
            serde_yaml::from_str::<MetricsConfig>("~").unwrap(),
            MetricsConfig::default()
        );
    }

    #[test]
    fn builder_leaves_out_disabled_and_empty_metrics() {
        let cfg = MetricsConfig::default().with(Metric::ResponseSize, true);
        let mut b = MetricsBuilder::new(cfg, 5);
        b.record(Metric::Status, 9, 1, vec![string_kv("http.url", "u")]);
        b.record(Metric::TlsCertRemaining, 9, 1, vec![]);
        b.record(Metric::Duration, 9, 3, vec![]);
        assert_eq!(b.point_count(), 2);
        let req = b.emit("1.2.3").unwrap();
        let sm = &req.resource_metrics[0].scope_metrics[0];
        assert_eq!(sm.scope.as_ref().unwrap().name, SCOPE_NAME);
        assert_eq!(sm.scope.as_ref().unwrap().version, "1.2.3");
        let names: Vec<_> = sm.metrics.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["httpcheck.duration", "httpcheck.status"]);
        let Some(metric::Data::Sum(sum)) = &sm.metrics[1].data else {
            panic!("status is a sum")
        };
        assert!(!sum.is_monotonic);
        assert_eq!(
            sum.aggregation_temporality,
            AggregationTemporality::Cumulative as i32
        );
        assert_eq!(sum.data_points[0].start_time_unix_nano, 5);
        assert_eq!(sum.data_points[0].time_unix_nano, 9);
        assert!(
            MetricsBuilder::new(MetricsConfig::default(), 0)
                .emit("v")
                .is_none()
        );
    }
}
