//! The factory: type `jaeger`, traces only, Beta (Go's stability).

use std::sync::Arc;

use otelcol_component::{
    Component, Consumers, CreateError, Factory, ReceiverFactory, Settings, Signal, StabilityLevel, Traces,
};

use crate::config::Config;
use crate::receiver::JaegerReceiver;

/// The component type name.
pub const TYPE: &str = "jaeger";

/// Stability of traces, as Go's `jaegerreceiver` metadata declares it.
pub const STABILITY: StabilityLevel = StabilityLevel::Beta;

/// Creates `jaeger` receivers.
#[derive(Clone, Copy, Debug, Default)]
pub struct JaegerReceiverFactory;

impl Factory for JaegerReceiverFactory {
    type Config = Config;

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn module(&self) -> &'static str {
        concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"))
    }
}

impl ReceiverFactory for JaegerReceiverFactory {
    /// Traces at [`STABILITY`]; no metrics, no logs.
    fn stability(&self, signal: Signal) -> Option<StabilityLevel> {
        (signal == Signal::Traces).then_some(STABILITY)
    }

    fn create(
        &self,
        set: &Settings,
        cfg: &Config,
        mut next: Consumers,
    ) -> Result<Arc<dyn Component>, CreateError> {
        let traces = next
            .take::<Traces>()
            .ok_or(CreateError::SignalNotSupported(Signal::Traces))?;
        Ok(Arc::new(JaegerReceiver::new(set, cfg.clone(), traces)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_matches_go() {
        let f = JaegerReceiverFactory;
        assert_eq!(f.type_name(), "jaeger");
        assert_eq!(f.stability(Signal::Traces), Some(StabilityLevel::Beta));
        assert_eq!(f.stability(Signal::Metrics), None);
        assert_eq!(f.stability(Signal::Logs), None);
        assert!(f.module().starts_with("otelcol-receiver-jaeger "));
    }
}
