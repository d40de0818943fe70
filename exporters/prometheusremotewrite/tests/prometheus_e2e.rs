//! A real Prometheus (Debian package `prometheus`, with
//! `--web.enable-remote-write-receiver`) receives the exporter's writes and
//! PromQL returns the series.
//!
//! Fails with a clear message when `prometheus` is not installed.
#![allow(clippy::unwrap_used)] // test helpers: a panic is a test failure

mod common;

use std::sync::Arc;

use common::prom::{Prometheus, label, value};
use common::*;
use otelcol_component::{Component, Consumer, Kind, Metrics, Payload};
use otelcol_componenttest::{NopHost, nop_settings, parse_config};
use otelcol_exporter_prometheusremotewrite::{PrwExporter, PrwExporterConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_receives_remote_writes() {
    let prom = tokio::task::spawn_blocking(|| {
        Prometheus::start(
            None,
            &[
                "--web.enable-remote-write-receiver",
                "--enable-feature=native-histograms",
            ],
        )
    })
    .await
    .expect("prometheus");
    let cfg: PrwExporterConfig = parse_config(&format!(
        "endpoint: http://{}/api/v1/write\nexternal_labels: {{cluster: e2e}}\nremote_write_queue: {{enabled: false}}",
        prom.addr
    ))
    .expect("config");
    let e = Arc::new(
        PrwExporter::new(&nop_settings("prometheusremotewrite", Kind::Exporter), &cfg).expect("create"),
    );
    e.start(NopHost::new()).await.expect("start");
    let t = now_nanos();
    let req = request(
        vec![
            kv("service.name", "checkout"),
            kv("service.instance.id", "inst-1"),
            kv("host.name", "box-1"),
        ],
        scope("shop", "1.2"),
        vec![
            sum(
                "http.requests",
                "1",
                true,
                CUMULATIVE,
                vec![num(vec![kv("method", "GET")], t, 42.0)],
            ),
            histogram("http.duration", "s", t, &[0.1, 1.0], &[1, 2, 3], 4.5),
            gauge("queue.size", "{items}", vec![num(vec![], t, 7.0)]),
            exponential("rpc.latency", t, 1, 2, &[4, 5], 1),
        ],
    );
    e.consume(Metrics::from_request(req))
        .await
        .expect("remote write accepted");
    e.shutdown().await.unwrap();

    let checks = tokio::task::spawn_blocking(move || {
        let r = prom.eventually(r#"http_requests_total{job="checkout",instance="inst-1"}"#, |r| {
            r.len() == 1
        });
        assert_eq!(value(&r[0]), Some("42"));
        assert_eq!(label(&r[0], "cluster"), Some("e2e"));
        assert_eq!(label(&r[0], "method"), Some("GET"));
        assert_eq!(label(&r[0], "otel_scope_name"), Some("shop"));
        let r = prom.eventually(r#"http_duration_seconds_bucket{job="checkout",le="1"}"#, |r| {
            r.len() == 1
        });
        assert_eq!(value(&r[0]), Some("3"));
        let r = prom.eventually(r#"http_duration_seconds_bucket{job="checkout",le="+Inf"}"#, |r| {
            r.len() == 1
        });
        assert_eq!(value(&r[0]), Some("6"));
        let r = prom.eventually(r#"http_duration_seconds_sum{job="checkout"}"#, |r| r.len() == 1);
        assert_eq!(value(&r[0]), Some("4.5"));
        let r = prom.eventually(r#"queue_size{job="checkout"}"#, |r| r.len() == 1);
        assert_eq!(value(&r[0]), Some("7"));
        let r = prom.eventually(r#"target_info{job="checkout",instance="inst-1"}"#, |r| {
            r.len() == 1
        });
        assert_eq!(label(&r[0], "host_name"), Some("box-1"));
        let r = prom.eventually(r#"histogram_count(rpc_latency_seconds{job="checkout"})"#, |r| {
            r.len() == 1
        });
        assert_eq!(value(&r[0]), Some("10"));
        let r = prom.eventually(r#"histogram_sum(rpc_latency_seconds{job="checkout"})"#, |r| {
            r.len() == 1
        });
        assert_eq!(value(&r[0]), Some("12.5"));
    });
    if let Err(p) = checks.await {
        std::panic::resume_unwind(p.into_panic());
    }
}
