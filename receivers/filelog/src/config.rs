//! The receiver's config: Go's `filelogreceiver` keys and defaults (the
//! `fileconsumer` settings, squashed, plus `operators`, `storage` and
//! `retry_on_failure`).

use std::collections::BTreeMap;
use std::time::Duration;

use otelcol_component::{ComponentConfig, ComponentId, ConfigError};
use regex::bytes::Regex;
use serde::{Deserialize, Serialize};

use crate::bytesize::ByteSize;
use crate::glob::Finder;
use crate::split::{Encoding, Mode, Splitter};

/// Where reading starts in files found at startup.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StartAt {
    /// Only what is written after the receiver starts (Go's default).
    #[default]
    End,
    /// The whole file.
    Beginning,
}

/// What happens to a file that shrank but kept its first bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnTruncate {
    /// Read nothing until the file grows past the old offset (Go's default).
    #[default]
    Ignore,
    /// Read the file again from its start.
    ReadWholeFile,
    /// Read what is written from the new end on.
    ReadNew,
}

/// What happens to the rest of an entry longer than `max_log_size`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaxLogSizeBehavior {
    /// Emit it as further entries (Go's default).
    #[default]
    Split,
    /// Drop it.
    Truncate,
}

/// The `multiline` block.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MultilineConfig {
    /// A regex matching the start of each entry.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub line_start_pattern: String,
    /// A regex matching the end of each entry.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub line_end_pattern: String,
    /// Drop the matched pattern from entries.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub omit_pattern: bool,
}

/// `retry_on_failure` (Go's `consumerretry.Config`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetryConfig {
    /// Give up after `max_elapsed_time` (when false, retryable refusals
    /// are retried until they succeed or the receiver stops: back-pressure).
    pub enabled: bool,
    /// Wait after the first failure (default 1s).
    #[serde(with = "otelcol_component::duration")]
    pub initial_interval: Duration,
    /// Longest wait between tries (default 30s).
    #[serde(with = "otelcol_component::duration")]
    pub max_interval: Duration,
    /// With `enabled`, give up after this long (default 5m; 0: never).
    #[serde(with = "otelcol_component::duration")]
    pub max_elapsed_time: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            enabled: false,
            initial_interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(30),
            max_elapsed_time: Duration::from_secs(300),
        }
    }
}

/// Config of the `file_log` receiver.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FileLogConfig {
    /// Globs of the files to read (required).
    pub include: Vec<String>,
    /// Globs of files not to read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,
    /// Skip files not modified for this long.
    #[serde(
        with = "otelcol_component::duration",
        skip_serializing_if = "Duration::is_zero"
    )]
    pub exclude_older_than: Duration,
    /// Go's `ordering_criteria` (not supported; refused when set).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ordering_criteria: Option<serde_json::Value>,
    /// `end` (default) or `beginning`.
    pub start_at: StartAt,
    /// How often the files are listed and read (default 200ms).
    #[serde(with = "otelcol_component::duration")]
    pub poll_interval: Duration,
    /// At most this many files are read per batch (default 1024).
    pub max_concurrent_files: usize,
    /// At most this many batches per poll (default 0: no limit).
    pub max_batches: usize,
    /// Bytes identifying a file (default 1000, at least 16).
    pub fingerprint_size: ByteSize,
    /// Initial read buffer (default 16KiB; accepted for compatibility).
    pub initial_buffer_size: ByteSize,
    /// Largest entry (default 1MiB).
    pub max_log_size: ByteSize,
    /// `split` (default) or `truncate` entries longer than `max_log_size`.
    pub max_log_size_behavior: MaxLogSizeBehavior,
    /// `utf-8` (default), `utf-16le`, `utf-16be`, `ascii` or `nop`.
    pub encoding: String,
    /// Entries spanning several lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multiline: Option<MultilineConfig>,
    /// Keep leading whitespace.
    pub preserve_leading_whitespaces: bool,
    /// Keep trailing whitespace.
    pub preserve_trailing_whitespaces: bool,
    /// Emit a partial last entry after no new data for this long (default 500ms; 0: never).
    #[serde(with = "otelcol_component::duration")]
    pub force_flush_period: Duration,
    /// Go's header parsing (not supported; refused when set).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header: Option<serde_json::Value>,
    /// Delete each file once read to its end (needs `start_at: beginning`).
    pub delete_after_read: bool,
    /// Add `log.file.name` (default true).
    pub include_file_name: bool,
    /// Add `log.file.path`.
    pub include_file_path: bool,
    /// Add `log.file.name_resolved` (symlinks resolved).
    pub include_file_name_resolved: bool,
    /// Add `log.file.path_resolved` (symlinks resolved).
    pub include_file_path_resolved: bool,
    /// Add `log.file.owner.name`.
    pub include_file_owner_name: bool,
    /// Add `log.file.owner.group.name`.
    pub include_file_owner_group_name: bool,
    /// Add `log.file.record_number`.
    pub include_file_record_number: bool,
    /// Add `log.file.record_offset`.
    pub include_file_record_offset: bool,
    /// `gzip` files (not supported; refused when set).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub compression: String,
    /// Go's archive of old offsets (accepted; offsets of the last 3 polls are kept).
    pub polls_to_archive: usize,
    /// Go's advisory lock (not supported; refused when true).
    pub acquire_fs_lock: bool,
    /// `ignore` (default), `read_whole_file`, `read_new`.
    pub on_truncate: OnTruncate,
    /// Attributes added to every entry.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
    /// Resource attributes added to every entry.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub resource: BTreeMap<String, String>,
    /// The operators, in order (each a map with a `type`).
    pub operators: Vec<serde_json::Value>,
    /// A storage extension for file offsets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage: Option<ComponentId>,
    /// What happens when the next consumer refuses entries.
    pub retry_on_failure: RetryConfig,
}

