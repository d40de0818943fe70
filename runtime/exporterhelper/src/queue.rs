//! The bounded in-memory sending queue and its consumers.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use otelcol_component::{ConsumeError, Payload};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, TryAcquireError, mpsc, oneshot};
use tokio::task::{AbortHandle, JoinHandle};

use crate::batcher::{Batcher, Done, DoneFuture};
use crate::config::{QueueConfig, Sizer};
use crate::retry::Delivery;
use crate::telemetry::Telemetry;

type Reply = oneshot::Sender<Result<(), ConsumeError>>;

/// A queued request. If it is dropped before it was delivered or given up
/// on (the runtime stopped under it), the drop is logged and counted.
struct Entry<T: Payload> {
    data: Option<T>,
    permit: Option<OwnedSemaphorePermit>,
    reply: Option<Reply>,
    telemetry: Telemetry,
}

impl<T: Payload> Drop for Entry<T> {
    fn drop(&mut self) {
        if let Some(data) = self.data.take() {
            self.telemetry.send_failed(
                data.item_count() as u64,
                "the exporter stopped before the queued data could be sent",
            );
        }
    }
}

/// The queue shared by producers (`consume`) and consumer tasks.
pub(crate) struct Queue<T: Payload> {
    tx: Mutex<Option<mpsc::UnboundedSender<Entry<T>>>>,
    rx: tokio::sync::Mutex<mpsc::UnboundedReceiver<Entry<T>>>,
    space: Arc<Semaphore>,
    capacity: usize,
    cfg: QueueConfig,
    delivery: Arc<Delivery<T>>,
    workers: Mutex<Option<Vec<JoinHandle<()>>>>,
    /// Set by shutdown: the queue is being drained.
    draining: AtomicBool,
    /// Set when a request failed for good while draining: the backend is not
    /// taking data, so the rest is dropped instead of each waiting out the
    /// retry policy.
    abandon: AtomicBool,
    /// `sending_queue::batch`: one consumer feeds it, it exports.
    batcher: Option<Arc<Batcher<T>>>,
}

/// A request handed to the batcher: holds its queue space until its items
/// were sent or given up on, then answers a `wait_for_result` caller. If it
/// is dropped before (the runtime stopped under it), the loss is logged and
/// counted.
struct MemoryDone<T: Payload> {
    items: usize,
    permit: Option<OwnedSemaphorePermit>,
    reply: Option<Reply>,
    queue: Arc<Queue<T>>,
    finished: bool,
}

impl<T: Payload> Done for MemoryDone<T> {
    fn complete(mut self: Box<Self>, result: Result<(), ConsumeError>) -> DoneFuture {
        self.finished = true;
        self.permit = None;
        self.queue.update_gauges();
        if let Some(reply) = self.reply.take() {
            let _ = reply.send(result);
        }
        Box::pin(std::future::ready(()))
    }
}

impl<T: Payload> Drop for MemoryDone<T> {
    fn drop(&mut self) {
        if !self.finished {
            self.queue.telemetry().send_failed(
                self.items as u64,
                "the exporter stopped before the queued data could be sent",
            );
            self.permit = None;
            self.queue.update_gauges();
        }
    }
}

/// Aborts the consumers (and the batcher) if shutdown is itself cut short
/// (the runtime's deadline dropped it), so that what they held is counted
/// and logged as dropped now rather than silently at process exit.
struct AbortOnDrop<T: Payload> {
    handles: Vec<AbortHandle>,
    batcher: Option<Arc<Batcher<T>>>,
}

impl<T: Payload> AbortOnDrop<T> {
    fn disarm(&mut self) {
        self.handles.clear();
        self.batcher = None;
    }
}

impl<T: Payload> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        for h in &self.handles {
            h.abort();
        }
        if let Some(b) = &self.batcher {
            b.abort();
        }
    }
}

