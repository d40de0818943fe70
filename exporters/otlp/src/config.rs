//! The `otlp` exporter's config: the Go collector's `configgrpc.ClientConfig`
//! keys, `timeout`, `sending_queue` and `retry_on_failure`, all at the top level.

use std::ops::{Deref, DerefMut};
use std::time::Duration;

use otelcol_component::redact::{REDACTED, redact_endpoint};
use otelcol_component::{ComponentConfig, ConfigError};

use otelcol_configgrpc::{ClientConfig, Compression};
use otelcol_confighttp::{GoDuration, Overlay, concat_fields, deserialize_over};
use otelcol_exporterhelper::{QueueConfig, RetryConfig};
use serde::de::MapAccess;
use serde::{Deserialize, Deserializer, Serialize};
use tonic::metadata::{AsciiMetadataValue, MetadataKey};

/// Default `timeout` of one export call.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default `write_buffer_size` (512 KiB).
pub const DEFAULT_WRITE_BUFFER_SIZE: usize = 512 * 1024;
/// `keepalive`: HTTP/2 pings on the connection (Go `configgrpc.KeepaliveClientConfig`).
pub use otelcol_configgrpc::KeepaliveClientConfig as KeepaliveConfig;
pub use otelcol_configgrpc::{DEFAULT_KEEPALIVE_TIME, DEFAULT_KEEPALIVE_TIMEOUT};

/// Config of the `otlp` exporter: Go's `configgrpc.ClientConfig` keys
/// (`client`, reached through `Deref`, written at the top level) with the
/// exporter's defaults, plus `timeout`, `sending_queue` and `retry_on_failure`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OtlpExporterConfig {
    /// The gRPC client settings. Defaults: `compression: gzip`, TLS on with
    /// the system roots, no `keepalive`, `write_buffer_size: 524288`,
    /// `balancer_name: ""`. `endpoint` is required; `http://`, `https://`
    /// and `dns:///` prefixes are stripped (`https://` means TLS).
    /// `read_buffer_size`, `write_buffer_size` and `wait_for_ready` are
    /// accepted with no effect (calls fail fast and the retry policy takes
    /// over); `middlewares` are refused by this build.
    #[serde(flatten)]
    pub client: ClientConfig,
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
            client: ClientConfig {
                compression: Compression::Gzip,
                keepalive: None,
                write_buffer_size: DEFAULT_WRITE_BUFFER_SIZE,
                balancer_name: String::new(),
                ..ClientConfig::default()
            },
            timeout: DEFAULT_TIMEOUT,
            sending_queue: QueueConfig::default(),
            retry_on_failure: RetryConfig::default(),
        }
    }
}

impl Deref for OtlpExporterConfig {
    type Target = ClientConfig;
    fn deref(&self) -> &ClientConfig {
        &self.client
    }
}

impl DerefMut for OtlpExporterConfig {
    fn deref_mut(&mut self) -> &mut ClientConfig {
        &mut self.client
    }
}

impl Overlay for OtlpExporterConfig {
    const FIELDS: &'static [&'static str] = &concat_fields::<{ ClientConfig::FIELDS.len() + 3 }>(
        ClientConfig::FIELDS,
        &["timeout", "sending_queue", "retry_on_failure"],
    );
    const EXPECTING: &'static str = "the otlp exporter settings (a map)";

    fn set_field<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "timeout" => self.timeout = map.next_value::<GoDuration>()?.0,
            "sending_queue" => self.sending_queue = map.next_value()?,
            "retry_on_failure" => self.retry_on_failure = map.next_value()?,
            _ => return self.client.set_field(key, map),
        }
        Ok(true)
    }
}

impl<'de> Deserialize<'de> for OtlpExporterConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize_over(d, OtlpExporterConfig::default())
    }
}

impl OtlpExporterConfig {
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
            Compression::Gzip
            | Compression::Zstd
            | Compression::Snappy
            | Compression::None
            | Compression::Empty => {}
            other => {
                return Err(ConfigError::at(
                    "compression",
                    format!("unsupported compression type {:?} for gRPC", other.as_str()),
                ));
            }
        }
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
