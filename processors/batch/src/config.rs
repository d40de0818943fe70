//! The `batch` processor's config, with the Go collector's keys and defaults.

use std::collections::HashSet;
use std::time::Duration;

use otelcol_component::{ComponentConfig, ConfigError};
use serde::{Deserialize, Serialize};

/// Default `send_batch_size`: items that trigger a send.
pub const DEFAULT_SEND_BATCH_SIZE: u32 = 8192;
/// Default `timeout`: how long the first item of a batch waits at most.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(200);
/// Default `send_batch_max_size`: 0, no cap on the size of a batch.
pub const DEFAULT_SEND_BATCH_MAX_SIZE: u32 = 0;
/// Default `metadata_cardinality_limit`: distinct metadata-value combinations
/// (batchers) allowed when `metadata_keys` is set; 0 means no limit.
pub const DEFAULT_METADATA_CARDINALITY_LIMIT: u32 = 1000;

/// Config of the `batch` processor (Go `batchprocessor.Config`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BatchConfig {
    /// With `send_when_idle: false`: time after which a batch is sent
    /// regardless of its size, counted from the moment its first item was
    /// added. With `send_when_idle: true` (the default) no batch waits for a
    /// timer and this only matters as `0`. `0` sends every payload at once,
    /// on its own (still split by `send_batch_max_size`). Default `200ms`.
    #[serde(with = "otelcol_component::duration")]
    pub timeout: Duration,

    /// Number of items (spans, metric data points, log records) that triggers
    /// a send. A trigger, not a cap: a batch may be larger unless
    /// `send_batch_max_size` is set. `0` sends every payload at once, like
    /// `timeout: 0`. Default `8192`.
    pub send_batch_size: u32,

    /// Upper limit of the items in one export; larger batches and payloads
    /// are split. Must be `0` or `>= send_batch_size`. Default `0` (no limit).
    pub send_batch_max_size: u32,

    /// Client metadata keys (case-insensitive) whose values partition the
    /// data: one batcher per distinct combination of values. Needs
    /// `include_metadata: true` on the receiver. Default empty (one batcher).
    pub metadata_keys: Vec<String>,

    /// Maximum number of distinct metadata-value combinations; beyond it
    /// consume fails with a permanent error. `0` means no limit. Default `1000`.
    pub metadata_cardinality_limit: u32,

    /// Not in Go. `true` (default): a caller is answered when the batch
    /// holding its items has been exported, with that export's error, so
    /// retryable failures and back-pressure reach the sender — at the cost of
    /// up to `timeout` of latency whenever a batch does not fill. `false`
    /// (Go's behaviour): a caller is answered as soon as its items are in the
    /// batch; a failed export is logged (and counted by the exporter that
    /// failed).
    pub wait_for_export: bool,

    /// Not in Go. `true` (default): group commit. Whenever the batcher has
    /// items and no export is in flight, it sends them at once (after letting
    /// the payloads arriving at that moment join); what arrives during an
    /// export forms the next batch, sent when that export returns, split at
    /// `send_batch_max_size`. Nobody waits for a timer while the exporter is
    /// idle, and batches grow with the load. `false` (Go's rule): a batch is
    /// sent when it reaches `send_batch_size` items or `timeout` after its
    /// first item — fewer, larger exports at low rates, at the cost of up to
    /// `timeout` of latency.
    pub send_when_idle: bool,
}

impl Default for BatchConfig {
    fn default() -> Self {
        BatchConfig {
            timeout: DEFAULT_TIMEOUT,
            send_batch_size: DEFAULT_SEND_BATCH_SIZE,
            send_batch_max_size: DEFAULT_SEND_BATCH_MAX_SIZE,
            metadata_keys: Vec::new(),
            metadata_cardinality_limit: DEFAULT_METADATA_CARDINALITY_LIMIT,
            wait_for_export: true,
            send_when_idle: true,
        }
    }
}

impl ComponentConfig for BatchConfig {
    /// The Go collector's checks, with its messages.
    fn validate(&self) -> Result<(), ConfigError> {
        if self.send_batch_max_size > 0 && self.send_batch_max_size < self.send_batch_size {
            return Err(ConfigError::new(
                "send_batch_max_size must be greater or equal to send_batch_size",
            ));
        }
        let mut seen = HashSet::new();
        for key in &self.metadata_keys {
            let lower = key.to_ascii_lowercase();
            if !seen.insert(lower.clone()) {
                return Err(ConfigError::new(format!(
                    "duplicate entry in metadata_keys: {lower:?} (case-insensitive)"
                )));
            }
        }
        Ok(())
    }
}

impl BatchConfig {
    /// True when every payload is sent at once instead of waiting for more
    /// (`timeout: 0` or `send_batch_size: 0`, as in Go).
    pub fn sends_immediately(&self) -> bool {
        self.timeout.is_zero() || self.send_batch_size == 0
    }

