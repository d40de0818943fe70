//! The `attributes` processor's factory.

use std::sync::Arc;

use otelcol_attraction::{MatchConfig, MatchError, Matcher};
use otelcol_component::{
    CreateError, Factory, Logs, Metrics, Payload, Processor, ProcessorFactory, Settings, SharedConsumer,
    Signal, StabilityLevel, Traces,
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

fn create<T: Payload>(
    set: &Settings,
    cfg: &AttributesConfig,
    next: SharedConsumer<T>,
    build: fn(&MatchConfig) -> Result<Matcher, MatchError>,
) -> Result<Arc<AttributesProcessor<T>>, CreateError> {
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

impl ProcessorFactory for AttributesProcessorFactory {
    fn stability(&self, signal: Signal) -> Option<StabilityLevel> {
        match signal {
            Signal::Traces | Signal::Metrics | Signal::Logs => Some(STABILITY),
        }
    }

    fn create_traces(
        &self,
        set: &Settings,
        cfg: &AttributesConfig,
        next: SharedConsumer<Traces>,
    ) -> Result<Arc<dyn Processor<Traces>>, CreateError> {
        Ok(create(set, cfg, next, Matcher::for_spans)?)
    }

    fn create_metrics(
        &self,
        set: &Settings,
        cfg: &AttributesConfig,
        next: SharedConsumer<Metrics>,
    ) -> Result<Arc<dyn Processor<Metrics>>, CreateError> {
        Ok(create(set, cfg, next, Matcher::for_metrics)?)
    }

    fn create_logs(
        &self,
        set: &Settings,
        cfg: &AttributesConfig,
        next: SharedConsumer<Logs>,
    ) -> Result<Arc<dyn Processor<Logs>>, CreateError> {
        Ok(create(set, cfg, next, Matcher::for_logs)?)
    }
}
