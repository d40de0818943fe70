//! The `resource` processor end to end: factory → processor → sink, for every signal.
#![allow(clippy::unwrap_used)]

use otelcol_attraction::ActionConfig;
use otelcol_component::proto::collector::logs::v1::ExportLogsServiceRequest;
use otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::common::v1::{AnyValue, KeyValue, any_value::Value};
use otelcol_component::proto::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use otelcol_component::proto::metrics::v1::{
    Gauge, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, metric::Data,
};
use otelcol_component::proto::resource::v1::Resource;
use otelcol_component::proto::trace::v1::{ResourceSpans, ScopeSpans, Span};
use otelcol_component::{
    ClientInfo, ComponentConfig, ConsumeError, Factory, Kind, Logs, Metrics, Payload, ProcessorFactory,
    RequestContext, Signal, StabilityLevel, Traces,
};
use otelcol_componenttest::{ErrConsumer, Sink, check_processor_lifecycle, nop_settings, parse_config};
use otelcol_processor_resource::{ResourceConfig, factory};

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

fn resource(attrs: Vec<KeyValue>) -> Option<Resource> {
    Some(Resource {
        attributes: attrs,
        ..Default::default()
    })
}

fn config() -> ResourceConfig {
    parse_config(
        r#"
attributes:
  - {key: cloud.availability_zone, value: zone-1, action: upsert}
  - {key: k8s.cluster.name, from_attribute: k8s-cluster, action: insert}
  - {key: k8s-cluster, action: delete}
  - {key: tenant, from_context: metadata.x-tenant, action: insert}
"#,
    )
    .unwrap()
}

fn expected(cluster: bool) -> Vec<KeyValue> {
    let mut v = vec![kv("cloud.availability_zone", s("zone-1"))];
    if cluster {
        v.push(kv("k8s.cluster.name", s("c1")));
    }
    v
}

