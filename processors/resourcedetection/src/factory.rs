//! The `resource_detection` processor's factory.

use std::sync::Arc;

use otelcol_component::{
    CreateError, Factory, Payload, Processor, ProcessorFactory, Settings, SharedConsumer, Signal,
    StabilityLevel,
};

use crate::config::ResourceDetectionConfig;
use crate::processor::ResourceDetectionProcessor;

/// The component type name used in config (Go's current name).
pub const TYPE: &str = "resource_detection";

/// The name Go used before v0.153.0, still accepted with a deprecation warning.
pub const DEPRECATED_TYPE: &str = "resourcedetection";

/// Stability of every signal, as Go's `resourcedetectionprocessor` declares it.
pub const STABILITY: StabilityLevel = StabilityLevel::Beta;

/// Creates [`ResourceDetectionProcessor`]s.
#[derive(Clone, Copy, Debug, Default)]
pub struct ResourceDetectionProcessorFactory;

impl Factory for ResourceDetectionProcessorFactory {
    type Config = ResourceDetectionConfig;

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn deprecated_aliases(&self) -> &'static [&'static str] {
        &[DEPRECATED_TYPE]
    }

    fn module(&self) -> &'static str {
        concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"))
    }
}

impl ProcessorFactory for ResourceDetectionProcessorFactory {
    /// Traces, metrics and logs, at [`STABILITY`].
    fn stability(&self, signal: Signal) -> Option<StabilityLevel> {
        match signal {
            Signal::Traces | Signal::Metrics | Signal::Logs => Some(STABILITY),
        }
    }

    fn create<T: Payload>(
        &self,
        set: &Settings,
        cfg: &ResourceDetectionConfig,
        next: SharedConsumer<T>,
    ) -> Result<Arc<dyn Processor<T>>, CreateError> {
        otelcol_component::ComponentConfig::validate(cfg)?;
        tracing::debug!(id = %set.id, signal = %T::SIGNAL, detectors = ?cfg.detectors, "created resource_detection processor");
        Ok(Arc::new(ResourceDetectionProcessor::new(cfg, next)))
    }
}
