#![allow(clippy::unwrap_used, clippy::expect_used)]

use opentelemetry::trace::{SpanContext, SpanId, TraceId};
use opentelemetry_sdk::logs::{InMemoryLogExporter, SdkLogRecord};
use opentelemetry_sdk::metrics::InMemoryMetricExporter;
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, Metric, MetricData, ResourceMetrics};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SpanData};

use super::*;

pub(crate) struct Harness {
    pub(crate) telemetry: Telemetry,
    spans: InMemorySpanExporter,
    metrics: InMemoryMetricExporter,
    logs: InMemoryLogExporter,
}

impl Harness {
    pub(crate) fn new() -> Harness {
        let (spans, metrics, logs) = Default::default();
        let settings = TelemetrySettings {
            service_name: "unit-test".into(),
            ..TelemetrySettings::default()
        };
        let providers = providers::assemble(
            &settings,
            Clone::clone(&spans),
            Clone::clone(&metrics),
            Clone::clone(&logs),
        );
        Harness {
            telemetry: Telemetry::new(settings, providers),
            spans,
            metrics,
            logs,
        }
    }

    pub(crate) fn flush(&self) {
        let p = &self.telemetry.inner.providers;
        p.tracer.force_flush().unwrap();
        p.logger.force_flush().unwrap();
        p.meter.force_flush().unwrap();
    }

    pub(crate) fn span(&self, name: &str) -> SpanData {
        let spans = self.spans.get_finished_spans().unwrap();
        let mut found: Vec<SpanData> = spans.into_iter().filter(|s| s.name == name).collect();
        assert_eq!(found.len(), 1, "exactly one span {name}");
        found.remove(0)
    }

    pub(crate) fn span_count(&self) -> usize {
        self.spans.get_finished_spans().unwrap().len()
    }

    pub(crate) fn log(&self, body: &str) -> SdkLogRecord {
        let logs = self.logs.get_emitted_logs().unwrap();
        let mut found: Vec<SdkLogRecord> = logs
            .into_iter()
            .map(|l| l.record)
            .filter(|r| matches!(r.body(), Some(AnyValue::String(s)) if s.as_str() == body))
            .collect();
        assert_eq!(found.len(), 1, "exactly one log record {body:?}");
        found.remove(0)
    }

    pub(crate) fn log_count(&self) -> usize {
        self.logs.get_emitted_logs().unwrap().len()
    }

    /// Everything the metric exporter received.
    pub(crate) fn metrics(&self) -> Exported {
        Exported(self.metrics.get_finished_metrics().unwrap())
    }
}

/// Exported metrics, looked up by name (the last export wins).
pub(crate) struct Exported(Vec<ResourceMetrics>);

impl Exported {
    /// The metric and its resource's attributes.
    pub(crate) fn get(&self, name: &str) -> Option<(&Metric, Vec<KeyValue>)> {
        self.0.iter().rev().find_map(|rm| {
            let metric = rm
                .scope_metrics()
                .flat_map(|sm| sm.metrics())
                .find(|m| m.name() == name)?;
            let resource = rm
                .resource()
                .iter()
                .map(|(k, v)| KeyValue::new(k.clone(), v.clone()))
                .collect();
            Some((metric, resource))
        })
    }

    /// The metric, which must exist.
    pub(crate) fn metric(&self, name: &str) -> &Metric {
        self.get(name)
            .unwrap_or_else(|| panic!("metric {name} exported"))
            .0
    }
}

pub(crate) fn ids(log: &SdkLogRecord) -> (TraceId, SpanId) {
    let tc = log.trace_context().expect("log record carries a trace context");
    (tc.trace_id, tc.span_id)
}

fn remote_parent() -> (HeaderMap, SpanContext) {
    let mut headers = HeaderMap::new();
    headers.insert(
        "traceparent",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
            .parse()
            .unwrap(),
    );
    headers.insert("tracestate", "vendor=abc".parse().unwrap());
    let sc = SpanContext::new(
        TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap(),
        SpanId::from_hex("00f067aa0ba902b7").unwrap(),
        opentelemetry::trace::TraceFlags::SAMPLED,
        true,
        Default::default(),
    );
    (headers, sc)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
}

