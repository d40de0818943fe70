//! The `prometheus` exporter factory.

use std::sync::Arc;

use otelcol_component::{CreateError, Exporter, ExporterFactory, Factory, Settings, Signal, StabilityLevel};

use crate::config::PrometheusExporterConfig;
use crate::exporter::PrometheusExporter;

/// The component type name.
pub const TYPE: &str = "prometheus";

/// Creates `prometheus` exporters (metrics, Beta).
#[derive(Clone, Copy, Debug, Default)]
pub struct PrometheusExporterFactory;

impl Factory for PrometheusExporterFactory {
    type Config = PrometheusExporterConfig;

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn module(&self) -> &'static str {
        concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"))
    }
}

impl ExporterFactory for PrometheusExporterFactory {
    fn stability(&self, signal: Signal) -> Option<StabilityLevel> {
        (signal == Signal::Metrics).then_some(StabilityLevel::Beta)
    }

    fn create(
        &self,
        set: &Settings,
        cfg: &PrometheusExporterConfig,
        signals: &[Signal],
    ) -> Result<Arc<dyn Exporter>, CreateError> {
        if let Some(s) = signals.iter().find(|s| **s != Signal::Metrics) {
            return Err(CreateError::SignalNotSupported(*s));
        }
        cfg.validate_for_build()?;
        Ok(Arc::new(
            PrometheusExporter::new(set.id.clone(), cfg).with_meter(set.telemetry.meter.clone()),
        ))
    }
}
