//! The `file` exporter's factory.

use std::sync::Arc;

use otelcol_component::{
    ComponentConfig, CreateError, Exporter, ExporterFactory, Factory, Settings, Signal, StabilityLevel,
};

use crate::config::FileConfig;
use crate::exporter::FileExporter;

/// The component type name used in config.
pub const TYPE: &str = "file";

/// Stability of every signal, as the Go collector's `fileexporter` declares it.
pub const STABILITY: StabilityLevel = StabilityLevel::Alpha;

/// Creates [`FileExporter`]s: one per id, shared by all its signals, so
/// traces, metrics and logs of one `file` exporter go to the same file.
#[derive(Clone, Copy, Debug, Default)]
pub struct FileExporterFactory;

impl Factory for FileExporterFactory {
    type Config = FileConfig;

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn module(&self) -> &'static str {
        concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"))
    }
}

impl ExporterFactory for FileExporterFactory {
    fn stability(&self, signal: Signal) -> Option<StabilityLevel> {
        match signal {
            Signal::Traces | Signal::Metrics | Signal::Logs => Some(STABILITY),
        }
    }

    fn create(
        &self,
        set: &Settings,
        cfg: &FileConfig,
        _signals: &[Signal],
    ) -> Result<Arc<dyn Exporter>, CreateError> {
        cfg.validate()?;
        for w in cfg.unapplied_settings() {
            tracing::warn!(id = %set.id, "{w}");
        }
        Ok(Arc::new(FileExporter::new(set, cfg)))
    }
}
