//! A validating walk over OTLP protobuf that allocates nothing.
//!
//! [`validate_traces`], [`validate_metrics`] and [`validate_logs`] accept
//! exactly the byte strings that prost's decoding of the matching
//! `Export*ServiceRequest` (opentelemetry-proto 0.33) accepts — same wire-type
//! checks, UTF-8 checks on `string` fields, packed and unpacked repeated
//! scalars, unknown fields and groups skipped, prost's recursion limit of 100
//! — and count the items (spans, metric data points, log records) the
//! decoded request would hold. A receiver can therefore answer a malformed
//! request with the OTLP status it would have got from a full decode, and
//! then keep the request encoded: decoding it later cannot fail.
//!
//! The schemas below mirror the `#[prost(..)]` attributes of the generated
//! types. Two tests keep them honest: `schemas_match_the_proto_descriptors`
//! compares every table with the protobuf descriptors opentelemetry-proto was
//! generated from (a version bump that adds or changes a field fails it), and
//! `walk_matches_prost` mutates valid encodings at random and checks the walk
//! and prost agree on every one.

use std::fmt;
use std::mem::size_of;

use crate::proto::collector::logs::v1::ExportLogsServiceRequest;
use crate::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use crate::proto::collector::trace::v1::ExportTraceServiceRequest;
use crate::proto::common::v1::{
    AnyValue, ArrayValue, EntityRef, InstrumentationScope, KeyValue, KeyValueList,
};
use crate::proto::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use crate::proto::metrics::v1::{
    Exemplar, ExponentialHistogram, ExponentialHistogramDataPoint, Gauge, Histogram, HistogramDataPoint,
    Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum, Summary, SummaryDataPoint,
    exponential_histogram_data_point, summary_data_point,
};
use crate::proto::resource::v1::Resource;
use crate::proto::trace::v1::{ResourceSpans, ScopeSpans, Span, Status, span};

/// prost's default recursion limit (`DecodeContext::default()`).
const RECURSION_LIMIT: u32 = 100;

/// Why an encoded request was refused, in the shape of prost's `DecodeError`
/// message: the fields it was in (innermost first), then the reason.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct WireError {
    reason: &'static str,
    stack: Vec<(&'static str, &'static str)>,
}

impl WireError {
    fn fail(reason: &'static str) -> Fail {
        Fail(Box::new(WireError {
            reason,
            stack: Vec::new(),
        }))
    }

    /// Why, without the field path.
    pub fn reason(&self) -> &str {
        self.reason
    }
}

impl From<prost::DecodeError> for WireError {
    fn from(_: prost::DecodeError) -> Self {
        *WireError::fail("invalid protobuf").0
    }
}

/// The walk's error: boxed, so the hot path returns a two-word `Result`.
struct Fail(Box<WireError>);

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("failed to decode Protobuf message: ")?;
        for (message, field) in &self.stack {
            write!(f, "{message}.{field}: ")?;
        }
        f.write_str(self.reason)
    }
}

/// How a field is validated.
#[derive(Clone, Copy)]
enum Kind {
    /// Not a field of the message: skipped by wire type.
    Unknown,
    /// Singular varint scalar (int32/64, uint32/64, sint32/64, bool, enum).
    Varint,
    /// Singular fixed64, sfixed64 or double.
    Fixed64,
    /// Singular fixed32, sfixed32 or float.
    Fixed32,
    /// `string`, singular or repeated: length-delimited UTF-8.
    Str,
    /// `bytes`: length-delimited.
    Bytes,
    /// A message, singular, repeated or in a oneof.
    Msg(&'static Schema),
    /// Repeated varint scalar: packed or one per field.
    RepVarint,
    /// Repeated fixed64/double: packed or one per field.
    RepFixed64,
}

/// What a message contributes to the item count.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Count {
    /// The sum of its message fields' counts.
    Sum,
    /// One item (a span, a log record, a data point).
    Item,
    /// A `Metric`: its `data` oneof's count, where a later field of another
    /// variant replaces the earlier one (as prost's oneof merge does).
    MetricData,
}

/// A message type: its name and its fields indexed by tag.
struct Schema {
    name: &'static str,
    fields: &'static [(&'static str, Kind)],
    count: Count,
    /// `size_of` the prost struct this message decodes to.
    size: usize,
    /// Bit `tag` is set for every repeated field.
    repeated: u64,
}

/// The bit mask of `tags`.
const fn tags(tags: &[u32]) -> u64 {
    let mut mask = 0u64;
    let mut i = 0;
    while i < tags.len() {
        mask |= 1 << tags[i];
        i += 1;
    }
    mask
}

