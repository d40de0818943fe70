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

/// Connection limits of an [`HttpServer`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerOptions {
    /// Per-connection time limits.
    pub limits: ConnectionLimits,
    /// Connections open at once; more are closed at once. 0: no bound.
    pub max_connections: usize,
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
    accept_loop(
        listener,
        gate,
        shutdown,
        Some(SHUTDOWN_GRACE),
        move |stream, peer| {
            let (builder, handler, shutdown) = (builder.clone(), handler.clone(), token.clone());
            async move {
                let svc = service_fn(move |req: Request<Incoming>| {
                    let handler = handler.clone();
                    async move { Ok::<_, Infallible>(handler.handle(req).await) }
                });
                let activity = Activity::new();
                let svc = activity.track(svc, limits.request_timeout);
                let conn = builder.serve_connection(TokioIo::new(stream), svc);
                if let Err(e) = drive(conn, &activity, &limits, &shutdown).await {
                    tracing::debug!(error = %e, %peer, "HTTP connection ended with an error");
                }
            }
        },
    )
    .await;
}

fn local(listener: &TcpListener) -> String {
    listener
        .local_addr()
        .map_or_else(|_| "?".to_string(), |a| a.to_string())
}
