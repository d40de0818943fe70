//! The collector's Thrift-over-HTTP endpoint: `POST /api/traces` with a
//! `Batch` in the Thrift binary protocol (`application/x-thrift` or
//! `application/vnd.apache.thrift.binary`), answered as Go's
//! `HandleThriftHTTPBatch` answers: 202 with no body when the pipeline took
//! the spans, 400 for a body that is not a batch or a wrong content type,
//! 500 when the body cannot be read or the pipeline fails.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use otelcol_component::auth::ServerAuthenticator;
use otelcol_component::{Admission, AdmissionPermit, AdmissionSet, ConsumeError};
use otelcol_configcompression::CompressionType;
use otelcol_configtls::rustls::ServerConfig;
use otelcol_httpserver::conn::{Activity, ConnectionGate, accept_loop, drive};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::config::ThriftHttpConfig;
use crate::pipeline::{Pipeline, Refusal, auth_headers, client_info};
use crate::thrift::ThriftProtocol;
use crate::thrift::jaeger::Batch;
use crate::translate::thrift_to_traces;

/// The path batches are posted to.
pub const API_TRACES_PATH: &str = "/api/traces";
/// The content types Go accepts for a Thrift batch.
const THRIFT_CONTENT_TYPES: [&str; 2] = ["application/x-thrift", "application/vnd.apache.thrift.binary"];
/// What reading a request takes before its body arrives (buffers).
const REQUEST_OVERHEAD: u64 = 64 * 1024;
/// What decoding and translating take per body byte, at most (Thrift
/// structs, then OTLP messages), asked of the admission gates before.
const DECODE_FACTOR: u64 = 8;

type HttpResponse = Response<Full<Bytes>>;

/// Go's `http.Error`: the message and a newline, as plain text.
fn text(status: StatusCode, msg: &str) -> HttpResponse {
    let mut resp = Response::new(Full::new(Bytes::from(format!("{msg}\n"))));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    resp
}

fn empty(status: StatusCode) -> HttpResponse {
    let mut resp = Response::new(Full::new(Bytes::new()));
    *resp.status_mut() = status;
    resp
}

/// Go's `html.EscapeString`, which the handler applies to its decode errors.
fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\'' => out.push_str("&#39;"),
            '"' => out.push_str("&#34;"),
            c => out.push(c),
        }
    }
    out
}

/// Go's `mime.ParseMediaType`, as far as the handler needs it: the media
/// type, lower-cased, or the error message Go gives.
pub(crate) fn media_type(v: &str) -> Result<String, &'static str> {
    let mut parts = v.split(';');
    let essence = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    if essence.is_empty() {
        return Err("mime: no media type");
    }
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?=".contains(&b))
    };
    let (ty, sub) = match essence.split_once('/') {
        Some((t, s)) => (t, Some(s)),
        None => (essence.as_str(), None),
    };
    if !token(ty) {
        return Err("mime: no media type");
    }
    match sub {
        Some(s) if !token(s) => return Err("mime: expected token after slash"),
        _ => {}
    }
    for p in parts {
        let p = p.trim();
        if p.is_empty() {
            continue;
        }
        match p.split_once('=') {
            Some((k, _)) if token(k.trim()) => {}
            _ => return Err("mime: invalid media parameter"),
        }
    }
    Ok(essence)
}

/// Everything a request needs, shared by all connections.
pub(crate) struct HttpApp {
    pub(crate) pipeline: Arc<Pipeline>,
    pub(crate) authenticator: Option<Arc<dyn ServerAuthenticator>>,
    /// Query parameters handed to the authenticator as headers (`auth::request_params`).
    pub(crate) request_params: Vec<String>,
    pub(crate) gates: Arc<AdmissionSet>,
    pub(crate) include_metadata: bool,
    pub(crate) max_body: usize,
    pub(crate) read_timeout: Option<Duration>,
    /// Accepted `Content-Encoding`s; empty: bodies are taken as they are.
    pub(crate) encodings: Vec<String>,
    pub(crate) response_headers: Vec<(HeaderName, HeaderValue)>,
}

