//! Sending one request: per-attempt timeout, retries with exponential
//! backoff and jitter, and the accounting of the final outcome.

use std::sync::Arc;
use std::time::Duration;

use otelcol_component::{ConsumeError, ConsumeErrorKind, Payload};
use tokio::time::Instant;

use crate::sender::Sender;
use crate::telemetry::Telemetry;
use otelcol_configretry::{BackOff, BackOffConfig as RetryConfig};

/// Sends requests through a [`Sender`] with timeout and retries, and
/// accounts for every outcome.
pub(crate) struct Delivery<T: Payload> {
    pub(crate) sender: Arc<dyn Sender<T>>,
    pub(crate) retry: RetryConfig,
    pub(crate) timeout: Duration,
    pub(crate) telemetry: Telemetry,
}

impl<T: Payload> Delivery<T> {
    async fn attempt(&self, data: T) -> Result<(), ConsumeError> {
        if self.timeout.is_zero() {
            return self.sender.send(data).await;
        }
        match tokio::time::timeout(self.timeout, self.sender.send(data)).await {
            Ok(r) => r,
            Err(_) => Err(ConsumeError::retryable(format!(
                "request timed out after {:?} (timeout)",
                self.timeout
            ))),
        }
    }

    /// Sends `data` until it is accepted, refused for good, or the retry
    /// budget is spent. Every outcome is counted and every drop logged; a
    /// partial success is success (the rejected items are counted as failed).
    pub(crate) async fn deliver(&self, data: T) -> Result<(), ConsumeError> {
        let items = data.item_count() as u64;
        let op = otelcol_component::selftrace::Op::export(&self.telemetry.exporter, T::SIGNAL);
        let result = self.deliver_inner(data, items).await;
        match &result {
            Ok(()) => op.end(items, 0, None),
            Err(e) => op.end(0, items, Some(e)),
        }
        result
    }

    async fn deliver_inner(&self, data: T, items: u64) -> Result<(), ConsumeError> {
        let started = Instant::now();
        let mut backoff = BackOff::new(&self.retry);
        loop {
            let err = match self.attempt(data.clone()).await {
                Ok(()) => {
                    self.telemetry.status.ok();
                    self.telemetry.sent(items);
                    return Ok(());
                }
                Err(e) => e,
            };
            if let ConsumeErrorKind::PartiallyRejected { rejected } = err.kind() {
                self.telemetry.status.ok();
                self.telemetry.partially_rejected(items, *rejected, err.message());
                return Ok(());
            }
            self.telemetry.status.failing(&err.to_string());
            if err.is_permanent() {
                self.telemetry
                    .send_failed(items, &format!("not retryable error: {err}"));
                return Err(err);
            }
            if !self.retry.enabled {
                let reason =
                    format!("{err} (retry_on_failure is disabled; enable it to retry retryable errors)");
                self.telemetry.send_failed(items, &reason);
                return Err(ConsumeError::retryable(reason));
            }
            let mut delay = backoff.next_delay();
            if let Some(after) = err.retry_after() {
                delay = delay.max(after);
            }
            let max_elapsed = self.retry.max_elapsed_time;
            if !max_elapsed.is_zero() && started.elapsed().saturating_add(delay) > max_elapsed {
                let reason = format!("no more retries left: {err}");
                self.telemetry.send_failed(items, &reason);
                return Err(ConsumeError::retryable(reason));
            }
            tracing::info!(
                exporter = %self.telemetry.exporter,
                error = %err,
                interval = ?delay,
                "Exporting failed. Will retry the request after interval."
            );
            tokio::time::sleep(delay).await;
        }
    }
}
