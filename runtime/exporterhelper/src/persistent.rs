//! The persistent sending queue (`sending_queue::storage: <extension id>`):
//! a write-ahead queue kept in a storage extension's store.
//!
//! - `offer` writes the request to the store and returns `Ok` only once the
//!   write is acknowledged by the store (so a receiver's 200 means it is on
//!   disk under the extension's fsync policy);
//! - consumers read it back, send it with retries, and only then delete it
//!   (an ack); a request that was handed to a consumer is recorded first
//!   (the `di` watermark) so a restart knows which resends may be duplicates;
//! - on shutdown nothing is deleted: in-flight and waiting requests stay in
//!   the store and are sent after the next start (at least once).
//!
//! Keys: `<index>` (decimal) holds a request; `wi` the next index to write;
//! `ri` the lowest index not yet acknowledged; `di` one past the highest
//! index handed to a consumer. A request is `version:u8 signal:u8
//! items:u64le protobuf`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use otelcol_component::{
    ComponentError, ComponentId, ConsumeError, Host, Kind, Payload, Signal, StorageClient, StorageOp,
};
use tokio::sync::{Notify, mpsc, watch};
use tokio::task::JoinHandle;

use crate::batcher::Batcher;
use crate::config::{QueueConfig, Sizer};
use crate::retry::Delivery;
use crate::telemetry::Telemetry;

const VERSION: u8 = 1;
const HEADER: usize = 10;
/// A restart scans `ri..wi`; a wider range than this means the indexes are damaged.
const MAX_SCAN: u64 = 100_000_000;

fn signal_tag(s: Signal) -> u8 {
    match s {
        Signal::Traces => 1,
        Signal::Metrics => 2,
        Signal::Logs => 3,
    }
}

fn lock<X>(m: &Mutex<X>) -> MutexGuard<'_, X> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Name of the counter of items loaded from storage at start.
pub fn recovered_name(signal: Signal) -> String {
    format!("otelcol_exporter_queue_recovered_{}", signal.item_name())
}

/// Name of the counter of recovered items that had already been handed to
/// the exporter before the restart (each may reach the backend twice).
pub fn redelivered_name(signal: Signal) -> String {
    format!("otelcol_exporter_queue_redelivered_{}", signal.item_name())
}

/// A stored request: its index, size in sizer units and item count.
#[derive(Clone, Copy, Debug)]
struct Slot {
    idx: u64,
    size: u64,
}

#[derive(Debug, Default)]
struct State {
    /// Written and not yet acknowledged: index → size.
    unacked: BTreeMap<u64, u64>,
    /// Sum of `unacked` sizes.
    used: u64,
    /// The next index to write.
    next_write: u64,
    /// One past the highest index handed to a consumer.
    dispatched: u64,
    stopped: bool,
}

/// The persistent queue of one exporter and signal.
pub(crate) struct PersistentQueue<T: Payload> {
    cfg: QueueConfig,
    storage_id: ComponentId,
    exporter_id: ComponentId,
    capacity: u64,
    delivery: Arc<Delivery<T>>,
    client: OnceLock<Arc<dyn StorageClient>>,
    state: Mutex<State>,
    /// Serializes writes so that indexes reach the store in order.
    write: tokio::sync::Mutex<()>,
    tx: mpsc::UnboundedSender<Slot>,
    rx: tokio::sync::Mutex<mpsc::UnboundedReceiver<Slot>>,
    space: Notify,
    stop: watch::Sender<bool>,
    workers: Mutex<Vec<JoinHandle<()>>>,
    /// `sending_queue::batch`: one consumer feeds it; a stored request is
    /// deleted once the batch holding it was sent or given up on.
    batcher: Option<Arc<Batcher<T>>>,
}

fn stopped() -> ConsumeError {
    ConsumeError::retryable("the sending queue is stopped: the exporter is shutting down")
}

