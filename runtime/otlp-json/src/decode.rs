//! Message decoders. Every message accepts both the lowerCamelCase JSON
//! names and the original snake_case proto field names; unknown keys are
//! skipped; `null` means "default".

use opentelemetry_proto::tonic::collector::logs::v1 as clogs;
use opentelemetry_proto::tonic::collector::metrics::v1 as cmetrics;
use opentelemetry_proto::tonic::collector::trace::v1 as ctrace;
use opentelemetry_proto::tonic::common::v1 as common;
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyVal;
use opentelemetry_proto::tonic::logs::v1 as logs;
use opentelemetry_proto::tonic::metrics::v1 as metrics;
use opentelemetry_proto::tonic::resource::v1 as resource;
use opentelemetry_proto::tonic::trace::v1 as trace;

use crate::reader::{Path, Reader};
use crate::{DecodeError, MAX_ANY_VALUE_DEPTH};

type Result<T> = std::result::Result<T, DecodeError>;

const TRACE_ID_LEN: usize = 16;
const SPAN_ID_LEN: usize = 8;

/// Stores a decoded oneof member, rejecting a second member of the same
/// oneof (as protojson does). `None` (a `null` member) leaves it unset.
fn set_oneof<T>(slot: &mut Option<T>, v: Option<T>, path: &Path<'_>, oneof: &str) -> Result<()> {
    if let Some(v) = v {
        if slot.is_some() {
            return Err(path.error(format!("more than one field of oneof `{oneof}` is set")));
        }
        *slot = Some(v);
    }
    Ok(())
}

fn span_kind(s: &str) -> Option<i32> {
    trace::span::SpanKind::from_str_name(s).map(|v| v as i32)
}

fn status_code(s: &str) -> Option<i32> {
    trace::status::StatusCode::from_str_name(s).map(|v| v as i32)
}

fn severity_number(s: &str) -> Option<i32> {
    logs::SeverityNumber::from_str_name(s).map(|v| v as i32)
}

fn aggregation_temporality(s: &str) -> Option<i32> {
    metrics::AggregationTemporality::from_str_name(s).map(|v| v as i32)
}

// ----- common / resource -----

// The AnyValue decoders are the only recursion driven by input shape, so
// they are written without closures or generic helpers, keeping the stack
// cost per nesting level small (a few hundred bytes in release builds), and
// the recursion is capped at MAX_ANY_VALUE_DEPTH.

#[cold]
#[inline(never)]
fn too_deep(p: &Path<'_>) -> DecodeError {
    p.error(format!(
        "AnyValue nesting is deeper than the limit of {MAX_ANY_VALUE_DEPTH}"
    ))
}

fn any_value(r: &mut Reader<'_>, p: &Path<'_>, depth: usize) -> Result<common::AnyValue> {
    if depth > MAX_ANY_VALUE_DEPTH {
        return Err(too_deep(p));
    }
    let mut value: Option<AnyVal> = None;
    if !r.begin_object_or_null(p)? {
        return Ok(common::AnyValue { value });
    }
    let mut first = true;
    while let Some(k) = r.next_key(p, &mut first)? {
        let (name, v) = match &*k {
            "arrayValue" | "array_value" => {
                let q = p.key("arrayValue");
                let v = if r.try_null(&q)? {
                    None
                } else {
                    Some(AnyVal::ArrayValue(array_value(r, &q, depth)?))
                };
                ("arrayValue", v)
            }
            "kvlistValue" | "kvlist_value" => {
                let q = p.key("kvlistValue");
                let v = if r.try_null(&q)? {
                    None
                } else {
                    Some(AnyVal::KvlistValue(key_value_list(r, &q, depth)?))
                };
                ("kvlistValue", v)
            }
            other => match scalar_any_value(r, p, other)? {
                Some(named) => named,
                None => continue,
            },
        };
        set_oneof(&mut value, v, &p.key(name), "value")?;
    }
    Ok(common::AnyValue { value })
}

/// The non-recursive AnyValue members. Returns `None` for unknown keys
/// (skipped), else the canonical member name and its value (`None` = null).
#[inline(never)]
fn scalar_any_value(
    r: &mut Reader<'_>,
    p: &Path<'_>,
    key: &str,
) -> Result<Option<(&'static str, Option<AnyVal>)>> {
    let name = match key {
        "stringValue" | "string_value" => "stringValue",
        "boolValue" | "bool_value" => "boolValue",
        "intValue" | "int_value" => "intValue",
        "doubleValue" | "double_value" => "doubleValue",
        "bytesValue" | "bytes_value" => "bytesValue",
        "stringValueStrindex" | "string_value_strindex" => "stringValueStrindex",
        _ => {
            r.skip_value(p)?;
            return Ok(None);
        }
    };
    let q = p.key(name);
    if r.try_null(&q)? {
        return Ok(Some((name, None)));
    }
    let v = match name {
        "stringValue" => AnyVal::StringValue(r.string(&q)?),
        "boolValue" => AnyVal::BoolValue(r.boolean(&q)?),
        "intValue" => AnyVal::IntValue(r.i64(&q)?),
        "doubleValue" => AnyVal::DoubleValue(r.f64(&q)?),
        "bytesValue" => AnyVal::BytesValue(r.base64(&q)?),
        _ => AnyVal::StringValueStrindex(r.i32(&q)?),
    };
    Ok(Some((name, Some(v))))
}

