//! The limiter shared by every pipeline that names one `memory_limiter` id:
//! the periodic measurement, the soft/hard state, and the admission gate
//! receivers ask before they read a request body.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use otelcol_component::{
    Admission, AdmissionPermit, ComponentError, ComponentId, ConsumeError, Host, Kind, StatusEvent,
};
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};

use crate::config::MemoryLimiterConfig;
use crate::error::MemoryError;
use crate::limits::{Level, Limits, MIB};
use crate::memory::MemorySource;
use crate::registry::Registry;

/// A request is admitted only if room for this many times its bytes (at
/// most half the spike headroom) stays free behind it below the soft limit.
pub(crate) const ROOM_FACTOR: u64 = 8;

/// The error message of a refusal (Go's `ErrDataRefused`).
pub const ERR_DATA_REFUSED: &str = "data refused due to high memory usage";

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What admission and consume decide on.
#[derive(Debug, Default)]
struct Accounting {
    /// Counts stops; a permit only gives back bytes it took in the current
    /// generation (a stop forgets everything admitted before it).
    generation: u64,
    /// Memory at the last measurement (see [`MemoryLimiter::check_mem_limits`]):
    /// the heap plus `overhead` with allocator statistics, else the
    /// resident set size.
    measured: u64,
    /// The resident set size at the last measurement, when it was at or
    /// above the hard limit even after the allocator gave back what it
    /// could (0 otherwise): then it is what admission goes by.
    rss_over_hard: u64,
    /// What the process holds besides the heap (code, stacks, the
    /// allocator's metadata): resident set size minus heap at start
    /// (`base_overhead`), raised when, right after free memory was given
    /// back to the OS, RSS is more than half the spike headroom above heap
    /// plus that. 0 without allocator statistics.
    overhead: u64,
    /// The overhead measured at start.
    base_overhead: u64,
    /// Bytes admitted and not allocated yet (the rest of bodies still
    /// arriving, decompression buffers and decodes about to be allocated).
    /// Once allocated, a receiver gives them back and the heap counts them;
    /// a measurement does not clear them (they are not in it yet).
    pending: u64,
    level: Level,
    read_error_logged: bool,
}

#[derive(Debug, Default)]
struct Run {
    /// Started processor instances using this limiter.
    starts: usize,
    task: Option<JoinHandle<()>>,
}

/// The memory limiter behind one `memory_limiter` id.
///
/// A background task measures every `check_interval`: with allocator
/// statistics ([`MemorySource::heap_allocated`]: the `otelcol-rs` binary's
/// counting mimalloc) the heap in use plus the process's overhead beyond it,
/// else the resident set size ([`MemorySource::rss`]). The level (normal,
/// soft, hard) follows that measurement, as Go's does. When RSS reaches the
/// soft limit, or the allocator keeps more than half the spike headroom of
/// freed memory, it first hands that memory back to the OS
/// ([`MemorySource::release_free_memory`]) and measures again.
///
/// [`Admission::admit`] decides on the heap counted *now* (plus overhead)
/// and the bytes admitted but not allocated yet: each byte is counted once,
/// by the permit until it is allocated, by the heap after. It refuses when
/// that plus the new request's bytes, plus room left behind it
/// ([`ROOM_FACTOR`] times its bytes, at most half the spike headroom), would
/// pass the soft limit, and refuses every request while the last
/// measurement is at or above it. The room behind keeps the measured level
/// below the soft limit when large requests fill memory (a stalled
/// exporter's queue, whose retries allocate encoded copies admission never
/// sees), so small requests are still admitted.
#[derive(Debug)]
pub struct MemoryLimiter {
    id: ComponentId,
    limits: Limits,
    check_interval: Duration,
    retry_after: Duration,
    source: Arc<dyn MemorySource>,
    acct: Arc<Mutex<Accounting>>,
    refusing: AtomicBool,
    run: Mutex<Run>,
    /// Hosts this limiter is registered with; they get status reports.
    hosts: Mutex<Vec<Arc<dyn Host>>>,
    registry: Weak<Registry>,
}

impl MemoryLimiter {
    /// A limiter for component `id`; reads the total memory now when `cfg`
    /// uses percentages.
    pub fn new(
        id: ComponentId,
        cfg: &MemoryLimiterConfig,
        source: Arc<dyn MemorySource>,
    ) -> Result<Self, MemoryError> {
        Self::build(id, cfg, source, Weak::new())
    }

    pub(crate) fn build(
        id: ComponentId,
        cfg: &MemoryLimiterConfig,
        source: Arc<dyn MemorySource>,
        registry: Weak<Registry>,
    ) -> Result<Self, MemoryError> {
        let limits = Limits::from_config(cfg, source.as_ref())?;
        tracing::info!(
            processor = %id,
            limit_mib = limits.hard / MIB,
            spike_limit_mib = limits.spike / MIB,
            check_interval = ?cfg.check_interval,
            "Memory limiter configured"
        );
        Ok(MemoryLimiter {
            id,
            limits,
            check_interval: cfg.check_interval,
            retry_after: retry_after(cfg.check_interval),
            source,
            acct: Arc::default(),
            refusing: AtomicBool::new(false),
            run: Mutex::default(),
            hosts: Mutex::default(),
            registry,
        })
    }

