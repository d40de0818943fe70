//! TLS for both servers: the handshake on each accepted connection, run in
//! its own task so a slow client does not hold up the others.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::Stream;
use otelcol_configtls::rustls::ServerConfig;
use otelcol_configtls::tokio_rustls::server::TlsStream;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tonic::transport::server::{Connected, TcpConnectInfo};

/// How long a client may take to complete the handshake.
pub(crate) const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs the server handshake on `tcp` with a deadline; failures are logged
/// (at debug, as Go's servers do not surface them either) and give `None`.
pub(crate) async fn handshake(
    config: Arc<ServerConfig>,
    tcp: TcpStream,
    peer: SocketAddr,
    transport: &'static str,
) -> Option<TlsStream<TcpStream>> {
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, otelcol_configtls::accept(config, tcp)).await {
        Ok(Ok(tls)) => Some(tls),
        Ok(Err(e)) => {
            tracing::debug!(%peer, transport, error = %e, "OTLP receiver TLS handshake failed");
            None
        }
        Err(_) => {
            tracing::debug!(%peer, transport, "OTLP receiver TLS handshake timed out");
            None
        }
    }
}

/// An accepted TLS connection, with the addresses tonic reports.
pub(crate) struct TlsConn {
    inner: TlsStream<TcpStream>,
    info: TcpConnectInfo,
}

impl Connected for TlsConn {
    type ConnectInfo = TcpConnectInfo;
    fn connect_info(&self) -> TcpConnectInfo {
        self.info.clone()
    }
}

impl AsyncRead for TlsConn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for TlsConn {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// The TLS connections accepted on `listener` until `shutdown`, for tonic's
/// `serve_with_incoming_shutdown`. Failed handshakes are dropped.
pub(crate) fn incoming(
    listener: TcpListener,
    config: Arc<ServerConfig>,
    shutdown: CancellationToken,
) -> Pin<Box<dyn Stream<Item = io::Result<TlsConn>> + Send>> {
    let (tx, rx) = tokio::sync::mpsc::channel::<TlsConn>(64);
    tokio::spawn(async move {
        loop {
            let (tcp, peer) = tokio::select! {
                () = shutdown.cancelled() => break,
                accepted = listener.accept() => match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        tracing::debug!(error = %e, "OTLP gRPC receiver failed to accept a connection");
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                },
            };
            let _ = tcp.set_nodelay(true);
            let info = TcpConnectInfo {
                local_addr: tcp.local_addr().ok(),
                remote_addr: Some(peer),
            };
            let (tx, config) = (tx.clone(), config.clone());
            tokio::spawn(async move {
                if let Some(inner) = handshake(config, tcp, peer, "grpc").await {
                    let _ = tx.send(TlsConn { inner, info }).await;
                }
            });
        }
    });
    Box::pin(futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|c| (Ok(c), rx))
    }))
}
