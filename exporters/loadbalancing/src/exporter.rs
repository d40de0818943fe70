//! The load balancer: the resolver loop, the ring of backends and the
//! routed, retried send.

use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::{Duration, Instant};

use otelcol_component::metrics::{Counter, Gauge};
use otelcol_component::{
    ComponentError, ConsumeError, CreateError, Host, Logs, Meter, Metrics, Payload, Settings, Traces,
    async_trait,
};
use otelcol_configretry::BackOff;
use otelcol_exporter_otlp::GrpcClient;
use otelcol_exporterhelper::{ExportClient, RetryConfig, Sender, SignalExporter};
use tokio_util::sync::CancellationToken;

use crate::config::{LoadBalancingConfig, RoutingKey};
use crate::dns;
use crate::ring::Ring;
use crate::split::split;

/// The exporter: the load balancer under the shared queue/retry helper.
pub type LoadBalancingExporter = SignalExporter<LoadBalancer>;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The backends in use: the ring and one client per ring endpoint.
#[derive(Default)]
struct Backends {
    ring: Ring,
    clients: Vec<Arc<GrpcClient>>,
}

/// Where the list of backends comes from.
#[derive(Clone, Debug)]
enum Resolver {
    Static(Vec<String>),
    Dns {
        hostname: String,
        port: String,
        interval: Duration,
        timeout: Duration,
        nameserver: Option<SocketAddr>,
    },
    K8s(crate::k8s::K8sResolver),
}

impl Resolver {
    fn name(&self) -> &'static str {
        match self {
            Resolver::Static(_) => "static",
            Resolver::Dns { .. } => "dns",
            Resolver::K8s(_) => "k8s",
        }
    }

    /// The backends' endpoints now, sorted.
    async fn resolve(&self) -> Result<Vec<String>, String> {
        let mut out = match self {
            Resolver::Static(hosts) => hosts.clone(),
            Resolver::K8s(k) => k.list().await?.0,
            Resolver::Dns {
                hostname,
                port,
                timeout,
                nameserver,
                ..
            } => {
                let ips: Vec<std::net::IpAddr> = match nameserver {
                    Some(server) => dns::lookup(*server, hostname, *timeout)
                        .await
                        .map_err(|e| format!("resolving {hostname} at {server}: {e}"))?,
                    None => {
                        let lookup = tokio::net::lookup_host((hostname.as_str(), 0));
                        tokio::time::timeout(*timeout, lookup)
                            .await
                            .map_err(|_| format!("resolving {hostname}: timed out"))?
                            .map_err(|e| format!("resolving {hostname}: {e}"))?
                            .map(|a| a.ip())
                            .collect()
                    }
                };
                ips.into_iter()
                    .map(|ip| match ip {
                        std::net::IpAddr::V4(v4) => format!("{v4}:{port}"),
                        std::net::IpAddr::V6(v6) => format!("[{v6}]:{port}"),
                    })
                    .collect()
            }
        };
        out.sort();
        out.dedup();
        Ok(out)
    }
}

/// The load balancer's own metrics (Go's names).
struct LbMetrics {
    meter: Meter,
    exporter: String,
    resolver: &'static str,
    resolutions_ok: Counter,
    resolutions_failed: Counter,
    backends: Gauge,
    backend_updates: Counter,
}

impl LbMetrics {
    fn outcome(&self, endpoint: &str, ok: bool, took: Duration) {
        let labels = [
            ("exporter", self.exporter.clone()),
            ("endpoint", endpoint.to_string()),
        ];
        self.meter
            .histogram("otelcol_loadbalancer_backend_latency", &labels)
            .record(took.as_secs_f64() * 1000.0);
        let labels = [
            ("exporter", self.exporter.clone()),
            ("endpoint", endpoint.to_string()),
            ("success", ok.to_string()),
        ];
        self.meter
            .counter("otelcol_loadbalancer_backend_outcome", &labels)
            .increment(1);
    }
}

/// Routes each part of a payload to its backend and retries failed parts,
/// routing them again on each attempt. The resolver loop shares it.
pub struct LoadBalancer {
    inner: Arc<Inner>,
    task: Mutex<Option<(CancellationToken, tokio::task::JoinHandle<()>)>>,
}

