//! The `prometheusremotewrite` exporter factory.

use std::sync::Arc;

use otelcol_component::{CreateError, Exporter, ExporterFactory, Factory, Settings, Signal, StabilityLevel};

use crate::config::PrwExporterConfig;
use crate::exporter::PrwExporter;

/// The component type name (contrib's lower_snake_case name since
/// opentelemetry-collector-contrib PR #48705).
pub const TYPE: &str = "prometheus_remote_write";

/// The deprecated alias that also selects this exporter (its name before the rename).
pub const ALIASES: &[&str] = &["prometheusremotewrite"];

/// Creates `prometheusremotewrite` exporters (metrics, Beta).
#[derive(Clone, Copy, Debug, Default)]
pub struct PrwExporterFactory;

impl Factory for PrwExporterFactory {
    type Config = PrwExporterConfig;

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
        cfg.validate_for_build()?;
        for w in cfg.unapplied_settings() {
            tracing::warn!(id = %set.id, "{w}");
        }
        Ok(Arc::new(PrwExporter::new(set, cfg)?))
    }
}
