//! Sending to a scripted endpoint: headers, retries, splitting, the queue.
#![allow(clippy::unwrap_used)] // test helpers: a panic is a test failure

mod common;

use std::sync::Arc;

use common::*;
use otelcol_component::{Component, Consumer, ExporterFactory, Kind, Metrics, Payload, Signal};
use otelcol_componenttest::{NopHost, check_exporter_lifecycle, nop_settings, parse_config};
use otelcol_exporter_prometheusremotewrite::{PrwExporter, PrwExporterConfig, factory};

fn config(url: &str, extra: &str) -> PrwExporterConfig {
    parse_config(&format!(
        "endpoint: {url}\nretry_on_failure: {{initial_interval: 5ms, max_interval: 20ms, max_elapsed_time: 10s}}\n{extra}"
    ))
    .expect("config")
}

fn exporter(cfg: &PrwExporterConfig) -> Arc<PrwExporter> {
    Arc::new(PrwExporter::new(&nop_settings("prometheusremotewrite", Kind::Exporter), cfg).expect("create"))
}

fn metrics(n: usize) -> Metrics {
    let t = now_nanos();
    let points = (0..n)
        .map(|i| num(vec![kv("i", &i.to_string())], t, i as f64))
        .collect();
    Metrics::from_request(request(
        vec![
            kv("service.name", "svc"),
            kv("service.instance.id", "1"),
            kv("k8s.pod.name", "p"),
        ],
        scope("lib", "1"),
        vec![gauge("g", "", points)],
    ))
}

#[tokio::test]
async fn posts_snappy_protobuf_with_remote_write_headers() {
    let ep = FakeEndpoint::start(|_| (204, None)).await;
    let cfg = config(
        &ep.url(),
        "remote_write_queue: {enabled: false}\nheaders: {X-Scope-OrgID: tenant-1, Content-Type: text/plain}",
    );
    let e = exporter(&cfg);
    e.start(NopHost::new()).await.unwrap();
    e.consume(metrics(3)).await.expect("consume");
    let reqs = ep.requests();
    assert_eq!(reqs.len(), 1);
    let h = &reqs[0].headers;
    assert_eq!(h["content-encoding"], "snappy");
    assert_eq!(h["content-type"], "application/x-protobuf");
    assert_eq!(h["x-prometheus-remote-write-version"], "0.1.0");
    assert_eq!(h["x-scope-orgid"], "tenant-1");
    assert!(
        h["user-agent"]
            .to_str()
            .unwrap()
            .starts_with("opentelemetry-collector-in-rust/"),
        "{:?}",
        h["user-agent"]
    );
    // 3 gauge series + target_info.
    assert_eq!(reqs[0].body.timeseries.len(), 4);
    e.shutdown().await.unwrap();
}

#[tokio::test]
async fn retries_5xx_and_429_then_succeeds() {
    let ep = FakeEndpoint::start(|n| match n {
        0 => (503, None),
        1 => (429, Some("0")),
        _ => (200, None),
    })
    .await;
    let e = exporter(&config(&ep.url(), "remote_write_queue: {enabled: false}"));
    e.consume(metrics(1)).await.expect("delivered after retries");
    assert_eq!(ep.requests().len(), 3);
}

#[tokio::test]
async fn client_errors_are_permanent_and_not_retried() {
    let ep = FakeEndpoint::start(|_| (400, None)).await;
    let e = exporter(&config(&ep.url(), "remote_write_queue: {enabled: false}"));
    let err = e.consume(metrics(1)).await.unwrap_err();
    assert!(err.is_permanent());
    assert!(err.message().contains("400"), "{err}");
    assert_eq!(ep.requests().len(), 1);
}

#[tokio::test]
async fn retries_end_as_a_permanent_error() {
    let ep = FakeEndpoint::start(|_| (500, None)).await;
    let cfg = config(&ep.url(), "remote_write_queue: {enabled: false}\ntimeout: 200ms");
    let e = exporter(&cfg);
    let err = e.consume(metrics(1)).await.unwrap_err();
    assert!(err.is_permanent(), "{err}");
    assert!(ep.requests().len() >= 2, "retried at least once");
    // Without retries: one request.
    let ep = FakeEndpoint::start(|_| (500, None)).await;
    let mut cfg = config(&ep.url(), "remote_write_queue: {enabled: false}");
    cfg.retry_on_failure.enabled = false;
    let e = exporter(&cfg);
    assert!(e.consume(metrics(1)).await.is_err());
    assert_eq!(ep.requests().len(), 1);
}

