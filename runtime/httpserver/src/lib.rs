//! # otelcol-httpserver
//!
//! Building blocks for components that serve HTTP (extensions such as
//! health_check, zpages and pprof; the prometheus exporter):
//! - [`endpoint`]: listen endpoints parsed as the Go collector accepts them
//!   (`localhost:13133`, `0.0.0.0:8889`, `:1777`, `[::1]:55679`) and bound;
//! - [`server`]: a small HTTP/1.1 + h2c server bound in `start` and stopped
//!   gracefully in `shutdown`, serving a [`server::Handler`];
//! - [`gofmt`]: Go's spellings of times and durations for JSON bodies.
#![forbid(unsafe_code)]

pub mod endpoint;
pub mod gofmt;
pub mod server;
