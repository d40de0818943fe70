//! The `kafka` receiver's factory.

use std::sync::Arc;

use otelcol_component::{
    Component, ComponentConfig, Consumers, CreateError, Factory, Logs, Metrics, ReceiverFactory, Settings,
    Signal, StabilityLevel, Traces,
};

use crate::config::KafkaReceiverConfig;
use crate::receiver::KafkaReceiver;

/// The component type name used in config.
pub const TYPE: &str = "kafka";

/// Stability of traces, metrics and logs, as the Go collector declares it.
pub const STABILITY: StabilityLevel = StabilityLevel::Beta;

/// Creates [`KafkaReceiver`]s.
#[derive(Clone, Copy, Debug, Default)]
pub struct KafkaReceiverFactory;

impl Factory for KafkaReceiverFactory {
    type Config = KafkaReceiverConfig;

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn module(&self) -> &'static str {
        concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"))
    }
}

impl ReceiverFactory for KafkaReceiverFactory {
    fn stability(&self, signal: Signal) -> Option<StabilityLevel> {
        match signal {
            Signal::Traces | Signal::Metrics | Signal::Logs => Some(STABILITY),
        }
    }

    /// Builds the receiver (no I/O: consumers are created at start).
    fn create(
        &self,
        set: &Settings,
        cfg: &KafkaReceiverConfig,
        mut next: Consumers,
    ) -> Result<Arc<dyn Component>, CreateError> {
        cfg.validate()?;
        for w in cfg.unapplied_settings() {
            tracing::warn!(id = %set.id, "{w}");
        }
        Ok(Arc::new(KafkaReceiver::new(
            set,
            cfg,
            next.take::<Traces>(),
            next.take::<Metrics>(),
            next.take::<Logs>(),
        )))
    }
}
