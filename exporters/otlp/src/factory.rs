//! The `otlp` exporter's factory.

use std::sync::Arc;

use otelcol_component::{CreateError, Exporter, ExporterFactory, Factory, Settings, Signal, StabilityLevel};

use crate::config::OtlpExporterConfig;
use crate::exporter;

/// The component type name used in config (Go's canonical name).
pub const TYPE: &str = "otlp_grpc";

/// The deprecated alias that also selects this exporter (Go renamed `otlp`
/// to `otlp_grpc` in v0.144 and keeps `otlp` as a deprecated alias).
pub const ALIASES: &[&str] = &["otlp"];

/// Stability of every signal, as the Go collector declares it.
pub const STABILITY: StabilityLevel = StabilityLevel::Stable;

/// Creates [`OtlpExporter`](crate::OtlpExporter)s.
#[derive(Clone, Copy, Debug, Default)]
pub struct OtlpExporterFactory;

impl Factory for OtlpExporterFactory {
    type Config = OtlpExporterConfig;

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

impl ExporterFactory for OtlpExporterFactory {
    fn stability(&self, signal: Signal) -> Option<StabilityLevel> {
        match signal {
            Signal::Traces | Signal::Metrics | Signal::Logs => Some(STABILITY),
        }
    }

    fn create(
        &self,
        set: &Settings,
        cfg: &OtlpExporterConfig,
        signals: &[Signal],
    ) -> Result<Arc<dyn Exporter>, CreateError> {
        Ok(Arc::new(exporter::new_exporter(set, cfg, signals)?))
    }
}
