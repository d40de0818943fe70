//! # otelcol-httpserver
//!
//! Building blocks for components that serve HTTP (extensions such as
//! health_check, zpages and pprof; the prometheus exporter):
//! - [`endpoint`]: listen endpoints parsed as the Go collector accepts them
//!   (`localhost:13133`, `0.0.0.0:8889`, `:1777`, `[::1]:55679`) and bound;
//! - [`server`]: a small HTTP/1.1 + h2c server bound in `start` and stopped
//!   gracefully in `shutdown`, serving a [`server::Handler`];
//! - [`conn`]: connection hygiene: a bound on open connections per listener
//!   and a per-connection watchdog closing idle, stalled and old connections;
//! - [`gofmt`]: Go's spellings of times and durations for JSON bodies;
//! - [`auth`]: a handler behind a server authenticator (`auth`).
#![forbid(unsafe_code)]

pub mod auth;
pub mod conn;
pub mod endpoint;
pub mod gofmt;
pub mod server;
