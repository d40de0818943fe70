//! Message encoders. Fields are written in `.proto` declaration order with
//! protojson's default-omission rules (see the crate docs).

use opentelemetry_proto::tonic::collector::logs::v1 as clogs;
use opentelemetry_proto::tonic::collector::metrics::v1 as cmetrics;
use opentelemetry_proto::tonic::collector::trace::v1 as ctrace;
use opentelemetry_proto::tonic::common::v1 as common;
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyVal;
use opentelemetry_proto::tonic::logs::v1 as logs;
use opentelemetry_proto::tonic::metrics::v1 as metrics;
use opentelemetry_proto::tonic::resource::v1 as resource;
use opentelemetry_proto::tonic::trace::v1 as trace;

use crate::writer::{Obj, write_base64, write_f64, write_i64, write_i64_str, write_str};

// ----- common / resource -----

pub(crate) fn any_value(out: &mut Vec<u8>, v: &common::AnyValue) {
    let mut o = Obj::new(out);
    // Oneof members are written whenever set, even with a default value.
    match &v.value {
        None => {}
        Some(AnyVal::StringValue(s)) => write_str(o.key("stringValue"), s),
        Some(AnyVal::BoolValue(b)) => {
            o.key("boolValue")
                .extend_from_slice(if *b { b"true" } else { b"false" })
        }
        Some(AnyVal::IntValue(i)) => write_i64_str(o.key("intValue"), *i),
        Some(AnyVal::DoubleValue(d)) => write_f64(o.key("doubleValue"), *d),
        Some(AnyVal::ArrayValue(a)) => array_value(o.key("arrayValue"), a),
        Some(AnyVal::KvlistValue(kv)) => key_value_list(o.key("kvlistValue"), kv),
        Some(AnyVal::BytesValue(b)) => write_base64(o.key("bytesValue"), b),
        Some(AnyVal::StringValueStrindex(i)) => write_i64(o.key("stringValueStrindex"), i64::from(*i)),
    }
    o.end();
}

fn array_value(out: &mut Vec<u8>, v: &common::ArrayValue) {
    let mut o = Obj::new(out);
    o.list("values", &v.values, any_value);
    o.end();
}

fn key_value_list(out: &mut Vec<u8>, v: &common::KeyValueList) {
    let mut o = Obj::new(out);
    o.list("values", &v.values, key_value);
    o.end();
}

pub(crate) fn key_value(out: &mut Vec<u8>, kv: &common::KeyValue) {
    let mut o = Obj::new(out);
    o.string("key", &kv.key);
    o.msg("value", kv.value.as_ref(), any_value);
    o.i32("keyStrindex", kv.key_strindex);
    o.end();
}

fn instrumentation_scope(out: &mut Vec<u8>, s: &common::InstrumentationScope) {
    let mut o = Obj::new(out);
    o.string("name", &s.name);
    o.string("version", &s.version);
    o.list("attributes", &s.attributes, key_value);
    o.u32("droppedAttributesCount", s.dropped_attributes_count);
    o.end();
}

