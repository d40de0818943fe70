//! The collector: resolve → validate → build → start, then wait for shutdown
//! or reload. Usable from the CLI and embedded in another tokio program.
//!
//! ```no_run
//! # async fn demo(factories: otelcol_service::Factories) -> Result<(), otelcol_service::CollectorError> {
//! use otelcol_service::{Collector, ConfigSource};
//! use tokio_util::sync::CancellationToken;
//!
//! let yaml = "receivers: {otlp: {protocols: {grpc: }}}\nexporters: {debug: }\n\
//!             service: {pipelines: {traces: {receivers: [otlp], exporters: [debug]}}}";
//! let collector = Collector::new(std::sync::Arc::new(factories), Default::default())
//!     .with_sources(vec![ConfigSource::Inline { name: "embedded".into(), yaml: yaml.into() }]);
//! let stop = CancellationToken::new();
//! collector.run(stop.clone(), None).await?;
//! # Ok(()) }
//! ```

use std::sync::Arc;

use otelcol_component::{BuildInfo, Meter};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::config::expand::ProcessLookup;
use crate::config::{ConfigErrors, ConfigSource, Resolved};
use crate::factories::Factories;
use crate::graph::{BuildError, build_with};
use crate::loss::{LossReport, Snapshot};
use crate::selfmetrics::{self, Registry, SelfRecorder, TelemetryServer};
use crate::selftelemetry::{self, SelfTelemetry, SelfTelemetryInputs};
use crate::service::{Service, StartError};
use crate::validate::{ValidatedConfig, validate};

