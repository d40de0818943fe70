//! The exporter: translate, batch, compress and send, behind the optional
//! `remote_write_queue` (one background consumer, so pushes stay in order).
//!
//! Delivery seam: [`PrwExporter::push`] does one push with this crate's own
//! retry loop ([`crate::retry::with_retry`]) and the queue is the small one
//! in this file. Both are meant to give way to `otelcol-exporterhelper`
//! (its queue and retry sender around a `Sender` that calls `push` without
//! retries) once that crate's API is settled.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use bytes::Bytes;
use futures::StreamExt as _;
use otelcol_component::{
    Component, ComponentError, ConsumeError, Consumer, CreateError, Exporter, Host, Metrics, Payload,
    Settings, SharedConsumer, async_trait,
};
use otelcol_prometheus::MetricNamer;
use otelcol_prometheus::naming::sanitize_label_name;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::batch::batch;
use crate::client::{RemoteWriteClient, encode};
use crate::config::PrwExporterConfig;
use crate::retry::{AttemptError, RetryConfig, with_retry};
use crate::translate::{Settings as TranslateSettings, translate};

/// Self-metric names (Go's, with the `otelcol_` prefix).
pub mod names {
    /// Points sent.
    pub const SENT: &str = "otelcol_exporter_sent_metric_points";
    /// Points that failed to send.
    pub const SEND_FAILED: &str = "otelcol_exporter_send_failed_metric_points";
    /// Points refused by a full queue.
    pub const ENQUEUE_FAILED: &str = "otelcol_exporter_enqueue_failed_metric_points";
    /// Pushes with metrics that could not be translated.
    pub const FAILED_TRANSLATIONS: &str = "otelcol_exporter_prometheusremotewrite_failed_translations";
    /// Series produced by translation.
    pub const TRANSLATED_TIME_SERIES: &str = "otelcol_exporter_prometheusremotewrite_translated_time_series";
    /// HTTP requests sent (attempts).
    pub const SENT_BATCHES: &str = "otelcol_exporter_prometheusremotewrite_sent_batches";
    /// Parallel requests per push.
    pub const CONSUMERS: &str = "otelcol_exporter_prometheusremotewrite_consumers";
}

/// Everything one push needs, shared with the queue consumer.
#[derive(Debug)]
struct Pusher {
    id: String,
    endpoint: String,
    settings: TranslateSettings,
    client: RemoteWriteClient,
    retry: RetryConfig,
    timeout: std::time::Duration,
    max_batch_size_bytes: usize,
    concurrency: usize,
}

impl Pusher {
    async fn push(&self, data: &Metrics) -> Result<(), ConsumeError> {
        let t = translate(&self.settings, data.request());
        if !t.errors.is_empty() {
            metrics::counter!(names::FAILED_TRANSLATIONS, "exporter" => self.id.clone(), "endpoint" => self.endpoint.clone())
                .increment(1);
            tracing::debug!(exporter = %self.id, errors = ?t.errors, translated = t.series.len(),
                "failed to translate metrics, exporting remaining metrics");
        }
        metrics::counter!(names::TRANSLATED_TIME_SERIES, "exporter" => self.id.clone(), "endpoint" => self.endpoint.clone())
            .increment(t.series.len() as u64);
        let requests = batch(t.series, t.metadata, self.max_batch_size_bytes);
        if requests.is_empty() {
            return Ok(());
        }
        let bodies: Vec<Bytes> = requests
            .iter()
            .map(encode)
            .collect::<Result<_, _>>()
            .map_err(ConsumeError::permanent)?;
        let deadline = (!self.timeout.is_zero()).then(|| Instant::now() + self.timeout);
        let errors: Vec<String> = futures::stream::iter(bodies)
            .map(|body| self.send(body, deadline))
            .buffer_unordered(self.concurrency.max(1))
            .filter_map(|r| async move { r.err().map(|e| e.to_string()) })
            .collect()
            .await;
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ConsumeError::permanent(errors.join("; ")))
        }
    }

    async fn send(&self, body: Bytes, deadline: Option<Instant>) -> Result<(), AttemptError> {
        with_retry(&self.retry, deadline, || {
            let body = body.clone();
            async move {
                let timeout = deadline.map(|d| d.saturating_duration_since(Instant::now()));
                let r = self.client.post(body, timeout).await;
                metrics::counter!(names::SENT_BATCHES, "exporter" => self.id.clone(), "endpoint" => self.endpoint.clone())
                    .increment(1);
                if let Err(e) = &r {
                    tracing::warn!(exporter = %self.id, error = %e, "failed to send WriteRequest to remote endpoint");
                }
                r
            }
        })
        .await
    }

    /// Pushes and records the outcome.
    async fn push_counted(&self, data: &Metrics) -> Result<(), ConsumeError> {
        let items = data.item_count() as u64;
        let r = self.push(data).await;
        let name = if r.is_ok() {
            names::SENT
        } else {
            names::SEND_FAILED
        };
        metrics::counter!(name, "exporter" => self.id.clone()).increment(items);
        r
    }
}

