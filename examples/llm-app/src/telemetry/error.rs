//! Errors of the telemetry facade.

/// Why telemetry could not be set up or shut down.
#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    /// `Telemetry::from_settings` already ran in this process with other settings.
    #[error(
        "telemetry is already configured in this process with other settings \
         (service {existing:?}); configure it once at startup"
    )]
    AlreadyInitialized {
        /// The service name of the instance that exists.
        existing: String,
    },
    /// The gRPC exporter needs a Tokio runtime and none is running.
    #[error("the grpc exporter must be built inside a Tokio runtime (call from_settings from async code)")]
    NoRuntime,
    /// An OTLP exporter could not be built.
    #[error("building the OTLP {signal} exporter for {endpoint}: {source}")]
    Exporter {
        /// `traces`, `metrics` or `logs`.
        signal: &'static str,
        /// The endpoint it was pointed at.
        endpoint: String,
        /// The SDK's error.
        source: opentelemetry_otlp::ExporterBuildError,
    },
    /// Another global `tracing` subscriber was installed first.
    #[error("a global tracing subscriber is already installed: {0}")]
    Subscriber(#[from] tracing::subscriber::SetGlobalDefaultError),
    /// Flushing or stopping a provider failed; the messages name each one.
    #[error("telemetry shutdown: {}", .0.join("; "))]
    Shutdown(Vec<String>),
}
