//! The persistent sending queue (`sending_queue::storage`), against an
//! in-memory storage extension that outlives the helpers (a restart).
#![allow(missing_docs, clippy::unwrap_used)]

mod support;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use otelcol_component::{
    Component, ComponentId, ConsumeError, Consumer, Extension, Host, Kind, StorageClient, StorageError,
    StorageExtension, StorageOp, Traces, async_trait,
};
use otelcol_componenttest::{NopHost, nop_settings};
use otelcol_exporterhelper::{
    ExporterHelper, QueueConfig, RetryConfig, Sizer, TimeoutConfig, recovered_name, redelivered_name,
};
use support::{Script, counter, init, traces};
use tokio::sync::Semaphore;

/// A store shared by every client, as a file outlives the process.
#[derive(Debug, Default)]
struct Mem {
    map: Mutex<BTreeMap<String, Vec<u8>>>,
    fail_writes: AtomicBool,
}

impl Mem {
    /// Stored requests (keys that are indexes).
    fn items(&self) -> usize {
        self.map
            .lock()
            .unwrap()
            .keys()
            .filter(|k| k.parse::<u64>().is_ok())
            .count()
    }
}

#[derive(Debug)]
struct MemClient(Arc<Mem>);

#[async_trait]
impl StorageClient for MemClient {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.0.map.lock().unwrap().get(key).cloned())
    }
    async fn batch(&self, ops: Vec<StorageOp>) -> Result<(), StorageError> {
        if self.0.fail_writes.load(Ordering::SeqCst) {
            return Err(StorageError::Other("disk full".into()));
        }
        let mut map = self.0.map.lock().unwrap();
        for op in ops {
            match op {
                StorageOp::Set(k, v) => map.insert(k, v),
                StorageOp::Delete(k) => map.remove(&k),
                _ => None,
            };
        }
        Ok(())
    }
    async fn close(&self) -> Result<(), StorageError> {
        Ok(())
    }
}

#[derive(Debug)]
struct MemExt(Arc<Mem>);

impl Component for MemExt {}

#[async_trait]
impl StorageExtension for MemExt {
    async fn client(
        &self,
        _: Kind,
        _: &ComponentId,
        _: &str,
    ) -> Result<Arc<dyn StorageClient>, StorageError> {
        Ok(Arc::new(MemClient(self.0.clone())))
    }
}

impl Extension for MemExt {
    fn storage(&self) -> Option<Arc<dyn StorageExtension>> {
        Some(Arc::new(MemExt(self.0.clone())))
    }
}

/// An extension that is not a storage extension.
#[derive(Debug)]
struct Plain;
impl Component for Plain {}
impl Extension for Plain {}

#[derive(Debug)]
struct TestHost(Vec<(ComponentId, Arc<dyn Extension>)>);

impl Host for TestHost {
    fn extension(&self, id: &ComponentId) -> Option<Arc<dyn Extension>> {
        self.0.iter().find(|(i, _)| i == id).map(|(_, e)| e.clone())
    }
    fn extensions(&self) -> Vec<(ComponentId, Arc<dyn Extension>)> {
        self.0.clone()
    }
}

fn host(mem: &Arc<Mem>) -> Arc<dyn Host> {
    Arc::new(TestHost(vec![
        ("file_storage".parse().unwrap(), Arc::new(MemExt(mem.clone()))),
        ("plain".parse().unwrap(), Arc::new(Plain)),
    ]))
}

fn persistent(storage: &str, queue_size: i64, sizer: Sizer) -> QueueConfig {
    QueueConfig {
        storage: Some(storage.parse().unwrap()),
        num_consumers: 2,
        queue_size,
        sizer,
        ..QueueConfig::default()
    }
}

fn forever() -> RetryConfig {
    RetryConfig {
        initial_interval: Duration::from_secs(1),
        max_interval: Duration::from_secs(1),
        max_elapsed_time: Duration::ZERO,
        ..RetryConfig::default()
    }
}

fn helper(id: &str, queue: QueueConfig, script: &Arc<Script>) -> ExporterHelper<Traces> {
    ExporterHelper::new(
        &nop_settings(id, Kind::Exporter),
        queue,
        forever(),
        TimeoutConfig::default(),
        script.clone(),
    )
    .unwrap()
}