/// Aborts the queue consumer if shutdown is abandoned.
#[derive(Debug)]
struct Worker(Option<JoinHandle<()>>);

impl Drop for Worker {
    fn drop(&mut self) {
        if let Some(h) = self.0.take() {
            h.abort();
        }
    }
}

#[derive(Debug)]
struct Queue {
    tx: Option<mpsc::Sender<Metrics>>,
    rx: Option<mpsc::Receiver<Metrics>>,
    worker: Worker,
}

/// The `prometheusremotewrite` exporter.
#[derive(Debug)]
pub struct PrwExporter {
    pusher: Arc<Pusher>,
    queue: Option<Mutex<Queue>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl PrwExporter {
    /// An exporter for a validated config.
    pub fn new(set: &Settings, cfg: &PrwExporterConfig) -> Result<Self, CreateError> {
        let mut external_labels = Vec::with_capacity(cfg.external_labels.len());
        for (k, v) in &cfg.external_labels {
            let name = sanitize_label_name(k)
                .map_err(|e| CreateError::Other(format!("external_labels::{k}: {e}")))?;
            external_labels.push((name, v.clone()));
        }
        let client = RemoteWriteClient::new(cfg, &set.build_info)?;
        let concurrency = cfg.remote_write_queue.num_consumers.max(1);
        let id = set.id.to_string();
        // The endpoint label must not show a URL password on /metrics.
        let endpoint = otelcol_component::redact::redact_url(&cfg.endpoint).into_owned();
        metrics::gauge!(names::CONSUMERS, "exporter" => id.clone(), "endpoint" => endpoint.clone())
            .set(concurrency as f64);
        let pusher = Arc::new(Pusher {
            id,
            endpoint,
            settings: TranslateSettings {
                namer: MetricNamer::new(&cfg.namespace, cfg.add_metric_suffixes),
                external_labels,
                target_info: cfg.target_info.enabled,
                resource_to_telemetry: cfg.resource_to_telemetry_conversion.enabled,
                send_metadata: cfg.send_metadata,
            },
            client,
            retry: cfg.retry_on_failure.clone(),
            timeout: cfg.timeout,
            max_batch_size_bytes: cfg.max_batch_size_bytes,
            concurrency,
        });
        let queue = cfg.remote_write_queue.enabled.then(|| {
            let (tx, rx) = mpsc::channel(cfg.remote_write_queue.queue_size.max(1));
            Mutex::new(Queue {
                tx: Some(tx),
                rx: Some(rx),
                worker: Worker(None),
            })
        });
        Ok(PrwExporter { pusher, queue })
    }
}

#[async_trait]
impl Component for PrwExporter {
    async fn start(&self, _host: Arc<dyn Host>) -> Result<(), ComponentError> {
        let Some(queue) = &self.queue else { return Ok(()) };
        let mut q = lock(queue);
        let Some(mut rx) = q.rx.take() else {
            return Err(ComponentError::new("exporter already started"));
        };
        let pusher = self.pusher.clone();
        q.worker = Worker(Some(tokio::spawn(async move {
            while let Some(data) = rx.recv().await {
                if let Err(e) = pusher.push_counted(&data).await {
                    tracing::error!(exporter = %pusher.id, error = %e, dropped_items = data.item_count(),
                        "Exporting failed. Dropping data.");
                }
            }
        })));
        Ok(())
    }

    async fn shutdown(&self) -> Result<(), ComponentError> {
        let Some(queue) = &self.queue else { return Ok(()) };
        // Closing the channel lets the consumer drain what is queued, then stop.
        let handle = {
            let mut q = lock(queue);
            q.tx = None;
            q.rx = None;
            q.worker.0.take()
        };
        if let Some(h) = handle {
            let mut guard = Worker(Some(h));
            if let Some(h) = guard.0.as_mut() {
                let _ = h.await;
            }
            guard.0 = None;
        }
        Ok(())
    }
}

#[async_trait]
impl Consumer<Metrics> for PrwExporter {
    async fn consume(&self, data: Metrics) -> Result<(), ConsumeError> {
        if data.is_empty() {
            return Ok(());
        }
        let Some(queue) = &self.queue else {
            return self.pusher.push_counted(&data).await;
        };
        let tx = lock(queue).tx.clone();
        let Some(tx) = tx else {
            return Err(ConsumeError::permanent("shutdown has been called"));
        };
        let items = data.item_count() as u64;
        match tx.try_send(data) {
            Ok(()) => Ok(()),
            Err(mpsc::error::TrySendError::Full(_)) => {
                metrics::counter!(names::ENQUEUE_FAILED, "exporter" => self.pusher.id.clone())
                    .increment(items);
                Err(ConsumeError::retryable("sending queue is full"))
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                Err(ConsumeError::permanent("shutdown has been called"))
            }
        }
    }
}

impl Exporter for PrwExporter {
    fn metrics(self: Arc<Self>) -> Option<SharedConsumer<Metrics>> {
        Some(self)
    }
}
