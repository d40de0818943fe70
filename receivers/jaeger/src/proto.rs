//! The `jaeger.api_v2` protobuf messages the gRPC collector service takes
//! (`model.proto`, `collector.proto` of jaeger-idl), written by hand with
//! prost. Only what `PostSpans` carries; field numbers and types are the
//! IDL's. Trace and span ids are `bytes` (16 and 8 bytes, big-endian), as
//! gogoproto's custom types put them on the wire.

/// The gRPC service name.
pub const COLLECTOR_SERVICE: &str = "jaeger.api_v2.CollectorService";
/// The path of `PostSpans`.
pub const POST_SPANS_PATH: &str = "/jaeger.api_v2.CollectorService/PostSpans";

/// `google.protobuf.Timestamp`.
#[derive(Clone, Copy, PartialEq, Eq, ::prost::Message)]
pub struct Timestamp {
    /// Seconds since the epoch.
    #[prost(int64, tag = "1")]
    pub seconds: i64,
    /// Nanoseconds within the second.
    #[prost(int32, tag = "2")]
    pub nanos: i32,
}

/// `google.protobuf.Duration`.
#[derive(Clone, Copy, PartialEq, Eq, ::prost::Message)]
pub struct Duration {
    /// Seconds.
    #[prost(int64, tag = "1")]
    pub seconds: i64,
    /// Nanoseconds (same sign as `seconds`).
    #[prost(int32, tag = "2")]
    pub nanos: i32,
}

/// `ValueType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, ::prost::Enumeration)]
#[repr(i32)]
pub enum ValueType {
    /// `STRING`.
    String = 0,
    /// `BOOL`.
    Bool = 1,
    /// `INT64`.
    Int64 = 2,
    /// `FLOAT64`.
    Float64 = 3,
    /// `BINARY`.
    Binary = 4,
}

/// `SpanRefType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, ::prost::Enumeration)]
#[repr(i32)]
pub enum SpanRefType {
    /// `CHILD_OF`.
    ChildOf = 0,
    /// `FOLLOWS_FROM`.
    FollowsFrom = 1,
}

/// `KeyValue`: a typed tag.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct KeyValue {
    /// The key.
    #[prost(string, tag = "1")]
    pub key: String,
    /// The value's type ([`ValueType`]).
    #[prost(enumeration = "ValueType", tag = "2")]
    pub v_type: i32,
    /// The value when `STRING`.
    #[prost(string, tag = "3")]
    pub v_str: String,
    /// The value when `BOOL`.
    #[prost(bool, tag = "4")]
    pub v_bool: bool,
    /// The value when `INT64`.
    #[prost(int64, tag = "5")]
    pub v_int64: i64,
    /// The value when `FLOAT64`.
    #[prost(double, tag = "6")]
    pub v_float64: f64,
    /// The value when `BINARY`.
    #[prost(bytes = "vec", tag = "7")]
    pub v_binary: Vec<u8>,
}

/// `Log`: a timestamped event.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct Log {
    /// When.
    #[prost(message, optional, tag = "1")]
    pub timestamp: Option<Timestamp>,
    /// The fields.
    #[prost(message, repeated, tag = "2")]
    pub fields: Vec<KeyValue>,
}

/// `SpanRef`: a reference to another span.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct SpanRef {
    /// The referenced trace (16 bytes).
    #[prost(bytes = "vec", tag = "1")]
    pub trace_id: Vec<u8>,
    /// The referenced span (8 bytes).
    #[prost(bytes = "vec", tag = "2")]
    pub span_id: Vec<u8>,
    /// [`SpanRefType`].
    #[prost(enumeration = "SpanRefType", tag = "3")]
    pub ref_type: i32,
}

/// `Process`: the emitting service.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct Process {
    /// The service name.
    #[prost(string, tag = "1")]
    pub service_name: String,
    /// The process tags.
    #[prost(message, repeated, tag = "2")]
    pub tags: Vec<KeyValue>,
}

/// `Span`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct Span {
    /// The trace id (16 bytes, big-endian high then low).
    #[prost(bytes = "vec", tag = "1")]
    pub trace_id: Vec<u8>,
    /// The span id (8 bytes).
    #[prost(bytes = "vec", tag = "2")]
    pub span_id: Vec<u8>,
    /// The operation name.
    #[prost(string, tag = "3")]
    pub operation_name: String,
    /// References (the parent is the first `CHILD_OF` of the same trace).
    #[prost(message, repeated, tag = "4")]
    pub references: Vec<SpanRef>,
    /// Flags (sampled, debug).
    #[prost(uint32, tag = "5")]
    pub flags: u32,
    /// Start time.
    #[prost(message, optional, tag = "6")]
    pub start_time: Option<Timestamp>,
    /// Duration.
    #[prost(message, optional, tag = "7")]
    pub duration: Option<Duration>,
    /// Tags.
    #[prost(message, repeated, tag = "8")]
    pub tags: Vec<KeyValue>,
    /// Logs.
    #[prost(message, repeated, tag = "9")]
    pub logs: Vec<Log>,
    /// The span's own process (takes priority over the batch's).
    #[prost(message, optional, tag = "10")]
    pub process: Option<Process>,
    /// The process id (unused by the receiver).
    #[prost(string, tag = "11")]
    pub process_id: String,
    /// Warnings (unused by the receiver).
    #[prost(string, repeated, tag = "12")]
    pub warnings: Vec<String>,
}

/// `Batch`: spans and their process.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct Batch {
    /// The spans.
    #[prost(message, repeated, tag = "1")]
    pub spans: Vec<Span>,
    /// The process of the spans without their own.
    #[prost(message, optional, tag = "2")]
    pub process: Option<Process>,
}

/// `PostSpansRequest`.
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct PostSpansRequest {
    /// The batch.
    #[prost(message, optional, tag = "1")]
    pub batch: Option<Batch>,
}

/// `PostSpansResponse` (empty).
#[derive(Clone, Copy, PartialEq, Eq, ::prost::Message)]
pub struct PostSpansResponse {}