impl Default for FileLogConfig {
    fn default() -> Self {
        FileLogConfig {
            include: Vec::new(),
            exclude: Vec::new(),
            exclude_older_than: Duration::ZERO,
            ordering_criteria: None,
            start_at: StartAt::End,
            poll_interval: Duration::from_millis(200),
            max_concurrent_files: 1024,
            max_batches: 0,
            fingerprint_size: ByteSize(1000),
            initial_buffer_size: ByteSize(16 * 1024),
            max_log_size: ByteSize(1024 * 1024),
            max_log_size_behavior: MaxLogSizeBehavior::Split,
            encoding: "utf-8".into(),
            multiline: None,
            preserve_leading_whitespaces: false,
            preserve_trailing_whitespaces: false,
            force_flush_period: Duration::from_millis(500),
            header: None,
            delete_after_read: false,
            include_file_name: true,
            include_file_path: false,
            include_file_name_resolved: false,
            include_file_path_resolved: false,
            include_file_owner_name: false,
            include_file_owner_group_name: false,
            include_file_record_number: false,
            include_file_record_offset: false,
            compression: String::new(),
            polls_to_archive: 0,
            acquire_fs_lock: false,
            on_truncate: OnTruncate::Ignore,
            attributes: BTreeMap::new(),
            resource: BTreeMap::new(),
            operators: Vec::new(),
            storage: None,
            retry_on_failure: RetryConfig::default(),
        }
    }
}

/// The smallest `fingerprint_size` Go accepts.
pub const MIN_FINGERPRINT_SIZE: u64 = 16;

impl FileLogConfig {
    /// The finder of `include` / `exclude`.
    pub fn finder(&self) -> Result<Finder, ConfigError> {
        let older = (!self.exclude_older_than.is_zero()).then_some(self.exclude_older_than);
        Finder::new(&self.include, &self.exclude, older).map_err(|(k, m)| ConfigError::at(k, m))
    }

