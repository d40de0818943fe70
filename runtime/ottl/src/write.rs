//! Write access for statements: the item a statement runs on
//! ([`TransformCtx`]) and the setters of the paths.

use otelcol_component::proto::common::v1::{
    AnyValue, InstrumentationScope, KeyValue, KeyValueList, any_value,
};
use otelcol_component::proto::logs::v1::LogRecord;
use otelcol_component::proto::metrics::v1::{Metric, metric::Data, number_data_point};
use otelcol_component::proto::resource::v1::Resource;
use otelcol_component::proto::trace::v1::{Span, Status};

use super::ast::Key;
use super::context::{EvalCtx, Point};
use super::error::EvalError;
use super::fields::Field;
use super::value::Value;

/// The item of a statement's context, with write access.
#[derive(Debug)]
pub enum TransformItem<'a> {
    /// Resource and scope contexts: no item.
    None,
    /// A span (span context).
    Span(&'a mut Span),
    /// A span and the index of one of its events (span event context).
    SpanEvent(&'a mut Span, usize),
    /// A metric (metric context).
    Metric(&'a mut Metric),
    /// A metric and the index of one of its data points (data point context).
    DataPoint(&'a mut Metric, usize),
    /// A log record (log context).
    Log(&'a mut LogRecord),
}

/// What a [`Statement`](crate::Statement) runs on: the item of its context
/// and, with write access, everything above it.
#[derive(Debug)]
pub struct TransformCtx<'a> {
    /// The resource (created when a statement sets one of its fields).
    pub resource: &'a mut Option<Resource>,
    /// The schema URL of the resource's container (read only).
    pub resource_schema_url: &'a str,
    /// The scope; `None` in the resource context.
    pub scope: Option<&'a mut Option<InstrumentationScope>>,
    /// The schema URL of the scope's container (read only).
    pub scope_schema_url: &'a str,
    /// The item.
    pub item: TransformItem<'a>,
    /// Metrics created by metric functions (`extract_sum_metric`...), for
    /// the caller to append to the scope's metrics after this metric.
    pub new_metrics: Vec<Metric>,
}

impl<'a> TransformCtx<'a> {
    /// A context at `item` (or [`TransformItem::None`] for the resource or
    /// scope contexts) under `resource` and, unless `None`, `scope`.
    pub fn new(
        resource: (&'a mut Option<Resource>, &'a str),
        scope: Option<(&'a mut Option<InstrumentationScope>, &'a str)>,
        item: TransformItem<'a>,
    ) -> Self {
        let (scope, scope_schema_url) = match scope {
            Some((s, url)) => (Some(s), url),
            None => (None, ""),
        };
        TransformCtx {
            resource: resource.0,
            resource_schema_url: resource.1,
            scope,
            scope_schema_url,
            item,
            new_metrics: Vec::new(),
        }
    }
}

/// The data point `i` of `m`.
pub(crate) fn point_at(m: &Metric, i: usize) -> Option<Point<'_>> {
    match &m.data {
        Some(Data::Gauge(g)) => g.data_points.get(i).map(Point::Number),
        Some(Data::Sum(s)) => s.data_points.get(i).map(Point::Number),
        Some(Data::Histogram(h)) => h.data_points.get(i).map(Point::Histogram),
        Some(Data::ExponentialHistogram(h)) => h.data_points.get(i).map(Point::ExpHistogram),
        Some(Data::Summary(s)) => s.data_points.get(i).map(Point::Summary),
        None => None,
    }
}

impl TransformCtx<'_> {
    /// A read-only view, as conditions see it.
    pub fn view(&self) -> EvalCtx<'_> {
        let mut ctx = EvalCtx {
            resource: self.resource.as_ref(),
            resource_schema_url: self.resource_schema_url,
            scope: self.scope.as_ref().and_then(|s| s.as_ref()),
            scope_schema_url: self.scope_schema_url,
            ..Default::default()
        };
        match &self.item {
            TransformItem::None => {}
            TransformItem::Span(s) => ctx.span = Some(s),
            TransformItem::SpanEvent(s, i) => {
                ctx.span = Some(s);
                ctx.event = s.events.get(*i);
            }
            TransformItem::Metric(m) => ctx.metric = Some(m),
            TransformItem::DataPoint(m, i) => {
                ctx.metric = Some(m);
                ctx.point = point_at(m, *i);
            }
            TransformItem::Log(l) => ctx.log = Some(l),
        }
        ctx
    }

    fn span(&mut self) -> Option<&mut Span> {
        match &mut self.item {
            TransformItem::Span(s) | TransformItem::SpanEvent(s, _) => Some(s),
            _ => None,
        }
    }

    fn metric(&mut self) -> Option<&mut Metric> {
        match &mut self.item {
            TransformItem::Metric(m) | TransformItem::DataPoint(m, _) => Some(m),
            _ => None,
        }
    }

    fn log(&mut self) -> Option<&mut LogRecord> {
        match &mut self.item {
            TransformItem::Log(l) => Some(l),
            _ => None,
        }
    }

    /// The attribute list a field's map lives in, before its keys.
    fn attrs(&mut self, f: &Field) -> Option<&mut Vec<KeyValue>> {
        Some(match f {
            Field::ResAttrs(_) => &mut self.resource.get_or_insert_with(Resource::default).attributes,
            Field::ScopeAttrs(_) => {
                &mut self
                    .scope
                    .as_mut()?
                    .get_or_insert_with(InstrumentationScope::default)
                    .attributes
            }
            Field::SpanAttrs(_) => &mut self.span()?.attributes,
            Field::EventAttrs(_) => match &mut self.item {
                TransformItem::SpanEvent(s, i) => &mut s.events.get_mut(*i)?.attributes,
                _ => return None,
            },
            Field::PointAttrs(_) => match &mut self.item {
                TransformItem::DataPoint(m, i) => point_attrs(m, *i)?,
                _ => return None,
            },
            Field::LogAttrs(_) => &mut self.log()?.attributes,
            _ => return None,
        })
    }
}

