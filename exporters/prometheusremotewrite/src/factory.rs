//! The `prometheusremotewrite` exporter factory.

use std::sync::Arc;

use otelcol_component::{CreateError, Exporter, ExporterFactory, Factory, Settings, Signal, StabilityLevel};

use crate::config::PrwExporterConfig;
use crate::exporter::PrwExporter;

/// The component type name.
pub const TYPE: &str = "prometheusremotewrite";

/// Creates `prometheusremotewrite` exporters (metrics, Beta).
#[derive(Clone, Copy, Debug, Default)]
pub struct PrwExporterFactory;

impl Factory for PrwExporterFactory {
    type Config = PrwExporterConfig;

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn module(&self) -> &'static str {
        concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"))
    }
}

impl ExporterFactory for PrwExporterFactory {
    fn stability(&self, signal: Signal) -> Option<StabilityLevel> {
        (signal == Signal::Metrics).then_some(StabilityLevel::Beta)
    }

    fn create(
        &self,
        set: &Settings,
        cfg: &PrwExporterConfig,
        signals: &[Signal],
    ) -> Result<Arc<dyn Exporter>, CreateError> {
        if let Some(s) = signals.iter().find(|s| **s != Signal::Metrics) {
            return Err(CreateError::SignalNotSupported(*s));
        }
        Ok(Arc::new(PrwExporter::new(set, cfg)?))
    }
}
