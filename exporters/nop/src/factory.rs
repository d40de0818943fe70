//! The `nop` exporter's factory.

use std::sync::Arc;

use otelcol_component::{CreateError, Exporter, ExporterFactory, Factory, Settings, Signal, StabilityLevel};

use crate::config::NopConfig;
use crate::exporter::NopExporter;

/// The component type name used in config.
pub(crate) const TYPE: &str = "nop";

/// Stability of every signal, as the Go collector's `nopexporter` declares it.
pub(crate) const STABILITY: StabilityLevel = StabilityLevel::Beta;

/// Creates [`NopExporter`]s.
#[derive(Clone, Copy, Debug, Default)]
pub struct NopExporterFactory;

impl Factory for NopExporterFactory {
    type Config = NopConfig;

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn module(&self) -> &'static str {
        concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"))
    }
}

impl ExporterFactory for NopExporterFactory {
    fn stability(&self, signal: Signal) -> Option<StabilityLevel> {
        match signal {
            Signal::Traces | Signal::Metrics | Signal::Logs => Some(STABILITY),
        }
    }

    fn create(
        &self,
        _set: &Settings,
        _cfg: &NopConfig,
        _signals: &[Signal],
    ) -> Result<Arc<dyn Exporter>, CreateError> {
        Ok(Arc::new(NopExporter))
    }
}
