//! The `probabilistic_sampler` processor's factory.

use std::sync::Arc;

use otelcol_component::{
    ComponentConfig, CreateError, Factory, Logs, Payload, Processor, ProcessorFactory, Settings,
    SharedConsumer, Signal, StabilityLevel, Traces, for_signal,
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

    fn create<T: Payload>(
        &self,
        set: &Settings,
        cfg: &ProbabilisticSamplerConfig,
        next: SharedConsumer<T>,
    ) -> Result<Arc<dyn Processor<T>>, CreateError> {
        cfg.validate()?;
        match T::SIGNAL {
            Signal::Traces => for_signal::<Traces, T>(next, |next| Ok(sampler(set, cfg, next))),
            Signal::Logs => for_signal::<Logs, T>(next, |next| Ok(sampler(set, cfg, next))),
            Signal::Metrics => Err(CreateError::SignalNotSupported(Signal::Metrics)),
        }
    }
}

/// The sampler of traces or logs.
fn sampler<S: Payload>(
    set: &Settings,
    cfg: &ProbabilisticSamplerConfig,
    next: SharedConsumer<S>,
) -> Arc<dyn Processor<S>>
where
    ProbabilisticSamplerProcessor<S>: Processor<S>,
{
    let p = ProbabilisticSamplerProcessor::new(set.id.to_string(), cfg, next)
        .with_meter(set.telemetry.meter.clone());
    tracing::debug!(id = %set.id, signal = %S::SIGNAL, sampler = ?p.sampler(), "created probabilistic_sampler processor");
    Arc::new(p)
}
