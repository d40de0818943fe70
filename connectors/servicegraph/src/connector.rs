//! The `servicegraph` connector: factory, span pairing and the timers
//! (metrics flush, store expiry, stale series).

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use otelcol_component::build::{attribute, unix_nanos_now};
use otelcol_component::metrics::Counter;
use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::common::v1::KeyValue;
use otelcol_component::proto::trace::v1::Span;
use otelcol_component::proto::trace::v1::span::SpanKind;
use otelcol_component::proto::trace::v1::status::StatusCode;
use otelcol_component::{
    Capabilities, Component, ComponentError, Connector, ConnectorFactory, ConsumeError, Consumer,
    CreateError, Factory, Host, Metrics, Payload, Router, Settings, SharedConsumer, Signal, StabilityLevel,
    Traces, async_trait, for_pair,
};
use tokio_util::sync::CancellationToken;

use crate::config::ServiceGraphConfig;
use crate::graph::Graph;
use crate::store::{ConnectionType, Edge, Key, Store, Upsert};

/// Stability of traces → metrics, as Go declares it.
pub(crate) const STABILITY: StabilityLevel = StabilityLevel::Alpha;

/// Creates [`ServiceGraphConnector`]s.
#[derive(Clone, Copy, Debug, Default)]
pub struct ServiceGraphConnectorFactory;

impl Factory for ServiceGraphConnectorFactory {
    type Config = ServiceGraphConfig;

    fn type_name(&self) -> &'static str {
        crate::TYPE
    }

    fn deprecated_aliases(&self) -> &'static [&'static str] {
        &[crate::DEPRECATED_TYPE]
    }

    fn module(&self) -> &'static str {
        concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"))
    }
}

impl ConnectorFactory for ServiceGraphConnectorFactory {
    fn stability(&self, from: Signal, to: Signal) -> Option<StabilityLevel> {
        (from == Signal::Traces && to == Signal::Metrics).then_some(STABILITY)
    }

    fn create<F: Payload, T: Payload>(
        &self,
        set: &Settings,
        cfg: &ServiceGraphConfig,
        next: Router<T>,
    ) -> Result<Arc<dyn Connector<F>>, CreateError> {
        for_pair::<Traces, Metrics, F, T>(next, |next| {
            let id = set.id.to_string();
            let meter = &set.telemetry.meter;
            let labels = [("connector", id.clone())];
            let max_size = usize::try_from(cfg.exponential_histogram_max_size).unwrap_or(0);
            Ok(Arc::new(ServiceGraphConnector {
                state: Arc::new(Mutex::new(State {
                    rules: Rules::new(cfg),
                    store: Store::new(cfg.store.ttl, cfg.store.max_items),
                    graph: Graph::new(cfg.bounds(), max_size, cfg.dimensions.clone(), unix_nanos_now()),
                    stats: Stats {
                        total_edges: meter.counter("otelcol_connector_servicegraph_total_edges", &labels),
                        expired_edges: meter.counter("otelcol_connector_servicegraph_expired_edges", &labels),
                        dropped_spans: meter.counter("otelcol_connector_servicegraph_dropped_spans", &labels),
                    },
                })),
                shared: Arc::new(Shared {
                    id,
                    next: next.all()?,
                    offset: cfg.metrics_timestamp_offset,
                }),
                timers: Timers {
                    flush: cfg.flush_interval(),
                    expire: cfg.store_expiration_loop,
                    clean: cfg.cache_loop,
                },
                running: Mutex::new(None),
            }))
        })
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// What pairing needs of the config, resolved once.
#[derive(Debug)]
struct Rules {
    dimensions: Vec<String>,
    peer_attributes: Vec<String>,
    database_attributes: Vec<String>,
    extra_label: bool,
}

impl Rules {
    fn new(cfg: &ServiceGraphConfig) -> Self {
        Rules {
            dimensions: cfg.dimensions.clone(),
            peer_attributes: cfg.peer_attributes(),
            database_attributes: cfg.database_attributes(),
            extra_label: cfg.virtual_node_extra_label,
        }
    }
}

/// The connector's own counters (Go's names).
struct Stats {
    total_edges: Counter,
    expired_edges: Counter,
    dropped_spans: Counter,
}

/// The store and the series, behind one lock.
struct State {
    rules: Rules,
    store: Store,
    graph: Graph,
    stats: Stats,
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("State")
            .field("edges", &self.store.len())
            .field("series", &self.graph.len())
            .finish()
    }
}

/// The first of `keys` found in `maps` (in order), as a string.
fn first_value(keys: &[String], maps: &[&[KeyValue]]) -> Option<String> {
    keys.iter().find_map(|k| {
        maps.iter()
            .find_map(|m| attribute(m, k))
            .map(otelcol_attraction::as_string)
    })
}

fn seconds(span: &Span) -> f64 {
    Duration::from_nanos(span.end_time_unix_nano.saturating_sub(span.start_time_unix_nano)).as_secs_f64()
}

fn is_error(span: &Span) -> bool {
    span.status
        .as_ref()
        .is_some_and(|s| s.code == StatusCode::Error as i32)
}

impl State {
    /// Pairs every client/producer and server/consumer span of `req`;
    /// returns the spans dropped for a full store.
    fn add(&mut self, req: &ExportTraceServiceRequest, now: Instant) -> u64 {
        let (mut completed, mut expired) = (Vec::new(), Vec::new());
        let mut dropped = 0;
        for rs in &req.resource_spans {
            let res: &[KeyValue] = rs.resource.as_ref().map_or(&[], |r| &r.attributes);
            // Without a service name a span names no node (Go skips it).
            let Some(service) = attribute(res, "service.name").map(otelcol_attraction::as_string) else {
                continue;
            };
            for span in rs.scope_spans.iter().flat_map(|s| &s.spans) {
                let outcome = self.pair(span, res, &service, now, &mut completed, &mut expired);
                match outcome {
                    Some(Upsert::New) => self.stats.total_edges.increment(1),
                    Some(Upsert::Dropped) => dropped += 1,
                    Some(Upsert::Updated) | None => {}
                }
            }
        }
        if dropped > 0 {
            self.stats.dropped_spans.increment(dropped);
        }
        self.settle(completed, expired, now);
        dropped
    }

