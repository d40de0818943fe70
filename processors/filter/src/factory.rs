//! The `filter` processor's factory.

use std::sync::Arc;

use otelcol_component::{
    CreateError, Factory, Logs, Metrics, Payload, Processor, ProcessorFactory, Settings, SharedConsumer,
    Signal, StabilityLevel, Traces,
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

fn create<T: Payload>(
    set: &Settings,
    cfg: &FilterConfig,
    next: SharedConsumer<T>,
) -> Result<Arc<FilterProcessor<T>>, CreateError> {
    let plan = compile(cfg)?;
    tracing::debug!(id = %set.id, signal = %T::SIGNAL, passes = plan.passes(T::SIGNAL).len(), "created filter processor");
    Ok(Arc::new(FilterProcessor::new(
        set.id.to_string(),
        Arc::new(plan),
        next,
    )))
}

impl ProcessorFactory for FilterProcessorFactory {
    fn stability(&self, signal: Signal) -> Option<StabilityLevel> {
        match signal {
            Signal::Traces | Signal::Metrics | Signal::Logs => Some(STABILITY),
        }
    }

    fn create_traces(
        &self,
        set: &Settings,
        cfg: &FilterConfig,
        next: SharedConsumer<Traces>,
    ) -> Result<Arc<dyn Processor<Traces>>, CreateError> {
        Ok(create(set, cfg, next)?)
    }

    fn create_metrics(
        &self,
        set: &Settings,
        cfg: &FilterConfig,
        next: SharedConsumer<Metrics>,
    ) -> Result<Arc<dyn Processor<Metrics>>, CreateError> {
        Ok(create(set, cfg, next)?)
    }

    fn create_logs(
        &self,
        set: &Settings,
        cfg: &FilterConfig,
        next: SharedConsumer<Logs>,
    ) -> Result<Arc<dyn Processor<Logs>>, CreateError> {
        Ok(create(set, cfg, next)?)
    }
}
