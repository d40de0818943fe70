//! The `nop` receiver's factory: type `nop`, Beta for traces, metrics and logs.

use std::sync::Arc;

use otelcol_component::{
    Component, Consumers, CreateError, Factory, ReceiverFactory, Settings, Signal, StabilityLevel,
};

use crate::config::NopReceiverConfig;
use crate::receiver::NopReceiver;

/// The component type name used in config.
pub const TYPE: &str = "nop";

/// Stability of every signal, as Go's `nopreceiver` metadata declares it.
pub const STABILITY: StabilityLevel = StabilityLevel::Beta;

/// Creates [`NopReceiver`]s.
#[derive(Clone, Copy, Debug, Default)]
pub struct NopReceiverFactory;

impl Factory for NopReceiverFactory {
    type Config = NopReceiverConfig;

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn module(&self) -> &'static str {
        concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"))
    }
}

impl ReceiverFactory for NopReceiverFactory {
    /// Traces, metrics and logs, at [`STABILITY`].
    fn stability(&self, signal: Signal) -> Option<StabilityLevel> {
        match signal {
            Signal::Traces | Signal::Metrics | Signal::Logs => Some(STABILITY),
        }
    }

    /// A receiver that never calls `next` (the consumers are dropped).
    fn create(
        &self,
        set: &Settings,
        _cfg: &NopReceiverConfig,
        _next: Consumers,
    ) -> Result<Arc<dyn Component>, CreateError> {
        tracing::debug!(id = %set.id, "created nop receiver");
        Ok(Arc::new(NopReceiver))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_matches_go() {
        let f = NopReceiverFactory;
        assert_eq!(f.type_name(), "nop");
        assert!(f.deprecated_aliases().is_empty());
        for s in Signal::ALL {
            assert_eq!(f.stability(s), Some(StabilityLevel::Beta));
        }
        assert!(f.module().starts_with("otelcol-receiver-nop "));
    }
}
