//! Paths: resolving `span.attributes["k"]` to a field of a context.

use std::borrow::Cow;

use otelcol_component::proto::common::v1::KeyValue;

use super::ast::{Key, RawPath, Segment};
use super::context::ContextKind;
use super::error::{EvalError, ParseError};
use super::value::Value;

/// A resolved path.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Field {
    ResAttrs(Vec<Key>),
    ResDropped,
    ResSchemaUrl,
    ScopeName,
    ScopeVersion,
    ScopeAttrs(Vec<Key>),
    ScopeDropped,
    ScopeSchemaUrl,
    SpanTraceId(bool),
    SpanId(bool),
    SpanParentId(bool),
    SpanTraceState,
    SpanName,
    SpanKind,
    SpanStart,
    SpanEnd,
    SpanAttrs(Vec<Key>),
    SpanDroppedAttrs,
    SpanDroppedEvents,
    SpanDroppedLinks,
    SpanStatusCode,
    SpanStatusMessage,
    SpanFlags,
    EventName,
    EventTime,
    EventAttrs(Vec<Key>),
    EventDropped,
    MetricName,
    MetricDescription,
    MetricUnit,
    MetricType,
    MetricTemporality,
    MetricMonotonic,
    PointAttrs(Vec<Key>),
    PointStart,
    PointTime,
    PointValueInt,
    PointValueDouble,
    PointCount,
    PointSum,
    PointFlags,
    LogTime,
    LogObserved,
    LogSeverityNumber,
    LogSeverityText,
    LogBody(Vec<Key>),
    LogBodyString,
    LogAttrs(Vec<Key>),
    LogDropped,
    LogFlags,
    LogTraceId(bool),
    LogSpanId(bool),
    LogEventName,
}

/// Resolves `path` in context `ctx`. With `require_prefix`, the path must
/// start with a context name (context inference); otherwise a path without
/// one is a field of `ctx`.
pub(crate) fn resolve(path: &RawPath, ctx: ContextKind, require_prefix: bool) -> Result<Field, ParseError> {
    let err = |m: String| ParseError::new(path.pos, m);
    let segs = &path.segments;
    let prefixed = match segs.first() {
        Some(first) if segs.len() > 1 && first.keys.is_empty() => ContextKind::from_name(&first.name),
        _ => None,
    };
    let (target, rest) = match prefixed {
        Some(c) if ctx.reachable().contains(&c) => (c, segs.get(1..).unwrap_or_default()),
        Some(c) => {
            return Err(err(format!(
                "path {:?}: the {c} context cannot be read from the {ctx} context",
                path.text()
            )));
        }
        None if require_prefix => {
            return Err(err(format!(
                "path {:?} has no context name; prefix it with one of {}",
                path.text(),
                names(ctx)
            )));
        }
        None => (ctx, segs.as_slice()),
    };
    field(target, rest).ok_or_else(|| {
        err(format!(
            "path {:?} is not a valid path of the {target} context",
            path.text()
        ))
    })
}

