//! OTLP builders for the tests.
#![allow(dead_code)]

use otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use otelcol_component::proto::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value};
use otelcol_component::proto::metrics::v1::{
    AggregationTemporality, Exemplar, ExponentialHistogram, ExponentialHistogramDataPoint, Gauge, Histogram,
    HistogramDataPoint, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum, Summary,
    SummaryDataPoint, exponential_histogram_data_point::Buckets, metric::Data, number_data_point,
    summary_data_point::ValueAtQuantile,
};
use otelcol_component::proto::resource::v1::Resource;

pub(crate) const DELTA: i32 = AggregationTemporality::Delta as i32;
pub(crate) const CUMULATIVE: i32 = AggregationTemporality::Cumulative as i32;

pub(crate) fn kv(k: &str, v: &str) -> KeyValue {
    KeyValue {
        key: k.into(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(v.into())),
        }),
        ..Default::default()
    }
}

pub(crate) fn service(name: &str, instance: &str) -> Vec<KeyValue> {
    vec![kv("service.name", name), kv("service.instance.id", instance)]
}

pub(crate) fn scope(name: &str, version: &str) -> InstrumentationScope {
    InstrumentationScope {
        name: name.into(),
        version: version.into(),
        ..Default::default()
    }
}

pub(crate) fn request(
    resource: Vec<KeyValue>,
    scope: InstrumentationScope,
    metrics: Vec<Metric>,
) -> ExportMetricsServiceRequest {
    ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: Some(Resource {
                attributes: resource,
                ..Default::default()
            }),
            scope_metrics: vec![ScopeMetrics {
                scope: Some(scope),
                metrics,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

pub(crate) fn num(attrs: Vec<KeyValue>, start: u64, time: u64, v: f64) -> NumberDataPoint {
    NumberDataPoint {
        attributes: attrs,
        start_time_unix_nano: start,
        time_unix_nano: time,
        value: Some(number_data_point::Value::AsDouble(v)),
        ..Default::default()
    }
}

pub(crate) fn int(attrs: Vec<KeyValue>, start: u64, time: u64, v: i64) -> NumberDataPoint {
    NumberDataPoint {
        attributes: attrs,
        start_time_unix_nano: start,
        time_unix_nano: time,
        value: Some(number_data_point::Value::AsInt(v)),
        ..Default::default()
    }
}

fn metric(name: &str, unit: &str, desc: &str, data: Data) -> Metric {
    Metric {
        name: name.into(),
        unit: unit.into(),
        description: desc.into(),
        data: Some(data),
        ..Default::default()
    }
}

pub(crate) fn gauge(name: &str, unit: &str, desc: &str, points: Vec<NumberDataPoint>) -> Metric {
    metric(name, unit, desc, Data::Gauge(Gauge { data_points: points }))
}

pub(crate) fn sum(
    name: &str,
    unit: &str,
    desc: &str,
    monotonic: bool,
    temporality: i32,
    points: Vec<NumberDataPoint>,
) -> Metric {
    metric(
        name,
        unit,
        desc,
        Data::Sum(Sum {
            data_points: points,
            aggregation_temporality: temporality,
            is_monotonic: monotonic,
        }),
    )
}

pub(crate) fn hpoint(
    attrs: Vec<KeyValue>,
    start: u64,
    time: u64,
    bounds: &[f64],
    counts: &[u64],
    sum: f64,
) -> HistogramDataPoint {
    HistogramDataPoint {
        attributes: attrs,
        start_time_unix_nano: start,
        time_unix_nano: time,
        count: counts.iter().sum(),
        sum: Some(sum),
        bucket_counts: counts.to_vec(),
        explicit_bounds: bounds.to_vec(),
        ..Default::default()
    }
}

pub(crate) fn histogram(
    name: &str,
    unit: &str,
    desc: &str,
    temporality: i32,
    points: Vec<HistogramDataPoint>,
) -> Metric {
    metric(
        name,
        unit,
        desc,
        Data::Histogram(Histogram {
            data_points: points,
            aggregation_temporality: temporality,
        }),
    )
}

pub(crate) fn expoint(
    time: u64,
    scale: i32,
    offset: i32,
    counts: &[u64],
    zero_count: u64,
) -> ExponentialHistogramDataPoint {
    ExponentialHistogramDataPoint {
        time_unix_nano: time,
        count: counts.iter().sum::<u64>() + zero_count,
        sum: Some(10.0),
        scale,
        zero_count,
        positive: Some(Buckets {
            offset,
            bucket_counts: counts.to_vec(),
        }),
        ..Default::default()
    }
}

pub(crate) fn exponential(
    name: &str,
    unit: &str,
    temporality: i32,
    points: Vec<ExponentialHistogramDataPoint>,
) -> Metric {
    metric(
        name,
        unit,
        "exp",
        Data::ExponentialHistogram(ExponentialHistogram {
            data_points: points,
            aggregation_temporality: temporality,
        }),
    )
}

/// `(count, sum, [(quantile, value)])`.
pub(crate) type SummaryPoint<'a> = (u64, f64, &'a [(f64, f64)]);

pub(crate) fn summary(name: &str, points: Vec<SummaryPoint<'_>>) -> Metric {
    let data_points = points
        .into_iter()
        .map(|(count, sum, qs)| SummaryDataPoint {
            time_unix_nano: 1,
            count,
            sum,
            quantile_values: qs
                .iter()
                .map(|(q, v)| ValueAtQuantile {
                    quantile: *q,
                    value: *v,
                })
                .collect(),
            ..Default::default()
        })
        .collect();
    metric(name, "s", "a summary", Data::Summary(Summary { data_points }))
}

pub(crate) fn exemplar(value: f64, trace: u8) -> Exemplar {
    Exemplar {
        time_unix_nano: 1_500_000_000,
        trace_id: vec![trace; 16],
        span_id: vec![trace; 8],
        value: Some(otelcol_component::proto::metrics::v1::exemplar::Value::AsDouble(
            value,
        )),
        ..Default::default()
    }
}
