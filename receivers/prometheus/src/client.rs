//! The scrape request, as Prometheus' `targetScraper` makes it: `GET` with
//! `Accept` (the weighted scrape protocols), `Accept-Encoding: gzip`,
//! `User-Agent`, `X-Prometheus-Scrape-Timeout-Seconds` and the job's
//! authentication; HTTP/1.1 over TCP or TLS with the connection kept alive
//! between scrapes; up to 10 redirects followed; the whole exchange within
//! the scrape timeout; a body larger than the limit (counted uncompressed)
//! refused while it is read.

use std::io::Read;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use base64::Engine;
use bytes::Bytes;
use http::{Request, Uri, header};
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use otelcol_configtls::rustls::ClientConfig;
use otelcol_configtls::{TlsClientConfig, client_config, connect, server_name};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use crate::config::{AuthSpec, Secret};

/// The most redirects followed (Go's client: 10).
const MAX_REDIRECTS: usize = 10;

/// Why a scrape got no usable body. The messages are Prometheus'.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ScrapeError {
    /// The request failed (connect, TLS, protocol).
    #[error("Get {url:?}: {message}")]
    Request {
        /// The URL.
        url: String,
        /// What failed.
        message: String,
    },
    /// The scrape timeout passed.
    #[error("Get {url:?}: context deadline exceeded")]
    Timeout {
        /// The URL.
        url: String,
    },
    /// Not `200 OK`.
    #[error("server returned HTTP status {0}")]
    Status(String),
    /// The body is larger than `body_size_limit`.
    #[error("body size limit exceeded")]
    BodySizeLimit,
    /// The gzip body is corrupt.
    #[error("{0}")]
    Decode(String),
    /// A credentials file could not be read.
    #[error("{0}")]
    Credentials(String),
}

/// A scraped body.
#[derive(Debug)]
pub(crate) struct ScrapeBody {
    /// The body, uncompressed.
    pub(crate) body: Vec<u8>,
    /// The `Content-Type` header.
    pub(crate) content_type: Option<String>,
}

/// A job's TLS settings, turned into a rustls config on first use (targets
/// may become `https` through relabeling).
#[derive(Debug)]
pub(crate) struct JobTls {
    cfg: TlsClientConfig,
    built: OnceLock<Result<Arc<ClientConfig>, String>>,
}

impl JobTls {
    /// The settings, not yet loaded.
    pub(crate) fn new(cfg: TlsClientConfig) -> Self {
        JobTls {
            cfg,
            built: OnceLock::new(),
        }
    }

    /// The rustls config (reads the certificate files the first time).
    pub(crate) fn get(&self) -> Result<Arc<ClientConfig>, String> {
        self.built
            .get_or_init(|| match client_config(&self.cfg) {
                Ok(Some(c)) => Ok(c),
                Ok(None) => Err("TLS is disabled".into()),
                Err(e) => Err(format!("tls_config::{}: {}", e.key, e.message)),
            })
            .clone()
    }

    /// Whether any TLS key is set.
    pub(crate) fn configured(&self) -> bool {
        self.cfg != TlsClientConfig::default()
    }

    fn server_name_override(&self) -> &str {
        &self.cfg.server_name_override
    }
}

