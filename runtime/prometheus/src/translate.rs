//! OTLP metrics to per-series updates for the [`Accumulator`](crate::Accumulator):
//! family name and type, label string, sample and how it combines with the
//! stored one. This runs outside the accumulator's lock.

use crate::exphist::ExpHistogram;
use crate::labels::{LabelSet, instance, is_identifying, job, merge_resource};
use crate::model::{Exemplar, FamilyKind, HistogramValue, Number, Sample, SummaryValue, Value};
use crate::naming::{MetricNamer, MetricType};
use crate::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use crate::proto::common::v1::KeyValue;
use crate::proto::metrics::v1::{AggregationTemporality, Metric, metric::Data};

/// Bit of `flags` marking a point without a recorded value (a staleness marker).
pub const FLAG_NO_RECORDED_VALUE: u32 = 1;
/// Metric metadata key holding the original Prometheus type.
pub const PROMETHEUS_TYPE_KEY: &str = "prometheus.type";

/// How a new sample combines with the stored one of the same series.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Replace unless older than the stored sample.
    Replace,
    /// Delta sum: add when contiguous with the stored sample.
    SumDelta,
    /// Delta histogram (explicit or exponential): merge when contiguous.
    HistDelta,
    /// Unknown temporality: keep the first sample only.
    KeepFirst,
}

/// A metric family touched by a batch.
#[derive(Debug)]
pub(crate) struct FamilyDesc {
    pub name: String,
    pub help: String,
    pub kind: FamilyKind,
}

/// One data point's update.
#[derive(Debug)]
pub(crate) struct Update {
    pub family: usize,
    pub key: String,
    /// `None` deletes the series (no recorded value).
    pub sample: Option<Sample>,
    pub mode: Mode,
    pub resource: usize,
}

/// A `target_info` series for a resource with `job` and `instance`.
#[derive(Debug)]
pub(crate) struct TargetUpdate {
    pub resource: usize,
    pub key: String,
    pub labels: String,
}

/// Everything a batch changes.
#[derive(Debug, Default)]
pub(crate) struct Prepared {
    pub families: Vec<FamilyDesc>,
    pub updates: Vec<Update>,
    pub targets: Vec<TargetUpdate>,
}

/// What the translation needs from the configuration.
#[derive(Clone, Debug)]
pub(crate) struct Options<'a> {
    pub namer: &'a MetricNamer,
    pub const_labels: &'a [(String, String)],
    pub scope_info: bool,
    pub resource_to_telemetry: bool,
}

/// Family type, naming type and combination mode of a metric; `None` when
/// the Go exporter drops it (unspecified or non-monotonic delta sums).
fn classify(m: &Metric) -> Option<(FamilyKind, MetricType, Mode)> {
    let delta = AggregationTemporality::Delta as i32;
    let cumulative = AggregationTemporality::Cumulative as i32;
    let hist_mode = |t: i32| match t {
        t if t == delta => Mode::HistDelta,
        t if t == cumulative => Mode::Replace,
        _ => Mode::KeepFirst,
    };
    match m.data.as_ref()? {
        Data::Gauge(_) => {
            let untyped = m.metadata.iter().any(|kv| {
                kv.key == PROMETHEUS_TYPE_KEY
                    && crate::value::any_value_string(kv.value.as_ref()) == "unknown"
            });
            let kind = if untyped {
                FamilyKind::Untyped
            } else {
                FamilyKind::Gauge
            };
            Some((kind, MetricType::Gauge, Mode::Replace))
        }
        Data::Sum(s) => {
            let (kind, ty) = if s.is_monotonic {
                (FamilyKind::Counter, MetricType::MonotonicCounter)
            } else {
                (FamilyKind::Gauge, MetricType::NonMonotonicCounter)
            };
            match s.aggregation_temporality {
                t if t == cumulative => Some((kind, ty, Mode::Replace)),
                t if t == delta && s.is_monotonic => Some((kind, ty, Mode::SumDelta)),
                _ => None,
            }
        }
        Data::Histogram(h) => Some((
            FamilyKind::Histogram,
            MetricType::Histogram,
            hist_mode(h.aggregation_temporality),
        )),
        Data::ExponentialHistogram(h) => Some((
            FamilyKind::Histogram,
            MetricType::ExponentialHistogram,
            hist_mode(h.aggregation_temporality),
        )),
        Data::Summary(_) => Some((FamilyKind::Summary, MetricType::Summary, Mode::Replace)),
    }
}

/// The label string of one point.
fn point_labels(opts: &Options<'_>, attrs: &[KeyValue], resource: &[KeyValue], fixed: &LabelSet) -> String {
    let mut ls = LabelSet::with_capacity(attrs.len() + fixed.len() + opts.const_labels.len());
    if opts.resource_to_telemetry {
        ls.add_attributes(merge_resource(attrs, resource), "");
    } else {
        ls.add_attributes(attrs, "");
    }
    for (n, v) in fixed.iter() {
        ls.set(n, v);
    }
    for (n, v) in opts.const_labels {
        ls.set(n, v.as_str());
    }
    ls.sort();
    let mut out = String::with_capacity(64);
    ls.write_text(&mut out);
    out
}

