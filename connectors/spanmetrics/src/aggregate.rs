//! The aggregation behind the connector: one series per resource and set
//! of dimension values, holding the call count and the duration histogram.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value};
use otelcol_component::proto::metrics::v1::{
    AggregationTemporality, Histogram, HistogramDataPoint, Metric, NumberDataPoint, ResourceMetrics,
    ScopeMetrics, Sum, metric, number_data_point,
};
use otelcol_component::proto::resource::v1::Resource;
use otelcol_component::proto::trace::v1::{Span, span::SpanKind, status::StatusCode};

use crate::config::{Dimension, SERVICE_NAME, SPAN_KIND, SPAN_NAME, STATUS_CODE, SpanMetricsConfig, Unit};

/// The attribute of the overflow series (Go's).
const OVERFLOW: &str = "otel.metric.overflow";

/// What the aggregation needs of the config, resolved once.
#[derive(Debug)]
pub(crate) struct Rules {
    calls_name: String,
    duration_name: String,
    bounds: Vec<f64>,
    unit: Unit,
    histogram: bool,
    delta: bool,
    dimensions: Vec<Dimension>,
    exclude: Vec<String>,
    key_attributes: Vec<String>,
    cardinality_limit: u64,
    expiration: Duration,
    resource_cache: usize,
}

impl Rules {
    pub(crate) fn new(cfg: &SpanMetricsConfig) -> Self {
        Rules {
            calls_name: cfg.metric_name("calls"),
            duration_name: cfg.metric_name("duration"),
            bounds: cfg.bounds(),
            unit: cfg.histogram.unit,
            histogram: !cfg.histogram.disable,
            delta: cfg.delta(),
            dimensions: cfg.dimensions.clone(),
            exclude: cfg.exclude_dimensions.clone(),
            key_attributes: cfg.resource_metrics_key_attributes.clone(),
            cardinality_limit: cfg.aggregation_cardinality_limit,
            expiration: cfg.metrics_expiration,
            resource_cache: cfg.resource_metrics_cache_size,
        }
    }
}

#[derive(Debug)]
struct Series {
    /// When counting began (Unix ns): the series' first span, or the last flush for deltas.
    start: u64,
    calls: u64,
    /// One count per bound, then the overflow bucket.
    buckets: Vec<u64>,
    sum: f64,
    updated: Instant,
}

#[derive(Debug)]
struct ResourceState {
    resource: Option<Resource>,
    series: BTreeMap<Vec<(String, String)>, Series>,
    updated: Instant,
}

/// Every series, by resource.
#[derive(Debug)]
pub(crate) struct Aggregator {
    rules: Rules,
    resources: HashMap<String, ResourceState>,
    series_count: u64,
    /// When the last flush happened (Unix ns): the start of delta points.
    last_flush: u64,
}

fn attr<'a>(attrs: &'a [KeyValue], key: &str) -> Option<&'a AnyValue> {
    attrs
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
}

fn string_kv(k: &str, v: &str) -> KeyValue {
    KeyValue {
        key: k.to_string(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(v.to_string())),
        }),
        ..Default::default()
    }
}

/// Go's names: `SPAN_KIND_SERVER`, ...
fn kind_name(kind: i32) -> &'static str {
    SpanKind::try_from(kind).map_or("SPAN_KIND_UNSPECIFIED", |k| k.as_str_name())
}

/// Go's names: `STATUS_CODE_UNSET`, `STATUS_CODE_OK`, `STATUS_CODE_ERROR`.
fn status_name(span: &Span) -> &'static str {
    let code = span.status.as_ref().map_or(0, |s| s.code);
    StatusCode::try_from(code).map_or("STATUS_CODE_UNSET", |c| c.as_str_name())
}

impl Aggregator {
    pub(crate) fn new(rules: Rules, now: u64) -> Self {
        Aggregator {
            rules,
            resources: HashMap::new(),
            series_count: 0,
            last_flush: now,
        }
    }

    /// Series held now (for tests and self-checks).
    pub(crate) fn series(&self) -> u64 {
        self.series_count
    }