/// Why the collector stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CollectorError {
    /// The config is invalid.
    #[error("invalid configuration:\n{0}")]
    Config(#[from] ConfigErrors),
    /// A component could not be created.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// A component could not be started.
    #[error(transparent)]
    Start(#[from] StartError),
    /// The collector's own metrics endpoint could not be served.
    #[error("{0}")]
    Telemetry(String),
}

/// Resolves and validates the config from `sources` and `sets`.
pub fn load_config(
    sources: &[ConfigSource],
    sets: &[String],
    factories: &Factories,
) -> Result<(Resolved, ValidatedConfig), ConfigErrors> {
    let resolved = Resolved::resolve(sources, sets, &ProcessLookup)?;
    let validated = validate(&resolved, factories)?;
    Ok((resolved, validated))
}

/// Runs pipelines from a config until told to stop.
#[derive(Debug, Clone)]
pub struct Collector {
    factories: Arc<Factories>,
    build_info: BuildInfo,
    sources: Vec<ConfigSource>,
    sets: Vec<String>,
    /// This collector's own metrics recorder (`None`: self-metrics off).
    recorder: Option<SelfRecorder>,
    /// Where `/metrics` is served now (shared by clones).
    metrics_addr: Arc<std::sync::Mutex<Option<std::net::SocketAddr>>>,
    log_export: Option<crate::selftelemetry::LogExport>,
    span_export: Option<crate::selftelemetry::SpanExport>,
}

impl Collector {
    /// A collector for these factories. It serves its own metrics as
    /// `service::telemetry::metrics` says (default `localhost:8888/metrics`);
    /// see [`Collector::without_self_metrics`].
    ///
    /// Each collector records its components' self-metrics in a registry
    /// of its own, handed to them in `Settings::telemetry.meter`, so two
    /// collectors in one process keep separate `otelcol_*` series. Nothing
    /// global is installed; see [`Collector::install_global_recorder`].
    pub fn new(factories: Arc<Factories>, build_info: BuildInfo) -> Self {
        Collector {
            factories,
            build_info,
            sources: Vec::new(),
            sets: Vec::new(),
            recorder: Some(SelfRecorder::default()),
            metrics_addr: Arc::default(),
            log_export: None,
            span_export: None,
        }
    }

    /// Keep no registry and serve no `/metrics` (for programs that embed
    /// the runtime and handle the `metrics` crate themselves): components
    /// record through the `metrics` crate's global recorder.
    pub fn without_self_metrics(mut self) -> Self {
        self.recorder = None;
        self
    }

    /// Makes this collector's recorder the `metrics` crate's global one, so
    /// code that records with the `metrics::counter!` macros rather than
    /// `Settings::telemetry.meter` lands on this collector's `/metrics` too
    /// (the CLI does this: one collector per process). Returns false when
    /// self-metrics are off or another global recorder was installed first.
    pub fn install_global_recorder(&self) -> bool {
        self.recorder
            .as_ref()
            .is_some_and(|r| metrics::set_global_recorder(r.clone()).is_ok())
    }

    /// The address the collector's own `/metrics` is served on, while the
    /// collector runs and serves it (useful with port 0).
    pub fn metrics_addr(&self) -> Option<std::net::SocketAddr> {
        *self.metrics_addr.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn set_metrics_addr(&self, addr: Option<std::net::SocketAddr>) {
        *self.metrics_addr.lock().unwrap_or_else(|p| p.into_inner()) = addr;
    }

    /// The meter this collector hands its components.
    fn meter(&self) -> Meter {
        self.recorder
            .as_ref()
            .map_or_else(Meter::default, |r| Meter::new(Arc::new(r.clone())))
    }

    /// The queue the log subscriber's [`LogExport::layer`](crate::selftelemetry::LogExport::layer)
    /// fills, so `service::telemetry::logs::processors` can export the
    /// collector's own logs (the CLI sets this up).
    pub fn with_log_export(mut self, export: crate::selftelemetry::LogExport) -> Self {
        self.log_export = Some(export);
        self
    }

    /// The queue the span recorder's [`SpanExport::layer`](crate::selftelemetry::SpanExport::layer)
    /// fills, so `service::telemetry::traces::processors` can export the
    /// collector's own operation spans (the CLI sets this up).
    pub fn with_span_export(mut self, export: crate::selftelemetry::SpanExport) -> Self {
        self.span_export = Some(export);
        self
    }

    /// Config sources, merged in order.
    pub fn with_sources(mut self, sources: Vec<ConfigSource>) -> Self {
        self.sources = sources;
        self
    }

    /// `--set` overrides.
    pub fn with_sets(mut self, sets: Vec<String>) -> Self {
        self.sets = sets;
        self
    }

    /// Resolves, validates, builds and starts the service once.
    pub async fn start_service(&self) -> Result<Service, CollectorError> {
        self.start_service_with(&mut Telemetry::default()).await
    }

    /// Makes the `/metrics` endpoint match the config: kept if unchanged,
    /// moved if the endpoint changed, stopped if disabled.
    async fn ensure_telemetry(
        &self,
        cfg: &ValidatedConfig,
        current: &mut Option<TelemetryServer>,
        resource: &[(String, String)],
    ) -> Result<(), CollectorError> {
        // The registry is kept even when `/metrics` is not served: the
        // exporters' counters are what the loss report at shutdown reads.
        let Some(recorder) = &self.recorder else {
            return Ok(());
        };
        let wanted =
            selfmetrics::endpoint(&cfg.service.telemetry.metrics).map_err(CollectorError::Telemetry)?;
        let level = cfg.service.telemetry.metrics.level;
        if current.as_ref().map(|s| (s.endpoint(), s.level(), s.resource()))
            == wanted.as_deref().map(|w| (w, level, resource))
        {
            return Ok(());
        }
        if let Some(old) = current.take() {
            old.stop().await;
            self.set_metrics_addr(None);
        }
        let Some(endpoint) = wanted else {
            return Ok(());
        };
        let server = TelemetryServer::start(&endpoint, level, recorder.registry(), resource.to_vec())
            .await
            .map_err(CollectorError::Telemetry)?;
        self.set_metrics_addr(Some(server.local_addr()));
        *current = Some(server);
        Ok(())
    }

    async fn start_service_with(&self, telemetry: &mut Telemetry) -> Result<Service, CollectorError> {
        let (resolved, cfg) = load_config(&self.sources, &self.sets, &self.factories)?;
        for w in &cfg.warnings {
            tracing::warn!("{w}");
        }
        log_summary(&resolved, &cfg);
        let resource = selftelemetry::resource_attributes(&self.build_info, &cfg.service.telemetry.resource);
        // The recorder must exist before components create their metric handles.
        self.ensure_telemetry(&cfg, &mut telemetry.server, &resource)
            .await?;
        if let Some(old) = telemetry.otlp.take() {
            old.stop().await;
        }
        let parsed = selftelemetry::parse(&cfg.service.telemetry).map_err(|issues| {
            CollectorError::Telemetry(
                issues
                    .iter()
                    .map(|i| format!("{}: {}", i.path, i.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })?;
        if !parsed.readers.is_empty()
            || !parsed.log_processors.is_empty()
            || !parsed.trace_processors.is_empty()
        {
            let inputs = SelfTelemetryInputs {
                config: &parsed,
                factories: &self.factories,
                build_info: &self.build_info,
                registry: self.registry(),
                level: cfg.service.telemetry.metrics.level,
                logs: self.log_export.clone(),
                spans: self.span_export.clone(),
                resource,
            };
            telemetry.otlp = Some(
                SelfTelemetry::start(inputs)
                    .await
                    .map_err(CollectorError::Telemetry)?,
            );
        }
        let graph = build_with(&cfg, &self.build_info, self.meter())?;
        let service = Service::new(graph);
        service.start().await?;
        tracing::info!("Everything is ready. Begin running and processing data.");
        Ok(service)
    }

    /// Runs until `shutdown` is cancelled. Each message on `reload` re-reads
    /// the config: if it is valid the service is rebuilt, otherwise the error
    /// is logged and the running service keeps going. See
    /// [`Collector::run_with_report`] for what was lost.
    pub async fn run(
        &self,
        shutdown: CancellationToken,
        reload: Option<mpsc::Receiver<()>>,
    ) -> Result<(), CollectorError> {
        self.run_with_report(shutdown, reload).await.map(|_| ())
    }

    /// [`Collector::run`], returning what the exporters dropped over the run
    /// (items accepted but not delivered, per exporter and signal). The last
    /// log line names them. The report is `None` when the collector's own
    /// metrics are off ([`Collector::without_self_metrics`], or another
    /// `metrics` recorder was installed first): the counts are read from them.
    pub async fn run_with_report(
        &self,
        shutdown: CancellationToken,
        mut reload: Option<mpsc::Receiver<()>>,
    ) -> Result<Option<LossReport>, CollectorError> {
        let mut telemetry = Telemetry::default();
        let mut service = self.start_service_with(&mut telemetry).await?;
        let registry = self.registry();
        let start = registry.as_deref().map(Snapshot::take);
        loop {
            let reload_requested = async {
                match reload.as_mut() {
                    Some(rx) => rx.recv().await.is_some(),
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = shutdown.cancelled() => {
                    tracing::info!("Shutdown requested; draining pipelines");
                    let at_shutdown = registry.as_deref().map(Snapshot::take);
                    service.shutdown().await;
                    // Dropping the stopped service drops what a consumer cut
                    // short by the shutdown deadline still held; it is counted then.
                    drop(service);
                    let end = match &registry {
                        Some(r) => Some(settled(r).await),
                        None => None,
                    };
                    if let Some(t) = telemetry.otlp.take() {
                        t.stop().await;
                    }
                    if let Some(t) = telemetry.server.take() {
                        t.stop().await;
                        self.set_metrics_addr(None);
                    }
                    let report = match (start, at_shutdown, end) {
                        (Some(s), Some(a), Some(e)) => Some(LossReport::between(&s, &a, &e)),
                        _ => None,
                    };
                    log_shutdown(report.as_ref());
                    return Ok(report);
                }
                more = reload_requested => {
                    if !more {
                        reload = None;
                        continue;
                    }
                    tracing::info!("Reload requested; re-reading the config");
                    if let Err(e) = load_config(&self.sources, &self.sets, &self.factories) {
                        tracing::error!("Config reload failed, keeping the running config:\n{e}");
                        continue;
                    }
                    service.shutdown().await;
                    service = self.start_service_with(&mut telemetry).await?;
                }
            }
        }
    }

    /// The registry of the collector's own metrics, when this collector uses it.
    fn registry(&self) -> Option<Arc<Registry>> {
        self.recorder.as_ref().map(SelfRecorder::registry)
    }
}

/// The collector's own telemetry outlets that outlive a config reload when
/// unchanged: the `/metrics` server and the OTLP exports.
#[derive(Debug, Default)]
struct Telemetry {
    server: Option<TelemetryServer>,
    otlp: Option<SelfTelemetry>,
}

/// The send-failed counters once they stop moving (consumers aborted at the
/// shutdown deadline count what they held as their tasks unwind), waiting
/// at most about a second.
async fn settled(registry: &Registry) -> Snapshot {
    let mut last = Snapshot::take(registry);
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let now = Snapshot::take(registry);
        if now == last {
            break;
        }
        last = now;
    }
    last
}

/// The last log line: whether anything accepted was not delivered.
fn log_shutdown(report: Option<&LossReport>) {
    let Some(report) = report else {
        tracing::info!("Shutdown complete.");
        return;
    };
    match report.summary() {
        None => tracing::info!("Shutdown complete. No data was dropped."),
        Some(summary) if report.dropped_at_shutdown() > 0 => tracing::error!(
            dropped_at_shutdown = report.dropped_at_shutdown(),
            dropped_total = report.dropped_total(),
            "Shutdown complete with data loss: {summary}."
        ),
        Some(summary) => tracing::warn!(
            dropped_at_shutdown = 0,
            dropped_total = report.dropped_total(),
            "Shutdown complete. Data was dropped while running, none at shutdown: {summary}."
        ),
    }
}

fn names<T: std::fmt::Display>(v: &[T]) -> String {
    v.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", ")
}

fn log_summary(resolved: &Resolved, cfg: &ValidatedConfig) {
    tracing::info!(sources = %resolved.sources().join(", "), "Config loaded");
    for (pid, p) in &cfg.pipelines {
        tracing::info!(
            "Pipeline {pid}: receivers [{}] -> processors [{}] -> exporters [{}]",
            names(&p.receivers),
            names(&p.processors),
            names(&p.exporters)
        );
    }
    if !cfg.service_extensions.is_empty() {
        tracing::info!("Extensions: [{}]", names(&cfg.service_extensions));
    }
}
