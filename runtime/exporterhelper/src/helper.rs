//! [`ExporterHelper`]: queue → retry → timeout → sender, as one consumer.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use otelcol_component::{
    Component, ComponentError, ConfigError, ConsumeError, Consumer, Host, Payload, Settings,
};

use crate::RetryConfig;
use crate::config::{QueueConfig, TimeoutConfig};
use crate::queue::SendingQueue;
use crate::retry::Delivery;
use crate::sender::Sender;
use crate::telemetry::Telemetry;

/// Wraps an exporter's [`Sender`] with the Go collector's exporterhelper
/// behaviour, for one signal.
///
/// - **Queue enabled** (default): `consume` puts the data in a bounded queue
///   and returns; `num_consumers` tasks started by [`start`](Component::start)
///   send it. When the queue is full, `consume` waits (`block_on_overflow:
///   true`) or returns a **retryable** error and counts
///   `otelcol_exporter_enqueue_failed_*` — the Go collector drops the data
///   instead; a retryable error lets the receiver answer 503/`UNAVAILABLE` so
///   the client retries. With `wait_for_result: true` the caller waits for
///   the send and gets its result.
/// - **Batching** (`sending_queue::batch`): one queue consumer feeds a
///   batcher that merges requests (per `partition::metadata_keys` values)
///   until `min_size` or `flush_timeout`, splits by `max_size`, and exports
///   up to `num_consumers` batches at once. A request holds its queue space
///   until its batch was sent; `wait_for_result` answers with the batch's
///   result; shutdown sends pending batches at once.
/// - **Queue disabled**: `consume` sends with retries and returns the result
///   (no batching).
/// - Every attempt is bounded by `timeout`; retryable failures are retried
///   with exponential backoff and jitter, honouring the error's retry-after,
///   until `max_elapsed_time`; then the data is dropped (`Exporting failed.
///   Dropping data.`, `otelcol_exporter_send_failed_*`).
/// - [`shutdown`](Component::shutdown) stops accepting data and drains the
///   queue: everything queued is sent, with retries (the Go collector stops
///   retrying at shutdown instead). Once one request is given up on while
///   draining, the backend is taken to be gone and the rest is dropped at
///   once, logged and counted, so shutdown takes at most about one
///   `max_elapsed_time`. If the runtime's deadline cuts shutdown short, the
///   consumers are aborted and what they held is logged and counted as dropped.
/// - **Persistent queue** (`sending_queue::storage: <extension id>`):
///   `consume` returns `Ok` once the request is written to the storage
///   extension's store; consumers delete it only after it was sent or given
///   up on; on shutdown in-flight and waiting requests stay stored and are
///   sent after the next start (at least once: a request in flight when the
///   process stopped may be sent twice, counted in
///   `otelcol_exporter_queue_redelivered_*`). With `batch`, a stored
///   request is deleted once the batch holding it was sent or given up on,
///   and pending batches stay stored at shutdown. `start` fails if the
///   extension is missing or not a storage extension.
/// - Empty payloads (no items) are accepted and not sent.
pub struct ExporterHelper<T: Payload> {
    delivery: Arc<Delivery<T>>,
    queue: Option<SendingQueue<T>>,
}

impl<T: Payload> fmt::Debug for ExporterHelper<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExporterHelper")
            .field("exporter", &self.delivery.telemetry.exporter)
            .field("signal", &T::SIGNAL)
            .field("sender", &self.delivery.sender)
            .field("queued", &self.queue.is_some())
            .finish()
    }
}

impl<T: Payload> ExporterHelper<T> {
    /// Builds the helper. Fails on a config that `validate` refuses (so an
    /// exporter that forgot to validate cannot silently ignore a setting).
    pub fn new(
        settings: &Settings,
        queue: QueueConfig,
        retry: RetryConfig,
        timeout: TimeoutConfig,
        sender: Arc<dyn Sender<T>>,
    ) -> Result<Self, ConfigError> {
        queue.validate()?;
        retry.validate()?;
        let delivery = Arc::new(Delivery {
            sender,
            retry,
            timeout: timeout.timeout,
            telemetry: Telemetry::new(
                &settings.id,
                T::SIGNAL,
                settings.telemetry.detailed_metrics,
                settings.telemetry.meter.clone(),
            ),
        });
        let queue = queue
            .enabled
            .then(|| SendingQueue::new(queue, &settings.id, delivery.clone()));
        Ok(ExporterHelper { delivery, queue })
    }
}

#[async_trait]
impl<T: Payload> Consumer<T> for ExporterHelper<T> {
    async fn consume(&self, data: T) -> Result<(), ConsumeError> {
        if data.is_empty() {
            return Ok(());
        }
        match &self.queue {
            Some(q) => q.offer(data).await,
            None => self.delivery.deliver(data).await,
        }
    }
}

#[async_trait]
impl<T: Payload> Component for ExporterHelper<T> {
    async fn start(&self, host: Arc<dyn Host>) -> Result<(), ComponentError> {
        self.delivery.telemetry.status.set_host(host.clone());
        if let Some(q) = &self.queue {
            q.start(&host).await?;
        }
        Ok(())
    }

    async fn shutdown(&self) -> Result<(), ComponentError> {
        if let Some(q) = &self.queue {
            q.shutdown().await;
        }
        Ok(())
    }
}
