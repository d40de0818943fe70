//! The receiver: up to four servers (gRPC, Thrift HTTP, Thrift compact and
//! binary over UDP) feeding one traces consumer.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use otelcol_component::auth::ServerAuthenticator;
use otelcol_component::{Component, ComponentError, ComponentId, Host, Settings, SharedConsumer, Traces};
use otelcol_configtls::{ALPN_H2, ALPN_HTTP11};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::grpc::GrpcApp;
use crate::http::HttpApp;
use crate::net::{bind_udp, listen_tcp};
use crate::pipeline::{Pipeline, Transport};
use crate::thrift::ThriftProtocol;
use crate::udp::UdpSettings;
use crate::{grpc, http, udp};

/// A running server: how to stop it and the task to wait for.
#[derive(Debug)]
struct Running {
    name: &'static str,
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

/// The pipelines of the four transports, built when the receiver is
/// created so that the self-metrics register with the meter of that time.
#[derive(Debug)]
struct Pipelines {
    grpc: Arc<Pipeline>,
    http: Arc<Pipeline>,
    compact: Arc<Pipeline>,
    binary: Arc<Pipeline>,
}

/// The bound addresses.
#[derive(Clone, Copy, Debug, Default)]
struct Addrs {
    grpc: Option<SocketAddr>,
    thrift_http: Option<SocketAddr>,
    thrift_compact: Option<SocketAddr>,
    thrift_binary: Option<SocketAddr>,
}

/// The `jaeger` receiver. Create it through [`crate::factory`], or with
/// [`JaegerReceiver::new`] to reach the bound addresses (tests bind port 0).
pub struct JaegerReceiver {
    id: ComponentId,
    cfg: Config,
    pipelines: Pipelines,
    state: tokio::sync::Mutex<State>,
    addrs: Mutex<Addrs>,
}

impl std::fmt::Debug for JaegerReceiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JaegerReceiver")
            .field("id", &self.id)
            .field("addrs", &self.addrs())
            .finish_non_exhaustive()
    }
}

fn auth_of(
    host: &Arc<dyn Host>,
    auth: Option<&otelcol_confighttp::AuthConfig>,
    prefix: &str,
) -> Result<Option<Arc<dyn ServerAuthenticator>>, ComponentError> {
    let Some(a) = auth else { return Ok(None) };
    otelcol_component::auth::server_authenticator(host, &a.authenticator)
        .map(Some)
        .map_err(|e| ComponentError::new(format!("{prefix}::auth: {e}")))
}

/// Spawns a server task stopped by the token it is given.
fn spawn<F>(running: &mut Vec<Running>, name: &'static str, server: impl FnOnce(CancellationToken) -> F)
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(server(shutdown.clone()));
    running.push(Running { name, shutdown, task });
}

fn local_addr<T>(r: std::io::Result<T>) -> Result<T, ComponentError> {
    r.map_err(|e| ComponentError::with_source("failed to read the bound address", e))
}

impl JaegerReceiver {
    /// A receiver feeding `next`.
    pub fn new(set: &Settings, cfg: Config, next: SharedConsumer<Traces>) -> Self {
        let meter = &set.telemetry.meter;
        let pipeline = |t| Arc::new(Pipeline::new(next.clone(), &set.id, t, meter));
        JaegerReceiver {
            id: set.id.clone(),
            cfg,
            pipelines: Pipelines {
                grpc: pipeline(Transport::Grpc),
                http: pipeline(Transport::ThriftHttp),
                compact: pipeline(Transport::ThriftCompact),
                binary: pipeline(Transport::ThriftBinary),
            },
            state: tokio::sync::Mutex::new(State::Created),
            addrs: Mutex::new(Addrs::default()),
        }
    }

