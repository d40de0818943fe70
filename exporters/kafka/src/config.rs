//! The `kafka` exporter's config (Go `kafkaexporter.Config`): the Kafka
//! client keys of `otelcol-configkafka` at the top level, the per-signal
//! topics and encodings, the partitioning switches, `producer`, `timeout`,
//! `sending_queue` and `retry_on_failure`.

use std::collections::BTreeMap;
use std::ops::Deref;
use std::time::Duration;

use otelcol_component::{ComponentConfig, ConfigError, Signal};
use otelcol_confighttp::{GoDuration, Overlay, concat_fields, deserialize_over, next_or_default};
use otelcol_configkafka::ClientConfig;
use otelcol_exporterhelper::{QueueConfig, RetryConfig};
use serde::de::MapAccess;
use serde::{Deserialize, Deserializer, Serialize};

/// Default `timeout` of one attempt (Go's: 5s).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default `producer::max_message_bytes` (Go's: 1,000,000).
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 1_000_000;

pub use otelcol_configkafka::{Encoding, default_topic};

/// `traces`, `metrics`, `logs`: where one signal goes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SignalConfig {
    /// The topic. Default: the top-level `topic` if set, else `otlp_spans`,
    /// `otlp_metrics` or `otlp_logs`.
    pub topic: Option<String>,
    /// The encoding. Default: the top-level `encoding` if set, else `otlp_proto`.
    pub encoding: Option<String>,
    /// The request metadata key whose value is the topic (before
    /// `topic_from_attribute` and `topic`). Default: empty.
    pub topic_from_metadata_key: String,
    /// The request metadata key whose value is the record key. Default: empty.
    pub message_key_from_metadata_key: String,
}

/// `producer` (Go `configkafka.ProducerConfig`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProducerConfig {
    /// The largest message, before compression. A request whose encoding is
    /// larger is split into smaller messages (by items); a single item
    /// larger than this is refused as a permanent error. Default: 1000000.
    pub max_message_bytes: usize,
    /// The most bytes written to a broker in one request (accepted; librdkafka
    /// sizes its requests by `message.max.bytes`). Default: 104857600.
    pub max_broker_write_bytes: usize,
    /// `0` (no wait), `1` (the leader) or `-1` (all in-sync replicas).
    /// Default: 1.
    pub required_acks: i32,
    /// `none`, `gzip`, `snappy`, `lz4` or `zstd`. Default: `none`.
    pub compression: String,
    /// `level`: the compression level (-1: the codec's default).
    pub compression_params: CompressionParams,
    /// The most messages in one produce request (`batch.num.messages`); 0
    /// keeps librdkafka's 10000. Default: 10000.
    pub flush_max_messages: usize,
    /// Let the broker create missing topics. Default: true.
    pub allow_auto_topic_creation: bool,
    /// How long a partition's messages wait for more before a request is
    /// sent (`linger.ms`). Default: 10ms.
    #[serde(with = "otelcol_component::duration")]
    pub linger: Duration,
}

impl Default for ProducerConfig {
    fn default() -> Self {
        ProducerConfig {
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
            max_broker_write_bytes: 104_857_600,
            required_acks: 1,
            compression: "none".to_string(),
            compression_params: CompressionParams::default(),
            flush_max_messages: 10_000,
            allow_auto_topic_creation: true,
            linger: Duration::from_millis(10),
        }
    }
}

/// `producer::compression_params`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CompressionParams {
    /// The level; -1 is the codec's default. Default: -1.
    pub level: i32,
}

impl Default for CompressionParams {
    fn default() -> Self {
        CompressionParams { level: -1 }
    }
}

/// `record_partitioner`: how a record's partition is chosen.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RecordPartitioner {
    /// Hash the key (the default; records without a key go to a random
    /// partition).
    pub sticky_key: Option<StickyKey>,
    /// Round robin: refused by this build.
    pub round_robin: Option<BTreeMap<String, String>>,
    /// Least backup: refused by this build.
    pub least_backup: Option<BTreeMap<String, String>>,
    /// A partitioner extension: refused by this build.
    pub extension: Option<String>,
}

/// `record_partitioner::sticky_key`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StickyKey {
    /// `sarama_compat` (FNV-1a, the default) or `murmur2` (the Java client's).
    pub hasher: String,
}

