//! Realistic, deterministic test data for all three signals.
//!
//! ```
//! use otelcol_componenttest::generate;
//! // 2 resources × 3 scopes × 10 spans, the same bytes on every run.
//! let req = generate::traces(2, 3, 10);
//! assert_eq!(req.resource_spans.len(), 2);
//! // Another seed, another (still deterministic) batch.
//! let other = generate::Generator::new(7).traces(2, 3, 10);
//! assert_ne!(req, other);
//! ```
//!
//! Spans carry 16-byte trace ids and 8-byte span ids (never all zero),
//! parent ids forming a tree within each trace, increasing timestamps,
//! semantic-convention attributes of every scalar kind, events and links.
//! Metrics cycle through every data-point type (gauge, sum, histogram,
//! exponential histogram, summary). Log bodies cycle through string, int,
//! double, bool, bytes, array and key-value-list values.
//!
//! The functions return the OTLP export requests; wrap them with
//! `Traces::from_request` (or use [`traces_payload`] and friends).

use otelcol_component::proto::collector::logs::v1::ExportLogsServiceRequest;
use otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::common::v1::{
    AnyValue, ArrayValue, InstrumentationScope, KeyValue, KeyValueList, any_value,
};
use otelcol_component::proto::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use otelcol_component::proto::metrics::v1::{
    AggregationTemporality, Exemplar, ExponentialHistogram, ExponentialHistogramDataPoint, Gauge, Histogram,
    HistogramDataPoint, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum, Summary,
    SummaryDataPoint, exemplar, exponential_histogram_data_point, metric, number_data_point,
    summary_data_point,
};
use otelcol_component::proto::resource::v1::Resource;
use otelcol_component::proto::trace::v1::{ResourceSpans, ScopeSpans, Span, Status, span, status};
use otelcol_component::{Logs, Metrics, Payload, Traces};

/// 2026-01-01T00:00:00Z in nanoseconds: every generated timestamp is after it.
pub const BASE_TIME_UNIX_NANO: u64 = 1_767_225_600_000_000_000;

/// The seed [`traces`], [`metrics`] and [`logs`] use.
pub const DEFAULT_SEED: u64 = 0x5eed;

const SERVICES: [&str; 5] = ["checkout", "cart", "frontend", "payment", "inventory"];
const SCOPES: [&str; 4] = [
    "io.opentelemetry.http",
    "io.opentelemetry.grpc",
    "io.opentelemetry.db",
    "app.business",
];
const ROUTES: [&str; 4] = ["/api/cart", "/api/checkout", "/health", "/api/items/{id}"];
const METHODS: [&str; 4] = ["GET", "POST", "PUT", "DELETE"];
const SEVERITIES: [(i32, &str); 5] = [
    (5, "DEBUG"),
    (9, "INFO"),
    (13, "WARN"),
    (17, "ERROR"),
    (21, "FATAL"),
];

/// A deterministic generator: the same seed and calls give the same data.
#[derive(Debug, Clone)]
pub struct Generator {
    state: u64,
    points: usize,
    time: u64,
}

impl Default for Generator {
    fn default() -> Self {
        Generator::new(DEFAULT_SEED)
    }
}

