//! The `routing` connector: factory and routing.

use std::fmt;
use std::sync::Arc;

use otelcol_component::metrics::Counter;
use otelcol_component::proto::metrics::v1::{Metric, metric};
use otelcol_component::{
    Capabilities, Component, Connector, ConnectorFactory, ConsumeError, Consumer, CreateError, Factory,
    ItemMut, Payload, ResourceRef, Retain, Router, ScopeRef, Settings, SharedConsumer, Signal,
    StabilityLevel, Visitor, async_trait, same_signal,
};
use otelcol_ottl::{Condition, ContextKind, EvalCtx, EvalError, Point};

use crate::config::{ErrorMode, Matcher, RoutingConfig};

/// Stability of each pair (traces→traces, metrics→metrics, logs→logs), as Go declares it.
pub(crate) const STABILITY: StabilityLevel = StabilityLevel::Alpha;

/// Creates [`RoutingConnector`]s.
#[derive(Clone, Copy, Debug, Default)]
pub struct RoutingConnectorFactory;

impl Factory for RoutingConnectorFactory {
    type Config = RoutingConfig;

    fn type_name(&self) -> &'static str {
        crate::TYPE
    }

    fn module(&self) -> &'static str {
        concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"))
    }
}

impl ConnectorFactory for RoutingConnectorFactory {
    fn stability(&self, from: Signal, to: Signal) -> Option<StabilityLevel> {
        (from == to).then_some(STABILITY)
    }

    fn create<F: Payload, T: Payload>(
        &self,
        set: &Settings,
        cfg: &RoutingConfig,
        next: Router<T>,
    ) -> Result<Arc<dyn Connector<F>>, CreateError> {
        same_signal::<F, T>(next, |next| {
            let mut routes = Vec::with_capacity(cfg.table.len());
            for (i, r) in cfg.table.iter().enumerate() {
                let matcher = r.compile(i)?;
                if let Matcher::Ottl(kind, _) = &matcher {
                    check_context::<F>(*kind, i)?;
                }
                let to = next.consumer(&r.pipeline_ids(i)?)?;
                routes.push(CompiledRoute { matcher, to });
            }
            let defaults = cfg.default_ids()?;
            let default = if defaults.is_empty() {
                None
            } else {
                Some(next.consumer(&defaults)?)
            };
            let unrouted = set.telemetry.meter.counter(
                format!("otelcol_connector_routing_unrouted_{}", F::SIGNAL.item_name()),
                &[("connector", set.id.to_string())],
            );
            Ok(Arc::new(RoutingConnector {
                id: set.id.to_string(),
                routes,
                default,
                error_mode: cfg.error_mode,
                unrouted,
            }))
        })
    }
}

/// A per-item context must be the signal's own (`span` for traces...).
fn check_context<T: Payload>(kind: ContextKind, index: usize) -> Result<(), CreateError> {
    let ok = match kind {
        ContextKind::Resource => true,
        ContextKind::Span => T::SIGNAL == Signal::Traces,
        ContextKind::Metric | ContextKind::DataPoint => T::SIGNAL == Signal::Metrics,
        ContextKind::Log => T::SIGNAL == Signal::Logs,
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(CreateError::Other(format!(
            "table::{index}::context: the {} context does not apply to {}",
            kind.name(),
            T::SIGNAL
        )))
    }
}

/// The parts of a payload by route index, and what no route took.
type Parts<T> = (Vec<(usize, T)>, Option<T>);

struct CompiledRoute<T: Payload> {
    matcher: Matcher,
    to: SharedConsumer<T>,
}

/// Routes each part of a payload to the pipelines of the first route whose
/// condition it matches; the rest to the default pipelines.
pub struct RoutingConnector<T: Payload> {
    id: String,
    routes: Vec<CompiledRoute<T>>,
    default: Option<SharedConsumer<T>>,
    error_mode: ErrorMode,
    unrouted: Counter,
}

