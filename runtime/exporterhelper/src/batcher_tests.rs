//! The batcher on its own: triggers, splitting, partitions, results.
//! Time is tokio's paused clock: delays are virtual and exact.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::sync::Mutex as StdMutex;

use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::trace::v1::{ResourceSpans, ScopeSpans, Span};
use otelcol_component::{ClientInfo, RequestContext, Signal, Traces, async_trait};
use tokio::sync::oneshot;

use super::*;
use crate::RetryConfig;
use crate::config::PartitionConfig;
use crate::sender::Sender;

/// What one send saw.
#[derive(Debug, Clone)]
struct Sent {
    at: Duration,
    names: Vec<String>,
    bytes: usize,
    ctx: RequestContext,
}

/// Records every send; fails the sends whose first span is named `bad`.
#[derive(Debug)]
struct Recorder {
    t0: Instant,
    sent: StdMutex<Vec<Sent>>,
}

#[async_trait]
impl Sender<Traces> for Recorder {
    async fn send(&self, data: Traces) -> Result<(), ConsumeError> {
        let names: Vec<String> = data
            .request()
            .resource_spans
            .iter()
            .flat_map(|r| &r.scope_spans)
            .flat_map(|s| &s.spans)
            .map(|s| s.name.clone())
            .collect();
        let bad = names.first().is_some_and(|n| n == "bad");
        self.sent.lock().unwrap().push(Sent {
            at: self.t0.elapsed(),
            names,
            bytes: data.encoded_len(),
            ctx: data.context().clone(),
        });
        if bad {
            Err(ConsumeError::permanent("refused"))
        } else {
            Ok(())
        }
    }
}

impl Recorder {
    fn sent(&self) -> Vec<Sent> {
        self.sent.lock().unwrap().clone()
    }
    fn sizes(&self) -> Vec<usize> {
        self.sent().iter().map(|s| s.names.len()).collect()
    }
}

/// A `Done` that reports its result on a channel.
struct Report(oneshot::Sender<Result<(), ConsumeError>>);

impl Done for Report {
    fn complete(self: Box<Self>, result: Result<(), ConsumeError>) -> DoneFuture {
        let _ = self.0.send(result);
        Box::pin(std::future::ready(()))
    }
}

fn report() -> (Box<dyn Done>, oneshot::Receiver<Result<(), ConsumeError>>) {
    let (tx, rx) = oneshot::channel();
    (Box::new(Report(tx)), rx)
}

fn spans(n: usize, name: &str) -> Traces {
    Traces::from_request(ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            scope_spans: vec![ScopeSpans {
                spans: (0..n)
                    .map(|_| Span {
                        name: name.to_string(),
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            }],
            ..Default::default()
        }],
    })
}

/// The same spans as received: still encoded.
fn encoded(n: usize, name: &str) -> Traces {
    Traces::from_encoded(spans(n, name).to_bytes()).unwrap()
}

fn batch_cfg(min: i64, max: i64, timeout_ms: u64) -> BatchConfig {
    BatchConfig {
        flush_timeout: Duration::from_millis(timeout_ms),
        min_size: min,
        max_size: max,
        ..BatchConfig::default()
    }
}

fn batcher(cfg: &BatchConfig, workers: i64) -> (Arc<Batcher<Traces>>, Arc<Recorder>) {
    let rec = Arc::new(Recorder {
        t0: Instant::now(),
        sent: StdMutex::new(Vec::new()),
    });
    let id = "otlp/batch".parse().unwrap();
    let delivery = Arc::new(Delivery {
        sender: rec.clone(),
        retry: RetryConfig {
            enabled: false,
            ..RetryConfig::default()
        },
        timeout: Duration::ZERO,
        telemetry: Telemetry::new(&id, Signal::Traces, false, Default::default()),
    });
    let b = Batcher::new(cfg, workers, delivery);
    b.start();
    (b, rec)
}

/// Lets spawned tasks run without moving the clock.
async fn settle() {
    for _ in 0..20 {
        tokio::task::yield_now().await;
    }
}

