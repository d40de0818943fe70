//! The processor: runs every group on each payload, in place, and forwards it.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use otelcol_component::proto::collector::logs::v1::ExportLogsServiceRequest;
use otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::metrics::v1::{Metric, metric::Data};
use otelcol_component::{
    Capabilities, Component, ConsumeError, Consumer, Payload, SharedConsumer, async_trait,
};

use crate::compile::{Group, Plan};
use crate::config::ErrorMode;
use crate::ottl::{ContextKind, EvalError, TransformCtx, TransformItem};

/// Modifies the items of one signal with the configured statements.
pub(crate) struct TransformProcessor<T: Payload> {
    id: String,
    plan: Arc<Plan>,
    next: SharedConsumer<T>,
}

impl<T: Payload> fmt::Debug for TransformProcessor<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransformProcessor")
            .field("id", &self.id)
            .field("signal", &T::SIGNAL)
            .field("groups", &self.plan.groups(T::SIGNAL).len())
            .finish()
    }
}

impl<T: Payload> TransformProcessor<T> {
    pub(crate) fn new(id: String, plan: Arc<Plan>, next: SharedConsumer<T>) -> Self {
        TransformProcessor { id, plan, next }
    }
}

#[async_trait]
impl<T: Payload> Consumer<T> for TransformProcessor<T> {
    async fn consume(&self, mut data: T) -> Result<(), ConsumeError> {
        let groups = self.plan.groups(T::SIGNAL);
        if groups.is_empty() {
            return self.next.consume(data).await;
        }
        if let Err(e) = apply(data.request_mut(), groups) {
            tracing::error!(transform = %self.id, signal = %T::SIGNAL, error = %e, "failed processing {}", T::SIGNAL);
            return Err(ConsumeError::permanent(e.to_string()));
        }
        self.next.consume(data).await
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities { mutates_data: true }
    }
}

impl<T: Payload> Component for TransformProcessor<T> {}

/// Runs `groups` on an export request of any signal.
pub(crate) fn apply(request: &mut dyn Any, groups: &[Group]) -> Result<(), EvalError> {
    if let Some(r) = request.downcast_mut::<ExportTraceServiceRequest>() {
        groups.iter().try_for_each(|g| traces(r, g))
    } else if let Some(r) = request.downcast_mut::<ExportMetricsServiceRequest>() {
        groups.iter().try_for_each(|g| metrics(r, g))
    } else if let Some(r) = request.downcast_mut::<ExportLogsServiceRequest>() {
        groups.iter().try_for_each(|g| logs(r, g))
    } else {
        Ok(())
    }
}

/// Runs the group's statements on one item, if its conditions let it.
fn run(g: &Group, ctx: &mut TransformCtx<'_>) -> Result<(), EvalError> {
    if !g.gate(&ctx.view())? {
        return Ok(());
    }
    for s in &g.statements {
        if let Err(e) = s.execute(ctx) {
            match g.mode {
                ErrorMode::Propagate => {
                    return Err(EvalError::new(format!(
                        "failed to execute statement: {}, {e}",
                        s.source()
                    )));
                }
                ErrorMode::Ignore => {
                    tracing::warn!(statement = s.source(), error = %e, "failed to execute statement");
                }
                ErrorMode::Silent => {}
            }
        }
    }
    Ok(())
}

fn traces(r: &mut ExportTraceServiceRequest, g: &Group) -> Result<(), EvalError> {
    for rs in &mut r.resource_spans {
        let resource = &mut rs.resource;
        let resource_schema_url = rs.schema_url.as_str();
        if g.context == ContextKind::Resource {
            run(
                g,
                &mut TransformCtx::new((resource, resource_schema_url), None, TransformItem::None),
            )?;
            continue;
        }
        for ss in &mut rs.scope_spans {
            let scope_schema_url = ss.schema_url.as_str();
            if g.context == ContextKind::Scope {
                run(
                    g,
                    &mut TransformCtx::new(
                        (&mut *resource, resource_schema_url),
                        Some((&mut ss.scope, scope_schema_url)),
                        TransformItem::None,
                    ),
                )?;
                continue;
            }
            for span in &mut ss.spans {
                if g.context == ContextKind::Span {
                    run(
                        g,
                        &mut TransformCtx::new(
                            (&mut *resource, resource_schema_url),
                            Some((&mut ss.scope, scope_schema_url)),
                            TransformItem::Span(span),
                        ),
                    )?;
                    continue;
                }
                for i in 0..span.events.len() {
                    run(
                        g,
                        &mut TransformCtx::new(
                            (&mut *resource, resource_schema_url),
                            Some((&mut ss.scope, scope_schema_url)),
                            TransformItem::SpanEvent(&mut *span, i),
                        ),
                    )?;
                }
            }
        }
    }
    Ok(())
}

