//! The `file_storage` config, with the Go collector's keys and defaults.

use std::path::PathBuf;
use std::time::Duration;

use otelcol_component::{ComponentConfig, ConfigError};
use serde::{Deserialize, Serialize};

/// Default of `directory`.
pub const DEFAULT_DIRECTORY: &str = "/var/lib/otelcol/file_storage";
/// Default of `timeout`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1);
/// Default of `directory_permissions`.
pub const DEFAULT_DIRECTORY_PERMISSIONS: &str = "0750";
/// Default of `compaction::max_transaction_size`.
pub const DEFAULT_MAX_TRANSACTION_SIZE: i64 = 65536;
/// Default of `compaction::rebound_needed_threshold_mib`.
pub const DEFAULT_REBOUND_NEEDED_THRESHOLD_MIB: i64 = 100;
/// Default of `compaction::rebound_trigger_threshold_mib`.
pub const DEFAULT_REBOUND_TRIGGER_THRESHOLD_MIB: i64 = 10;
/// Default of `compaction::check_interval`.
pub const DEFAULT_CHECK_INTERVAL: Duration = Duration::from_secs(5);

/// `file_storage` config.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Folder holding one store file per component. It must exist unless
    /// `create_directory` is set. Default: `/var/lib/otelcol/file_storage`.
    pub directory: PathBuf,
    /// How long opening a store waits for another process holding its file
    /// lock. Default: 1s.
    #[serde(with = "otelcol_component::duration")]
    pub timeout: Duration,
    /// Fsync every write before it is acknowledged. Default: false (fsync
    /// once a second and on close; see the README for what each protects).
    pub fsync: bool,
    /// Create `directory` (and its parents) if missing. Default: false.
    pub create_directory: bool,
    /// Octal permissions of a directory created by `create_directory`. Default: `0750`.
    pub directory_permissions: Permissions,
    /// Compaction settings (Go's keys; see the README for which apply).
    pub compaction: CompactionConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            directory: PathBuf::from(DEFAULT_DIRECTORY),
            timeout: DEFAULT_TIMEOUT,
            fsync: false,
            create_directory: false,
            directory_permissions: Permissions::Text(DEFAULT_DIRECTORY_PERMISSIONS.to_string()),
            compaction: CompactionConfig::default(),
        }
    }
}

/// Octal permissions, written as a string (`"0750"`) or, as YAML may read
/// an unquoted `0750`, a number whose decimal digits are the octal digits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Permissions {
    /// `"0750"`.
    Text(String),
    /// `750` (digits read as octal).
    Number(u64),
}

impl Permissions {
    /// The mode bits, or `None` when the value is not octal or above `07777`.
    pub fn mode(&self) -> Option<u32> {
        let text = match self {
            Permissions::Text(s) => s.clone(),
            Permissions::Number(n) => n.to_string(),
        };
        let digits = text.strip_prefix("0o").unwrap_or(&text);
        u32::from_str_radix(digits, 8).ok().filter(|m| *m <= 0o7777)
    }
}

/// `compaction`: accepted with Go's keys. The store compacts itself (see the
/// README); `on_start` and `cleanup_on_start` apply, the rest are bbolt
/// tuning knobs with no meaning for this format and are ignored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CompactionConfig {
    /// Compact every store when it is opened. Default: false.
    pub on_start: bool,
    /// Go: compact while running once thresholds are crossed. Ignored: the
    /// store always compacts once it is over twice its live size. Default: false.
    pub on_rebound: bool,
    /// Go: folder for compaction's temporary files. Ignored: the temporary
    /// file is written next to the store so the final rename is atomic. Default: none.
    pub directory: Option<PathBuf>,
    /// Go: bbolt transaction size during compaction. Ignored. Default: 65536.
    pub max_transaction_size: i64,
    /// Go: rebound threshold (MiB). Ignored. Default: 100.
    pub rebound_needed_threshold_mib: i64,
    /// Go: rebound threshold (MiB). Ignored. Default: 10.
    pub rebound_trigger_threshold_mib: i64,
    /// Go: how often rebound conditions are checked. Ignored. Default: 5s.
    #[serde(with = "otelcol_component::duration")]
    pub check_interval: Duration,
    /// Remove temporary compaction files left by a crash when a store is
    /// opened. This build always removes them (they are never needed). Default: false.
    pub cleanup_on_start: bool,
}

