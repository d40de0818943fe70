//! # otelcol-receiver-kafka
//!
//! The `kafka` receiver, as the Go collector's `kafkareceiver`: OTLP
//! traces, metrics and logs (`otlp_proto` or `otlp_json`) read from Kafka
//! topics as a member of a consumer group (`group_id`), so that several
//! collectors share a topic's partitions.
//!
//! ```yaml
//! receivers:
//!   kafka:
//!     brokers: [kafka:9092]
//!     group_id: otelcol-gateway
//!     initial_offset: earliest
//! ```
//!
//! Delivery: each signal is one consumer reading its partitions in order,
//! with up to [`MAX_IN_FLIGHT`] records handed to the pipeline at a time
//! (in the order they were read; records retried after a push-back may then
//! reach the pipeline out of order, as concurrent OTLP requests do).
//! A record's offset is marked for commit **only after the pipeline
//! answered** it and every record read before it (committed every `autocommit::interval`, or at once when
//! autocommit is off, and at shutdown), so a crash re-reads what was not
//! yet accepted instead of losing it (at-least-once). When the pipeline
//! pushes back (a retryable error: memory_limiter, a full queue), the
//! record is retried with `error_backoff` and consumption waits: nothing is
//! dropped. A record that does not decode, or that the pipeline refuses for
//! good, is skipped, counted and logged.
//!
//! Record headers become the request's client metadata (for
//! `include_metadata_keys`, `headers_setter`, ...);
//! `header_extraction` copies listed headers into resource attributes
//! `kafka.header.<name>`.
//!
//! Client: librdkafka (the `rdkafka` crate), see `otelcol-configkafka`.

mod config;
mod factory;
mod receiver;

pub use config::{
    AutoCommitConfig, DEFAULT_GROUP_ID, Encoding, HeaderExtractionConfig, KafkaReceiverConfig,
    MessageMarkingConfig, PartitionProcessing, SignalConfig, SignalSource, default_topic,
};
pub use factory::{KafkaReceiverFactory, STABILITY, TYPE};
pub use receiver::{KafkaReceiver, MAX_IN_FLIGHT, STATS_INTERVAL, default_error_backoff};

/// The factory of the `kafka` receiver.
pub fn factory() -> KafkaReceiverFactory {
    KafkaReceiverFactory
}
