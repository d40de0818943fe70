//! The receiver's factory: type `prometheus`, metrics only, Beta.

use std::sync::Arc;

use otelcol_component::{
    Component, Consumers, CreateError, Factory, Metrics, ReceiverFactory, Settings, Signal, StabilityLevel,
};

use crate::config::PrometheusReceiverConfig;
use crate::receiver::PrometheusReceiver;

/// The component type name used in config.
pub const TYPE: &str = "prometheus";

/// Stability of the metrics signal, as Go's `metadata.yaml` declares it.
pub const STABILITY: StabilityLevel = StabilityLevel::Beta;

/// Creates [`PrometheusReceiver`]s.
#[derive(Clone, Copy, Debug, Default)]
pub struct PrometheusReceiverFactory;

impl Factory for PrometheusReceiverFactory {
    type Config = PrometheusReceiverConfig;

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn module(&self) -> &'static str {
        concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"))
    }
}

impl ReceiverFactory for PrometheusReceiverFactory {
    /// Metrics only, at [`STABILITY`].
    fn stability(&self, signal: Signal) -> Option<StabilityLevel> {
        (signal == Signal::Metrics).then_some(STABILITY)
    }

    /// Builds the receiver from a validated config (no I/O: TLS files are
    /// read at start, discovery files by the running receiver).
    fn create(
        &self,
        set: &Settings,
        cfg: &PrometheusReceiverConfig,
        mut next: Consumers,
    ) -> Result<Arc<dyn Component>, CreateError> {
        let metrics = next
            .take::<Metrics>()
            .ok_or(CreateError::SignalNotSupported(Signal::Metrics))?;
        let jobs = cfg.jobs()?;
        let user_agent = format!("{}/{}", set.build_info.command, set.build_info.version);
        tracing::debug!(id = %set.id, jobs = jobs.len(), "created prometheus receiver");
        Ok(Arc::new(PrometheusReceiver::new(
            set.id.clone(),
            cfg.clone(),
            jobs,
            metrics,
            &set.telemetry.meter,
            user_agent,
            set.build_info.version.clone(),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use otelcol_component::Kind;
    use otelcol_componenttest::{NopConsumer, nop_settings};

    #[test]
    fn metadata_matches_go() {
        let f = PrometheusReceiverFactory;
        assert_eq!(f.type_name(), "prometheus");
        assert!(f.deprecated_aliases().is_empty());
        assert_eq!(f.stability(Signal::Metrics), Some(StabilityLevel::Beta));
        assert_eq!(f.stability(Signal::Traces), None);
        assert_eq!(f.stability(Signal::Logs), None);
        assert!(f.module().starts_with("otelcol-receiver-prometheus "));
    }

    #[test]
    fn create_needs_a_metrics_consumer_and_a_valid_config() {
        let f = PrometheusReceiverFactory;
        let set = nop_settings(TYPE, Kind::Receiver);
        let cfg: PrometheusReceiverConfig = otelcol_componenttest::parse_config(
            "config:\n  scrape_configs: [{job_name: a, static_configs: [{targets: ['127.0.0.1:1']}]}]\n",
        )
        .unwrap();
        assert!(matches!(
            f.create(&set, &cfg, Consumers::default()),
            Err(CreateError::SignalNotSupported(Signal::Metrics))
        ));
        let mut next = Consumers::default();
        next.set::<Metrics>(NopConsumer::new());
        assert!(f.create(&set, &cfg, next.clone()).is_ok());
        assert!(matches!(
            f.create(&set, &PrometheusReceiverConfig::default(), next),
            Err(CreateError::Config(_))
        ));
    }
}
