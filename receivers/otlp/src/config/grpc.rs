//! `protocols::grpc`: the gRPC server block (Go `configgrpc.ServerConfig`).

use std::time::Duration;

use otelcol_component::ConfigError;
use serde::{Deserialize, Serialize};

use super::serde_util::{null_as_default, present_as_some};
use super::{AuthConfig, MiddlewareConfig, TlsServerConfig, refuse_unsupported};
use otelcol_httpserver::conn::{ConnectionLimits, DEFAULT_MAX_CONNECTIONS, nonzero};
use otelcol_httpserver::endpoint::Endpoint;

/// Default gRPC listen endpoint.
pub const DEFAULT_GRPC_ENDPOINT: &str = "localhost:4317";
/// Default `read_buffer_size` of the OTLP receiver (512 KiB).
pub const DEFAULT_READ_BUFFER_SIZE: usize = 512 * 1024;
/// The receive limit used when `max_recv_msg_size_mib` is 0 (grpc-go's 4 MiB).
pub const DEFAULT_MAX_RECV_MSG_SIZE_MIB: u64 = 4;
/// Default `keepalive::server_parameters::max_connection_idle`: 5 minutes
/// (grpc-go: never).
pub const DEFAULT_MAX_CONNECTION_IDLE: Duration = Duration::from_secs(5 * 60);
/// How long a new connection may take to start its first RPC, when
/// `max_connection_idle` is not shorter: grpc-go's connection (handshake)
/// timeout, 120 s.
pub const FIRST_RPC_TIMEOUT: Duration = Duration::from_secs(120);
const DEFAULT_TRANSPORT: &str = "tcp";
const MIB: u64 = 1024 * 1024;

/// The OTLP/gRPC server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GrpcServerConfig {
    /// Address to listen on, `host:port`. Default `localhost:4317`.
    pub endpoint: String,
    /// Network transport. Default `tcp`; `unix` is refused by this build.
    pub transport: String,
    /// TLS settings (`cert_file`/`key_file`, `client_ca_file` for mTLS). Default unset (plain text).
    #[serde(deserialize_with = "present_as_some", skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsServerConfig>,
    /// Largest accepted message in MiB. Default 0, which means 4 MiB.
    pub max_recv_msg_size_mib: u64,
    /// HTTP/2 concurrent streams per connection. Default 0 (no limit).
    pub max_concurrent_streams: u32,
    /// Connections open at once on the listener (an otelcol-rs addition); a
    /// connection over the bound is closed at once. Default 4096; 0 means no bound.
    pub max_connections: usize,
    /// Read buffer size in bytes. Default 524288. Not applied.
    pub read_buffer_size: usize,
    /// Write buffer size in bytes. Default 0. Not applied.
    pub write_buffer_size: usize,
    /// Keepalive settings. Default: `max_connection_idle: 5m`, the rest zero (grpc-go's defaults).
    #[serde(deserialize_with = "null_as_default")]
    pub keepalive: KeepaliveConfig,
    /// Put the request's gRPC metadata in the request context. Default false.
    pub include_metadata: bool,
    /// Server authenticator. Default unset. Refused by this build.
    #[serde(deserialize_with = "present_as_some", skip_serializing_if = "Option::is_none")]
    pub auth: Option<AuthConfig>,
    /// Middleware extensions. Default empty. Refused by this build.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub middlewares: Vec<MiddlewareConfig>,
}

impl Default for GrpcServerConfig {
    fn default() -> Self {
        GrpcServerConfig {
            endpoint: DEFAULT_GRPC_ENDPOINT.to_string(),
            transport: DEFAULT_TRANSPORT.to_string(),
            tls: None,
            max_recv_msg_size_mib: 0,
            max_concurrent_streams: 0,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            read_buffer_size: DEFAULT_READ_BUFFER_SIZE,
            write_buffer_size: 0,
            keepalive: KeepaliveConfig::default(),
            include_metadata: false,
            auth: None,
            middlewares: Vec::new(),
        }
    }
}

/// `keepalive`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KeepaliveConfig {
    /// Server-side keepalive. Default: `max_connection_idle: 5m`, the rest zero.
    #[serde(deserialize_with = "null_as_default")]
    pub server_parameters: KeepaliveServerParameters,
    /// What the server demands of client pings. Default: all zero. Not applied.
    #[serde(deserialize_with = "null_as_default")]
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

impl GrpcServerConfig {
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

    pub(crate) fn validate(&self, prefix: &str) -> Result<(), ConfigError> {
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
        refuse_unsupported(prefix, &self.tls, &self.auth, &self.middlewares)
    }

    /// Keys this build accepts but does not apply, when set to non-defaults.
    pub(crate) fn unapplied_keys(&self) -> Vec<&'static str> {
        let mut keys = Vec::new();
        if self.keepalive.enforcement_policy != KeepaliveEnforcementPolicy::default() {
            keys.push("keepalive::enforcement_policy");
        }
        if self.write_buffer_size != 0 {
            keys.push("write_buffer_size");
        }
        if self.read_buffer_size != DEFAULT_READ_BUFFER_SIZE {
            keys.push("read_buffer_size");
        }
        keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_limits_are_bounded_by_default() {
        let l = GrpcServerConfig::default().connection_limits();
        assert_eq!(l.idle_timeout, Some(Duration::from_secs(300)));
        assert_eq!(l.first_request_timeout, Some(FIRST_RPC_TIMEOUT));
        assert_eq!(
            (l.max_age, l.max_age_grace, l.request_timeout),
            (None, None, None)
        );
        assert_eq!(GrpcServerConfig::default().max_connections, 4096);
    }

    #[test]
    fn keepalive_keys_parse_go_durations() {
        let cfg: GrpcServerConfig = serde_yaml::from_str(
            "max_connections: 8\nkeepalive:\n  server_parameters:\n    max_connection_idle: 1s\n    \
             max_connection_age: 1m\n    max_connection_age_grace: 5s\n",
        )
        .unwrap();
        let l = cfg.connection_limits();
        assert_eq!(l.idle_timeout, Some(Duration::from_secs(1)));
        assert_eq!(l.first_request_timeout, Some(Duration::from_secs(1)));
        assert_eq!(l.max_age, Some(Duration::from_secs(60)));
        assert_eq!(l.max_age_grace, Some(Duration::from_secs(5)));
        assert_eq!(cfg.max_connections, 8);

        // 0 is grpc-go's "never" for idleness; the first RPC is still bounded.
        let cfg: GrpcServerConfig =
            serde_yaml::from_str("keepalive:\n  server_parameters:\n    max_connection_idle: 0s\n").unwrap();
        let l = cfg.connection_limits();
        assert_eq!(l.idle_timeout, None);
        assert_eq!(l.first_request_timeout, Some(FIRST_RPC_TIMEOUT));
        // `keepalive: {server_parameters: {}}` keeps the other defaults.
        let cfg: GrpcServerConfig = serde_yaml::from_str("keepalive:\n  server_parameters: {}\n").unwrap();
        assert_eq!(cfg, GrpcServerConfig::default());
    }
}
