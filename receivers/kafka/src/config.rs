//! The `kafka` receiver's config (Go `kafkareceiver.Config`): the Kafka
//! client keys of `otelcol-configkafka` at the top level, the per-signal
//! topics and encodings, the consumer group, fetch sizes, offset commits
//! and message marking.

use std::time::Duration;

use otelcol_component::{ComponentConfig, ConfigError, Signal};
use otelcol_confighttp::{GoDuration, Overlay, concat_fields, deserialize_over, next_or_default};
use otelcol_configkafka::ClientConfig;
use otelcol_configretry::BackOffConfig;
use serde::de::{IgnoredAny, MapAccess};
use serde::{Deserialize, Deserializer, Serialize};

/// Default `group_id` (Go's).
pub const DEFAULT_GROUP_ID: &str = "otel-collector";

pub use otelcol_configkafka::{Encoding, default_topic};

/// `traces`, `metrics`, `logs`: what one signal reads.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SignalConfig {
    /// Topics to consume; a name starting with `^` is a regular expression.
    /// Default: the top-level `topic` if set, else `otlp_spans`,
    /// `otlp_metrics` or `otlp_logs`.
    pub topics: Vec<String>,
    /// Deprecated: one topic (use `topics`).
    pub topic: Option<String>,
    /// The encoding. Default: the top-level `encoding`, else `otlp_proto`.
    pub encoding: Option<String>,
    /// Topics excluded from the regular expressions (refused by this build
    /// when set).
    pub exclude_topics: Vec<String>,
}

/// `autocommit`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AutoCommitConfig {
    /// Commit the marked offsets in the background. Default: true.
    pub enable: bool,
    /// How often. Default: 1s.
    #[serde(with = "otelcol_component::duration")]
    pub interval: Duration,
}

impl Default for AutoCommitConfig {
    fn default() -> Self {
        AutoCommitConfig {
            enable: true,
            interval: Duration::from_secs(1),
        }
    }
}

/// `message_marking`: when a message's offset is marked for commit.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MessageMarkingConfig {
    /// Go: mark after the pipeline ran rather than before. Here a message
    /// is always marked only once the pipeline answered; `after: true`
    /// adds that a failed message is not marked (see `on_error`). Default: false.
    pub after: bool,
    /// With `after: true`: mark (give up on) a message the pipeline failed
    /// with a retryable error, instead of retrying it. Default: false.
    pub on_error: bool,
    /// With `after: true`: mark a message the pipeline refused for good.
    /// Default: `on_error`. (Such a message is skipped either way: see the
    /// README.)
    pub on_permanent_error: Option<bool>,
}

/// `header_extraction`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HeaderExtractionConfig {
    /// Copy the listed headers into resource attributes
    /// `kafka.header.<name>`. Default: false.
    pub extract_headers: bool,
    /// The headers to copy (exact names). Default: none.
    pub headers: Vec<String>,
}

/// Config of the `kafka` receiver.
///
/// ```yaml
/// receivers:
///   kafka:
///     brokers: [kafka:9092]
///     group_id: otelcol-gateway
///     initial_offset: earliest
///     traces: {topics: [otlp_spans]}
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KafkaReceiverConfig {
    /// The Kafka client settings (`brokers`, `client_id`, `tls`, `auth`, ...).
    #[serde(flatten)]
    pub client: ClientConfig,
    /// Deprecated: the topic of every signal that sets none.
    pub topic: Option<String>,
    /// Deprecated: the encoding of every signal that sets none.
    pub encoding: Option<String>,
    /// Traces: topics and encoding.
    pub traces: SignalConfig,
    /// Metrics: topics and encoding.
    pub metrics: SignalConfig,
    /// Logs: topics and encoding.
    pub logs: SignalConfig,
    /// Profiles: read, not used (no profiles signal in this build).
    pub profiles: SignalConfig,
    /// The consumer group. Default: `otel-collector`.
    pub group_id: String,
    /// A static member id (`group.instance.id`). Default: empty.
    pub group_instance_id: String,
    /// The group session timeout. Default: 10s.
    #[serde(with = "otelcol_component::duration")]
    pub session_timeout: Duration,
    /// Time between heartbeats. Default: 3s.
    #[serde(with = "otelcol_component::duration")]
    pub heartbeat_interval: Duration,
    /// Deprecated: one assignment strategy. Default: empty (`cooperative-sticky`).
    pub group_rebalance_strategy: String,
    /// Assignment strategies: `range`, `roundrobin`, `cooperative-sticky`.
    /// Default: `[cooperative-sticky]` (Go's).
    pub group_rebalance_strategies: Vec<String>,
    /// `latest` or `earliest`: where a group with no committed offset
    /// starts. Default: `latest`.
    pub initial_offset: String,
    /// The least bytes a fetch waits for. Default: 1.
    pub min_fetch_size: i32,
    /// Deprecated: the per-partition fetch size. Default: 1048576.
    pub default_fetch_size: i32,
    /// The most bytes of one fetch. Default: 1048576.
    pub max_fetch_size: i32,
    /// The longest a fetch waits for `min_fetch_size`. Default: 250ms.
    #[serde(with = "otelcol_component::duration")]
    pub max_fetch_wait: Duration,
    /// The most bytes of one partition in a fetch. Default: 1048576.
    pub max_partition_fetch_size: i32,
    /// The rack of this client (`client.rack`). Default: empty.
    pub rack_id: String,
    /// Accepted (librdkafka always uses leader epochs). Default: true.
    pub use_leader_epoch: bool,
    /// Offset commits.
    pub autocommit: AutoCommitConfig,
    /// When offsets are marked.
    pub message_marking: MessageMarkingConfig,
    /// Headers copied into resource attributes.
    pub header_extraction: HeaderExtractionConfig,
    /// The wait between attempts when the pipeline fails a message with a
    /// retryable error. Default: disabled (100ms doubling up to 5s).
    pub error_backoff: BackOffConfig,
    /// Go's per-partition workers: accepted, not applied.
    pub partition_processing: PartitionProcessing,
}

