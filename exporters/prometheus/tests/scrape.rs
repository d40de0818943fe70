//! The scrape endpoint over HTTP: formats, gzip, paths, lifecycle.
#![allow(clippy::unwrap_used)] // test helpers: a panic is a test failure

mod common;

use std::io::Read as _;
use std::net::SocketAddr;
use std::sync::Arc;

use common::*;
use otelcol_component::{Component, Consumer, ExporterFactory, Kind, Signal};
use otelcol_componenttest::{NopHost, check_exporter_lifecycle, nop_settings, parse_config};
use otelcol_exporter_prometheus::{PrometheusExporter, PrometheusExporterConfig, factory};
use otelcol_prometheus::client_model::MetricFamily;
use prost::Message as _;

fn config(extra: &str) -> PrometheusExporterConfig {
    parse_config(&format!("endpoint: 127.0.0.1:0\n{extra}")).expect("config")
}

async fn started(cfg: &PrometheusExporterConfig) -> (Arc<PrometheusExporter>, SocketAddr) {
    let e = Arc::new(PrometheusExporter::new(
        nop_settings("prometheus", Kind::Exporter).id,
        cfg,
    ));
    e.start(NopHost::new()).await.expect("start");
    e.consume(sample_metrics()).await.expect("consume");
    let addr = e.local_addr().expect("bound");
    (e, addr)
}

async fn fetch(
    addr: SocketAddr,
    path: &'static str,
    headers: &'static [(&'static str, &'static str)],
) -> Resp {
    tokio::task::spawn_blocking(move || get(addr, path, headers))
        .await
        .unwrap()
        .expect("GET")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_text_by_default_and_404_elsewhere() {
    let (e, addr) = started(&config("")).await;
    let r = fetch(addr, "/metrics", &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let page = r.text();
    assert!(page.contains("# TYPE http_requests_total counter\n"), "{page}");
    assert!(page.contains(r#"http_requests_total{instance="inst-1",job="checkout",method="GET",otel_scope_name="shop",otel_scope_schema_url="",otel_scope_version="1.2"} 42"#), "{page}");
    assert!(
        page.contains(r#"target_info{host_name="box-1",instance="inst-1",job="checkout"} 1"#),
        "{page}"
    );
    let r = fetch(addr, "/other", &[]).await;
    assert_eq!(r.status, 404);
    e.shutdown().await.unwrap();
    assert!(
        tokio::task::spawn_blocking(move || get(addr, "/metrics", &[]))
            .await
            .unwrap()
            .is_err()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openmetrics_only_when_enabled() {
    const OM: &[(&str, &str)] = &[(
        "Accept",
        "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5",
    )];
    let (e, addr) = started(&config("")).await;
    let r = fetch(addr, "/metrics", OM).await;
    assert!(r.header("content-type").unwrap().starts_with("text/plain"));
    e.shutdown().await.unwrap();

    let (e, addr) = started(&config("enable_open_metrics: true")).await;
    let r = fetch(addr, "/metrics", OM).await;
    assert_eq!(
        r.header("content-type"),
        Some("application/openmetrics-text; version=1.0.0; charset=utf-8")
    );
    let page = r.text();
    assert!(page.contains("# TYPE http_requests counter\n"), "{page}");
    assert!(page.ends_with("# EOF\n"), "{page}");
    e.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protobuf_and_gzip() {
    let (e, addr) = started(&config("send_timestamps: true")).await;
    const PB: &[(&str, &str)] = &[
        (
            "Accept",
            "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited",
        ),
        ("Accept-Encoding", "gzip"),
    ];
    let r = fetch(addr, "/metrics", PB).await;
    assert_eq!(r.header("content-encoding"), Some("gzip"));
    assert!(
        r.header("content-type")
            .unwrap()
            .starts_with("application/vnd.google.protobuf")
    );
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(r.body.as_slice())
        .read_to_end(&mut raw)
        .unwrap();
    let mut buf = raw.as_slice();
    let mut names = Vec::new();
    while !buf.is_empty() {
        let f = MetricFamily::decode_length_delimited(&mut buf).unwrap();
        if f.name == "http_duration_seconds" {
            let h = f.metric[0].histogram.as_ref().unwrap();
            assert_eq!((h.sample_count, h.bucket.len()), (6, 2));
            assert!(f.metric[0].timestamp_ms > 0);
        }
        names.push(f.name);
    }
    assert_eq!(
        names,
        vec![
            "http_duration_seconds",
            "http_requests_total",
            "queue_size",
            "target_info"
        ]
    );
    e.shutdown().await.unwrap();
}

#[tokio::test]
async fn factory_lifecycle_and_signals() {
    let f = factory();
    assert_eq!(f.stability(Signal::Traces), None);
    check_exporter_lifecycle(&f, &config("")).await.unwrap();
    let set = nop_settings("prometheus", Kind::Exporter);
    assert!(f.create(&set, &config(""), &[Signal::Logs]).is_err());
    let e = f.create(&set, &config(""), &[Signal::Metrics]).unwrap();
    assert!(e.metrics().is_some());
}

#[tokio::test]
async fn start_fails_when_the_port_is_taken() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let cfg: PrometheusExporterConfig = parse_config(&format!("endpoint: 127.0.0.1:{port}")).unwrap();
    let e = PrometheusExporter::new(nop_settings("prometheus", Kind::Exporter).id, &cfg);
    let err = e.start(NopHost::new()).await.unwrap_err();
    assert!(err.to_string().contains("failed to bind to address"), "{err}");
}