fn point_attrs(m: &mut Metric, i: usize) -> Option<&mut Vec<KeyValue>> {
    Some(match &mut m.data {
        Some(Data::Gauge(g)) => &mut g.data_points.get_mut(i)?.attributes,
        Some(Data::Sum(s)) => &mut s.data_points.get_mut(i)?.attributes,
        Some(Data::Histogram(h)) => &mut h.data_points.get_mut(i)?.attributes,
        Some(Data::ExponentialHistogram(h)) => &mut h.data_points.get_mut(i)?.attributes,
        Some(Data::Summary(s)) => &mut s.data_points.get_mut(i)?.attributes,
        None => return None,
    })
}

/// The keys of a map-valued field (`attributes["a"]` → `["a"]`).
pub(crate) fn field_keys(f: &Field) -> Option<&[Key]> {
    match f {
        Field::ResAttrs(k)
        | Field::ScopeAttrs(k)
        | Field::SpanAttrs(k)
        | Field::EventAttrs(k)
        | Field::PointAttrs(k)
        | Field::LogAttrs(k)
        | Field::LogBody(k) => Some(k),
        _ => None,
    }
}

/// Whether `set` can write the field.
pub(crate) fn settable(f: &Field) -> bool {
    !matches!(
        f,
        Field::ResSchemaUrl | Field::ScopeSchemaUrl | Field::MetricType | Field::LogBodyString
    )
}

fn type_error(want: &str, keys: &[Key]) -> EvalError {
    EvalError::new(format!("{want} at key path {keys:?}"))
}

