//! The `otlp` exporter's config: the Go collector's `configgrpc.ClientConfig`
//! keys, `timeout`, `sending_queue` and `retry_on_failure`, all at the top level.

use std::time::Duration;

use otelcol_component::redact::{REDACTED, redact_endpoint};
use otelcol_component::{ComponentConfig, ConfigError};
use otelcol_configgrpc::{AuthConfig, Compression, Headers, MiddlewareConfig, TlsClientConfig};
use otelcol_exporterhelper::{QueueConfig, RetryConfig};
use serde::{Deserialize, Serialize};
use tonic::metadata::{AsciiMetadataValue, MetadataKey};

/// Default `timeout` of one export call.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default `write_buffer_size` (512 KiB).
pub const DEFAULT_WRITE_BUFFER_SIZE: usize = 512 * 1024;
/// `keepalive`: HTTP/2 pings on the connection (Go `configgrpc.KeepaliveClientConfig`).
pub use otelcol_configgrpc::KeepaliveClientConfig as KeepaliveConfig;
pub use otelcol_configgrpc::{DEFAULT_KEEPALIVE_TIME, DEFAULT_KEEPALIVE_TIMEOUT};

/// Config of the `otlp` exporter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OtlpExporterConfig {
    /// `host:port` of the OTLP/gRPC backend; `http://`, `https://` and
    /// `dns:///` prefixes are stripped (`https://` means TLS). Required.
    pub endpoint: String,
    /// `gzip`, `none` or `""`. Default: `gzip`. (`zstd`, `snappy`: refused in this build.)
    pub compression: Compression,
    /// TLS settings. Default: TLS on with the system roots; `insecure: true` for plaintext.
    pub tls: TlsClientConfig,
    /// HTTP/2 keepalive pings. Default: absent (none).
    pub keepalive: Option<KeepaliveConfig>,
    /// Read buffer size of the connection. Default: 0. Accepted; no effect in this build.
    pub read_buffer_size: usize,
    /// Write buffer size of the connection. Default: 524288. Accepted; no effect in this build.
    pub write_buffer_size: usize,
    /// Wait for the connection to be ready instead of failing fast. Default: false.
    /// Accepted; calls fail fast and the retry policy takes over.
    pub wait_for_ready: bool,
    /// Metadata sent with every call. Default: none.
    pub headers: Headers,
    /// `User-Agent`; empty means `<distribution description>/<version> (<os>/<arch>)`. Default: empty.
    pub user_agent: String,
    /// Load-balancing policy: `""`, `pick_first` or `round_robin`. Default: `""`.
    pub balancer_name: String,
    /// Overrides the `:authority` pseudo-header. Default: empty (the endpoint).
    pub authority: String,
    /// Client authenticator extension. Default: none. Refused in this build.
    pub auth: Option<AuthConfig>,
    /// Client middleware extensions. Default: none. Refused in this build.
    pub middlewares: Vec<MiddlewareConfig>,
    /// Limit of one export call. Default: 5s.
    #[serde(with = "otelcol_exporterhelper::duration")]
    pub timeout: Duration,
    /// The sending queue. Default: enabled, 10 consumers, 1000 requests.
    pub sending_queue: QueueConfig,
    /// Retries of failed calls. Default: enabled, 5s → 30s, for up to 5m.
    pub retry_on_failure: RetryConfig,
}

impl Default for OtlpExporterConfig {
    fn default() -> Self {
        OtlpExporterConfig {
            endpoint: String::new(),
            compression: Compression::Gzip,
            tls: TlsClientConfig::default(),
            keepalive: None,
            read_buffer_size: 0,
            write_buffer_size: DEFAULT_WRITE_BUFFER_SIZE,
            wait_for_ready: false,
            headers: Headers::default(),
            user_agent: String::new(),
            balancer_name: String::new(),
            authority: String::new(),
            auth: None,
            middlewares: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
            sending_queue: QueueConfig::default(),
            retry_on_failure: RetryConfig::default(),
        }
    }
}

impl OtlpExporterConfig {
    /// The endpoint without its `http://`, `https://` or `dns://[/]` prefix (Go's rule).
    pub fn sanitized_endpoint(&self) -> &str {
        let e = self.endpoint.as_str();
        if let Some(rest) = e.strip_prefix("http://") {
            rest
        } else if let Some(rest) = e.strip_prefix("https://") {
            rest
        } else if let Some(rest) = e.strip_prefix("dns://") {
            rest.strip_prefix('/').unwrap_or(rest)
        } else {
            e
        }
    }

