//! # otelcol-processor-transform
//!
//! The `transform` processor: modifies spans, span events, metrics, data
//! points, log records, and their resources and scopes with OTTL statements,
//! as the Go collector's `transformprocessor` does.
//!
//! ```
//! use otelcol_component::{ComponentConfig, Factory};
//! use otelcol_processor_transform::{TransformConfig, factory};
//!
//! let cfg: TransformConfig = serde_yaml::from_str(
//!     r#"trace_statements: ['set(span.attributes["env"], "prod") where span.name == "GET /"']"#,
//! ).unwrap();
//! assert!(cfg.validate().is_ok());
//! assert_eq!(factory().type_name(), "transform");
//! ```
//!
//! Statements are parsed when the config is validated: a syntax error is a
//! config error naming the key path and the column. See the README for the
//! supported functions and the differences from Go.

#![forbid(unsafe_code)]

mod compile;
mod config;
mod factory;
mod processor;

pub use config::{ContextStatements, DEFAULT_ERROR_MODE, ErrorMode, StatementsEntry, TransformConfig};
pub use factory::{STABILITY, TYPE, TransformProcessorFactory};
/// The OTTL implementation (the `otelcol-ottl` crate), re-exported.
pub use otelcol_ottl as ottl;

/// The factory to register in a distribution.
pub fn factory() -> TransformProcessorFactory {
    TransformProcessorFactory
}
