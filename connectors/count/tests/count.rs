//! Counts match what was sent: default metrics, conditions, attributes.

#![allow(clippy::unwrap_used)] // test code: a panic is a failed assertion

use otelcol_component::proto::collector::logs::v1::ExportLogsServiceRequest;
use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::common::v1::{AnyValue, KeyValue, any_value};
use otelcol_component::proto::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use otelcol_component::proto::metrics::v1::{AggregationTemporality, metric, number_data_point};
use otelcol_component::proto::resource::v1::Resource;
use otelcol_component::proto::trace::v1::{ResourceSpans, ScopeSpans, Span, span::Event};
use otelcol_component::{
    ConnectorFactory, Kind, Logs, Metrics, Payload, PipelineId, Router, SharedConsumer, Traces,
};
use otelcol_componenttest::generate::metrics_payload;
use otelcol_componenttest::{Sink, nop_settings, parse_config};
use otelcol_connector_count::CountConfig;

fn kv(k: &str, v: &str) -> KeyValue {
    KeyValue {
        key: k.into(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(v.into())),
        }),
        ..Default::default()
    }
}

fn one<T: Payload>(mut v: Vec<SharedConsumer<T>>) -> Option<SharedConsumer<T>> {
    v.pop()
}

fn router(sink: &std::sync::Arc<Sink<Metrics>>) -> Router<Metrics> {
    Router::new(
        vec![(
            PipelineId::new(otelcol_component::Signal::Metrics, None).unwrap(),
            sink.clone() as SharedConsumer<Metrics>,
        )],
        one::<Metrics>,
    )
}

/// A data point: metric name, attributes, value.
type Point = (String, Vec<(String, String)>, i64);

/// Every data point the sink got, sorted.
fn points(sink: &Sink<Metrics>) -> Vec<Point> {
    let mut out = Vec::new();
    for m in sink.all() {
        for rm in &m.request().resource_metrics {
            for sm in &rm.scope_metrics {
                assert_eq!(
                    sm.scope.as_ref().unwrap().name,
                    otelcol_connector_count::SCOPE_NAME
                );
                for metric in &sm.metrics {
                    let Some(metric::Data::Sum(sum)) = &metric.data else {
                        panic!("a sum")
                    };
                    assert!(sum.is_monotonic);
                    assert_eq!(sum.aggregation_temporality, AggregationTemporality::Delta as i32);
                    for p in &sum.data_points {
                        let attrs = p
                            .attributes
                            .iter()
                            .map(|kv| {
                                let Some(any_value::Value::StringValue(s)) =
                                    kv.value.as_ref().and_then(|v| v.value.clone())
                                else {
                                    panic!("string attribute")
                                };
                                (kv.key.clone(), s)
                            })
                            .collect();
                        let Some(number_data_point::Value::AsInt(n)) = p.value else {
                            panic!("an int")
                        };
                        out.push((metric.name.clone(), attrs, n));
                    }
                }
            }
        }
    }
    out.sort();
    out
}