impl<T: Payload> PersistentQueue<T> {
    pub(crate) fn new(
        cfg: QueueConfig,
        storage_id: ComponentId,
        exporter_id: ComponentId,
        delivery: Arc<Delivery<T>>,
    ) -> Arc<Self> {
        let capacity = u64::try_from(cfg.queue_size.max(1)).unwrap_or(1);
        let (tx, rx) = mpsc::unbounded_channel();
        let batcher = Batcher::for_queue(&cfg, &delivery);
        let q = Arc::new(PersistentQueue {
            cfg,
            storage_id,
            exporter_id,
            capacity,
            delivery,
            client: OnceLock::new(),
            state: Mutex::new(State::default()),
            write: tokio::sync::Mutex::new(()),
            tx,
            rx: tokio::sync::Mutex::new(rx),
            space: Notify::new(),
            stop: watch::channel(false).0,
            workers: Mutex::new(Vec::new()),
            batcher,
        });
        q.update_gauges();
        q
    }

    fn telemetry(&self) -> &Telemetry {
        &self.delivery.telemetry
    }

    fn update_gauges(&self) {
        let used = lock(&self.state).used;
        let as_usize = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        self.telemetry()
            .queue_gauges(as_usize(used), as_usize(self.capacity));
    }

    fn size(&self, items: u64, bytes: usize) -> u64 {
        match self.cfg.sizer {
            Sizer::Requests => 1,
            Sizer::Items => items,
            Sizer::Bytes => bytes as u64,
        }
    }

    fn refuse(&self, items: usize, err: ConsumeError) -> Result<(), ConsumeError> {
        self.telemetry().enqueue_failed(items as u64, err.message());
        Err(err)
    }

