//! The `detailed` verbosity for metrics: descriptor and every data point.

use otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use otelcol_component::proto::metrics::v1::{
    AggregationTemporality, Exemplar, ExponentialHistogramDataPoint, HistogramDataPoint, Metric,
    NumberDataPoint, SummaryDataPoint, exemplar, exponential_histogram_data_point::Buckets, metric::Data,
    number_data_point,
};

use super::detailed::Buf;
use super::normal::exp_factor;
use super::num;

/// Every field of every metric and data point.
pub(crate) fn metrics(req: &ExportMetricsServiceRequest) -> String {
    let mut b = Buf::default();
    for (i, rm) in req.resource_metrics.iter().enumerate() {
        b.line(format_args!("ResourceMetrics #{i}"));
        b.resource(&rm.schema_url, rm.resource.as_ref());
        for (j, sm) in rm.scope_metrics.iter().enumerate() {
            b.line(format_args!("ScopeMetrics #{j}"));
            b.scope("ScopeMetrics", &sm.schema_url, sm.scope.as_ref());
            for (k, m) in sm.metrics.iter().enumerate() {
                b.line(format_args!("Metric #{k}"));
                descriptor(&mut b, m);
                data_points(&mut b, m);
            }
        }
    }
    b.0
}

fn data_type(data: Option<&Data>) -> &'static str {
    match data {
        None => "Empty",
        Some(Data::Gauge(_)) => "Gauge",
        Some(Data::Sum(_)) => "Sum",
        Some(Data::Histogram(_)) => "Histogram",
        Some(Data::ExponentialHistogram(_)) => "ExponentialHistogram",
        Some(Data::Summary(_)) => "Summary",
    }
}

fn temporality(t: i32) -> &'static str {
    match AggregationTemporality::try_from(t) {
        Ok(AggregationTemporality::Unspecified) => "Unspecified",
        Ok(AggregationTemporality::Delta) => "Delta",
        Ok(AggregationTemporality::Cumulative) => "Cumulative",
        Err(_) => "",
    }
}

fn descriptor(b: &mut Buf, m: &Metric) {
    b.line(format_args!("Descriptor:"));
    b.line(format_args!("     -> Name: {}", m.name));
    b.line(format_args!("     -> Description: {}", m.description));
    b.line(format_args!("     -> Unit: {}", m.unit));
    b.line(format_args!("     -> DataType: {}", data_type(m.data.as_ref())));
    b.attributes("     -> Metadata", &m.metadata);
}

fn data_points(b: &mut Buf, m: &Metric) {
    match &m.data {
        None => {}
        Some(Data::Gauge(g)) => g
            .data_points
            .iter()
            .enumerate()
            .for_each(|(i, p)| number(b, i, p)),
        Some(Data::Sum(s)) => {
            b.line(format_args!("     -> IsMonotonic: {}", s.is_monotonic));
            b.line(format_args!(
                "     -> AggregationTemporality: {}",
                temporality(s.aggregation_temporality)
            ));
            s.data_points
                .iter()
                .enumerate()
                .for_each(|(i, p)| number(b, i, p));
        }
        Some(Data::Histogram(h)) => {
            b.line(format_args!(
                "     -> AggregationTemporality: {}",
                temporality(h.aggregation_temporality)
            ));
            h.data_points
                .iter()
                .enumerate()
                .for_each(|(i, p)| histogram(b, i, p));
        }
        Some(Data::ExponentialHistogram(h)) => {
            b.line(format_args!(
                "     -> AggregationTemporality: {}",
                temporality(h.aggregation_temporality)
            ));
            h.data_points
                .iter()
                .enumerate()
                .for_each(|(i, p)| exponential(b, i, p));
        }
        Some(Data::Summary(s)) => s
            .data_points
            .iter()
            .enumerate()
            .for_each(|(i, p)| summary(b, i, p)),
    }
}

fn times(b: &mut Buf, start: u64, time: u64) {
    b.line(format_args!("StartTimestamp: {}", num::timestamp(start)));
    b.line(format_args!("Timestamp: {}", num::timestamp(time)));
}

fn number(b: &mut Buf, i: usize, p: &NumberDataPoint) {
    b.line(format_args!("NumberDataPoints #{i}"));
    b.attributes("Data point attributes", &p.attributes);
    times(b, p.start_time_unix_nano, p.time_unix_nano);
    match p.value {
        Some(number_data_point::Value::AsInt(v)) => b.line(format_args!("Value: {v}")),
        Some(number_data_point::Value::AsDouble(v)) => b.line(format_args!("Value: {}", num::f6(v))),
        None => {}
    }
    exemplars(b, &p.exemplars);
}