struct Inner {
    id: String,
    settings: Settings,
    cfg: LoadBalancingConfig,
    key: RoutingKey,
    resolver: Resolver,
    backends: RwLock<Arc<Backends>>,
    /// Wakes senders waiting to retry when the backends change.
    changed: tokio::sync::Notify,
    metrics: LbMetrics,
    /// `protocol::otlp::auth`, found at start and given to every backend's client.
    auth: std::sync::OnceLock<Arc<dyn otelcol_component::auth::ClientAuthenticator>>,
}

impl fmt::Debug for LoadBalancer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoadBalancer")
            .field("id", &self.inner.id)
            .field("key", &self.inner.key)
            .field("resolver", &self.inner.resolver)
            .field("endpoints", &self.endpoints())
            .finish()
    }
}

impl LoadBalancer {
    /// The load balancer of a validated config (no backend yet: `start` resolves).
    pub fn new(set: &Settings, cfg: &LoadBalancingConfig) -> Result<Self, CreateError> {
        Ok(LoadBalancer {
            inner: Arc::new(Inner::new(set, cfg)?),
            task: Mutex::new(None),
        })
    }

    /// The endpoints in use now, sorted.
    pub fn endpoints(&self) -> Vec<String> {
        self.inner.current().ring.endpoints().to_vec()
    }
}

impl Inner {
    fn new(set: &Settings, cfg: &LoadBalancingConfig) -> Result<Self, CreateError> {
        let resolver = match (&cfg.resolver.static_, &cfg.resolver.dns) {
            _ if cfg.resolver.k8s.is_some() => Resolver::K8s(
                cfg.resolver
                    .k8s
                    .as_ref()
                    .map(crate::k8s::K8sResolver::new)
                    .transpose()
                    .map_err(|e| CreateError::Other(format!("resolver::k8s: {e}")))?
                    .ok_or_else(|| CreateError::Other("resolver::k8s".into()))?,
            ),
            (Some(s), _) => Resolver::Static(s.hostnames.clone()),
            (None, Some(d)) => Resolver::Dns {
                hostname: d.hostname.clone(),
                port: d.port.clone(),
                interval: d.interval,
                timeout: d.timeout,
                nameserver: if d.nameserver.is_empty() {
                    None
                } else {
                    Some(
                        d.nameserver
                            .parse()
                            .map_err(|e| CreateError::Other(format!("resolver::dns::nameserver: {e}")))?,
                    )
                },
            },
            (None, None) => {
                return Err(CreateError::Other(
                    "no resolvers specified for the exporter".into(),
                ));
            }
        };
        let meter = set.telemetry.meter.clone();
        let id = set.id.to_string();
        let name = resolver.name();
        let r = |success: &str| {
            [
                ("exporter", id.clone()),
                ("resolver", name.to_string()),
                ("success", success.to_string()),
            ]
        };
        let metrics = LbMetrics {
            resolutions_ok: meter.counter("otelcol_loadbalancer_num_resolutions", &r("true")),
            resolutions_failed: meter.counter("otelcol_loadbalancer_num_resolutions", &r("false")),
            backends: meter.gauge(
                "otelcol_loadbalancer_num_backends",
                &[("exporter", id.clone()), ("resolver", name.to_string())],
            ),
            backend_updates: meter.counter(
                "otelcol_loadbalancer_num_backend_updates",
                &[("exporter", id.clone()), ("resolver", name.to_string())],
            ),
            meter,
            exporter: id.clone(),
            resolver: name,
        };
        Ok(Inner {
            id,
            settings: set.clone(),
            cfg: cfg.clone(),
            key: cfg.key()?,
            resolver,
            backends: RwLock::new(Arc::new(Backends::default())),
            changed: tokio::sync::Notify::new(),
            metrics,
            auth: std::sync::OnceLock::new(),
        })
    }

