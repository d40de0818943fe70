//! Reading a resolved [`Field`] from the item of an [`EvalCtx`].

use std::borrow::Cow;

use otelcol_component::proto::common::v1::KeyValue;
use otelcol_component::proto::metrics::v1::metric::Data;

use super::context::{EvalCtx, Point};
use super::error::EvalError;
use super::fields::{Field, index};
use super::value::{Value, hex};

fn id<'a>(bytes: &'a [u8], as_string: bool) -> Value<'a> {
    if as_string {
        if bytes.iter().all(|b| *b == 0) {
            Value::Str(Cow::Borrowed(""))
        } else {
            Value::Str(Cow::Owned(hex(bytes)))
        }
    } else {
        Value::Bytes(Cow::Borrowed(bytes))
    }
}

fn map(x: &[KeyValue]) -> Value<'_> {
    Value::Map(Cow::Borrowed(x))
}

fn s(x: &str) -> Value<'_> {
    Value::Str(Cow::Borrowed(x))
}

fn u(x: u64) -> Value<'static> {
    Value::Int(i64::try_from(x).unwrap_or(i64::MAX))
}

/// Reads `f` from the item in `ctx`.
pub(crate) fn get<'a>(f: &Field, ctx: &EvalCtx<'a>) -> Result<Value<'a>, EvalError> {
    use Field as F;
    let res_attrs: &'a [KeyValue] = ctx.resource.map_or(&[], |r| &r.attributes);
    let scope = ctx.scope;
    Ok(match f {
        F::ResAttrs(k) => return index(map(res_attrs), k),
        F::ResDropped => Value::Int(ctx.resource.map_or(0, |r| r.dropped_attributes_count.into())),
        F::ResSchemaUrl => s(ctx.resource_schema_url),
        F::ScopeName => s(scope.map_or("", |s| &s.name)),
        F::ScopeVersion => s(scope.map_or("", |s| &s.version)),
        F::ScopeAttrs(k) => return index(map(scope.map_or(&[], |s| &s.attributes)), k),
        F::ScopeDropped => Value::Int(scope.map_or(0, |s| s.dropped_attributes_count.into())),
        F::ScopeSchemaUrl => s(ctx.scope_schema_url),
        F::EventName | F::EventTime | F::EventAttrs(_) | F::EventDropped => {
            let Some(e) = ctx.event else { return Ok(Value::Nil) };
            match f {
                F::EventName => s(&e.name),
                F::EventTime => u(e.time_unix_nano),
                F::EventAttrs(k) => return index(map(&e.attributes), k),
                _ => Value::Int(e.dropped_attributes_count.into()),
            }
        }
        F::MetricName
        | F::MetricDescription
        | F::MetricUnit
        | F::MetricType
        | F::MetricTemporality
        | F::MetricMonotonic => {
            let Some(m) = ctx.metric else {
                return Ok(Value::Nil);
            };
            metric_field(f, m)
        }
        F::PointAttrs(_)
        | F::PointStart
        | F::PointTime
        | F::PointValueInt
        | F::PointValueDouble
        | F::PointCount
        | F::PointSum
        | F::PointFlags => {
            let Some(p) = ctx.point else { return Ok(Value::Nil) };
            return point_field(f, p);
        }
        F::LogTime
        | F::LogObserved
        | F::LogSeverityNumber
        | F::LogSeverityText
        | F::LogBody(_)
        | F::LogBodyString
        | F::LogAttrs(_)
        | F::LogDropped
        | F::LogFlags
        | F::LogTraceId(_)
        | F::LogSpanId(_)
        | F::LogEventName => {
            let Some(l) = ctx.log else { return Ok(Value::Nil) };
            match f {
                F::LogTime => u(l.time_unix_nano),
                F::LogObserved => u(l.observed_time_unix_nano),
                F::LogSeverityNumber => Value::Int(l.severity_number.into()),
                F::LogSeverityText => s(&l.severity_text),
                F::LogBody(k) => return index(Value::from_any(l.body.as_ref()), k),
                F::LogBodyString => Value::Str(Cow::Owned(
                    Value::from_any(l.body.as_ref())
                        .to_string_like()
                        .unwrap_or_default(),
                )),
                F::LogAttrs(k) => return index(map(&l.attributes), k),
                F::LogDropped => Value::Int(l.dropped_attributes_count.into()),
                F::LogFlags => Value::Int(l.flags.into()),
                F::LogTraceId(st) => id(&l.trace_id, *st),
                F::LogSpanId(st) => id(&l.span_id, *st),
                _ => s(&l.event_name),
            }
        }
        _ => {
            let Some(sp) = ctx.span else { return Ok(Value::Nil) };
            match f {
                F::SpanTraceId(st) => id(&sp.trace_id, *st),
                F::SpanId(st) => id(&sp.span_id, *st),
                F::SpanParentId(st) => id(&sp.parent_span_id, *st),
                F::SpanTraceState => s(&sp.trace_state),
                F::SpanName => s(&sp.name),
                F::SpanKind => Value::Int(sp.kind.into()),
                F::SpanStart => u(sp.start_time_unix_nano),
                F::SpanEnd => u(sp.end_time_unix_nano),
                F::SpanAttrs(k) => return index(map(&sp.attributes), k),
                F::SpanDroppedAttrs => Value::Int(sp.dropped_attributes_count.into()),
                F::SpanDroppedEvents => Value::Int(sp.dropped_events_count.into()),
                F::SpanDroppedLinks => Value::Int(sp.dropped_links_count.into()),
                F::SpanStatusCode => Value::Int(sp.status.as_ref().map_or(0, |s| s.code.into())),
                F::SpanStatusMessage => s(sp.status.as_ref().map_or("", |s| &s.message)),
                F::SpanFlags => Value::Int(sp.flags.into()),
                _ => Value::Nil,
            }
        }
    })
}

