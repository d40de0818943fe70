//! The `transform` processor's factory.

use std::sync::Arc;

use otelcol_component::{
    CreateError, Factory, Payload, Processor, ProcessorFactory, Settings, SharedConsumer, Signal,
    StabilityLevel,
};

use crate::compile::compile;
use crate::config::TransformConfig;
use crate::processor::TransformProcessor;

/// The component type name used in config.
pub const TYPE: &str = "transform";

/// Stability of every signal (Go metadata: beta for traces, metrics, logs).
pub const STABILITY: StabilityLevel = StabilityLevel::Beta;

/// Creates transform processors for traces, metrics and logs.
#[derive(Clone, Copy, Debug, Default)]
pub struct TransformProcessorFactory;

impl Factory for TransformProcessorFactory {
    type Config = TransformConfig;

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn module(&self) -> &'static str {
        concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"))
    }
}

impl ProcessorFactory for TransformProcessorFactory {
    /// Every signal, at [`STABILITY`].
    fn stability(&self, _signal: Signal) -> Option<StabilityLevel> {
        Some(STABILITY)
    }

    fn create<T: Payload>(
        &self,
        set: &Settings,
        cfg: &TransformConfig,
        next: SharedConsumer<T>,
    ) -> Result<Arc<dyn Processor<T>>, CreateError> {
        let plan = compile(cfg)?;
        tracing::debug!(id = %set.id, signal = %T::SIGNAL, groups = plan.groups(T::SIGNAL).len(), "created transform processor");
        Ok(Arc::new(TransformProcessor::new(
            set.id.to_string(),
            Arc::new(plan),
            next,
        )))
    }
}
