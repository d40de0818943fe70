//! The `otlphttp` exporter's config: the Go collector's `confighttp.ClientConfig`
//! keys at the top level, the per-signal endpoints, `encoding`,
//! `sending_queue` and `retry_on_failure`.

use std::ops::{Deref, DerefMut};
use std::time::Duration;

use http::{HeaderName, HeaderValue, Uri};
use otelcol_component::redact::redact_url;
use otelcol_component::{ComponentConfig, ConfigError};
use otelcol_confighttp::{
    ClientConfig, Compression, Overlay, TlsClientConfig, concat_fields, deserialize_over,
};
pub use otelcol_confighttp::{
    CompressionParams, CookiesConfig, DEFAULT_IDLE_CONN_TIMEOUT, DEFAULT_MAX_IDLE_CONNS,
};
use otelcol_exporterhelper::{QueueConfig, RetryConfig};
use serde::de::MapAccess;
use serde::{Deserialize, Deserializer, Serialize};

/// Default `timeout` of one request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default `write_buffer_size` (512 KiB).
pub const DEFAULT_WRITE_BUFFER_SIZE: usize = 512 * 1024;

/// `encoding`: how requests are serialized.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// `application/x-protobuf` (the default).
    #[default]
    Proto,
    /// `application/json` (OTLP/JSON).
    Json,
}

/// Config of the `otlphttp` exporter: Go's `confighttp.ClientConfig` keys
/// (`client`, reached through `Deref`, written at the top level) with the
/// exporter's defaults, plus the per-signal endpoints, `encoding`,
/// `sending_queue` and `retry_on_failure`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OtlpHttpExporterConfig {
    /// The HTTP client settings. `endpoint` is the base URL (`/v1/traces`,
    /// `/v1/metrics`, `/v1/logs` are appended). Defaults: `timeout: 30s`,
    /// `compression: gzip`, `write_buffer_size: 524288`, `max_idle_conns:
    /// 100`, `idle_conn_timeout: 90s`, `force_attempt_http2: true`. Accepted
    /// and not applied: `proxy_url` (warned at creation), the buffer sizes,
    /// the HTTP/2 ping keys (plaintext uses HTTP/1.1); refused by this build:
    /// `auth`, `middlewares`, `cookies::enabled`, `max_conns_per_host`,
    /// compressions other than gzip, zlib, deflate, none.
    #[serde(flatten)]
    pub client: ClientConfig,
    /// URL for traces, instead of `endpoint` + `/v1/traces`. Default: empty.
    pub traces_endpoint: String,
    /// URL for metrics, instead of `endpoint` + `/v1/metrics`. Default: empty.
    pub metrics_endpoint: String,
    /// URL for logs, instead of `endpoint` + `/v1/logs`. Default: empty.
    pub logs_endpoint: String,
    /// URL for profiles (profiles are not supported by this build). Default: empty.
    pub profiles_endpoint: String,
    /// `proto` or `json`. Default: `proto`.
    pub encoding: Encoding,
    /// The sending queue. Default: enabled, 10 consumers, 1000 requests.
    pub sending_queue: QueueConfig,
    /// Retries of failed requests. Default: enabled, 5s → 30s, for up to 5m.
    pub retry_on_failure: RetryConfig,
}

impl Default for OtlpHttpExporterConfig {
    fn default() -> Self {
        OtlpHttpExporterConfig {
            client: ClientConfig {
                timeout: DEFAULT_TIMEOUT,
                compression: Compression::Gzip,
                write_buffer_size: DEFAULT_WRITE_BUFFER_SIZE,
                ..ClientConfig::default()
            },
            traces_endpoint: String::new(),
            metrics_endpoint: String::new(),
            logs_endpoint: String::new(),
            profiles_endpoint: String::new(),
            encoding: Encoding::Proto,
            sending_queue: QueueConfig::default(),
            retry_on_failure: RetryConfig::default(),
        }
    }
}

impl Deref for OtlpHttpExporterConfig {
    type Target = ClientConfig;
    fn deref(&self) -> &ClientConfig {
        &self.client
    }
}

impl DerefMut for OtlpHttpExporterConfig {
    fn deref_mut(&mut self) -> &mut ClientConfig {
        &mut self.client
    }
}

impl Overlay for OtlpHttpExporterConfig {
    const FIELDS: &'static [&'static str] = &concat_fields::<{ ClientConfig::FIELDS.len() + 7 }>(
        ClientConfig::FIELDS,
        &[
            "traces_endpoint",
            "metrics_endpoint",
            "logs_endpoint",
            "profiles_endpoint",
            "encoding",
            "sending_queue",
            "retry_on_failure",
        ],
    );
    const EXPECTING: &'static str = "the otlp_http exporter settings (a map)";

    fn set_field<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "traces_endpoint" => self.traces_endpoint = map.next_value()?,
            "metrics_endpoint" => self.metrics_endpoint = map.next_value()?,
            "logs_endpoint" => self.logs_endpoint = map.next_value()?,
            "profiles_endpoint" => self.profiles_endpoint = map.next_value()?,
            "encoding" => self.encoding = map.next_value()?,
            "sending_queue" => self.sending_queue = map.next_value()?,
            "retry_on_failure" => self.retry_on_failure = map.next_value()?,
            _ => return self.client.set_field(key, map),
        }
        Ok(true)
    }
}

