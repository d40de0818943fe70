//! The HTTP server: hyper with HTTP/1.1 and h2c (h2 by ALPN over TLS), the
//! connection limits of `otelcol-httpserver`, CORS, `response_headers`,
//! `auth`, and the span endpoints.
//!
//! Every path is served, as by Go's receiver: a path containing
//! `api/v1/spans` takes Zipkin v1, any other v2 (clients post to
//! `/api/v1/spans` and `/api/v2/spans`). Answers are Go's: 202 with an
//! empty body when the pipeline took the spans; 400 with the reason (text)
//! for a body that cannot be read or decoded; `"Bad Request"` (400) when the
//! pipeline refused the data for good and `"Internal Server Error"` (500)
//! when it may be retried.

mod body;

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use http::header::{ALLOW, CONTENT_TYPE, RETRY_AFTER};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use otelcol_component::auth::ServerAuthenticator;
use otelcol_component::metrics::Counter;
use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::trace::v1::ResourceSpans;
use otelcol_component::{
    AdmissionSet, AuthData, ClientInfo, ConsumeError, Payload, RequestContext, SharedConsumer, Traces,
};
use otelcol_configcompression::CompressionType;
use otelcol_confighttp::ServerConfig;
use otelcol_configtls::rustls::ServerConfig as TlsConfig;
use otelcol_httpserver::conn::{Activity, ConnectionGate, accept_loop, drive};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use self::body::{BodyReader, reserve};
use crate::decode::{format_of, translate};
use crate::error::{BodyError, DecodeError, Format};
use otelcol_confighttp::cors::Cors;

pub(crate) type HttpResponse = Response<Full<Bytes>>;

/// Bodies from this size on are decompressed and decoded on the blocking
/// pool, a few at a time, so a large one does not hold up an async worker.
const OFFLOAD: usize = 64 * 1024;
/// How long a client may take to complete the TLS handshake.
const TLS_HANDSHAKE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Self-metric counters of one transport (format).
#[derive(Clone)]
pub(crate) struct Counters {
    pub(crate) accepted: Counter,
    pub(crate) refused: Counter,
}

/// What the server needs, built when the receiver starts.
pub(crate) struct App {
    pub(crate) receiver: String,
    pub(crate) consumer: SharedConsumer<Traces>,
    pub(crate) counters: HashMap<Format, Counters>,
    pub(crate) gates: Arc<AdmissionSet>,
    pub(crate) authenticator: Option<Arc<dyn ServerAuthenticator>>,
    pub(crate) parse_string_tags: bool,
    bodies: BodyReader,
    cors: Option<Cors>,
    response_headers: Vec<(HeaderName, HeaderValue)>,
    request_params: Vec<String>,
    include_metadata: bool,
}

impl App {
    pub(crate) fn new(
        cfg: &ServerConfig,
        receiver: String,
        consumer: SharedConsumer<Traces>,
        counters: HashMap<Format, Counters>,
        gates: Arc<AdmissionSet>,
        authenticator: Option<Arc<dyn ServerAuthenticator>>,
        parse_string_tags: bool,
    ) -> Self {
        App {
            receiver,
            consumer,
            counters,
            gates,
            authenticator,
            parse_string_tags,
            bodies: BodyReader::new(cfg),
            cors: cfg.cors.as_ref().and_then(Cors::new),
            // Validated with the config; an invalid pair is skipped.
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
            request_params: cfg
                .auth
                .as_ref()
                .map(|a| a.request_params.clone())
                .unwrap_or_default(),
            include_metadata: cfg.include_metadata,
        }
    }

    /// Answers one request (CORS and configured headers around the route).
    pub(crate) async fn handle<B>(&self, req: Request<B>, peer: SocketAddr) -> HttpResponse
    where
        B: hyper::body::Body<Data = Bytes>,
        B::Error: std::fmt::Display,
    {
        let mut resp = match &self.cors {
            Some(cors) if Cors::is_preflight(req.method(), req.headers()) => {
                let mut resp = empty(StatusCode::NO_CONTENT);
                cors.preflight(req.headers(), resp.headers_mut());
                resp
            }
            Some(cors) => {
                let method = req.method().clone();
                let origin = req.headers().get(http::header::ORIGIN).cloned();
                let mut resp = self.spans(req, peer).await;
                cors.actual(&method, origin.as_ref(), resp.headers_mut());
                resp
            }
            None => self.spans(req, peer).await,
        };
        // Configured headers first, so the handler's own win (as in Go).
        for (name, value) in &self.response_headers {
            if !resp.headers().contains_key(name) {
                resp.headers_mut().insert(name.clone(), value.clone());
            }
        }
        resp
    }

