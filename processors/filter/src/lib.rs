//! # otelcol-processor-filter
//!
//! The `filter` processor: drops spans, span events, metrics, data points and
//! log records for which any configured OTTL condition is true, as the Go
//! collector's `filterprocessor` does.
//!
//! ```
//! use otelcol_component::{ComponentConfig, Factory};
//! use otelcol_processor_filter::{FilterConfig, factory};
//!
//! let cfg: FilterConfig = serde_yaml::from_str(
//!     r#"trace_conditions: ['span.attributes["http.route"] == "/healthz"']"#,
//! ).unwrap();
//! assert!(cfg.validate().is_ok());
//! assert_eq!(factory().type_name(), "filter");
//! ```
//!
//! Conditions are parsed when the config is validated, so a syntax error is
//! a config error naming the key and the condition's index; see the README
//! for the supported OTTL subset.

#![forbid(unsafe_code)]

mod compile;
mod config;
mod factory;
mod legacy;
/// The OTTL conditions (the `otelcol-ottl` crate), re-exported.
pub use otelcol_ottl as ottl;
mod prefilter;
mod processor;
mod signals;

pub use config::{
    ConditionGroup, ConditionsEntry, DEFAULT_ERROR_MODE, ErrorMode, FilterConfig, LogFilters, MetricFilters,
    TraceFilters,
};
pub use factory::{FilterProcessorFactory, STABILITY, TYPE};
pub use legacy::{LogMatchProperties, LogSeverityNumberMatch, MetricMatchProperties};

/// The factory to register in a distribution.
pub fn factory() -> FilterProcessorFactory {
    FilterProcessorFactory
}