#[tokio::test(start_paused = true)]
async fn min_size_sends_at_once_without_decoding() {
    let (b, rec) = batcher(&batch_cfg(10, 0, 1000), 2);
    let (d1, r1) = report();
    let (d2, r2) = report();
    let (d3, r3) = report();
    b.add(encoded(4, "a"), d1).await;
    b.add(encoded(4, "b"), d2).await;
    settle().await;
    assert!(rec.sent().is_empty(), "8 < min_size: waits");
    b.add(encoded(4, "c"), d3).await;
    settle().await;
    let sent = rec.sent();
    assert_eq!(rec.sizes(), vec![12], "one batch of the three requests");
    assert_eq!(sent[0].at, Duration::ZERO, "sent on size, not on the timer");
    let names: Vec<&str> = sent[0].names.iter().map(String::as_str).collect();
    assert_eq!(&names[..5], &["a", "a", "a", "a", "b"], "in arrival order");
    for r in [r1, r2, r3] {
        assert_eq!(r.await.unwrap(), Ok(()));
    }
}

#[tokio::test(start_paused = true)]
async fn merging_keeps_payloads_encoded() {
    let mut batch = encoded(2, "a");
    batch.merge(encoded(3, "b"));
    assert!(batch.is_encoded(), "merge concatenates encodings");
    assert_eq!(batch.item_count(), 5);
    assert_eq!(
        batch.encoded_len(),
        encoded(2, "a").encoded_len() + encoded(3, "b").encoded_len()
    );
}

#[tokio::test(start_paused = true)]
async fn flush_timeout_counts_from_the_first_request_of_a_batch() {
    let (b, rec) = batcher(&batch_cfg(100, 0, 200), 1);
    let (d1, _r1) = report();
    let (d2, _r2) = report();
    let (d3, _r3) = report();
    b.add(spans(3, "a"), d1).await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    b.add(spans(2, "b"), d2).await;
    tokio::time::sleep(Duration::from_millis(49)).await;
    assert!(rec.sent().is_empty());
    tokio::time::sleep(Duration::from_millis(1)).await;
    settle().await;
    assert_eq!(rec.sizes(), vec![5]);
    assert_eq!(rec.sent()[0].at, Duration::from_millis(200));
    // A new batch starts its own clock.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    b.add(spans(1, "c"), d3).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(rec.sizes(), vec![5, 1]);
    assert_eq!(rec.sent()[1].at, Duration::from_millis(1400));
}

#[tokio::test(start_paused = true)]
async fn max_size_splits_in_order_and_answers_once_for_all_parts() {
    let (b, rec) = batcher(&batch_cfg(10, 10, 200), 1);
    let (d1, r1) = report();
    let (d2, mut r2) = report();
    b.add(encoded(6, "a"), d1).await;
    // Does not fit next to the 6: closes that batch, then is split 10+10+5.
    b.add(encoded(25, "b"), d2).await;
    settle().await;
    assert_eq!(rec.sizes(), vec![6, 10, 10]);
    assert!(r2.try_recv().is_err(), "one part is still waiting");
    tokio::time::sleep(Duration::from_millis(200)).await;
    settle().await;
    assert_eq!(rec.sizes(), vec![6, 10, 10, 5]);
    let sent = rec.sent();
    assert!(sent[0].names.iter().all(|n| n == "a"));
    assert!(sent[1..].iter().all(|s| s.names.iter().all(|n| n == "b")));
    assert_eq!(r1.await.unwrap(), Ok(()));
    assert_eq!(r2.await.unwrap(), Ok(()));
}

#[tokio::test(start_paused = true)]
async fn max_size_in_bytes() {
    let whole = encoded(10, "abcdefgh").encoded_len();
    let mut cfg = batch_cfg(0, 0, 200);
    cfg.sizer = Sizer::Bytes;
    cfg.max_size = (whole / 3) as i64;
    let (b, rec) = batcher(&cfg, 1);
    let (d, r) = report();
    b.add(encoded(10, "abcdefgh"), d).await;
    settle().await;
    let sizes = rec.sizes();
    assert_eq!(sizes.iter().sum::<usize>(), 10, "{sizes:?}");
    assert!(sizes.len() >= 3, "{sizes:?}");
    assert!(rec.sent().iter().all(|s| s.bytes <= whole / 3), "{sizes:?}");
    assert_eq!(r.await.unwrap(), Ok(()));
}

fn with_metadata(n: usize, name: &str, pairs: &[(&str, &str)]) -> Traces {
    let mut md: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in pairs {
        md.entry(k.to_string()).or_default().push(v.to_string());
    }
    let mut t = encoded(n, name);
    let addr = "127.0.0.1:4000".parse().ok();
    t.set_context(RequestContext::new(ClientInfo::new(addr, md)));
    t
}

