//! Back-pressure tests that look at a batcher's free room.

use std::sync::Arc;
use std::time::Duration;

use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::trace::v1::{ResourceSpans, ScopeSpans, Span};
use otelcol_component::{Component, Consumer, Kind, Payload, RequestContext, Traces};
use otelcol_componenttest::{ErrConsumer, Gate, nop_settings};
use tokio::time::{sleep, timeout};

use crate::{BatchConfig, BatchProcessor};

fn traces(prefix: &str, n: usize) -> Traces {
    let spans = (0..n)
        .map(|i| Span {
            name: format!("{prefix}-{i}"),
            ..Default::default()
        })
        .collect();
    Traces::from_request(ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            scope_spans: vec![ScopeSpans {
                spans,
                ..Default::default()
            }],
            ..Default::default()
        }],
    })
}

fn processor(size: u32, max: u32, next: Arc<Gate<Traces>>) -> Arc<BatchProcessor<Traces>> {
    let cfg = BatchConfig {
        send_batch_size: size,
        send_batch_max_size: max,
        timeout: Duration::from_secs(3600),
        wait_for_export: true,
        ..BatchConfig::default()
    };
    Arc::new(BatchProcessor::new(
        &nop_settings("batch", Kind::Processor),
        &cfg,
        next,
    ))
}

#[tokio::test(start_paused = true)]
async fn a_full_batcher_makes_callers_wait_for_room() {
    // Capacity 2 × 4 = 8 items.
    let gate = Gate::<Traces>::new();
    let p = processor(4, 4, gate.clone());
    let ctx = RequestContext::default();
    let spawn = |name: &'static str| {
        let p = p.clone();
        tokio::spawn(async move { p.consume(traces(name, 4)).await })
    };
    let a = spawn("a");
    sleep(Duration::from_millis(1)).await;
    assert_eq!(gate.arrived(), 1, "a is being exported");
    assert_eq!(p.room(&ctx), Some(4));
    let b = spawn("b");
    sleep(Duration::from_millis(1)).await;
    assert_eq!(p.room(&ctx), Some(0), "b waits in the batcher");
    let mut c = spawn("c");
    assert!(
        timeout(Duration::from_secs(10), &mut c).await.is_err(),
        "c waits for room"
    );
    assert_eq!(p.room(&ctx), Some(0));
    assert_eq!(gate.arrived(), 1, "one export at a time");

    gate.open(1);
    a.await.unwrap().unwrap();
    sleep(Duration::from_millis(1)).await;
    // a's room went to c; b is being exported.
    assert_eq!(p.room(&ctx), Some(0));
    assert_eq!(gate.arrived(), 2);
    gate.open(2);
    b.await.unwrap().unwrap();
    c.await.unwrap().unwrap();
    assert_eq!(p.room(&ctx), Some(8));
    let order: Vec<String> = gate
        .sink
        .all()
        .iter()
        .map(|t| t.request().resource_spans[0].scope_spans[0].spans[0].name.clone())
        .collect();
    assert_eq!(order, ["a-0", "b-0", "c-0"]);
    p.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn an_oversize_payload_waits_until_the_batcher_is_empty() {
    // Capacity 2 × 2 = 4; a payload of 10 takes all of it.
    let gate = Gate::<Traces>::new();
    let p = processor(2, 0, gate.clone());
    let ctx = RequestContext::default();
    let p1 = p.clone();
    let small = tokio::spawn(async move { p1.consume(traces("s", 2)).await });
    sleep(Duration::from_millis(1)).await;
    assert_eq!(p.room(&ctx), Some(2));
    let p2 = p.clone();
    let mut big = tokio::spawn(async move { p2.consume(traces("big", 10)).await });
    assert!(timeout(Duration::from_secs(10), &mut big).await.is_err());
    // The waiting head caller reserves the free room, so later callers
    // cannot overtake it.
    assert_eq!(p.room(&ctx), Some(0));
    let p3 = p.clone();
    let mut late = tokio::spawn(async move { p3.consume(traces("late", 1)).await });
    assert!(timeout(Duration::from_secs(10), &mut late).await.is_err());
    gate.open(1);
    small.await.unwrap().unwrap();
    sleep(Duration::from_millis(1)).await;
    assert_eq!(p.room(&ctx), Some(0), "big holds the whole batcher");
    gate.open(2);
    big.await.unwrap().unwrap();
    late.await.unwrap().unwrap();
    assert_eq!(gate.sink.item_count(), 13);
    let first: Vec<String> = gate
        .sink
        .all()
        .iter()
        .map(|t| t.request().resource_spans[0].scope_spans[0].spans[0].name.clone())
        .collect();
    assert_eq!(first, ["s-0", "big-0", "late-0"]);
    p.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn shutdown_refuses_callers_waiting_for_room_and_flushes_the_rest() {
    let gate = Gate::<Traces>::new();
    let p = processor(4, 4, gate.clone());
    let spawn = |name: &'static str| {
        let p = p.clone();
        tokio::spawn(async move { p.consume(traces(name, 4)).await })
    };
    let a = spawn("a");
    sleep(Duration::from_millis(1)).await;
    let b = spawn("b");
    sleep(Duration::from_millis(1)).await;
    let c = spawn("c");
    sleep(Duration::from_millis(1)).await;
    let p2 = p.clone();
    let mut shutdown = tokio::spawn(async move { p2.shutdown().await });
    let e = c.await.unwrap().unwrap_err();
    assert!(e.is_retryable());
    assert_eq!(e.message(), "batch processor is shutting down");
    assert!(
        timeout(Duration::from_secs(10), &mut shutdown).await.is_err(),
        "shutdown waits for the in-flight export"
    );
    gate.open(2);
    shutdown.await.unwrap().unwrap();
    a.await.unwrap().unwrap();
    b.await.unwrap().unwrap();
    assert_eq!(gate.sink.item_count(), 8);
}

