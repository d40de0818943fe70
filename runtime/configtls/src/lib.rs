//! TLS settings with the Go collector's `configtls` keys, and the rustls
//! configs built from them.
//!
//! * [`TlsClientConfig`] (Go `configtls.ClientConfig`): the `tls` block of
//!   the exporters; [`client_config`] builds a [`rustls::ClientConfig`]
//!   (`None` when `insecure: true`).
//! * [`TlsServerConfig`] (Go `configtls.ServerConfig`): the `tls` block of
//!   the receivers; [`server_config`] builds a [`rustls::ServerConfig`] that
//!   requires and verifies client certificates (mTLS) when `client_ca_file`
//!   is set.
//! * [`connect`] and [`accept`] run the handshake on a TCP stream.
//!
//! Only TLS 1.2 and 1.3 exist in rustls: `min_version: "1.0"`/`"1.1"` are
//! refused. The crypto provider is `ring`. System roots are read from the
//! usual Linux bundle files (as Go does), see [`system_roots`].

mod client;
mod client_ca;
mod error;
mod io;
mod pem;
mod reload;
mod server;
mod skip_verify;
mod version;

pub use client::{TlsClientConfig, TpmConfig, client_config, client_config_with_alpn};
pub use error::TlsError;
pub use io::{accept, connect, server_name};
pub use pem::system_roots;
pub use server::{TlsServerConfig, server_config, server_config_with_alpn};
pub use version::{DEFAULT_MIN_VERSION, TlsVersion};

pub use rustls;
pub use tokio_rustls;

/// ALPN id of HTTP/2.
pub const ALPN_H2: &[u8] = b"h2";
/// ALPN id of HTTP/1.1.
pub const ALPN_HTTP11: &[u8] = b"http/1.1";

#[cfg(any(test, feature = "testing"))]
pub mod testpki;
