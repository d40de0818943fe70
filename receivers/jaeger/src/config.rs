//! Configuration of the `jaeger` receiver, with the Go collector's keys and
//! defaults:
//!
//! ```yaml
//! jaeger:
//!   protocols:
//!     grpc:            # the shared gRPC server keys, default endpoint localhost:14250
//!     thrift_http:     # the shared HTTP server keys, default endpoint localhost:14268
//!     thrift_compact:  # UDP, default endpoint localhost:6831
//!       queue_size: 1000
//!       max_packet_size: 65000
//!       workers: 10
//!       socket_buffer_size: 0
//!     thrift_binary:   # UDP, default endpoint localhost:6832, same keys
//! ```
//!
//! A protocol is served only when its key is present (`grpc:` alone gives
//! its defaults); with none, validation fails with Go's message.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::time::Duration;

use otelcol_component::{ComponentConfig, ConfigError};
use otelcol_confighttp::{Overlay, deserialize_over, null_as_default};
use serde::de::{self, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Default `protocols::grpc::endpoint`.
pub const DEFAULT_GRPC_ENDPOINT: &str = "localhost:14250";
/// Default `protocols::thrift_http::endpoint`.
pub const DEFAULT_THRIFT_HTTP_ENDPOINT: &str = "localhost:14268";
/// Default `protocols::thrift_compact::endpoint`.
pub const DEFAULT_THRIFT_COMPACT_ENDPOINT: &str = "localhost:6831";
/// Default `protocols::thrift_binary::endpoint`.
pub const DEFAULT_THRIFT_BINARY_ENDPOINT: &str = "localhost:6832";
/// Default `queue_size` of the UDP servers: packets waiting for a worker.
pub const DEFAULT_QUEUE_SIZE: i64 = 1_000;
/// Default `max_packet_size` of the UDP servers, in bytes.
pub const DEFAULT_MAX_PACKET_SIZE: i64 = 65_000;
/// Default `workers` of the UDP servers.
pub const DEFAULT_WORKERS: i64 = 10;
/// Default `socket_buffer_size` of the UDP servers: 0 keeps the system's.
pub const DEFAULT_SOCKET_BUFFER_SIZE: i64 = 0;

/// The `jaeger` receiver's config.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// The protocols to serve. Default: none (at least one must be given).
    #[serde(deserialize_with = "null_as_default")]
    pub protocols: Protocols,
    /// Go's deprecated `remote_sampling` block: accepted so that a Go config
    /// parses, then refused by `validate` with Go's message (Go's
    /// `receiver.jaeger.DisableRemoteSampling` gate is on by default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote_sampling: Option<RemoteSampling>,
}

/// `protocols`: which servers the receiver runs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Protocols {
    /// `jaeger.api_v2.CollectorService` over gRPC. Default: absent.
    #[serde(deserialize_with = "some_grpc", skip_serializing_if = "Option::is_none")]
    pub grpc: Option<GrpcConfig>,
    /// Thrift (binary protocol) batches `POST`ed to `/api/traces`. Default: absent.
    #[serde(deserialize_with = "some_http", skip_serializing_if = "Option::is_none")]
    pub thrift_http: Option<ThriftHttpConfig>,
    /// `emitBatch` in the Thrift binary protocol over UDP. Default: absent.
    #[serde(deserialize_with = "some_binary", skip_serializing_if = "Option::is_none")]
    pub thrift_binary: Option<UdpConfig>,
    /// `emitBatch` in the Thrift compact protocol over UDP. Default: absent.
    #[serde(deserialize_with = "some_compact", skip_serializing_if = "Option::is_none")]
    pub thrift_compact: Option<UdpConfig>,
}

fn some_grpc<'de, D: Deserializer<'de>>(d: D) -> Result<Option<GrpcConfig>, D::Error> {
    deserialize_over(d, GrpcConfig::default().server).map(|server| Some(GrpcConfig { server }))
}

