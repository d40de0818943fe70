//! The `health_check` extension's config: the Go collector's keys and
//! defaults, plus `exporter_failure`.

use std::time::Duration;

use otelcol_component::{ComponentConfig, ConfigError};
use serde::{Deserialize, Serialize};

use otelcol_httpserver::endpoint::Endpoint;

/// Default `endpoint`.
pub const DEFAULT_ENDPOINT: &str = "localhost:13133";
/// Default `path`.
pub const DEFAULT_PATH: &str = "/";
/// Default `check_collector_pipeline::interval`.
pub const DEFAULT_PIPELINE_INTERVAL: Duration = Duration::from_secs(5 * 60);
/// Default `check_collector_pipeline::exporter_failure_threshold`.
pub const DEFAULT_EXPORTER_FAILURE_THRESHOLD: i64 = 5;
/// Default `exporter_failure::duration`.
pub const DEFAULT_EXPORTER_FAILURE_DURATION: Duration = Duration::from_secs(5 * 60);

/// Config of the `health_check` extension (Go `healthcheckextension.Config`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// `host:port` the server listens on (`:13133` for every interface).
    /// Default `localhost:13133`.
    pub endpoint: String,
    /// URL path of the health check; must start with `/`. A path ending in
    /// `/` also answers every path below it (Go `ServeMux`). Default `/`.
    pub path: String,
    /// Fixed bodies that replace the JSON status document. Default absent.
    pub response_body: Option<ResponseBodyConfig>,
    /// Go's deprecated pipeline check. Accepted only with `enabled: false`;
    /// use `exporter_failure` instead. Default disabled.
    pub check_collector_pipeline: CheckCollectorPipelineConfig,
    /// Report unhealthy while an exporter keeps failing (otelcol-rs only).
    /// Default disabled.
    pub exporter_failure: ExporterFailureConfig,
    /// A server authenticator every request must pass (Go's confighttp
    /// `auth`). Default none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth: Option<otelcol_confighttp::AuthConfig>,
    /// Serve HTTPS with this certificate (Go's confighttp `tls`); the
    /// files are read at start. Default none (plain HTTP).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<otelcol_configtls::TlsServerConfig>,
}

/// `response_body`: bodies answered instead of the JSON status document.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ResponseBodyConfig {
    /// Body of the 200 answer. Default empty.
    pub healthy: String,
    /// Body of the 503 answer. Default empty.
    pub unhealthy: String,
}

/// `check_collector_pipeline`: the Go collector's deprecated and broken
/// pipeline check, kept so existing configs load.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CheckCollectorPipelineConfig {
    /// Must stay `false`: enabling it is refused. Default `false`.
    pub enabled: bool,
    /// Window over which Go counted exporter failures. Default `5m`.
    #[serde(with = "otelcol_component::duration")]
    pub interval: Duration,
    /// Failures in `interval` that Go treated as unhealthy; must be positive. Default `5`.
    pub exporter_failure_threshold: i64,
}

impl Default for CheckCollectorPipelineConfig {
    fn default() -> Self {
        CheckCollectorPipelineConfig {
            enabled: false,
            interval: DEFAULT_PIPELINE_INTERVAL,
            exporter_failure_threshold: DEFAULT_EXPORTER_FAILURE_THRESHOLD,
        }
    }
}

/// `exporter_failure`: unhealthy (503) while any exporter has reported a
/// recoverable or permanent error, without an `Ok` since, for at least `duration`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExporterFailureConfig {
    /// Whether exporter failures affect health. Default `false`.
    pub enabled: bool,
    /// How long an exporter must keep failing before health turns bad; must be positive. Default `5m`.
    #[serde(with = "otelcol_component::duration")]
    pub duration: Duration,
}

impl Default for ExporterFailureConfig {
    fn default() -> Self {
        ExporterFailureConfig {
            enabled: false,
            duration: DEFAULT_EXPORTER_FAILURE_DURATION,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            endpoint: DEFAULT_ENDPOINT.to_string(),
            path: DEFAULT_PATH.to_string(),
            response_body: None,
            check_collector_pipeline: CheckCollectorPipelineConfig::default(),
            exporter_failure: ExporterFailureConfig::default(),
            auth: None,
            tls: None,
        }
    }
}

impl ComponentConfig for Config {
    /// Go's checks and messages, then ours.
    fn validate(&self) -> Result<(), ConfigError> {
        if self.endpoint.is_empty() {
            return Err(ConfigError::at(
                "endpoint",
                "bad config: endpoint must be specified",
            ));
        }
        Endpoint::parse(&self.endpoint).map_err(|e| ConfigError::at("endpoint", e))?;
        if let Some(tls) = &self.tls {
            tls.validate().map_err(|e| e.into_config_error("tls"))?;
        }
        if self.check_collector_pipeline.exporter_failure_threshold <= 0 {
            return Err(ConfigError::at(
                "check_collector_pipeline::exporter_failure_threshold",
                "bad config: exporter_failure_threshold expects a positive number",
            ));
        }
        if !self.path.starts_with('/') {
            return Err(ConfigError::at("path", "bad config: path must start with /"));
        }
        if self.check_collector_pipeline.enabled {
            return Err(ConfigError::at(
                "check_collector_pipeline::enabled",
                "the deprecated pipeline check is not supported by otelcol-rs; remove \
                 check_collector_pipeline and use `exporter_failure: {enabled: true, duration: 5m}` \
                 to report unhealthy while an exporter keeps failing",
            ));
        }
        if self.exporter_failure.enabled && self.exporter_failure.duration.is_zero() {
            return Err(ConfigError::at("exporter_failure::duration", "must be positive"));
        }
        Ok(())
    }
}
