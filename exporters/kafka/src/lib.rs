//! # otelcol-exporter-kafka
//!
//! The `kafka` exporter, as the Go collector's `kafkaexporter`: traces,
//! metrics and logs as OTLP export requests (`otlp_proto` or `otlp_json`)
//! in Kafka records, one topic per signal (`otlp_spans`, `otlp_metrics`,
//! `otlp_logs`), through the shared sending queue and retry policy.
//!
//! ```yaml
//! exporters:
//!   kafka:
//!     brokers: [kafka-0:9092, kafka-1:9092]
//!     partition_traces_by_id: true
//!     producer: {required_acks: -1, compression: zstd}
//! ```
//!
//! - An encoded request goes out as it was received: the payload's bytes
//!   are the record value, with no decode (unless a partitioning switch or
//!   `topic_from_attribute` must read it).
//! - `partition_traces_by_id`: one record per trace, keyed by the trace id
//!   in hex, so every span of a trace lands in one partition.
//!   `partition_metrics_by_resource_attributes` /
//!   `partition_logs_by_resource_attributes`: one record per resource,
//!   keyed by a hash of its attributes. `partition_logs_by_trace_id`: one
//!   record per trace id of the log records.
//! - Keys are hashed to partitions by librdkafka's FNV-1a partitioner, the
//!   one Go's default (Sarama-compatible) partitioner uses.
//! - A request larger than `producer::max_message_bytes` is split by items
//!   into records that fit; one item too large on its own is refused
//!   (permanent error, counted and logged).
//! - A request succeeds when every record's delivery was acknowledged as
//!   `producer::required_acks` asks. A failed delivery fails the whole
//!   request, which the helper retries: records of it that were delivered
//!   are then sent again (at-least-once).
//!
//! Client: librdkafka (the `rdkafka` crate), see `otelcol-configkafka`.

mod client;
mod config;
mod factory;
mod messages;

pub use client::{ATTEMPT_MARGIN, KafkaClient, is_permanent};
pub use config::{
    CompressionParams, DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_TIMEOUT, Encoding, KafkaExporterConfig,
    ProducerConfig, RecordPartitioner, SignalConfig, SignalTarget, StickyKey, default_topic,
};
pub use factory::{KafkaExporter, KafkaExporterFactory, STABILITY, TYPE};
pub use messages::{KafkaPayload, Message, Partitioning, encode, messages_for, resource_key};

/// The factory of the `kafka` exporter.
pub fn factory() -> KafkaExporterFactory {
    KafkaExporterFactory
}
