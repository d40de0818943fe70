//! The processor: runs the compiled passes on each payload and forwards what is left.

use std::fmt;
use std::sync::Arc;

use otelcol_component::{
    Capabilities, Component, ConsumeError, Consumer, Payload, SharedConsumer, Signal, async_trait,
};

use crate::compile::Plan;
use crate::ottl::EvalError;
use crate::prefilter::Prefilter;
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
    /// Proves, from the bytes of an encoded payload, that nothing matches.
    prefilter: Option<Prefilter>,
    next: SharedConsumer<T>,
    meter: otelcol_component::Meter,
}

impl<T: Payload> fmt::Debug for FilterProcessor<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FilterProcessor")
            .field("id", &self.id)
            .field("signal", &T::SIGNAL)
            .field("passes", &self.plan.passes(T::SIGNAL).len())
            .field("prefilter", &self.prefilter.is_some())
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
            prefilter: Prefilter::of(plan.passes(T::SIGNAL)),
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
        if self.prefilter.as_ref().is_some_and(|p| p.passes_unchanged(&data)) {
            // Nothing can match and nothing would be removed: the decoded
            // path would forward the payload as it is.
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

    /// False when every condition of the signal has a byte requirement (or
    /// there is none) and the next consumer does not decode: the receiver
    /// then keeps requests encoded, and those that cannot match pass
    /// through undecoded.
    fn decodes_input(&self) -> bool {
        (!self.plan.passes(T::SIGNAL).is_empty() && self.prefilter.is_none()) || self.next.decodes_input()
    }
}

impl<T: Payload> Component for FilterProcessor<T> {}
