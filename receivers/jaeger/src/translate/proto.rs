//! `jaeger.api_v2` batches → OTLP (Go's `ProtoToTraces`).

use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::common::v1::{InstrumentationScope, any_value::Value};
use otelcol_component::proto::resource::v1::Resource;
use otelcol_component::proto::trace::v1::span::{Event, Link};
use otelcol_component::proto::trace::v1::{ResourceSpans, ScopeSpans, Span};
use otelcol_component::{Payload, Traces};

use super::{
    ATTR_SERVICE_NAME, Attrs, EVENT_NAME, TAG_W3C_TRACESTATE, ref_type_attr, span_id, take_kind, take_status,
    trace_id, translate_process_attrs,
};
use crate::proto::{self as jp, SpanRefType, ValueType};

/// The service name a Go collector puts on spans without one; a process
/// named so becomes an empty resource.
const NO_SERVICE_NAME: &str = "OTLPResourceNoServiceName";

/// Why a `PostSpans` request is refused. gogoproto refuses these while
/// unmarshalling, so grpc-go answers `INTERNAL`, as this receiver does.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtoError {
    /// A trace or span id shorter than 16 / 8 bytes (gogo's "buffer is too short").
    #[error("{what}: buffer is too short ({len} bytes)")]
    ShortId {
        /// Which id.
        what: &'static str,
        /// Its length.
        len: usize,
    },
    /// A timestamp or duration outside what Go's `time` represents.
    #[error("{0}")]
    BadTime(String),
}

/// A trace id: absent is zero; else the first 16 bytes, high half first.
fn parse_trace_id(b: &[u8]) -> Result<(u64, u64), ProtoError> {
    if b.is_empty() {
        return Ok((0, 0));
    }
    match (b.get(..8), b.get(8..16)) {
        (Some(high), Some(low)) => Ok((be_u64(high), be_u64(low))),
        _ => Err(ProtoError::ShortId {
            what: "trace_id",
            len: b.len(),
        }),
    }
}

fn parse_span_id(b: &[u8]) -> Result<u64, ProtoError> {
    if b.is_empty() {
        return Ok(0);
    }
    b.get(..8).map(be_u64).ok_or(ProtoError::ShortId {
        what: "span_id",
        len: b.len(),
    })
}

/// The first (up to) 8 bytes, big-endian.
fn be_u64(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    for (d, s) in a.iter_mut().zip(b) {
        *d = *s;
    }
    u64::from_be_bytes(a)
}

/// Timestamps gogo's `StdTimeUnmarshal` accepts: years 1 to 9999.
const MIN_SECONDS: i64 = -62_135_596_800;
const MAX_SECONDS: i64 = 253_402_300_800;

/// A timestamp in ns since the epoch as Go's `uint64(t.UnixNano())` (absent: 0).
fn timestamp_ns(t: Option<&jp::Timestamp>) -> Result<i64, ProtoError> {
    let Some(t) = t else {
        return Ok(0);
    };
    if !(MIN_SECONDS..MAX_SECONDS).contains(&t.seconds) || !(0..1_000_000_000).contains(&t.nanos) {
        return Err(ProtoError::BadTime(format!(
            "timestamp: seconds:{} nanos:{} is out of range",
            t.seconds, t.nanos
        )));
    }
    Ok(t.seconds
        .wrapping_mul(1_000_000_000)
        .wrapping_add(i64::from(t.nanos)))
}

/// A duration in ns as Go's `DurationFromProto` checks it.
fn duration_ns(d: Option<&jp::Duration>) -> Result<i64, ProtoError> {
    let Some(d) = d else {
        return Ok(0);
    };
    let bad = || {
        ProtoError::BadTime(format!(
            "duration: seconds:{} nanos:{} is out of range",
            d.seconds, d.nanos
        ))
    };
    if !(-999_999_999..=999_999_999).contains(&d.nanos)
        || (d.seconds > 0 && d.nanos < 0)
        || (d.seconds < 0 && d.nanos > 0)
    {
        return Err(bad());
    }
    d.seconds
        .checked_mul(1_000_000_000)
        .and_then(|ns| ns.checked_add(i64::from(d.nanos)))
        .ok_or_else(bad)
}

/// A process as Go's checksum sees it (an absent one equals an empty one).
fn same_process(a: Option<&jp::Process>, b: Option<&jp::Process>) -> bool {
    fn key(p: Option<&jp::Process>) -> Option<(&str, &[jp::KeyValue])> {
        p.map(|p| (p.service_name.as_str(), p.tags.as_slice()))
    }
    match (key(a), key(b)) {
        (Some(a), Some(b)) => a == b,
        (None, None) => true,
        (Some((name, tags)), None) | (None, Some((name, tags))) => name.is_empty() && tags.is_empty(),
    }
}

