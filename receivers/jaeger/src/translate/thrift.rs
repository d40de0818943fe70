//! `jaeger.thrift` batches → OTLP (Go's `ThriftToTraces`).

use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::common::v1::{InstrumentationScope, any_value::Value};
use otelcol_component::proto::resource::v1::Resource;
use otelcol_component::proto::trace::v1::span::{Event, Link};
use otelcol_component::proto::trace::v1::{ResourceSpans, ScopeSpans, Span};
use otelcol_component::{Payload, Traces};

use super::{
    ATTR_SERVICE_NAME, Attrs, EVENT_NAME, micros_to_nanos, ref_type_attr, span_id, take_kind, take_status,
    trace_id, translate_process_attrs,
};
use crate::thrift::jaeger::{Batch, Log, Process, Span as JSpan, SpanRef, Tag, span_ref_type, tag_type};

/// Converts a Thrift batch: one resource (the process) with one scope
/// holding every span (empty spans, all fields zero, are skipped as Go
/// skips them). A batch without spans gives a resource and no scope.
pub fn thrift_to_traces(batch: Batch) -> Traces {
    let resource = process_to_resource(batch.process);
    let mut rs = ResourceSpans {
        resource: Some(resource),
        ..Default::default()
    };
    if !batch.spans.is_empty() {
        let blank = JSpan::default();
        let spans = batch
            .spans
            .into_iter()
            .filter(|s| *s != blank)
            .map(span_to_otlp)
            .collect();
        rs.scope_spans.push(ScopeSpans {
            scope: Some(InstrumentationScope::default()),
            spans,
            ..Default::default()
        });
    }
    Traces::from_request(ExportTraceServiceRequest {
        resource_spans: vec![rs],
    })
}

fn process_to_resource(process: Process) -> Resource {
    let mut resource = Resource::default();
    if process.service_name.is_empty() && process.tags.is_none() {
        return resource;
    }
    let tags = process.tags.unwrap_or_default();
    let mut attrs = Attrs::with_capacity(tags.len() + 1);
    if !process.service_name.is_empty() {
        attrs.put(ATTR_SERVICE_NAME, Value::StringValue(process.service_name));
    }
    tags_to_attrs(tags, &mut attrs);
    translate_process_attrs(&mut attrs);
    resource.attributes = attrs.into_vec();
    resource
}

/// A tag's value as Go's `jThriftTagsToInternalAttributes` types it.
fn tag_value(tag: Tag) -> Value {
    match tag.v_type {
        tag_type::STRING => Value::StringValue(tag.v_str.unwrap_or_default()),
        tag_type::BOOL => Value::BoolValue(tag.v_bool.unwrap_or_default()),
        tag_type::LONG => Value::IntValue(tag.v_long.unwrap_or_default()),
        tag_type::DOUBLE => Value::DoubleValue(tag.v_double.unwrap_or_default()),
        tag_type::BINARY => Value::BytesValue(tag.v_binary.unwrap_or_default()),
        // Go formats the unknown enum with %q: its String() is "<UNSET>".
        _ => Value::StringValue("<Unknown Jaeger TagType \"<UNSET>\">".to_string()),
    }
}

fn tags_to_attrs(tags: Vec<Tag>, attrs: &mut Attrs) {
    for mut tag in tags {
        let key = std::mem::take(&mut tag.key);
        attrs.put(key, tag_value(tag));
    }
}

/// The parent: `parentSpanId`, else the first `CHILD_OF` reference of the
/// same trace, else its first `FOLLOWS_FROM` one (0: none).
fn parent_id(span: &JSpan) -> i64 {
    if span.parent_span_id != 0 {
        return span.parent_span_id;
    }
    let mut follows_from = None;
    for r in span.references.iter().flatten() {
        if r.trace_id_high != span.trace_id_high || r.trace_id_low != span.trace_id_low {
            continue;
        }
        if r.ref_type == span_ref_type::CHILD_OF {
            return r.span_id;
        }
        if follows_from.is_none() && r.ref_type == span_ref_type::FOLLOWS_FROM {
            follows_from = Some(r.span_id);
        }
    }
    follows_from.unwrap_or(0)
}

fn span_to_otlp(s: JSpan) -> Span {
    let parent = parent_id(&s);
    let mut span = Span {
        trace_id: trace_id(s.trace_id_high as u64, s.trace_id_low as u64),
        span_id: span_id(s.span_id as u64),
        name: s.operation_name,
        start_time_unix_nano: micros_to_nanos(s.start_time),
        end_time_unix_nano: micros_to_nanos(s.start_time.wrapping_add(s.duration)),
        ..Default::default()
    };
    if parent != 0 {
        span.parent_span_id = span_id(parent as u64);
    }
    let tags = s.tags.unwrap_or_default();
    let mut attrs = Attrs::with_capacity(tags.len());
    tags_to_attrs(tags, &mut attrs);
    take_kind(&mut attrs, &mut span);
    span.status = Some(take_status(&mut attrs, span.kind));
    span.attributes = attrs.into_vec();
    span.events = s.logs.unwrap_or_default().into_iter().map(log_to_event).collect();
    span.links = references_to_links(s.references.unwrap_or_default(), parent);
    span
}

fn log_to_event(log: Log) -> Event {
    let mut event = Event {
        time_unix_nano: micros_to_nanos(log.timestamp),
        ..Default::default()
    };
    if log.fields.is_empty() {
        return event;
    }
    let mut attrs = Attrs::with_capacity(log.fields.len());
    tags_to_attrs(log.fields, &mut attrs);
    if let Some(name) = attrs.get_str(EVENT_NAME) {
        event.name = name;
        attrs.remove(EVENT_NAME);
    }
    event.attributes = attrs.into_vec();
    event
}

/// Every reference but the `CHILD_OF` one naming the parent becomes a link.
fn references_to_links(refs: Vec<SpanRef>, parent: i64) -> Vec<Link> {
    refs.into_iter()
        .filter(|r| !(r.span_id == parent && r.ref_type == span_ref_type::CHILD_OF))
        .map(|r| Link {
            trace_id: trace_id(r.trace_id_high as u64, r.trace_id_low as u64),
            span_id: span_id(r.span_id as u64),
            attributes: vec![ref_type_attr(r.ref_type == span_ref_type::CHILD_OF)],
            ..Default::default()
        })
        .collect()
}
