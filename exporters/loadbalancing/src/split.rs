//! Splitting a payload by backend: one pass assigns every resource, item
//! or data point (as the routing key decides) to a ring endpoint; then each
//! endpoint's part is a copy keeping only what was assigned to it.

use std::any::Any;

use otelcol_component::Traces;
use otelcol_component::build::attribute;
use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::common::v1::KeyValue;
use otelcol_component::proto::logs::v1::LogRecord;
use otelcol_component::proto::metrics::v1::{Metric, metric};
use otelcol_component::proto::trace::v1::Span;
use otelcol_component::proto::trace::v1::span::SpanKind;
use otelcol_component::proto::trace::v1::{ResourceSpans, ScopeSpans};
use otelcol_component::{ItemMut, Payload, ResourceRef, Retain, ScopeRef, Signal, Visitor};

use crate::config::RoutingKey;
use crate::ring::Ring;

/// Where the routing key is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Level {
    Resource,
    Item,
    Point,
}

fn level(key: RoutingKey, signal: Signal) -> Level {
    match key {
        RoutingKey::Service | RoutingKey::Resource => Level::Resource,
        RoutingKey::TraceId | RoutingKey::Metric => Level::Item,
        RoutingKey::StreamId => Level::Point,
        RoutingKey::Attributes if signal == Signal::Metrics => Level::Point,
        RoutingKey::Attributes => Level::Item,
    }
}

fn value_string(attrs: &[KeyValue], key: &str) -> Option<String> {
    attribute(attrs, key).map(otelcol_attraction::as_string)
}

fn res_attrs<'a>(r: &ResourceRef<'a>) -> &'a [KeyValue] {
    r.resource.map_or(&[], |r| &r.attributes)
}

fn scope_attrs<'a>(s: &ScopeRef<'a>) -> &'a [KeyValue] {
    s.scope.map_or(&[], |s| &s.attributes)
}

/// `k=v;` of every attribute, sorted: the identity of an attribute set.
fn identity(out: &mut Vec<u8>, attrs: &[KeyValue]) {
    let mut pairs: Vec<(&str, String)> = attrs
        .iter()
        .map(|kv| {
            (
                kv.key.as_str(),
                kv.value
                    .as_ref()
                    .map(otelcol_attraction::as_string)
                    .unwrap_or_default(),
            )
        })
        .collect();
    pairs.sort();
    for (k, v) in pairs {
        out.extend_from_slice(k.as_bytes());
        out.push(b'=');
        out.extend_from_slice(v.as_bytes());
        out.push(b';');
    }
}

/// `name=value|` for each routing attribute (the first of `lists` holding
/// it; `name=|` when none does), as Go encodes the key.
fn attributes_key(
    names: &[String],
    lists: &[&[KeyValue]],
    pseudo: impl Fn(&str) -> Option<String>,
) -> Vec<u8> {
    let mut out = Vec::new();
    for n in names {
        let v = pseudo(n)
            .or_else(|| lists.iter().find_map(|l| value_string(l, n)))
            .unwrap_or_default();
        out.extend_from_slice(n.as_bytes());
        out.push(b'=');
        out.extend_from_slice(v.as_bytes());
        out.push(b'|');
    }
    out
}

fn span_pseudo(span: &Span) -> impl Fn(&str) -> Option<String> + '_ {
    move |n| match n {
        "span.kind" => Some(
            SpanKind::try_from(span.kind)
                .map_or("SPAN_KIND_UNSPECIFIED", |k| k.as_str_name())
                .to_string(),
        ),
        "span.name" => Some(span.name.clone()),
        _ => None,
    }
}

fn log_pseudo(log: &LogRecord) -> impl Fn(&str) -> Option<String> + '_ {
    move |n| match n {
        "log.severity" => Some(log.severity_text.clone()),
        "log.body" => Some(
            log.body
                .as_ref()
                .map(otelcol_attraction::as_string)
                .unwrap_or_default(),
        ),
        _ => None,
    }
}

/// Every data point's attribute list, in order.
fn point_attributes(m: &Metric) -> Vec<&[KeyValue]> {
    match &m.data {
        Some(metric::Data::Gauge(g)) => g.data_points.iter().map(|p| &p.attributes[..]).collect(),
        Some(metric::Data::Sum(g)) => g.data_points.iter().map(|p| &p.attributes[..]).collect(),
        Some(metric::Data::Histogram(g)) => g.data_points.iter().map(|p| &p.attributes[..]).collect(),
        Some(metric::Data::ExponentialHistogram(g)) => {
            g.data_points.iter().map(|p| &p.attributes[..]).collect()
        }
        Some(metric::Data::Summary(g)) => g.data_points.iter().map(|p| &p.attributes[..]).collect(),
        None => Vec::new(),
    }
}

