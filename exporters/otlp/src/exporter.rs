//! The `otlp` exporter: the gRPC client under the shared all-signals helper.

use std::sync::Arc;

use otelcol_component::{ComponentError, ConfigError, Host, Settings, Signal, async_trait};
use otelcol_exporterhelper::{ExportClient, SignalExporter, TimeoutConfig};

use crate::client::GrpcClient;
use crate::config::OtlpExporterConfig;

/// Sends traces, metrics and logs to an OTLP/gRPC backend, through the
/// sending queue and retry policy of its config: one [`GrpcClient`] shared
/// by one exporter helper per signal.
pub type OtlpExporter = SignalExporter<GrpcClient>;

/// Creates the exporter for `signals`. It connects when started.
pub fn new_exporter(
    set: &Settings,
    cfg: &OtlpExporterConfig,
    signals: &[Signal],
) -> Result<OtlpExporter, ConfigError> {
    let client = GrpcClient::new(set, cfg).map_err(ConfigError::new)?;
    let timeout = TimeoutConfig::new(cfg.timeout);
    let (queue, retry) = (&cfg.sending_queue, &cfg.retry_on_failure);
    SignalExporter::for_signals(set, Arc::new(client), queue, retry, timeout, signals)
}

#[async_trait]
impl ExportClient for GrpcClient {
    async fn start(&self, host: &Arc<dyn Host>) -> Result<(), ComponentError> {
        self.auth
            .resolve(host)
            .map_err(|e| ComponentError::new(format!("auth: {e}")))?;
        self.connect().map_err(ComponentError::new)
    }

    async fn prepare_drain(&self) {
        // Data queued before a start still gets its chance to be sent.
        if let Err(e) = self.connect() {
            tracing::warn!("cannot connect to send what is queued: {e}");
        }
    }

    async fn close(&self) -> Result<(), ComponentError> {
        GrpcClient::close(self);
        Ok(())
    }
}