impl HttpApp {
    pub(crate) fn new(
        cfg: &ThriftHttpConfig,
        pipeline: Arc<Pipeline>,
        authenticator: Option<Arc<dyn ServerAuthenticator>>,
        gates: Arc<AdmissionSet>,
    ) -> Self {
        HttpApp {
            pipeline,
            authenticator,
            request_params: cfg
                .auth
                .as_ref()
                .map(|a| a.request_params.clone())
                .unwrap_or_default(),
            gates,
            include_metadata: cfg.include_metadata,
            max_body: cfg.max_request_body_size(),
            read_timeout: (!cfg.read_timeout.is_zero()).then_some(cfg.read_timeout),
            encodings: cfg.compression_algorithms(),
            // Checked by `validate`; an invalid pair is skipped.
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

    pub(crate) async fn handle<B>(&self, req: Request<B>, peer: SocketAddr) -> HttpResponse
    where
        B: hyper::body::Body<Data = Bytes>,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let mut resp = self.route(req, peer).await;
        // Configured headers first, as Go sets them: the handler's win.
        for (name, value) in &self.response_headers {
            if !resp.headers().contains_key(name) {
                resp.headers_mut().insert(name.clone(), value.clone());
            }
        }
        resp
    }

    /// Go's middleware order: auth, then decompression, then the router.
    async fn route<B>(&self, req: Request<B>, peer: SocketAddr) -> HttpResponse
    where
        B: hyper::body::Body<Data = Bytes>,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let mut auth = None;
        if let Some(a) = &self.authenticator {
            let mut headers = auth_headers(req.headers());
            for pair in req.uri().query().unwrap_or("").split('&') {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                if !k.is_empty() && self.request_params.iter().any(|p| p == k) {
                    headers.push((k.to_ascii_lowercase(), v.to_string()));
                }
            }
            match a.authenticate(&headers).await {
                Ok(data) => auth = Some(data),
                Err(e) => {
                    self.pipeline.refuse(Refusal::Unauthenticated, &e);
                    return text(StatusCode::UNAUTHORIZED, &e.to_string());
                }
            }
        }
        let codec = match self.codec(req.headers()) {
            Ok(c) => c,
            Err(name) => {
                return text(
                    StatusCode::BAD_REQUEST,
                    &format!("unsupported Content-Encoding: {name}"),
                );
            }
        };
        if req.uri().path() != API_TRACES_PATH {
            return text(StatusCode::NOT_FOUND, "404 page not found");
        }
        if req.method() != Method::POST {
            return empty(StatusCode::METHOD_NOT_ALLOWED);
        }
        let (parts, body) = req.into_parts();
        let body = match self.read_body(&parts.headers, body, codec).await {
            Ok(b) => b,
            Err(BodyError::Refused(e)) => return self.unavailable(&e),
            Err(BodyError::Bad(msg)) => {
                self.pipeline.refuse(Refusal::Malformed, &msg);
                return text(StatusCode::BAD_REQUEST, &html_escape(&msg));
            }
            Err(BodyError::Unreadable(msg)) => {
                let msg = format!("Unable to process request body: {msg}");
                self.pipeline.refuse(Refusal::Malformed, &msg);
                return text(StatusCode::INTERNAL_SERVER_ERROR, &html_escape(&msg));
            }
        };
        let content_type = parts
            .headers
            .get(CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .unwrap_or_default();
        let bad = |msg: String| {
            self.pipeline.refuse(Refusal::Malformed, &msg);
            text(StatusCode::BAD_REQUEST, &html_escape(&msg))
        };
        let media = match media_type(&content_type) {
            Ok(m) => m,
            Err(e) => return bad(format!("Cannot parse content type: {e}")),
        };
        if !THRIFT_CONTENT_TYPES.contains(&media.as_str()) {
            return bad(format!("Unsupported content type: {media}"));
        }
        // Decoding and translating allocate a multiple of the body.
        let _decoding = match self.admit((body.len() as u64).saturating_mul(DECODE_FACTOR)) {
            Ok(p) => p,
            Err(e) => return self.unavailable(&e),
        };
        let batch = match Batch::decode(ThriftProtocol::Binary, &body) {
            Ok(b) => b,
            Err(e) => return bad(format!("Unable to process request body: {e}")),
        };
        drop(body);
        let spans = batch.spans.len();
        let traces = thrift_to_traces(batch);
        let headers = self.include_metadata.then_some(&parts.headers);
        let mut client = client_info(Some(peer), headers);
        if let Some(auth) = auth {
            client = client.with_auth(auth);
        }
        match self.pipeline.consume(traces, spans, client).await {
            Ok(()) => empty(StatusCode::ACCEPTED),
            Err(e) => text(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("Cannot submit Jaeger batch: {e}"),
            ),
        }
    }

    fn admit(&self, bytes: u64) -> Result<AdmissionPermit, ConsumeError> {
        if self.gates.is_empty() {
            Ok(AdmissionPermit::empty())
        } else {
            self.gates.admit(bytes)
        }
    }

    /// A refusal by an admission gate (the memory limiter): 503 with
    /// `Retry-After` when the gate gives a delay.
    fn unavailable(&self, e: &ConsumeError) -> HttpResponse {
        tracing::debug!(
            receiver = self.pipeline.receiver(),
            transport = self.pipeline.transport(),
            error = %e,
            "Jaeger request refused before decoding"
        );
        let mut resp = text(StatusCode::SERVICE_UNAVAILABLE, &e.to_string());
        if let Some(delay) = e.retry_after() {
            if let Ok(v) = HeaderValue::from_str(&delay.as_secs().to_string()) {
                resp.headers_mut().insert(RETRY_AFTER, v);
            }
        }
        resp
    }

    /// The decoder of the body's `Content-Encoding` (Go's decompression
    /// middleware), or the unsupported name.
    fn codec(&self, headers: &HeaderMap) -> Result<CompressionType, String> {
        if self.encodings.is_empty() {
            return Ok(CompressionType::Empty);
        }
        let name = match headers.get(CONTENT_ENCODING) {
            None => "",
            Some(v) => v.to_str().map_err(|_| format!("{v:?}"))?,
        };
        if !self.encodings.iter().any(|e| e == name) {
            return Err(name.to_string());
        }
        name.parse::<CompressionType>().map_err(|_| name.to_string())
    }

    async fn read_body<B>(
        &self,
        headers: &HeaderMap,
        body: B,
        codec: CompressionType,
    ) -> Result<Bytes, BodyError>
    where
        B: hyper::body::Body<Data = Bytes>,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let announced = headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        let too_large = || BodyError::Unreadable("http: request body too large".to_string());
        if announced.is_some_and(|n| n > self.max_body as u64) {
            return Err(too_large());
        }
        let reading = self
            .admit(announced.unwrap_or(0).saturating_add(REQUEST_OVERHEAD))
            .map_err(BodyError::Refused)?;
        let collect = Limited::new(body, self.max_body).collect();
        let collected = match self.read_timeout {
            Some(t) => tokio::time::timeout(t, collect)
                .await
                .map_err(|_| BodyError::Unreadable("i/o timeout".to_string()))?,
            None => collect.await,
        };
        let raw = collected
            .map_err(|e| {
                if e.downcast_ref::<LengthLimitError>().is_some() {
                    too_large()
                } else {
                    BodyError::Unreadable(e.to_string())
                }
            })?
            .to_bytes();
        drop(reading);
        if !codec.is_compressed() {
            return Ok(raw);
        }
        let _inflating = self.admit(self.max_body as u64).map_err(BodyError::Refused)?;
        let max = self.max_body;
        let inflated = if raw.len() < 64 * 1024 {
            otelcol_configcompression::decompress(codec, &raw, max)
        } else {
            // Off the async workers: a large body takes a while.
            tokio::task::spawn_blocking(move || otelcol_configcompression::decompress(codec, &raw, max))
                .await
                .map_err(|e| BodyError::Unreadable(e.to_string()))?
        };
        match inflated {
            Ok(v) => Ok(Bytes::from(v)),
            Err(otelcol_configcompression::DecompressError::TooLarge { .. }) => Err(too_large()),
            Err(e) => Err(BodyError::Bad(format!("Unable to process request body: {e}"))),
        }
    }
}