fn point_count(m: &Metric) -> usize {
    match &m.data {
        Some(Data::Gauge(g)) => g.data_points.len(),
        Some(Data::Sum(s)) => s.data_points.len(),
        Some(Data::Histogram(h)) => h.data_points.len(),
        Some(Data::ExponentialHistogram(h)) => h.data_points.len(),
        Some(Data::Summary(s)) => s.data_points.len(),
        None => 0,
    }
}

fn metrics(r: &mut ExportMetricsServiceRequest, g: &Group) -> Result<(), EvalError> {
    for rm in &mut r.resource_metrics {
        let resource = &mut rm.resource;
        let resource_schema_url = rm.schema_url.as_str();
        if g.context == ContextKind::Resource {
            run(
                g,
                &mut TransformCtx::new((resource, resource_schema_url), None, TransformItem::None),
            )?;
            continue;
        }
        for sm in &mut rm.scope_metrics {
            let scope_schema_url = sm.schema_url.as_str();
            if g.context == ContextKind::Scope {
                run(
                    g,
                    &mut TransformCtx::new(
                        (&mut *resource, resource_schema_url),
                        Some((&mut sm.scope, scope_schema_url)),
                        TransformItem::None,
                    ),
                )?;
                continue;
            }
            // Metrics appended by metric functions are visited too, as Go's loop does.
            let mut k = 0;
            while k < sm.metrics.len() {
                let Some(metric) = sm.metrics.get_mut(k) else {
                    break;
                };
                let mut created = Vec::new();
                if g.context == ContextKind::Metric {
                    let mut ctx = TransformCtx {
                        resource: &mut *resource,
                        resource_schema_url,
                        scope: Some(&mut sm.scope),
                        scope_schema_url,
                        item: TransformItem::Metric(metric),
                        new_metrics: Vec::new(),
                    };
                    let res = run(g, &mut ctx);
                    created = std::mem::take(&mut ctx.new_metrics);
                    res?;
                } else {
                    for i in 0..point_count(metric) {
                        run(
                            g,
                            &mut TransformCtx::new(
                                (&mut *resource, resource_schema_url),
                                Some((&mut sm.scope, scope_schema_url)),
                                TransformItem::DataPoint(&mut *metric, i),
                            ),
                        )?;
                    }
                }
                sm.metrics.extend(created);
                k += 1;
            }
        }
    }
    Ok(())
}

fn logs(r: &mut ExportLogsServiceRequest, g: &Group) -> Result<(), EvalError> {
    for rl in &mut r.resource_logs {
        let resource = &mut rl.resource;
        let resource_schema_url = rl.schema_url.as_str();
        if g.context == ContextKind::Resource {
            run(
                g,
                &mut TransformCtx::new((resource, resource_schema_url), None, TransformItem::None),
            )?;
            continue;
        }
        for sl in &mut rl.scope_logs {
            let scope_schema_url = sl.schema_url.as_str();
            if g.context == ContextKind::Scope {
                run(
                    g,
                    &mut TransformCtx::new(
                        (&mut *resource, resource_schema_url),
                        Some((&mut sl.scope, scope_schema_url)),
                        TransformItem::None,
                    ),
                )?;
                continue;
            }
            for log in &mut sl.log_records {
                run(
                    g,
                    &mut TransformCtx::new(
                        (&mut *resource, resource_schema_url),
                        Some((&mut sl.scope, scope_schema_url)),
                        TransformItem::Log(log),
                    ),
                )?;
            }
        }
    }
    Ok(())
}
