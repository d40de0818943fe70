//! Loading PEM certificates and keys from files or inline strings.

use rustls::RootCertStore;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::TlsError;

/// Where a PEM value comes from: `*_file` or inline `*_pem`.
pub(crate) struct Source<'a> {
    /// The `*_file` key and value.
    pub file: (&'static str, &'a str),
    /// The `*_pem` key and value.
    pub pem: (&'static str, &'a str),
}

impl Source<'_> {
    /// True when neither is set.
    pub(crate) fn is_empty(&self) -> bool {
        self.file.1.is_empty() && self.pem.1.is_empty()
    }

    /// Refuses both being set (Go: "provide either a file or the PEM, not both").
    pub(crate) fn check(&self) -> Result<(), TlsError> {
        if !self.file.1.is_empty() && !self.pem.1.is_empty() {
            return Err(TlsError::new(
                self.file.0,
                format!("provide either {} or {}, but not both", self.file.0, self.pem.0),
            ));
        }
        Ok(())
    }

    /// The PEM bytes, the key they came from and a description for errors.
    fn read(&self) -> Result<(Vec<u8>, &'static str, String), TlsError> {
        self.check()?;
        if !self.file.1.is_empty() {
            let path = self.file.1;
            let bytes = std::fs::read(path)
                .map_err(|e| TlsError::new(self.file.0, format!("failed to read {path:?}: {e}")))?;
            Ok((bytes, self.file.0, format!("file {path:?}")))
        } else {
            Ok((
                self.pem.1.as_bytes().to_vec(),
                self.pem.0,
                "the inline PEM".to_string(),
            ))
        }
    }

    /// The certificates (at least one).
    pub(crate) fn certs(&self) -> Result<Vec<CertificateDer<'static>>, TlsError> {
        let (bytes, key, origin) = self.read()?;
        parse_certs(&bytes, key, &origin)
    }

    /// The private key (PKCS#8, PKCS#1 or SEC1).
    pub(crate) fn key(&self) -> Result<PrivateKeyDer<'static>, TlsError> {
        let (bytes, key, origin) = self.read()?;
        PrivateKeyDer::from_pem_slice(&bytes)
            .map_err(|e| TlsError::new(key, format!("no valid PEM private key in {origin}: {e}")))
    }
}

fn parse_certs(
    bytes: &[u8],
    key: &'static str,
    origin: &str,
) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = CertificateDer::pem_slice_iter(bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::new(key, format!("invalid PEM certificate in {origin}: {e}")))?;
    if certs.is_empty() {
        return Err(TlsError::new(
            key,
            format!("no PEM certificate found in {origin}"),
        ));
    }
    Ok(certs)
}

/// Adds `certs` to `roots`, naming `key`/`origin` when one is not a valid CA.
pub(crate) fn add_roots(
    roots: &mut RootCertStore,
    certs: Vec<CertificateDer<'static>>,
    key: &'static str,
) -> Result<(), TlsError> {
    for c in certs {
        roots
            .add(c)
            .map_err(|e| TlsError::new(key, format!("invalid CA certificate: {e}")))?;
    }
    Ok(())
}

/// Bundle files Go's `x509.SystemCertPool` reads on Linux, in order.
const SYSTEM_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/pki/tls/cacert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

/// The system's trusted roots, read like Go on Linux: `$SSL_CERT_FILE` if
/// set, else the first bundle file that exists. Invalid entries are skipped.
/// Fails (naming `key`) when no bundle is found.
pub fn system_roots(key: &'static str) -> Result<RootCertStore, TlsError> {
    let env = std::env::var("SSL_CERT_FILE").ok().filter(|s| !s.is_empty());
    let candidates: Vec<String> = match env {
        Some(f) => vec![f],
        None => SYSTEM_BUNDLES.iter().map(|s| s.to_string()).collect(),
    };
    for path in &candidates {
        let Ok(bytes) = std::fs::read(path) else { continue };
        let mut roots = RootCertStore::empty();
        let certs = CertificateDer::pem_slice_iter(&bytes).filter_map(Result::ok);
        roots.add_parsable_certificates(certs);
        if !roots.is_empty() {
            return Ok(roots);
        }
    }
    Err(TlsError::new(
        key,
        format!(
            "no system CA certificates found (looked in {}); set ca_file or SSL_CERT_FILE",
            candidates.join(", ")
        ),
    ))
}
