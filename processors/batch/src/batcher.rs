//! One batcher: a tokio task that owns a pending batch and exports it.
//!
//! Callers hand it [`Entry`]s through an unbounded channel; the number of
//! entries in flight is bounded by the [`Semaphore`] of item permits each
//! entry's [`Ticket`] holds until all of its items have been exported. The
//! task exports inline, one export at a time, so ordering is kept and the
//! channel simply fills while an export is in flight.
//!
//! Two ways to decide when to send:
//! - **when idle** (`send_when_idle: true`, the default; group commit): the
//!   moment the batcher has items and no export in flight, it lets the
//!   payloads that are arriving at the same moment join (one turn of the
//!   scheduler), then sends everything pending. What arrives during an
//!   export forms the next batch, sent as soon as that export returns. No
//!   item ever waits for a timer, and batches grow with the load.
//! - **by size or timeout** (`send_when_idle: false`, Go's rule): a batch is
//!   sent when it holds `send_batch_size` items or `timeout` after its first
//!   item arrived.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use otelcol_component::{ConsumeError, Payload, RequestContext, SharedConsumer};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::error::{BatchError, combine_parts};
use crate::telemetry::{Telemetry, Trigger};

/// The result a caller of `consume` waits for.
pub(crate) type Reply = Result<(), ConsumeError>;

/// Tracks one consumed payload until every one of its items was exported.
///
/// Shared by the pending entries and exports that carry parts of the
/// payload; when the last holder drops it, the combined result goes to the
/// caller and the item permits go back to the batcher. A ticket dropped
/// before all items were exported answers [`BatchError::Stopped`].
#[derive(Debug)]
pub(crate) struct Ticket {
    state: Mutex<TicketState>,
}

#[derive(Debug)]
struct TicketState {
    total: usize,
    exported: usize,
    errors: Vec<ConsumeError>,
    reply: Option<oneshot::Sender<Reply>>,
    permit: Option<OwnedSemaphorePermit>,
}

impl Ticket {
    pub(crate) fn new(total: usize, reply: oneshot::Sender<Reply>, permit: OwnedSemaphorePermit) -> Self {
        Ticket {
            state: Mutex::new(TicketState {
                total,
                exported: 0,
                errors: Vec::new(),
                reply: Some(reply),
                permit: Some(permit),
            }),
        }
    }

    /// Records the outcome of an export that carried `items` of this payload.
    fn record(&self, items: usize, result: &Reply) {
        let mut st = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        st.exported += items;
        if let Err(e) = result {
            // A partial rejection of a merged batch cannot be attributed to
            // one payload; at most all of this payload's items were rejected.
            let e = match e.rejected_items() {
                Some(rejected) if rejected as usize > items => {
                    ConsumeError::partially_rejected(items as u64, e.message())
                }
                _ => e.clone(),
            };
            st.errors.push(e);
        }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let st = self.state.get_mut().unwrap_or_else(PoisonError::into_inner);
        // Give the room back before answering, so a caller that immediately
        // consumes again finds it.
        drop(st.permit.take());
        let reply = if st.exported < st.total {
            Err(BatchError::Stopped.into())
        } else {
            combine_parts(std::mem::take(&mut st.errors))
        };
        if let Some(tx) = st.reply.take()
            // Nobody waits (the default, answer-when-buffered mode, or a
            // caller that went away): a failure is logged here instead.
            && let Err(Err(e)) = tx.send(reply)
        {
            tracing::warn!(error = %e, items = st.total, "Sender failed");
        }
    }
}

/// A payload (or a part of one) waiting in a batcher.
#[derive(Debug)]
pub(crate) struct Entry<T> {
    pub(crate) payload: T,
    pub(crate) items: usize,
    pub(crate) ticket: Arc<Ticket>,
}

/// What `consume` uses to reach a batcher.
#[derive(Debug)]
pub(crate) struct BatcherHandle<T> {
    pub(crate) tx: mpsc::UnboundedSender<Entry<T>>,
    /// Item permits: the room left in this batcher.
    pub(crate) room: Arc<Semaphore>,
}

