//! The `attributes` processor's factory.

use std::sync::Arc;

use otelcol_attraction::Matcher;
use otelcol_component::{
    CreateError, Factory, Payload, Processor, ProcessorFactory, Settings, SharedConsumer, Signal,
    StabilityLevel,
};

use crate::config::AttributesConfig;
use crate::processor::AttributesProcessor;

/// The component type name used in config.
pub const TYPE: &str = "attributes";

/// Stability of every signal, as the Go collector's `attributesprocessor`
/// metadata declares it.
pub const STABILITY: StabilityLevel = StabilityLevel::Beta;

/// Creates [`AttributesProcessor`]s.
#[derive(Clone, Copy, Debug, Default)]
pub struct AttributesProcessorFactory;

impl Factory for AttributesProcessorFactory {
    type Config = AttributesConfig;

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn module(&self) -> &'static str {
        concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"))
    }
}

impl ProcessorFactory for AttributesProcessorFactory {
    /// Every signal, at [`STABILITY`].
    fn stability(&self, _signal: Signal) -> Option<StabilityLevel> {
        Some(STABILITY)
    }

    fn create<T: Payload>(
        &self,
        set: &Settings,
        cfg: &AttributesConfig,
        next: SharedConsumer<T>,
    ) -> Result<Arc<dyn Processor<T>>, CreateError> {
        let build = match T::SIGNAL {
            Signal::Traces => Matcher::for_spans,
            Signal::Metrics => Matcher::for_metrics,
            Signal::Logs => Matcher::for_logs,
        };
        cfg.validate_for_build()?;
        let attr_proc = cfg.attr_proc()?;
        let matcher = build(&cfg.match_config()).map_err(|e| e.to_config_error())?;
        tracing::debug!(
            id = %set.id,
            signal = %T::SIGNAL,
            actions = attr_proc.len(),
            filtered = !matcher.matches_everything(),
            "created attributes processor"
        );
        Ok(Arc::new(AttributesProcessor::new(
            Arc::new(attr_proc),
            matcher,
            next,
        )))
    }
}
