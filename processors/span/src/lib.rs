//! # otelcol-processor-span
//!
//! The `span` processor: renames spans from their attributes
//! (`name::from_attributes`), extracts attributes from span names
//! (`name::to_attributes`) and sets the span status (`status`), optionally
//! only for the spans an `include` / `exclude` block selects — like the Go
//! collector's `spanprocessor`.
//!
//! ```yaml
//! processors:
//!   span/rename:
//!     name:
//!       from_attributes: [db.svc, operation]
//!       separator: "::"
//!   span/to_attributes:
//!     name:
//!       to_attributes:
//!         rules:
//!           - ^\/api\/v1\/document\/(?P<documentId>.*)\/update$
//!   span/set_status:
//!     status:
//!       code: Error
//!       description: "some error description"
//! ```
//!
//! Matching lives in `otelcol-attraction`, shared with the `attributes` processor.

#![forbid(unsafe_code)]

mod config;
mod error;
mod factory;
mod processor;
mod rename;

pub use config::{
    DEFAULT_BREAK_AFTER_MATCH, DEFAULT_KEEP_ORIGINAL_NAME, DEFAULT_SEPARATOR, NameConfig, STATUS_CODE_ERROR,
    STATUS_CODE_OK, STATUS_CODE_UNSET, SpanConfig, StatusConfig, ToAttributesConfig,
};
pub use error::SpanConfigError;
pub use factory::{STABILITY, SpanProcessorFactory, TYPE};
pub use processor::SpanProcessor;
pub use rename::{
    PatternError, ToAttributeRule, UNKNOWN_ATTRIBUTE_TYPE, go_format_float, name_from_attributes,
};

/// The factory of the `span` processor.
pub fn factory() -> SpanProcessorFactory {
    SpanProcessorFactory
}
