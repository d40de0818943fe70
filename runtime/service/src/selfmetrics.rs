//! The collector's own metrics (`service::telemetry::metrics`): a `metrics`
//! crate recorder and a Prometheus `/metrics` endpoint, by default on
//! `localhost:8888` as the Go collector serves it.
//!
//! Components record with the `metrics` macros (`metrics::counter!(...)`)
//! under the Go collector's names (`otelcol_receiver_accepted_spans`, ...);
//! the recorder is installed before any component is created, so the handles
//! they keep are live. Process metrics (`otelcol_process_uptime`,
//! `otelcol_process_cpu_seconds`, `otelcol_process_memory_rss`) are read
//! from `/proc` at scrape time.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use crate::config::model::MetricsLevel;
use metrics::{
    Counter, CounterFn, Gauge, GaugeFn, Histogram, HistogramFn, Key, KeyName, Metadata, Recorder,
    SharedString, Unit,
};

/// Bucket bounds for item-count histograms (Go's batch send size buckets).
const SIZE_BUCKETS: [f64; 22] = [
    10.0, 25.0, 50.0, 75.0, 100.0, 250.0, 500.0, 750.0, 1000.0, 2000.0, 3000.0, 4000.0, 5000.0, 6000.0,
    7000.0, 8000.0, 9000.0, 10000.0, 20000.0, 30000.0, 50000.0, 100000.0,
];
/// Bucket bounds for everything else (durations in seconds, byte sizes scale poorly but stay valid).
const DEFAULT_BUCKETS: [f64; 14] = [
    0.0, 5.0, 10.0, 25.0, 50.0, 75.0, 100.0, 250.0, 500.0, 750.0, 1000.0, 2500.0, 5000.0, 10000.0,
];

#[derive(Debug, Default)]
struct AtomicCounter(AtomicU64);
impl CounterFn for AtomicCounter {
    fn increment(&self, value: u64) {
        self.0.fetch_add(value, Ordering::Relaxed);
    }
    fn absolute(&self, value: u64) {
        self.0.fetch_max(value, Ordering::Relaxed);
    }
}

#[derive(Debug, Default)]
struct AtomicGauge(AtomicU64);
impl GaugeFn for AtomicGauge {
    fn increment(&self, value: f64) {
        let _ = self.0.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| {
            Some((f64::from_bits(b) + value).to_bits())
        });
    }
    fn decrement(&self, value: f64) {
        self.increment(-value);
    }
    fn set(&self, value: f64) {
        self.0.store(value.to_bits(), Ordering::Relaxed);
    }
}

#[derive(Debug)]
struct BucketHistogram {
    bounds: &'static [f64],
    state: Mutex<HistState>,
}
#[derive(Debug, Default, Clone)]
struct HistState {
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}
impl BucketHistogram {
    fn new(bounds: &'static [f64]) -> Self {
        BucketHistogram {
            bounds,
            state: Mutex::new(HistState {
                counts: vec![0; bounds.len()],
                sum: 0.0,
                count: 0,
            }),
        }
    }
}
impl HistogramFn for BucketHistogram {
    fn record(&self, value: f64) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(i) = self.bounds.iter().position(|b| value <= *b) {
            if let Some(c) = s.counts.get_mut(i) {
                *c += 1;
            }
        }
        s.sum += value;
        s.count += 1;
    }
}

type Series<T> = BTreeMap<String, BTreeMap<Vec<(String, String)>, Arc<T>>>;

/// The registry behind the recorder: every series by name and labels.
#[derive(Debug, Default)]
pub struct Registry {
    counters: Mutex<Series<AtomicCounter>>,
    gauges: Mutex<Series<AtomicGauge>>,
    histograms: Mutex<Series<BucketHistogram>>,
    help: Mutex<BTreeMap<String, String>>,
}