/// Settings of every scrape of a job.
#[derive(Debug)]
pub(crate) struct ClientSettings {
    pub(crate) tls: JobTls,
    pub(crate) auth: AuthSpec,
    pub(crate) accept: String,
    pub(crate) user_agent: String,
    pub(crate) compression: bool,
    pub(crate) follow_redirects: bool,
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// Aborts the connection's driver task when dropped.
#[derive(Debug)]
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Where a connection goes.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Origin {
    tls: bool,
    host: String,
    port: u16,
}

/// A connection kept for the next scrape.
#[derive(Debug)]
struct Conn {
    origin: Origin,
    sender: SendRequest<Empty<Bytes>>,
    _driver: AbortOnDrop,
}

/// A parsed URL.
#[derive(Clone, Debug)]
struct Url {
    origin: Origin,
    /// `host[:port]` for the `Host` header.
    authority: String,
    path_and_query: String,
}

impl Url {
    fn parse(url: &str) -> Result<Url, String> {
        let uri: Uri = url.parse().map_err(|e: http::uri::InvalidUri| e.to_string())?;
        let tls = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            Some(s) => return Err(format!("unsupported protocol scheme {s:?}")),
            None => return Err("not an absolute URL".into()),
        };
        let authority = uri.authority().ok_or("no host in request URL")?;
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        if host.is_empty() {
            return Err("no host in request URL".into());
        }
        let port = authority.port_u16().unwrap_or(if tls { 443 } else { 80 });
        let shown = authority
            .as_str()
            .rsplit('@')
            .next()
            .unwrap_or_default()
            .to_string();
        Ok(Url {
            origin: Origin { tls, host, port },
            authority: shown,
            path_and_query: uri
                .path_and_query()
                .map(|p| p.as_str().to_string())
                .unwrap_or_else(|| "/".into()),
        })
    }

    /// The target of a redirect `location` from this URL.
    fn join(&self, location: &str) -> Result<(String, Url), String> {
        let absolute = if location.contains("://") {
            location.to_string()
        } else {
            let scheme = if self.origin.tls { "https" } else { "http" };
            if let Some(rest) = location.strip_prefix("//") {
                format!("{scheme}://{rest}")
            } else if location.starts_with('/') {
                format!("{scheme}://{}{location}", self.authority)
            } else {
                let path = self.path_and_query.split('?').next().unwrap_or("/");
                let dir = &path[..path.rfind('/').map_or(0, |i| i + 1)];
                format!("{scheme}://{}{dir}{location}", self.authority)
            }
        };
        Url::parse(&absolute).map(|u| (absolute, u))
    }
}

/// One target's client: its settings and its kept connection.
#[derive(Debug)]
pub(crate) struct ScrapeClient {
    settings: Arc<ClientSettings>,
    conn: Option<Conn>,
}

impl ScrapeClient {
    /// A client of a job's settings, not connected.
    pub(crate) fn new(settings: Arc<ClientSettings>) -> Self {
        ScrapeClient { settings, conn: None }
    }

    /// Scrapes `url` within `timeout`, refusing bodies over `limit` bytes.
    pub(crate) async fn scrape(
        &mut self,
        url: &str,
        timeout: Duration,
        limit: u64,
    ) -> Result<ScrapeBody, ScrapeError> {
        match tokio::time::timeout(timeout, self.exchange(url, timeout, limit)).await {
            Ok(r) => r,
            Err(_) => {
                // The connection may be mid-response: never reuse it.
                self.conn = None;
                Err(ScrapeError::Timeout { url: url.to_string() })
            }
        }
    }

    async fn authorization(&self) -> Result<Option<String>, ScrapeError> {
        async fn read(s: &Secret, what: &str) -> Result<String, ScrapeError> {
            match s {
                Secret::Inline(v) => Ok(v.clone()),
                Secret::File(path) => tokio::fs::read_to_string(path)
                    .await
                    .map(|c| c.trim().to_string())
                    .map_err(|e| ScrapeError::Credentials(format!("unable to read {what} file {path}: {e}"))),
            }
        }
        Ok(match &self.settings.auth {
            AuthSpec::None => None,
            AuthSpec::Basic { username, password } => {
                let user = read(username, "basic auth username").await?;
                let pass = read(password, "basic auth password").await?;
                let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
                Some(format!("Basic {token}"))
            }
            AuthSpec::Header { kind, credentials } => {
                let c = read(credentials, "authorization credentials").await?;
                Some(format!("{kind} {c}"))
            }
        })
    }