impl<T: Payload> fmt::Debug for RoutingConnector<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RoutingConnector")
            .field("id", &self.id)
            .field("signal", &T::SIGNAL)
            .field("routes", &self.routes.len())
            .field("default", &self.default.is_some())
            .finish()
    }
}

/// Keeps the resources, items or data points matching `cond`, recording
/// each decision; then, in replay mode, keeps the complement of a copy
/// with the same shape without evaluating again. The first evaluation
/// error is kept in `error`.
struct Split<'a> {
    kind: ContextKind,
    cond: &'a Condition,
    /// Every decision of the evaluating pass, in visiting order.
    decisions: Vec<bool>,
    /// In replay mode, the next decision to invert.
    replay: Option<usize>,
    error: Option<EvalError>,
}

impl<'a> Split<'a> {
    fn new(kind: ContextKind, cond: &'a Condition) -> Self {
        Split {
            kind,
            cond,
            decisions: Vec::new(),
            replay: None,
            error: None,
        }
    }

    /// Turns the evaluating pass into the complement's replay.
    fn into_complement(mut self) -> Self {
        self.replay = Some(0);
        self
    }

    fn test(&mut self, ctx: &EvalCtx<'_>) -> bool {
        if let Some(pos) = &mut self.replay {
            let hit = self.decisions.get(*pos).copied().unwrap_or(false);
            *pos += 1;
            return !hit;
        }
        let hit = match self.cond.eval(ctx) {
            Ok(b) => b,
            Err(e) => {
                self.error.get_or_insert(e);
                false
            }
        };
        self.decisions.push(hit);
        hit
    }

    /// Keeps the data points of `metric` that pass; whether any is left.
    fn points(&mut self, ctx: &EvalCtx<'_>, metric: &mut Metric) -> bool {
        let keep: Vec<bool> = {
            let m: &Metric = metric;
            let mut ctx = *ctx;
            ctx.metric = Some(m);
            let mut keep = Vec::new();
            match &m.data {
                Some(metric::Data::Gauge(g)) => {
                    for p in &g.data_points {
                        ctx.point = Some(Point::Number(p));
                        keep.push(self.test(&ctx));
                    }
                }
                Some(metric::Data::Sum(g)) => {
                    for p in &g.data_points {
                        ctx.point = Some(Point::Number(p));
                        keep.push(self.test(&ctx));
                    }
                }
                Some(metric::Data::Histogram(g)) => {
                    for p in &g.data_points {
                        ctx.point = Some(Point::Histogram(p));
                        keep.push(self.test(&ctx));
                    }
                }
                Some(metric::Data::ExponentialHistogram(g)) => {
                    for p in &g.data_points {
                        ctx.point = Some(Point::ExpHistogram(p));
                        keep.push(self.test(&ctx));
                    }
                }
                Some(metric::Data::Summary(g)) => {
                    for p in &g.data_points {
                        ctx.point = Some(Point::Summary(p));
                        keep.push(self.test(&ctx));
                    }
                }
                None => {}
            }
            keep
        };
        fn retain<P>(points: &mut Vec<P>, keep: &[bool]) -> bool {
            let mut i = 0;
            points.retain(|_| {
                let k = keep.get(i).copied().unwrap_or(false);
                i += 1;
                k
            });
            !points.is_empty()
        }
        match &mut metric.data {
            Some(metric::Data::Gauge(g)) => retain(&mut g.data_points, &keep),
            Some(metric::Data::Sum(g)) => retain(&mut g.data_points, &keep),
            Some(metric::Data::Histogram(g)) => retain(&mut g.data_points, &keep),
            Some(metric::Data::ExponentialHistogram(g)) => retain(&mut g.data_points, &keep),
            Some(metric::Data::Summary(g)) => retain(&mut g.data_points, &keep),
            None => false,
        }
    }
}

