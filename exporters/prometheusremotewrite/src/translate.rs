//! OTLP metrics to remote-write time series, as the Go translator
//! (`pkg/translator/prometheusremotewrite`) does: cumulative data only,
//! histograms as `_bucket`/`_sum`/`_count`, summaries as quantile series,
//! exponential histograms as native histograms, one `target_info` per
//! resource, samples sorted by time.

use std::collections::HashMap;

use otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use otelcol_component::proto::common::v1::{InstrumentationScope, KeyValue};
use otelcol_component::proto::metrics::v1::{AggregationTemporality, Metric, metric::Data};
use otelcol_prometheus::TARGET_INFO;
use otelcol_prometheus::labels::{LabelSet, instance, is_identifying, job, merge_resource};
use otelcol_prometheus::naming::{MetricNamer, MetricType, unit_name};

use crate::points::{add_metric, ms, with};
use crate::proto::{Label, MetricMetadata, Sample, TimeSeries, metric_type};

/// The value Prometheus reads as a staleness marker.
pub const STALE_NAN: u64 = 0x7ff0_0000_0000_0002;

/// What the translation needs from the config.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Names (namespace, suffixes).
    pub namer: MetricNamer,
    /// Sanitized external labels.
    pub external_labels: Vec<(String, String)>,
    /// Emit `target_info`.
    pub target_info: bool,
    /// Copy resource attributes into labels.
    pub resource_to_telemetry: bool,
    /// Emit metric metadata.
    pub send_metadata: bool,
}

/// The result of a translation.
#[derive(Debug, Default)]
pub struct Translated {
    /// Series, in first-seen order.
    pub series: Vec<TimeSeries>,
    /// Metadata (when `send_metadata`).
    pub metadata: Vec<MetricMetadata>,
    /// Why metrics were dropped.
    pub errors: Vec<String>,
}

#[derive(Default)]
pub(crate) struct Converter {
    index: HashMap<Vec<Label>, usize>,
    pub(crate) out: Translated,
}

impl Converter {
    pub(crate) fn series(&mut self, labels: Vec<Label>) -> &mut TimeSeries {
        let next = self.out.series.len();
        let i = *self.index.entry(labels.clone()).or_insert(next);
        if i == next {
            self.out.series.push(TimeSeries {
                labels,
                ..Default::default()
            });
        }
        // `index` only holds positions of `series` (pushed above or before).
        &mut self.out.series[i]
    }
}

pub(crate) struct Ctx<'a> {
    pub(crate) s: &'a Settings,
    pub(crate) resource: &'a [KeyValue],
    pub(crate) job: Option<String>,
    pub(crate) instance: Option<String>,
    pub(crate) scope: Option<&'a InstrumentationScope>,
}

impl Ctx<'_> {
    /// Labels of a point before `__name__` and `le`/`quantile`.
    pub(crate) fn base(&self, attrs: &[KeyValue]) -> LabelSet {
        let mut ls = LabelSet::with_capacity(attrs.len() + 6);
        if self.s.resource_to_telemetry {
            ls.add_attributes(merge_resource(attrs, self.resource), "");
        } else {
            ls.add_attributes(attrs, "");
        }
        if let Some(j) = &self.job {
            ls.set("job", j.as_str());
        }
        if let Some(i) = &self.instance {
            ls.set("instance", i.as_str());
        }
        for (n, v) in &self.s.external_labels {
            ls.set_if_absent(n, v.as_str());
        }
        if let Some(scope) = self.scope {
            if !scope.name.is_empty() {
                ls.set("otel_scope_name", scope.name.as_str());
            }
            if !scope.version.is_empty() {
                ls.set("otel_scope_version", scope.version.as_str());
            }
            let mut sl = LabelSet::default();
            sl.add_attributes(&scope.attributes, "otel_scope_");
            for (n, v) in sl.iter() {
                ls.set(n, v);
            }
        }
        ls
    }
}