fn array_value(r: &mut Reader<'_>, p: &Path<'_>, depth: usize) -> Result<common::ArrayValue> {
    let mut m = common::ArrayValue::default();
    r.begin_object(p)?;
    let mut first = true;
    while let Some(k) = r.next_key(p, &mut first)? {
        if &*k != "values" {
            r.skip_value(p)?;
            continue;
        }
        let q = p.key("values");
        m.values.clear();
        if !r.begin_list_or_null(&q)? {
            continue;
        }
        let mut first_elem = true;
        while r.next_elem(&q, &mut first_elem)? {
            let e = q.index(m.values.len());
            r.reject_null_elem(&e)?;
            m.values.push(any_value(r, &e, depth + 1)?);
        }
    }
    Ok(m)
}

fn key_value_list(r: &mut Reader<'_>, p: &Path<'_>, depth: usize) -> Result<common::KeyValueList> {
    let mut m = common::KeyValueList::default();
    r.begin_object(p)?;
    let mut first = true;
    while let Some(k) = r.next_key(p, &mut first)? {
        if &*k != "values" {
            r.skip_value(p)?;
            continue;
        }
        let q = p.key("values");
        m.values.clear();
        if !r.begin_list_or_null(&q)? {
            continue;
        }
        let mut first_elem = true;
        while r.next_elem(&q, &mut first_elem)? {
            let e = q.index(m.values.len());
            r.reject_null_elem(&e)?;
            m.values.push(key_value_at(r, &e, depth + 1)?);
        }
    }
    Ok(m)
}

fn key_value(r: &mut Reader<'_>, p: &Path<'_>) -> Result<common::KeyValue> {
    key_value_at(r, p, 1)
}

fn key_value_at(r: &mut Reader<'_>, p: &Path<'_>, depth: usize) -> Result<common::KeyValue> {
    let mut m = common::KeyValue::default();
    if !r.begin_object_or_null(p)? {
        return Ok(m);
    }
    let mut first = true;
    while let Some(k) = r.next_key(p, &mut first)? {
        match &*k {
            "value" => {
                let q = p.key("value");
                m.value = if r.try_null(&q)? {
                    None
                } else {
                    Some(any_value(r, &q, depth)?)
                };
            }
            other => key_value_scalar(r, p, other, &mut m)?,
        }
    }
    Ok(m)
}

#[inline(never)]
fn key_value_scalar(r: &mut Reader<'_>, p: &Path<'_>, key: &str, m: &mut common::KeyValue) -> Result<()> {
    match key {
        "key" => m.key = r.string(&p.key("key"))?,
        "keyStrindex" | "key_strindex" => m.key_strindex = r.i32(&p.key("keyStrindex"))?,
        _ => r.skip_value(p)?,
    }
    Ok(())
}

fn instrumentation_scope(r: &mut Reader<'_>, p: &Path<'_>) -> Result<common::InstrumentationScope> {
    let mut m = common::InstrumentationScope::default();
    r.object(p, |r, k| {
        match k {
            "name" => m.name = r.string(&p.key("name"))?,
            "version" => m.version = r.string(&p.key("version"))?,
            "attributes" => m.attributes = r.list(&p.key("attributes"), key_value)?,
            "droppedAttributesCount" | "dropped_attributes_count" => {
                m.dropped_attributes_count = r.u32(&p.key("droppedAttributesCount"))?;
            }
            _ => r.skip_value(p)?,
        }
        Ok(())
    })?;
    Ok(m)
}

fn entity_ref(r: &mut Reader<'_>, p: &Path<'_>) -> Result<common::EntityRef> {
    let mut m = common::EntityRef::default();
    r.object(p, |r, k| {
        match k {
            "schemaUrl" | "schema_url" => m.schema_url = r.string(&p.key("schemaUrl"))?,
            "type" => m.r#type = r.string(&p.key("type"))?,
            "idKeys" | "id_keys" => m.id_keys = r.list(&p.key("idKeys"), Reader::string)?,
            "descriptionKeys" | "description_keys" => {
                m.description_keys = r.list(&p.key("descriptionKeys"), Reader::string)?;
            }
            _ => r.skip_value(p)?,
        }
        Ok(())
    })?;
    Ok(m)
}

