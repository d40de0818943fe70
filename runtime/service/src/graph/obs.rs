//! Edge counters the runtime puts around every processor (Go's
//! `otelcol_processor_incoming_items` / `outgoing_items`).

use std::fmt;

use metrics::Counter;
use otelcol_component::{
    Capabilities, ComponentId, ConsumeError, Consumer, Meter, Payload, SharedConsumer, async_trait,
};

/// Counts the items passing an edge, then forwards.
pub struct Counted<T: Payload> {
    inner: SharedConsumer<T>,
    items: Counter,
    name: &'static str,
}

impl<T: Payload> fmt::Debug for Counted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Counted")
            .field("metric", &self.name)
            .field("inner", &self.inner)
            .finish()
    }
}

impl<T: Payload> Counted<T> {
    /// Counts into `otelcol_processor_incoming_items` for `processor`.
    pub fn incoming(processor: &ComponentId, inner: SharedConsumer<T>, meter: &Meter) -> Self {
        Self::new("otelcol_processor_incoming_items", processor, inner, meter)
    }

    /// Counts into `otelcol_processor_outgoing_items` for `processor`.
    pub fn outgoing(processor: &ComponentId, inner: SharedConsumer<T>, meter: &Meter) -> Self {
        Self::new("otelcol_processor_outgoing_items", processor, inner, meter)
    }

    fn new(name: &'static str, processor: &ComponentId, inner: SharedConsumer<T>, meter: &Meter) -> Self {
        let items = meter.counter(
            name,
            &[
                ("processor", processor.to_string()),
                ("otel_signal", T::SIGNAL.as_str().to_string()),
            ],
        );
        Counted { inner, items, name }
    }
}

#[async_trait]
impl<T: Payload> Consumer<T> for Counted<T> {
    async fn consume(&self, data: T) -> Result<(), ConsumeError> {
        self.items.increment(data.item_count() as u64);
        self.inner.consume(data).await
    }

    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }
}
