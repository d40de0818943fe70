//! # otelcol-example-custom-processor
//!
//! An example third-party processor for otelcol-rs, written against the API
//! crate `otelcol-component` only: `redaction` masks attribute values whose
//! key is listed in `blocked_keys`, and the parts of string values that match
//! one of the `blocked_values` regexes. It handles traces, metrics and logs.
//!
//! The README of this crate is the guide to writing a component.
//!
//! ```yaml
//! processors:
//!   redaction:
//!     blocked_keys: [password, user.email]
//!     blocked_values: ['\b\d{4}-\d{4}-\d{4}-\d{4}\b']
//!     mask: "****"
//! ```

mod config;
mod factory;
mod processor;

pub use config::{DEFAULT_MASK, RedactionConfig};
pub use factory::{RedactionProcessorFactory, STABILITY, TYPE};
pub use processor::{RedactionProcessor, Redactor};

/// The factory to register in a distribution (the builder calls
/// `otelcol_example_custom_processor::factory()` by default).
pub fn factory() -> RedactionProcessorFactory {
    RedactionProcessorFactory
}
