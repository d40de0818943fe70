//! The reusable config blocks of an exporter: `sending_queue` and
//! `timeout`, with the Go collector's keys, defaults and validation.
//! `retry_on_failure` is `otelcol-configretry`'s [`BackOffConfig`](otelcol_configretry::BackOffConfig).

use std::time::Duration;

use otelcol_component::{ComponentId, ConfigError};
use serde::{Deserialize, Serialize};

/// Default of `sending_queue::enabled`.
pub const DEFAULT_QUEUE_ENABLED: bool = true;
/// Default of `sending_queue::num_consumers`.
pub const DEFAULT_NUM_CONSUMERS: i64 = 10;
/// Default of `sending_queue::queue_size`.
pub const DEFAULT_QUEUE_SIZE: i64 = 1000;
/// Default of `sending_queue::batch::flush_timeout`.
pub const DEFAULT_BATCH_FLUSH_TIMEOUT: Duration = Duration::from_millis(200);
/// Default of `sending_queue::batch::min_size`.
pub const DEFAULT_BATCH_MIN_SIZE: i64 = 8192;

/// Default of `timeout` in exporterhelper (the `otlp` exporter uses it; the
/// `otlphttp` exporter overrides it with 30s).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// How the sending queue measures its size.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sizer {
    /// Each request counts as one (the default).
    #[default]
    Requests,
    /// Spans, metric data points or log records.
    Items,
    /// Bytes of the protobuf encoding.
    Bytes,
}

impl Sizer {
    /// The config spelling (`requests`, `items`, `bytes`).
    pub fn as_str(self) -> &'static str {
        match self {
            Sizer::Requests => "requests",
            Sizer::Items => "items",
            Sizer::Bytes => "bytes",
        }
    }
}

/// `sending_queue::batch::partition`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PartitionConfig {
    /// Client metadata keys whose values split batches: one batch per
    /// distinct combination of their values (case-insensitive keys; needs
    /// `include_metadata` on the receiver). Default: none.
    pub metadata_keys: Vec<String>,
}

/// `sending_queue::batch`: batching inside the exporter, after the queue.
///
/// `batch:` with no value and `batch: {}` both mean these defaults; an
/// absent key means no batching.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BatchConfig {
    /// Send a batch this long after its first item even if it is small;
    /// must be positive. Default: 200ms.
    #[serde(with = "crate::duration")]
    pub flush_timeout: Duration,
    /// Size (in `sizer` units) that triggers a send; 0 sends at once.
    /// Default: 8192.
    pub min_size: i64,
    /// Largest batch (in `sizer` units); 0 means no limit. Default: 0.
    pub max_size: i64,
    /// How batch sizes are measured: `items` or `bytes`. Default: `items`,
    /// or the queue's `sizer` when that is set to `items` or `bytes` and
    /// `batch` has keys but no `sizer` (as in Go).
    pub sizer: Sizer,
    /// Batch partitioning by client metadata. Default: none.
    pub partition: PartitionConfig,
}

impl Default for BatchConfig {
    fn default() -> Self {
        BatchConfig {
            flush_timeout: DEFAULT_BATCH_FLUSH_TIMEOUT,
            min_size: DEFAULT_BATCH_MIN_SIZE,
            max_size: 0,
            sizer: Sizer::Items,
            partition: PartitionConfig::default(),
        }
    }
}