    /// The splitter of `encoding`, `multiline`, `max_log_size` and the trim settings.
    pub fn splitter(&self) -> Result<Splitter, ConfigError> {
        let encoding = Encoding::lookup(&self.encoding).ok_or_else(|| {
            ConfigError::at(
                "encoding",
                format!(
                    "unsupported encoding {:?} (this build supports utf-8, utf-16le, utf-16be, ascii, nop)",
                    self.encoding
                ),
            )
        })?;
        let compile = |key: &str, p: &str| {
            Regex::new(&format!("(?m){p}"))
                .map_err(|e| ConfigError::at(format!("multiline::{key}"), format!("invalid regex: {e}")))
        };
        let ml = self.multiline.clone().unwrap_or_default();
        let mode = match (ml.line_start_pattern.as_str(), ml.line_end_pattern.as_str()) {
            ("", "") if encoding == Encoding::Nop => Mode::None,
            ("", "") => Mode::Newline,
            (_, _) if encoding == Encoding::Nop => {
                return Err(ConfigError::at(
                    "multiline",
                    "line_start_pattern or line_end_pattern should not be set when using nop encoding",
                ));
            }
            (_, _) if matches!(encoding, Encoding::Utf16Le | Encoding::Utf16Be) => {
                return Err(ConfigError::at(
                    "multiline",
                    "multiline patterns with UTF-16 files are not supported by this build",
                ));
            }
            (s, "") => Mode::LineStart {
                re: compile("line_start_pattern", s)?,
                omit: ml.omit_pattern,
            },
            ("", e) => Mode::LineEnd {
                re: compile("line_end_pattern", e)?,
                omit: ml.omit_pattern,
            },
            _ => {
                return Err(ConfigError::at(
                    "multiline",
                    "only one of line_start_pattern or line_end_pattern can be set",
                ));
            }
        };
        Ok(Splitter {
            mode,
            encoding,
            max_log_size: usize::try_from(self.max_log_size.0).unwrap_or(usize::MAX),
            truncate: self.max_log_size_behavior == MaxLogSizeBehavior::Truncate,
            preserve_leading: self.preserve_leading_whitespaces,
            preserve_trailing: self.preserve_trailing_whitespaces,
        })
    }
}

