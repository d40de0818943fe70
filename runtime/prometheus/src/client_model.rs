//! The `io.prometheus.client` protobuf messages (Prometheus `metrics.proto`),
//! enough to serve classic and native histograms in the delimited protobuf
//! exposition format. Written with prost derives; unset proto2 fields are
//! the zero values here, which is what the Go getters return.

/// A label name and value.
#[derive(Clone, PartialEq, prost::Message)]
pub struct LabelPair {
    /// Label name.
    #[prost(string, tag = "1")]
    pub name: String,
    /// Label value.
    #[prost(string, tag = "2")]
    pub value: String,
}

/// `MetricType` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum MetricType {
    /// Monotonic counter.
    Counter = 0,
    /// Gauge.
    Gauge = 1,
    /// Summary.
    Summary = 2,
    /// Untyped.
    Untyped = 3,
    /// Histogram (classic and/or native).
    Histogram = 4,
    /// Gauge histogram.
    GaugeHistogram = 5,
}

/// `google.protobuf.Timestamp`.
#[derive(Clone, Copy, PartialEq, prost::Message)]
pub struct Timestamp {
    /// Seconds since the epoch.
    #[prost(int64, tag = "1")]
    pub seconds: i64,
    /// Nanoseconds within the second.
    #[prost(int32, tag = "2")]
    pub nanos: i32,
}

impl Timestamp {
    /// From nanoseconds since the epoch.
    pub fn from_unix_nano(ns: u64) -> Self {
        Timestamp {
            seconds: (ns / 1_000_000_000) as i64,
            nanos: (ns % 1_000_000_000) as i32,
        }
    }
}

/// A gauge value.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Gauge {
    /// Value.
    #[prost(double, tag = "1")]
    pub value: f64,
}

/// A counter value.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Counter {
    /// Value.
    #[prost(double, tag = "1")]
    pub value: f64,
    /// Exemplar.
    #[prost(message, optional, tag = "2")]
    pub exemplar: Option<Exemplar>,
    /// Creation time.
    #[prost(message, optional, tag = "3")]
    pub created_timestamp: Option<Timestamp>,
}

/// A summary quantile.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Quantile {
    /// Quantile (0..1).
    #[prost(double, tag = "1")]
    pub quantile: f64,
    /// Value.
    #[prost(double, tag = "2")]
    pub value: f64,
}

/// A summary.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Summary {
    /// Count.
    #[prost(uint64, tag = "1")]
    pub sample_count: u64,
    /// Sum.
    #[prost(double, tag = "2")]
    pub sample_sum: f64,
    /// Quantiles.
    #[prost(message, repeated, tag = "3")]
    pub quantile: Vec<Quantile>,
    /// Creation time.
    #[prost(message, optional, tag = "4")]
    pub created_timestamp: Option<Timestamp>,
}

/// An untyped value.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Untyped {
    /// Value.
    #[prost(double, tag = "1")]
    pub value: f64,
}

/// A histogram, classic (`bucket`) or native (`schema`, spans, deltas).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Histogram {
    /// Count.
    #[prost(uint64, tag = "1")]
    pub sample_count: u64,
    /// Sum.
    #[prost(double, tag = "2")]
    pub sample_sum: f64,
    /// Classic buckets, sorted by bound.
    #[prost(message, repeated, tag = "3")]
    pub bucket: Vec<Bucket>,
    /// Native schema.
    #[prost(sint32, tag = "5")]
    pub schema: i32,
    /// Native zero bucket width.
    #[prost(double, tag = "6")]
    pub zero_threshold: f64,
    /// Native zero bucket count.
    #[prost(uint64, tag = "7")]
    pub zero_count: u64,
    /// Native negative spans.
    #[prost(message, repeated, tag = "9")]
    pub negative_span: Vec<BucketSpan>,
    /// Native negative deltas.
    #[prost(sint64, repeated, tag = "10")]
    pub negative_delta: Vec<i64>,
    /// Native positive spans.
    #[prost(message, repeated, tag = "12")]
    pub positive_span: Vec<BucketSpan>,
    /// Native positive deltas.
    #[prost(sint64, repeated, tag = "13")]
    pub positive_delta: Vec<i64>,
    /// Creation time.
    #[prost(message, optional, tag = "15")]
    pub created_timestamp: Option<Timestamp>,
}

/// A classic bucket.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Bucket {
    /// Cumulative count.
    #[prost(uint64, tag = "1")]
    pub cumulative_count: u64,
    /// Upper bound (inclusive).
    #[prost(double, tag = "2")]
    pub upper_bound: f64,
    /// Exemplar.
    #[prost(message, optional, tag = "3")]
    pub exemplar: Option<Exemplar>,
}

/// A run of native buckets.
#[derive(Clone, PartialEq, prost::Message)]
pub struct BucketSpan {
    /// Gap to the previous span (or start index).
    #[prost(sint32, tag = "1")]
    pub offset: i32,
    /// Number of buckets.
    #[prost(uint32, tag = "2")]
    pub length: u32,
}

/// An exemplar.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Exemplar {
    /// Labels (trace and span id).
    #[prost(message, repeated, tag = "1")]
    pub label: Vec<LabelPair>,
    /// Value.
    #[prost(double, tag = "2")]
    pub value: f64,
    /// Time.
    #[prost(message, optional, tag = "3")]
    pub timestamp: Option<Timestamp>,
}

/// One series.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Metric {
    /// Labels, sorted by name.
    #[prost(message, repeated, tag = "1")]
    pub label: Vec<LabelPair>,
    /// Gauge value.
    #[prost(message, optional, tag = "2")]
    pub gauge: Option<Gauge>,
    /// Counter value.
    #[prost(message, optional, tag = "3")]
    pub counter: Option<Counter>,
    /// Summary value.
    #[prost(message, optional, tag = "4")]
    pub summary: Option<Summary>,
    /// Untyped value.
    #[prost(message, optional, tag = "5")]
    pub untyped: Option<Untyped>,
    /// Histogram value.
    #[prost(message, optional, tag = "7")]
    pub histogram: Option<Histogram>,
    /// Timestamp in milliseconds (0: none).
    #[prost(int64, tag = "6")]
    pub timestamp_ms: i64,
}

/// A metric family.
#[derive(Clone, PartialEq, prost::Message)]
pub struct MetricFamily {
    /// Name.
    #[prost(string, tag = "1")]
    pub name: String,
    /// HELP text.
    #[prost(string, tag = "2")]
    pub help: String,
    /// Type.
    #[prost(enumeration = "MetricType", tag = "3")]
    pub r#type: i32,
    /// Series.
    #[prost(message, repeated, tag = "4")]
    pub metric: Vec<Metric>,
}
