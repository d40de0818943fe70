//! # otelcol-httpsclient
//!
//! A small async HTTP/1.1 client for the extensions that talk to identity
//! providers and token endpoints (`oidc`, `oauth2client`): `GET` and `POST`
//! of a form, over plain TCP (`http://`) or TLS (`https://`, configured by
//! a [`TlsClientConfig`]), with
//!
//! - one timeout for the whole exchange (connect, handshake, request,
//!   response body), as Go's `http.Client.Timeout`;
//! - a limit on the response body size (a hostile or broken server cannot
//!   make the collector buffer without bound);
//! - redirects refused ([`Error::Redirect`]): the request is never repeated
//!   to another host, so credentials in a form body stay where they were sent;
//! - one connection per request (`connection: close`): these requests are
//!   rare (start-up, token refresh), so no pool is kept.
//!
//! The HTTP/1.1 framing (content-length and chunked bodies) is `hyper`'s.
//! Error messages never contain the password of a URL
//! (`https://user:password@host` is shown with the password redacted), and a
//! URL's user info is never sent.
#![forbid(unsafe_code)]

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::{Method, Request, Uri, header};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use otelcol_component::redact::redact_url;
use otelcol_configtls::rustls::ClientConfig;
use otelcol_configtls::{TlsClientConfig, client_config, connect, server_name};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

/// Default of [`HttpsClient::with_max_response_size`]: 1 MiB.
pub const DEFAULT_MAX_RESPONSE_SIZE: usize = 1 << 20;

/// The `user-agent` sent with every request.
pub const USER_AGENT: &str = concat!("otelcol-rs/", env!("CARGO_PKG_VERSION"));

/// Why a request failed. Messages name the URL with its password redacted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The URL cannot be used (not absolute, not `http`/`https`, no host).
    #[error("invalid URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL, password redacted.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The TLS settings cannot be loaded.
    #[error("TLS settings: {0}")]
    Tls(String),
    /// An `https://` URL with a client built with `tls::insecure` and no CA
    /// (plaintext only).
    #[error("{url}: an https URL needs TLS, but the client is configured for plaintext (tls::insecure)")]
    TlsDisabled {
        /// The URL, password redacted.
        url: String,
    },
    /// The TCP connection could not be made.
    #[error("{url}: connecting: {message}")]
    Connect {
        /// The URL, password redacted.
        url: String,
        /// The I/O error.
        message: String,
    },
    /// The TLS handshake failed (unknown CA, wrong name...).
    #[error("{url}: TLS handshake: {message}")]
    Handshake {
        /// The URL, password redacted.
        url: String,
        /// The TLS error.
        message: String,
    },
    /// The HTTP exchange failed (connection closed, malformed response...).
    #[error("{url}: {message}")]
    Http {
        /// The URL, password redacted.
        url: String,
        /// The protocol error.
        message: String,
    },
    /// The exchange took longer than the timeout.
    #[error("{url}: request timed out after {timeout:?}")]
    Timeout {
        /// The URL, password redacted.
        url: String,
        /// The configured timeout.
        timeout: Duration,
    },
    /// The response body is larger than the limit.
    #[error("{url}: response body larger than {limit} bytes")]
    TooLarge {
        /// The URL, password redacted.
        url: String,
        /// The limit.
        limit: usize,
    },
    /// The server answered with a redirect, which is not followed.
    #[error("{url}: redirect refused ({status} to {location:?})")]
    Redirect {
        /// The URL, password redacted.
        url: String,
        /// The 3xx status.
        status: u16,
        /// The `location` header (password redacted), empty when absent.
        location: String,
    },
}

/// A complete response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// The status code (never a redirect: those are [`Error::Redirect`]).
    pub status: u16,
    /// Header names (lower-case) and values, in the order received; values
    /// that are not UTF-8 are left out.
    pub headers: Vec<(String, String)>,
    /// The body, decoded from its transfer encoding.
    pub body: Bytes,
}

impl Response {
    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// True for a 2xx status.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The status as Go's `Response.Status` prints it: `404 Not Found`.
    pub fn status_text(&self) -> String {
        match http::StatusCode::from_u16(self.status)
            .ok()
            .and_then(|s| s.canonical_reason())
        {
            Some(reason) => format!("{} {reason}", self.status),
            None => self.status.to_string(),
        }
    }

