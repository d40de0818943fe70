use prost::Message;

use super::*;
use crate::proto::collector::logs::v1::ExportLogsServiceRequest;
use crate::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use crate::proto::collector::trace::v1::ExportTraceServiceRequest;
use crate::proto::common::v1::{
    AnyValue, ArrayValue, InstrumentationScope, KeyValue, KeyValueList, any_value,
};
use crate::proto::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use crate::proto::metrics::v1::{
    Exemplar, ExponentialHistogram, ExponentialHistogramDataPoint, Gauge, Histogram, HistogramDataPoint,
    Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum, Summary, SummaryDataPoint, exemplar,
    exponential_histogram_data_point, metric, number_data_point, summary_data_point,
};
use crate::proto::resource::v1::Resource;
use crate::proto::trace::v1::{ResourceSpans, ScopeSpans, Span, Status, span};

/// xorshift64*: deterministic, so a failure reproduces.
pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub(super) fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

pub(super) fn kv(key: &str, value: any_value::Value) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue { value: Some(value) }),
        ..Default::default()
    }
}

pub(super) fn attrs() -> Vec<KeyValue> {
    vec![
        kv("service.name", any_value::Value::StringValue("checkout".into())),
        kv("http.status_code", any_value::Value::IntValue(200)),
        kv("ratio", any_value::Value::DoubleValue(0.5)),
        kv("ok", any_value::Value::BoolValue(true)),
        kv("raw", any_value::Value::BytesValue(vec![0, 159, 255])),
        kv(
            "list",
            any_value::Value::ArrayValue(ArrayValue {
                values: vec![AnyValue {
                    value: Some(any_value::Value::StringValue("é".into())),
                }],
            }),
        ),
        kv(
            "map",
            any_value::Value::KvlistValue(KeyValueList {
                values: vec![kv("inner", any_value::Value::IntValue(-1))],
            }),
        ),
    ]
}

fn resource() -> Resource {
    Resource {
        attributes: attrs(),
        dropped_attributes_count: 1,
        ..Default::default()
    }
}

fn scope() -> InstrumentationScope {
    InstrumentationScope {
        name: "lib".into(),
        version: "1.0".into(),
        attributes: attrs()[..2].to_vec(),
        dropped_attributes_count: 0,
    }
}

pub(super) fn traces() -> ExportTraceServiceRequest {
    let span = |i: u8| Span {
        trace_id: vec![i; 16],
        span_id: vec![i; 8],
        trace_state: "a=b".into(),
        parent_span_id: vec![1; 8],
        flags: 257,
        name: format!("span-{i}"),
        kind: 2,
        start_time_unix_nano: 1,
        end_time_unix_nano: 2,
        attributes: attrs(),
        dropped_attributes_count: 3,
        events: vec![span::Event {
            time_unix_nano: 5,
            name: "ev".into(),
            attributes: attrs()[..1].to_vec(),
            dropped_attributes_count: 0,
        }],
        dropped_events_count: 0,
        links: vec![span::Link {
            trace_id: vec![2; 16],
            span_id: vec![2; 8],
            trace_state: String::new(),
            attributes: vec![],
            dropped_attributes_count: 0,
            flags: 1,
        }],
        dropped_links_count: 0,
        status: Some(Status {
            message: "err".into(),
            code: 2,
        }),
    };
    ExportTraceServiceRequest {
        resource_spans: vec![
            ResourceSpans {
                resource: Some(resource()),
                scope_spans: vec![
                    ScopeSpans {
                        scope: Some(scope()),
                        spans: vec![span(1), span(2)],
                        schema_url: "s".into(),
                    },
                    ScopeSpans::default(),
                ],
                schema_url: String::new(),
            },
            ResourceSpans {
                resource: None,
                scope_spans: vec![ScopeSpans {
                    scope: None,
                    spans: vec![span(3)],
                    schema_url: String::new(),
                }],
                schema_url: "u".into(),
            },
        ],
    }
}

pub(super) fn logs() -> ExportLogsServiceRequest {
    let record = |i: u8| LogRecord {
        time_unix_nano: 1,
        observed_time_unix_nano: 2,
        severity_number: 9,
        severity_text: "INFO".into(),
        body: Some(AnyValue {
            value: Some(any_value::Value::StringValue(format!("line {i}"))),
        }),
        attributes: attrs(),
        dropped_attributes_count: 0,
        flags: 1,
        trace_id: vec![i; 16],
        span_id: vec![i; 8],
        event_name: "e".into(),
    };
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: Some(resource()),
            scope_logs: vec![ScopeLogs {
                scope: Some(scope()),
                log_records: vec![record(1), record(2), record(3)],
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        }],
    }
}

