//! [`ServerConfig`]: the gRPC server block (Go `configgrpc.ServerConfig`).

use std::time::Duration;

use otelcol_component::ConfigError;
use otelcol_confighttp::{
    AuthConfig, MiddlewareConfig, Overlay, TlsServerConfig, check_authenticated_server_security,
    check_server_security, deserialize_over, next_or_default,
};
use otelcol_httpserver::conn::{ConnectionLimits, DEFAULT_MAX_CONNECTIONS, nonzero};
use otelcol_httpserver::endpoint::Endpoint;
use serde::de::MapAccess;
use serde::{Deserialize, Deserializer, Serialize};

/// The receive limit used when `max_recv_msg_size_mib` is 0 (grpc-go's 4 MiB).
pub const DEFAULT_MAX_RECV_MSG_SIZE_MIB: u64 = 4;
/// Default `keepalive::server_parameters::max_connection_idle`: 5 minutes
/// (an otelcol-rs bound; grpc-go: never).
pub const DEFAULT_MAX_CONNECTION_IDLE: Duration = Duration::from_secs(5 * 60);
/// How long a new connection may take to start its first RPC, when
/// `max_connection_idle` is not shorter: grpc-go's connection (handshake)
/// timeout, 120 s.
pub const FIRST_RPC_TIMEOUT: Duration = Duration::from_secs(120);
/// Default `transport`.
pub const DEFAULT_TRANSPORT: &str = "tcp";
const MIB: u64 = 1024 * 1024;

/// A gRPC server's settings (Go `configgrpc.ServerConfig`). The defaults are
/// Go's `NewDefaultServerConfig` plus this build's connection bounds; a
/// component sets its own (endpoint, buffer sizes) and reads its block over
/// them with [`otelcol_confighttp::deserialize_over`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ServerConfig {
    /// Address to listen on, `host:port`. Default empty (the component's).
    pub endpoint: String,
    /// Network transport. Default `tcp`; `unix` is refused by this build.
    pub transport: String,
    /// TLS settings (`cert_file`/`key_file`, `client_ca_file` for mTLS).
    /// Default unset (plain text); `tls:` alone means TLS with the defaults.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsServerConfig>,
    /// Largest accepted message in MiB. Default 0, which means 4 MiB.
    pub max_recv_msg_size_mib: u64,
    /// HTTP/2 concurrent streams per connection. Default 0 (no limit).
    pub max_concurrent_streams: u32,
    /// Connections open at once on the listener (an otelcol-rs addition); a
    /// connection over the bound is closed at once. Default 4096; 0 means no bound.
    pub max_connections: usize,
    /// Read buffer size in bytes. Default 0. Not applied by this build.
    pub read_buffer_size: usize,
    /// Write buffer size in bytes. Default 0. Not applied by this build.
    pub write_buffer_size: usize,
    /// Keepalive settings. Default: `max_connection_idle: 5m`, the rest zero (grpc-go's defaults).
    pub keepalive: KeepaliveServerConfig,
    /// Put the request's gRPC metadata in the request context. Default false.
    pub include_metadata: bool,
    /// Server authenticator. Default unset. Refused by this build.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth: Option<AuthConfig>,
    /// Middleware extensions. Default empty. Refused by this build.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub middlewares: Vec<MiddlewareConfig>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            endpoint: String::new(),
            transport: DEFAULT_TRANSPORT.to_string(),
            tls: None,
            max_recv_msg_size_mib: 0,
            max_concurrent_streams: 0,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            read_buffer_size: 0,
            write_buffer_size: 0,
            keepalive: KeepaliveServerConfig::default(),
            include_metadata: false,
            auth: None,
            middlewares: Vec::new(),
        }
    }
}

impl Overlay for ServerConfig {
    const FIELDS: &'static [&'static str] = &[
        "endpoint",
        "transport",
        "tls",
        "max_recv_msg_size_mib",
        "max_concurrent_streams",
        "max_connections",
        "read_buffer_size",
        "write_buffer_size",
        "keepalive",
        "include_metadata",
        "auth",
        "middlewares",
    ];
    const EXPECTING: &'static str = "the gRPC server settings (a map)";

    fn set_field<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "endpoint" => self.endpoint = map.next_value()?,
            "transport" => self.transport = map.next_value()?,
            "tls" => self.tls = Some(next_or_default(map)?),
            "max_recv_msg_size_mib" => self.max_recv_msg_size_mib = map.next_value()?,
            "max_concurrent_streams" => self.max_concurrent_streams = map.next_value()?,
            "max_connections" => self.max_connections = map.next_value()?,
            "read_buffer_size" => self.read_buffer_size = map.next_value()?,
            "write_buffer_size" => self.write_buffer_size = map.next_value()?,
            "keepalive" => self.keepalive = next_or_default(map)?,
            "include_metadata" => self.include_metadata = map.next_value()?,
            // A null `auth:` is an error, not "no auth": it must name an authenticator.
            "auth" => self.auth = Some(map.next_value()?),
            "middlewares" => self.middlewares = map.next_value()?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

