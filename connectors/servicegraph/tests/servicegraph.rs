//! Edges between services from real span shapes: client/server pairs,
//! databases, messaging, virtual nodes, failures, dimensions, the store's
//! limits and the timers.

#![allow(clippy::unwrap_used)] // test code: a panic is a failed assertion

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::common::v1::{AnyValue, KeyValue, any_value};
use otelcol_component::proto::metrics::v1::{Metric, metric, number_data_point};
use otelcol_component::proto::resource::v1::Resource;
use otelcol_component::proto::trace::v1::span::{Link, SpanKind};
use otelcol_component::proto::trace::v1::{ResourceSpans, ScopeSpans, Span, Status};
use otelcol_component::{
    Connector, ConnectorFactory, Kind, Metrics, Payload, PipelineId, Router, SharedConsumer, Signal, Traces,
};
use otelcol_componenttest::{NopHost, Sink, nop_settings, parse_config};
use otelcol_connector_servicegraph::ServiceGraphConfig;

fn kv(k: &str, v: &str) -> KeyValue {
    KeyValue {
        key: k.into(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(v.into())),
        }),
        ..Default::default()
    }
}

const TRACE: [u8; 16] = [7; 16];

/// A span of `ms` milliseconds with span id `id` and parent `parent` (0: none).
fn span(kind: SpanKind, id: u8, parent: u8, ms: u64, error: bool, attrs: Vec<KeyValue>) -> Span {
    Span {
        name: format!("{kind:?}"),
        kind: kind as i32,
        trace_id: TRACE.to_vec(),
        span_id: vec![id; 8],
        parent_span_id: if parent == 0 { Vec::new() } else { vec![parent; 8] },
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

fn traces(service: &str, spans: Vec<Span>) -> Traces {
    Traces::from_request(ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![kv("service.name", service), kv("k8s.namespace.name", "shop")],
                ..Default::default()
            }),
            scope_spans: vec![ScopeSpans {
                spans,
                ..Default::default()
            }],
            ..Default::default()
        }],
    })
}

fn one<T: Payload>(mut v: Vec<SharedConsumer<T>>) -> Option<SharedConsumer<T>> {
    v.pop()
}

fn connector(cfg: &str) -> (Arc<dyn Connector<Traces>>, Arc<Sink<Metrics>>) {
    let sink = Sink::<Metrics>::new();
    let cfg: ServiceGraphConfig = parse_config(cfg).unwrap();
    let router = Router::new(
        vec![(
            PipelineId::new(Signal::Metrics, None).unwrap(),
            sink.clone() as SharedConsumer<Metrics>,
        )],
        one::<Metrics>,
    );
    let c = otelcol_connector_servicegraph::factory()
        .create::<Traces, Metrics>(&nop_settings("servicegraph", Kind::Connector), &cfg, router)
        .unwrap();
    (c, sink)
}

fn label(kv: &KeyValue) -> String {
    match kv.value.as_ref().and_then(|v| v.value.clone()) {
        Some(any_value::Value::StringValue(s)) => s,
        Some(any_value::Value::BoolValue(b)) => b.to_string(),
        other => format!("{other:?}"),
    }
}

type Labels = BTreeMap<String, String>;

/// The latest batch's metrics: name → [(labels, value or histogram count)].
fn latest(sink: &Sink<Metrics>) -> BTreeMap<String, Vec<(Labels, f64)>> {
    let all = sink.all();
    let Some(last) = all.last() else {
        return BTreeMap::new();
    };
    let mut out: BTreeMap<String, Vec<(Labels, f64)>> = BTreeMap::new();
    for rm in &last.request().resource_metrics {
        for sm in &rm.scope_metrics {
            assert_eq!(sm.scope.as_ref().unwrap().name, "traces_service_graph");
            for m in &sm.metrics {
                out.entry(m.name.clone()).or_default().extend(points(m));
            }
        }
    }
    out
}

fn points(m: &Metric) -> Vec<(Labels, f64)> {
    let labels = |a: &[KeyValue]| a.iter().map(|kv| (kv.key.clone(), label(kv))).collect::<Labels>();
    match m.data.as_ref().unwrap() {
        metric::Data::Sum(s) => s
            .data_points
            .iter()
            .map(|p| {
                let v = match p.value {
                    Some(number_data_point::Value::AsInt(i)) => i as f64,
                    Some(number_data_point::Value::AsDouble(d)) => d,
                    None => f64::NAN,
                };
                (labels(&p.attributes), v)
            })
            .collect(),
        metric::Data::Histogram(h) => {
            assert_eq!(m.unit, "s");
            h.data_points
                .iter()
                .map(|p| (labels(&p.attributes), p.count as f64))
                .collect()
        }
        metric::Data::ExponentialHistogram(h) => h
            .data_points
            .iter()
            .map(|p| (labels(&p.attributes), p.count as f64))
            .collect(),
        other => panic!("unexpected {other:?}"),
    }
}

