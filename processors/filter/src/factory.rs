//! The `filter` processor's factory.

use std::sync::Arc;

use otelcol_component::{
    CreateError, Factory, Payload, Processor, ProcessorFactory, Settings, SharedConsumer, Signal,
    StabilityLevel,
};

use crate::compile::compile;
use crate::config::FilterConfig;
use crate::processor::FilterProcessor;

/// The component type name used in config.
pub const TYPE: &str = "filter";

/// Stability of every signal (Go metadata: alpha for traces, metrics, logs).
pub const STABILITY: StabilityLevel = StabilityLevel::Alpha;

/// Creates filter processors for traces, metrics and logs.
#[derive(Clone, Copy, Debug, Default)]
pub struct FilterProcessorFactory;

impl Factory for FilterProcessorFactory {
    type Config = FilterConfig;

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn module(&self) -> &'static str {
        concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"))
    }
}

impl ProcessorFactory for FilterProcessorFactory {
    /// Every signal, at [`STABILITY`].
    fn stability(&self, _signal: Signal) -> Option<StabilityLevel> {
        Some(STABILITY)
    }

    fn create<T: Payload>(
        &self,
        set: &Settings,
        cfg: &FilterConfig,
        next: SharedConsumer<T>,
    ) -> Result<Arc<dyn Processor<T>>, CreateError> {
        let plan = compile(cfg)?;
        tracing::debug!(id = %set.id, signal = %T::SIGNAL, passes = plan.passes(T::SIGNAL).len(), "created filter processor");
        Ok(Arc::new(FilterProcessor::new(
            set.id.to_string(),
            Arc::new(plan),
            next,
            set.telemetry.meter.clone(),
        )))
    }
}
