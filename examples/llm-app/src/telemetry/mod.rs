//! The `Telemetry` facade: one place that configures the OpenTelemetry SDK
//! (traces, metrics, logs over OTLP) and offers the calls the app makes.
//!
//! Configured once per process: [`Telemetry::from_settings`] builds the
//! providers, registers them globally, installs the `tracing` bridge and keeps
//! the instance in a `OnceLock`. **A second call returns the same instance
//! when the settings are equal, and [`TelemetryError::AlreadyInitialized`]
//! when they differ** (silently ignoring new settings would hide a mistake).
//! The instance stays for the life of the process, also after
//! [`Telemetry::shutdown`] (telemetry recorded after that is dropped).

mod error;
mod instruments;
mod propagation;
mod providers;
mod subscriber;

use std::borrow::Cow;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::SystemTime;

use http::HeaderMap;
use opentelemetry::context::FutureExt as _;
use opentelemetry::logs::{AnyValue, LogRecord as _, Logger as _, LoggerProvider as _, Severity};
use opentelemetry::metrics::{Meter, MeterProvider as _};
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{SpanKind, TraceContextExt, Tracer as _, TracerProvider as _};
use opentelemetry::{Array, Context, ContextGuard, KeyValue, Value};
use opentelemetry_sdk::logs::SdkLogger;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracer;

pub use error::TelemetryError;
pub use propagation::{HeaderExtractor, HeaderInjector};
use providers::Providers;

use crate::settings::TelemetrySettings;

/// Instrumentation scope name of the app's tracer, meter and logger.
pub const SCOPE: &str = "llm-app";

static INSTANCE: OnceLock<Telemetry> = OnceLock::new();
static INIT: Mutex<()> = Mutex::new(());

/// The configured SDK. Cheap to clone; clones share the providers.
#[derive(Clone, Debug)]
pub struct Telemetry {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    settings: TelemetrySettings,
    providers: Providers,
    tracer: SdkTracer,
    meter: Meter,
    logger: SdkLogger,
    propagator: TraceContextPropagator,
    shut_down: AtomicBool,
}

impl Telemetry {
    /// Configures OTLP export of traces, metrics and logs, registers the
    /// providers and the W3C propagator globally and installs the global
    /// `tracing` subscriber. With `grpc` it must run inside a Tokio runtime.
    /// See the module docs for what a second call does.
    pub fn from_settings(settings: &TelemetrySettings) -> Result<Telemetry, TelemetryError> {
        let _init = INIT.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(existing) = INSTANCE.get() {
            return if existing.settings() == settings {
                Ok(existing.clone())
            } else {
                Err(TelemetryError::AlreadyInitialized {
                    existing: existing.settings().service_name.clone(),
                })
            };
        }
        let telemetry = Telemetry::new(settings.clone(), providers::otlp_providers(settings)?);
        if let Err(e) = tracing::subscriber::set_global_default(telemetry.subscriber(true)) {
            // Do not leave three exporter threads behind.
            let _ = telemetry.shutdown();
            return Err(e.into());
        }
        let p = &telemetry.inner.providers;
        opentelemetry::global::set_tracer_provider(p.tracer.clone());
        opentelemetry::global::set_meter_provider(p.meter.clone());
        opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
        // Cannot fail: INIT is held and INSTANCE was empty.
        let _ = INSTANCE.set(telemetry.clone());
        Ok(telemetry)
    }

    /// A facade over given providers, registering nothing globally (tests).
    pub(crate) fn new(settings: TelemetrySettings, providers: Providers) -> Telemetry {
        let tracer = providers.tracer.tracer(SCOPE);
        let meter = providers.meter.meter(SCOPE);
        let logger = providers.logger.logger(SCOPE);
        Telemetry {
            inner: Arc::new(Inner {
                settings,
                providers,
                tracer,
                meter,
                logger,
                propagator: TraceContextPropagator::new(),
                shut_down: AtomicBool::new(false),
            }),
        }
    }

    /// The `tracing` subscriber bridged to these providers.
    pub(crate) fn subscriber(&self, console: bool) -> impl tracing::Subscriber + Send + Sync {
        subscriber::subscriber(&self.inner.providers, console)
    }

    /// The settings this instance was built from.
    pub fn settings(&self) -> &TelemetrySettings {
        &self.inner.settings
    }

    /// The app's tracer (scope `llm-app`).
    pub fn tracer(&self) -> &SdkTracer {
        &self.inner.tracer
    }

    /// The app's meter (scope `llm-app`).
    pub fn meter(&self) -> &Meter {
        &self.inner.meter
    }

