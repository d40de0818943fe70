//! # otelcol-exporter-otlphttp
//!
//! The `otlphttp` exporter (alias `otlp_http`) sends traces, metrics and logs
//! to an OTLP/HTTP backend, like the Go collector's `otlphttpexporter`:
//! `POST <endpoint>/v1/traces` (or the per-signal URL), protobuf or JSON
//! bodies, gzip by default, and the sending queue and retry policy of
//! `otelcol-exporterhelper`.
//!
//! ```yaml
//! exporters:
//!   otlphttp:
//!     endpoint: http://gateway:4318
//!     encoding: json
//!     headers:
//!       x-tenant: acme
//! ```
//!
//! Responses are classified as the Go exporter does: 429, 502, 503 and 504
//! are retried (429/503 honour `Retry-After`, seconds or HTTP-date); every
//! other non-2xx status is permanent, and its error names the
//! `google.rpc.Status` message of the body. A 2xx body that cannot be parsed
//! is a permanent error; a partial success is logged and counted, not retried.
//!
//! `https://` URLs use TLS (rustls, via `otelcol-configtls`) with the `tls`
//! settings: `ca_file`/`ca_pem`, a client certificate for mTLS,
//! `server_name_override`, `insecure_skip_verify`; HTTP/2 is negotiated by
//! ALPN unless `force_attempt_http2: false`.

mod client;
mod config;
mod connector;
mod exporter;
mod factory;
mod response;

pub use client::{HttpClient, MAX_RESPONSE_BYTES};
pub use config::{
    CompressionParams, CookiesConfig, DEFAULT_IDLE_CONN_TIMEOUT, DEFAULT_MAX_IDLE_CONNS, DEFAULT_TIMEOUT,
    DEFAULT_WRITE_BUFFER_SIZE, Encoding, OtlpHttpExporterConfig,
};
pub use exporter::{OtlpHttpExporter, new_exporter};
pub use factory::{ALIASES, OtlpHttpExporterFactory, STABILITY, TYPE};
pub use response::{classify, parse_retry_after};

/// The factory of the `otlphttp` exporter.
pub fn factory() -> OtlpHttpExporterFactory {
    OtlpHttpExporterFactory
}
