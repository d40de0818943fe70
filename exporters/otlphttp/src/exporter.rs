//! The `otlphttp` exporter: one HTTP client, one exporter helper per signal.

use std::sync::Arc;

use otelcol_component::{
    Component, ComponentError, ConfigError, Exporter, Host, Logs, Metrics, Payload, Settings, SharedConsumer,
    Signal, Traces, async_trait,
};
use otelcol_exporterhelper::{ExporterHelper, Sender, TimeoutConfig};

use crate::client::HttpClient;
use crate::config::OtlpHttpExporterConfig;

/// Sends traces, metrics and logs to an OTLP/HTTP backend, through the
/// sending queue and retry policy of its config.
#[derive(Debug)]
pub struct OtlpHttpExporter {
    client: Arc<HttpClient>,
    traces: Option<Arc<ExporterHelper<Traces>>>,
    metrics: Option<Arc<ExporterHelper<Metrics>>>,
    logs: Option<Arc<ExporterHelper<Logs>>>,
}

fn helper<T: Payload>(
    set: &Settings,
    cfg: &OtlpHttpExporterConfig,
    client: &Arc<HttpClient>,
    signals: &[Signal],
) -> Result<Option<Arc<ExporterHelper<T>>>, ConfigError>
where
    HttpClient: Sender<T>,
{
    if !signals.contains(&T::SIGNAL) {
        return Ok(None);
    }
    let sender: Arc<dyn Sender<T>> = client.clone();
    ExporterHelper::new(
        set,
        cfg.sending_queue.clone(),
        cfg.retry_on_failure.clone(),
        TimeoutConfig::new(cfg.timeout),
        sender,
    )
    .map(|h| Some(Arc::new(h)))
}

impl OtlpHttpExporter {
    /// Creates the exporter for `signals`; each needs a URL (`endpoint` or its
    /// `<signal>_endpoint`). Nothing connects until the first send.
    pub fn new(
        set: &Settings,
        cfg: &OtlpHttpExporterConfig,
        signals: &[Signal],
    ) -> Result<Self, ConfigError> {
        let client = Arc::new(HttpClient::new(set, cfg, signals)?);
        Ok(OtlpHttpExporter {
            traces: helper(set, cfg, &client, signals)?,
            metrics: helper(set, cfg, &client, signals)?,
            logs: helper(set, cfg, &client, signals)?,
            client,
        })
    }
}

#[async_trait]
impl Component for OtlpHttpExporter {
    async fn start(&self, host: Arc<dyn Host>) -> Result<(), ComponentError> {
        // The TLS files are read now, as Go reads them at start.
        self.client
            .load_tls()
            .map_err(|e| ComponentError::new(e.to_string()))?;
        if let Some(h) = &self.traces {
            h.start(host.clone()).await?;
        }
        if let Some(h) = &self.metrics {
            h.start(host.clone()).await?;
        }
        if let Some(h) = &self.logs {
            h.start(host).await?;
        }
        Ok(())
    }

    async fn shutdown(&self) -> Result<(), ComponentError> {
        if let Some(h) = &self.traces {
            h.shutdown().await?;
        }
        if let Some(h) = &self.metrics {
            h.shutdown().await?;
        }
        if let Some(h) = &self.logs {
            h.shutdown().await?;
        }
        Ok(())
    }
}

impl Exporter for OtlpHttpExporter {
    fn traces(self: Arc<Self>) -> Option<SharedConsumer<Traces>> {
        self.traces.clone().map(|h| h as SharedConsumer<Traces>)
    }
    fn metrics(self: Arc<Self>) -> Option<SharedConsumer<Metrics>> {
        self.metrics.clone().map(|h| h as SharedConsumer<Metrics>)
    }
    fn logs(self: Arc<Self>) -> Option<SharedConsumer<Logs>> {
        self.logs.clone().map(|h| h as SharedConsumer<Logs>)
    }
}
