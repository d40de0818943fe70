//! Group commit (`send_when_idle: true`, the default): nothing waits for a
//! timer while no export is in flight, and what arrives during an export
//! forms the next batch. Driven by tokio's paused clock: a `timeout` of 1 ms
//! around a call fails if the call waited for the 200 ms batch timer.

mod common;

use std::time::Duration;

use common::*;
use otelcol_component::{Component, Consumer, Payload, Traces};
use otelcol_componenttest::{ErrConsumer, Gate, Sink};
use otelcol_processor_batch::BatchConfig;
use tokio::time::{sleep, timeout};

const QUICK: Duration = Duration::from_millis(1);

#[tokio::test(start_paused = true)]
async fn the_defaults_send_a_lone_payload_at_once_and_answer_after_the_export() {
    let sink = Sink::<Traces>::new();
    let p = processor(BatchConfig::default(), sink.clone());
    // An SDK's single export: far below send_batch_size, yet answered without
    // waiting for the 200 ms timer, and only once it reached the sink.
    timeout(QUICK, p.consume(traces("a", 512)))
        .await
        .expect("no timer wait while the exporter is idle")
        .unwrap();
    assert_eq!(sink.item_count(), 512);
    timeout(QUICK, p.consume(traces("b", 3)))
        .await
        .expect("again")
        .unwrap();
    assert_eq!(all_names(&sink)[512..], expected("b", 3));
    p.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn go_rule_waits_for_the_timer_where_group_commit_does_not() {
    // The same lone payload under `send_when_idle: false` waits for `timeout`:
    // the control for the test above.
    let sink = Sink::<Traces>::new();
    let cfg = BatchConfig {
        send_when_idle: false,
        ..BatchConfig::default()
    };
    let p = processor(cfg, sink.clone());
    assert!(timeout(QUICK, p.consume(traces("a", 512))).await.is_err());
    assert_eq!(sink.item_count(), 0);
    sleep(Duration::from_millis(250)).await;
    assert_eq!(sink.item_count(), 512);
    p.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn payloads_arriving_during_an_export_form_the_next_batch() {
    let gate = Gate::<Traces>::new();
    let p = processor(idle_cfg(8192, 0), gate.clone());
    let spawn = |name: String, n: usize| {
        let p = p.clone();
        tokio::spawn(async move { p.consume(traces(&name, n)).await })
    };
    let first = spawn("first".into(), 2);
    sleep(QUICK).await;
    assert_eq!(gate.arrived(), 1, "sent at once, held at the gate");
    let later: Vec<_> = (0..5).map(|i| spawn(format!("l{i}"), 3)).collect();
    sleep(Duration::from_secs(10)).await;
    assert_eq!(
        gate.arrived(),
        1,
        "one export in flight; the rest wait for it, not for a timer"
    );
    gate.open(100);
    first.await.unwrap().unwrap();
    for t in later {
        timeout(QUICK, t).await.unwrap().unwrap().unwrap();
    }
    let sizes: Vec<usize> = gate.sink.all().iter().map(Payload::item_count).collect();
    assert_eq!(sizes, vec![2, 15], "all five waiting payloads in one batch");
    let names = all_names(&gate.sink);
    let mut want = expected("first", 2);
    for i in 0..5 {
        want.extend(expected(&format!("l{i}"), 3));
    }
    assert_eq!(names, want, "arrival order kept");
    p.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn payloads_arriving_together_share_one_export() {
    let sink = Sink::<Traces>::new();
    let p = processor(idle_cfg(8192, 0), sink.clone());
    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let p = p.clone();
            tokio::spawn(async move { p.consume(traces(&format!("t{i}"), 100)).await })
        })
        .collect();
    for t in tasks {
        timeout(QUICK, t).await.unwrap().unwrap().unwrap();
    }
    assert_eq!(sink.item_count(), 1000);
    assert_eq!(
        sink.payload_count(),
        1,
        "payloads that arrive in the same scheduler turn join one batch"
    );
    p.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_group_committed_batch_is_split_at_the_max_size_in_order() {
    let gate = Gate::<Traces>::new();
    let p = processor(idle_cfg(4, 4), gate.clone());
    let p1 = p.clone();
    let first = tokio::spawn(async move { p1.consume(traces("a", 1)).await });
    sleep(QUICK).await;
    let p2 = p.clone();
    let big = tokio::spawn(async move { p2.consume(traces("b", 7)).await });
    sleep(QUICK).await;
    gate.open(100);
    first.await.unwrap().unwrap();
    big.await.unwrap().unwrap();
    let sizes: Vec<usize> = gate.sink.all().iter().map(Payload::item_count).collect();
    assert_eq!(sizes, vec![1, 4, 3]);
    let mut want = expected("a", 1);
    want.extend(expected("b", 7));
    assert_eq!(all_names(&gate.sink), want);
    p.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn every_caller_of_a_failed_batch_hears_the_error() {
    let p = processor(idle_cfg(8192, 0), ErrConsumer::permanent());
    let tasks: Vec<_> = (0..4)
        .map(|i| {
            let p = p.clone();
            tokio::spawn(async move { p.consume(traces(&format!("e{i}"), 5)).await })
        })
        .collect();
    for t in tasks {
        let e = timeout(QUICK, t).await.unwrap().unwrap().unwrap_err();
        assert!(e.is_permanent(), "{e}");
    }
    let p = processor(idle_cfg(8192, 0), ErrConsumer::retryable());
    let e = p.consume(traces("r", 5)).await.unwrap_err();
    assert!(e.is_retryable(), "{e}");
}

#[tokio::test(start_paused = true)]
async fn answer_when_buffered_still_sends_without_a_timer() {
    // Go's answer (`wait_for_export: false`) with group commit: the caller is
    // answered at once and the data still leaves at once.
    let sink = Sink::<Traces>::new();
    let cfg = BatchConfig {
        wait_for_export: false,
        ..BatchConfig::default()
    };
    let p = processor(cfg, sink.clone());
    timeout(QUICK, p.consume(traces("a", 10))).await.unwrap().unwrap();
    sleep(QUICK).await;
    assert_eq!(sink.item_count(), 10);
    p.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn shutdown_sends_what_waits_behind_an_export() {
    let gate = Gate::<Traces>::new();
    let p = processor(idle_cfg(8192, 0), gate.clone());
    let p1 = p.clone();
    let a = tokio::spawn(async move { p1.consume(traces("a", 2)).await });
    sleep(QUICK).await;
    let p2 = p.clone();
    let b = tokio::spawn(async move { p2.consume(traces("b", 2)).await });
    sleep(QUICK).await;
    let p3 = p.clone();
    let mut shutdown = tokio::spawn(async move { p3.shutdown().await });
    assert!(timeout(Duration::from_secs(5), &mut shutdown).await.is_err());
    gate.open(10);
    shutdown.await.unwrap().unwrap();
    a.await.unwrap().unwrap();
    b.await.unwrap().unwrap();
    assert_eq!(gate.sink.item_count(), 4);
}
