//! The consumers: one consumer-group member per signal, each a task that
//! reads records in order, hands them to the pipeline and marks a record's
//! offset for commit only once the pipeline answered.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use futures::stream::FuturesOrdered;
use otelcol_component::metrics::Counter;
use otelcol_component::{
    ClientInfo, Component, ComponentError, ComponentId, Host, Payload, RequestContext, Settings,
    SharedConsumer, Signal, async_trait,
};
use otelcol_configkafka::rdkafka::Offset;
use otelcol_configkafka::rdkafka::TopicPartitionList;
use otelcol_configkafka::rdkafka::client::ClientContext;
use otelcol_configkafka::rdkafka::consumer::{
    BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance, StreamConsumer,
};
use otelcol_configkafka::rdkafka::error::KafkaResult;
use otelcol_configkafka::rdkafka::message::{Headers, Message, OwnedMessage};
use otelcol_configretry::{BackOff, BackOffConfig};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::{Encoding, KafkaReceiverConfig, SignalSource};

/// The wait schedule for retryable pipeline errors when `error_backoff` is
/// disabled: 100ms doubling up to 5s, until the pipeline takes the record.
pub fn default_error_backoff() -> BackOffConfig {
    BackOffConfig {
        enabled: true,
        initial_interval: Duration::from_millis(100),
        randomization_factor: 0.2,
        multiplier: 2.0,
        max_interval: Duration::from_secs(5),
        max_elapsed_time: Duration::ZERO,
    }
}

/// The librdkafka context of a consumer: logs rebalances, counts
/// partitions assigned and revoked, reports failed commits.
struct Ctx {
    id: String,
    signal: Signal,
    partition_start: Counter,
    partition_close: Counter,
    meter: otelcol_component::Meter,
}

/// How often librdkafka reports the partitions' offsets and lag.
pub const STATS_INTERVAL: Duration = Duration::from_secs(5);

impl ClientContext for Ctx {
    /// Every [`STATS_INTERVAL`]: Go's `otelcol_kafka_receiver_offset_lag`
    /// and `otelcol_kafka_receiver_current_offset` per assigned partition.
    fn stats(&self, statistics: otelcol_configkafka::rdkafka::Statistics) {
        for (topic, t) in &statistics.topics {
            for (partition, p) in &t.partitions {
                // librdkafka's internal "unassigned" partition is -1;
                // negative offsets mean "not known yet".
                if *partition < 0 || p.app_offset < 0 {
                    continue;
                }
                let labels = [
                    ("receiver", self.id.clone()),
                    ("topic", topic.clone()),
                    ("partition", partition.to_string()),
                ];
                self.meter
                    .gauge("otelcol_kafka_receiver_current_offset", &labels)
                    .set(p.app_offset as f64);
                if p.consumer_lag >= 0 {
                    self.meter
                        .gauge("otelcol_kafka_receiver_offset_lag", &labels)
                        .set(p.consumer_lag as f64);
                }
            }
        }
    }
}

impl ConsumerContext for Ctx {
    fn post_rebalance(&self, _consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        match rebalance {
            Rebalance::Assign(tpl) => {
                self.partition_start.increment(tpl.count() as u64);
                tracing::info!(id = %self.id, signal = %self.signal, partitions = %describe(tpl), "Kafka partitions assigned");
            }
            Rebalance::Revoke(tpl) => {
                self.partition_close.increment(tpl.count() as u64);
                tracing::info!(id = %self.id, signal = %self.signal, partitions = %describe(tpl), "Kafka partitions revoked");
            }
            Rebalance::Error(e) => {
                tracing::warn!(id = %self.id, signal = %self.signal, "Kafka rebalance failed: {e}");
            }
        }
    }

    fn commit_callback(&self, result: KafkaResult<()>, _offsets: &TopicPartitionList) {
        if let Err(e) = result
            && e.rdkafka_error_code() != Some(otelcol_configkafka::rdkafka::types::RDKafkaErrorCode::NoOffset)
        {
            tracing::warn!(id = %self.id, signal = %self.signal, "committing Kafka offsets failed: {e}");
        }
    }
}

