//! The `otlp` exporter over TLS and mTLS to the `otlp` receiver.
#![allow(missing_docs, clippy::unwrap_used)]

use std::sync::Arc;

use otelcol_component::{Component, Exporter, ExporterFactory, Kind, Signal};
use otelcol_componenttest::{NopHost, nop_settings, parse_config};
use otelcol_configtls::testpki::TestPki;
use otelcol_exporter_otlp::{OtlpExporterConfig, factory};

mod support {
    pub(crate) mod tls_backend;
}
use support::tls_backend::{backend, spans};

fn exporter(endpoint: &str, tls: &str) -> Arc<dyn Exporter> {
    let yaml = format!(
        "endpoint: {endpoint}\nsending_queue: {{enabled: false}}\nretry_on_failure: {{enabled: false}}\ntls:\n{tls}"
    );
    let cfg: OtlpExporterConfig = parse_config(&yaml).unwrap();
    factory()
        .create(&nop_settings("otlp", Kind::Exporter), &cfg, &Signal::ALL)
        .unwrap()
}

#[tokio::test]
async fn tls_with_a_ca_file_delivers() {
    let pki = TestPki::new();
    let (r, sink, port) = backend(&pki, false, "grpc").await;
    let e = exporter(
        &format!("localhost:{port}"),
        &format!("  ca_file: {}\n", pki.path("ca.pem")),
    );
    e.start(NopHost::new()).await.unwrap();
    e.clone().traces().unwrap().consume(spans(2)).await.unwrap();
    e.shutdown().await.unwrap();
    // https:// and an IP address, checked against the certificate's IP SAN.
    let e = exporter(
        &format!("https://127.0.0.1:{port}"),
        &format!("  ca_pem: |\n{}", indent(&pki)),
    );
    e.start(NopHost::new()).await.unwrap();
    e.clone().traces().unwrap().consume(spans(1)).await.unwrap();
    e.shutdown().await.unwrap();
    assert_eq!(sink.item_count(), 3);
    r.shutdown().await.unwrap();
}

fn indent(pki: &TestPki) -> String {
    std::fs::read_to_string(pki.path("ca.pem"))
        .unwrap()
        .lines()
        .map(|l| format!("    {l}\n"))
        .collect()
}

#[tokio::test]
async fn server_verification_and_mtls() {
    let pki = TestPki::new();
    let (r, sink, port) = backend(&pki, true, "grpc").await;
    let endpoint = format!("localhost:{port}");
    // No client certificate: the server refuses the handshake.
    let e = exporter(&endpoint, &format!("  ca_file: {}\n", pki.path("ca.pem")));
    e.start(NopHost::new()).await.unwrap();
    let err = e.clone().traces().unwrap().consume(spans(1)).await.unwrap_err();
    assert!(err.to_string().to_lowercase().contains("certificate"), "{err}");
    e.shutdown().await.unwrap();
    // An unknown CA (the system roots): the client refuses the server.
    let other = TestPki::new();
    let e = exporter(&endpoint, &format!("  ca_file: {}\n", other.path("ca.pem")));
    e.start(NopHost::new()).await.unwrap();
    let err = e.clone().traces().unwrap().consume(spans(1)).await.unwrap_err();
    assert!(err.to_string().contains("TLS handshake"), "{err}");
    e.shutdown().await.unwrap();
    // With the client certificate, and skipping server verification.
    let tls = format!(
        "  insecure_skip_verify: true\n  cert_file: {}\n  key_file: {}\n",
        pki.path("client.pem"),
        pki.path("client-key.pem")
    );
    let e = exporter(&endpoint, &tls);
    e.start(NopHost::new()).await.unwrap();
    e.clone().traces().unwrap().consume(spans(4)).await.unwrap();
    e.shutdown().await.unwrap();
    assert_eq!(sink.item_count(), 4);
    r.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_missing_ca_file_fails_start_naming_it() {
    let cfg: OtlpExporterConfig =
        parse_config("endpoint: localhost:4317\ntls: {ca_file: /nonexistent/ca.pem}").unwrap();
    // As in Go, no file is read before start: creating (what `validate` does) succeeds.
    let exp = factory()
        .create(&nop_settings("otlp", Kind::Exporter), &cfg, &Signal::ALL)
        .unwrap();
    let e = exp.start(NopHost::new()).await.unwrap_err().to_string();
    assert!(
        e.contains("tls::ca_file") && e.contains("/nonexistent/ca.pem"),
        "{e}"
    );
    exp.shutdown().await.unwrap();
}
