//! The handshakes: client [`connect`] and server [`accept`] on a TCP stream.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ServerConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::{TlsAcceptor, TlsConnector, client, server};

use crate::TlsError;

/// The name to verify the server against: `server_name_override` if set,
/// else `host` (a DNS name or an IP address; IPv6 may be in brackets).
pub fn server_name(host: &str, server_name_override: &str) -> Result<ServerName<'static>, TlsError> {
    let name = if server_name_override.is_empty() {
        host.trim_start_matches('[').trim_end_matches(']')
    } else {
        server_name_override
    };
    ServerName::try_from(name.to_string()).map_err(|e| {
        TlsError::new(
            "server_name_override",
            format!("{name:?} is not a valid TLS server name: {e}"),
        )
    })
}

/// Runs the client handshake on `tcp`.
pub async fn connect(
    config: Arc<ClientConfig>,
    name: ServerName<'static>,
    tcp: TcpStream,
) -> io::Result<client::TlsStream<TcpStream>> {
    TlsConnector::from(config).connect(name, tcp).await
}

/// How long a refused client is given to read the alert and hang up.
const LINGER: Duration = Duration::from_secs(1);

/// Runs the server handshake on `tcp`. When it fails, the connection is
/// closed gracefully (FIN, then the client's unread bytes are drained for up
/// to a second) instead of with a reset, so the client reliably reads the
/// TLS alert (say, `CertificateRequired`) and can report why it was refused.
pub async fn accept(config: Arc<ServerConfig>, tcp: TcpStream) -> io::Result<server::TlsStream<TcpStream>> {
    match TlsAcceptor::from(config).accept(tcp).into_fallible().await {
        Ok(tls) => Ok(tls),
        Err((e, mut tcp)) => {
            let _ = tcp.shutdown().await;
            let mut buf = [0u8; 4096];
            let _ = tokio::time::timeout(LINGER, async {
                while matches!(tcp.read(&mut buf).await, Ok(n) if n > 0) {}
            })
            .await;
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use tokio::net::TcpListener;

    use super::*;
    use crate::testpki::TestPki;
    use crate::{TlsClientConfig, TlsServerConfig, client_config, server_config_with_alpn};

    async fn round_trip(
        server: &TlsServerConfig,
        client: &TlsClientConfig,
        host: &str,
    ) -> io::Result<Vec<u8>> {
        let sc = server_config_with_alpn(server, &[crate::ALPN_H2]).unwrap();
        let cc = client_config(client).unwrap().unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let srv = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await?;
            let mut tls = accept(sc, tcp).await?;
            tls.write_all(b"hello").await?;
            tls.shutdown().await
        });
        let tcp = TcpStream::connect(addr).await?;
        let name = server_name(host, &client.server_name_override).unwrap();
        let mut tls = connect(cc, name, tcp).await?;
        let mut buf = Vec::new();
        let read = tls.read_to_end(&mut buf).await;
        let _ = srv.await;
        read.map(|_| buf)
    }

    #[tokio::test]
    async fn tls_mtls_and_refusals() {
        let pki = TestPki::new();
        let mut server = TlsServerConfig {
            cert_file: pki.path("server.pem"),
            key_file: pki.path("server-key.pem"),
            ..Default::default()
        };
        let mut client = TlsClientConfig {
            ca_file: pki.path("ca.pem"),
            ..Default::default()
        };
        assert_eq!(round_trip(&server, &client, "127.0.0.1").await.unwrap(), b"hello");
        assert_eq!(round_trip(&server, &client, "localhost").await.unwrap(), b"hello");
        // Wrong name: refused unless overridden or verification is skipped.
        assert!(round_trip(&server, &client, "example.com").await.is_err());
        client.server_name_override = "localhost".into();
        assert_eq!(
            round_trip(&server, &client, "example.com").await.unwrap(),
            b"hello"
        );
        // Unknown CA: refused unless verification is skipped.
        let other_pki = TestPki::new();
        let other = TlsClientConfig {
            ca_file: other_pki.path("ca.pem"),
            ..Default::default()
        };
        assert!(round_trip(&server, &other, "localhost").await.is_err());
        let skip = TlsClientConfig {
            insecure_skip_verify: true,
            ..Default::default()
        };
        assert_eq!(round_trip(&server, &skip, "localhost").await.unwrap(), b"hello");
        // mTLS: a client without a certificate is refused, one with it passes.
        server.client_ca_file = pki.path("ca.pem");
        client.server_name_override.clear();
        assert!(round_trip(&server, &client, "localhost").await.is_err());
        client.cert_file = pki.path("client.pem");
        client.key_file = pki.path("client-key.pem");
        assert_eq!(round_trip(&server, &client, "localhost").await.unwrap(), b"hello");
    }
}