    /// Reserves `size` units, waiting with `block_on_overflow`.
    async fn reserve(&self, size: u64) -> Result<(), ConsumeError> {
        loop {
            let notified = self.space.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let mut st = lock(&self.state);
                if st.stopped {
                    return Err(stopped());
                }
                if st.used + size <= self.capacity {
                    st.used += size;
                    return Ok(());
                }
            }
            if !self.cfg.block_on_overflow {
                return Err(ConsumeError::retryable("sending queue is full"));
            }
            notified.await;
        }
    }

    fn release(&self, size: u64) {
        {
            let mut st = lock(&self.state);
            st.used = st.used.saturating_sub(size);
        }
        self.space.notify_waiters();
        self.update_gauges();
    }

    /// Writes `data` to the store; `Ok` means it is stored.
    pub(crate) async fn offer(&self, data: T) -> Result<(), ConsumeError> {
        let items = data.item_count();
        let Some(client) = self.client.get() else {
            return self.refuse(
                items,
                ConsumeError::retryable("the persistent sending queue is not started"),
            );
        };
        let payload = data.encode_to_vec();
        let size = self.size(items as u64, payload.len());
        if size > self.capacity {
            let msg = format!(
                "request of size {size} ({}) is larger than the sending queue capacity {}",
                self.cfg.sizer.as_str(),
                self.capacity
            );
            return self.refuse(items, ConsumeError::permanent(msg));
        }
        if let Err(e) = self.reserve(size).await {
            return self.refuse(items, e);
        }
        let mut value = Vec::with_capacity(HEADER + payload.len());
        value.push(VERSION);
        value.push(signal_tag(T::SIGNAL));
        value.extend_from_slice(&(items as u64).to_le_bytes());
        value.extend_from_slice(&payload);
        let _order = self.write.lock().await;
        let idx = lock(&self.state).next_write;
        let ops = vec![
            StorageOp::Set(idx.to_string(), value),
            StorageOp::Set("wi".into(), (idx + 1).to_le_bytes().to_vec()),
        ];
        if let Err(e) = client.batch(ops).await {
            self.release(size);
            tracing::error!(exporter = %self.telemetry().exporter, error = %e, "persistent queue write failed");
            return self.refuse(
                items,
                ConsumeError::retryable(format!("persistent queue write failed: {e}")),
            );
        }
        {
            let mut st = lock(&self.state);
            st.next_write = idx + 1;
            st.unacked.insert(idx, size);
        }
        // The receiver lives as long as the queue.
        let _ = self.tx.send(Slot { idx, size });
        self.update_gauges();
        Ok(())
    }

    /// Opens the store, loads what an earlier run left, and starts the consumers.
    pub(crate) async fn start(self: &Arc<Self>, host: &Arc<dyn Host>) -> Result<(), ComponentError> {
        if self.client.get().is_some() {
            return Ok(());
        }
        let id = &self.storage_id;
        let ext = host.extension(id).ok_or_else(|| {
            ComponentError::new(format!(
                "sending_queue::storage: storage extension {id} not found (is it listed in service::extensions?)"
            ))
        })?;
        let storage = ext.storage().ok_or_else(|| {
            ComponentError::new(format!(
                "sending_queue::storage: extension {id} is not a storage extension"
            ))
        })?;
        let client = storage
            .client(Kind::Exporter, &self.exporter_id, T::SIGNAL.as_str())
            .await
            .map_err(|e| {
                ComponentError::new(format!("sending_queue::storage: cannot open storage {id}: {e}"))
            })?;
        self.recover(client.as_ref()).await?;
        let _ = self.client.set(client);
        self.update_gauges();
        let mut workers = lock(&self.workers);
        match &self.batcher {
            Some(b) => {
                b.start();
                workers.push(tokio::spawn(self.clone().feed(b.clone())));
            }
            None => {
                let n = usize::try_from(self.cfg.num_consumers.max(1)).unwrap_or(1);
                workers.extend((0..n).map(|_| tokio::spawn(self.clone().work())));
            }
        }
        Ok(())
    }

    async fn recover(&self, client: &dyn StorageClient) -> Result<(), ComponentError> {
        let index = |key: &'static str| async move {
            let v = client
                .get(key)
                .await
                .map_err(|e| ComponentError::new(format!("persistent queue: cannot read `{key}`: {e}")))?;
            Ok::<u64, ComponentError>(
                v.and_then(|b| <[u8; 8]>::try_from(b.as_slice()).ok())
                    .map_or(0, u64::from_le_bytes),
            )
        };
        let (ri, wi, di) = (index("ri").await?, index("wi").await?, index("di").await?);
        if wi.saturating_sub(ri) > MAX_SCAN {
            return Err(ComponentError::new(format!(
                "persistent queue: damaged indexes (ri {ri}, wi {wi}) in storage {}",
                self.storage_id
            )));
        }
        let (mut requests, mut recovered, mut redelivered) = (0u64, 0u64, 0u64);
        for idx in ri..wi {
            let value = client
                .get(&idx.to_string())
                .await
                .map_err(|e| ComponentError::new(format!("persistent queue: cannot read item {idx}: {e}")))?;
            let Some(value) = value else { continue };
            let items = value
                .get(2..HEADER)
                .and_then(|b| <[u8; 8]>::try_from(b).ok())
                .map_or(0, u64::from_le_bytes);
            let size = self.size(items, value.len().saturating_sub(HEADER));
            let mut st = lock(&self.state);
            st.unacked.insert(idx, size);
            st.used += size;
            drop(st);
            let _ = self.tx.send(Slot { idx, size });
            requests += 1;
            recovered += items;
            if idx < di {
                redelivered += items;
            }
        }
        {
            let mut st = lock(&self.state);
            st.next_write = wi;
            st.dispatched = di;
        }
        let labels = [("exporter", self.telemetry().exporter.clone())];
        self.telemetry()
            .meter
            .counter(recovered_name(T::SIGNAL), &labels)
            .increment(recovered);
        self.telemetry()
            .meter
            .counter(redelivered_name(T::SIGNAL), &labels)
            .increment(redelivered);
        if requests > 0 {
            tracing::info!(
                exporter = %self.telemetry().exporter,
                requests,
                items = recovered,
                possibly_duplicate_items = redelivered,
                "Persistent queue: resending data stored by an earlier run"
            );
        }
        Ok(())
    }
}

#[path = "persistent_work.rs"]
mod work;
