//! The `debug` exporter's config, with the Go collector's keys and defaults.

use std::fmt;

use otelcol_component::{ComponentConfig, ConfigError};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Default `verbosity`.
pub const DEFAULT_VERBOSITY: Verbosity = Verbosity::Basic;
/// Default `sampling_initial`: messages logged per second before sampling starts.
pub const DEFAULT_SAMPLING_INITIAL: u32 = 2;
/// Default `sampling_thereafter`: after the initial ones, every n-th message is logged (1 = all).
pub const DEFAULT_SAMPLING_THEREAFTER: u32 = 1;
/// Default `use_internal_logger`.
pub const DEFAULT_USE_INTERNAL_LOGGER: bool = true;
/// Where output goes when `use_internal_logger` is false and `output_paths` is not set.
pub const DEFAULT_OUTPUT_PATHS: &[&str] = &["stdout"];

/// How much of each payload is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verbosity {
    /// Parsed (Go accepts the word) but refused by `validate`.
    None,
    /// One summary line per payload.
    Basic,
    /// The summary, then about one line per record.
    Normal,
    /// The summary, then every field of every record.
    Detailed,
}

impl Verbosity {
    /// Go's spelling (`Basic`), as used in error messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Verbosity::None => "None",
            Verbosity::Basic => "Basic",
            Verbosity::Normal => "Normal",
            Verbosity::Detailed => "Detailed",
        }
    }
}

impl fmt::Display for Verbosity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Verbosity {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.as_str().to_ascii_lowercase())
    }
}

impl<'de> Deserialize<'de> for Verbosity {
    /// Case-insensitive, as Go's `configtelemetry.Level`.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?.to_ascii_lowercase();
        match s.as_str() {
            "none" => Ok(Verbosity::None),
            "basic" => Ok(Verbosity::Basic),
            "normal" => Ok(Verbosity::Normal),
            "detailed" => Ok(Verbosity::Detailed),
            _ => Err(serde::de::Error::custom(format!("unknown metrics level \"{s}\""))),
        }
    }
}

/// The `sending_queue` section. As in Go, writing the section turns the queue
/// on unless it says `enabled: false`; this build has no queue for this
/// exporter yet, so only the disabled form is accepted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SendingQueueConfig {
    /// Whether the queue is on. Default `true` once the section is written.
    pub enabled: bool,
}

impl Default for SendingQueueConfig {
    fn default() -> Self {
        SendingQueueConfig { enabled: true }
    }
}

/// Config of the `debug` exporter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DebugConfig {
    /// `basic`, `normal` or `detailed` (any case). Default `basic`.
    pub verbosity: Verbosity,
    /// Messages logged in each one-second window before sampling starts, per
    /// signal. Default 2.
    pub sampling_initial: u32,
    /// After the initial messages, every n-th message of the window is
    /// logged; 1 logs all, 0 none. Default 1.
    pub sampling_thereafter: u32,
    /// Log through the collector's own logger (`tracing`, level info).
    /// Default `true`.
    pub use_internal_logger: bool,
    /// Where to write when `use_internal_logger` is false: `stdout`,
    /// `stderr` or file paths (appended to). Default unset, meaning `[stdout]`;
    /// refused when `use_internal_logger` is true.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_paths: Option<Vec<String>>,
    /// The exporter helper's queue. Default absent (off); see [`SendingQueueConfig`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sending_queue: Option<SendingQueueConfig>,
}

impl Default for DebugConfig {
    fn default() -> Self {
        DebugConfig {
            verbosity: DEFAULT_VERBOSITY,
            sampling_initial: DEFAULT_SAMPLING_INITIAL,
            sampling_thereafter: DEFAULT_SAMPLING_THEREAFTER,
            use_internal_logger: DEFAULT_USE_INTERNAL_LOGGER,
            output_paths: None,
            sending_queue: None,
        }
    }
}

impl DebugConfig {
    /// The output paths in effect when `use_internal_logger` is false.
    pub fn effective_output_paths(&self) -> Vec<String> {
        match &self.output_paths {
            Some(p) => p.clone(),
            None => DEFAULT_OUTPUT_PATHS.iter().map(|s| s.to_string()).collect(),
        }
    }
}

impl ComponentConfig for DebugConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        if self.verbosity == Verbosity::None {
            return Err(ConfigError::new(format!(
                "verbosity level \"{}\" is not supported",
                self.verbosity
            )));
        }
        if self.use_internal_logger && self.output_paths.is_some() {
            return Err(ConfigError::new(
                "output_paths is not supported when use_internal_logger is true",
            ));
        }
        if !self.use_internal_logger && self.output_paths.as_ref().is_some_and(Vec::is_empty) {
            return Err(ConfigError::new(
                "output_paths must not be empty when use_internal_logger is false",
            ));
        }
        if self.sending_queue.as_ref().is_some_and(|q| q.enabled) {
            return Err(ConfigError::new(
                "sending_queue is not supported by this build yet (set `enabled: false` or remove it)",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use otelcol_componenttest::parse_config;

    #[test]
    fn empty_is_default() {
        let cfg = parse_config::<DebugConfig>("").unwrap();
        assert_eq!(cfg, DebugConfig::default());
        assert_eq!(cfg.verbosity, Verbosity::Basic);
        assert_eq!((cfg.sampling_initial, cfg.sampling_thereafter), (2, 1));
        assert!(cfg.use_internal_logger);
        assert_eq!(cfg.effective_output_paths(), vec!["stdout"]);
    }

    #[test]
    fn full_config() {
        let cfg = parse_config::<DebugConfig>(
            "verbosity: Detailed\nsampling_initial: 5\nsampling_thereafter: 200\n\
             use_internal_logger: false\noutput_paths: [stderr, /tmp/x.log]\n\
             sending_queue: {enabled: false}\n",
        )
        .unwrap();
        assert_eq!(cfg.verbosity, Verbosity::Detailed);
        assert_eq!((cfg.sampling_initial, cfg.sampling_thereafter), (5, 200));
        assert_eq!(cfg.effective_output_paths(), vec!["stderr", "/tmp/x.log"]);
        assert_eq!(cfg.sending_queue, Some(SendingQueueConfig { enabled: false }));
    }

    #[test]
    fn errors_match_go() {
        let cases = [
            ("verbosity: none", "verbosity level \"None\" is not supported"),
            ("verbosity: loud", "unknown metrics level \"loud\""),
            ("verBosity: detailed", "unknown field \"verBosity\""),
            (
                "output_paths: [stdout]",
                "output_paths is not supported when use_internal_logger is true",
            ),
            (
                "use_internal_logger: false\noutput_paths: []",
                "output_paths must not be empty when use_internal_logger is false",
            ),
            (
                "sending_queue: {}",
                "sending_queue is not supported by this build yet",
            ),
            (
                "sending_queue: {enabled: true}",
                "sending_queue is not supported by this build yet",
            ),
            ("sending_queue: {queue_size: 10}", "unknown field \"queue_size\""),
        ];
        for (yaml, want) in cases {
            let err = parse_config::<DebugConfig>(yaml).unwrap_err();
            assert!(err.contains(want), "{yaml}: {err}");
        }
    }

    #[test]
    fn serializes_lower_case() {
        let v = serde_yaml::to_string(&DebugConfig::default()).unwrap();
        assert!(v.contains("verbosity: basic"), "{v}");
        assert!(!v.contains("sending_queue"), "{v}");
    }
}
