//! # otelcol-receiver-httpcheck
//!
//! The `http_check` receiver (deprecated alias `httpcheck`), like the Go
//! collector's
//! [`httpcheckreceiver`](https://github.com/open-telemetry/opentelemetry-collector-contrib/tree/main/receiver/httpcheckreceiver):
//! synthetic checks of HTTP endpoints. Every `collection_interval` it
//! requests each configured URL, all at once, and emits metrics: the status
//! class of the answer (`httpcheck.status`), how long the check took
//! (`httpcheck.duration`), the error when there was no answer
//! (`httpcheck.error`), and, when enabled, the phases of the request, the
//! response size, the server certificate's remaining validity and the
//! results of response body validations.
//!
//! ```yaml
//! receivers:
//!   http_check:
//!     collection_interval: 30s
//!     targets:
//!       - endpoint: http://localhost:8080/health
//!       - method: GET
//!         endpoints: [https://example.com, https://example.org]
//!         timeout: 5s
//!     metrics:
//!       httpcheck.tls.cert_remaining:
//!         enabled: true
//!
//! service:
//!   pipelines:
//!     metrics:
//!       receivers: [http_check]
//!       exporters: [debug]
//! ```
//!
//! See the crate's README for every key, metric and difference from Go.

#![forbid(unsafe_code)]

mod config;
mod factory;
mod metadata;
mod probe;
mod receiver;
mod scraper;
mod validate;
mod x509;

pub use config::{
    DEFAULT_COLLECTION_INTERVAL, DEFAULT_INITIAL_DELAY, DEFAULT_TARGET_TIMEOUT, ERR_INVALID_ENDPOINT,
    ERR_MISSING_ENDPOINT, HttpCheckConfig, TargetConfig, ValidationConfig,
};
pub use factory::{DEPRECATED_TYPE, HttpCheckReceiverFactory, STABILITY, TYPE};
pub use metadata::{Metric, MetricsConfig, SCOPE_NAME, attr};
pub use receiver::HttpCheckReceiver;

/// The factory of the `http_check` receiver.
pub fn factory() -> HttpCheckReceiverFactory {
    HttpCheckReceiverFactory
}