fn labels(key: &Key) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = key
        .labels()
        .map(|l| (l.key().to_string(), l.value().to_string()))
        .collect();
    v.sort();
    v
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Registry {
    fn describe(&self, name: KeyName, description: SharedString) {
        lock(&self.help).insert(name.as_str().to_string(), description.to_string());
    }

    /// The current value of every series of the counter `name`, with its
    /// labels (sorted by label name).
    pub fn counter_values(&self, name: &str) -> Vec<(Vec<(String, String)>, u64)> {
        lock(&self.counters)
            .get(name)
            .map(|series| {
                series
                    .iter()
                    .map(|(l, c)| (l.clone(), c.0.load(Ordering::Relaxed)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Renders every series in the Prometheus text format 0.0.4.
    pub fn render(&self, out: &mut String) {
        self.render_level(out, MetricsLevel::Detailed);
    }

    /// Renders the series `level` includes, as the Go collector's levels do:
    /// `basic` has the receiver, exporter and process metrics; `normal` adds
    /// the processor metrics; `detailed` adds the byte-size histograms.
    pub fn render_level(&self, out: &mut String, level: MetricsLevel) {
        let help = lock(&self.help).clone();
        let head = |out: &mut String, name: &str, ty: &str| {
            let h = help
                .get(name)
                .map(String::as_str)
                .unwrap_or_else(|| default_help(name));
            let _ = writeln!(out, "# HELP {name} {}", escape_help(h));
            let _ = writeln!(out, "# TYPE {name} {ty}");
        };
        for (name, series) in lock(&self.counters).iter().filter(|(n, _)| included(n, level)) {
            head(out, name, "counter");
            for (l, c) in series {
                let _ = writeln!(
                    out,
                    "{name}{} {}",
                    fmt_labels(l, None),
                    c.0.load(Ordering::Relaxed)
                );
            }
        }
        for (name, series) in lock(&self.gauges).iter().filter(|(n, _)| included(n, level)) {
            head(out, name, "gauge");
            for (l, g) in series {
                let _ = writeln!(
                    out,
                    "{name}{} {}",
                    fmt_labels(l, None),
                    fmt_f64(f64::from_bits(g.0.load(Ordering::Relaxed)))
                );
            }
        }
        for (name, series) in lock(&self.histograms).iter().filter(|(n, _)| included(n, level)) {
            head(out, name, "histogram");
            for (l, h) in series {
                let s = lock(&h.state).clone();
                let mut cum = 0;
                for (b, c) in h.bounds.iter().zip(&s.counts) {
                    cum += c;
                    let _ = writeln!(out, "{name}_bucket{} {cum}", fmt_labels(l, Some(&fmt_f64(*b))));
                }
                let _ = writeln!(out, "{name}_bucket{} {}", fmt_labels(l, Some("+Inf")), s.count);
                let _ = writeln!(out, "{name}_sum{} {}", fmt_labels(l, None), fmt_f64(s.sum));
                let _ = writeln!(out, "{name}_count{} {}", fmt_labels(l, None), s.count);
            }
        }
    }
}

impl Registry {
    /// The series `level` includes, with the process metrics, as one OTLP
    /// request (for the periodic OTLP readers of `service::telemetry`):
    /// counters as cumulative monotonic sums, gauges as gauges, histograms
    /// as cumulative explicit-bucket histograms; labels become attributes.
    /// `start` is when counting began (Unix nanoseconds), `now` the time of
    /// the data points.
    pub fn to_otlp(
        &self,
        level: MetricsLevel,
        resource: &otelcol_component::proto::resource::v1::Resource,
        start: u64,
        now: u64,
    ) -> otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceRequest {
        use otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceRequest;
        use otelcol_component::proto::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value};
        use otelcol_component::proto::metrics::v1::{
            AggregationTemporality, Gauge as OtlpGauge, Histogram as OtlpHistogram, HistogramDataPoint,
            Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum, metric, number_data_point,
        };
        let help = lock(&self.help).clone();
        let describe = |name: &str| {
            help.get(name)
                .cloned()
                .unwrap_or_else(|| default_help(name).to_string())
        };
        let attrs = |l: &[(String, String)]| -> Vec<KeyValue> {
            l.iter()
                .map(|(k, v)| KeyValue {
                    key: k.clone(),
                    value: Some(AnyValue {
                        value: Some(any_value::Value::StringValue(v.clone())),
                    }),
                    ..Default::default()
                })
                .collect()
        };
        let point = |l: &[(String, String)], v: number_data_point::Value| NumberDataPoint {
            attributes: attrs(l),
            start_time_unix_nano: start,
            time_unix_nano: now,
            value: Some(v),
            ..Default::default()
        };
        let cumulative = AggregationTemporality::Cumulative as i32;
        let mut metrics = Vec::new();
        for (name, series) in lock(&self.counters).iter().filter(|(n, _)| included(n, level)) {
            let data_points = series
                .iter()
                .map(|(l, c)| {
                    let v = i64::try_from(c.0.load(Ordering::Relaxed)).unwrap_or(i64::MAX);
                    point(l, number_data_point::Value::AsInt(v))
                })
                .collect();
            metrics.push(Metric {
                name: name.clone(),
                description: describe(name),
                data: Some(metric::Data::Sum(Sum {
                    data_points,
                    aggregation_temporality: cumulative,
                    is_monotonic: true,
                })),
                ..Default::default()
            });
        }
        for (name, series) in lock(&self.gauges).iter().filter(|(n, _)| included(n, level)) {
            let data_points = series
                .iter()
                .map(|(l, g)| {
                    let v = f64::from_bits(g.0.load(Ordering::Relaxed));
                    let mut p = point(l, number_data_point::Value::AsDouble(v));
                    p.start_time_unix_nano = 0;
                    p
                })
                .collect();
            metrics.push(Metric {
                name: name.clone(),
                description: describe(name),
                data: Some(metric::Data::Gauge(OtlpGauge { data_points })),
                ..Default::default()
            });
        }
        for (name, series) in lock(&self.histograms).iter().filter(|(n, _)| included(n, level)) {
            let data_points = series
                .iter()
                .map(|(l, h)| {
                    let s = lock(&h.state).clone();
                    let mut bucket_counts = s.counts.clone();
                    let in_bounds: u64 = s.counts.iter().sum();
                    bucket_counts.push(s.count.saturating_sub(in_bounds));
                    HistogramDataPoint {
                        attributes: attrs(l),
                        start_time_unix_nano: start,
                        time_unix_nano: now,
                        count: s.count,
                        sum: Some(s.sum),
                        bucket_counts,
                        explicit_bounds: h.bounds.to_vec(),
                        ..Default::default()
                    }
                })
                .collect();
            metrics.push(Metric {
                name: name.clone(),
                description: describe(name),
                data: Some(metric::Data::Histogram(OtlpHistogram {
                    data_points,
                    aggregation_temporality: cumulative,
                })),
                ..Default::default()
            });
        }
        if level != MetricsLevel::None {
            let uptime = now.saturating_sub(start) as f64 / 1e9;
            let mut process = vec![(
                "otelcol_process_uptime",
                "Uptime of the process (in seconds).",
                true,
                number_data_point::Value::AsDouble(uptime),
            )];
            if let Some(cpu) = cpu_seconds() {
                process.push((
                    "otelcol_process_cpu_seconds",
                    "Total CPU user and system time in seconds.",
                    true,
                    number_data_point::Value::AsDouble(cpu),
                ));
            }
            if let Some(rss) = rss_bytes() {
                process.push((
                    "otelcol_process_memory_rss",
                    "Total physical memory (resident set size) (in bytes).",
                    false,
                    number_data_point::Value::AsInt(i64::try_from(rss).unwrap_or(i64::MAX)),
                ));
            }
            for (name, description, is_sum, v) in process {
                let p = point(&[], v);
                let data = if is_sum {
                    metric::Data::Sum(Sum {
                        data_points: vec![p],
                        aggregation_temporality: cumulative,
                        is_monotonic: true,
                    })
                } else {
                    metric::Data::Gauge(OtlpGauge { data_points: vec![p] })
                };
                metrics.push(Metric {
                    name: name.into(),
                    description: description.into(),
                    data: Some(data),
                    ..Default::default()
                });
            }
        }
        ExportMetricsServiceRequest {
            resource_metrics: vec![ResourceMetrics {
                resource: Some(resource.clone()),
                scope_metrics: vec![ScopeMetrics {
                    scope: Some(InstrumentationScope {
                        name: "go.opentelemetry.io/collector/service".into(),
                        ..Default::default()
                    }),
                    metrics,
                    ..Default::default()
                }],
                ..Default::default()
            }],
        }
    }
}

/// The `target_info` gauge: value 1, one label per resource attribute
/// (names made valid Prometheus labels), as Go's Prometheus reader serves it.
pub fn render_target_info(out: &mut String, resource: &[(String, String)]) {
    if resource.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "# HELP target_info Target metadata\n# TYPE target_info gauge"
    );
    let _ = writeln!(out, "target_info{} 1", fmt_labels(resource, None));
}

/// Whether a metric belongs to `level` (see [`Registry::render_level`]).
pub fn included(name: &str, level: MetricsLevel) -> bool {
    let level_of = if name.starts_with("otelcol_processor_") {
        if name.ends_with("_bytes") {
            MetricsLevel::Detailed
        } else {
            MetricsLevel::Normal
        }
    } else {
        MetricsLevel::Basic
    };
    level != MetricsLevel::None && level_of <= level
}

fn default_help(name: &str) -> &'static str {
    match name {
        n if n.starts_with("otelcol_receiver_accepted_") => {
            "Number of items successfully pushed into the pipeline."
        }
        n if n.starts_with("otelcol_receiver_refused_") => {
            "Number of items that could not be pushed into the pipeline."
        }
        n if n.starts_with("otelcol_exporter_sent_") => "Number of items successfully sent to destination.",
        n if n.starts_with("otelcol_exporter_send_failed_") => {
            "Number of items in failed attempts to send to destination."
        }
        n if n.starts_with("otelcol_exporter_enqueue_failed_") => {
            "Number of items failed to be added to the sending queue."
        }
        "otelcol_exporter_queue_size" => "Current size of the retry queue (in batches).",
        "otelcol_exporter_queue_capacity" => "Fixed capacity of the retry queue (in batches).",
        "otelcol_processor_incoming_items" => "Number of items passed to the processor.",
        "otelcol_processor_outgoing_items" => "Number of items emitted from the processor.",
        _ => "otelcol-rs internal metric",
    }
}

fn escape_help(s: &str) -> String {
    s.replace('\\', "\\\\").replace('\n', "\\n")
}

fn escape_value(s: &str) -> String {
    s.replace('\\', "\\\\").replace('\n', "\\n").replace('"', "\\\"")
}

fn sanitize_label(k: &str) -> String {
    let mut out: String = k
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        out.insert_str(0, "key_");
    }
    out
}

fn fmt_labels(l: &[(String, String)], le: Option<&str>) -> String {
    if l.is_empty() && le.is_none() {
        return String::new();
    }
    let mut s = String::from("{");
    let mut first = true;
    for (k, v) in l {
        if !first {
            s.push(',');
        }
        first = false;
        let _ = write!(s, "{}=\"{}\"", sanitize_label(k), escape_value(v));
    }
    if let Some(le) = le {
        if !first {
            s.push(',');
        }
        let _ = write!(s, "le=\"{le}\"");
    }
    s.push('}');
    s
}

fn fmt_f64(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf".into() } else { "-Inf".into() }
    } else {
        format!("{v}")
    }
}