fn traces() -> Traces {
    let span = |name: &str, env: Option<&str>, events: usize| Span {
        name: name.into(),
        trace_id: vec![1; 16],
        span_id: vec![2; 8],
        attributes: env.map(|e| vec![kv("env", e)]).unwrap_or_default(),
        events: (0..events)
            .map(|i| Event {
                name: format!("e{i}"),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    Traces::from_request(ExportTraceServiceRequest {
        resource_spans: vec![
            ResourceSpans {
                resource: Some(Resource {
                    attributes: vec![kv("service.name", "checkout")],
                    ..Default::default()
                }),
                scope_spans: vec![ScopeSpans {
                    spans: vec![
                        span("a", Some("prod"), 2),
                        span("b", Some("prod"), 0),
                        span("c", None, 1),
                    ],
                    ..Default::default()
                }],
                ..Default::default()
            },
            ResourceSpans {
                resource: Some(Resource {
                    attributes: vec![kv("service.name", "cart"), kv("env", "dev")],
                    ..Default::default()
                }),
                scope_spans: vec![ScopeSpans {
                    spans: vec![span("d", None, 0)],
                    ..Default::default()
                }],
                ..Default::default()
            },
        ],
    })
}

fn s(v: &str) -> String {
    v.to_string()
}

#[tokio::test]
async fn default_counts_of_spans_and_events_per_resource() {
    let sink = Sink::<Metrics>::new();
    let cfg: CountConfig = parse_config("").unwrap();
    let c = otelcol_connector_count::factory()
        .create::<Traces, Metrics>(&nop_settings("count", Kind::Connector), &cfg, router(&sink))
        .unwrap();
    c.consume(traces()).await.unwrap();
    assert_eq!(
        points(&sink),
        vec![
            (s("trace.span.count"), vec![], 1),
            (s("trace.span.count"), vec![], 3),
            (s("trace.span.event.count"), vec![], 3),
        ]
    );
    // Each output resource is the input's.
    let out = sink.all();
    let resources: Vec<_> = out[0]
        .request()
        .resource_metrics
        .iter()
        .map(|r| r.resource.clone().unwrap().attributes[0].clone())
        .collect();
    assert_eq!(
        resources,
        vec![kv("service.name", "checkout"), kv("service.name", "cart")]
    );
}

#[tokio::test]
async fn conditions_and_attributes_split_the_counts() {
    let sink = Sink::<Metrics>::new();
    let cfg: CountConfig = parse_config(
        r#"
spans:
  span.by.env:
    description: spans per environment
    attributes: [{key: env, default_value: none}]
  prod.spans:
    conditions: ['attributes["env"] == "prod"', 'name == "d"']
  env.only:
    attributes: [{key: env}]
"#,
    )
    .unwrap();
    let c = otelcol_connector_count::factory()
        .create::<Traces, Metrics>(&nop_settings("count", Kind::Connector), &cfg, router(&sink))
        .unwrap();
    c.consume(traces()).await.unwrap();
    let env = |v: &str| vec![(s("env"), s(v))];
    assert_eq!(
        points(&sink),
        vec![
            // The resource's env counts for its span (attributes fall back to the resource).
            (s("env.only"), env("dev"), 1),
            (s("env.only"), env("prod"), 2),
            (s("prod.spans"), vec![], 1),
            (s("prod.spans"), vec![], 2),
            (s("span.by.env"), env("dev"), 1),
            (s("span.by.env"), env("none"), 1),
            (s("span.by.env"), env("prod"), 2),
            // No span-event section: the default event count stays.
            (s("trace.span.event.count"), vec![], 3),
        ]
    );
}

#[tokio::test]
async fn metrics_data_points_and_logs() {
    let sink = Sink::<Metrics>::new();
    let cfg: CountConfig = parse_config("").unwrap();
    let data = metrics_payload(1, 1, 4);
    let (metrics, points_in) = (
        data.request().resource_metrics[0].scope_metrics[0].metrics.len() as i64,
        data.item_count() as i64,
    );
    let c = otelcol_connector_count::factory()
        .create::<Metrics, Metrics>(&nop_settings("count", Kind::Connector), &cfg, router(&sink))
        .unwrap();
    c.consume(data).await.unwrap();
    assert_eq!(
        points(&sink),
        vec![
            (s("metric.count"), vec![], metrics),
            (s("metric.datapoint.count"), vec![], points_in),
        ]
    );

    let sink = Sink::<Metrics>::new();
    let cfg: CountConfig =
        parse_config("logs: {errors: {conditions: ['severity_number >= SEVERITY_NUMBER_ERROR']}}").unwrap();
    let c = otelcol_connector_count::factory()
        .create::<Logs, Metrics>(&nop_settings("count", Kind::Connector), &cfg, router(&sink))
        .unwrap();
    let log = |sev: i32| LogRecord {
        severity_number: sev,
        ..Default::default()
    };
    c.consume(Logs::from_request(ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            scope_logs: vec![ScopeLogs {
                log_records: vec![log(9), log(17), log(21), log(5)],
                ..Default::default()
            }],
            ..Default::default()
        }],
    }))
    .await
    .unwrap();
    assert_eq!(points(&sink), vec![(s("errors"), vec![], 2)]);
}
