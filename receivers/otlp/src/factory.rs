//! The factory: type `otlp`, Stable for traces, metrics and logs.

use std::sync::Arc;

use otelcol_component::{
    Component, Consumers, CreateError, Factory, ReceiverFactory, Settings, Signal, StabilityLevel,
};

use crate::config::Config;
use crate::receiver::OtlpReceiver;

/// The component type name.
pub const TYPE: &str = "otlp";

/// Creates `otlp` receivers.
#[derive(Clone, Copy, Debug, Default)]
pub struct OtlpReceiverFactory;

impl Factory for OtlpReceiverFactory {
    type Config = Config;

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn module(&self) -> &'static str {
        concat!("otelcol-receiver-otlp ", env!("CARGO_PKG_VERSION"))
    }
}

impl ReceiverFactory for OtlpReceiverFactory {
    fn stability(&self, signal: Signal) -> Option<StabilityLevel> {
        match signal {
            Signal::Traces | Signal::Metrics | Signal::Logs => Some(StabilityLevel::Stable),
        }
    }

    fn create(
        &self,
        set: &Settings,
        cfg: &Config,
        next: Consumers,
    ) -> Result<Arc<dyn Component>, CreateError> {
        Ok(Arc::new(OtlpReceiver::new(set, cfg.clone(), next)))
    }
}
