//! The OTLP/HTTP server: hyper with HTTP/1.1 and h2c (h2 via ALPN over TLS), one route per signal
//! that has a consumer, CORS and response headers around every answer.

mod body;
#[doc(hidden)]
pub use body::decode_body;
mod handler;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use http::{HeaderName, HeaderValue, Request, StatusCode};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use otelcol_component::AdmissionSet;
use otelcol_configtls::rustls::ServerConfig;
use otelcol_httpserver::conn::{Activity, ConnectionGate, accept_loop, drive};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use self::body::BodyReader;
use self::handler::{HttpResponse, plain};
use crate::config::HttpConfig;
use crate::export::{Pipelines, SignalPipeline};
use otelcol_confighttp::cors::Cors;

/// A signal's route: its path and pipeline.
type Route<T> = Option<(String, Arc<SignalPipeline<T>>)>;

/// Everything a request needs, shared by all connections.
struct HttpApp {
    traces: Route<otelcol_component::Traces>,
    metrics: Route<otelcol_component::Metrics>,
    logs: Route<otelcol_component::Logs>,
    bodies: BodyReader,
    /// The host's admission gates, asked before a body is read.
    gates: Arc<AdmissionSet>,
    cors: Option<Cors>,
    response_headers: Vec<(HeaderName, HeaderValue)>,
}

impl HttpApp {
    fn new(cfg: &HttpConfig, pipelines: Pipelines, gates: Arc<AdmissionSet>) -> Self {
        let route = |path: &crate::config::UrlPath| path.as_str().to_string();
        HttpApp {
            traces: pipelines.traces.map(|p| (route(&cfg.traces_url_path), p)),
            metrics: pipelines.metrics.map(|p| (route(&cfg.metrics_url_path), p)),
            logs: pipelines.logs.map(|p| (route(&cfg.logs_url_path), p)),
            bodies: BodyReader::new(cfg),
            gates,
            cors: cfg.cors.as_ref().and_then(Cors::new),
            // Validated in `Config::validate`; an invalid pair is skipped.
            response_headers: cfg
                .response_headers
                .iter()
                .filter_map(|(k, v)| {
                    Some((
                        HeaderName::from_bytes(k.as_bytes()).ok()?,
                        HeaderValue::from_str(v).ok()?,
                    ))
                })
                .collect(),
        }
    }

    async fn handle(&self, req: Request<Incoming>, peer: SocketAddr) -> HttpResponse {
        let mut resp = match &self.cors {
            Some(cors) if Cors::is_preflight(req.method(), req.headers()) => {
                let mut resp = plain(StatusCode::NO_CONTENT, "");
                resp.headers_mut().remove(http::header::CONTENT_TYPE);
                cors.preflight(req.headers(), resp.headers_mut());
                resp
            }
            Some(cors) => {
                let method = req.method().clone();
                let origin = req.headers().get(http::header::ORIGIN).cloned();
                let mut resp = self.route(req, peer).await;
                cors.actual(&method, origin.as_ref(), resp.headers_mut());
                resp
            }
            None => self.route(req, peer).await,
        };
        // Like Go, configured headers are set first, so the handler's own
        // headers (Content-Type) win.
        for (name, value) in &self.response_headers {
            if !resp.headers().contains_key(name) {
                resp.headers_mut().insert(name.clone(), value.clone());
            }
        }
        resp
    }

    async fn route(&self, req: Request<Incoming>, peer: SocketAddr) -> HttpResponse {
        let path = req.uri().path();
        if let Some((_, p)) = self.traces.as_ref().filter(|(r, _)| r == path) {
            return handler::handle(p, &self.bodies, &self.gates, req, peer).await;
        }
        if let Some((_, p)) = self.metrics.as_ref().filter(|(r, _)| r == path) {
            return handler::handle(p, &self.bodies, &self.gates, req, peer).await;
        }
        if let Some((_, p)) = self.logs.as_ref().filter(|(r, _)| r == path) {
            return handler::handle(p, &self.bodies, &self.gates, req, peer).await;
        }
        plain(StatusCode::NOT_FOUND, "404 page not found\n")
    }
}

/// Serves HTTP on `listener` (over TLS when `tls` is set) until `shutdown` is cancelled; then stops
/// accepting, lets in-flight requests finish and closes idle connections. Connections are bounded
/// by `max_connections` and closed by the connection watchdog when they stall or sit idle.
pub(crate) async fn serve(
    cfg: &HttpConfig,
    pipelines: Pipelines,
    gates: Arc<AdmissionSet>,
    listener: TcpListener,
    tls: Option<Arc<ServerConfig>>,
    shutdown: CancellationToken,
) {
    let app = Arc::new(HttpApp::new(cfg, pipelines, gates));
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // Header reads are bounded by the connection watchdog (hyper's own header
    // timeout would also cut idle keep-alive connections at that limit).
    builder
        .http1()
        .header_read_timeout(None)
        .keep_alive(cfg.keep_alives_enabled);
    let limits = cfg.connection_limits();
    let name = match listener.local_addr() {
        Ok(addr) => format!("OTLP HTTP receiver on {addr}"),
        Err(_) => "OTLP HTTP receiver".to_string(),
    };
    let gate = ConnectionGate::new(name, cfg.max_connections);
    let token = shutdown.clone();
    accept_loop(listener, gate, shutdown, None, move |stream, peer| {
        let (app, builder, tls, shutdown) = (app.clone(), builder.clone(), tls.clone(), token.clone());
        async move {
            let _ = stream.set_nodelay(true);
            let svc = service_fn(move |req: Request<Incoming>| {
                let app = app.clone();
                async move { Ok::<_, Infallible>(app.handle(req, peer).await) }
            });
            let activity = Activity::new();
            let svc = activity.track(svc, limits.request_timeout);
            let ended = match tls {
                None => {
                    let conn = builder.serve_connection(TokioIo::new(stream), svc);
                    drive(conn, &activity, &limits, &shutdown).await
                }
                // TLS: the handshake runs in the connection's own task.
                Some(config) => {
                    let Some(stream) = crate::tls::handshake(config, stream, peer, "http").await else {
                        return;
                    };
                    let conn = builder.serve_connection(TokioIo::new(stream), svc);
                    drive(conn, &activity, &limits, &shutdown).await
                }
            };
            if let Err(e) = ended {
                tracing::debug!(error = %e, %peer, "OTLP HTTP connection ended with an error");
            }
        }
    })
    .await;
}
