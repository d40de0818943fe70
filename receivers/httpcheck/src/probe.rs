//! One HTTP check: the request to one URL, as Go's `net/http` client with the
//! target's `confighttp` settings makes it (HTTP/1.1, keep-alive connections
//! reused between checks unless `disable_keep_alives`, up to 10 redirects
//! followed, one `timeout` for the whole exchange), timed phase by phase as
//! Go's `httptrace` hooks time it.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Request, Response};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use otelcol_component::auth::ClientAuthSlot;
use otelcol_component::redact::redact_url;
use otelcol_component::{Host, RequestContext};
use otelcol_confighttp::{TlsClientConfig, UrlCredentials};
use otelcol_configtls::rustls;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Instant;

use crate::config::TargetConfig;
use crate::validate::Validation;
use crate::x509::{self, CertInfo};

/// The most requests of one check, redirects included (Go's client: 10).
pub(crate) const MAX_REDIRECTS: usize = 10;

/// The most response body bytes kept for validations (all are counted in
/// `httpcheck.response.size`).
pub(crate) const MAX_BODY_KEPT: usize = 16 << 20;

/// Why a check got no HTTP response. The `Display` form is the detail of
/// `error.message` (after `Get "url": `), worded as Go's client words it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum CheckError {
    /// The URL (after a redirect) cannot be requested.
    #[error("{0}")]
    Url(String),
    /// The host name did not resolve.
    #[error("dial tcp: lookup {host}: {message}")]
    Dns {
        /// The host.
        host: String,
        /// Why.
        message: String,
    },
    /// No TCP connection could be made.
    #[error("dial tcp {addr}: connect: {message}")]
    Connect {
        /// The address tried last.
        addr: String,
        /// Why.
        message: String,
    },
    /// The TLS settings cannot be used.
    #[error("tls: {0}")]
    TlsConfig(String),
    /// The TLS handshake failed.
    #[error("tls: {0}")]
    Handshake(String),
    /// The HTTP exchange failed.
    #[error("{0}")]
    Http(String),
    /// The client authenticator gave no credentials.
    #[error("{0}")]
    Auth(String),
    /// No response headers before the target's `timeout`.
    #[error("context deadline exceeded (Client.Timeout exceeded while awaiting headers)")]
    ClientTimeout,
    /// No response headers before the scrape's `timeout`.
    #[error("context deadline exceeded")]
    ScrapeTimeout,
    /// More than [`MAX_REDIRECTS`] redirects.
    #[error("stopped after 10 redirects")]
    TooManyRedirects,
}

/// The phases of a check, as Go's `httptrace` timing measures them (zero
/// for a phase that did not happen, e.g. DNS for an IP address or connect
/// and TLS on a reused connection).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Timing {
    /// Host name resolution.
    pub(crate) dns: Duration,
    /// TCP connect.
    pub(crate) connect: Duration,
    /// TLS handshake.
    pub(crate) tls: Duration,
    /// From the start of the check until the request was written.
    pub(crate) request: Duration,
    /// From the first response byte until the response headers were read.
    pub(crate) response: Duration,
}

/// What a check that got a response saw.
#[derive(Clone, Debug)]
pub(crate) struct Answer {
    /// The final status code (after redirects).
    pub(crate) status: u16,
    /// The body (at most [`MAX_BODY_KEPT`] bytes), `None` if reading it failed.
    pub(crate) body: Option<Bytes>,
    /// The body's size in bytes.
    pub(crate) size: u64,
    /// The server certificate of an https response.
    pub(crate) cert: Option<Arc<CertInfo>>,
}

/// The result of one check.
#[derive(Clone, Debug)]
pub(crate) struct Outcome {
    /// When the check started, Unix ns (the data points' time).
    pub(crate) time: u64,
    /// How long the whole check took (request and body).
    pub(crate) duration: Duration,
    /// The phases.
    pub(crate) timing: Timing,
    /// The response, or `error.message`.
    pub(crate) result: Result<Answer, String>,
}