fn some_http<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ThriftHttpConfig>, D::Error> {
    deserialize_over(d, ThriftHttpConfig::default().server).map(|server| Some(ThriftHttpConfig { server }))
}

fn some_binary<'de, D: Deserializer<'de>>(d: D) -> Result<Option<UdpConfig>, D::Error> {
    deserialize_over(d, UdpConfig::with_endpoint(DEFAULT_THRIFT_BINARY_ENDPOINT)).map(Some)
}

fn some_compact<'de, D: Deserializer<'de>>(d: D) -> Result<Option<UdpConfig>, D::Error> {
    deserialize_over(d, UdpConfig::with_endpoint(DEFAULT_THRIFT_COMPACT_ENDPOINT)).map(Some)
}

/// `protocols::grpc`: the shared gRPC server settings
/// (`otelcol_configgrpc::ServerConfig`, reached through `Deref`) with the
/// receiver's default endpoint `localhost:14250`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(transparent)]
pub struct GrpcConfig {
    /// The server settings.
    pub server: otelcol_configgrpc::ServerConfig,
}

impl Default for GrpcConfig {
    fn default() -> Self {
        GrpcConfig {
            server: otelcol_configgrpc::ServerConfig {
                endpoint: DEFAULT_GRPC_ENDPOINT.to_string(),
                ..Default::default()
            },
        }
    }
}

impl GrpcConfig {
    /// The defaults listening on `endpoint`.
    pub fn with_endpoint(endpoint: impl Into<String>) -> Self {
        let mut c = GrpcConfig::default();
        c.server.endpoint = endpoint.into();
        c
    }

    /// Keys this build accepts but does not apply, when set.
    pub(crate) fn unapplied_keys(&self) -> Vec<String> {
        self.server
            .unapplied_keys(&GrpcConfig::default().server)
            .into_iter()
            .map(str::to_string)
            .collect()
    }
}

impl<'de> Deserialize<'de> for GrpcConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize_over(d, GrpcConfig::default().server).map(|server| GrpcConfig { server })
    }
}

impl Deref for GrpcConfig {
    type Target = otelcol_configgrpc::ServerConfig;
    fn deref(&self) -> &Self::Target {
        &self.server
    }
}

impl DerefMut for GrpcConfig {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.server
    }
}

/// `protocols::thrift_http`: the shared HTTP server settings
/// (`otelcol_confighttp::ServerConfig`, reached through `Deref`) with the
/// receiver's defaults: endpoint `localhost:14268` and no `write_timeout`
/// (Go's receiver sets no timeout; this build keeps confighttp's 1m
/// `read_header_timeout` and `idle_timeout`, so idle and stalled
/// connections are still closed).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(transparent)]
pub struct ThriftHttpConfig {
    /// The server settings.
    pub server: otelcol_confighttp::ServerConfig,
}

impl Default for ThriftHttpConfig {
    fn default() -> Self {
        ThriftHttpConfig {
            server: otelcol_confighttp::ServerConfig {
                endpoint: DEFAULT_THRIFT_HTTP_ENDPOINT.to_string(),
                write_timeout: Duration::ZERO,
                ..Default::default()
            },
        }
    }
}

impl ThriftHttpConfig {
    /// The defaults listening on `endpoint`.
    pub fn with_endpoint(endpoint: impl Into<String>) -> Self {
        let mut c = ThriftHttpConfig::default();
        c.server.endpoint = endpoint.into();
        c
    }

    /// Keys this build accepts but does not apply, when set.
    pub(crate) fn unapplied_keys(&self) -> Vec<String> {
        let mut keys = self.server.unapplied_keys();
        if self.server.cors.is_some() {
            keys.push("cors".to_string());
        }
        keys
    }
}

impl<'de> Deserialize<'de> for ThriftHttpConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize_over(d, ThriftHttpConfig::default().server).map(|server| ThriftHttpConfig { server })
    }
}

impl Deref for ThriftHttpConfig {
    type Target = otelcol_confighttp::ServerConfig;
    fn deref(&self) -> &Self::Target {
        &self.server
    }
}