/// The `metrics` recorder writing into a [`Registry`].
#[derive(Debug, Clone, Default)]
pub struct SelfRecorder {
    registry: Arc<Registry>,
}

impl SelfRecorder {
    /// The registry this recorder writes into.
    pub fn registry(&self) -> Arc<Registry> {
        self.registry.clone()
    }
}

impl Recorder for SelfRecorder {
    fn describe_counter(&self, key: KeyName, _unit: Option<Unit>, description: SharedString) {
        self.registry.describe(key, description);
    }
    fn describe_gauge(&self, key: KeyName, _unit: Option<Unit>, description: SharedString) {
        self.registry.describe(key, description);
    }
    fn describe_histogram(&self, key: KeyName, _unit: Option<Unit>, description: SharedString) {
        self.registry.describe(key, description);
    }
    fn register_counter(&self, key: &Key, _m: &Metadata<'_>) -> Counter {
        let c = lock(&self.registry.counters)
            .entry(key.name().to_string())
            .or_default()
            .entry(labels(key))
            .or_default()
            .clone();
        Counter::from_arc(c)
    }
    fn register_gauge(&self, key: &Key, _m: &Metadata<'_>) -> Gauge {
        let g = lock(&self.registry.gauges)
            .entry(key.name().to_string())
            .or_default()
            .entry(labels(key))
            .or_default()
            .clone();
        Gauge::from_arc(g)
    }
    fn register_histogram(&self, key: &Key, _m: &Metadata<'_>) -> Histogram {
        let bounds: &'static [f64] = if key.name().contains("send_size") && !key.name().ends_with("bytes") {
            &SIZE_BUCKETS
        } else {
            &DEFAULT_BUCKETS
        };
        let h = lock(&self.registry.histograms)
            .entry(key.name().to_string())
            .or_default()
            .entry(labels(key))
            .or_insert_with(|| Arc::new(BucketHistogram::new(bounds)))
            .clone();
        Histogram::from_arc(h)
    }
}