    /// The component id this limiter belongs to.
    pub fn id(&self) -> &ComponentId {
        &self.id
    }

    /// The limits in bytes.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The level of the last measurement.
    pub fn level(&self) -> Level {
        lock(&self.acct).level
    }

    /// The usage admission decides on: memory now (see
    /// [`measured_now`](Self::measured_now)) plus the bytes admitted and not
    /// allocated yet.
    pub fn usage(&self) -> u64 {
        let heap = self.source.heap_allocated();
        let a = lock(&self.acct);
        Self::measured_now(&a, heap).saturating_add(a.pending)
    }

    /// Memory now: with allocator statistics the heap counted now plus the
    /// overhead (memory freed since the last measurement counts no more:
    /// the allocator reuses it), or the resident set size when the last
    /// measurement found it at or above the hard limit; without them the
    /// last measured resident set size.
    fn measured_now(a: &Accounting, heap: Option<u64>) -> u64 {
        match heap {
            Some(h) => h.saturating_add(a.overhead).max(a.rss_over_hard),
            None => a.measured,
        }
    }

    /// True while the last measurement is at or above the soft limit: the
    /// processor refuses every payload.
    pub fn must_refuse(&self) -> bool {
        self.refusing.load(Ordering::Acquire)
    }

    /// The error data is refused with: retryable, with a retry-after of
    /// `check_interval` rounded up to whole seconds (at least 1s, since the
    /// HTTP `Retry-After` header counts seconds).
    pub fn refusal(&self) -> ConsumeError {
        ConsumeError::retryable_after(ERR_DATA_REFUSED, self.retry_after)
    }

    /// Measures now (the background task calls this every `check_interval`)
    /// and updates the level. A failed read is logged once and keeps the
    /// previous state.
    pub fn check_mem_limits(&self) {
        match self.measure() {
            Ok(usage) => self.record(usage),
            Err(e) => {
                let mut a = lock(&self.acct);
                if !a.read_error_logged {
                    a.read_error_logged = true;
                    tracing::warn!(processor = %self.id, error = %e, "failed to measure memory usage");
                }
            }
        }
    }

    /// Reads the memory numbers (see [`MemoryLimiter`]); gives memory the
    /// allocator keeps back to the OS first when RSS reached the soft limit
    /// or much is kept free.
    fn measure(&self) -> Result<u64, MemoryError> {
        let rss = self.source.rss()?;
        let Some(heap) = self.source.heap_allocated() else {
            return Ok(rss);
        };
        let (overhead, base) = {
            let a = lock(&self.acct);
            (a.overhead, a.base_overhead)
        };
        let slack = self.limits.spike / 2;
        // The overhead never stays above what is resident beyond the heap
        // now (less the slack): it falls with RSS.
        let beyond = rss.saturating_sub(heap).saturating_sub(slack);
        let overhead = overhead.min(base.max(beyond));
        let kept = rss.saturating_sub(heap.saturating_add(overhead));
        let (rss, heap, overhead) = if rss >= self.limits.soft() || kept > slack {
            self.source.release_free_memory();
            let after = self.source.rss()?;
            let heap = self.source.heap_allocated().unwrap_or(heap);
            tracing::debug!(
                processor = %self.id,
                rss_before_mib = rss / MIB, rss_after_mib = after / MIB, heap_mib = heap / MIB,
                "Returned free memory to the OS."
            );
            // What stays resident beyond the heap after a release is the
            // process's own (code, stacks, metadata) or pages the allocator
            // could not give back yet, which it reuses for the next
            // allocations: counted only past half the spike headroom, so
            // RSS noise at the soft limit does not refuse by itself.
            let overhead = base.max(after.saturating_sub(heap).saturating_sub(slack));
            (after, heap, overhead)
        } else {
            (rss, heap, overhead)
        };
        let mut a = lock(&self.acct);
        a.overhead = overhead;
        a.rss_over_hard = if rss >= self.limits.hard { rss } else { 0 };
        Ok(heap.saturating_add(overhead).max(a.rss_over_hard))
    }

    fn record(&self, measured: u64) {
        let level = self.limits.level(measured);
        let prev = {
            let mut a = lock(&self.acct);
            a.measured = measured;
            a.read_error_logged = false;
            std::mem::replace(&mut a.level, level)
        };
        self.refusing.store(level != Level::Normal, Ordering::Release);
        let cur_mem_mib = measured / MIB;
        tracing::debug!(processor = %self.id, cur_mem_mib, "Currently used memory.");
        if prev == level {
            return;
        }
        match level {
            Level::Normal => tracing::warn!(
                processor = %self.id, cur_mem_mib,
                "Memory usage back within limits. Resuming normal operation."
            ),
            Level::Soft if prev == Level::Normal => tracing::warn!(
                processor = %self.id, cur_mem_mib,
                "Memory usage is above soft limit. Refusing data."
            ),
            Level::Soft => tracing::info!(
                processor = %self.id, cur_mem_mib,
                "Memory usage is back below hard limit, still above soft limit. Refusing data."
            ),
            Level::Hard => tracing::warn!(
                processor = %self.id, cur_mem_mib,
                "Memory usage is above hard limit. Refusing data."
            ),
        }
        if (prev == Level::Normal) != (level == Level::Normal) {
            let event = match level {
                Level::Normal => StatusEvent::Ok,
                _ => StatusEvent::RecoverableError(ERR_DATA_REFUSED.to_string()),
            };
            let hosts = lock(&self.hosts).clone();
            for h in hosts {
                h.report_status(&self.id, Kind::Processor, event.clone());
            }
        }
    }

