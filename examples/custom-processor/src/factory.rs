//! The `redaction` processor's factory.

use std::sync::Arc;

use otelcol_component::{
    CreateError, Factory, Logs, Metrics, Payload, Processor, ProcessorFactory, Settings, SharedConsumer,
    Signal, StabilityLevel, Traces,
};

use crate::config::RedactionConfig;
use crate::processor::{RedactionProcessor, Redactor};

/// The component type name used in config.
pub const TYPE: &str = "redaction";

/// Stability of every signal.
pub const STABILITY: StabilityLevel = StabilityLevel::Development;

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

fn create<T: Payload>(
    set: &Settings,
    cfg: &RedactionConfig,
    next: SharedConsumer<T>,
) -> Result<Arc<dyn Processor<T>>, CreateError> {
    let redactor = Redactor::new(cfg)?;
    tracing::debug!(id = %set.id, signal = %T::SIGNAL, "created redaction processor");
    Ok(Arc::new(RedactionProcessor::new(Arc::new(redactor), next)))
}

impl ProcessorFactory for RedactionProcessorFactory {
    fn stability(&self, signal: Signal) -> Option<StabilityLevel> {
        match signal {
            Signal::Traces | Signal::Metrics | Signal::Logs => Some(STABILITY),
        }
    }

    fn create_traces(
        &self,
        set: &Settings,
        cfg: &RedactionConfig,
        next: SharedConsumer<Traces>,
    ) -> Result<Arc<dyn Processor<Traces>>, CreateError> {
        create(set, cfg, next)
    }

    fn create_metrics(
        &self,
        set: &Settings,
        cfg: &RedactionConfig,
        next: SharedConsumer<Metrics>,
    ) -> Result<Arc<dyn Processor<Metrics>>, CreateError> {
        create(set, cfg, next)
    }

    fn create_logs(
        &self,
        set: &Settings,
        cfg: &RedactionConfig,
        next: SharedConsumer<Logs>,
    ) -> Result<Arc<dyn Processor<Logs>>, CreateError> {
        create(set, cfg, next)
    }
}
