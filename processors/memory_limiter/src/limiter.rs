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

/// How many bytes of memory one byte of request body is charged for.
///
/// A request is held as its body while it is decoded and then as the decoded
/// structures; measured with prost 0.14 and a counting allocator, the decoded
/// form of OTLP protobuf is 2.4× the wire size (logs with 200-byte bodies) to
/// 4.1× (spans with 8 attributes and an event), and up to 8× for spans with no
/// attributes at all. 4 covers typical attribute-carrying data; the spike
/// headroom covers the rest. OTLP/JSON bodies are larger than their decoded
/// form, so for JSON the charge errs on the safe side.
pub const DECODE_FACTOR: u64 = 4;

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
    /// Resident set size at the last measurement.
    rss: u64,
    /// Bytes (times [`DECODE_FACTOR`]) admitted and still held. A
    /// measurement does not clear them: a request whose body is still
    /// arriving is not in the measured RSS yet, so clearing would let each
    /// interval admit another soft limit's worth of slow requests.
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
/// A background task reads [`MemorySource::rss`] every `check_interval`.
/// Usage is that measurement plus what was admitted and is still held.
/// [`Admission::admit`] refuses when usage plus the new request's bytes
/// (times [`DECODE_FACTOR`]) would pass the soft limit, and refuses every
/// request while the last measurement is at or above it.
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

    /// The usage admission decides on: the last measurement plus the bytes
    /// admitted and still held (counted even when they are partly in the
    /// measured RSS already, which errs on the safe side).
    pub fn usage(&self) -> u64 {
        let a = lock(&self.acct);
        a.rss.saturating_add(a.pending)
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
        match self.source.rss() {
            Ok(rss) => self.record(rss),
            Err(e) => {
                let mut a = lock(&self.acct);
                if !a.read_error_logged {
                    a.read_error_logged = true;
                    tracing::warn!(processor = %self.id, error = %e, "failed to measure memory usage");
                }
            }
        }
    }

    fn record(&self, rss: u64) {
        let level = self.limits.level(rss);
        let prev = {
            let mut a = lock(&self.acct);
            a.rss = rss;
            a.read_error_logged = false;
            std::mem::replace(&mut a.level, level)
        };
        self.refusing.store(level != Level::Normal, Ordering::Release);
        let cur_mem_mib = rss / MIB;
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
            self.record(rss);
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
        let charge = bytes.saturating_mul(DECODE_FACTOR);
        let generation = {
            let mut a = lock(&self.acct);
            let usage = a.rss.saturating_add(a.pending);
            if a.level != Level::Normal || usage.saturating_add(charge) > self.limits.soft() {
                drop(a);
                tracing::debug!(processor = %self.id, bytes, "request refused before decoding: memory usage is high");
                return Err(self.refusal());
            }
            a.pending = a.pending.saturating_add(charge);
            a.generation
        };
        if charge == 0 {
            return Ok(AdmissionPermit::empty());
        }
        let acct = self.acct.clone();
        Ok(AdmissionPermit::new(move || {
            let mut a = lock(&acct);
            if a.generation == generation {
                a.pending = a.pending.saturating_sub(charge);
            }
        }))
    }
}

#[cfg(test)]
#[path = "limiter_tests.rs"]
mod tests;
