//! The collector's own metrics (`service::telemetry::metrics`): a `metrics`
//! crate recorder and a Prometheus `/metrics` endpoint, by default on
//! `localhost:8888` as the Go collector serves it.
//!
//! Each [`Collector`](crate::Collector) has its own [`SelfRecorder`];
//! components record into it through the [`Meter`](otelcol_component::Meter)
//! in `Settings::telemetry`, under the Go collector's names
//! (`otelcol_receiver_accepted_spans`, ...). Process metrics (`otelcol_process_uptime`,
//! `otelcol_process_cpu_seconds`, `otelcol_process_memory_rss`) are read
//! from `/proc` at scrape time.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use otelcol_component::proto::common::v1::KeyValue;
use otelcol_httpserver::server::{Handler, HttpResponse, HttpServer, ServerOptions};
use otelcol_prometheus::labels::LabelSet;
use otelcol_prometheus::model::FamilyKind;
use otelcol_prometheus::{FamilySnapshot, Snapshot as PromSnapshot};

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

/// Whether a metric belongs to `level`, as the Go collector's levels
/// choose: `basic` has the receiver, exporter and process metrics; `normal`
/// adds the processor metrics; `detailed` adds the byte-size histograms.
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

/// The `/metrics` page of `req` (what [`Registry::to_otlp`] gives) with a
/// `target_info` series for `resource`, as Go's Prometheus reader serves it
/// by default (`without_units`, `without_type_suffix`, `without_scope_info`):
/// names as recorded, attributes as labels, no `job`/`instance`.
pub fn page(req: &ExportMetricsServiceRequest, resource: &[(String, String)]) -> PromSnapshot {
    use otelcol_component::proto::metrics::v1::metric::Data;
    use otelcol_prometheus::model::{HistogramValue, Number, Sample, Series, Value};

    let series = |attrs: &[KeyValue], value: Value| {
        let mut set = LabelSet::with_capacity(attrs.len());
        set.add_attributes(attrs, "");
        set.sort();
        let mut labels = String::new();
        set.write_text(&mut labels);
        Arc::new(Series {
            labels: Arc::from(labels),
            sample: Sample {
                start_unix_nano: 0,
                time_unix_nano: 0,
                value,
                exemplars: Vec::new(),
            },
        })
    };
    let mut families = Vec::new();
    for m in req
        .resource_metrics
        .iter()
        .flat_map(|r| &r.scope_metrics)
        .flat_map(|s| &s.metrics)
    {
        let (kind, mut points): (FamilyKind, Vec<Arc<Series>>) = match &m.data {
            Some(Data::Sum(sum)) => (
                if sum.is_monotonic {
                    FamilyKind::Counter
                } else {
                    FamilyKind::Gauge
                },
                sum.data_points
                    .iter()
                    .map(|p| series(&p.attributes, Value::Number(Number::of(p))))
                    .collect(),
            ),
            Some(Data::Gauge(g)) => (
                FamilyKind::Gauge,
                g.data_points
                    .iter()
                    .map(|p| series(&p.attributes, Value::Number(Number::of(p))))
                    .collect(),
            ),
            Some(Data::Histogram(h)) => (
                FamilyKind::Histogram,
                h.data_points
                    .iter()
                    .map(|p| {
                        let v = Value::Histogram(Box::new(HistogramValue::from_point(p)));
                        series(&p.attributes, v)
                    })
                    .collect(),
            ),
            _ => continue,
        };
        points.sort_by(|a, b| a.labels.cmp(&b.labels));
        families.push(FamilySnapshot {
            name: Arc::from(m.name.as_str()),
            help: Arc::from(m.description.as_str()),
            kind,
            series: points,
        });
    }
    if !resource.is_empty() {
        let attrs = crate::selftelemetry::otlp_resource(resource).attributes;
        families.push(FamilySnapshot {
            name: Arc::from(otelcol_prometheus::TARGET_INFO),
            help: Arc::from("Target metadata"),
            kind: FamilyKind::Gauge,
            series: vec![series(&attrs, Value::Number(Number::Int(1)))],
        });
    }
    families.sort_by(|a, b| a.name.cmp(&b.name));
    PromSnapshot { families }
}

