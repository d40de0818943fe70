//! The processor: runs the compiled passes on each payload and forwards what is left.

use std::fmt;
use std::sync::Arc;

use otelcol_attraction::Matcher;
use otelcol_component::{
    Capabilities, Component, ConsumeError, Consumer, Logs, Metrics, Payload, SharedConsumer, Traces,
    async_trait,
};

use crate::compile::{Pass, Plan};
use crate::legacy::MetricMatchers;
use crate::ottl::EvalError;
use crate::signals;

/// A payload type the filter processor handles.
pub(crate) trait Filterable: Payload {
    /// The deprecated include/exclude matcher of this signal.
    type Legacy: fmt::Debug + Send + Sync + 'static;
    /// The self-metric counting dropped items (Go `otelcol_processor_filter_*.filtered`).
    const FILTERED_METRIC: &'static str;
    fn passes(plan: &Plan) -> &[Pass<Self::Legacy>];
    fn apply(req: &mut Self::Request, pass: &Pass<Self::Legacy>) -> Result<(), EvalError>;
    fn resource_count(req: &Self::Request) -> usize;
}

impl Filterable for Traces {
    type Legacy = Matcher;
    const FILTERED_METRIC: &'static str = "otelcol_processor_filter_spans_filtered";
    fn passes(plan: &Plan) -> &[Pass<Matcher>] {
        &plan.traces
    }
    fn apply(req: &mut Self::Request, pass: &Pass<Matcher>) -> Result<(), EvalError> {
        signals::traces(req, pass)
    }
    fn resource_count(req: &Self::Request) -> usize {
        req.resource_spans.len()
    }
}

impl Filterable for Metrics {
    type Legacy = MetricMatchers;
    const FILTERED_METRIC: &'static str = "otelcol_processor_filter_datapoints_filtered";
    fn passes(plan: &Plan) -> &[Pass<MetricMatchers>] {
        &plan.metrics
    }
    fn apply(req: &mut Self::Request, pass: &Pass<MetricMatchers>) -> Result<(), EvalError> {
        signals::metrics(req, pass)
    }
    fn resource_count(req: &Self::Request) -> usize {
        req.resource_metrics.len()
    }
}

impl Filterable for Logs {
    type Legacy = Matcher;
    const FILTERED_METRIC: &'static str = "otelcol_processor_filter_logs_filtered";
    fn passes(plan: &Plan) -> &[Pass<Matcher>] {
        &plan.logs
    }
    fn apply(req: &mut Self::Request, pass: &Pass<Matcher>) -> Result<(), EvalError> {
        signals::logs(req, pass)
    }
    fn resource_count(req: &Self::Request) -> usize {
        req.resource_logs.len()
    }
}

/// Drops the items of one signal that match the configured conditions.
pub(crate) struct FilterProcessor<T: Filterable> {
    id: String,
    plan: Arc<Plan>,
    next: SharedConsumer<T>,
}

impl<T: Filterable> fmt::Debug for FilterProcessor<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FilterProcessor")
            .field("id", &self.id)
            .field("signal", &T::SIGNAL)
            .field("passes", &T::passes(&self.plan).len())
            .finish()
    }
}

impl<T: Filterable> FilterProcessor<T> {
    pub(crate) fn new(id: String, plan: Arc<Plan>, next: SharedConsumer<T>) -> Self {
        FilterProcessor { id, plan, next }
    }
}

#[async_trait]
impl<T: Filterable> Consumer<T> for FilterProcessor<T> {
    async fn consume(&self, mut data: T) -> Result<(), ConsumeError> {
        let passes = T::passes(&self.plan);
        if passes.is_empty() {
            return self.next.consume(data).await;
        }
        let before = data.item_count();
        let mut first_err: Option<EvalError> = None;
        {
            let req = data.request_mut();
            for pass in passes {
                if let Err(e) = T::apply(req, pass) {
                    first_err.get_or_insert(e);
                }
            }
        }
        let dropped = before.saturating_sub(data.item_count());
        if dropped > 0 {
            metrics::counter!(T::FILTERED_METRIC, "filter" => self.id.clone())
                .increment(u64::try_from(dropped).unwrap_or(u64::MAX));
        }
        if let Some(e) = first_err {
            tracing::error!(filter = %self.id, signal = %T::SIGNAL, error = %e, "failed processing {}", T::SIGNAL);
            return Err(ConsumeError::permanent(e.to_string()));
        }
        if T::resource_count(data.request()) == 0 {
            return Ok(());
        }
        self.next.consume(data).await
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities { mutates_data: true }
    }
}

impl<T: Filterable> Component for FilterProcessor<T> {}
