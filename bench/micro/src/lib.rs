//! Fixtures for the criterion micro-benchmarks in `benches/`: the load
//! generator's request shape (1000 items, 7 attributes an item, 4 resources;
//! ~279 bytes a span), so the micro figures and the scenario figures in
//! BENCHMARKS.md describe the same data.

#[cfg(all(feature = "mimalloc", not(feature = "counting")))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(feature = "counting")]
#[global_allocator]
static GLOBAL: otelcol_alloc::CountingMiMalloc = otelcol_alloc::CountingMiMalloc;

/// Registers the counting allocator's statistics (feature `counting`, as
/// the `otelcol-rs` binary does at start); does nothing otherwise.
pub fn register_allocator() {
    #[cfg(feature = "counting")]
    otelcol_alloc::register();
}

use otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use otelcol_component::proto::common::v1::{AnyValue, KeyValue, any_value};
use otelcol_component::proto::metrics::v1::{
    AggregationTemporality, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum, metric,
    number_data_point,
};
use otelcol_component::proto::resource::v1::Resource;
pub use otelcol_loadgen::request::{Shape, Signal, encode, logs, metrics, traces};

/// The benchmark shape for `signal`: 1000 items, 7 attributes, 4 resources.
pub fn shape(signal: Signal) -> Shape {
    Shape {
        signal,
        items: 1000,
        attributes: 7,
        resources: 4,
        distinct_series: false,
    }
}

fn kv(key: &str, value: String) -> KeyValue {
    KeyValue {
        key: key.to_string(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(value)),
        }),
        ..Default::default()
    }
}

/// A metrics request with exactly `series` distinct cumulative-sum series:
/// 100 metric names × `series / 100` label values, 3 labels a series.
pub fn distinct_series(series: usize) -> ExportMetricsServiceRequest {
    let per_metric = series.div_ceil(100);
    let metrics = (0..100)
        .map(|m| Metric {
            name: format!("bench.requests.{m}"),
            description: "Requests served.".to_string(),
            unit: "1".to_string(),
            data: Some(metric::Data::Sum(Sum {
                data_points: (0..per_metric)
                    .map(|i| NumberDataPoint {
                        attributes: vec![
                            kv("http.route", format!("/api/v1/items/{i}")),
                            kv("http.method", "GET".to_string()),
                            kv("region", format!("region-{}", i % 7)),
                        ],
                        time_unix_nano: 1_700_000_000_000_000_000,
                        value: Some(number_data_point::Value::AsInt(i as i64)),
                        ..Default::default()
                    })
                    .collect(),
                aggregation_temporality: AggregationTemporality::Cumulative as i32,
                is_monotonic: true,
            })),
            ..Default::default()
        })
        .collect();
    ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: Some(Resource {
                attributes: vec![
                    kv("service.name", "bench".to_string()),
                    kv("service.instance.id", "i-1".to_string()),
                ],
                ..Default::default()
            }),
            scope_metrics: vec![ScopeMetrics {
                metrics,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}