impl Default for CompactionConfig {
    fn default() -> Self {
        CompactionConfig {
            on_start: false,
            on_rebound: false,
            directory: None,
            max_transaction_size: DEFAULT_MAX_TRANSACTION_SIZE,
            rebound_needed_threshold_mib: DEFAULT_REBOUND_NEEDED_THRESHOLD_MIB,
            rebound_trigger_threshold_mib: DEFAULT_REBOUND_TRIGGER_THRESHOLD_MIB,
            check_interval: DEFAULT_CHECK_INTERVAL,
            cleanup_on_start: false,
        }
    }
}

impl ComponentConfig for Config {
    fn validate(&self) -> Result<(), ConfigError> {
        if self.directory.as_os_str().is_empty() {
            return Err(ConfigError::at("directory", "must not be empty"));
        }
        if self.directory_permissions.mode().is_none() {
            return Err(ConfigError::at(
                "directory_permissions",
                "must be octal permissions such as \"0750\"",
            ));
        }
        if self.compaction.max_transaction_size < 0 {
            return Err(ConfigError::at(
                "compaction::max_transaction_size",
                "must not be negative",
            ));
        }
        if self.compaction.rebound_needed_threshold_mib < 0
            || self.compaction.rebound_trigger_threshold_mib < 0
        {
            return Err(ConfigError::at(
                "compaction",
                "rebound thresholds must not be negative",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn parse(y: &str) -> Config {
        serde_yaml::from_str(y).unwrap()
    }

    #[test]
    fn defaults_match_go() {
        let c = Config::default();
        assert_eq!(c.directory, PathBuf::from("/var/lib/otelcol/file_storage"));
        assert_eq!(
            (c.timeout, c.fsync, c.create_directory),
            (Duration::from_secs(1), false, false)
        );
        assert_eq!(c.directory_permissions.mode(), Some(0o750));
        assert_eq!(c.compaction.max_transaction_size, 65536);
        assert_eq!(c.compaction.check_interval, Duration::from_secs(5));
        assert!(c.validate().is_ok());
        assert_eq!(parse("{}"), c);
    }

    #[test]
    fn parses_go_keys() {
        let c = parse(
            "directory: /tmp/x\ntimeout: 2s\nfsync: true\ncreate_directory: true\ndirectory_permissions: \"0700\"\n\
             compaction: {on_start: true, on_rebound: true, directory: /tmp, max_transaction_size: 1, \
             rebound_needed_threshold_mib: 5, rebound_trigger_threshold_mib: 1, check_interval: 1m, cleanup_on_start: true}",
        );
        assert!(c.fsync && c.create_directory && c.compaction.on_start);
        assert_eq!(c.timeout, Duration::from_secs(2));
        assert_eq!(c.directory_permissions.mode(), Some(0o700));
        assert_eq!(
            parse("directory_permissions: 0755").directory_permissions.mode(),
            Some(0o755)
        );
        assert!(serde_yaml::from_str::<Config>("fsynk: true").is_err());
    }

    #[test]
    fn validation_names_the_key() {
        let e = parse("directory_permissions: \"0980\"").validate().unwrap_err();
        assert_eq!(e.key.as_deref(), Some("directory_permissions"));
        let e = parse("directory: \"\"").validate().unwrap_err();
        assert_eq!(e.key.as_deref(), Some("directory"));
        let e = parse("compaction: {max_transaction_size: -1}")
            .validate()
            .unwrap_err();
        assert_eq!(e.key.as_deref(), Some("compaction::max_transaction_size"));
    }
}
