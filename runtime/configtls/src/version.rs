//! `min_version`/`max_version`, `cipher_suites` and `curve_preferences`:
//! the protocol versions and the crypto provider of a rustls config.

use std::sync::Arc;

use rustls::SupportedProtocolVersion;
use rustls::crypto::{CryptoProvider, ring};

use crate::TlsError;

/// `min_version` when unset, as in Go.
pub const DEFAULT_MIN_VERSION: &str = "1.2";

/// The TLS versions rustls implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TlsVersion {
    /// TLS 1.2.
    V1_2,
    /// TLS 1.3.
    V1_3,
}

impl TlsVersion {
    /// Parses a Go version string; `""` is `None`. `1.0` and `1.1` are
    /// refused: rustls has no TLS 1.0/1.1.
    pub fn parse(key: &'static str, s: &str) -> Result<Option<TlsVersion>, TlsError> {
        match s {
            "" => Ok(None),
            "1.2" => Ok(Some(TlsVersion::V1_2)),
            "1.3" => Ok(Some(TlsVersion::V1_3)),
            "1.0" | "1.1" => Err(TlsError::new(
                key,
                format!(
                    "TLS {s} is not supported by this build (rustls implements only TLS 1.2 and 1.3); use \"1.2\" or \"1.3\""
                ),
            )),
            other => Err(TlsError::new(
                key,
                format!("invalid TLS {key}: unsupported TLS version: {other:?}"),
            )),
        }
    }
}

/// The protocol versions between `min` (default 1.2) and `max` (default 1.3).
pub(crate) fn versions(min: &str, max: &str) -> Result<Vec<&'static SupportedProtocolVersion>, TlsError> {
    let lo = TlsVersion::parse("min_version", min)?.unwrap_or(TlsVersion::V1_2);
    let hi = TlsVersion::parse("max_version", max)?.unwrap_or(TlsVersion::V1_3);
    if lo > hi {
        return Err(TlsError::new(
            "min_version",
            format!(
                "invalid TLS configuration: min_version cannot be greater than max_version (min {min:?}, max {max:?})"
            ),
        ));
    }
    let mut out = Vec::new();
    if lo == TlsVersion::V1_2 {
        out.push(&rustls::version::TLS12);
    }
    if hi == TlsVersion::V1_3 {
        out.push(&rustls::version::TLS13);
    }
    Ok(out)
}

/// The `ring` provider restricted to `cipher_suites` (Go names; they apply to
/// TLS 1.2 as in Go, TLS 1.3 suites are always on) and `curve_preferences`
/// (`X25519`, `P256`, `P384`, in preference order).
pub(crate) fn provider(cipher_suites: &[String], curves: &[String]) -> Result<Arc<CryptoProvider>, TlsError> {
    let mut p = ring::default_provider();
    if !cipher_suites.is_empty() {
        let all = p.cipher_suites.clone();
        let mut chosen: Vec<_> = all.iter().filter(|s| s.tls13().is_some()).cloned().collect();
        for name in cipher_suites {
            if is_tls13_name(name) {
                continue;
            }
            let found = all
                .iter()
                .find(|s| s.tls13().is_none() && format!("{:?}", s.suite()) == *name)
                .ok_or_else(|| {
                    TlsError::new(
                        "cipher_suites",
                        format!("invalid TLS cipher suite: {name:?} (supported: TLS_ECDHE_{{ECDSA,RSA}}_WITH_{{AES_128_GCM_SHA256,AES_256_GCM_SHA384,CHACHA20_POLY1305_SHA256}})"),
                    )
                })?;
            chosen.push(*found);
        }
        p.cipher_suites = chosen;
    }
    if !curves.is_empty() {
        let all = p.kx_groups.clone();
        let mut chosen = Vec::new();
        for name in curves {
            let group = match name.as_str() {
                "X25519" => ring::kx_group::X25519,
                "P256" => ring::kx_group::SECP256R1,
                "P384" => ring::kx_group::SECP384R1,
                other => {
                    return Err(TlsError::new(
                        "curve_preferences",
                        format!("invalid curve type: {other:?} (supported: X25519, P256, P384)"),
                    ));
                }
            };
            if all.iter().any(|g| g.name() == group.name()) {
                chosen.push(group);
            }
        }
        p.kx_groups = chosen;
    }
    Ok(Arc::new(p))
}

fn is_tls13_name(name: &str) -> bool {
    matches!(
        name,
        "TLS_AES_128_GCM_SHA256" | "TLS_AES_256_GCM_SHA384" | "TLS_CHACHA20_POLY1305_SHA256"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_range() {
        assert_eq!(versions("", "").map(|v| v.len()), Ok(2));
        assert_eq!(versions("1.3", "").map(|v| v.len()), Ok(1));
        assert_eq!(versions("", "1.2").map(|v| v.len()), Ok(1));
        let e = versions("1.3", "1.2").unwrap_err();
        assert!(e.message.contains("greater"), "{e}");
        let e = versions("1.1", "").unwrap_err();
        assert_eq!(e.key, "min_version");
        assert!(e.message.contains("rustls"), "{e}");
        let e = versions("", "2.0").unwrap_err();
        assert_eq!(e.key, "max_version");
    }

    #[test]
    fn suites_and_curves() {
        let p = provider(
            &["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256".into()],
            &["P256".into()],
        )
        .unwrap();
        assert_eq!(p.cipher_suites.iter().filter(|s| s.tls13().is_none()).count(), 1);
        assert_eq!(p.kx_groups.len(), 1);
        let e = provider(&["TLS_RSA_WITH_RC4_128_SHA".into()], &[]).unwrap_err();
        assert_eq!(e.key, "cipher_suites");
        let e = provider(&[], &["P521".into()]).unwrap_err();
        assert_eq!(e.key, "curve_preferences");
    }
}
