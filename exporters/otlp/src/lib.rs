//! # otelcol-exporter-otlp
//!
//! The `otlp` exporter (alias `otlp_grpc`) sends traces, metrics and logs to
//! an OTLP/gRPC backend, like the Go collector's `otlpexporter`: gzip by
//! default, `headers` as metadata on every call, a lazily connected channel
//! (the collector starts even when the backend is down), and the sending
//! queue and retry policy of `otelcol-exporterhelper`.
//!
//! ```yaml
//! exporters:
//!   otlp:
//!     endpoint: gateway:4317
//!     tls:
//!       ca_file: /etc/otel/ca.pem
//!     headers:
//!       x-tenant: acme
//! ```
//!
//! Answers are classified as the Go exporter does: `Cancelled`,
//! `DeadlineExceeded`, `Aborted`, `OutOfRange`, `Unavailable`, `DataLoss`,
//! and `ResourceExhausted` with `RetryInfo` are retried (honouring the
//! `RetryInfo` delay); everything else is dropped. A partial success is
//! logged and counted, not retried.
//!
//! TLS is on by default (rustls via `otelcol-configtls`): `tls` gives the
//! CA, a client certificate for mTLS, `server_name_override` and
//! `insecure_skip_verify`; `tls: {insecure: true}` or an `http://` endpoint
//! means plaintext, and `https://` forces TLS.

mod client;
mod config;
mod exporter;
mod factory;
mod tls;

pub use client::{GrpcClient, classify};
pub use config::{
    DEFAULT_KEEPALIVE_TIME, DEFAULT_KEEPALIVE_TIMEOUT, DEFAULT_TIMEOUT, DEFAULT_WRITE_BUFFER_SIZE,
    KeepaliveConfig, OtlpExporterConfig,
};
pub use exporter::{OtlpExporter, new_exporter};
pub use factory::{ALIASES, OtlpExporterFactory, STABILITY, TYPE};

/// The factory of the `otlp` exporter.
pub fn factory() -> OtlpExporterFactory {
    OtlpExporterFactory
}
