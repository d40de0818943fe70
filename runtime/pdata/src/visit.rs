//! Signal-agnostic walks over a payload's resources, scopes, items and
//! attribute lists, so a processor is written once for the three signals.
//!
//! The walks are plain loops over the decoded request (they decode an
//! encoded payload and copy a shared one, as
//! [`request_mut`](crate::Payload::request_mut) does); the callbacks are
//! generic, so there is no dynamic dispatch per item.

use crate::proto::common::v1::{InstrumentationScope, KeyValue};
use crate::proto::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use crate::proto::metrics::v1::{Metric, ResourceMetrics, ScopeMetrics, metric::Data};
use crate::proto::resource::v1::Resource;
use crate::proto::trace::v1::{ResourceSpans, ScopeSpans, Span};

/// A resource as a visitor sees it.
#[derive(Clone, Copy, Debug)]
pub struct ResourceRef<'a> {
    /// The resource (absent in the request when `None`).
    pub resource: Option<&'a Resource>,
    /// The resource entry's `schema_url`.
    pub schema_url: &'a str,
}

/// An instrumentation scope as a visitor sees it.
#[derive(Clone, Copy, Debug)]
pub struct ScopeRef<'a> {
    /// The scope (absent in the request when `None`).
    pub scope: Option<&'a InstrumentationScope>,
    /// The scope entry's `schema_url`.
    pub schema_url: &'a str,
}

/// One item of a payload: a span, a metric (with its data points) or a log record.
#[derive(Debug)]
#[non_exhaustive]
pub enum ItemMut<'a> {
    /// A span of a [`Traces`](crate::Traces) payload.
    Span(&'a mut Span),
    /// A metric of a [`Metrics`](crate::Metrics) payload.
    Metric(&'a mut Metric),
    /// A log record of a [`Logs`](crate::Logs) payload.
    Log(&'a mut LogRecord),
}

/// Whose attribute list a [`for_each_attributes_mut`](crate::Payload::for_each_attributes_mut) callback gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AttributesOf {
    /// A resource's.
    Resource,
    /// An instrumentation scope's.
    Scope,
    /// A span's.
    Span,
    /// A span event's.
    SpanEvent,
    /// A span link's.
    SpanLink,
    /// A metric data point's.
    DataPoint,
    /// A log record's.
    LogRecord,
}

impl ItemMut<'_> {
    /// Calls `f` on every attribute list of the item: a span's, its events'
    /// and links'; every data point's of a metric; a log record's.
    pub fn for_each_attributes_mut(&mut self, mut f: impl FnMut(AttributesOf, &mut Vec<KeyValue>)) {
        match self {
            ItemMut::Span(s) => {
                f(AttributesOf::Span, &mut s.attributes);
                s.events
                    .iter_mut()
                    .for_each(|e| f(AttributesOf::SpanEvent, &mut e.attributes));
                s.links
                    .iter_mut()
                    .for_each(|l| f(AttributesOf::SpanLink, &mut l.attributes));
            }
            ItemMut::Metric(m) => for_each_point_attributes(m, |a| f(AttributesOf::DataPoint, a)),
            ItemMut::Log(l) => f(AttributesOf::LogRecord, &mut l.attributes),
        }
    }

    /// Calls `f` on the item's own attribute lists: a span's (not its
    /// events' or links'), a log record's, or every data point's of a metric.
    pub fn for_each_own_attributes_mut(&mut self, mut f: impl FnMut(&mut Vec<KeyValue>)) {
        match self {
            ItemMut::Span(s) => f(&mut s.attributes),
            ItemMut::Log(l) => f(&mut l.attributes),
            ItemMut::Metric(m) => for_each_point_attributes(m, f),
        }
    }
}

