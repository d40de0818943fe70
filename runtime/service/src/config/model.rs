//! The `service` section: extensions, pipelines and the collector's own telemetry.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `service:`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServiceConfig {
    /// Extensions to enable, in start order. Default: none.
    pub extensions: Vec<String>,
    /// Pipelines by id (`traces`, `metrics/prom`). Default: none (an error).
    pub pipelines: BTreeMap<String, PipelineConfig>,
    /// The collector's own logs and metrics.
    pub telemetry: TelemetryConfig,
}

/// One pipeline.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PipelineConfig {
    /// Receiver (or connector) ids feeding this pipeline.
    pub receivers: Vec<String>,
    /// Processor ids, in order.
    pub processors: Vec<String>,
    /// Exporter (or connector) ids this pipeline fans out to.
    pub exporters: Vec<String>,
}

/// `service::telemetry`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct TelemetryConfig {
    /// The collector's own logs.
    pub logs: LogsConfig,
    /// The collector's own metrics.
    pub metrics: MetricsConfig,
    /// The collector's own traces (otel-go declarative schema): `processors`
    /// export the operation spans (`otelcol_component::selftrace`) over OTLP.
    pub traces: Option<serde_json::Value>,
    /// Resource attributes for the collector's own telemetry.
    pub resource: BTreeMap<String, Option<String>>,
}

/// Log level of the collector's own logs.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    /// `debug`
    Debug,
    /// `info` (default)
    #[default]
    Info,
    /// `warn`
    Warn,
    /// `error`
    Error,
    /// `dpanic` (zap's level; treated as error)
    Dpanic,
    /// `panic` (zap's level; treated as error)
    Panic,
    /// `fatal` (zap's level; treated as error)
    Fatal,
}

impl LogLevel {
    /// The `tracing` filter directive for this level.
    pub fn directive(self) -> &'static str {
        match self {
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error | LogLevel::Dpanic | LogLevel::Panic | LogLevel::Fatal => "error",
        }
    }
}

/// Encoding of the collector's own logs.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogEncoding {
    /// Human-readable lines (default).
    #[default]
    Console,
    /// One JSON object per line.
    Json,
}

/// `service::telemetry::logs` (Go defaults).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogsConfig {
    /// Minimum level. Default `info`.
    pub level: LogLevel,
    /// `console` (default) or `json`.
    pub encoding: LogEncoding,
    /// Development mode (accepted; no effect). Default false.
    pub development: bool,
    /// Drop caller info (accepted; no effect). Default false.
    pub disable_caller: bool,
    /// Drop stack traces (accepted; no effect). Default false.
    pub disable_stacktrace: bool,
    /// Log sampling (accepted; not applied yet).
    pub sampling: Option<serde_json::Value>,
    /// Where logs go: `stderr` (default), `stdout`, or file paths.
    pub output_paths: Vec<String>,
    /// Where internal errors go. Default `[stderr]`.
    pub error_output_paths: Vec<String>,
    /// Fields added to every log line.
    pub initial_fields: BTreeMap<String, serde_json::Value>,
    /// Log processors that export the collector's own logs (`[{batch:
    /// {exporter: {otlp: ...}}}]`, the OpenTelemetry declarative config);
    /// see [`crate::selftelemetry`].
    pub processors: Vec<serde_json::Value>,
}

impl Default for LogsConfig {
    fn default() -> Self {
        LogsConfig {
            level: LogLevel::Info,
            encoding: LogEncoding::Console,
            development: false,
            disable_caller: false,
            disable_stacktrace: false,
            sampling: None,
            output_paths: vec!["stderr".into()],
            error_output_paths: vec!["stderr".into()],
            initial_fields: BTreeMap::new(),
            processors: Vec::new(),
        }
    }
}

/// Verbosity of the collector's own metrics.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum MetricsLevel {
    /// No self-metrics.
    None,
    /// The essential ones.
    Basic,
    /// Default.
    #[default]
    Normal,
    /// Everything.
    Detailed,
}

/// `service::telemetry::metrics`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// Verbosity. Default `normal`.
    pub level: MetricsLevel,
    /// The older form: `host:port` to serve `/metrics` on.
    pub address: Option<String>,
    /// The current form: `[{pull: {exporter: {prometheus: {host, port}}}}]`
    /// and `[{periodic: {interval, exporter: {otlp: ...}}}]` (see
    /// [`crate::selftelemetry`]).
    pub readers: Vec<serde_json::Value>,
}