impl BatchConfig {
    /// Checks the batch config with the Go collector's messages.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let key = |k: &str| format!("sending_queue::batch::{k}");
        if self.sizer == Sizer::Requests {
            return Err(ConfigError::at(
                key("sizer"),
                format!(
                    "`batch` supports only `items` or `bytes` sizer, found {:?}",
                    self.sizer.as_str()
                ),
            ));
        }
        if self.flush_timeout.is_zero() {
            return Err(ConfigError::at(
                key("flush_timeout"),
                "`flush_timeout` must be positive, found 0",
            ));
        }
        if self.min_size < 0 {
            return Err(ConfigError::at(
                key("min_size"),
                format!("`min_size` must be non-negative, found {}", self.min_size),
            ));
        }
        if self.max_size < 0 {
            return Err(ConfigError::at(
                key("max_size"),
                format!("`max_size` must be non-negative, found {}", self.max_size),
            ));
        }
        if self.max_size > 0 && self.max_size < self.min_size {
            return Err(ConfigError::at(
                key("max_size"),
                format!(
                    "`max_size` ({}) must be greater or equal to `min_size` ({})",
                    self.max_size, self.min_size
                ),
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for k in &self.partition.metadata_keys {
            let lower = k.to_ascii_lowercase();
            if !seen.insert(lower.clone()) {
                return Err(ConfigError::at(
                    key("partition::metadata_keys"),
                    format!("duplicate entry in metadata_keys: {lower:?} (case-insensitive)"),
                ));
            }
        }
        Ok(())
    }
}

/// `sending_queue`: the bounded queue in front of the sender.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(from = "RawQueueConfig")]
pub struct QueueConfig {
    /// Whether data is queued and sent in the background. Default: true.
    pub enabled: bool,
    /// Number of concurrent senders draining the queue (with `batch`: of
    /// concurrent batch exports). Default: 10.
    pub num_consumers: i64,
    /// Capacity of the queue, in units of `sizer`. Default: 1000.
    pub queue_size: i64,
    /// How the queue's size is measured: `requests`, `items` or `bytes`. Default: `requests`.
    pub sizer: Sizer,
    /// When full, make the caller wait instead of refusing the data. Default: false.
    pub block_on_overflow: bool,
    /// Make the caller wait until the queued data is sent and return its result. Default: false.
    pub wait_for_result: bool,
    /// Storage extension (id) for a persistent queue, e.g. `file_storage`.
    /// Default: none (in memory).
    pub storage: Option<ComponentId>,
    /// Batching after the queue. Default: absent (off); `batch:` with no
    /// value or `batch: {}` turns it on with the defaults, so when off the
    /// key is left out of the serialized config (a written `batch: null`
    /// would read back as on).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch: Option<BatchConfig>,
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            enabled: DEFAULT_QUEUE_ENABLED,
            num_consumers: DEFAULT_NUM_CONSUMERS,
            queue_size: DEFAULT_QUEUE_SIZE,
            sizer: Sizer::Requests,
            block_on_overflow: false,
            wait_for_result: false,
            storage: None,
            batch: None,
        }
    }
}

/// `sending_queue` as written, keeping which keys were given: a null
/// `batch:` means the defaults, and an unset `batch::sizer` follows an
/// explicit queue `sizer` of `items` or `bytes` (Go's rules).
#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawQueueConfig {
    enabled: bool,
    num_consumers: i64,
    queue_size: i64,
    sizer: Option<Sizer>,
    block_on_overflow: bool,
    wait_for_result: bool,
    storage: Option<ComponentId>,
    #[serde(deserialize_with = "present")]
    batch: Option<Option<RawBatchConfig>>,
}

