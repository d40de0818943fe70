//! The aggregation behind the connector: one series per resource and set
//! of dimension values, holding the call count, the duration histogram
//! (explicit or exponential) and the exemplars since the last flush; and,
//! with `events`, one counter series per span event's dimension values.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use otelcol_component::build::{attribute, string_kv};
use otelcol_component::histogram::ExponentialHistogram;
use otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::common::v1::{InstrumentationScope, KeyValue};
use otelcol_component::proto::metrics::v1::{
    AggregationTemporality, Exemplar, ExponentialHistogram as ExpoMetric, Histogram, HistogramDataPoint,
    Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum, exemplar, metric, number_data_point,
};
use otelcol_component::proto::resource::v1::Resource;
use otelcol_component::proto::trace::v1::{Span, span::SpanKind, status::StatusCode};

use crate::config::{Dimension, SERVICE_NAME, SPAN_KIND, SPAN_NAME, STATUS_CODE, SpanMetricsConfig, Unit};

/// The attribute of the overflow series (Go's).
const OVERFLOW: &str = "otel.metric.overflow";
/// The dimensions `include_instrumentation_scope` adds (Go's).
const SCOPE_NAME_KEY: &str = "span.instrumentation.scope.name";
const SCOPE_VERSION_KEY: &str = "span.instrumentation.scope.version";

/// What the aggregation needs of the config, resolved once.
#[derive(Debug)]
pub(crate) struct Rules {
    calls_name: String,
    duration_name: String,
    events_name: String,
    bounds: Vec<f64>,
    /// Exponential histograms of at most this many buckets (instead of `bounds`).
    exponential: Option<usize>,
    unit: Unit,
    histogram: bool,
    delta: bool,
    dimensions: Vec<Dimension>,
    exclude: Vec<String>,
    key_attributes: Vec<String>,
    cardinality_limit: u64,
    expiration: Duration,
    resource_cache: usize,
    /// Exemplars kept per data point between flushes (`None`: exemplars off).
    exemplars: Option<usize>,
    /// Event dimensions (`None`: no events metric).
    events: Option<Vec<Dimension>>,
    scopes: Vec<String>,
}

impl Rules {
    pub(crate) fn new(cfg: &SpanMetricsConfig) -> Self {
        Rules {
            calls_name: cfg.metric_name("calls"),
            duration_name: cfg.metric_name("duration"),
            events_name: cfg.metric_name("events"),
            bounds: cfg.bounds(),
            exponential: cfg.exponential_max_size(),
            unit: cfg.histogram.unit,
            histogram: !cfg.histogram.disable,
            delta: cfg.delta(),
            dimensions: cfg.dimensions.clone(),
            exclude: cfg.exclude_dimensions.clone(),
            key_attributes: cfg.resource_metrics_key_attributes.clone(),
            cardinality_limit: cfg.aggregation_cardinality_limit,
            expiration: cfg.metrics_expiration,
            resource_cache: cfg.resource_metrics_cache_size,
            exemplars: cfg.exemplars.enabled.then(|| {
                cfg.exemplars
                    .max_per_data_point
                    .map_or(usize::MAX, |m| m as usize)
            }),
            events: cfg.events.enabled.then(|| cfg.events.dimensions.clone()),
            scopes: cfg.include_instrumentation_scope.clone(),
        }
    }
}

/// The duration histogram of one series.
#[derive(Debug)]
enum Durations {
    Explicit { buckets: Vec<u64>, sum: f64 },
    Exponential(ExponentialHistogram),
}

#[derive(Debug)]
struct Series {
    /// When counting began (Unix ns): the series' first span, or the last flush for deltas.
    start: u64,
    calls: u64,
    durations: Durations,
    /// Spans seen since the last flush (at most the configured number).
    exemplars: Vec<Exemplar>,
    updated: Instant,
}

/// A span event counter series.
#[derive(Debug)]
struct EventSeries {
    start: u64,
    count: u64,
    exemplars: Vec<Exemplar>,
}

