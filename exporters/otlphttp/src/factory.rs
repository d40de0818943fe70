//! The `otlphttp` exporter's factory.

use std::sync::Arc;

use otelcol_component::{CreateError, Exporter, ExporterFactory, Factory, Settings, Signal, StabilityLevel};

use crate::config::OtlpHttpExporterConfig;
use crate::exporter;

/// The component type name used in config (Go's canonical name).
pub const TYPE: &str = "otlp_http";

/// The alias that also selects this exporter (the Go collector's newer name).
pub const ALIASES: &[&str] = &["otlphttp"];

/// Stability of every signal, as the Go collector declares it.
pub const STABILITY: StabilityLevel = StabilityLevel::Stable;

/// Creates [`OtlpHttpExporter`](crate::OtlpHttpExporter)s.
#[derive(Clone, Copy, Debug, Default)]
pub struct OtlpHttpExporterFactory;

impl Factory for OtlpHttpExporterFactory {
    type Config = OtlpHttpExporterConfig;

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn deprecated_aliases(&self) -> &'static [&'static str] {
        ALIASES
    }

    fn module(&self) -> &'static str {
        concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"))
    }
}

impl ExporterFactory for OtlpHttpExporterFactory {
    fn stability(&self, signal: Signal) -> Option<StabilityLevel> {
        match signal {
            Signal::Traces | Signal::Metrics | Signal::Logs => Some(STABILITY),
        }
    }

    fn create(
        &self,
        set: &Settings,
        cfg: &OtlpHttpExporterConfig,
        signals: &[Signal],
    ) -> Result<Arc<dyn Exporter>, CreateError> {
        for w in cfg.unapplied_settings() {
            tracing::warn!(id = %set.id, "{w}");
        }
        Ok(Arc::new(exporter::new_exporter(set, cfg, signals)?))
    }
}