#[tokio::test(start_paused = true)]
async fn stored_requests_survive_shutdown_and_are_sent_after_restart() {
    init();
    let mem = Arc::new(Mem::default());
    let down = Arc::new(Script::new(vec![], Err(ConsumeError::retryable("backend down"))));
    let h = helper(
        "p_restart",
        persistent("file_storage", 100, Sizer::Requests),
        &down,
    );
    h.start(host(&mem)).await.unwrap();
    for i in 0..5 {
        h.consume(traces(2, &format!("r{i}"))).await.unwrap();
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(down.calls() >= 2, "two consumers are retrying");
    h.shutdown().await.unwrap();
    h.shutdown().await.unwrap();
    assert_eq!(mem.items(), 5, "nothing is deleted on shutdown, in flight or not");

    let up = Arc::new(Script::ok());
    let h = helper("p_restart", persistent("file_storage", 100, Sizer::Requests), &up);
    h.start(host(&mem)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        up.received_items(),
        10,
        "every stored span is sent after the restart"
    );
    assert_eq!(mem.items(), 0, "sent requests are deleted");
    assert_eq!(
        counter(&recovered_name(otelcol_component::Signal::Traces), "p_restart"),
        10
    );
    // The two requests the consumers held before the restart may be duplicates.
    assert_eq!(
        counter(&redelivered_name(otelcol_component::Signal::Traces), "p_restart"),
        4
    );
    h.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn the_queue_size_bounds_what_is_stored() {
    init();
    let mem = Arc::new(Mem::default());
    let mut s = Script::ok();
    s.gate = Some(Arc::new(Semaphore::new(0)));
    let held = Arc::new(s);
    let h = helper("p_full", persistent("file_storage", 5, Sizer::Items), &held);
    h.start(host(&mem)).await.unwrap();
    h.consume(traces(3, "a")).await.unwrap();
    let err = h.consume(traces(3, "b")).await.unwrap_err();
    assert!(err.is_retryable() && err.message().contains("full"), "{err}");
    let err = h.consume(traces(6, "c")).await.unwrap_err();
    assert!(err.is_permanent(), "larger than the whole queue: {err}");
    h.consume(traces(2, "d")).await.unwrap();
    assert_eq!(mem.items(), 2);
    assert_eq!(counter("otelcol_exporter_enqueue_failed_spans", "p_full"), 9);
    h.shutdown().await.unwrap();

    // After a restart the stored items count against the size again.
    let h = helper("p_full", persistent("file_storage", 5, Sizer::Items), &held);
    h.start(host(&mem)).await.unwrap();
    assert!(h.consume(traces(1, "e")).await.unwrap_err().is_retryable());
    h.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_failed_store_write_is_not_acknowledged() {
    init();
    let mem = Arc::new(Mem::default());
    let script = Arc::new(Script::ok());
    let h = helper(
        "p_write",
        persistent("file_storage", 10, Sizer::Requests),
        &script,
    );
    h.start(host(&mem)).await.unwrap();
    mem.fail_writes.store(true, Ordering::SeqCst);
    let err = h.consume(traces(1, "a")).await.unwrap_err();
    assert!(err.is_retryable() && err.message().contains("disk full"), "{err}");
    mem.fail_writes.store(false, Ordering::SeqCst);
    // The failed write gave its room back.
    for _ in 0..10 {
        h.consume(traces(1, "b")).await.unwrap();
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    h.shutdown().await.unwrap();
    assert_eq!(script.received_items(), 10);
}

#[tokio::test(start_paused = true)]
async fn a_request_refused_for_good_is_deleted() {
    init();
    let mem = Arc::new(Mem::default());
    let script = Arc::new(Script::new(vec![], Err(ConsumeError::permanent("bad"))));
    let h = helper("p_perm", persistent("file_storage", 10, Sizer::Requests), &script);
    h.start(host(&mem)).await.unwrap();
    h.consume(traces(2, "a")).await.unwrap();
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(mem.items(), 0);
    assert_eq!(counter("otelcol_exporter_send_failed_spans", "p_perm"), 2);
    h.shutdown().await.unwrap();
}

#[tokio::test]
async fn start_fails_clearly_without_a_storage_extension() {
    init();
    let mem = Arc::new(Mem::default());
    let script = Arc::new(Script::ok());
    let h = helper(
        "p_missing",
        persistent("file_storage/other", 10, Sizer::Requests),
        &script,
    );
    let err = h.start(NopHost::new()).await.unwrap_err().to_string();
    assert!(err.contains("file_storage/other not found"), "{err}");
    let err = h.consume(traces(1, "a")).await.unwrap_err();
    assert!(err.message().contains("not started"), "{err}");
    h.shutdown().await.unwrap();
    let h = helper("p_plain", persistent("plain", 10, Sizer::Requests), &script);
    let err = h.start(host(&mem)).await.unwrap_err().to_string();
    assert!(err.contains("plain is not a storage extension"), "{err}");
}

#[tokio::test(start_paused = true)]
async fn in_flight_requests_stay_stored_on_shutdown_even_without_retries() {
    // Go lost these (#15677): with retries disabled, shutdown's cancelled
    // send counted as a failure and the item was deleted.
    init();
    let mem = Arc::new(Mem::default());
    let mut s = Script::ok();
    s.gate = Some(Arc::new(Semaphore::new(0)));
    let held = Arc::new(s);
    let h = ExporterHelper::new(
        &nop_settings("p_noretry", Kind::Exporter),
        persistent("file_storage", 10, Sizer::Requests),
        RetryConfig {
            enabled: false,
            ..RetryConfig::default()
        },
        TimeoutConfig::new(Duration::ZERO),
        held.clone(),
    )
    .unwrap();
    h.start(host(&mem)).await.unwrap();
    h.consume(traces(1, "a")).await.unwrap();
    h.consume(traces(1, "b")).await.unwrap();
    h.consume(traces(1, "c")).await.unwrap();
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(held.calls(), 2, "two consumers hold a request each");
    h.shutdown().await.unwrap();
    assert_eq!(mem.items(), 3);
    assert_eq!(counter("otelcol_exporter_send_failed_spans", "p_noretry"), 0);
}

#[tokio::test(start_paused = true)]
async fn block_on_overflow_waits_for_room() {
    init();
    let mem = Arc::new(Mem::default());
    let mut s = Script::ok();
    let gate = Arc::new(Semaphore::new(0));
    s.gate = Some(gate.clone());
    let held = Arc::new(s);
    let mut q = persistent("file_storage", 1, Sizer::Requests);
    q.block_on_overflow = true;
    let h = Arc::new(helper("p_block", q, &held));
    h.start(host(&mem)).await.unwrap();
    h.consume(traces(1, "a")).await.unwrap();
    let h2 = h.clone();
    let waiting = tokio::spawn(async move { h2.consume(traces(1, "b")).await });
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert!(!waiting.is_finished(), "waits while the queue is full");
    gate.add_permits(1);
    waiting.await.unwrap().unwrap();
    gate.add_permits(1);
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(held.received_items(), 2);
    h.shutdown().await.unwrap();
}

fn persistent_batch(min_size: i64) -> QueueConfig {
    let mut q = persistent("file_storage", 100, Sizer::Requests);
    q.batch = Some(otelcol_exporterhelper::BatchConfig {
        min_size,
        flush_timeout: Duration::from_secs(1),
        ..Default::default()
    });
    q
}

#[tokio::test(start_paused = true)]
async fn with_batch_a_stored_request_is_deleted_only_once_its_batch_was_sent() {
    init();
    let mem = Arc::new(Mem::default());
    let mut s = Script::ok();
    let gate = Arc::new(Semaphore::new(0));
    s.gate = Some(gate.clone());
    let held = Arc::new(s);
    let h = helper("pb_ack", persistent_batch(100), &held);
    h.start(host(&mem)).await.unwrap();
    for i in 0..3 {
        h.consume(traces(2, &format!("r{i}"))).await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(held.calls(), 0, "the batch is still filling");
    assert_eq!(mem.items(), 3, "batched requests stay stored");
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        held.calls(),
        1,
        "one batch of the three requests, after flush_timeout"
    );
    assert_eq!(mem.items(), 3, "in flight: still stored");
    gate.add_permits(1);
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(held.received_items(), 6);
    assert_eq!(mem.items(), 0, "sent: every request of the batch is deleted");
    h.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn with_batch_pending_and_in_flight_batches_survive_a_stop() {
    init();
    let mem = Arc::new(Mem::default());
    let mut s = Script::ok();
    s.gate = Some(Arc::new(Semaphore::new(0)));
    let held = Arc::new(s);
    // min_size 4: the first two requests form a batch that is held in
    // flight, the third waits in a pending batch.
    let h = helper("pb_stop", persistent_batch(4), &held);
    h.start(host(&mem)).await.unwrap();
    for i in 0..3 {
        h.consume(traces(2, &format!("r{i}"))).await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(held.calls(), 1);
    h.shutdown().await.unwrap();
    assert_eq!(mem.items(), 3, "nothing batched is lost");
    assert_eq!(counter("otelcol_exporter_send_failed_spans", "pb_stop"), 0);

    let up = Arc::new(Script::ok());
    let h = helper("pb_stop", persistent_batch(4), &up);
    h.start(host(&mem)).await.unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(up.received_items(), 6, "all of it is sent after the restart");
    assert_eq!(mem.items(), 0);
    h.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn with_batch_a_batch_refused_for_good_is_deleted() {
    init();
    let mem = Arc::new(Mem::default());
    let script = Arc::new(Script::new(vec![], Err(ConsumeError::permanent("bad"))));
    let h = helper("pb_perm", persistent_batch(4), &script);
    h.start(host(&mem)).await.unwrap();
    h.consume(traces(2, "a")).await.unwrap();
    h.consume(traces(2, "b")).await.unwrap();
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(script.calls(), 1);
    assert_eq!(mem.items(), 0);
    assert_eq!(counter("otelcol_exporter_send_failed_spans", "pb_perm"), 4);
    h.shutdown().await.unwrap();
}
