//! The connector of the HTTP client: plain TCP for `http://` URLs, TCP plus
//! a rustls handshake for `https://` ones, with HTTP/2 when ALPN picks it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::Uri;
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::rt::TokioIo;
use otelcol_configtls::rustls::ClientConfig;
use otelcol_configtls::tokio_rustls::client::TlsStream;
use tokio::net::TcpStream;
use tower::Service;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Connects plain or TLS by the URL scheme.
#[derive(Clone, Debug)]
pub(crate) struct Connector {
    http: HttpConnector,
    /// The TLS config for `https://` URLs; `None` when no URL is https.
    /// Filled when the exporter starts (the TLS files are read then).
    tls: Arc<std::sync::OnceLock<Arc<ClientConfig>>>,
    server_name_override: String,
}

impl Connector {
    pub(crate) fn new(
        tls: Arc<std::sync::OnceLock<Arc<ClientConfig>>>,
        server_name_override: String,
    ) -> Self {
        let mut http = HttpConnector::new();
        http.set_nodelay(true);
        http.enforce_http(false);
        Connector {
            http,
            tls,
            server_name_override,
        }
    }
}

/// A connection: plain TCP or TLS.
#[derive(Debug)]
pub(crate) enum Conn {
    /// `http://`.
    Plain(TokioIo<TcpStream>),
    /// `https://`.
    Tls(Box<TokioIo<TlsStream<TcpStream>>>),
}

impl Service<Uri> for Connector {
    type Response = Conn;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Conn, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.http.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let connecting = self.http.call(uri.clone());
        let tls = self.tls.get().cloned();
        let over = self.server_name_override.clone();
        Box::pin(async move {
            let tcp = connecting.await?;
            if uri.scheme_str() != Some("https") {
                return Ok(Conn::Plain(tcp));
            }
            let config = tls.ok_or("an https URL needs TLS, which is not configured")?;
            let host = uri.host().unwrap_or_default();
            let name = otelcol_configtls::server_name(host, &over)?;
            let tls = otelcol_configtls::connect(config, name, tcp.into_inner())
                .await
                .map_err(|e| {
                    tracing::warn!(server = %uri, error = %e, "otlphttp exporter: TLS handshake failed");
                    format!("TLS handshake with {host} failed: {e}")
                })?;
            Ok(Conn::Tls(Box::new(TokioIo::new(tls))))
        })
    }
}

impl Connection for Conn {
    fn connected(&self) -> Connected {
        match self {
            Conn::Plain(t) => t.connected(),
            Conn::Tls(t) => {
                let (tcp, session) = t.inner().get_ref();
                let c = tcp.connected();
                if session.alpn_protocol() == Some(otelcol_configtls::ALPN_H2) {
                    c.negotiated_h2()
                } else {
                    c
                }
            }
        }
    }
}

impl Read for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(t) => Pin::new(t).poll_read(cx, buf),
            Conn::Tls(t) => Pin::new(t.as_mut()).poll_read(cx, buf),
        }
    }
}

impl Write for Conn {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Conn::Plain(t) => Pin::new(t).poll_write(cx, buf),
            Conn::Tls(t) => Pin::new(t.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(t) => Pin::new(t).poll_flush(cx),
            Conn::Tls(t) => Pin::new(t.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(t) => Pin::new(t).poll_shutdown(cx),
            Conn::Tls(t) => Pin::new(t.as_mut()).poll_shutdown(cx),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Conn::Plain(t) => Pin::new(t).poll_write_vectored(cx, bufs),
            Conn::Tls(t) => Pin::new(t.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Conn::Plain(t) => t.is_write_vectored(),
            Conn::Tls(t) => t.is_write_vectored(),
        }
    }
}
