//! `client_ca_file` and `client_ca_file_reload`: the verifier of client
//! certificates (mTLS), optionally following changes of the CA file.
//!
//! Go watches the file with fsnotify and swaps the CA pool on a write. Here
//! the file is read again at a handshake when [`CHECK_EVERY`] has passed
//! since the last look, and the verifier is rebuilt when its bytes changed.
//! A file that no longer reads or parses keeps the previous CAs (logged).
//! While reloading, no CA names are sent as hints in the certificate
//! request (hints are optional: a client then offers its certificate as is).

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, RootCertStore, SignatureScheme};

use crate::TlsError;
use crate::pem::{Source, add_roots};

/// How often, at most, a reloading verifier looks at the CA file again.
pub(crate) const CHECK_EVERY: Duration = Duration::from_secs(1);

/// A verifier of client certificates signed by the CAs in `path`.
pub(crate) fn verifier(
    path: &str,
    provider: &Arc<CryptoProvider>,
) -> Result<Arc<dyn ClientCertVerifier>, TlsError> {
    let source = Source {
        file: ("client_ca_file", path),
        pem: ("client_ca_file", ""),
    };
    let mut roots = RootCertStore::empty();
    add_roots(&mut roots, source.certs()?, "client_ca_file")?;
    WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| {
            TlsError::new(
                "client_ca_file",
                format!("cannot verify clients with {path:?}: {e}"),
            )
        })
}

/// A client-certificate verifier that follows changes of its CA file.
pub(crate) struct Reloading {
    path: String,
    provider: Arc<CryptoProvider>,
    check_every: Duration,
    state: Mutex<State>,
}

struct State {
    verifier: Arc<dyn ClientCertVerifier>,
    bytes: Vec<u8>,
    checked: Instant,
}

impl fmt::Debug for Reloading {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReloadingClientCa")
            .field("path", &self.path)
            .field("check_every", &self.check_every)
            .finish_non_exhaustive()
    }
}

impl Reloading {
    /// Reads the CA file now (an error here fails the start).
    pub(crate) fn new(
        path: &str,
        provider: Arc<CryptoProvider>,
        check_every: Duration,
    ) -> Result<Self, TlsError> {
        let bytes = std::fs::read(path)
            .map_err(|e| TlsError::new("client_ca_file", format!("failed to read {path:?}: {e}")))?;
        let verifier = verifier(path, &provider)?;
        Ok(Reloading {
            path: path.to_string(),
            provider,
            check_every,
            state: Mutex::new(State {
                verifier,
                bytes,
                checked: Instant::now(),
            }),
        })
    }

    /// The verifier to use now: rebuilt when the file changed.
    fn current(&self) -> Arc<dyn ClientCertVerifier> {
        let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if s.checked.elapsed() >= self.check_every {
            s.checked = Instant::now();
            match std::fs::read(&self.path) {
                Ok(bytes) if bytes != s.bytes => match verifier(&self.path, &self.provider) {
                    Ok(v) => {
                        tracing::info!(path = %self.path, "client_ca_file changed; verifying clients with the new CAs");
                        s.verifier = v;
                        s.bytes = bytes;
                    }
                    Err(e) => {
                        tracing::warn!(path = %self.path, error = %e.message, "cannot reload client_ca_file; keeping the current CAs");
                        // Do not try the same bad bytes again at every check.
                        s.bytes = bytes;
                    }
                },
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(path = %self.path, error = %e, "cannot read client_ca_file; keeping the current CAs");
                }
            }
        }
        s.verifier.clone()
    }
}

impl ClientCertVerifier for Reloading {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        self.current().verify_client_cert(end_entity, intermediates, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.current().verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.current().verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testpki::TestPki;
    use crate::{TlsClientConfig, TlsServerConfig, client_config, server_config};

    /// Whether a client with `client`'s certificate completes a handshake
    /// with a server built from `server`.
    async fn accepted(server: Arc<rustls::ServerConfig>, server_pki: &TestPki, client: &TestPki) -> bool {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let srv = tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            let (tcp, _) = listener.accept().await.unwrap();
            match crate::accept(server, tcp).await {
                Ok(mut s) => {
                    let _ = s.write_all(b"y").await;
                    let _ = s.flush().await;
                    // Hold the stream until the client has read.
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    true
                }
                Err(_) => false,
            }
        });
        let cfg = client_config(&TlsClientConfig {
            ca_file: server_pki.path("ca.pem"),
            cert_file: client.path("client.pem"),
            key_file: client.path("client-key.pem"),
            ..Default::default()
        })
        .unwrap()
        .unwrap();
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let client_ok = match crate::connect(cfg, crate::server_name("localhost", "").unwrap(), tcp).await {
            // TLS 1.3: the client learns of a refusal only on its first read.
            Ok(mut s) => {
                use tokio::io::AsyncReadExt;
                let mut buf = [0u8; 1];
                matches!(
                    tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf)).await,
                    Ok(Ok(1))
                )
            }
            Err(_) => false,
        };
        srv.await.unwrap() && client_ok
    }

    #[tokio::test]
    async fn a_changed_client_ca_file_is_used_without_a_restart() {
        let (old, new) = (TestPki::new(), TestPki::new());
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("client-ca.pem");
        std::fs::copy(old.path("ca.pem"), &ca).unwrap();
        let cfg = TlsServerConfig {
            cert_file: old.path("server.pem"),
            key_file: old.path("server-key.pem"),
            client_ca_file: ca.to_string_lossy().into_owned(),
            client_ca_file_reload: true,
            ..Default::default()
        };
        let server = crate::server::server_config_checking(&cfg, &[], Duration::ZERO).unwrap();
        assert!(
            accepted(server.clone(), &old, &old).await,
            "a client of the first CA"
        );
        assert!(
            !accepted(server.clone(), &old, &new).await,
            "a client of another CA"
        );
        std::fs::copy(new.path("ca.pem"), &ca).unwrap();
        assert!(
            accepted(server.clone(), &old, &new).await,
            "the new CA's client after the change"
        );
        assert!(
            !accepted(server.clone(), &old, &old).await,
            "the old CA's client after the change"
        );
        // A broken file keeps the CAs in use.
        std::fs::write(&ca, "not a certificate").unwrap();
        assert!(
            accepted(server.clone(), &old, &new).await,
            "kept after a bad write"
        );
        // Without reload, the file is read once.
        let fixed = server_config(&TlsServerConfig {
            client_ca_file_reload: false,
            ..cfg.clone()
        });
        assert!(fixed.is_err(), "the broken file fails a fresh start");
    }
}