    /// The body as text (invalid UTF-8 replaced), for error messages.
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// The client: TLS settings, timeout and response size limit. Cheap to clone.
#[derive(Clone)]
pub struct HttpsClient {
    tls: Option<Arc<ClientConfig>>,
    server_name_override: String,
    timeout: Option<Duration>,
    max_response_size: usize,
}

impl fmt::Debug for HttpsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpsClient")
            .field("tls", &self.tls.is_some())
            .field("server_name_override", &self.server_name_override)
            .field("timeout", &self.timeout)
            .field("max_response_size", &self.max_response_size)
            .finish()
    }
}

impl HttpsClient {
    /// A client with these TLS settings (used for `https://` URLs), no
    /// timeout and a [`DEFAULT_MAX_RESPONSE_SIZE`] limit. Reads the
    /// certificate files now.
    pub fn new(tls: &TlsClientConfig) -> Result<Self, Error> {
        let config = client_config(tls).map_err(|e| Error::Tls(e.to_string()))?;
        Ok(HttpsClient {
            tls: config,
            server_name_override: tls.server_name_override.clone(),
            timeout: None,
            max_response_size: DEFAULT_MAX_RESPONSE_SIZE,
        })
    }

    /// The same client with a timeout for each whole exchange; `None` or a
    /// zero duration: no timeout (Go's `Timeout: 0`).
    pub fn with_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout.filter(|t| !t.is_zero());
        self
    }

    /// The same client with a limit on response bodies, in bytes.
    pub fn with_max_response_size(mut self, limit: usize) -> Self {
        self.max_response_size = limit;
        self
    }

    /// `GET url` with extra request `headers`.
    pub async fn get(&self, url: &str, headers: &[(&str, &str)]) -> Result<Response, Error> {
        self.send(Method::GET, url, headers, None).await
    }

    /// `POST url` with `form` as an `application/x-www-form-urlencoded` body
    /// (in the given order) and extra request `headers`.
    pub async fn post_form(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        form: &[(&str, &str)],
    ) -> Result<Response, Error> {
        let body = form_encode(form);
        self.send(Method::POST, url, headers, Some(body)).await
    }

    async fn send(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, &str)],
        form: Option<String>,
    ) -> Result<Response, Error> {
        let shown = redact_url(url).into_owned();
        let target = Target::parse(url, &shown)?;
        let mut builder = Request::builder()
            .method(method)
            .uri(target.path.clone())
            .header(header::HOST, target.host_header.clone())
            .header(header::USER_AGENT, USER_AGENT)
            .header(header::CONNECTION, "close");
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let body = match form {
            Some(form) => {
                builder = builder.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                Bytes::from(form)
            }
            None => Bytes::new(),
        };
        let request = builder.body(Full::new(body)).map_err(|e| Error::InvalidUrl {
            url: shown.clone(),
            reason: format!("cannot build the request: {e}"),
        })?;
        let exchange = self.exchange(&target, request, &shown);
        match self.timeout {
            Some(timeout) => tokio::time::timeout(timeout, exchange)
                .await
                .map_err(|_| Error::Timeout {
                    url: shown.clone(),
                    timeout,
                })?,
            None => exchange.await,
        }
    }

    async fn exchange(
        &self,
        target: &Target,
        request: Request<Full<Bytes>>,
        shown: &str,
    ) -> Result<Response, Error> {
        let connect_err = |e: std::io::Error| Error::Connect {
            url: shown.to_string(),
            message: e.to_string(),
        };
        if target.tls && self.tls.is_none() {
            return Err(Error::TlsDisabled {
                url: shown.to_string(),
            });
        }
        let tcp = TcpStream::connect((target.host.as_str(), target.port))
            .await
            .map_err(connect_err)?;
        let _ = tcp.set_nodelay(true);
        if let (true, Some(config)) = (target.tls, self.tls.clone()) {
            let name = server_name(&target.host, &self.server_name_override)
                .map_err(|e| Error::Tls(e.to_string()))?;
            let tls = connect(config, name, tcp).await.map_err(|e| Error::Handshake {
                url: shown.to_string(),
                message: e.to_string(),
            })?;
            self.http1(tls, request, shown).await
        } else {
            self.http1(tcp, request, shown).await
        }
    }

    async fn http1<S>(&self, stream: S, request: Request<Full<Bytes>>, shown: &str) -> Result<Response, Error>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let http_err = |e: hyper::Error| Error::Http {
            url: shown.to_string(),
            message: e.to_string(),
        };
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(http_err)?;
        let driver = AbortOnDrop(tokio::spawn(async move {
            let _ = conn.await;
        }));
        let response = sender.send_request(request).await.map_err(http_err)?;
        let status = response.status().as_u16();
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
            .collect();
        if (300..400).contains(&status) && status != 304 {
            let location = headers
                .iter()
                .find(|(k, _)| k == "location")
                .map(|(_, v)| redact_url(v).into_owned())
                .unwrap_or_default();
            return Err(Error::Redirect {
                url: shown.to_string(),
                status,
                location,
            });
        }
        let too_large = || Error::TooLarge {
            url: shown.to_string(),
            limit: self.max_response_size,
        };
        let declared = response
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > self.max_response_size as u64) {
            return Err(too_large());
        }
        let mut body = response.into_body();
        let mut buf = BytesMut::new();
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(http_err)?;
            if let Ok(data) = frame.into_data() {
                if buf.len() + data.len() > self.max_response_size {
                    return Err(too_large());
                }
                buf.extend_from_slice(&data);
            }
        }
        drop(driver);
        Ok(Response {
            status,
            headers,
            body: buf.freeze(),
        })
    }
}

