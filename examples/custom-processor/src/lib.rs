//! # otelcol-example-custom-processor
//!
//! An example third-party processor for otelcol-rs, written against the API
//! crate `otelcol-component` only: `redaction` masks attribute values whose
//! key is listed in `blocked_keys`, and the parts of string values that match
//! one of the `blocked_values` regexes. It handles traces, metrics and logs
//! with one signal-generic processor. The README of this crate is the
//! guide, with an example config.

mod config;
mod processor;

use std::sync::Arc;

use otelcol_component::{
    CreateError, Factory, Payload, Processor, ProcessorFactory, Settings, SharedConsumer, Signal,
    StabilityLevel,
};

pub use config::{DEFAULT_MASK, RedactionConfig};
pub use processor::{RedactionProcessor, Redactor};

/// The component type name used in config.
pub const TYPE: &str = "redaction";

/// Stability of every signal.
pub const STABILITY: StabilityLevel = StabilityLevel::Development;

/// The factory to register in a distribution (the builder calls
/// `otelcol_example_custom_processor::factory()` by default).
pub fn factory() -> RedactionProcessorFactory {
    RedactionProcessorFactory
}

/// Creates [`RedactionProcessor`]s.
#[derive(Clone, Copy, Debug, Default)]
pub struct RedactionProcessorFactory;

impl Factory for RedactionProcessorFactory {
    type Config = RedactionConfig;
    fn type_name(&self) -> &'static str {
        TYPE
    }
    fn module(&self) -> &'static str {
        concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"))
    }
}

impl ProcessorFactory for RedactionProcessorFactory {
    /// The signals: all three, at one level (`None` would mean unsupported).
    fn stability(&self, _signal: Signal) -> Option<StabilityLevel> {
        Some(STABILITY)
    }

    /// Called once per pipeline listing the processor, `T` being its signal's payload.
    fn create<T: Payload>(
        &self,
        set: &Settings,
        cfg: &RedactionConfig,
        next: SharedConsumer<T>,
    ) -> Result<Arc<dyn Processor<T>>, CreateError> {
        tracing::debug!(id = %set.id, signal = %T::SIGNAL, "created redaction processor");
        let redactor = Arc::new(Redactor::new(cfg)?);
        Ok(Arc::new(RedactionProcessor { redactor, next }))
    }
}