/// Sizes and timing shared by all batchers of a processor.
#[derive(Clone, Debug)]
pub(crate) struct BatcherSettings {
    pub(crate) send_batch_size: usize,
    /// 0 = no cap.
    pub(crate) max_size: usize,
    pub(crate) timeout: Duration,
    pub(crate) immediate: bool,
    /// Group commit: send whenever no export is in flight (`send_when_idle`).
    pub(crate) when_idle: bool,
    /// Item permits per batcher (see `BatchConfig::batcher_capacity`).
    pub(crate) capacity: usize,
}

/// Starts a batcher task on `runtime` feeding `next`; every export carries `ctx`.
pub(crate) fn spawn<T: Payload>(
    runtime: &tokio::runtime::Handle,
    settings: &BatcherSettings,
    ctx: RequestContext,
    next: SharedConsumer<T>,
    telemetry: Telemetry,
) -> (Arc<BatcherHandle<T>>, JoinHandle<()>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let handle = Arc::new(BatcherHandle {
        tx,
        room: Arc::new(Semaphore::new(settings.capacity)),
    });
    let batcher = Batcher {
        rx,
        next,
        ctx,
        settings: settings.clone(),
        telemetry,
        pending: VecDeque::new(),
        pending_items: 0,
        batch_started: None,
    };
    (handle, runtime.spawn(batcher.run()))
}

struct Batcher<T: Payload> {
    rx: mpsc::UnboundedReceiver<Entry<T>>,
    next: SharedConsumer<T>,
    /// The context of every export: the batcher's metadata values only.
    ctx: RequestContext,
    settings: BatcherSettings,
    telemetry: Telemetry,
    pending: VecDeque<Entry<T>>,
    pending_items: usize,
    /// When the first item of the current batch was added.
    batch_started: Option<Instant>,
}

/// Most parts an entry is cut into to fill the rest of a chunk.
const MAX_FILL_PARTS: usize = 4;

/// Items of a chunk and the tickets they belong to.
type Chunk<T> = (T, Vec<(Arc<Ticket>, usize)>, usize);

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

impl<T: Payload> Batcher<T> {
    /// Runs until every handle is gone (shutdown), then flushes the rest.
    async fn run(self) {
        if self.settings.when_idle && !self.settings.immediate {
            self.run_when_idle().await;
        } else {
            self.run_by_size_or_timeout().await;
        }
    }

    /// Group commit: whenever items are pending and no export is in flight,
    /// send them. Runs until every handle is gone and nothing is pending.
    async fn run_when_idle(mut self) {
        loop {
            if self.pending.is_empty() {
                match self.rx.recv().await {
                    Some(entry) => self.push(entry),
                    None => break,
                }
            }
            self.take_ready();
            if self.pending_items < self.settings.send_batch_size {
                // Payloads that are being received right now join this
                // batch: one turn of the scheduler (the I/O driver included)
                // costs microseconds when the collector is quiet, and under
                // load lets every connection that is ready add its payload,
                // so batches grow with the load instead of with a timer.
                tokio::task::yield_now().await;
                self.take_ready();
            }
            let trigger = if self.pending_items >= self.settings.send_batch_size {
                Trigger::Size
            } else {
                Trigger::Idle
            };
            // One export (at most `send_batch_max_size` items); what arrived
            // meanwhile, and what did not fit, goes out on the next turn.
            self.export_one(trigger).await;
        }
        // The loop ends only when nothing is pending and every handle is
        // gone: everything was sent on the way.
    }

    /// Moves every entry already waiting in the channel to the pending batch.
    fn take_ready(&mut self) {
        while let Ok(entry) = self.rx.try_recv() {
            self.push(entry);
        }
    }

    fn push(&mut self, entry: Entry<T>) {
        self.pending_items += entry.items;
        self.pending.push_back(entry);
    }

    /// Go's rule: send at `send_batch_size` items or `timeout` after the
    /// first item of a batch.
    async fn run_by_size_or_timeout(mut self) {
        loop {
            let deadline = self
                .batch_started
                .and_then(|s| s.checked_add(self.settings.timeout));
            tokio::select! {
                biased;
                () = sleep_until(deadline) => self.flush_all(Trigger::Timeout).await,
                entry = self.rx.recv() => match entry {
                    Some(entry) => self.add(entry).await,
                    None => break,
                },
            }
        }
        // Go counts the shutdown flush as a timeout-triggered send.
        self.flush_all(Trigger::Timeout).await;
    }

