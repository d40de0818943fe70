//! The `otlp` exporter: one gRPC client, one exporter helper per signal.

use std::sync::Arc;

use otelcol_component::{
    Component, ComponentError, ConfigError, Exporter, Host, Logs, Metrics, Payload, Settings, SharedConsumer,
    Signal, Traces, async_trait,
};
use otelcol_exporterhelper::{ExporterHelper, Sender, TimeoutConfig};

use crate::client::GrpcClient;
use crate::config::OtlpExporterConfig;

/// Sends traces, metrics and logs to an OTLP/gRPC backend, through the
/// sending queue and retry policy of its config.
#[derive(Debug)]
pub struct OtlpExporter {
    client: Arc<GrpcClient>,
    traces: Option<Arc<ExporterHelper<Traces>>>,
    metrics: Option<Arc<ExporterHelper<Metrics>>>,
    logs: Option<Arc<ExporterHelper<Logs>>>,
}

fn helper<T: Payload>(
    set: &Settings,
    cfg: &OtlpExporterConfig,
    client: &Arc<GrpcClient>,
    signals: &[Signal],
) -> Result<Option<Arc<ExporterHelper<T>>>, ConfigError>
where
    GrpcClient: Sender<T>,
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

impl OtlpExporter {
    /// Creates the exporter for `signals`. Nothing connects until the first send.
    pub fn new(set: &Settings, cfg: &OtlpExporterConfig, signals: &[Signal]) -> Result<Self, ConfigError> {
        let client = Arc::new(GrpcClient::new(set, cfg).map_err(ConfigError::new)?);
        Ok(OtlpExporter {
            traces: helper(set, cfg, &client, signals)?,
            metrics: helper(set, cfg, &client, signals)?,
            logs: helper(set, cfg, &client, signals)?,
            client,
        })
    }
}

#[async_trait]
impl Component for OtlpExporter {
    async fn start(&self, host: Arc<dyn Host>) -> Result<(), ComponentError> {
        self.client.connect().map_err(ComponentError::new)?;
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
        // Data queued before a start still gets its chance to be sent.
        if let Err(e) = self.client.connect() {
            tracing::warn!("cannot connect to send what is queued: {e}");
        }
        if let Some(h) = &self.traces {
            h.shutdown().await?;
        }
        if let Some(h) = &self.metrics {
            h.shutdown().await?;
        }
        if let Some(h) = &self.logs {
            h.shutdown().await?;
        }
        self.client.close();
        Ok(())
    }
}

impl Exporter for OtlpExporter {
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
