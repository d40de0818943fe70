//! Per-item and per-resource routing on payloads built by the test kit.

#![allow(clippy::unwrap_used)] // test code: a panic is a failed assertion

use otelcol_component::{
    ConnectorFactory, ConsumeError, Kind, Logs, Payload, PipelineId, Router, SharedConsumer, Signal, Traces,
};
use otelcol_componenttest::generate::{logs_payload, traces_payload};
use otelcol_componenttest::{ErrConsumer, Sink, nop_settings, parse_config};
use otelcol_connector_routing::RoutingConfig;

fn first<T: Payload>(mut v: Vec<SharedConsumer<T>>) -> Option<SharedConsumer<T>> {
    // The routes here name one pipeline each.
    v.pop()
}

fn router<T: Payload>(sinks: &[(&str, SharedConsumer<T>)]) -> Router<T> {
    Router::new(
        sinks
            .iter()
            .map(|(n, s)| (PipelineId::new(T::SIGNAL, Some(n)).unwrap(), s.clone()))
            .collect(),
        first::<T>,
    )
}

fn span_names(t: &[Traces]) -> Vec<String> {
    let mut v: Vec<String> = t
        .iter()
        .flat_map(|t| t.request().resource_spans.clone())
        .flat_map(|r| r.scope_spans)
        .flat_map(|s| s.spans)
        .map(|s| s.name)
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn spans_go_to_the_first_route_they_match_and_the_rest_to_the_default() {
    let data = traces_payload(2, 1, 3);
    let names = span_names(std::slice::from_ref(&data));
    assert_eq!(names.len(), 6);
    let (a, b, rest) = (
        Sink::<Traces>::new(),
        Sink::<Traces>::new(),
        Sink::<Traces>::new(),
    );
    let cfg: RoutingConfig = parse_config(&format!(
        r#"
default_pipelines: [traces/rest]
table:
  - context: span
    condition: name == "{first}"
    pipelines: [traces/a]
  - context: span
    condition: name == "{first}" or name == "{second}"
    pipelines: [traces/b]
"#,
        first = names[0],
        second = names[1]
    ))
    .unwrap();
    let c = otelcol_connector_routing::factory()
        .create::<Traces, Traces>(
            &nop_settings("routing", Kind::Connector),
            &cfg,
            router(&[
                ("a", a.clone() as SharedConsumer<Traces>),
                ("b", b.clone()),
                ("rest", rest.clone()),
            ]),
        )
        .unwrap();
    c.consume(data).await.unwrap();
    // Matched once: the first span only in a, the second in b.
    assert_eq!(span_names(&a.all()), [names[0].clone()]);
    assert_eq!(span_names(&b.all()), [names[1].clone()]);
    assert_eq!(span_names(&rest.all()), names[2..].to_vec());
}

#[tokio::test]
async fn resources_are_routed_whole_and_errors_follow_error_mode() {
    let data = logs_payload(3, 1, 2);
    let service = |i: usize| {
        data.request().resource_logs[i]
            .resource
            .as_ref()
            .and_then(|r| r.attributes.iter().find(|kv| kv.key == "service.name"))
            .and_then(|kv| kv.value.clone())
            .and_then(|v| v.value)
    };
    let Some(otelcol_component::proto::common::v1::any_value::Value::StringValue(first)) = service(0) else {
        panic!("the generator names services");
    };
    let (hit, rest) = (Sink::<Logs>::new(), Sink::<Logs>::new());
    let cfg: RoutingConfig = parse_config(&format!(
        "default_pipelines: [logs/rest]\ntable: [{{statement: 'route() where attributes[\"service.name\"] == \"{first}\"', pipelines: [logs/hit]}}]"
    ))
    .unwrap();
    let c = otelcol_connector_routing::factory()
        .create::<Logs, Logs>(
            &nop_settings("routing", Kind::Connector),
            &cfg,
            router(&[
                ("hit", hit.clone() as SharedConsumer<Logs>),
                ("rest", rest.clone()),
            ]),
        )
        .unwrap();
    c.consume(data).await.unwrap();
    assert_eq!((hit.item_count(), rest.item_count()), (2, 4));

    // A failing pipeline's error reaches the sender.
    let cfg: RoutingConfig = parse_config("table: [{condition: 'true', pipelines: [logs/bad]}]").unwrap();
    let c = otelcol_connector_routing::factory()
        .create::<Logs, Logs>(
            &nop_settings("routing", Kind::Connector),
            &cfg,
            router(&[(
                "bad",
                ErrConsumer::new(ConsumeError::permanent("refused")) as SharedConsumer<Logs>,
            )]),
        )
        .unwrap();
    let e: ConsumeError = c.consume(logs_payload(1, 1, 1)).await.unwrap_err();
    assert!(e.to_string().contains("refused"), "{e}");

    // A route naming a pipeline the connector does not feed fails at create.
    let cfg: RoutingConfig = parse_config("table: [{condition: 'true', pipelines: [logs/nowhere]}]").unwrap();
    let e = otelcol_connector_routing::factory()
        .create::<Logs, Logs>(
            &nop_settings("routing", Kind::Connector),
            &cfg,
            router(&[("hit", hit as SharedConsumer<Logs>)]),
        )
        .map(|_| ())
        .unwrap_err();
    assert!(
        e.to_string().contains("pipeline \"logs/nowhere\" not found"),
        "{e}"
    );
    assert_eq!(Signal::Logs, Logs::SIGNAL);
}

fn point_hosts(m: &[otelcol_component::Metrics]) -> Vec<(String, String)> {
    use otelcol_component::proto::common::v1::any_value::Value;
    use otelcol_component::proto::metrics::v1::metric::Data;
    let mut v = Vec::new();
    for rm in m.iter().flat_map(|m| m.request().resource_metrics.clone()) {
        for metric in rm.scope_metrics.into_iter().flat_map(|s| s.metrics) {
            let points = match metric.data {
                Some(Data::Sum(s)) => s.data_points,
                Some(Data::Gauge(g)) => g.data_points,
                other => panic!("{other:?}"),
            };
            for p in points {
                let host = p
                    .attributes
                    .iter()
                    .find(|kv| kv.key == "host")
                    .and_then(|kv| kv.value.clone())
                    .and_then(|v| v.value);
                let Some(Value::StringValue(h)) = host else {
                    panic!("host")
                };
                v.push((metric.name.clone(), h));
            }
        }
    }
    v.sort();
    v
}

#[tokio::test]
async fn data_points_are_routed_one_by_one_and_their_metric_goes_with_each_part() {
    use otelcol_component::Metrics;
    use otelcol_component::build::string_kv;
    use otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceRequest;
    use otelcol_component::proto::metrics::v1::{
        Gauge, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum, metric::Data,
    };
    let point = |host: &str| NumberDataPoint {
        attributes: vec![string_kv("host", host)],
        ..Default::default()
    };
    let data = Metrics::from_request(ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            scope_metrics: vec![ScopeMetrics {
                metrics: vec![
                    Metric {
                        name: "requests".into(),
                        data: Some(Data::Sum(Sum {
                            data_points: vec![point("a"), point("b"), point("c")],
                            ..Default::default()
                        })),
                        ..Default::default()
                    },
                    Metric {
                        name: "load".into(),
                        data: Some(Data::Gauge(Gauge {
                            data_points: vec![point("b")],
                        })),
                        ..Default::default()
                    },
                ],
                ..Default::default()
            }],
            ..Default::default()
        }],
    });
    let (b, rest) = (Sink::<Metrics>::new(), Sink::<Metrics>::new());
    let cfg: RoutingConfig = parse_config(
        "default_pipelines: [metrics/rest]\ntable: [{context: datapoint, condition: 'attributes[\"host\"] == \"b\"', pipelines: [metrics/b]}]",
    )
    .unwrap();
    let c = otelcol_connector_routing::factory()
        .create::<Metrics, Metrics>(
            &nop_settings("routing", Kind::Connector),
            &cfg,
            router(&[
                ("b", b.clone() as SharedConsumer<Metrics>),
                ("rest", rest.clone()),
            ]),
        )
        .unwrap();
    c.consume(data).await.unwrap();
    let s = |m: &str, h: &str| (m.to_string(), h.to_string());
    assert_eq!(point_hosts(&b.all()), [s("load", "b"), s("requests", "b")]);
    assert_eq!(point_hosts(&rest.all()), [s("requests", "a"), s("requests", "c")]);

    // The datapoint context does not apply to traces.
    let e = otelcol_connector_routing::factory()
        .create::<Traces, Traces>(
            &nop_settings("routing", Kind::Connector),
            &cfg,
            router(&[("b", Sink::<Traces>::new() as SharedConsumer<Traces>)]),
        )
        .map(|_| ())
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("the datapoint context does not apply to traces"),
        "{e}"
    );
}