    async fn exchange(
        &mut self,
        url: &str,
        timeout: Duration,
        limit: u64,
    ) -> Result<ScrapeBody, ScrapeError> {
        let request_err = |u: &str, message: String| ScrapeError::Request {
            url: u.to_string(),
            message,
        };
        let auth = self.authorization().await?;
        let first = Url::parse(url).map_err(|e| request_err(url, e))?;
        let mut current = (url.to_string(), first.clone());
        let mut redirects = 0;
        loop {
            let (shown, target) = &current;
            // Credentials go only to the origin they were configured for.
            let auth = auth.as_deref().filter(|_| target.origin == first.origin);
            let response = self
                .send(target, auth, timeout)
                .await
                .map_err(|e| request_err(shown, e))?;
            let status = response.status();
            if status.is_redirection() && self.settings.follow_redirects {
                if let Some(loc) = response
                    .headers()
                    .get(header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                {
                    redirects += 1;
                    if redirects > MAX_REDIRECTS {
                        return Err(request_err(shown, "stopped after 10 redirects".into()));
                    }
                    let next = target.join(loc).map_err(|e| request_err(shown, e))?;
                    // Drain this body so the connection can be reused.
                    let _ = collect(response.into_body(), 64 << 10).await;
                    current = next;
                    continue;
                }
            }
            if status != http::StatusCode::OK {
                let text = match status.canonical_reason() {
                    Some(r) => format!("{} {r}", status.as_u16()),
                    None => status.as_u16().to_string(),
                };
                let _ = collect(response.into_body(), 64 << 10).await;
                return Err(ScrapeError::Status(text));
            }
            let content_type = response
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let gzip = response
                .headers()
                .get(header::CONTENT_ENCODING)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.eq_ignore_ascii_case("gzip"));
            // A compressed body is at most a little larger than its content.
            let wire_limit = if gzip { limit + limit / 64 + 1024 } else { limit };
            let declared = response
                .headers()
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            if declared.is_some_and(|n| n > wire_limit) {
                self.conn = None;
                return Err(ScrapeError::BodySizeLimit);
            }
            let raw = match collect(response.into_body(), wire_limit).await {
                Ok(b) => b,
                Err(e) => {
                    self.conn = None;
                    return Err(match e {
                        Collect::TooLarge => ScrapeError::BodySizeLimit,
                        Collect::Http(m) => request_err(shown, m),
                    });
                }
            };
            let body = if gzip { gunzip(&raw, limit)? } else { raw };
            return Ok(ScrapeBody { body, content_type });
        }
    }

    /// Sends one request, on the kept connection when it goes to the same
    /// origin (retried once on a fresh connection if the kept one fails).
    async fn send(
        &mut self,
        url: &Url,
        auth: Option<&str>,
        timeout: Duration,
    ) -> Result<http::Response<hyper::body::Incoming>, String> {
        let mut reused = false;
        let mut kept = self.conn.take().filter(|c| c.origin == url.origin);
        if let Some(c) = &mut kept {
            reused = c.sender.ready().await.is_ok();
        }
        let mut sender = match kept {
            Some(c) if reused => c,
            _ => self.connect(&url.origin).await?,
        };
        let result = sender
            .sender
            .send_request(self.request(url, auth, timeout)?)
            .await;
        let result = match result {
            Err(_) if reused => {
                sender = self.connect(&url.origin).await?;
                sender
                    .sender
                    .send_request(self.request(url, auth, timeout)?)
                    .await
            }
            r => r,
        };
        match result {
            Ok(resp) => {
                self.conn = Some(sender);
                Ok(resp)
            }
            Err(e) => Err(e.to_string()),
        }
    }

    fn request(
        &self,
        url: &Url,
        auth: Option<&str>,
        timeout: Duration,
    ) -> Result<Request<Empty<Bytes>>, String> {
        let s = &self.settings;
        let mut b = Request::builder()
            .method(http::Method::GET)
            .uri(url.path_and_query.as_str())
            .header(header::HOST, url.authority.as_str())
            .header(header::ACCEPT, s.accept.as_str())
            .header(
                header::ACCEPT_ENCODING,
                if s.compression { "gzip" } else { "identity" },
            )
            .header(header::USER_AGENT, s.user_agent.as_str())
            .header(
                "X-Prometheus-Scrape-Timeout-Seconds",
                timeout.as_secs_f64().to_string(),
            );
        if let Some(a) = auth {
            b = b.header(header::AUTHORIZATION, a);
        }
        b.body(Empty::new())
            .map_err(|e| format!("cannot build the request: {e}"))
    }

