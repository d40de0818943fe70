//! [`ClientConfig`]: the HTTP client block (Go `confighttp.ClientConfig`).

use std::time::Duration;

use otelcol_configtls::TlsClientConfig;
use serde::de::MapAccess;
use serde::{Deserialize, Deserializer, Serialize};

use crate::auth::{AuthConfig, MiddlewareConfig};
use crate::compression::{Compression, CompressionParams};
use crate::headers::Headers;
use crate::overlay::{GoDuration, Overlay, deserialize_over, next_or_default};

/// Default `max_idle_conns`.
pub const DEFAULT_MAX_IDLE_CONNS: i64 = 100;
/// Default `idle_conn_timeout`.
pub const DEFAULT_IDLE_CONN_TIMEOUT: Duration = Duration::from_secs(90);

/// `cookies`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CookiesConfig {
    /// Keep cookies the server sets. Default: false.
    pub enabled: bool,
}

/// An HTTP client's settings (Go `confighttp.ClientConfig`). The defaults
/// are Go's `NewDefaultClientConfig`; a component sets its own (the
/// `otlphttp` exporter: `timeout: 30s`, `gzip`, 512 KiB write buffer) and
/// reads its block over them with [`deserialize_over`], or, with keys of
/// its own beside these, through [`Overlay::set_field`].
///
/// Which settings a component applies, and which it refuses, is the
/// component's.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClientConfig {
    /// The server's URL. Default: empty.
    pub endpoint: String,
    /// Proxy for all requests. Default: empty.
    pub proxy_url: String,
    /// TLS settings, used for `https://` URLs. Default: system roots, verification on.
    pub tls: TlsClientConfig,
    /// Read buffer size. Default: 0.
    pub read_buffer_size: usize,
    /// Write buffer size. Default: 0.
    pub write_buffer_size: usize,
    /// Limit of one request; 0 means none. Default: 0.
    #[serde(with = "otelcol_component::duration")]
    pub timeout: Duration,
    /// Headers sent with every request (map or list of `{name, value}`). Default: none.
    pub headers: Headers,
    /// Client authenticator extension. Default: none.
    pub auth: Option<AuthConfig>,
    /// Request body compression. Default: `""` (none).
    pub compression: Compression,
    /// Compression level. Default: the algorithm's default.
    pub compression_params: CompressionParams,
    /// Idle connections kept in total. Default: 100.
    pub max_idle_conns: i64,
    /// Idle connections kept per host; 0 means no limit here. Default: 0.
    pub max_idle_conns_per_host: i64,
    /// Connections per host; 0 means no limit. Default: 0.
    pub max_conns_per_host: i64,
    /// Close idle connections after this long; 0 never. Default: 90s.
    #[serde(with = "otelcol_component::duration")]
    pub idle_conn_timeout: Duration,
    /// Use a new connection for every request. Default: false.
    pub disable_keep_alives: bool,
    /// HTTP/2 health-check ping interval. Default: 0.
    #[serde(with = "otelcol_component::duration")]
    pub http2_read_idle_timeout: Duration,
    /// HTTP/2 ping timeout. Default: 0.
    #[serde(with = "otelcol_component::duration")]
    pub http2_ping_timeout: Duration,
    /// Cookie handling. Default: disabled.
    pub cookies: CookiesConfig,
    /// Try HTTP/2 over TLS (ALPN `h2`). Default: true.
    pub force_attempt_http2: bool,
    /// Client middleware extensions. Default: none.
    pub middlewares: Vec<MiddlewareConfig>,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            endpoint: String::new(),
            proxy_url: String::new(),
            tls: TlsClientConfig::default(),
            read_buffer_size: 0,
            write_buffer_size: 0,
            timeout: Duration::ZERO,
            headers: Headers::default(),
            auth: None,
            compression: Compression::Empty,
            compression_params: CompressionParams::default(),
            max_idle_conns: DEFAULT_MAX_IDLE_CONNS,
            max_idle_conns_per_host: 0,
            max_conns_per_host: 0,
            idle_conn_timeout: DEFAULT_IDLE_CONN_TIMEOUT,
            disable_keep_alives: false,
            http2_read_idle_timeout: Duration::ZERO,
            http2_ping_timeout: Duration::ZERO,
            cookies: CookiesConfig::default(),
            force_attempt_http2: true,
            middlewares: Vec::new(),
        }
    }
}