fn describe(tpl: &TopicPartitionList) -> String {
    tpl.elements()
        .iter()
        .map(|e| format!("{}/{}", e.topic(), e.partition()))
        .collect::<Vec<_>>()
        .join(",")
}

/// What the loop does with a record once the pipeline answered.
enum Outcome {
    /// Mark its offset for commit.
    Mark,
    /// The receiver is stopping while the record still waits for the
    /// pipeline: leave it unmarked (it is read again after a restart).
    Stop,
}

/// One signal's consumer loop state.
struct Worker<T: Payload> {
    id: String,
    next: SharedConsumer<T>,
    encoding: Encoding,
    extract_headers: Vec<String>,
    give_up_on_error: bool,
    error_backoff: BackOffConfig,
    autocommit: bool,
    accepted: Counter,
    refused: Counter,
    messages: Counter,
    unmarshal_failed: Counter,
}

impl<T: Payload> Worker<T> {
    fn decode(&self, bytes: &[u8]) -> Result<T, String> {
        match self.encoding {
            Encoding::OtlpProto => T::from_encoded(Bytes::copy_from_slice(bytes)).map_err(|e| e.to_string()),
            Encoding::OtlpJson => T::from_json(bytes).map_err(|e| e.to_string()),
        }
    }

    async fn handle(&self, msg: &OwnedMessage, cancel: &CancellationToken) -> Outcome {
        self.messages.increment(1);
        let mut data = match self.decode(msg.payload().unwrap_or(&[])) {
            Ok(d) => d,
            Err(e) => {
                // Nothing can ever read this record: skip it, counted.
                self.unmarshal_failed.increment(1);
                tracing::error!(
                    id = %self.id,
                    topic = msg.topic(),
                    partition = msg.partition(),
                    offset = msg.offset(),
                    "dropping a Kafka record that does not decode as {:?}: {e}",
                    self.encoding
                );
                return Outcome::Mark;
            }
        };
        let items = data.item_count();
        if items == 0 {
            return Outcome::Mark;
        }
        let mut metadata: BTreeMap<String, Vec<String>> = BTreeMap::new();
        if let Some(headers) = msg.headers() {
            for h in headers.iter() {
                let v = h
                    .value
                    .map(|v| String::from_utf8_lossy(v).into_owned())
                    .unwrap_or_default();
                metadata.entry(h.key.to_string()).or_default().push(v);
            }
        }
        if !self.extract_headers.is_empty() {
            let found: Vec<(String, String)> = self
                .extract_headers
                .iter()
                .filter_map(|h| {
                    metadata
                        .get(h)
                        .and_then(|v| v.first())
                        .map(|v| (format!("kafka.header.{h}"), v.clone()))
                })
                .collect();
            if !found.is_empty() {
                data.for_each_resource_mut(|r| {
                    for (k, v) in &found {
                        r.attributes.retain(|kv| &kv.key != k);
                        r.attributes.push(otelcol_component::build::string_kv(k, v));
                    }
                });
            }
        }
        data.set_context(RequestContext::new(ClientInfo::new(None, metadata)));
        let mut backoff: Option<BackOff> = None;
        loop {
            match self.next.consume(data.clone()).await {
                Ok(()) => {
                    self.accepted.increment(items as u64);
                    return Outcome::Mark;
                }
                Err(e) if e.is_permanent() => {
                    self.refused.increment(items as u64);
                    tracing::error!(
                        id = %self.id,
                        topic = msg.topic(),
                        partition = msg.partition(),
                        offset = msg.offset(),
                        items,
                        "the pipeline refused a Kafka record for good; it is skipped: {e}"
                    );
                    return Outcome::Mark;
                }
                Err(e) if self.give_up_on_error => {
                    self.refused.increment(items as u64);
                    tracing::warn!(
                        id = %self.id,
                        topic = msg.topic(),
                        partition = msg.partition(),
                        offset = msg.offset(),
                        items,
                        "the pipeline failed a Kafka record; marked without retry (message_marking::on_error): {e}"
                    );
                    return Outcome::Mark;
                }
                Err(e) => {
                    let first = backoff.is_none();
                    let delay = backoff
                        .get_or_insert_with(|| BackOff::new(&self.error_backoff))
                        .next_delay();
                    if first {
                        tracing::warn!(
                            id = %self.id,
                            topic = msg.topic(),
                            partition = msg.partition(),
                            offset = msg.offset(),
                            "the pipeline is not taking data ({e}); consumption waits and retries the record"
                        );
                    }
                    tokio::select! {
                        _ = cancel.cancelled() => return Outcome::Stop,
                        _ = tokio::time::sleep(delay) => {}
                    }
                }
            }
        }
    }
}

