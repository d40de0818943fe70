//! The `debug` exporter's factory.

use std::sync::Arc;

use otelcol_component::{CreateError, Exporter, ExporterFactory, Factory, Settings, Signal, StabilityLevel};

use crate::config::DebugConfig;
use crate::exporter::DebugExporter;

/// The component type name used in config.
pub const TYPE: &str = "debug";

/// Stability of every signal, as the Go collector's `debugexporter` declares it.
pub const STABILITY: StabilityLevel = StabilityLevel::Alpha;

/// Creates [`DebugExporter`]s.
#[derive(Clone, Copy, Debug, Default)]
pub struct DebugExporterFactory;

impl Factory for DebugExporterFactory {
    type Config = DebugConfig;

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn module(&self) -> &'static str {
        concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"))
    }
}

impl ExporterFactory for DebugExporterFactory {
    fn stability(&self, signal: Signal) -> Option<StabilityLevel> {
        match signal {
            Signal::Traces | Signal::Metrics | Signal::Logs => Some(STABILITY),
        }
    }

    fn create(
        &self,
        set: &Settings,
        cfg: &DebugConfig,
        _signals: &[Signal],
    ) -> Result<Arc<dyn Exporter>, CreateError> {
        Ok(Arc::new(DebugExporter::new(set, cfg)))
    }
}
