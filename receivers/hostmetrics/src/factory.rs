//! The receiver's factory: type `host_metrics` (Go's name since the
//! snake_case renaming), with the deprecated alias `hostmetrics`; metrics only.

use std::sync::Arc;

use otelcol_component::{
    Component, ComponentConfig, Consumers, CreateError, Factory, Metrics, ReceiverFactory, Settings, Signal,
    StabilityLevel,
};

use crate::config::HostMetricsConfig;
use crate::receiver::HostMetricsReceiver;

/// The component type name used in config (Go's current name).
pub const TYPE: &str = "host_metrics";

/// The name Go used before the rename, still accepted with a deprecation warning.
pub const DEPRECATED_TYPE: &str = "hostmetrics";

/// Stability of the metrics signal, as Go's `hostmetricsreceiver` declares it.
pub const STABILITY: StabilityLevel = StabilityLevel::Beta;

/// Creates [`HostMetricsReceiver`]s.
#[derive(Clone, Copy, Debug, Default)]
pub struct HostMetricsReceiverFactory;

impl Factory for HostMetricsReceiverFactory {
    type Config = HostMetricsConfig;

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn deprecated_aliases(&self) -> &'static [&'static str] {
        &[DEPRECATED_TYPE]
    }

    fn module(&self) -> &'static str {
        concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"))
    }
}

impl ReceiverFactory for HostMetricsReceiverFactory {
    /// Metrics at [`STABILITY`]. Go's logs signal (host entity events, in
    /// development) is not implemented.
    fn stability(&self, signal: Signal) -> Option<StabilityLevel> {
        (signal == Signal::Metrics).then_some(STABILITY)
    }

    /// Builds the scrapers (compiling the filters); reads nothing.
    fn create(
        &self,
        set: &Settings,
        cfg: &HostMetricsConfig,
        mut next: Consumers,
    ) -> Result<Arc<dyn Component>, CreateError> {
        cfg.validate()?;
        let metrics = next
            .take::<Metrics>()
            .ok_or_else(|| CreateError::Other("the host_metrics receiver needs a metrics pipeline".into()))?;
        let r = HostMetricsReceiver::new(
            set.id.to_string(),
            set.build_info.version.clone(),
            cfg,
            &set.telemetry.meter,
            metrics,
        )
        .map_err(|e| CreateError::Other(format!("invalid filter: {e}")))?;
        tracing::debug!(id = %set.id, scrapers = ?cfg.scrapers.names(), "created host_metrics receiver");
        Ok(Arc::new(r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_matches_go() {
        let f = HostMetricsReceiverFactory;
        assert_eq!(f.type_name(), "host_metrics");
        assert_eq!(f.deprecated_aliases(), ["hostmetrics"]);
        assert_eq!(f.stability(Signal::Metrics), Some(StabilityLevel::Beta));
        assert_eq!(f.stability(Signal::Traces), None);
        assert_eq!(f.stability(Signal::Logs), None);
        assert!(f.module().starts_with("otelcol-receiver-hostmetrics "));
    }
}
