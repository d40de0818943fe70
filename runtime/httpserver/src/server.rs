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
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use otelcol_component::ComponentError;
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};
use tokio_util::sync::CancellationToken;

use crate::endpoint::Endpoint;

/// The response type of the server.
pub type HttpResponse = Response<Full<Bytes>>;

/// How long a client may take to send its request headers.
const READ_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// How long `shutdown` lets in-flight requests finish before closing them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

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
    /// Binds `endpoint` and serves `handler` on it until [`HttpServer::stop`].
    pub async fn start<H: Handler>(endpoint: &str, handler: Arc<H>) -> Result<Self, ComponentError> {
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
        let task = tokio::spawn(serve(listener, handler, shutdown.clone()));
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

async fn serve<H: Handler>(listener: TcpListener, handler: Arc<H>, shutdown: CancellationToken) {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(Some(READ_HEADER_TIMEOUT));
    let graceful = GracefulShutdown::new();
    let mut conns = JoinSet::new();
    loop {
        let (stream, peer) = tokio::select! {
            () = shutdown.cancelled() => break,
            Some(_) = conns.join_next(), if !conns.is_empty() => continue,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: back off briefly.
                    tracing::debug!(error = %e, "failed to accept a connection");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let handler = handler.clone();
        let svc = service_fn(move |req: Request<Incoming>| {
            let handler = handler.clone();
            async move { Ok::<_, Infallible>(handler.handle(req).await) }
        });
        let conn = builder.serve_connection(TokioIo::new(stream), svc).into_owned();
        let conn = graceful.watch(conn);
        conns.spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, %peer, "HTTP connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::debug!("HTTP requests still running after {SHUTDOWN_GRACE:?}; closing their connections");
    }
    conns.shutdown().await;
}