    async fn connect(&self, origin: &Origin) -> Result<Conn, String> {
        let tcp = TcpStream::connect((origin.host.as_str(), origin.port))
            .await
            .map_err(|e| format!("dial tcp {}:{}: connect: {e}", origin.host, origin.port))?;
        let _ = tcp.set_nodelay(true);
        let io: Box<dyn Io> = if origin.tls {
            let cfg = self.settings.tls.get()?;
            let name =
                server_name(&origin.host, self.settings.tls.server_name_override()).map_err(|e| e.message)?;
            Box::new(connect(cfg, name, tcp).await.map_err(|e| format!("tls: {e}"))?)
        } else {
            Box::new(tcp)
        };
        let io: Pin<Box<dyn Io>> = Box::into_pin(io);
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io))
            .await
            .map_err(|e| e.to_string())?;
        let driver = AbortOnDrop(tokio::spawn(async move {
            let _ = conn.await;
        }));
        Ok(Conn {
            origin: origin.clone(),
            sender,
            _driver: driver,
        })
    }
}

enum Collect {
    TooLarge,
    Http(String),
}

/// Reads a whole body, refusing more than `limit` bytes.
async fn collect(mut body: hyper::body::Incoming, limit: u64) -> Result<Vec<u8>, Collect> {
    let mut buf = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| Collect::Http(e.to_string()))?;
        if let Ok(data) = frame.into_data() {
            if (buf.len() + data.len()) as u64 > limit {
                return Err(Collect::TooLarge);
            }
            buf.extend_from_slice(&data);
        }
    }
    Ok(buf)
}

/// Decompresses a gzip body (several members allowed), refusing more than
/// `limit` bytes of content.
pub(crate) fn gunzip(raw: &[u8], limit: u64) -> Result<Vec<u8>, ScrapeError> {
    let mut out = Vec::new();
    let mut d = flate2::read::MultiGzDecoder::new(raw).take(limit + 1);
    d.read_to_end(&mut out)
        .map_err(|e| ScrapeError::Decode(format!("gzip: {e}")))?;
    if out.len() as u64 > limit {
        return Err(ScrapeError::BodySizeLimit);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn gunzip_is_bounded() {
        let content = vec![b'a'; 1 << 20];
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(&content).unwrap();
        let bomb = e.finish().unwrap();
        assert!(bomb.len() < 4096, "a megabyte of one byte compresses to little");
        assert_eq!(gunzip(&bomb, 1 << 20).unwrap().len(), 1 << 20);
        assert_eq!(
            gunzip(&bomb, (1 << 20) - 1).unwrap_err(),
            ScrapeError::BodySizeLimit
        );
        assert!(matches!(gunzip(b"not gzip", 100), Err(ScrapeError::Decode(_))));
        assert!(matches!(
            gunzip(&bomb[..bomb.len() / 2], 1 << 21),
            Err(ScrapeError::Decode(_))
        ));
    }

    #[test]
    fn urls_and_redirects() {
        let u = Url::parse("http://h:9100/metrics?a=b").unwrap();
        assert_eq!(
            u.origin,
            Origin {
                tls: false,
                host: "h".into(),
                port: 9100
            }
        );
        assert_eq!(u.path_and_query, "/metrics?a=b");
        let u6 = Url::parse("https://[::1]/m").unwrap();
        assert_eq!(
            (u6.origin.host.as_str(), u6.origin.port, u6.authority.as_str()),
            ("::1", 443, "[::1]")
        );
        assert_eq!(u.join("/other").unwrap().0, "http://h:9100/other");
        assert_eq!(u.join("sib?x=1").unwrap().0, "http://h:9100/sib?x=1");
        assert_eq!(u.join("https://o:1/p").unwrap().1.origin.port, 1);
        assert_eq!(u.join("//x:2/y").unwrap().0, "http://x:2/y");
        assert!(Url::parse("ftp://h/").is_err());
        assert!(Url::parse("/relative").is_err());
    }
}