/// Keeps the data points whose `keep` is true; whether any is left.
fn retain_points(m: &mut Metric, keep: &[bool]) -> bool {
    fn go<P>(v: &mut Vec<P>, keep: &[bool]) -> bool {
        let mut i = 0;
        v.retain(|_| {
            let k = keep.get(i).copied().unwrap_or(false);
            i += 1;
            k
        });
        !v.is_empty()
    }
    match &mut m.data {
        Some(metric::Data::Gauge(g)) => go(&mut g.data_points, keep),
        Some(metric::Data::Sum(g)) => go(&mut g.data_points, keep),
        Some(metric::Data::Histogram(g)) => go(&mut g.data_points, keep),
        Some(metric::Data::ExponentialHistogram(g)) => go(&mut g.data_points, keep),
        Some(metric::Data::Summary(g)) => go(&mut g.data_points, keep),
        None => false,
    }
}

/// The assigning pass: one endpoint index per resource, item or point.
struct Assign<'a> {
    key: RoutingKey,
    level: Level,
    names: &'a [String],
    ring: &'a Ring,
    out: Vec<u32>,
    error: Option<String>,
    /// Spreads log records without a trace id.
    spread: u64,
}

impl Assign<'_> {
    fn push(&mut self, id: &[u8]) {
        let idx = self.ring.index_for(id).unwrap_or(0);
        self.out.push(idx as u32);
    }

    fn next_spread(&mut self) -> [u8; 8] {
        self.spread = self.spread.wrapping_add(0x9E37_79B9_7F4A_7C15);
        self.spread.to_be_bytes()
    }
}

impl Visitor for Assign<'_> {
    fn resource(&mut self, r: ResourceRef<'_>) -> Retain {
        if self.level != Level::Resource {
            return Retain::Descend;
        }
        let attrs = res_attrs(&r);
        match self.key {
            RoutingKey::Service => match value_string(attrs, "service.name") {
                Some(s) => self.push(s.as_bytes()),
                None => {
                    self.error
                        .get_or_insert_with(|| "unable to get service name".into());
                    self.push(b"");
                }
            },
            _ => {
                let mut id = Vec::new();
                identity(&mut id, attrs);
                self.push(&id);
            }
        }
        Retain::Keep
    }

    fn item(&mut self, r: ResourceRef<'_>, s: ScopeRef<'_>, item: ItemMut<'_>) -> bool {
        match item {
            ItemMut::Span(span) => match self.key {
                RoutingKey::Attributes => {
                    let id = attributes_key(
                        self.names,
                        &[&span.attributes, scope_attrs(&s), res_attrs(&r)],
                        span_pseudo(span),
                    );
                    self.push(&id);
                }
                _ => {
                    let id = span.trace_id.clone();
                    self.push(&id);
                }
            },
            ItemMut::Log(log) => match self.key {
                RoutingKey::Attributes => {
                    let id = attributes_key(
                        self.names,
                        &[&log.attributes, scope_attrs(&s), res_attrs(&r)],
                        log_pseudo(log),
                    );
                    self.push(&id);
                }
                _ if log.trace_id.iter().all(|b| *b == 0) => {
                    let id = self.next_spread();
                    self.push(&id);
                }
                _ => {
                    let id = log.trace_id.clone();
                    self.push(&id);
                }
            },
            ItemMut::Metric(m) => match self.level {
                Level::Point => {
                    let mut base = Vec::new();
                    if self.key == RoutingKey::StreamId {
                        identity(&mut base, res_attrs(&r));
                        if let Some(sc) = s.scope {
                            base.extend_from_slice(sc.name.as_bytes());
                            base.push(b'@');
                            base.extend_from_slice(sc.version.as_bytes());
                            base.push(b';');
                        }
                        base.extend_from_slice(m.name.as_bytes());
                        base.push(b';');
                    }
                    let ids: Vec<Vec<u8>> = point_attributes(m)
                        .into_iter()
                        .map(|attrs| {
                            if self.key == RoutingKey::StreamId {
                                let mut id = base.clone();
                                identity(&mut id, attrs);
                                id
                            } else {
                                attributes_key(self.names, &[attrs, scope_attrs(&s), res_attrs(&r)], |_| None)
                            }
                        })
                        .collect();
                    for id in ids {
                        self.push(&id);
                    }
                }
                _ => {
                    let id = m.name.clone();
                    self.push(id.as_bytes());
                }
            },
            _ => self.out.push(0),
        }
        true
    }
}

/// The picking pass: keeps what was assigned to `target`.
struct Pick<'a> {
    target: u32,
    level: Level,
    decisions: &'a [u32],
    pos: usize,
}

impl Pick<'_> {
    fn next(&mut self) -> bool {
        let d = self.decisions.get(self.pos).copied();
        self.pos += 1;
        d == Some(self.target)
    }
}