#[derive(Debug)]
struct ResourceState {
    resource: Option<Resource>,
    series: BTreeMap<Vec<(String, String)>, Series>,
    events: BTreeMap<Vec<(String, String)>, EventSeries>,
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

/// Go's names: `SPAN_KIND_SERVER`, ...
fn kind_name(kind: i32) -> &'static str {
    SpanKind::try_from(kind).map_or("SPAN_KIND_UNSPECIFIED", |k| k.as_str_name())
}

/// Go's names: `STATUS_CODE_UNSET`, `STATUS_CODE_OK`, `STATUS_CODE_ERROR`.
fn status_name(span: &Span) -> &'static str {
    let code = span.status.as_ref().map_or(0, |s| s.code);
    StatusCode::try_from(code).map_or("STATUS_CODE_UNSET", |c| c.as_str_name())
}

/// The value of dimension `d`: the first of `maps` that has it, else its default.
fn dimension_value(d: &Dimension, maps: &[&[KeyValue]]) -> Option<String> {
    maps.iter()
        .find_map(|m| attribute(m, &d.name))
        .map(otelcol_attraction::as_string)
        .or_else(|| d.default.clone())
}

/// Adds an exemplar of `span` unless `limit` are held already.
fn push_exemplar(list: &mut Vec<Exemplar>, limit: usize, span: &Span, value: f64, now: u64) {
    if list.len() < limit {
        list.push(Exemplar {
            time_unix_nano: now,
            trace_id: span.trace_id.clone(),
            span_id: span.span_id.clone(),
            value: Some(exemplar::Value::AsDouble(value)),
            ..Default::default()
        });
    }
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
    fn dimensions(
        &self,
        resource: Option<&Resource>,
        scope: Option<&InstrumentationScope>,
        span: &Span,
    ) -> Option<Vec<(String, String)>> {
        let res_attrs = resource.map(|r| &r.attributes[..]).unwrap_or_default();
        let service = attribute(res_attrs, SERVICE_NAME).map(otelcol_attraction::as_string)?;
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
            if let Some(v) = dimension_value(d, &[&span.attributes, res_attrs]) {
                dims.push((d.name.clone(), v));
            }
        }
        if let Some(scope) = scope.filter(|s| !s.name.is_empty() && self.rules.scopes.contains(&s.name)) {
            dims.push((SCOPE_NAME_KEY.to_string(), scope.name.clone()));
            if !scope.version.is_empty() {
                dims.push((SCOPE_VERSION_KEY.to_string(), scope.version.clone()));
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
                    let Some(dims) = self.dimensions(resource, ss.scope.as_ref(), span) else {
                        continue;
                    };
                    let duration = Duration::from_nanos(
                        span.end_time_unix_nano.saturating_sub(span.start_time_unix_nano),
                    );
                    let value = self.rules.unit.of(duration);
                    if self.rules.events.is_some() && !span.events.is_empty() {
                        self.record_events(&key, resource, &dims, span, value, now, at);
                    }
                    self.record(&key, resource, dims, span, value, now, at);
                }
            }
        }
    }

    /// The state of the resource `key`, created (evicting the least
    /// recently updated resource if the cache is full) when new.
    fn resource_state(
        &mut self,
        key: &str,
        resource: Option<&Resource>,
        at: Instant,
    ) -> Option<&mut ResourceState> {
        if !self.resources.contains_key(key) {
            self.evict_for_new_resource();
            self.resources.insert(
                key.to_string(),
                ResourceState {
                    resource: resource.cloned(),
                    series: BTreeMap::new(),
                    events: BTreeMap::new(),
                    updated: at,
                },
            );
        }
        let state = self.resources.get_mut(key)?;
        state.updated = at;
        Some(state)
    }

    #[allow(clippy::too_many_arguments)] // one span's facts, all needed
    fn record(
        &mut self,
        key: &str,
        resource: Option<&Resource>,
        mut dims: Vec<(String, String)>,
        span: &Span,
        value: f64,
        now: u64,
        at: Instant,
    ) {
        let limit = self.rules.cardinality_limit;
        let series_count = self.series_count;
        let start = if self.rules.delta { self.last_flush } else { now };
        let (bounds_len, exponential, exemplars) = (
            self.rules.bounds.len(),
            self.rules.exponential,
            self.rules.exemplars,
        );
        let bucket = self
            .rules
            .bounds
            .iter()
            .position(|b| value <= *b)
            .unwrap_or(bounds_len);
        let Some(state) = self.resource_state(key, resource, at) else {
            return;
        };
        if !state.series.contains_key(&dims) && limit > 0 && series_count >= limit {
            dims = vec![(OVERFLOW.to_string(), "true".to_string())];
        }
        let mut created = false;
        let series = state.series.entry(dims).or_insert_with(|| {
            created = true;
            Series {
                start,
                calls: 0,
                durations: match exponential {
                    Some(max) => Durations::Exponential(ExponentialHistogram::new(max)),
                    None => Durations::Explicit {
                        buckets: vec![0; bounds_len + 1],
                        sum: 0.0,
                    },
                },
                exemplars: Vec::new(),
                updated: at,
            }
        });
        series.calls += 1;
        series.updated = at;
        match &mut series.durations {
            Durations::Explicit { buckets, sum } => {
                *sum += value;
                if let Some(b) = buckets.get_mut(bucket) {
                    *b += 1;
                }
            }
            Durations::Exponential(h) => {
                h.record(value);
            }
        }
        if let Some(max) = exemplars.filter(|_| !span.trace_id.iter().all(|b| *b == 0)) {
            push_exemplar(&mut series.exemplars, max, span, value, now);
        }
        if created {
            self.series_count += 1;
        }
    }

    /// Counts each event of `span` under the span's dimensions plus the
    /// event dimensions (looked up on the span, the event, then the resource).
    #[allow(clippy::too_many_arguments)] // one span's facts, all needed
    fn record_events(
        &mut self,
        key: &str,
        resource: Option<&Resource>,
        dims: &[(String, String)],
        span: &Span,
        value: f64,
        now: u64,
        at: Instant,
    ) {
        let event_dims = self.rules.events.clone().unwrap_or_default();
        let exemplars = self.rules.exemplars;
        let start = if self.rules.delta { self.last_flush } else { now };
        let res_attrs = resource.map(|r| &r.attributes[..]).unwrap_or_default();
        let keys: Vec<Vec<(String, String)>> = span
            .events
            .iter()
            .map(|event| {
                let mut d = dims.to_vec();
                for ed in &event_dims {
                    if let Some(v) = dimension_value(ed, &[&span.attributes, &event.attributes, res_attrs]) {
                        d.retain(|(k, _)| k != &ed.name);
                        d.push((ed.name.clone(), v));
                    }
                }
                d.sort();
                d
            })
            .collect();
        let Some(state) = self.resource_state(key, resource, at) else {
            return;
        };
        for d in keys {
            let s = state.events.entry(d).or_insert_with(|| EventSeries {
                start,
                count: 0,
                exemplars: Vec::new(),
            });
            s.count += 1;
            if let Some(max) = exemplars.filter(|_| !span.trace_id.iter().all(|b| *b == 0)) {
                push_exemplar(&mut s.exemplars, max, span, value, now);
            }
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

    /// The metrics of one resource.
    fn resource_metrics(&self, r: &ResourceState, now: u64, temporality: i32) -> Vec<Metric> {
        let attrs = |dims: &[(String, String)]| dims.iter().map(|(k, v)| string_kv(k, v)).collect::<Vec<_>>();
        let int = |v: u64| {
            Some(number_data_point::Value::AsInt(
                i64::try_from(v).unwrap_or(i64::MAX),
            ))
        };
        let sum = |name: &str, points: Vec<NumberDataPoint>| Metric {
            name: name.to_string(),
            data: Some(metric::Data::Sum(Sum {
                data_points: points,
                aggregation_temporality: temporality,
                is_monotonic: true,
            })),
            ..Default::default()
        };
        let calls: Vec<NumberDataPoint> = r
            .series
            .iter()
            .map(|(dims, s)| NumberDataPoint {
                attributes: attrs(dims),
                start_time_unix_nano: s.start,
                time_unix_nano: now,
                value: int(s.calls),
                exemplars: s.exemplars.clone(),
                ..Default::default()
            })
            .collect();
        let mut metrics = vec![sum(&self.rules.calls_name, calls)];
        if self.rules.histogram {
            let data = if self.rules.exponential.is_some() {
                metric::Data::ExponentialHistogram(ExpoMetric {
                    data_points: r
                        .series
                        .iter()
                        .filter_map(|(dims, s)| match &s.durations {
                            Durations::Exponential(h) => {
                                let mut p = h.to_point(s.start, now);
                                p.attributes = attrs(dims);
                                p.exemplars = s.exemplars.clone();
                                Some(p)
                            }
                            Durations::Explicit { .. } => None,
                        })
                        .collect(),
                    aggregation_temporality: temporality,
                })
            } else {
                metric::Data::Histogram(Histogram {
                    data_points: r
                        .series
                        .iter()
                        .filter_map(|(dims, s)| match &s.durations {
                            Durations::Explicit { buckets, sum } => Some(HistogramDataPoint {
                                attributes: attrs(dims),
                                start_time_unix_nano: s.start,
                                time_unix_nano: now,
                                count: s.calls,
                                sum: Some(*sum),
                                bucket_counts: buckets.clone(),
                                explicit_bounds: self.rules.bounds.clone(),
                                exemplars: s.exemplars.clone(),
                                ..Default::default()
                            }),
                            Durations::Exponential(_) => None,
                        })
                        .collect(),
                    aggregation_temporality: temporality,
                })
            };
            metrics.push(Metric {
                name: self.rules.duration_name.clone(),
                unit: self.rules.unit.as_str().into(),
                data: Some(data),
                ..Default::default()
            });
        }
        if self.rules.events.is_some() && !r.events.is_empty() {
            let points = r
                .events
                .iter()
                .map(|(dims, s)| NumberDataPoint {
                    attributes: attrs(dims),
                    start_time_unix_nano: s.start,
                    time_unix_nano: now,
                    value: int(s.count),
                    exemplars: s.exemplars.clone(),
                    ..Default::default()
                })
                .collect();
            metrics.push(sum(&self.rules.events_name, points));
        }
        metrics
    }

    /// The metrics to emit now; deltas start over, expired series go,
    /// exemplars are emitted once.
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
                if at.duration_since(r.updated) >= expiration {
                    r.events.clear();
                }
            }
            self.series_count = self.series_count.saturating_sub(removed as u64);
            self.resources
                .retain(|_, r| !r.series.is_empty() || !r.events.is_empty());
        }
        let mut resource_metrics = Vec::new();
        let mut keys: Vec<&String> = self.resources.keys().collect();
        keys.sort();
        for key in keys {
            let Some(r) = self.resources.get(key) else {
                continue;
            };
            if r.series.is_empty() && r.events.is_empty() {
                continue;
            }
            resource_metrics.push(ResourceMetrics {
                resource: r.resource.clone(),
                scope_metrics: vec![ScopeMetrics {
                    scope: Some(InstrumentationScope {
                        name: crate::SCOPE_NAME.into(),
                        ..Default::default()
                    }),
                    metrics: self.resource_metrics(r, now, temporality),
                    ..Default::default()
                }],
                ..Default::default()
            });
        }
        if self.rules.delta {
            // Deltas start over: nothing is kept between flushes.
            self.resources.clear();
            self.series_count = 0;
        } else if self.rules.exemplars.is_some() {
            // Exemplars belong to the spans since the last flush.
            for r in self.resources.values_mut() {
                r.series.values_mut().for_each(|s| s.exemplars.clear());
                r.events.values_mut().for_each(|s| s.exemplars.clear());
            }
        }
        self.last_flush = now;
        (!resource_metrics.is_empty()).then_some(ExportMetricsServiceRequest { resource_metrics })
    }
}
