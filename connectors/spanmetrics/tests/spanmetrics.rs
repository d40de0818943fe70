//! R.E.D. metrics from spans: names, dimensions, buckets, temporality,
//! limits and the flush at shutdown.

#![allow(clippy::unwrap_used)] // test code: a panic is a failed assertion

use std::sync::Arc;

use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::common::v1::{AnyValue, KeyValue, any_value};
use otelcol_component::proto::metrics::v1::{AggregationTemporality, Metric, metric, number_data_point};
use otelcol_component::proto::resource::v1::Resource;
use otelcol_component::proto::trace::v1::{ResourceSpans, ScopeSpans, Span, Status};
use otelcol_component::{
    ConnectorFactory, Kind, Metrics, Payload, PipelineId, Router, SharedConsumer, Signal, Traces,
};
use otelcol_componenttest::{NopHost, Sink, nop_settings, parse_config};
use otelcol_connector_spanmetrics::SpanMetricsConfig;

fn kv(k: &str, v: &str) -> KeyValue {
    KeyValue {
        key: k.into(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(v.into())),
        }),
        ..Default::default()
    }
}

/// A span of `ms` milliseconds.
fn span(name: &str, kind: i32, error: bool, ms: u64, attrs: Vec<KeyValue>) -> Span {
    Span {
        name: name.into(),
        kind,
        trace_id: vec![1; 16],
        span_id: vec![2; 8],
        start_time_unix_nano: 1_000_000_000,
        end_time_unix_nano: 1_000_000_000 + ms * 1_000_000,
        status: error.then(|| Status {
            code: 2,
            ..Default::default()
        }),
        attributes: attrs,
        ..Default::default()
    }
}

fn traces(resources: Vec<(Vec<KeyValue>, Vec<Span>)>) -> Traces {
    Traces::from_request(ExportTraceServiceRequest {
        resource_spans: resources
            .into_iter()
            .map(|(attrs, spans)| ResourceSpans {
                resource: Some(Resource {
                    attributes: attrs,
                    ..Default::default()
                }),
                scope_spans: vec![ScopeSpans {
                    spans,
                    ..Default::default()
                }],
                ..Default::default()
            })
            .collect(),
    })
}

fn one<T: Payload>(mut v: Vec<SharedConsumer<T>>) -> Option<SharedConsumer<T>> {
    v.pop()
}

fn connector(cfg: &str) -> (Arc<dyn otelcol_component::Connector<Traces>>, Arc<Sink<Metrics>>) {
    let sink = Sink::<Metrics>::new();
    let cfg: SpanMetricsConfig = parse_config(cfg).unwrap();
    let router = Router::new(
        vec![(
            PipelineId::new(Signal::Metrics, None).unwrap(),
            sink.clone() as SharedConsumer<Metrics>,
        )],
        one::<Metrics>,
    );
    let c = otelcol_connector_spanmetrics::factory()
        .create::<Traces, Metrics>(&nop_settings("spanmetrics", Kind::Connector), &cfg, router)
        .unwrap();
    (c, sink)
}