fn resource(r: &mut Reader<'_>, p: &Path<'_>) -> Result<resource::Resource> {
    let mut m = resource::Resource::default();
    r.object(p, |r, k| {
        match k {
            "attributes" => m.attributes = r.list(&p.key("attributes"), key_value)?,
            "droppedAttributesCount" | "dropped_attributes_count" => {
                m.dropped_attributes_count = r.u32(&p.key("droppedAttributesCount"))?;
            }
            "entityRefs" | "entity_refs" => m.entity_refs = r.list(&p.key("entityRefs"), entity_ref)?,
            _ => r.skip_value(p)?,
        }
        Ok(())
    })?;
    Ok(m)
}

// ----- traces -----

pub(crate) fn traces_request(r: &mut Reader<'_>) -> Result<ctrace::ExportTraceServiceRequest> {
    let p = Path::ROOT;
    let mut m = ctrace::ExportTraceServiceRequest::default();
    r.root(|r, k| {
        match k {
            "resourceSpans" | "resource_spans" => {
                m.resource_spans = r.list(&p.key("resourceSpans"), resource_spans)?;
            }
            _ => r.skip_value(&p)?,
        }
        Ok(())
    })?;
    Ok(m)
}

fn resource_spans(r: &mut Reader<'_>, p: &Path<'_>) -> Result<trace::ResourceSpans> {
    let mut m = trace::ResourceSpans::default();
    r.object(p, |r, k| {
        match k {
            "resource" => m.resource = r.opt(&p.key("resource"), resource)?,
            "scopeSpans" | "scope_spans" => m.scope_spans = r.list(&p.key("scopeSpans"), scope_spans)?,
            "schemaUrl" | "schema_url" => m.schema_url = r.string(&p.key("schemaUrl"))?,
            _ => r.skip_value(p)?,
        }
        Ok(())
    })?;
    Ok(m)
}

fn scope_spans(r: &mut Reader<'_>, p: &Path<'_>) -> Result<trace::ScopeSpans> {
    let mut m = trace::ScopeSpans::default();
    r.object(p, |r, k| {
        match k {
            "scope" => m.scope = r.opt(&p.key("scope"), instrumentation_scope)?,
            "spans" => m.spans = r.list(&p.key("spans"), span)?,
            "schemaUrl" | "schema_url" => m.schema_url = r.string(&p.key("schemaUrl"))?,
            _ => r.skip_value(p)?,
        }
        Ok(())
    })?;
    Ok(m)
}

fn span(r: &mut Reader<'_>, p: &Path<'_>) -> Result<trace::Span> {
    let mut m = trace::Span::default();
    r.object(p, |r, k| {
        match k {
            "traceId" | "trace_id" => m.trace_id = r.hex_id(&p.key("traceId"), TRACE_ID_LEN)?,
            "spanId" | "span_id" => m.span_id = r.hex_id(&p.key("spanId"), SPAN_ID_LEN)?,
            "traceState" | "trace_state" => m.trace_state = r.string(&p.key("traceState"))?,
            "parentSpanId" | "parent_span_id" => {
                m.parent_span_id = r.hex_id(&p.key("parentSpanId"), SPAN_ID_LEN)?;
            }
            "flags" => m.flags = r.u32(&p.key("flags"))?,
            "name" => m.name = r.string(&p.key("name"))?,
            "kind" => m.kind = r.enumeration(&p.key("kind"), "SpanKind", span_kind)?,
            "startTimeUnixNano" | "start_time_unix_nano" => {
                m.start_time_unix_nano = r.u64(&p.key("startTimeUnixNano"))?;
            }
            "endTimeUnixNano" | "end_time_unix_nano" => {
                m.end_time_unix_nano = r.u64(&p.key("endTimeUnixNano"))?;
            }
            "attributes" => m.attributes = r.list(&p.key("attributes"), key_value)?,
            "droppedAttributesCount" | "dropped_attributes_count" => {
                m.dropped_attributes_count = r.u32(&p.key("droppedAttributesCount"))?;
            }
            "events" => m.events = r.list(&p.key("events"), span_event)?,
            "droppedEventsCount" | "dropped_events_count" => {
                m.dropped_events_count = r.u32(&p.key("droppedEventsCount"))?;
            }
            "links" => m.links = r.list(&p.key("links"), span_link)?,
            "droppedLinksCount" | "dropped_links_count" => {
                m.dropped_links_count = r.u32(&p.key("droppedLinksCount"))?;
            }
            "status" => m.status = r.opt(&p.key("status"), status)?,
            _ => r.skip_value(p)?,
        }
        Ok(())
    })?;
    Ok(m)
}