impl RecordPartitioner {
    /// The librdkafka `partitioner`.
    pub fn librdkafka(&self) -> Result<&'static str, ConfigError> {
        let set = [
            self.sticky_key.is_some(),
            self.round_robin.is_some(),
            self.least_backup.is_some(),
            self.extension.is_some(),
        ];
        if set.iter().filter(|s| **s).count() > 1 {
            return Err(ConfigError::at(
                "record_partitioner",
                "at most one of sticky_key, round_robin, least_backup, extension may be set",
            ));
        }
        if self.round_robin.is_some() || self.least_backup.is_some() || self.extension.is_some() {
            return Err(ConfigError::at(
                "record_partitioner",
                "only sticky_key is supported by this build (librdkafka's hashing partitioners)",
            ));
        }
        match self.sticky_key.as_ref().map(|s| s.hasher.as_str()).unwrap_or("") {
            // librdkafka's FNV-1a partitioner is the one Sarama (and so
            // Go's default) uses: a key lands on the same partition.
            "" | "sarama_compat" => Ok("fnv1a_random"),
            "murmur2" => Ok("murmur2_random"),
            h => Err(ConfigError::at(
                "record_partitioner::sticky_key::hasher",
                format!("unknown hasher {h:?}: expected sarama_compat or murmur2"),
            )),
        }
    }
}

/// Config of the `kafka` exporter.
///
/// ```yaml
/// exporters:
///   kafka:
///     brokers: [kafka:9092]
///     traces: {topic: otlp_spans}
///     partition_traces_by_id: true
///     producer: {required_acks: -1, compression: zstd}
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KafkaExporterConfig {
    /// The Kafka client settings (`brokers`, `client_id`, `tls`, `auth`, ...).
    #[serde(flatten)]
    pub client: ClientConfig,
    /// Limit of one attempt to produce a request. Default: 5s.
    #[serde(with = "otelcol_component::duration")]
    pub timeout: Duration,
    /// The sending queue. Default: enabled, 10 consumers, 1000 requests.
    pub sending_queue: QueueConfig,
    /// Retries of failed requests. Default: enabled, 5s → 30s, for up to 5m.
    pub retry_on_failure: RetryConfig,
    /// Traces: topic and encoding.
    pub traces: SignalConfig,
    /// Metrics: topic and encoding.
    pub metrics: SignalConfig,
    /// Logs: topic and encoding.
    pub logs: SignalConfig,
    /// Profiles: read and not used (no profiles signal in this build).
    pub profiles: SignalConfig,
    /// Deprecated: the topic of every signal that sets none.
    pub topic: Option<String>,
    /// Deprecated: the encoding of every signal that sets none.
    pub encoding: Option<String>,
    /// The resource attribute whose value is the topic. Default: empty.
    pub topic_from_attribute: String,
    /// Request metadata keys sent as record headers. Default: none.
    pub include_metadata_keys: Vec<String>,
    /// Static headers of every record. Default: none.
    pub record_headers: BTreeMap<String, String>,
    /// One message per trace, keyed by its trace id (hex). Default: false.
    pub partition_traces_by_id: bool,
    /// One message per resource, keyed by a hash of its attributes. Default: false.
    pub partition_metrics_by_resource_attributes: bool,
    /// One message per resource, keyed by a hash of its attributes. Default: false.
    pub partition_logs_by_resource_attributes: bool,
    /// One message per trace id of the log records. Default: false.
    pub partition_logs_by_trace_id: bool,
    /// How a record's partition is chosen from its key.
    pub record_partitioner: RecordPartitioner,
    /// The producer.
    pub producer: ProducerConfig,
}

impl Default for KafkaExporterConfig {
    fn default() -> Self {
        KafkaExporterConfig {
            client: ClientConfig::default(),
            timeout: DEFAULT_TIMEOUT,
            sending_queue: QueueConfig::default(),
            retry_on_failure: RetryConfig::default(),
            traces: SignalConfig::default(),
            metrics: SignalConfig::default(),
            logs: SignalConfig::default(),
            profiles: SignalConfig::default(),
            topic: None,
            encoding: None,
            topic_from_attribute: String::new(),
            include_metadata_keys: Vec::new(),
            record_headers: BTreeMap::new(),
            partition_traces_by_id: false,
            partition_metrics_by_resource_attributes: false,
            partition_logs_by_resource_attributes: false,
            partition_logs_by_trace_id: false,
            record_partitioner: RecordPartitioner::default(),
            producer: ProducerConfig::default(),
        }
    }
}

impl Deref for KafkaExporterConfig {
    type Target = ClientConfig;
    fn deref(&self) -> &ClientConfig {
        &self.client
    }
}

const OWN_FIELDS: [&str; 18] = [
    "timeout",
    "sending_queue",
    "retry_on_failure",
    "traces",
    "metrics",
    "logs",
    "profiles",
    "topic",
    "encoding",
    "topic_from_attribute",
    "include_metadata_keys",
    "record_headers",
    "partition_traces_by_id",
    "partition_metrics_by_resource_attributes",
    "partition_logs_by_resource_attributes",
    "partition_logs_by_trace_id",
    "record_partitioner",
    "producer",
];

