//! Edge counters the runtime puts around every processor (Go's
//! `otelcol_processor_incoming_items` / `outgoing_items`) and connector
//! (`otelcol_connector_consumed_items` / `produced_items`, as Go's pipeline
//! telemetry names them).

use std::fmt;

use metrics::Counter;
use otelcol_component::{
    Capabilities, ComponentId, ConsumeError, Consumer, Meter, Payload, PipelineId, SharedConsumer,
    async_trait,
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
        Self::with_labels(name, &[("processor", processor.to_string())], inner, meter)
    }

    /// Counts into `otelcol_connector_consumed_items` for `connector` (the
    /// items of signal `T` it is handed).
    pub fn connector_consumed(connector: &ComponentId, inner: SharedConsumer<T>, meter: &Meter) -> Self {
        Self::with_labels(
            "otelcol_connector_consumed_items",
            &[("connector", connector.to_string())],
            inner,
            meter,
        )
    }

    /// Counts into `otelcol_connector_produced_items` for `connector` and
    /// the pipeline it feeds (the items of signal `T` it emits there).
    pub fn connector_produced(
        connector: &ComponentId,
        pipeline: &PipelineId,
        inner: SharedConsumer<T>,
        meter: &Meter,
    ) -> Self {
        Self::with_labels(
            "otelcol_connector_produced_items",
            &[
                ("connector", connector.to_string()),
                ("pipeline", pipeline.to_string()),
            ],
            inner,
            meter,
        )
    }

    fn with_labels(
        name: &'static str,
        labels: &[(&'static str, String)],
        inner: SharedConsumer<T>,
        meter: &Meter,
    ) -> Self {
        let mut all = labels.to_vec();
        all.push(("otel_signal", T::SIGNAL.as_str().to_string()));
        let items = meter.counter(name, &all);
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

    fn decodes_input(&self) -> bool {
        self.inner.decodes_input()
    }
}