impl Visitor for Split<'_> {
    fn resource(&mut self, r: ResourceRef<'_>) -> Retain {
        if self.kind != ContextKind::Resource {
            return Retain::Descend;
        }
        let ctx = EvalCtx {
            resource: r.resource,
            resource_schema_url: r.schema_url,
            ..Default::default()
        };
        if self.test(&ctx) {
            Retain::Keep
        } else {
            Retain::Drop
        }
    }

    fn item(&mut self, r: ResourceRef<'_>, s: ScopeRef<'_>, item: ItemMut<'_>) -> bool {
        let mut ctx = EvalCtx {
            resource: r.resource,
            resource_schema_url: r.schema_url,
            scope: s.scope,
            scope_schema_url: s.schema_url,
            ..Default::default()
        };
        match item {
            ItemMut::Span(span) => {
                ctx.span = Some(&*span);
                self.test(&ctx)
            }
            ItemMut::Metric(metric) if self.kind == ContextKind::DataPoint => self.points(&ctx, metric),
            ItemMut::Metric(metric) => {
                ctx.metric = Some(&*metric);
                self.test(&ctx)
            }
            ItemMut::Log(log) => {
                ctx.log = Some(&*log);
                self.test(&ctx)
            }
            // An item kind this connector does not know stays with the rest.
            _ => self.replay.is_some(),
        }
    }
}

impl<T: Payload> RoutingConnector<T> {
    /// An evaluation error: refused (`propagate`) or logged and treated as
    /// no match.
    fn on_error(&self, e: &EvalError, route: usize) -> Result<(), ConsumeError> {
        match self.error_mode {
            ErrorMode::Propagate => Err(ConsumeError::permanent(format!(
                "routing connector {}: table::{route}: {e}",
                self.id
            ))),
            ErrorMode::Ignore => {
                tracing::warn!(connector = %self.id, route, error = %e, "failed to evaluate a routing condition; the data goes on to the next routes");
                Ok(())
            }
            ErrorMode::Silent => Ok(()),
        }
    }

    /// Splits `data` into (route, part) groups and the unmatched rest.
    fn split(&self, mut data: T) -> Result<Parts<T>, ConsumeError> {
        let mut groups = Vec::new();
        for (i, route) in self.routes.iter().enumerate() {
            match &route.matcher {
                Matcher::Request(cond) => {
                    if cond.matches(data.context()) {
                        groups.push((i, data));
                        return Ok((groups, None));
                    }
                }
                Matcher::Ottl(kind, cond) => {
                    let mut matched = data.clone();
                    let mut keep = Split::new(*kind, cond);
                    matched.retain(&mut keep);
                    if let Some(e) = keep.error.take() {
                        self.on_error(&e, i)?;
                    }
                    if matched.resource_count() == 0 {
                        continue;
                    }
                    // The rest is the complement of the same decisions.
                    let mut rest = keep.into_complement();
                    data.retain(&mut rest);
                    groups.push((i, matched));
                    if data.resource_count() == 0 {
                        return Ok((groups, None));
                    }
                }
            }
        }
        Ok((groups, Some(data)))
    }
}

#[async_trait]
impl<T: Payload> Consumer<T> for RoutingConnector<T> {
    async fn consume(&self, data: T) -> Result<(), ConsumeError> {
        let (groups, rest) = self.split(data)?;
        let mut errors = Vec::new();
        for (i, part) in groups {
            if let Some(route) = self.routes.get(i) {
                if let Err(e) = route.to.consume(part).await {
                    errors.push(e);
                }
            }
        }
        if let Some(rest) = rest.filter(|r| r.resource_count() > 0) {
            match &self.default {
                Some(default) => {
                    if let Err(e) = default.consume(rest).await {
                        errors.push(e);
                    }
                }
                None => {
                    let items = rest.item_count();
                    self.unrouted.increment(items as u64);
                    tracing::debug!(connector = %self.id, items, "no route matched and no default_pipelines: dropping");
                }
            }
        }
        match ConsumeError::combine(errors) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn capabilities(&self) -> Capabilities {
        // Splitting writes into private copies (copy on write).
        Capabilities { mutates_data: false }
    }
}

impl<T: Payload> Component for RoutingConnector<T> {}
