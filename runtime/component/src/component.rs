//! Lifecycle, host, settings and stability.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;

use crate::admission::{Admission, AdmissionSet};
use crate::error::ComponentError;
use crate::id::{ComponentId, Kind, PipelineId};
use crate::storage::StorageExtension;

/// Start and stop.
///
/// The runtime starts extensions, then exporters, then processors, then
/// receivers, and shuts them down in the reverse order, so that nothing a
/// receiver accepted is dropped on a clean stop.
///
/// Shutdown contract (as the Go collector's `component.go`): `shutdown` must
/// be safe to call without `start`, safe to call more than once, must flush
/// buffered data to the next consumer or destination, and should return
/// promptly; the runtime enforces a deadline around it.
#[async_trait]
pub trait Component: Send + Sync + fmt::Debug {
    /// Starts background work (listeners, timers). An error aborts startup.
    /// Long-running work belongs in spawned tasks, not in this call.
    async fn start(&self, _host: Arc<dyn Host>) -> Result<(), ComponentError> {
        Ok(())
    }

    /// Stops background work and flushes everything held.
    async fn shutdown(&self) -> Result<(), ComponentError> {
        Ok(())
    }
}

/// A component's health, as reported to the host (Go `componentstatus`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StatusEvent {
    /// Starting up.
    Starting,
    /// Running normally.
    Ok,
    /// Failing in a way that may recover (a backend is down).
    RecoverableError(String),
    /// Failing for good, but the collector keeps running.
    PermanentError(String),
    /// Failing so badly that the collector must stop.
    FatalError(String),
    /// Shutting down.
    Stopping,
    /// Stopped.
    Stopped,
}

/// An extension: a component outside pipelines that others find through the [`Host`].
///
/// Service hooks have default no-op bodies so that new ones can be added
/// without breaking existing extensions.
#[async_trait]
pub trait Extension: Component + Any {
    /// Called once every pipeline has started (health checks turn ready).
    async fn ready(&self) {}

    /// Called when the collector begins to shut down or reload.
    async fn not_ready(&self) {}

    /// Called with every status change of every component.
    fn on_status(&self, _id: &ComponentId, _kind: Kind, _event: &StatusEvent) {}

    /// The storage this extension provides, if it is a storage extension
    /// (`file_storage`); the persistent sending queue finds it through this.
    fn storage(&self) -> Option<Arc<dyn StorageExtension>> {
        None
    }

    /// The server authenticator this extension provides, if any
    /// (`bearertokenauth`, `basicauth`, `oidc`); receivers with
    /// `auth: {authenticator: <id>}` find it through this.
    fn server_authenticator(&self) -> Option<Arc<dyn crate::auth::ServerAuthenticator>> {
        None
    }

    /// The client authenticator this extension provides, if any
    /// (`bearertokenauth`, `basicauth`, `oauth2client`, `headers_setter`);
    /// exporters with `auth: {authenticator: <id>}` find it through this.
    fn client_authenticator(&self) -> Option<Arc<dyn crate::auth::ClientAuthenticator>> {
        None
    }
}

/// One pipeline as the runtime built it (for zpages and health reporting).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PipelineInfo {
    /// The pipeline id.
    pub id: PipelineId,
    /// Receiver ids.
    pub receivers: Vec<ComponentId>,
    /// Processor ids, in order.
    pub processors: Vec<ComponentId>,
    /// Exporter ids.
    pub exporters: Vec<ComponentId>,
    /// Whether any processor of the pipeline mutates data.
    pub mutates_data: bool,
}

impl PipelineInfo {
    /// Describes a pipeline.
    pub fn new(
        id: PipelineId,
        receivers: Vec<ComponentId>,
        processors: Vec<ComponentId>,
        exporters: Vec<ComponentId>,
        mutates_data: bool,
    ) -> Self {
        PipelineInfo {
            id,
            receivers,
            processors,
            exporters,
            mutates_data,
        }
    }
}

/// What the running service looks like (for zpages and similar extensions).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServiceInfo {
    /// Build information.
    pub build_info: BuildInfo,
    /// Pipelines, sorted by id.
    pub pipelines: Vec<PipelineInfo>,
    /// Enabled extensions, in start order.
    pub extensions: Vec<ComponentId>,
    /// When the service was built.
    pub start_time: std::time::SystemTime,
}

impl ServiceInfo {
    /// Describes a service.
    pub fn new(build_info: BuildInfo, pipelines: Vec<PipelineInfo>, extensions: Vec<ComponentId>) -> Self {
        ServiceInfo {
            build_info,
            pipelines,
            extensions,
            start_time: std::time::SystemTime::now(),
        }
    }
}

