//! The transform processor's metric functions (metric context).

use std::collections::HashMap;

use otelcol_component::proto::metrics::v1::{
    Gauge, Metric, NumberDataPoint, Sum, metric::Data, number_data_point,
};

use super::error::EvalError;
use super::value::json_map;
use super::write::{TransformCtx, TransformItem};

/// `aggregate_on_attributes` functions (Go `aggregateutil`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AggFn {
    Sum,
    Mean,
    Min,
    Max,
    Median,
    Count,
}

impl AggFn {
    pub(crate) fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "sum" => AggFn::Sum,
            "mean" => AggFn::Mean,
            "min" => AggFn::Min,
            "max" => AggFn::Max,
            "median" => AggFn::Median,
            "count" => AggFn::Count,
            _ => return None,
        })
    }
}

/// A compiled metric function.
#[derive(Clone, Debug)]
pub(crate) enum MetricFn {
    SumToGauge,
    GaugeToSum(i32, bool),
    ExtractSum(bool, String),
    ExtractCount(bool, String),
    Aggregate(AggFn, Option<Vec<String>>),
}

fn type_name(m: &Metric) -> &'static str {
    match &m.data {
        None => "Empty",
        Some(Data::Gauge(_)) => "Gauge",
        Some(Data::Sum(_)) => "Sum",
        Some(Data::Histogram(_)) => "Histogram",
        Some(Data::ExponentialHistogram(_)) => "ExponentialHistogram",
        Some(Data::Summary(_)) => "Summary",
    }
}

/// Runs `f` on the metric of `ctx`.
pub(crate) fn apply(f: &MetricFn, ctx: &mut TransformCtx<'_>) -> Result<(), EvalError> {
    let TransformItem::Metric(m) = &mut ctx.item else {
        return Ok(());
    };
    match f {
        MetricFn::SumToGauge => {
            if let Some(Data::Sum(s)) = &mut m.data {
                let points = std::mem::take(&mut s.data_points);
                m.data = Some(Data::Gauge(Gauge { data_points: points }));
            }
        }
        MetricFn::GaugeToSum(t, monotonic) => {
            if let Some(Data::Gauge(g)) = &mut m.data {
                let points = std::mem::take(&mut g.data_points);
                m.data = Some(Data::Sum(Sum {
                    data_points: points,
                    aggregation_temporality: *t,
                    is_monotonic: *monotonic,
                }));
            }
        }
        MetricFn::ExtractSum(monotonic, suffix) | MetricFn::ExtractCount(monotonic, suffix) => {
            let count = matches!(f, MetricFn::ExtractCount(..));
            let fname = if count {
                "extract_count_metric"
            } else {
                "extract_sum_metric"
            };
            let point = |attrs: &[_], start: u64, time: u64, v: number_data_point::Value| NumberDataPoint {
                attributes: attrs.to_vec(),
                start_time_unix_nano: start,
                time_unix_nano: time,
                value: Some(v),
                ..Default::default()
            };
            let as_count = |c: u64| number_data_point::Value::AsInt(i64::try_from(c).unwrap_or(i64::MAX));
            let (temporality, points): (i32, Vec<NumberDataPoint>) = match &m.data {
                Some(Data::Histogram(h)) => (
                    h.aggregation_temporality,
                    h.data_points
                        .iter()
                        .filter_map(|p| {
                            let v = if count {
                                as_count(p.count)
                            } else {
                                number_data_point::Value::AsDouble(p.sum?)
                            };
                            Some(point(&p.attributes, p.start_time_unix_nano, p.time_unix_nano, v))
                        })
                        .collect(),
                ),
                Some(Data::ExponentialHistogram(h)) => (
                    h.aggregation_temporality,
                    h.data_points
                        .iter()
                        .filter_map(|p| {
                            let v = if count {
                                as_count(p.count)
                            } else {
                                number_data_point::Value::AsDouble(p.sum?)
                            };
                            Some(point(&p.attributes, p.start_time_unix_nano, p.time_unix_nano, v))
                        })
                        .collect(),
                ),
                Some(Data::Summary(s)) => (
                    2,
                    s.data_points
                        .iter()
                        .map(|p| {
                            let v = if count {
                                as_count(p.count)
                            } else {
                                number_data_point::Value::AsDouble(p.sum)
                            };
                            point(&p.attributes, p.start_time_unix_nano, p.time_unix_nano, v)
                        })
                        .collect(),
                ),
                _ => {
                    return Err(EvalError::new(format!(
                        "{fname} requires an input metric of type Histogram, ExponentialHistogram or Summary, got {}",
                        type_name(m)
                    )));
                }
            };
            if !points.is_empty() {
                ctx.new_metrics.push(Metric {
                    name: format!("{}{suffix}", m.name),
                    description: m.description.clone(),
                    unit: if count { "1".to_string() } else { m.unit.clone() },
                    data: Some(Data::Sum(Sum {
                        data_points: points,
                        aggregation_temporality: temporality,
                        is_monotonic: *monotonic,
                    })),
                    ..Default::default()
                });
            }
        }
        MetricFn::Aggregate(func, attrs) => {
            let points = match &mut m.data {
                Some(Data::Gauge(g)) => &mut g.data_points,
                Some(Data::Sum(s)) => &mut s.data_points,
                Some(Data::Summary(_)) => {
                    return Err(EvalError::new(
                        "aggregate_on_attributes does not support aggregating Summary metrics",
                    ));
                }
                None => return Ok(()),
                Some(_) => {
                    return Err(EvalError::new(format!(
                        "aggregate_on_attributes: {} metrics are not supported by otelcol-rs",
                        type_name(m)
                    )));
                }
            };
            aggregate(points, *func, attrs.as_deref());
        }
    }
    Ok(())
}

