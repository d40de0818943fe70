//! The `kafka` exporter's factory.

use std::sync::Arc;

use otelcol_component::{CreateError, Exporter, ExporterFactory, Factory, Settings, Signal, StabilityLevel};
use otelcol_exporterhelper::{SignalExporter, TimeoutConfig};

use crate::client::{ATTEMPT_MARGIN, KafkaClient};
use crate::config::KafkaExporterConfig;

/// The component type name used in config.
pub const TYPE: &str = "kafka";

/// Stability of traces, metrics and logs, as the Go collector declares it.
pub const STABILITY: StabilityLevel = StabilityLevel::Beta;

/// The `kafka` exporter: one producer shared by one exporter helper per
/// signal (sending queue, retries, self-metrics).
pub type KafkaExporter = SignalExporter<KafkaClient>;

/// Creates [`KafkaExporter`]s.
#[derive(Clone, Copy, Debug, Default)]
pub struct KafkaExporterFactory;

impl Factory for KafkaExporterFactory {
    type Config = KafkaExporterConfig;

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn module(&self) -> &'static str {
        concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"))
    }
}

impl ExporterFactory for KafkaExporterFactory {
    fn stability(&self, signal: Signal) -> Option<StabilityLevel> {
        match signal {
            Signal::Traces | Signal::Metrics | Signal::Logs => Some(STABILITY),
        }
    }

    fn create(
        &self,
        set: &Settings,
        cfg: &KafkaExporterConfig,
        signals: &[Signal],
    ) -> Result<Arc<dyn Exporter>, CreateError> {
        for w in cfg.unapplied_settings() {
            tracing::warn!(id = %set.id, "{w}");
        }
        let client = KafkaClient::new(set, cfg)?;
        let timeout = TimeoutConfig::new(cfg.timeout + ATTEMPT_MARGIN);
        Ok(Arc::new(SignalExporter::for_signals(
            set,
            Arc::new(client),
            &cfg.sending_queue,
            &cfg.retry_on_failure,
            timeout,
            signals,
        )?))
    }
}