fn span_event(r: &mut Reader<'_>, p: &Path<'_>) -> Result<trace::span::Event> {
    let mut m = trace::span::Event::default();
    r.object(p, |r, k| {
        match k {
            "timeUnixNano" | "time_unix_nano" => m.time_unix_nano = r.u64(&p.key("timeUnixNano"))?,
            "name" => m.name = r.string(&p.key("name"))?,
            "attributes" => m.attributes = r.list(&p.key("attributes"), key_value)?,
            "droppedAttributesCount" | "dropped_attributes_count" => {
                m.dropped_attributes_count = r.u32(&p.key("droppedAttributesCount"))?;
            }
            _ => r.skip_value(p)?,
        }
        Ok(())
    })?;
    Ok(m)
}

fn span_link(r: &mut Reader<'_>, p: &Path<'_>) -> Result<trace::span::Link> {
    let mut m = trace::span::Link::default();
    r.object(p, |r, k| {
        match k {
            "traceId" | "trace_id" => m.trace_id = r.hex_id(&p.key("traceId"), TRACE_ID_LEN)?,
            "spanId" | "span_id" => m.span_id = r.hex_id(&p.key("spanId"), SPAN_ID_LEN)?,
            "traceState" | "trace_state" => m.trace_state = r.string(&p.key("traceState"))?,
            "attributes" => m.attributes = r.list(&p.key("attributes"), key_value)?,
            "droppedAttributesCount" | "dropped_attributes_count" => {
                m.dropped_attributes_count = r.u32(&p.key("droppedAttributesCount"))?;
            }
            "flags" => m.flags = r.u32(&p.key("flags"))?,
            _ => r.skip_value(p)?,
        }
        Ok(())
    })?;
    Ok(m)
}

fn status(r: &mut Reader<'_>, p: &Path<'_>) -> Result<trace::Status> {
    let mut m = trace::Status::default();
    r.object(p, |r, k| {
        match k {
            "message" => m.message = r.string(&p.key("message"))?,
            "code" => m.code = r.enumeration(&p.key("code"), "StatusCode", status_code)?,
            _ => r.skip_value(p)?,
        }
        Ok(())
    })?;
    Ok(m)
}

// ----- metrics -----

pub(crate) fn metrics_request(r: &mut Reader<'_>) -> Result<cmetrics::ExportMetricsServiceRequest> {
    let p = Path::ROOT;
    let mut m = cmetrics::ExportMetricsServiceRequest::default();
    r.root(|r, k| {
        match k {
            "resourceMetrics" | "resource_metrics" => {
                m.resource_metrics = r.list(&p.key("resourceMetrics"), resource_metrics)?;
            }
            _ => r.skip_value(&p)?,
        }
        Ok(())
    })?;
    Ok(m)
}

fn resource_metrics(r: &mut Reader<'_>, p: &Path<'_>) -> Result<metrics::ResourceMetrics> {
    let mut m = metrics::ResourceMetrics::default();
    r.object(p, |r, k| {
        match k {
            "resource" => m.resource = r.opt(&p.key("resource"), resource)?,
            "scopeMetrics" | "scope_metrics" => {
                m.scope_metrics = r.list(&p.key("scopeMetrics"), scope_metrics)?;
            }
            "schemaUrl" | "schema_url" => m.schema_url = r.string(&p.key("schemaUrl"))?,
            _ => r.skip_value(p)?,
        }
        Ok(())
    })?;
    Ok(m)
}

fn scope_metrics(r: &mut Reader<'_>, p: &Path<'_>) -> Result<metrics::ScopeMetrics> {
    let mut m = metrics::ScopeMetrics::default();
    r.object(p, |r, k| {
        match k {
            "scope" => m.scope = r.opt(&p.key("scope"), instrumentation_scope)?,
            "metrics" => m.metrics = r.list(&p.key("metrics"), metric)?,
            "schemaUrl" | "schema_url" => m.schema_url = r.string(&p.key("schemaUrl"))?,
            _ => r.skip_value(p)?,
        }
        Ok(())
    })?;
    Ok(m)
}

fn metric(r: &mut Reader<'_>, p: &Path<'_>) -> Result<metrics::Metric> {
    use metrics::metric::Data;
    let mut m = metrics::Metric::default();
    r.object(p, |r, k| {
        let (path, v) = match k {
            "name" => return r.string(&p.key("name")).map(|v| m.name = v),
            "description" => return r.string(&p.key("description")).map(|v| m.description = v),
            "unit" => return r.string(&p.key("unit")).map(|v| m.unit = v),
            "metadata" => return r.list(&p.key("metadata"), key_value).map(|v| m.metadata = v),
            "gauge" => {
                let q = p.key("gauge");
                let v = r.opt(&q, |r, q| gauge(r, q).map(Data::Gauge))?;
                (q, v)
            }
            "sum" => {
                let q = p.key("sum");
                let v = r.opt(&q, |r, q| sum(r, q).map(Data::Sum))?;
                (q, v)
            }
            "histogram" => {
                let q = p.key("histogram");
                let v = r.opt(&q, |r, q| histogram(r, q).map(Data::Histogram))?;
                (q, v)
            }
            "exponentialHistogram" | "exponential_histogram" => {
                let q = p.key("exponentialHistogram");
                let v = r.opt(&q, |r, q| {
                    exponential_histogram(r, q).map(Data::ExponentialHistogram)
                })?;
                (q, v)
            }
            "summary" => {
                let q = p.key("summary");
                let v = r.opt(&q, |r, q| summary(r, q).map(Data::Summary))?;
                (q, v)
            }
            _ => return r.skip_value(p),
        };
        set_oneof(&mut m.data, v, &path, "data")
    })?;
    Ok(m)
}