    fn resource_key(&self, resource: Option<&Resource>) -> String {
        let mut attrs: Vec<(String, String)> = resource
            .map(|r| &r.attributes[..])
            .unwrap_or_default()
            .iter()
            .filter(|kv| self.rules.key_attributes.is_empty() || self.rules.key_attributes.contains(&kv.key))
            .map(|kv| {
                (
                    kv.key.clone(),
                    kv.value
                        .as_ref()
                        .map(otelcol_attraction::as_string)
                        .unwrap_or_default(),
                )
            })
            .collect();
        attrs.sort();
        attrs
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("\u{1f}")
    }

    /// The dimension values of `span` (sorted by name), or `None` when its
    /// resource has no `service.name` (Go skips those spans).
    fn dimensions(&self, resource: Option<&Resource>, span: &Span) -> Option<Vec<(String, String)>> {
        let res_attrs = resource.map(|r| &r.attributes[..]).unwrap_or_default();
        let service = attr(res_attrs, SERVICE_NAME).map(otelcol_attraction::as_string)?;
        let mut dims: Vec<(String, String)> = Vec::with_capacity(4 + self.rules.dimensions.len());
        for (k, v) in [
            (SERVICE_NAME, service),
            (SPAN_NAME, span.name.clone()),
            (SPAN_KIND, kind_name(span.kind).to_string()),
            (STATUS_CODE, status_name(span).to_string()),
        ] {
            if !self.rules.exclude.iter().any(|e| e == k) {
                dims.push((k.to_string(), v));
            }
        }
        for d in &self.rules.dimensions {
            let value = attr(&span.attributes, &d.name)
                .or_else(|| attr(res_attrs, &d.name))
                .map(otelcol_attraction::as_string)
                .or_else(|| d.default.clone());
            if let Some(v) = value {
                dims.push((d.name.clone(), v));
            }
        }
        dims.sort();
        Some(dims)
    }

    /// Aggregates every span of `req`, at `now` (Unix ns) / `at`.
    pub(crate) fn add(&mut self, req: &ExportTraceServiceRequest, now: u64, at: Instant) {
        for rs in &req.resource_spans {
            let resource = rs.resource.as_ref();
            let key = self.resource_key(resource);
            for ss in &rs.scope_spans {
                for span in &ss.spans {
                    let Some(dims) = self.dimensions(resource, span) else {
                        continue;
                    };
                    let duration = Duration::from_nanos(
                        span.end_time_unix_nano.saturating_sub(span.start_time_unix_nano),
                    );
                    self.record(&key, resource, dims, self.rules.unit.of(duration), now, at);
                }
            }
        }
    }

    fn record(
        &mut self,
        key: &str,
        resource: Option<&Resource>,
        mut dims: Vec<(String, String)>,
        value: f64,
        now: u64,
        at: Instant,
    ) {
        if !self.resources.contains_key(key) {
            self.evict_for_new_resource();
            self.resources.insert(
                key.to_string(),
                ResourceState {
                    resource: resource.cloned(),
                    series: BTreeMap::new(),
                    updated: at,
                },
            );
        }
        let Some(state) = self.resources.get_mut(key) else {
            return;
        };
        state.updated = at;
        let limit = self.rules.cardinality_limit;
        if !state.series.contains_key(&dims) && limit > 0 && self.series_count >= limit {
            dims = vec![(OVERFLOW.to_string(), "true".to_string())];
        }
        let start = if self.rules.delta { self.last_flush } else { now };
        let buckets = self.rules.bounds.len() + 1;
        let series = state.series.entry(dims).or_insert_with(|| {
            self.series_count += 1;
            Series {
                start,
                calls: 0,
                buckets: vec![0; buckets],
                sum: 0.0,
                updated: at,
            }
        });
        series.calls += 1;
        series.updated = at;
        series.sum += value;
        let i = self
            .rules
            .bounds
            .iter()
            .position(|b| value <= *b)
            .unwrap_or(self.rules.bounds.len());
        if let Some(b) = series.buckets.get_mut(i) {
            *b += 1;
        }
    }