impl Schema {
    #[inline]
    fn kind(&self, tag: u32) -> Kind {
        match self.fields.get(tag as usize) {
            Some((_, kind)) => *kind,
            None => Kind::Unknown,
        }
    }

    #[inline]
    fn is_repeated(&self, tag: u32) -> bool {
        tag < 64 && self.repeated & (1 << tag) != 0
    }

    fn field_name(&self, tag: u32) -> &'static str {
        self.fields.get(tag as usize).map_or("", |f| f.0)
    }
}

const NONE: (&str, Kind) = ("", Kind::Unknown);

/// The `Resource*` / `Scope*` containers: a resource or scope (field 1), the
/// repeated next level (field 2), `schema_url` (field 3).
macro_rules! container {
    ($name:literal: $ty:ty, $head:literal => $head_schema:expr, $items:literal => $item_schema:expr) => {
        Schema {
            name: $name,
            fields: &[
                NONE,
                ($head, Kind::Msg($head_schema)),
                ($items, Kind::Msg($item_schema)),
                ("schema_url", Kind::Str),
            ],
            count: Count::Sum,
            size: size_of::<$ty>(),
            repeated: tags(&[2]),
        }
    };
}

/// An `Export*ServiceRequest`: field 1, the repeated resource level.
macro_rules! request {
    ($name:literal: $ty:ty, $items:literal => $item_schema:expr) => {
        Schema {
            name: $name,
            fields: &[NONE, ($items, Kind::Msg($item_schema))],
            count: Count::Sum,
            size: size_of::<$ty>(),
            repeated: tags(&[1]),
        }
    };
}

// ---- common.v1 / resource.v1 ----------------------------------------------

static ANY_VALUE: Schema = Schema {
    name: "AnyValue",
    fields: &[
        NONE,
        ("string_value", Kind::Str),
        ("bool_value", Kind::Varint),
        ("int_value", Kind::Varint),
        ("double_value", Kind::Fixed64),
        ("array_value", Kind::Msg(&ARRAY_VALUE)),
        ("kvlist_value", Kind::Msg(&KEY_VALUE_LIST)),
        ("bytes_value", Kind::Bytes),
        ("string_value_strindex", Kind::Varint),
    ],
    count: Count::Sum,
    size: size_of::<AnyValue>(),
    repeated: tags(&[]),
};
static ARRAY_VALUE: Schema = Schema {
    name: "ArrayValue",
    fields: &[NONE, ("values", Kind::Msg(&ANY_VALUE))],
    count: Count::Sum,
    size: size_of::<ArrayValue>(),
    repeated: tags(&[1]),
};
static KEY_VALUE_LIST: Schema = Schema {
    name: "KeyValueList",
    fields: &[NONE, ("values", Kind::Msg(&KEY_VALUE))],
    count: Count::Sum,
    size: size_of::<KeyValueList>(),
    repeated: tags(&[1]),
};
static KEY_VALUE: Schema = Schema {
    name: "KeyValue",
    fields: &[
        NONE,
        ("key", Kind::Str),
        ("value", Kind::Msg(&ANY_VALUE)),
        ("key_strindex", Kind::Varint),
    ],
    count: Count::Sum,
    size: size_of::<KeyValue>(),
    repeated: tags(&[]),
};
static SCOPE: Schema = Schema {
    name: "InstrumentationScope",
    fields: &[
        NONE,
        ("name", Kind::Str),
        ("version", Kind::Str),
        ("attributes", Kind::Msg(&KEY_VALUE)),
        ("dropped_attributes_count", Kind::Varint),
    ],
    count: Count::Sum,
    size: size_of::<InstrumentationScope>(),
    repeated: tags(&[3]),
};
static ENTITY_REF: Schema = Schema {
    name: "EntityRef",
    fields: &[
        NONE,
        ("schema_url", Kind::Str),
        ("type", Kind::Str),
        ("id_keys", Kind::Str),
        ("description_keys", Kind::Str),
    ],
    count: Count::Sum,
    size: size_of::<EntityRef>(),
    repeated: tags(&[3, 4]),
};
static RESOURCE: Schema = Schema {
    name: "Resource",
    fields: &[
        NONE,
        ("attributes", Kind::Msg(&KEY_VALUE)),
        ("dropped_attributes_count", Kind::Varint),
        ("entity_refs", Kind::Msg(&ENTITY_REF)),
    ],
    count: Count::Sum,
    size: size_of::<Resource>(),
    repeated: tags(&[1, 3]),
};

// ---- trace.v1 ---------------------------------------------------------------

static TRACE_REQUEST: Schema =
    request!("ExportTraceServiceRequest": ExportTraceServiceRequest, "resource_spans" => &RESOURCE_SPANS);
