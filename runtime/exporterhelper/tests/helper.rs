//! Behaviour of the exporter helper: retry, timeout, queue, shutdown, metrics.
//! Time is tokio's paused clock: delays are virtual and exact.
#![allow(missing_docs, clippy::unwrap_used)]

mod support;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use otelcol_component::{Component, ConsumeError, Consumer, Kind};
use otelcol_componenttest::{NopHost, nop_settings};
use otelcol_exporterhelper::{ExporterHelper, QueueConfig, RetryConfig, Sizer, TimeoutConfig};
use support::{Script, counter, gauge, init, traces};
use tokio::sync::Semaphore;
use tokio::time::Instant;

const SENT: &str = "otelcol_exporter_sent_spans";
const FAILED: &str = "otelcol_exporter_send_failed_spans";
const ENQUEUE_FAILED: &str = "otelcol_exporter_enqueue_failed_spans";

fn no_queue() -> QueueConfig {
    QueueConfig {
        enabled: false,
        ..QueueConfig::default()
    }
}

fn retry(initial: u64, max_interval: u64, max_elapsed: u64) -> RetryConfig {
    RetryConfig {
        initial_interval: Duration::from_secs(initial),
        randomization_factor: 0.0,
        multiplier: 2.0,
        max_interval: Duration::from_secs(max_interval),
        max_elapsed_time: Duration::from_secs(max_elapsed),
        ..RetryConfig::default()
    }
}

fn helper(
    id: &str,
    queue: QueueConfig,
    retry: RetryConfig,
    script: &Arc<Script>,
) -> ExporterHelper<otelcol_component::Traces> {
    ExporterHelper::new(
        &nop_settings(id, Kind::Exporter),
        queue,
        retry,
        TimeoutConfig::default(),
        script.clone(),
    )
    .unwrap()
}

#[tokio::test(start_paused = true)]
async fn retries_with_exponential_backoff() {
    init();
    let script = Arc::new(Script::new(
        vec![
            Err(ConsumeError::retryable("down")),
            Err(ConsumeError::retryable("down")),
            Err(ConsumeError::retryable("down")),
        ],
        Ok(()),
    ));
    let h = helper("t_backoff", no_queue(), retry(1, 100, 3600), &script);
    let t0 = Instant::now();
    h.consume(traces(3, "a")).await.unwrap();
    assert_eq!(script.offsets(t0), vec![0, 1, 3, 7]);
    assert_eq!(counter(SENT, "t_backoff"), 3);
    assert_eq!(counter(FAILED, "t_backoff"), 0);
}

#[tokio::test(start_paused = true)]
async fn stops_on_permanent_error() {
    init();
    let script = Arc::new(Script::new(vec![], Err(ConsumeError::permanent("bad data"))));
    let h = helper("t_permanent", no_queue(), retry(1, 10, 60), &script);
    let err = h.consume(traces(4, "a")).await.unwrap_err();
    assert!(err.is_permanent());
    assert_eq!(script.calls(), 1);
    assert_eq!(counter(FAILED, "t_permanent"), 4);
    assert_eq!(counter(SENT, "t_permanent"), 0);
}

#[tokio::test(start_paused = true)]
async fn gives_up_after_max_elapsed_time() {
    init();
    let script = Arc::new(Script::new(vec![], Err(ConsumeError::retryable("down"))));
    let h = helper("t_elapsed", no_queue(), retry(1, 8, 10), &script);
    let t0 = Instant::now();
    let err = h.consume(traces(5, "a")).await.unwrap_err();
    assert!(err.is_retryable(), "upstream may still retry");
    assert!(err.message().contains("no more retries left"), "{err}");
    // 0, 1, 3, 7; the next wait (8s) would end past 10s.
    assert_eq!(script.offsets(t0), vec![0, 1, 3, 7]);
    assert_eq!(counter(FAILED, "t_elapsed"), 5);
}

#[tokio::test(start_paused = true)]
async fn zero_max_elapsed_time_retries_forever() {
    init();
    let mut answers = vec![Err(ConsumeError::retryable("down")); 20];
    answers.push(Ok(()));
    let script = Arc::new(Script::new(answers, Ok(())));
    let h = helper("t_forever", no_queue(), retry(1, 2, 0), &script);
    h.consume(traces(1, "a")).await.unwrap();
    assert_eq!(script.calls(), 21);
}

#[tokio::test(start_paused = true)]
async fn honours_retry_after() {
    init();
    let script = Arc::new(Script::new(
        vec![Err(ConsumeError::retryable_after(
            "throttled",
            Duration::from_secs(30),
        ))],
        Ok(()),
    ));
    let h = helper("t_after", no_queue(), retry(1, 10, 300), &script);
    let t0 = Instant::now();
    h.consume(traces(1, "a")).await.unwrap();
    assert_eq!(script.offsets(t0), vec![0, 30]);
}

