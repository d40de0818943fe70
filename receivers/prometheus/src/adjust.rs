//! Start times of cumulative points, as Go's metrics adjusters set them:
//!
//! - by default (`initialPointAdjuster`), the first point seen of a series
//!   keeps its own start (its `_created` time, else its timestamp) and
//!   later points get the same start; a point whose value (or, for
//!   histograms and summaries, count or sum) went down is a reset and starts
//!   again from its own start;
//! - with `use_start_time_metric`, every cumulative point starts at the
//!   value of `process_start_time_seconds` (or the metric
//!   `start_time_metric_regex` names) of the same scrape, and a reset starts
//!   at the reset point's timestamp; a scrape without that metric is an
//!   error.
//!
//! Series not seen for the garbage collection interval are forgotten.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use otelcol_component::proto::common::v1::{KeyValue, any_value};
use otelcol_component::proto::metrics::v1::{
    AggregationTemporality, Metric, metric::Data, number_data_point,
};
use otelcol_prometheus::FLAG_NO_RECORDED_VALUE;
use regex::Regex;

/// Go's `defaultGCInterval`.
pub(crate) const DEFAULT_GC_INTERVAL: Duration = Duration::from_secs(120);
/// Go's `gcIntervalDelta`.
pub(crate) const GC_INTERVAL_DELTA: Duration = Duration::from_secs(60);

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct SeriesKey {
    name: String,
    attrs: Vec<(String, String)>,
    temporality: i32,
}

#[derive(Clone, Copy, Debug, Default)]
struct SeriesInfo {
    mark: bool,
    start: u64,
    previous_value: f64,
    previous_count: u64,
    previous_sum: f64,
}

#[derive(Debug, Default)]
struct SeriesMap {
    mark: bool,
    series: HashMap<SeriesKey, SeriesInfo>,
}

/// Why a scrape's start times could not be set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum AdjustError {
    /// A resource has no `service.name`.
    #[error("adjusting metrics without job")]
    NoJob,
    /// A resource has no `service.instance.id`.
    #[error("adjusting metrics without instance")]
    NoInstance,
    /// `use_start_time_metric` without the metric in the scrape.
    #[error("start_time metric is missing")]
    NoStartTimeMetric,
    /// The start time metric has no points.
    #[error("start time metric with no data points")]
    NoStartTimePoints,
    /// The start time metric is a histogram or summary.
    #[error("unsupported data type for start time metric")]
    UnsupportedStartTimeType,
}

/// Go's `initialPointAdjuster` (and, with a start time metric, its
/// `startTimeMetricAdjuster`).
#[derive(Debug)]
pub(crate) struct Adjuster {
    jobs: HashMap<String, SeriesMap>,
    gc_interval: Duration,
    last_gc: Instant,
    start_time_metric: Option<StartTimeMetric>,
}

/// Which metric gives the start time.
#[derive(Debug)]
pub(crate) enum StartTimeMetric {
    /// Exactly `process_start_time_seconds`.
    Default,
    /// Names matching this (unanchored) regex.
    Regex(Regex),
}

impl StartTimeMetric {
    fn matches(&self, name: &str) -> bool {
        match self {
            StartTimeMetric::Default => name == crate::config::DEFAULT_START_TIME_METRIC,
            StartTimeMetric::Regex(r) => r.is_match(name),
        }
    }
}

fn str_attr<'a>(attrs: &'a [KeyValue], key: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| match &kv.value.as_ref()?.value {
            Some(any_value::Value::StringValue(s)) => Some(s.as_str()),
            _ => None,
        })
}

/// Go's series key: name, the non-empty string attributes, temporality.
fn key_of(name: &str, attrs: &[KeyValue], temporality: i32) -> SeriesKey {
    let mut a: Vec<(String, String)> = attrs
        .iter()
        .filter_map(|kv| match &kv.value.as_ref()?.value {
            Some(any_value::Value::StringValue(v)) if !v.is_empty() => Some((kv.key.clone(), v.clone())),
            _ => None,
        })
        .collect();
    a.sort();
    SeriesKey {
        name: name.to_string(),
        attrs: a,
        temporality,
    }
}

impl Adjuster {
    /// An adjuster forgetting series unseen for `gc_interval`.
    pub(crate) fn new(gc_interval: Duration, start_time_metric: Option<StartTimeMetric>) -> Self {
        Adjuster {
            jobs: HashMap::new(),
            gc_interval,
            last_gc: Instant::now(),
            start_time_metric,
        }
    }

