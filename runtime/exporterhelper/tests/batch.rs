//! `sending_queue::batch` through the whole helper: queue → batcher →
//! retry → sender, with `wait_for_result`, concurrency and shutdown.
//! Time is tokio's paused clock: delays are virtual and exact.
#![allow(missing_docs, clippy::unwrap_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use otelcol_component::{Component, ConsumeError, Consumer, Kind, Traces};
use otelcol_componenttest::{NopHost, nop_settings};
use otelcol_exporterhelper::{ExporterHelper, QueueConfig, RetryConfig, TimeoutConfig};
use support::{Script, counter, gauge, init, traces};
use tokio::sync::Semaphore;

fn queue(yaml: &str) -> QueueConfig {
    let q: QueueConfig = serde_yaml::from_str(yaml).unwrap();
    q.validate().unwrap();
    q
}

fn no_retry() -> RetryConfig {
    RetryConfig {
        enabled: false,
        ..RetryConfig::default()
    }
}

fn helper(id: &str, q: QueueConfig, retry: RetryConfig, script: &Arc<Script>) -> Arc<ExporterHelper<Traces>> {
    Arc::new(
        ExporterHelper::new(
            &nop_settings(id, Kind::Exporter),
            q,
            retry,
            TimeoutConfig::default(),
            script.clone(),
        )
        .unwrap(),
    )
}

#[tokio::test(start_paused = true)]
async fn null_batch_turns_batching_on_with_go_defaults() {
    init();
    let script = Arc::new(Script::ok());
    let h = helper("b_null", queue("batch:"), no_retry(), &script);
    h.start(NopHost::new()).await.unwrap();
    for i in 0..5 {
        h.consume(traces(100, &format!("r{i}"))).await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(199)).await;
    assert_eq!(script.calls(), 0, "500 < 8192 items: waits for flush_timeout");
    tokio::time::sleep(Duration::from_millis(2)).await;
    assert_eq!(script.calls(), 1, "one batch after 200ms");
    assert_eq!(script.received_items(), 500);
    assert_eq!(counter("otelcol_exporter_sent_spans", "b_null"), 500);
    assert_eq!(gauge("otelcol_exporter_queue_size", "b_null"), 0.0);
    h.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn wait_for_result_answers_after_the_batch_was_sent() {
    init();
    let mut s = Script::ok();
    let gate = Arc::new(Semaphore::new(0));
    s.gate = Some(gate.clone());
    let script = Arc::new(s);
    let q = queue("wait_for_result: true\nbatch: {min_size: 4, flush_timeout: 1s}");
    let h = helper("b_wait", q, no_retry(), &script);
    h.start(NopHost::new()).await.unwrap();
    let callers: Vec<_> = (0..2)
        .map(|i| {
            let h = h.clone();
            tokio::spawn(async move { h.consume(traces(2, &format!("c{i}"))).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(script.calls(), 1, "one batch of both callers' items");
    assert!(callers.iter().all(|c| !c.is_finished()), "still being sent");
    gate.add_permits(1);
    for c in callers {
        c.await.unwrap().unwrap();
    }
    assert_eq!(script.received_items(), 4);
    h.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn wait_for_result_propagates_a_failing_sender() {
    init();
    let script = Arc::new(Script::new(vec![], Err(ConsumeError::permanent("refused"))));
    let q = queue("wait_for_result: true\nbatch: {min_size: 4, flush_timeout: 1s}");
    let h = helper("b_fail", q, no_retry(), &script);
    h.start(NopHost::new()).await.unwrap();
    let callers: Vec<_> = (0..2)
        .map(|_| {
            let h = h.clone();
            tokio::spawn(async move { h.consume(traces(2, "x")).await })
        })
        .collect();
    for c in callers {
        let err = c.await.unwrap().unwrap_err();
        assert!(err.is_permanent() && err.message().contains("refused"), "{err}");
    }
    assert_eq!(script.calls(), 1);
    assert_eq!(counter("otelcol_exporter_send_failed_spans", "b_fail"), 4);

    // Retryable failures that run out of retries reach the caller as retryable.
    let script = Arc::new(Script::new(vec![], Err(ConsumeError::retryable("down"))));
    let q = queue("wait_for_result: true\nbatch: {min_size: 2, max_size: 2}");
    let h = helper("b_fail2", q, no_retry(), &script);
    h.start(NopHost::new()).await.unwrap();
    let err = h.consume(traces(4, "y")).await.unwrap_err();
    assert!(err.is_retryable(), "{err}");
    assert_eq!(script.calls(), 2, "split in two batches, both failed");
    h.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn num_consumers_bounds_concurrent_batch_exports() {
    init();
    let mut s = Script::ok();
    s.delay = Duration::from_millis(100);
    let script = Arc::new(s);
    let q = queue("num_consumers: 3\nbatch: {min_size: 1}");
    let h = helper("b_conc", q, no_retry(), &script);
    h.start(NopHost::new()).await.unwrap();
    for i in 0..12 {
        h.consume(traces(1, &format!("r{i}"))).await.unwrap();
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(script.received_items(), 12);
    assert_eq!(script.max_in_flight.load(std::sync::atomic::Ordering::SeqCst), 3);
    h.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn shutdown_flushes_pending_batches() {
    init();
    let script = Arc::new(Script::ok());
    let q = queue("batch: {flush_timeout: 1h}");
    let h = helper("b_shutdown", q, no_retry(), &script);
    h.start(NopHost::new()).await.unwrap();
    h.consume(traces(3, "a")).await.unwrap();
    h.consume(traces(4, "b")).await.unwrap();
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(script.calls(), 0);
    h.shutdown().await.unwrap();
    assert_eq!(script.calls(), 1, "sent at shutdown, not after an hour");
    assert_eq!(script.received_items(), 7);
    h.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn shutdown_drops_the_rest_once_the_backend_gave_up() {
    init();
    let script = Arc::new(Script::new(vec![], Err(ConsumeError::retryable("down"))));
    let q = queue("num_consumers: 1\nbatch: {min_size: 2, max_size: 2, flush_timeout: 1h}");
    let retry = RetryConfig {
        initial_interval: Duration::from_secs(1),
        max_interval: Duration::from_secs(1),
        max_elapsed_time: Duration::from_secs(5),
        randomization_factor: 0.0,
        ..RetryConfig::default()
    };
    let h = helper("b_abandon", q, retry, &script);
    h.start(NopHost::new()).await.unwrap();
    h.consume(traces(6, "a")).await.unwrap();
    h.shutdown().await.unwrap();
    assert_eq!(counter("otelcol_exporter_send_failed_spans", "b_abandon"), 6);
    assert!(
        script.calls() <= 6,
        "only the first batch waited out the retry policy"
    );
}

#[tokio::test(start_paused = true)]
async fn batching_needs_an_enabled_queue() {
    init();
    let script = Arc::new(Script::ok());
    let q = queue("enabled: false\nbatch:");
    let h = helper("b_off", q, no_retry(), &script);
    h.consume(traces(2, "a")).await.unwrap();
    assert_eq!(script.calls(), 1, "a disabled queue sends at once");
}