/// Spans of one process.
struct Group {
    process: Option<jp::Process>,
    spans: Vec<jp::Span>,
}

/// Converts a `PostSpans` batch. Spans are grouped by process (a span's own
/// process wins over the batch's), one resource per process in order of
/// first appearance, and within it by instrumentation scope.
pub fn proto_to_traces(batch: jp::Batch) -> Result<Traces, ProtoError> {
    // gogoproto checks every id and time while unmarshalling, before any
    // span is looked at: one bad value refuses the whole request.
    for span in &batch.spans {
        check_span(span)?;
    }
    let mut groups = vec![Group {
        process: batch.process,
        spans: Vec::new(),
    }];
    for mut span in batch.spans {
        let own = span.process.take();
        let at = match own {
            None => 0,
            Some(p) => match groups
                .iter()
                .position(|g| same_process(g.process.as_ref(), Some(&p)))
            {
                Some(i) => i,
                None => {
                    groups.push(Group {
                        process: Some(p),
                        spans: Vec::new(),
                    });
                    groups.len() - 1
                }
            },
        };
        if let Some(g) = groups.get_mut(at) {
            g.spans.push(span);
        }
    }
    let mut resource_spans = Vec::with_capacity(groups.len());
    for g in groups {
        if g.process.is_none() && g.spans.is_empty() {
            continue;
        }
        let mut rs = ResourceSpans {
            resource: Some(process_to_resource(g.process)),
            ..Default::default()
        };
        rs.scope_spans = spans_to_scopes(g.spans)?;
        resource_spans.push(rs);
    }
    Ok(Traces::from_request(ExportTraceServiceRequest { resource_spans }))
}

fn process_to_resource(process: Option<jp::Process>) -> Resource {
    let mut resource = Resource::default();
    let Some(process) = process else {
        return resource;
    };
    if process.service_name == NO_SERVICE_NAME || (process.service_name.is_empty() && process.tags.is_empty())
    {
        return resource;
    }
    let mut attrs = Attrs::with_capacity(process.tags.len() + 1);
    if !process.service_name.is_empty() {
        attrs.put(ATTR_SERVICE_NAME, Value::StringValue(process.service_name));
    }
    tags_to_attrs(process.tags, &mut attrs);
    translate_process_attrs(&mut attrs);
    resource.attributes = attrs.into_vec();
    resource
}

fn tag_value(kv: jp::KeyValue) -> Value {
    match ValueType::try_from(kv.v_type) {
        Ok(ValueType::String) => Value::StringValue(kv.v_str),
        Ok(ValueType::Bool) => Value::BoolValue(kv.v_bool),
        Ok(ValueType::Int64) => Value::IntValue(kv.v_int64),
        Ok(ValueType::Float64) => Value::DoubleValue(kv.v_float64),
        Ok(ValueType::Binary) => Value::BytesValue(kv.v_binary),
        // Go formats the unknown enum with %q: its String() is the number.
        Err(_) => Value::StringValue(format!("<Unknown Jaeger TagType \"{}\">", kv.v_type)),
    }
}

fn tags_to_attrs(tags: Vec<jp::KeyValue>, attrs: &mut Attrs) {
    for mut kv in tags {
        let key = std::mem::take(&mut kv.key);
        attrs.put(key, tag_value(kv));
    }
}

/// Removes the first tag named `key` (keeping the order) and returns its
/// `v_str`, whatever its type (Go's `GetVStr`).
fn take_tag(tags: &mut Vec<jp::KeyValue>, key: &str) -> Option<String> {
    let i = tags.iter().position(|kv| kv.key == key)?;
    Some(tags.remove(i).v_str)
}

/// The span's scope, its tags removed: `otel.scope.name`/`version` as the
/// Go collector reads them now, else the older `otel.library.name`/`version`.
fn take_scope(span: &mut jp::Span) -> (String, String) {
    for (name_key, version_key) in [
        ("otel.scope.name", "otel.scope.version"),
        ("otel.library.name", "otel.library.version"),
    ] {
        if let Some(name) = take_tag(&mut span.tags, name_key) {
            let version = take_tag(&mut span.tags, version_key).unwrap_or_default();
            return (name, version);
        }
    }
    (String::new(), String::new())
}

fn check_span(s: &jp::Span) -> Result<(), ProtoError> {
    parse_trace_id(&s.trace_id)?;
    parse_span_id(&s.span_id)?;
    for r in &s.references {
        parse_trace_id(&r.trace_id)?;
        parse_span_id(&r.span_id)?;
    }
    timestamp_ns(s.start_time.as_ref())?;
    duration_ns(s.duration.as_ref())?;
    for log in &s.logs {
        timestamp_ns(log.timestamp.as_ref())?;
    }
    Ok(())
}