/// Follows `keys` from a map, creating missing maps on the way when `create`.
fn follow_map<'m>(
    m: &'m mut Vec<KeyValue>,
    keys: &[Key],
    create: bool,
) -> Result<Option<&'m mut AnyValue>, EvalError> {
    let Some((first, rest)) = keys.split_first() else {
        return Ok(None);
    };
    let Key::Str(k) = first else {
        return Err(type_error("a map cannot be indexed by an integer", keys));
    };
    if !m.iter().any(|kv| &kv.key == k) {
        if !create {
            return Ok(None);
        }
        m.push(KeyValue {
            key: k.clone(),
            value: Some(AnyValue::default()),
            ..Default::default()
        });
    }
    let Some(kv) = m.iter_mut().find(|kv| &kv.key == k) else {
        return Ok(None);
    };
    let v = kv.value.get_or_insert_with(AnyValue::default);
    if rest.is_empty() {
        return Ok(Some(v));
    }
    follow_any(v, rest, create)
}

/// Follows `keys` from a value.
fn follow_any<'m>(
    v: &'m mut AnyValue,
    keys: &[Key],
    create: bool,
) -> Result<Option<&'m mut AnyValue>, EvalError> {
    let Some((first, rest)) = keys.split_first() else {
        return Ok(Some(v));
    };
    match first {
        Key::Str(_) => {
            if v.value.is_none() && create {
                v.value = Some(any_value::Value::KvlistValue(KeyValueList::default()));
            }
            match &mut v.value {
                Some(any_value::Value::KvlistValue(kv)) => follow_map(&mut kv.values, keys, create),
                None => Ok(None),
                Some(_) => Err(type_error("only maps can be indexed by a string", keys)),
            }
        }
        Key::Int(i) => match &mut v.value {
            Some(any_value::Value::ArrayValue(a)) => {
                let len = a.values.len();
                let item = usize::try_from(*i)
                    .ok()
                    .and_then(|i| a.values.get_mut(i))
                    .ok_or_else(|| {
                        EvalError::new(format!("index {i} out of bounds for a slice of length {len}"))
                    })?;
                follow_any(item, rest, create)
            }
            None => Ok(None),
            Some(_) => Err(type_error("only slices can be indexed by an integer", keys)),
        },
    }
}

/// The map a map-valued field names (`attributes`, `attributes["nested"]`,
/// `body`), for the map editors. `Ok(None)` when it is absent; an error
/// when it holds something other than a map.
pub(crate) fn map_mut<'m>(
    f: &Field,
    ctx: &'m mut TransformCtx<'_>,
) -> Result<Option<&'m mut Vec<KeyValue>>, EvalError> {
    let Some(keys) = field_keys(f) else {
        return Err(EvalError::new("the path is not a map"));
    };
    let slot: &mut AnyValue = if let Field::LogBody(_) = f {
        let Some(log) = ctx.log() else { return Ok(None) };
        let body = log.body.get_or_insert_with(AnyValue::default);
        match follow_any(body, keys, false)? {
            Some(v) => v,
            None => return Ok(None),
        }
    } else {
        let Some(attrs) = ctx.attrs(f) else {
            return Ok(None);
        };
        if keys.is_empty() {
            return Ok(Some(attrs));
        }
        match follow_map(attrs, keys, false)? {
            Some(v) => v,
            None => return Ok(None),
        }
    };
    match &mut slot.value {
        Some(any_value::Value::KvlistValue(kv)) => Ok(Some(&mut kv.values)),
        None => Ok(None),
        Some(other) => Err(EvalError::new(format!(
            "expected pcommon.Map but got {}",
            Value::from_any(Some(&AnyValue {
                value: Some(other.clone())
            }))
            .type_name()
        ))),
    }
}

fn as_u64(v: &Value<'_>) -> Option<u64> {
    match v {
        Value::Int(i) => u64::try_from(*i).ok(),
        Value::Time(t) => u64::try_from(*t).ok(),
        _ => None,
    }
}

fn as_u32(v: &Value<'_>) -> Option<u32> {
    match v {
        Value::Int(i) => u32::try_from(*i).ok(),
        _ => None,
    }
}

fn as_i32(v: &Value<'_>) -> Option<i32> {
    match v {
        Value::Int(i) => i32::try_from(*i).ok(),
        _ => None,
    }
}

