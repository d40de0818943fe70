//! [`ClientConfig`]: the gRPC client block (Go `configgrpc.ClientConfig`).

use std::time::Duration;

use otelcol_confighttp::{
    AuthConfig, Compression, Headers, MiddlewareConfig, Overlay, TlsClientConfig, deserialize_over,
    next_or_default,
};
use serde::de::MapAccess;
use serde::{Deserialize, Deserializer, Serialize};

/// Default `keepalive::time` when a client `keepalive` block is given.
pub const DEFAULT_KEEPALIVE_TIME: Duration = Duration::from_secs(10);
/// Default `keepalive::timeout` when a client `keepalive` block is given.
pub const DEFAULT_KEEPALIVE_TIMEOUT: Duration = Duration::from_secs(10);
/// Default `balancer_name` (Go's since v0.103).
pub const DEFAULT_BALANCER_NAME: &str = "round_robin";

/// A gRPC client's settings (Go `configgrpc.ClientConfig`). The defaults are
/// Go's `NewDefaultClientConfig`; a component sets its own (the `otlp`
/// exporter: `gzip`, no keepalive, 512 KiB write buffer) and reads its block
/// over them with [`deserialize_over`], or, with keys of its own beside
/// these, through [`Overlay::set_field`].
///
/// Checking the endpoint, compression and headers is the component's: what
/// it supports depends on the component.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClientConfig {
    /// `host:port` of the server; `http://`, `https://` and `dns:///`
    /// prefixes are allowed (`https://` means TLS). Default empty.
    pub endpoint: String,
    /// `gzip`, `snappy`, `zstd`, `none` or `""`. Default `""` (none).
    pub compression: Compression,
    /// TLS settings. Default: TLS on with the system roots; `insecure: true` for plaintext.
    pub tls: TlsClientConfig,
    /// HTTP/2 keepalive pings. Default: `{time: 10s, timeout: 10s}`; absent (`~`) means none.
    pub keepalive: Option<KeepaliveClientConfig>,
    /// Read buffer size of the connection. Default: 0.
    pub read_buffer_size: usize,
    /// Write buffer size of the connection. Default: 0.
    pub write_buffer_size: usize,
    /// Wait for the connection to be ready instead of failing fast. Default: false.
    pub wait_for_ready: bool,
    /// Metadata sent with every call (map or list of `{name, value}`). Default: none.
    pub headers: Headers,
    /// `User-Agent`; empty means the collector's. Default: empty.
    pub user_agent: String,
    /// Load-balancing policy: `""`, `pick_first` or `round_robin`. Default: `round_robin`.
    pub balancer_name: String,
    /// Overrides the `:authority` pseudo-header. Default: empty (the endpoint).
    pub authority: String,
    /// Client authenticator extension. Default: none.
    pub auth: Option<AuthConfig>,
    /// Client middleware extensions. Default: none.
    pub middlewares: Vec<MiddlewareConfig>,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            endpoint: String::new(),
            compression: Compression::Empty,
            tls: TlsClientConfig::default(),
            keepalive: Some(KeepaliveClientConfig::default()),
            read_buffer_size: 0,
            write_buffer_size: 0,
            wait_for_ready: false,
            headers: Headers::default(),
            user_agent: String::new(),
            balancer_name: DEFAULT_BALANCER_NAME.to_string(),
            authority: String::new(),
            auth: None,
            middlewares: Vec::new(),
        }
    }
}

impl Overlay for ClientConfig {
    const FIELDS: &'static [&'static str] = &[
        "endpoint",
        "compression",
        "tls",
        "keepalive",
        "read_buffer_size",
        "write_buffer_size",
        "wait_for_ready",
        "headers",
        "user_agent",
        "balancer_name",
        "authority",
        "auth",
        "middlewares",
    ];
    const EXPECTING: &'static str = "the gRPC client settings (a map)";

    fn set_field<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "endpoint" => self.endpoint = map.next_value()?,
            "compression" => self.compression = map.next_value()?,
            "tls" => self.tls = next_or_default(map)?,
            "keepalive" => self.keepalive = map.next_value()?,
            "read_buffer_size" => self.read_buffer_size = map.next_value()?,
            "write_buffer_size" => self.write_buffer_size = map.next_value()?,
            "wait_for_ready" => self.wait_for_ready = map.next_value()?,
            "headers" => self.headers = map.next_value()?,
            "user_agent" => self.user_agent = map.next_value()?,
            "balancer_name" => self.balancer_name = map.next_value()?,
            "authority" => self.authority = map.next_value()?,
            "auth" => self.auth = map.next_value()?,
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

