//! Applying a [`Pass`] to each signal's payload, in place.
//!
//! Levels are checked top-down: a dropped resource or scope is not looked
//! into; a span, metric or log record is checked before its events or data
//! points. Scopes and resources left empty are removed; a metric whose data
//! points were all dropped is removed; a span whose events were all dropped
//! stays. Evaluation errors (only reported in `propagate` mode) keep the item
//! and are returned after the whole payload has been walked.

use otelcol_attraction::Matcher;
use otelcol_component::proto::collector::logs::v1::ExportLogsServiceRequest;
use otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::logs::v1::{ResourceLogs, ScopeLogs};
use otelcol_component::proto::metrics::v1::{Metric, ResourceMetrics, ScopeMetrics, metric::Data};
use otelcol_component::proto::trace::v1::{ResourceSpans, ScopeSpans};

use crate::compile::{CondSeq, Pass};
use crate::legacy::MetricMatchers;
use crate::ottl::{EvalCtx, EvalError, Point};

/// Collects the first evaluation error; failed checks count as "keep".
#[derive(Default)]
struct Errors(Option<EvalError>);

impl Errors {
    fn check(&mut self, seq: Option<&CondSeq>, ctx: &EvalCtx<'_>) -> bool {
        match seq.map(|s| s.matches(ctx)) {
            None | Some(Ok(false)) => false,
            Some(Ok(true)) => true,
            Some(Err(e)) => {
                self.0.get_or_insert(e);
                false
            }
        }
    }

    fn result(self) -> Result<(), EvalError> {
        self.0.map_or(Ok(()), Err)
    }
}

/// Removes the elements whose mask entry is true.
fn retain_unmasked<T>(items: &mut Vec<T>, mask: Vec<bool>) {
    let mut drop = mask.into_iter();
    items.retain(|_| !drop.next().unwrap_or(false));
}

impl<L> Pass<L> {
    fn below_resource(&self) -> bool {
        self.scope.is_some() || self.item.is_some() || self.sub.is_some() || self.legacy.is_some()
    }

    fn below_scope(&self) -> bool {
        self.item.is_some() || self.sub.is_some() || self.legacy.is_some()
    }
}

/// Filters spans and span events.
pub(crate) fn traces(req: &mut ExportTraceServiceRequest, pass: &Pass<Matcher>) -> Result<(), EvalError> {
    let mut errs = Errors::default();
    req.resource_spans.retain_mut(|rs| {
        let ResourceSpans {
            resource,
            scope_spans,
            schema_url,
        } = rs;
        let rctx = EvalCtx {
            resource: resource.as_ref(),
            resource_schema_url: schema_url,
            ..Default::default()
        };
        if errs.check(pass.resource.as_ref(), &rctx) {
            return false;
        }
        if !pass.below_resource() {
            return true;
        }
        scope_spans.retain_mut(|ss| {
            let ScopeSpans {
                scope,
                spans,
                schema_url,
            } = ss;
            let sctx = EvalCtx {
                scope: scope.as_ref(),
                scope_schema_url: schema_url,
                ..rctx
            };
            if errs.check(pass.scope.as_ref(), &sctx) {
                return false;
            }
            if !pass.below_scope() {
                return true;
            }
            spans.retain_mut(|span| {
                if pass
                    .legacy
                    .as_ref()
                    .is_some_and(|m| !m.matches_span(sctx.resource, sctx.scope, span))
                {
                    return false;
                }
                let ctx = EvalCtx {
                    span: Some(span),
                    ..sctx
                };
                if errs.check(pass.item.as_ref(), &ctx) {
                    return false;
                }
                if pass.sub.is_some() {
                    let mask: Vec<bool> = span
                        .events
                        .iter()
                        .map(|ev| {
                            let ectx = EvalCtx {
                                event: Some(ev),
                                ..ctx
                            };
                            errs.check(pass.sub.as_ref(), &ectx)
                        })
                        .collect();
                    retain_unmasked(&mut span.events, mask);
                }
                true
            });
            !spans.is_empty()
        });
        !scope_spans.is_empty()
    });
    errs.result()
}