impl ComponentConfig for FileLogConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        if self.include.is_empty() {
            return Err(ConfigError::at("include", "required argument `include` is empty"));
        }
        self.finder()?;
        if self.ordering_criteria.is_some() {
            return Err(ConfigError::at(
                "ordering_criteria",
                "not supported by this build",
            ));
        }
        if self.header.is_some() {
            return Err(ConfigError::at(
                "header",
                "header metadata parsing is not supported by this build",
            ));
        }
        if !self.compression.is_empty() {
            return Err(ConfigError::at(
                "compression",
                format!(
                    "{:?} is not supported by this build (only uncompressed files)",
                    self.compression
                ),
            ));
        }
        if self.acquire_fs_lock {
            return Err(ConfigError::at("acquire_fs_lock", "not supported by this build"));
        }
        if self.poll_interval.is_zero() {
            return Err(ConfigError::at("poll_interval", "must be positive"));
        }
        if self.max_log_size.0 == 0 {
            return Err(ConfigError::at("max_log_size", "`max_log_size` must be positive"));
        }
        if self.max_concurrent_files <= 1 {
            return Err(ConfigError::at(
                "max_concurrent_files",
                "`max_concurrent_files` must be greater than 1",
            ));
        }
        if self.fingerprint_size.0 < MIN_FINGERPRINT_SIZE {
            return Err(ConfigError::at(
                "fingerprint_size",
                format!("`fingerprint_size` must be at least {MIN_FINGERPRINT_SIZE} bytes"),
            ));
        }
        if self.delete_after_read && self.start_at == StartAt::End {
            return Err(ConfigError::at(
                "delete_after_read",
                "`delete_after_read` cannot be used with `start_at: end`",
            ));
        }
        let r = &self.retry_on_failure;
        if r.enabled && (r.initial_interval.is_zero() || r.max_interval < r.initial_interval) {
            return Err(ConfigError::at(
                "retry_on_failure",
                "initial_interval must be positive and not above max_interval",
            ));
        }
        for (key, map) in [("attributes", &self.attributes), ("resource", &self.resource)] {
            for (k, v) in map {
                if v.starts_with("EXPR(") {
                    return Err(ConfigError::at(
                        format!("{key}::{k}"),
                        "EXPR(...) values are not supported by this build",
                    ));
                }
            }
        }
        self.splitter()?;
        crate::operators::build(&self.operators, false).map_err(|(k, m)| ConfigError::at(k, m))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use otelcol_componenttest::parse_config;

    #[test]
    fn defaults_match_go() {
        let c = FileLogConfig::default();
        assert_eq!(c.start_at, StartAt::End);
        assert_eq!(c.poll_interval, Duration::from_millis(200));
        assert_eq!(c.fingerprint_size, ByteSize(1000));
        assert_eq!(c.max_log_size, ByteSize(1 << 20));
        assert_eq!(c.max_concurrent_files, 1024);
        assert!(c.include_file_name && !c.include_file_path);
        assert_eq!(c.encoding, "utf-8");
        assert_eq!(c.force_flush_period, Duration::from_millis(500));
        assert!(!c.retry_on_failure.enabled);
        assert_eq!(c.retry_on_failure.max_elapsed_time, Duration::from_secs(300));
        assert!(c.validate().unwrap_err().to_string().contains("include"));
    }

    #[test]
    fn parses_a_full_config() {
        let c: FileLogConfig = parse_config(
            r#"
include: [/var/log/*.log]
exclude: [/var/log/skip.log]
start_at: beginning
poll_interval: 1s
fingerprint_size: 2kb
max_log_size: 64KiB
encoding: UTF-8
multiline: {line_start_pattern: '^\d{4}'}
include_file_path: true
storage: file_storage/logs
retry_on_failure: {enabled: true, initial_interval: 2s}
attributes: {team: a}
operators:
  - type: json_parser
    timestamp: {parse_from: attributes.time, layout: '%Y-%m-%d'}
"#,
        )
        .unwrap();
        assert_eq!(c.start_at, StartAt::Beginning);
        assert_eq!(c.fingerprint_size, ByteSize(2000));
        assert_eq!(c.max_log_size, ByteSize(64 * 1024));
        assert_eq!(
            c.storage.as_ref().map(ToString::to_string).as_deref(),
            Some("file_storage/logs")
        );
        assert_eq!(c.operators.len(), 1);
        assert_eq!(c.retry_on_failure.initial_interval, Duration::from_secs(2));
    }

    #[test]
    fn refusals_name_the_key() {
        let cases: &[(&str, &str)] = &[
            ("include: []", "include: required"),
            ("include: ['[']", "include::0: invalid glob"),
            ("include: [a]\nexclude: ['{']", "exclude::0"),
            ("include: [a]\nbogus: 1", "bogus"),
            ("include: [a]\nstart_at: middle", "start_at"),
            ("include: [a]\nencoding: big5", "encoding: unsupported encoding"),
            (
                "include: [a]\nfingerprint_size: 8",
                "fingerprint_size: `fingerprint_size` must be at least 16",
            ),
            ("include: [a]\nmax_concurrent_files: 1", "max_concurrent_files"),
            ("include: [a]\nmax_log_size: 0", "max_log_size"),
            (
                "include: [a]\ndelete_after_read: true",
                "delete_after_read: `delete_after_read` cannot be used",
            ),
            (
                "include: [a]\nheader: {pattern: x}",
                "header: header metadata parsing is not supported",
            ),
            ("include: [a]\ncompression: gzip", "compression"),
            ("include: [a]\nacquire_fs_lock: true", "acquire_fs_lock"),
            ("include: [a]\nordering_criteria: {top_n: 1}", "ordering_criteria"),
            (
                "include: [a]\nmultiline: {line_start_pattern: a, line_end_pattern: b}",
                "multiline: only one",
            ),
            (
                "include: [a]\nmultiline: {line_start_pattern: '('}",
                "multiline::line_start_pattern",
            ),
            ("include: [a]\nmultiline: {line_start: x}", "line_start"),
            ("include: [a]\nattributes: {a: 'EXPR(body)'}", "attributes::a"),
            (
                "include: [a]\noperators: [{type: csv_parser}]",
                "operators::0::type: unsupported operator type",
            ),
            (
                "include: [a]\noperators: [{type: json_parser, parse_form: body}]",
                "operators::0::parse_form",
            ),
            (
                "include: [a]\nretry_on_failure: {enabled: true, max_tries: 3}",
                "max_tries",
            ),
        ];
        for (yaml, want) in cases {
            let err = parse_config::<FileLogConfig>(yaml).unwrap_err();
            assert!(err.contains(want), "{yaml}: {err}");
        }
    }
}