fn num(p: &NumberDataPoint) -> f64 {
    match p.value {
        Some(number_data_point::Value::AsInt(i)) => i as f64,
        Some(number_data_point::Value::AsDouble(d)) => d,
        None => 0.0,
    }
}

/// Keeps only `attrs` on every point (all are removed when `None`), then
/// merges points with equal attributes with `func`.
fn aggregate(points: &mut Vec<NumberDataPoint>, func: AggFn, attrs: Option<&[String]>) {
    for p in points.iter_mut() {
        match attrs {
            Some(keep) => p.attributes.retain(|kv| keep.contains(&kv.key)),
            None => p.attributes.clear(),
        }
    }
    let mut order: Vec<String> = Vec::new();
    let mut groups: HashMap<String, Vec<NumberDataPoint>> = HashMap::new();
    for p in std::mem::take(points) {
        let key = json_map(&p.attributes);
        if !groups.contains_key(&key) {
            order.push(key.clone());
        }
        groups.entry(key).or_default().push(p);
    }
    for key in order {
        let Some(group) = groups.remove(&key) else {
            continue;
        };
        let Some(first) = group.first() else { continue };
        let int = matches!(first.value, Some(number_data_point::Value::AsInt(_)));
        let mut vals: Vec<f64> = group.iter().map(num).collect();
        let n = vals.len() as f64;
        let v = match func {
            AggFn::Sum => vals.iter().sum(),
            AggFn::Mean => vals.iter().sum::<f64>() / n,
            AggFn::Min => vals.iter().copied().fold(f64::INFINITY, f64::min),
            AggFn::Max => vals.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            AggFn::Count => n,
            AggFn::Median => {
                vals.sort_by(f64::total_cmp);
                let mid = vals.len() / 2;
                let hi = vals.get(mid).copied().unwrap_or(0.0);
                if vals.len() % 2 == 0 {
                    (vals.get(mid.wrapping_sub(1)).copied().unwrap_or(hi) + hi) / 2.0
                } else {
                    hi
                }
            }
        };
        let mut out = first.clone();
        out.start_time_unix_nano = group.iter().map(|p| p.start_time_unix_nano).min().unwrap_or(0);
        out.time_unix_nano = group.iter().map(|p| p.time_unix_nano).max().unwrap_or(0);
        out.value = Some(if int {
            number_data_point::Value::AsInt(v as i64)
        } else {
            number_data_point::Value::AsDouble(v)
        });
        points.push(out);
    }
}