/// Translates a request into updates.
pub(crate) fn prepare(opts: &Options<'_>, req: &ExportMetricsServiceRequest) -> Prepared {
    let mut out = Prepared::default();
    for (ri, rm) in req.resource_metrics.iter().enumerate() {
        let resource: &[KeyValue] = rm.resource.as_ref().map_or(&[], |r| r.attributes.as_slice());
        let (job, instance) = (job(resource), instance(resource));
        if let (Some(j), Some(i)) = (&job, &instance) {
            if !j.is_empty() && !i.is_empty() {
                let mut ls = LabelSet::default();
                ls.add_attributes(resource.iter().filter(|kv| !is_identifying(&kv.key)), "");
                ls.set("job", j.as_str());
                ls.set("instance", i.as_str());
                ls.sort();
                let mut labels = String::new();
                ls.write_text(&mut labels);
                out.targets.push(TargetUpdate {
                    resource: ri,
                    key: format!("{j}\u{ff}{i}"),
                    labels,
                });
            }
        }
        for sm in &rm.scope_metrics {
            let mut fixed = LabelSet::default();
            if opts.scope_info {
                let scope = sm.scope.as_ref();
                fixed.add_attributes(scope.map_or(&[][..], |s| s.attributes.as_slice()), "otel_scope_");
                fixed.set("otel_scope_name", scope.map_or("", |s| s.name.as_str()));
                fixed.set("otel_scope_version", scope.map_or("", |s| s.version.as_str()));
                fixed.set("otel_scope_schema_url", sm.schema_url.as_str());
            }
            if let Some(j) = &job {
                fixed.set("job", j.as_str());
            }
            if let Some(i) = &instance {
                fixed.set("instance", i.as_str());
            }
            for m in &sm.metrics {
                add_metric(opts, &mut out, m, resource, &fixed, ri);
            }
        }
    }
    out
}

fn add_metric(
    opts: &Options<'_>,
    out: &mut Prepared,
    m: &Metric,
    resource: &[KeyValue],
    fixed: &LabelSet,
    ri: usize,
) {
    let Some((kind, ty, mode)) = classify(m) else {
        tracing::debug!(metric = %m.name, "dropping sum with unsupported temporality");
        return;
    };
    let name = match opts.namer.build(&m.name, &m.unit, ty) {
        Ok(n) => n,
        Err(e) => {
            tracing::warn!(error = %e, "dropping metric with an invalid name");
            return;
        }
    };
    let family = out.families.len();
    out.families.push(FamilyDesc {
        name,
        // An empty HELP fails `promtool check metrics`; name the OTLP metric instead.
        help: if m.description.is_empty() {
            m.name.clone()
        } else {
            m.description.clone()
        },
        kind,
    });
    let mut push = |attrs: &[KeyValue], flags: u32, make: &dyn Fn() -> Sample| {
        let key = point_labels(opts, attrs, resource, fixed);
        let sample = (flags & FLAG_NO_RECORDED_VALUE == 0).then(make);
        out.updates.push(Update {
            family,
            key,
            sample,
            mode,
            resource: ri,
        });
    };
    match &m.data {
        Some(Data::Gauge(g)) => {
            for p in &g.data_points {
                push(&p.attributes, p.flags, &|| {
                    number_sample(p.start_time_unix_nano, p.time_unix_nano, Number::of(p), vec![])
                });
            }
        }
        Some(Data::Sum(s)) => {
            for p in &s.data_points {
                let exemplars = if s.is_monotonic {
                    Exemplar::all(&p.exemplars)
                } else {
                    Vec::new()
                };
                push(&p.attributes, p.flags, &|| {
                    number_sample(
                        p.start_time_unix_nano,
                        p.time_unix_nano,
                        Number::of(p),
                        exemplars.clone(),
                    )
                });
            }
        }
        Some(Data::Histogram(h)) => {
            for p in &h.data_points {
                push(&p.attributes, p.flags, &|| Sample {
                    start_unix_nano: p.start_time_unix_nano,
                    time_unix_nano: p.time_unix_nano,
                    value: Value::Histogram(Box::new(HistogramValue::from_point(p))),
                    exemplars: Exemplar::all(&p.exemplars),
                });
            }
        }
        Some(Data::ExponentialHistogram(h)) => {
            for p in &h.data_points {
                push(&p.attributes, p.flags, &|| Sample {
                    start_unix_nano: p.start_time_unix_nano,
                    time_unix_nano: p.time_unix_nano,
                    value: Value::Exponential(Box::new(ExpHistogram::from_point(p))),
                    exemplars: Exemplar::all(&p.exemplars),
                });
            }
        }
        Some(Data::Summary(s)) => {
            for p in &s.data_points {
                push(&p.attributes, p.flags, &|| Sample {
                    start_unix_nano: p.start_time_unix_nano,
                    time_unix_nano: p.time_unix_nano,
                    value: Value::Summary(Box::new(SummaryValue::from_point(p))),
                    exemplars: Vec::new(),
                });
            }
        }
        None => {}
    }
}

fn number_sample(start: u64, time: u64, n: Number, exemplars: Vec<Exemplar>) -> Sample {
    Sample {
        start_unix_nano: start,
        time_unix_nano: time,
        value: Value::Number(n),
        exemplars,
    }
}