impl DerefMut for ThriftHttpConfig {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.server
    }
}

/// `protocols::thrift_compact` / `protocols::thrift_binary`: a UDP server
/// (Go's `ProtocolUDP`, the server keys squashed beside `endpoint`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UdpConfig {
    /// `host:port` to listen on. Default `localhost:6831` (compact) /
    /// `localhost:6832` (binary).
    pub endpoint: String,
    /// Packets read and waiting for a worker; more are dropped (counted).
    /// Default 1000; 0 hands each packet straight to a worker.
    pub queue_size: i64,
    /// The largest packet read, in bytes; a larger one is dropped
    /// (counted). Default 65000.
    pub max_packet_size: i64,
    /// Packets decoded and handed on at once. Default 10.
    pub workers: i64,
    /// The socket's receive buffer (`SO_RCVBUF`) in bytes; 0 or less keeps
    /// the system's. Default 0.
    pub socket_buffer_size: i64,
}

impl Default for UdpConfig {
    /// The compact protocol's defaults.
    fn default() -> Self {
        UdpConfig::with_endpoint(DEFAULT_THRIFT_COMPACT_ENDPOINT)
    }
}

impl UdpConfig {
    /// The defaults listening on `endpoint`.
    pub fn with_endpoint(endpoint: impl Into<String>) -> Self {
        UdpConfig {
            endpoint: endpoint.into(),
            queue_size: DEFAULT_QUEUE_SIZE,
            max_packet_size: DEFAULT_MAX_PACKET_SIZE,
            workers: DEFAULT_WORKERS,
            socket_buffer_size: DEFAULT_SOCKET_BUFFER_SIZE,
        }
    }

    fn validate(&self, prefix: &str, name: &str) -> Result<(), ConfigError> {
        check_port(&self.endpoint).map_err(|e| {
            ConfigError::at(
                format!("{prefix}::endpoint"),
                format!("invalid port number for the {name} endpoint: {e}"),
            )
        })?;
        if self.workers <= 0 {
            // Go refuses it when starting, with this message.
            return Err(ConfigError::at(
                format!("{prefix}::workers"),
                format!(
                    "number of processors must be greater than 0, called with {}",
                    self.workers
                ),
            ));
        }
        if self.queue_size < 0 {
            return Err(ConfigError::at(
                format!("{prefix}::queue_size"),
                format!("must not be negative, got {}", self.queue_size),
            ));
        }
        if self.max_packet_size <= 0 {
            return Err(ConfigError::at(
                format!("{prefix}::max_packet_size"),
                format!("must be greater than 0, got {}", self.max_packet_size),
            ));
        }
        Ok(())
    }
}

impl Overlay for UdpConfig {
    const FIELDS: &'static [&'static str] = &[
        "endpoint",
        "queue_size",
        "max_packet_size",
        "workers",
        "socket_buffer_size",
    ];
    const EXPECTING: &'static str = "the UDP server settings (a map)";

    fn set_field<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "endpoint" => self.endpoint = map.next_value()?,
            "queue_size" => self.queue_size = map.next_value::<GoInt>()?.0,
            "max_packet_size" => self.max_packet_size = map.next_value::<GoInt>()?.0,
            "workers" => self.workers = map.next_value::<GoInt>()?.0,
            "socket_buffer_size" => self.socket_buffer_size = map.next_value::<GoInt>()?.0,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

impl<'de> Deserialize<'de> for UdpConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize_over(d, UdpConfig::default())
    }
}

/// An integer as Go's YAML reads it: a number, or a string of digits with
/// `_` separators (`100_000`, YAML 1.1, which Go's configs use).
struct GoInt(i64);