#[tokio::test(start_paused = true)]
async fn retry_disabled_sends_once() {
    init();
    let script = Arc::new(Script::new(vec![], Err(ConsumeError::retryable("down"))));
    let mut r = retry(1, 10, 60);
    r.enabled = false;
    let h = helper("t_noretry", no_queue(), r, &script);
    let err = h.consume(traces(2, "a")).await.unwrap_err();
    assert!(err.is_retryable());
    assert_eq!(script.calls(), 1);
    assert_eq!(counter(FAILED, "t_noretry"), 2);
}

#[tokio::test(start_paused = true)]
async fn each_attempt_is_bounded_by_timeout() {
    init();
    let mut s = Script::ok();
    s.delay = Duration::from_secs(60);
    let script = Arc::new(s);
    let mut r = retry(1, 10, 60);
    r.enabled = false;
    let h = ExporterHelper::new(
        &nop_settings("t_timeout", Kind::Exporter),
        no_queue(),
        r,
        TimeoutConfig::new(Duration::from_secs(2)),
        script.clone(),
    )
    .unwrap();
    let t0 = Instant::now();
    let err = h.consume(traces(1, "a")).await.unwrap_err();
    assert!(err.message().contains("timed out"), "{err}");
    assert_eq!(Instant::now() - t0, Duration::from_secs(2));
}

#[tokio::test(start_paused = true)]
async fn partial_success_is_success_and_counted() {
    init();
    let script = Arc::new(Script::new(
        vec![Err(ConsumeError::partially_rejected(2, "2 spans had no name"))],
        Ok(()),
    ));
    let h = helper("t_partial", no_queue(), retry(1, 10, 60), &script);
    h.consume(traces(5, "a")).await.unwrap();
    assert_eq!(script.calls(), 1, "no retry");
    assert_eq!(counter(SENT, "t_partial"), 3);
    assert_eq!(counter(FAILED, "t_partial"), 2);
}

#[tokio::test(start_paused = true)]
async fn full_queue_refuses_with_a_retryable_error() {
    init();
    let script = Arc::new(Script::ok());
    let q = QueueConfig {
        queue_size: 2,
        num_consumers: 1,
        ..QueueConfig::default()
    };
    let h = helper("t_full", q, retry(1, 10, 60), &script);
    // Not started: nothing drains the queue yet.
    h.consume(traces(1, "a")).await.unwrap();
    h.consume(traces(1, "b")).await.unwrap();
    assert_eq!(gauge(otelcol_exporterhelper::QUEUE_SIZE, "t_full"), 2.0);
    assert_eq!(gauge(otelcol_exporterhelper::QUEUE_CAPACITY, "t_full"), 2.0);
    let err = h.consume(traces(3, "c")).await.unwrap_err();
    assert!(err.is_retryable());
    assert_eq!(err.message(), "sending queue is full");
    assert_eq!(counter(ENQUEUE_FAILED, "t_full"), 3);
    // Shutdown without start still delivers what was queued.
    h.shutdown().await.unwrap();
    assert_eq!(script.received_items(), 2);
    assert_eq!(gauge(otelcol_exporterhelper::QUEUE_SIZE, "t_full"), 0.0);
}

#[tokio::test(start_paused = true)]
async fn items_sizer_bounds_by_items() {
    init();
    let script = Arc::new(Script::ok());
    let q = QueueConfig {
        queue_size: 10,
        sizer: Sizer::Items,
        ..QueueConfig::default()
    };
    let h = helper("t_items", q, retry(1, 10, 60), &script);
    h.consume(traces(6, "a")).await.unwrap();
    assert!(h.consume(traces(5, "b")).await.unwrap_err().is_retryable());
    h.consume(traces(4, "c")).await.unwrap();
    let too_big = h.consume(traces(11, "d")).await.unwrap_err();
    assert!(too_big.is_permanent(), "can never fit: {too_big}");
    h.shutdown().await.unwrap();
    assert_eq!(script.received_items(), 10);
}

#[tokio::test(start_paused = true)]
async fn full_queue_blocks_with_block_on_overflow() {
    init();
    let script = Arc::new(Script::ok());
    let q = QueueConfig {
        queue_size: 1,
        num_consumers: 1,
        block_on_overflow: true,
        ..QueueConfig::default()
    };
    let h = Arc::new(helper("t_block", q, retry(1, 10, 60), &script));
    h.consume(traces(1, "a")).await.unwrap();
    let h2 = h.clone();
    let blocked = tokio::spawn(async move { h2.consume(traces(1, "b")).await });
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert!(!blocked.is_finished(), "must wait for room");
    h.start(NopHost::new()).await.unwrap();
    blocked.await.unwrap().unwrap();
    h.shutdown().await.unwrap();
    assert_eq!(script.received_items(), 2);
    assert_eq!(counter(ENQUEUE_FAILED, "t_block"), 0);
}