/// Every metric the sink got, in order.
fn metrics(sink: &Sink<Metrics>) -> Vec<(Vec<KeyValue>, Metric)> {
    sink.all()
        .iter()
        .flat_map(|m| m.request().resource_metrics.clone())
        .flat_map(|rm| {
            let res = rm.resource.clone().unwrap_or_default().attributes;
            rm.scope_metrics
                .into_iter()
                .flat_map(move |sm| {
                    assert_eq!(sm.scope.as_ref().unwrap().name, "spanmetricsconnector");
                    sm.metrics.into_iter().map({
                        let res = res.clone();
                        move |m| (res.clone(), m)
                    })
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

fn dims(attrs: &[KeyValue]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = attrs
        .iter()
        .map(|kv| {
            let Some(any_value::Value::StringValue(s)) = kv.value.as_ref().and_then(|v| v.value.clone())
            else {
                panic!("string dimension")
            };
            (kv.key.clone(), s)
        })
        .collect();
    v.sort();
    v
}

fn d(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn calls_and_durations_per_service_span_kind_and_status() {
    let (c, sink) = connector("dimensions: [{name: http.method, default: GET}, {name: region}]");
    c.start(NopHost::new()).await.unwrap();
    c.consume(traces(vec![
        (
            vec![kv("service.name", "checkout"), kv("region", "eu")],
            vec![
                span("pay", 2, false, 3, vec![kv("http.method", "POST")]),
                span("pay", 2, false, 30, vec![kv("http.method", "POST")]),
                span("pay", 2, true, 3000, vec![kv("http.method", "POST")]),
                span("load", 3, false, 1, vec![]),
            ],
        ),
        // No service.name: not counted (as Go).
        (
            vec![kv("host.name", "x")],
            vec![span("lost", 1, false, 1, vec![])],
        ),
    ]))
    .await
    .unwrap();
    assert!(sink.all().is_empty(), "nothing before the flush");
    c.shutdown().await.unwrap();

    let got = metrics(&sink);
    assert_eq!(got.len(), 2, "calls and duration for the one resource");
    let (res, calls) = &got[0];
    assert_eq!(dims(res), d(&[("region", "eu"), ("service.name", "checkout")]));
    assert_eq!(calls.name, "traces.span.metrics.calls");
    let Some(metric::Data::Sum(sum)) = &calls.data else {
        panic!("calls is a sum")
    };
    assert!(sum.is_monotonic);
    assert_eq!(
        sum.aggregation_temporality,
        AggregationTemporality::Cumulative as i32
    );
    let mut points: Vec<(Vec<(String, String)>, i64)> = sum
        .data_points
        .iter()
        .map(|p| {
            let Some(number_data_point::Value::AsInt(n)) = p.value else {
                panic!("int")
            };
            (dims(&p.attributes), n)
        })
        .collect();
    points.sort();
    let base = |name: &str, kind: &str, status: &str, method: &str| {
        d(&[
            ("service.name", "checkout"),
            ("span.name", name),
            ("span.kind", kind),
            ("status.code", status),
            ("http.method", method),
            ("region", "eu"),
        ])
    };
    assert_eq!(
        points,
        vec![
            (base("load", "SPAN_KIND_CLIENT", "STATUS_CODE_UNSET", "GET"), 1),
            (base("pay", "SPAN_KIND_SERVER", "STATUS_CODE_ERROR", "POST"), 1),
            (base("pay", "SPAN_KIND_SERVER", "STATUS_CODE_UNSET", "POST"), 2),
        ]
    );
    let (_, duration) = &got[1];
    assert_eq!(duration.name, "traces.span.metrics.duration");
    assert_eq!(duration.unit, "ms");
    let Some(metric::Data::Histogram(h)) = &duration.data else {
        panic!("duration is a histogram")
    };
    let ok = h
        .data_points
        .iter()
        .find(|p| dims(&p.attributes) == base("pay", "SPAN_KIND_SERVER", "STATUS_CODE_UNSET", "POST"))
        .unwrap();
    assert_eq!(ok.explicit_bounds[..3], [2.0, 4.0, 6.0]);
    assert_eq!(ok.count, 2);
    assert_eq!(ok.sum, Some(33.0));
    // 3 ms in (2, 4], 30 ms in (10, 50].
    assert_eq!(ok.bucket_counts[1], 1);
    assert_eq!(ok.bucket_counts[5], 1);
    assert_eq!(ok.bucket_counts.iter().sum::<u64>(), 2);
    assert_eq!(ok.bucket_counts.len(), ok.explicit_bounds.len() + 1);
}

#[tokio::test]
async fn cumulative_counts_grow_and_deltas_start_over() {
    let batch = || {
        traces(vec![(
            vec![kv("service.name", "a")],
            vec![span("s", 2, false, 5, vec![])],
        )])
    };
    let calls = |sink: &Sink<Metrics>| -> Vec<i64> {
        metrics(sink)
            .iter()
            .filter(|(_, m)| m.name.ends_with(".calls"))
            .map(|(_, m)| {
                let Some(metric::Data::Sum(s)) = &m.data else {
                    panic!("sum")
                };
                let Some(number_data_point::Value::AsInt(n)) = s.data_points[0].value else {
                    panic!("int")
                };
                n
            })
            .collect()
    };
    let (c, sink) = connector("namespace: span.metrics");
    for _ in 0..2 {
        c.consume(batch()).await.unwrap();
        c.start(NopHost::new()).await.unwrap();
        c.shutdown().await.unwrap();
    }
    assert_eq!(calls(&sink), [1, 2]);
    assert!(
        metrics(&sink)
            .iter()
            .all(|(_, m)| m.name.starts_with("span.metrics."))
    );

    let (c, sink) = connector("aggregation_temporality: AGGREGATION_TEMPORALITY_DELTA");
    for _ in 0..2 {
        c.consume(batch()).await.unwrap();
        c.start(NopHost::new()).await.unwrap();
        c.shutdown().await.unwrap();
    }
    assert_eq!(calls(&sink), [1, 1]);
    let deltas = metrics(&sink);
    let Some(metric::Data::Sum(s)) = &deltas[0].1.data else {
        panic!("sum")
    };
    assert_eq!(s.aggregation_temporality, AggregationTemporality::Delta as i32);
}

#[tokio::test]
async fn the_cardinality_limit_overflows_into_one_series_and_exclusions_apply() {
    let (c, sink) = connector(
        "aggregation_cardinality_limit: 2\nexclude_dimensions: [status.code]\nhistogram: {disable: true}",
    );
    let spans = (0..5)
        .map(|i| span(&format!("op{i}"), 2, i % 2 == 0, 1, vec![]))
        .collect();
    c.consume(traces(vec![(vec![kv("service.name", "a")], spans)]))
        .await
        .unwrap();
    c.start(NopHost::new()).await.unwrap();
    c.shutdown().await.unwrap();
    let got = metrics(&sink);
    assert_eq!(got.len(), 1, "no histogram when disabled");
    let Some(metric::Data::Sum(s)) = &got[0].1.data else {
        panic!("sum")
    };
    let mut points: Vec<(Vec<(String, String)>, i64)> = s
        .data_points
        .iter()
        .map(|p| {
            let Some(number_data_point::Value::AsInt(n)) = p.value else {
                panic!("int")
            };
            (dims(&p.attributes), n)
        })
        .collect();
    points.sort();
    let op = |name: &str| {
        d(&[
            ("service.name", "a"),
            ("span.name", name),
            ("span.kind", "SPAN_KIND_SERVER"),
        ])
    };
    assert_eq!(
        points,
        vec![
            (d(&[("otel.metric.overflow", "true")]), 3),
            (op("op0"), 1),
            (op("op1"), 1),
        ]
    );
}

#[tokio::test]
async fn exponential_durations_exemplars_events_and_scope_dimensions() {
    let (c, sink) = connector(
        "histogram: {exponential: {max_size: 10}}\n\
         exemplars: {enabled: true, max_per_data_point: 2}\n\
         events: {enabled: true, dimensions: [{name: exception.type}]}\n\
         include_instrumentation_scope: [my.lib]",
    );
    c.start(NopHost::new()).await.unwrap();
    let mut spans: Vec<Span> = (1..=5u8)
        .map(|i| {
            let mut s = span("op", 2, false, u64::from(i) * 10, vec![]);
            s.span_id = vec![i; 8];
            s
        })
        .collect();
    spans[0].events = vec![
        otelcol_component::proto::trace::v1::span::Event {
            name: "exception".into(),
            attributes: vec![kv("exception.type", "Timeout")],
            ..Default::default()
        },
        otelcol_component::proto::trace::v1::span::Event {
            name: "exception".into(),
            attributes: vec![kv("exception.type", "Timeout")],
            ..Default::default()
        },
    ];
    let mut t = traces(vec![(vec![kv("service.name", "svc")], spans)]);
    let mut req = t.request().clone();
    req.resource_spans[0].scope_spans[0].scope =
        Some(otelcol_component::proto::common::v1::InstrumentationScope {
            name: "my.lib".into(),
            version: "1.2".into(),
            ..Default::default()
        });
    t = Traces::from_request(req);
    c.consume(t).await.unwrap();
    c.shutdown().await.unwrap();
    let got = metrics(&sink);
    let names: Vec<&str> = got.iter().map(|(_, m)| m.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "traces.span.metrics.calls",
            "traces.span.metrics.duration",
            "traces.span.metrics.events"
        ]
    );
    let scope_dims = |attrs: &[KeyValue]| {
        let d = dims(attrs);
        assert!(
            d.contains(&("span.instrumentation.scope.name".into(), "my.lib".into())),
            "{d:?}"
        );
        assert!(
            d.contains(&("span.instrumentation.scope.version".into(), "1.2".into())),
            "{d:?}"
        );
    };
    let Some(metric::Data::Sum(calls)) = &got[0].1.data else {
        panic!()
    };
    scope_dims(&calls.data_points[0].attributes);
    assert_eq!(calls.data_points[0].exemplars.len(), 2, "max_per_data_point");
    assert_eq!(calls.data_points[0].exemplars[0].span_id, vec![1u8; 8]);
    assert_eq!(calls.data_points[0].exemplars[0].trace_id, vec![1u8; 16]);
    let Some(metric::Data::ExponentialHistogram(h)) = &got[1].1.data else {
        panic!("{:?}", got[1].1)
    };
    let p = &h.data_points[0];
    assert_eq!(p.count, 5);
    assert_eq!(p.sum, Some(150.0));
    let pos = p.positive.as_ref().unwrap();
    assert!(pos.bucket_counts.len() <= 10);
    assert_eq!(pos.bucket_counts.iter().sum::<u64>(), 5);
    assert_eq!(p.exemplars.len(), 2);
    let Some(metric::Data::Sum(events)) = &got[2].1.data else {
        panic!()
    };
    assert_eq!(events.data_points.len(), 1);
    let e = &events.data_points[0];
    assert!(dims(&e.attributes).contains(&("exception.type".into(), "Timeout".into())));
    assert_eq!(e.value, Some(number_data_point::Value::AsInt(2)));
}

#[tokio::test]
async fn exemplars_are_emitted_once() {
    let (c, sink) = connector("exemplars: {enabled: true}");
    c.start(NopHost::new()).await.unwrap();
    c.consume(traces(vec![(
        vec![kv("service.name", "svc")],
        vec![span("op", 2, false, 5, vec![])],
    )]))
    .await
    .unwrap();
    // Each shutdown flushes.
    c.shutdown().await.unwrap();
    c.start(NopHost::new()).await.unwrap();
    c.shutdown().await.unwrap();
    let all = sink.all();
    assert_eq!(all.len(), 2, "one flush per shutdown");
    let exemplars = |i: usize| {
        let req = all[i].request();
        let m = &req.resource_metrics[0].scope_metrics[0].metrics[0];
        let Some(metric::Data::Sum(s)) = &m.data else {
            panic!()
        };
        s.data_points[0].exemplars.len()
    };
    assert_eq!(
        (exemplars(0), exemplars(1)),
        (1, 0),
        "cumulative counts stay, exemplars do not"
    );
}
