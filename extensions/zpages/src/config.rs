//! The `zpages` extension's config, with the Go collector's keys and defaults.

use otelcol_component::{ComponentConfig, ConfigError};
use serde::{Deserialize, Serialize};

use otelcol_httpserver::endpoint::Endpoint;

/// Default `endpoint`.
pub const DEFAULT_ENDPOINT: &str = "localhost:55679";

/// Config of the `zpages` extension (Go `zpagesextension.Config`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// `host:port` serving the pages (`:55679` for every interface).
    /// Default `localhost:55679`.
    pub endpoint: String,
    /// The `/debug/expvarz` page. Default disabled.
    pub expvar: ExpvarConfig,
    /// A server authenticator every request must pass (Go's confighttp
    /// `auth`). Default none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth: Option<otelcol_confighttp::AuthConfig>,
    /// Serve HTTPS with this certificate (Go's confighttp `tls`); the
    /// files are read at start. Default none (plain HTTP).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<otelcol_configtls::TlsServerConfig>,
}

/// `expvar`: the `/debug/expvarz` JSON page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExpvarConfig {
    /// Serve `/debug/expvarz` (process information as JSON). Default `false`.
    pub enabled: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            endpoint: DEFAULT_ENDPOINT.to_string(),
            expvar: ExpvarConfig::default(),
            auth: None,
            tls: None,
        }
    }
}

impl ComponentConfig for Config {
    /// Go's check and message, then the endpoint's form.
    fn validate(&self) -> Result<(), ConfigError> {
        if self.endpoint.is_empty() {
            return Err(ConfigError::at(
                "endpoint",
                "\"endpoint\" is required when using the \"zpages\" extension",
            ));
        }
        Endpoint::parse(&self.endpoint).map_err(|e| ConfigError::at("endpoint", e))?;
        if let Some(tls) = &self.tls {
            tls.validate().map_err(|e| e.into_config_error("tls"))?;
        }
        Ok(())
    }
}
