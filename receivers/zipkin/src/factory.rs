//! The factory: type `zipkin`, traces only, Beta (as Go's `zipkinreceiver`).

use std::sync::Arc;

use otelcol_component::{
    Component, Consumers, CreateError, Factory, ReceiverFactory, Settings, Signal, StabilityLevel, Traces,
};

use crate::config::Config;
use crate::receiver::ZipkinReceiver;

/// The component type name.
pub const TYPE: &str = "zipkin";

/// The stability of the traces signal, as Go's metadata declares it.
pub const STABILITY: StabilityLevel = StabilityLevel::Beta;

/// Creates `zipkin` receivers.
#[derive(Clone, Copy, Debug, Default)]
pub struct ZipkinReceiverFactory;

impl Factory for ZipkinReceiverFactory {
    type Config = Config;

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn module(&self) -> &'static str {
        concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"))
    }
}

impl ReceiverFactory for ZipkinReceiverFactory {
    /// Traces only.
    fn stability(&self, signal: Signal) -> Option<StabilityLevel> {
        (signal == Signal::Traces).then_some(STABILITY)
    }

    /// A receiver feeding the traces consumer; binds nothing until started.
    fn create(
        &self,
        set: &Settings,
        cfg: &Config,
        mut next: Consumers,
    ) -> Result<Arc<dyn Component>, CreateError> {
        let traces = next
            .take::<Traces>()
            .ok_or(CreateError::SignalNotSupported(Signal::Traces))?;
        Ok(Arc::new(ZipkinReceiver::new(set, cfg.clone(), traces)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_matches_go() {
        let f = ZipkinReceiverFactory;
        assert_eq!(f.type_name(), "zipkin");
        assert_eq!(f.stability(Signal::Traces), Some(StabilityLevel::Beta));
        assert_eq!(f.stability(Signal::Metrics), None);
        assert_eq!(f.stability(Signal::Logs), None);
        assert!(f.module().starts_with("otelcol-receiver-zipkin "));
        let set = otelcol_componenttest::nop_settings("zipkin", otelcol_component::Kind::Receiver);
        let e = f
            .create(&set, &Config::default(), Consumers::default())
            .unwrap_err();
        assert!(matches!(e, CreateError::SignalNotSupported(Signal::Traces)));
    }
}
