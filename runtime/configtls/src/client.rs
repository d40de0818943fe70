//! `tls` of a client (Go `configtls.ClientConfig`) and its rustls config.

use std::sync::Arc;
use std::time::Duration;

use rustls::{ClientConfig, RootCertStore};
use serde::{Deserialize, Serialize};

use crate::pem::{Source, add_roots, system_roots};
use crate::{TlsError, skip_verify, version};

/// `tls::tpm`: a trusted platform module holding the client key. Refused
/// when enabled.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TpmConfig {
    /// Load the key from the TPM. Default: false.
    pub enabled: bool,
    /// TPM device or socket path (`/dev/tpmrm0`). Default: empty.
    pub path: String,
    /// Owner authorization. Default: empty.
    pub owner_auth: String,
    /// Key authorization. Default: empty.
    pub auth: String,
}

/// `tls`: a TLS client config (Go `configtls.ClientConfig`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TlsClientConfig {
    /// CA certificate file to verify the server. Default: empty (system roots).
    pub ca_file: String,
    /// CA certificate, PEM. Default: empty.
    pub ca_pem: String,
    /// Also trust the system roots when a CA is given. Default: false.
    pub include_system_ca_certs_pool: bool,
    /// Client certificate file (mTLS). Default: empty.
    pub cert_file: String,
    /// Client certificate, PEM. Default: empty.
    pub cert_pem: String,
    /// Client key file. Default: empty.
    pub key_file: String,
    /// Client key, PEM. Default: empty.
    pub key_pem: String,
    /// Lowest TLS version, `1.2` or `1.3`. Default: empty (1.2).
    pub min_version: String,
    /// Highest TLS version. Default: empty (1.3).
    pub max_version: String,
    /// Allowed TLS 1.2 cipher suites (Go names). Default: empty (safe defaults).
    pub cipher_suites: Vec<String>,
    /// Key exchange curves in preference order (`X25519`, `P256`, `P384`). Default: empty.
    pub curve_preferences: Vec<String>,
    /// Read the client certificate and key again when this long has passed
    /// since they were last read (at the next handshake); 0 never. The CA
    /// is read once. Default: 0.
    #[serde(with = "otelcol_component::duration")]
    pub reload_interval: Duration,
    /// TPM-held key. Default: disabled; enabling it is refused.
    pub tpm: TpmConfig,
    /// Plaintext: no TLS at all. Default: false.
    pub insecure: bool,
    /// TLS without verifying the server certificate. Default: false.
    pub insecure_skip_verify: bool,
    /// Server name for SNI and verification. Default: empty (the endpoint's host).
    pub server_name_override: String,
}

impl TlsClientConfig {
    pub(crate) fn ca(&self) -> Source<'_> {
        Source {
            file: ("ca_file", &self.ca_file),
            pem: ("ca_pem", &self.ca_pem),
        }
    }

    pub(crate) fn cert(&self) -> Source<'_> {
        Source {
            file: ("cert_file", &self.cert_file),
            pem: ("cert_pem", &self.cert_pem),
        }
    }

    pub(crate) fn key(&self) -> Source<'_> {
        Source {
            file: ("key_file", &self.key_file),
            pem: ("key_pem", &self.key_pem),
        }
    }

    /// Checks the settings without reading any file, as Go's `Validate`.
    pub fn validate(&self) -> Result<(), TlsError> {
        self.ca().check()?;
        validate_pair(&self.cert(), &self.key())?;
        version::versions(&self.min_version, &self.max_version)?;
        version::provider(&self.cipher_suites, &self.curve_preferences)?;
        if self.tpm.enabled {
            return Err(TlsError::new(
                "tpm",
                "TPM-held keys are not supported by this build",
            ));
        }
        Ok(())
    }
}

/// Cert and key both or neither; each from a file or PEM, not both.
pub(crate) fn validate_pair(cert: &Source<'_>, key: &Source<'_>) -> Result<(), TlsError> {
    cert.check()?;
    key.check()?;
    if cert.is_empty() != key.is_empty() {
        let k = if cert.is_empty() { cert.file.0 } else { key.file.0 };
        return Err(TlsError::new(
            k,
            "for auth via TLS, provide both certificate and key, or neither",
        ));
    }
    Ok(())
}

/// The rustls client config for `cfg`, or `None` for plaintext: `insecure`
/// with no CA given (as Go's `LoadTLSConfig`: a CA with `insecure: true`
/// still means TLS). No ALPN is offered; see [`client_config_with_alpn`].
pub fn client_config(cfg: &TlsClientConfig) -> Result<Option<Arc<ClientConfig>>, TlsError> {
    client_config_with_alpn(cfg, &[])
}