fn entity_ref(out: &mut Vec<u8>, e: &common::EntityRef) {
    let mut o = Obj::new(out);
    o.string("schemaUrl", &e.schema_url);
    o.string("type", &e.r#type);
    o.list("idKeys", &e.id_keys, |out, s| write_str(out, s));
    o.list("descriptionKeys", &e.description_keys, |out, s| write_str(out, s));
    o.end();
}

fn resource(out: &mut Vec<u8>, r: &resource::Resource) {
    let mut o = Obj::new(out);
    o.list("attributes", &r.attributes, key_value);
    o.u32("droppedAttributesCount", r.dropped_attributes_count);
    o.list("entityRefs", &r.entity_refs, entity_ref);
    o.end();
}

// ----- traces -----

pub(crate) fn traces_request(out: &mut Vec<u8>, req: &ctrace::ExportTraceServiceRequest) {
    let mut o = Obj::new(out);
    o.list("resourceSpans", &req.resource_spans, resource_spans);
    o.end();
}

fn resource_spans(out: &mut Vec<u8>, rs: &trace::ResourceSpans) {
    let mut o = Obj::new(out);
    o.msg("resource", rs.resource.as_ref(), resource);
    o.list("scopeSpans", &rs.scope_spans, scope_spans);
    o.string("schemaUrl", &rs.schema_url);
    o.end();
}

fn scope_spans(out: &mut Vec<u8>, ss: &trace::ScopeSpans) {
    let mut o = Obj::new(out);
    o.msg("scope", ss.scope.as_ref(), instrumentation_scope);
    o.list("spans", &ss.spans, span);
    o.string("schemaUrl", &ss.schema_url);
    o.end();
}

fn span(out: &mut Vec<u8>, s: &trace::Span) {
    let mut o = Obj::new(out);
    o.hex("traceId", &s.trace_id);
    o.hex("spanId", &s.span_id);
    o.string("traceState", &s.trace_state);
    o.hex("parentSpanId", &s.parent_span_id);
    o.u32("flags", s.flags);
    o.string("name", &s.name);
    o.i32("kind", s.kind);
    o.u64("startTimeUnixNano", s.start_time_unix_nano);
    o.u64("endTimeUnixNano", s.end_time_unix_nano);
    o.list("attributes", &s.attributes, key_value);
    o.u32("droppedAttributesCount", s.dropped_attributes_count);
    o.list("events", &s.events, span_event);
    o.u32("droppedEventsCount", s.dropped_events_count);
    o.list("links", &s.links, span_link);
    o.u32("droppedLinksCount", s.dropped_links_count);
    o.msg("status", s.status.as_ref(), status);
    o.end();
}

fn span_event(out: &mut Vec<u8>, e: &trace::span::Event) {
    let mut o = Obj::new(out);
    o.u64("timeUnixNano", e.time_unix_nano);
    o.string("name", &e.name);
    o.list("attributes", &e.attributes, key_value);
    o.u32("droppedAttributesCount", e.dropped_attributes_count);
    o.end();
}

fn span_link(out: &mut Vec<u8>, l: &trace::span::Link) {
    let mut o = Obj::new(out);
    o.hex("traceId", &l.trace_id);
    o.hex("spanId", &l.span_id);
    o.string("traceState", &l.trace_state);
    o.list("attributes", &l.attributes, key_value);
    o.u32("droppedAttributesCount", l.dropped_attributes_count);
    o.u32("flags", l.flags);
    o.end();
}

fn status(out: &mut Vec<u8>, s: &trace::Status) {
    let mut o = Obj::new(out);
    o.string("message", &s.message);
    o.i32("code", s.code);
    o.end();
}

// ----- metrics -----

pub(crate) fn metrics_request(out: &mut Vec<u8>, req: &cmetrics::ExportMetricsServiceRequest) {
    let mut o = Obj::new(out);
    o.list("resourceMetrics", &req.resource_metrics, resource_metrics);
    o.end();
}

fn resource_metrics(out: &mut Vec<u8>, rm: &metrics::ResourceMetrics) {
    let mut o = Obj::new(out);
    o.msg("resource", rm.resource.as_ref(), resource);
    o.list("scopeMetrics", &rm.scope_metrics, scope_metrics);
    o.string("schemaUrl", &rm.schema_url);
    o.end();
}

fn scope_metrics(out: &mut Vec<u8>, sm: &metrics::ScopeMetrics) {
    let mut o = Obj::new(out);
    o.msg("scope", sm.scope.as_ref(), instrumentation_scope);
    o.list("metrics", &sm.metrics, metric);
    o.string("schemaUrl", &sm.schema_url);
    o.end();
}

fn metric(out: &mut Vec<u8>, m: &metrics::Metric) {
    use metrics::metric::Data;
    let mut o = Obj::new(out);
    o.string("name", &m.name);
    o.string("description", &m.description);
    o.string("unit", &m.unit);
    match &m.data {
        None => {}
        Some(Data::Gauge(g)) => gauge(o.key("gauge"), g),
        Some(Data::Sum(s)) => sum(o.key("sum"), s),
        Some(Data::Histogram(h)) => histogram(o.key("histogram"), h),
        Some(Data::ExponentialHistogram(h)) => exponential_histogram(o.key("exponentialHistogram"), h),
        Some(Data::Summary(s)) => summary(o.key("summary"), s),
    }
    o.list("metadata", &m.metadata, key_value);
    o.end();
}

fn gauge(out: &mut Vec<u8>, g: &metrics::Gauge) {
    let mut o = Obj::new(out);
    o.list("dataPoints", &g.data_points, number_data_point);
    o.end();
}

fn sum(out: &mut Vec<u8>, s: &metrics::Sum) {
    let mut o = Obj::new(out);
    o.list("dataPoints", &s.data_points, number_data_point);
    o.i32("aggregationTemporality", s.aggregation_temporality);
    o.boolean("isMonotonic", s.is_monotonic);
    o.end();
}

fn histogram(out: &mut Vec<u8>, h: &metrics::Histogram) {
    let mut o = Obj::new(out);
    o.list("dataPoints", &h.data_points, histogram_data_point);
    o.i32("aggregationTemporality", h.aggregation_temporality);
    o.end();
}

fn exponential_histogram(out: &mut Vec<u8>, h: &metrics::ExponentialHistogram) {
    let mut o = Obj::new(out);
    o.list("dataPoints", &h.data_points, exponential_histogram_data_point);
    o.i32("aggregationTemporality", h.aggregation_temporality);
    o.end();
}

fn summary(out: &mut Vec<u8>, s: &metrics::Summary) {
    let mut o = Obj::new(out);
    o.list("dataPoints", &s.data_points, summary_data_point);
    o.end();
}

fn u64_list_elem(out: &mut Vec<u8>, v: &u64) {
    crate::writer::write_u64_str(out, *v);
}

fn f64_list_elem(out: &mut Vec<u8>, v: &f64) {
    write_f64(out, *v);
}

fn number_data_point(out: &mut Vec<u8>, p: &metrics::NumberDataPoint) {
    use metrics::number_data_point::Value;
    let mut o = Obj::new(out);
    o.list("attributes", &p.attributes, key_value);
    o.u64("startTimeUnixNano", p.start_time_unix_nano);
    o.u64("timeUnixNano", p.time_unix_nano);
    match p.value {
        None => {}
        Some(Value::AsDouble(d)) => write_f64(o.key("asDouble"), d),
        Some(Value::AsInt(i)) => write_i64_str(o.key("asInt"), i),
    }
    o.list("exemplars", &p.exemplars, exemplar);
    o.u32("flags", p.flags);
    o.end();
}

fn histogram_data_point(out: &mut Vec<u8>, p: &metrics::HistogramDataPoint) {
    let mut o = Obj::new(out);
    o.list("attributes", &p.attributes, key_value);
    o.u64("startTimeUnixNano", p.start_time_unix_nano);
    o.u64("timeUnixNano", p.time_unix_nano);
    o.u64("count", p.count);
    o.opt_f64("sum", p.sum);
    o.list("bucketCounts", &p.bucket_counts, u64_list_elem);
    o.list("explicitBounds", &p.explicit_bounds, f64_list_elem);
    o.list("exemplars", &p.exemplars, exemplar);
    o.u32("flags", p.flags);
    o.opt_f64("min", p.min);
    o.opt_f64("max", p.max);
    o.end();
}

fn exponential_histogram_data_point(out: &mut Vec<u8>, p: &metrics::ExponentialHistogramDataPoint) {
    let mut o = Obj::new(out);
    o.list("attributes", &p.attributes, key_value);
    o.u64("startTimeUnixNano", p.start_time_unix_nano);
    o.u64("timeUnixNano", p.time_unix_nano);
    o.u64("count", p.count);
    o.opt_f64("sum", p.sum);
    o.i32("scale", p.scale);
    o.u64("zeroCount", p.zero_count);
    o.msg("positive", p.positive.as_ref(), buckets);
    o.msg("negative", p.negative.as_ref(), buckets);
    o.u32("flags", p.flags);
    o.list("exemplars", &p.exemplars, exemplar);
    o.opt_f64("min", p.min);
    o.opt_f64("max", p.max);
    o.f64("zeroThreshold", p.zero_threshold);
    o.end();
}

fn buckets(out: &mut Vec<u8>, b: &metrics::exponential_histogram_data_point::Buckets) {
    let mut o = Obj::new(out);
    o.i32("offset", b.offset);
    o.list("bucketCounts", &b.bucket_counts, u64_list_elem);
    o.end();
}

fn summary_data_point(out: &mut Vec<u8>, p: &metrics::SummaryDataPoint) {
    let mut o = Obj::new(out);
    o.list("attributes", &p.attributes, key_value);
    o.u64("startTimeUnixNano", p.start_time_unix_nano);
    o.u64("timeUnixNano", p.time_unix_nano);
    o.u64("count", p.count);
    o.f64("sum", p.sum);
    o.list("quantileValues", &p.quantile_values, value_at_quantile);
    o.u32("flags", p.flags);
    o.end();
}

fn value_at_quantile(out: &mut Vec<u8>, q: &metrics::summary_data_point::ValueAtQuantile) {
    let mut o = Obj::new(out);
    o.f64("quantile", q.quantile);
    o.f64("value", q.value);
    o.end();
}

fn exemplar(out: &mut Vec<u8>, e: &metrics::Exemplar) {
    use metrics::exemplar::Value;
    let mut o = Obj::new(out);
    o.list("filteredAttributes", &e.filtered_attributes, key_value);
    o.u64("timeUnixNano", e.time_unix_nano);
    match e.value {
        None => {}
        Some(Value::AsDouble(d)) => write_f64(o.key("asDouble"), d),
        Some(Value::AsInt(i)) => write_i64_str(o.key("asInt"), i),
    }
    o.hex("spanId", &e.span_id);
    o.hex("traceId", &e.trace_id);
    o.end();
}

// ----- logs -----

pub(crate) fn logs_request(out: &mut Vec<u8>, req: &clogs::ExportLogsServiceRequest) {
    let mut o = Obj::new(out);
    o.list("resourceLogs", &req.resource_logs, resource_logs);
    o.end();
}

fn resource_logs(out: &mut Vec<u8>, rl: &logs::ResourceLogs) {
    let mut o = Obj::new(out);
    o.msg("resource", rl.resource.as_ref(), resource);
    o.list("scopeLogs", &rl.scope_logs, scope_logs);
    o.string("schemaUrl", &rl.schema_url);
    o.end();
}

fn scope_logs(out: &mut Vec<u8>, sl: &logs::ScopeLogs) {
    let mut o = Obj::new(out);
    o.msg("scope", sl.scope.as_ref(), instrumentation_scope);
    o.list("logRecords", &sl.log_records, log_record);
    o.string("schemaUrl", &sl.schema_url);
    o.end();
}

fn log_record(out: &mut Vec<u8>, r: &logs::LogRecord) {
    let mut o = Obj::new(out);
    o.u64("timeUnixNano", r.time_unix_nano);
    o.u64("observedTimeUnixNano", r.observed_time_unix_nano);
    o.i32("severityNumber", r.severity_number);
    o.string("severityText", &r.severity_text);
    o.msg("body", r.body.as_ref(), any_value);
    o.list("attributes", &r.attributes, key_value);
    o.u32("droppedAttributesCount", r.dropped_attributes_count);
    o.u32("flags", r.flags);
    o.hex("traceId", &r.trace_id);
    o.hex("spanId", &r.span_id);
    o.string("eventName", &r.event_name);
    o.end();
}

// ----- responses -----

pub(crate) fn trace_response(out: &mut Vec<u8>, r: &ctrace::ExportTraceServiceResponse) {
    let mut o = Obj::new(out);
    o.msg("partialSuccess", r.partial_success.as_ref(), |out, p| {
        let mut o = Obj::new(out);
        o.i64("rejectedSpans", p.rejected_spans);
        o.string("errorMessage", &p.error_message);
        o.end();
    });
    o.end();
}

pub(crate) fn metrics_response(out: &mut Vec<u8>, r: &cmetrics::ExportMetricsServiceResponse) {
    let mut o = Obj::new(out);
    o.msg("partialSuccess", r.partial_success.as_ref(), |out, p| {
        let mut o = Obj::new(out);
        o.i64("rejectedDataPoints", p.rejected_data_points);
        o.string("errorMessage", &p.error_message);
        o.end();
    });
    o.end();
}

pub(crate) fn logs_response(out: &mut Vec<u8>, r: &clogs::ExportLogsServiceResponse) {
    let mut o = Obj::new(out);
    o.msg("partialSuccess", r.partial_success.as_ref(), |out, p| {
        let mut o = Obj::new(out);
        o.i64("rejectedLogRecords", p.rejected_log_records);
        o.string("errorMessage", &p.error_message);
        o.end();
    });
    o.end();
}

/// `google.rpc.Status` without details; `code` and `message` are always
/// written so that clients reading the body never have to guess.
pub(crate) fn status_message(out: &mut Vec<u8>, code: i32, message: &str) {
    let mut o = Obj::new(out);
    write_i64(o.key("code"), i64::from(code));
    write_str(o.key("message"), message);
    o.end();
}
