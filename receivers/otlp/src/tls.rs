//! TLS for both servers: the handshake on each accepted connection, run in
//! its own task so a slow client does not hold up the others.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use otelcol_configtls::rustls::ServerConfig;
use otelcol_configtls::tokio_rustls::server::TlsStream;
use tokio::net::TcpStream;

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
