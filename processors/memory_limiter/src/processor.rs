//! The processor: one instance per pipeline, all sharing the id's limiter.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use metrics::Counter;
use otelcol_component::{
    Capabilities, Component, ComponentError, ConsumeError, Consumer, Host, Payload, SharedConsumer,
    async_trait,
};

use crate::limiter::MemoryLimiter;

/// Passes payloads on while memory usage is below the soft limit and refuses
/// them with a retryable error (Go's `data refused due to high memory usage`)
/// while it is above, counting both in
/// `otelcol_processor_memory_limiter_{accepted,refused}_<items>{processor}`.
pub struct MemoryLimiterProcessor<T: Payload> {
    limiter: Arc<MemoryLimiter>,
    next: SharedConsumer<T>,
    accepted: Counter,
    refused: Counter,
    started: AtomicBool,
}

impl<T: Payload> std::fmt::Debug for MemoryLimiterProcessor<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryLimiterProcessor")
            .field("signal", &T::SIGNAL)
            .field("limiter", &self.limiter.id())
            .finish()
    }
}

impl<T: Payload> MemoryLimiterProcessor<T> {
    /// A processor in front of `next`, deciding with `limiter`.
    /// Its self-metrics go to the global `metrics` recorder; see
    /// [`MemoryLimiterProcessor::new_with_meter`].
    pub fn new(limiter: Arc<MemoryLimiter>, next: SharedConsumer<T>) -> Self {
        Self::new_with_meter(limiter, next, &otelcol_component::Meter::default())
    }

    /// A processor in front of `next`, deciding with `limiter`, counting
    /// into `meter` (`Settings::telemetry.meter`).
    pub fn new_with_meter(
        limiter: Arc<MemoryLimiter>,
        next: SharedConsumer<T>,
        meter: &otelcol_component::Meter,
    ) -> Self {
        let item = T::SIGNAL.item_name();
        let labels = [("processor", limiter.id().to_string())];
        MemoryLimiterProcessor {
            accepted: meter.counter(
                format!("otelcol_processor_memory_limiter_accepted_{item}"),
                &labels,
            ),
            refused: meter.counter(
                format!("otelcol_processor_memory_limiter_refused_{item}"),
                &labels,
            ),
            limiter,
            next,
            started: AtomicBool::new(false),
        }
    }

    /// The limiter, shared with every other pipeline's instance of this id.
    pub fn limiter(&self) -> &Arc<MemoryLimiter> {
        &self.limiter
    }
}

#[async_trait]
impl<T: Payload> Consumer<T> for MemoryLimiterProcessor<T> {
    async fn consume(&self, data: T) -> Result<(), ConsumeError> {
        let items = data.item_count() as u64;
        if self.limiter.must_refuse() {
            self.refused.increment(items);
            return Err(self.limiter.refusal());
        }
        // As in Go: accepted here even if the next consumer fails.
        self.accepted.increment(items);
        self.next.consume(data).await
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities { mutates_data: false }
    }
}

#[async_trait]
impl<T: Payload> Component for MemoryLimiterProcessor<T> {
    async fn start(&self, host: Arc<dyn Host>) -> Result<(), ComponentError> {
        if self.started.swap(true, Ordering::AcqRel) {
            return Err(ComponentError::new("memory_limiter processor already started"));
        }
        self.limiter
            .start(host)
            .inspect_err(|_| self.started.store(false, Ordering::Release))
    }

    async fn shutdown(&self) -> Result<(), ComponentError> {
        if self.started.swap(false, Ordering::AcqRel) {
            self.limiter.stop().await;
        }
        Ok(())
    }
}