    /// The most items one batcher holds at a time (queued, pending and in
    /// its in-flight export): `2 × max(send_batch_size, send_batch_max_size, 1)`.
    /// A single payload larger than this is still accepted, but only when the
    /// batcher holds nothing else.
    pub fn batcher_capacity(&self) -> usize {
        let limit = u64::from(self.send_batch_size.max(self.send_batch_max_size).max(1));
        // Semaphore permits are acquired as u32.
        usize::try_from((2 * limit).min(u64::from(u32::MAX))).unwrap_or(u32::MAX as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use otelcol_componenttest::parse_config;

    #[test]
    fn defaults_match_go() {
        let cfg = BatchConfig::default();
        assert_eq!(cfg.send_batch_size, 8192);
        assert_eq!(cfg.timeout, Duration::from_millis(200));
        assert_eq!(cfg.send_batch_max_size, 0);
        assert!(cfg.metadata_keys.is_empty());
        assert_eq!(cfg.metadata_cardinality_limit, 1000);
        assert!(cfg.wait_for_export, "senders hear the export's result");
        assert!(cfg.send_when_idle, "group commit: no sender waits for a timer");
        assert_eq!(cfg.validate(), Ok(()));
        assert!(!cfg.sends_immediately());
        assert_eq!(cfg.batcher_capacity(), 16384);
    }

    #[test]
    fn empty_config_is_default() {
        assert_eq!(parse_config::<BatchConfig>("").unwrap(), BatchConfig::default());
        assert_eq!(parse_config::<BatchConfig>("{}").unwrap(), BatchConfig::default());
    }

    #[test]
    fn parses_every_key() {
        let cfg = parse_config::<BatchConfig>(
            "timeout: 5s\nsend_batch_size: 100\nsend_batch_max_size: 150\n\
             metadata_keys: [X-Tenant, region]\nmetadata_cardinality_limit: 7\n\
             wait_for_export: false\nsend_when_idle: false\n",
        )
        .unwrap();
        assert_eq!(
            cfg,
            BatchConfig {
                timeout: Duration::from_secs(5),
                send_batch_size: 100,
                send_batch_max_size: 150,
                metadata_keys: vec!["X-Tenant".into(), "region".into()],
                metadata_cardinality_limit: 7,
                wait_for_export: false,
                send_when_idle: false,
            }
        );
        assert_eq!(cfg.batcher_capacity(), 300);
    }

    #[test]
    fn go_style_durations() {
        for (text, want) in [
            ("200ms", Duration::from_millis(200)),
            ("1s", Duration::from_secs(1)),
            ("5m", Duration::from_secs(300)),
            ("0s", Duration::ZERO),
        ] {
            let cfg = parse_config::<BatchConfig>(&format!("timeout: {text}")).unwrap();
            assert_eq!(cfg.timeout, want, "{text}");
        }
        let zero = parse_config::<BatchConfig>("timeout: 0s").unwrap();
        assert!(zero.sends_immediately());
        let size0 = parse_config::<BatchConfig>("send_batch_size: 0").unwrap();
        assert!(size0.sends_immediately());
        assert_eq!(size0.batcher_capacity(), 2);
    }

    #[test]
    fn negative_timeout_is_refused() {
        assert!(parse_config::<BatchConfig>("timeout: -5s").is_err());
    }

    #[test]
    fn unknown_key_is_refused() {
        let err = parse_config::<BatchConfig>("sendbatch_size: 10").unwrap_err();
        assert!(err.contains("unknown field \"sendbatch_size\""), "{err}");
    }

    #[test]
    fn max_size_below_size_is_refused() {
        let err = parse_config::<BatchConfig>("send_batch_max_size: 1000").unwrap_err();
        assert_eq!(
            err,
            "send_batch_max_size must be greater or equal to send_batch_size"
        );
        let err =
            parse_config::<BatchConfig>("send_batch_size: 4096\nsend_batch_max_size: 1000").unwrap_err();
        assert_eq!(
            err,
            "send_batch_max_size must be greater or equal to send_batch_size"
        );
        // Equal is fine, and 0 means no cap.
        parse_config::<BatchConfig>("send_batch_size: 10\nsend_batch_max_size: 10").unwrap();
        parse_config::<BatchConfig>("send_batch_size: 10\nsend_batch_max_size: 0").unwrap();
    }

    #[test]
    fn duplicate_metadata_keys_are_refused() {
        let err = parse_config::<BatchConfig>("metadata_keys: [tenant, tenant]").unwrap_err();
        assert_eq!(
            err,
            r#"duplicate entry in metadata_keys: "tenant" (case-insensitive)"#
        );
        let err = parse_config::<BatchConfig>("metadata_keys: [tenant, Tenant]").unwrap_err();
        assert_eq!(
            err,
            r#"duplicate entry in metadata_keys: "tenant" (case-insensitive)"#
        );
    }

    #[test]
    fn out_of_range_sizes_are_refused() {
        assert!(parse_config::<BatchConfig>("send_batch_size: -1").is_err());
        assert!(parse_config::<BatchConfig>("send_batch_size: 5000000000").is_err());
    }

    #[test]
    fn capacity_saturates() {
        let cfg = BatchConfig {
            send_batch_size: u32::MAX,
            ..BatchConfig::default()
        };
        assert_eq!(cfg.batcher_capacity(), u32::MAX as usize);
    }

    #[test]
    fn round_trips_through_yaml() {
        let cfg = BatchConfig {
            metadata_keys: vec!["a".into()],
            ..BatchConfig::default()
        };
        let yaml = serde_yaml::to_string(&cfg).unwrap();
        assert!(yaml.contains("timeout: 200ms"), "{yaml}");
        assert_eq!(parse_config::<BatchConfig>(&yaml).unwrap(), cfg);
    }
}