    /// Starts a span as a child of `parent` and returns the context holding it.
    /// The caller ends it (`cx.span().end()`); dropping the last context ends it too.
    pub fn start_span(
        &self,
        name: impl Into<Cow<'static, str>>,
        kind: SpanKind,
        attributes: Vec<KeyValue>,
        parent: &Context,
    ) -> Context {
        let span = self
            .inner
            .tracer
            .span_builder(name)
            .with_kind(kind)
            .with_attributes(attributes)
            .start_with_context(&self.inner.tracer, parent);
        parent.with_span(span)
    }

    /// Starts a span, child of the current one, and makes it current until the
    /// guard drops, which ends it. For synchronous code: the guard cannot
    /// cross an `.await` (it is not `Send`); async code uses [`Telemetry::in_span`].
    pub fn start_as_current_span(
        &self,
        name: impl Into<Cow<'static, str>>,
        kind: SpanKind,
        attributes: Vec<KeyValue>,
    ) -> SpanGuard {
        let cx = self.start_span(name, kind, attributes, &Context::current());
        let attached = cx.clone().attach();
        SpanGuard {
            cx,
            _attached: attached,
        }
    }

    /// Runs `fut` inside a new span (child of the current one), current while
    /// `fut` is polled, and ends the span when `fut` completes.
    pub async fn in_span<F: Future>(
        &self,
        name: impl Into<Cow<'static, str>>,
        kind: SpanKind,
        attributes: Vec<KeyValue>,
        fut: F,
    ) -> F::Output {
        let cx = self.start_span(name, kind, attributes, &Context::current());
        let out = fut.with_context(cx.clone()).await;
        cx.span().end();
        out
    }

    /// Emits a log record (scope `llm-app`) stamped with the current span's
    /// trace and span ids. It goes to OTLP only, not to the console.
    pub fn log(&self, level: Severity, message: impl Into<String>, attributes: Vec<KeyValue>) {
        let mut record = self.inner.logger.create_log_record();
        record.set_timestamp(SystemTime::now());
        record.set_severity_number(level);
        record.set_severity_text(level.name());
        record.set_body(AnyValue::String(message.into().into()));
        record.add_attributes(attributes.into_iter().map(|kv| (kv.key, any_value(kv.value))));
        self.inner.logger.emit(record);
    }

    /// Writes the current context as `traceparent` (and `tracestate` when not empty).
    pub fn inject_context(&self, headers: &mut HeaderMap) {
        self.inject(&Context::current(), headers);
    }

    /// Writes `cx` as `traceparent`/`tracestate`.
    pub fn inject(&self, cx: &Context, headers: &mut HeaderMap) {
        self.inner
            .propagator
            .inject_context(cx, &mut HeaderInjector(headers));
    }

    /// Reads `traceparent`/`tracestate`; without a valid one the context has no
    /// span and a span started from it begins a new trace.
    pub fn extract_context(&self, headers: &HeaderMap) -> Context {
        self.inner.propagator.extract(&HeaderExtractor(headers))
    }

    /// Flushes and stops the tracer, logger and meter providers, in that
    /// order, so every finished span, record and measurement is exported.
    /// Blocks until done: from async code call it in `spawn_blocking`, with
    /// the runtime still running (the gRPC exporter needs it). Later calls do
    /// nothing and return `Ok`.
    pub fn shutdown(&self) -> Result<(), TelemetryError> {
        if self.inner.shut_down.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        let p = &self.inner.providers;
        let results = [
            ("traces", p.tracer.shutdown()),
            ("logs", p.logger.shutdown()),
            ("metrics", p.meter.shutdown()),
        ];
        let errors: Vec<String> = results
            .into_iter()
            .filter_map(|(signal, r)| r.err().map(|e| format!("{signal}: {e}")))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(TelemetryError::Shutdown(errors))
        }
    }
}

/// The span made current by [`Telemetry::start_as_current_span`]; ends it on drop.
#[derive(Debug)]
pub struct SpanGuard {
    cx: Context,
    _attached: ContextGuard,
}

impl SpanGuard {
    /// The context holding the span (to add attributes or events, or to inject).
    pub fn context(&self) -> &Context {
        &self.cx
    }
}

impl Drop for SpanGuard {
    fn drop(&mut self) {
        self.cx.span().end();
    }
}

fn any_value(v: Value) -> AnyValue {
    match v {
        Value::Bool(b) => AnyValue::Boolean(b),
        Value::I64(i) => AnyValue::Int(i),
        Value::F64(f) => AnyValue::Double(f),
        Value::String(s) => AnyValue::String(s),
        Value::Array(Array::Bool(a)) => a.into_iter().collect(),
        Value::Array(Array::I64(a)) => a.into_iter().collect(),
        Value::Array(Array::F64(a)) => a.into_iter().collect(),
        Value::Array(Array::String(a)) => a.into_iter().collect(),
        other => AnyValue::String(other.to_string().into()),
    }
}

#[cfg(test)]
#[path = "tests.rs"]
pub(crate) mod tests;
