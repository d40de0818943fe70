//! The persistent queue's consumers and shutdown.

use std::sync::Arc;

use otelcol_component::{ConsumeError, Payload, StorageOp};
use tokio::task::JoinHandle;

use super::{HEADER, PersistentQueue, Slot, VERSION, lock, signal_tag};
use crate::batcher::{Batcher, Done, DoneFuture};

/// A stored request handed to the batcher: deleted from the store once the
/// batch holding it was sent or given up on. Dropped without that (the
/// queue stopped), it stays stored and is sent after the next start.
struct StoredDone<T: Payload> {
    queue: Arc<PersistentQueue<T>>,
    slot: Slot,
}

impl<T: Payload> Done for StoredDone<T> {
    fn complete(self: Box<Self>, _result: Result<(), ConsumeError>) -> DoneFuture {
        Box::pin(async move { self.queue.ack(self.slot).await })
    }
}

/// Aborts the consumers if shutdown is itself cut short; what they held
/// stays in the store.
struct AbortOnDrop(Vec<tokio::task::AbortHandle>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        for h in &self.0 {
            h.abort();
        }
    }
}

/// Completes once the queue is stopping.
async fn stopping(stop: &mut tokio::sync::watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

impl<T: Payload> PersistentQueue<T> {
    /// Takes the next request and records that it was handed out (`di`)
    /// before anything is sent. `None` once the queue is stopping.
    async fn take(&self) -> Option<Slot> {
        let mut stop = self.stop.subscribe();
        let mut rx = tokio::select! {
            rx = self.rx.lock() => rx,
            () = stopping(&mut stop) => return None,
        };
        let slot = tokio::select! {
            s = rx.recv() => s?,
            () = stopping(&mut stop) => return None,
        };
        let client = self.client.get()?;
        let di = {
            let mut st = lock(&self.state);
            st.dispatched = st.dispatched.max(slot.idx + 1);
            st.dispatched
        };
        if let Err(e) = client.set("di", di.to_le_bytes().to_vec()).await {
            // Only the duplicate count after a restart is affected.
            tracing::warn!(exporter = %self.telemetry().exporter, error = %e, "persistent queue: cannot record dispatch");
        }
        Some(slot)
    }

    /// Reads a stored request back; `None` if it is missing or unreadable.
    async fn load(&self, idx: u64) -> Option<T> {
        let client = self.client.get()?;
        let value = match client.get(&idx.to_string()).await {
            Ok(Some(v)) => v,
            Ok(None) => return None,
            Err(e) => {
                tracing::error!(exporter = %self.telemetry().exporter, error = %e, idx, "persistent queue: cannot read a stored request");
                return None;
            }
        };
        let ok = value.first() == Some(&VERSION) && value.get(1) == Some(&signal_tag(T::SIGNAL));
        match value.get(HEADER..).filter(|_| ok).map(T::decode) {
            Some(Ok(data)) => Some(data),
            _ => {
                let reason = "persistent queue: a stored request could not be decoded";
                self.telemetry().send_failed(0, reason);
                None
            }
        }
    }

    /// Deletes a request that was sent or given up on, and moves `ri`.
    async fn ack(&self, slot: Slot) {
        let Some(client) = self.client.get() else { return };
        let ri = {
            let st = lock(&self.state);
            st.unacked
                .keys()
                .find(|k| **k != slot.idx)
                .copied()
                .unwrap_or(st.next_write)
        };
        let ops = vec![
            StorageOp::Delete(slot.idx.to_string()),
            StorageOp::Set("ri".into(), ri.to_le_bytes().to_vec()),
        ];
        match client.batch(ops).await {
            Ok(()) => {
                lock(&self.state).unacked.remove(&slot.idx);
            }
            // It stays in the store (and below `ri`): resent after a restart.
            Err(e) => {
                tracing::error!(exporter = %self.telemetry().exporter, error = %e, "persistent queue: cannot delete a sent request")
            }
        }
        self.release(slot.size);
    }

    /// A consumer: sends stored requests until the queue stops. A send cut
    /// short by the stop leaves its request in the store.
    pub(super) async fn work(self: Arc<Self>) {
        let mut stop = self.stop.subscribe();
        while let Some(slot) = self.take().await {
            let Some(data) = self.load(slot.idx).await else {
                self.ack(slot).await;
                continue;
            };
            tokio::select! {
                _ = self.delivery.deliver(data) => self.ack(slot).await,
                () = stopping(&mut stop) => return,
            }
        }
    }

    /// The consumer with batching: hands stored requests to the batcher.
    /// Stops at once when the queue stops; what it held stays stored.
    pub(super) async fn feed(self: Arc<Self>, batcher: Arc<Batcher<T>>) {
        let mut stop = self.stop.subscribe();
        while let Some(slot) = self.take().await {
            let Some(data) = self.load(slot.idx).await else {
                self.ack(slot).await;
                continue;
            };
            let done = StoredDone {
                queue: self.clone(),
                slot,
            };
            tokio::select! {
                () = batcher.add(data, Box::new(done)) => {}
                () = stopping(&mut stop) => return,
            }
        }
    }

    /// Stops: blocked producers fail, consumers stop (in-flight sends are
    /// abandoned, their requests stay stored; with `batch`, pending and
    /// in-flight batches likewise), the store is closed. Nothing is deleted.
    /// Safe without start, and twice.
    pub(crate) async fn shutdown(&self) {
        lock(&self.state).stopped = true;
        self.space.notify_waiters();
        self.stop.send_replace(true);
        let workers: Vec<JoinHandle<()>> = std::mem::take(&mut *lock(&self.workers));
        let mut guard = AbortOnDrop(workers.iter().map(JoinHandle::abort_handle).collect());
        for w in workers {
            if let Err(e) = w.await {
                tracing::error!(exporter = %self.telemetry().exporter, error = %e, "persistent queue consumer failed");
            }
        }
        guard.0.clear();
        if let Some(b) = &self.batcher {
            b.abort_and_wait().await;
        }
        // Wait for a write in progress, so it is not cut by the close.
        let _order = self.write.lock().await;
        if let Some(client) = self.client.get() {
            let kept = lock(&self.state).unacked.len();
            if kept > 0 {
                tracing::info!(
                    exporter = %self.telemetry().exporter,
                    requests = kept,
                    "Persistent queue: unsent data stays in storage and is sent after the next start"
                );
            }
            if let Err(e) = client.close().await {
                tracing::warn!(exporter = %self.telemetry().exporter, error = %e, "persistent queue: closing storage failed");
            }
        }
    }
}