    async fn add(&mut self, entry: Entry<T>) {
        if self.pending.is_empty() {
            self.batch_started = Some(Instant::now());
        }
        self.push(entry);
        if self.settings.immediate {
            self.flush_all(Trigger::Size).await;
            return;
        }
        let mut sent = false;
        while self.pending_items >= self.settings.send_batch_size {
            if !self.export_one(Trigger::Size).await {
                break;
            }
            sent = true;
        }
        if sent {
            // What is left starts a new batch.
            self.batch_started = (!self.pending.is_empty()).then(Instant::now);
        }
    }

    async fn flush_all(&mut self, trigger: Trigger) {
        while self.export_one(trigger).await {}
        self.batch_started = None;
    }

    /// Exports one chunk of at most `send_batch_max_size` items from the
    /// front of the pending batch; false when nothing was pending.
    async fn export_one(&mut self, trigger: Trigger) -> bool {
        let Some((batch, tickets, items)) = self.take_chunk() else {
            return false;
        };
        if items == 0 {
            // Only empty resources or scopes: nothing to send (Go drops them too).
            return true;
        }
        // Measuring the encoding costs a walk of a decoded batch; Go records
        // the byte-size histogram only at the `detailed` level too.
        let bytes = self.telemetry.detailed.then(|| batch.encoded_len());
        let result = self.next.consume(batch).await;
        match &result {
            Ok(()) => self.telemetry.record_send(trigger, items, bytes),
            Err(e) => {
                tracing::debug!(error = %e, items, "batch export failed; the error goes back to the senders")
            }
        }
        for (ticket, n) in tickets {
            ticket.record(n, &result);
        }
        true
    }

    /// Takes entries from the front until the chunk is full, splitting the
    /// entry that does not fit and putting its remainder back in front.
    ///
    /// `Payload::split` cuts into equal parts, so cutting a few items off a
    /// large entry would make many tiny parts (each repeating its resource
    /// and scope headers). Entries are therefore first cut into
    /// `send_batch_max_size` pieces, and a piece is cut to fill the chunk
    /// only if that makes at most [`MAX_FILL_PARTS`] parts; otherwise the
    /// chunk (then more than 3/4 full) is sent as it is.
    fn take_chunk(&mut self) -> Option<Chunk<T>> {
        let max = self.settings.max_size;
        let mut batch: Option<T> = None;
        let mut tickets: Vec<(Arc<Ticket>, usize)> = Vec::new();
        let mut taken = 0usize;
        while let Some(mut entry) = self.pending.pop_front() {
            let room = match max {
                0 => usize::MAX,
                max => max.saturating_sub(taken),
            };
            if room == 0 {
                self.pending.push_front(entry);
                break;
            }
            self.pending_items = self.pending_items.saturating_sub(entry.items);
            if entry.items > room {
                if entry.items > max {
                    self.cut(&mut entry, max);
                }
                if entry.items > room {
                    if taken > 0 && entry.items > room.saturating_mul(MAX_FILL_PARTS) {
                        self.pending_items += entry.items;
                        self.pending.push_front(entry);
                        break;
                    }
                    self.cut(&mut entry, room);
                }
            }
            taken += entry.items;
            match tickets.last_mut() {
                Some((t, n)) if Arc::ptr_eq(t, &entry.ticket) => *n += entry.items,
                _ => tickets.push((entry.ticket, entry.items)),
            }
            match batch.as_mut() {
                Some(b) => b.merge(entry.payload),
                None => batch = Some(entry.payload),
            }
        }
        batch.map(|mut b| {
            b.set_context(self.ctx.clone());
            (b, tickets, taken)
        })
    }

    /// Keeps the first `n` items in `entry` and puts the rest, in order, at
    /// the front of the pending batch.
    fn cut(&mut self, entry: &mut Entry<T>, n: usize) {
        let payload = std::mem::take(&mut entry.payload);
        let mut parts = payload.split(n).into_iter();
        let first = parts.next().unwrap_or_default();
        let rest: Vec<T> = parts.collect();
        for part in rest.into_iter().rev() {
            let items = part.item_count();
            self.pending_items += items;
            self.pending.push_front(Entry {
                payload: part,
                items,
                ticket: entry.ticket.clone(),
            });
        }
        entry.items = first.item_count();
        entry.payload = first;
    }
}