fn edge(client: &str, server: &str, connection: &str, failed: bool) -> Labels {
    [
        ("client", client),
        ("server", server),
        ("connection_type", connection),
        ("failed", if failed { "true" } else { "false" }),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn value(points: &[(Labels, f64)], labels: &Labels) -> Option<f64> {
    points.iter().find(|(l, _)| l == labels).map(|(_, v)| *v)
}

#[tokio::test]
async fn a_client_and_its_server_make_one_edge_whichever_arrives_first() {
    let (c, sink) = connector("");
    c.start(NopHost::new()).await.unwrap();
    // Request 1: client first. Request 2: server first, and it fails.
    c.consume(traces(
        "frontend",
        vec![span(SpanKind::Client, 1, 9, 40, false, vec![])],
    ))
    .await
    .unwrap();
    c.consume(traces(
        "checkout",
        vec![
            span(SpanKind::Server, 11, 1, 30, false, vec![]),
            span(SpanKind::Server, 12, 2, 30, true, vec![]),
            span(SpanKind::Internal, 13, 11, 5, false, vec![]),
        ],
    ))
    .await
    .unwrap();
    c.consume(traces(
        "frontend",
        vec![span(SpanKind::Client, 2, 9, 40, false, vec![])],
    ))
    .await
    .unwrap();
    c.shutdown().await.unwrap();
    let m = latest(&sink);
    let total = &m["traces_service_graph_request_total"];
    assert_eq!(total.len(), 2, "{total:?}");
    assert_eq!(value(total, &edge("frontend", "checkout", "", false)), Some(1.0));
    assert_eq!(value(total, &edge("frontend", "checkout", "", true)), Some(1.0));
    let failed = &m["traces_service_graph_request_failed_total"];
    assert_eq!(failed.len(), 1);
    assert_eq!(value(failed, &edge("frontend", "checkout", "", true)), Some(1.0));
    for h in [
        "traces_service_graph_request_client",
        "traces_service_graph_request_server",
    ] {
        assert_eq!(m[h].iter().map(|(_, n)| n).sum::<f64>(), 2.0, "{h}");
    }
}

#[tokio::test]
async fn latencies_land_in_gos_second_buckets_per_side() {
    let (c, sink) = connector("latency_histogram_buckets: [10ms, 100ms, 1s]");
    c.start(NopHost::new()).await.unwrap();
    c.consume(traces(
        "a",
        vec![span(SpanKind::Client, 1, 0, 500, false, vec![])],
    ))
    .await
    .unwrap();
    c.consume(traces("b", vec![span(SpanKind::Server, 2, 1, 50, false, vec![])]))
        .await
        .unwrap();
    c.shutdown().await.unwrap();
    let all = sink.all();
    let req = all.last().unwrap().request();
    let metrics = &req.resource_metrics[0].scope_metrics[0].metrics;
    let hist = |name: &str| {
        let m = metrics.iter().find(|m| m.name == name).unwrap();
        let Some(metric::Data::Histogram(h)) = &m.data else {
            panic!()
        };
        h.data_points[0].clone()
    };
    let client = hist("traces_service_graph_request_client");
    assert_eq!(client.explicit_bounds, [0.01, 0.1, 1.0]);
    assert_eq!(client.bucket_counts, [0, 0, 1, 0]);
    assert!((client.sum.unwrap() - 0.5).abs() < 1e-9);
    let server = hist("traces_service_graph_request_server");
    assert_eq!(server.bucket_counts, [0, 1, 0, 0]);
}

#[tokio::test]
async fn databases_messaging_and_dimensions() {
    let (c, sink) = connector("dimensions: [k8s.namespace.name, http.route]");
    c.start(NopHost::new()).await.unwrap();
    c.consume(traces(
        "orders",
        vec![
            // A database call: one span, complete at once.
            span(SpanKind::Client, 1, 0, 3, false, vec![kv("db.name", "orders_db")]),
            // A producer; its consumer follows from a link, not a parent.
            span(SpanKind::Producer, 2, 0, 1, false, vec![]),
        ],
    ))
    .await
    .unwrap();
    let mut consumer = span(SpanKind::Consumer, 3, 0, 8, false, vec![kv("http.route", "/q")]);
    consumer.links.push(Link {
        trace_id: TRACE.to_vec(),
        span_id: vec![2; 8],
        ..Default::default()
    });
    c.consume(traces("shipping", vec![consumer])).await.unwrap();
    c.shutdown().await.unwrap();
    let m = latest(&sink);
    let total = &m["traces_service_graph_request_total"];
    let mut db = edge("orders", "orders_db", "database", false);
    db.insert("client_k8s.namespace.name".into(), "shop".into());
    assert_eq!(value(total, &db), Some(1.0), "{total:?}");
    let mut mq = edge("orders", "shipping", "messaging_system", false);
    mq.insert("client_k8s.namespace.name".into(), "shop".into());
    mq.insert("server_k8s.namespace.name".into(), "shop".into());
    mq.insert("server_http.route".into(), "/q".into());
    assert_eq!(value(total, &mq), Some(1.0), "{total:?}");
    assert_eq!(total.len(), 2, "{total:?}");
}

#[tokio::test]
async fn unpaired_spans_become_virtual_nodes_when_they_expire() {
    let (c, sink) = connector(
        "store: {ttl: 50ms}\nstore_expiration_loop: 10ms\nmetrics_flush_interval: 20ms\nvirtual_node_extra_label: true",
    );
    c.start(NopHost::new()).await.unwrap();
    c.consume(traces(
        "frontend",
        vec![
            // A root server span: the caller is the user.
            span(SpanKind::Server, 1, 0, 10, false, vec![]),
            // A call to an uninstrumented peer that says who it is...
            span(
                SpanKind::Client,
                2,
                1,
                10,
                false,
                vec![kv("peer.service", "payments-api")],
            ),
            // ... and one that does not.
            span(
                SpanKind::Client,
                3,
                1,
                10,
                false,
                vec![kv("server.address", "10.0.0.9")],
            ),
        ],
    ))
    .await
    .unwrap();
    let mut user = edge("user", "frontend", "virtual_node", false);
    user.insert("virtual_node".into(), "client".into());
    let mut peer = edge("frontend", "payments-api", "virtual_node", false);
    peer.insert("virtual_node".into(), "server".into());
    let mut unknown = edge("frontend", "unknown", "virtual_node", false);
    unknown.insert("virtual_node".into(), "server".into());
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let m = latest(&sink);
        if let Some(total) = m.get("traces_service_graph_request_total") {
            if [&user, &peer, &unknown]
                .iter()
                .all(|l| value(total, l) == Some(1.0))
            {
                assert_eq!(total.len(), 3, "{total:?}");
                break;
            }
        }
        assert!(Instant::now() < deadline, "{m:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    c.shutdown().await.unwrap();
}

#[tokio::test]
async fn without_peer_attributes_unpaired_spans_are_only_counted_as_expired() {
    let (c, sink) = connector("virtual_node_peer_attributes: []");
    c.start(NopHost::new()).await.unwrap();
    c.consume(traces(
        "frontend",
        vec![span(SpanKind::Client, 2, 1, 10, false, vec![])],
    ))
    .await
    .unwrap();
    c.shutdown().await.unwrap();
    assert!(latest(&sink).is_empty(), "{:?}", latest(&sink));
}

#[tokio::test]
async fn a_full_store_drops_spans_and_a_zero_interval_flushes_every_batch() {
    let (c, sink) = connector("store: {max_items: 2, ttl: 1h}\nmetrics_flush_interval: 0s");
    c.start(NopHost::new()).await.unwrap();
    // Three waiting clients: the third finds the store full of unexpired edges.
    c.consume(traces(
        "a",
        vec![
            span(SpanKind::Client, 1, 0, 1, false, vec![]),
            span(SpanKind::Client, 2, 0, 1, false, vec![]),
            span(SpanKind::Client, 3, 0, 1, false, vec![]),
        ],
    ))
    .await
    .unwrap();
    assert!(sink.all().is_empty(), "nothing complete yet");
    // The servers of 1 and 3: 1 pairs; 3's client was dropped, so 3 waits.
    c.consume(traces(
        "b",
        vec![
            span(SpanKind::Server, 11, 1, 1, false, vec![]),
            span(SpanKind::Server, 13, 3, 1, false, vec![]),
        ],
    ))
    .await
    .unwrap();
    // Flushed after the batch, without any timer.
    assert_eq!(sink.all().len(), 1);
    let m = latest(&sink);
    assert_eq!(
        value(
            &m["traces_service_graph_request_total"],
            &edge("a", "b", "", false)
        ),
        Some(1.0)
    );
    c.shutdown().await.unwrap();
}

#[tokio::test]
async fn exponential_histograms_when_configured() {
    let (c, sink) = connector("exponential_histogram_max_size: 16");
    c.start(NopHost::new()).await.unwrap();
    for i in 1..=20u8 {
        c.consume(traces(
            "a",
            vec![span(SpanKind::Client, i, 0, u64::from(i) * 7, false, vec![])],
        ))
        .await
        .unwrap();
        c.consume(traces(
            "b",
            vec![span(SpanKind::Server, 100 + i, i, u64::from(i), false, vec![])],
        ))
        .await
        .unwrap();
    }
    c.shutdown().await.unwrap();
    let all = sink.all();
    let req = all.last().unwrap().request();
    let metrics = &req.resource_metrics[0].scope_metrics[0].metrics;
    let m = metrics
        .iter()
        .find(|m| m.name == "traces_service_graph_request_client")
        .unwrap();
    let Some(metric::Data::ExponentialHistogram(h)) = &m.data else {
        panic!("{m:?}")
    };
    let p = &h.data_points[0];
    assert_eq!(p.count, 20);
    let pos = p.positive.as_ref().unwrap();
    assert!(pos.bucket_counts.len() <= 16);
    assert_eq!(pos.bucket_counts.iter().sum::<u64>(), 20);
}
