//! The producer the three signals share, and how one request becomes
//! Kafka records.

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use otelcol_component::metrics::Counter;
use otelcol_component::{
    ComponentError, ConfigError, ConsumeError, Host, RequestContext, Settings, Signal, async_trait,
};
use otelcol_configkafka::rdkafka::error::{KafkaError, RDKafkaErrorCode};
use otelcol_configkafka::rdkafka::message::{Header, OwnedHeaders};
use otelcol_configkafka::rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use otelcol_exporterhelper::{ExportClient, Sender};

use crate::config::{KafkaExporterConfig, SignalTarget};
use crate::messages::{KafkaPayload, Message, Partitioning, messages_for};

/// The extra time the exporter helper gives one attempt over librdkafka's
/// own delivery timeout (`message.timeout.ms` = `timeout`), so that
/// librdkafka reports a failed delivery before the attempt is abandoned (an
/// abandoned attempt could still be delivered, then sent again).
pub const ATTEMPT_MARGIN: Duration = Duration::from_secs(2);

/// The shared producer of one `kafka` exporter.
pub struct KafkaClient {
    id: String,
    config: otelcol_configkafka::rdkafka::ClientConfig,
    producer: OnceLock<FutureProducer>,
    traces: SignalTarget,
    metrics: SignalTarget,
    logs: SignalTarget,
    partition_traces: bool,
    partition_metrics: bool,
    partition_logs: Partitioning,
    topic_from_attribute: String,
    include_metadata_keys: Vec<String>,
    record_headers: Vec<(String, String)>,
    max_message_bytes: usize,
    flush_timeout: Duration,
    records_sent: Counter,
    records_failed: Counter,
    bytes_sent: Counter,
}

impl fmt::Debug for KafkaClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KafkaClient")
            .field("id", &self.id)
            .field("traces", &self.traces)
            .field("metrics", &self.metrics)
            .field("logs", &self.logs)
            .finish_non_exhaustive()
    }
}

impl KafkaClient {
    /// The client for `cfg` (validated); the producer is created at start.
    pub fn new(set: &Settings, cfg: &KafkaExporterConfig) -> Result<Self, ConfigError> {
        use otelcol_component::ComponentConfig as _;
        cfg.validate()?;
        let mut config = cfg.client.rdkafka_config();
        let p = &cfg.producer;
        config
            .set("acks", cfg.acks())
            .set(
                "compression.type",
                if p.compression.is_empty() {
                    "none"
                } else {
                    &p.compression
                },
            )
            .set("linger.ms", otelcol_configkafka::millis_or(p.linger, 0))
            .set(
                "message.timeout.ms",
                otelcol_configkafka::millis_or(cfg.timeout, 0),
            )
            // The record itself is checked against `max_message_bytes`
            // before it is produced; librdkafka's limit leaves room for the
            // record's framing and headers.
            .set(
                "message.max.bytes",
                (p.max_message_bytes.saturating_add(64 * 1024))
                    .min(1_000_000_000)
                    .to_string(),
            )
            .set(
                "allow.auto.create.topics",
                p.allow_auto_topic_creation.to_string(),
            )
            .set("partitioner", cfg.record_partitioner.librdkafka()?);
        if p.compression_params.level != -1 {
            config.set("compression.level", p.compression_params.level.to_string());
        }
        if p.flush_max_messages > 0 {
            config.set(
                "batch.num.messages",
                p.flush_max_messages.min(1_000_000).to_string(),
            );
        }
        let id = set.id.to_string();
        let meter = &set.telemetry.meter;
        let labels = |outcome: &str| [("exporter", id.clone()), ("outcome", outcome.to_string())];
        Ok(KafkaClient {
            config,
            producer: OnceLock::new(),
            traces: cfg.target(Signal::Traces)?,
            metrics: cfg.target(Signal::Metrics)?,
            logs: cfg.target(Signal::Logs)?,
            partition_traces: cfg.partition_traces_by_id,
            partition_metrics: cfg.partition_metrics_by_resource_attributes,
            partition_logs: if cfg.partition_logs_by_resource_attributes {
                Partitioning::Resource
            } else if cfg.partition_logs_by_trace_id {
                Partitioning::TraceId
            } else {
                Partitioning::None
            },
            topic_from_attribute: cfg.topic_from_attribute.clone(),
            include_metadata_keys: cfg.include_metadata_keys.clone(),
            record_headers: cfg
                .record_headers
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            max_message_bytes: p.max_message_bytes,
            flush_timeout: cfg.timeout,
            records_sent: meter.counter("otelcol_kafka_exporter_records", &labels("success")),
            records_failed: meter.counter("otelcol_kafka_exporter_records", &labels("failure")),
            bytes_sent: meter.counter("otelcol_kafka_exporter_bytes", &[("exporter", id.clone())]),
            id,
        })
    }