/// `partition_processing` (accepted; each signal is one ordered consumer here).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PartitionProcessing {
    /// One worker per partition.
    pub independent: bool,
    /// Batches waiting per worker.
    pub max_buffered_batches: u32,
}

impl Default for KafkaReceiverConfig {
    fn default() -> Self {
        KafkaReceiverConfig {
            client: ClientConfig::default(),
            topic: None,
            encoding: None,
            traces: SignalConfig::default(),
            metrics: SignalConfig::default(),
            logs: SignalConfig::default(),
            profiles: SignalConfig::default(),
            group_id: DEFAULT_GROUP_ID.to_string(),
            group_instance_id: String::new(),
            session_timeout: Duration::from_secs(10),
            heartbeat_interval: Duration::from_secs(3),
            group_rebalance_strategy: String::new(),
            group_rebalance_strategies: Vec::new(),
            initial_offset: "latest".to_string(),
            min_fetch_size: 1,
            default_fetch_size: 1_048_576,
            max_fetch_size: 1_048_576,
            max_fetch_wait: Duration::from_millis(250),
            max_partition_fetch_size: 1_048_576,
            rack_id: String::new(),
            use_leader_epoch: true,
            autocommit: AutoCommitConfig::default(),
            message_marking: MessageMarkingConfig::default(),
            header_extraction: HeaderExtractionConfig::default(),
            error_backoff: BackOffConfig {
                enabled: false,
                ..BackOffConfig::default()
            },
            partition_processing: PartitionProcessing::default(),
        }
    }
}

const OWN_FIELDS: [&str; 26] = [
    "topic",
    "encoding",
    "traces",
    "metrics",
    "logs",
    "profiles",
    "group_id",
    "group_instance_id",
    "session_timeout",
    "heartbeat_interval",
    "group_rebalance_strategy",
    "group_rebalance_strategies",
    "initial_offset",
    "min_fetch_size",
    "default_fetch_size",
    "max_fetch_size",
    "max_fetch_wait",
    "max_partition_fetch_size",
    "rack_id",
    "use_leader_epoch",
    "autocommit",
    "message_marking",
    "header_extraction",
    "error_backoff",
    "partition_processing",
    "telemetry",
];

