//! The `count` connector: factory and counting.

use otelcol_component::build::{string_kv, unix_nanos_now};
use std::any::Any;
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use otelcol_component::proto::collector::logs::v1::ExportLogsServiceRequest;
use otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::common::v1::{AnyValue, InstrumentationScope, KeyValue};
use otelcol_component::proto::metrics::v1::{
    AggregationTemporality, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum, metric,
    number_data_point,
};
use otelcol_component::proto::resource::v1::Resource;
use otelcol_component::{
    Capabilities, Component, Connector, ConnectorFactory, ConsumeError, Consumer, CreateError, Factory, Logs,
    Metrics, Payload, Router, Settings, SharedConsumer, Signal, StabilityLevel, Traces, async_trait,
    for_pair,
};
use otelcol_ottl::{EvalCtx, Point};

use crate::config::{CountConfig, ItemKind, MetricDef};

/// Stability of each pair (traces, metrics, logs → metrics), as Go declares it.
pub(crate) const STABILITY: StabilityLevel = StabilityLevel::Development;

/// Creates [`CountConnector`]s.
#[derive(Clone, Copy, Debug, Default)]
pub struct CountConnectorFactory;

impl Factory for CountConnectorFactory {
    type Config = CountConfig;

    fn type_name(&self) -> &'static str {
        crate::TYPE
    }

    fn module(&self) -> &'static str {
        concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"))
    }
}

impl ConnectorFactory for CountConnectorFactory {
    fn stability(&self, _from: Signal, to: Signal) -> Option<StabilityLevel> {
        (to == Signal::Metrics).then_some(STABILITY)
    }

    fn create<F: Payload, T: Payload>(
        &self,
        _set: &Settings,
        cfg: &CountConfig,
        next: Router<T>,
    ) -> Result<Arc<dyn Connector<F>>, CreateError> {
        let kinds: &[ItemKind] = match F::SIGNAL {
            Signal::Traces => &[ItemKind::Spans, ItemKind::SpanEvents],
            Signal::Metrics => &[ItemKind::Metrics, ItemKind::DataPoints],
            Signal::Logs => &[ItemKind::Logs],
        };
        let mut defs = Vec::new();
        for kind in kinds {
            defs.push((*kind, cfg.defs(*kind)?));
        }
        for_pair::<F, Metrics, F, T>(next, |next| {
            Ok(Arc::new(CountConnector::<F> {
                next: next.all()?,
                defs,
                signal: PhantomData,
            }))
        })
    }
}

/// Counts the items of each payload into metrics, one resource at a time.
pub struct CountConnector<F: Payload> {
    next: SharedConsumer<Metrics>,
    defs: Vec<(ItemKind, Vec<MetricDef>)>,
    signal: PhantomData<fn(F)>,
}

impl<F: Payload> fmt::Debug for CountConnector<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CountConnector")
            .field("signal", &F::SIGNAL)
            .field(
                "metrics",
                &self
                    .defs
                    .iter()
                    .flat_map(|(_, d)| d.iter().map(|m| m.name.as_str()))
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// Counts per (metric index, attribute values) for one resource.
type Counts = BTreeMap<(usize, Vec<(String, String)>), u64>;

fn find<'a>(lists: [&'a [KeyValue]; 3], key: &str) -> Option<&'a AnyValue> {
    lists
        .into_iter()
        .flat_map(|l| l.iter())
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
}

/// One resource's counter over the metric definitions of one kind of item.
struct Counter<'d> {
    defs: &'d [MetricDef],
    /// Index of the first of these definitions in the output.
    base: usize,
}

impl Counter<'_> {
    /// Counts one item: for each definition whose conditions match, under
    /// the attribute values found on the item, its scope or its resource.
    fn count(
        &self,
        counts: &mut Counts,
        ctx: &EvalCtx<'_>,
        attrs: [&[KeyValue]; 3],
    ) -> Result<(), ConsumeError> {
        'defs: for (i, def) in self.defs.iter().enumerate() {
            if !def.conditions.is_empty() {
                let mut hit = false;
                for c in &def.conditions {
                    if c.eval(ctx).map_err(|e| {
                        ConsumeError::permanent(format!("count connector: {}: {e}", c.source()))
                    })? {
                        hit = true;
                        break;
                    }
                }
                if !hit {
                    continue;
                }
            }
            let mut values = Vec::with_capacity(def.attributes.len());
            for a in &def.attributes {
                match (find(attrs, &a.key), &a.default_value) {
                    (Some(v), _) => values.push((a.key.clone(), otelcol_attraction::as_string(v))),
                    (None, Some(d)) => values.push((a.key.clone(), d.clone())),
                    // Without the attribute and without a default: not counted.
                    (None, None) => continue 'defs,
                }
            }
            *counts.entry((self.base + i, values)).or_default() += 1;
        }
        Ok(())
    }
}