fn gauge(r: &mut Reader<'_>, p: &Path<'_>) -> Result<metrics::Gauge> {
    let mut m = metrics::Gauge::default();
    r.object(p, |r, k| {
        match k {
            "dataPoints" | "data_points" => {
                m.data_points = r.list(&p.key("dataPoints"), number_data_point)?;
            }
            _ => r.skip_value(p)?,
        }
        Ok(())
    })?;
    Ok(m)
}

fn sum(r: &mut Reader<'_>, p: &Path<'_>) -> Result<metrics::Sum> {
    let mut m = metrics::Sum::default();
    r.object(p, |r, k| {
        match k {
            "dataPoints" | "data_points" => {
                m.data_points = r.list(&p.key("dataPoints"), number_data_point)?;
            }
            "aggregationTemporality" | "aggregation_temporality" => {
                m.aggregation_temporality = r.enumeration(
                    &p.key("aggregationTemporality"),
                    "AggregationTemporality",
                    aggregation_temporality,
                )?;
            }
            "isMonotonic" | "is_monotonic" => m.is_monotonic = r.boolean(&p.key("isMonotonic"))?,
            _ => r.skip_value(p)?,
        }
        Ok(())
    })?;
    Ok(m)
}

fn histogram(r: &mut Reader<'_>, p: &Path<'_>) -> Result<metrics::Histogram> {
    let mut m = metrics::Histogram::default();
    r.object(p, |r, k| {
        match k {
            "dataPoints" | "data_points" => {
                m.data_points = r.list(&p.key("dataPoints"), histogram_data_point)?;
            }
            "aggregationTemporality" | "aggregation_temporality" => {
                m.aggregation_temporality = r.enumeration(
                    &p.key("aggregationTemporality"),
                    "AggregationTemporality",
                    aggregation_temporality,
                )?;
            }
            _ => r.skip_value(p)?,
        }
        Ok(())
    })?;
    Ok(m)
}

fn exponential_histogram(r: &mut Reader<'_>, p: &Path<'_>) -> Result<metrics::ExponentialHistogram> {
    let mut m = metrics::ExponentialHistogram::default();
    r.object(p, |r, k| {
        match k {
            "dataPoints" | "data_points" => {
                m.data_points = r.list(&p.key("dataPoints"), exponential_histogram_data_point)?;
            }
            "aggregationTemporality" | "aggregation_temporality" => {
                m.aggregation_temporality = r.enumeration(
                    &p.key("aggregationTemporality"),
                    "AggregationTemporality",
                    aggregation_temporality,
                )?;
            }
            _ => r.skip_value(p)?,
        }
        Ok(())
    })?;
    Ok(m)
}

fn summary(r: &mut Reader<'_>, p: &Path<'_>) -> Result<metrics::Summary> {
    let mut m = metrics::Summary::default();
    r.object(p, |r, k| {
        match k {
            "dataPoints" | "data_points" => {
                m.data_points = r.list(&p.key("dataPoints"), summary_data_point)?;
            }
            _ => r.skip_value(p)?,
        }
        Ok(())
    })?;
    Ok(m)
}

fn number_data_point(r: &mut Reader<'_>, p: &Path<'_>) -> Result<metrics::NumberDataPoint> {
    use metrics::number_data_point::Value;
    let mut m = metrics::NumberDataPoint::default();
    r.object(p, |r, k| {
        let (path, v) = match k {
            "attributes" => return r.list(&p.key("attributes"), key_value).map(|v| m.attributes = v),
            "startTimeUnixNano" | "start_time_unix_nano" => {
                return r
                    .u64(&p.key("startTimeUnixNano"))
                    .map(|v| m.start_time_unix_nano = v);
            }
            "timeUnixNano" | "time_unix_nano" => {
                return r.u64(&p.key("timeUnixNano")).map(|v| m.time_unix_nano = v);
            }
            "exemplars" => return r.list(&p.key("exemplars"), exemplar).map(|v| m.exemplars = v),
            "flags" => return r.u32(&p.key("flags")).map(|v| m.flags = v),
            "asDouble" | "as_double" => {
                let q = p.key("asDouble");
                let v = r.opt(&q, |r, q| r.f64(q).map(Value::AsDouble))?;
                (q, v)
            }
            "asInt" | "as_int" => {
                let q = p.key("asInt");
                let v = r.opt(&q, |r, q| r.i64(q).map(Value::AsInt))?;
                (q, v)
            }
            _ => return r.skip_value(p),
        };
        set_oneof(&mut m.value, v, &path, "value")
    })?;
    Ok(m)
}

