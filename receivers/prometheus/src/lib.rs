//! # otelcol-receiver-prometheus
//!
//! The `prometheus` receiver, like the Go collector's
//! [`prometheusreceiver`](https://github.com/open-telemetry/opentelemetry-collector-contrib/tree/main/receiver/prometheusreceiver):
//! a drop-in for a Prometheus server's scraping. Under `config` it takes a
//! Prometheus configuration (`global`, `scrape_configs` with
//! `static_configs` and `file_sd_configs`, `relabel_configs`,
//! `metric_relabel_configs`, authentication and TLS), scrapes every target
//! as Prometheus does (Prometheus text and OpenMetrics, staleness, `up` and
//! the `scrape_*` metrics) and hands the samples on as OTLP metrics built as
//! Go's receiver builds them (one resource per target, Prometheus metric
//! names, cumulative sums with start times, histograms, summaries).
//!
//! ```yaml
//! receivers:
//!   prometheus:
//!     config:
//!       scrape_configs:
//!         - job_name: node
//!           scrape_interval: 15s
//!           static_configs:
//!             - targets: ['localhost:9100']
//!
//! service:
//!   pipelines:
//!     metrics:
//!       receivers: [prometheus]
//!       exporters: [debug]
//! ```
//!
//! See the crate's README for every key, the translation rules and the
//! differences from Go and from Prometheus.

#![forbid(unsafe_code)]

mod adjust;
mod client;
mod config;
mod discovery;
mod factory;
mod labels;
mod receiver;
mod relabel;
mod scrape;
mod textparse;
mod translate;
mod units;

pub use config::{
    ApiServerConfig, Authorization, BasicAuth, DEFAULT_FILE_SD_REFRESH, DEFAULT_METRICS_PATH, DEFAULT_SCHEME,
    DEFAULT_SCRAPE_INTERVAL, DEFAULT_SCRAPE_PROTOCOLS, DEFAULT_SCRAPE_TIMEOUT, DEFAULT_START_TIME_METRIC,
    FileSdConfig, GlobalConfig, MAX_BODY_SIZE, PromConfig, PromTlsConfig, PrometheusReceiverConfig,
    ScrapeConfig, StaticConfig, UNSUPPORTED_SD,
};
pub use factory::{PrometheusReceiverFactory, STABILITY, TYPE};
pub use receiver::PrometheusReceiver;
pub use relabel::RelabelConfig;
pub use textparse::{Entry, Format, MetricKind, ParseError, ParsedSample, Parser};
pub use translate::SCOPE_NAME;
pub use units::{ByteSize, PromDuration};

/// The factory of the `prometheus` receiver.
pub fn factory() -> PrometheusReceiverFactory {
    PrometheusReceiverFactory
}
