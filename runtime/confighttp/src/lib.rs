//! # otelcol-confighttp
//!
//! HTTP settings shared by otelcol-rs components, with the Go collector's
//! keys and defaults (`config/confighttp`):
//!
//! - [`ServerConfig`]: an HTTP server (`endpoint`, `tls`, `cors`, `auth`,
//!   `max_request_body_size`, `include_metadata`, `response_headers`,
//!   `compression_algorithms`, the timeouts, `keep_alives_enabled`,
//!   `middlewares`, and this build's `max_connections`); it gives the
//!   connection limits `otelcol-httpserver` enforces;
//! - [`ClientConfig`]: an HTTP client (`endpoint`, `proxy_url`, `tls`,
//!   `timeout`, `headers`, `compression`, the connection pool keys,
//!   `cookies`, `auth`, `middlewares`, ...);
//! - client blocks: [`Headers`] (Go `configopaque.MapList`, values
//!   redacted), [`Compression`], [`CompressionParams`], [`CookiesConfig`],
//!   [`UrlCredentials`] (userinfo → `Authorization: Basic`);
//! - [`AuthConfig`] and [`MiddlewareConfig`] (Go `configauth`,
//!   `configmiddleware`) for servers and clients alike, gRPC included
//!   (`otelcol-configgrpc` re-exports them);
//! - [`Overlay`] and [`deserialize_over`]: reading a block over a
//!   component's own defaults, beside keys of its own, with the key path and
//!   "expected ..." of every error kept.
//!
//! TLS is `otelcol-configtls`.
//!
//! ```
//! use otelcol_confighttp::{ServerConfig, deserialize_over};
//!
//! let defaults = ServerConfig { endpoint: "localhost:13133".into(), ..ServerConfig::default() };
//! let cfg = deserialize_over(serde_yaml::Deserializer::from_str("include_metadata: true"), defaults).unwrap();
//! assert_eq!(cfg.endpoint, "localhost:13133");
//! cfg.validate("extensions::health_check").unwrap();
//! ```
#![forbid(unsafe_code)]

mod auth;
mod client;
mod compression;
pub mod cors;
mod credentials;
mod headers;
mod overlay;
mod server;

pub use auth::{AuthConfig, MiddlewareConfig, check_authenticated_server_security, check_server_security};
pub use client::{ClientConfig, CookiesConfig, DEFAULT_IDLE_CONN_TIMEOUT, DEFAULT_MAX_IDLE_CONNS};
pub use compression::{
    Compression, CompressionParams, DEFAULT_COMPRESSION_ALGORITHMS, SUPPORTED_COMPRESSION,
};
pub use credentials::UrlCredentials;
pub use headers::{Headers, header_map};
pub use otelcol_component::redact::{REDACTED, redact_endpoint, redact_url};
pub use otelcol_configtls::{TlsClientConfig, TlsServerConfig, TpmConfig};
pub use overlay::{
    GoDuration, Overlay, concat_fields, deserialize_over, next_or_default, null_as_default, present_as_some,
};
pub use server::{
    CorsConfig, DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_REQUEST_BODY_SIZE, DEFAULT_READ_HEADER_TIMEOUT,
    DEFAULT_WRITE_TIMEOUT, ServerConfig,
};
