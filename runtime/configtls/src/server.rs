//! `tls` of a server (Go `configtls.ServerConfig`) and its rustls config.

use std::sync::Arc;
use std::time::Duration;

use rustls::ServerConfig;
use serde::{Deserialize, Serialize};

use crate::client::validate_pair;
use crate::pem::Source;
use crate::{TlsError, version};

/// `tls`: a TLS server config (Go `configtls.ServerConfig`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TlsServerConfig {
    /// CA certificate file (Go loads it as the root pool; a server does not
    /// use it, clients are verified with `client_ca_file`). Default: empty.
    pub ca_file: String,
    /// CA certificate, PEM. Default: empty.
    pub ca_pem: String,
    /// Also trust the system roots. Default: false. Accepted; no effect on a server.
    pub include_system_ca_certs_pool: bool,
    /// Server certificate file. Default: empty (required: cert_file or cert_pem).
    pub cert_file: String,
    /// Server certificate, PEM. Default: empty.
    pub cert_pem: String,
    /// Server private key file. Default: empty (required: key_file or key_pem).
    pub key_file: String,
    /// Server private key, PEM. Default: empty.
    pub key_pem: String,
    /// Lowest TLS version, `1.2` or `1.3`. Default: empty (1.2).
    pub min_version: String,
    /// Highest TLS version. Default: empty (1.3).
    pub max_version: String,
    /// Allowed TLS 1.2 cipher suites (Go names). Default: empty (safe defaults).
    pub cipher_suites: Vec<String>,
    /// Key exchange curves in preference order (`X25519`, `P256`, `P384`). Default: empty.
    pub curve_preferences: Vec<String>,
    /// Read the certificate and key again when this long has passed since
    /// they were last read (at the next handshake); 0 never. Default: 0.
    #[serde(with = "otelcol_component::duration")]
    pub reload_interval: Duration,
    /// CA file to verify client certificates: when set, clients must present
    /// a certificate it signed (mTLS). Default: empty (no client auth).
    pub client_ca_file: String,
    /// Use a changed `client_ca_file` without a restart (read again at a
    /// handshake at most once a second; a bad file keeps the CAs in use).
    /// Default: false.
    pub client_ca_file_reload: bool,
}

impl TlsServerConfig {
    fn cert(&self) -> Source<'_> {
        Source {
            file: ("cert_file", &self.cert_file),
            pem: ("cert_pem", &self.cert_pem),
        }
    }

    fn key(&self) -> Source<'_> {
        Source {
            file: ("key_file", &self.key_file),
            pem: ("key_pem", &self.key_pem),
        }
    }

    /// Checks the settings without reading any file.
    pub fn validate(&self) -> Result<(), TlsError> {
        Source {
            file: ("ca_file", &self.ca_file),
            pem: ("ca_pem", &self.ca_pem),
        }
        .check()?;
        validate_pair(&self.cert(), &self.key())?;
        if self.cert().is_empty() {
            return Err(TlsError::new(
                "cert_file",
                "a TLS server needs a certificate and key: set cert_file (or cert_pem) and key_file (or key_pem)",
            ));
        }
        version::versions(&self.min_version, &self.max_version)?;
        version::provider(&self.cipher_suites, &self.curve_preferences)?;
        Ok(())
    }
}

/// The rustls server config for `cfg`, with no ALPN; see
/// [`server_config_with_alpn`]. Reads the certificate, key and client CA.
pub fn server_config(cfg: &TlsServerConfig) -> Result<Arc<ServerConfig>, TlsError> {
    server_config_with_alpn(cfg, &[])
}

/// As [`server_config`], accepting the ALPN protocols `alpn` in preference
/// order (`h2` for gRPC; `h2`, `http/1.1` for HTTP).
pub fn server_config_with_alpn(cfg: &TlsServerConfig, alpn: &[&[u8]]) -> Result<Arc<ServerConfig>, TlsError> {
    server_config_checking(cfg, alpn, crate::client_ca::CHECK_EVERY)
}

/// As [`server_config_with_alpn`]; a reloading `client_ca_file` is looked
/// at again every `check_every` (tests use zero).
pub(crate) fn server_config_checking(
    cfg: &TlsServerConfig,
    alpn: &[&[u8]],
    check_every: Duration,
) -> Result<Arc<ServerConfig>, TlsError> {
    cfg.validate()?;
    let provider = version::provider(&cfg.cipher_suites, &cfg.curve_preferences)?;
    let versions = version::versions(&cfg.min_version, &cfg.max_version)?;
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&versions)
        .map_err(|e| TlsError::new("min_version", format!("invalid TLS configuration: {e}")))?;
    let builder = if cfg.client_ca_file.is_empty() {
        builder.with_no_client_auth()
    } else if cfg.client_ca_file_reload {
        builder.with_client_cert_verifier(Arc::new(crate::client_ca::Reloading::new(
            &cfg.client_ca_file,
            provider.clone(),
            check_every,
        )?))
    } else {
        builder.with_client_cert_verifier(crate::client_ca::verifier(&cfg.client_ca_file, &provider)?)
    };
    let mut config = if cfg.reload_interval.is_zero() {
        let certs = cfg.cert().certs()?;
        let key = cfg.key().key()?;
        builder.with_single_cert(certs, key).map_err(|e| {
            TlsError::new(
                "key_file",
                format!("the server key does not fit the certificate: {e}"),
            )
        })?
    } else {
        let source = crate::reload::PairSource {
            cert_file: ("cert_file", cfg.cert_file.clone()),
            cert_pem: ("cert_pem", cfg.cert_pem.clone()),
            key_file: ("key_file", cfg.key_file.clone()),
            key_pem: ("key_pem", cfg.key_pem.clone()),
        };
        builder.with_cert_resolver(Arc::new(crate::reload::Reloading::new(
            source,
            provider,
            cfg.reload_interval,
        )?))
    };
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testpki::TestPki;

    #[test]
    fn needs_cert_and_key() {
        let e = server_config(&TlsServerConfig::default()).unwrap_err();
        assert_eq!(e.key, "cert_file");
        let c: TlsServerConfig =
            serde_yaml::from_str("cert_file: a\nclient_ca_file_reload: true\nkey_file: b").unwrap();
        // As in Go: without client_ca_file, reload has nothing to do.
        assert!(c.validate().is_ok());
        let c: TlsServerConfig =
            serde_yaml::from_str("cert_file: a\nclient_ca_file_reload: true\nclient_ca_file: c\nkey_file: b")
                .unwrap();
        assert!(c.validate().is_ok());
        assert!(serde_yaml::from_str::<TlsServerConfig>("insecure: true").is_err());
    }

    #[test]
    fn builds_tls_and_mtls() {
        let pki = TestPki::new();
        let mut c = TlsServerConfig {
            cert_file: pki.path("server.pem"),
            key_file: pki.path("server-key.pem"),
            ..Default::default()
        };
        assert!(server_config(&c).is_ok());
        c.client_ca_file = pki.path("ca.pem");
        assert!(server_config_with_alpn(&c, &[crate::ALPN_H2]).is_ok());
        c.client_ca_file = "/nonexistent/ca.pem".into();
        let e = server_config(&c).unwrap_err();
        assert_eq!(e.key, "client_ca_file");
        assert!(e.message.contains("/nonexistent/ca.pem"));
        c.client_ca_file.clear();
        c.key_file = pki.path("missing.pem");
        let e = server_config(&c).unwrap_err();
        assert_eq!(e.key, "key_file");
        assert!(e.message.contains("missing.pem"));
    }
}