/// OTTL's metric type numbers (`METRIC_DATA_TYPE_*`).
pub(crate) fn metric_type(m: &otelcol_component::proto::metrics::v1::Metric) -> i64 {
    match &m.data {
        None => 0,
        Some(Data::Gauge(_)) => 1,
        Some(Data::Sum(_)) => 2,
        Some(Data::Histogram(_)) => 3,
        Some(Data::ExponentialHistogram(_)) => 4,
        Some(Data::Summary(_)) => 5,
    }
}

fn metric_field<'a>(f: &Field, m: &'a otelcol_component::proto::metrics::v1::Metric) -> Value<'a> {
    match f {
        Field::MetricName => s(&m.name),
        Field::MetricDescription => s(&m.description),
        Field::MetricUnit => s(&m.unit),
        Field::MetricType => Value::Int(metric_type(m)),
        Field::MetricTemporality => Value::Int(match &m.data {
            Some(Data::Sum(x)) => x.aggregation_temporality.into(),
            Some(Data::Histogram(x)) => x.aggregation_temporality.into(),
            Some(Data::ExponentialHistogram(x)) => x.aggregation_temporality.into(),
            _ => 0,
        }),
        _ => Value::Bool(matches!(&m.data, Some(Data::Sum(x)) if x.is_monotonic)),
    }
}

fn point_field<'a>(f: &Field, p: Point<'a>) -> Result<Value<'a>, EvalError> {
    use otelcol_component::proto::metrics::v1::number_data_point::Value as NV;
    let (attrs, start, time, flags): (&'a [KeyValue], u64, u64, u32) = match p {
        Point::Number(d) => (&d.attributes, d.start_time_unix_nano, d.time_unix_nano, d.flags),
        Point::Histogram(d) => (&d.attributes, d.start_time_unix_nano, d.time_unix_nano, d.flags),
        Point::ExpHistogram(d) => (&d.attributes, d.start_time_unix_nano, d.time_unix_nano, d.flags),
        Point::Summary(d) => (&d.attributes, d.start_time_unix_nano, d.time_unix_nano, d.flags),
    };
    Ok(match f {
        Field::PointAttrs(k) => return index(map(attrs), k),
        Field::PointStart => u(start),
        Field::PointTime => u(time),
        Field::PointFlags => Value::Int(flags.into()),
        Field::PointValueInt => match p {
            Point::Number(d) => Value::Int(match d.value {
                Some(NV::AsInt(i)) => i,
                _ => 0,
            }),
            _ => Value::Nil,
        },
        Field::PointValueDouble => match p {
            Point::Number(d) => Value::Double(match d.value {
                Some(NV::AsDouble(x)) => x,
                _ => 0.0,
            }),
            _ => Value::Nil,
        },
        Field::PointCount => match p {
            Point::Histogram(d) => u(d.count),
            Point::ExpHistogram(d) => u(d.count),
            Point::Summary(d) => u(d.count),
            Point::Number(_) => Value::Nil,
        },
        Field::PointSum => match p {
            Point::Histogram(d) => Value::Double(d.sum.unwrap_or(0.0)),
            Point::ExpHistogram(d) => Value::Double(d.sum.unwrap_or(0.0)),
            Point::Summary(d) => Value::Double(d.sum),
            Point::Number(_) => Value::Nil,
        },
        _ => Value::Nil,
    })
}