    fn current(&self) -> Arc<Backends> {
        self.backends
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Resolves once and installs the result; returns whether the backends changed.
    async fn refresh(&self) -> bool {
        match self.resolver.resolve().await {
            Ok(endpoints) => {
                self.metrics.resolutions_ok.increment(1);
                self.install(&endpoints)
            }
            Err(e) => {
                self.metrics.resolutions_failed.increment(1);
                tracing::warn!(exporter = %self.id, resolver = self.metrics.resolver, error = %e, "failed to resolve the backends; keeping the current ones");
                false
            }
        }
    }

    /// Lists the Service's endpoints and installs them; the list's resource
    /// version (to watch from), or `None` when listing failed.
    async fn refresh_k8s(&self, k: &crate::k8s::K8sResolver) -> Option<String> {
        match k.list().await {
            Ok((endpoints, version)) => {
                self.metrics.resolutions_ok.increment(1);
                self.install(&endpoints);
                Some(version)
            }
            Err(e) => {
                self.metrics.resolutions_failed.increment(1);
                tracing::warn!(exporter = %self.id, resolver = "k8s", error = %e, "failed to list the Service's endpoints; keeping the current ones");
                None
            }
        }
    }

    /// Uses `endpoints` from now on: a new ring, clients for new endpoints,
    /// removed endpoints' clients closed.
    fn install(&self, endpoints: &[String]) -> bool {
        let old = self.current();
        let ring = Ring::new(endpoints);
        if ring.endpoints() == old.ring.endpoints() {
            return false;
        }
        let mut clients = Vec::with_capacity(ring.endpoints().len());
        let mut kept = Vec::with_capacity(ring.endpoints().len());
        for ep in ring.endpoints() {
            if let Some(i) = old.ring.endpoints().iter().position(|e| e == ep) {
                if let Some(c) = old.clients.get(i) {
                    clients.push(c.clone());
                    kept.push(ep.clone());
                    continue;
                }
            }
            let client = GrpcClient::new(&self.settings, &self.cfg.backend_config(ep))
                .and_then(|c| c.connect().map(|()| c));
            if let (Ok(c), Some(a)) = (&client, self.auth.get()) {
                c.set_authenticator(a.clone());
            }
            match client {
                Ok(c) => clients.push(Arc::new(c)),
                Err(e) => {
                    // Only TLS files can fail here; the same for every backend.
                    tracing::error!(exporter = %self.id, endpoint = %ep, error = %e, "cannot create the client of a backend");
                    return false;
                }
            }
        }
        for (i, ep) in old.ring.endpoints().iter().enumerate() {
            if !kept.contains(ep) {
                if let Some(c) = old.clients.get(i) {
                    c.close();
                }
            }
        }
        tracing::info!(exporter = %self.id, resolver = self.metrics.resolver, endpoints = ?ring.endpoints(), "backends changed");
        self.metrics.backends.set(ring.endpoints().len() as f64);
        self.metrics.backend_updates.increment(1);
        *self.backends.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(Backends { ring, clients });
        self.changed.notify_waiters();
        true
    }

    fn retry(&self) -> &RetryConfig {
        &self.cfg.protocol.otlp.retry_on_failure
    }

    async fn send_routed<T: Payload>(&self, data: T) -> Result<(), ConsumeError> {
        let started = Instant::now();
        let mut backoff = BackOff::new(self.retry());
        let mut pending = vec![data];
        let mut permanent: Vec<ConsumeError> = Vec::new();
        let per_call = self.cfg.protocol.otlp.timeout;
        loop {
            let backends = self.current();
            let mut last: Option<ConsumeError> = None;
            if backends.ring.is_empty() {
                last = Some(ConsumeError::retryable(
                    "loadbalancing: no backends (the resolver has found none yet)",
                ));
            } else {
                let mut parts = Vec::new();
                for p in pending.drain(..) {
                    match split(p, self.key, &self.cfg.routing_attributes, &backends.ring) {
                        Ok(v) => parts.extend(v),
                        Err(e) => permanent.push(ConsumeError::permanent(format!("loadbalancing: {e}"))),
                    }
                }
                let sends = parts.into_iter().map(|(i, part)| {
                    let backends = backends.clone();
                    async move {
                        let endpoint = backends.ring.endpoints().get(i).cloned().unwrap_or_default();
                        let Some(client) = backends.clients.get(i).cloned() else {
                            return (
                                part,
                                endpoint,
                                Err(ConsumeError::retryable("loadbalancing: backend gone")),
                                Duration::ZERO,
                            );
                        };
                        let t0 = Instant::now();
                        let call = Sender::<T>::send(client.as_ref(), part.clone());
                        let r = if per_call.is_zero() {
                            call.await
                        } else {
                            tokio::time::timeout(per_call, call).await.unwrap_or_else(|_| {
                                Err(ConsumeError::retryable(format!("timed out after {per_call:?}")))
                            })
                        };
                        (part, endpoint, r, t0.elapsed())
                    }
                });
                for (part, endpoint, r, took) in futures::future::join_all(sends).await {
                    self.metrics.outcome(&endpoint, r.is_ok(), took);
                    match r {
                        Ok(()) => {}
                        Err(e) if e.is_retryable() => {
                            tracing::debug!(exporter = %self.id, %endpoint, error = %e, "a backend failed; the part will be routed again");
                            last = Some(ConsumeError::retryable(format!(
                                "backend {endpoint}: {}",
                                e.message()
                            )));
                            pending.push(part);
                        }
                        Err(e) => permanent.push(ConsumeError::permanent(format!(
                            "backend {endpoint}: {}",
                            e.message()
                        ))),
                    }
                }
            }
            let Some(last) = last else {
                break;
            };
            let max = self.retry().max_elapsed_time;
            if !self.retry().enabled || (!max.is_zero() && started.elapsed() >= max) {
                permanent.push(last);
                break;
            }
            let delay = backoff.next_delay();
            // A change of backends (one dropped by the resolver) is worth an early retry.
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = self.changed.notified() => {}
            }
        }
        match ConsumeError::combine(permanent) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

#[async_trait]
impl ExportClient for LoadBalancer {
    async fn start(&self, host: &Arc<dyn Host>) -> Result<(), ComponentError> {
        if let Some(a) = &self.inner.cfg.protocol.otlp.auth {
            let found = otelcol_component::auth::client_authenticator(host, &a.authenticator)
                .map_err(|e| ComponentError::new(format!("protocol::otlp::auth: {e}")))?;
            let _ = self.inner.auth.set(found);
        }
        if let Resolver::K8s(k) = &self.inner.resolver {
            let stop = CancellationToken::new();
            let (token, inner, k) = (stop.clone(), self.inner.clone(), k.clone());
            // The first list before start returns, as the other resolvers.
            let mut version = inner.refresh_k8s(&k).await;
            let task = tokio::spawn(async move {
                loop {
                    let waited = match &version {
                        Some(v) => tokio::select! {
                            _ = token.cancelled() => return,
                            r = k.wait_for_change(v) => r,
                        },
                        None => Err("no list yet".to_string()),
                    };
                    if let Err(e) = waited {
                        tracing::debug!(exporter = %inner.id, error = %e, "watching the EndpointSlices; listing again in a second");
                        tokio::select! {
                            _ = token.cancelled() => return,
                            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                        }
                    }
                    version = inner.refresh_k8s(&k).await;
                }
            });
            if let Some((old, _)) = lock(&self.task).replace((stop, task)) {
                old.cancel();
            }
            return Ok(());
        }
        self.inner.refresh().await;
        if let Resolver::Dns { interval, .. } = self.inner.resolver {
            let stop = CancellationToken::new();
            let (token, inner) = (stop.clone(), self.inner.clone());
            let task = tokio::spawn(async move {
                let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tokio::select! {
                        _ = token.cancelled() => return,
                        _ = tick.tick() => {
                            inner.refresh().await;
                        }
                    }
                }
            });
            if let Some((old, _)) = lock(&self.task).replace((stop, task)) {
                old.cancel();
            }
        }
        Ok(())
    }

    async fn close(&self) -> Result<(), ComponentError> {
        let running = lock(&self.task).take();
        if let Some((stop, task)) = running {
            stop.cancel();
            let _ = task.await;
        }
        for c in &self.inner.current().clients {
            c.close();
        }
        Ok(())
    }
}

#[async_trait]
impl Sender<Traces> for LoadBalancer {
    async fn send(&self, data: Traces) -> Result<(), ConsumeError> {
        self.inner.send_routed(data).await
    }
}

#[async_trait]
impl Sender<Metrics> for LoadBalancer {
    async fn send(&self, data: Metrics) -> Result<(), ConsumeError> {
        self.inner.send_routed(data).await
    }
}

#[async_trait]
impl Sender<Logs> for LoadBalancer {
    async fn send(&self, data: Logs) -> Result<(), ConsumeError> {
        self.inner.send_routed(data).await
    }
}
