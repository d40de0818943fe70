//! The `otlphttp` exporter: the HTTP client under the shared all-signals helper.

use std::sync::Arc;

use otelcol_component::{ComponentError, ConfigError, Host, Settings, Signal, async_trait};
use otelcol_exporterhelper::{ExportClient, SignalExporter, TimeoutConfig};

use crate::client::HttpClient;
use crate::config::OtlpHttpExporterConfig;

/// Sends traces, metrics and logs to an OTLP/HTTP backend, through the
/// sending queue and retry policy of its config: one [`HttpClient`] shared
/// by one exporter helper per signal.
pub type OtlpHttpExporter = SignalExporter<HttpClient>;

/// Creates the exporter for `signals`; each needs a URL (`endpoint` or its
/// `<signal>_endpoint`). Nothing connects until the first send.
pub fn new_exporter(
    set: &Settings,
    cfg: &OtlpHttpExporterConfig,
    signals: &[Signal],
) -> Result<OtlpHttpExporter, ConfigError> {
    let client = HttpClient::new(set, cfg, signals)?;
    let timeout = TimeoutConfig::new(cfg.timeout);
    let (queue, retry) = (&cfg.sending_queue, &cfg.retry_on_failure);
    SignalExporter::for_signals(set, Arc::new(client), queue, retry, timeout, signals)
}

#[async_trait]
impl ExportClient for HttpClient {
    /// The TLS files are read now, as Go reads them at start.
    async fn start(&self, host: &Arc<dyn Host>) -> Result<(), ComponentError> {
        self.auth
            .resolve(host)
            .map_err(|e| ComponentError::new(format!("auth: {e}")))?;
        self.load_tls().map_err(|e| ComponentError::new(e.to_string()))
    }
}
