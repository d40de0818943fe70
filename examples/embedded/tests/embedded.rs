//! The embedded runtime: telemetry handed in-process reaches the exporter,
//! and shutdown drains what the batch processor still holds.

#![allow(clippy::unwrap_used)] // test code: a panic is a failed assertion

use axum::body::Body;
use axum::http::{Request, StatusCode};
use otelcol_component::proto::common::v1::any_value::Value;
use otelcol_component::{Payload, Traces};
use otelcol_example_embedded::{EmbeddedCollector, InProcessHandle, MemoryStore, SendError, app};
use otelcol_service::Factories;
use tower::ServiceExt;

/// The batch holds data for an hour: only shutdown can flush it.
const CONFIG: &str = r#"
receivers: {inprocess: }
processors: {batch: {timeout: 1h, send_batch_size: 1000, send_when_idle: false}}
exporters: {memory: }
service:
  pipelines:
    traces: {receivers: [inprocess], processors: [batch], exporters: [memory]}
"#;

async fn start() -> (EmbeddedCollector, MemoryStore) {
    let (handle, receiver) = InProcessHandle::new();
    let (store, exporter) = MemoryStore::new();
    let factories = Factories::builder()
        .receiver(receiver)
        .processor(otelcol_processor_batch::factory())
        .exporter(exporter)
        .build()
        .unwrap();
    (
        EmbeddedCollector::start(CONFIG, factories, handle).await.unwrap(),
        store,
    )
}

fn attr(t: &Traces, key: &str) -> Option<String> {
    let span = &t.request().resource_spans[0].scope_spans[0].spans[0];
    span.attributes.iter().find(|kv| kv.key == key).and_then(|kv| {
        match kv.value.as_ref()?.value.as_ref()? {
            Value::StringValue(s) => Some(s.clone()),
            _ => None,
        }
    })
}

/// Waits (bounded) until `n` hand-offs are waiting on the pipeline.
async fn wait_in_flight(handle: &InProcessHandle, n: usize) {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while handle.in_flight() < n {
        assert!(
            tokio::time::Instant::now() < deadline,
            "requests never reached the pipeline"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn requests_reach_the_exporter_and_shutdown_drains() {
    let (collector, store) = start().await;
    let handle = collector.handle().clone();
    let router = app::router(handle.clone());
    // The batch processor answers a hand-off once its batch is exported and,
    // with Go's send rule (`send_when_idle: false`) and a 1 h timeout, holds
    // the spans until shutdown drains them, so each request stays open.
    let requests: Vec<_> = ["apples", "pears"]
        .into_iter()
        .map(|items| {
            let router = router.clone();
            tokio::spawn(async move {
                router
                    .oneshot(Request::post("/checkout").body(Body::from(items)).unwrap())
                    .await
                    .unwrap()
                    .status()
            })
        })
        .collect();
    wait_in_flight(&handle, 2).await;
    // Accepted by the pipeline, held by the batch processor.
    assert_eq!(store.span_count(), 0);
    collector.shutdown().await;
    assert_eq!(store.span_count(), 2);
    for r in requests {
        assert_eq!(r.await.unwrap(), StatusCode::ACCEPTED);
    }
    let mut got: Vec<Option<String>> = store
        .traces()
        .iter()
        .flat_map(|t| t.clone().split(1))
        .map(|t| attr(&t, "order.items"))
        .collect();
    got.sort();
    assert_eq!(got, vec![Some("apples".into()), Some("pears".into())]);
    // After shutdown the handle refuses data, and the app says so.
    assert!(matches!(
        handle.traces(app::span("late", 1, 2, vec![])).await,
        Err(SendError::NotRunning)
    ));
    let resp = router
        .oneshot(Request::post("/checkout").body(Body::from("late")).unwrap())
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn invalid_config_is_reported() {
    let (handle, receiver) = InProcessHandle::new();
    let factories = Factories::builder().receiver(receiver).build().unwrap();
    let e = EmbeddedCollector::start("receivers: {inprocess: {port: 1}}", factories, handle)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("port"), "{e}");
}

#[tokio::test]
async fn a_signal_without_pipeline_is_refused() {
    let (collector, _store) = start().await;
    let e = collector.handle().logs(Default::default()).await.unwrap_err();
    assert!(matches!(e, SendError::NoPipeline(_)), "{e}");
    collector.shutdown().await;
}
