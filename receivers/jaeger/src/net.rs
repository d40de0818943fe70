//! Listeners: TCP (with optional TLS) for the collector ports, UDP for the
//! agent ports.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use otelcol_component::ComponentError;
use otelcol_configtls::rustls::ServerConfig;
use otelcol_configtls::tokio_rustls::server::TlsStream;
use otelcol_httpserver::endpoint::Endpoint;
use tokio::net::{TcpListener, TcpStream, UdpSocket};

use crate::config::split_host_port;

/// How long a client may take to complete the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Binds a TCP listener on `endpoint`; `what` names it in the error (Go's
/// "failed to bind to Collector address" / "gRPC address").
pub(crate) async fn listen_tcp(endpoint: &str, what: &str) -> Result<TcpListener, ComponentError> {
    let ep = Endpoint::parse(endpoint)
        .map_err(|e| ComponentError::new(format!("failed to bind to {what} {endpoint:?}: {e}")))?;
    ep.bind()
        .await
        .map_err(|e| ComponentError::with_source(format!("failed to bind to {what} {endpoint:?}"), e))
}

/// The addresses `endpoint` names: `localhost` is 127.0.0.1, an empty host
/// every interface, a name is resolved.
async fn udp_addrs(endpoint: &str) -> std::io::Result<Vec<SocketAddr>> {
    let invalid = |e: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, e);
    let (host, port) = split_host_port(endpoint).map_err(|e| invalid(format!("address {endpoint}: {e}")))?;
    let port: u16 = port
        .parse()
        .map_err(|_| invalid(format!("address {endpoint}: invalid port")))?;
    let ip = match host {
        "" => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        h if h.eq_ignore_ascii_case("localhost") => IpAddr::V4(Ipv4Addr::LOCALHOST),
        h => match h.parse::<IpAddr>() {
            Ok(ip) => ip,
            Err(_) => return Ok(tokio::net::lookup_host((h, port)).await?.collect()),
        },
    };
    Ok(vec![SocketAddr::new(ip, port)])
}

/// Binds a UDP socket on `endpoint`, with `SO_RCVBUF` set when
/// `socket_buffer_size` is positive.
pub(crate) async fn bind_udp(endpoint: &str, socket_buffer_size: i64) -> Result<UdpSocket, ComponentError> {
    let fail = |e: std::io::Error| ComponentError::with_source(format!("listen udp {endpoint}"), e);
    let mut last = None;
    for addr in udp_addrs(endpoint).await.map_err(fail)? {
        match UdpSocket::bind(addr).await {
            Ok(socket) => {
                if let Ok(size) = usize::try_from(socket_buffer_size) {
                    if size > 0 {
                        rustix::net::sockopt::set_socket_recv_buffer_size(&socket, size).map_err(|e| {
                            ComponentError::with_source(
                                format!("failed to set the socket buffer size of {endpoint}"),
                                std::io::Error::from(e),
                            )
                        })?;
                    }
                }
                return Ok(socket);
            }
            Err(e) => last = Some(e),
        }
    }
    Err(fail(last.unwrap_or_else(|| {
        std::io::Error::new(std::io::ErrorKind::NotFound, "no address to listen on")
    })))
}

/// Runs the server side of a TLS handshake with a deadline; failures are
/// logged at debug (as Go's servers do not surface them either).
pub(crate) async fn handshake(
    config: Arc<ServerConfig>,
    tcp: TcpStream,
    peer: SocketAddr,
) -> Option<TlsStream<TcpStream>> {
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, otelcol_configtls::accept(config, tcp)).await {
        Ok(Ok(tls)) => Some(tls),
        Ok(Err(e)) => {
            tracing::debug!(%peer, error = %e, "Jaeger receiver TLS handshake failed");
            None
        }
        Err(_) => {
            tracing::debug!(%peer, "Jaeger receiver TLS handshake timed out");
            None
        }
    }
}