impl Overlay for KafkaExporterConfig {
    const FIELDS: &'static [&'static str] = &concat_fields::<{ ClientConfig::FIELDS.len() + OWN_FIELDS.len() }>(
        ClientConfig::FIELDS,
        &OWN_FIELDS,
    );
    const EXPECTING: &'static str = "the kafka exporter settings (a map)";

    fn set_field<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "timeout" => self.timeout = map.next_value::<GoDuration>()?.0,
            "sending_queue" => self.sending_queue = next_or_default(map)?,
            "retry_on_failure" => self.retry_on_failure = next_or_default(map)?,
            "traces" => self.traces = next_or_default(map)?,
            "metrics" => self.metrics = next_or_default(map)?,
            "logs" => self.logs = next_or_default(map)?,
            "profiles" => self.profiles = next_or_default(map)?,
            "topic" => self.topic = map.next_value()?,
            "encoding" => self.encoding = map.next_value()?,
            "topic_from_attribute" => self.topic_from_attribute = map.next_value()?,
            "include_metadata_keys" => self.include_metadata_keys = next_or_default(map)?,
            "record_headers" => self.record_headers = next_or_default(map)?,
            "partition_traces_by_id" => self.partition_traces_by_id = map.next_value()?,
            "partition_metrics_by_resource_attributes" => {
                self.partition_metrics_by_resource_attributes = map.next_value()?
            }
            "partition_logs_by_resource_attributes" => {
                self.partition_logs_by_resource_attributes = map.next_value()?
            }
            "partition_logs_by_trace_id" => self.partition_logs_by_trace_id = map.next_value()?,
            "record_partitioner" => self.record_partitioner = next_or_default(map)?,
            "producer" => self.producer = next_or_default(map)?,
            _ => return self.client.set_field(key, map),
        }
        Ok(true)
    }
}

impl<'de> Deserialize<'de> for KafkaExporterConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize_over(d, KafkaExporterConfig::default())
    }
}

/// What one signal's messages look like, resolved from the config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignalTarget {
    /// The topic.
    pub topic: String,
    /// The encoding.
    pub encoding: Encoding,
    /// `topic_from_metadata_key`.
    pub topic_from_metadata_key: String,
    /// `message_key_from_metadata_key`.
    pub message_key_from_metadata_key: String,
}

impl KafkaExporterConfig {
    /// The per-signal block of `signal`.
    pub fn signal(&self, signal: Signal) -> &SignalConfig {
        match signal {
            Signal::Traces => &self.traces,
            Signal::Metrics => &self.metrics,
            Signal::Logs => &self.logs,
        }
    }

    /// The topic and encoding of `signal`: its own, else the deprecated
    /// top-level ones, else the defaults.
    pub fn target(&self, signal: Signal) -> Result<SignalTarget, ConfigError> {
        let s = self.signal(signal);
        let topic = s
            .topic
            .clone()
            .or_else(|| self.topic.clone())
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| default_topic(signal).to_string());
        Ok(SignalTarget {
            topic,
            encoding: Encoding::for_signal(signal, s.encoding.as_deref(), self.encoding.as_deref())?,
            topic_from_metadata_key: s.topic_from_metadata_key.clone(),
            message_key_from_metadata_key: s.message_key_from_metadata_key.clone(),
        })
    }

    /// The librdkafka `acks` value.
    pub fn acks(&self) -> &'static str {
        match self.producer.required_acks {
            0 => "0",
            -1 => "all",
            _ => "1",
        }
    }
}

impl KafkaExporterConfig {
    /// Settings that are read but have no effect here, one line each.
    pub fn unapplied_settings(&self) -> Vec<String> {
        let mut out = self.client.unapplied_settings();
        if self.producer.max_broker_write_bytes != ProducerConfig::default().max_broker_write_bytes {
            out.push("producer::max_broker_write_bytes is not applied: librdkafka sizes its requests by message.max.bytes".into());
        }
        if !self.profiles.topic.as_deref().unwrap_or("").is_empty() {
            out.push("profiles is not applied: this build has no profiles signal".into());
        }
        out
    }
}