pub(super) fn metrics() -> ExportMetricsServiceRequest {
    let exemplar = Exemplar {
        filtered_attributes: attrs()[..1].to_vec(),
        time_unix_nano: 3,
        span_id: vec![1; 8],
        trace_id: vec![1; 16],
        value: Some(exemplar::Value::AsInt(4)),
    };
    let number = |v: f64| NumberDataPoint {
        attributes: attrs()[..2].to_vec(),
        start_time_unix_nano: 1,
        time_unix_nano: 2,
        exemplars: vec![exemplar.clone()],
        flags: 0,
        value: Some(number_data_point::Value::AsDouble(v)),
    };
    let metric = |name: &str, data: metric::Data| Metric {
        name: name.into(),
        description: "d".into(),
        unit: "1".into(),
        metadata: vec![],
        data: Some(data),
    };
    ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: Some(resource()),
            scope_metrics: vec![ScopeMetrics {
                scope: Some(scope()),
                metrics: vec![
                    metric(
                        "g",
                        metric::Data::Gauge(Gauge {
                            data_points: vec![number(1.0), number(2.0)],
                        }),
                    ),
                    metric(
                        "s",
                        metric::Data::Sum(Sum {
                            data_points: vec![number(3.0)],
                            aggregation_temporality: 2,
                            is_monotonic: true,
                        }),
                    ),
                    metric(
                        "h",
                        metric::Data::Histogram(Histogram {
                            data_points: vec![HistogramDataPoint {
                                count: 3,
                                sum: Some(2.0),
                                bucket_counts: vec![1, 2],
                                explicit_bounds: vec![1.5],
                                exemplars: vec![exemplar.clone()],
                                min: Some(0.1),
                                max: Some(9.0),
                                ..Default::default()
                            }],
                            aggregation_temporality: 1,
                        }),
                    ),
                    metric(
                        "e",
                        metric::Data::ExponentialHistogram(ExponentialHistogram {
                            data_points: vec![ExponentialHistogramDataPoint {
                                count: 4,
                                scale: -2,
                                zero_count: 1,
                                positive: Some(exponential_histogram_data_point::Buckets {
                                    offset: -3,
                                    bucket_counts: vec![1, 300, 70000],
                                }),
                                zero_threshold: 0.001,
                                ..Default::default()
                            }],
                            aggregation_temporality: 2,
                        }),
                    ),
                    metric(
                        "q",
                        metric::Data::Summary(Summary {
                            data_points: vec![SummaryDataPoint {
                                count: 2,
                                sum: 3.0,
                                quantile_values: vec![summary_data_point::ValueAtQuantile {
                                    quantile: 0.5,
                                    value: 1.0,
                                }],
                                ..Default::default()
                            }],
                        }),
                    ),
                ],
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        }],
    }
}

/// The walk and prost agree on acceptance, and on the item count when both accept.
fn agree(bytes: &[u8]) -> bool {
    let t = (
        validate_traces(bytes).ok(),
        ExportTraceServiceRequest::decode(bytes)
            .ok()
            .map(crate::Traces::from_request),
    );
    let m = (
        validate_metrics(bytes).ok(),
        ExportMetricsServiceRequest::decode(bytes)
            .ok()
            .map(crate::Metrics::from_request),
    );
    let l = (
        validate_logs(bytes).ok(),
        ExportLogsServiceRequest::decode(bytes)
            .ok()
            .map(crate::Logs::from_request),
    );
    use crate::Payload;
    // The walk without the heap tally (no admission gate) and with it accept
    // the same inputs and count the same items.
    let items = |e: Result<Estimate, WireError>| e.map(|e| e.items);
    assert_eq!(validate_traces(bytes), items(estimate_traces(bytes)));
    assert_eq!(validate_metrics(bytes), items(estimate_metrics(bytes)));
    assert_eq!(validate_logs(bytes), items(estimate_logs(bytes)));
    if let (Ok(est), Ok(decoded)) = (estimate_traces(bytes), ExportTraceServiceRequest::decode(bytes)) {
        let real = vec_heap(&decoded.resource_spans);
        assert!(
            est.decoded_bytes >= real,
            "estimate {est:?} below the decoded heap {real}"
        );
    }
    t.0 == t.1.map(|p| p.item_count())
        && m.0 == m.1.map(|p| p.item_count())
        && l.0 == l.1.map(|p| p.item_count())
}

