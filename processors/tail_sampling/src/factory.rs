//! The `tail_sampling` processor's factory.

use std::sync::Arc;

use otelcol_component::{
    ComponentConfig, CreateError, Factory, Payload, Processor, ProcessorFactory, Settings, SharedConsumer,
    Signal, StabilityLevel, Traces, for_signal,
};

use crate::config::TailSamplingConfig;
use crate::processor::TailSamplingProcessor;

/// The component type name used in config.
pub const TYPE: &str = "tail_sampling";

/// Stability of traces, as Go's `metadata.yaml` declares it.
pub const STABILITY: StabilityLevel = StabilityLevel::Beta;

/// Creates [`TailSamplingProcessor`]s.
#[derive(Clone, Copy, Debug, Default)]
pub struct TailSamplingProcessorFactory;

impl Factory for TailSamplingProcessorFactory {
    type Config = TailSamplingConfig;

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn module(&self) -> &'static str {
        concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"))
    }
}

impl ProcessorFactory for TailSamplingProcessorFactory {
    fn stability(&self, signal: Signal) -> Option<StabilityLevel> {
        (signal == Signal::Traces).then_some(STABILITY)
    }

    fn create<T: Payload>(
        &self,
        set: &Settings,
        cfg: &TailSamplingConfig,
        next: SharedConsumer<T>,
    ) -> Result<Arc<dyn Processor<T>>, CreateError> {
        cfg.validate()?;
        for_signal::<Traces, T>(next, |next| {
            let p = TailSamplingProcessor::new(
                &set.id.to_string(),
                set.id.name(),
                cfg,
                next,
                &set.telemetry.meter,
            )?;
            tracing::debug!(id = %set.id, policies = cfg.policies.len(), "created tail_sampling processor");
            Ok(Arc::new(p))
        })
    }
}