/// Go's mode (`wait_for_export: false`): callers are answered once buffered.
fn answering(size: u32, next: otelcol_component::SharedConsumer<Traces>) -> Arc<BatchProcessor<Traces>> {
    let cfg = BatchConfig {
        send_batch_size: size,
        send_batch_max_size: size,
        timeout: Duration::from_secs(3600),
        wait_for_export: false,
        ..BatchConfig::default()
    };
    Arc::new(BatchProcessor::new(
        &nop_settings("batch", Kind::Processor),
        &cfg,
        next,
    ))
}

#[tokio::test(start_paused = true)]
async fn without_waiting_callers_are_answered_once_buffered_and_room_still_bounds_them() {
    // Capacity 2 × 4 = 8 items, held until exported.
    let gate = Gate::<Traces>::new();
    let p = answering(4, gate.clone());
    let quick = Duration::from_millis(10);
    // a fills a batch whose export blocks at the gate: a is answered anyway.
    timeout(quick, p.consume(traces("a", 4)))
        .await
        .expect("a is answered without waiting for its export")
        .unwrap();
    sleep(Duration::from_millis(1)).await;
    assert_eq!(gate.arrived(), 1, "a is being exported");
    timeout(quick, p.consume(traces("b", 4)))
        .await
        .expect("b is answered once buffered")
        .unwrap();
    // The batcher holds 8 unexported items: c waits for room (back-pressure).
    let p2 = p.clone();
    let mut c = tokio::spawn(async move { p2.consume(traces("c", 4)).await });
    assert!(
        timeout(Duration::from_secs(10), &mut c).await.is_err(),
        "c waits for room"
    );
    gate.open(3);
    c.await.unwrap().unwrap();
    p.shutdown().await.unwrap();
    let order: Vec<String> = gate
        .sink
        .all()
        .iter()
        .map(|t| t.request().resource_spans[0].scope_spans[0].spans[0].name.clone())
        .collect();
    assert_eq!(order, ["a-0", "b-0", "c-0"]);
}

#[tokio::test(start_paused = true)]
async fn without_waiting_a_failed_export_is_logged_not_returned() {
    let failing = ErrConsumer::permanent();
    let p = answering(1, failing.clone());
    p.consume(traces("a", 1)).await.unwrap();
    p.shutdown().await.unwrap();
    assert_eq!(failing.calls(), 1, "the export was tried");
}

#[test]
fn consume_outside_a_runtime_is_an_error_not_a_panic() {
    use std::future::Future;
    use std::task::{Context, Poll, Waker};
    let p = processor(4, 0, Gate::<Traces>::new());
    let mut fut = std::pin::pin!(p.consume(traces("a", 1)));
    let mut cx = Context::from_waker(Waker::noop());
    match fut.as_mut().poll(&mut cx) {
        Poll::Ready(Err(e)) => {
            assert!(e.is_permanent());
            assert_eq!(e.message(), "batch processor needs a tokio runtime");
        }
        other => panic!("unexpected {other:?}"),
    }
}