#[test]
fn async_spans_nest_and_logs_carry_the_current_span() {
    let h = Harness::new();
    let t = h.telemetry.clone();
    let (headers, remote) = remote_parent();
    let mut outgoing = HeaderMap::new();
    tracing::subscriber::with_default(t.subscriber(false), || {
        runtime().block_on(async {
            let parent = t.extract_context(&headers);
            let server = t.start_span("POST /chat", SpanKind::Server, vec![], &parent);
            let work = t.in_span("chat_operation", SpanKind::Internal, vec![], async {
                t.log(
                    Severity::Info,
                    "Processing chat request",
                    vec![KeyValue::new("n", 1)],
                );
                t.in_span("llm.simulate_call", SpanKind::Client, vec![], async {
                    tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                    t.inject_context(&mut outgoing);
                    tracing::info!(tokens = 3, "bridged event");
                })
                .await;
            });
            work.with_context(server.clone()).await;
            server.span().end();
        });
    });
    h.flush();
    let server = h.span("POST /chat");
    let op = h.span("chat_operation");
    let call = h.span("llm.simulate_call");
    assert_eq!(
        server.span_context.trace_id(),
        remote.trace_id(),
        "continues the caller's trace"
    );
    assert_eq!(server.parent_span_id, remote.span_id());
    assert_eq!(server.span_kind, SpanKind::Server);
    assert_eq!(op.parent_span_id, server.span_context.span_id());
    assert_eq!(op.span_kind, SpanKind::Internal);
    assert_eq!(call.parent_span_id, op.span_context.span_id());
    assert_eq!(call.span_kind, SpanKind::Client);
    for s in [&op, &call] {
        assert_eq!(s.span_context.trace_id(), remote.trace_id());
    }

    let processing = h.log("Processing chat request");
    assert_eq!(ids(&processing), (remote.trace_id(), op.span_context.span_id()));
    assert_eq!(processing.severity_number(), Some(Severity::Info));
    assert_eq!(processing.severity_text(), Some("INFO"));
    assert!(
        processing.timestamp().is_some(),
        "the facade stamps the event time"
    );
    let attrs: Vec<_> = processing
        .attributes_iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.clone()))
        .collect();
    assert_eq!(attrs, vec![("n".to_owned(), AnyValue::Int(1))]);
    let bridged = h.log("bridged event");
    assert_eq!(ids(&bridged), (remote.trace_id(), call.span_context.span_id()));

    let traceparent = outgoing.get("traceparent").unwrap().to_str().unwrap();
    assert_eq!(
        traceparent,
        format!("00-{}-{}-01", remote.trace_id(), call.span_context.span_id()),
        "the outgoing call's parent is the CLIENT span"
    );
    assert_eq!(
        outgoing.get("tracestate").unwrap(),
        "vendor=abc",
        "tracestate is carried along"
    );
}

#[test]
fn sync_guard_makes_the_span_current_and_ends_it_on_drop() {
    let h = Harness::new();
    let t = h.telemetry.clone();
    tracing::subscriber::with_default(t.subscriber(false), || {
        let outer = t.start_as_current_span("outer", SpanKind::Internal, vec![KeyValue::new("a", "b")]);
        {
            let _inner = t.start_as_current_span("inner", SpanKind::Client, vec![]);
            tracing::info!("in inner");
        }
        assert!(Context::current().has_active_span());
        assert_eq!(h.span_count(), 0, "outer not ended yet (nothing exported)");
        drop(outer);
        assert!(
            !Context::current().has_active_span(),
            "guard detached the context"
        );
    });
    h.flush();
    let outer = h.span("outer");
    let inner = h.span("inner");
    assert_eq!(inner.parent_span_id, outer.span_context.span_id());
    assert_eq!(
        outer.parent_span_id,
        SpanId::INVALID,
        "a root span starts a new trace"
    );
    assert_eq!(outer.attributes, vec![KeyValue::new("a", "b")]);
    assert_eq!(ids(&h.log("in inner")).1, inner.span_context.span_id());
}

#[test]
fn tracing_spans_become_otel_spans_and_transport_events_are_not_exported() {
    let h = Harness::new();
    tracing::subscriber::with_default(h.telemetry.subscriber(false), || {
        let span = tracing::info_span!("tracing_span");
        let _entered = span.enter();
        tracing::info!("inside tracing span");
        tracing::info!(target: "hyper::client", "transport noise");
        tracing::debug!("below info");
    });
    h.flush();
    let span = h.span("tracing_span");
    let log = h.log("inside tracing span");
    assert_eq!(
        ids(&log),
        (span.span_context.trace_id(), span.span_context.span_id())
    );
    assert_eq!(h.log_count(), 1, "hyper and debug events are not exported");
}