/// Calls `f` on the attributes of every data point of `metric`, whatever its type.
pub fn for_each_point_attributes(metric: &mut Metric, mut f: impl FnMut(&mut Vec<KeyValue>)) {
    match &mut metric.data {
        Some(Data::Gauge(g)) => g.data_points.iter_mut().for_each(|p| f(&mut p.attributes)),
        Some(Data::Sum(s)) => s.data_points.iter_mut().for_each(|p| f(&mut p.attributes)),
        Some(Data::Histogram(h)) => h.data_points.iter_mut().for_each(|p| f(&mut p.attributes)),
        Some(Data::ExponentialHistogram(h)) => h.data_points.iter_mut().for_each(|p| f(&mut p.attributes)),
        Some(Data::Summary(s)) => s.data_points.iter_mut().for_each(|p| f(&mut p.attributes)),
        None => {}
    }
}

/// What a [`Visitor`] decides about a resource or scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retain {
    /// Remove it, with everything under it.
    Drop,
    /// Keep it as it is, without looking inside.
    Keep,
    /// Look inside; it is removed if nothing is left under it afterwards.
    Descend,
}

/// Decides, top-down, what of a payload to keep ([`Payload::retain`](crate::Payload::retain)).
pub trait Visitor {
    /// Called for each resource. Defaults to [`Retain::Descend`].
    fn resource(&mut self, _resource: ResourceRef<'_>) -> Retain {
        Retain::Descend
    }
    /// Called for each scope of a resource that is descended into.
    /// Defaults to [`Retain::Descend`].
    fn scope(&mut self, _resource: ResourceRef<'_>, _scope: ScopeRef<'_>) -> Retain {
        Retain::Descend
    }
    /// Called for each item of a scope that is descended into; false removes
    /// it. The item may be changed in place (a metric's data points dropped).
    fn item(&mut self, _resource: ResourceRef<'_>, _scope: ScopeRef<'_>, _item: ItemMut<'_>) -> bool {
        true
    }
}