/// Aborts the connection task when the exchange ends (or is abandoned by a
/// timeout).
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Where a request goes.
#[derive(Debug)]
struct Target {
    tls: bool,
    /// Host to connect to (IPv6 without brackets).
    host: String,
    port: u16,
    /// `host[:port]` for the `host` header (no user info).
    host_header: String,
    /// Path and query.
    path: String,
}

impl Target {
    fn parse(url: &str, shown: &str) -> Result<Target, Error> {
        let invalid = |reason: &str| Error::InvalidUrl {
            url: shown.to_string(),
            reason: reason.to_string(),
        };
        let uri: Uri = url
            .parse()
            .map_err(|e: http::uri::InvalidUri| invalid(&e.to_string()))?;
        let tls = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            Some(_) => return Err(invalid("the scheme must be http or https")),
            None => return Err(invalid("not an absolute URL (http:// or https://)")),
        };
        let host = uri
            .host()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| invalid("no host"))?;
        let port = uri.port_u16().unwrap_or(if tls { 443 } else { 80 });
        let host_header = match uri.port_u16() {
            Some(p) => format!("{host}:{p}"),
            None => host.to_string(),
        };
        let path = uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| "/".to_string());
        Ok(Target {
            tls,
            host: host.trim_start_matches('[').trim_end_matches(']').to_string(),
            port,
            host_header,
            path,
        })
    }
}

/// `pairs` as an `application/x-www-form-urlencoded` body, in the given
/// order (`a=1&b=x+y`), each name and value escaped as [`query_escape`] does.
pub fn form_encode(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(&query_escape(k));
        out.push('=');
        out.push_str(&query_escape(v));
    }
    out
}

/// Escapes `s` as Go's `url.QueryEscape`: ASCII letters, digits and `-_.~`
/// are kept, a space becomes `+`, every other byte `%XX` (upper-case hex).
pub fn query_escape(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(HEX[usize::from(b >> 4)] as char);
                out.push(HEX[usize::from(b & 15)] as char);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn escaping_matches_go() {
        assert_eq!(query_escape("a b&c=d/é~"), "a+b%26c%3Dd%2F%C3%A9~");
        assert_eq!(
            form_encode(&[("grant_type", "client_credentials"), ("scope", "a b")]),
            "grant_type=client_credentials&scope=a+b"
        );
        assert_eq!(form_encode(&[]), "");
    }

    #[test]
    fn targets() {
        let t = Target::parse("https://u:p@example.com:8443/a/b?x=1", "").unwrap();
        assert!(t.tls);
        assert_eq!((t.host.as_str(), t.port), ("example.com", 8443));
        assert_eq!(t.host_header, "example.com:8443");
        assert_eq!(t.path, "/a/b?x=1");
        let t = Target::parse("http://[::1]", "").unwrap();
        assert_eq!((t.host.as_str(), t.port, t.path.as_str()), ("::1", 80, "/"));
        assert_eq!(t.host_header, "[::1]");
        for bad in ["ftp://h/", "/relative", "", "http://", "https://exa mple.com/"] {
            assert!(
                matches!(Target::parse(bad, bad), Err(Error::InvalidUrl { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn status_text_is_gos() {
        let r = Response {
            status: 404,
            headers: vec![("content-type".into(), "text/plain".into())],
            body: Bytes::from_static(b"nope"),
        };
        assert_eq!(r.status_text(), "404 Not Found");
        assert_eq!(r.header("Content-Type"), Some("text/plain"));
        assert!(!r.is_success());
        assert_eq!(r.body_text(), "nope");
    }
}
