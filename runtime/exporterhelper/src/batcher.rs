//! `sending_queue::batch`: batching after the queue, as in Go's exporterhelper.
//!
//! One queue consumer hands each request to [`Batcher::add`]; requests are
//! merged per partition (the values of `partition::metadata_keys`) without
//! decoding them ([`Payload::merge`] concatenates encodings). A batch is sent
//! once it reaches `min_size`, or `flush_timeout` after its first request. A
//! request that does not fit in the current batch under `max_size` closes it
//! (the batch is sent as it is), and a request larger than `max_size` is split
//! (only then is it decoded). Up to `num_consumers` batches are exported at
//! once through [`Delivery`] (timeout and retries); when all are busy, `add`
//! waits, which holds the queue consumer back.
//!
//! Each request carries a [`Done`]: the queue's acknowledgment (release the
//! queue space and answer a `wait_for_result` caller, or delete the stored
//! request). It runs once every batch holding part of the request was sent
//! or given up on, with the combined result.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use otelcol_component::{ConsumeError, MetadataPartition, PartitionKey, Payload};
use tokio::sync::{Notify, Semaphore};
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;

use crate::config::{BatchConfig, QueueConfig, Sizer};
use crate::retry::Delivery;
use crate::telemetry::Telemetry;

/// The future a [`Done`] returns.
pub(crate) type DoneFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The queue's side of one request handed to the batcher.
///
/// `complete` runs once, when all of the request's items were sent or given
/// up on. If the batcher is stopped before that (shutdown cut short, or a
/// persistent queue stopping), the `Done` is dropped instead: its `Drop`
/// decides what that means (counted as lost, or left in storage).
pub(crate) trait Done: Send + 'static {
    /// The request's items were exported (`Ok`) or given up on (`Err`).
    fn complete(self: Box<Self>, result: Result<(), ConsumeError>) -> DoneFuture;
}

fn lock<X>(m: &Mutex<X>) -> MutexGuard<'_, X> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// One request's outcome over the batches its parts travel in.
struct Completion {
    state: Mutex<CompletionState>,
}

struct CompletionState {
    parts_left: usize,
    errors: Vec<ConsumeError>,
    done: Option<Box<dyn Done>>,
}

type Finished = (Box<dyn Done>, Result<(), ConsumeError>);

impl Completion {
    fn new(done: Box<dyn Done>, parts: usize) -> Arc<Self> {
        Arc::new(Completion {
            state: Mutex::new(CompletionState {
                parts_left: parts.max(1),
                errors: Vec::new(),
                done: Some(done),
            }),
        })
    }

    /// Records one part's result; after the last part, returns the request's
    /// `Done` with the combined result (any error makes it an error).
    fn part_done(&self, result: &Result<(), ConsumeError>) -> Option<Finished> {
        let mut st = lock(&self.state);
        if let Err(e) = result {
            st.errors.push(e.clone());
        }
        st.parts_left = st.parts_left.saturating_sub(1);
        if st.parts_left > 0 {
            return None;
        }
        let done = st.done.take()?;
        let result = match ConsumeError::combine(std::mem::take(&mut st.errors)) {
            None => Ok(()),
            Some(e) => Err(e),
        };
        Some((done, result))
    }
}

/// A batch being filled, or ready to be sent.
struct Batch<T> {
    data: T,
    size: usize,
    parts: Vec<Arc<Completion>>,
    deadline: Instant,
}

/// The values of the partition keys (empty without `metadata_keys`).
type Key = PartitionKey;

struct State<T> {
    partitions: HashMap<Key, Batch<T>>,
    /// No more timer-driven flushes; new requests are sent at once.
    closed: bool,
}

/// The batcher of one exporter and signal.
pub(crate) struct Batcher<T: Payload> {
    flush_timeout: Duration,
    min_size: usize,
    /// 0: no limit.
    max_size: usize,
    sizer: Sizer,
    partition: MetadataPartition,
    delivery: Arc<Delivery<T>>,
    state: Mutex<State<T>>,
    /// Wakes the timer when a new batch starts or the batcher closes.
    wake: Arc<Notify>,
    /// Export slots: `num_consumers`.
    workers: Arc<Semaphore>,
    exports: Mutex<JoinSet<()>>,
    timer: Mutex<Option<JoinHandle<()>>>,
    /// Set when the queue drains at shutdown.
    draining: AtomicBool,
    /// Set when a batch failed for good while draining: the rest is dropped.
    abandon: AtomicBool,
    /// Set by `abort`: nothing more is exported.
    aborted: AtomicBool,
}

fn to_usize(n: i64) -> usize {
    usize::try_from(n.max(0)).unwrap_or(usize::MAX)
}