impl Generator {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Generator {
            state: seed,
            points: 1,
            time: BASE_TIME_UNIX_NANO,
        }
    }

    /// Data points per metric (default 1); at least 1.
    pub fn points_per_metric(mut self, n: usize) -> Self {
        self.points = n.max(1);
        self
    }

    /// SplitMix64.
    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len() as u64) as usize]
    }

    fn id<const N: usize>(&mut self) -> Vec<u8> {
        let mut out = Vec::with_capacity(N);
        while out.len() < N {
            out.extend_from_slice(&self.next_u64().to_be_bytes());
        }
        out.truncate(N);
        // An all-zero id is invalid in OTLP.
        out[N - 1] |= 1;
        out
    }

    /// A timestamp a little after the previous one.
    fn tick(&mut self) -> u64 {
        self.time += 1_000_000 + self.below(50_000_000);
        self.time
    }

    fn resource(&mut self, i: usize) -> Resource {
        let service = SERVICES[i % SERVICES.len()];
        Resource {
            attributes: vec![
                kv_str("service.name", service),
                kv_str("service.version", &format!("1.{}.{}", i, self.below(10))),
                kv_str("service.instance.id", &hex(&self.id::<8>())),
                kv_str("deployment.environment.name", "test"),
                kv_str("host.name", &format!("host-{}", self.below(4))),
                kv_int("process.pid", 1000 + self.below(30000) as i64),
                kv_str("telemetry.sdk.language", "rust"),
            ],
            dropped_attributes_count: 0,
            entity_refs: Vec::new(),
        }
    }

    fn scope(&mut self, j: usize) -> InstrumentationScope {
        InstrumentationScope {
            name: SCOPES[j % SCOPES.len()].to_string(),
            version: format!("0.{}.0", j + 1),
            attributes: vec![kv_bool("generated", true)],
            dropped_attributes_count: 0,
        }
    }

    fn http_attributes(&mut self) -> Vec<KeyValue> {
        let status = [200, 200, 200, 201, 404, 500][self.below(6) as usize];
        vec![
            kv_str("http.request.method", self.pick(&METHODS)),
            kv_str("http.route", self.pick(&ROUTES)),
            kv_int("http.response.status_code", status),
            kv_str("server.address", "example.internal"),
            kv_int("server.port", 8080),
            kv_double("app.load", self.below(1000) as f64 / 10.0),
            kv_bool("app.cache_hit", self.below(2) == 0),
            kv_str("user.id", &format!("user-{}", self.below(100))),
        ]
    }

    fn span(&mut self, trace_id: &[u8], parent: &[u8], i: usize) -> Span {
        let start = self.tick();
        let end = start + 100_000 + self.below(20_000_000);
        let mut attributes = self.http_attributes();
        attributes.push(kv_int("app.index", i as i64));
        let error = self.below(8) == 0;
        let links = if self.below(4) == 0 {
            vec![span::Link {
                trace_id: self.id::<16>(),
                span_id: self.id::<8>(),
                trace_state: String::new(),
                attributes: vec![kv_str("link.kind", "follows_from")],
                dropped_attributes_count: 0,
                flags: 0x100,
            }]
        } else {
            Vec::new()
        };
        Span {
            trace_id: trace_id.to_vec(),
            span_id: self.id::<8>(),
            trace_state: String::new(),
            parent_span_id: parent.to_vec(),
            flags: 0x101,
            name: format!("{} {}", self.pick(&METHODS), self.pick(&ROUTES)),
            kind: 1 + self.below(5) as i32,
            start_time_unix_nano: start,
            end_time_unix_nano: end,
            attributes,
            dropped_attributes_count: 0,
            events: vec![span::Event {
                time_unix_nano: start + (end - start) / 2,
                name: if error { "exception" } else { "cache.lookup" }.to_string(),
                attributes: if error {
                    vec![
                        kv_str("exception.type", "TimeoutError"),
                        kv_str("exception.message", "upstream timed out"),
                    ]
                } else {
                    vec![kv_bool("cache.hit", self.below(2) == 0)]
                },
                dropped_attributes_count: 0,
            }],
            dropped_events_count: 0,
            links,
            dropped_links_count: 0,
            status: Some(Status {
                message: if error { "upstream timed out" } else { "" }.to_string(),
                code: if error {
                    status::StatusCode::Error as i32
                } else {
                    status::StatusCode::Ok as i32
                },
            }),
        }
    }

    /// `resources` resources × `scopes` scopes × `items` spans. Spans of one
    /// scope share a trace: the first is its root, the others its children.
    pub fn traces(&mut self, resources: usize, scopes: usize, items: usize) -> ExportTraceServiceRequest {
        let resource_spans = (0..resources)
            .map(|r| ResourceSpans {
                resource: Some(self.resource(r)),
                scope_spans: (0..scopes)
                    .map(|s| {
                        let trace_id = self.id::<16>();
                        let mut root: Vec<u8> = Vec::new();
                        let spans = (0..items)
                            .map(|i| {
                                let span = self.span(&trace_id, &root, i);
                                if i == 0 {
                                    root = span.span_id.clone();
                                }
                                span
                            })
                            .collect();
                        ScopeSpans {
                            scope: Some(self.scope(s)),
                            spans,
                            schema_url: "https://opentelemetry.io/schemas/1.26.0".to_string(),
                        }
                    })
                    .collect(),
                schema_url: "https://opentelemetry.io/schemas/1.26.0".to_string(),
            })
            .collect();
        ExportTraceServiceRequest { resource_spans }
    }

    fn point_attributes(&mut self, p: usize) -> Vec<KeyValue> {
        vec![
            kv_str("http.request.method", METHODS[p % METHODS.len()]),
            kv_str("http.route", self.pick(&ROUTES)),
            kv_int("instance", p as i64),
        ]
    }

    fn exemplars(&mut self, time: u64) -> Vec<Exemplar> {
        if self.below(3) != 0 {
            return Vec::new();
        }
        vec![Exemplar {
            filtered_attributes: vec![kv_str("user.id", "user-1")],
            time_unix_nano: time,
            span_id: self.id::<8>(),
            trace_id: self.id::<16>(),
            value: Some(exemplar::Value::AsDouble(self.below(1000) as f64 / 7.0)),
        }]
    }

    fn metric(&mut self, i: usize) -> Metric {
        let start = BASE_TIME_UNIX_NANO;
        let time = self.tick();
        let cumulative = AggregationTemporality::Cumulative as i32;
        let data = match i % 5 {
            0 => metric::Data::Gauge(Gauge {
                data_points: (0..self.points)
                    .map(|p| NumberDataPoint {
                        attributes: self.point_attributes(p),
                        start_time_unix_nano: 0,
                        time_unix_nano: time,
                        exemplars: Vec::new(),
                        flags: 0,
                        value: Some(number_data_point::Value::AsDouble(
                            self.below(10_000) as f64 / 100.0,
                        )),
                    })
                    .collect(),
            }),
            1 => metric::Data::Sum(Sum {
                data_points: (0..self.points)
                    .map(|p| NumberDataPoint {
                        attributes: self.point_attributes(p),
                        start_time_unix_nano: start,
                        time_unix_nano: time,
                        exemplars: self.exemplars(time),
                        flags: 0,
                        value: Some(number_data_point::Value::AsInt(self.below(1_000_000) as i64)),
                    })
                    .collect(),
                aggregation_temporality: cumulative,
                is_monotonic: true,
            }),
            2 => metric::Data::Histogram(Histogram {
                data_points: (0..self.points)
                    .map(|p| {
                        let bucket_counts: Vec<u64> = (0..5).map(|_| self.below(50)).collect();
                        let count = bucket_counts.iter().sum();
                        HistogramDataPoint {
                            attributes: self.point_attributes(p),
                            start_time_unix_nano: start,
                            time_unix_nano: time,
                            count,
                            sum: Some(count as f64 * 12.5),
                            bucket_counts,
                            explicit_bounds: vec![5.0, 10.0, 25.0, 100.0],
                            exemplars: self.exemplars(time),
                            flags: 0,
                            min: Some(0.5),
                            max: Some(250.0),
                        }
                    })
                    .collect(),
                aggregation_temporality: cumulative,
            }),
            3 => metric::Data::ExponentialHistogram(ExponentialHistogram {
                data_points: (0..self.points)
                    .map(|p| {
                        let positive: Vec<u64> = (0..4).map(|_| self.below(20)).collect();
                        let negative: Vec<u64> = (0..2).map(|_| self.below(5)).collect();
                        let zero_count = self.below(3);
                        let count = positive.iter().sum::<u64>() + negative.iter().sum::<u64>() + zero_count;
                        ExponentialHistogramDataPoint {
                            attributes: self.point_attributes(p),
                            start_time_unix_nano: start,
                            time_unix_nano: time,
                            count,
                            sum: Some(count as f64 * 3.0),
                            scale: 2,
                            zero_count,
                            positive: Some(exponential_histogram_data_point::Buckets {
                                offset: 1,
                                bucket_counts: positive,
                            }),
                            negative: Some(exponential_histogram_data_point::Buckets {
                                offset: 0,
                                bucket_counts: negative,
                            }),
                            flags: 0,
                            exemplars: Vec::new(),
                            min: Some(-2.0),
                            max: Some(40.0),
                            zero_threshold: 0.0,
                        }
                    })
                    .collect(),
                aggregation_temporality: AggregationTemporality::Delta as i32,
            }),
            _ => metric::Data::Summary(Summary {
                data_points: (0..self.points)
                    .map(|p| SummaryDataPoint {
                        attributes: self.point_attributes(p),
                        start_time_unix_nano: start,
                        time_unix_nano: time,
                        count: 100 + self.below(100),
                        sum: 1234.5,
                        quantile_values: [0.0, 0.5, 0.9, 0.99, 1.0]
                            .iter()
                            .enumerate()
                            .map(|(k, q)| summary_data_point::ValueAtQuantile {
                                quantile: *q,
                                value: (k as f64 + 1.0) * 10.0,
                            })
                            .collect(),
                        flags: 0,
                    })
                    .collect(),
            }),
        };
        let (name, unit) = match i % 5 {
            0 => ("system.memory.utilization", "1"),
            1 => ("http.server.request.count", "{request}"),
            2 => ("http.server.request.duration", "ms"),
            3 => ("rpc.server.duration", "ms"),
            _ => ("db.client.operation.duration", "s"),
        };
        Metric {
            name: if i < 5 {
                name.to_string()
            } else {
                format!("{name}.{i}")
            },
            description: format!("Generated {name}"),
            unit: unit.to_string(),
            metadata: Vec::new(),
            data: Some(data),
        }
    }

    /// `resources` resources × `scopes` scopes × `items` metrics; metric `i`
    /// of a scope is a gauge, sum, histogram, exponential histogram or
    /// summary by `i % 5`, with [`Generator::points_per_metric`] data points.
    pub fn metrics(&mut self, resources: usize, scopes: usize, items: usize) -> ExportMetricsServiceRequest {
        let resource_metrics = (0..resources)
            .map(|r| ResourceMetrics {
                resource: Some(self.resource(r)),
                scope_metrics: (0..scopes)
                    .map(|s| ScopeMetrics {
                        scope: Some(self.scope(s)),
                        metrics: (0..items).map(|i| self.metric(i)).collect(),
                        schema_url: String::new(),
                    })
                    .collect(),
                schema_url: String::new(),
            })
            .collect();
        ExportMetricsServiceRequest { resource_metrics }
    }

    fn body(&mut self, i: usize) -> AnyValue {
        let value = match i % 7 {
            0 => any_value::Value::StringValue(format!(
                "{} {} completed in {} ms",
                self.pick(&METHODS),
                self.pick(&ROUTES),
                self.below(500)
            )),
            1 => any_value::Value::IntValue(self.below(1_000_000) as i64),
            2 => any_value::Value::DoubleValue(self.below(100_000) as f64 / 100.0),
            3 => any_value::Value::BoolValue(self.below(2) == 0),
            4 => any_value::Value::BytesValue(self.id::<12>()),
            5 => any_value::Value::ArrayValue(ArrayValue {
                values: vec![str_value("a"), int_value(self.below(10) as i64), str_value("c")],
            }),
            _ => any_value::Value::KvlistValue(KeyValueList {
                values: vec![
                    kv_str("event", "order.placed"),
                    kv_int("order.items", 1 + self.below(9) as i64),
                    kv_double("order.total", self.below(100_000) as f64 / 100.0),
                ],
            }),
        };
        AnyValue { value: Some(value) }
    }

    fn log(&mut self, i: usize) -> LogRecord {
        let time = self.tick();
        let (severity_number, severity_text) = SEVERITIES[self.below(SEVERITIES.len() as u64) as usize];
        let correlated = self.below(2) == 0;
        LogRecord {
            time_unix_nano: time,
            observed_time_unix_nano: time + 1_000,
            severity_number,
            severity_text: severity_text.to_string(),
            body: Some(self.body(i)),
            attributes: {
                let mut a = self.http_attributes();
                a.push(kv_int("app.index", i as i64));
                a
            },
            dropped_attributes_count: 0,
            flags: u32::from(correlated),
            trace_id: if correlated { self.id::<16>() } else { Vec::new() },
            span_id: if correlated { self.id::<8>() } else { Vec::new() },
            event_name: String::new(),
        }
    }

    /// `resources` resources × `scopes` scopes × `items` log records; body
    /// `i` of a scope is a string, int, double, bool, bytes, array or
    /// key-value list by `i % 7`.
    pub fn logs(&mut self, resources: usize, scopes: usize, items: usize) -> ExportLogsServiceRequest {
        let resource_logs = (0..resources)
            .map(|r| ResourceLogs {
                resource: Some(self.resource(r)),
                scope_logs: (0..scopes)
                    .map(|s| ScopeLogs {
                        scope: Some(self.scope(s)),
                        log_records: (0..items).map(|i| self.log(i)).collect(),
                        schema_url: String::new(),
                    })
                    .collect(),
                schema_url: String::new(),
            })
            .collect();
        ExportLogsServiceRequest { resource_logs }
    }
}

