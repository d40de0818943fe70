//! The `attributes` processor: applies the action list to the attributes of
//! selected spans, log records and metric data points.

use std::fmt;
use std::sync::Arc;

use otelcol_attraction::{AttrProc, Matcher};
use otelcol_component::proto::common::v1::KeyValue;
use otelcol_component::proto::metrics::v1::{Metric, metric::Data};
use otelcol_component::{
    Capabilities, Component, ConsumeError, Consumer, Logs, Metrics, Payload, SharedConsumer, Traces,
    async_trait,
};

/// Applies the configured actions to the items `matcher` selects, then hands
/// the payload to the next consumer and returns its result.
pub struct AttributesProcessor<T: Payload> {
    attr_proc: Arc<AttrProc>,
    matcher: Matcher,
    next: SharedConsumer<T>,
}

impl<T: Payload> AttributesProcessor<T> {
    /// A processor applying `attr_proc` to what `matcher` selects, feeding `next`.
    pub fn new(attr_proc: Arc<AttrProc>, matcher: Matcher, next: SharedConsumer<T>) -> Self {
        AttributesProcessor {
            attr_proc,
            matcher,
            next,
        }
    }
}

impl<T: Payload> fmt::Debug for AttributesProcessor<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AttributesProcessor")
            .field("signal", &T::SIGNAL)
            .field("actions", &self.attr_proc.len())
            .field("filtered", &!self.matcher.matches_everything())
            .finish()
    }
}

impl<T: Payload> Component for AttributesProcessor<T> {}

const MUTATES: Capabilities = Capabilities { mutates_data: true };

#[async_trait]
impl Consumer<Traces> for AttributesProcessor<Traces> {
    async fn consume(&self, mut data: Traces) -> Result<(), ConsumeError> {
        if !data.is_empty() {
            let ctx = data.context().clone();
            for rs in &mut data.request_mut().resource_spans {
                let resource = rs.resource.as_ref();
                for ss in &mut rs.scope_spans {
                    let scope = ss.scope.as_ref();
                    for span in &mut ss.spans {
                        if self.matcher.matches_span(resource, scope, span) {
                            self.attr_proc.process(&mut span.attributes, &ctx);
                        }
                    }
                }
            }
        }
        self.next.consume(data).await
    }

    fn capabilities(&self) -> Capabilities {
        MUTATES
    }
}

#[async_trait]
impl Consumer<Logs> for AttributesProcessor<Logs> {
    async fn consume(&self, mut data: Logs) -> Result<(), ConsumeError> {
        if !data.is_empty() {
            let ctx = data.context().clone();
            for rl in &mut data.request_mut().resource_logs {
                let resource = rl.resource.as_ref();
                for sl in &mut rl.scope_logs {
                    let scope = sl.scope.as_ref();
                    for log in &mut sl.log_records {
                        if self.matcher.matches_log(resource, scope, log) {
                            self.attr_proc.process(&mut log.attributes, &ctx);
                        }
                    }
                }
            }
        }
        self.next.consume(data).await
    }

    fn capabilities(&self) -> Capabilities {
        MUTATES
    }
}

#[async_trait]
impl Consumer<Metrics> for AttributesProcessor<Metrics> {
    async fn consume(&self, mut data: Metrics) -> Result<(), ConsumeError> {
        if !data.is_empty() {
            let ctx = data.context().clone();
            for rm in &mut data.request_mut().resource_metrics {
                let resource = rm.resource.as_ref();
                for sm in &mut rm.scope_metrics {
                    let scope = sm.scope.as_ref();
                    for metric in &mut sm.metrics {
                        if self.matcher.matches_metric(resource, scope, metric) {
                            for_each_point_attributes(metric, |attrs| self.attr_proc.process(attrs, &ctx));
                        }
                    }
                }
            }
        }
        self.next.consume(data).await
    }

    fn capabilities(&self) -> Capabilities {
        MUTATES
    }
}

/// Calls `f` on the attributes of every data point of `metric`, whatever its type.
fn for_each_point_attributes(metric: &mut Metric, mut f: impl FnMut(&mut Vec<KeyValue>)) {
    match &mut metric.data {
        Some(Data::Gauge(g)) => g.data_points.iter_mut().for_each(|p| f(&mut p.attributes)),
        Some(Data::Sum(s)) => s.data_points.iter_mut().for_each(|p| f(&mut p.attributes)),
        Some(Data::Histogram(h)) => h.data_points.iter_mut().for_each(|p| f(&mut p.attributes)),
        Some(Data::ExponentialHistogram(h)) => h.data_points.iter_mut().for_each(|p| f(&mut p.attributes)),
        Some(Data::Summary(s)) => s.data_points.iter_mut().for_each(|p| f(&mut p.attributes)),
        None => {}
    }
}