fn names(ctx: ContextKind) -> String {
    ctx.reachable()
        .iter()
        .map(|c| format!("\"{}.\"", c.name()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The field `segs` names in context `c`, if any.
fn field(c: ContextKind, segs: &[Segment]) -> Option<Field> {
    let first = segs.first()?;
    let sub = match segs {
        [_] => None,
        [_, s] if s.keys.is_empty() => Some(s.name.as_str()),
        _ => return None,
    };
    let keys = || first.keys.clone();
    let plain = first.keys.is_empty();
    use ContextKind as K;
    use Field as F;
    let f = match (c, first.name.as_str(), sub) {
        (K::Resource, "attributes", None) => F::ResAttrs(keys()),
        (K::Resource, "dropped_attributes_count", None) => F::ResDropped,
        (K::Resource, "schema_url", None) => F::ResSchemaUrl,
        (K::Scope, "name", None) => F::ScopeName,
        (K::Scope, "version", None) => F::ScopeVersion,
        (K::Scope, "attributes", None) => F::ScopeAttrs(keys()),
        (K::Scope, "dropped_attributes_count", None) => F::ScopeDropped,
        (K::Scope, "schema_url", None) => F::ScopeSchemaUrl,
        (K::Span, "trace_id", None | Some("string")) => F::SpanTraceId(sub.is_some()),
        (K::Span, "span_id", None | Some("string")) => F::SpanId(sub.is_some()),
        (K::Span, "parent_span_id", None | Some("string")) => F::SpanParentId(sub.is_some()),
        (K::Span, "trace_state", None) => F::SpanTraceState,
        (K::Span, "name", None) => F::SpanName,
        (K::Span, "kind", None) => F::SpanKind,
        (K::Span, "start_time_unix_nano", None) => F::SpanStart,
        (K::Span, "end_time_unix_nano", None) => F::SpanEnd,
        (K::Span, "attributes", None) => F::SpanAttrs(keys()),
        (K::Span, "dropped_attributes_count", None) => F::SpanDroppedAttrs,
        (K::Span, "dropped_events_count", None) => F::SpanDroppedEvents,
        (K::Span, "dropped_links_count", None) => F::SpanDroppedLinks,
        (K::Span, "status", Some("code")) => F::SpanStatusCode,
        (K::Span, "status", Some("message")) => F::SpanStatusMessage,
        (K::Span, "flags", None) => F::SpanFlags,
        (K::SpanEvent, "name", None) => F::EventName,
        (K::SpanEvent, "time_unix_nano", None) => F::EventTime,
        (K::SpanEvent, "attributes", None) => F::EventAttrs(keys()),
        (K::SpanEvent, "dropped_attributes_count", None) => F::EventDropped,
        (K::Metric, "name", None) => F::MetricName,
        (K::Metric, "description", None) => F::MetricDescription,
        (K::Metric, "unit", None) => F::MetricUnit,
        (K::Metric, "type", None) => F::MetricType,
        (K::Metric, "aggregation_temporality", None) => F::MetricTemporality,
        (K::Metric, "is_monotonic", None) => F::MetricMonotonic,
        (K::DataPoint, "attributes", None) => F::PointAttrs(keys()),
        (K::DataPoint, "start_time_unix_nano", None) => F::PointStart,
        (K::DataPoint, "time_unix_nano", None) => F::PointTime,
        (K::DataPoint, "value_int", None) => F::PointValueInt,
        (K::DataPoint, "value_double", None) => F::PointValueDouble,
        (K::DataPoint, "count", None) => F::PointCount,
        (K::DataPoint, "sum", None) => F::PointSum,
        (K::DataPoint, "flags", None) => F::PointFlags,
        (K::Log, "time_unix_nano", None) => F::LogTime,
        (K::Log, "observed_time_unix_nano", None) => F::LogObserved,
        (K::Log, "severity_number", None) => F::LogSeverityNumber,
        (K::Log, "severity_text", None) => F::LogSeverityText,
        (K::Log, "body", None) => F::LogBody(keys()),
        (K::Log, "body", Some("string")) if plain => F::LogBodyString,
        (K::Log, "attributes", None) => F::LogAttrs(keys()),
        (K::Log, "dropped_attributes_count", None) => F::LogDropped,
        (K::Log, "flags", None) => F::LogFlags,
        (K::Log, "trace_id", None | Some("string")) => F::LogTraceId(sub.is_some()),
        (K::Log, "span_id", None | Some("string")) => F::LogSpanId(sub.is_some()),
        (K::Log, "event_name", None) => F::LogEventName,
        _ => return None,
    };
    let indexable = matches!(
        f,
        F::ResAttrs(_)
            | F::ScopeAttrs(_)
            | F::SpanAttrs(_)
            | F::EventAttrs(_)
            | F::PointAttrs(_)
            | F::LogBody(_)
            | F::LogAttrs(_)
    );
    (plain || indexable).then_some(f)
}

/// Follows `keys` into maps and lists. A missing map key yields nil.
pub(crate) fn index<'a>(mut v: Value<'a>, keys: &[Key]) -> Result<Value<'a>, EvalError> {
    for key in keys {
        v = match (v, key) {
            (Value::Nil, _) => return Ok(Value::Nil),
            (Value::Map(Cow::Borrowed(m)), Key::Str(k)) => attr(m, k),
            (Value::Map(Cow::Owned(m)), Key::Str(k)) => attr(&m, k).into_owned(),
            (Value::List(l), Key::Int(i)) => {
                let at = usize::try_from(*i).ok().filter(|i| *i < l.len()).ok_or_else(|| {
                    EvalError::new(format!(
                        "index {i} out of bounds for a slice of length {}",
                        l.len()
                    ))
                })?;
                match l {
                    Cow::Borrowed(l) => Value::from_any(l.get(at)),
                    Cow::Owned(l) => Value::from_any(l.get(at)).into_owned(),
                }
            }
            (Value::Map(_), Key::Int(i)) => {
                return Err(EvalError::new(format!(
                    "a map cannot be indexed by the integer {i}"
                )));
            }
            (Value::List(_), Key::Str(k)) => {
                return Err(EvalError::new(format!(
                    "a slice cannot be indexed by the string {k:?}"
                )));
            }
            (other, _) => {
                return Err(EvalError::new(format!(
                    "type {} does not support indexing",
                    other.type_name()
                )));
            }
        };
    }
    Ok(v)
}

/// The value of attribute `k` (first entry wins), or nil.
pub(crate) fn attr<'a>(attrs: &'a [KeyValue], k: &str) -> Value<'a> {
    attrs
        .iter()
        .find(|kv| kv.key == k)
        .map_or(Value::Nil, |kv| Value::from_any(kv.value.as_ref()))
}