#[test]
fn valid_requests_validate_with_their_counts() {
    assert_eq!(validate_traces(&traces().encode_to_vec()), Ok(3));
    assert_eq!(validate_logs(&logs().encode_to_vec()), Ok(3));
    assert_eq!(validate_metrics(&metrics().encode_to_vec()), Ok(6));
    assert_eq!(validate_traces(&[]), Ok(0));
    // Concatenated encodings are one request with all the items.
    let mut two = traces().encode_to_vec();
    two.extend(traces().encode_to_vec());
    assert_eq!(validate_traces(&two), Ok(6));
}

#[test]
fn walk_matches_prost() {
    let seeds = [
        traces().encode_to_vec(),
        metrics().encode_to_vec(),
        logs().encode_to_vec(),
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut disagreements = Vec::new();
    let mut accepted = 0;
    for round in 0..30_000 {
        let mut b = seeds[round % seeds.len()].clone();
        for _ in 0..=rng.below(2) {
            let at = rng.below(b.len() + 1);
            match rng.below(6) {
                0 if !b.is_empty() => {
                    let i = rng.below(b.len());
                    b[i] = rng.next() as u8;
                }
                1 => b.truncate(at),
                2 => b.insert(at.min(b.len()), rng.next() as u8),
                3 if at < b.len() => {
                    b.remove(at);
                }
                4 if !b.is_empty() => {
                    // Flip one bit: wire types, lengths and UTF-8 go wrong subtly.
                    let i = rng.below(b.len());
                    b[i] ^= 1 << rng.below(8);
                }
                _ => {
                    // Splice in a random field key (groups, unknown tags, bad types).
                    let key = (rng.below(20) as u8) << 3 | rng.below(8) as u8;
                    b.insert(at.min(b.len()), key);
                }
            }
        }
        accepted += usize::from(
            validate_traces(&b).is_ok() || validate_metrics(&b).is_ok() || validate_logs(&b).is_ok(),
        );
        if !agree(&b) {
            disagreements.push(b);
        }
    }
    // Both outcomes are exercised often.
    assert!(
        (2_000..28_000).contains(&accepted),
        "{accepted} of 30000 accepted"
    );
    assert!(
        disagreements.is_empty(),
        "{} disagreements, first: {:?}",
        disagreements.len(),
        disagreements.first()
    );
}

/// An `AnyValue` nested `depth` array levels deep, as a log body.
fn nested_body(depth: usize) -> Vec<u8> {
    let mut v = AnyValue {
        value: Some(any_value::Value::StringValue("leaf".into())),
    };
    for _ in 0..depth {
        v = AnyValue {
            value: Some(any_value::Value::ArrayValue(ArrayValue { values: vec![v] })),
        };
    }
    let mut req = logs();
    req.resource_logs[0].scope_logs[0].log_records[0].body = Some(v);
    req.encode_to_vec()
}

#[test]
fn recursion_limit_matches_prost() {
    let mut accepted = 0;
    for depth in 30..60 {
        let b = nested_body(depth);
        assert!(agree(&b), "depth {depth}");
        accepted += usize::from(validate_logs(&b).is_ok());
    }
    // Both sides of the limit were exercised.
    assert!(accepted > 0 && accepted < 30, "{accepted}");
}

#[test]
fn groups_and_unknown_fields_match_prost() {
    let base = traces().encode_to_vec();
    let cases: Vec<Vec<u8>> = vec![
        // Unknown varint, fixed and length-delimited fields at the top.
        [
            &[0x10, 0x01, 0x19, 0, 0, 0, 0, 0, 0, 0, 0, 0x22, 0x01, 0x41][..],
            &base,
        ]
        .concat(),
        // A group with a nested group, closed properly.
        [&[0x1b, 0x2b, 0x2c, 0x1c][..], &base].concat(),
        // A group closed with the wrong tag.
        [&[0x1b, 0x24][..], &base].concat(),
        // A stray end group.
        [&[0x1c][..], &base].concat(),
        // Tag 0 and wire types 6 and 7.
        vec![0x00],
        vec![0x0e],
        vec![0x0f],
        // A 10-byte varint whose last byte is too big, and a valid one.
        vec![0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02],
        vec![0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
        // A key above u32::MAX.
        vec![0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
        // resource_spans with a varint wire type.
        vec![0x08, 0x01],
    ];
    for (i, case) in cases.iter().enumerate() {
        assert!(agree(case), "case {i}: {case:?}");
    }
}

#[test]
fn metric_data_oneof_counts_like_prost() {
    // A metric whose gauge (2 points) is followed by a sum (1 point): prost keeps the sum.
    let m = metrics();
    let gauge = m.resource_metrics[0].scope_metrics[0].metrics[0].clone();
    let sum = m.resource_metrics[0].scope_metrics[0].metrics[1].clone();
    let mut metric_bytes = gauge.encode_to_vec();
    metric_bytes.extend(sum.encode_to_vec());
    metric_bytes.extend(gauge.encode_to_vec());
    let mut scope = Vec::new();
    prost::encoding::bytes::encode(2, &metric_bytes, &mut scope);
    let mut resource = Vec::new();
    prost::encoding::bytes::encode(2, &scope, &mut resource);
    let mut req = Vec::new();
    prost::encoding::bytes::encode(1, &resource, &mut req);
    assert!(agree(&req));
    // sum, then gauge again: the last variant (gauge, 2 points) wins.
    assert_eq!(validate_metrics(&req), Ok(2));
}

#[test]
fn errors_name_the_field() {
    let mut req = traces();
    req.resource_spans[0].scope_spans[0].spans[0].name = "x".into();
    let mut b = req.encode_to_vec();
    // Make the one-byte name invalid UTF-8.
    let pos = b
        .windows(3)
        .position(|w| w == [0x2a, 0x01, b'x'])
        .expect("name field")
        + 2;
    b[pos] = 0xff;
    let err = validate_traces(&b).expect_err("invalid UTF-8");
    assert_eq!(
        err.to_string(),
        "failed to decode Protobuf message: Span.name: ScopeSpans.spans: ResourceSpans.scope_spans: \
         ExportTraceServiceRequest.resource_spans: invalid string value: data is not UTF-8 encoded"
    );
    assert!(ExportTraceServiceRequest::decode(&b[..]).is_err());
}

/// The schema tables against the protobuf descriptors opentelemetry-proto
/// was generated from: every field of every message the walk visits has the
/// kind its type calls for, and the tables name no field the proto lacks.
/// A version bump that adds or changes a field fails here.
#[test]
fn schemas_match_the_proto_descriptors() {
    use prost_types::field_descriptor_proto::{Label, Type};
    use prost_types::{DescriptorProto, FileDescriptorSet};
    use std::collections::HashMap;

    fn collect<'a>(prefix: &str, m: &'a DescriptorProto, out: &mut HashMap<String, &'a DescriptorProto>) {
        let full = format!("{prefix}.{}", m.name());
        for n in &m.nested_type {
            collect(&full, n, out);
        }
        out.insert(full, m);
    }
    let set = FileDescriptorSet::decode(opentelemetry_proto::DESCRIPTORS).expect("descriptor set");
    let mut by_name: HashMap<String, &DescriptorProto> = HashMap::new();
    for file in &set.file {
        for m in &file.message_type {
            collect(&format!(".{}", file.package()), m, &mut by_name);
        }
    }

    let mut seen = Vec::new();
    let mut todo: Vec<(String, &'static Schema)> = vec![
        (
            ".opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest".into(),
            &TRACE_REQUEST,
        ),
        (
            ".opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest".into(),
            &METRICS_REQUEST,
        ),
        (
            ".opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest".into(),
            &LOGS_REQUEST,
        ),
    ];
    while let Some((full, schema)) = todo.pop() {
        if seen.contains(&full) {
            continue;
        }
        let desc = *by_name
            .get(&full)
            .unwrap_or_else(|| panic!("{full} in the descriptors"));
        assert_eq!(desc.name(), schema.name, "{full}");
        seen.push(full);
        for f in &desc.field {
            let tag = f.number() as u32;
            let repeated = f.label() == Label::Repeated;
            let kind = schema.kind(tag);
            let ok = match (f.r#type(), kind) {
                (Type::String, Kind::Str) | (Type::Bytes, Kind::Bytes) => true,
                (Type::Message, Kind::Msg(inner)) => {
                    todo.push((f.type_name().to_string(), inner));
                    true
                }
                (
                    Type::Int32
                    | Type::Int64
                    | Type::Uint32
                    | Type::Uint64
                    | Type::Sint32
                    | Type::Sint64
                    | Type::Bool
                    | Type::Enum,
                    k,
                ) => matches!((repeated, k), (false, Kind::Varint) | (true, Kind::RepVarint)),
                (Type::Fixed64 | Type::Sfixed64 | Type::Double, k) => {
                    matches!((repeated, k), (false, Kind::Fixed64) | (true, Kind::RepFixed64))
                }
                (Type::Fixed32 | Type::Sfixed32 | Type::Float, k) => !repeated && matches!(k, Kind::Fixed32),
                _ => false,
            };
            assert!(ok, "{}.{} (tag {tag}) has the wrong kind", schema.name, f.name());
            assert_eq!(
                schema.is_repeated(tag),
                repeated,
                "{}.{} (tag {tag}) repeated",
                schema.name,
                f.name()
            );
            assert_eq!(schema.field_name(tag), f.name(), "{} tag {tag}", schema.name);
        }
        for (tag, (name, kind)) in schema.fields.iter().enumerate() {
            if !matches!(kind, Kind::Unknown) {
                assert!(
                    desc.field.iter().any(|f| f.number() as usize == tag),
                    "{}.{name} (tag {tag}) is not in the proto",
                    schema.name
                );
            }
        }
    }
    assert!(seen.len() > 25, "walked {} messages", seen.len());
}

// ---- the decoded-size estimate ----------------------------------------------

/// Heap a decoded value really holds: `Vec` capacities times element sizes,
/// string and bytes capacities (what prost allocated, before the
/// allocator's rounding).
trait Heap {
    fn heap(&self) -> u64;
}

fn vec_heap<T: Heap>(v: &Vec<T>) -> u64 {
    (v.capacity() * std::mem::size_of::<T>()) as u64 + v.iter().map(Heap::heap).sum::<u64>()
}

impl Heap for String {
    fn heap(&self) -> u64 {
        self.capacity() as u64
    }
}

impl Heap for Vec<u8> {
    fn heap(&self) -> u64 {
        self.capacity() as u64
    }
}

impl<T: Heap> Heap for Option<T> {
    fn heap(&self) -> u64 {
        self.as_ref().map_or(0, Heap::heap)
    }
}

impl Heap for AnyValue {
    fn heap(&self) -> u64 {
        use any_value::Value::*;
        match &self.value {
            Some(StringValue(s)) => s.heap(),
            Some(BytesValue(b)) => b.heap(),
            Some(ArrayValue(a)) => vec_heap(&a.values),
            Some(KvlistValue(k)) => vec_heap(&k.values),
            _ => 0,
        }
    }
}

impl Heap for KeyValue {
    fn heap(&self) -> u64 {
        self.key.heap() + self.value.heap()
    }
}

impl Heap for Resource {
    fn heap(&self) -> u64 {
        vec_heap(&self.attributes)
    }
}

impl Heap for InstrumentationScope {
    fn heap(&self) -> u64 {
        self.name.heap() + self.version.heap() + vec_heap(&self.attributes)
    }
}

impl Heap for Span {
    fn heap(&self) -> u64 {
        self.trace_id.heap()
            + self.span_id.heap()
            + self.trace_state.heap()
            + self.parent_span_id.heap()
            + self.name.heap()
            + vec_heap(&self.attributes)
            + self
                .events
                .iter()
                .map(|e| e.name.heap() + vec_heap(&e.attributes))
                .sum::<u64>()
            + (self.events.capacity() * std::mem::size_of::<span::Event>()) as u64
            + self
                .links
                .iter()
                .map(|l| {
                    l.trace_id.heap() + l.span_id.heap() + l.trace_state.heap() + vec_heap(&l.attributes)
                })
                .sum::<u64>()
            + (self.links.capacity() * std::mem::size_of::<span::Link>()) as u64
            + self.status.as_ref().map_or(0, |s| s.message.heap())
    }
}

impl Heap for ScopeSpans {
    fn heap(&self) -> u64 {
        self.scope.heap() + vec_heap(&self.spans) + self.schema_url.heap()
    }
}

impl Heap for ResourceSpans {
    fn heap(&self) -> u64 {
        self.resource.heap() + vec_heap(&self.scope_spans) + self.schema_url.heap()
    }
}

impl Heap for LogRecord {
    fn heap(&self) -> u64 {
        self.severity_text.heap()
            + self.body.heap()
            + vec_heap(&self.attributes)
            + self.trace_id.heap()
            + self.span_id.heap()
            + self.event_name.heap()
    }
}

impl Heap for ScopeLogs {
    fn heap(&self) -> u64 {
        self.scope.heap() + vec_heap(&self.log_records) + self.schema_url.heap()
    }
}

impl Heap for ResourceLogs {
    fn heap(&self) -> u64 {
        self.resource.heap() + vec_heap(&self.scope_logs) + self.schema_url.heap()
    }
}

impl Heap for NumberDataPoint {
    fn heap(&self) -> u64 {
        vec_heap(&self.attributes) + (self.exemplars.capacity() * std::mem::size_of::<Exemplar>()) as u64
    }
}

impl Heap for Metric {
    fn heap(&self) -> u64 {
        let data = match &self.data {
            Some(metric::Data::Gauge(g)) => vec_heap(&g.data_points),
            Some(metric::Data::Sum(s)) => vec_heap(&s.data_points),
            Some(metric::Data::Histogram(h)) => {
                (h.data_points.capacity() * std::mem::size_of::<HistogramDataPoint>()) as u64
                    + h.data_points
                        .iter()
                        .map(|p| {
                            vec_heap(&p.attributes)
                                + 8 * (p.bucket_counts.capacity() + p.explicit_bounds.capacity()) as u64
                        })
                        .sum::<u64>()
            }
            _ => 0,
        };
        self.name.heap() + self.description.heap() + self.unit.heap() + vec_heap(&self.metadata) + data
    }
}

impl Heap for ScopeMetrics {
    fn heap(&self) -> u64 {
        self.scope.heap() + vec_heap(&self.metrics) + self.schema_url.heap()
    }
}

impl Heap for ResourceMetrics {
    fn heap(&self) -> u64 {
        self.resource.heap() + vec_heap(&self.scope_metrics) + self.schema_url.heap()
    }
}

/// The estimate of `bytes` against the heap prost's decoding really holds
/// (plus the request struct): (estimate, real).
fn traces_estimate(req: &ExportTraceServiceRequest) -> (u64, u64) {
    let bytes = req.encode_to_vec();
    let est = estimate_traces(&bytes).unwrap();
    let decoded = ExportTraceServiceRequest::decode(&bytes[..]).unwrap();
    let real = vec_heap(&decoded.resource_spans) + std::mem::size_of::<ExportTraceServiceRequest>() as u64;
    assert_eq!(est.items, validate_traces(&bytes).unwrap());
    (est.decoded_bytes, real)
}

fn one_scope_spans(spans: Vec<Span>) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            scope_spans: vec![ScopeSpans {
                spans,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

#[test]
fn estimate_bounds_empty_spans() {
    // The amplification attack: 2 bytes of wire per span.
    for n in [1, 3, 4, 5, 1000, 100_000] {
        let req = one_scope_spans(vec![Span::default(); n]);
        let (est, real) = traces_estimate(&req);
        assert!(est >= real, "{n} empty spans: estimate {est} < real {real}");
        assert!(
            est <= 3 * real + 4096,
            "{n} empty spans: estimate {est} far above real {real}"
        );
    }
    // 100,000 empty spans are ~200 KB on the wire and ~25 MB decoded.
    let bytes = one_scope_spans(vec![Span::default(); 100_000]).encode_to_vec();
    let est = estimate_traces(&bytes).unwrap();
    assert!(
        est.decoded_bytes > 100 * bytes.len() as u64,
        "{est:?} for {} bytes",
        bytes.len()
    );
}

#[test]
fn estimate_bounds_many_tiny_attributes() {
    let attrs: Vec<KeyValue> = (0..10_000)
        .map(|i| {
            kv(
                if i % 2 == 0 { "" } else { "k" },
                any_value::Value::BoolValue(true),
            )
        })
        .collect();
    let req = one_scope_spans(vec![Span {
        attributes: attrs,
        ..Default::default()
    }]);
    let (est, real) = traces_estimate(&req);
    assert!(est >= real, "estimate {est} < real {real}");
    assert!(est <= 3 * real, "estimate {est} far above real {real}");
    // Empty AnyValues and empty KeyValues: 2 bytes each on the wire.
    let attrs: Vec<KeyValue> = (0..10_000).map(|_| KeyValue::default()).collect();
    let req = one_scope_spans(vec![Span {
        attributes: attrs,
        ..Default::default()
    }]);
    let (est, real) = traces_estimate(&req);
    assert!(est >= real, "empty key-values: estimate {est} < real {real}");
}

#[test]
fn estimate_bounds_deep_nesting() {
    // Arrays nested 90 deep, several times per span.
    fn nested(depth: usize) -> AnyValue {
        let mut v = AnyValue {
            value: Some(any_value::Value::StringValue("x".into())),
        };
        for _ in 0..depth {
            v = AnyValue {
                value: Some(any_value::Value::ArrayValue(ArrayValue {
                    values: vec![v.clone(), v],
                })),
            };
            if let Some(any_value::Value::ArrayValue(a)) = &mut v.value {
                a.values.truncate(1);
            }
        }
        v
    }
    let span = Span {
        attributes: (0..50)
            .map(|i| KeyValue {
                key: format!("k{i}"),
                value: Some(nested(45)),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    let req = one_scope_spans(vec![span; 20]);
    let (est, real) = traces_estimate(&req);
    assert!(est >= real, "estimate {est} < real {real}");
    assert!(est <= 3 * real, "estimate {est} far above real {real}");
    // Key-value lists nested too.
    let mut v = AnyValue::default();
    for _ in 0..30 {
        v = AnyValue {
            value: Some(any_value::Value::KvlistValue(KeyValueList {
                values: vec![KeyValue {
                    key: "k".into(),
                    value: Some(v),
                    ..Default::default()
                }],
            })),
        };
    }
    let req = one_scope_spans(vec![
        Span {
            attributes: vec![KeyValue {
                key: "deep".into(),
                value: Some(v),
                ..Default::default()
            }],
            ..Default::default()
        };
        100
    ]);
    let (est, real) = traces_estimate(&req);
    assert!(est >= real, "kvlists: estimate {est} < real {real}");
}

#[test]
fn estimate_is_close_for_normal_data() {
    // HTTP server spans with 8 attributes and an event.
    let span = |i: usize| Span {
        trace_id: vec![1; 16],
        span_id: vec![2; 8],
        parent_span_id: vec![3; 8],
        name: format!("GET /api/v1/items/{i}"),
        kind: 2,
        start_time_unix_nano: 1,
        end_time_unix_nano: 2,
        attributes: (0..8)
            .map(|k| {
                kv(
                    &format!("http.attribute.{k}"),
                    any_value::Value::StringValue(format!("value-{i}-{k}")),
                )
            })
            .collect(),
        events: vec![span::Event {
            name: "exception".into(),
            attributes: vec![kv(
                "exception.message",
                any_value::Value::StringValue("boom".into()),
            )],
            ..Default::default()
        }],
        status: Some(Status {
            message: "ok".into(),
            code: 1,
        }),
        ..Default::default()
    };
    let req = one_scope_spans((0..1000).map(span).collect());
    let (est, real) = traces_estimate(&req);
    assert!(est >= real, "estimate {est} < real {real}");
    assert!(est <= real * 3 / 2, "estimate {est} more than 1.5 × real {real}");
    // Logs with 200-byte bodies.
    let logs = ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            scope_logs: vec![ScopeLogs {
                log_records: (0..1000)
                    .map(|i| LogRecord {
                        body: Some(AnyValue {
                            value: Some(any_value::Value::StringValue(format!("{i:0200}"))),
                        }),
                        severity_text: "INFO".into(),
                        attributes: vec![kv("a", any_value::Value::IntValue(1))],
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            }],
            ..Default::default()
        }],
    };
    let bytes = logs.encode_to_vec();
    let est = estimate_logs(&bytes).unwrap();
    let decoded = ExportLogsServiceRequest::decode(&bytes[..]).unwrap();
    let real = vec_heap(&decoded.resource_logs);
    assert_eq!(est.items, 1000);
    assert!(
        est.decoded_bytes >= real && est.decoded_bytes <= 2 * real,
        "{est:?} vs {real}"
    );
    // Sums and histograms.
    let bytes = metrics().encode_to_vec();
    let est = estimate_metrics(&bytes).unwrap();
    let decoded = ExportMetricsServiceRequest::decode(&bytes[..]).unwrap();
    let real = vec_heap(&decoded.resource_metrics);
    assert!(est.decoded_bytes >= real, "{est:?} vs {real}");
}

#[test]
fn estimate_of_the_other_samples_bounds_them() {
    let (est, real) = traces_estimate(&traces());
    assert!(est >= real, "{est} < {real}");
    let bytes = logs().encode_to_vec();
    let est = estimate_logs(&bytes).unwrap();
    let real = vec_heap(
        &ExportLogsServiceRequest::decode(&bytes[..])
            .unwrap()
            .resource_logs,
    );
    assert!(est.decoded_bytes >= real, "{est:?} < {real}");
}

#[test]
fn filled_resources_finds_empty_levels() {
    use crate::Signal;
    // The sample has an empty scope.
    let mut t = traces();
    assert_eq!(filled_resources(Signal::Traces, &t.encode_to_vec()), None);
    t.resource_spans[0].scope_spans.retain(|s| !s.spans.is_empty());
    assert_eq!(filled_resources(Signal::Traces, &t.encode_to_vec()), Some(2));
    let l = logs();
    assert_eq!(
        filled_resources(Signal::Logs, &l.encode_to_vec()),
        Some(l.resource_logs.len())
    );
    let m = metrics();
    assert_eq!(
        filled_resources(Signal::Metrics, &m.encode_to_vec()),
        Some(m.resource_metrics.len())
    );
    // No resource at all.
    assert_eq!(filled_resources(Signal::Traces, &[]), Some(0));

    // A scope without spans; a resource without scopes.
    let mut empty_scope = t.clone();
    empty_scope.resource_spans[0]
        .scope_spans
        .push(ScopeSpans::default());
    assert_eq!(
        filled_resources(Signal::Traces, &empty_scope.encode_to_vec()),
        None
    );
    let mut empty_resource = t.clone();
    empty_resource.resource_spans.push(ResourceSpans {
        resource: Some(resource()),
        ..Default::default()
    });
    assert_eq!(
        filled_resources(Signal::Traces, &empty_resource.encode_to_vec()),
        None
    );

    // A metric without data is filled; one whose data has no point is not.
    let metric_with = |data: Option<metric::Data>| {
        let mut m = m.clone();
        m.resource_metrics[0].scope_metrics[0].metrics.push(Metric {
            name: "extra".into(),
            data,
            ..Default::default()
        });
        filled_resources(Signal::Metrics, &m.encode_to_vec())
    };
    assert!(metric_with(None).is_some());
    assert_eq!(metric_with(Some(metric::Data::Gauge(Gauge::default()))), None);
    assert_eq!(metric_with(Some(metric::Data::Summary(Summary::default()))), None);
    assert!(
        metric_with(Some(metric::Data::Gauge(Gauge {
            data_points: vec![NumberDataPoint::default()],
        })))
        .is_some()
    );
    // Two data variants in one metric (prost keeps the last): not filled.
    let gauge = m.resource_metrics[0].scope_metrics[0].metrics[0].clone();
    let sum = m.resource_metrics[0].scope_metrics[0].metrics[1].clone();
    let mut metric_bytes = gauge.encode_to_vec();
    metric_bytes.extend(sum.encode_to_vec());
    let mut scope = Vec::new();
    prost::encoding::bytes::encode(2, &metric_bytes, &mut scope);
    let mut res = Vec::new();
    prost::encoding::bytes::encode(2, &scope, &mut res);
    let mut req = Vec::new();
    prost::encoding::bytes::encode(1, &res, &mut req);
    assert_eq!(filled_resources(Signal::Metrics, &req), None);
    // The same request read as traces or logs has a filled shape (field 2s).
    assert_eq!(filled_resources(Signal::Traces, &req), Some(1));
    // Garbage is not filled.
    assert_eq!(filled_resources(Signal::Traces, &[0x0a, 0x05, 0x01]), None);
}
