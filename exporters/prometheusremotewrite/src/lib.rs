//! # otelcol-exporter-prometheusremotewrite
//!
//! The `prometheusremotewrite` exporter: translates OTLP metrics into
//! Prometheus remote-write 1.0 `WriteRequest`s (names and labels from
//! [`otelcol_prometheus`], histograms as `_bucket`/`_sum`/`_count`,
//! exponential histograms as native histograms, one `target_info` per
//! resource), splits them at `max_batch_size_bytes`, snappy-compresses them
//! and POSTs them with the remote-write headers, retrying 5xx and 429
//! answers with exponential backoff (honouring `Retry-After`).
//!
//! ```
//! use otelcol_component::{ExporterFactory, Signal, StabilityLevel};
//! let f = otelcol_exporter_prometheusremotewrite::factory();
//! assert_eq!(f.stability(Signal::Metrics), Some(StabilityLevel::Beta));
//! ```

mod batch;
mod client;
mod config;
mod exporter;
mod factory;
mod points;
pub mod proto;
mod translate;

pub use batch::batch;
pub use client::{
    AttemptError, REMOTE_WRITE_VERSION, RemoteWriteClient, encode, parse_retry_after, user_agent,
};
pub use config::{
    DEFAULT_INITIAL_INTERVAL, DEFAULT_MAX_BATCH_SIZE_BYTES, DEFAULT_NUM_CONSUMERS, DEFAULT_QUEUE_SIZE,
    DEFAULT_TIMEOUT, PrwExporterConfig, RemoteWriteQueueConfig, ResourceToTelemetryConfig, TargetInfoConfig,
    Unsupported,
};
pub use exporter::{PrwExporter, names};
pub use factory::{ALIASES, PrwExporterFactory, TYPE};
pub use translate::{STALE_NAN, Settings as TranslateSettings, Translated, translate};

/// The `prometheusremotewrite` exporter factory.
pub fn factory() -> PrwExporterFactory {
    PrwExporterFactory
}