    /// Makes room for one more resource: the least recently updated goes.
    fn evict_for_new_resource(&mut self) {
        if self.resources.len() < self.rules.resource_cache {
            return;
        }
        let oldest = self
            .resources
            .iter()
            .min_by_key(|(_, r)| r.updated)
            .map(|(k, _)| k.clone());
        if let Some(k) = oldest {
            if let Some(r) = self.resources.remove(&k) {
                self.series_count = self.series_count.saturating_sub(r.series.len() as u64);
            }
        }
    }

    /// The metrics to emit now; deltas start over, expired series go.
    pub(crate) fn flush(&mut self, now: u64, at: Instant) -> Option<ExportMetricsServiceRequest> {
        let temporality = if self.rules.delta {
            AggregationTemporality::Delta
        } else {
            AggregationTemporality::Cumulative
        } as i32;
        let expiration = self.rules.expiration;
        if !expiration.is_zero() {
            let mut removed = 0;
            for r in self.resources.values_mut() {
                let before = r.series.len();
                r.series.retain(|_, s| at.duration_since(s.updated) < expiration);
                removed += before - r.series.len();
            }
            self.series_count = self.series_count.saturating_sub(removed as u64);
            self.resources.retain(|_, r| !r.series.is_empty());
        }
        let mut resource_metrics = Vec::new();
        let mut keys: Vec<&String> = self.resources.keys().collect();
        keys.sort();
        for key in keys {
            let Some(r) = self.resources.get(key) else {
                continue;
            };
            if r.series.is_empty() {
                continue;
            }
            let attrs =
                |dims: &[(String, String)]| dims.iter().map(|(k, v)| string_kv(k, v)).collect::<Vec<_>>();
            let calls: Vec<NumberDataPoint> = r
                .series
                .iter()
                .map(|(dims, s)| NumberDataPoint {
                    attributes: attrs(dims),
                    start_time_unix_nano: s.start,
                    time_unix_nano: now,
                    value: Some(number_data_point::Value::AsInt(
                        i64::try_from(s.calls).unwrap_or(i64::MAX),
                    )),
                    ..Default::default()
                })
                .collect();
            let mut metrics = vec![Metric {
                name: self.rules.calls_name.clone(),
                data: Some(metric::Data::Sum(Sum {
                    data_points: calls,
                    aggregation_temporality: temporality,
                    is_monotonic: true,
                })),
                ..Default::default()
            }];
            if self.rules.histogram {
                let points: Vec<HistogramDataPoint> = r
                    .series
                    .iter()
                    .map(|(dims, s)| HistogramDataPoint {
                        attributes: attrs(dims),
                        start_time_unix_nano: s.start,
                        time_unix_nano: now,
                        count: s.calls,
                        sum: Some(s.sum),
                        bucket_counts: s.buckets.clone(),
                        explicit_bounds: self.rules.bounds.clone(),
                        ..Default::default()
                    })
                    .collect();
                metrics.push(Metric {
                    name: self.rules.duration_name.clone(),
                    unit: self.rules.unit.as_str().into(),
                    data: Some(metric::Data::Histogram(Histogram {
                        data_points: points,
                        aggregation_temporality: temporality,
                    })),
                    ..Default::default()
                });
            }
            resource_metrics.push(ResourceMetrics {
                resource: r.resource.clone(),
                scope_metrics: vec![ScopeMetrics {
                    scope: Some(InstrumentationScope {
                        name: crate::SCOPE_NAME.into(),
                        ..Default::default()
                    }),
                    metrics,
                    ..Default::default()
                }],
                ..Default::default()
            });
        }
        if self.rules.delta {
            // Deltas start over: nothing is kept between flushes.
            self.resources.clear();
            self.series_count = 0;
        }
        self.last_flush = now;
        (!resource_metrics.is_empty()).then_some(ExportMetricsServiceRequest { resource_metrics })
    }
}