#[test]
fn instruments_are_exported_with_units_and_the_resource() {
    let h = Harness::new();
    let t = &h.telemetry;
    t.create_counter("c", "a counter", "{request}")
        .add(2, &[KeyValue::new("route", "/chat")]);
    t.create_histogram("d", "durations", "s", &[0.1, 1.0])
        .record(0.5, &[]);
    let u = t.create_up_down_counter("u", "in flight", "{request}");
    u.add(3, &[]);
    u.add(-1, &[]);
    let _g = t.create_observable_gauge("g", "a gauge", "s", |o| o.observe(7.5, &[]));
    h.flush();
    let m = h.metrics();
    let (c, resource) = m.get("c").unwrap();
    assert_eq!(c.unit(), "{request}");
    let AggregatedMetrics::U64(MetricData::Sum(sum)) = c.data() else {
        panic!("c is a u64 sum")
    };
    assert!(sum.is_monotonic());
    assert_eq!(sum.data_points().map(|p| p.value()).sum::<u64>(), 2);
    for key in ["service.name", "service.version", "deployment.environment"] {
        assert!(
            resource.iter().any(|kv| kv.key.as_str() == key),
            "resource has {key}: {resource:?}"
        );
    }
    assert!(resource.contains(&KeyValue::new("service.name", "unit-test")));
    let d = m.metric("d");
    assert_eq!(d.unit(), "s");
    let AggregatedMetrics::F64(MetricData::Histogram(hist)) = d.data() else {
        panic!("d is a histogram")
    };
    let p = hist.data_points().next().unwrap();
    assert_eq!((p.count(), p.bounds().collect::<Vec<_>>()), (1, vec![0.1, 1.0]));
    let AggregatedMetrics::I64(MetricData::Sum(ud)) = m.metric("u").data() else {
        panic!("u is an i64 sum")
    };
    assert!(!ud.is_monotonic());
    assert_eq!(ud.data_points().next().unwrap().value(), 2);
    let AggregatedMetrics::F64(MetricData::Gauge(g)) = m.metric("g").data() else {
        panic!("g is a gauge")
    };
    assert_eq!(g.data_points().next().unwrap().value(), 7.5);
}

#[test]
fn shutdown_is_idempotent() {
    let h = Harness::new();
    h.telemetry.shutdown().unwrap();
    h.telemetry.shutdown().unwrap();
}

#[test]
fn attribute_values_convert_to_log_values() {
    assert_eq!(any_value(Value::from(true)), AnyValue::Boolean(true));
    assert_eq!(any_value(Value::from(2.5)), AnyValue::Double(2.5));
    assert_eq!(
        any_value(Value::Array(Array::I64(vec![1, 2]))),
        AnyValue::ListAny(Box::new(vec![AnyValue::Int(1), AnyValue::Int(2)]))
    );
}

/// The only test touching the process-wide instance.
#[test]
fn from_settings_configures_once() {
    let grpc = TelemetrySettings::default();
    assert!(matches!(
        Telemetry::from_settings(&grpc),
        Err(TelemetryError::NoRuntime)
    ));

    let http = TelemetrySettings {
        protocol: crate::settings::Protocol::HttpProtobuf,
        endpoint: "http://127.0.0.1:9".into(),
        ..TelemetrySettings::default()
    };
    let rt = runtime();
    let first = rt.block_on(async { Telemetry::from_settings(&http) }).unwrap();
    let again = Telemetry::from_settings(&http).unwrap();
    assert!(
        Arc::ptr_eq(&first.inner, &again.inner),
        "same settings: the same instance"
    );
    let other = TelemetrySettings {
        service_name: "other".into(),
        ..http.clone()
    };
    let err = Telemetry::from_settings(&other).unwrap_err();
    assert!(matches!(err, TelemetryError::AlreadyInitialized { ref existing } if existing == "llm-app"));
    // Nothing was recorded, so the flush sends nothing to the closed port.
    first.shutdown().unwrap();
}
