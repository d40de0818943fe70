//! # otelcol-connector-spanmetrics
//!
//! The `spanmetrics` connector, as the Go collector's
//! `spanmetricsconnector`: an exporter in a traces pipeline and a receiver
//! in a metrics pipeline, aggregating Request, Error and Duration (R.E.D.)
//! metrics from spans — `traces.span.metrics.calls` (a monotonic sum) and
//! `traces.span.metrics.duration` (an explicit-bucket histogram, in ms) per
//! service, span name, span kind and status code (plus configured
//! dimensions) — and emitting them every `metrics_flush_interval`.
//!
//! Through the prometheus exporter they become
//! `traces_span_metrics_calls_total` and
//! `traces_span_metrics_duration_milliseconds_bucket`, the names Jaeger's
//! Monitor tab and Grafana's dashboards query.
//!
//! ```yaml
//! connectors:
//!   spanmetrics:
//!     dimensions: [{name: http.method, default: GET}, {name: http.status_code}]
//!     metrics_flush_interval: 15s
//! ```

mod aggregate;
mod config;
mod connector;

pub use config::{Dimension, SpanMetricsConfig};
pub use connector::{SpanMetricsConnector, SpanMetricsConnectorFactory};

/// The component type name used in config (Go's current name).
pub const TYPE: &str = "span_metrics";

/// The older name, still accepted with a deprecation warning (as Go does).
pub const DEPRECATED_TYPE: &str = "spanmetrics";

/// The instrumentation scope of the emitted metrics (Go's).
pub const SCOPE_NAME: &str = "spanmetricsconnector";

/// The factory of the `spanmetrics` connector.
pub fn factory() -> SpanMetricsConnectorFactory {
    SpanMetricsConnectorFactory
}