/// Why a body could not be had.
#[derive(Debug)]
enum BodyError {
    /// An admission gate refused its memory (503).
    Refused(ConsumeError),
    /// The stream is corrupt (400).
    Bad(String),
    /// Reading failed, or the body is over the limit (500, as Go's handler
    /// answers a failed read).
    Unreadable(String),
}

/// Serves HTTP on `listener` (over TLS when `tls` is set) until `shutdown`
/// is cancelled; then stops accepting and lets in-flight requests finish.
pub(crate) async fn serve(
    cfg: ThriftHttpConfig,
    app: Arc<HttpApp>,
    listener: TcpListener,
    tls: Option<Arc<ServerConfig>>,
    shutdown: CancellationToken,
) {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .header_read_timeout(None)
        .keep_alive(cfg.keep_alives_enabled);
    let limits = cfg.connection_limits();
    let name = match listener.local_addr() {
        Ok(addr) => format!("Jaeger Thrift HTTP receiver on {addr}"),
        Err(_) => "Jaeger Thrift HTTP receiver".to_string(),
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
                    let Some(stream) = crate::net::handshake(config, stream, peer).await else {
                        return;
                    };
                    let conn = builder.serve_connection(TokioIo::new(stream), svc);
                    drive(conn, &activity, &limits, &shutdown).await
                }
            };
            if let Err(e) = ended {
                tracing::debug!(error = %e, %peer, "Jaeger Thrift HTTP connection ended with an error");
            }
        }
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_parse_as_go_does() {
        let cases: [(&str, Result<&str, &str>); 8] = [
            ("application/x-thrift", Ok("application/x-thrift")),
            ("Application/X-Thrift; charset=utf-8", Ok("application/x-thrift")),
            (
                "application/vnd.apache.thrift.binary",
                Ok("application/vnd.apache.thrift.binary"),
            ),
            ("", Err("mime: no media type")),
            ("  ;a=b", Err("mime: no media type")),
            ("application/", Err("mime: expected token after slash")),
            ("application/x-thrift; =x", Err("mime: invalid media parameter")),
            ("text", Ok("text")),
        ];
        for (input, want) in cases {
            assert_eq!(
                media_type(input).as_deref(),
                want.map(str::to_string).as_deref(),
                "{input:?}"
            );
        }
    }

    #[test]
    fn html_escape_matches_go() {
        assert_eq!(
            html_escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&#34;x&#34;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