#[tokio::test(start_paused = true)]
async fn shutdown_drains_the_queue_with_retries() {
    init();
    let mut s = Script::new(vec![Err(ConsumeError::retryable("down")); 3], Ok(()));
    s.delay = Duration::from_secs(1);
    let script = Arc::new(s);
    let q = QueueConfig {
        num_consumers: 2,
        ..QueueConfig::default()
    };
    let h = helper("t_drain", q, retry(1, 10, 600), &script);
    h.start(NopHost::new()).await.unwrap();
    for i in 0..10 {
        h.consume(traces(1, &format!("s{i}"))).await.unwrap();
    }
    h.shutdown().await.unwrap();
    assert_eq!(script.received_items(), 10);
    assert_eq!(counter(SENT, "t_drain"), 10);
    let after = h.consume(traces(1, "late")).await.unwrap_err();
    assert!(after.is_retryable());
    h.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn num_consumers_bounds_concurrency() {
    init();
    let gate = Arc::new(Semaphore::new(0));
    let mut s = Script::ok();
    s.gate = Some(gate.clone());
    let script = Arc::new(s);
    let q = QueueConfig {
        num_consumers: 3,
        ..QueueConfig::default()
    };
    let h = helper("t_conc", q, retry(1, 10, 60), &script);
    for i in 0..6 {
        h.consume(traces(1, &format!("s{i}"))).await.unwrap();
    }
    h.start(NopHost::new()).await.unwrap();
    while script.in_flight.load(Ordering::SeqCst) < 3 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert_eq!(script.max_in_flight.load(Ordering::SeqCst), 3);
    gate.add_permits(6);
    h.shutdown().await.unwrap();
    assert_eq!(script.received_items(), 6);
    assert_eq!(script.max_in_flight.load(Ordering::SeqCst), 3);
}

#[tokio::test(start_paused = true)]
async fn wait_for_result_returns_the_send_outcome() {
    init();
    let script = Arc::new(Script::new(vec![], Err(ConsumeError::permanent("refused"))));
    let q = QueueConfig {
        wait_for_result: true,
        ..QueueConfig::default()
    };
    let h = helper("t_wait", q, retry(1, 10, 60), &script);
    h.start(NopHost::new()).await.unwrap();
    let err = h.consume(traces(1, "a")).await.unwrap_err();
    assert!(err.is_permanent());
    h.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn empty_payloads_are_not_sent() {
    init();
    let script = Arc::new(Script::ok());
    let h = helper("t_empty", no_queue(), retry(1, 10, 60), &script);
    h.consume(otelcol_component::Traces::default()).await.unwrap();
    assert_eq!(script.calls(), 0);
}

#[tokio::test]
async fn lifecycle_is_safe() {
    init();
    let script = Arc::new(Script::ok());
    let h = helper("t_life", QueueConfig::default(), RetryConfig::default(), &script);
    h.shutdown().await.unwrap();
    h.shutdown().await.unwrap();
    let h = helper("t_life2", QueueConfig::default(), RetryConfig::default(), &script);
    h.start(NopHost::new()).await.unwrap();
    h.start(NopHost::new()).await.unwrap();
    h.consume(traces(2, "a")).await.unwrap();
    h.shutdown().await.unwrap();
    h.shutdown().await.unwrap();
    assert_eq!(script.received_items(), 2);
}

#[test]
fn refuses_unsupported_config() {
    let script = Arc::new(Script::ok());
    let q = QueueConfig {
        storage: Some("file_storage".parse().unwrap()),
        wait_for_result: true,
        ..QueueConfig::default()
    };
    let err = ExporterHelper::<otelcol_component::Traces>::new(
        &nop_settings("t_bad", Kind::Exporter),
        q,
        RetryConfig::default(),
        TimeoutConfig::default(),
        script,
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("not supported with a persistent queue"),
        "{err}"
    );
}

#[tokio::test(start_paused = true)]
async fn draining_stops_waiting_once_the_backend_gave_up() {
    init();
    let script = Arc::new(Script::new(vec![], Err(ConsumeError::retryable("down"))));
    let q = QueueConfig {
        num_consumers: 1,
        ..QueueConfig::default()
    };
    let h = helper("t_abandon", q, retry(1, 8, 10), &script);
    for i in 0..5 {
        h.consume(traces(1, &format!("s{i}"))).await.unwrap();
    }
    h.start(NopHost::new()).await.unwrap();
    h.shutdown().await.unwrap();
    assert_eq!(
        script.calls(),
        4,
        "only the first request waits out the retry policy"
    );
    assert_eq!(
        counter(FAILED, "t_abandon"),
        5,
        "every item is counted as dropped"
    );
}

#[tokio::test(start_paused = true)]
async fn a_cut_short_shutdown_still_counts_what_it_held() {
    init();
    let mut s = Script::ok();
    s.gate = Some(Arc::new(Semaphore::new(0)));
    let script = Arc::new(s);
    let q = QueueConfig {
        num_consumers: 1,
        ..QueueConfig::default()
    };
    let h = helper("t_cut", q, retry(1, 8, 10), &script);
    h.start(NopHost::new()).await.unwrap();
    for i in 0..3 {
        h.consume(traces(2, &format!("s{i}"))).await.unwrap();
    }
    assert!(
        tokio::time::timeout(Duration::from_secs(2), h.shutdown())
            .await
            .is_err()
    );
    drop(h);
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert_eq!(counter(FAILED, "t_cut"), 6);
    assert_eq!(counter(SENT, "t_cut"), 0);
}