impl Overlay for KafkaReceiverConfig {
    const FIELDS: &'static [&'static str] = &concat_fields::<{ ClientConfig::FIELDS.len() + OWN_FIELDS.len() }>(
        ClientConfig::FIELDS,
        &OWN_FIELDS,
    );
    const EXPECTING: &'static str = "the kafka receiver settings (a map)";

    fn set_field<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "topic" => self.topic = map.next_value()?,
            "encoding" => self.encoding = map.next_value()?,
            "traces" => self.traces = next_or_default(map)?,
            "metrics" => self.metrics = next_or_default(map)?,
            "logs" => self.logs = next_or_default(map)?,
            "profiles" => self.profiles = next_or_default(map)?,
            "group_id" => self.group_id = map.next_value()?,
            "group_instance_id" => self.group_instance_id = map.next_value()?,
            "session_timeout" => self.session_timeout = map.next_value::<GoDuration>()?.0,
            "heartbeat_interval" => self.heartbeat_interval = map.next_value::<GoDuration>()?.0,
            "group_rebalance_strategy" => self.group_rebalance_strategy = map.next_value()?,
            "group_rebalance_strategies" => self.group_rebalance_strategies = next_or_default(map)?,
            "initial_offset" => self.initial_offset = map.next_value()?,
            "min_fetch_size" => self.min_fetch_size = map.next_value()?,
            "default_fetch_size" => self.default_fetch_size = map.next_value()?,
            "max_fetch_size" => self.max_fetch_size = map.next_value()?,
            "max_fetch_wait" => self.max_fetch_wait = map.next_value::<GoDuration>()?.0,
            "max_partition_fetch_size" => self.max_partition_fetch_size = map.next_value()?,
            "rack_id" => self.rack_id = map.next_value()?,
            "use_leader_epoch" => self.use_leader_epoch = map.next_value()?,
            "autocommit" => self.autocommit = next_or_default(map)?,
            "message_marking" => self.message_marking = next_or_default(map)?,
            "header_extraction" => self.header_extraction = next_or_default(map)?,
            "error_backoff" => {
                let defaults = self.error_backoff.clone();
                self.error_backoff = map.next_value_seed(BackOffSeed(defaults))?
            }
            "partition_processing" => self.partition_processing = next_or_default(map)?,
            // Go's `telemetry::metrics::kafka_receiver_records_delay`: accepted.
            "telemetry" => {
                map.next_value::<IgnoredAny>()?;
            }
            _ => return self.client.set_field(key, map),
        }
        Ok(true)
    }
}

struct BackOffSeed(BackOffConfig);

impl<'de> serde::de::DeserializeSeed<'de> for BackOffSeed {
    type Value = BackOffConfig;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<BackOffConfig, D::Error> {
        BackOffConfig::deserialize_over(d, self.0)
    }
}

impl<'de> Deserialize<'de> for KafkaReceiverConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize_over(d, KafkaReceiverConfig::default())
    }
}

/// What one signal consumes, resolved from the config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignalSource {
    /// Topics (a `^` prefix marks a regular expression).
    pub topics: Vec<String>,
    /// The encoding.
    pub encoding: Encoding,
}

impl KafkaReceiverConfig {
    /// The per-signal block of `signal`.
    pub fn signal(&self, signal: Signal) -> &SignalConfig {
        match signal {
            Signal::Traces => &self.traces,
            Signal::Metrics => &self.metrics,
            Signal::Logs => &self.logs,
        }
    }

    /// The topics and encoding of `signal`.
    pub fn source(&self, signal: Signal) -> Result<SignalSource, ConfigError> {
        let s = self.signal(signal);
        let topics = if !s.topics.is_empty() {
            s.topics.clone()
        } else if let Some(t) = s
            .topic
            .clone()
            .or_else(|| self.topic.clone())
            .filter(|t| !t.is_empty())
        {
            vec![t]
        } else {
            vec![default_topic(signal).to_string()]
        };
        Ok(SignalSource {
            topics,
            encoding: Encoding::for_signal(signal, s.encoding.as_deref(), self.encoding.as_deref())?,
        })
    }

    /// librdkafka's `partition.assignment.strategy`.
    pub fn assignment_strategy(&self) -> Result<String, ConfigError> {
        let (key, list) = match (
            self.group_rebalance_strategy.is_empty(),
            self.group_rebalance_strategies.is_empty(),
        ) {
            (false, false) => {
                return Err(ConfigError::at(
                    "group_rebalance_strategies",
                    "group_rebalance_strategy (deprecated) and group_rebalance_strategies are mutually exclusive",
                ));
            }
            (false, true) => (
                "group_rebalance_strategy",
                vec![self.group_rebalance_strategy.clone()],
            ),
            (true, false) => (
                "group_rebalance_strategies",
                self.group_rebalance_strategies.clone(),
            ),
            (true, true) => return Ok("cooperative-sticky".to_string()),
        };
        for s in &list {
            match s.as_str() {
                "range" | "roundrobin" | "cooperative-sticky" => {}
                "sticky" => {
                    return Err(ConfigError::at(
                        key,
                        "the eager sticky strategy is not supported by this build (librdkafka): use cooperative-sticky",
                    ));
                }
                other => {
                    return Err(ConfigError::at(
                        key,
                        format!(
                            "unknown rebalance strategy {other:?}: expected range, roundrobin or cooperative-sticky (balancer extensions are not supported by this build)"
                        ),
                    ));
                }
            }
        }
        if list.iter().any(|s| s == "cooperative-sticky") && list.len() > 1 {
            return Err(ConfigError::at(
                key,
                "cooperative-sticky cannot be mixed with eager strategies in librdkafka",
            ));
        }
        Ok(list.join(","))
    }