/// The most records of one signal handed to the pipeline and not yet
/// answered. Records are read ahead while earlier ones wait (a `batch`
/// processor answers only after its export), and their offsets are marked
/// in the order they were read, so a mark never passes a record still in
/// flight.
pub const MAX_IN_FLIGHT: usize = 64;

/// Reads `consumer` until `cancel`, handing records to `worker`, up to
/// [`MAX_IN_FLIGHT`] at a time.
async fn run<T: Payload>(consumer: Arc<StreamConsumer<Ctx>>, worker: Worker<T>, cancel: CancellationToken) {
    let worker = Arc::new(worker);
    let mut in_flight = FuturesOrdered::new();
    let mut stopped = false;
    loop {
        tokio::select! {
            biased;
            _ = cancel.cancelled() => break,
            Some((outcome, msg)) = in_flight.next(), if !in_flight.is_empty() => {
                if !mark(&consumer, &worker, outcome, &msg) {
                    stopped = true;
                    break;
                }
            }
            m = consumer.recv(), if in_flight.len() < MAX_IN_FLIGHT => match m {
                Ok(m) => {
                    let msg = m.detach();
                    let (w, c) = (worker.clone(), cancel.clone());
                    in_flight.push_back(async move {
                        let outcome = w.handle(&msg, &c).await;
                        (outcome, msg)
                    });
                }
                Err(e) => {
                    tracing::warn!(id = %worker.id, "reading from Kafka failed: {e}");
                    tokio::select! {
                        _ = cancel.cancelled() => break,
                        _ = tokio::time::sleep(Duration::from_millis(200)) => {}
                    }
                }
            },
        }
    }
    // Records already handed over finish (a retrying one stops at once);
    // marks stop at the first record left unanswered.
    while let Some((outcome, msg)) = in_flight.next().await {
        if !stopped && !mark(&consumer, &worker, outcome, &msg) {
            stopped = true;
        }
    }
    // Commit what was marked, then leave the group (blocking calls).
    let _ = tokio::task::spawn_blocking(move || {
        if let Err(e) = consumer.commit_consumer_state(CommitMode::Sync)
            && e.rdkafka_error_code() != Some(otelcol_configkafka::rdkafka::types::RDKafkaErrorCode::NoOffset)
        {
            tracing::warn!("committing Kafka offsets at shutdown failed: {e}");
        }
        drop(consumer);
    })
    .await;
}

/// Marks `msg` for commit when the pipeline answered it; false when it was
/// left unanswered (the receiver is stopping).
fn mark<T: Payload>(
    consumer: &StreamConsumer<Ctx>,
    worker: &Worker<T>,
    outcome: Outcome,
    msg: &OwnedMessage,
) -> bool {
    if let Outcome::Stop = outcome {
        return false;
    }
    // A partition revoked meanwhile refuses the store: its new owner reads
    // the record again (a duplicate, not a loss).
    if let Err(e) = consumer.store_offset(msg.topic(), msg.partition(), msg.offset()) {
        tracing::debug!(id = %worker.id, "offset not stored: {e}");
    } else if !worker.autocommit {
        let mut tpl = TopicPartitionList::new();
        let next = Offset::Offset(msg.offset() + 1);
        if tpl
            .add_partition_offset(msg.topic(), msg.partition(), next)
            .is_ok()
            && let Err(e) = consumer.commit(&tpl, CommitMode::Async)
        {
            tracing::warn!(id = %worker.id, "committing a Kafka offset failed: {e}");
        }
    }
    true
}

