//! Realistic OTLP requests, built once and encoded before the run starts.

use otelcol_component::proto::collector::logs::v1::ExportLogsServiceRequest;
use otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value};
use otelcol_component::proto::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use otelcol_component::proto::metrics::v1::{
    AggregationTemporality, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum, metric,
    number_data_point,
};
use otelcol_component::proto::resource::v1::Resource;
use otelcol_component::proto::trace::v1::{ResourceSpans, ScopeSpans, Span};
use prost::Message;

/// Data points per metric in generated metrics requests.
const POINTS_PER_METRIC: usize = 10;
/// A fixed base timestamp (ns) so encoded sizes do not drift with the clock.
const BASE_NANOS: u64 = 1_700_000_000_000_000_000;

/// Which OTLP signal a request carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Signal {
    /// Spans.
    Traces,
    /// Metric data points.
    Metrics,
    /// Log records.
    Logs,
}

/// The shape of one generated request.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    /// Signal carried.
    pub signal: Signal,
    /// Items (spans, data points, log records) per request.
    pub items: usize,
    /// Attributes on each item.
    pub attributes: usize,
    /// Resources per request; items are spread evenly over them.
    pub resources: usize,
    /// Metrics only: label every data point with the request's seed and its
    /// index, so each point of each variant is its own series (a Prometheus
    /// exporter holding `variants × items` series).
    pub distinct_series: bool,
}

/// A small deterministic xorshift generator (ids and attribute values).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

fn kv(key: &str, value: any_value::Value) -> KeyValue {
    KeyValue {
        key: key.to_string(),
        value: Some(AnyValue { value: Some(value) }),
        ..Default::default()
    }
}

fn s(v: impl Into<String>) -> any_value::Value {
    any_value::Value::StringValue(v.into())
}

/// `n` attributes of an HTTP-server span: the first seven are realistic, the
/// rest are `attr.<i>` strings.
fn attributes(n: usize, rng: &mut Rng) -> Vec<KeyValue> {
    (0..n)
        .map(|i| match i {
            0 => kv("http.method", s("GET")),
            1 => kv("http.route", s("/api/v1/items/{id}")),
            2 => kv("http.status_code", any_value::Value::IntValue(200)),
            3 => kv("net.peer.name", s("client.example.internal")),
            4 => kv("user.id", s(format!("user-{}", rng.next() % 10_000))),
            5 => kv("cache.hit", any_value::Value::BoolValue(rng.next() % 2 == 0)),
            6 => kv("component", s("http-server")),
            _ => kv(&format!("attr.{i}"), s(format!("value-{}", rng.next() % 1000))),
        })
        .collect()
}

fn resource(r: usize) -> Option<Resource> {
    Some(Resource {
        attributes: vec![
            kv("service.name", s(format!("svc-{r}"))),
            kv("host.name", s(format!("host-{r}"))),
        ],
        ..Default::default()
    })
}

fn scope() -> Option<InstrumentationScope> {
    Some(InstrumentationScope {
        name: "otelcol-loadgen".to_string(),
        version: "1.0.0".to_string(),
        ..Default::default()
    })
}

/// How many of `items` go to resource `r` of `resources` (the first ones
/// take the remainder), so a request always holds exactly `items`.
fn share(items: usize, resources: usize, r: usize) -> usize {
    let resources = resources.max(1);
    items / resources + usize::from(r < items % resources)
}

/// A trace request of `shape.items` spans (~270 bytes each with 7 attributes).
pub fn traces(shape: &Shape, seed: u64) -> ExportTraceServiceRequest {
    let mut rng = Rng(seed | 1);
    let resource_spans = (0..shape.resources.max(1))
        .map(|r| {
            let spans = (0..share(shape.items, shape.resources, r))
                .map(|i| Span {
                    trace_id: rng.bytes(16),
                    span_id: rng.bytes(8),
                    parent_span_id: rng.bytes(8),
                    name: format!("GET /api/v1/items/{}", i % 50),
                    kind: 2,
                    start_time_unix_nano: BASE_NANOS + i as u64,
                    end_time_unix_nano: BASE_NANOS + 1_000_000 + i as u64,
                    attributes: attributes(shape.attributes, &mut rng),
                    ..Default::default()
                })
                .collect();
            ResourceSpans {
                resource: resource(r),
                scope_spans: vec![ScopeSpans {
                    scope: scope(),
                    spans,
                    ..Default::default()
                }],
                ..Default::default()
            }
        })
        .collect();
    ExportTraceServiceRequest { resource_spans }
}