impl<'de> Deserialize<'de> for ServerConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize_over(d, ServerConfig::default())
    }
}

/// `keepalive` of a server.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KeepaliveServerConfig {
    /// Server-side keepalive. Default: `max_connection_idle: 5m`, the rest zero.
    #[serde(deserialize_with = "otelcol_confighttp::null_as_default")]
    pub server_parameters: KeepaliveServerParameters,
    /// What the server demands of client pings. Default: all zero. Not applied.
    #[serde(deserialize_with = "otelcol_confighttp::null_as_default")]
    pub enforcement_policy: KeepaliveEnforcementPolicy,
}

/// `keepalive::server_parameters`. Zero means grpc-go's default.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KeepaliveServerParameters {
    /// Close connections with no RPC in flight for this long (`GOAWAY`).
    /// Default 5m; 0 means never, as in grpc-go.
    #[serde(with = "otelcol_component::duration")]
    pub max_connection_idle: Duration,
    /// Gracefully close connections older than this. Default 0 (never).
    #[serde(with = "otelcol_component::duration")]
    pub max_connection_age: Duration,
    /// Force-close this long after `max_connection_age`. Default 0 (never).
    #[serde(with = "otelcol_component::duration")]
    pub max_connection_age_grace: Duration,
    /// Ping an idle client after this long. Default 0, which means 2h.
    #[serde(with = "otelcol_component::duration")]
    pub time: Duration,
    /// Close the connection if a ping is not answered in this time.
    /// Default 0, which means 20s.
    #[serde(with = "otelcol_component::duration")]
    pub timeout: Duration,
}

impl Default for KeepaliveServerParameters {
    fn default() -> Self {
        KeepaliveServerParameters {
            max_connection_idle: DEFAULT_MAX_CONNECTION_IDLE,
            max_connection_age: Duration::ZERO,
            max_connection_age_grace: Duration::ZERO,
            time: Duration::ZERO,
            timeout: Duration::ZERO,
        }
    }
}

/// `keepalive::enforcement_policy`. Accepted; not applied by this build.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KeepaliveEnforcementPolicy {
    /// Least time between client pings. Default 0 (grpc-go: 5m).
    #[serde(with = "otelcol_component::duration")]
    pub min_time: Duration,
    /// Allow pings without active streams. Default false.
    pub permit_without_stream: bool,
}

impl ServerConfig {
    /// The receive limit in bytes (`max_recv_msg_size_mib`, 0 → 4 MiB).
    pub fn max_recv_msg_size(&self) -> usize {
        let mib = if self.max_recv_msg_size_mib == 0 {
            DEFAULT_MAX_RECV_MSG_SIZE_MIB
        } else {
            self.max_recv_msg_size_mib
        };
        usize::try_from(mib.saturating_mul(MIB)).unwrap_or(usize::MAX)
    }

    /// The per-connection limits: idle after `max_connection_idle`, a first
    /// RPC within the shorter of that and [`FIRST_RPC_TIMEOUT`], closed after
    /// `max_connection_age` (forced `max_connection_age_grace` later).
    pub fn connection_limits(&self) -> ConnectionLimits {
        let sp = &self.keepalive.server_parameters;
        let idle = nonzero(sp.max_connection_idle);
        ConnectionLimits {
            first_request_timeout: Some(idle.map_or(FIRST_RPC_TIMEOUT, |d| d.min(FIRST_RPC_TIMEOUT))),
            idle_timeout: idle,
            request_timeout: None,
            max_age: nonzero(sp.max_connection_age),
            max_age_grace: nonzero(sp.max_connection_age_grace),
        }
    }

    /// Checks the settings; errors name `<prefix>::<key>`. `auth` is
    /// refused: a server that applies it validates with
    /// [`ServerConfig::validate_authenticated`].
    pub fn validate(&self, prefix: &str) -> Result<(), ConfigError> {
        self.validate_authenticated(prefix)?;
        check_server_security(prefix, &self.tls, &self.auth, &self.middlewares)
    }