static RESOURCE_SPANS: Schema =
    container!("ResourceSpans": ResourceSpans, "resource" => &RESOURCE, "scope_spans" => &SCOPE_SPANS);
static SCOPE_SPANS: Schema = container!("ScopeSpans": ScopeSpans, "scope" => &SCOPE, "spans" => &SPAN);
static SPAN: Schema = Schema {
    name: "Span",
    fields: &[
        NONE,
        ("trace_id", Kind::Bytes),
        ("span_id", Kind::Bytes),
        ("trace_state", Kind::Str),
        ("parent_span_id", Kind::Bytes),
        ("name", Kind::Str),
        ("kind", Kind::Varint),
        ("start_time_unix_nano", Kind::Fixed64),
        ("end_time_unix_nano", Kind::Fixed64),
        ("attributes", Kind::Msg(&KEY_VALUE)),
        ("dropped_attributes_count", Kind::Varint),
        ("events", Kind::Msg(&EVENT)),
        ("dropped_events_count", Kind::Varint),
        ("links", Kind::Msg(&LINK)),
        ("dropped_links_count", Kind::Varint),
        ("status", Kind::Msg(&STATUS)),
        ("flags", Kind::Fixed32),
    ],
    count: Count::Item,
    size: size_of::<Span>(),
    repeated: tags(&[9, 11, 13]),
};
static EVENT: Schema = Schema {
    name: "Event",
    fields: &[
        NONE,
        ("time_unix_nano", Kind::Fixed64),
        ("name", Kind::Str),
        ("attributes", Kind::Msg(&KEY_VALUE)),
        ("dropped_attributes_count", Kind::Varint),
    ],
    count: Count::Sum,
    size: size_of::<span::Event>(),
    repeated: tags(&[3]),
};
static LINK: Schema = Schema {
    name: "Link",
    fields: &[
        NONE,
        ("trace_id", Kind::Bytes),
        ("span_id", Kind::Bytes),
        ("trace_state", Kind::Str),
        ("attributes", Kind::Msg(&KEY_VALUE)),
        ("dropped_attributes_count", Kind::Varint),
        ("flags", Kind::Fixed32),
    ],
    count: Count::Sum,
    size: size_of::<span::Link>(),
    repeated: tags(&[4]),
};
static STATUS: Schema = Schema {
    name: "Status",
    fields: &[NONE, NONE, ("message", Kind::Str), ("code", Kind::Varint)],
    count: Count::Sum,
    size: size_of::<Status>(),
    repeated: tags(&[]),
};

// ---- logs.v1 ----------------------------------------------------------------

static LOGS_REQUEST: Schema =
    request!("ExportLogsServiceRequest": ExportLogsServiceRequest, "resource_logs" => &RESOURCE_LOGS);
static RESOURCE_LOGS: Schema =
    container!("ResourceLogs": ResourceLogs, "resource" => &RESOURCE, "scope_logs" => &SCOPE_LOGS);
static SCOPE_LOGS: Schema =
    container!("ScopeLogs": ScopeLogs, "scope" => &SCOPE, "log_records" => &LOG_RECORD);
static LOG_RECORD: Schema = Schema {
    name: "LogRecord",
    fields: &[
        NONE,
        ("time_unix_nano", Kind::Fixed64),
        ("severity_number", Kind::Varint),
        ("severity_text", Kind::Str),
        NONE,
        ("body", Kind::Msg(&ANY_VALUE)),
        ("attributes", Kind::Msg(&KEY_VALUE)),
        ("dropped_attributes_count", Kind::Varint),
        ("flags", Kind::Fixed32),
        ("trace_id", Kind::Bytes),
        ("span_id", Kind::Bytes),
        ("observed_time_unix_nano", Kind::Fixed64),
        ("event_name", Kind::Str),
    ],
    count: Count::Item,
    size: size_of::<LogRecord>(),
    repeated: tags(&[6]),
};

// ---- metrics.v1 -------------------------------------------------------------

static METRICS_REQUEST: Schema = request!("ExportMetricsServiceRequest": ExportMetricsServiceRequest, "resource_metrics" => &RESOURCE_METRICS);
static RESOURCE_METRICS: Schema = container!("ResourceMetrics": ResourceMetrics, "resource" => &RESOURCE, "scope_metrics" => &SCOPE_METRICS);
static SCOPE_METRICS: Schema =
    container!("ScopeMetrics": ScopeMetrics, "scope" => &SCOPE, "metrics" => &METRIC);