/// A metrics request of `shape.items` data points: cumulative sums of
/// `POINTS_PER_METRIC` points, each point with `shape.attributes` attributes.
pub fn metrics(shape: &Shape, seed: u64) -> ExportMetricsServiceRequest {
    let mut rng = Rng(seed | 1);
    let resource_metrics = (0..shape.resources.max(1))
        .map(|r| {
            let points = share(shape.items, shape.resources, r);
            let metrics = (0..points.div_ceil(POINTS_PER_METRIC))
                .map(|m| {
                    let n = POINTS_PER_METRIC.min(points - m * POINTS_PER_METRIC);
                    let data_points = (0..n)
                        .map(|p| NumberDataPoint {
                            attributes: {
                                let mut a = attributes(shape.attributes, &mut rng);
                                if shape.distinct_series {
                                    a.push(kv("series.seed", s(format!("{seed:x}"))));
                                    a.push(kv("series.point", any_value::Value::IntValue(p as i64)));
                                }
                                a
                            },
                            start_time_unix_nano: BASE_NANOS,
                            time_unix_nano: BASE_NANOS + 1_000_000 + p as u64,
                            value: Some(number_data_point::Value::AsInt((rng.next() % 100_000) as i64)),
                            ..Default::default()
                        })
                        .collect();
                    Metric {
                        name: format!("http.server.requests.{m}"),
                        unit: "1".to_string(),
                        data: Some(metric::Data::Sum(Sum {
                            data_points,
                            aggregation_temporality: AggregationTemporality::Cumulative as i32,
                            is_monotonic: true,
                        })),
                        ..Default::default()
                    }
                })
                .collect();
            ResourceMetrics {
                resource: resource(r),
                scope_metrics: vec![ScopeMetrics {
                    scope: scope(),
                    metrics,
                    ..Default::default()
                }],
                ..Default::default()
            }
        })
        .collect();
    ExportMetricsServiceRequest { resource_metrics }
}

/// A logs request of `shape.items` records with a string body.
pub fn logs(shape: &Shape, seed: u64) -> ExportLogsServiceRequest {
    let mut rng = Rng(seed | 1);
    let resource_logs = (0..shape.resources.max(1))
        .map(|r| {
            let log_records = (0..share(shape.items, shape.resources, r))
                .map(|i| LogRecord {
                    time_unix_nano: BASE_NANOS + i as u64,
                    observed_time_unix_nano: BASE_NANOS + i as u64,
                    severity_number: 9,
                    severity_text: "INFO".to_string(),
                    body: Some(AnyValue {
                        value: Some(s(format!(
                            "GET /api/v1/items/{} served in {} us",
                            i % 50,
                            rng.next() % 5000
                        ))),
                    }),
                    attributes: attributes(shape.attributes, &mut rng),
                    trace_id: rng.bytes(16),
                    span_id: rng.bytes(8),
                    ..Default::default()
                })
                .collect();
            ResourceLogs {
                resource: resource(r),
                scope_logs: vec![ScopeLogs {
                    scope: scope(),
                    log_records,
                    ..Default::default()
                }],
                ..Default::default()
            }
        })
        .collect();
    ExportLogsServiceRequest { resource_logs }
}

/// The protobuf encoding of a request of `shape`, varied by `seed`.
pub fn encode(shape: &Shape, seed: u64) -> Vec<u8> {
    match shape.signal {
        Signal::Traces => traces(shape, seed).encode_to_vec(),
        Signal::Metrics => metrics(shape, seed).encode_to_vec(),
        Signal::Logs => logs(shape, seed).encode_to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::count::count_items;

    fn shape(signal: Signal, items: usize) -> Shape {
        Shape {
            signal,
            items,
            attributes: 7,
            resources: 4,
            distinct_series: false,
        }
    }

    #[test]
    fn traces_have_the_benchmark_shape() {
        let req = traces(&shape(Signal::Traces, 1000), 7);
        assert_eq!(req.resource_spans.len(), 4);
        let spans: Vec<&Span> = req
            .resource_spans
            .iter()
            .flat_map(|r| &r.scope_spans)
            .flat_map(|s| &s.spans)
            .collect();
        assert_eq!(spans.len(), 1000);
        assert!(spans.iter().all(|s| s.attributes.len() == 7));
        let bytes = req.encode_to_vec().len() / 1000;
        assert!((250..=300).contains(&bytes), "{bytes} bytes a span");
    }

    #[test]
    fn uneven_counts_are_exact_for_every_signal() {
        for signal in [Signal::Traces, Signal::Metrics, Signal::Logs] {
            for items in [1, 7, 103] {
                let body = encode(&shape(signal, items), 3);
                assert_eq!(count_items(signal, &body), Ok(items as u64), "{signal:?}");
            }
        }
    }

    #[test]
    fn seeds_vary_the_ids() {
        let s = shape(Signal::Traces, 10);
        assert_ne!(encode(&s, 1), encode(&s, 2));
        assert_eq!(encode(&s, 1), encode(&s, 1));
    }

    #[test]
    fn distinct_series_label_every_point_uniquely() {
        let mut s = shape(Signal::Metrics, 100);
        s.distinct_series = true;
        let mut seen = std::collections::HashSet::new();
        for seed in [1, 2] {
            for rm in metrics(&s, seed).resource_metrics {
                for m in &rm.scope_metrics[0].metrics {
                    let Some(metric::Data::Sum(sum)) = &m.data else {
                        panic!("sums")
                    };
                    for p in &sum.data_points {
                        let key = format!("{:?}{}{:?}", rm.resource, m.name, p.attributes);
                        assert!(seen.insert(key), "a repeated series");
                    }
                }
            }
        }
        assert_eq!(seen.len(), 200);
    }
}