    fn pair(
        &mut self,
        span: &Span,
        res: &[KeyValue],
        service: &str,
        now: Instant,
        completed: &mut Vec<Edge>,
        expired: &mut Vec<Edge>,
    ) -> Option<Upsert> {
        let kind = SpanKind::try_from(span.kind).ok()?;
        let rules = &self.rules;
        let dims = |side: &str, e: &mut Edge| {
            for d in &rules.dimensions {
                if let Some(v) = first_value(std::slice::from_ref(d), &[res, &span.attributes]) {
                    e.dimensions.insert(format!("{side}_{d}"), v);
                }
            }
        };
        match kind {
            SpanKind::Client | SpanKind::Producer => {
                let connection = if kind == SpanKind::Producer {
                    ConnectionType::MessagingSystem
                } else {
                    ConnectionType::Unset
                };
                let key: Key = (span.trace_id.clone(), span.span_id.clone());
                let update = |e: &mut Edge| {
                    e.connection_type = connection;
                    e.client = service.to_string();
                    e.client_latency = seconds(span);
                    e.failed |= is_error(span);
                    dims("client", e);
                    if let Some(peer) = first_value(&rules.peer_attributes, &[&span.attributes]) {
                        e.peer = Some(peer);
                    }
                    // A database call has one span: its server side is the database.
                    if let Some(db) = first_value(&rules.database_attributes, &[res, &span.attributes]) {
                        e.connection_type = ConnectionType::Database;
                        e.server = db;
                        e.server_latency = e.client_latency;
                    }
                };
                Some(self.store.upsert(key, now, update, completed, expired))
            }
            SpanKind::Server | SpanKind::Consumer => {
                let connection = if kind == SpanKind::Consumer {
                    ConnectionType::MessagingSystem
                } else {
                    ConnectionType::Unset
                };
                let no_parent = span.parent_span_id.iter().all(|b| *b == 0);
                // A consumer started from a link (no parent) pairs with the linked producer.
                let key: Key = match span.links.first() {
                    Some(link) if kind == SpanKind::Consumer && no_parent => {
                        (link.trace_id.clone(), link.span_id.clone())
                    }
                    _ => (span.trace_id.clone(), span.parent_span_id.clone()),
                };
                let update = |e: &mut Edge| {
                    e.connection_type = connection;
                    e.server = service.to_string();
                    e.server_latency = seconds(span);
                    e.failed |= is_error(span);
                    dims("server", e);
                };
                Some(self.store.upsert(key, now, update, completed, expired))
            }
            SpanKind::Internal | SpanKind::Unspecified => None,
        }
    }

    /// Records completed edges, and expired ones as virtual nodes.
    fn settle(&mut self, completed: Vec<Edge>, expired: Vec<Edge>, now: Instant) {
        for e in &completed {
            self.graph.record(e, now);
        }
        for e in expired {
            self.expired(e, now);
        }
    }

    /// Go's `onExpire`: an edge missing a side becomes an edge to (or from)
    /// a virtual node, unless `virtual_node_peer_attributes` is empty.
    fn expired(&mut self, mut e: Edge, now: Instant) {
        self.stats.expired_edges.increment(1);
        if self.rules.peer_attributes.is_empty() {
            return;
        }
        e.connection_type = ConnectionType::VirtualNode;
        if e.client.is_empty() && e.root {
            e.client = "user".into();
            if self.rules.extra_label {
                e.virtual_node = Some("client");
            }
            self.graph.record(&e, now);
        }
        if e.server.is_empty() {
            e.server = e.peer.clone().unwrap_or_else(|| "unknown".into());
            if self.rules.extra_label {
                e.virtual_node = Some("server");
            }
            self.graph.record(&e, now);
        }
    }