#[tokio::test]
async fn splits_requests_above_max_batch_size_bytes() {
    let ep = FakeEndpoint::start(|_| (204, None)).await;
    let e = exporter(&config(
        &ep.url(),
        "remote_write_queue: {enabled: false, num_consumers: 2}\nmax_batch_size_bytes: 2000",
    ));
    e.consume(metrics(200)).await.expect("consume");
    let reqs = ep.requests();
    assert!(reqs.len() > 5, "{} requests", reqs.len());
    let total: usize = reqs.iter().map(|r| r.body.timeseries.len()).sum();
    assert_eq!(total, 201);
    for r in &reqs {
        assert!(prost::Message::encoded_len(&r.body) < 2000);
    }
}

#[tokio::test]
async fn queue_accepts_at_once_and_shutdown_drains() {
    let ep = FakeEndpoint::start(|_| (204, None)).await;
    let e = exporter(&config(&ep.url(), ""));
    e.start(NopHost::new()).await.unwrap();
    for _ in 0..5 {
        e.consume(metrics(2)).await.expect("enqueued");
    }
    e.shutdown().await.unwrap();
    assert_eq!(ep.requests().len(), 5);
    // The shared sending queue refuses once stopped (retryable, as every
    // exporter's queue: the data may still go another way).
    let err = e.consume(metrics(1)).await.unwrap_err();
    assert!(err.message().contains("shutting down"), "{err}");
    assert_eq!(ep.requests().len(), 5, "nothing is sent after shutdown");
}

#[tokio::test]
async fn full_queue_refuses_with_a_retryable_error() {
    let ep = FakeEndpoint::start(|_| (204, None)).await;
    // Not started: nothing drains the queue of 2.
    let e = exporter(&config(&ep.url(), "remote_write_queue: {queue_size: 2}"));
    e.consume(metrics(1)).await.unwrap();
    e.consume(metrics(1)).await.unwrap();
    let err = e.consume(metrics(1)).await.unwrap_err();
    assert!(
        err.is_retryable() && err.message().contains("queue is full"),
        "{err}"
    );
}

#[tokio::test]
async fn factory_and_lifecycle() {
    let f = factory();
    assert_eq!(f.stability(Signal::Logs), None);
    let ep = FakeEndpoint::start(|_| (204, None)).await;
    check_exporter_lifecycle(&f, &config(&ep.url(), ""))
        .await
        .unwrap();
    let set = nop_settings("prometheusremotewrite", Kind::Exporter);
    assert!(f.create(&set, &config(&ep.url(), ""), &[Signal::Traces]).is_err());
}

/// A client authenticator extension, as `bearertokenauth` provides one.
#[derive(Debug)]
struct TokenAuth;

impl Component for TokenAuth {}

#[otelcol_component::async_trait]
impl otelcol_component::Extension for TokenAuth {
    fn client_authenticator(&self) -> Option<Arc<dyn otelcol_component::auth::ClientAuthenticator>> {
        Some(Arc::new(TokenAuth))
    }
}

#[otelcol_component::async_trait]
impl otelcol_component::auth::ClientAuthenticator for TokenAuth {
    async fn headers(
        &self,
        _ctx: &otelcol_component::RequestContext,
    ) -> Result<Vec<(String, String)>, otelcol_component::auth::AuthError> {
        Ok(vec![("authorization".into(), "Bearer s3cret".into())])
    }
}

#[derive(Debug)]
struct AuthHost;

impl otelcol_component::Host for AuthHost {
    fn extension(
        &self,
        id: &otelcol_component::ComponentId,
    ) -> Option<Arc<dyn otelcol_component::Extension>> {
        (id.to_string() == "bearertokenauth")
            .then(|| Arc::new(TokenAuth) as Arc<dyn otelcol_component::Extension>)
    }
    fn extensions(
        &self,
    ) -> Vec<(
        otelcol_component::ComponentId,
        Arc<dyn otelcol_component::Extension>,
    )> {
        Vec::new()
    }
}

#[tokio::test]
async fn auth_extension_headers_go_with_every_request() {
    let ep = FakeEndpoint::start(|_| (204, None)).await;
    let cfg = config(
        &ep.url(),
        "remote_write_queue: {enabled: false}\nauth: {authenticator: bearertokenauth}",
    );
    let e = exporter(&cfg);
    e.start(Arc::new(AuthHost)).await.unwrap();
    e.consume(metrics(2)).await.expect("consume");
    e.consume(metrics(1)).await.expect("consume");
    let reqs = ep.requests();
    assert_eq!(reqs.len(), 2);
    for r in &reqs {
        assert_eq!(r.headers["authorization"], "Bearer s3cret");
    }
    e.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_missing_authenticator_fails_start() {
    let ep = FakeEndpoint::start(|_| (204, None)).await;
    let cfg = config(&ep.url(), "auth: {authenticator: oauth2client}");
    let e = exporter(&cfg);
    let err = e.start(Arc::new(AuthHost)).await.unwrap_err();
    assert!(err.to_string().contains("oauth2client"), "{err}");
}