    /// As [`ServerConfig::validate`], for a server that applies `auth`.
    pub fn validate_authenticated(&self, prefix: &str) -> Result<(), ConfigError> {
        // The transport first: with `unix` the endpoint is a socket path.
        match self.transport.as_str() {
            "" | "tcp" => {}
            "unix" => {
                return Err(ConfigError::at(
                    format!("{prefix}::transport"),
                    "transport \"unix\" is not supported by this build yet; use tcp",
                ));
            }
            other => {
                return Err(ConfigError::at(
                    format!("{prefix}::transport"),
                    format!("unsupported transport {other:?}; use tcp"),
                ));
            }
        }
        Endpoint::parse(&self.endpoint).map_err(|e| ConfigError::at(format!("{prefix}::endpoint"), e))?;
        check_authenticated_server_security(prefix, &self.tls, &self.auth, &self.middlewares)
    }

    /// Keys this build accepts but does not apply, when they differ from
    /// the component's `defaults`.
    pub fn unapplied_keys(&self, defaults: &ServerConfig) -> Vec<&'static str> {
        let mut keys = Vec::new();
        if self.keepalive.enforcement_policy != defaults.keepalive.enforcement_policy {
            keys.push("keepalive::enforcement_policy");
        }
        if self.write_buffer_size != defaults.write_buffer_size {
            keys.push("write_buffer_size");
        }
        if self.read_buffer_size != defaults.read_buffer_size {
            keys.push("read_buffer_size");
        }
        keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(yaml: &str) -> ServerConfig {
        serde_yaml::from_str(yaml).unwrap()
    }

    #[test]
    fn connection_limits_are_bounded_by_default() {
        let c = ServerConfig::default();
        let l = c.connection_limits();
        assert_eq!(l.idle_timeout, Some(Duration::from_secs(300)));
        assert_eq!(l.first_request_timeout, Some(FIRST_RPC_TIMEOUT));
        assert_eq!(
            (l.max_age, l.max_age_grace, l.request_timeout),
            (None, None, None)
        );
        assert_eq!(c.max_connections, 4096);
        assert_eq!(c.transport, "tcp");
        assert_eq!(c.max_recv_msg_size(), 4 * 1024 * 1024);
        assert_eq!(parse("~"), c);
    }

    #[test]
    fn keepalive_keys_parse_go_durations() {
        let cfg = parse(
            "max_connections: 8\nkeepalive:\n  server_parameters:\n    max_connection_idle: 1s\n    \
             max_connection_age: 1m\n    max_connection_age_grace: 5s\n",
        );
        let l = cfg.connection_limits();
        assert_eq!(l.idle_timeout, Some(Duration::from_secs(1)));
        assert_eq!(l.first_request_timeout, Some(Duration::from_secs(1)));
        assert_eq!(l.max_age, Some(Duration::from_secs(60)));
        assert_eq!(l.max_age_grace, Some(Duration::from_secs(5)));
        assert_eq!(cfg.max_connections, 8);

        // 0 is grpc-go's "never" for idleness; the first RPC is still bounded.
        let l = parse("keepalive:\n  server_parameters:\n    max_connection_idle: 0s\n").connection_limits();
        assert_eq!(l.idle_timeout, None);
        assert_eq!(l.first_request_timeout, Some(FIRST_RPC_TIMEOUT));
        // `keepalive: {server_parameters: {}}` and `keepalive:` keep the other defaults.
        assert_eq!(
            parse("keepalive:\n  server_parameters: {}\n"),
            ServerConfig::default()
        );
        assert_eq!(parse("keepalive:\n"), ServerConfig::default());
        let e =
            serde_yaml::from_str::<ServerConfig>("keepalive: {server_parameters: {idle: 1s}}").unwrap_err();
        assert!(e.to_string().contains("unknown field `idle`"), "{e}");
    }

    #[test]
    fn validation_and_unapplied_keys() {
        let ok = parse("endpoint: localhost:4317");
        assert!(ok.validate("g").is_ok());
        let e = parse("endpoint: localhost:4317\ntransport: unix")
            .validate("g")
            .unwrap_err();
        assert_eq!(e.key.as_deref(), Some("g::transport"));
        let e = parse("endpoint: localhost").validate("g").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("g::endpoint"));
        let e = parse("endpoint: localhost:1\nauth: {authenticator: a}")
            .validate("g")
            .unwrap_err();
        assert_eq!(e.key.as_deref(), Some("g::auth"));
        let mine = ServerConfig {
            read_buffer_size: 512 * 1024,
            ..ServerConfig::default()
        };
        assert!(mine.unapplied_keys(&mine).is_empty());
        let c = parse("write_buffer_size: 1\nkeepalive: {enforcement_policy: {min_time: 1s}}");
        assert_eq!(
            c.unapplied_keys(&mine),
            [
                "keepalive::enforcement_policy",
                "write_buffer_size",
                "read_buffer_size"
            ]
        );
        let yaml = serde_yaml::to_string(&c).unwrap();
        assert_eq!(parse(&yaml), c, "print-config output parses back");
    }
}