impl<T: Payload> Batcher<T> {
    /// The batcher `cfg` asks for, if it has a `batch` section.
    pub(crate) fn for_queue(cfg: &QueueConfig, delivery: &Arc<Delivery<T>>) -> Option<Arc<Self>> {
        cfg.batch
            .as_ref()
            .map(|b| Batcher::new(b, cfg.num_consumers, delivery.clone()))
    }

    pub(crate) fn new(cfg: &BatchConfig, num_consumers: i64, delivery: Arc<Delivery<T>>) -> Arc<Self> {
        let workers = to_usize(num_consumers).clamp(1, Semaphore::MAX_PERMITS);
        Arc::new(Batcher {
            flush_timeout: cfg.flush_timeout,
            min_size: to_usize(cfg.min_size),
            max_size: to_usize(cfg.max_size),
            sizer: cfg.sizer,
            partition: MetadataPartition::new(&cfg.partition.metadata_keys),
            delivery,
            state: Mutex::new(State {
                partitions: HashMap::new(),
                closed: false,
            }),
            wake: Arc::new(Notify::new()),
            workers: Arc::new(Semaphore::new(workers)),
            exports: Mutex::new(JoinSet::new()),
            timer: Mutex::new(None),
            draining: AtomicBool::new(false),
            abandon: AtomicBool::new(false),
            aborted: AtomicBool::new(false),
        })
    }

    fn telemetry(&self) -> &Telemetry {
        &self.delivery.telemetry
    }

    /// Starts the flush timer (once).
    pub(crate) fn start(self: &Arc<Self>) {
        let mut timer = lock(&self.timer);
        if timer.is_none() && !lock(&self.state).closed {
            *timer = Some(tokio::spawn(run_timer(Arc::downgrade(self), self.wake.clone())));
        }
    }

    fn size_of(&self, data: &T) -> usize {
        match self.sizer {
            Sizer::Bytes => data.encoded_len(),
            Sizer::Items | Sizer::Requests => data.item_count(),
        }
    }

    /// Splits a request larger than `max_size` into parts that fit.
    fn split(&self, data: T) -> Vec<T> {
        match self.sizer {
            Sizer::Bytes => {
                let mut out = Vec::new();
                split_bytes(data, self.max_size, &mut out);
                out
            }
            Sizer::Items | Sizer::Requests => data.split(self.max_size),
        }
    }

    /// Takes a batch out of its partition, ready to send.
    fn take(&self, st: &mut State<T>, key: &Key) -> Option<Batch<T>> {
        let mut batch = st.partitions.remove(key)?;
        batch.data.set_context(self.partition.context_for(key));
        Some(batch)
    }

    /// Adds one request; `done` runs once its items were sent or given up
    /// on. Waits while all export slots are busy and a batch is ready.
    pub(crate) async fn add(self: &Arc<Self>, data: T, done: Box<dyn Done>) {
        let key = self.partition.key_for(data.context());
        let pieces = if self.max_size > 0 && self.size_of(&data) > self.max_size {
            self.split(data)
        } else {
            vec![data]
        };
        let completion = Completion::new(done, pieces.len());
        let mut ready = Vec::new();
        {
            let mut st = lock(&self.state);
            let closed = st.closed;
            for piece in pieces {
                let size = self.size_of(&piece);
                let full = st
                    .partitions
                    .get(&key)
                    .is_some_and(|b| self.max_size > 0 && b.size + size > self.max_size);
                if full {
                    ready.extend(self.take(&mut st, &key));
                }
                let batch = match st.partitions.entry(key.clone()) {
                    Entry::Occupied(o) => o.into_mut(),
                    Entry::Vacant(v) => {
                        self.wake.notify_one();
                        v.insert(Batch {
                            data: T::default(),
                            size: 0,
                            parts: Vec::new(),
                            deadline: Instant::now() + self.flush_timeout,
                        })
                    }
                };
                batch.data.merge(piece);
                batch.size += size;
                batch.parts.push(completion.clone());
                if batch.size >= self.min_size || closed {
                    ready.extend(self.take(&mut st, &key));
                }
            }
        }
        for batch in ready {
            self.dispatch(batch).await;
        }
    }

    /// Sends the batches whose `flush_timeout` has passed.
    async fn flush_due(self: &Arc<Self>) {
        let now = Instant::now();
        let mut due = {
            let mut st = lock(&self.state);
            let keys: Vec<Key> = st
                .partitions
                .iter()
                .filter(|(_, b)| b.deadline <= now)
                .map(|(k, _)| k.clone())
                .collect();
            keys.iter()
                .filter_map(|k| self.take(&mut st, k))
                .collect::<Vec<_>>()
        };
        due.sort_by_key(|b| b.deadline);
        for batch in due {
            self.dispatch(batch).await;
        }
    }