static GLOBAL: OnceLock<Option<SelfRecorder>> = OnceLock::new();

/// Installs the process-wide recorder once and returns it; later calls
/// return the same one. If another recorder was installed first (an
/// embedding program's own), ours is not used and `None` is returned.
pub fn install() -> Option<&'static SelfRecorder> {
    GLOBAL
        .get_or_init(|| {
            let r = SelfRecorder::default();
            metrics::set_global_recorder(r.clone()).ok().map(|_| r)
        })
        .as_ref()
}

/// Process-level metrics read at scrape time, rendered in the same format.
pub fn render_process(out: &mut String, started: Instant) {
    let mut gauge = |name: &str, help: &str, ty: &str, v: f64| {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} {ty}\n{name} {}",
            fmt_f64(v)
        );
    };
    gauge(
        "otelcol_process_uptime",
        "Uptime of the process (in seconds).",
        "counter",
        started.elapsed().as_secs_f64(),
    );
    if let Some(cpu) = cpu_seconds() {
        gauge(
            "otelcol_process_cpu_seconds",
            "Total CPU user and system time in seconds.",
            "counter",
            cpu,
        );
    }
    if let Some(rss) = rss_bytes() {
        gauge(
            "otelcol_process_memory_rss",
            "Total physical memory (resident set size) (in bytes).",
            "gauge",
            rss as f64,
        );
    }
}

