//! The `span` processor's factory.

use std::sync::Arc;

use otelcol_component::{
    CreateError, Factory, Payload, Processor, ProcessorFactory, Settings, SharedConsumer, Signal,
    StabilityLevel, Traces, for_signal,
};

use crate::config::SpanConfig;
use crate::processor::SpanProcessor;

/// The component type name used in config.
pub const TYPE: &str = "span";

/// Stability of traces, as the Go collector's `spanprocessor` metadata declares it.
pub const STABILITY: StabilityLevel = StabilityLevel::Alpha;

/// Creates [`SpanProcessor`]s.
#[derive(Clone, Copy, Debug, Default)]
pub struct SpanProcessorFactory;

impl Factory for SpanProcessorFactory {
    type Config = SpanConfig;

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn module(&self) -> &'static str {
        concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"))
    }
}

impl ProcessorFactory for SpanProcessorFactory {
    fn stability(&self, signal: Signal) -> Option<StabilityLevel> {
        match signal {
            Signal::Traces => Some(STABILITY),
            Signal::Metrics | Signal::Logs => None,
        }
    }

    fn create<T: Payload>(
        &self,
        set: &Settings,
        cfg: &SpanConfig,
        next: SharedConsumer<T>,
    ) -> Result<Arc<dyn Processor<T>>, CreateError> {
        for_signal::<Traces, T>(next, |next| {
            cfg.validate_for_build()?;
            let matcher = cfg.matcher()?;
            let rules = cfg.to_attribute_rules()?;
            tracing::debug!(
                id = %set.id,
                from_attributes = cfg.name.from_attributes.len(),
                rules = rules.len(),
                status = cfg.status.is_some(),
                filtered = !matcher.matches_everything(),
                "created span processor"
            );
            Ok(Arc::new(SpanProcessor::new(cfg, matcher, rules, next)))
        })
    }
}