static METRIC: Schema = Schema {
    name: "Metric",
    fields: &[
        NONE,
        ("name", Kind::Str),
        ("description", Kind::Str),
        ("unit", Kind::Str),
        NONE,
        ("gauge", Kind::Msg(&GAUGE)),
        NONE,
        ("sum", Kind::Msg(&SUM)),
        NONE,
        ("histogram", Kind::Msg(&HISTOGRAM)),
        ("exponential_histogram", Kind::Msg(&EXP_HISTOGRAM)),
        ("summary", Kind::Msg(&SUMMARY)),
        ("metadata", Kind::Msg(&KEY_VALUE)),
    ],
    count: Count::MetricData,
    size: size_of::<Metric>(),
    repeated: tags(&[12]),
};
static GAUGE: Schema = Schema {
    name: "Gauge",
    fields: &[NONE, ("data_points", Kind::Msg(&NUMBER_POINT))],
    count: Count::Sum,
    size: size_of::<Gauge>(),
    repeated: tags(&[1]),
};
static SUM: Schema = Schema {
    name: "Sum",
    fields: &[
        NONE,
        ("data_points", Kind::Msg(&NUMBER_POINT)),
        ("aggregation_temporality", Kind::Varint),
        ("is_monotonic", Kind::Varint),
    ],
    count: Count::Sum,
    size: size_of::<Sum>(),
    repeated: tags(&[1]),
};
static HISTOGRAM: Schema = Schema {
    name: "Histogram",
    fields: &[
        NONE,
        ("data_points", Kind::Msg(&HISTOGRAM_POINT)),
        ("aggregation_temporality", Kind::Varint),
    ],
    count: Count::Sum,
    size: size_of::<Histogram>(),
    repeated: tags(&[1]),
};
static EXP_HISTOGRAM: Schema = Schema {
    name: "ExponentialHistogram",
    fields: &[
        NONE,
        ("data_points", Kind::Msg(&EXP_HISTOGRAM_POINT)),
        ("aggregation_temporality", Kind::Varint),
    ],
    count: Count::Sum,
    size: size_of::<ExponentialHistogram>(),
    repeated: tags(&[1]),
};
static SUMMARY: Schema = Schema {
    name: "Summary",
    fields: &[NONE, ("data_points", Kind::Msg(&SUMMARY_POINT))],
    count: Count::Sum,
    size: size_of::<Summary>(),
    repeated: tags(&[1]),
};
static NUMBER_POINT: Schema = Schema {
    name: "NumberDataPoint",
    fields: &[
        NONE,
        NONE,
        ("start_time_unix_nano", Kind::Fixed64),
        ("time_unix_nano", Kind::Fixed64),
        ("as_double", Kind::Fixed64),
        ("exemplars", Kind::Msg(&EXEMPLAR)),
        ("as_int", Kind::Fixed64),
        ("attributes", Kind::Msg(&KEY_VALUE)),
        ("flags", Kind::Varint),
    ],
    count: Count::Item,
    size: size_of::<NumberDataPoint>(),
    repeated: tags(&[5, 7]),
};
static HISTOGRAM_POINT: Schema = Schema {
    name: "HistogramDataPoint",
    fields: &[
        NONE,
        NONE,
        ("start_time_unix_nano", Kind::Fixed64),
        ("time_unix_nano", Kind::Fixed64),
        ("count", Kind::Fixed64),
        ("sum", Kind::Fixed64),
        ("bucket_counts", Kind::RepFixed64),
        ("explicit_bounds", Kind::RepFixed64),
        ("exemplars", Kind::Msg(&EXEMPLAR)),
        ("attributes", Kind::Msg(&KEY_VALUE)),
        ("flags", Kind::Varint),
        ("min", Kind::Fixed64),
        ("max", Kind::Fixed64),
    ],
    count: Count::Item,
    size: size_of::<HistogramDataPoint>(),
    repeated: tags(&[6, 7, 8, 9]),
};
static EXP_HISTOGRAM_POINT: Schema = Schema {
    name: "ExponentialHistogramDataPoint",
    fields: &[
        NONE,
        ("attributes", Kind::Msg(&KEY_VALUE)),
        ("start_time_unix_nano", Kind::Fixed64),
        ("time_unix_nano", Kind::Fixed64),
        ("count", Kind::Fixed64),
        ("sum", Kind::Fixed64),
        ("scale", Kind::Varint),
        ("zero_count", Kind::Fixed64),
        ("positive", Kind::Msg(&BUCKETS)),
        ("negative", Kind::Msg(&BUCKETS)),
        ("flags", Kind::Varint),
        ("exemplars", Kind::Msg(&EXEMPLAR)),
        ("min", Kind::Fixed64),
        ("max", Kind::Fixed64),
        ("zero_threshold", Kind::Fixed64),
    ],
    count: Count::Item,
    size: size_of::<ExponentialHistogramDataPoint>(),
    repeated: tags(&[1, 11]),
};
static BUCKETS: Schema = Schema {
    name: "Buckets",
    fields: &[NONE, ("offset", Kind::Varint), ("bucket_counts", Kind::RepVarint)],
    count: Count::Sum,
    size: size_of::<exponential_histogram_data_point::Buckets>(),
    repeated: tags(&[2]),
};
static SUMMARY_POINT: Schema = Schema {
    name: "SummaryDataPoint",
    fields: &[
        NONE,
        NONE,
        ("start_time_unix_nano", Kind::Fixed64),
        ("time_unix_nano", Kind::Fixed64),
        ("count", Kind::Fixed64),
        ("sum", Kind::Fixed64),
        ("quantile_values", Kind::Msg(&VALUE_AT_QUANTILE)),
        ("attributes", Kind::Msg(&KEY_VALUE)),
        ("flags", Kind::Varint),
    ],
    count: Count::Item,
    size: size_of::<SummaryDataPoint>(),
    repeated: tags(&[6, 7]),
};
static VALUE_AT_QUANTILE: Schema = Schema {
    name: "ValueAtQuantile",
    fields: &[NONE, ("quantile", Kind::Fixed64), ("value", Kind::Fixed64)],
    count: Count::Sum,
    size: size_of::<summary_data_point::ValueAtQuantile>(),
    repeated: tags(&[]),
};
static EXEMPLAR: Schema = Schema {
    name: "Exemplar",
    fields: &[
        NONE,
        NONE,
        ("time_unix_nano", Kind::Fixed64),
        ("as_double", Kind::Fixed64),
        ("span_id", Kind::Bytes),
        ("trace_id", Kind::Bytes),
        ("as_int", Kind::Fixed64),
        ("filtered_attributes", Kind::Msg(&KEY_VALUE)),
    ],
    count: Count::Sum,
    size: size_of::<Exemplar>(),
    repeated: tags(&[7]),
};