    /// True when the connection is plaintext: an `http://` endpoint, or
    /// `tls::insecure: true` without a CA and without an `https://` endpoint.
    pub fn is_plaintext(&self) -> bool {
        self.endpoint.starts_with("http://")
            || (self.tls.insecure
                && self.tls.ca_file.is_empty()
                && self.tls.ca_pem.is_empty()
                && !self.endpoint.starts_with("https://"))
    }

    /// The TLS settings to connect with, `None` for plaintext. An `https://`
    /// endpoint forces TLS even with `insecure: true`.
    pub fn tls_settings(&self) -> Option<TlsClientConfig> {
        if self.is_plaintext() {
            return None;
        }
        let mut tls = self.tls.clone();
        tls.insecure = false;
        Some(tls)
    }

    fn validate_endpoint(&self) -> Result<(), ConfigError> {
        let endpoint = self.sanitized_endpoint();
        if endpoint.is_empty() {
            return Err(ConfigError::at("endpoint", r#"requires a non-empty "endpoint""#));
        }
        // Messages quote the endpoint without the password a userinfo holds.
        let shown = redact_endpoint(endpoint);
        let (host, port) = split_host_port(endpoint).ok_or_else(|| {
            ConfigError::at("endpoint", format!("address {shown}: missing port in address"))
        })?;
        if host.contains(':') && !endpoint.starts_with('[') {
            return Err(ConfigError::at(
                "endpoint",
                format!("address {shown}: too many colons in address"),
            ));
        }
        if port.parse::<u16>().is_err() {
            if port.contains('@') {
                // `user:password@host` without a port: the "port" is the password.
                let host = port.rsplit('@').next().unwrap_or_default();
                return Err(ConfigError::at(
                    "endpoint",
                    format!("address {REDACTED}@{host}: missing port in address"),
                ));
            }
            return Err(ConfigError::at("endpoint", format!(r#"invalid port "{port}""#)));
        }
        Ok(())
    }

    fn validate_tls(&self) -> Result<(), ConfigError> {
        match self.tls_settings() {
            Some(tls) => tls.validate().map_err(|e| e.into_config_error("tls")),
            None => Ok(()),
        }
    }

    fn validate_headers(&self) -> Result<(), ConfigError> {
        for (k, v) in self.headers.iter() {
            let key = k.to_ascii_lowercase();
            // An invalid key (`X Key`) is accepted, as Go accepts it; the
            // exporter warns when it is created and does not send it.
            if MetadataKey::<tonic::metadata::Ascii>::from_bytes(key.as_bytes()).is_err() {
                continue;
            }
            if !key.ends_with("-bin") && AsciiMetadataValue::try_from(v.as_str()).is_err() {
                return Err(ConfigError::at(
                    format!("headers::{k}"),
                    "not a valid gRPC metadata value",
                ));
            }
        }
        Ok(())
    }
}

/// Splits `host:port` (`[v6]:port` too). `None` when there is no port.
pub(crate) fn split_host_port(s: &str) -> Option<(&str, &str)> {
    if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        return Some((host, after.strip_prefix(':')?));
    }
    s.rsplit_once(':')
}

impl ComponentConfig for OtlpExporterConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        self.validate_endpoint()?;
        self.validate_tls()?;
        match self.compression {
            Compression::Gzip | Compression::None | Compression::Empty => {}
            Compression::Zstd | Compression::Snappy => {
                return Err(ConfigError::at(
                    "compression",
                    format!(
                        "compression {:?} is not supported by this build yet; use gzip or none",
                        self.compression.as_str()
                    ),
                ));
            }
            other => {
                return Err(ConfigError::at(
                    "compression",
                    format!("unsupported compression type {:?} for gRPC", other.as_str()),
                ));
            }
        }
        AuthConfig::refuse_client(&self.auth)?;
        if !self.middlewares.is_empty() {
            return Err(ConfigError::at(
                "middlewares",
                "client middlewares are not supported by this build yet",
            ));
        }
        if !matches!(self.balancer_name.as_str(), "" | "pick_first" | "round_robin") {
            return Err(ConfigError::at(
                "balancer_name",
                format!(
                    "unknown balancer {:?}: expected pick_first or round_robin",
                    self.balancer_name
                ),
            ));
        }
        self.validate_headers()?;
        self.sending_queue.validate()?;
        self.retry_on_failure.validate()
    }
}