/// Spans from the default seed: see [`Generator::traces`].
pub fn traces(resources: usize, scopes: usize, items: usize) -> ExportTraceServiceRequest {
    Generator::default().traces(resources, scopes, items)
}

/// Metrics from the default seed: see [`Generator::metrics`].
pub fn metrics(resources: usize, scopes: usize, items: usize) -> ExportMetricsServiceRequest {
    Generator::default().metrics(resources, scopes, items)
}

/// Logs from the default seed: see [`Generator::logs`].
pub fn logs(resources: usize, scopes: usize, items: usize) -> ExportLogsServiceRequest {
    Generator::default().logs(resources, scopes, items)
}

/// [`traces`] as a payload.
pub fn traces_payload(resources: usize, scopes: usize, items: usize) -> Traces {
    Traces::from_request(traces(resources, scopes, items))
}

/// [`metrics`] as a payload.
pub fn metrics_payload(resources: usize, scopes: usize, items: usize) -> Metrics {
    Metrics::from_request(metrics(resources, scopes, items))
}

/// [`logs`] as a payload.
pub fn logs_payload(resources: usize, scopes: usize, items: usize) -> Logs {
    Logs::from_request(logs(resources, scopes, items))
}

/// A payload of any signal from the default seed: `resources × scopes ×
/// items` spans, metrics (one data point each) or log records.
pub fn payload<T: Payload>(resources: usize, scopes: usize, items: usize) -> T {
    let mut g = Generator::default();
    let any: Box<dyn std::any::Any> = match T::SIGNAL {
        otelcol_component::Signal::Traces => {
            Box::new(Traces::from_request(g.traces(resources, scopes, items)))
        }
        otelcol_component::Signal::Metrics => {
            Box::new(Metrics::from_request(g.metrics(resources, scopes, items)))
        }
        otelcol_component::Signal::Logs => Box::new(Logs::from_request(g.logs(resources, scopes, items))),
    };
    any.downcast::<T>().map(|p| *p).unwrap_or_default()
}

