//! The exporter: a metrics consumer feeding the accumulator, and the scrape
//! server started and stopped with the component.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use otelcol_component::{
    Component, ComponentError, ComponentId, ConsumeError, Consumer, Exporter, Host, Metrics, Payload,
    SharedConsumer, async_trait,
};
use otelcol_httpserver::server::{HttpServer, ServerOptions};
use otelcol_prometheus::{Accumulator, AccumulatorConfig, Clock, MetricNamer, SystemClock};

use crate::config::PrometheusExporterConfig;
use crate::server::Scrape;

/// Points in one batch above which accumulation runs on a blocking thread.
const BLOCKING_POINTS: usize = 10_000;

#[derive(Debug, Default)]
enum State {
    #[default]
    Created,
    Running(HttpServer),
    Stopped,
}

/// The `prometheus` exporter. Create it through [`crate::factory`], or with
/// [`PrometheusExporter::new`] to reach [`PrometheusExporter::local_addr`].
#[derive(Debug)]
pub struct PrometheusExporter {
    id: ComponentId,
    endpoint: String,
    tls: Option<otelcol_configtls::TlsServerConfig>,
    auth: Option<otelcol_confighttp::AuthConfig>,
    scrape: Arc<Scrape>,
    state: tokio::sync::Mutex<State>,
    addr: Mutex<Option<SocketAddr>>,
    meter: otelcol_component::Meter,
}

/// The accumulator settings a config asks for.
pub fn accumulator_config(cfg: &PrometheusExporterConfig) -> AccumulatorConfig {
    AccumulatorConfig {
        namer: MetricNamer::new(&cfg.namespace, cfg.with_suffixes()),
        const_labels: cfg.sanitized_const_labels().into_iter().collect(),
        scope_info: !cfg.without_scope_info,
        resource_to_telemetry: cfg.resource_to_telemetry_conversion.enabled,
        expiration: cfg.metric_expiration,
    }
}

impl PrometheusExporter {
    /// An exporter for a validated config, on the system clock.
    pub fn new(id: ComponentId, cfg: &PrometheusExporterConfig) -> Self {
        Self::with_clock(id, cfg, Arc::new(SystemClock))
    }

    /// An exporter whose series expire by `clock` (for tests).
    pub fn with_clock(id: ComponentId, cfg: &PrometheusExporterConfig, clock: Arc<dyn Clock>) -> Self {
        let accumulator = Arc::new(Accumulator::with_clock(accumulator_config(cfg), clock));
        PrometheusExporter {
            id,
            endpoint: cfg.endpoint.clone(),
            tls: cfg.tls.clone(),
            auth: cfg.auth.clone(),
            scrape: Arc::new(Scrape {
                accumulator,
                open_metrics: cfg.enable_open_metrics,
                timestamps: cfg.send_timestamps,
            }),
            state: tokio::sync::Mutex::new(State::Created),
            addr: Mutex::new(None),
            meter: otelcol_component::Meter::default(),
        }
    }

    /// The same exporter counting its sent points through `meter`
    /// (`Settings::telemetry.meter`; default the global recorder).
    pub fn with_meter(mut self, meter: otelcol_component::Meter) -> Self {
        self.meter = meter;
        self
    }

    /// The address the scrape server is bound to, once started.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        *self.addr.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The accumulator behind the scrape page.
    pub fn accumulator(&self) -> &Arc<Accumulator> {
        &self.scrape.accumulator
    }
}

#[async_trait]
impl Component for PrometheusExporter {
    async fn start(&self, host: Arc<dyn Host>) -> Result<(), ComponentError> {
        let authenticator = match &self.auth {
            Some(a) => Some(
                otelcol_component::auth::server_authenticator(&host, &a.authenticator)
                    .map_err(|e| ComponentError::new(format!("auth: {e}")))?,
            ),
            None => None,
        };
        let mut state = self.state.lock().await;
        match *state {
            State::Created => {}
            State::Running(_) => return Err(ComponentError::new("exporter already started")),
            State::Stopped => return Err(ComponentError::new("exporter was shut down")),
        }
        let options = ServerOptions {
            tls: self
                .tls
                .as_ref()
                .map(otelcol_httpserver::server::tls_config)
                .transpose()?,
            ..ServerOptions::default()
        };
        let handler = Arc::new(otelcol_httpserver::auth::Authenticated::new(
            self.scrape.clone(),
            authenticator,
        ));
        let server = HttpServer::start_with(&self.endpoint, handler, options).await?;
        let addr = server.local_addr();
        *self.addr.lock().unwrap_or_else(PoisonError::into_inner) = Some(addr);
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        tracing::info!(exporter = %self.id, %addr, scheme, "Prometheus exporter serving /metrics");
        *state = State::Running(server);
        Ok(())
    }

    async fn shutdown(&self) -> Result<(), ComponentError> {
        let mut state = self.state.lock().await;
        if let State::Running(server) = std::mem::replace(&mut *state, State::Stopped) {
            server.stop().await?;
        }
        Ok(())
    }
}

#[async_trait]
impl Consumer<Metrics> for PrometheusExporter {
    async fn consume(&self, data: Metrics) -> Result<(), ConsumeError> {
        let items = data.item_count();
        if items == 0 {
            return Ok(());
        }
        if items > BLOCKING_POINTS {
            let acc = self.scrape.accumulator.clone();
            tokio::task::spawn_blocking(move || acc.accumulate(data.request()))
                .await
                .map_err(|e| ConsumeError::permanent(format!("accumulating metrics failed: {e}")))?;
        } else {
            self.scrape.accumulator.accumulate(data.request());
        }
        self.meter
            .counter(
                "otelcol_exporter_sent_metric_points",
                &[("exporter", self.id.to_string())],
            )
            .increment(items as u64);
        Ok(())
    }
}

impl Exporter for PrometheusExporter {
    fn metrics(self: Arc<Self>) -> Option<SharedConsumer<Metrics>> {
        Some(self)
    }
}