fn lock<X>(m: &Mutex<X>) -> MutexGuard<'_, X> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl<T: Payload> Queue<T> {
    pub(crate) fn new(cfg: QueueConfig, delivery: Arc<Delivery<T>>) -> Arc<Self> {
        let capacity = usize::try_from(cfg.queue_size.max(1))
            .unwrap_or(Semaphore::MAX_PERMITS)
            .min(Semaphore::MAX_PERMITS);
        let (tx, rx) = mpsc::unbounded_channel();
        let batcher = Batcher::for_queue(&cfg, &delivery);
        let q = Arc::new(Queue {
            tx: Mutex::new(Some(tx)),
            rx: tokio::sync::Mutex::new(rx),
            space: Arc::new(Semaphore::new(capacity)),
            capacity,
            cfg,
            delivery,
            workers: Mutex::new(Some(Vec::new())),
            draining: AtomicBool::new(false),
            abandon: AtomicBool::new(false),
            batcher,
        });
        q.update_gauges();
        q
    }

    fn telemetry(&self) -> &Telemetry {
        &self.delivery.telemetry
    }

    fn update_gauges(&self) {
        let used = self.capacity.saturating_sub(self.space.available_permits());
        self.telemetry().queue_gauges(used, self.capacity);
    }

    fn size_of(&self, data: &T) -> usize {
        match self.cfg.sizer {
            Sizer::Requests => 1,
            Sizer::Items => data.item_count(),
            Sizer::Bytes => data.encoded_len(),
        }
    }

    fn refuse(&self, items: usize, err: ConsumeError) -> Result<(), ConsumeError> {
        self.telemetry().enqueue_failed(items as u64, err.message());
        Err(err)
    }

    /// Adds `data` to the queue (waiting for room with `block_on_overflow`),
    /// and with `wait_for_result` waits for the outcome of sending it.
    pub(crate) async fn offer(&self, data: T) -> Result<(), ConsumeError> {
        let items = data.item_count();
        let size = self.size_of(&data);
        let permits = match u32::try_from(size) {
            Ok(n) if size <= self.capacity => n,
            _ => {
                let msg = format!(
                    "request of size {size} ({}) is larger than the sending queue capacity {}",
                    self.cfg.sizer.as_str(),
                    self.capacity
                );
                return self.refuse(items, ConsumeError::permanent(msg));
            }
        };
        let permit = if self.cfg.block_on_overflow {
            match self.space.clone().acquire_many_owned(permits).await {
                Ok(p) => p,
                Err(_) => return self.refuse(items, stopped()),
            }
        } else {
            match self.space.clone().try_acquire_many_owned(permits) {
                Ok(p) => p,
                Err(TryAcquireError::NoPermits) => {
                    return self.refuse(items, ConsumeError::retryable("sending queue is full"));
                }
                Err(TryAcquireError::Closed) => return self.refuse(items, stopped()),
            }
        };
        let (reply, result) = if self.cfg.wait_for_result {
            let (tx, rx) = oneshot::channel();
            (Some(tx), Some(rx))
        } else {
            (None, None)
        };
        let entry = Entry {
            data: Some(data),
            permit: Some(permit),
            reply,
            telemetry: self.telemetry().clone(),
        };
        let pushed = match lock(&self.tx).as_ref() {
            Some(tx) => tx.send(entry).map_err(|e| e.0),
            None => Err(entry),
        };
        if let Err(mut entry) = pushed {
            entry.data = None;
            return self.refuse(items, stopped());
        }
        self.update_gauges();
        match result {
            None => Ok(()),
            Some(rx) => rx.await.unwrap_or_else(|_| {
                Err(ConsumeError::retryable(
                    "the queued request was dropped before its result was known",
                ))
            }),
        }
    }

    async fn next(&self) -> Option<Entry<T>> {
        self.rx.lock().await.recv().await
    }

    /// A consumer: takes requests until the queue is closed and empty.
    async fn work(self: Arc<Self>) {
        while let Some(mut entry) = self.next().await {
            entry.permit = None;
            self.update_gauges();
            let Some(data) = entry.data.clone() else {
                continue;
            };
            if self.abandon.load(Ordering::SeqCst) {
                entry.data = None;
                let reason =
                    "dropped at shutdown: the backend did not accept earlier data within the retry policy";
                self.telemetry().send_failed(data.item_count() as u64, reason);
                if let Some(reply) = entry.reply.take() {
                    let _ = reply.send(Err(ConsumeError::retryable(reason)));
                }
                continue;
            }
            let result = self.delivery.deliver(data).await;
            entry.data = None;
            if self.draining.load(Ordering::SeqCst) && result.as_ref().is_err_and(ConsumeError::is_retryable)
            {
                self.abandon.store(true, Ordering::SeqCst);
            }
            if let Some(reply) = entry.reply.take() {
                let _ = reply.send(result);
            }
        }
    }

    /// The consumer with batching: hands each request to the batcher,
    /// which holds it back while all `num_consumers` export slots are busy.
    async fn feed(self: Arc<Self>, batcher: Arc<Batcher<T>>) {
        while let Some(mut entry) = self.next().await {
            let Some(data) = entry.data.take() else {
                continue;
            };
            let done = MemoryDone {
                items: data.item_count(),
                permit: entry.permit.take(),
                reply: entry.reply.take(),
                queue: self.clone(),
                finished: false,
            };
            batcher.add(data, Box::new(done)).await;
        }
    }

    /// Spawns the consumers (once): `num_consumers` senders, or with
    /// `batch` one consumer feeding the batcher (as in Go).
    pub(crate) fn start(self: &Arc<Self>) {
        let mut workers = lock(&self.workers);
        if let Some(w) = workers.as_mut() {
            if w.is_empty() {
                match &self.batcher {
                    Some(b) => {
                        b.start();
                        w.push(tokio::spawn(self.clone().feed(b.clone())));
                    }
                    None => {
                        let n = usize::try_from(self.cfg.num_consumers.max(1)).unwrap_or(1);
                        w.extend((0..n).map(|_| tokio::spawn(self.clone().work())));
                    }
                }
            }
        }
    }

    /// Stops taking data and waits until everything queued has been sent or
    /// given up on: each request under the retry policy, and once one request
    /// has failed for good the rest are dropped (logged and counted) rather
    /// than each waiting out the policy. Safe without start, and twice.
    pub(crate) async fn shutdown(self: &Arc<Self>) {
        self.draining.store(true, Ordering::SeqCst);
        if let Some(b) = &self.batcher {
            b.begin_drain();
        }
        lock(&self.tx).take();
        self.space.close();
        let Some(workers) = lock(&self.workers).take() else {
            return;
        };
        let mut guard = AbortOnDrop {
            handles: workers.iter().map(JoinHandle::abort_handle).collect(),
            batcher: self.batcher.clone(),
        };
        if workers.is_empty() {
            // Never started: drain here so nothing queued is lost.
            match &self.batcher {
                Some(b) => self.clone().feed(b.clone()).await,
                None => self.clone().work().await,
            }
        }
        for w in workers {
            if let Err(e) = w.await {
                tracing::error!(exporter = %self.telemetry().exporter, error = %e, "sending queue consumer failed");
            }
        }
        if let Some(b) = &self.batcher {
            // Pending batches are sent now, not after their flush_timeout.
            b.drain().await;
        }
        guard.disarm();
        self.update_gauges();
    }
}