impl Default for RawQueueConfig {
    fn default() -> Self {
        let d = QueueConfig::default();
        RawQueueConfig {
            enabled: d.enabled,
            num_consumers: d.num_consumers,
            queue_size: d.queue_size,
            sizer: None,
            block_on_overflow: d.block_on_overflow,
            wait_for_result: d.wait_for_result,
            storage: None,
            batch: None,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawBatchConfig {
    #[serde(with = "crate::duration")]
    flush_timeout: Duration,
    min_size: i64,
    max_size: i64,
    sizer: Option<Sizer>,
    partition: PartitionConfig,
}

impl Default for RawBatchConfig {
    fn default() -> Self {
        let d = BatchConfig::default();
        RawBatchConfig {
            flush_timeout: d.flush_timeout,
            min_size: d.min_size,
            max_size: d.max_size,
            sizer: None,
            partition: d.partition,
        }
    }
}

/// A key that is present, even with a null value, is `Some`.
fn present<'de, D, X>(d: D) -> Result<Option<Option<X>>, D::Error>
where
    D: serde::Deserializer<'de>,
    X: Deserialize<'de>,
{
    Option::<X>::deserialize(d).map(Some)
}

impl From<RawQueueConfig> for QueueConfig {
    fn from(raw: RawQueueConfig) -> Self {
        let sizer = raw.sizer.unwrap_or(Sizer::Requests);
        let batch = raw.batch.map(|b| match b {
            None => BatchConfig::default(),
            Some(b) => {
                let inherited = match raw.sizer {
                    Some(s @ (Sizer::Items | Sizer::Bytes)) => s,
                    _ => Sizer::Items,
                };
                BatchConfig {
                    flush_timeout: b.flush_timeout,
                    min_size: b.min_size,
                    max_size: b.max_size,
                    sizer: b.sizer.unwrap_or(inherited),
                    partition: b.partition,
                }
            }
        });
        QueueConfig {
            enabled: raw.enabled,
            num_consumers: raw.num_consumers,
            queue_size: raw.queue_size,
            sizer,
            block_on_overflow: raw.block_on_overflow,
            wait_for_result: raw.wait_for_result,
            storage: raw.storage,
            batch,
        }
    }
}

impl QueueConfig {
    /// Checks the queue config as the Go collector does. A disabled queue is
    /// not checked (and does not batch).
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !self.enabled {
            return Ok(());
        }
        if self.num_consumers <= 0 {
            return Err(ConfigError::at(
                "sending_queue::num_consumers",
                "must be positive",
            ));
        }
        if self.queue_size <= 0 {
            return Err(ConfigError::at("sending_queue::queue_size", "must be positive"));
        }
        if self.storage.is_some() && self.wait_for_result {
            return Err(ConfigError::at(
                "sending_queue::wait_for_result",
                "`wait_for_result` is not supported with a persistent queue configured with `storage`",
            ));
        }
        if let Some(batch) = &self.batch {
            batch.validate()?;
            // Otherwise the queue could never hold a batch's worth of data.
            if batch.sizer == self.sizer && batch.min_size > self.queue_size {
                return Err(ConfigError::at(
                    "sending_queue::batch::min_size",
                    "`min_size` must be less than or equal to `queue_size`",
                ));
            }
        }
        Ok(())
    }
}

/// `timeout`: the limit of one send attempt. Exporters embed the `timeout`
/// key at their top level (Go squashes it) and build this from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TimeoutConfig {
    /// Limit of one attempt; 0 means no limit. Default: 5s (exporter-specific).
    #[serde(with = "crate::duration")]
    pub timeout: Duration,
}

impl Default for TimeoutConfig {
    fn default() -> Self {
        TimeoutConfig {
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

impl TimeoutConfig {
    /// A timeout of `timeout` per attempt (0: none).
    pub fn new(timeout: Duration) -> Self {
        TimeoutConfig { timeout }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(yaml: &str) -> QueueConfig {
        serde_yaml::from_str(yaml).unwrap()
    }

    #[test]
    fn defaults_match_go() {
        let q = QueueConfig::default();
        assert!(q.enabled && q.num_consumers == 10 && q.queue_size == 1000);
        assert_eq!(q.sizer, Sizer::Requests);
        assert!(!q.block_on_overflow && !q.wait_for_result && q.storage.is_none() && q.batch.is_none());
        assert_eq!(TimeoutConfig::default().timeout, Duration::from_secs(5));
        assert!(q.validate().is_ok());
    }

    #[test]
    fn parses_go_keys_and_durations() {
        let q = queue("num_consumers: 2\nqueue_size: 50\nsizer: items\nblock_on_overflow: true\nbatch: {}\n");
        assert_eq!((q.num_consumers, q.queue_size, q.sizer), (2, 50, Sizer::Items));
        assert_eq!(q.batch, Some(BatchConfig::default()));
        assert!(serde_yaml::from_str::<QueueConfig>("queue_sise: 3").is_err());
        assert!(serde_yaml::from_str::<QueueConfig>("sizer: lines").is_err());
    }

    #[test]
    fn queue_validation_names_the_key() {
        let e = queue("num_consumers: 0").validate().unwrap_err();
        assert_eq!(e.key.as_deref(), Some("sending_queue::num_consumers"));
        let e = queue("queue_size: -1").validate().unwrap_err();
        assert_eq!(e.key.as_deref(), Some("sending_queue::queue_size"));
        let q = queue("storage: file_storage/q");
        assert!(q.validate().is_ok(), "a persistent queue is supported");
        assert_eq!(
            q.storage.map(|s| s.to_string()).as_deref(),
            Some("file_storage/q")
        );
        assert!(queue("batch: {}").validate().is_ok(), "batching is supported");
        let e = queue("storage: file_storage\nwait_for_result: true")
            .validate()
            .unwrap_err();
        assert_eq!(e.key.as_deref(), Some("sending_queue::wait_for_result"));
        assert!(
            queue("enabled: false\nqueue_size: 0\nstorage: x")
                .validate()
                .is_ok()
        );
    }

    #[test]
    fn batch_null_empty_and_absent() {
        assert_eq!(queue("num_consumers: 3").batch, None, "absent: off");
        assert_eq!(
            queue("batch:").batch,
            Some(BatchConfig::default()),
            "null: defaults, on"
        );
        assert_eq!(queue("batch: ~").batch, Some(BatchConfig::default()));
        assert_eq!(queue("batch: {}").batch, Some(BatchConfig::default()));
        let b = queue("batch:\n  flush_timeout: 1s\n  min_size: 10\n  max_size: 20\n  sizer: bytes\n  partition:\n    metadata_keys: [tenant]\n")
            .batch
            .unwrap();
        assert_eq!(b.flush_timeout, Duration::from_secs(1));
        assert_eq!((b.min_size, b.max_size, b.sizer), (10, 20, Sizer::Bytes));
        assert_eq!(b.partition.metadata_keys, vec!["tenant".to_string()]);
        assert!(serde_yaml::from_str::<QueueConfig>("batch: {min_sise: 1}").is_err());
        // A null `batch:` survives a round trip through print-config.
        let q = queue("batch:");
        let back: QueueConfig = serde_yaml::from_str(&serde_yaml::to_string(&q).unwrap()).unwrap();
        assert_eq!(back, q);
    }

    #[test]
    fn batch_sizer_follows_go() {
        let sizer = |y: &str| queue(y).batch.unwrap().sizer;
        assert_eq!(sizer("batch: {}"), Sizer::Items);
        assert_eq!(sizer("sizer: bytes\nqueue_size: 100000\nbatch: {}"), Sizer::Bytes);
        assert_eq!(
            sizer("sizer: items\nqueue_size: 10000\nbatch: {min_size: 5}"),
            Sizer::Items
        );
        assert_eq!(sizer("sizer: requests\nbatch: {min_size: 5}"), Sizer::Items);
        assert_eq!(sizer("sizer: bytes\nbatch: {sizer: items}"), Sizer::Items);
        assert_eq!(
            sizer("sizer: bytes\nbatch:"),
            Sizer::Items,
            "null batch keeps the defaults"
        );
    }

    #[test]
    fn batch_validation_matches_go() {
        let bad = |y: &str| queue(y).validate().unwrap_err();
        let e = bad("batch: {sizer: requests}");
        assert_eq!(e.key.as_deref(), Some("sending_queue::batch::sizer"));
        assert_eq!(
            e.message,
            "`batch` supports only `items` or `bytes` sizer, found \"requests\""
        );
        let e = bad("batch: {flush_timeout: 0}");
        assert_eq!(e.message, "`flush_timeout` must be positive, found 0");
        let e = bad("batch: {min_size: -1}");
        assert_eq!(e.message, "`min_size` must be non-negative, found -1");
        let e = bad("batch: {max_size: -1}");
        assert_eq!(e.message, "`max_size` must be non-negative, found -1");
        let e = bad("batch: {min_size: 2048, max_size: 1024}");
        assert_eq!(e.key.as_deref(), Some("sending_queue::batch::max_size"));
        assert_eq!(
            e.message,
            "`max_size` (1024) must be greater or equal to `min_size` (2048)"
        );
        let e = bad("batch: {partition: {metadata_keys: [Tenant, tenant]}}");
        assert!(
            e.message.contains("duplicate entry in metadata_keys: \"tenant\""),
            "{e}"
        );
        let e = bad("sizer: items\nqueue_size: 100\nbatch: {}");
        assert_eq!(e.message, "`min_size` must be less than or equal to `queue_size`");
        assert!(queue("batch: {min_size: 0, max_size: 0}").validate().is_ok());
        assert!(queue("batch: {min_size: 10, max_size: 10}").validate().is_ok());
        assert!(queue("storage: file_storage\nbatch:").validate().is_ok());
        assert!(queue("wait_for_result: true\nbatch:").validate().is_ok());
        assert!(
            queue("enabled: false\nbatch: {sizer: requests}")
                .validate()
                .is_ok()
        );
    }
}