fn histogram_data_point(r: &mut Reader<'_>, p: &Path<'_>) -> Result<metrics::HistogramDataPoint> {
    let mut m = metrics::HistogramDataPoint::default();
    r.object(p, |r, k| {
        match k {
            "attributes" => m.attributes = r.list(&p.key("attributes"), key_value)?,
            "startTimeUnixNano" | "start_time_unix_nano" => {
                m.start_time_unix_nano = r.u64(&p.key("startTimeUnixNano"))?;
            }
            "timeUnixNano" | "time_unix_nano" => m.time_unix_nano = r.u64(&p.key("timeUnixNano"))?,
            "count" => m.count = r.u64(&p.key("count"))?,
            "sum" => m.sum = r.opt(&p.key("sum"), Reader::f64)?,
            "bucketCounts" | "bucket_counts" => {
                m.bucket_counts = r.list(&p.key("bucketCounts"), Reader::u64)?
            }
            "explicitBounds" | "explicit_bounds" => {
                m.explicit_bounds = r.list(&p.key("explicitBounds"), Reader::f64)?;
            }
            "exemplars" => m.exemplars = r.list(&p.key("exemplars"), exemplar)?,
            "flags" => m.flags = r.u32(&p.key("flags"))?,
            "min" => m.min = r.opt(&p.key("min"), Reader::f64)?,
            "max" => m.max = r.opt(&p.key("max"), Reader::f64)?,
            _ => r.skip_value(p)?,
        }
        Ok(())
    })?;
    Ok(m)
}

fn exponential_histogram_data_point(
    r: &mut Reader<'_>,
    p: &Path<'_>,
) -> Result<metrics::ExponentialHistogramDataPoint> {
    let mut m = metrics::ExponentialHistogramDataPoint::default();
    r.object(p, |r, k| {
        match k {
            "attributes" => m.attributes = r.list(&p.key("attributes"), key_value)?,
            "startTimeUnixNano" | "start_time_unix_nano" => {
                m.start_time_unix_nano = r.u64(&p.key("startTimeUnixNano"))?;
            }
            "timeUnixNano" | "time_unix_nano" => m.time_unix_nano = r.u64(&p.key("timeUnixNano"))?,
            "count" => m.count = r.u64(&p.key("count"))?,
            "sum" => m.sum = r.opt(&p.key("sum"), Reader::f64)?,
            "scale" => m.scale = r.i32(&p.key("scale"))?,
            "zeroCount" | "zero_count" => m.zero_count = r.u64(&p.key("zeroCount"))?,
            "positive" => m.positive = r.opt(&p.key("positive"), buckets)?,
            "negative" => m.negative = r.opt(&p.key("negative"), buckets)?,
            "flags" => m.flags = r.u32(&p.key("flags"))?,
            "exemplars" => m.exemplars = r.list(&p.key("exemplars"), exemplar)?,
            "min" => m.min = r.opt(&p.key("min"), Reader::f64)?,
            "max" => m.max = r.opt(&p.key("max"), Reader::f64)?,
            "zeroThreshold" | "zero_threshold" => m.zero_threshold = r.f64(&p.key("zeroThreshold"))?,
            _ => r.skip_value(p)?,
        }
        Ok(())
    })?;
    Ok(m)
}

fn buckets(r: &mut Reader<'_>, p: &Path<'_>) -> Result<metrics::exponential_histogram_data_point::Buckets> {
    let mut m = metrics::exponential_histogram_data_point::Buckets::default();
    r.object(p, |r, k| {
        match k {
            "offset" => m.offset = r.i32(&p.key("offset"))?,
            "bucketCounts" | "bucket_counts" => {
                m.bucket_counts = r.list(&p.key("bucketCounts"), Reader::u64)?
            }
            _ => r.skip_value(p)?,
        }
        Ok(())
    })?;
    Ok(m)
}

fn summary_data_point(r: &mut Reader<'_>, p: &Path<'_>) -> Result<metrics::SummaryDataPoint> {
    let mut m = metrics::SummaryDataPoint::default();
    r.object(p, |r, k| {
        match k {
            "attributes" => m.attributes = r.list(&p.key("attributes"), key_value)?,
            "startTimeUnixNano" | "start_time_unix_nano" => {
                m.start_time_unix_nano = r.u64(&p.key("startTimeUnixNano"))?;
            }
            "timeUnixNano" | "time_unix_nano" => m.time_unix_nano = r.u64(&p.key("timeUnixNano"))?,
            "count" => m.count = r.u64(&p.key("count"))?,
            "sum" => m.sum = r.f64(&p.key("sum"))?,
            "quantileValues" | "quantile_values" => {
                m.quantile_values = r.list(&p.key("quantileValues"), value_at_quantile)?;
            }
            "flags" => m.flags = r.u32(&p.key("flags"))?,
            _ => r.skip_value(p)?,
        }
        Ok(())
    })?;
    Ok(m)
}

