//! # otelcol-otlp-status
//!
//! The OTLP status rules shared by receivers and exporters, so both sides
//! of a collector agree on them:
//! - [`status`]: gRPC code ↔ HTTP status mapping (Go collector table),
//!   consumer error → gRPC code, which codes and statuses a client may retry,
//!   `Retry-After` handling;
//! - [`rpc`]: minimal `google.rpc.Status`, `Any` and `RetryInfo` messages.
#![forbid(unsafe_code)]

pub mod rpc;
pub mod status;