// ---- the walk ---------------------------------------------------------------

/// Validates an `ExportTraceServiceRequest` encoding; returns its span count.
///
/// The same walk as [`estimate_traces`] without the heap tally (what a
/// receiver without an admission gate runs).
pub fn validate_traces(buf: &[u8]) -> Result<usize, WireError> {
    walk_top::<false>(&TRACE_REQUEST, buf).map(|e| e.items)
}

/// Validates an `ExportMetricsServiceRequest` encoding; returns its data point count.
pub fn validate_metrics(buf: &[u8]) -> Result<usize, WireError> {
    walk_top::<false>(&METRICS_REQUEST, buf).map(|e| e.items)
}

/// Validates an `ExportLogsServiceRequest` encoding; returns its log record count.
pub fn validate_logs(buf: &[u8]) -> Result<usize, WireError> {
    walk_top::<false>(&LOGS_REQUEST, buf).map(|e| e.items)
}

/// What the walk found in a valid encoding: its items, and how much memory
/// decoding it with prost would take.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Estimate {
    /// Spans, metric data points or log records.
    pub items: usize,
    /// An upper bound of the heap bytes the decoded request takes (not
    /// counting the encoded bytes): for every message the size of its prost
    /// struct in its parent's `Vec` (with `Vec`'s growth: the next power of
    /// two, at least 4), the bytes of every non-empty string and
    /// `bytes` field, the elements of repeated scalars, and the allocator's
    /// rounding of each allocation (at most 1/8, and 16 bytes).
    pub decoded_bytes: u64,
}

/// Validates an `ExportTraceServiceRequest` encoding; returns its span count
/// and decoded size.
pub fn estimate_traces(buf: &[u8]) -> Result<Estimate, WireError> {
    walk_top::<true>(&TRACE_REQUEST, buf)
}

/// Validates an `ExportMetricsServiceRequest` encoding; returns its data
/// point count and decoded size.
pub fn estimate_metrics(buf: &[u8]) -> Result<Estimate, WireError> {
    walk_top::<true>(&METRICS_REQUEST, buf)
}

/// Validates an `ExportLogsServiceRequest` encoding; returns its log record
/// count and decoded size.
pub fn estimate_logs(buf: &[u8]) -> Result<Estimate, WireError> {
    walk_top::<true>(&LOGS_REQUEST, buf)
}

/// Bytes the allocator may hand out for a request of `n` bytes: mimalloc's
/// size classes round up by at most 1/8; small blocks are at least 16 bytes.
#[inline]
const fn alloc_cost(n: u64) -> u64 {
    n + n / 8 + 16
}

/// What a walk found in one message: items, and decoded heap bytes.
#[derive(Clone, Copy, Default)]
struct Tally {
    items: u64,
    heap: u64,
}

