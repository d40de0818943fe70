//! Behaviour of the batch processor against sink and failing consumers,
//! driven by tokio's paused clock (no wall-clock assertions).

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::*;
use otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use otelcol_component::proto::metrics::v1::{
    Gauge, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, metric::Data,
};
use otelcol_component::{Component, ConsumeError, Consumer, Kind, Metrics, Payload, RequestContext, Traces};
use otelcol_componenttest::{ErrConsumer, Sink, nop_settings};
use otelcol_processor_batch::{BatchConfig, BatchProcessor};
use tokio::time::{sleep, timeout};

const LONG: u64 = 3_600_000;

#[tokio::test(start_paused = true)]
async fn size_trigger_sends_without_waiting_for_the_timeout() {
    let sink = Sink::<Traces>::new();
    let p = processor(cfg(10, 0, LONG), sink.clone());
    let mut tasks = Vec::new();
    for i in 0..3 {
        let p = p.clone();
        tasks.push(tokio::spawn(async move {
            p.consume(traces(&format!("p{i}"), 3)).await
        }));
    }
    sleep(Duration::from_secs(1)).await;
    assert_eq!(sink.payload_count(), 0, "9 items < send_batch_size 10");
    let p4 = p.clone();
    tasks.push(tokio::spawn(async move { p4.consume(traces("p3", 3)).await }));
    // Well before the one-hour timeout: only the size trigger can send.
    for t in tasks {
        timeout(Duration::from_secs(1), t)
            .await
            .unwrap()
            .unwrap()
            .unwrap();
    }
    assert_eq!(sink.payload_count(), 1);
    assert_eq!(sink.item_count(), 12, "a trigger, not a cap");
    p.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn timeout_trigger_sends_after_the_timeout() {
    let sink = Sink::<Traces>::new();
    let p = processor(cfg(100, 0, 5000), sink.clone());
    let p2 = p.clone();
    let mut task = tokio::spawn(async move { p2.consume(traces("a", 3)).await });
    sleep(Duration::from_millis(4900)).await;
    assert_eq!(sink.payload_count(), 0);
    assert!(
        timeout(Duration::from_millis(50), &mut task).await.is_err(),
        "caller waits for the export"
    );
    sleep(Duration::from_millis(100)).await;
    assert_eq!(sink.payload_count(), 1);
    timeout(Duration::from_millis(1), task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(all_names(&sink), expected("a", 3));
}

#[tokio::test(start_paused = true)]
async fn timeout_zero_sends_each_payload_at_once() {
    let sink = Sink::<Traces>::new();
    let p = processor(cfg(8192, 0, 0), sink.clone());
    let mut tasks = Vec::new();
    for i in 0..3 {
        let p = p.clone();
        tasks.push(tokio::spawn(async move {
            p.consume(traces(&format!("p{i}"), 2)).await
        }));
    }
    for t in tasks {
        timeout(Duration::from_millis(1), t)
            .await
            .unwrap()
            .unwrap()
            .unwrap();
    }
    assert_eq!(sink.payload_count(), 3);
    assert!(sink.all().iter().all(|t| t.item_count() == 2));
}

#[tokio::test(start_paused = true)]
async fn oversize_payload_is_split_in_order() {
    // Immediate mode: 10 items, max 4 → 4, 4, 2.
    let sink = Sink::<Traces>::new();
    let p = processor(cfg(4, 4, 0), sink.clone());
    p.consume(traces("x", 10)).await.unwrap();
    let sizes: Vec<usize> = sink.all().iter().map(Payload::item_count).collect();
    assert_eq!(sizes, vec![4, 4, 2]);
    assert_eq!(all_names(&sink), expected("x", 10));

    // Batching mode: the size trigger sends 4 and 4, the timeout the last 2.
    let sink = Sink::<Traces>::new();
    let p = processor(cfg(4, 4, 1000), sink.clone());
    let p2 = p.clone();
    let task = tokio::spawn(async move { p2.consume(traces("y", 10)).await });
    sleep(Duration::from_millis(10)).await;
    let sizes: Vec<usize> = sink.all().iter().map(Payload::item_count).collect();
    assert_eq!(sizes, vec![4, 4]);
    task.await.unwrap().unwrap();
    let sizes: Vec<usize> = sink.all().iter().map(Payload::item_count).collect();
    assert_eq!(sizes, vec![4, 4, 2]);
    assert_eq!(all_names(&sink), expected("y", 10));
}

#[tokio::test(start_paused = true)]
async fn payloads_are_merged_and_split_keeping_order() {
    let sink = Sink::<Traces>::new();
    let p = processor(cfg(4, 4, 1000), sink.clone());
    let mut tasks = Vec::new();
    for i in 0..5 {
        let p = p.clone();
        tasks.push(tokio::spawn(async move {
            p.consume(traces(&format!("p{i}"), 3)).await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let sizes: Vec<usize> = sink.all().iter().map(Payload::item_count).collect();
    assert_eq!(sizes, vec![4, 4, 4, 3]);
    let want: Vec<String> = (0..5).flat_map(|i| expected(&format!("p{i}"), 3)).collect();
    assert_eq!(all_names(&sink), want);
}

#[tokio::test(start_paused = true)]
async fn metric_points_are_split_inside_a_metric() {
    let sink = Sink::<Metrics>::new();
    let c = cfg(3, 3, 0);
    let p = BatchProcessor::<Metrics>::new(&nop_settings("batch", Kind::Processor), &c, sink.clone());
    let points = (0..7)
        .map(|i| NumberDataPoint {
            time_unix_nano: i,
            ..Default::default()
        })
        .collect();
    let m = Metrics::from_request(ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            scope_metrics: vec![ScopeMetrics {
                metrics: vec![Metric {
                    name: "g".into(),
                    data: Some(Data::Gauge(Gauge { data_points: points })),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }],
    });
    p.consume(m).await.unwrap();
    let sizes: Vec<usize> = sink.all().iter().map(Payload::item_count).collect();
    assert_eq!(sizes, vec![3, 3, 1]);
    let times: Vec<u64> = sink
        .all()
        .iter()
        .flat_map(|m| m.request().resource_metrics.clone())
        .flat_map(|r| r.scope_metrics)
        .flat_map(|s| s.metrics)
        .flat_map(|m| match m.data {
            Some(Data::Gauge(g)) => g.data_points,
            _ => Vec::new(),
        })
        .map(|p| p.time_unix_nano)
        .collect();
    assert_eq!(times, (0..7).collect::<Vec<u64>>());
}

#[tokio::test(start_paused = true)]
async fn permanent_error_reaches_every_caller_of_the_batch() {
    let p = processor(cfg(4, 0, 1000), ErrConsumer::permanent());
    let p2 = p.clone();
    let a = tokio::spawn(async move { p2.consume(traces("a", 2)).await });
    let p3 = p.clone();
    let b = tokio::spawn(async move { p3.consume(traces("b", 2)).await });
    for t in [a, b] {
        let e = t.await.unwrap().unwrap_err();
        assert!(e.is_permanent());
        assert_eq!(e.message(), "permanent test error");
    }
}

#[tokio::test(start_paused = true)]
async fn retryable_error_reaches_the_caller() {
    let p = processor(waiting(), ErrConsumer::retryable());
    let e = p.consume(traces("a", 1)).await.unwrap_err();
    assert!(e.is_retryable());
    assert_eq!(e.message(), "retryable test error");
}

#[tokio::test(start_paused = true)]
async fn a_failed_part_of_a_split_payload_fails_the_payload() {
    let next = FailSome::new(vec![1], ConsumeError::retryable("second part failed"));
    let p = processor(cfg(4, 4, 0), next.clone());
    let e = p.consume(traces("x", 10)).await.unwrap_err();
    assert!(e.is_retryable());
    assert_eq!(e.message(), "second part failed");
    // The other parts were still exported, once each.
    assert_eq!(next.sink.item_count(), 6);

    let next = FailSome::new(vec![0, 2], ConsumeError::partially_rejected(9, "bad"));
    let p = processor(cfg(4, 4, 0), next.clone());
    let e = p.consume(traces("x", 10)).await.unwrap_err();
    // Clamped to the items of each export (4 and 2), then added up.
    assert_eq!(e.rejected_items(), Some(6));
}

#[tokio::test(start_paused = true)]
async fn metadata_keys_partition_batches() {
    let sink = Sink::<Traces>::new();
    let keyed = BatchConfig {
        metadata_keys: vec!["X-Tenant".into()],
        ..cfg(100, 0, 1000)
    };
    let p = processor(keyed, sink.clone());
    let mut tasks = Vec::new();
    for (i, tenant) in ["a", "b", "a", "b"].into_iter().enumerate() {
        let p = p.clone();
        tasks.push(tokio::spawn(async move {
            p.consume(traces_with(&format!("{tenant}{i}"), 2, "x-tenant", tenant))
                .await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(p.batcher_count(), 2);
    assert_eq!(sink.payload_count(), 2);
    let mut by_tenant = HashMap::new();
    for t in sink.all() {
        let client = t.context().client().unwrap();
        let tenant = client.metadata_values("X-TENANT").to_vec();
        assert_eq!(tenant.len(), 1);
        // Only the partition keys travel with a batch, as in Go.
        assert_eq!(client.metadata.len(), 1);
        assert_eq!(client.address, None);
        by_tenant.insert(tenant[0].clone(), names(&t));
    }
    assert_eq!(by_tenant["a"], ["a0-0", "a0-1", "a2-0", "a2-1"]);
    assert_eq!(by_tenant["b"], ["b1-0", "b1-1", "b3-0", "b3-1"]);
}

#[tokio::test(start_paused = true)]
async fn without_metadata_keys_batches_carry_no_client_context() {
    let sink = Sink::<Traces>::new();
    let p = processor(cfg(4, 0, 0), sink.clone());
    p.consume(traces_with("a", 2, "authorization", "secret"))
        .await
        .unwrap();
    assert_eq!(sink.all()[0].context(), &RequestContext::default());
}

#[tokio::test(start_paused = true)]
async fn cardinality_limit_is_a_permanent_error() {
    let sink = Sink::<Traces>::new();
    let limited = BatchConfig {
        metadata_keys: vec!["tenant".into()],
        metadata_cardinality_limit: 2,
        ..cfg(1, 0, 1000)
    };
    let p = processor(limited, sink.clone());
    p.consume(traces_with("a", 1, "tenant", "a")).await.unwrap();
    p.consume(traces_with("b", 1, "tenant", "b")).await.unwrap();
    let e = p.consume(traces_with("c", 1, "tenant", "c")).await.unwrap_err();
    assert!(e.is_permanent());
    assert_eq!(
        e.to_string(),
        "Permanent error: too many batcher metadata-value combinations"
    );
    // Known combinations still work, and no metadata is a combination too (over the limit).
    p.consume(traces_with("a2", 1, "tenant", "a")).await.unwrap();
    assert!(p.consume(traces("none", 1)).await.unwrap_err().is_permanent());
    assert_eq!(sink.item_count(), 3);

    // 0 means no limit.
    let unlimited = BatchConfig {
        metadata_keys: vec!["tenant".into()],
        metadata_cardinality_limit: 0,
        ..cfg(1, 0, 1000)
    };
    let p = processor(unlimited, Sink::new());
    for i in 0..20 {
        p.consume(traces_with("t", 1, "tenant", &i.to_string()))
            .await
            .unwrap();
    }
    assert_eq!(p.batcher_count(), 20);
}

#[tokio::test(start_paused = true)]
async fn shutdown_flushes_pending_and_refuses_later_payloads() {
    let sink = Sink::<Traces>::new();
    let p = processor(cfg(100, 0, LONG), sink.clone());
    let p2 = p.clone();
    let task = tokio::spawn(async move { p2.consume(traces("a", 3)).await });
    sleep(Duration::from_millis(10)).await;
    assert_eq!(sink.payload_count(), 0);
    // Well before the one-hour timeout.
    timeout(Duration::from_secs(1), p.shutdown())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(all_names(&sink), expected("a", 3));
    task.await.unwrap().unwrap();
    let e = p.consume(traces("late", 1)).await.unwrap_err();
    assert!(e.is_retryable());
    assert_eq!(e.message(), "batch processor is shutting down");
    p.shutdown().await.unwrap();
    assert_eq!(sink.item_count(), 3);
}

#[tokio::test(start_paused = true)]
async fn shutdown_without_start_or_data() {
    let p = processor(waiting(), Sink::new());
    p.shutdown().await.unwrap();
    p.shutdown().await.unwrap();
    // Empty payloads are accepted and dropped, even after shutdown.
    p.consume(Traces::default()).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_consumers_deliver_every_item_once() {
    const TASKS: usize = 50;
    const PAYLOADS: usize = 100;
    let sink = Sink::<Traces>::new();
    let p = processor(cfg(64, 100, 5), sink.clone());
    let mut tasks = Vec::new();
    let mut total = 0;
    for t in 0..TASKS {
        let p = p.clone();
        let sizes: Vec<usize> = (0..PAYLOADS).map(|i| 1 + (t + i) % 5).collect();
        total += sizes.iter().sum::<usize>();
        tasks.push(tokio::spawn(async move {
            for (i, n) in sizes.into_iter().enumerate() {
                p.consume(traces(&format!("t{t}/{i}"), n)).await?;
            }
            Ok::<_, ConsumeError>(())
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    p.shutdown().await.unwrap();
    assert!(
        sink.all().iter().all(|b| b.item_count() <= 100),
        "no export over send_batch_max_size"
    );
    let all = all_names(&sink);
    assert_eq!(all.len(), total);
    let mut seen = std::collections::HashSet::new();
    for n in &all {
        assert!(seen.insert(n.clone()), "{n} delivered twice");
    }
    // Each task's items arrive in the order it sent them.
    let mut last: HashMap<usize, (usize, usize)> = HashMap::new();
    for n in &all {
        let (task, rest) = n.trim_start_matches('t').split_once('/').unwrap();
        let (payload, item) = rest.split_once('-').unwrap();
        let key: usize = task.parse().unwrap();
        let pos = (payload.parse().unwrap(), item.parse().unwrap());
        if let Some(prev) = last.insert(key, pos) {
            assert!(prev < pos, "task {key}: {prev:?} before {pos:?}");
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_large_payload_is_not_cut_into_tiny_parts_to_fill_a_batch() {
    let sink = Sink::<Traces>::new();
    let p = processor(cfg(100, 100, 1000), sink.clone());
    let pa = p.clone();
    let a = tokio::spawn(async move { pa.consume(traces("a", 99)).await });
    sleep(Duration::from_millis(1)).await;
    let pb = p.clone();
    let b = tokio::spawn(async move { pb.consume(traces("b", 1000)).await });
    a.await.unwrap().unwrap();
    b.await.unwrap().unwrap();
    let sizes: Vec<usize> = sink.all().iter().map(Payload::item_count).collect();
    // One item of room left: the 99 go alone rather than cutting b into
    // 1-item parts; b then goes in pieces of 100.
    assert_eq!(sizes, [vec![99], vec![100; 10]].concat());
    assert!(sink.all().iter().all(|t| t.request().resource_spans.len() == 1));
    let want = [expected("a", 99), expected("b", 1000)].concat();
    assert_eq!(all_names(&sink), want);

    // With enough room the batch is filled exactly.
    let sink = Sink::<Traces>::new();
    let p = processor(cfg(100, 100, 1000), sink.clone());
    let pa = p.clone();
    let a = tokio::spawn(async move { pa.consume(traces("a", 60)).await });
    sleep(Duration::from_millis(1)).await;
    p.consume(traces("b", 100)).await.unwrap();
    a.await.unwrap().unwrap();
    let sizes: Vec<usize> = sink.all().iter().map(Payload::item_count).collect();
    assert_eq!(sizes, vec![100, 60]);
    assert_eq!(all_names(&sink), [expected("a", 60), expected("b", 100)].concat());
}
