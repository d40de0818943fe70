//! Configuration of the `otlp` receiver, with the Go collector's keys and
//! defaults: `protocols: {grpc: {...}, http: {...}}`.
//!
//! A protocol is enabled only when its key is present; `grpc:` with no value
//! enables it with the defaults. The default config enables no protocol, so,
//! as in the Go collector, an empty `otlp:` fails validation.

mod grpc;
mod http;
mod serde_util;

use otelcol_component::{ComponentConfig, ConfigError};
use serde::{Deserialize, Serialize};

pub use grpc::{
    DEFAULT_GRPC_ENDPOINT, DEFAULT_MAX_CONNECTION_IDLE, DEFAULT_MAX_RECV_MSG_SIZE_MIB,
    DEFAULT_READ_BUFFER_SIZE, FIRST_RPC_TIMEOUT, GrpcServerConfig, KeepaliveConfig,
    KeepaliveEnforcementPolicy, KeepaliveServerParameters,
};
pub(crate) use http::SUPPORTED_COMPRESSION;
pub use http::{
    CorsConfig, DEFAULT_COMPRESSION_ALGORITHMS, DEFAULT_HTTP_ENDPOINT, DEFAULT_IDLE_TIMEOUT,
    DEFAULT_LOGS_URL_PATH, DEFAULT_MAX_REQUEST_BODY_SIZE, DEFAULT_METRICS_URL_PATH,
    DEFAULT_READ_HEADER_TIMEOUT, DEFAULT_TRACES_URL_PATH, HttpConfig, UrlPath,
};
/// Default `max_connections` of both servers (an otelcol-rs addition): 4096.
pub use otelcol_httpserver::conn::DEFAULT_MAX_CONNECTIONS;

/// The `otlp` receiver's config.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// The protocols to serve. Default: none (at least one must be given).
    #[serde(deserialize_with = "serde_util::null_as_default")]
    pub protocols: Protocols,
}

/// `protocols`: which servers the receiver runs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Protocols {
    /// The OTLP/gRPC server; enabled when the key is present (`grpc:` alone
    /// gives the defaults). Default: absent.
    #[serde(
        deserialize_with = "serde_util::present_as_some",
        skip_serializing_if = "Option::is_none"
    )]
    pub grpc: Option<GrpcServerConfig>,
    /// The OTLP/HTTP server; enabled when the key is present (`http:` alone
    /// gives the defaults). Default: absent.
    #[serde(
        deserialize_with = "serde_util::present_as_some",
        skip_serializing_if = "Option::is_none"
    )]
    pub http: Option<HttpConfig>,
}

/// Server-side TLS settings (Go `configtls.ServerConfig`), from `otelcol-configtls`.
pub use otelcol_configtls::TlsServerConfig;

/// `auth`: the server authenticator extension that checks each request.
/// Accepted so that configs parse; refused by this build in `validate`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// Id of the authenticator extension (`basicauth/server`). Default empty.
    pub authenticator: String,
    /// HTTP only: query parameters passed to the authenticator. Default empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub request_params: Vec<String>,
}

/// One entry of `middlewares`: a middleware extension by id. Refused by this
/// build in `validate`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MiddlewareConfig {
    /// Id of the middleware extension. Default empty.
    pub id: String,
}

/// Checks `tls` and the keys shared by both servers that this build refuses.
fn refuse_unsupported(
    prefix: &str,
    tls: &Option<TlsServerConfig>,
    auth: &Option<AuthConfig>,
    middlewares: &[MiddlewareConfig],
) -> Result<(), ConfigError> {
    if let Some(tls) = tls {
        tls.validate()
            .map_err(|e| e.into_config_error(&format!("{prefix}::tls")))?;
    }
    if let Some(auth) = auth {
        return Err(ConfigError::at(
            format!("{prefix}::auth"),
            format!(
                "auth (authenticator {:?}) is not supported yet by this build",
                auth.authenticator
            ),
        ));
    }
    if !middlewares.is_empty() {
        return Err(ConfigError::at(
            format!("{prefix}::middlewares"),
            "middlewares are not supported yet by this build",
        ));
    }
    Ok(())
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