    fn gc(&mut self) {
        if self.last_gc.elapsed() <= self.gc_interval {
            return;
        }
        self.last_gc = Instant::now();
        self.jobs.retain(|_, m| {
            if !m.mark {
                return false;
            }
            m.series.retain(|_, s| std::mem::take(&mut s.mark));
            m.mark = false;
            true
        });
    }

    /// Sets the start times of `req`'s cumulative points.
    pub(crate) fn adjust(&mut self, req: &mut ExportMetricsServiceRequest) -> Result<(), AdjustError> {
        for rm in &req.resource_metrics {
            let attrs = rm
                .resource
                .as_ref()
                .map(|r| r.attributes.as_slice())
                .unwrap_or(&[]);
            if str_attr(attrs, "service.name").is_none() {
                return Err(AdjustError::NoJob);
            }
            if str_attr(attrs, "service.instance.id").is_none() {
                return Err(AdjustError::NoInstance);
            }
        }
        let reset_at_point_time = match &self.start_time_metric {
            None => false,
            Some(stm) => {
                let start = start_time(stm, req)?;
                set_all_starts(req, ns_of_secs(start));
                true
            }
        };
        for rm in &mut req.resource_metrics {
            let attrs = rm
                .resource
                .as_ref()
                .map(|r| r.attributes.as_slice())
                .unwrap_or(&[]);
            let job_key = format!(
                "{}:{}",
                str_attr(attrs, "service.name").unwrap_or_default(),
                str_attr(attrs, "service.instance.id").unwrap_or_default()
            );
            let map = self.jobs.entry(job_key).or_default();
            map.mark = true;
            for sm in &mut rm.scope_metrics {
                for m in &mut sm.metrics {
                    adjust_metric(map, m, reset_at_point_time);
                }
            }
        }
        self.gc();
        Ok(())
    }
}

/// Go's `timestampFromFloat64`.
fn ns_of_secs(secs: f64) -> u64 {
    if !secs.is_finite() || secs <= 0.0 {
        return 0;
    }
    let whole = secs.trunc();
    (whole as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(((secs - whole) * 1e9) as u64)
}

fn start_time(stm: &StartTimeMetric, req: &ExportMetricsServiceRequest) -> Result<f64, AdjustError> {
    for rm in &req.resource_metrics {
        for sm in &rm.scope_metrics {
            for m in &sm.metrics {
                if !stm.matches(&m.name) {
                    continue;
                }
                let points = match &m.data {
                    Some(Data::Gauge(g)) => &g.data_points,
                    Some(Data::Sum(s)) => &s.data_points,
                    _ => return Err(AdjustError::UnsupportedStartTimeType),
                };
                let p = points.first().ok_or(AdjustError::NoStartTimePoints)?;
                return Ok(match p.value {
                    Some(number_data_point::Value::AsDouble(v)) => v,
                    Some(number_data_point::Value::AsInt(v)) => v as f64,
                    None => 0.0,
                });
            }
        }
    }
    Err(AdjustError::NoStartTimeMetric)
}

fn set_all_starts(req: &mut ExportMetricsServiceRequest, start: u64) {
    for rm in &mut req.resource_metrics {
        for sm in &mut rm.scope_metrics {
            for m in &mut sm.metrics {
                match &mut m.data {
                    Some(Data::Sum(s)) => s
                        .data_points
                        .iter_mut()
                        .for_each(|p| p.start_time_unix_nano = start),
                    Some(Data::Histogram(h)) => h
                        .data_points
                        .iter_mut()
                        .for_each(|p| p.start_time_unix_nano = start),
                    Some(Data::Summary(s)) => s
                        .data_points
                        .iter_mut()
                        .for_each(|p| p.start_time_unix_nano = start),
                    Some(Data::ExponentialHistogram(h)) => h
                        .data_points
                        .iter_mut()
                        .for_each(|p| p.start_time_unix_nano = start),
                    _ => {}
                }
            }
        }
    }
}

/// One point as the adjuster sees it.
struct PointRef<'a> {
    start: &'a mut u64,
    time: u64,
    flags: u32,
    /// Value of a number point.
    value: f64,
    /// Count and sum of a histogram or summary point.
    count: u64,
    sum: f64,
    is_number: bool,
}