/// The settings of one target, shared by its URLs.
pub(crate) struct TargetClient {
    method: Method,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Bytes,
    content_type: Option<&'static str>,
    content_encoding: Option<&'static str>,
    tls_settings: TlsClientConfig,
    tls: OnceLock<Result<Arc<rustls::ClientConfig>, String>>,
    auth: ClientAuthSlot,
    timeout: Duration,
    keep_alive: bool,
    idle_timeout: Option<Duration>,
    user_agent: HeaderValue,
    pub(crate) validations: Vec<Validation>,
}

impl std::fmt::Debug for TargetClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TargetClient")
            .field("method", &self.method)
            .field(
                "headers",
                &self.headers.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .field("body_len", &self.body.len())
            .field("timeout", &self.timeout)
            .field("keep_alive", &self.keep_alive)
            .finish()
    }
}

/// What `auto_content_type` sets for a body (Go's rules).
pub(crate) fn auto_content_type(body: &str) -> &'static str {
    let trimmed = body.trim();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        "application/json"
    } else if body.contains('=') {
        "application/x-www-form-urlencoded"
    } else {
        "text/plain"
    }
}

impl TargetClient {
    /// The client of a validated target. `user_agent` is sent unless the
    /// target's `headers` set one.
    pub(crate) fn new(cfg: &TargetConfig, user_agent: &str) -> Result<Self, String> {
        let c = &cfg.client;
        let method = Method::from_bytes(cfg.method.as_bytes()).map_err(|e| format!("method: {e}"))?;
        let mut headers = Vec::new();
        for (k, v) in c.headers.iter() {
            let name = HeaderName::from_bytes(k.as_bytes()).map_err(|e| format!("headers::{k}: {e}"))?;
            let value = HeaderValue::from_str(v).map_err(|e| format!("headers::{k}: {e}"))?;
            headers.push((name, value));
        }
        let has_content_type = headers.iter().any(|(k, _)| k == header::CONTENT_TYPE);
        let content_type = (!cfg.body.is_empty() && cfg.auto_content_type && !has_content_type)
            .then(|| auto_content_type(&cfg.body));
        let (body, content_encoding) = if !cfg.body.is_empty() && c.compression.is_compressed() {
            let compressed =
                otelcol_configcompression::compress(c.compression, c.compression_params, cfg.body.as_bytes())
                    .map_err(|e| format!("compression: {e}"))?;
            (Bytes::from(compressed), Some(c.compression.as_str()))
        } else {
            (Bytes::from(cfg.body.clone()), None)
        };
        Ok(TargetClient {
            method,
            headers,
            body,
            content_type,
            content_encoding,
            tls_settings: cfg.tls_settings(),
            tls: OnceLock::new(),
            auth: ClientAuthSlot::new(c.auth.as_ref().map(|a| a.authenticator.clone())),
            timeout: cfg.effective_timeout(),
            keep_alive: !c.disable_keep_alives,
            idle_timeout: (!c.idle_conn_timeout.is_zero()).then_some(c.idle_conn_timeout),
            user_agent: HeaderValue::from_str(user_agent)
                .unwrap_or_else(|_| HeaderValue::from_static("otelcol-rs")),
            validations: cfg.validations.iter().map(Validation::new).collect(),
        })
    }

    /// The method, as the `http.method` attribute shows it.
    pub(crate) fn method(&self) -> &str {
        self.method.as_str()
    }

    /// At start: finds the authenticator, and reads the TLS files when
    /// `https` is among `urls` (a broken TLS setting fails the start, as in
    /// Go; otherwise it is read at the first redirect to https).
    pub(crate) fn start(&self, host: &Arc<dyn Host>, urls: &[String]) -> Result<(), String> {
        self.auth.resolve(host).map_err(|e| e.to_string())?;
        if urls.iter().any(|u| u.starts_with("https://")) {
            self.tls_config()?;
        }
        Ok(())
    }

