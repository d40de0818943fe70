//! The `probabilistic_sampler` processor's factory.

use std::sync::Arc;

use otelcol_component::{
    ComponentConfig, CreateError, Factory, Logs, Processor, ProcessorFactory, Settings, SharedConsumer,
    Signal, StabilityLevel, Traces,
};

use crate::config::ProbabilisticSamplerConfig;
use crate::processor::ProbabilisticSamplerProcessor;

/// The component type name used in config.
pub const TYPE: &str = "probabilistic_sampler";

/// Stability of traces and logs in otelcol-rs (Go declares traces beta, logs alpha).
pub const STABILITY: StabilityLevel = StabilityLevel::Alpha;

/// Creates [`ProbabilisticSamplerProcessor`]s.
#[derive(Clone, Copy, Debug, Default)]
pub struct ProbabilisticSamplerProcessorFactory;

impl Factory for ProbabilisticSamplerProcessorFactory {
    type Config = ProbabilisticSamplerConfig;

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn module(&self) -> &'static str {
        concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"))
    }
}

impl ProcessorFactory for ProbabilisticSamplerProcessorFactory {
    fn stability(&self, signal: Signal) -> Option<StabilityLevel> {
        match signal {
            Signal::Traces | Signal::Logs => Some(STABILITY),
            Signal::Metrics => None,
        }
    }

    fn create_traces(
        &self,
        set: &Settings,
        cfg: &ProbabilisticSamplerConfig,
        next: SharedConsumer<Traces>,
    ) -> Result<Arc<dyn Processor<Traces>>, CreateError> {
        cfg.validate()?;
        let p = ProbabilisticSamplerProcessor::new(set.id.to_string(), cfg, next);
        tracing::debug!(id = %set.id, sampler = ?p.sampler(), "created probabilistic_sampler traces processor");
        Ok(Arc::new(p))
    }

    fn create_logs(
        &self,
        set: &Settings,
        cfg: &ProbabilisticSamplerConfig,
        next: SharedConsumer<Logs>,
    ) -> Result<Arc<dyn Processor<Logs>>, CreateError> {
        cfg.validate()?;
        let p = ProbabilisticSamplerProcessor::new(set.id.to_string(), cfg, next);
        tracing::debug!(id = %set.id, sampler = ?p.sampler(), "created probabilistic_sampler logs processor");
        Ok(Arc::new(p))
    }
}