    fn expire(&mut self, now: Instant) {
        let mut expired = Vec::new();
        self.store.expire(now, &mut expired);
        self.settle(Vec::new(), expired, now);
    }
}

/// What the flush needs besides the state.
#[derive(Debug)]
struct Shared {
    id: String,
    next: SharedConsumer<Metrics>,
    offset: Duration,
}

impl Shared {
    /// Sends the metrics of every series on; a refusal is logged (the next
    /// flush of the cumulative metrics carries the counts again).
    async fn flush(&self, state: &Mutex<State>) {
        let time = unix_nanos_now().saturating_sub(u64::try_from(self.offset.as_nanos()).unwrap_or(u64::MAX));
        let due = lock(state).graph.metrics(time);
        if let Some(req) = due {
            if let Err(e) = self.next.consume(Metrics::from_request(req)).await {
                tracing::warn!(connector = %self.id, error = %e, "failed to send service graph metrics");
            }
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Timers {
    /// Zero: flush after every batch.
    flush: Duration,
    expire: Duration,
    clean: Duration,
}

/// Pairs client and server spans into edges between services and emits
/// request, failure and latency metrics per edge.
pub struct ServiceGraphConnector {
    state: Arc<Mutex<State>>,
    shared: Arc<Shared>,
    timers: Timers,
    running: Mutex<Option<(CancellationToken, tokio::task::JoinHandle<()>)>>,
}

impl fmt::Debug for ServiceGraphConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceGraphConnector")
            .field("id", &self.shared.id)
            .field("state", &*lock(&self.state))
            .field("timers", &self.timers)
            .finish()
    }
}

impl ServiceGraphConnector {
    /// Edges waiting for their other side.
    pub fn waiting_edges(&self) -> usize {
        lock(&self.state).store.len()
    }

    /// Series of the graph.
    pub fn series(&self) -> usize {
        lock(&self.state).graph.len()
    }

    /// Expires what is due at `now` (as the expiration loop does).
    pub fn expire_at(&self, now: Instant) {
        lock(&self.state).expire(now);
    }

    /// Emits the metrics now (as the flush interval does).
    pub async fn flush_now(&self) {
        self.shared.flush(&self.state).await;
    }
}

#[async_trait]
impl Consumer<Traces> for ServiceGraphConnector {
    async fn consume(&self, data: Traces) -> Result<(), ConsumeError> {
        let dropped = lock(&self.state).add(data.request(), Instant::now());
        if dropped > 0 {
            tracing::warn!(
                connector = %self.shared.id,
                spans = dropped,
                "service graph store is full (store::max_items): spans dropped from the graph"
            );
        }
        if self.timers.flush.is_zero() {
            self.shared.flush(&self.state).await;
        }
        Ok(())
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities { mutates_data: false }
    }
}

/// An interval that first fires one period from now (`None`: never).
fn ticker(period: Duration) -> Option<tokio::time::Interval> {
    (!period.is_zero()).then(|| {
        let mut t = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        t
    })
}

async fn tick(t: &mut Option<tokio::time::Interval>) {
    match t {
        Some(t) => {
            t.tick().await;
        }
        None => std::future::pending().await,
    }
}

#[async_trait]
impl Component for ServiceGraphConnector {
    async fn start(&self, _host: Arc<dyn Host>) -> Result<(), ComponentError> {
        let stop = CancellationToken::new();
        let (token, state, shared, timers) =
            (stop.clone(), self.state.clone(), self.shared.clone(), self.timers);
        let task = tokio::spawn(async move {
            let (mut flush, mut expire, mut clean) =
                (ticker(timers.flush), ticker(timers.expire), ticker(timers.clean));
            loop {
                tokio::select! {
                    _ = token.cancelled() => return,
                    _ = tick(&mut flush) => shared.flush(&state).await,
                    _ = tick(&mut expire) => lock(&state).expire(Instant::now()),
                    _ = tick(&mut clean) => lock(&state).graph.clean(Instant::now()),
                }
            }
        });
        if let Some((old, _)) = lock(&self.running).replace((stop, task)) {
            old.cancel();
        }
        Ok(())
    }

    async fn shutdown(&self) -> Result<(), ComponentError> {
        let running = lock(&self.running).take();
        if let Some((stop, task)) = running {
            stop.cancel();
            let _ = task.await;
            // No more spans will come: what still waits is settled as
            // expired (virtual nodes), and the last counts go out.
            {
                let mut state = lock(&self.state);
                let mut waiting = Vec::new();
                state.store.drain(&mut waiting);
                state.settle(Vec::new(), waiting, Instant::now());
            }
            self.shared.flush(&self.state).await;
        }
        Ok(())
    }
}