fn sum_min_max(b: &mut Buf, sum: Option<f64>, min: Option<f64>, max: Option<f64>) {
    for (label, v) in [("Sum", sum), ("Min", min), ("Max", max)] {
        if let Some(v) = v {
            b.line(format_args!("{label}: {}", num::f6(v)));
        }
    }
}

fn histogram(b: &mut Buf, i: usize, p: &HistogramDataPoint) {
    b.line(format_args!("HistogramDataPoints #{i}"));
    b.attributes("Data point attributes", &p.attributes);
    times(b, p.start_time_unix_nano, p.time_unix_nano);
    b.line(format_args!("Count: {}", p.count));
    sum_min_max(b, p.sum, p.min, p.max);
    for (i, bound) in p.explicit_bounds.iter().enumerate() {
        b.line(format_args!("ExplicitBounds #{i}: {}", num::f6(*bound)));
    }
    for (j, count) in p.bucket_counts.iter().enumerate() {
        b.line(format_args!("Buckets #{j}, Count: {count}"));
    }
    exemplars(b, &p.exemplars);
}

fn exponential(b: &mut Buf, i: usize, p: &ExponentialHistogramDataPoint) {
    b.line(format_args!("ExponentialHistogramDataPoints #{i}"));
    b.attributes("Data point attributes", &p.attributes);
    times(b, p.start_time_unix_nano, p.time_unix_nano);
    b.line(format_args!("Count: {}", p.count));
    sum_min_max(b, p.sum, p.min, p.max);
    let factor = exp_factor(p.scale);
    let empty = Buckets::default();
    let bounds = |offset: i32, pos: usize| {
        let index = f64::from(offset) + pos as f64;
        ((index * factor).exp(), ((index + 1.0) * factor).exp())
    };
    let neg = p.negative.as_ref().unwrap_or(&empty);
    for (pos, count) in neg.bucket_counts.iter().enumerate().rev() {
        let (lower, upper) = bounds(neg.offset, pos);
        b.line(format_args!(
            "Bucket [{}, {}), Count: {count}",
            num::f6(-upper),
            num::f6(-lower)
        ));
    }
    if p.zero_count != 0 {
        b.line(format_args!("Bucket [0, 0], Count: {}", p.zero_count));
    }
    let pos_b = p.positive.as_ref().unwrap_or(&empty);
    for (pos, count) in pos_b.bucket_counts.iter().enumerate() {
        let (lower, upper) = bounds(pos_b.offset, pos);
        b.line(format_args!(
            "Bucket ({}, {}], Count: {count}",
            num::f6(lower),
            num::f6(upper)
        ));
    }
    exemplars(b, &p.exemplars);
}

fn summary(b: &mut Buf, i: usize, p: &SummaryDataPoint) {
    b.line(format_args!("SummaryDataPoints #{i}"));
    b.attributes("Data point attributes", &p.attributes);
    times(b, p.start_time_unix_nano, p.time_unix_nano);
    b.line(format_args!("Count: {}", p.count));
    b.line(format_args!("Sum: {}", num::f6(p.sum)));
    for (i, q) in p.quantile_values.iter().enumerate() {
        b.line(format_args!(
            "QuantileValue #{i}: Quantile {}, Value {}",
            num::f6(q.quantile),
            num::f6(q.value)
        ));
    }
}

fn exemplars(b: &mut Buf, exemplars: &[Exemplar]) {
    if exemplars.is_empty() {
        return;
    }
    b.line(format_args!("Exemplars:"));
    for (i, e) in exemplars.iter().enumerate() {
        b.line(format_args!("Exemplar #{i}"));
        b.line(format_args!("     -> Trace ID: {}", num::id(&e.trace_id)));
        b.line(format_args!("     -> Span ID: {}", num::id(&e.span_id)));
        b.line(format_args!(
            "     -> Timestamp: {}",
            num::timestamp(e.time_unix_nano)
        ));
        match e.value {
            Some(exemplar::Value::AsInt(v)) => b.line(format_args!("     -> Value: {v}")),
            Some(exemplar::Value::AsDouble(v)) => b.line(format_args!("     -> Value: {}", num::f6(v))),
            None => {}
        }
        b.attributes("     -> FilteredAttributes", &e.filtered_attributes);
    }
}