/// A key-value with a string value.
pub fn kv_str(key: &str, value: &str) -> KeyValue {
    kv(key, str_value(value))
}

/// A key-value with an int value.
pub fn kv_int(key: &str, value: i64) -> KeyValue {
    kv(key, int_value(value))
}

/// A key-value with a double value.
pub fn kv_double(key: &str, value: f64) -> KeyValue {
    kv(
        key,
        AnyValue {
            value: Some(any_value::Value::DoubleValue(value)),
        },
    )
}

/// A key-value with a bool value.
pub fn kv_bool(key: &str, value: bool) -> KeyValue {
    kv(
        key,
        AnyValue {
            value: Some(any_value::Value::BoolValue(value)),
        },
    )
}

fn kv(key: &str, value: AnyValue) -> KeyValue {
    KeyValue {
        key: key.to_string(),
        value: Some(value),
        key_strindex: 0,
    }
}

fn str_value(s: &str) -> AnyValue {
    AnyValue {
        value: Some(any_value::Value::StringValue(s.to_string())),
    }
}

fn int_value(i: i64) -> AnyValue {
    AnyValue {
        value: Some(any_value::Value::IntValue(i)),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use otelcol_component::prost::Message;

    #[test]
    fn shapes_and_counts() {
        let t = traces_payload(2, 3, 4);
        assert_eq!(t.item_count(), 24);
        let m = Generator::new(1).points_per_metric(3).metrics(2, 2, 5);
        assert_eq!(Metrics::from_request(m).item_count(), 2 * 2 * 5 * 3);
        assert_eq!(logs_payload(1, 2, 7).item_count(), 14);
        assert_eq!(payload::<Logs>(1, 1, 3).item_count(), 3);
        assert_eq!(payload::<Metrics>(1, 1, 5).item_count(), 5);
        assert_eq!(payload::<Traces>(1, 1, 2).item_count(), 2);
    }

    #[test]
    fn deterministic_per_seed() {
        assert_eq!(traces(2, 2, 5), traces(2, 2, 5));
        assert_eq!(metrics(1, 1, 5), metrics(1, 1, 5));
        assert_eq!(logs(1, 1, 7), logs(1, 1, 7));
        assert_ne!(
            Generator::new(1).traces(1, 1, 3),
            Generator::new(2).traces(1, 1, 3)
        );
    }

    #[test]
    fn every_metric_type_and_body_kind() {
        let m = metrics(1, 1, 5);
        let kinds: Vec<&str> = m.resource_metrics[0].scope_metrics[0]
            .metrics
            .iter()
            .map(|m| match m.data {
                Some(metric::Data::Gauge(_)) => "gauge",
                Some(metric::Data::Sum(_)) => "sum",
                Some(metric::Data::Histogram(_)) => "histogram",
                Some(metric::Data::ExponentialHistogram(_)) => "exp",
                Some(metric::Data::Summary(_)) => "summary",
                None => "none",
            })
            .collect();
        assert_eq!(kinds, ["gauge", "sum", "histogram", "exp", "summary"]);
        let l = logs(1, 1, 7);
        let mut bodies: Vec<std::mem::Discriminant<any_value::Value>> = l.resource_logs[0].scope_logs[0]
            .log_records
            .iter()
            .filter_map(|r| r.body.as_ref()?.value.as_ref().map(std::mem::discriminant))
            .collect();
        bodies.dedup();
        assert_eq!(bodies.len(), 7);
    }

    #[test]
    fn ids_valid_and_trace_tree() {
        let t = traces(1, 1, 4);
        let spans = &t.resource_spans[0].scope_spans[0].spans;
        let root = &spans[0];
        assert!(root.parent_span_id.is_empty());
        for s in spans {
            assert_eq!(s.trace_id.len(), 16);
            assert_eq!(s.span_id.len(), 8);
            assert!(s.trace_id.iter().any(|b| *b != 0));
            assert_eq!(s.trace_id, root.trace_id);
            assert!(s.end_time_unix_nano > s.start_time_unix_nano);
            assert!(s.start_time_unix_nano > BASE_TIME_UNIX_NANO);
        }
        for s in &spans[1..] {
            assert_eq!(s.parent_span_id, root.span_id);
        }
    }

    #[test]
    fn payloads_pass_the_wire_validator() {
        otelcol_component::validate_traces(&traces(2, 2, 20).encode_to_vec()).unwrap();
        otelcol_component::validate_metrics(
            &Generator::new(3)
                .points_per_metric(2)
                .metrics(2, 2, 10)
                .encode_to_vec(),
        )
        .unwrap();
        otelcol_component::validate_logs(&logs(2, 2, 14).encode_to_vec()).unwrap();
    }
}

/// A small deterministic random source for generated test cases
/// (xorshift64*): a failing case reproduces from its seed. `Rng(seed)`;
/// the seed must not be 0.
#[derive(Clone, Debug)]
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// True `percent` times in a hundred.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    /// One element of `from` (which must not be empty).
    pub fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        from[self.below(from.len())]
    }
}