/// A span with every field at its zero value (Go skips those).
fn is_blank(s: &jp::Span) -> bool {
    let zero_id = |b: &[u8]| b.iter().all(|&x| x == 0);
    zero_id(&s.trace_id)
        && zero_id(&s.span_id)
        && s.operation_name.is_empty()
        && s.references.is_empty()
        && s.flags == 0
        && s.start_time.is_none()
        && s.duration.is_none_or(|d| d.seconds == 0 && d.nanos == 0)
        && s.tags.is_empty()
        && s.logs.is_empty()
        && s.process.is_none()
        && s.process_id.is_empty()
        && s.warnings.is_empty()
}

fn spans_to_scopes(spans: Vec<jp::Span>) -> Result<Vec<ScopeSpans>, ProtoError> {
    let mut scopes: Vec<ScopeSpans> = Vec::new();
    for mut span in spans {
        if is_blank(&span) {
            continue;
        }
        let (name, version) = take_scope(&mut span);
        let otlp = span_to_otlp(span)?;
        let found = scopes.iter_mut().find(|s| {
            s.scope
                .as_ref()
                .is_some_and(|sc| sc.name == name && sc.version == version)
        });
        match found {
            Some(s) => s.spans.push(otlp),
            None => scopes.push(ScopeSpans {
                scope: Some(InstrumentationScope {
                    name,
                    version,
                    ..Default::default()
                }),
                spans: vec![otlp],
                ..Default::default()
            }),
        }
    }
    Ok(scopes)
}

/// The parent: the first `CHILD_OF` reference of the same trace, else its
/// first `FOLLOWS_FROM` one (0: none). Jaeger's `Span.ParentSpanID`.
fn parent_id(trace: (u64, u64), refs: &[(u64, u64, u64, i32)]) -> u64 {
    let mut follows_from = None;
    for &(high, low, span, ty) in refs {
        if (high, low) != trace {
            continue;
        }
        if ty == SpanRefType::ChildOf as i32 {
            return span;
        }
        if follows_from.is_none() && ty == SpanRefType::FollowsFrom as i32 {
            follows_from = Some(span);
        }
    }
    follows_from.unwrap_or(0)
}

fn span_to_otlp(s: jp::Span) -> Result<Span, ProtoError> {
    let trace = parse_trace_id(&s.trace_id)?;
    let id = parse_span_id(&s.span_id)?;
    let refs = s
        .references
        .iter()
        .map(|r| {
            let (high, low) = parse_trace_id(&r.trace_id)?;
            Ok((high, low, parse_span_id(&r.span_id)?, r.ref_type))
        })
        .collect::<Result<Vec<_>, ProtoError>>()?;
    let start = timestamp_ns(s.start_time.as_ref())?;
    let duration = duration_ns(s.duration.as_ref())?;
    let parent = parent_id(trace, &refs);
    let mut span = Span {
        trace_id: trace_id(trace.0, trace.1),
        span_id: span_id(id),
        name: s.operation_name,
        start_time_unix_nano: start as u64,
        end_time_unix_nano: start.wrapping_add(duration) as u64,
        ..Default::default()
    };
    if parent != 0 {
        span.parent_span_id = span_id(parent);
    }
    let mut attrs = Attrs::with_capacity(s.tags.len());
    tags_to_attrs(s.tags, &mut attrs);
    take_kind(&mut attrs, &mut span);
    span.status = Some(take_status(&mut attrs, span.kind));
    if let Some(state) = attrs.get_str(TAG_W3C_TRACESTATE) {
        span.trace_state = state;
        attrs.remove(TAG_W3C_TRACESTATE);
    }
    span.attributes = attrs.into_vec();
    span.events = s.logs.into_iter().map(log_to_event).collect::<Result<_, _>>()?;
    span.links = refs
        .into_iter()
        .filter(|&(_, _, sid, ty)| !(sid == parent && ty == SpanRefType::ChildOf as i32))
        .map(|(high, low, sid, ty)| Link {
            trace_id: trace_id(high, low),
            span_id: span_id(sid),
            attributes: vec![ref_type_attr(ty == SpanRefType::ChildOf as i32)],
            ..Default::default()
        })
        .collect();
    Ok(span)
}

fn log_to_event(log: jp::Log) -> Result<Event, ProtoError> {
    let mut event = Event {
        time_unix_nano: timestamp_ns(log.timestamp.as_ref())? as u64,
        ..Default::default()
    };
    if log.fields.is_empty() {
        return Ok(event);
    }
    let mut attrs = Attrs::with_capacity(log.fields.len());
    tags_to_attrs(log.fields, &mut attrs);
    if let Some(name) = attrs.get_str(EVENT_NAME) {
        event.name = name;
        attrs.remove(EVENT_NAME);
    }
    event.attributes = attrs.into_vec();
    Ok(event)
}