impl<'de> Deserialize<'de> for GoInt {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = GoInt;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<GoInt, E> {
                Ok(GoInt(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<GoInt, E> {
                i64::try_from(v)
                    .map(GoInt)
                    .map_err(|_| E::custom(format!("{v} is out of range")))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<GoInt, E> {
                let digits: String = v.chars().filter(|&c| c != '_').collect();
                let valid = !v.starts_with('_') && !v.ends_with('_') && !v.contains("__");
                match digits.parse::<i64>() {
                    Ok(n) if valid => Ok(GoInt(n)),
                    _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// Go's deprecated `remote_sampling` block (any content); see [`Config::remote_sampling`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RemoteSampling;

impl<'de> Deserialize<'de> for RemoteSampling {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        IgnoredAny::deserialize(d).map(|_| RemoteSampling)
    }
}

impl Serialize for RemoteSampling {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        s.serialize_map(Some(0))?.end()
    }
}

/// Go's `checkPortFromEndpoint`: `host:port` (`net.SplitHostPort`) with a
/// numeric port. Port 0 is accepted here (the system picks a free port;
/// Go refuses it), so tests can bind free ports.
pub(crate) fn check_port(endpoint: &str) -> Result<u16, String> {
    let (_, port) = split_host_port(endpoint)
        .map_err(|e| format!("endpoint is not formatted correctly: address {endpoint}: {e}"))?;
    let n: i64 = port.parse().map_err(|_| {
        format!("endpoint port is not a number: strconv.ParseInt: parsing {port:?}: invalid syntax")
    })?;
    u16::try_from(n).map_err(|_| "port number must be between 1 and 65535".to_string())
}

/// Go's `net.SplitHostPort`.
pub(crate) fn split_host_port(s: &str) -> Result<(&str, &str), &'static str> {
    if let Some(rest) = s.strip_prefix('[') {
        let Some(end) = rest.find(']') else {
            return Err("missing ']' in address");
        };
        let host = &rest[..end];
        return match rest[end + 1..].strip_prefix(':') {
            Some(port) if !port.contains(':') => Ok((host, port)),
            Some(_) => Err("too many colons in address"),
            None if rest.len() == end + 1 => Err("missing port in address"),
            None => Err("unexpected ']' in address"),
        };
    }
    let Some(colon) = s.rfind(':') else {
        return Err("missing port in address");
    };
    let (host, port) = (&s[..colon], &s[colon + 1..]);
    if host.contains(':') {
        return Err("too many colons in address");
    }
    if host.contains('[') || host.contains(']') {
        return Err("unexpected '[' in address");
    }
    Ok((host, port))
}

impl ComponentConfig for Config {
    fn validate(&self) -> Result<(), ConfigError> {
        let p = &self.protocols;
        if p.grpc.is_none()
            && p.thrift_http.is_none()
            && p.thrift_binary.is_none()
            && p.thrift_compact.is_none()
        {
            return Err(ConfigError::new(
                "must specify at least one protocol when using the Jaeger receiver",
            ));
        }
        if let Some(g) = &p.grpc {
            let prefix = "protocols::grpc";
            check_port(&g.endpoint).map_err(|e| {
                ConfigError::at(
                    format!("{prefix}::endpoint"),
                    format!("invalid port number for the gRPC endpoint: {e}"),
                )
            })?;
            g.server.validate_authenticated(prefix)?;
        }
        if let Some(h) = &p.thrift_http {
            let prefix = "protocols::thrift_http";
            check_port(&h.endpoint).map_err(|e| {
                ConfigError::at(
                    format!("{prefix}::endpoint"),
                    format!("invalid port number for the Thrift HTTP endpoint: {e}"),
                )
            })?;
            h.server.validate_authenticated(prefix)?;
        }
        if let Some(b) = &p.thrift_binary {
            b.validate("protocols::thrift_binary", "Thrift UDP Binary")?;
        }
        if let Some(c) = &p.thrift_compact {
            c.validate("protocols::thrift_compact", "Thrift UDP Compact")?;
        }
        if self.remote_sampling.is_some() {
            return Err(ConfigError::at(
                "remote_sampling",
                "remote sampling config detected in the Jaeger receiver; use the `jaegerremotesampling` extension instead",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
