//! # otelcol-processor-attributes
//!
//! The `attributes` processor: applies an ordered list of attribute actions
//! (`insert`, `update`, `upsert`, `delete`, `hash`, `extract`, `convert`) to
//! the attributes of spans, log records and metric data points, optionally
//! only to the items an `include` / `exclude` block selects — like the Go
//! collector's `attributesprocessor`.
//!
//! ```yaml
//! processors:
//!   attributes/example:
//!     include:
//!       match_type: regexp
//!       services: ["auth.*"]
//!     actions:
//!       - key: db.table
//!         action: delete
//!       - key: account_email
//!         action: hash
//!       - key: http.status_code
//!         action: convert
//!         converted_type: int
//! ```
//!
//! Actions and matching live in `otelcol-attraction`, shared with the
//! `resource` processor.

#![forbid(unsafe_code)]

mod config;
mod factory;
mod processor;

#[cfg(test)]
mod config_tests;

pub use config::AttributesConfig;
pub use factory::{AttributesProcessorFactory, STABILITY, TYPE};
pub use processor::AttributesProcessor;

/// The factory of the `attributes` processor.
pub fn factory() -> AttributesProcessorFactory {
    AttributesProcessorFactory
}