fn value_at_quantile(
    r: &mut Reader<'_>,
    p: &Path<'_>,
) -> Result<metrics::summary_data_point::ValueAtQuantile> {
    let mut m = metrics::summary_data_point::ValueAtQuantile::default();
    r.object(p, |r, k| {
        match k {
            "quantile" => m.quantile = r.f64(&p.key("quantile"))?,
            "value" => m.value = r.f64(&p.key("value"))?,
            _ => r.skip_value(p)?,
        }
        Ok(())
    })?;
    Ok(m)
}

fn exemplar(r: &mut Reader<'_>, p: &Path<'_>) -> Result<metrics::Exemplar> {
    use metrics::exemplar::Value;
    let mut m = metrics::Exemplar::default();
    r.object(p, |r, k| {
        let (path, v) = match k {
            "filteredAttributes" | "filtered_attributes" => {
                return r
                    .list(&p.key("filteredAttributes"), key_value)
                    .map(|v| m.filtered_attributes = v);
            }
            "timeUnixNano" | "time_unix_nano" => {
                return r.u64(&p.key("timeUnixNano")).map(|v| m.time_unix_nano = v);
            }
            "spanId" | "span_id" => {
                return r.hex_id(&p.key("spanId"), SPAN_ID_LEN).map(|v| m.span_id = v);
            }
            "traceId" | "trace_id" => {
                return r.hex_id(&p.key("traceId"), TRACE_ID_LEN).map(|v| m.trace_id = v);
            }
            "asDouble" | "as_double" => {
                let q = p.key("asDouble");
                let v = r.opt(&q, |r, q| r.f64(q).map(Value::AsDouble))?;
                (q, v)
            }
            "asInt" | "as_int" => {
                let q = p.key("asInt");
                let v = r.opt(&q, |r, q| r.i64(q).map(Value::AsInt))?;
                (q, v)
            }
            _ => return r.skip_value(p),
        };
        set_oneof(&mut m.value, v, &path, "value")
    })?;
    Ok(m)
}

// ----- logs -----

pub(crate) fn logs_request(r: &mut Reader<'_>) -> Result<clogs::ExportLogsServiceRequest> {
    let p = Path::ROOT;
    let mut m = clogs::ExportLogsServiceRequest::default();
    r.root(|r, k| {
        match k {
            "resourceLogs" | "resource_logs" => {
                m.resource_logs = r.list(&p.key("resourceLogs"), resource_logs)?;
            }
            _ => r.skip_value(&p)?,
        }
        Ok(())
    })?;
    Ok(m)
}

fn resource_logs(r: &mut Reader<'_>, p: &Path<'_>) -> Result<logs::ResourceLogs> {
    let mut m = logs::ResourceLogs::default();
    r.object(p, |r, k| {
        match k {
            "resource" => m.resource = r.opt(&p.key("resource"), resource)?,
            "scopeLogs" | "scope_logs" => m.scope_logs = r.list(&p.key("scopeLogs"), scope_logs)?,
            "schemaUrl" | "schema_url" => m.schema_url = r.string(&p.key("schemaUrl"))?,
            _ => r.skip_value(p)?,
        }
        Ok(())
    })?;
    Ok(m)
}

fn scope_logs(r: &mut Reader<'_>, p: &Path<'_>) -> Result<logs::ScopeLogs> {
    let mut m = logs::ScopeLogs::default();
    r.object(p, |r, k| {
        match k {
            "scope" => m.scope = r.opt(&p.key("scope"), instrumentation_scope)?,
            "logRecords" | "log_records" => m.log_records = r.list(&p.key("logRecords"), log_record)?,
            "schemaUrl" | "schema_url" => m.schema_url = r.string(&p.key("schemaUrl"))?,
            _ => r.skip_value(p)?,
        }
        Ok(())
    })?;
    Ok(m)
}