/// A signal the receiver consumes, waiting for `start`.
enum Pending {
    Traces(SharedConsumer<otelcol_component::Traces>),
    Metrics(SharedConsumer<otelcol_component::Metrics>),
    Logs(SharedConsumer<otelcol_component::Logs>),
}

/// The `kafka` receiver.
pub struct KafkaReceiver {
    id: ComponentId,
    settings: Settings,
    cfg: KafkaReceiverConfig,
    pending: Mutex<Vec<Pending>>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    cancel: CancellationToken,
}

impl fmt::Debug for KafkaReceiver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KafkaReceiver")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl KafkaReceiver {
    /// A receiver for the signals whose consumers are given.
    pub(crate) fn new(
        set: &Settings,
        cfg: &KafkaReceiverConfig,
        traces: Option<SharedConsumer<otelcol_component::Traces>>,
        metrics: Option<SharedConsumer<otelcol_component::Metrics>>,
        logs: Option<SharedConsumer<otelcol_component::Logs>>,
    ) -> Self {
        let mut pending = Vec::new();
        pending.extend(traces.map(Pending::Traces));
        pending.extend(metrics.map(Pending::Metrics));
        pending.extend(logs.map(Pending::Logs));
        KafkaReceiver {
            id: set.id.clone(),
            settings: set.clone(),
            cfg: cfg.clone(),
            pending: Mutex::new(pending),
            tasks: Mutex::new(Vec::new()),
            cancel: CancellationToken::new(),
        }
    }

    /// The librdkafka consumer settings of `signal`.
    pub fn consumer_config(
        cfg: &KafkaReceiverConfig,
    ) -> Result<otelcol_configkafka::rdkafka::ClientConfig, ComponentError> {
        use otelcol_configkafka::millis_or;
        let mut c = cfg.client.rdkafka_config();
        let strategy = cfg
            .assignment_strategy()
            .map_err(|e| ComponentError::new(e.to_string()))?;
        let max_fetch = cfg.max_fetch_size.max(1);
        c.set("group.id", &cfg.group_id)
            .set("session.timeout.ms", millis_or(cfg.session_timeout, 10_000))
            .set("heartbeat.interval.ms", millis_or(cfg.heartbeat_interval, 3_000))
            .set("partition.assignment.strategy", strategy)
            .set("auto.offset.reset", &cfg.initial_offset)
            .set("fetch.min.bytes", cfg.min_fetch_size.max(1).to_string())
            .set("fetch.max.bytes", max_fetch.to_string())
            // librdkafka wants fetch.max.bytes >= message.max.bytes + 512.
            .set(
                "message.max.bytes",
                (max_fetch - 512).clamp(1000, 1_000_000).to_string(),
            )
            .set("fetch.wait.max.ms", millis_or(cfg.max_fetch_wait, 0))
            .set(
                "max.partition.fetch.bytes",
                cfg.max_partition_fetch_size.max(1).to_string(),
            )
            .set("enable.auto.commit", cfg.autocommit.enable.to_string())
            .set(
                "auto.commit.interval.ms",
                millis_or(cfg.autocommit.interval, 1_000),
            )
            // Offsets are stored by the loop, only after the pipeline answered.
            .set("enable.auto.offset.store", "false")
            .set("enable.partition.eof", "false")
            // A pipeline that pushes back pauses the loop for as long as it
            // takes; the group membership is kept by librdkafka's heartbeats.
            .set("max.poll.interval.ms", "86400000")
            .set("statistics.interval.ms", STATS_INTERVAL.as_millis().to_string());
        if !cfg.group_instance_id.is_empty() {
            c.set("group.instance.id", &cfg.group_instance_id);
        }
        if !cfg.rack_id.is_empty() {
            c.set("client.rack", &cfg.rack_id);
        }
        Ok(c)
    }

    fn spawn<T: Payload>(
        &self,
        next: SharedConsumer<T>,
        source: SignalSource,
    ) -> Result<JoinHandle<()>, ComponentError> {
        let id = self.id.to_string();
        let meter = &self.settings.telemetry.meter;
        let recv = [("receiver", id.clone())];
        let labels = [("receiver", id.clone()), ("transport", "kafka".to_string())];
        let item = T::SIGNAL.item_name();
        let ctx = Ctx {
            id: id.clone(),
            signal: T::SIGNAL,
            partition_start: meter.counter("otelcol_kafka_receiver_partition_start", &recv),
            partition_close: meter.counter("otelcol_kafka_receiver_partition_close", &recv),
            meter: meter.clone(),
        };
        let consumer: StreamConsumer<Ctx> = Self::consumer_config(&self.cfg)?
            .create_with_context(ctx)
            .map_err(|e| ComponentError::new(format!("creating the Kafka consumer: {e}")))?;
        let topics: Vec<&str> = source.topics.iter().map(String::as_str).collect();
        consumer
            .subscribe(&topics)
            .map_err(|e| ComponentError::new(format!("subscribing to {topics:?}: {e}")))?;
        tracing::info!(id = %id, signal = %T::SIGNAL, topics = ?source.topics, group = %self.cfg.group_id, "Kafka consumer started");
        let marking = &self.cfg.message_marking;
        let worker = Worker {
            id: id.clone(),
            next,
            encoding: source.encoding,
            extract_headers: if self.cfg.header_extraction.extract_headers {
                self.cfg.header_extraction.headers.clone()
            } else {
                Vec::new()
            },
            give_up_on_error: marking.after && marking.on_error,
            error_backoff: if self.cfg.error_backoff.enabled {
                BackOffConfig {
                    max_elapsed_time: Duration::ZERO,
                    ..self.cfg.error_backoff.clone()
                }
            } else {
                default_error_backoff()
            },
            autocommit: self.cfg.autocommit.enable,
            accepted: meter.counter(format!("otelcol_receiver_accepted_{item}"), &labels),
            refused: meter.counter(format!("otelcol_receiver_refused_{item}"), &labels),
            messages: meter.counter("otelcol_kafka_receiver_messages", &recv),
            unmarshal_failed: meter.counter(format!("otelcol_kafka_receiver_unmarshal_failed_{item}"), &recv),
        };
        Ok(tokio::spawn(run(Arc::new(consumer), worker, self.cancel.clone())))
    }
}