/// Filters log records.
pub(crate) fn logs(req: &mut ExportLogsServiceRequest, pass: &Pass<Matcher>) -> Result<(), EvalError> {
    let mut errs = Errors::default();
    req.resource_logs.retain_mut(|rl| {
        let ResourceLogs {
            resource,
            scope_logs,
            schema_url,
        } = rl;
        let rctx = EvalCtx {
            resource: resource.as_ref(),
            resource_schema_url: schema_url,
            ..Default::default()
        };
        if errs.check(pass.resource.as_ref(), &rctx) {
            return false;
        }
        if !pass.below_resource() {
            return true;
        }
        scope_logs.retain_mut(|sl| {
            let ScopeLogs {
                scope,
                log_records,
                schema_url,
            } = sl;
            let sctx = EvalCtx {
                scope: scope.as_ref(),
                scope_schema_url: schema_url,
                ..rctx
            };
            if errs.check(pass.scope.as_ref(), &sctx) {
                return false;
            }
            if !pass.below_scope() {
                return true;
            }
            log_records.retain(|log| {
                if pass
                    .legacy
                    .as_ref()
                    .is_some_and(|m| !m.matches_log(sctx.resource, sctx.scope, log))
                {
                    return false;
                }
                let ctx = EvalCtx {
                    log: Some(log),
                    ..sctx
                };
                !errs.check(pass.item.as_ref(), &ctx)
            });
            !log_records.is_empty()
        });
        !scope_logs.is_empty()
    });
    errs.result()
}

/// Drop decisions for every data point of `m`, in order.
fn point_mask(m: &Metric, ctx: &EvalCtx<'_>, seq: &CondSeq, errs: &mut Errors) -> Vec<bool> {
    let mut check = |p: Point<'_>| {
        let pctx = EvalCtx {
            point: Some(p),
            ..*ctx
        };
        errs.check(Some(seq), &pctx)
    };
    match &m.data {
        None => Vec::new(),
        Some(Data::Gauge(g)) => g.data_points.iter().map(|p| check(Point::Number(p))).collect(),
        Some(Data::Sum(s)) => s.data_points.iter().map(|p| check(Point::Number(p))).collect(),
        Some(Data::Histogram(h)) => h.data_points.iter().map(|p| check(Point::Histogram(p))).collect(),
        Some(Data::ExponentialHistogram(h)) => h
            .data_points
            .iter()
            .map(|p| check(Point::ExpHistogram(p)))
            .collect(),
        Some(Data::Summary(s)) => s.data_points.iter().map(|p| check(Point::Summary(p))).collect(),
    }
}

/// Removes masked data points; true if the metric has points left (or no data).
fn apply_point_mask(m: &mut Metric, mask: Vec<bool>) -> bool {
    match &mut m.data {
        None => true,
        Some(Data::Gauge(g)) => {
            retain_unmasked(&mut g.data_points, mask);
            !g.data_points.is_empty()
        }
        Some(Data::Sum(s)) => {
            retain_unmasked(&mut s.data_points, mask);
            !s.data_points.is_empty()
        }
        Some(Data::Histogram(h)) => {
            retain_unmasked(&mut h.data_points, mask);
            !h.data_points.is_empty()
        }
        Some(Data::ExponentialHistogram(h)) => {
            retain_unmasked(&mut h.data_points, mask);
            !h.data_points.is_empty()
        }
        Some(Data::Summary(s)) => {
            retain_unmasked(&mut s.data_points, mask);
            !s.data_points.is_empty()
        }
    }
}

/// Filters metrics and data points.
pub(crate) fn metrics(
    req: &mut ExportMetricsServiceRequest,
    pass: &Pass<MetricMatchers>,
) -> Result<(), EvalError> {
    let mut errs = Errors::default();
    req.resource_metrics.retain_mut(|rm| {
        let ResourceMetrics {
            resource,
            scope_metrics,
            schema_url,
        } = rm;
        let rctx = EvalCtx {
            resource: resource.as_ref(),
            resource_schema_url: schema_url,
            ..Default::default()
        };
        if pass
            .legacy
            .as_ref()
            .is_some_and(|l| l.drop_resource(rctx.resource))
            || errs.check(pass.resource.as_ref(), &rctx)
        {
            return false;
        }
        if !pass.below_resource() {
            return true;
        }
        scope_metrics.retain_mut(|sm| {
            let ScopeMetrics {
                scope,
                metrics,
                schema_url,
            } = sm;
            let sctx = EvalCtx {
                scope: scope.as_ref(),
                scope_schema_url: schema_url,
                ..rctx
            };
            if errs.check(pass.scope.as_ref(), &sctx) {
                return false;
            }
            if !pass.below_scope() {
                return true;
            }
            metrics.retain_mut(|metric| {
                if pass
                    .legacy
                    .as_ref()
                    .is_some_and(|l| l.drop_metric(sctx.resource, sctx.scope, metric))
                {
                    return false;
                }
                let mctx = EvalCtx {
                    metric: Some(metric),
                    ..sctx
                };
                if errs.check(pass.item.as_ref(), &mctx) {
                    return false;
                }
                let Some(seq) = pass.sub.as_ref() else {
                    return true;
                };
                let mask = point_mask(metric, &mctx, seq, &mut errs);
                apply_point_mask(metric, mask)
            });
            !metrics.is_empty()
        });
        !scope_metrics.is_empty()
    });
    errs.result()
}