    fn target(&self, signal: Signal) -> &SignalTarget {
        match signal {
            Signal::Traces => &self.traces,
            Signal::Metrics => &self.metrics,
            Signal::Logs => &self.logs,
        }
    }

    fn partitioning(&self, signal: Signal) -> Partitioning {
        match signal {
            Signal::Traces if self.partition_traces => Partitioning::TraceId,
            Signal::Metrics if self.partition_metrics => Partitioning::Resource,
            Signal::Logs => self.partition_logs,
            _ => Partitioning::None,
        }
    }

    /// The topic of `data`: `topic_from_metadata_key`, then
    /// `topic_from_attribute`, then the signal's topic (Go's order).
    fn topic_for<T: KafkaPayload>(&self, data: &T, target: &SignalTarget) -> String {
        if !target.topic_from_metadata_key.is_empty()
            && let Some(t) = metadata_value(data.context(), &target.topic_from_metadata_key)
        {
            return t;
        }
        if !self.topic_from_attribute.is_empty()
            && let Some(t) = data
                .resource_attribute(&self.topic_from_attribute)
                .filter(|t| !t.is_empty())
        {
            return t;
        }
        target.topic.clone()
    }

    fn headers(&self, ctx: &RequestContext) -> Option<OwnedHeaders> {
        let mut pairs: Vec<(&str, &str)> = self
            .record_headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        if let Some(client) = ctx.client() {
            for key in &self.include_metadata_keys {
                for v in client.metadata_values(key) {
                    pairs.push((key.as_str(), v.as_str()));
                }
            }
        }
        if pairs.is_empty() {
            return None;
        }
        let mut h = OwnedHeaders::new_with_capacity(pairs.len());
        for (k, v) in pairs {
            h = h.insert(Header {
                key: k,
                value: Some(v),
            });
        }
        Some(h)
    }

    /// Produces `messages` to `topic` and waits for every delivery report.
    async fn produce(
        &self,
        topic: &str,
        messages: &[Message],
        headers: Option<OwnedHeaders>,
    ) -> Result<(), ConsumeError> {
        let Some(producer) = self.producer.get() else {
            return Err(ConsumeError::retryable("the kafka exporter is not started"));
        };
        let mut deliveries = Vec::with_capacity(messages.len());
        let mut failure: Option<KafkaError> = None;
        for m in messages {
            let mut record = FutureRecord::<[u8], [u8]>::to(topic).payload(m.value.as_ref());
            if let Some(k) = &m.key {
                record = record.key(k.as_slice());
            }
            if let Some(h) = &headers {
                record = record.headers(h.clone());
            }
            loop {
                match producer.send_result(record) {
                    Ok(d) => {
                        deliveries.push((d, m));
                        break;
                    }
                    // librdkafka's local queue is full: wait for room.
                    Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), r)) => {
                        record = r;
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                    Err((e, _)) => {
                        failure = Some(e);
                        break;
                    }
                }
            }
            if failure.is_some() {
                break;
            }
        }
        let (mut ok, mut failed) = (0u64, 0u64);
        for (d, m) in deliveries {
            match d.await {
                Ok(Ok(_)) => {
                    ok += 1;
                    self.bytes_sent.increment(m.value.len() as u64);
                }
                Ok(Err((e, _))) => {
                    failed += 1;
                    failure.get_or_insert(e);
                }
                Err(_canceled) => {
                    failed += 1;
                    failure.get_or_insert(KafkaError::Canceled);
                }
            }
        }
        self.records_sent.increment(ok);
        self.records_failed.increment(failed);
        match failure {
            None => Ok(()),
            Some(e) => Err(classify(&e, topic)),
        }
    }
}

