//! The `redaction` processor end to end through the factory, with the test kit's sinks.

#![allow(clippy::unwrap_used)] // test code: a panic is a failed assertion

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
use otelcol_component::{Kind, Logs, Metrics, Payload, ProcessorFactory, Traces};
use otelcol_componenttest::{NopHost, Sink, check_processor_lifecycle, nop_settings, parse_config};
use otelcol_example_custom_processor::{RedactionConfig, TYPE, factory};

const CONFIG: &str = r#"
blocked_keys: [password]
blocked_values: ['\d{4}-\d{4}-\d{4}-\d{4}']
"#;

fn kv(k: &str, v: &str) -> KeyValue {
    KeyValue {
        key: k.into(),
        value: Some(AnyValue {
            value: Some(Value::StringValue(v.into())),
        }),
        ..Default::default()
    }
}

fn str_of(kvs: &[KeyValue], k: &str) -> String {
    match kvs.iter().find(|kv| kv.key == k).and_then(|kv| kv.value.clone()) {
        Some(AnyValue {
            value: Some(Value::StringValue(s)),
        }) => s,
        other => panic!("{k}: {other:?}"),
    }
}

fn attrs() -> Vec<KeyValue> {
    vec![
        kv("password", "hunter2"),
        kv("card", "paid with 1234-5678-9012-3456 today"),
        kv("user", "alice"),
    ]
}

fn cfg() -> RedactionConfig {
    parse_config::<RedactionConfig>(CONFIG).unwrap()
}

fn check(kvs: &[KeyValue]) {
    assert_eq!(str_of(kvs, "password"), "****");
    assert_eq!(str_of(kvs, "card"), "paid with **** today");
    assert_eq!(str_of(kvs, "user"), "alice");
}

#[tokio::test]
async fn lifecycle_contract() {
    check_processor_lifecycle(&factory(), &cfg()).await.unwrap();
}

#[tokio::test]
async fn traces_are_redacted() {
    let sink = Sink::<Traces>::new();
    let set = nop_settings(TYPE, Kind::Processor);
    let p = factory().create::<Traces>(&set, &cfg(), sink.clone()).unwrap();
    p.start(NopHost::new()).await.unwrap();
    assert!(p.capabilities().mutates_data);
    let req = ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: attrs(),
                ..Default::default()
            }),
            scope_spans: vec![ScopeSpans {
                spans: vec![Span {
                    name: "s".into(),
                    attributes: attrs(),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }],
    };
    p.consume(Traces::from_request(req)).await.unwrap();
    p.shutdown().await.unwrap();
    let got = sink.all();
    assert_eq!(got.len(), 1);
    let rs = &got[0].request().resource_spans[0];
    check(&rs.resource.as_ref().unwrap().attributes);
    check(&rs.scope_spans[0].spans[0].attributes);
}

#[tokio::test]
async fn logs_are_redacted_and_resource_can_be_kept() {
    let sink = Sink::<Logs>::new();
    let set = nop_settings(TYPE, Kind::Processor);
    let mut c = cfg();
    c.include_resource = false;
    let p = factory().create::<Logs>(&set, &c, sink.clone()).unwrap();
    let req = ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: Some(Resource {
                attributes: attrs(),
                ..Default::default()
            }),
            scope_logs: vec![ScopeLogs {
                log_records: vec![LogRecord {
                    attributes: attrs(),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }],
    };
    p.consume(Logs::from_request(req)).await.unwrap();
    let got = sink.all();
    let rl = &got[0].request().resource_logs[0];
    assert_eq!(
        str_of(&rl.resource.as_ref().unwrap().attributes, "password"),
        "hunter2"
    );
    check(&rl.scope_logs[0].log_records[0].attributes);
}

#[tokio::test]
async fn metric_points_are_redacted() {
    let sink = Sink::<Metrics>::new();
    let set = nop_settings(TYPE, Kind::Processor);
    let p = factory().create::<Metrics>(&set, &cfg(), sink.clone()).unwrap();
    let req = ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            scope_metrics: vec![ScopeMetrics {
                metrics: vec![Metric {
                    name: "g".into(),
                    data: Some(Data::Gauge(Gauge {
                        data_points: vec![NumberDataPoint {
                            attributes: attrs(),
                            ..Default::default()
                        }],
                    })),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }],
    };
    p.consume(Metrics::from_request(req)).await.unwrap();
    let got = sink.all();
    let Some(Data::Gauge(g)) = &got[0].request().resource_metrics[0].scope_metrics[0].metrics[0].data else {
        panic!("gauge expected");
    };
    check(&g.data_points[0].attributes);
}

#[tokio::test]
async fn downstream_errors_are_returned() {
    let set = nop_settings(TYPE, Kind::Processor);
    let p = factory()
        .create::<Traces>(&set, &cfg(), otelcol_componenttest::ErrConsumer::permanent())
        .unwrap();
    let e = p.consume(Traces::default()).await.unwrap_err();
    assert!(e.is_permanent());
}

mod config {
    use super::*;

    #[test]
    fn defaults_and_full_config() {
        let d = RedactionConfig::default();
        assert_eq!(d.mask, "****");
        assert!(d.include_resource);
        let c = parse_config::<RedactionConfig>(
            "blocked_keys: [password]\nblocked_values: ['\\d{4}']\nmask: X\ninclude_resource: false",
        )
        .unwrap();
        assert_eq!(c.blocked_keys, vec!["password"]);
        assert_eq!(c.mask, "X");
        assert!(!c.include_resource);
    }

    #[test]
    fn refuses_bad_configs() {
        let e = parse_config::<RedactionConfig>("").unwrap_err();
        assert!(e.contains("at least one of"), "{e}");
        let e = parse_config::<RedactionConfig>("blocked_keys: [a]\nmasks: x").unwrap_err();
        assert!(e.contains("unknown field \"masks\""), "{e}");
        let e = parse_config::<RedactionConfig>("blocked_values: ['ok', '(']").unwrap_err();
        assert!(e.contains("blocked_values::1"), "{e}");
        let e = parse_config::<RedactionConfig>("blocked_keys: ['']").unwrap_err();
        assert!(e.contains("blocked_keys::0"), "{e}");
    }
}