    /// Settings that are read but have no effect here, one line each.
    pub fn unapplied_settings(&self) -> Vec<String> {
        let mut out = self.client.unapplied_settings();
        if self.partition_processing.independent {
            out.push(
                "partition_processing::independent is not applied: each signal is one ordered consumer"
                    .into(),
            );
        }
        out
    }
}

impl ComponentConfig for KafkaReceiverConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        self.client.validate()?;
        for s in Signal::ALL {
            self.source(s)?;
            if !self.signal(s).exclude_topics.is_empty() {
                return Err(ConfigError::at(
                    format!("{s}::exclude_topics"),
                    "exclude_topics is not supported by this build: write the exclusion into the ^regex topic",
                ));
            }
        }
        if self.group_id.is_empty() {
            return Err(ConfigError::at("group_id", "group_id must not be empty"));
        }
        if !matches!(self.initial_offset.as_str(), "latest" | "earliest") {
            return Err(ConfigError::at(
                "initial_offset",
                format!(
                    "initial_offset should be one of 'latest' or 'earliest'. configured value {}",
                    self.initial_offset
                ),
            ));
        }
        if self.max_fetch_size < self.min_fetch_size {
            return Err(ConfigError::at(
                "max_fetch_size",
                format!(
                    "max_fetch_size ({}) must be greater than or equal to min_fetch_size ({})",
                    self.max_fetch_size, self.min_fetch_size
                ),
            ));
        }
        if self.min_fetch_size < 1 || self.max_partition_fetch_size < 1 {
            return Err(ConfigError::at(
                "min_fetch_size",
                "fetch sizes must be at least 1",
            ));
        }
        if self.heartbeat_interval >= self.session_timeout {
            return Err(ConfigError::at(
                "heartbeat_interval",
                "heartbeat_interval must be lower than session_timeout",
            ));
        }
        self.assignment_strategy()?;
        self.error_backoff
            .validate()
            .map_err(|e| ConfigError::at("error_backoff", e.to_string()))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn parse(y: &str) -> KafkaReceiverConfig {
        serde_yaml::from_str(y).unwrap()
    }

    #[test]
    fn defaults_are_gos() {
        let c = parse("{}");
        assert_eq!(c, KafkaReceiverConfig::default());
        c.validate().unwrap();
        assert_eq!(c.source(Signal::Traces).unwrap().topics, ["otlp_spans"]);
        assert_eq!(c.source(Signal::Logs).unwrap().topics, ["otlp_logs"]);
        assert_eq!(c.group_id, "otel-collector");
        assert_eq!(c.initial_offset, "latest");
        assert!(c.autocommit.enable && !c.message_marking.after);
        assert_eq!(c.assignment_strategy().unwrap(), "cooperative-sticky");
    }

    #[test]
    fn topics_resolve_as_go() {
        let c = parse("topic: t\ntraces: {topics: [a, '^b.*']}\nmetrics: {topic: m}");
        assert_eq!(c.source(Signal::Traces).unwrap().topics, ["a", "^b.*"]);
        assert_eq!(c.source(Signal::Metrics).unwrap().topics, ["m"]);
        assert_eq!(c.source(Signal::Logs).unwrap().topics, ["t"]);
    }

    #[test]
    fn refusals_name_their_key() {
        for (y, key) in [
            ("initial_offset: middle", "initial_offset"),
            ("encoding: zipkin_json", "encoding"),
            ("logs: {encoding: text_utf-8}", "logs::encoding"),
            ("group_rebalance_strategy: sticky", "group_rebalance_strategy"),
            (
                "group_rebalance_strategies: [range, cooperative-sticky]",
                "group_rebalance_strategies",
            ),
            ("min_fetch_size: 10\nmax_fetch_size: 5", "max_fetch_size"),
            ("traces: {exclude_topics: [x]}", "traces::exclude_topics"),
            ("auth: {kerberos: {realm: R}}", "auth::kerberos"),
        ] {
            let e = parse(y).validate().unwrap_err();
            assert!(e.to_string().contains(key), "{y}: {e}");
        }
        assert!(serde_yaml::from_str::<KafkaReceiverConfig>("group: g").is_err());
        assert!(serde_yaml::from_str::<KafkaReceiverConfig>("autocommit: {enabled: true}").is_err());
    }

    #[test]
    fn error_backoff_keeps_unset_keys() {
        let c = parse("error_backoff: {enabled: true, initial_interval: 1s}");
        assert!(c.error_backoff.enabled);
        assert_eq!(c.error_backoff.initial_interval, Duration::from_secs(1));
        assert_eq!(
            c.error_backoff.max_interval,
            BackOffConfig::default().max_interval
        );
        let c = parse("telemetry: {metrics: {kafka_receiver_records_delay: {enabled: true}}}");
        c.validate().unwrap();
    }
}