/// Walks a request; `HEAP` turns the decoded-size tally on (off, the
/// estimate's `decoded_bytes` is 0 and the walk costs what validation alone
/// costs).
fn walk_top<const HEAP: bool>(schema: &'static Schema, buf: &[u8]) -> Result<Estimate, WireError> {
    let t = walk::<HEAP>(schema, buf, RECURSION_LIMIT).map_err(|e| *e.0)?;
    if !HEAP {
        return Ok(Estimate {
            items: usize::try_from(t.items).unwrap_or(usize::MAX),
            decoded_bytes: 0,
        });
    }
    // The request struct itself, boxed in the payload's `Arc`.
    let decoded_bytes = t.heap.saturating_add(alloc_cost(schema.size as u64 + 16));
    Ok(Estimate {
        items: usize::try_from(t.items).unwrap_or(usize::MAX),
        decoded_bytes,
    })
}

const E_VARINT: &str = "invalid varint";
const E_UNDERFLOW: &str = "buffer underflow";
const E_RECURSION: &str = "recursion limit reached";
const E_UTF8: &str = "invalid string value: data is not UTF-8 encoded";
const E_WIRE_TYPE: &str = "invalid wire type";
const E_KEY: &str = "invalid key value";
const E_TAG: &str = "invalid tag value: 0";
const E_END_GROUP: &str = "unexpected end group tag";
const E_PACKED: &str = "delimited length exceeded";

/// Reads a varint as prost does: at most 10 bytes, the 10th at most 1.
#[inline]
fn varint(buf: &mut &[u8]) -> Result<u64, Fail> {
    let bytes = *buf;
    if let Some(&b) = bytes.first()
        && b < 0x80
    {
        *buf = &bytes[1..];
        return Ok(u64::from(b));
    }
    let mut value = 0u64;
    for (i, &b) in bytes.iter().take(10).enumerate() {
        if i == 9 && b >= 0x02 {
            return Err(WireError::fail(E_VARINT));
        }
        value |= u64::from(b & 0x7f) << (7 * i);
        if b < 0x80 {
            *buf = &bytes[i + 1..];
            return Ok(value);
        }
    }
    Err(WireError::fail(E_VARINT))
}

/// Takes `n` bytes from the front.
#[inline]
fn take<'a>(buf: &mut &'a [u8], n: u64) -> Result<&'a [u8], Fail> {
    let bytes = *buf;
    match usize::try_from(n) {
        Ok(n) if n <= bytes.len() => {
            let (head, tail) = bytes.split_at(n);
            *buf = tail;
            Ok(head)
        }
        _ => Err(WireError::fail(E_UNDERFLOW)),
    }
}

/// Takes a length-delimited value.
#[inline]
fn delimited<'a>(buf: &mut &'a [u8]) -> Result<&'a [u8], Fail> {
    let len = varint(buf)?;
    take(buf, len)
}

/// A field key: (tag, wire type), checked as prost's `decode_key`.
#[inline]
fn key(buf: &mut &[u8]) -> Result<(u32, u8), Fail> {
    let key = varint(buf)?;
    let Ok(key) = u32::try_from(key) else {
        return Err(WireError::fail(E_KEY));
    };
    let wire_type = (key & 7) as u8;
    if wire_type > 5 {
        return Err(WireError::fail(E_WIRE_TYPE));
    }
    let tag = key >> 3;
    if tag == 0 {
        return Err(WireError::fail(E_TAG));
    }
    Ok((tag, wire_type))
}

const VARINT: u8 = 0;
const FIXED64: u8 = 1;
const LEN: u8 = 2;
const START_GROUP: u8 = 3;
const END_GROUP: u8 = 4;
const FIXED32: u8 = 5;

#[inline]
fn expect(wire_type: u8, expected: u8) -> Result<(), Fail> {
    if wire_type == expected {
        Ok(())
    } else {
        Err(WireError::fail(E_WIRE_TYPE))
    }
}

