//! # otelcol-processor-batch
//!
//! The `batch` processor: groups spans, metric data points and log records
//! into batches before they reach the exporters, with the Go collector's
//! config keys and defaults (`send_batch_size: 8192`, `timeout: 200ms`,
//! `send_batch_max_size: 0`, `metadata_keys: []`,
//! `metadata_cardinality_limit: 1000`).
//!
//! ```yaml
//! processors:
//!   batch:
//!     send_batch_size: 8192
//!     timeout: 200ms
//!     send_batch_max_size: 10000
//!     metadata_keys: [x-tenant]
//! ```
//!
//! ## How it works
//! - One **batcher** per distinct combination of the `metadata_keys` values
//!   found in a payload's client metadata (a single batcher when the list is
//!   empty). Each batcher is a tokio task that owns its pending batch and
//!   exports one batch at a time, in arrival order; different batchers export
//!   concurrently.
//! - **Group commit** (`send_when_idle: true`, the default; not in Go):
//!   whenever a batcher has items and no export in flight, it sends them at
//!   once, after one turn of the scheduler so that payloads arriving at that
//!   instant join; what arrives during an export forms the next batch, sent
//!   when that export returns. Nothing waits for a timer while the exporter
//!   is idle, and batches grow with the load.
//! - With `send_when_idle: false` (Go's rule) a batch is sent when it holds
//!   `send_batch_size` items, or when `timeout` has passed since its first
//!   item was added. With `timeout: 0` (or `send_batch_size: 0`) every
//!   payload is sent at once, in either mode. With `send_batch_max_size`
//!   set, no export carries more items: oversize payloads and batches are
//!   split, keeping order.
//! - **Unlike Go, `consume` waits for the export** carrying the payload's
//!   items and returns its result: `Ok`, or the downstream error (combined
//!   over the exports if the payload was split). Nothing is answered OK
//!   before it was delivered, and the sender retries what failed. With
//!   `wait_for_export: false` it answers once the payload is in the batch,
//!   as Go does, and a failed export is logged (`Sender failed`).
//! - **Bounded**: a batcher holds at most
//!   `2 × max(send_batch_size, send_batch_max_size, 1)` items (waiting,
//!   pending and in its in-flight export together); a payload larger than
//!   that is accepted only when the batcher holds nothing else. Beyond the
//!   bound, `consume` waits (in arrival order) for room.
//! - `shutdown` refuses new payloads with a retryable
//!   `batch processor is shutting down`, flushes everything pending, and
//!   returns once the exports finished.
//! - Each export carries a request context holding only the batcher's
//!   `metadata_keys` values (an empty context without keys), as in Go, so
//!   one sender's address, headers or auth data never travel with another
//!   sender's items.
//! - Payloads without items are accepted and dropped, as in Go.
//!
//! Self-metrics (label `processor`): `otelcol_processor_batch_batch_send_size`,
//! `otelcol_processor_batch_batch_send_size_bytes`,
//! `otelcol_processor_batch_batch_size_trigger_send`,
//! `otelcol_processor_batch_timeout_trigger_send`,
//! `otelcol_processor_batch_idle_trigger_send` (not in Go),
//! `otelcol_processor_batch_metadata_cardinality`.

mod batcher;
mod config;
mod error;
mod factory;
mod processor;
mod telemetry;

#[cfg(test)]
mod tests;

pub use config::{
    BatchConfig, DEFAULT_METADATA_CARDINALITY_LIMIT, DEFAULT_SEND_BATCH_MAX_SIZE, DEFAULT_SEND_BATCH_SIZE,
    DEFAULT_TIMEOUT,
};
pub use error::BatchError;
pub use factory::{BatchProcessorFactory, STABILITY, TYPE};
pub use processor::BatchProcessor;

/// The factory of the `batch` processor.
pub fn factory() -> BatchProcessorFactory {
    BatchProcessorFactory
}
