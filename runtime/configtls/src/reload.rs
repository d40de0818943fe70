//! `reload_interval`: certificates that rotate without a restart. The
//! certificate and key are read again, at the first handshake after
//! `reload_interval` has passed since they were last read (as Go's
//! `configtls` does); a read that fails keeps the previous pair and is
//! logged.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rustls::crypto::CryptoProvider;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

use crate::TlsError;
use crate::pem::Source;

/// Where a certificate and its key come from.
#[derive(Clone, Debug)]
pub(crate) struct PairSource {
    pub(crate) cert_file: (&'static str, String),
    pub(crate) cert_pem: (&'static str, String),
    pub(crate) key_file: (&'static str, String),
    pub(crate) key_pem: (&'static str, String),
}

impl PairSource {
    /// Reads the pair and checks that the key fits the certificate.
    pub(crate) fn load(&self, provider: &CryptoProvider) -> Result<Arc<CertifiedKey>, TlsError> {
        let cert = Source {
            file: (self.cert_file.0, &self.cert_file.1),
            pem: (self.cert_pem.0, &self.cert_pem.1),
        };
        let key = Source {
            file: (self.key_file.0, &self.key_file.1),
            pem: (self.key_pem.0, &self.key_pem.1),
        };
        let certified = CertifiedKey::from_der(cert.certs()?, key.key()?, provider).map_err(|e| {
            TlsError::new(
                self.key_file.0,
                format!("the key does not fit the certificate: {e}"),
            )
        })?;
        Ok(Arc::new(certified))
    }
}

/// A certificate resolver that reads its pair again every `interval`.
#[derive(Debug)]
pub(crate) struct Reloading {
    source: PairSource,
    provider: Arc<CryptoProvider>,
    interval: Duration,
    current: Mutex<(Arc<CertifiedKey>, Instant)>,
}

impl Reloading {
    /// Reads the pair now (an error here fails the start).
    pub(crate) fn new(
        source: PairSource,
        provider: Arc<CryptoProvider>,
        interval: Duration,
    ) -> Result<Self, TlsError> {
        let first = source.load(&provider)?;
        Ok(Reloading {
            source,
            provider,
            interval,
            current: Mutex::new((first, Instant::now())),
        })
    }

    /// The pair to present now, read again when `interval` has passed.
    pub(crate) fn current(&self) -> Arc<CertifiedKey> {
        let mut g = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if g.1.elapsed() >= self.interval {
            match self.source.load(&self.provider) {
                Ok(k) => g.0 = k,
                Err(e) => tracing::warn!(
                    key = e.key,
                    error = %e.message,
                    "cannot reload the TLS certificate; keeping the current one"
                ),
            }
            g.1 = Instant::now();
        }
        g.0.clone()
    }
}

impl ResolvesServerCert for Reloading {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current())
    }
}

impl rustls::client::ResolvesClientCert for Reloading {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        _sigschemes: &[rustls::SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        Some(self.current())
    }

    fn has_certs(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testpki::TestPki;

    #[test]
    fn a_rotated_pair_is_served_after_the_interval_and_a_bad_one_is_ignored() {
        let pki = TestPki::new();
        let other = TestPki::new();
        let dir = tempfile::tempdir().unwrap();
        let (cert, key) = (dir.path().join("c.pem"), dir.path().join("k.pem"));
        std::fs::copy(pki.path("server.pem"), &cert).unwrap();
        std::fs::copy(pki.path("server-key.pem"), &key).unwrap();
        let source = PairSource {
            cert_file: ("cert_file", cert.display().to_string()),
            cert_pem: ("cert_pem", String::new()),
            key_file: ("key_file", key.display().to_string()),
            key_pem: ("key_pem", String::new()),
        };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let r = Reloading::new(source, provider, Duration::ZERO).unwrap();
        let first = r.current().cert[0].clone();
        std::fs::copy(other.path("server.pem"), &cert).unwrap();
        std::fs::copy(other.path("server-key.pem"), &key).unwrap();
        let second = r.current().cert[0].clone();
        assert_ne!(first, second, "the new certificate is served");
        // A half-written rotation (a key that does not fit) keeps the last good pair.
        std::fs::copy(pki.path("server-key.pem"), &key).unwrap();
        assert_eq!(r.current().cert[0], second);
    }
}