/// The logic shared by every point type (Go's `adjustMetric*`).
fn adjust_point(map: &mut SeriesMap, key: SeriesKey, p: PointRef<'_>, reset_at_point_time: bool) {
    let found = map.series.contains_key(&key);
    let info = map.series.entry(key).or_default();
    info.mark = true;
    if !found {
        info.start = *p.start;
        info.previous_value = p.value;
        info.previous_count = p.count;
        info.previous_sum = p.sum;
        return;
    }
    if p.flags & FLAG_NO_RECORDED_VALUE != 0 {
        *p.start = info.start;
        return;
    }
    let reset = if p.is_number {
        p.value < info.previous_value
    } else {
        p.count < info.previous_count || p.sum < info.previous_sum
    };
    info.previous_value = p.value;
    info.previous_count = p.count;
    info.previous_sum = p.sum;
    if reset {
        info.start = *p.start;
        if reset_at_point_time {
            info.start = p.time;
            *p.start = p.time;
        }
        return;
    }
    *p.start = info.start;
}

fn adjust_metric(map: &mut SeriesMap, m: &mut Metric, reset_at_point_time: bool) {
    let name = m.name.clone();
    match &mut m.data {
        Some(Data::Sum(s)) => {
            for p in &mut s.data_points {
                let value = match p.value {
                    Some(number_data_point::Value::AsDouble(v)) => v,
                    Some(number_data_point::Value::AsInt(v)) => v as f64,
                    None => 0.0,
                };
                let key = key_of(&name, &p.attributes, 0);
                let point = PointRef {
                    start: &mut p.start_time_unix_nano,
                    time: p.time_unix_nano,
                    flags: p.flags,
                    value,
                    count: 0,
                    sum: 0.0,
                    is_number: true,
                };
                adjust_point(map, key, point, reset_at_point_time);
            }
        }
        Some(Data::Histogram(h)) => {
            let t = h.aggregation_temporality;
            if t != AggregationTemporality::Cumulative as i32 {
                return;
            }
            for p in &mut h.data_points {
                let key = key_of(&name, &p.attributes, t);
                let point = PointRef {
                    start: &mut p.start_time_unix_nano,
                    time: p.time_unix_nano,
                    flags: p.flags,
                    value: 0.0,
                    count: p.count,
                    sum: p.sum.unwrap_or(0.0),
                    is_number: false,
                };
                adjust_point(map, key, point, reset_at_point_time);
            }
        }
        Some(Data::Summary(s)) => {
            for p in &mut s.data_points {
                let key = key_of(&name, &p.attributes, 0);
                let point = PointRef {
                    start: &mut p.start_time_unix_nano,
                    time: p.time_unix_nano,
                    flags: p.flags,
                    value: 0.0,
                    count: p.count,
                    sum: p.sum,
                    is_number: false,
                };
                adjust_point(map, key, point, reset_at_point_time);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use otelcol_component::build::string_kv;
    use otelcol_component::proto::metrics::v1::{
        Gauge, Histogram, HistogramDataPoint, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum,
    };
    use otelcol_component::proto::resource::v1::Resource;

    fn sum_point(v: f64, t: u64, flags: u32) -> NumberDataPoint {
        NumberDataPoint {
            start_time_unix_nano: t,
            time_unix_nano: t,
            value: (flags == 0).then_some(number_data_point::Value::AsDouble(v)),
            flags,
            ..Default::default()
        }
    }

    fn req(metrics: Vec<Metric>) -> ExportMetricsServiceRequest {
        ExportMetricsServiceRequest {
            resource_metrics: vec![ResourceMetrics {
                resource: Some(Resource {
                    attributes: vec![
                        string_kv("service.name", "j"),
                        string_kv("service.instance.id", "i"),
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

    fn counter(p: NumberDataPoint) -> Metric {
        Metric {
            name: "c_total".into(),
            data: Some(Data::Sum(Sum {
                data_points: vec![p],
                aggregation_temporality: AggregationTemporality::Cumulative as i32,
                is_monotonic: true,
            })),
            ..Default::default()
        }
    }

    fn start_of(r: &ExportMetricsServiceRequest) -> u64 {
        match &r.resource_metrics[0].scope_metrics[0].metrics[0].data {
            Some(Data::Sum(s)) => s.data_points[0].start_time_unix_nano,
            Some(Data::Histogram(h)) => h.data_points[0].start_time_unix_nano,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn first_point_start_then_resets() {
        let mut a = Adjuster::new(DEFAULT_GC_INTERVAL, None);
        let mut steps = vec![
            (10.0, 100, 0, 100),
            (15.0, 200, 0, 100),
            (20.0, 300, 0, 100),
            (0.0, 400, FLAG_NO_RECORDED_VALUE, 100),
            (3.0, 500, 0, 500), // reset: starts again at its own start
            (4.0, 600, 0, 500),
        ];
        for (v, t, flags, want) in steps.drain(..) {
            let mut r = req(vec![counter(sum_point(v, t, flags))]);
            a.adjust(&mut r).unwrap();
            assert_eq!(start_of(&r), want, "value {v} at {t}");
        }
    }

    #[test]
    fn histogram_resets_on_count_or_sum() {
        let mut a = Adjuster::new(DEFAULT_GC_INTERVAL, None);
        let h = |count: u64, sum: f64, t: u64| Metric {
            name: "h".into(),
            data: Some(Data::Histogram(Histogram {
                data_points: vec![HistogramDataPoint {
                    start_time_unix_nano: t,
                    time_unix_nano: t,
                    count,
                    sum: Some(sum),
                    ..Default::default()
                }],
                aggregation_temporality: AggregationTemporality::Cumulative as i32,
            })),
            ..Default::default()
        };
        for (count, sum, t, want) in [
            (5, 10.0, 1, 1),
            (6, 11.0, 2, 1),
            (6, 9.0, 3, 3),
            (7, 9.5, 4, 3),
            (1, 20.0, 5, 5),
        ] {
            let mut r = req(vec![h(count, sum, t)]);
            a.adjust(&mut r).unwrap();
            assert_eq!(start_of(&r), want);
        }
    }

    #[test]
    fn start_time_metric() {
        let mut a = Adjuster::new(DEFAULT_GC_INTERVAL, Some(StartTimeMetric::Default));
        let pst = |v: f64| Metric {
            name: "process_start_time_seconds".into(),
            data: Some(Data::Gauge(Gauge {
                data_points: vec![sum_point(v, 1, 0)],
            })),
            ..Default::default()
        };
        let mut r = req(vec![counter(sum_point(10.0, 5_000_000_000, 0)), pst(2.5)]);
        a.adjust(&mut r).unwrap();
        assert_eq!(start_of(&r), 2_500_000_000);
        // A reset starts at the point's own time.
        let mut r = req(vec![counter(sum_point(1.0, 9_000_000_000, 0)), pst(2.5)]);
        a.adjust(&mut r).unwrap();
        assert_eq!(start_of(&r), 9_000_000_000);
        let mut r = req(vec![counter(sum_point(1.0, 9_000_000_000, 0))]);
        assert_eq!(a.adjust(&mut r), Err(AdjustError::NoStartTimeMetric));
        let mut b = Adjuster::new(
            DEFAULT_GC_INTERVAL,
            Some(StartTimeMetric::Regex(
                Regex::new("^(.+_)*process_start_time_seconds$").unwrap(),
            )),
        );
        let mut named = pst(7.0);
        named.name = "app_process_start_time_seconds".into();
        let mut r = req(vec![counter(sum_point(1.0, 9_000_000_000, 0)), named]);
        b.adjust(&mut r).unwrap();
        assert_eq!(start_of(&r), 7_000_000_000);
    }

    #[test]
    fn resources_need_job_and_instance() {
        let mut a = Adjuster::new(DEFAULT_GC_INTERVAL, None);
        let mut r = req(vec![]);
        r.resource_metrics[0].resource = Some(Resource::default());
        assert_eq!(a.adjust(&mut r), Err(AdjustError::NoJob));
    }

    #[test]
    fn unseen_series_are_forgotten() {
        let mut a = Adjuster::new(Duration::ZERO, None);
        let mut r = req(vec![counter(sum_point(10.0, 100, 0))]);
        a.adjust(&mut r).unwrap();
        std::thread::sleep(Duration::from_millis(2));
        // Two collections without the series: it is gone, and a lower value
        // is a first point again.
        let mut other = req(vec![]);
        a.adjust(&mut other).unwrap();
        std::thread::sleep(Duration::from_millis(2));
        a.adjust(&mut other).unwrap();
        let mut r = req(vec![counter(sum_point(1.0, 700, 0))]);
        a.adjust(&mut r).unwrap();
        assert_eq!(start_of(&r), 700);
    }
}
