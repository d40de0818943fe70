//! The `resource` processor's factory.

use std::sync::Arc;

use otelcol_component::{
    CreateError, Factory, Payload, Processor, ProcessorFactory, Settings, SharedConsumer, Signal,
    StabilityLevel,
};

use crate::config::ResourceConfig;
use crate::processor::ResourceProcessor;

/// The component type name used in config.
pub const TYPE: &str = "resource";

/// Stability of every signal, as the Go collector's `resourceprocessor` declares it.
pub const STABILITY: StabilityLevel = StabilityLevel::Beta;

/// Creates [`ResourceProcessor`]s.
#[derive(Clone, Copy, Debug, Default)]
pub struct ResourceProcessorFactory;

impl Factory for ResourceProcessorFactory {
    type Config = ResourceConfig;

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn module(&self) -> &'static str {
        concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"))
    }
}

impl ProcessorFactory for ResourceProcessorFactory {
    /// Every signal, at [`STABILITY`].
    fn stability(&self, _signal: Signal) -> Option<StabilityLevel> {
        Some(STABILITY)
    }

    fn create<T: Payload>(
        &self,
        set: &Settings,
        cfg: &ResourceConfig,
        next: SharedConsumer<T>,
    ) -> Result<Arc<dyn Processor<T>>, CreateError> {
        let attr_proc = cfg.attr_proc()?;
        tracing::debug!(id = %set.id, signal = %T::SIGNAL, actions = attr_proc.len(), "created resource processor");
        Ok(Arc::new(ResourceProcessor::new(Arc::new(attr_proc), next)))
    }
}
