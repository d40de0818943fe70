//! # otelcol-exporterhelper
//!
//! The delivery machinery every otelcol-rs exporter reuses, after the Go
//! collector's `exporterhelper`: an exporter writes one [`Sender`] (send one
//! request, classify the failure), and [`ExporterHelper`] adds
//!
//! - the `sending_queue` ([`QueueConfig`]): bounded by requests, items or
//!   bytes, drained by `num_consumers` tasks, blocking or refusing with a
//!   retryable error when full, drained on shutdown; or, with
//!   `sending_queue::storage`, a persistent write-ahead queue kept in a
//!   storage extension (`file_storage`) that survives a crash or restart;
//! - `sending_queue::batch` ([`BatchConfig`]): batching after the queue, on
//!   encoded payloads, by size (`min_size`, `max_size` in items or bytes),
//!   by time (`flush_timeout`) and per client-metadata partition, exported
//!   `num_consumers` at a time; it works with `wait_for_result` and with the
//!   persistent queue (a stored request is deleted once its batch was sent);
//! - `retry_on_failure` ([`RetryConfig`]): exponential backoff with jitter,
//!   honouring the retry-after of a throttling error, bounded by
//!   `max_elapsed_time`;
//! - `timeout` ([`TimeoutConfig`]) per attempt;
//! - [`SignalExporter`]: one exporter for every signal it is used for, from
//!   one client ([`ExportClient`]) and one helper per signal; shutdown stops
//!   every helper and closes the client even when one fails;
//! - the self-metrics `otelcol_exporter_sent_*`, `otelcol_exporter_send_failed_*`,
//!   `otelcol_exporter_enqueue_failed_*` (label `exporter`) and the gauges
//!   `otelcol_exporter_queue_size` / `otelcol_exporter_queue_capacity`
//!   (labels `exporter`, `data_type`), and with `batch` the histogram
//!   `otelcol_exporter_queue_batch_send_size`.
//!
//! It re-exports the Go-compatible duration serde module [`duration`]. The
//! client-side config blocks exporters share (`tls`, `headers`,
//! `compression`, `auth`, `keepalive`) are in `otelcol-confighttp` and
//! `otelcol-configgrpc`; `retry_on_failure` is `otelcol-configretry`.
//!
//! ```
//! use std::sync::Arc;
//! use otelcol_component::{async_trait, ConsumeError, Traces};
//! use otelcol_exporterhelper::{ExporterHelper, QueueConfig, RetryConfig, Sender, TimeoutConfig};
//!
//! #[derive(Debug)]
//! struct Stdout;
//!
//! #[async_trait]
//! impl Sender<Traces> for Stdout {
//!     async fn send(&self, data: Traces) -> Result<(), ConsumeError> {
//!         println!("{data:?}");
//!         Ok(())
//!     }
//! }
//!
//! # fn build(settings: &otelcol_component::Settings) -> Result<(), otelcol_component::ConfigError> {
//! let helper = ExporterHelper::<Traces>::new(
//!     settings,
//!     QueueConfig::default(),
//!     RetryConfig::default(),
//!     TimeoutConfig::default(),
//!     Arc::new(Stdout),
//! )?;
//! # let _ = helper; Ok(()) }
//! ```
#![forbid(unsafe_code)]

mod batcher;
mod config;
pub use otelcol_component::duration;
mod helper;
mod persistent;
mod queue;
mod retry;
mod sender;
mod signals;
mod telemetry;

pub use config::{
    BatchConfig, DEFAULT_BATCH_FLUSH_TIMEOUT, DEFAULT_BATCH_MIN_SIZE, DEFAULT_NUM_CONSUMERS,
    DEFAULT_QUEUE_ENABLED, DEFAULT_QUEUE_SIZE, DEFAULT_TIMEOUT, PartitionConfig, QueueConfig, Sizer,
    TimeoutConfig,
};
pub use helper::ExporterHelper;
/// `retry_on_failure`: Go's `configretry.BackOffConfig`, from `otelcol-configretry`.
pub use otelcol_configretry::BackOffConfig as RetryConfig;
pub use otelcol_configretry::{
    DEFAULT_INITIAL_INTERVAL, DEFAULT_MAX_ELAPSED_TIME, DEFAULT_MAX_INTERVAL, DEFAULT_MULTIPLIER,
    DEFAULT_RANDOMIZATION_FACTOR, DEFAULT_RETRY_ENABLED,
};
pub use persistent::{recovered_name, redelivered_name};
pub use sender::Sender;
pub use signals::{ExportClient, SignalExporter};
pub use telemetry::{
    QUEUE_BATCH_SEND_SIZE, QUEUE_BATCH_SEND_SIZE_BYTES, QUEUE_CAPACITY, QUEUE_SIZE, counter_names,
};