impl<F: Payload> CountConnector<F> {
    fn counter(&self, kind: ItemKind) -> Counter<'_> {
        let mut base = 0;
        for (k, defs) in &self.defs {
            if *k == kind {
                return Counter { defs, base };
            }
            base += defs.len();
        }
        Counter { defs: &[], base }
    }

    fn all_defs(&self) -> impl Iterator<Item = &MetricDef> {
        self.defs.iter().flat_map(|(_, d)| d.iter())
    }

    /// The output resource for one input resource's counts (`None` when nothing counted).
    fn resource_metrics(
        &self,
        resource: Option<&Resource>,
        counts: Counts,
        now: u64,
    ) -> Option<ResourceMetrics> {
        if counts.is_empty() {
            return None;
        }
        let mut metrics: Vec<Metric> = Vec::new();
        for (i, def) in self.all_defs().enumerate() {
            let data_points: Vec<NumberDataPoint> = counts
                .iter()
                .filter(|((d, _), _)| *d == i)
                .map(|((_, attrs), n)| NumberDataPoint {
                    attributes: attrs.iter().map(|(k, v)| string_kv(k, v)).collect(),
                    time_unix_nano: now,
                    value: Some(number_data_point::Value::AsInt(
                        i64::try_from(*n).unwrap_or(i64::MAX),
                    )),
                    ..Default::default()
                })
                .collect();
            if data_points.is_empty() {
                continue;
            }
            metrics.push(Metric {
                name: def.name.clone(),
                description: def.description.clone(),
                data: Some(metric::Data::Sum(Sum {
                    data_points,
                    aggregation_temporality: AggregationTemporality::Delta as i32,
                    is_monotonic: true,
                })),
                ..Default::default()
            });
        }
        Some(ResourceMetrics {
            resource: resource.cloned(),
            scope_metrics: vec![ScopeMetrics {
                scope: Some(InstrumentationScope {
                    name: crate::SCOPE_NAME.into(),
                    ..Default::default()
                }),
                metrics,
                ..Default::default()
            }],
            ..Default::default()
        })
    }

    fn count_traces(
        &self,
        req: &ExportTraceServiceRequest,
        now: u64,
    ) -> Result<Vec<ResourceMetrics>, ConsumeError> {
        let (spans, events) = (self.counter(ItemKind::Spans), self.counter(ItemKind::SpanEvents));
        let mut out = Vec::new();
        for rs in &req.resource_spans {
            let mut counts = Counts::new();
            let res_attrs = rs.resource.as_ref().map_or(&[][..], |r| &r.attributes[..]);
            for ss in &rs.scope_spans {
                let scope_attrs = ss.scope.as_ref().map_or(&[][..], |s| &s.attributes[..]);
                for span in &ss.spans {
                    let ctx = EvalCtx {
                        resource: rs.resource.as_ref(),
                        resource_schema_url: &rs.schema_url,
                        scope: ss.scope.as_ref(),
                        scope_schema_url: &ss.schema_url,
                        span: Some(span),
                        ..Default::default()
                    };
                    spans.count(&mut counts, &ctx, [&span.attributes, scope_attrs, res_attrs])?;
                    for event in &span.events {
                        let ctx = EvalCtx {
                            event: Some(event),
                            ..ctx
                        };
                        events.count(&mut counts, &ctx, [&event.attributes, scope_attrs, res_attrs])?;
                    }
                }
            }
            out.extend(self.resource_metrics(rs.resource.as_ref(), counts, now));
        }
        Ok(out)
    }

    fn count_metrics(
        &self,
        req: &ExportMetricsServiceRequest,
        now: u64,
    ) -> Result<Vec<ResourceMetrics>, ConsumeError> {
        use metric::Data;
        let (metrics, points) = (
            self.counter(ItemKind::Metrics),
            self.counter(ItemKind::DataPoints),
        );
        let mut out = Vec::new();
        for rm in &req.resource_metrics {
            let mut counts = Counts::new();
            let res_attrs = rm.resource.as_ref().map_or(&[][..], |r| &r.attributes[..]);
            for sm in &rm.scope_metrics {
                let scope_attrs = sm.scope.as_ref().map_or(&[][..], |s| &s.attributes[..]);
                for m in &sm.metrics {
                    let ctx = EvalCtx {
                        resource: rm.resource.as_ref(),
                        resource_schema_url: &rm.schema_url,
                        scope: sm.scope.as_ref(),
                        scope_schema_url: &sm.schema_url,
                        metric: Some(m),
                        ..Default::default()
                    };
                    metrics.count(&mut counts, &ctx, [&[], scope_attrs, res_attrs])?;
                    let mut point = |p: Point<'_>, attrs: &[KeyValue]| {
                        let ctx = EvalCtx {
                            point: Some(p),
                            ..ctx
                        };
                        points.count(&mut counts, &ctx, [attrs, scope_attrs, res_attrs])
                    };
                    match &m.data {
                        Some(Data::Gauge(g)) => g
                            .data_points
                            .iter()
                            .try_for_each(|p| point(Point::Number(p), &p.attributes))?,
                        Some(Data::Sum(s)) => s
                            .data_points
                            .iter()
                            .try_for_each(|p| point(Point::Number(p), &p.attributes))?,
                        Some(Data::Histogram(h)) => h
                            .data_points
                            .iter()
                            .try_for_each(|p| point(Point::Histogram(p), &p.attributes))?,
                        Some(Data::ExponentialHistogram(h)) => h
                            .data_points
                            .iter()
                            .try_for_each(|p| point(Point::ExpHistogram(p), &p.attributes))?,
                        Some(Data::Summary(s)) => s
                            .data_points
                            .iter()
                            .try_for_each(|p| point(Point::Summary(p), &p.attributes))?,
                        None => {}
                    }
                }
            }
            out.extend(self.resource_metrics(rm.resource.as_ref(), counts, now));
        }
        Ok(out)
    }

    fn count_logs(
        &self,
        req: &ExportLogsServiceRequest,
        now: u64,
    ) -> Result<Vec<ResourceMetrics>, ConsumeError> {
        let logs = self.counter(ItemKind::Logs);
        let mut out = Vec::new();
        for rl in &req.resource_logs {
            let mut counts = Counts::new();
            let res_attrs = rl.resource.as_ref().map_or(&[][..], |r| &r.attributes[..]);
            for sl in &rl.scope_logs {
                let scope_attrs = sl.scope.as_ref().map_or(&[][..], |s| &s.attributes[..]);
                for log in &sl.log_records {
                    let ctx = EvalCtx {
                        resource: rl.resource.as_ref(),
                        resource_schema_url: &rl.schema_url,
                        scope: sl.scope.as_ref(),
                        scope_schema_url: &sl.schema_url,
                        log: Some(log),
                        ..Default::default()
                    };
                    logs.count(&mut counts, &ctx, [&log.attributes, scope_attrs, res_attrs])?;
                }
            }
            out.extend(self.resource_metrics(rl.resource.as_ref(), counts, now));
        }
        Ok(out)
    }
}

#[async_trait]
impl<F: Payload> Consumer<F> for CountConnector<F> {
    async fn consume(&self, data: F) -> Result<(), ConsumeError> {
        let now = unix_nanos_now();
        let any: &dyn Any = &data;
        let resource_metrics = if let Some(t) = any.downcast_ref::<Traces>() {
            self.count_traces(t.request(), now)?
        } else if let Some(m) = any.downcast_ref::<Metrics>() {
            self.count_metrics(m.request(), now)?
        } else if let Some(l) = any.downcast_ref::<Logs>() {
            self.count_logs(l.request(), now)?
        } else {
            return Err(ConsumeError::permanent(format!(
                "count connector: unsupported signal {}",
                F::SIGNAL
            )));
        };
        if resource_metrics.is_empty() {
            return Ok(());
        }
        let out = Metrics::from_request(ExportMetricsServiceRequest { resource_metrics });
        self.next.consume(out).await
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities { mutates_data: false }
    }
}

impl<F: Payload> Component for CountConnector<F> {}
