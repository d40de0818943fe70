//! The error of validating or building a TLS config.

use otelcol_component::ConfigError;

/// A TLS setting that is invalid or whose material could not be loaded. It
/// names the offending key (`ca_file`, `min_version`, ...) and says what was
/// wrong, including the file path when a file was involved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("tls::{key}: {message}")]
pub struct TlsError {
    /// The key under `tls` (`cert_file`).
    pub key: &'static str,
    /// What was wrong.
    pub message: String,
}

impl TlsError {
    /// An error about `key`.
    pub fn new(key: &'static str, message: impl Into<String>) -> Self {
        TlsError {
            key,
            message: message.into(),
        }
    }

    /// As a config error at `{prefix}::{key}` (`prefix` is the path of the
    /// `tls` block, e.g. `protocols::grpc::tls`).
    pub fn into_config_error(self, prefix: &str) -> ConfigError {
        ConfigError::at(format!("{prefix}::{}", self.key), self.message)
    }
}