impl ComponentConfig for KafkaExporterConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        self.client.validate()?;
        for s in Signal::ALL {
            self.target(s)?;
        }
        if !matches!(self.producer.required_acks, -1..=1) {
            return Err(ConfigError::at(
                "producer::required_acks",
                format!(
                    "producer.required_acks has to be between -1 and 1. configured value {}",
                    self.producer.required_acks
                ),
            ));
        }
        let level = self.producer.compression_params.level;
        match self.producer.compression.as_str() {
            "none" | "" | "snappy" => {}
            "gzip" if level == -1 || (0..=9).contains(&level) => {}
            "lz4" if level == -1 || (0..=12).contains(&level) => {}
            "zstd" if level == -1 || (1..=22).contains(&level) => {}
            c @ ("gzip" | "lz4" | "zstd") => {
                return Err(ConfigError::at(
                    "producer::compression_params::level",
                    format!("compression level {level} is not valid for {c}"),
                ));
            }
            c => {
                return Err(ConfigError::at(
                    "producer::compression",
                    format!(
                        "producer.compression should be one of 'none', 'gzip', 'snappy', 'lz4', or 'zstd'. configured value is {c:?}"
                    ),
                ));
            }
        }
        if self.producer.max_message_bytes < 1000 {
            return Err(ConfigError::at(
                "producer::max_message_bytes",
                "producer.max_message_bytes must be at least 1000",
            ));
        }
        if self.partition_logs_by_resource_attributes && self.partition_logs_by_trace_id {
            return Err(ConfigError::at(
                "partition_logs_by_trace_id",
                "partition_logs_by_resource_attributes and partition_logs_by_trace_id cannot both be enabled",
            ));
        }
        for (flag, s) in [
            (self.partition_traces_by_id, Signal::Traces),
            (self.partition_metrics_by_resource_attributes, Signal::Metrics),
            (
                self.partition_logs_by_resource_attributes || self.partition_logs_by_trace_id,
                Signal::Logs,
            ),
        ] {
            if flag && !self.signal(s).message_key_from_metadata_key.is_empty() {
                return Err(ConfigError::at(
                    format!("{s}::message_key_from_metadata_key"),
                    format!(
                        "{s}::message_key_from_metadata_key cannot be used together with the {s} partitioning setting"
                    ),
                ));
            }
        }
        self.record_partitioner.librdkafka()?;
        if self.timeout.is_zero() {
            return Err(ConfigError::at("timeout", "timeout must be greater than 0"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn parse(y: &str) -> KafkaExporterConfig {
        serde_yaml::from_str(y).unwrap()
    }

    #[test]
    fn defaults_are_gos() {
        let c = parse("{}");
        assert_eq!(c, KafkaExporterConfig::default());
        c.validate().unwrap();
        assert_eq!(c.target(Signal::Traces).unwrap().topic, "otlp_spans");
        assert_eq!(c.target(Signal::Metrics).unwrap().topic, "otlp_metrics");
        assert_eq!(c.target(Signal::Logs).unwrap().topic, "otlp_logs");
        assert_eq!(c.acks(), "1");
        assert_eq!(c.timeout, Duration::from_secs(5));
        assert_eq!(c.brokers, ["localhost:9092"]);
    }

    #[test]
    fn the_deprecated_topic_applies_where_a_signal_sets_none() {
        let c = parse("topic: spans\nencoding: otlp_json\nlogs: {topic: l}");
        let t = c.target(Signal::Traces).unwrap();
        assert_eq!((t.topic.as_str(), t.encoding), ("spans", Encoding::OtlpJson));
        assert_eq!(c.target(Signal::Logs).unwrap().topic, "l");
    }

    #[test]
    fn refusals_name_their_key() {
        for (y, key) in [
            ("traces: {encoding: jaeger_proto}", "traces::encoding"),
            ("encoding: my_ext", "encoding"),
            ("producer: {required_acks: 2}", "producer::required_acks"),
            ("producer: {compression: brotli}", "producer::compression"),
            (
                "producer: {compression: zstd, compression_params: {level: 40}}",
                "level",
            ),
            (
                "partition_logs_by_resource_attributes: true\npartition_logs_by_trace_id: true",
                "partition_logs_by_trace_id",
            ),
            ("record_partitioner: {round_robin: {}}", "record_partitioner"),
            ("brokers: []", "brokers"),
        ] {
            let e = parse(y).validate().unwrap_err();
            assert!(e.to_string().contains(key), "{y}: {e}");
        }
        assert!(serde_yaml::from_str::<KafkaExporterConfig>("partition_trace_by_id: true").is_err());
        assert!(serde_yaml::from_str::<KafkaExporterConfig>("producer: {acks: 1}").is_err());
    }

    #[test]
    fn client_keys_sit_at_the_top_level() {
        let c = parse("brokers: [a:1]\nclient_id: x\nproducer: {required_acks: -1}");
        assert_eq!(c.brokers, ["a:1"]);
        assert_eq!(c.client_id, "x");
        assert_eq!(c.acks(), "all");
    }
}