/// What the runtime gives components while they run.
pub trait Host: Send + Sync + fmt::Debug {
    /// The extension configured with `id`, if it is enabled in `service::extensions`.
    fn extension(&self, id: &ComponentId) -> Option<Arc<dyn Extension>>;

    /// All enabled extensions, in start order.
    fn extensions(&self) -> Vec<(ComponentId, Arc<dyn Extension>)>;

    /// Reports a status change of the component `id`.
    fn report_status(&self, _id: &ComponentId, _kind: Kind, _event: StatusEvent) {}

    /// The pipelines and extensions of the running service, when the host knows them.
    fn service_info(&self) -> Option<ServiceInfo> {
        None
    }

    /// Registers a gate receivers must pass before reading a request body
    /// (called by memory-limiting components in `start`).
    fn register_admission(&self, _gate: Arc<dyn Admission>) {}

    /// Every registered gate, combined; empty when none is registered.
    fn admission(&self) -> AdmissionSet {
        AdmissionSet::default()
    }
}

/// How mature a component is, per signal (Go `component.StabilityLevel`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StabilityLevel {
    /// No stability declared.
    Undefined,
    /// No longer maintained.
    Unmaintained,
    /// Will be removed.
    Deprecated,
    /// Early, anything may change.
    Development,
    /// Usable; config may still change.
    Alpha,
    /// Config and behaviour change only with notice.
    Beta,
    /// Covered by the stability promise.
    Stable,
}

impl StabilityLevel {
    /// The Go collector's spelling (`Development`, `Alpha`, `Beta`, `Stable`...).
    pub fn as_str(self) -> &'static str {
        match self {
            StabilityLevel::Undefined => "Undefined",
            StabilityLevel::Unmaintained => "Unmaintained",
            StabilityLevel::Deprecated => "Deprecated",
            StabilityLevel::Development => "Development",
            StabilityLevel::Alpha => "Alpha",
            StabilityLevel::Beta => "Beta",
            StabilityLevel::Stable => "Stable",
        }
    }
}

impl fmt::Display for StabilityLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Build information of the running distribution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildInfo {
    /// The executable's name (`otelcol-rs`).
    pub command: String,
    /// A one-line description.
    pub description: String,
    /// The distribution's version.
    pub version: String,
}

impl Default for BuildInfo {
    fn default() -> Self {
        BuildInfo {
            command: "otelcol-rs".into(),
            description: "OpenTelemetry Collector in Rust".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        }
    }
}

/// What the runtime tells a factory about the component it creates.
///
/// Logging goes through `tracing` (the runtime enters a span naming the
/// component around lifecycle calls); self-metrics through `telemetry.meter`.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Settings {
    /// The component's id (`otlp/in`).
    pub id: ComponentId,
    /// The component's kind.
    pub kind: Kind,
    /// Build information of the distribution.
    pub build_info: BuildInfo,
    /// How the component's self-telemetry is to be recorded.
    pub telemetry: TelemetrySettings,
}

impl Settings {
    /// Settings for a component (default telemetry settings).
    pub fn new(id: ComponentId, kind: Kind, build_info: BuildInfo) -> Self {
        Settings {
            id,
            kind,
            build_info,
            telemetry: TelemetrySettings::default(),
        }
    }

    /// The same settings with `telemetry`.
    pub fn with_telemetry(mut self, telemetry: TelemetrySettings) -> Self {
        self.telemetry = telemetry;
        self
    }
}

/// How a component records its self-telemetry, set by the runtime per
/// component (so two collectors in one process can differ).
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct TelemetrySettings {
    /// Whether the service's self-metrics level is `detailed` (and metrics
    /// are served): record the metrics that cost work to measure (Go records
    /// its byte-size histograms only then). Default false.
    pub detailed_metrics: bool,
    /// Where the component's self-metrics (`otelcol_*`) go: the recorder of
    /// the collector that created it. Default: the `metrics` crate's global
    /// recorder.
    pub meter: crate::Meter,
}

impl TelemetrySettings {
    /// Telemetry settings with `detailed_metrics` set to `on`.
    pub fn with_detailed_metrics(mut self, on: bool) -> Self {
        self.detailed_metrics = on;
        self
    }

    /// Telemetry settings recording into `meter`.
    pub fn with_meter(mut self, meter: crate::Meter) -> Self {
        self.meter = meter;
        self
    }
}
