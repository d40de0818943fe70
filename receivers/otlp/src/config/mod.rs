//! Configuration of the `otlp` receiver, with the Go collector's keys and
//! defaults: `protocols: {grpc: {...}, http: {...}}`.
//!
//! The server settings are the shared ones of `otelcol-configgrpc` and
//! `otelcol-confighttp`; this module only sets the receiver's defaults
//! (endpoints, buffer size, timeouts) and adds the OTLP URL paths.
//!
//! A protocol is enabled only when its key is present; `grpc:` with no value
//! enables it with the defaults. The default config enables no protocol, so,
//! as in the Go collector, an empty `otlp:` fails validation.

mod grpc;
mod http;

use otelcol_component::{ComponentConfig, ConfigError};
use otelcol_confighttp::{null_as_default, present_as_some};
use serde::{Deserialize, Serialize};

pub use grpc::{DEFAULT_GRPC_ENDPOINT, DEFAULT_READ_BUFFER_SIZE, GrpcServerConfig};
pub use http::{
    DEFAULT_HTTP_ENDPOINT, DEFAULT_LOGS_URL_PATH, DEFAULT_METRICS_URL_PATH, DEFAULT_TRACES_URL_PATH,
    HttpConfig, UrlPath,
};
/// `keepalive` of the gRPC server, from `otelcol-configgrpc`.
pub use otelcol_configgrpc::KeepaliveServerConfig as KeepaliveConfig;
pub use otelcol_configgrpc::{
    DEFAULT_MAX_CONNECTION_IDLE, DEFAULT_MAX_RECV_MSG_SIZE_MIB, FIRST_RPC_TIMEOUT,
    KeepaliveEnforcementPolicy, KeepaliveServerParameters,
};
pub(crate) use otelcol_confighttp::SUPPORTED_COMPRESSION;
pub use otelcol_confighttp::{
    AuthConfig, CorsConfig, DEFAULT_COMPRESSION_ALGORITHMS, DEFAULT_IDLE_TIMEOUT,
    DEFAULT_MAX_REQUEST_BODY_SIZE, DEFAULT_READ_HEADER_TIMEOUT, MiddlewareConfig,
};
/// Server-side TLS settings (Go `configtls.ServerConfig`), from `otelcol-configtls`.
pub use otelcol_configtls::TlsServerConfig;
/// Default `max_connections` of both servers (an otelcol-rs addition): 4096.
pub use otelcol_httpserver::conn::DEFAULT_MAX_CONNECTIONS;

/// The `otlp` receiver's config.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// The protocols to serve. Default: none (at least one must be given).
    #[serde(deserialize_with = "null_as_default")]
    pub protocols: Protocols,
}

/// `protocols`: which servers the receiver runs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Protocols {
    /// The OTLP/gRPC server; enabled when the key is present (`grpc:` alone
    /// gives the defaults). Default: absent.
    #[serde(deserialize_with = "present_as_some", skip_serializing_if = "Option::is_none")]
    pub grpc: Option<GrpcServerConfig>,
    /// The OTLP/HTTP server; enabled when the key is present (`http:` alone
    /// gives the defaults). Default: absent.
    #[serde(deserialize_with = "present_as_some", skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpConfig>,
}

impl ComponentConfig for Config {
    fn validate(&self) -> Result<(), ConfigError> {
        let p = &self.protocols;
        if p.grpc.is_none() && p.http.is_none() {
            return Err(ConfigError::new(
                "must specify at least one protocol when using the OTLP receiver",
            ));
        }
        if let Some(g) = &p.grpc {
            g.validate("protocols::grpc")?;
        }
        if let Some(h) = &p.http {
            h.validate("protocols::http")?;
        }
        Ok(())
    }
}
