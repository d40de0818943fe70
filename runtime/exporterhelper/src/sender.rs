//! The one thing an exporter writes: how to send one request.

use std::fmt;

use async_trait::async_trait;
use otelcol_component::{ConsumeError, Payload};

/// Sends one request to the backend, once. The [`ExporterHelper`](crate::ExporterHelper)
/// adds the queue, the per-attempt timeout, retries and self-metrics around it.
///
/// The error says what the helper does next:
/// - [`ConsumeError::retryable`] / [`ConsumeError::retryable_after`]: try again
///   with backoff, waiting at least the given delay (map gRPC `RetryInfo` and
///   HTTP `Retry-After` to it); a connection failure is retryable;
/// - [`ConsumeError::permanent`] / [`ConsumeError::invalid_data`]: drop the
///   request (logged and counted as `send_failed`);
/// - [`ConsumeError::partially_rejected`]: the backend accepted the request
///   but rejected `rejected` items (an OTLP partial success, also with
///   `rejected == 0` for a warning message). This is success: the helper logs
///   `Partial success response`, counts the rejected items as `send_failed`,
///   and does not retry.
#[async_trait]
pub trait Sender<T: Payload>: Send + Sync + fmt::Debug + 'static {
    /// Sends `data` once.
    async fn send(&self, data: T) -> Result<(), ConsumeError>;
}
