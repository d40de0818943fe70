//! The `span` processor's factory.

use std::sync::Arc;

use otelcol_component::{
    CreateError, Factory, Processor, ProcessorFactory, Settings, SharedConsumer, Signal, StabilityLevel,
    Traces,
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

    fn create_traces(
        &self,
        set: &Settings,
        cfg: &SpanConfig,
        next: SharedConsumer<Traces>,
    ) -> Result<Arc<dyn Processor<Traces>>, CreateError> {
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
    }
}