impl Visitor for Pick<'_> {
    fn resource(&mut self, _r: ResourceRef<'_>) -> Retain {
        if self.level != Level::Resource {
            return Retain::Descend;
        }
        if self.next() { Retain::Keep } else { Retain::Drop }
    }

    fn item(&mut self, _r: ResourceRef<'_>, _s: ScopeRef<'_>, item: ItemMut<'_>) -> bool {
        match item {
            ItemMut::Metric(m) if self.level == Level::Point => {
                let n = point_attributes(m).len();
                let keep: Vec<bool> = (0..n).map(|_| self.next()).collect();
                retain_points(m, &keep)
            }
            _ => self.next(),
        }
    }
}

/// Spans moved (not copied) into one request per endpoint by trace id: the
/// agent tier's common case, done in one pass. Resources and scopes are
/// copied once per endpoint that gets spans of theirs.
fn split_traces_by_trace_id(data: Traces, ring: &Ring) -> Vec<(usize, Traces)> {
    let n = ring.endpoints().len();
    let ctx = data.context().clone();
    let req = data.into_request();
    let mut out: Vec<Vec<ResourceSpans>> = (0..n).map(|_| Vec::new()).collect();
    for rs in req.resource_spans {
        let ResourceSpans {
            resource,
            scope_spans,
            schema_url,
        } = rs;
        let mut res_at: Vec<Option<usize>> = vec![None; n];
        for ss in scope_spans {
            let ScopeSpans {
                scope,
                spans,
                schema_url: scope_url,
            } = ss;
            let mut scope_at: Vec<Option<usize>> = vec![None; n];
            for span in spans {
                let idx = ring.index_for(&span.trace_id).unwrap_or(0).min(n - 1);
                let list = &mut out[idx];
                let r = *res_at[idx].get_or_insert_with(|| {
                    list.push(ResourceSpans {
                        resource: resource.clone(),
                        scope_spans: Vec::new(),
                        schema_url: schema_url.clone(),
                    });
                    list.len() - 1
                });
                let scopes = &mut list[r].scope_spans;
                let sc = *scope_at[idx].get_or_insert_with(|| {
                    scopes.push(ScopeSpans {
                        scope: scope.clone(),
                        spans: Vec::new(),
                        schema_url: scope_url.clone(),
                    });
                    scopes.len() - 1
                });
                scopes[sc].spans.push(span);
            }
        }
    }
    out.into_iter()
        .enumerate()
        .filter(|(_, rss)| !rss.is_empty())
        .map(|(i, rss)| {
            let mut t = Traces::from_request(ExportTraceServiceRequest { resource_spans: rss });
            t.set_context(ctx.clone());
            (i, t)
        })
        .collect()
}

