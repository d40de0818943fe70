//! A small HTTP server (HTTP/1.1 and h2c on one port): bound in `start`,
//! stopped gracefully in `shutdown`.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use otelcol_component::ComponentError;
use otelcol_configtls::TlsServerConfig;
use otelcol_configtls::rustls::ServerConfig;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::conn::{Activity, ConnectionGate, ConnectionLimits, DEFAULT_MAX_CONNECTIONS, accept_loop, drive};
use crate::endpoint::Endpoint;

/// The response type of the server.
pub type HttpResponse = Response<Full<Bytes>>;

/// How long a new connection may take to send its first request headers.
pub const FIRST_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a connection may stay idle between requests (Go confighttp's `idle_timeout`).
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// How long `shutdown` lets in-flight requests finish before closing them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// How long a client may take to complete the TLS handshake.
pub const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Connection limits and TLS of an [`HttpServer`].
#[derive(Clone, Debug)]
pub struct ServerOptions {
    /// Per-connection time limits.
    pub limits: ConnectionLimits,
    /// Connections open at once; more are closed at once. 0: no bound.
    pub max_connections: usize,
    /// Serve HTTPS with this config (see [`tls_config`]); `None`: plain HTTP.
    pub tls: Option<Arc<ServerConfig>>,
}

/// The rustls config of a component's `tls` block, offering h2 and
/// http/1.1 by ALPN. Reads the certificate files (call it in `start`).
pub fn tls_config(cfg: &TlsServerConfig) -> Result<Arc<ServerConfig>, ComponentError> {
    otelcol_configtls::server_config_with_alpn(
        cfg,
        &[otelcol_configtls::ALPN_H2, otelcol_configtls::ALPN_HTTP11],
    )
    .map_err(|e| ComponentError::new(e.into_config_error("tls").to_string()))
}

impl Default for ServerOptions {
    /// First request within 10 s, idle at most 60 s, no request or age
    /// limit, at most 4096 connections.
    fn default() -> Self {
        ServerOptions {
            limits: ConnectionLimits {
                first_request_timeout: Some(FIRST_REQUEST_TIMEOUT),
                idle_timeout: Some(IDLE_TIMEOUT),
                ..ConnectionLimits::default()
            },
            max_connections: DEFAULT_MAX_CONNECTIONS,
            tls: None,
        }
    }
}

/// Answers requests.
pub trait Handler: Send + Sync + 'static {
    /// Answers one request.
    fn handle(&self, req: Request<Incoming>) -> impl Future<Output = HttpResponse> + Send;
}

/// A running server.
#[derive(Debug)]
pub struct HttpServer {
    addr: SocketAddr,
    shutdown: CancellationToken,
    task: JoinHandle<()>,
}

impl HttpServer {
    /// Binds `endpoint` and serves `handler` on it until [`HttpServer::stop`],
    /// with the default [`ServerOptions`].
    pub async fn start<H: Handler>(endpoint: &str, handler: Arc<H>) -> Result<Self, ComponentError> {
        Self::start_with(endpoint, handler, ServerOptions::default()).await
    }

    /// Binds `endpoint` and serves `handler` on it until [`HttpServer::stop`].
    pub async fn start_with<H: Handler>(
        endpoint: &str,
        handler: Arc<H>,
        options: ServerOptions,
    ) -> Result<Self, ComponentError> {
        let ep =
            Endpoint::parse(endpoint).map_err(|e| ComponentError::new(format!("invalid endpoint: {e}")))?;
        let listener = ep
            .bind()
            .await
            .map_err(|e| ComponentError::with_source(format!("failed to bind to address {endpoint}"), e))?;
        let addr = listener.local_addr().map_err(|e| {
            ComponentError::with_source(format!("failed to read the address bound for {endpoint}"), e)
        })?;
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(serve(listener, handler, shutdown.clone(), options));
        Ok(HttpServer { addr, shutdown, task })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, lets in-flight requests finish (for a bounded time) and closes every connection.
    pub async fn stop(self) -> Result<(), ComponentError> {
        self.shutdown.cancel();
        self.task
            .await
            .map_err(|e| ComponentError::with_source("HTTP server task failed", e))
    }
}

async fn serve<H: Handler>(
    listener: TcpListener,
    handler: Arc<H>,
    shutdown: CancellationToken,
    options: ServerOptions,
) {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // The connection watchdog bounds header reads (hyper's own header timeout
    // would also cut keep-alive connections short).
    builder.http1().header_read_timeout(None);
    let gate = ConnectionGate::new(
        format!("HTTP server on {}", local(&listener)),
        options.max_connections,
    );
    let limits = options.limits;
    let token = shutdown.clone();
    let tls = options.tls.clone();
    accept_loop(
        listener,
        gate,
        shutdown,
        Some(SHUTDOWN_GRACE),
        move |stream, peer| {
            let (builder, handler, shutdown, tls) =
                (builder.clone(), handler.clone(), token.clone(), tls.clone());
            async move {
                match tls {
                    None => serve_connection(stream, peer, &builder, handler, &limits, &shutdown).await,
                    Some(config) => {
                        let accepted = tokio::time::timeout(
                            TLS_HANDSHAKE_TIMEOUT,
                            otelcol_configtls::accept(config, stream),
                        )
                        .await;
                        match accepted {
                            Ok(Ok(tls)) => {
                                serve_connection(tls, peer, &builder, handler, &limits, &shutdown).await
                            }
                            Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                            Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                        }
                    }
                }
            }
        },
    )
    .await;
}

async fn serve_connection<H, IO>(
    io: IO,
    peer: SocketAddr,
    builder: &auto::Builder<TokioExecutor>,
    handler: Arc<H>,
    limits: &ConnectionLimits,
    shutdown: &CancellationToken,
) where
    H: Handler,
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let svc = service_fn(move |req: Request<Incoming>| {
        let handler = handler.clone();
        async move { Ok::<_, Infallible>(handler.handle(req).await) }
    });
    let activity = Activity::new();
    let svc = activity.track(svc, limits.request_timeout);
    let conn = builder.serve_connection(TokioIo::new(io), svc);
    if let Err(e) = drive(conn, &activity, limits, shutdown).await {
        tracing::debug!(error = %e, %peer, "HTTP connection ended with an error");
    }
}

fn local(listener: &TcpListener) -> String {
    listener
        .local_addr()
        .map_or_else(|_| "?".to_string(), |a| a.to_string())
}