/// The first value of metadata `key` of the request, if any and not empty.
fn metadata_value(ctx: &RequestContext, key: &str) -> Option<String> {
    ctx.client()
        .and_then(|c| c.metadata_values(key).first().cloned())
        .filter(|v| !v.is_empty())
}

/// Whether a produce error is worth retrying: everything but the errors no
/// retry can fix (a record too large, an invalid topic, no authorization).
pub fn is_permanent(code: Option<RDKafkaErrorCode>) -> bool {
    matches!(
        code,
        Some(
            RDKafkaErrorCode::MessageSizeTooLarge
                | RDKafkaErrorCode::InvalidMessageSize
                | RDKafkaErrorCode::InvalidMessage
                | RDKafkaErrorCode::InvalidTopic
                | RDKafkaErrorCode::TopicAuthorizationFailed
                | RDKafkaErrorCode::ClusterAuthorizationFailed
                | RDKafkaErrorCode::SaslAuthenticationFailed
                | RDKafkaErrorCode::Authentication
                | RDKafkaErrorCode::InvalidArgument
        )
    )
}

fn classify(e: &KafkaError, topic: &str) -> ConsumeError {
    let msg = format!("producing to topic {topic:?} failed: {e}");
    if is_permanent(e.rdkafka_error_code()) {
        ConsumeError::permanent(msg)
    } else {
        ConsumeError::retryable(msg)
    }
}

#[async_trait]
impl<T: KafkaPayload> Sender<T> for KafkaClient {
    async fn send(&self, data: T) -> Result<(), ConsumeError> {
        let target = self.target(T::SIGNAL);
        let topic = self.topic_for(&data, target);
        let headers = self.headers(data.context());
        tracing::debug!(
            id = %self.id,
            topic = %topic,
            metadata = ?data.context().client().map(|c| c.metadata.keys().collect::<Vec<_>>()),
            headers = headers.is_some(),
            "producing a request"
        );
        let meta_key = (!target.message_key_from_metadata_key.is_empty())
            .then(|| metadata_value(data.context(), &target.message_key_from_metadata_key))
            .flatten()
            .map(String::into_bytes);
        let mut messages = Vec::new();
        for (key, part) in data.keyed_parts(self.partitioning(T::SIGNAL)) {
            let key = key.or_else(|| meta_key.clone());
            match messages_for(key, part, target.encoding, self.max_message_bytes) {
                Ok(m) => messages.extend(m),
                Err((size, _)) => {
                    return Err(ConsumeError::permanent(format!(
                        "one {} encodes to {size} bytes, more than producer::max_message_bytes ({})",
                        match T::SIGNAL {
                            Signal::Traces => "span",
                            Signal::Metrics => "data point",
                            Signal::Logs => "log record",
                        },
                        self.max_message_bytes
                    )));
                }
            }
        }
        self.produce(&topic, &messages, headers).await
    }
}

#[async_trait]
impl ExportClient for KafkaClient {
    /// Creates the producer. It connects in the background: an unreachable
    /// broker fails sends (retried), not the start.
    async fn start(&self, _host: &Arc<dyn Host>) -> Result<(), ComponentError> {
        if self.producer.get().is_some() {
            return Ok(());
        }
        let producer: FutureProducer = self
            .config
            .create()
            .map_err(|e| ComponentError::new(format!("creating the Kafka producer: {e}")))?;
        let _ = self.producer.set(producer);
        Ok(())
    }

    /// Waits up to `timeout` for records still in librdkafka's queue.
    async fn close(&self) -> Result<(), ComponentError> {
        if let Some(p) = self.producer.get() {
            let p = p.clone();
            let timeout = self.flush_timeout;
            tokio::task::spawn_blocking(move || p.flush(timeout))
                .await
                .map_err(|e| ComponentError::new(format!("flushing the Kafka producer: {e}")))?
                .map_err(|e| ComponentError::new(format!("flushing the Kafka producer: {e}")))?;
        }
        Ok(())
    }
}