fn traces() -> Traces {
    Traces::from_request(ExportTraceServiceRequest {
        resource_spans: vec![
            ResourceSpans {
                resource: resource(vec![kv("k8s-cluster", s("c1"))]),
                scope_spans: vec![ScopeSpans {
                    spans: vec![Span {
                        name: "s".into(),
                        attributes: vec![kv("k8s-cluster", s("span-level"))],
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            },
            ResourceSpans {
                resource: None,
                ..Default::default()
            },
        ],
    })
}

#[tokio::test]
async fn traces_resources_are_rewritten() {
    let sink = Sink::<Traces>::new();
    let p = factory()
        .create::<Traces>(
            &nop_settings("resource", Kind::Processor),
            &config(),
            sink.clone(),
        )
        .unwrap();
    assert!(p.capabilities().mutates_data);
    p.consume(traces()).await.unwrap();
    let got = sink.all();
    assert_eq!(got.len(), 1);
    let req = got[0].request();
    assert_eq!(
        req.resource_spans[0].resource.as_ref().unwrap().attributes,
        expected(true)
    );
    assert_eq!(
        req.resource_spans[1].resource.as_ref().unwrap().attributes,
        expected(false)
    );
    // Span attributes are not touched.
    assert_eq!(
        req.resource_spans[0].scope_spans[0].spans[0].attributes,
        vec![kv("k8s-cluster", s("span-level"))]
    );
}

#[tokio::test]
async fn shared_input_is_not_modified() {
    let sink = Sink::<Traces>::new();
    let p = factory()
        .create::<Traces>(
            &nop_settings("resource", Kind::Processor),
            &config(),
            sink.clone(),
        )
        .unwrap();
    let original = traces();
    p.consume(original.clone()).await.unwrap();
    assert_eq!(
        original.request().resource_spans[0]
            .resource
            .as_ref()
            .unwrap()
            .attributes,
        vec![kv("k8s-cluster", s("c1"))]
    );
    assert!(!sink.all()[0].shares_data_with(&original));
}

#[tokio::test]
async fn metrics_resources_are_rewritten() {
    let sink = Sink::<Metrics>::new();
    let p = factory()
        .create::<Metrics>(
            &nop_settings("resource", Kind::Processor),
            &config(),
            sink.clone(),
        )
        .unwrap();
    let point = NumberDataPoint {
        attributes: vec![kv("k8s-cluster", s("dp"))],
        ..Default::default()
    };
    let data = Metrics::from_request(ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: resource(vec![kv("k8s-cluster", s("c1"))]),
            scope_metrics: vec![ScopeMetrics {
                metrics: vec![Metric {
                    name: "m".into(),
                    data: Some(Data::Gauge(Gauge {
                        data_points: vec![point.clone()],
                    })),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }],
    });
    p.consume(data).await.unwrap();
    let got = sink.all();
    let rm = &got[0].request().resource_metrics[0];
    assert_eq!(rm.resource.as_ref().unwrap().attributes, expected(true));
    let Some(Data::Gauge(g)) = &rm.scope_metrics[0].metrics[0].data else {
        panic!("gauge expected")
    };
    assert_eq!(g.data_points[0], point);
}

#[tokio::test]
async fn logs_resources_get_context_values() {
    let sink = Sink::<Logs>::new();
    let p = factory()
        .create::<Logs>(
            &nop_settings("resource", Kind::Processor),
            &config(),
            sink.clone(),
        )
        .unwrap();
    let mut info = ClientInfo::default();
    info.metadata
        .insert("x-tenant".into(), vec!["acme".into(), "beta".into()]);
    let mut data = Logs::from_request(ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: resource(vec![]),
            scope_logs: vec![ScopeLogs {
                log_records: vec![LogRecord::default()],
                ..Default::default()
            }],
            ..Default::default()
        }],
    });
    data.set_context(RequestContext::new(info));
    p.consume(data).await.unwrap();
    let got = sink.all();
    let mut want = expected(false);
    want.push(kv("tenant", s("acme;beta")));
    assert_eq!(
        got[0].request().resource_logs[0]
            .resource
            .as_ref()
            .unwrap()
            .attributes,
        want
    );
    assert_eq!(
        got[0].request().resource_logs[0].scope_logs[0].log_records[0],
        LogRecord::default()
    );
}

#[tokio::test]
async fn empty_resource_is_not_created_for_nothing() {
    let cfg: ResourceConfig = parse_config("attributes: [{key: gone, action: delete}]").unwrap();
    let sink = Sink::<Traces>::new();
    let p = factory()
        .create::<Traces>(&nop_settings("resource", Kind::Processor), &cfg, sink.clone())
        .unwrap();
    p.consume(traces()).await.unwrap();
    assert_eq!(sink.all()[0].request().resource_spans[1].resource, None);
}

#[tokio::test]
async fn downstream_errors_are_returned() {
    let p = factory()
        .create::<Logs>(
            &nop_settings("resource", Kind::Processor),
            &config(),
            ErrConsumer::permanent(),
        )
        .unwrap();
    let err: ConsumeError = p.consume(Logs::default()).await.unwrap_err();
    assert!(err.is_permanent());
    let p = factory()
        .create::<Traces>(
            &nop_settings("resource", Kind::Processor),
            &config(),
            ErrConsumer::retryable(),
        )
        .unwrap();
    assert!(p.consume(traces()).await.unwrap_err().is_retryable());
}

#[test]
fn factory_metadata() {
    let f = factory();
    assert_eq!(f.type_name(), "resource");
    for signal in Signal::ALL {
        assert_eq!(f.stability(signal), Some(StabilityLevel::Beta));
    }
    assert!(f.module().starts_with("otelcol-processor-resource "));
}

#[test]
fn invalid_actions_fail_create() {
    let cfg = ResourceConfig {
        attributes: vec![ActionConfig::new("k", "bogus")],
    };
    let err = factory()
        .create::<Traces>(
            &nop_settings("resource", Kind::Processor),
            &cfg,
            Sink::<Traces>::new(),
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "attributes::0: error creating AttrProc due to unsupported action \"bogus\" at the 0-th actions"
    );
}

/// The test kit's contract: shutdown without start, start → consume →
/// shutdown, second shutdown, for every signal.
#[tokio::test]
async fn lifecycle() {
    check_processor_lifecycle(&factory(), &config()).await.unwrap();
}

/// The default config is invalid by design, as in Go: `attributes` is required.
#[tokio::test]
async fn lifecycle_refuses_the_default_config() {
    assert!(factory().default_config().validate().is_err());
    let err = check_processor_lifecycle(&factory(), &factory().default_config())
        .await
        .unwrap_err();
    assert_eq!(err, "config invalid: missing required field \"attributes\"");
}

/// Runs `data` through the processor twice: kept encoded as a receiver
/// keeps it, and decoded; the results agree, and the encoded one stays
/// encoded when every action runs encoded.
async fn encoded_like_decoded<T: Payload>(c: &ResourceConfig, data: T, stays_encoded: bool) {
    let run = |data: T| async {
        let sink = Sink::<T>::new();
        let p = factory()
            .create::<T>(&nop_settings("resource", Kind::Processor), c, sink.clone())
            .unwrap();
        p.consume(data).await.unwrap();
        sink.all().remove(0)
    };
    let encoded = run(T::from_encoded(data.to_bytes()).unwrap()).await;
    let decoded = run(data.clone()).await;
    assert_eq!(encoded.is_encoded(), stays_encoded, "{:?}", T::SIGNAL);
    assert!(encoded.request() == decoded.request(), "{:?}", T::SIGNAL);
    assert!(decoded.request() != data.request(), "{:?}", T::SIGNAL);
}

#[tokio::test]
async fn encoded_payloads_are_edited_encoded() {
    let c = config();
    // With and without absent resources (one offered empty, left absent).
    encoded_like_decoded(&c, traces(), true).await;
    encoded_like_decoded(
        &c,
        otelcol_componenttest::generate::payload::<Metrics>(2, 1, 3),
        true,
    )
    .await;
    encoded_like_decoded(
        &c,
        otelcol_componenttest::generate::payload::<Logs>(2, 1, 3),
        true,
    )
    .await;
    let hashing: ResourceConfig = parse_config(
        r#"
attributes:
  - {key: host.name, action: hash}
  - {pattern: ^service\.(version|instance), action: delete}
  - {key: added, value: [1, two], action: insert}
"#,
    )
    .unwrap();
    encoded_like_decoded(
        &hashing,
        otelcol_componenttest::generate::payload::<Traces>(3, 1, 2),
        true,
    )
    .await;
    // convert does not run encoded: decoded, same result.
    let converting: ResourceConfig = parse_config(
        r#"
attributes:
  - {key: process.pid, action: convert, converted_type: string}
"#,
    )
    .unwrap();
    encoded_like_decoded(
        &converting,
        otelcol_componenttest::generate::payload::<Traces>(1, 1, 1),
        false,
    )
    .await;
}

#[test]
fn receivers_keep_payloads_encoded_when_the_edit_can_be() {
    use otelcol_component::SharedConsumer;
    let make = |yaml: &str, next: SharedConsumer<Traces>| -> SharedConsumer<Traces> {
        let cfg: ResourceConfig = parse_config(yaml).unwrap();
        factory()
            .create::<Traces>(&nop_settings("resource", Kind::Processor), &cfg, next)
            .unwrap()
    };
    let encodable = "attributes: [{key: env, value: prod, action: upsert}]";
    let convert = "attributes: [{key: port, converted_type: string, action: convert}]";
    assert!(!make(encodable, Sink::<Traces>::new()).decodes_input());
    assert!(make(convert, Sink::<Traces>::new()).decodes_input());
    assert!(make(encodable, make(convert, Sink::<Traces>::new())).decodes_input());
    assert!(make(encodable, Sink::<Traces>::new()).capabilities().mutates_data);
}
