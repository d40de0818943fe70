//! # otelcol-processor-resource
//!
//! The `resource` processor: applies an ordered list of attribute actions
//! (`insert`, `update`, `upsert`, `delete`, `hash`, `extract`, `convert`) to
//! the resource attributes of every span, metric and log payload, like the Go
//! collector's `resourceprocessor`.
//!
//! ```yaml
//! processors:
//!   resource:
//!     attributes:
//!     - key: cloud.availability_zone
//!       value: "zone-1"
//!       action: upsert
//!     - key: k8s.cluster.name
//!       from_attribute: k8s-cluster
//!       action: insert
//!     - key: redundant-attribute
//!       action: delete
//! ```
//!
//! The actions themselves live in `otelcol-attraction`, shared with the
//! `attributes` processor.

#![forbid(unsafe_code)]

mod config;
mod factory;
mod processor;

pub use config::ResourceConfig;
pub use factory::{ResourceProcessorFactory, STABILITY, TYPE};
pub use processor::ResourceProcessor;

/// The factory of the `resource` processor.
pub fn factory() -> ResourceProcessorFactory {
    ResourceProcessorFactory
}
