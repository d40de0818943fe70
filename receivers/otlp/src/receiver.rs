//! The receiver: one gRPC and one HTTP listener serving every signal it has
//! a consumer for.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use otelcol_component::{Component, ComponentError, ComponentId, Consumers, Host, Settings};
use otelcol_configtls::rustls::ServerConfig;
use otelcol_configtls::{ALPN_H2, ALPN_HTTP11};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::{Config, TlsServerConfig};
use crate::export::{AuthSlot, Pipelines};
use crate::{grpc, http};
use otelcol_httpserver::endpoint::Endpoint;

/// A running server: how to stop it and the task to wait for.
#[derive(Debug)]
struct Running {
    shutdown: CancellationToken,
    task: JoinHandle<()>,
}

#[derive(Debug, Default)]
enum State {
    #[default]
    Created,
    Running(Vec<Running>),
    Stopped,
}

/// Pipelines are built when the receiver is created so that self-metric
/// handles are registered with the recorder installed at that time.
struct Prepared {
    grpc: Option<Pipelines>,
    http: Option<Pipelines>,
}

/// The `otlp` receiver. Create it through [`crate::factory`] (or
/// [`OtlpReceiver::new`] to reach [`OtlpReceiver::grpc_addr`] and
/// [`OtlpReceiver::http_addr`]).
pub struct OtlpReceiver {
    id: ComponentId,
    cfg: Config,
    prepared: Mutex<Option<Prepared>>,
    state: tokio::sync::Mutex<State>,
    grpc_addr: Mutex<Option<SocketAddr>>,
    http_addr: Mutex<Option<SocketAddr>>,
    grpc_auth: Arc<AuthSlot>,
    http_auth: Arc<AuthSlot>,
}

impl std::fmt::Debug for OtlpReceiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OtlpReceiver")
            .field("id", &self.id)
            .field("grpc_addr", &self.grpc_addr())
            .field("http_addr", &self.http_addr())
            .finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl OtlpReceiver {
    /// A receiver feeding `next`; signals whose consumer is `None` are not
    /// served (gRPC `UNIMPLEMENTED`, HTTP 404).
    pub fn new(set: &Settings, cfg: Config, next: Consumers) -> Self {
        let id = set.id.clone();
        let grpc_auth = Arc::new(AuthSlot::new(Vec::new()));
        let http_auth = Arc::new(AuthSlot::new(
            cfg.protocols
                .http
                .as_ref()
                .and_then(|h| h.auth.as_ref())
                .map(|a| a.request_params.clone())
                .unwrap_or_default(),
        ));
        let prepared = Prepared {
            grpc: cfg.protocols.grpc.as_ref().map(|g| {
                Pipelines::new(
                    &next,
                    &id,
                    "grpc",
                    g.include_metadata,
                    &set.telemetry.meter,
                    grpc_auth.clone(),
                )
            }),
            http: cfg.protocols.http.as_ref().map(|h| {
                Pipelines::new(
                    &next,
                    &id,
                    "http",
                    h.include_metadata,
                    &set.telemetry.meter,
                    http_auth.clone(),
                )
            }),
        };
        OtlpReceiver {
            id,
            cfg,
            prepared: Mutex::new(Some(prepared)),
            state: tokio::sync::Mutex::new(State::Created),
            grpc_addr: Mutex::new(None),
            http_addr: Mutex::new(None),
            grpc_auth,
            http_auth,
        }
    }

    /// The address the gRPC server is bound to, once started.
    pub fn grpc_addr(&self) -> Option<SocketAddr> {
        *lock(&self.grpc_addr)
    }

    /// The address the HTTP server is bound to, once started.
    pub fn http_addr(&self) -> Option<SocketAddr> {
        *lock(&self.http_addr)
    }
}

async fn listen(endpoint: &str) -> Result<TcpListener, ComponentError> {
    let ep = Endpoint::parse(endpoint).map_err(|e| ComponentError::new(format!("invalid endpoint: {e}")))?;
    ep.bind()
        .await
        .map_err(|e| ComponentError::with_source(format!("failed to listen on {ep}"), e))
}

fn tls_config(
    cfg: &TlsServerConfig,
    prefix: &str,
    alpn: &[&[u8]],
) -> Result<Arc<ServerConfig>, ComponentError> {
    otelcol_configtls::server_config_with_alpn(cfg, alpn)
        .map_err(|e| ComponentError::new(format!("{prefix}::{}: {}", e.key, e.message)))
}

fn local_addr(l: &TcpListener) -> Result<SocketAddr, ComponentError> {
    l.local_addr()
        .map_err(|e| ComponentError::with_source("failed to read the bound address", e))
}