/// The three levels of an OTLP resource entry (`ResourceSpans` and its kin).
pub(crate) trait Levels {
    type Scope;
    type Item;
    /// The resource to write, and the scopes.
    fn resource_mut(&mut self) -> (&mut Option<Resource>, &mut Vec<Self::Scope>);
    /// The resource to read, and the scopes.
    fn view(&mut self) -> (ResourceRef<'_>, &mut Vec<Self::Scope>);
    /// The scope to write, and the items.
    fn scope_mut(s: &mut Self::Scope) -> (&mut Option<InstrumentationScope>, &mut Vec<Self::Item>);
    /// The scope to read, and the items.
    fn scope_view(s: &mut Self::Scope) -> (ScopeRef<'_>, &mut Vec<Self::Item>);
    fn item(i: &mut Self::Item) -> ItemMut<'_>;
}

macro_rules! levels {
    ($res:ty, $scope:ty, $item:ty, $scopes:ident, $items:ident, $variant:ident) => {
        impl Levels for $res {
            type Scope = $scope;
            type Item = $item;
            fn resource_mut(&mut self) -> (&mut Option<Resource>, &mut Vec<$scope>) {
                (&mut self.resource, &mut self.$scopes)
            }
            fn view(&mut self) -> (ResourceRef<'_>, &mut Vec<$scope>) {
                let r = ResourceRef {
                    resource: self.resource.as_ref(),
                    schema_url: &self.schema_url,
                };
                (r, &mut self.$scopes)
            }
            fn scope_mut(s: &mut $scope) -> (&mut Option<InstrumentationScope>, &mut Vec<$item>) {
                (&mut s.scope, &mut s.$items)
            }
            fn scope_view(s: &mut $scope) -> (ScopeRef<'_>, &mut Vec<$item>) {
                let r = ScopeRef {
                    scope: s.scope.as_ref(),
                    schema_url: &s.schema_url,
                };
                (r, &mut s.$items)
            }
            fn item(i: &mut $item) -> ItemMut<'_> {
                ItemMut::$variant(i)
            }
        }
    };
}

levels!(ResourceSpans, ScopeSpans, Span, scope_spans, spans, Span);
levels!(
    ResourceMetrics,
    ScopeMetrics,
    Metric,
    scope_metrics,
    metrics,
    Metric
);
levels!(ResourceLogs, ScopeLogs, LogRecord, scope_logs, log_records, Log);

/// Calls `f` on `slot`'s value, present or not; an absent value that `f`
/// leaves at its default stays absent.
fn with_default<T: Default + PartialEq>(slot: &mut Option<T>, f: &mut impl FnMut(&mut T)) {
    let had = slot.is_some();
    let v = slot.get_or_insert_with(T::default);
    f(v);
    if !had && *v == T::default() {
        *slot = None;
    }
}

pub(crate) fn resources<R: Levels>(rs: &mut [R], mut f: impl FnMut(&mut Resource)) {
    for r in rs {
        with_default(r.resource_mut().0, &mut f);
    }
}

pub(crate) fn scopes<R: Levels>(rs: &mut [R], mut f: impl FnMut(ResourceRef<'_>, &mut InstrumentationScope)) {
    for r in rs {
        let (rref, scopes) = r.view();
        for s in scopes {
            with_default(R::scope_mut(s).0, &mut |scope| f(rref, scope));
        }
    }
}

pub(crate) fn items<R: Levels>(rs: &mut [R], mut f: impl FnMut(ResourceRef<'_>, ScopeRef<'_>, ItemMut<'_>)) {
    for r in rs {
        let (rref, scopes) = r.view();
        for s in scopes {
            let (sref, items) = R::scope_view(s);
            for i in items {
                f(rref, sref, R::item(i));
            }
        }
    }
}

pub(crate) fn attributes<R: Levels>(rs: &mut [R], mut f: impl FnMut(AttributesOf, &mut Vec<KeyValue>)) {
    for r in rs {
        let (resource, scopes) = r.resource_mut();
        if let Some(res) = resource {
            f(AttributesOf::Resource, &mut res.attributes);
        }
        for s in scopes {
            let (scope, items) = R::scope_mut(s);
            if let Some(scope) = scope {
                f(AttributesOf::Scope, &mut scope.attributes);
            }
            for i in items {
                R::item(i).for_each_attributes_mut(&mut f);
            }
        }
    }
}

pub(crate) fn retain<R: Levels>(rs: &mut Vec<R>, v: &mut impl Visitor) {
    rs.retain_mut(|r| {
        let (rref, scopes) = r.view();
        match v.resource(rref) {
            Retain::Drop => return false,
            Retain::Keep => return true,
            Retain::Descend => {}
        }
        scopes.retain_mut(|s| {
            let (sref, items) = R::scope_view(s);
            match v.scope(rref, sref) {
                Retain::Drop => return false,
                Retain::Keep => return true,
                Retain::Descend => {}
            }
            items.retain_mut(|i| v.item(rref, sref, R::item(i)));
            !items.is_empty()
        });
        !scopes.is_empty()
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::collector::logs::v1::ExportLogsServiceRequest;
    use crate::proto::collector::metrics::v1::ExportMetricsServiceRequest;
    use crate::proto::collector::trace::v1::ExportTraceServiceRequest;
    use crate::proto::common::v1::{AnyValue, any_value::Value};
    use crate::proto::metrics::v1::{Gauge, NumberDataPoint};
    use crate::proto::trace::v1::span::{Event, Link};
    use crate::{Logs, Metrics, Payload, Traces};

    fn kv(k: &str) -> KeyValue {
        KeyValue {
            key: k.into(),
            value: Some(AnyValue {
                value: Some(Value::StringValue(k.into())),
            }),
            ..Default::default()
        }
    }

    fn traces() -> Traces {
        let span = |name: &str| Span {
            name: name.into(),
            attributes: vec![kv("span")],
            events: vec![Event {
                attributes: vec![kv("event")],
                ..Default::default()
            }],
            links: vec![Link {
                attributes: vec![kv("link")],
                ..Default::default()
            }],
            ..Default::default()
        };
        Traces::from_request(ExportTraceServiceRequest {
            resource_spans: vec![
                ResourceSpans {
                    resource: Some(Resource {
                        attributes: vec![kv("res")],
                        ..Default::default()
                    }),
                    scope_spans: vec![ScopeSpans {
                        scope: Some(InstrumentationScope {
                            attributes: vec![kv("scope")],
                            ..Default::default()
                        }),
                        spans: vec![span("keep"), span("drop")],
                        ..Default::default()
                    }],
                    ..Default::default()
                },
                ResourceSpans {
                    scope_spans: vec![ScopeSpans {
                        spans: vec![span("drop")],
                        ..Default::default()
                    }],
                    ..Default::default()
                },
            ],
        })
    }

    #[test]
    fn attributes_of_every_level_are_visited() {
        let mut t = traces();
        let mut seen = Vec::new();
        t.for_each_attributes_mut(|of, attrs| seen.push((of, attrs[0].key.clone())));
        let of: Vec<AttributesOf> = seen.iter().map(|s| s.0).collect();
        assert_eq!(
            &of[..5],
            &[
                AttributesOf::Resource,
                AttributesOf::Scope,
                AttributesOf::Span,
                AttributesOf::SpanEvent,
                AttributesOf::SpanLink
            ]
        );
        // Second resource has neither resource nor scope: only its span's lists.
        assert_eq!(seen.len(), 5 + 3 + 3);
        // A span's own list only, not its events' or links'.
        let mut own = Vec::new();
        t.for_each_item_mut(|_, _, mut item| {
            item.for_each_own_attributes_mut(|a| own.push(a[0].key.clone()))
        });
        assert_eq!(own, ["span", "span", "span"]);

        let mut m = Metrics::from_request(ExportMetricsServiceRequest {
            resource_metrics: vec![ResourceMetrics {
                scope_metrics: vec![ScopeMetrics {
                    metrics: vec![Metric {
                        data: Some(Data::Gauge(Gauge {
                            data_points: vec![NumberDataPoint::default(), NumberDataPoint::default()],
                        })),
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            }],
        });
        m.for_each_attributes_mut(|of, attrs| {
            assert_eq!(of, AttributesOf::DataPoint);
            attrs.push(kv("added"));
        });
        let mut points = 0;
        m.for_each_item_mut(|_, _, mut item| {
            item.for_each_attributes_mut(|_, a| {
                assert_eq!(a.len(), 1);
                points += 1;
            })
        });
        assert_eq!(points, 2);
    }

    #[test]
    fn absent_resource_and_scope_stay_absent_unless_written() {
        let mut t = traces();
        t.for_each_resource_mut(|_| {});
        t.for_each_scope_mut(|_, _| {});
        assert!(t.request().resource_spans[1].resource.is_none());
        assert!(t.request().resource_spans[1].scope_spans[0].scope.is_none());
        t.for_each_resource_mut(|r| r.attributes.push(kv("new")));
        assert_eq!(
            t.request().resource_spans[1]
                .resource
                .as_ref()
                .map(|r| r.attributes.len()),
            Some(1)
        );
        let mut l = Logs::from_request(ExportLogsServiceRequest {
            resource_logs: vec![ResourceLogs::default()],
        });
        l.for_each_scope_mut(|r, _| assert!(r.resource.is_none()));
    }

    #[test]
    fn retain_drops_items_and_what_they_leave_empty() {
        struct DropNamed;
        impl Visitor for DropNamed {
            fn item(&mut self, _: ResourceRef<'_>, s: ScopeRef<'_>, item: ItemMut<'_>) -> bool {
                assert!(s.scope.is_none() || s.scope.is_some_and(|s| s.attributes.len() == 1));
                !matches!(item, ItemMut::Span(s) if s.name == "drop")
            }
        }
        let mut t = traces();
        t.retain(&mut DropNamed);
        assert_eq!(t.item_count(), 1);
        assert_eq!(t.request().resource_spans.len(), 1);

        struct KeepFirstResource(usize);
        impl Visitor for KeepFirstResource {
            fn resource(&mut self, _: ResourceRef<'_>) -> Retain {
                self.0 += 1;
                if self.0 == 1 { Retain::Keep } else { Retain::Drop }
            }
            fn item(&mut self, _: ResourceRef<'_>, _: ScopeRef<'_>, _: ItemMut<'_>) -> bool {
                unreachable!("Keep and Drop do not descend")
            }
        }
        let mut t = traces();
        t.retain(&mut KeepFirstResource(0));
        assert_eq!(t.item_count(), 2);
        assert_eq!(t.request().resource_spans.len(), 1);
    }
}
