//! # otelcol-prometheus
//!
//! OTLP metrics to Prometheus, shared by the `prometheus` and
//! `prometheusremotewrite` exporters (and meant for the collector's own
//! telemetry endpoint): the same names, labels and values as the Go
//! collector's translator.
//!
//! - [`naming`]: metric names with UCUM unit suffixes, `_total`, `_ratio`,
//!   namespace; label name sanitizing.
//! - [`labels`]: `job`/`instance` from the resource, label sets, escaping.
//! - [`value`]: attribute values and floats formatted as Go does.
//! - [`Accumulator`]: the latest value of every series, delta sums and
//!   histograms accumulated to cumulative, expiry, `target_info`, snapshots.
//! - [`exphist`]: exponential histograms to native or classic buckets.
//! - [`expfmt`]: text 0.0.4, OpenMetrics 1.0.0 and delimited protobuf
//!   rendering, and `Accept` negotiation.
//! - [`client_model`]: the `io.prometheus.client` protobuf messages.
//!
//! ```
//! use otelcol_prometheus::{Accumulator, AccumulatorConfig, expfmt};
//! use otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceRequest;
//!
//! let acc = Accumulator::new(AccumulatorConfig::default());
//! acc.accumulate(&ExportMetricsServiceRequest::default());
//! let page = expfmt::render(&acc.snapshot(), expfmt::Format::Text, false);
//! assert!(page.is_empty());
//! ```

pub mod accumulator;
pub mod client_model;
pub mod expfmt;
pub mod exphist;
pub mod labels;
pub mod model;
pub mod naming;
mod translate;
pub mod value;

pub use accumulator::{
    Accumulator, AccumulatorConfig, Clock, FamilySnapshot, ManualClock, Snapshot, SystemClock, TARGET_INFO,
};
pub use naming::{MetricNamer, MetricType, NamingError};
pub use translate::{FLAG_NO_RECORDED_VALUE, PROMETHEUS_TYPE_KEY};

pub(crate) use otelcol_component::proto;
