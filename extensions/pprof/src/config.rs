//! The `pprof` extension's config, with the Go collector's keys and defaults.

use otelcol_component::{ComponentConfig, ConfigError};
use serde::{Deserialize, Serialize};

use otelcol_httpserver::endpoint::Endpoint;

/// Default `endpoint`.
pub const DEFAULT_ENDPOINT: &str = "localhost:1777";

/// Config of the `pprof` extension (Go `pprofextension.Config`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// `host:port` serving `/debug/pprof/` (`:1777` for every interface).
    /// Default `localhost:1777`.
    pub endpoint: String,
    /// Go's blocking-event sampling rate. Accepted for compatibility; it has
    /// no effect in otelcol-rs (there is no block profile). Default `0`.
    pub block_profile_fraction: i64,
    /// Go's mutex-contention sampling rate. Accepted for compatibility; it has
    /// no effect in otelcol-rs (there is no mutex profile). Default `0`.
    pub mutex_profile_fraction: i64,
    /// When set, a CPU profile runs from start to shutdown and is written to
    /// this file (gzip-compressed `profile.proto`) on shutdown. Default empty (off).
    pub save_to_file: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            endpoint: DEFAULT_ENDPOINT.to_string(),
            block_profile_fraction: 0,
            mutex_profile_fraction: 0,
            save_to_file: String::new(),
        }
    }
}

impl ComponentConfig for Config {
    /// The endpoint must be `host:port`.
    fn validate(&self) -> Result<(), ConfigError> {
        if self.endpoint.is_empty() {
            return Err(ConfigError::at("endpoint", "endpoint must be specified"));
        }
        Endpoint::parse(&self.endpoint).map_err(|e| ConfigError::at("endpoint", e))?;
        Ok(())
    }
}
