//! Builds the resource, the three OTLP exporters and the three SDK providers.

use opentelemetry::KeyValue;
use opentelemetry_otlp::{LogExporter, MetricExporter, SpanExporter, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::logs::{BatchLogProcessor, SdkLoggerProvider};
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider, exporter::PushMetricExporter};
use opentelemetry_sdk::trace::{BatchSpanProcessor, SdkTracerProvider};

use super::TelemetryError;
use crate::settings::{Protocol, TelemetrySettings};

/// The three SDK providers, sharing one resource.
#[derive(Debug)]
pub(crate) struct Providers {
    pub(crate) tracer: SdkTracerProvider,
    pub(crate) meter: SdkMeterProvider,
    pub(crate) logger: SdkLoggerProvider,
}

/// `service.name`, `service.version`, `deployment.environment` (plus the SDK's
/// `telemetry.sdk.*` and anything in `OTEL_RESOURCE_ATTRIBUTES`).
pub(crate) fn resource(settings: &TelemetrySettings) -> Resource {
    Resource::builder()
        .with_service_name(settings.service_name.clone())
        .with_attributes([
            KeyValue::new("service.version", settings.service_version.clone()),
            KeyValue::new("deployment.environment", settings.deployment_environment.clone()),
        ])
        .build()
}

/// Builds OTLP exporters for the configured protocol and endpoint.
pub(crate) fn otlp_providers(settings: &TelemetrySettings) -> Result<Providers, TelemetryError> {
    let endpoint = settings.endpoint.as_str();
    let err = |signal: &'static str, endpoint: &str| {
        let endpoint = endpoint.to_string();
        move |source| TelemetryError::Exporter {
            signal,
            endpoint,
            source,
        }
    };
    match settings.protocol {
        Protocol::Grpc => {
            // tonic's channel spawns its connection task on the current runtime.
            if tokio::runtime::Handle::try_current().is_err() {
                return Err(TelemetryError::NoRuntime);
            }
            let spans = SpanExporter::builder()
                .with_tonic()
                .with_endpoint(endpoint)
                .build()
                .map_err(err("traces", endpoint))?;
            let metrics = MetricExporter::builder()
                .with_tonic()
                .with_endpoint(endpoint)
                .build()
                .map_err(err("metrics", endpoint))?;
            let logs = LogExporter::builder()
                .with_tonic()
                .with_endpoint(endpoint)
                .build()
                .map_err(err("logs", endpoint))?;
            Ok(assemble(settings, spans, metrics, logs))
        }
        Protocol::HttpProtobuf => {
            let url = |path: &str| format!("{endpoint}{path}");
            let (t, m, l) = (url("/v1/traces"), url("/v1/metrics"), url("/v1/logs"));
            let spans = SpanExporter::builder()
                .with_http()
                .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
                .with_endpoint(t.clone())
                .build()
                .map_err(err("traces", &t))?;
            let metrics = MetricExporter::builder()
                .with_http()
                .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
                .with_endpoint(m.clone())
                .build()
                .map_err(err("metrics", &m))?;
            let logs = LogExporter::builder()
                .with_http()
                .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
                .with_endpoint(l.clone())
                .build()
                .map_err(err("logs", &l))?;
            Ok(assemble(settings, spans, metrics, logs))
        }
    }
}

/// Wires any exporters into providers: batch span processor, periodic metric
/// reader, batch log processor, all with the settings' timings and resource.
pub(crate) fn assemble<S, M, L>(settings: &TelemetrySettings, spans: S, metrics: M, logs: L) -> Providers
where
    S: opentelemetry_sdk::trace::SpanExporter + 'static,
    M: PushMetricExporter,
    L: opentelemetry_sdk::logs::LogExporter + 'static,
{
    let resource = resource(settings);
    let span_batch = opentelemetry_sdk::trace::BatchConfigBuilder::default()
        .with_scheduled_delay(settings.bsp_schedule_delay)
        .build();
    let tracer = SdkTracerProvider::builder()
        .with_resource(resource.clone())
        .with_span_processor(
            BatchSpanProcessor::builder(spans)
                .with_batch_config(span_batch)
                .build(),
        )
        .build();
    let meter = SdkMeterProvider::builder()
        .with_resource(resource.clone())
        .with_reader(
            PeriodicReader::builder(metrics)
                .with_interval(settings.metric_export_interval)
                .build(),
        )
        .build();
    let log_batch = opentelemetry_sdk::logs::BatchConfigBuilder::default()
        .with_scheduled_delay(settings.bsp_schedule_delay)
        .build();
    let logger = SdkLoggerProvider::builder()
        .with_resource(resource)
        .with_log_processor(
            BatchLogProcessor::builder(logs)
                .with_batch_config(log_batch)
                .build(),
        )
        .build();
    Providers {
        tracer,
        meter,
        logger,
    }
}
