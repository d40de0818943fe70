//! Renders 100 000 series and prints how long accumulation, the snapshot
//! and each exposition format took.
//!
//! `cargo run --release -p otelcol-prometheus --example render_bench`

use std::time::Instant;

use otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use otelcol_component::proto::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value};
use otelcol_component::proto::metrics::v1::{
    AggregationTemporality, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum, metric::Data,
    number_data_point,
};
use otelcol_component::proto::resource::v1::Resource;
use otelcol_prometheus::expfmt::{Format, render};
use otelcol_prometheus::{Accumulator, AccumulatorConfig};

const METRICS: usize = 100;
const SERIES_PER_METRIC: usize = 1000;

fn kv(k: &str, v: String) -> KeyValue {
    KeyValue {
        key: k.into(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(v)),
        }),
        ..Default::default()
    }
}

fn request() -> ExportMetricsServiceRequest {
    let metrics = (0..METRICS)
        .map(|m| Metric {
            name: format!("bench.requests.{m}"),
            unit: "1".into(),
            description: format!("Benchmark counter {m}"),
            data: Some(Data::Sum(Sum {
                aggregation_temporality: AggregationTemporality::Cumulative as i32,
                is_monotonic: true,
                data_points: (0..SERIES_PER_METRIC)
                    .map(|s| NumberDataPoint {
                        attributes: vec![
                            kv("http.route", format!("/api/v1/items/{}", s % 50)),
                            kv("http.status_code", format!("{}", 200 + s / 50)),
                        ],
                        time_unix_nano: 1_700_000_000_000_000_000,
                        value: Some(number_data_point::Value::AsDouble(s as f64 * 1.5)),
                        ..Default::default()
                    })
                    .collect(),
            })),
            ..Default::default()
        })
        .collect();
    ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: Some(Resource {
                attributes: vec![
                    kv("service.name", "bench".into()),
                    kv("service.instance.id", "i-1".into()),
                ],
                ..Default::default()
            }),
            scope_metrics: vec![ScopeMetrics {
                scope: Some(InstrumentationScope {
                    name: "bench".into(),
                    version: "1.0".into(),
                    ..Default::default()
                }),
                metrics,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

fn main() {
    let req = request();
    let acc = Accumulator::new(AccumulatorConfig::default());
    let t = Instant::now();
    let n = acc.accumulate(&req);
    println!("accumulate {n} points: {:?}", t.elapsed());
    let t = Instant::now();
    let n = acc.accumulate(&req);
    println!("accumulate {n} points again (updates): {:?}", t.elapsed());
    for format in [Format::Text, Format::OpenMetrics, Format::Protobuf] {
        let mut best = None;
        let mut size = 0;
        for _ in 0..5 {
            let t = Instant::now();
            let snap = acc.snapshot();
            let page = render(&snap, format, false);
            let d = t.elapsed();
            size = page.len();
            best = Some(best.map_or(d, |b: std::time::Duration| b.min(d)));
        }
        let series = acc.snapshot().series_count();
        println!(
            "{format:?}: {series} series, {size} bytes, snapshot+render best of 5: {:?}",
            best.unwrap_or_default()
        );
    }
}