fn classify(m: &Metric) -> Result<MetricType, String> {
    let cumulative = AggregationTemporality::Cumulative as i32;
    let invalid = || format!("invalid temporality and type combination for metric {:?}", m.name);
    match &m.data {
        Some(Data::Gauge(_)) => Ok(MetricType::Gauge),
        Some(Data::Summary(_)) => Ok(MetricType::Summary),
        Some(Data::Sum(s)) if s.aggregation_temporality == cumulative => Ok(if s.is_monotonic {
            MetricType::MonotonicCounter
        } else {
            MetricType::NonMonotonicCounter
        }),
        Some(Data::Histogram(h)) if h.aggregation_temporality == cumulative => Ok(MetricType::Histogram),
        Some(Data::ExponentialHistogram(h)) if h.aggregation_temporality == cumulative => {
            Ok(MetricType::ExponentialHistogram)
        }
        Some(_) => Err(invalid()),
        None => Err(format!("unsupported metric type for metric {:?}", m.name)),
    }
}

fn metadata_type(t: MetricType) -> i32 {
    match t {
        MetricType::Gauge | MetricType::NonMonotonicCounter => metric_type::GAUGE,
        MetricType::MonotonicCounter => metric_type::COUNTER,
        MetricType::Histogram | MetricType::ExponentialHistogram => metric_type::HISTOGRAM,
        MetricType::Summary => metric_type::SUMMARY,
    }
}

/// Translates a request. Points of dropped metrics are reported in `errors`.
pub fn translate(s: &Settings, req: &ExportMetricsServiceRequest) -> Translated {
    let mut c = Converter::default();
    for rm in &req.resource_metrics {
        let resource: &[KeyValue] = rm.resource.as_ref().map_or(&[], |r| r.attributes.as_slice());
        let mut ctx = Ctx {
            s,
            resource,
            job: job(resource),
            instance: instance(resource),
            scope: None,
        };
        let mut latest = 0u64;
        for sm in &rm.scope_metrics {
            ctx.scope = sm.scope.as_ref();
            for m in &sm.metrics {
                let ty = match classify(m) {
                    Ok(t) => t,
                    Err(e) => {
                        c.out.errors.push(e);
                        continue;
                    }
                };
                let name = match s.namer.build(&m.name, &m.unit, ty) {
                    Ok(n) => n,
                    Err(e) => {
                        c.out.errors.push(e.to_string());
                        continue;
                    }
                };
                if s.send_metadata {
                    c.out.metadata.push(MetricMetadata {
                        r#type: metadata_type(ty),
                        metric_family_name: name.clone(),
                        help: m.description.clone(),
                        unit: unit_name(&m.unit),
                    });
                }
                latest = latest.max(add_metric(&mut c, &ctx, m, &name));
            }
        }
        add_target_info(&mut c, &ctx, latest);
    }
    for ts in &mut c.out.series {
        ts.samples.sort_by_key(|s| s.timestamp);
    }
    c.out
}

fn add_target_info(c: &mut Converter, ctx: &Ctx<'_>, latest: u64) {
    if !ctx.s.target_info || latest == 0 || ctx.resource.iter().all(|kv| is_identifying(&kv.key)) {
        return;
    }
    let mut ls = LabelSet::default();
    ls.add_attributes(ctx.resource.iter().filter(|kv| !is_identifying(&kv.key)), "");
    if let Some(j) = &ctx.job {
        ls.set("job", j.as_str());
    }
    if let Some(i) = &ctx.instance {
        ls.set("instance", i.as_str());
    }
    for (n, v) in &ctx.s.external_labels {
        ls.set_if_absent(n, v.as_str());
    }
    let name = ctx.s.namer.prefixed(TARGET_INFO);
    c.series(with(&ls, &name, None)).samples.push(Sample {
        value: 1.0,
        timestamp: ms(latest),
    });
}
