//! The `tracing` bridge: console output, `tracing` spans → OpenTelemetry spans
//! (`tracing-opentelemetry`), `tracing` events → OpenTelemetry log records
//! (`opentelemetry-appender-tracing`).
//!
//! Entering a `tracing` span activates its OpenTelemetry context, and the SDK
//! logger stamps every record with the active context, so `tracing::info!`
//! inside a span (a `tracing` span or one started through the facade) becomes
//! an OTLP log record carrying that span's trace and span ids.

use std::io::IsTerminal;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_appender_tracing::layer::OpenTelemetryTracingBridge;
use tracing::Subscriber;
use tracing_subscriber::filter::{EnvFilter, LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::{Layer, Registry};

use super::providers::Providers;

/// Instrumentation scope of the spans made from `tracing` spans.
const TRACING_SCOPE: &str = "llm-app/tracing";

/// Crates whose own events and spans must not be exported: the exporters'
/// transports (exporting them would feed back into the exporter) and the SDK.
const SELF_TARGETS: [&str; 9] = [
    "h2",
    "hyper",
    "hyper_util",
    "tonic",
    "tower",
    "reqwest",
    "opentelemetry",
    "opentelemetry_sdk",
    "opentelemetry_otlp",
];

/// What reaches OpenTelemetry: `info` and above, minus [`SELF_TARGETS`].
fn export_filter() -> Targets {
    SELF_TARGETS
        .iter()
        .fold(Targets::new().with_default(LevelFilter::INFO), |t, name| {
            t.with_target(*name, LevelFilter::OFF)
        })
}

/// The full subscriber. `console` adds a human-readable stderr layer filtered
/// by `RUST_LOG` (default `info`), coloured only on a terminal without `NO_COLOR`.
pub(crate) fn subscriber(providers: &Providers, console: bool) -> impl Subscriber + Send + Sync {
    let spans = tracing_opentelemetry::layer()
        .with_tracer(providers.tracer.tracer(TRACING_SCOPE))
        .with_filter(export_filter());
    let logs = OpenTelemetryTracingBridge::new(&providers.logger).with_filter(export_filter());
    let console = console.then(|| {
        let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
        let ansi = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        tracing_subscriber::fmt::layer()
            .with_ansi(ansi)
            .with_writer(std::io::stderr)
            .with_filter(filter)
    });
    Registry::default().with(spans).with(logs).with(console)
}
