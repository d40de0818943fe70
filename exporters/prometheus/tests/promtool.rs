//! `promtool check metrics` accepts the page the exporter serves.
//!
//! Needs `promtool` (Debian package `prometheus`); fails with a clear
//! message when it is missing.
#![allow(clippy::unwrap_used)] // test helpers: a panic is a test failure

mod common;

use std::sync::Arc;

use common::*;
use otelcol_component::{Component, Consumer, Kind};
use otelcol_componenttest::{NopHost, nop_settings, parse_config};
use otelcol_exporter_prometheus::{PrometheusExporter, PrometheusExporterConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn promtool_accepts_the_page() {
    let cfg: PrometheusExporterConfig =
        parse_config("endpoint: 127.0.0.1:0\nconst_labels: {env: test}").expect("config");
    let e = Arc::new(PrometheusExporter::new(
        nop_settings("prometheus", Kind::Exporter).id,
        &cfg,
    ));
    e.start(NopHost::new()).await.expect("start");
    e.consume(sample_metrics()).await.expect("consume");
    let addr = e.local_addr().expect("bound");
    let resp = tokio::task::spawn_blocking(move || get(addr, "/metrics", &[]))
        .await
        .unwrap()
        .expect("GET");
    e.shutdown().await.unwrap();
    let page = resp.body;
    assert!(
        page.len() > 100,
        "page too small: {}",
        String::from_utf8_lossy(&page)
    );
    let dir = tempfile::tempdir().unwrap();
    let (ok, out) = promtool_check(&page, dir.path());
    assert!(
        ok,
        "promtool check metrics failed:\n{out}\npage:\n{}",
        String::from_utf8_lossy(&page)
    );
    // A page promtool must reject, so this test cannot pass vacuously.
    let (ok, _) = promtool_check(b"# TYPE x counter\nx{a=\"b\" 1\n", dir.path());
    assert!(!ok, "promtool accepted a malformed page");
}