impl ClientConfig {
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
}

/// `keepalive` of a client: HTTP/2 pings on the connection (Go
/// `configgrpc.KeepaliveClientConfig`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KeepaliveClientConfig {
    /// Ping after this long without activity. Default: 10s.
    #[serde(with = "otelcol_component::duration")]
    pub time: Duration,
    /// Close the connection if a ping is not answered within this. Default: 10s.
    #[serde(with = "otelcol_component::duration")]
    pub timeout: Duration,
    /// Ping even when no call is active. Default: false.
    pub permit_without_stream: bool,
}

impl Default for KeepaliveClientConfig {
    fn default() -> Self {
        KeepaliveClientConfig {
            time: DEFAULT_KEEPALIVE_TIME,
            timeout: DEFAULT_KEEPALIVE_TIMEOUT,
            permit_without_stream: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_keepalive_defaults_and_keys() {
        let k: KeepaliveClientConfig = serde_yaml::from_str("{}").unwrap();
        assert_eq!(k, KeepaliveClientConfig::default());
        assert_eq!(k.time, Duration::from_secs(10));
        let k: KeepaliveClientConfig =
            serde_yaml::from_str("time: 30s\npermit_without_stream: true").unwrap();
        assert_eq!(
            (k.time, k.timeout, k.permit_without_stream),
            (Duration::from_secs(30), Duration::from_secs(10), true)
        );
        assert!(serde_yaml::from_str::<KeepaliveClientConfig>("tme: 1s").is_err());
    }

    #[test]
    fn client_keys_over_component_defaults() {
        let c: ClientConfig = serde_yaml::from_str("endpoint: h:1").unwrap();
        assert_eq!(c.balancer_name, "round_robin");
        assert_eq!(c.keepalive, Some(KeepaliveClientConfig::default()));
        assert_eq!(c.compression, Compression::Empty);
        let mine = ClientConfig {
            compression: Compression::Gzip,
            keepalive: None,
            ..ClientConfig::default()
        };
        let c = deserialize_over(
            serde_yaml::Deserializer::from_str(
                "endpoint: h:1\nheaders: [{name: a, value: b}]\nkeepalive: {time: 1s}",
            ),
            mine,
        )
        .unwrap();
        assert_eq!(c.compression, Compression::Gzip);
        assert_eq!(c.keepalive.as_ref().map(|k| k.time), Some(Duration::from_secs(1)));
        assert_eq!(c.headers.0["a"], "b");
        let e = serde_yaml::from_str::<ClientConfig>("endpont: h:1").unwrap_err();
        assert!(e.to_string().contains("unknown field `endpont`"), "{e}");
        let yaml = serde_yaml::to_string(&c).unwrap();
        assert_eq!(serde_yaml::from_str::<ClientConfig>(&yaml).unwrap(), c);
    }

    #[test]
    fn endpoint_prefixes_and_tls() {
        let c = |e: &str, insecure: bool| {
            let mut c = ClientConfig {
                endpoint: e.to_string(),
                ..ClientConfig::default()
            };
            c.tls.insecure = insecure;
            c
        };
        assert_eq!(c("dns:///h:1", false).sanitized_endpoint(), "h:1");
        assert_eq!(c("https://h:1", false).sanitized_endpoint(), "h:1");
        assert!(c("http://h:1", false).tls_settings().is_none());
        assert!(c("h:1", true).tls_settings().is_none());
        assert!(
            c("https://h:1", true).tls_settings().is_some(),
            "https forces TLS"
        );
        assert!(c("h:1", false).tls_settings().is_some());
    }
}
