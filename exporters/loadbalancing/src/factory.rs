//! The `loadbalancing` exporter's factory.

use std::sync::Arc;
use std::time::Duration;

use otelcol_component::{
    ConfigError, CreateError, Exporter, ExporterFactory, Factory, Settings, Signal, StabilityLevel,
};
use otelcol_exporterhelper::{SignalExporter, TimeoutConfig};

use crate::config::LoadBalancingConfig;
use crate::exporter::LoadBalancer;

/// The component type name used in config.
pub const TYPE: &str = "loadbalancing";

/// Stability in otelcol-rs (Go: beta for traces and logs, development for metrics).
pub const STABILITY: StabilityLevel = StabilityLevel::Alpha;

/// Creates [`LoadBalancingExporter`](crate::LoadBalancingExporter)s.
#[derive(Clone, Copy, Debug, Default)]
pub struct LoadBalancingExporterFactory;

impl Factory for LoadBalancingExporterFactory {
    type Config = LoadBalancingConfig;

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn module(&self) -> &'static str {
        concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"))
    }
}

impl ExporterFactory for LoadBalancingExporterFactory {
    fn stability(&self, signal: Signal) -> Option<StabilityLevel> {
        match signal {
            Signal::Traces | Signal::Logs => Some(STABILITY),
            Signal::Metrics => Some(StabilityLevel::Development),
        }
    }

    fn create(
        &self,
        set: &Settings,
        cfg: &LoadBalancingConfig,
        signals: &[Signal],
    ) -> Result<Arc<dyn Exporter>, CreateError> {
        let key = cfg.key()?;
        if let Some(s) = signals.iter().find(|s| !key.applies_to(**s)) {
            return Err(CreateError::Config(ConfigError::at(
                "routing_key",
                format!("unsupported routing_key: {} (for {s})", cfg.routing_key),
            )));
        }
        let lb = LoadBalancer::new(set, cfg)?;
        // Each call to a backend has `protocol::otlp::timeout`; a send
        // through the queue is not cut short while its parts are retried.
        let timeout = TimeoutConfig::new(Duration::ZERO);
        Ok(Arc::new(SignalExporter::for_signals(
            set,
            Arc::new(lb),
            cfg.queue(),
            &cfg.retry_on_failure,
            timeout,
            signals,
        )?))
    }
}