#[async_trait]
impl Component for KafkaReceiver {
    /// Creates one consumer per signal and subscribes it; the group join
    /// and the reads happen in the background (an unreachable broker does
    /// not fail the start).
    async fn start(&self, _host: Arc<dyn Host>) -> Result<(), ComponentError> {
        let pending: Vec<Pending> =
            std::mem::take(&mut *self.pending.lock().unwrap_or_else(|p| p.into_inner()));
        let mut handles = Vec::new();
        for p in pending {
            let res = match p {
                Pending::Traces(n) => self
                    .cfg
                    .source(Signal::Traces)
                    .map_err(|e| ComponentError::new(e.to_string()))
                    .and_then(|s| self.spawn(n, s)),
                Pending::Metrics(n) => self
                    .cfg
                    .source(Signal::Metrics)
                    .map_err(|e| ComponentError::new(e.to_string()))
                    .and_then(|s| self.spawn(n, s)),
                Pending::Logs(n) => self
                    .cfg
                    .source(Signal::Logs)
                    .map_err(|e| ComponentError::new(e.to_string()))
                    .and_then(|s| self.spawn(n, s)),
            };
            match res {
                Ok(h) => handles.push(h),
                Err(e) => {
                    self.cancel.cancel();
                    return Err(e);
                }
            }
        }
        self.tasks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(handles);
        Ok(())
    }

    /// Stops reading, commits what was marked and leaves the group. A
    /// record still waiting for the pipeline is left unmarked.
    async fn shutdown(&self) -> Result<(), ComponentError> {
        self.cancel.cancel();
        let tasks: Vec<JoinHandle<()>> =
            std::mem::take(&mut *self.tasks.lock().unwrap_or_else(|p| p.into_inner()));
        for t in tasks {
            if let Err(e) = t.await {
                return Err(ComponentError::new(format!("a Kafka consumer task failed: {e}")));
            }
        }
        Ok(())
    }
}