    async fn spans<B>(&self, req: Request<B>, peer: SocketAddr) -> HttpResponse
    where
        B: hyper::body::Body<Data = Bytes>,
        B::Error: std::fmt::Display,
    {
        if req.method() != Method::POST {
            let mut resp = text(
                StatusCode::METHOD_NOT_ALLOWED,
                "405 method not allowed, supported: [POST]",
            );
            resp.headers_mut().insert(ALLOW, HeaderValue::from_static("POST"));
            return resp;
        }
        let content_type = req.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
        let format = format_of(req.uri().path(), content_type);
        let (parts, body) = req.into_parts();
        let auth = match self.authenticate(&parts.headers, parts.uri.query()).await {
            Ok(a) => a,
            Err(msg) => return text(StatusCode::UNAUTHORIZED, &msg),
        };
        let (codec, announced) = match self.bodies.precheck(&parts.headers) {
            Ok(c) => c,
            Err(e) => return self.body_error(format, &e),
        };
        let raw = match self.bodies.read(body, announced, &self.gates).await {
            Ok(b) => b,
            Err(e) => return self.body_error(format, &e),
        };
        let resource_spans = match self.decode(format, codec, raw).await {
            Ok(r) => r,
            Err(Failure::Body(e)) => return self.body_error(format, &e),
            Err(Failure::Decode(e)) => {
                tracing::debug!(receiver = %self.receiver, error = %e, "failed to decode a Zipkin request");
                return text(StatusCode::BAD_REQUEST, &e.to_string());
            }
        };
        let mut payload = Traces::from_request(ExportTraceServiceRequest { resource_spans });
        let items = payload.item_count() as u64;
        if items == 0 {
            return empty(StatusCode::ACCEPTED);
        }
        let mut client = ClientInfo::with_address(Some(peer));
        if self.include_metadata {
            client.metadata = metadata(&parts.headers);
        }
        if let Some(auth) = auth {
            client = client.with_auth(auth);
        }
        payload.set_context(RequestContext::new(client));
        self.export(format, payload, items).await
    }

    /// Hands the spans to the pipeline, counts them, and answers as Go does.
    async fn export(&self, format: Format, payload: Traces, items: u64) -> HttpResponse {
        let counters = self.counters.get(&format);
        let count = |accepted: u64, refused: u64| {
            if let Some(c) = counters {
                c.accepted.increment(accepted);
                c.refused.increment(refused);
            }
        };
        let Err(err) = self.consumer.consume(payload).await else {
            count(items, 0);
            // "Accepted", as the Zipkin API requires.
            return empty(StatusCode::ACCEPTED);
        };
        if let Some(rejected) = err.rejected_items() {
            // Some were taken: a retry would duplicate them, and the rest
            // are refused for good.
            let rejected = rejected.min(items);
            count(items - rejected, rejected);
            tracing::debug!(
                receiver = %self.receiver, transport = format.transport(), items, rejected, error = %err,
                "Zipkin spans partially rejected by the pipeline"
            );
            return empty(StatusCode::ACCEPTED);
        }
        count(0, items);
        tracing::debug!(
            receiver = %self.receiver, transport = format.transport(), items, error = %err,
            "Zipkin spans refused by the pipeline"
        );
        refused(&err)
    }

    fn body_error(&self, format: Format, e: &BodyError) -> HttpResponse {
        tracing::debug!(
            receiver = %self.receiver, transport = format.transport(), error = %e,
            "failed to read a Zipkin request body"
        );
        match e {
            BodyError::Refused(err) => refused(err),
            _ => text(StatusCode::BAD_REQUEST, &e.to_string()),
        }
    }

    /// Decompresses and translates a body, on the blocking pool when large.
    async fn decode(
        &self,
        format: Format,
        codec: Option<CompressionType>,
        raw: Bytes,
    ) -> Result<Vec<ResourceSpans>, Failure> {
        let max = self.bodies.max();
        let parse = self.parse_string_tags;
        if raw.len() < OFFLOAD {
            return decode_body(format, codec, &raw, max, &self.gates, parse);
        }
        let permit = offload_slots()
            .acquire()
            .await
            .map_err(|_| Failure::Body(BodyError::Decompress("the runtime is shutting down".into())))?;
        let gates = self.gates.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            decode_body(format, codec, &raw, max, &gates, parse)
        })
        .await
        .map_err(|e| Failure::Body(BodyError::Decompress(e.to_string())))?
    }

    /// Checks the request's credentials with the authenticator, if any:
    /// `Err(message)` when refused (the message holds no credential).
    async fn authenticate(
        &self,
        headers: &HeaderMap,
        query: Option<&str>,
    ) -> Result<Option<AuthData>, String> {
        let Some(authenticator) = &self.authenticator else {
            return Ok(None);
        };
        let mut list: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            if self.request_params.iter().any(|p| p == k) {
                list.push((k.to_ascii_lowercase(), v.to_string()));
            }
        }
        authenticator.authenticate(&list).await.map(Some).map_err(|e| {
            tracing::debug!(receiver = %self.receiver, error = %e, "request refused by the authenticator");
            e.to_string()
        })
    }
}

