//! # otelcol-exporter-prometheus
//!
//! The `prometheus` exporter: keeps the latest value of every metric series
//! it receives (delta sums and histograms accumulated to cumulative) and
//! serves them on `http://<endpoint>/metrics` for Prometheus to scrape, in
//! the text format 0.0.4, OpenMetrics 1.0.0 (when `enable_open_metrics`) or
//! the delimited protobuf format (native histograms), with the Go
//! collector's names and labels. The translation lives in
//! [`otelcol_prometheus`].
//!
//! ```
//! use otelcol_component::{ExporterFactory, Signal, StabilityLevel};
//! let f = otelcol_exporter_prometheus::factory();
//! assert_eq!(f.stability(Signal::Metrics), Some(StabilityLevel::Beta));
//! ```

mod config;
mod exporter;
mod factory;
mod server;

pub use config::{
    DEFAULT_ADD_METRIC_SUFFIXES, DEFAULT_METRIC_EXPIRATION, METRICS_PATH, PrometheusExporterConfig,
    ResourceToTelemetryConfig, TranslationStrategy,
};
pub use exporter::{PrometheusExporter, accumulator_config};
pub use factory::{PrometheusExporterFactory, TYPE};

/// The `prometheus` exporter factory.
pub fn factory() -> PrometheusExporterFactory {
    PrometheusExporterFactory
}