fn log_record(r: &mut Reader<'_>, p: &Path<'_>) -> Result<logs::LogRecord> {
    let mut m = logs::LogRecord::default();
    r.object(p, |r, k| {
        match k {
            "timeUnixNano" | "time_unix_nano" => m.time_unix_nano = r.u64(&p.key("timeUnixNano"))?,
            "observedTimeUnixNano" | "observed_time_unix_nano" => {
                m.observed_time_unix_nano = r.u64(&p.key("observedTimeUnixNano"))?;
            }
            "severityNumber" | "severity_number" => {
                m.severity_number =
                    r.enumeration(&p.key("severityNumber"), "SeverityNumber", severity_number)?;
            }
            "severityText" | "severity_text" => m.severity_text = r.string(&p.key("severityText"))?,
            "body" => m.body = r.opt(&p.key("body"), |r, q| any_value(r, q, 1))?,
            "attributes" => m.attributes = r.list(&p.key("attributes"), key_value)?,
            "droppedAttributesCount" | "dropped_attributes_count" => {
                m.dropped_attributes_count = r.u32(&p.key("droppedAttributesCount"))?;
            }
            "flags" => m.flags = r.u32(&p.key("flags"))?,
            "traceId" | "trace_id" => m.trace_id = r.hex_id(&p.key("traceId"), TRACE_ID_LEN)?,
            "spanId" | "span_id" => m.span_id = r.hex_id(&p.key("spanId"), SPAN_ID_LEN)?,
            "eventName" | "event_name" => m.event_name = r.string(&p.key("eventName"))?,
            _ => r.skip_value(p)?,
        }
        Ok(())
    })?;
    Ok(m)
}

// ----- responses -----

pub(crate) fn trace_response(r: &mut Reader<'_>) -> Result<ctrace::ExportTraceServiceResponse> {
    let p = Path::ROOT;
    let mut m = ctrace::ExportTraceServiceResponse::default();
    r.root(|r, k| {
        match k {
            "partialSuccess" | "partial_success" => {
                m.partial_success = r.opt(&p.key("partialSuccess"), |r, p| {
                    let mut ps = ctrace::ExportTracePartialSuccess::default();
                    r.object(p, |r, k| {
                        match k {
                            "rejectedSpans" | "rejected_spans" => {
                                ps.rejected_spans = r.i64(&p.key("rejectedSpans"))?;
                            }
                            "errorMessage" | "error_message" => {
                                ps.error_message = r.string(&p.key("errorMessage"))?;
                            }
                            _ => r.skip_value(p)?,
                        }
                        Ok(())
                    })?;
                    Ok(ps)
                })?;
            }
            _ => r.skip_value(&p)?,
        }
        Ok(())
    })?;
    Ok(m)
}

pub(crate) fn metrics_response(r: &mut Reader<'_>) -> Result<cmetrics::ExportMetricsServiceResponse> {
    let p = Path::ROOT;
    let mut m = cmetrics::ExportMetricsServiceResponse::default();
    r.root(|r, k| {
        match k {
            "partialSuccess" | "partial_success" => {
                m.partial_success = r.opt(&p.key("partialSuccess"), |r, p| {
                    let mut ps = cmetrics::ExportMetricsPartialSuccess::default();
                    r.object(p, |r, k| {
                        match k {
                            "rejectedDataPoints" | "rejected_data_points" => {
                                ps.rejected_data_points = r.i64(&p.key("rejectedDataPoints"))?;
                            }
                            "errorMessage" | "error_message" => {
                                ps.error_message = r.string(&p.key("errorMessage"))?;
                            }
                            _ => r.skip_value(p)?,
                        }
                        Ok(())
                    })?;
                    Ok(ps)
                })?;
            }
            _ => r.skip_value(&p)?,
        }
        Ok(())
    })?;
    Ok(m)
}

pub(crate) fn logs_response(r: &mut Reader<'_>) -> Result<clogs::ExportLogsServiceResponse> {
    let p = Path::ROOT;
    let mut m = clogs::ExportLogsServiceResponse::default();
    r.root(|r, k| {
        match k {
            "partialSuccess" | "partial_success" => {
                m.partial_success = r.opt(&p.key("partialSuccess"), |r, p| {
                    let mut ps = clogs::ExportLogsPartialSuccess::default();
                    r.object(p, |r, k| {
                        match k {
                            "rejectedLogRecords" | "rejected_log_records" => {
                                ps.rejected_log_records = r.i64(&p.key("rejectedLogRecords"))?;
                            }
                            "errorMessage" | "error_message" => {
                                ps.error_message = r.string(&p.key("errorMessage"))?;
                            }
                            _ => r.skip_value(p)?,
                        }
                        Ok(())
                    })?;
                    Ok(ps)
                })?;
            }
            _ => r.skip_value(&p)?,
        }
        Ok(())
    })?;
    Ok(m)
}

/// `google.rpc.Status`: `code` and `message`; `details` and anything else
/// are skipped.
pub(crate) fn status_message(r: &mut Reader<'_>) -> Result<(i32, String)> {
    let p = Path::ROOT;
    let mut code = 0;
    let mut message = String::new();
    r.root(|r, k| {
        match k {
            "code" => code = r.i32(&p.key("code"))?,
            "message" => message = r.string(&p.key("message"))?,
            _ => r.skip_value(&p)?,
        }
        Ok(())
    })?;
    Ok((code, message))
}
