//! The batch processor: routes payloads to batchers and waits for their export.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use otelcol_component::{
    Capabilities, Component, ComponentError, ConsumeError, Consumer, MetadataPartition, PartitionKey,
    Payload, RequestContext, Settings, SharedConsumer, async_trait,
};
use tokio::sync::{Semaphore, oneshot};
use tokio::task::JoinHandle;

use crate::batcher::{self, BatcherHandle, BatcherSettings, Entry, Ticket};
use crate::config::BatchConfig;
use crate::error::BatchError;
use crate::telemetry::Telemetry;

/// The values of the configured metadata keys, in key order; empty when no
/// `metadata_keys` are configured (one batcher).
type BatcherKey = PartitionKey;

/// Groups payloads of one signal into batches for `next`.
///
/// `consume` returns once the export carrying the payload's items has
/// finished, with that export's result (combined over the parts if the
/// payload was split), so back-pressure and downstream errors reach the
/// sender. See the crate documentation for the full behaviour.
pub struct BatchProcessor<T: Payload> {
    next: SharedConsumer<T>,
    settings: BatcherSettings,
    /// `metadata_keys`: one batcher per distinct combination of values.
    partition: MetadataPartition,
    /// 0 = no limit.
    cardinality_limit: usize,
    /// `wait_for_export`: answer callers after the export, not when buffered.
    wait_for_export: bool,
    telemetry: Telemetry,
    state: Mutex<State<T>>,
    /// Serializes `shutdown` so that a second call waits for the first.
    shutdown_lock: tokio::sync::Mutex<()>,
}

struct State<T> {
    closed: bool,
    batchers: HashMap<BatcherKey, Arc<BatcherHandle<T>>>,
    tasks: Vec<JoinHandle<()>>,
}

impl<T: Payload> fmt::Debug for BatchProcessor<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.lock();
        f.debug_struct("BatchProcessor")
            .field("signal", &T::SIGNAL)
            .field("settings", &self.settings)
            .field("metadata_keys", &self.partition.keys())
            .field("batchers", &st.batchers.len())
            .field("closed", &st.closed)
            .finish()
    }
}

impl<T: Payload> BatchProcessor<T> {
    /// A processor for `cfg` feeding `next`. Batcher tasks are spawned on the
    /// current tokio runtime when the first payload for them arrives.
    pub fn new(set: &Settings, cfg: &BatchConfig, next: SharedConsumer<T>) -> Self {
        let settings = BatcherSettings {
            send_batch_size: cfg.send_batch_size as usize,
            max_size: cfg.send_batch_max_size as usize,
            timeout: cfg.timeout,
            immediate: cfg.sends_immediately(),
            when_idle: cfg.send_when_idle,
            capacity: cfg.batcher_capacity().min(Semaphore::MAX_PERMITS),
        };
        BatchProcessor {
            next,
            settings,
            partition: MetadataPartition::new(&cfg.metadata_keys),
            cardinality_limit: cfg.metadata_cardinality_limit as usize,
            wait_for_export: cfg.wait_for_export,
            telemetry: Telemetry::new(
                set.id.to_string(),
                set.telemetry.detailed_metrics,
                set.telemetry.meter.clone(),
            ),
            state: Mutex::new(State {
                closed: false,
                batchers: HashMap::new(),
                tasks: Vec::new(),
            }),
            shutdown_lock: tokio::sync::Mutex::new(()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The batcher for `ctx`'s metadata values, created on first use.
    fn batcher_for(&self, ctx: &RequestContext) -> Result<Arc<BatcherHandle<T>>, BatchError> {
        let key = self.partition.key_for(ctx);
        let mut st = self.lock();
        if st.closed {
            return Err(BatchError::ShuttingDown);
        }
        if let Some(h) = st.batchers.get(&key) {
            return Ok(h.clone());
        }
        if !self.partition.is_empty()
            && self.cardinality_limit != 0
            && st.batchers.len() >= self.cardinality_limit
        {
            return Err(BatchError::TooManyBatchers);
        }
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| BatchError::NoRuntime)?;
        let (handle, task) = batcher::spawn(
            &runtime,
            &self.settings,
            self.partition.context_for(&key),
            self.next.clone(),
            self.telemetry.clone(),
        );
        st.batchers.insert(key, handle.clone());
        st.tasks.push(task);
        self.telemetry.batchers_changed(1.0);
        Ok(handle)
    }

    /// Number of batchers (distinct metadata-value combinations) so far.
    pub fn batcher_count(&self) -> usize {
        self.lock().batchers.len()
    }

    /// Free item permits of the batcher for `ctx`, if it exists (tests).
    #[cfg(test)]
    pub(crate) fn room(&self, ctx: &RequestContext) -> Option<usize> {
        let key = self.partition.key_for(ctx);
        self.lock().batchers.get(&key).map(|h| h.room.available_permits())
    }
}

#[async_trait]
impl<T: Payload> Consumer<T> for BatchProcessor<T> {
    async fn consume(&self, data: T) -> Result<(), ConsumeError> {
        let items = data.item_count();
        if items == 0 {
            // Nothing to batch; Go drops empty payloads too.
            return Ok(());
        }
        let handle = self.batcher_for(data.context())?;
        let permits = u32::try_from(items.min(self.settings.capacity)).unwrap_or(u32::MAX);
        // Waits (in FIFO order) until the batcher has room; fails once shutdown closed it.
        let permit = handle
            .room
            .clone()
            .acquire_many_owned(permits)
            .await
            .map_err(|_| BatchError::ShuttingDown)?;
        let (reply, result) = oneshot::channel();
        let ticket = Arc::new(Ticket::new(items, reply, permit));
        let sent = handle.tx.send(Entry {
            payload: data,
            items,
            ticket,
        });
        // Holding the sender while waiting would keep the batcher from
        // seeing shutdown.
        drop(handle);
        if sent.is_err() {
            return Err(BatchError::Stopped.into());
        }
        if !self.wait_for_export {
            // Go's behaviour: answered once buffered; the ticket logs a failed export.
            return Ok(());
        }
        result.await.unwrap_or_else(|_| Err(BatchError::Stopped.into()))
    }

    fn capabilities(&self) -> Capabilities {
        // New payloads are built with merge/split, which copy shared data on write.
        Capabilities { mutates_data: false }
    }
}

#[async_trait]
impl<T: Payload> Component for BatchProcessor<T> {
    /// Refuses new payloads (retryable error), flushes everything pending,
    /// waits for the exports, then returns. Safe without start and twice.
    async fn shutdown(&self) -> Result<(), ComponentError> {
        let _serial = self.shutdown_lock.lock().await;
        let (handles, tasks) = {
            let mut st = self.lock();
            st.closed = true;
            let handles: Vec<_> = st.batchers.drain().map(|(_, h)| h).collect();
            (handles, std::mem::take(&mut st.tasks))
        };
        for h in &handles {
            // Callers still waiting for room get "shutting down".
            h.room.close();
        }
        // Dropping the last senders lets each batcher flush and stop.
        drop(handles);
        let count = tasks.len();
        let mut failed = 0usize;
        for task in tasks {
            if let Err(e) = task.await {
                tracing::error!(error = %e, "batcher task failed");
                failed += 1;
            }
        }
        if count > 0 {
            self.telemetry.batchers_changed(-(count as f64));
        }
        if failed > 0 {
            return Err(ComponentError::new(format!("{failed} batcher task(s) failed")));
        }
        Ok(())
    }
}