/// Walks the fields of one message; `depth` is prost's remaining recursion
/// budget for them.
///
/// The heap tally: a repeated field's `Vec` of `n` elements has the capacity
/// `Vec`'s growth gives it when prost pushes them one at a time (the next
/// power of two, at least 4); a string or `bytes` field of `l > 0` bytes is one allocation of `l` bytes
/// (at least 8). Singular message fields and oneofs are inline in their
/// parent (prost boxes nothing in OTLP). Every allocation is charged
/// [`alloc_cost`].
fn walk<const HEAP: bool>(schema: &'static Schema, mut buf: &[u8], depth: u32) -> Result<Tally, Fail> {
    let mut count = 0u64;
    let mut heap = 0u64;
    let mut data_tag = 0u32;
    // Elements of each repeated field (by tag), for their `Vec`'s capacity.
    let mut lengths = [0u64; 16];
    // Bit `tag` is set once `lengths[tag]` counts something: the closing
    // loop visits only those (most messages have no repeated field at all).
    let mut seen = 0u16;
    while !buf.is_empty() {
        let (tag, wire_type) = match buf.first() {
            // One-byte keys (tags up to 15) are nearly all of them.
            Some(&b) if (8..0x80).contains(&b) && b & 7 <= 5 => {
                buf = &buf[1..];
                (u32::from(b >> 3), b & 7)
            }
            _ => key(&mut buf)?,
        };
        let kind = schema.kind(tag);
        if let Kind::Unknown = kind {
            skip(wire_type, tag, &mut buf, depth)?;
            continue;
        }
        let t = match field::<HEAP>(kind, wire_type, &mut buf, depth) {
            Ok(t) => t,
            Err(mut e) => {
                e.0.stack.push((schema.name, schema.field_name(tag)));
                return Err(e);
            }
        };
        heap = heap.saturating_add(t.heap);
        // Packed scalars were charged in `field`; the elements of unpacked
        // ones and of messages and strings are counted per field here.
        if HEAP
            && schema.is_repeated(tag)
            && !(wire_type == LEN && matches!(kind, Kind::RepVarint | Kind::RepFixed64))
        {
            match lengths.get_mut(tag as usize) {
                Some(n) => {
                    *n = n.saturating_add(1);
                    seen |= 1 << tag;
                }
                // No OTLP repeated field has a tag above 15; were there one,
                // its element costs what a `Vec`'s growth can make it cost.
                None => heap = heap.saturating_add(alloc_cost(4 * elem_size(kind))),
            }
        }
        let n = t.items;
        if schema.count == Count::MetricData {
            // The `data` oneof (every message field but `metadata`, 12): a
            // later variant replaces the earlier one, the same one merges.
            if let Kind::Msg(_) = kind
                && tag != 12
            {
                if tag == data_tag {
                    count += n;
                } else {
                    count = n;
                    data_tag = tag;
                }
            }
        } else {
            count += n;
        }
    }
    while seen != 0 {
        let tag = seen.trailing_zeros();
        seen &= seen - 1;
        let n = lengths.get(tag as usize).copied().unwrap_or(0);
        // prost pushes one element at a time: `Vec` doubles from 4.
        let capacity = n.max(4).checked_next_power_of_two().unwrap_or(u64::MAX);
        let elem = elem_size(schema.kind(tag));
        heap = heap.saturating_add(alloc_cost(capacity.saturating_mul(elem)));
    }
    Ok(Tally { items: count, heap })
}

/// Size of one element of a repeated field of `kind` in its `Vec`.
#[inline]
fn elem_size(kind: Kind) -> u64 {
    match kind {
        Kind::Msg(inner) => inner.size as u64,
        Kind::Str | Kind::Bytes => size_of::<String>() as u64,
        _ => 8,
    }
}

/// Heap of a decoded string or `bytes` field of `len` bytes.
#[inline]
fn bytes_heap(len: usize) -> u64 {
    if len == 0 {
        0
    } else {
        alloc_cost((len as u64).max(8))
    }
}

/// Validates one known field's value; returns the items in it and the heap
/// its decoded value takes (for messages, what is inside them).
#[inline]
fn field<const HEAP: bool>(kind: Kind, wire_type: u8, buf: &mut &[u8], depth: u32) -> Result<Tally, Fail> {
    let none = Tally::default();
    match kind {
        Kind::Unknown => skip(wire_type, 0, buf, depth).map(|()| none),
        Kind::Varint => expect(wire_type, VARINT).and_then(|()| varint(buf).map(|_| none)),
        Kind::Fixed64 => expect(wire_type, FIXED64).and_then(|()| take(buf, 8).map(|_| none)),
        Kind::Fixed32 => expect(wire_type, FIXED32).and_then(|()| take(buf, 4).map(|_| none)),
        Kind::Bytes => {
            expect(wire_type, LEN)?;
            let b = delimited(buf)?;
            Ok(Tally {
                items: 0,
                heap: if HEAP { bytes_heap(b.len()) } else { 0 },
            })
        }
        Kind::Str => {
            expect(wire_type, LEN)?;
            // ASCII (nearly every key and value) checks faster than full UTF-8.
            let s = delimited(buf)?;
            if s.is_ascii() || std::str::from_utf8(s).is_ok() {
                Ok(Tally {
                    items: 0,
                    heap: if HEAP { bytes_heap(s.len()) } else { 0 },
                })
            } else {
                Err(WireError::fail(E_UTF8))
            }
        }
        Kind::Msg(inner) => {
            expect(wire_type, LEN)?;
            if depth == 0 {
                return Err(WireError::fail(E_RECURSION));
            }
            let t = walk::<HEAP>(inner, delimited(buf)?, depth - 1)?;
            Ok(Tally {
                items: if inner.count == Count::Item { 1 } else { t.items },
                heap: t.heap,
            })
        }
        Kind::RepVarint if wire_type == LEN => {
            let mut packed = delimited(buf)?;
            let mut n = 0u64;
            while !packed.is_empty() {
                varint(&mut packed)?;
                n += 1;
            }
            Ok(Tally {
                items: 0,
                heap: if HEAP { alloc_cost(16 * n) } else { 0 },
            })
        }
        Kind::RepVarint => expect(wire_type, VARINT).and_then(|()| varint(buf).map(|_| none)),
        Kind::RepFixed64 if wire_type == LEN => {
            let len = delimited(buf)?.len();
            if len % 8 == 0 {
                Ok(Tally {
                    items: 0,
                    heap: if HEAP { alloc_cost(2 * len as u64) } else { 0 },
                })
            } else {
                Err(WireError::fail(E_PACKED))
            }
        }
        Kind::RepFixed64 => expect(wire_type, FIXED64).and_then(|()| take(buf, 8).map(|_| none)),
    }
}