    /// Waits for an export slot, then exports `batch` in its own task.
    async fn dispatch(self: &Arc<Self>, batch: Batch<T>) {
        // The semaphore is never closed.
        let Ok(permit) = self.workers.clone().acquire_owned().await else {
            return;
        };
        if self.aborted.load(Ordering::SeqCst) {
            return;
        }
        let me = self.clone();
        let mut exports = lock(&self.exports);
        while exports.try_join_next().is_some() {}
        exports.spawn(async move {
            me.export(batch).await;
            drop(permit);
        });
    }

    async fn export(&self, batch: Batch<T>) {
        let items = batch.data.item_count() as u64;
        let result = if self.abandon.load(Ordering::SeqCst) {
            let reason =
                "dropped at shutdown: the backend did not accept earlier data within the retry policy";
            self.telemetry().send_failed(items, reason);
            Err(ConsumeError::retryable(reason))
        } else {
            self.telemetry()
                .batch_sent(batch.size, || batch.data.encoded_len());
            let result = self.delivery.deliver(batch.data).await;
            if self.draining.load(Ordering::SeqCst) && result.as_ref().is_err_and(ConsumeError::is_retryable)
            {
                self.abandon.store(true, Ordering::SeqCst);
            }
            result
        };
        for part in batch.parts {
            if let Some((done, result)) = part.part_done(&result) {
                done.complete(result).await;
            }
        }
    }

    /// The queue is draining: once a batch fails for good, the rest is
    /// dropped rather than each waiting out the retry policy.
    pub(crate) fn begin_drain(&self) {
        self.draining.store(true, Ordering::SeqCst);
    }

    /// Sends every pending batch now and waits until all exports finished.
    /// Call after the queue consumer stopped adding.
    pub(crate) async fn drain(self: &Arc<Self>) {
        let mut pending = {
            let mut st = lock(&self.state);
            st.closed = true;
            let keys: Vec<Key> = st.partitions.keys().cloned().collect();
            keys.iter()
                .filter_map(|k| self.take(&mut st, k))
                .collect::<Vec<_>>()
        };
        self.wake.notify_one();
        let timer = lock(&self.timer).take();
        if let Some(t) = timer {
            if let Err(e) = t.await {
                tracing::error!(exporter = %self.telemetry().exporter, error = %e, "batch flush timer failed");
            }
        }
        pending.sort_by_key(|b| b.deadline);
        for batch in pending {
            self.dispatch(batch).await;
        }
        let mut exports = std::mem::take(&mut *lock(&self.exports));
        while let Some(r) = exports.join_next().await {
            if let Err(e) = r {
                tracing::error!(exporter = %self.telemetry().exporter, error = %e, "batch export failed");
            }
        }
    }

    /// Stops at once: exports in flight are aborted and pending batches
    /// dropped; their requests' [`Done`]s are dropped, not completed.
    pub(crate) fn abort(&self) {
        self.aborted.store(true, Ordering::SeqCst);
        let pending = {
            let mut st = lock(&self.state);
            st.closed = true;
            std::mem::take(&mut st.partitions)
        };
        drop(pending);
        if let Some(t) = lock(&self.timer).take() {
            t.abort();
        }
        lock(&self.exports).abort_all();
    }

    /// [`abort`](Self::abort), then waits until the aborted exports ended.
    pub(crate) async fn abort_and_wait(&self) {
        self.abort();
        let mut exports = std::mem::take(&mut *lock(&self.exports));
        while exports.join_next().await.is_some() {}
    }
}

impl<T: Payload> Drop for Batcher<T> {
    fn drop(&mut self) {
        // Lets the timer see that the batcher is gone.
        self.wake.notify_one();
    }
}

/// Splits `data` into parts of at most `max` encoded bytes (a single item
/// larger than that travels alone).
fn split_bytes<T: Payload>(data: T, max: usize, out: &mut Vec<T>) {
    let (items, bytes) = (data.item_count(), data.encoded_len());
    if bytes <= max || items <= 1 {
        out.push(data);
        return;
    }
    let estimate = (max as u128 * items as u128 / bytes.max(1) as u128) as usize;
    let per = estimate.clamp(1, items - 1);
    for part in data.split(per) {
        split_bytes(part, max, out);
    }
}

/// Flushes batches `flush_timeout` after their first request. Holds the
/// batcher weakly, so a batcher that is dropped without shutdown ends it.
async fn run_timer<T: Payload>(batcher: Weak<Batcher<T>>, wake: Arc<Notify>) {
    loop {
        let notified = wake.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let next = {
            let Some(b) = batcher.upgrade() else { return };
            let st = lock(&b.state);
            if st.closed {
                return;
            }
            st.partitions.values().map(|b| b.deadline).min()
        };
        match next {
            None => notified.await,
            Some(at) => {
                tokio::select! {
                    () = tokio::time::sleep_until(at) => {
                        let Some(b) = batcher.upgrade() else { return };
                        b.flush_due().await;
                    }
                    () = &mut notified => {}
                }
            }
        }
    }
}

#[cfg(test)]
#[path = "batcher_tests.rs"]
mod tests;