    fn tls_config(&self) -> Result<Arc<rustls::ClientConfig>, String> {
        self.tls
            .get_or_init(|| {
                match otelcol_configtls::client_config_with_alpn(
                    &self.tls_settings,
                    &[otelcol_configtls::ALPN_HTTP11],
                ) {
                    Ok(Some(c)) => Ok(c),
                    Ok(None) => Err("no TLS settings for an https URL".to_string()),
                    Err(e) => Err(e.into_config_error("tls").to_string()),
                }
            })
            .clone()
    }
}

/// A URL ready to be requested.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Target {
    /// The URL as requested (for error messages).
    url: String,
    tls: bool,
    /// The host to connect to (IPv6 without brackets).
    host: String,
    port: u16,
    /// `host[:port]` for the `host` header.
    authority: String,
    /// Path and query (origin form).
    path: String,
    /// `Authorization: Basic` from the URL's userinfo.
    basic_auth: Option<String>,
}

type Origin = (bool, String, u16);

impl Target {
    fn parse(url: &str) -> Result<Target, CheckError> {
        let creds = UrlCredentials::split(url);
        let uri: http::Uri = creds.url.parse().map_err(|e: http::uri::InvalidUri| {
            CheckError::Url(format!("parse {:?}: {e}", redact_url(url)))
        })?;
        let tls = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            Some(other) => return Err(CheckError::Url(format!("unsupported protocol scheme {other:?}"))),
            None => return Err(CheckError::Url("unsupported protocol scheme \"\"".to_string())),
        };
        let host = uri
            .host()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| CheckError::Url("no Host in request URL".to_string()))?;
        let port = uri.port_u16().unwrap_or(if tls { 443 } else { 80 });
        let authority = match uri.port_u16() {
            Some(p) => format!("{host}:{p}"),
            None => host.to_string(),
        };
        let path = uri
            .path_and_query()
            .map(|p| p.as_str())
            .filter(|p| !p.is_empty())
            .unwrap_or("/")
            .to_string();
        Ok(Target {
            url: url.to_string(),
            tls,
            host: host.trim_start_matches('[').trim_end_matches(']').to_string(),
            port,
            authority,
            path,
            basic_auth: creds.basic_auth,
        })
    }

    fn origin(&self) -> Origin {
        (self.tls, self.host.clone(), self.port)
    }

    /// The URL a `Location` refers to, resolved against this one.
    fn resolve(&self, location: &str) -> Result<Target, CheckError> {
        if location.contains("://") {
            return Target::parse(location);
        }
        let scheme = if self.tls { "https" } else { "http" };
        let absolute = if let Some(rest) = location.strip_prefix("//") {
            format!("{scheme}://{rest}")
        } else if location.starts_with('/') {
            format!("{scheme}://{}{location}", self.authority)
        } else {
            let path = self.path.split(['?', '#']).next().unwrap_or("/");
            let dir = &path[..path.rfind('/').map_or(0, |i| i + 1)];
            let dir = if dir.is_empty() { "/" } else { dir };
            format!("{scheme}://{}{dir}{location}", self.authority)
        };
        Target::parse(&absolute)
    }
}

/// Marks the moments the timing needs on a connection's I/O: the last
/// write before the response began, the first byte read.
#[derive(Debug, Default)]
struct Marks {
    inner: Mutex<(Option<Instant>, Option<Instant>)>,
}

impl Marks {
    fn lock(&self) -> std::sync::MutexGuard<'_, (Option<Instant>, Option<Instant>)> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
    fn reset(&self) {
        *self.lock() = (None, None);
    }
    fn wrote(&self) {
        let mut m = self.lock();
        if m.1.is_none() {
            m.0 = Some(Instant::now());
        }
    }
    fn read(&self) {
        let mut m = self.lock();
        if m.1.is_none() {
            m.1 = Some(Instant::now());
        }
    }
    fn get(&self) -> (Option<Instant>, Option<Instant>) {
        *self.lock()
    }
}