#[async_trait::async_trait]
impl Component for OtlpReceiver {
    async fn start(&self, host: Arc<dyn Host>) -> Result<(), ComponentError> {
        let mut state = self.state.lock().await;
        match *state {
            State::Created => {}
            State::Running(_) => return Err(ComponentError::new("receiver already started")),
            State::Stopped => return Err(ComponentError::new("receiver was shut down")),
        }
        // The authenticators, the TLS material, then every listener,
        // before serving anything, so an error leaves nothing running.
        let resolve = |auth: Option<&otelcol_confighttp::AuthConfig>, slot: &AuthSlot, prefix: &str| {
            if let Some(a) = auth {
                let found = otelcol_component::auth::server_authenticator(&host, &a.authenticator)
                    .map_err(|e| ComponentError::new(format!("{prefix}::auth: {e}")))?;
                slot.set(found);
            }
            Ok::<(), ComponentError>(())
        };
        resolve(
            self.cfg.protocols.grpc.as_ref().and_then(|g| g.auth.as_ref()),
            &self.grpc_auth,
            "protocols::grpc",
        )?;
        resolve(
            self.cfg.protocols.http.as_ref().and_then(|h| h.auth.as_ref()),
            &self.http_auth,
            "protocols::http",
        )?;
        let grpc_tls = match self.cfg.protocols.grpc.as_ref().and_then(|g| g.tls.as_ref()) {
            Some(t) => Some(tls_config(t, "protocols::grpc::tls", &[ALPN_H2])?),
            None => None,
        };
        let http_tls = match self.cfg.protocols.http.as_ref().and_then(|h| h.tls.as_ref()) {
            Some(t) => Some(tls_config(t, "protocols::http::tls", &[ALPN_H2, ALPN_HTTP11])?),
            None => None,
        };
        let grpc_listener = match &self.cfg.protocols.grpc {
            Some(g) => Some(listen(&g.endpoint).await?),
            None => None,
        };
        let http_listener = match &self.cfg.protocols.http {
            Some(h) => Some(listen(&h.endpoint).await?),
            None => None,
        };
        let grpc_bound = match grpc_listener {
            Some(l) => Some((local_addr(&l)?, l)),
            None => None,
        };
        let http_bound = match http_listener {
            Some(l) => Some((local_addr(&l)?, l)),
            None => None,
        };
        let Some(prepared) = lock(&self.prepared).take() else {
            return Err(ComponentError::new("receiver already started"));
        };
        // Processors (the memory limiter) have started and registered their
        // admission gates by now.
        let gates = Arc::new(host.admission());
        let mut running = Vec::new();
        if let (Some(cfg), Some((addr, listener)), Some(pipelines)) =
            (self.cfg.protocols.grpc.clone(), grpc_bound, prepared.grpc)
        {
            for key in cfg.unapplied_keys() {
                tracing::warn!(receiver = %self.id, "protocols::grpc::{key} is accepted but not applied by this build");
            }
            let shutdown = CancellationToken::new();
            let token = shutdown.clone();
            let gates = gates.clone();
            let task = tokio::spawn(async move {
                grpc::serve(&cfg, pipelines, gates, listener, grpc_tls, token).await;
            });
            tracing::info!(receiver = %self.id, "OTLP gRPC receiver listening on {addr}");
            *lock(&self.grpc_addr) = Some(addr);
            running.push(Running { shutdown, task });
        }
        if let (Some(cfg), Some((addr, listener)), Some(pipelines)) =
            (self.cfg.protocols.http.clone(), http_bound, prepared.http)
        {
            for key in cfg.unapplied_keys() {
                tracing::warn!(receiver = %self.id, "protocols::http::{key} is accepted but not applied by this build");
            }
            let shutdown = CancellationToken::new();
            let token = shutdown.clone();
            let gates = gates.clone();
            let task =
                tokio::spawn(
                    async move { http::serve(&cfg, pipelines, gates, listener, http_tls, token).await },
                );
            tracing::info!(receiver = %self.id, "OTLP HTTP receiver listening on {addr}");
            *lock(&self.http_addr) = Some(addr);
            running.push(Running { shutdown, task });
        }
        *state = State::Running(running);
        Ok(())
    }

    async fn shutdown(&self) -> Result<(), ComponentError> {
        let mut state = self.state.lock().await;
        let State::Running(running) = std::mem::replace(&mut *state, State::Stopped) else {
            return Ok(());
        };
        for r in &running {
            r.shutdown.cancel();
        }
        let mut failed = None;
        for r in running {
            if let Err(e) = r.task.await {
                failed = Some(ComponentError::with_source("OTLP server task failed", e));
            }
        }
        failed.map_or(Ok(()), Err)
    }
}