fn stopped() -> ConsumeError {
    ConsumeError::retryable("the sending queue is stopped: the exporter is shutting down")
}

/// The sending queue of an exporter: in memory, or persistent in a storage
/// extension (`sending_queue::storage`).
pub(crate) enum SendingQueue<T: Payload> {
    /// The in-memory queue.
    Memory(Arc<Queue<T>>),
    /// The persistent queue.
    Persistent(Arc<crate::persistent::PersistentQueue<T>>),
}

impl<T: Payload> SendingQueue<T> {
    /// The queue `cfg` asks for, for the exporter `exporter`.
    pub(crate) fn new(
        cfg: QueueConfig,
        exporter: &otelcol_component::ComponentId,
        delivery: Arc<Delivery<T>>,
    ) -> Self {
        match cfg.storage.clone() {
            Some(storage) => SendingQueue::Persistent(crate::persistent::PersistentQueue::new(
                cfg,
                storage,
                exporter.clone(),
                delivery,
            )),
            None => SendingQueue::Memory(Queue::new(cfg, delivery)),
        }
    }

    /// See [`Queue::offer`] and `PersistentQueue::offer`.
    pub(crate) async fn offer(&self, data: T) -> Result<(), ConsumeError> {
        match self {
            SendingQueue::Memory(q) => q.offer(data).await,
            SendingQueue::Persistent(q) => q.offer(data).await,
        }
    }

    /// Starts the consumers; the persistent queue first opens its storage
    /// through `host` and loads what an earlier run left.
    pub(crate) async fn start(
        &self,
        host: &Arc<dyn otelcol_component::Host>,
    ) -> Result<(), otelcol_component::ComponentError> {
        match self {
            SendingQueue::Memory(q) => {
                q.start();
                Ok(())
            }
            SendingQueue::Persistent(q) => q.start(host).await,
        }
    }

    /// Stops: the in-memory queue drains, the persistent queue keeps what is
    /// unsent in storage.
    pub(crate) async fn shutdown(&self) {
        match self {
            SendingQueue::Memory(q) => q.shutdown().await,
            SendingQueue::Persistent(q) => q.shutdown().await,
        }
    }
}