#[tokio::test(start_paused = true)]
async fn one_batch_per_metadata_value_and_only_those_values_travel() {
    let mut cfg = batch_cfg(100, 0, 200);
    cfg.partition = PartitionConfig {
        metadata_keys: vec!["X-Tenant".into()],
    };
    let (b, rec) = batcher(&cfg, 1);
    let (d1, _r1) = report();
    let (d2, _r2) = report();
    let (d3, _r3) = report();
    let (d4, _r4) = report();
    b.add(
        with_metadata(2, "a1", &[("x-tenant", "a"), ("authorization", "secret-a")]),
        d1,
    )
    .await;
    b.add(with_metadata(3, "b1", &[("x-tenant", "b")]), d2).await;
    b.add(with_metadata(1, "a2", &[("x-tenant", "a")]), d3).await;
    b.add(with_metadata(1, "none", &[]), d4).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    settle().await;
    let mut sent = rec.sent();
    sent.sort_by_key(|s| s.names[0].clone());
    let names: Vec<Vec<String>> = sent.iter().map(|s| s.names.clone()).collect();
    assert_eq!(
        names,
        vec![
            vec!["a1".to_string(), "a1".into(), "a2".into()],
            vec!["b1".to_string(), "b1".into(), "b1".into()],
            vec!["none".to_string()],
        ]
    );
    let client = sent[0].ctx.client().unwrap();
    assert_eq!(client.metadata_values("x-tenant"), &["a".to_string()]);
    assert!(
        client.metadata_values("authorization").is_empty(),
        "no other header"
    );
    assert_eq!(client.address, None, "no sender's address");
    assert_eq!(client.metadata.len(), 1);
    assert_eq!(
        sent[1].ctx.client().unwrap().metadata_values("x-tenant"),
        &["b".to_string()]
    );
    assert!(sent[2].ctx.client().unwrap().metadata.is_empty());
}

#[tokio::test(start_paused = true)]
async fn without_partition_keys_no_context_travels() {
    let (b, rec) = batcher(&batch_cfg(0, 0, 200), 1);
    let (d, _r) = report();
    b.add(with_metadata(1, "a", &[("authorization", "secret")]), d)
        .await;
    settle().await;
    assert_eq!(rec.sent()[0].ctx, RequestContext::default());
}

#[tokio::test(start_paused = true)]
async fn a_failed_batch_answers_every_request_in_it() {
    let (b, rec) = batcher(&batch_cfg(4, 0, 200), 1);
    let (d1, r1) = report();
    let (d2, r2) = report();
    b.add(spans(2, "bad"), d1).await;
    b.add(spans(2, "ok"), d2).await;
    settle().await;
    assert_eq!(rec.sizes(), vec![4]);
    assert!(r1.await.unwrap().unwrap_err().is_permanent());
    assert!(r2.await.unwrap().unwrap_err().is_permanent());
}

#[tokio::test(start_paused = true)]
async fn a_split_request_gets_the_combined_result() {
    let (b, rec) = batcher(&batch_cfg(2, 2, 200), 1);
    let (d1, r1) = report();
    let mut req = spans(2, "ok");
    req.merge(spans(2, "bad"));
    b.add(req, d1).await;
    settle().await;
    assert_eq!(rec.sizes(), vec![2, 2]);
    let err = r1.await.unwrap().unwrap_err();
    assert!(err.is_permanent() && err.message().contains("refused"), "{err}");
}

#[tokio::test(start_paused = true)]
async fn drain_sends_pending_batches_at_once() {
    let (b, rec) = batcher(&batch_cfg(100, 0, 60_000), 2);
    let (d1, r1) = report();
    let mut md = with_metadata(1, "b", &[]);
    md.set_context(RequestContext::default());
    b.add(spans(3, "a"), d1).await;
    b.begin_drain();
    b.drain().await;
    assert_eq!(rec.sizes(), vec![3]);
    assert_eq!(rec.sent()[0].at, Duration::ZERO);
    assert_eq!(r1.await.unwrap(), Ok(()));
    // After the drain, a request is sent at once rather than lost.
    let (d2, r2) = report();
    b.add(md, d2).await;
    b.drain().await;
    assert_eq!(r2.await.unwrap(), Ok(()));
}

#[tokio::test(start_paused = true)]
async fn abort_drops_pending_batches_without_completing_them() {
    let (b, rec) = batcher(&batch_cfg(100, 0, 200), 1);
    let (d1, r1) = report();
    b.add(spans(3, "a"), d1).await;
    b.abort_and_wait().await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(rec.sent().is_empty());
    assert!(r1.await.is_err(), "the Done was dropped, not completed");
}
