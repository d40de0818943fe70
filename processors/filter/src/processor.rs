//! The processor: runs the compiled passes on each payload and forwards what is left.

use std::fmt;
use std::sync::Arc;

use otelcol_component::{
    Capabilities, Component, ConsumeError, Consumer, Payload, SharedConsumer, Signal, async_trait,
};

use crate::compile::Plan;
use crate::ottl::EvalError;
use crate::signals;

/// The self-metric counting dropped items (Go `otelcol_processor_filter_*.filtered`).
fn filtered_metric(signal: Signal) -> &'static str {
    match signal {
        Signal::Traces => "otelcol_processor_filter_spans_filtered",
        Signal::Metrics => "otelcol_processor_filter_datapoints_filtered",
        Signal::Logs => "otelcol_processor_filter_logs_filtered",
    }
}

/// Drops the items of one signal that match the configured conditions.
pub(crate) struct FilterProcessor<T: Payload> {
    id: String,
    plan: Arc<Plan>,
    next: SharedConsumer<T>,
    meter: otelcol_component::Meter,
}

impl<T: Payload> fmt::Debug for FilterProcessor<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FilterProcessor")
            .field("id", &self.id)
            .field("signal", &T::SIGNAL)
            .field("passes", &self.plan.passes(T::SIGNAL).len())
            .finish()
    }
}

impl<T: Payload> FilterProcessor<T> {
    pub(crate) fn new(
        id: String,
        plan: Arc<Plan>,
        next: SharedConsumer<T>,
        meter: otelcol_component::Meter,
    ) -> Self {
        FilterProcessor {
            id,
            plan,
            next,
            meter,
        }
    }
}

#[async_trait]
impl<T: Payload> Consumer<T> for FilterProcessor<T> {
    async fn consume(&self, mut data: T) -> Result<(), ConsumeError> {
        let passes = self.plan.passes(T::SIGNAL);
        if passes.is_empty() {
            return self.next.consume(data).await;
        }
        let before = data.item_count();
        let mut first_err: Option<EvalError> = None;
        for pass in passes {
            if let Err(e) = signals::apply(&mut data, pass) {
                first_err.get_or_insert(e);
            }
        }
        let dropped = before.saturating_sub(data.item_count());
        if dropped > 0 {
            self.meter
                .counter(filtered_metric(T::SIGNAL), &[("filter", self.id.clone())])
                .increment(u64::try_from(dropped).unwrap_or(u64::MAX));
        }
        if let Some(e) = first_err {
            tracing::error!(filter = %self.id, signal = %T::SIGNAL, error = %e, "failed processing {}", T::SIGNAL);
            return Err(ConsumeError::permanent(e.to_string()));
        }
        if data.resource_count() == 0 {
            return Ok(());
        }
        self.next.consume(data).await
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities { mutates_data: true }
    }
}

impl<T: Payload> Component for FilterProcessor<T> {}
