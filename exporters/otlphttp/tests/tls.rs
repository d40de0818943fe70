//! The `otlphttp` exporter over `https://` (TLS and mTLS) to the `otlp`
//! receiver's HTTP server.
#![allow(missing_docs, clippy::unwrap_used)]

use std::sync::Arc;

use otelcol_component::{Component, Exporter, ExporterFactory, Kind, Signal};
use otelcol_componenttest::{NopHost, nop_settings, parse_config};
use otelcol_configtls::testpki::TestPki;
use otelcol_exporter_otlphttp::{OtlpHttpExporterConfig, factory};

#[path = "../../otlp/tests/support/tls_backend.rs"]
mod tls_backend;

use tls_backend::{backend, spans};

async fn send(endpoint: &str, extra: &str, n: usize) -> Result<(), String> {
    let yaml = format!(
        "endpoint: {endpoint}\nsending_queue: {{enabled: false}}\nretry_on_failure: {{enabled: false}}\n{extra}"
    );
    let cfg: OtlpHttpExporterConfig = parse_config(&yaml).unwrap();
    let e: Arc<dyn Exporter> = factory()
        .create(&nop_settings("otlphttp", Kind::Exporter), &cfg, &Signal::ALL)
        .unwrap();
    e.start(NopHost::new()).await.unwrap();
    let out = e.clone().traces().unwrap().consume(spans(n)).await;
    e.shutdown().await.unwrap();
    out.map_err(|e| e.to_string())
}

#[tokio::test]
async fn https_with_a_ca_over_h2_and_http1() {
    let pki = TestPki::new();
    let (r, sink, port) = backend(&pki, false, "http").await;
    let ca = pki.path("ca.pem");
    send(
        &format!("https://localhost:{port}"),
        &format!("tls: {{ca_file: {ca}}}"),
        2,
    )
    .await
    .unwrap();
    let http1 = format!("tls: {{ca_file: {ca}}}\nforce_attempt_http2: false");
    send(&format!("https://127.0.0.1:{port}"), &http1, 3)
        .await
        .unwrap();
    assert_eq!(sink.item_count(), 5);
    // An unknown CA: the exporter refuses the server.
    let other = TestPki::new();
    let e = send(
        &format!("https://localhost:{port}"),
        &format!("tls: {{ca_file: {}}}", other.path("ca.pem")),
        1,
    )
    .await
    .unwrap_err();
    assert!(e.contains("TLS handshake"), "{e}");
    assert_eq!(sink.item_count(), 5);
    r.shutdown().await.unwrap();
}

#[tokio::test]
async fn mtls_needs_the_client_certificate() {
    let pki = TestPki::new();
    let (r, sink, port) = backend(&pki, true, "http").await;
    let endpoint = format!("https://localhost:{port}");
    let ca = pki.path("ca.pem");
    assert!(
        send(&endpoint, &format!("tls: {{ca_file: {ca}}}"), 1)
            .await
            .is_err()
    );
    assert_eq!(sink.item_count(), 0);
    let tls = format!(
        "tls: {{ca_file: {ca}, cert_file: {}, key_file: {}}}",
        pki.path("client.pem"),
        pki.path("client-key.pem")
    );
    send(&endpoint, &tls, 2).await.unwrap();
    assert_eq!(sink.item_count(), 2);
    r.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_missing_ca_file_fails_start_not_creation() {
    let cfg: OtlpHttpExporterConfig =
        parse_config("endpoint: https://localhost:4318\ntls: {ca_file: /nonexistent/ca.pem}").unwrap();
    // As in Go, no file is read before start: creating (what `validate` does) succeeds.
    let exp = factory()
        .create(&nop_settings("otlp_http", Kind::Exporter), &cfg, &Signal::ALL)
        .unwrap();
    let e = exp.start(NopHost::new()).await.unwrap_err().to_string();
    assert!(e.contains("ca_file") && e.contains("/nonexistent/ca.pem"), "{e}");
    exp.shutdown().await.unwrap();
}