/// `data` split by endpoint index of `ring`: every part non-empty, the
/// indexes distinct. One endpoint (or all data on one) takes `data` whole.
pub(crate) fn split<T: Payload>(
    mut data: T,
    key: RoutingKey,
    names: &[String],
    ring: &Ring,
) -> Result<Vec<(usize, T)>, String> {
    if ring.endpoints().len() <= 1 {
        return Ok(vec![(0, data)]);
    }
    if key == RoutingKey::TraceId && T::SIGNAL == Signal::Traces {
        // The same type: take the fast path, then hand the parts back as `T`.
        let any: Box<dyn Any> = Box::new(data);
        match any.downcast::<Traces>() {
            Ok(traces) => {
                return Ok(split_traces_by_trace_id(*traces, ring)
                    .into_iter()
                    .filter_map(|(i, t)| {
                        let back: Box<dyn Any> = Box::new(t);
                        back.downcast::<T>().ok().map(|t| (i, *t))
                    })
                    .collect());
            }
            Err(any) => match any.downcast::<T>() {
                Ok(d) => data = *d,
                Err(_) => return Err("internal: a payload of another type".into()),
            },
        }
    }
    let level = level(key, T::SIGNAL);
    let mut assign = Assign {
        key,
        level,
        names,
        ring,
        out: Vec::new(),
        error: None,
        spread: 0,
    };
    data.retain(&mut assign);
    if let Some(e) = assign.error {
        return Err(e);
    }
    let decisions = assign.out;
    let mut targets: Vec<u32> = decisions.clone();
    targets.sort_unstable();
    targets.dedup();
    if targets.len() <= 1 {
        return Ok(vec![(targets.first().copied().unwrap_or(0) as usize, data)]);
    }
    Ok(targets
        .into_iter()
        .map(|target| {
            let mut part = data.clone();
            part.retain(&mut Pick {
                target,
                level,
                decisions: &decisions,
                pos: 0,
            });
            (target as usize, part)
        })
        .filter(|(_, p)| p.resource_count() > 0)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use otelcol_component::build::string_kv;
    use otelcol_component::proto::resource::v1::Resource;

    fn traces(resources: &[(&str, &[u8])]) -> Traces {
        Traces::from_request(ExportTraceServiceRequest {
            resource_spans: resources
                .iter()
                .map(|(svc, traces)| ResourceSpans {
                    resource: Some(Resource {
                        attributes: vec![string_kv("service.name", svc)],
                        ..Default::default()
                    }),
                    scope_spans: vec![ScopeSpans {
                        spans: traces
                            .iter()
                            .map(|t| Span {
                                trace_id: vec![*t; 16],
                                span_id: vec![1; 8],
                                ..Default::default()
                            })
                            .collect(),
                        ..Default::default()
                    }],
                    ..Default::default()
                })
                .collect(),
        })
    }

    fn ring() -> Ring {
        Ring::new(&["a:1".to_string(), "b:1".to_string(), "c:1".to_string()])
    }

    #[test]
    fn spans_go_where_their_trace_id_goes_and_nothing_is_lost_or_doubled() {
        let ids: Vec<u8> = (1..=60).collect();
        let data = traces(&[("x", &ids[..30]), ("y", &ids[30..])]);
        let ring = ring();
        let parts = split(data, RoutingKey::TraceId, &[], &ring).unwrap();
        assert_eq!(parts.len(), 3, "60 traces reach the three endpoints");
        let mut seen = Vec::new();
        for (idx, p) in &parts {
            for rs in &p.request().resource_spans {
                for s in rs.scope_spans.iter().flat_map(|s| &s.spans) {
                    assert_eq!(ring.index_for(&s.trace_id), Some(*idx));
                    seen.push(s.trace_id[0]);
                }
            }
        }
        seen.sort_unstable();
        assert_eq!(seen, ids);
    }

    #[test]
    fn the_trace_id_fast_path_splits_as_the_generic_walk_does() {
        let ids: Vec<u8> = (1..=90).collect();
        let data = traces(&[("x", &ids[..40]), ("y", &ids[40..])]);
        let ring = ring();
        let fast = split_traces_by_trace_id(data.clone(), &ring);
        // The generic walk, forced through a key that reads the same ids.
        let mut generic = Vec::new();
        for target in 0..3u32 {
            let mut part = data.clone();
            let mut assign = Assign {
                key: RoutingKey::TraceId,
                level: Level::Item,
                names: &[],
                ring: &ring,
                out: Vec::new(),
                error: None,
                spread: 0,
            };
            let mut probe = data.clone();
            probe.retain(&mut assign);
            part.retain(&mut Pick {
                target,
                level: Level::Item,
                decisions: &assign.out,
                pos: 0,
            });
            if part.resource_count() > 0 {
                generic.push((target as usize, part));
            }
        }
        assert_eq!(fast.len(), generic.len());
        for ((i, a), (j, b)) in fast.iter().zip(&generic) {
            assert_eq!(i, j);
            assert_eq!(a.request(), b.request());
        }
    }

    #[test]
    fn services_route_whole_resources_and_a_missing_name_is_an_error() {
        let data = traces(&[("x", &[1, 2, 3]), ("y", &[4, 5])]);
        let ring = ring();
        let parts = split(data, RoutingKey::Service, &[], &ring).unwrap();
        let total: usize = parts.iter().map(|(_, p)| p.item_count()).sum();
        assert_eq!(total, 5);
        for (idx, p) in &parts {
            for rs in &p.request().resource_spans {
                let svc = value_string(&rs.resource.as_ref().unwrap().attributes, "service.name").unwrap();
                assert_eq!(ring.index_for(svc.as_bytes()), Some(*idx));
            }
        }
        let mut req = traces(&[("x", &[1])]).request().clone();
        req.resource_spans[0].resource = None;
        let e = split(Traces::from_request(req), RoutingKey::Service, &[], &ring).unwrap_err();
        assert_eq!(e, "unable to get service name");
        // One endpoint: the payload goes whole, without a split.
        let one = Ring::new(&["a:1".to_string()]);
        let parts = split(traces(&[("x", &[1, 2])]), RoutingKey::TraceId, &[], &one).unwrap();
        assert_eq!((parts.len(), parts[0].1.item_count()), (1, 2));
    }

    #[test]
    fn attribute_keys_encode_as_go_does() {
        let span = Span {
            name: "GET /".into(),
            kind: SpanKind::Server as i32,
            attributes: vec![string_kv("http.route", "/a")],
            ..Default::default()
        };
        let k = attributes_key(
            &["http.route".into(), "missing".into(), "span.kind".into()],
            &[&span.attributes],
            span_pseudo(&span),
        );
        assert_eq!(k, b"http.route=/a|missing=|span.kind=SPAN_KIND_SERVER|");
    }
}
