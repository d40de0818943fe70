//! The `oauth2client` config, with the Go extension's keys and defaults.

use std::collections::BTreeMap;
use std::time::Duration;

use otelcol_component::redact::Secret;
use otelcol_component::{ComponentConfig, ConfigError};
use otelcol_configtls::TlsClientConfig;
use serde::{Deserialize, Serialize};

/// Default of `expiry_buffer` (Go's factory default).
pub const DEFAULT_EXPIRY_BUFFER: Duration = Duration::from_secs(5 * 60);

/// How early a token is refreshed when `expiry_buffer` is 0 (Go's
/// `oauth2` default expiry delta).
pub const DEFAULT_EXPIRY_DELTA: Duration = Duration::from_secs(10);

/// The grant this build implements.
pub const GRANT_CLIENT_CREDENTIALS: &str = "client_credentials";

/// Go's other grant (RFC 7523), not implemented here.
pub const GRANT_JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// One `endpoint_params` entry: a value or a list of values (Go's
/// `url.Values`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ParamValues {
    /// `audience: x`.
    One(String),
    /// `resource: [a, b]`.
    Many(Vec<String>),
}

impl ParamValues {
    /// The values.
    pub fn values(&self) -> Vec<&str> {
        match self {
            ParamValues::One(v) => vec![v.as_str()],
            ParamValues::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

/// `oauth2client` config.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// The client identifier. Required unless `client_id_file` is set.
    pub client_id: String,
    /// File holding the client identifier (read, trimmed, at every token
    /// fetch; takes precedence over `client_id`).
    pub client_id_file: String,
    /// The client secret. Required unless `client_secret_file` is set.
    /// Never printed.
    pub client_secret: Secret,
    /// File holding the client secret (read, trimmed, at every token fetch;
    /// takes precedence over `client_secret`).
    pub client_secret_file: String,
    /// The token endpoint. Required.
    pub token_url: String,
    /// Requested scopes, sent space-separated as `scope`. Default: none.
    pub scopes: Vec<String>,
    /// Extra form parameters for the token request. Default: none.
    pub endpoint_params: BTreeMap<String, ParamValues>,
    /// `client_credentials` (the default, also when empty). Go's
    /// `urn:ietf:params:oauth:grant-type:jwt-bearer` is refused.
    pub grant_type: String,
    /// TLS settings of the connection to the token endpoint.
    pub tls: TlsClientConfig,
    /// Timeout of one token request; 0: none (as Go). Default: 0.
    #[serde(with = "otelcol_component::duration")]
    pub timeout: Duration,
    /// How long before its expiry a token is refreshed; 0 means Go's
    /// `oauth2` default of 10s. Default: 5m.
    #[serde(with = "otelcol_component::duration")]
    pub expiry_buffer: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            client_id: String::new(),
            client_id_file: String::new(),
            client_secret: Secret::default(),
            client_secret_file: String::new(),
            token_url: String::new(),
            scopes: Vec::new(),
            endpoint_params: BTreeMap::new(),
            grant_type: String::new(),
            tls: TlsClientConfig::default(),
            timeout: Duration::ZERO,
            expiry_buffer: DEFAULT_EXPIRY_BUFFER,
        }
    }
}

impl Config {
    /// The refresh margin actually used (`expiry_buffer`, or 10s for 0).
    pub fn effective_expiry_buffer(&self) -> Duration {
        if self.expiry_buffer.is_zero() {
            DEFAULT_EXPIRY_DELTA
        } else {
            self.expiry_buffer
        }
    }
}

impl ComponentConfig for Config {
    fn validate(&self) -> Result<(), ConfigError> {
        // Go's checks and messages, in Go's order.
        if self.client_id.is_empty() && self.client_id_file.is_empty() {
            return Err(ConfigError::new(
                "no ClientID provided in the OAuth2 exporter configuration",
            ));
        }
        match self.grant_type.as_str() {
            "" | GRANT_CLIENT_CREDENTIALS => {}
            GRANT_JWT_BEARER => {
                return Err(ConfigError::at(
                    "grant_type",
                    "the jwt-bearer grant (RFC 7523) is not supported by this build; use client_credentials",
                ));
            }
            other => {
                return Err(ConfigError::at(
                    "grant_type",
                    format!("unknown grant type {other:?}; expected client_credentials"),
                ));
            }
        }
        if self.client_secret.is_empty() && self.client_secret_file.is_empty() {
            return Err(ConfigError::new(
                "no ClientSecret provided in OAuth Client Credentials configuration",
            ));
        }
        if self.token_url.is_empty() {
            return Err(ConfigError::new(
                "no TokenURL provided in OAuth Client Credentials configuration",
            ));
        }
        if !(self.token_url.starts_with("http://") || self.token_url.starts_with("https://")) {
            return Err(ConfigError::at("token_url", "must be an http:// or https:// URL"));
        }
        if !self.scopes.is_empty() && self.endpoint_params.contains_key("scope") {
            // Go fails every token request with this; refused up front here.
            return Err(ConfigError::at(
                "endpoint_params",
                "oauth2: cannot overwrite parameter \"scope\" (set by scopes)",
            ));
        }
        self.tls.validate().map_err(|e| e.into_config_error("tls"))?;
        Ok(())
    }
}