/// User + system CPU seconds of this process, from `/proc/self/stat`
/// (fields 14 and 15, in clock ticks of 1/100 s, Linux's fixed USER_HZ).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name may contain spaces; fields start after the last ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// Resident set size in bytes, from `/proc/self/status` (`VmRSS:  1234 kB`).
pub fn rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Where to serve `/metrics`, from `service::telemetry::metrics`; `None`
/// when disabled or when only periodic (push) readers are configured.
/// Errors name the key (`service::telemetry::metrics::readers::0::...`).
pub fn endpoint(cfg: &crate::config::model::MetricsConfig) -> Result<Option<String>, String> {
    let mut out = crate::selftelemetry::SelfTelemetryConfig::default();
    let mut issues = Vec::new();
    crate::selftelemetry::parse_metrics(cfg, &mut out, &mut issues);
    match issues.first() {
        Some(i) => Err(format!("{}: {}", i.path, i.message)),
        None => Ok(out.pull),
    }
}

/// Resolves `host:port` (with `localhost`) to a socket address to bind.
pub fn bind_addr(endpoint: &str) -> Result<SocketAddr, String> {
    use std::net::ToSocketAddrs;
    let e = if let Some(port) = endpoint.strip_prefix(':') {
        format!("0.0.0.0:{port}")
    } else {
        endpoint.to_string()
    };
    let mut addrs: Vec<SocketAddr> = e
        .to_socket_addrs()
        .map_err(|err| format!("invalid telemetry endpoint {endpoint:?}: {err}"))?
        .collect();
    addrs.sort_by_key(|a| !a.is_ipv4());
    addrs
        .into_iter()
        .next()
        .ok_or_else(|| format!("telemetry endpoint {endpoint:?} resolves to no address"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use metrics::with_local_recorder;

    #[test]
    fn renders_counters_gauges_histograms() {
        let rec = SelfRecorder::default();
        with_local_recorder(&rec, || {
            metrics::counter!("otelcol_receiver_accepted_spans", "receiver" => "otlp", "transport" => "grpc")
                .increment(5);
            metrics::gauge!("otelcol_exporter_queue_size", "exporter" => "otlp").set(3.0);
            metrics::histogram!("otelcol_processor_batch_batch_send_size", "processor" => "batch")
                .record(30.0);
        });
        let mut out = String::new();
        rec.registry().render(&mut out);
        assert!(
            out.contains("# TYPE otelcol_receiver_accepted_spans counter\n"),
            "{out}"
        );
        assert!(
            out.contains("otelcol_receiver_accepted_spans{receiver=\"otlp\",transport=\"grpc\"} 5\n"),
            "{out}"
        );
        assert!(
            out.contains("otelcol_exporter_queue_size{exporter=\"otlp\"} 3\n"),
            "{out}"
        );
        assert!(
            out.contains("otelcol_processor_batch_batch_send_size_bucket{processor=\"batch\",le=\"25\"} 0\n"),
            "{out}"
        );
        assert!(
            out.contains("otelcol_processor_batch_batch_send_size_bucket{processor=\"batch\",le=\"50\"} 1\n"),
            "{out}"
        );
        assert!(
            out.contains(
                "otelcol_processor_batch_batch_send_size_bucket{processor=\"batch\",le=\"+Inf\"} 1\n"
            ),
            "{out}"
        );
        assert!(
            out.contains("otelcol_processor_batch_batch_send_size_sum{processor=\"batch\"} 30\n"),
            "{out}"
        );
    }

    #[test]
    fn levels_choose_what_is_served() {
        assert!(included("otelcol_receiver_accepted_spans", MetricsLevel::Basic));
        assert!(!included("otelcol_processor_incoming_items", MetricsLevel::Basic));
        assert!(included("otelcol_processor_incoming_items", MetricsLevel::Normal));
        assert!(!included(
            "otelcol_processor_batch_batch_send_size_bytes",
            MetricsLevel::Normal
        ));
        assert!(included(
            "otelcol_processor_batch_batch_send_size_bytes",
            MetricsLevel::Detailed
        ));
        assert!(!included("otelcol_receiver_accepted_spans", MetricsLevel::None));
    }

    #[test]
    fn endpoint_forms() {
        use crate::config::model::{MetricsConfig, MetricsLevel};
        let mut c = MetricsConfig::default();
        assert_eq!(endpoint(&c).unwrap().as_deref(), Some("localhost:8888"));
        c.address = Some("0.0.0.0:9999".into());
        assert_eq!(endpoint(&c).unwrap().as_deref(), Some("0.0.0.0:9999"));
        c.readers = vec![
            serde_json::json!({"pull": {"exporter": {"prometheus": {"host": "127.0.0.1", "port": 18888}}}}),
        ];
        assert_eq!(endpoint(&c).unwrap().as_deref(), Some("127.0.0.1:18888"));
        c.readers = vec![serde_json::json!({"periodic": {"exporter": {"otlp": {}}}})];
        assert!(endpoint(&c).is_err());
        c.level = MetricsLevel::None;
        assert_eq!(endpoint(&c).unwrap(), None);
    }

    #[test]
    fn process_metrics_are_read() {
        let mut out = String::new();
        render_process(&mut out, Instant::now());
        assert!(out.contains("otelcol_process_uptime "));
        assert!(out.contains("otelcol_process_memory_rss "));
        assert!(rss_bytes().unwrap() > 0);
        assert!(cpu_seconds().is_some());
    }
}

/// A running `/metrics` endpoint.
#[derive(Debug)]
pub struct TelemetryServer {
    endpoint: String,
    level: MetricsLevel,
    resource: Vec<(String, String)>,
    addr: SocketAddr,
    stop: tokio_util::sync::CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl TelemetryServer {
    /// Binds `endpoint` and serves the registry's metrics on `/metrics`.
    pub async fn start(
        endpoint: &str,
        level: MetricsLevel,
        registry: Arc<Registry>,
        resource: Vec<(String, String)>,
    ) -> Result<Self, String> {
        use hyper::service::service_fn;
        use hyper_util::rt::{TokioExecutor, TokioIo};

        let addr = bind_addr(endpoint)?;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| format!("failed to listen on {addr} for the collector's own metrics: {e}"))?;
        let addr = listener.local_addr().unwrap_or(addr);
        let stop = tokio_util::sync::CancellationToken::new();
        let started = Instant::now();
        let token = stop.clone();
        let served = resource.clone();
        let task = tokio::spawn(async move {
            loop {
                let (stream, _) = tokio::select! {
                    _ = token.cancelled() => return,
                    r = listener.accept() => match r {
                        Ok(c) => c,
                        Err(e) => { tracing::debug!(error = %e, "telemetry accept failed"); continue; }
                    },
                };
                let registry = registry.clone();
                let resource = resource.clone();
                let svc = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let registry = registry.clone();
                    let resource = resource.clone();
                    async move {
                        let (status, body) = if req.uri().path() == "/metrics" {
                            let mut out = String::with_capacity(16 * 1024);
                            registry.render_level(&mut out, level);
                            render_process(&mut out, started);
                            render_target_info(&mut out, &resource);
                            (hyper::StatusCode::OK, out)
                        } else {
                            (hyper::StatusCode::NOT_FOUND, "404 page not found\n".to_string())
                        };
                        let mut resp =
                            hyper::Response::new(http_body_util::Full::new(bytes::Bytes::from(body)));
                        *resp.status_mut() = status;
                        resp.headers_mut().insert(
                            hyper::header::CONTENT_TYPE,
                            hyper::header::HeaderValue::from_static(
                                "text/plain; version=0.0.4; charset=utf-8",
                            ),
                        );
                        Ok::<_, std::convert::Infallible>(resp)
                    }
                });
                tokio::spawn(async move {
                    let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                    let _ = builder.serve_connection(TokioIo::new(stream), svc).await;
                });
            }
        });
        tracing::info!("Serving the collector's own metrics on http://{addr}/metrics");
        Ok(TelemetryServer {
            endpoint: endpoint.to_string(),
            level,
            resource: served,
            addr,
            stop,
            task,
        })
    }

    /// The endpoint as configured.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The level it serves.
    pub fn level(&self) -> MetricsLevel {
        self.level
    }

    /// The resource attributes `target_info` carries.
    pub fn resource(&self) -> &[(String, String)] {
        &self.resource
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops serving.
    pub async fn stop(self) {
        self.stop.cancel();
        let _ = self.task.await;
    }
}
