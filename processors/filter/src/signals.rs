//! Applying a [`Pass`] to a payload of any signal, in place, through the
//! payload's [`Visitor`] walk.
//!
//! Levels are checked top-down: a dropped resource or scope is not looked
//! into; a span, metric or log record is checked before its events or data
//! points. Scopes and resources left empty are removed; a metric whose data
//! points were all dropped is removed; a span whose events were all dropped
//! stays. Evaluation errors (only reported in `propagate` mode) keep the item
//! and are returned after the whole payload has been walked.

use otelcol_component::proto::metrics::v1::{Metric, metric::Data};
use otelcol_component::{ItemMut, Payload, ResourceRef, Retain, ScopeRef, Visitor};

use crate::compile::{CondSeq, Legacy, Pass};
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

impl Pass {
    fn below_resource(&self) -> bool {
        self.scope.is_some() || self.item.is_some() || self.sub.is_some() || self.legacy.is_some()
    }

    fn below_scope(&self) -> bool {
        self.item.is_some() || self.sub.is_some() || self.legacy.is_some()
    }
}

/// Applies `pass` to `data`: drops what its conditions match, top-down.
pub(crate) fn apply<T: Payload>(data: &mut T, pass: &Pass) -> Result<(), EvalError> {
    let mut run = Run {
        pass,
        errs: Errors::default(),
    };
    data.retain(&mut run);
    run.errs.result()
}

/// One walk of a pass over a payload.
struct Run<'p> {
    pass: &'p Pass,
    errs: Errors,
}

fn resource_ctx<'a>(r: ResourceRef<'a>) -> EvalCtx<'a> {
    EvalCtx {
        resource: r.resource,
        resource_schema_url: r.schema_url,
        ..Default::default()
    }
}

fn scope_ctx<'a>(r: ResourceRef<'a>, s: ScopeRef<'a>) -> EvalCtx<'a> {
    EvalCtx {
        scope: s.scope,
        scope_schema_url: s.schema_url,
        ..resource_ctx(r)
    }
}

impl Visitor for Run<'_> {
    fn resource(&mut self, r: ResourceRef<'_>) -> Retain {
        let legacy_drop =
            matches!(&self.pass.legacy, Some(Legacy::Metrics(l)) if l.drop_resource(r.resource));
        if legacy_drop || self.errs.check(self.pass.resource.as_ref(), &resource_ctx(r)) {
            Retain::Drop
        } else if self.pass.below_resource() {
            Retain::Descend
        } else {
            Retain::Keep
        }
    }

    fn scope(&mut self, r: ResourceRef<'_>, s: ScopeRef<'_>) -> Retain {
        if self.errs.check(self.pass.scope.as_ref(), &scope_ctx(r, s)) {
            Retain::Drop
        } else if self.pass.below_scope() {
            Retain::Descend
        } else {
            Retain::Keep
        }
    }

    fn item(&mut self, r: ResourceRef<'_>, s: ScopeRef<'_>, item: ItemMut<'_>) -> bool {
        let sctx = scope_ctx(r, s);
        let (pass, errs) = (self.pass, &mut self.errs);
        match item {
            ItemMut::Span(span) => {
                if matches!(&pass.legacy, Some(Legacy::Items(m)) if !m.matches_span(r.resource, s.scope, span))
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
            }
            ItemMut::Metric(metric) => {
                if matches!(&pass.legacy, Some(Legacy::Metrics(l)) if l.drop_metric(r.resource, s.scope, metric))
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
                let mask = point_mask(metric, &mctx, seq, errs);
                apply_point_mask(metric, mask)
            }
            ItemMut::Log(log) => {
                if matches!(&pass.legacy, Some(Legacy::Items(m)) if !m.matches_log(r.resource, s.scope, log))
                {
                    return false;
                }
                let ctx = EvalCtx {
                    log: Some(log),
                    ..sctx
                };
                !errs.check(pass.item.as_ref(), &ctx)
            }
            _ => true,
        }
    }
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
