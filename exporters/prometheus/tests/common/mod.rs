//! Test helpers: OTLP builders, a raw HTTP GET, and a real Prometheus server.
#![allow(dead_code)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use otelcol_component::proto::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value};
use otelcol_component::proto::metrics::v1::{
    AggregationTemporality, Gauge, Histogram, HistogramDataPoint, Metric, NumberDataPoint, ResourceMetrics,
    ScopeMetrics, Sum, metric::Data, number_data_point,
};
use otelcol_component::proto::resource::v1::Resource;
use otelcol_component::{Metrics, Payload};

pub(crate) fn kv(k: &str, v: &str) -> KeyValue {
    KeyValue {
        key: k.into(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(v.into())),
        }),
        ..Default::default()
    }
}

pub(crate) fn now_nanos() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

/// A counter, a histogram and a gauge from service `checkout`, instance `inst-1`.
pub(crate) fn sample_metrics() -> Metrics {
    let now = now_nanos();
    let start = now - 60_000_000_000;
    let point = |v: f64, attrs: Vec<KeyValue>| NumberDataPoint {
        attributes: attrs,
        start_time_unix_nano: start,
        time_unix_nano: now,
        value: Some(number_data_point::Value::AsDouble(v)),
        ..Default::default()
    };
    let metrics = vec![
        Metric {
            name: "http.requests".into(),
            unit: "1".into(),
            description: "Requests served".into(),
            data: Some(Data::Sum(Sum {
                data_points: vec![point(42.0, vec![kv("method", "GET")])],
                aggregation_temporality: AggregationTemporality::Cumulative as i32,
                is_monotonic: true,
            })),
            ..Default::default()
        },
        Metric {
            name: "http.duration".into(),
            unit: "s".into(),
            description: "Request duration".into(),
            data: Some(Data::Histogram(Histogram {
                data_points: vec![HistogramDataPoint {
                    attributes: vec![kv("method", "GET")],
                    start_time_unix_nano: start,
                    time_unix_nano: now,
                    count: 6,
                    sum: Some(4.5),
                    bucket_counts: vec![1, 2, 3],
                    explicit_bounds: vec![0.1, 1.0],
                    ..Default::default()
                }],
                aggregation_temporality: AggregationTemporality::Cumulative as i32,
            })),
            ..Default::default()
        },
        Metric {
            name: "queue.size".into(),
            unit: "{items}".into(),
            description: "Items waiting".into(),
            data: Some(Data::Gauge(Gauge {
                data_points: vec![point(7.0, vec![])],
            })),
            ..Default::default()
        },
    ];
    Metrics::from_request(ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: Some(Resource {
                attributes: vec![
                    kv("service.name", "checkout"),
                    kv("service.instance.id", "inst-1"),
                    kv("host.name", "box-1"),
                ],
                ..Default::default()
            }),
            scope_metrics: vec![ScopeMetrics {
                scope: Some(InstrumentationScope {
                    name: "shop".into(),
                    version: "1.2".into(),
                    ..Default::default()
                }),
                metrics,
                ..Default::default()
            }],
            ..Default::default()
        }],
    })
}

mod prom;
pub(crate) use prom::*;

/// Runs `promtool check metrics` on `page`; returns (success, output).
pub(crate) fn promtool_check(page: &[u8], dir: &Path) -> (bool, String) {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run `promtool` ({e}); it comes with the Debian package `prometheus`: apt-get install -y prometheus"
            )
        });
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(page).expect("write to promtool");
    }
    let out = child.wait_with_output().expect("promtool output");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}
