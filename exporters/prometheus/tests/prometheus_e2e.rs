//! A real Prometheus (Debian package `prometheus`) scrapes the exporter and
//! PromQL returns the expected names, labels and values.
//!
//! Fails with a clear message when `prometheus` is not installed.
#![allow(clippy::unwrap_used)] // test helpers: a panic is a test failure

mod common;

use std::sync::Arc;

use common::*;
use otelcol_component::{Component, Consumer, Kind};
use otelcol_componenttest::{NopHost, nop_settings, parse_config};
use otelcol_exporter_prometheus::{PrometheusExporter, PrometheusExporterConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_scrapes_counter_histogram_gauge_and_target_info() {
    let port = free_port();
    let cfg: PrometheusExporterConfig =
        parse_config(&format!("endpoint: 127.0.0.1:{port}\nconst_labels: {{env: e2e}}")).expect("config");
    let e = Arc::new(PrometheusExporter::new(
        nop_settings("prometheus", Kind::Exporter).id,
        &cfg,
    ));
    e.start(NopHost::new()).await.expect("start");
    e.consume(sample_metrics()).await.expect("consume");
    let target = e.local_addr().expect("bound");

    let checks = tokio::task::spawn_blocking(move || {
        let prom = Prometheus::start(Some(target), &[]);
        let r = prom.eventually(r#"http_requests_total{job="checkout",instance="inst-1"}"#, |r| {
            r.len() == 1
        });
        assert_eq!(value(&r[0]), Some("42"));
        assert_eq!(label(&r[0], "env"), Some("e2e"));
        assert_eq!(label(&r[0], "method"), Some("GET"));
        assert_eq!(label(&r[0], "otel_scope_name"), Some("shop"));
        assert_eq!(label(&r[0], "otel_scope_version"), Some("1.2"));

        let r = prom.eventually(r#"http_duration_seconds_bucket{job="checkout",le="1"}"#, |r| {
            r.len() == 1
        });
        assert_eq!(value(&r[0]), Some("3"));
        let r = prom.eventually(r#"http_duration_seconds_count{job="checkout"}"#, |r| r.len() == 1);
        assert_eq!(value(&r[0]), Some("6"));
        let r = prom.eventually(r#"http_duration_seconds_sum{job="checkout"}"#, |r| r.len() == 1);
        assert_eq!(value(&r[0]), Some("4.5"));
        let r = prom.eventually(
            r#"histogram_quantile(1, sum by (le) (http_duration_seconds_bucket{job="checkout"}))"#,
            |r| r.len() == 1,
        );
        assert!(value(&r[0]).is_some());

        let r = prom.eventually(r#"queue_size{env="e2e"}"#, |r| r.len() == 1);
        assert_eq!(value(&r[0]), Some("7"));
        assert_eq!(label(&r[0], "job"), Some("checkout"));
        assert_eq!(label(&r[0], "instance"), Some("inst-1"));

        let r = prom.eventually(r#"target_info{job="checkout",instance="inst-1"}"#, |r| {
            r.len() == 1
        });
        assert_eq!(value(&r[0]), Some("1"));
        assert_eq!(label(&r[0], "host_name"), Some("box-1"));
        assert_eq!(
            label(&r[0], "env"),
            None,
            "const labels are not put on target_info"
        );

        // The scrape itself is healthy (`up` carries the scrape job's own labels).
        let r = prom.eventually(r#"up{job="otelcol"}"#, |r| r.len() == 1);
        assert_eq!(value(&r[0]), Some("1"));
    });
    let result = checks.await;
    e.shutdown().await.unwrap();
    if let Err(p) = result {
        std::panic::resume_unwind(p.into_panic());
    }
}

/// With `--enable-feature=native-histograms`, Prometheus negotiates the
/// protobuf format and stores the exponential histogram as a native one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_scrapes_native_histograms() {
    use otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceRequest;
    use otelcol_component::proto::metrics::v1::{
        AggregationTemporality, ExponentialHistogram, ExponentialHistogramDataPoint, Metric, ResourceMetrics,
        ScopeMetrics, exponential_histogram_data_point::Buckets, metric::Data,
    };
    use otelcol_component::proto::resource::v1::Resource;
    use otelcol_component::{Metrics, Payload};

    let port = free_port();
    let cfg: PrometheusExporterConfig = parse_config(&format!("endpoint: 127.0.0.1:{port}")).expect("config");
    let e = Arc::new(PrometheusExporter::new(
        nop_settings("prometheus", Kind::Exporter).id,
        &cfg,
    ));
    e.start(NopHost::new()).await.expect("start");
    let point = ExponentialHistogramDataPoint {
        time_unix_nano: now_nanos(),
        count: 10,
        sum: Some(33.0),
        scale: 1,
        zero_count: 1,
        positive: Some(Buckets {
            offset: 2,
            bucket_counts: vec![4, 5],
        }),
        ..Default::default()
    };
    let req = ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: Some(Resource {
                attributes: vec![kv("service.name", "native")],
                ..Default::default()
            }),
            scope_metrics: vec![ScopeMetrics {
                metrics: vec![Metric {
                    name: "rpc.latency".into(),
                    unit: "s".into(),
                    description: "RPC latency".into(),
                    data: Some(Data::ExponentialHistogram(ExponentialHistogram {
                        data_points: vec![point],
                        aggregation_temporality: AggregationTemporality::Cumulative as i32,
                    })),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }],
    };
    e.consume(Metrics::from_request(req)).await.expect("consume");
    let target = e.local_addr().expect("bound");
    let checks = tokio::task::spawn_blocking(move || {
        let prom = Prometheus::start(Some(target), &["--enable-feature=native-histograms"]);
        let r = prom.eventually(r#"histogram_count(rpc_latency_seconds{job="native"})"#, |r| {
            r.len() == 1
        });
        assert_eq!(value(&r[0]), Some("10"));
        let r = prom.eventually(r#"histogram_sum(rpc_latency_seconds{job="native"})"#, |r| {
            r.len() == 1
        });
        assert_eq!(value(&r[0]), Some("33"));
        // No classic series were created for the native histogram.
        assert!(prom.query(r#"rpc_latency_seconds_bucket"#).is_empty());
    });
    let result = checks.await;
    e.shutdown().await.unwrap();
    if let Err(p) = result {
        std::panic::resume_unwind(p.into_panic());
    }
}