fn id_from(v: &Value<'_>, as_string: bool, len: usize) -> Result<Option<Vec<u8>>, EvalError> {
    match (v, as_string) {
        (Value::Bytes(b), false) if b.len() == len => Ok(Some(b.to_vec())),
        (Value::Str(s), true) => {
            if s.is_empty() {
                return Ok(Some(Vec::new()));
            }
            let bytes: Option<Vec<u8>> = (0..s.len())
                .step_by(2)
                .map(|k| s.get(k..k + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
                .collect();
            match bytes {
                Some(b) if b.len() == len && s.len() == 2 * len => Ok(Some(b)),
                _ => Err(EvalError::new(format!(
                    "{s:?} is not a valid {}-byte hex id",
                    len
                ))),
            }
        }
        _ => Ok(None),
    }
}

/// Sets `f` to `v` (`v` is never nil: `set` skips nil values). A value of
/// the wrong type for a typed field is ignored, as Go's setters do.
pub(crate) fn set(f: &Field, ctx: &mut TransformCtx<'_>, v: &Value<'_>) -> Result<(), EvalError> {
    use Field as F;
    if let Some(keys) = field_keys(f) {
        let Some(any) = v.to_any() else { return Ok(()) };
        if let F::LogBody(_) = f {
            let Some(log) = ctx.log() else { return Ok(()) };
            if keys.is_empty() {
                log.body = Some(any);
                return Ok(());
            }
            let body = log.body.get_or_insert_with(AnyValue::default);
            if let Some(slot) = follow_any(body, keys, true)? {
                *slot = any;
            }
            return Ok(());
        }
        let Some(attrs) = ctx.attrs(f) else { return Ok(()) };
        if keys.is_empty() {
            // The whole map: only a map replaces it.
            if let Value::Map(m) = v {
                *attrs = m.to_vec();
            }
            return Ok(());
        }
        if let Some(slot) = follow_map(attrs, keys, true)? {
            *slot = any;
        }
        return Ok(());
    }
    let s = match v {
        Value::Str(s) => Some(s.as_ref()),
        _ => None,
    };
    match f {
        F::ResDropped => {
            if let Some(n) = as_u32(v) {
                ctx.resource
                    .get_or_insert_with(Resource::default)
                    .dropped_attributes_count = n;
            }
        }
        F::ScopeName | F::ScopeVersion | F::ScopeDropped => {
            let Some(scope) = ctx.scope.as_mut() else {
                return Ok(());
            };
            let scope = scope.get_or_insert_with(InstrumentationScope::default);
            match (f, s) {
                (F::ScopeName, Some(s)) => scope.name = s.to_string(),
                (F::ScopeVersion, Some(s)) => scope.version = s.to_string(),
                (F::ScopeDropped, _) => {
                    if let Some(n) = as_u32(v) {
                        scope.dropped_attributes_count = n;
                    }
                }
                _ => {}
            }
        }
        F::EventName | F::EventTime | F::EventDropped => {
            let TransformItem::SpanEvent(span, i) = &mut ctx.item else {
                return Ok(());
            };
            let Some(e) = span.events.get_mut(*i) else {
                return Ok(());
            };
            match (f, s) {
                (F::EventName, Some(s)) => e.name = s.to_string(),
                (F::EventTime, _) => {
                    if let Some(n) = as_u64(v) {
                        e.time_unix_nano = n;
                    }
                }
                (F::EventDropped, _) => {
                    if let Some(n) = as_u32(v) {
                        e.dropped_attributes_count = n;
                    }
                }
                _ => {}
            }
        }
        F::SpanTraceId(_)
        | F::SpanId(_)
        | F::SpanParentId(_)
        | F::SpanTraceState
        | F::SpanName
        | F::SpanKind
        | F::SpanStart
        | F::SpanEnd
        | F::SpanDroppedAttrs
        | F::SpanDroppedEvents
        | F::SpanDroppedLinks
        | F::SpanStatusCode
        | F::SpanStatusMessage
        | F::SpanFlags => {
            let Some(span) = ctx.span() else { return Ok(()) };
            set_span(f, span, v, s)?;
        }
        F::MetricName | F::MetricDescription | F::MetricUnit | F::MetricTemporality | F::MetricMonotonic => {
            let Some(m) = ctx.metric() else { return Ok(()) };
            match (f, s, v) {
                (F::MetricName, Some(s), _) => m.name = s.to_string(),
                (F::MetricDescription, Some(s), _) => m.description = s.to_string(),
                (F::MetricUnit, Some(s), _) => m.unit = s.to_string(),
                (F::MetricTemporality, _, Value::Int(t)) => {
                    let t = i32::try_from(*t).unwrap_or(0);
                    match &mut m.data {
                        Some(Data::Sum(x)) => x.aggregation_temporality = t,
                        Some(Data::Histogram(x)) => x.aggregation_temporality = t,
                        Some(Data::ExponentialHistogram(x)) => x.aggregation_temporality = t,
                        _ => {}
                    }
                }
                (F::MetricMonotonic, _, Value::Bool(b)) => {
                    if let Some(Data::Sum(x)) = &mut m.data {
                        x.is_monotonic = *b;
                    }
                }
                _ => {}
            }
        }
        F::PointStart
        | F::PointTime
        | F::PointValueInt
        | F::PointValueDouble
        | F::PointCount
        | F::PointSum
        | F::PointFlags => {
            let TransformItem::DataPoint(m, i) = &mut ctx.item else {
                return Ok(());
            };
            set_point(f, m, *i, v);
        }
        F::LogTime
        | F::LogObserved
        | F::LogSeverityNumber
        | F::LogSeverityText
        | F::LogDropped
        | F::LogFlags
        | F::LogTraceId(_)
        | F::LogSpanId(_)
        | F::LogEventName => {
            let Some(l) = ctx.log() else { return Ok(()) };
            match (f, s) {
                (F::LogTime, _) => {
                    if let Some(n) = as_u64(v) {
                        l.time_unix_nano = n;
                    }
                }
                (F::LogObserved, _) => {
                    if let Some(n) = as_u64(v) {
                        l.observed_time_unix_nano = n;
                    }
                }
                (F::LogSeverityNumber, _) => {
                    if let Some(n) = as_i32(v) {
                        l.severity_number = n;
                    }
                }
                (F::LogSeverityText, Some(s)) => l.severity_text = s.to_string(),
                (F::LogEventName, Some(s)) => l.event_name = s.to_string(),
                (F::LogDropped, _) => {
                    if let Some(n) = as_u32(v) {
                        l.dropped_attributes_count = n;
                    }
                }
                (F::LogFlags, _) => {
                    if let Some(n) = as_u32(v) {
                        l.flags = n;
                    }
                }
                (F::LogTraceId(st), _) => {
                    if let Some(b) = id_from(v, *st, 16)? {
                        l.trace_id = b;
                    }
                }
                (F::LogSpanId(st), _) => {
                    if let Some(b) = id_from(v, *st, 8)? {
                        l.span_id = b;
                    }
                }
                _ => {}
            }
        }
        _ => {
            return Err(EvalError::new("the path cannot be set"));
        }
    }
    Ok(())
}

fn set_span(f: &Field, span: &mut Span, v: &Value<'_>, s: Option<&str>) -> Result<(), EvalError> {
    use Field as F;
    match (f, s) {
        (F::SpanTraceId(st), _) => {
            if let Some(b) = id_from(v, *st, 16)? {
                span.trace_id = b;
            }
        }
        (F::SpanId(st), _) => {
            if let Some(b) = id_from(v, *st, 8)? {
                span.span_id = b;
            }
        }
        (F::SpanParentId(st), _) => {
            if let Some(b) = id_from(v, *st, 8)? {
                span.parent_span_id = b;
            }
        }
        (F::SpanTraceState, Some(s)) => span.trace_state = s.to_string(),
        (F::SpanName, Some(s)) => span.name = s.to_string(),
        (F::SpanKind, _) => {
            if let Some(n) = as_i32(v) {
                span.kind = n;
            }
        }
        (F::SpanStart, _) => {
            if let Some(n) = as_u64(v) {
                span.start_time_unix_nano = n;
            }
        }
        (F::SpanEnd, _) => {
            if let Some(n) = as_u64(v) {
                span.end_time_unix_nano = n;
            }
        }
        (F::SpanDroppedAttrs, _) => {
            if let Some(n) = as_u32(v) {
                span.dropped_attributes_count = n;
            }
        }
        (F::SpanDroppedEvents, _) => {
            if let Some(n) = as_u32(v) {
                span.dropped_events_count = n;
            }
        }
        (F::SpanDroppedLinks, _) => {
            if let Some(n) = as_u32(v) {
                span.dropped_links_count = n;
            }
        }
        (F::SpanStatusCode, _) => {
            if let Some(n) = as_i32(v) {
                span.status.get_or_insert_with(Status::default).code = n;
            }
        }
        (F::SpanStatusMessage, Some(s)) => {
            span.status.get_or_insert_with(Status::default).message = s.to_string()
        }
        (F::SpanFlags, _) => {
            if let Some(n) = as_u32(v) {
                span.flags = n;
            }
        }
        _ => {}
    }
    Ok(())
}

fn set_point(f: &Field, m: &mut Metric, i: usize, v: &Value<'_>) {
    use Field as F;
    macro_rules! common {
        ($p:expr) => {
            match f {
                F::PointStart => {
                    if let Some(n) = as_u64(v) {
                        $p.start_time_unix_nano = n;
                    }
                }
                F::PointTime => {
                    if let Some(n) = as_u64(v) {
                        $p.time_unix_nano = n;
                    }
                }
                F::PointFlags => {
                    if let Some(n) = as_u32(v) {
                        $p.flags = n;
                    }
                }
                _ => {}
            }
        };
    }
    match &mut m.data {
        Some(Data::Gauge(g)) => {
            if let Some(p) = g.data_points.get_mut(i) {
                common!(p);
                set_number(f, p, v);
            }
        }
        Some(Data::Sum(s)) => {
            if let Some(p) = s.data_points.get_mut(i) {
                common!(p);
                set_number(f, p, v);
            }
        }
        Some(Data::Histogram(h)) => {
            if let Some(p) = h.data_points.get_mut(i) {
                common!(p);
                match (f, v) {
                    (F::PointCount, _) => {
                        if let Some(n) = as_u64(v) {
                            p.count = n;
                        }
                    }
                    (F::PointSum, Value::Double(d)) => p.sum = Some(*d),
                    _ => {}
                }
            }
        }
        Some(Data::ExponentialHistogram(h)) => {
            if let Some(p) = h.data_points.get_mut(i) {
                common!(p);
                match (f, v) {
                    (F::PointCount, _) => {
                        if let Some(n) = as_u64(v) {
                            p.count = n;
                        }
                    }
                    (F::PointSum, Value::Double(d)) => p.sum = Some(*d),
                    _ => {}
                }
            }
        }
        Some(Data::Summary(s)) => {
            if let Some(p) = s.data_points.get_mut(i) {
                common!(p);
                match (f, v) {
                    (F::PointCount, _) => {
                        if let Some(n) = as_u64(v) {
                            p.count = n;
                        }
                    }
                    (F::PointSum, Value::Double(d)) => p.sum = *d,
                    _ => {}
                }
            }
        }
        None => {}
    }
}

fn set_number(f: &Field, p: &mut otelcol_component::proto::metrics::v1::NumberDataPoint, v: &Value<'_>) {
    match (f, v) {
        (Field::PointValueInt, Value::Int(i)) => p.value = Some(number_data_point::Value::AsInt(*i)),
        (Field::PointValueDouble, Value::Double(d)) => p.value = Some(number_data_point::Value::AsDouble(*d)),
        _ => {}
    }
}