/// A stream that reports its reads and writes to [`Marks`].
struct Timed<S> {
    inner: S,
    marks: Arc<Marks>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Timed<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.marks.read();
        }
        r
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Timed<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.marks.wrote();
        }
        r
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.marks.wrote();
        }
        r
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Aborts a connection's driver task when dropped.
#[derive(Debug)]
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// An open HTTP/1.1 connection.
struct Conn {
    sender: SendRequest<Full<Bytes>>,
    _driver: AbortOnDrop,
    marks: Arc<Marks>,
    cert: Option<Arc<CertInfo>>,
    last_used: Instant,
}

/// One URL to check, with the connections kept for it between checks.
pub(crate) struct Endpoint {
    /// The URL as configured (the `http.url` attribute).
    pub(crate) url: String,
    /// The target's settings.
    pub(crate) target: Arc<TargetClient>,
    pool: HashMap<Origin, Conn>,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("url", &redact_url(&self.url))
            .field("pooled", &self.pool.len())
            .finish()
    }
}

/// Go's `url.Error.Op` of a method: `Get`, `Post`, ...
fn go_op(method: &Method) -> String {
    let m = method.as_str();
    let mut out = String::with_capacity(m.len());
    for (i, c) in m.chars().enumerate() {
        if i == 0 {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// The text Go's errors give for an I/O error.
fn io_message(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::ConnectionRefused => "connection refused".into(),
        K::ConnectionReset => "connection reset by peer".into(),
        K::TimedOut => "i/o timeout".into(),
        K::AddrNotAvailable => "cannot assign requested address".into(),
        _ => {
            let s = e.to_string();
            match s.find(" (os error") {
                Some(i) => s[..i].to_lowercase(),
                None => s,
            }
        }
    }
}

/// The text Go's resolver gives for a failed lookup.
fn dns_message(e: &std::io::Error) -> String {
    let s = e.to_string();
    let unknown = [
        "not known",
        "No address associated",
        "nodename nor servname",
        "no such host",
    ];
    if unknown.iter().any(|u| s.contains(u)) {
        "no such host".into()
    } else {
        io_message(e)
    }
}

/// The text Go's client gives for a failed TLS handshake (after `tls: `)
/// for the common certificate failures; rustls's own words otherwise.
fn tls_message(e: &std::io::Error) -> String {
    use rustls::{CertificateError as C, Error as E};
    let verify = "failed to verify certificate: x509: ";
    match e.get_ref().and_then(|i| i.downcast_ref::<E>()) {
        Some(E::InvalidCertificate(c)) => match c {
            C::UnknownIssuer => format!("{verify}certificate signed by unknown authority"),
            C::Expired | C::ExpiredContext { .. } | C::NotValidYet | C::NotValidYetContext { .. } => {
                format!("{verify}certificate has expired or is not yet valid")
            }
            C::NotValidForName | C::NotValidForNameContext { .. } => {
                format!("{verify}certificate is not valid for the requested name ({c})")
            }
            other => format!("{verify}{other}"),
        },
        Some(other) => other.to_string(),
        None => io_message(e),
    }
}

impl Endpoint {
    /// An endpoint checked with `target`'s settings.
    pub(crate) fn new(url: String, target: Arc<TargetClient>) -> Self {
        Endpoint {
            url,
            target,
            pool: HashMap::new(),
        }
    }

    /// Runs one check. `scrape_deadline` is the end of the scrape's own
    /// `timeout`, if any.
    pub(crate) async fn check(&mut self, scrape_deadline: Option<Instant>) -> Outcome {
        let time = otelcol_component::build::unix_nanos_now();
        let started = Instant::now();
        let client_deadline = started + self.target.timeout;
        let (deadline, timeout_error) = match scrape_deadline {
            Some(d) if d < client_deadline => (d, CheckError::ScrapeTimeout),
            _ => (client_deadline, CheckError::ClientTimeout),
        };
        let mut timing = Timing::default();
        let mut at = self.url.clone();
        let exchange = tokio::time::timeout_at(deadline, self.exchange(&mut timing, started, &mut at)).await;
        let result = match exchange {
            Ok(Ok((origin, response, mut conn))) => {
                let status = response.status().as_u16();
                let cert = conn.cert.clone();
                let read = tokio::time::timeout_at(deadline, read_body(response.into_body())).await;
                let (body, size) = match read {
                    Ok(Ok((body, size))) => {
                        if self.target.keep_alive {
                            conn.last_used = Instant::now();
                            self.pool.insert(origin, conn);
                        }
                        (Some(body), size)
                    }
                    Ok(Err(e)) => {
                        tracing::warn!(url = %redact_url(&self.url), error = %e, "failed to read response body");
                        (None, 0)
                    }
                    Err(_) => {
                        tracing::warn!(
                            url = %redact_url(&self.url),
                            "failed to read response body: context deadline exceeded"
                        );
                        (None, 0)
                    }
                };
                Ok(Answer {
                    status,
                    body,
                    size,
                    cert,
                })
            }
            Ok(Err(e)) => Err(e),
            Err(_) => Err(timeout_error),
        };
        let result =
            result.map_err(|e| format!("{} \"{}\": {e}", go_op(&self.target.method), redact_url(&at)));
        Outcome {
            time,
            duration: started.elapsed(),
            timing,
            result,
        }
    }

    /// The request, following redirects: the final response and the
    /// connection it came on. `at` tracks the URL of the request in flight,
    /// for the error message.
    async fn exchange(
        &mut self,
        timing: &mut Timing,
        started: Instant,
        at: &mut String,
    ) -> Result<(Origin, Response<Incoming>, Conn), CheckError> {
        let target = self.target.clone();
        let mut method = target.method.clone();
        let mut with_body = true;
        let mut url = Target::parse(&self.url)?;
        let mut redirects = 0;
        loop {
            // Go's error names the first request's method and the URL of
            // the request in flight.
            at.clone_from(&url.url);
            let (response, conn) = self
                .send(&target, &url, &method, with_body, timing, started)
                .await?;
            let status = response.status().as_u16();
            let location = response
                .headers()
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .filter(|l| !l.is_empty());
            match (status, location) {
                (301 | 302 | 303 | 307 | 308, Some(location)) => {
                    // Go stops before the request that would follow the
                    // 10th request (`len(via) >= 10`).
                    if redirects + 1 >= MAX_REDIRECTS {
                        return Err(CheckError::TooManyRedirects);
                    }
                    redirects += 1;
                    let next = url.resolve(location)?;
                    if matches!(status, 301..=303) && method != Method::GET && method != Method::HEAD {
                        method = Method::GET;
                        with_body = false;
                    }
                    // The redirect's body is not read: its connection is not kept.
                    drop(conn);
                    url = next;
                }
                _ => return Ok((url.origin(), response, conn)),
            }
        }
    }

    /// One request on a kept connection (retried once on a new one if the
    /// kept one turned out closed) or a new one.
    async fn send(
        &mut self,
        target: &TargetClient,
        url: &Target,
        method: &Method,
        with_body: bool,
        timing: &mut Timing,
        started: Instant,
    ) -> Result<(Response<Incoming>, Conn), CheckError> {
        let mut kept = self.take_kept(url).await;
        loop {
            let reused = kept.is_some();
            let mut conn = match kept.take() {
                Some(c) => c,
                None => connect(target, url, timing).await?,
            };
            let request = build_request(target, url, method, with_body).await?;
            conn.marks.reset();
            match conn.sender.send_request(request).await {
                Ok(response) => {
                    let headers_at = Instant::now();
                    let (wrote, first_read) = conn.marks.get();
                    timing.request = wrote
                        .map(|w| w.saturating_duration_since(started))
                        .unwrap_or_default();
                    timing.response = first_read
                        .map(|r| headers_at.saturating_duration_since(r))
                        .unwrap_or_default();
                    return Ok((response, conn));
                }
                Err(e) if reused && (e.is_canceled() || e.is_closed() || e.is_incomplete_message()) => {
                    // The server closed the kept connection: Go retries such
                    // a request on a new one.
                    continue;
                }
                Err(e) => return Err(CheckError::Http(e.to_string())),
            }
        }
    }

    /// A kept connection to `url`'s origin that can take a request.
    async fn take_kept(&mut self, url: &Target) -> Option<Conn> {
        let mut conn = self.pool.remove(&url.origin())?;
        if !self.target.keep_alive
            || conn.sender.is_closed()
            || self
                .target
                .idle_timeout
                .is_some_and(|t| conn.last_used.elapsed() > t)
        {
            return None;
        }
        conn.sender.ready().await.ok()?;
        Some(conn)
    }
}

/// The request of one hop.
async fn build_request(
    target: &TargetClient,
    url: &Target,
    method: &Method,
    with_body: bool,
) -> Result<Request<Full<Bytes>>, CheckError> {
    let mut headers = HeaderMap::new();
    let authority = HeaderValue::from_str(&url.authority)
        .map_err(|e| CheckError::Url(format!("invalid host {:?}: {e}", url.authority)))?;
    headers.insert(header::HOST, authority);
    headers.insert(header::USER_AGENT, target.user_agent.clone());
    for (name, value) in &target.headers {
        headers.insert(name.clone(), value.clone());
    }
    let auth = target
        .auth
        .headers(&RequestContext::default())
        .await
        .map_err(|e| CheckError::Auth(e.message().to_string()))?;
    for (name, value) in auth {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            headers.insert(n, v);
        }
    }
    if !headers.contains_key(header::AUTHORIZATION) {
        if let Some(Ok(v)) = url.basic_auth.as_deref().map(HeaderValue::from_str) {
            headers.insert(header::AUTHORIZATION, v);
        }
    }
    let body = if with_body {
        target.body.clone()
    } else {
        Bytes::new()
    };
    if with_body && !body.is_empty() {
        if let Some(ct) = target.content_type {
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
        }
        if let Some(enc) = target.content_encoding {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(enc));
        }
    }
    if !target.keep_alive {
        headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    let mut request = Request::builder()
        .method(method.clone())
        .uri(url.path.as_str())
        .body(Full::new(body))
        .map_err(|e| CheckError::Url(e.to_string()))?;
    *request.headers_mut() = headers;
    Ok(request)
}

/// Opens a connection to `url`'s origin: resolve, connect, TLS handshake
/// for https, HTTP/1.1 handshake; each phase timed.
async fn connect(target: &TargetClient, url: &Target, timing: &mut Timing) -> Result<Conn, CheckError> {
    let addrs: Vec<SocketAddr> = match url.host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, url.port)],
        Err(_) => {
            let t = Instant::now();
            let resolved = tokio::net::lookup_host((url.host.as_str(), url.port)).await;
            timing.dns = t.elapsed();
            let dns_err = |message: String| CheckError::Dns {
                host: url.host.clone(),
                message,
            };
            let addrs: Vec<SocketAddr> = resolved.map_err(|e| dns_err(dns_message(&e)))?.collect();
            if addrs.is_empty() {
                return Err(dns_err("no such host".into()));
            }
            addrs
        }
    };
    let t = Instant::now();
    let mut last = None;
    let mut tcp = None;
    for addr in &addrs {
        match TcpStream::connect(addr).await {
            Ok(s) => {
                tcp = Some(s);
                break;
            }
            Err(e) => last = Some((addr, e)),
        }
    }
    timing.connect = t.elapsed();
    let tcp = match (tcp, last) {
        (Some(tcp), _) => tcp,
        (None, Some((addr, e))) => {
            return Err(CheckError::Connect {
                addr: addr.to_string(),
                message: io_message(&e),
            });
        }
        (None, None) => return Err(CheckError::Url("no address to connect to".into())),
    };
    let _ = tcp.set_nodelay(true);
    let marks = Arc::new(Marks::default());
    if url.tls {
        let config = target.tls_config().map_err(CheckError::TlsConfig)?;
        let name = otelcol_configtls::server_name(&url.host, &target.tls_settings.server_name_override)
            .map_err(|e| CheckError::TlsConfig(e.to_string()))?;
        let t = Instant::now();
        let stream = otelcol_configtls::connect(config, name, tcp)
            .await
            .map_err(|e| CheckError::Handshake(tls_message(&e)))?;
        timing.tls = t.elapsed();
        let cert = stream
            .get_ref()
            .1
            .peer_certificates()
            .and_then(|certs| certs.first())
            .and_then(|c| x509::parse(c.as_ref()))
            .map(Arc::new);
        http1(stream, marks, cert).await
    } else {
        http1(tcp, marks, None).await
    }
}