/// Skips an unknown field as prost's `skip_field` does, groups included.
fn skip(wire_type: u8, tag: u32, buf: &mut &[u8], depth: u32) -> Result<(), Fail> {
    if depth == 0 {
        return Err(WireError::fail(E_RECURSION));
    }
    match wire_type {
        VARINT => varint(buf).map(|_| ()),
        FIXED64 => take(buf, 8).map(|_| ()),
        FIXED32 => take(buf, 4).map(|_| ()),
        LEN => delimited(buf).map(|_| ()),
        START_GROUP => loop {
            let (inner_tag, inner_type) = key(buf)?;
            if inner_type == END_GROUP {
                if inner_tag != tag {
                    return Err(WireError::fail(E_END_GROUP));
                }
                return Ok(());
            }
            skip(inner_type, inner_tag, buf, depth - 1)?;
        },
        _ => Err(WireError::fail(E_END_GROUP)),
    }
}

/// Resources of a valid request encoding when every level of it is filled:
/// each resource has a scope, each scope an item (span, metric, log
/// record), and each metric whose `data` is set has a data point; `None`
/// otherwise (or when `buf` is not a valid encoding of `signal`'s request).
///
/// Dropping nothing from such a request leaves it as it is: no empty scope,
/// resource or metric is there to be removed. A metric counts as filled
/// only when each of its `data` fields holds a data point and they are all
/// of one variant (a conservative reading of prost's oneof merge).
pub fn filled_resources(signal: crate::Signal, buf: &[u8]) -> Option<usize> {
    let metrics = signal == crate::Signal::Metrics;
    each_message(buf, 1, &mut |resource| {
        each_message(resource, 2, &mut |scope| {
            each_message(scope, 2, &mut |item| !metrics || metric_filled(item)).is_some_and(|n| n > 0)
        })
        .is_some_and(|n| n > 0)
    })
}

/// Calls `f` on the bytes of every field `tag` (a message) of the message
/// `buf`, skipping the other fields; the number of them, or `None` when `f`
/// answers false or the message does not parse.
fn each_message(mut buf: &[u8], tag: u32, f: &mut dyn FnMut(&[u8]) -> bool) -> Option<usize> {
    let mut n = 0;
    while !buf.is_empty() {
        let (t, wire_type) = key(&mut buf).ok()?;
        if t == tag {
            if wire_type != LEN || !f(delimited(&mut buf).ok()?) {
                return None;
            }
            n += 1;
        } else {
            skip(wire_type, t, &mut buf, RECURSION_LIMIT).ok()?;
        }
    }
    Some(n)
}

/// A `Metric` without `data`, or whose `data` fields (gauge 5, sum 7,
/// histogram 9, exponential histogram 10, summary 11) are of one variant
/// and each holds a data point (field 1 of every variant).
fn metric_filled(mut buf: &[u8]) -> bool {
    let mut variant = None;
    while !buf.is_empty() {
        let Ok((tag, wire_type)) = key(&mut buf) else {
            return false;
        };
        if matches!(tag, 5 | 7 | 9 | 10 | 11) {
            if wire_type != LEN || variant.is_some_and(|v| v != tag) {
                return false;
            }
            variant = Some(tag);
            let Ok(data) = delimited(&mut buf) else {
                return false;
            };
            if each_message(data, 1, &mut |_| true).is_none_or(|points| points == 0) {
                return false;
            }
        } else if skip(wire_type, tag, &mut buf, RECURSION_LIMIT).is_err() {
            return false;
        }
    }
    true
}

pub mod edit;

#[cfg(test)]
mod tests;