    fn addrs(&self) -> Addrs {
        *self.addrs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The address the gRPC server is bound to, once started.
    pub fn grpc_addr(&self) -> Option<SocketAddr> {
        self.addrs().grpc
    }

    /// The address the Thrift HTTP server is bound to, once started.
    pub fn thrift_http_addr(&self) -> Option<SocketAddr> {
        self.addrs().thrift_http
    }

    /// The address the Thrift compact UDP server is bound to, once started.
    pub fn thrift_compact_addr(&self) -> Option<SocketAddr> {
        self.addrs().thrift_compact
    }

    /// The address the Thrift binary UDP server is bound to, once started.
    pub fn thrift_binary_addr(&self) -> Option<SocketAddr> {
        self.addrs().thrift_binary
    }

    async fn start_servers(&self, host: Arc<dyn Host>) -> Result<Vec<Running>, ComponentError> {
        let p = &self.cfg.protocols;
        // Authenticators, TLS material, then every socket, before anything
        // is served: an error leaves nothing running.
        let grpc_auth = auth_of(
            &host,
            p.grpc.as_ref().and_then(|g| g.auth.as_ref()),
            "protocols::grpc",
        )?;
        let http_auth = auth_of(
            &host,
            p.thrift_http.as_ref().and_then(|h| h.auth.as_ref()),
            "protocols::thrift_http",
        )?;
        let tls = |cfg: Option<&otelcol_configtls::TlsServerConfig>, prefix: &str, alpn: &[&[u8]]| {
            cfg.map(|t| {
                otelcol_configtls::server_config_with_alpn(t, alpn)
                    .map_err(|e| ComponentError::new(format!("{prefix}::tls::{}: {}", e.key, e.message)))
            })
            .transpose()
        };
        let grpc_tls = tls(
            p.grpc.as_ref().and_then(|g| g.tls.as_ref()),
            "protocols::grpc",
            &[ALPN_H2],
        )?;
        let http_tls = tls(
            p.thrift_http.as_ref().and_then(|h| h.tls.as_ref()),
            "protocols::thrift_http",
            &[ALPN_H2, ALPN_HTTP11],
        )?;
        let binary = match &p.thrift_binary {
            Some(c) => Some((c, bind_udp(&c.endpoint, c.socket_buffer_size).await?)),
            None => None,
        };
        let compact = match &p.thrift_compact {
            Some(c) => Some((c, bind_udp(&c.endpoint, c.socket_buffer_size).await?)),
            None => None,
        };
        let http_listener = match &p.thrift_http {
            Some(c) => Some((c, listen_tcp(&c.endpoint, "Collector address").await?)),
            None => None,
        };
        let grpc_listener = match &p.grpc {
            Some(c) => Some((c, listen_tcp(&c.endpoint, "gRPC address").await?)),
            None => None,
        };
        let mut addrs = Addrs::default();
        if let Some((_, s)) = &binary {
            addrs.thrift_binary = Some(local_addr(s.local_addr())?);
        }
        if let Some((_, s)) = &compact {
            addrs.thrift_compact = Some(local_addr(s.local_addr())?);
        }
        if let Some((_, l)) = &http_listener {
            addrs.thrift_http = Some(local_addr(l.local_addr())?);
        }
        if let Some((_, l)) = &grpc_listener {
            addrs.grpc = Some(local_addr(l.local_addr())?);
        }

        // Processors (the memory limiter) have registered their gates by now.
        let gates = Arc::new(host.admission());
        let mut running = Vec::new();
        if let Some((c, socket)) = binary {
            let settings = UdpSettings::new(ThriftProtocol::Binary, c);
            let pipeline = self.pipelines.binary.clone();
            tracing::info!(receiver = %self.id, endpoint = %c.endpoint, "Starting UDP server for Binary Thrift");
            spawn(&mut running, "thrift_binary", |t| {
                udp::serve(socket, settings, pipeline, t)
            });
        }
        if let Some((c, socket)) = compact {
            let settings = UdpSettings::new(ThriftProtocol::Compact, c);
            let pipeline = self.pipelines.compact.clone();
            tracing::info!(receiver = %self.id, endpoint = %c.endpoint, "Starting UDP server for Compact Thrift");
            spawn(&mut running, "thrift_compact", |t| {
                udp::serve(socket, settings, pipeline, t)
            });
        }
        if let Some((cfg, listener)) = http_listener {
            for key in cfg.unapplied_keys() {
                tracing::warn!(receiver = %self.id, "protocols::thrift_http::{key} is accepted but not applied by this build");
            }
            let app = Arc::new(HttpApp::new(
                cfg,
                self.pipelines.http.clone(),
                http_auth,
                gates.clone(),
            ));
            tracing::info!(receiver = %self.id, endpoint = %cfg.endpoint, "Starting HTTP server for Jaeger Thrift");
            let cfg = cfg.clone();
            spawn(&mut running, "thrift_http", |t| {
                http::serve(cfg, app, listener, http_tls, t)
            });
        }
        if let Some((cfg, listener)) = grpc_listener {
            for key in cfg.unapplied_keys() {
                tracing::warn!(receiver = %self.id, "protocols::grpc::{key} is accepted but not applied by this build");
            }
            let app = Arc::new(GrpcApp {
                pipeline: self.pipelines.grpc.clone(),
                authenticator: grpc_auth,
                gates,
                include_metadata: cfg.include_metadata,
            });
            tracing::info!(receiver = %self.id, endpoint = %cfg.endpoint, "Starting gRPC server for Jaeger Protobuf");
            let cfg = cfg.clone();
            spawn(&mut running, "grpc", |t| {
                grpc::serve(cfg, app, listener, grpc_tls, t)
            });
        }
        *self.addrs.lock().unwrap_or_else(PoisonError::into_inner) = addrs;
        Ok(running)
    }
}

#[async_trait::async_trait]
impl Component for JaegerReceiver {
    async fn start(&self, host: Arc<dyn Host>) -> Result<(), ComponentError> {
        let mut state = self.state.lock().await;
        match *state {
            State::Created => {}
            State::Running(_) => return Err(ComponentError::new("receiver already started")),
            State::Stopped => return Err(ComponentError::new("receiver was shut down")),
        }
        let running = self.start_servers(host).await?;
        *state = State::Running(running);
        Ok(())
    }

    async fn shutdown(&self) -> Result<(), ComponentError> {
        let mut state = self.state.lock().await;
        let State::Running(running) = std::mem::replace(&mut *state, State::Stopped) else {
            *state = State::Stopped;
            return Ok(());
        };
        for r in &running {
            r.shutdown.cancel();
        }
        let mut failed = None;
        for r in running {
            if let Err(e) = r.task.await {
                failed = Some(ComponentError::with_source(
                    format!("Jaeger {} server task failed", r.name),
                    e,
                ));
            }
        }
        failed.map_or(Ok(()), Err)
    }
}