/// Why a body did not become spans.
enum Failure {
    Body(BodyError),
    Decode(DecodeError),
}

impl From<BodyError> for Failure {
    fn from(e: BodyError) -> Self {
        Failure::Body(e)
    }
}

fn decode_body(
    format: Format,
    codec: Option<CompressionType>,
    raw: &[u8],
    max: usize,
    gates: &AdmissionSet,
    parse_string_tags: bool,
) -> Result<Vec<ResourceSpans>, Failure> {
    let body: Cow<'_, [u8]> = match codec {
        None => Cow::Borrowed(raw),
        Some(c) => Cow::Owned(body::decompress(c, raw, max, gates)?),
    };
    let _decoding = reserve(gates, crate::decode::estimate(format, &body))?;
    translate(format, &body, parse_string_tags).map_err(Failure::Decode)
}

fn offload_slots() -> &'static tokio::sync::Semaphore {
    static SLOTS: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    SLOTS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        tokio::sync::Semaphore::new(cores)
    })
}

/// The request headers as client metadata (lower-case names, every value).
fn metadata(headers: &HeaderMap) -> BTreeMap<String, Vec<String>> {
    let mut md: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in headers {
        md.entry(name.as_str().to_string())
            .or_default()
            .push(String::from_utf8_lossy(value.as_bytes()).into_owned());
    }
    md
}

fn empty(status: StatusCode) -> HttpResponse {
    let mut resp = Response::new(Full::new(Bytes::new()));
    *resp.status_mut() = status;
    resp
}

/// A text answer, as Go's `http.Error` writes it.
fn text(status: StatusCode, message: &str) -> HttpResponse {
    let mut resp = Response::new(Full::new(Bytes::from(format!("{message}\n"))));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    h.insert(
        HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    );
    resp
}

/// The answer to data the pipeline (or an admission gate) refused, as Go's
/// receiver writes it: 400 `"Bad Request"` when permanent, else 500
/// `"Internal Server Error"` (with `Retry-After` when a delay is known).
fn refused(err: &ConsumeError) -> HttpResponse {
    let (status, body) = if err.is_permanent() {
        (StatusCode::BAD_REQUEST, "\"Bad Request\"")
    } else {
        (StatusCode::INTERNAL_SERVER_ERROR, "\"Internal Server Error\"")
    };
    let mut resp = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    if let Some(delay) = err.retry_after() {
        let secs = delay
            .as_secs()
            .saturating_add(u64::from(delay.subsec_nanos() > 0));
        resp.headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(secs.max(1)));
    }
    resp
}

/// Serves `app` on `listener` (over TLS when `tls` is set) until `shutdown`
/// is cancelled; then stops accepting, lets the requests in flight finish
/// and closes the connections.
pub(crate) async fn serve(
    cfg: &ServerConfig,
    app: Arc<App>,
    listener: TcpListener,
    tls: Option<Arc<TlsConfig>>,
    shutdown: CancellationToken,
) {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // Header reads are bounded by the connection watchdog.
    builder
        .http1()
        .header_read_timeout(None)
        .keep_alive(cfg.keep_alives_enabled);
    let limits = cfg.connection_limits();
    let name = match listener.local_addr() {
        Ok(addr) => format!("Zipkin receiver on {addr}"),
        Err(_) => "Zipkin receiver".to_string(),
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
                Some(config) => {
                    let accepted = tokio::time::timeout(
                        TLS_HANDSHAKE_TIMEOUT,
                        otelcol_configtls::accept(config, stream),
                    )
                    .await;
                    let stream = match accepted {
                        Ok(Ok(s)) => s,
                        Ok(Err(e)) => {
                            tracing::debug!(%peer, error = %e, "Zipkin receiver TLS handshake failed");
                            return;
                        }
                        Err(_) => {
                            tracing::debug!(%peer, "Zipkin receiver TLS handshake timed out");
                            return;
                        }
                    };
                    let conn = builder.serve_connection(TokioIo::new(stream), svc);
                    drive(conn, &activity, &limits, &shutdown).await
                }
            };
            if let Err(e) = ended {
                tracing::debug!(error = %e, %peer, "Zipkin receiver connection ended with an error");
            }
        }
    })
    .await;
}