    /// Starts measuring (on the first start of any instance sharing this
    /// limiter) and registers the admission gate with `host` (once per host).
    ///
    /// Fails when the process's memory cannot be read at all (no `/proc`).
    pub fn start(self: &Arc<Self>, host: Arc<dyn Host>) -> Result<(), ComponentError> {
        let mut run = lock(&self.run);
        if run.starts == 0 {
            let rss = self.source.rss().map_err(|e| {
                ComponentError::with_source("memory_limiter cannot measure the process's memory", e)
            })?;
            let mut measured = rss;
            if let Some(heap) = self.source.heap_allocated() {
                let overhead = rss.saturating_sub(heap);
                let mut a = lock(&self.acct);
                a.overhead = overhead;
                a.base_overhead = overhead;
                drop(a);
                measured = heap.saturating_add(overhead);
                tracing::info!(
                    processor = %self.id,
                    heap_mib = heap / MIB,
                    rss_mib = rss / MIB,
                    "Memory limiter measures the heap (allocator statistics) and the resident set size"
                );
            }
            self.record(measured);
            let weak = Arc::downgrade(self);
            let period = self.check_interval;
            run.task = Some(tokio::spawn(async move {
                let mut ticker = tokio::time::interval_at(Instant::now() + period, period);
                ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
                loop {
                    ticker.tick().await;
                    let Some(limiter) = weak.upgrade() else { break };
                    limiter.check_mem_limits();
                }
            }));
        }
        run.starts += 1;
        let mut hosts = lock(&self.hosts);
        if !hosts
            .iter()
            .any(|h| std::ptr::addr_eq(Arc::as_ptr(h), Arc::as_ptr(&host)))
        {
            host.register_admission(self.clone());
            hosts.push(host);
        }
        Ok(())
    }

    /// Undoes one [`start`](Self::start); the last one stops measuring,
    /// resets the state (a stopped limiter refuses nothing) and frees the id
    /// for a new limiter. Without a matching start it does nothing.
    pub async fn stop(&self) {
        let task = {
            let mut run = lock(&self.run);
            if run.starts == 0 {
                return;
            }
            run.starts -= 1;
            if run.starts > 0 {
                return;
            }
            run.task.take()
        };
        lock(&self.hosts).clear();
        if let Some(task) = task {
            task.abort();
            let _ = task.await;
        }
        {
            let mut a = lock(&self.acct);
            let generation = a.generation.wrapping_add(1);
            *a = Accounting {
                generation,
                overhead: a.overhead,
                base_overhead: a.base_overhead,
                ..Accounting::default()
            };
        }
        self.refusing.store(false, Ordering::Release);
        if let Some(registry) = self.registry.upgrade() {
            registry.remove(self);
        }
    }
}

/// `check_interval` rounded up to whole seconds, at least one.
fn retry_after(check_interval: Duration) -> Duration {
    let secs = check_interval.as_secs() + u64::from(check_interval.subsec_nanos() > 0);
    Duration::from_secs(secs.max(1))
}

impl Admission for MemoryLimiter {
    fn admit(&self, bytes: u64) -> Result<AdmissionPermit, ConsumeError> {
        let heap = self.source.heap_allocated();
        let generation = {
            let mut a = lock(&self.acct);
            let usage = Self::measured_now(&a, heap).saturating_add(a.pending);
            // A request leaves room behind it: 8 times its size, at most
            // half the spike headroom. What admission does not see (an
            // exporter's encoded copies and retries, connection buffers)
            // grows into that room without taking the measured level over
            // the soft limit; near it, large requests are refused while
            // small ones still pass.
            let behind = bytes.saturating_mul(ROOM_FACTOR).min(self.limits.spike / 2);
            let wanted = usage.saturating_add(bytes).saturating_add(behind);
            if a.level != Level::Normal || wanted > self.limits.soft() {
                drop(a);
                tracing::debug!(processor = %self.id, bytes, "request refused before allocating: memory usage is high");
                return Err(self.refusal());
            }
            a.pending = a.pending.saturating_add(bytes);
            a.generation
        };
        if bytes == 0 {
            return Ok(AdmissionPermit::empty());
        }
        let acct = self.acct.clone();
        Ok(AdmissionPermit::with_parts(bytes, move |n| {
            let mut a = lock(&acct);
            if a.generation == generation {
                a.pending = a.pending.saturating_sub(n);
            }
        }))
    }
}

#[cfg(test)]
#[path = "limiter_tests.rs"]
mod tests;