async fn http1<S>(stream: S, marks: Arc<Marks>, cert: Option<Arc<CertInfo>>) -> Result<Conn, CheckError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let io = TokioIo::new(Timed {
        inner: stream,
        marks: marks.clone(),
    });
    let (sender, conn) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|e| CheckError::Http(e.to_string()))?;
    let driver = AbortOnDrop(tokio::spawn(async move {
        let _ = conn.await;
    }));
    Ok(Conn {
        sender,
        _driver: driver,
        marks,
        cert,
        last_used: Instant::now(),
    })
}

/// Reads a response body: the first [`MAX_BODY_KEPT`] bytes and the size.
async fn read_body(mut body: Incoming) -> Result<(Bytes, u64), hyper::Error> {
    let mut kept = BytesMut::new();
    let mut size = 0u64;
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame?.into_data() {
            size += data.len() as u64;
            let room = MAX_BODY_KEPT.saturating_sub(kept.len());
            kept.extend_from_slice(&data[..data.len().min(room)]);
        }
    }
    Ok((kept.freeze(), size))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn urls_and_redirect_targets() {
        let t = Target::parse("https://u:p@example.com:8443/a/b?x=1").unwrap();
        assert!(t.tls);
        assert_eq!((t.host.as_str(), t.port), ("example.com", 8443));
        assert_eq!(t.authority, "example.com:8443");
        assert_eq!(t.path, "/a/b?x=1");
        assert!(t.basic_auth.as_deref().unwrap().starts_with("Basic "));
        let t = Target::parse("http://[::1]").unwrap();
        assert_eq!((t.host.as_str(), t.port, t.path.as_str()), ("::1", 80, "/"));
        let base = Target::parse("http://h:1/dir/page?q").unwrap();
        assert_eq!(base.resolve("/x").unwrap().url, "http://h:1/x");
        assert_eq!(base.resolve("next").unwrap().url, "http://h:1/dir/next");
        assert_eq!(base.resolve("//other/y").unwrap().url, "http://other/y");
        assert_eq!(base.resolve("https://s/z").unwrap().url, "https://s/z");
        assert_eq!(
            base.resolve("ftp://s/z").unwrap_err(),
            CheckError::Url("unsupported protocol scheme \"ftp\"".into())
        );
    }

    #[test]
    fn go_wording() {
        assert_eq!(go_op(&Method::GET), "Get");
        assert_eq!(go_op(&Method::from_bytes(b"PATCH").unwrap()), "Patch");
        let e = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert_eq!(io_message(&e), "connection refused");
        assert_eq!(
            CheckError::Connect {
                addr: "127.0.0.1:1".into(),
                message: "connection refused".into()
            }
            .to_string(),
            "dial tcp 127.0.0.1:1: connect: connection refused"
        );
        assert_eq!(auto_content_type(" {\"a\":1}"), "application/json");
        assert_eq!(auto_content_type("[1]"), "application/json");
        assert_eq!(auto_content_type("a=b&c=d"), "application/x-www-form-urlencoded");
        assert_eq!(auto_content_type("plain text"), "text/plain");
    }
}