impl<'de> Deserialize<'de> for OtlpHttpExporterConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize_over(d, OtlpHttpExporterConfig::default())
    }
}

/// Parses an endpoint URL: `http[s]://host[:port][/path]`.
pub(crate) fn parse_url(key: &str, url: &str) -> Result<Uri, ConfigError> {
    let uri: Uri = url
        .parse()
        .map_err(|e| ConfigError::at(key, format!("{key} must be a valid URL: {e}")))?;
    // The message must not quote a password the URL holds.
    let url = redact_url(url);
    match uri.scheme_str() {
        Some("http" | "https") if uri.authority().is_some() => Ok(uri),
        _ => Err(ConfigError::at(
            key,
            format!("{key} must be a valid http:// or https:// URL, got {url:?}"),
        )),
    }
}

/// The URL of one signal: its override, or the endpoint plus `v1/<signal>`.
pub(crate) fn signal_url(cfg: &OtlpHttpExporterConfig, signal: &str) -> Result<Uri, ConfigError> {
    let (key, over) = match signal {
        "traces" => ("traces_endpoint", &cfg.traces_endpoint),
        "metrics" => ("metrics_endpoint", &cfg.metrics_endpoint),
        _ => ("logs_endpoint", &cfg.logs_endpoint),
    };
    if !over.is_empty() {
        return parse_url(key, over);
    }
    if cfg.endpoint.is_empty() {
        return Err(ConfigError::at(
            key,
            format!("either endpoint or {key} must be specified"),
        ));
    }
    let sep = if cfg.endpoint.ends_with('/') { "" } else { "/" };
    parse_url("endpoint", &format!("{}{sep}v1/{signal}", cfg.endpoint))
}

impl OtlpHttpExporterConfig {
    /// Settings Go accepts that this build accepts without applying them,
    /// each with why; the exporter logs them as warnings when it is created.
    pub fn unapplied_settings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.proxy_url.is_empty() {
            out.push(format!(
                "proxy_url: {:?} is not applied: this build has no HTTP proxy support yet, so requests go straight to the endpoint",
                otelcol_component::redact::redact_url(&self.proxy_url)
            ));
        }
        out
    }

    /// The TLS settings for `https://` URLs, `None` when TLS is not used: as
    /// Go's `LoadTLSConfig`, `insecure: true` without a CA means no TLS
    /// settings, but an https URL (`any_https`) still gets TLS with the
    /// system roots.
    pub fn tls_settings(&self, any_https: bool) -> Option<TlsClientConfig> {
        let no_ca = self.tls.ca_file.is_empty() && self.tls.ca_pem.is_empty();
        if self.tls.insecure && no_ca && !any_https {
            return None;
        }
        let mut tls = if self.tls.insecure && no_ca {
            TlsClientConfig::default()
        } else {
            self.tls.clone()
        };
        tls.insecure = false;
        Some(tls)
    }

    fn validate_refusals(&self) -> Result<(), ConfigError> {
        if let Some(tls) = self.tls_settings(false) {
            tls.validate().map_err(|e| e.into_config_error("tls"))?;
        }
        let refuse = |key: &str, what: &str| {
            Err(ConfigError::at(
                key,
                format!("{what} is not supported by this build yet"),
            ))
        };
        if !self.middlewares.is_empty() {
            return refuse("middlewares", "client middlewares");
        }
        if self.cookies.enabled {
            return refuse("cookies::enabled", "cookie handling");
        }
        if self.max_conns_per_host != 0 {
            return refuse("max_conns_per_host", "a limit on connections per host");
        }
        self.compression
            .validate_params(self.compression_params)
            .map_err(|e| ConfigError::at("compression_params::level", e.to_string()))?;
        Ok(())
    }
}

impl ComponentConfig for OtlpHttpExporterConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        let endpoints = [
            ("endpoint", &self.endpoint),
            ("traces_endpoint", &self.traces_endpoint),
            ("metrics_endpoint", &self.metrics_endpoint),
            ("logs_endpoint", &self.logs_endpoint),
            ("profiles_endpoint", &self.profiles_endpoint),
        ];
        if endpoints.iter().all(|(_, v)| v.is_empty()) {
            return Err(ConfigError::new("at least one endpoint must be specified"));
        }
        for (key, value) in endpoints {
            if !value.is_empty() {
                parse_url(key, value)?;
            }
        }
        self.validate_refusals()?;
        for (k, v) in self.headers.iter() {
            // An invalid name (`X Key`) is accepted, as Go accepts it; the
            // exporter warns when it is created and does not send it.
            if HeaderName::from_bytes(k.as_bytes()).is_ok() && HeaderValue::from_str(v).is_err() {
                return Err(ConfigError::at(
                    format!("headers::{k}"),
                    "not a valid HTTP header",
                ));
            }
        }
        if self.max_idle_conns < 0 || self.max_idle_conns_per_host < 0 {
            return Err(ConfigError::at("max_idle_conns", "must not be negative"));
        }
        self.sending_queue.validate()?;
        self.retry_on_failure.validate()
    }
}