/// As [`client_config`], offering the ALPN protocols `alpn` (`h2` for gRPC).
pub fn client_config_with_alpn(
    cfg: &TlsClientConfig,
    alpn: &[&[u8]],
) -> Result<Option<Arc<ClientConfig>>, TlsError> {
    if cfg.insecure && cfg.ca().is_empty() {
        return Ok(None);
    }
    cfg.validate()?;
    let provider = version::provider(&cfg.cipher_suites, &cfg.curve_preferences)?;
    let versions = version::versions(&cfg.min_version, &cfg.max_version)?;
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&versions)
        .map_err(|e| TlsError::new("min_version", format!("invalid TLS configuration: {e}")))?;
    let builder = if cfg.insecure_skip_verify {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(skip_verify::SkipVerify::new(provider.clone())))
    } else {
        let mut roots = RootCertStore::empty();
        let ca = cfg.ca();
        if ca.is_empty() || cfg.include_system_ca_certs_pool {
            roots = system_roots(if ca.is_empty() {
                "ca_file"
            } else {
                "include_system_ca_certs_pool"
            })?;
        }
        if !ca.is_empty() {
            let key = if cfg.ca_file.is_empty() {
                "ca_pem"
            } else {
                "ca_file"
            };
            add_roots(&mut roots, ca.certs()?, key)?;
        }
        builder.with_root_certificates(roots)
    };
    let mut config = if cfg.cert().is_empty() {
        builder.with_no_client_auth()
    } else if !cfg.reload_interval.is_zero() {
        let source = crate::reload::PairSource {
            cert_file: ("cert_file", cfg.cert_file.clone()),
            cert_pem: ("cert_pem", cfg.cert_pem.clone()),
            key_file: ("key_file", cfg.key_file.clone()),
            key_pem: ("key_pem", cfg.key_pem.clone()),
        };
        builder.with_client_cert_resolver(Arc::new(crate::reload::Reloading::new(
            source,
            provider,
            cfg.reload_interval,
        )?))
    } else {
        let certs = cfg.cert().certs()?;
        let key = cfg.key().key()?;
        builder.with_client_auth_cert(certs, key).map_err(|e| {
            TlsError::new(
                "key_file",
                format!("the client key does not fit the certificate: {e}"),
            )
        })?
    };
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok(Some(Arc::new(config)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testpki::TestPki;

    #[test]
    fn insecure_is_plaintext_and_keys_parse() {
        let c: TlsClientConfig = serde_yaml::from_str("insecure: true").unwrap();
        assert!(client_config(&c).unwrap().is_none());
        let pki = TestPki::new();
        let c = TlsClientConfig {
            insecure: true,
            ca_file: pki.path("ca.pem"),
            ..Default::default()
        };
        assert!(
            client_config(&c).unwrap().is_some(),
            "a CA with insecure still means TLS, as in Go"
        );
        assert!(serde_yaml::from_str::<TlsClientConfig>("ca_fil: x").is_err());
        let c: TlsClientConfig = serde_yaml::from_str("reload_interval: 5m").unwrap();
        assert!(c.validate().is_ok(), "reload_interval is applied");
    }

    #[test]
    fn validation_like_go() {
        let c = TlsClientConfig {
            cert_file: "c.pem".into(),
            ..Default::default()
        };
        let e = c.validate().unwrap_err();
        assert_eq!(e.key, "key_file");
        assert!(e.message.contains("both certificate and key"));
        let c = TlsClientConfig {
            ca_file: "a".into(),
            ca_pem: "b".into(),
            ..Default::default()
        };
        assert!(c.validate().unwrap_err().message.contains("not both"));
        let c = TlsClientConfig {
            min_version: "1.0".into(),
            ..Default::default()
        };
        assert_eq!(c.validate().unwrap_err().key, "min_version");
    }

    #[test]
    fn builds_with_ca_and_client_cert() {
        let pki = TestPki::new();
        let c = TlsClientConfig {
            ca_file: pki.path("ca.pem"),
            cert_pem: pki.client_cert.clone(),
            key_file: pki.path("client-key.pem"),
            ..Default::default()
        };
        let cfg = client_config_with_alpn(&c, &[crate::ALPN_H2]).unwrap().unwrap();
        assert!(cfg.client_auth_cert_resolver.has_certs());
        assert_eq!(cfg.alpn_protocols, vec![b"h2".to_vec()]);
    }

    #[test]
    fn errors_name_the_file() {
        let c = TlsClientConfig {
            ca_file: "/nonexistent/ca.pem".into(),
            ..Default::default()
        };
        let e = client_config(&c).unwrap_err();
        assert_eq!(e.key, "ca_file");
        assert!(e.message.contains("/nonexistent/ca.pem"), "{e}");
        let pki = TestPki::new();
        let c = TlsClientConfig {
            ca_file: pki.path("client-key.pem"),
            ..Default::default()
        };
        let e = client_config(&c).unwrap_err();
        assert!(e.message.contains("no PEM certificate"), "{e}");
        let c = TlsClientConfig {
            insecure_skip_verify: true,
            cert_file: pki.path("client.pem"),
            key_file: pki.path("server-key.pem"),
            ..Default::default()
        };
        assert!(client_config(&c).is_err());
    }
}
