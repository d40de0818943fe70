//! The `attributes` processor end to end: factory → processor → sink, for every signal.
#![allow(clippy::unwrap_used)]

use otelcol_component::proto::collector::logs::v1::ExportLogsServiceRequest;
use otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value::Value};
use otelcol_component::proto::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use otelcol_component::proto::metrics::v1::{
    ExponentialHistogram, ExponentialHistogramDataPoint, Gauge, Histogram, HistogramDataPoint, Metric,
    NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum, Summary, SummaryDataPoint, metric::Data,
};
use otelcol_component::proto::resource::v1::Resource;
use otelcol_component::proto::trace::v1::{ResourceSpans, ScopeSpans, Span};
use otelcol_component::{
    ClientInfo, Factory, Kind, Logs, Metrics, Payload, ProcessorFactory, RequestContext, Signal,
    StabilityLevel, Traces,
};
use otelcol_componenttest::{ErrConsumer, Sink, check_processor_lifecycle, nop_settings, parse_config};
use otelcol_processor_attributes::{AttributesConfig, factory};

fn kv(key: &str, v: Value) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue { value: Some(v) }),
        ..Default::default()
    }
}

fn s(v: &str) -> Value {
    Value::StringValue(v.into())
}

fn service(name: &str) -> Option<Resource> {
    Some(Resource {
        attributes: vec![kv("service.name", s(name))],
        ..Default::default()
    })
}

fn cfg(yaml: &str) -> AttributesConfig {
    parse_config(yaml).unwrap()
}

fn set() -> otelcol_component::Settings {
    nop_settings("attributes", Kind::Processor)
}

