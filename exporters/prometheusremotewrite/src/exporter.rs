//! The exporter: translate, batch, compress and send, behind the shared
//! `otelcol-exporterhelper` queue.
//!
//! Go's remote-write settings map onto the helper as Go maps them:
//! `remote_write_queue` becomes the sending queue (`enabled`, `queue_size`
//! in requests, **one** consumer so pushes stay in order), and
//! `remote_write_queue::num_consumers` is the number of requests of one push
//! sent in parallel. `retry_on_failure` (Go `configretry`, with remote
//! write's 50ms first interval) retries each request of a push on its own
//! with [`otelcol_configretry::BackOff`], so a request already accepted is
//! never sent again; the helper's own retry is off, as in Go. `timeout`
//! bounds a whole push, its requests and retries included, as Go's helper
//! timeout wraps the push there; the push enforces it so that running out
//! of time fails with what the last request said.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::StreamExt as _;
use otelcol_component::{
    Component, ComponentError, ConsumeError, Consumer, CreateError, Exporter, Host, Metrics, Payload,
    Settings, SharedConsumer, async_trait,
};
use otelcol_configretry::{BackOff, BackOffConfig};
use otelcol_exporterhelper::{ExporterHelper, QueueConfig, RetryConfig, Sender, Sizer, TimeoutConfig};
use otelcol_prometheus::MetricNamer;
use otelcol_prometheus::naming::sanitize_label_name;

use crate::batch::batch;
use crate::client::{AttemptError, RemoteWriteClient, encode};
use crate::config::PrwExporterConfig;
use crate::translate::{Settings as TranslateSettings, translate};

/// Self-metric names (Go's, with the `otelcol_` prefix). The first three are
/// counted by the shared `otelcol-exporterhelper`, the others by this exporter.
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

/// Everything one push needs: the exporter's [`Sender`].
#[derive(Debug)]
struct Pusher {
    id: String,
    endpoint: String,
    meter: otelcol_component::Meter,
    settings: TranslateSettings,
    client: RemoteWriteClient,
    retry: BackOffConfig,
    timeout: Duration,
    max_batch_size_bytes: usize,
    concurrency: usize,
}

impl Pusher {
    fn counter(&self, name: &'static str) -> metrics::Counter {
        self.meter.counter(
            name,
            &[("exporter", self.id.clone()), ("endpoint", self.endpoint.clone())],
        )
    }

    async fn push(&self, data: &Metrics) -> Result<(), ConsumeError> {
        let t = translate(&self.settings, data.request());
        if !t.errors.is_empty() {
            self.counter(names::FAILED_TRANSLATIONS).increment(1);
            tracing::debug!(exporter = %self.id, errors = ?t.errors, translated = t.series.len(),
                "failed to translate metrics, exporting remaining metrics");
        }
        self.counter(names::TRANSLATED_TIME_SERIES)
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
            .map(|body| self.send_with_retry(body, deadline))
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

    /// Sends one request until it is accepted, refused for good, the backoff
    /// runs past `max_elapsed_time` or the push's `deadline` would pass. A
    /// server's `Retry-After` replaces the backoff wait.
    async fn send_with_retry(&self, body: Bytes, deadline: Option<Instant>) -> Result<(), AttemptError> {
        let started = Instant::now();
        let mut backoff = BackOff::new(&self.retry);
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            let timeout = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            let r = self.client.post(body.clone(), timeout).await;
            self.counter(names::SENT_BATCHES).increment(1);
            let err = match r {
                Ok(()) => return Ok(()),
                Err(e) => e,
            };
            tracing::warn!(exporter = %self.id, error = %err, "failed to send WriteRequest to remote endpoint");
            let AttemptError::Retryable { message, retry_after } = &err else {
                return Err(err);
            };
            if !self.retry.enabled {
                return Err(err);
            }
            let wait = retry_after.unwrap_or_else(|| backoff.next_delay());
            let max = self.retry.max_elapsed_time;
            if !max.is_zero() && started.elapsed() + wait > max {
                return Err(AttemptError::Permanent(format!(
                    "giving up after {attempts} attempts: {message}"
                )));
            }
            if deadline.is_some_and(|d| Instant::now() + wait > d) {
                return Err(AttemptError::Permanent(format!(
                    "timeout reached after {attempts} attempts: {message}"
                )));
            }
            tracing::debug!(error = %message, ?wait, "remote write failed; retrying");
            tokio::time::sleep(wait).await;
        }
    }
}

#[async_trait]
impl Sender<Metrics> for Pusher {
    async fn send(&self, data: Metrics) -> Result<(), ConsumeError> {
        self.push(&data).await
    }
}

/// The `prometheusremotewrite` exporter.
#[derive(Debug)]
pub struct PrwExporter {
    helper: Arc<ExporterHelper<Metrics>>,
    auth: Arc<otelcol_component::auth::ClientAuthSlot>,
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
        let auth = client.auth.clone();
        let concurrency = cfg.remote_write_queue.num_consumers.max(1);
        let id = set.id.to_string();
        // The endpoint label must not show a URL password on /metrics.
        let endpoint = otelcol_component::redact::redact_url(&cfg.endpoint).into_owned();
        let meter = set.telemetry.meter.clone();
        meter
            .gauge(
                names::CONSUMERS,
                &[("exporter", id.clone()), ("endpoint", endpoint.clone())],
            )
            .set(concurrency as f64);
        let pusher = Arc::new(Pusher {
            id,
            endpoint,
            meter,
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
        let helper = ExporterHelper::new(
            set,
            queue_config(cfg),
            RetryConfig {
                enabled: false,
                ..RetryConfig::default()
            },
            TimeoutConfig::new(Duration::ZERO),
            pusher,
        )?;
        Ok(PrwExporter {
            helper: Arc::new(helper),
            auth,
        })
    }
}

/// `remote_write_queue` as the helper's queue, as Go maps it: one consumer
/// (pushes stay in order), `queue_size` requests.
fn queue_config(cfg: &PrwExporterConfig) -> QueueConfig {
    let q = &cfg.remote_write_queue;
    QueueConfig {
        enabled: q.enabled,
        num_consumers: 1,
        queue_size: i64::try_from(q.queue_size).unwrap_or(i64::MAX),
        sizer: Sizer::Requests,
        ..QueueConfig::default()
    }
}

#[async_trait]
impl Component for PrwExporter {
    async fn start(&self, host: Arc<dyn Host>) -> Result<(), ComponentError> {
        self.auth
            .resolve(&host)
            .map_err(|e| ComponentError::new(format!("auth: {e}")))?;
        self.helper.start(host).await
    }

    async fn shutdown(&self) -> Result<(), ComponentError> {
        self.helper.shutdown().await
    }
}

#[async_trait]
impl Consumer<Metrics> for PrwExporter {
    async fn consume(&self, data: Metrics) -> Result<(), ConsumeError> {
        self.helper.consume(data).await
    }
}

impl Exporter for PrwExporter {
    fn metrics(self: Arc<Self>) -> Option<SharedConsumer<Metrics>> {
        Some(self.helper.clone())
    }
}