impl Overlay for ClientConfig {
    const FIELDS: &'static [&'static str] = &[
        "endpoint",
        "proxy_url",
        "tls",
        "read_buffer_size",
        "write_buffer_size",
        "timeout",
        "headers",
        "auth",
        "compression",
        "compression_params",
        "max_idle_conns",
        "max_idle_conns_per_host",
        "max_conns_per_host",
        "idle_conn_timeout",
        "disable_keep_alives",
        "http2_read_idle_timeout",
        "http2_ping_timeout",
        "cookies",
        "force_attempt_http2",
        "middlewares",
    ];
    const EXPECTING: &'static str = "the HTTP client settings (a map)";

    fn set_field<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "endpoint" => self.endpoint = map.next_value()?,
            "proxy_url" => self.proxy_url = map.next_value()?,
            "tls" => self.tls = next_or_default(map)?,
            "read_buffer_size" => self.read_buffer_size = map.next_value()?,
            "write_buffer_size" => self.write_buffer_size = map.next_value()?,
            "timeout" => self.timeout = map.next_value::<GoDuration>()?.0,
            "headers" => self.headers = map.next_value()?,
            "auth" => self.auth = map.next_value()?,
            "compression" => self.compression = map.next_value()?,
            "compression_params" => self.compression_params = next_or_default(map)?,
            "max_idle_conns" => self.max_idle_conns = map.next_value()?,
            "max_idle_conns_per_host" => self.max_idle_conns_per_host = map.next_value()?,
            "max_conns_per_host" => self.max_conns_per_host = map.next_value()?,
            "idle_conn_timeout" => self.idle_conn_timeout = map.next_value::<GoDuration>()?.0,
            "disable_keep_alives" => self.disable_keep_alives = map.next_value()?,
            "http2_read_idle_timeout" => self.http2_read_idle_timeout = map.next_value::<GoDuration>()?.0,
            "http2_ping_timeout" => self.http2_ping_timeout = map.next_value::<GoDuration>()?.0,
            "cookies" => self.cookies = next_or_default(map)?,
            "force_attempt_http2" => self.force_attempt_http2 = map.next_value()?,
            "middlewares" => self.middlewares = map.next_value()?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

impl<'de> Deserialize<'de> for ClientConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize_over(d, ClientConfig::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_gos_new_default_client_config() {
        let c: ClientConfig = serde_yaml::from_str("~").unwrap();
        assert_eq!(c, ClientConfig::default());
        assert_eq!(
            (c.max_idle_conns, c.idle_conn_timeout),
            (100, Duration::from_secs(90))
        );
        assert!(c.force_attempt_http2 && !c.disable_keep_alives);
        assert_eq!(c.compression, Compression::Empty);
    }

    #[test]
    fn client_keys_over_component_defaults() {
        let mine = ClientConfig {
            timeout: Duration::from_secs(30),
            compression: Compression::Gzip,
            ..ClientConfig::default()
        };
        let c = deserialize_over(
            serde_yaml::Deserializer::from_str(
                "endpoint: http://h:1\nidle_conn_timeout: 1m\ncookies: {enabled: true}\ncompression_params: {level: 3}\nheaders: {a: b}",
            ),
            mine,
        )
        .unwrap();
        assert_eq!(c.timeout, Duration::from_secs(30));
        assert_eq!(c.compression, Compression::Gzip);
        assert_eq!(c.idle_conn_timeout, Duration::from_secs(60));
        assert!(c.cookies.enabled);
        assert_eq!(c.compression_params.level, 3);
        assert!(
            !format!("{c:?}").contains(": \"b\""),
            "header values stay out of Debug"
        );
        let e = serde_yaml::from_str::<ClientConfig>("timeout: soon").unwrap_err();
        assert!(e.to_string().contains("expected a duration"), "{e}");
        let e = serde_yaml::from_str::<ClientConfig>("cookies: {enable: true}").unwrap_err();
        assert!(e.to_string().contains("unknown field `enable`"), "{e}");
        let yaml = serde_yaml::to_string(&c).unwrap();
        assert_eq!(serde_yaml::from_str::<ClientConfig>(&yaml).unwrap(), c);
    }
}