fn traces(spans: Vec<(&str, Vec<KeyValue>)>) -> Traces {
    Traces::from_request(ExportTraceServiceRequest {
        resource_spans: spans
            .into_iter()
            .map(|(svc, attrs)| ResourceSpans {
                resource: service(svc),
                scope_spans: vec![ScopeSpans {
                    spans: vec![Span {
                        name: format!("{svc}-span"),
                        attributes: attrs,
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            })
            .collect(),
    })
}

fn span_attrs(t: &Traces) -> Vec<Vec<KeyValue>> {
    t.request()
        .resource_spans
        .iter()
        .flat_map(|r| &r.scope_spans)
        .flat_map(|s| &s.spans)
        .map(|s| s.attributes.clone())
        .collect()
}

#[tokio::test]
async fn traces_with_include_and_exclude() {
    // Go's "selectiveprocessing" example.
    let c = cfg(r#"
include: {match_type: strict, services: [svcA, svcB]}
exclude: {match_type: strict, attributes: [{key: redact_trace, value: false}]}
actions:
  - {key: credit_card, action: delete}
  - {key: processed, value: true, action: insert}
"#);
    let sink = Sink::<Traces>::new();
    let p = factory().create::<Traces>(&set(), &c, sink.clone()).unwrap();
    assert!(p.capabilities().mutates_data);
    let card = || kv("credit_card", s("1234"));
    p.consume(traces(vec![
        ("svcB", vec![card(), kv("redact_trace", s("false"))]),
        ("svcA", vec![card(), kv("redact_trace", Value::BoolValue(true))]),
        ("svcB", vec![card(), kv("redact_trace", Value::BoolValue(false))]),
        ("svcC", vec![card()]),
    ]))
    .await
    .unwrap();
    let got = span_attrs(&sink.all()[0]);
    let done = kv("processed", Value::BoolValue(true));
    assert_eq!(got[0], vec![kv("redact_trace", s("false")), done.clone()]);
    assert_eq!(got[1], vec![kv("redact_trace", Value::BoolValue(true)), done]);
    assert_eq!(got[2], vec![card(), kv("redact_trace", Value::BoolValue(false))]);
    assert_eq!(got[3], vec![card()]);
}

#[tokio::test]
async fn traces_regexp_services_and_span_names() {
    let c = cfg(r#"
include: {match_type: regexp, services: ["auth.*"]}
exclude: {match_type: regexp, span_names: ["login.*"]}
actions:
  - {key: password, action: update, value: obfuscated}
  - {key: token, action: delete}
"#);
    let sink = Sink::<Traces>::new();
    let p = factory().create::<Traces>(&set(), &c, sink.clone()).unwrap();
    let secrets = || vec![kv("password", s("p")), kv("token", s("t"))];
    let mut data = traces(vec![("auth-svc", secrets()), ("billing", secrets())]);
    data.request_mut().resource_spans.push(ResourceSpans {
        resource: service("auth-svc"),
        scope_spans: vec![ScopeSpans {
            spans: vec![Span {
                name: "login-user".into(),
                attributes: secrets(),
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    });
    p.consume(data).await.unwrap();
    let got = span_attrs(&sink.all()[0]);
    assert_eq!(got[0], vec![kv("password", s("obfuscated"))]);
    assert_eq!(got[1], secrets());
    assert_eq!(got[2], secrets());
}

#[tokio::test]
async fn from_context_uses_the_payload_context() {
    let c = cfg(r#"
actions:
  - {key: origin, from_context: metadata.origin, action: insert}
  - {key: client, from_context: client.address, action: insert}
  - {key: tenant, from_context: metadata.tenant, default_value: default-tenant, action: upsert}
"#);
    let sink = Sink::<Traces>::new();
    let p = factory().create::<Traces>(&set(), &c, sink.clone()).unwrap();
    let mut info = ClientInfo::with_address(Some("10.1.2.3:5555".parse().unwrap()));
    info.metadata.insert("origin".into(), vec!["edge".into()]);
    let mut data = traces(vec![("svc", vec![])]);
    data.set_context(RequestContext::new(info));
    p.consume(data).await.unwrap();
    assert_eq!(
        span_attrs(&sink.all()[0])[0],
        vec![
            kv("origin", s("edge")),
            kv("client", s("10.1.2.3")),
            kv("tenant", s("default-tenant"))
        ]
    );
}

fn log(body: &str, attrs: Vec<KeyValue>) -> LogRecord {
    LogRecord {
        body: Some(AnyValue { value: Some(s(body)) }),
        attributes: attrs,
        ..Default::default()
    }
}

#[tokio::test]
async fn logs_by_body() {
    let c = cfg(r#"
include: {match_type: regexp, log_bodies: ["AUTH.*"]}
actions:
  - {key: password, action: update, value: obfuscated}
  - {key: token, action: delete}
"#);
    let sink = Sink::<Logs>::new();
    let p = factory().create::<Logs>(&set(), &c, sink.clone()).unwrap();
    let secrets = || vec![kv("password", s("p")), kv("token", s("t"))];
    let data = Logs::from_request(ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: service("svc"),
            scope_logs: vec![ScopeLogs {
                scope: Some(InstrumentationScope {
                    name: "lib".into(),
                    ..Default::default()
                }),
                log_records: vec![log("AUTH failed", secrets()), log("other", secrets())],
                ..Default::default()
            }],
            ..Default::default()
        }],
    });
    p.consume(data).await.unwrap();
    let got = sink.all();
    let records = &got[0].request().resource_logs[0].scope_logs[0].log_records;
    assert_eq!(records[0].attributes, vec![kv("password", s("obfuscated"))]);
    assert_eq!(records[1].attributes, secrets());
    assert_eq!(got[0].request().resource_logs[0].resource, service("svc"));
}

fn metric(name: &str, data: Data) -> Metric {
    Metric {
        name: name.into(),
        data: Some(data),
        ..Default::default()
    }
}

fn all_point_types(name: &str) -> Vec<Metric> {
    let a = || vec![kv("instance", s("i-1")), kv("code", s("200"))];
    vec![
        metric(
            &format!("{name}.gauge"),
            Data::Gauge(Gauge {
                data_points: vec![NumberDataPoint {
                    attributes: a(),
                    ..Default::default()
                }],
            }),
        ),
        metric(
            &format!("{name}.sum"),
            Data::Sum(Sum {
                data_points: vec![NumberDataPoint {
                    attributes: a(),
                    ..Default::default()
                }],
                ..Default::default()
            }),
        ),
        metric(
            &format!("{name}.histogram"),
            Data::Histogram(Histogram {
                data_points: vec![HistogramDataPoint {
                    attributes: a(),
                    ..Default::default()
                }],
                ..Default::default()
            }),
        ),
        metric(
            &format!("{name}.exp"),
            Data::ExponentialHistogram(ExponentialHistogram {
                data_points: vec![ExponentialHistogramDataPoint {
                    attributes: a(),
                    ..Default::default()
                }],
                ..Default::default()
            }),
        ),
        metric(
            &format!("{name}.summary"),
            Data::Summary(Summary {
                data_points: vec![SummaryDataPoint {
                    attributes: a(),
                    ..Default::default()
                }],
            }),
        ),
    ]
}

fn point_attrs(m: &Metric) -> Vec<KeyValue> {
    match m.data.as_ref().unwrap() {
        Data::Gauge(g) => g.data_points[0].attributes.clone(),
        Data::Sum(x) => x.data_points[0].attributes.clone(),
        Data::Histogram(h) => h.data_points[0].attributes.clone(),
        Data::ExponentialHistogram(h) => h.data_points[0].attributes.clone(),
        Data::Summary(x) => x.data_points[0].attributes.clone(),
    }
}

#[tokio::test]
async fn metrics_every_point_type_filtered_by_name() {
    let c = cfg(r#"
include: {match_type: regexp, metric_names: ["^http\\."]}
actions:
  - {key: instance, action: delete}
  - {key: code, action: convert, converted_type: int}
"#);
    let sink = Sink::<Metrics>::new();
    let p = factory().create::<Metrics>(&set(), &c, sink.clone()).unwrap();
    let mut metrics = all_point_types("http");
    metrics.extend(all_point_types("rpc"));
    let data = Metrics::from_request(ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            scope_metrics: vec![ScopeMetrics {
                metrics,
                ..Default::default()
            }],
            ..Default::default()
        }],
    });
    p.consume(data).await.unwrap();
    let got = sink.all();
    let ms = &got[0].request().resource_metrics[0].scope_metrics[0].metrics;
    assert_eq!(ms.len(), 10);
    for m in &ms[..5] {
        assert_eq!(
            point_attrs(m),
            vec![kv("code", Value::IntValue(200))],
            "{}",
            m.name
        );
    }
    for m in &ms[5..] {
        assert_eq!(
            point_attrs(m),
            vec![kv("instance", s("i-1")), kv("code", s("200"))],
            "{}",
            m.name
        );
    }
}

#[tokio::test]
async fn empty_payloads_pass_through_unchanged() {
    let c = cfg("actions: [{key: a, value: 1, action: insert}]");
    let sink = Sink::<Metrics>::new();
    let p = factory().create::<Metrics>(&set(), &c, sink.clone()).unwrap();
    let empty = Metrics::default();
    p.consume(empty.clone()).await.unwrap();
    assert!(sink.all()[0].shares_data_with(&empty));
}

#[tokio::test]
async fn downstream_errors_are_returned() {
    let c = cfg("actions: [{key: a, action: delete}]");
    let p = factory()
        .create::<Traces>(&set(), &c, ErrConsumer::retryable())
        .unwrap();
    assert!(
        p.consume(traces(vec![("s", vec![])]))
            .await
            .unwrap_err()
            .is_retryable()
    );
    let p = factory()
        .create::<Logs>(&set(), &c, ErrConsumer::permanent())
        .unwrap();
    assert!(p.consume(Logs::default()).await.unwrap_err().is_permanent());
}

#[test]
fn factory_metadata() {
    let f = factory();
    assert_eq!(f.type_name(), "attributes");
    for signal in Signal::ALL {
        assert_eq!(f.stability(signal), Some(StabilityLevel::Beta));
    }
    assert!(f.module().starts_with("otelcol-processor-attributes "));
}

#[tokio::test]
async fn lifecycle() {
    check_processor_lifecycle(&factory(), &cfg("actions: [{key: a, value: 1, action: upsert}]"))
        .await
        .unwrap();
    let err = check_processor_lifecycle(&factory(), &factory().default_config())
        .await
        .unwrap_err();
    // Go checks this when it creates the processor, not in `Validate()`.
    assert!(err.contains("missing required field \"actions\""), "{err}");
}

/// Runs `data` through a processor of `c` twice: kept encoded as a receiver
/// keeps it, and decoded. Returns what the sinks got.
async fn encoded_and_decoded<T: Payload>(c: &AttributesConfig, data: T) -> (T, T) {
    let run = |data: T| async {
        let sink = Sink::<T>::new();
        let p = factory().create::<T>(&set(), c, sink.clone()).unwrap();
        p.consume(data).await.unwrap();
        sink.all().remove(0)
    };
    let encoded = T::from_encoded(data.to_bytes()).unwrap();
    assert!(encoded.is_encoded());
    (run(encoded).await, run(data).await)
}

async fn edited_encoded<T: Payload>(c: &AttributesConfig, stays_encoded: bool) {
    let data: T = otelcol_componenttest::generate::payload(2, 2, 5);
    let (encoded, decoded) = encoded_and_decoded(c, data.clone()).await;
    assert_eq!(encoded.is_encoded(), stays_encoded, "{:?}", T::SIGNAL);
    assert!(!decoded.is_encoded());
    assert_eq!(encoded.item_count(), data.item_count());
    assert!(encoded.request() == decoded.request(), "{:?}", T::SIGNAL);
    assert!(
        decoded.request() != data.request(),
        "{:?}: the actions change something",
        T::SIGNAL
    );
}

#[tokio::test]
async fn encoded_payloads_are_edited_encoded() {
    // Every action that runs encoded: the payload never decodes.
    let c = cfg(r#"
actions:
  - {key: added, value: loadgen, action: insert}
  - {key: http.route, value: /x, action: update}
  - {key: copied, from_attribute: user.id, action: upsert}
  - {key: user.id, action: hash}
  - {key: server.port, action: delete}
  - {pattern: ^app\., action: delete}
  - {key: missing, from_attribute: absent, default_value: 3, action: insert}
"#);
    edited_encoded::<Traces>(&c, true).await;
    edited_encoded::<Metrics>(&c, true).await;
    edited_encoded::<Logs>(&c, true).await;
    // An action that does not (extract), or a filter: decoded, same result.
    let c = cfg(r#"
actions:
  - {key: added, value: loadgen, action: insert}
  - {key: http.route, pattern: "^/(?P<first>[a-z]+)", action: extract}
"#);
    edited_encoded::<Traces>(&c, false).await;
    edited_encoded::<Logs>(&c, false).await;
    let c = cfg(r#"
include: {match_type: regexp, services: [".*"]}
actions:
  - {key: added, value: loadgen, action: insert}
"#);
    edited_encoded::<Traces>(&c, false).await;
}

#[tokio::test]
async fn encoded_from_context_uses_the_payload_context() {
    let c = cfg(r#"
actions:
  - {key: origin, from_context: metadata.origin, action: insert}
  - {key: client, from_context: client.address, action: insert}
  - {key: tenant, from_context: metadata.tenant, default_value: default-tenant, action: upsert}
"#);
    let mut info = ClientInfo::with_address(Some("10.1.2.3:5555".parse().unwrap()));
    info.metadata.insert("origin".into(), vec!["edge".into()]);
    let plain = traces(vec![("svc", vec![])]);
    let mut data = Traces::from_encoded(plain.to_bytes()).unwrap();
    data.set_context(RequestContext::new(info));
    let sink = Sink::<Traces>::new();
    let p = factory().create::<Traces>(&set(), &c, sink.clone()).unwrap();
    p.consume(data).await.unwrap();
    let got = sink.all().remove(0);
    assert!(got.is_encoded());
    assert_eq!(
        span_attrs(&got)[0],
        vec![
            kv("origin", s("edge")),
            kv("client", s("10.1.2.3")),
            kv("tenant", s("default-tenant"))
        ]
    );
}

#[test]
fn receivers_keep_payloads_encoded_when_the_edit_can_be() {
    use otelcol_component::SharedConsumer;
    let encodable = cfg("actions: [{key: added, value: loadgen, action: insert}]");
    let extract = cfg(r#"actions: [{key: http.route, pattern: "^/(?P<first>[a-z]+)", action: extract}]"#);
    let filtered = cfg(r#"
include: {match_type: strict, services: [svc]}
actions: [{key: added, value: loadgen, action: insert}]
"#);
    let make = |c: &AttributesConfig, next: SharedConsumer<Traces>| -> SharedConsumer<Traces> {
        factory().create::<Traces>(&set(), c, next).unwrap()
    };
    // Edited encoded, and nothing after it decodes: the receiver keeps the bytes.
    assert!(!make(&encodable, Sink::<Traces>::new()).decodes_input());
    assert!(!make(&encodable, make(&encodable, Sink::<Traces>::new())).decodes_input());
    // An action or a filter that needs the decoded payload, here or next.
    assert!(make(&extract, Sink::<Traces>::new()).decodes_input());
    assert!(make(&filtered, Sink::<Traces>::new()).decodes_input());
    assert!(make(&encodable, make(&extract, Sink::<Traces>::new())).decodes_input());
    // Still a mutating consumer for fan-out.
    assert!(
        make(&encodable, Sink::<Traces>::new())
            .capabilities()
            .mutates_data
    );
}
