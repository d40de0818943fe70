//! # otelcol-configgrpc
//!
//! gRPC settings shared by otelcol-rs components, with the Go collector's
//! keys and defaults (`config/configgrpc`):
//!
//! - [`ServerConfig`]: a gRPC server (`endpoint`, `transport`, `tls`,
//!   `max_recv_msg_size_mib`, `max_concurrent_streams`, buffer sizes,
//!   `keepalive{server_parameters, enforcement_policy}`, `include_metadata`,
//!   `auth`, `middlewares`, and this build's `max_connections`); it gives the
//!   connection limits `otelcol-httpserver` enforces;
//! - [`ClientConfig`]: a gRPC client (`endpoint`, `compression`, `tls`,
//!   `keepalive` ([`KeepaliveClientConfig`]), buffer sizes, `wait_for_ready`,
//!   `headers`, `user_agent`, `balancer_name`, `authority`, `auth`,
//!   `middlewares`), with Go's endpoint prefix and TLS rules;
//! - re-exported from `otelcol-confighttp`, where they are defined once for
//!   both protocols: [`AuthConfig`], [`MiddlewareConfig`], [`Compression`],
//!   [`Headers`].
//!
//! ```
//! use otelcol_configgrpc::ServerConfig;
//!
//! let defaults = ServerConfig { endpoint: "localhost:4317".into(), ..ServerConfig::default() };
//! let cfg = otelcol_confighttp::deserialize_over(
//!     serde_yaml::Deserializer::from_str("max_recv_msg_size_mib: 16"),
//!     defaults,
//! )
//! .unwrap();
//! assert_eq!(cfg.max_recv_msg_size(), 16 * 1024 * 1024);
//! cfg.validate("receivers::otlp::protocols::grpc").unwrap();
//! ```
#![forbid(unsafe_code)]

mod client;
mod server;

pub use client::{
    ClientConfig, DEFAULT_BALANCER_NAME, DEFAULT_KEEPALIVE_TIME, DEFAULT_KEEPALIVE_TIMEOUT,
    KeepaliveClientConfig,
};
pub use otelcol_confighttp::{
    AuthConfig, Compression, Headers, MiddlewareConfig, TlsClientConfig, TlsServerConfig,
};
pub use server::{
    DEFAULT_MAX_CONNECTION_IDLE, DEFAULT_MAX_RECV_MSG_SIZE_MIB, DEFAULT_TRANSPORT, FIRST_RPC_TIMEOUT,
    KeepaliveEnforcementPolicy, KeepaliveServerConfig, KeepaliveServerParameters, ServerConfig,
};