/// Answers scrapes of `/metrics` in the format the `Accept` header asks for
/// (text 0.0.4, OpenMetrics 1.0.0 or delimited protobuf).
struct MetricsPage {
    registry: Arc<Registry>,
    level: MetricsLevel,
    resource: Vec<(String, String)>,
    otlp_resource: otelcol_component::proto::resource::v1::Resource,
    started: u64,
}

impl Handler for MetricsPage {
    async fn handle(&self, req: http::Request<hyper::body::Incoming>) -> HttpResponse {
        use http::header::{ACCEPT, CONTENT_TYPE, HeaderValue};
        use otelcol_prometheus::expfmt;
        let (status, content_type, body) = if req.uri().path() == "/metrics" {
            let accept = req.headers().get(ACCEPT).and_then(|v| v.to_str().ok());
            let format = expfmt::negotiate(accept, true);
            let now = crate::selftelemetry::now_nanos();
            let otlp = self
                .registry
                .to_otlp(self.level, &self.otlp_resource, self.started, now);
            let body = expfmt::render(&page(&otlp, &self.resource), format, false);
            (http::StatusCode::OK, format.content_type(), body)
        } else {
            (
                http::StatusCode::NOT_FOUND,
                "text/plain; charset=utf-8",
                b"404 page not found\n".to_vec(),
            )
        };
        let mut resp = http::Response::new(http_body_util::Full::new(bytes::Bytes::from(body)));
        *resp.status_mut() = status;
        resp.headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        resp
    }
}

/// A running `/metrics` endpoint, served by an [`HttpServer`].
#[derive(Debug)]
pub struct TelemetryServer {
    endpoint: String,
    level: MetricsLevel,
    resource: Vec<(String, String)>,
    server: HttpServer,
}

impl TelemetryServer {
    /// Binds `endpoint` and serves the registry's metrics on `/metrics`.
    pub async fn start(
        endpoint: &str,
        level: MetricsLevel,
        registry: Arc<Registry>,
        resource: Vec<(String, String)>,
    ) -> Result<Self, String> {
        let handler = Arc::new(MetricsPage {
            registry,
            level,
            otlp_resource: crate::selftelemetry::otlp_resource(&resource),
            resource: resource.clone(),
            started: crate::selftelemetry::now_nanos(),
        });
        let server = HttpServer::start_with(endpoint, handler, ServerOptions::default())
            .await
            .map_err(|e| format!("cannot serve the collector's own metrics on {endpoint}: {e}"))?;
        tracing::info!(
            "Serving the collector's own metrics on http://{}/metrics",
            server.local_addr()
        );
        Ok(TelemetryServer {
            endpoint: endpoint.to_string(),
            level,
            resource,
            server,
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
        self.server.local_addr()
    }

    /// Stops serving.
    pub async fn stop(self) {
        if let Err(e) = self.server.stop().await {
            tracing::debug!(error = %e, "the self-metrics server stopped with an error");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use metrics::with_local_recorder;

    /// The text page of `registry` at the `detailed` level.
    fn text(registry: &Registry, resource: &[(String, String)]) -> String {
        let res = crate::selftelemetry::otlp_resource(resource);
        let now = crate::selftelemetry::now_nanos();
        let req = registry.to_otlp(MetricsLevel::Detailed, &res, now - 1_000_000_000, now);
        let body = otelcol_prometheus::expfmt::render(
            &page(&req, resource),
            otelcol_prometheus::expfmt::Format::Text,
            false,
        );
        String::from_utf8(body).unwrap()
    }

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
        let out = text(&rec.registry(), &[("service.name".into(), "otelcol-rs".into())]);
        assert!(
            out.contains("target_info{service_name=\"otelcol-rs\"} 1\n"),
            "{out}"
        );
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
        let out = text(&Registry::default(), &[]);
        assert!(out.contains("# TYPE otelcol_process_uptime counter\n"), "{out}");
        assert!(out.contains("otelcol_process_uptime 1\n"), "{out}");
        assert!(out.contains("otelcol_process_memory_rss "));
        assert!(rss_bytes().unwrap() > 0);
        assert!(cpu_seconds().is_some());
    }
}
