//! Client-side config blocks shared by the gRPC and HTTP exporters, with the
//! Go collector's keys: `tls` (`configtls.ClientConfig`), `headers`
//! (`configopaque.MapList`), `auth`, `middlewares` and `compression`.
//!
//! TLS material and client authenticators are accepted by the parser so that
//! Go configs load, and refused by [`TlsClientConfig::refuse_unsupported`] /
//! [`AuthConfig::refuse_unsupported`] until this build implements them.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use otelcol_component::{ComponentId, ConfigError};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// `tls::tpm`: a trusted platform module holding the client key.
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
    /// Client certificate file. Default: empty.
    pub cert_file: String,
    /// Client certificate, PEM. Default: empty.
    pub cert_pem: String,
    /// Client key file. Default: empty.
    pub key_file: String,
    /// Client key, PEM. Default: empty.
    pub key_pem: String,
    /// Lowest TLS version. Default: empty (1.2).
    pub min_version: String,
    /// Highest TLS version. Default: empty (newest).
    pub max_version: String,
    /// Allowed cipher suites. Default: empty (safe defaults).
    pub cipher_suites: Vec<String>,
    /// Key exchange curves in preference order. Default: empty.
    pub curve_preferences: Vec<String>,
    /// Reload the certificate this often; 0 never. Default: 0.
    #[serde(with = "crate::duration")]
    pub reload_interval: Duration,
    /// TPM-held key. Default: disabled.
    pub tpm: TpmConfig,
    /// Plaintext: no TLS at all. Default: false.
    pub insecure: bool,
    /// TLS without verifying the server certificate. Default: false.
    pub insecure_skip_verify: bool,
    /// Server name for SNI and verification. Default: empty (the endpoint's host).
    pub server_name_override: String,
}

impl TlsClientConfig {
    /// The first key, if any, that asks for TLS material or TLS behaviour
    /// (everything except `insecure`).
    pub fn first_tls_key(&self) -> Option<&'static str> {
        let d = TlsClientConfig::default();
        let checks: [(&'static str, bool); 15] = [
            ("ca_file", self.ca_file != d.ca_file),
            ("ca_pem", self.ca_pem != d.ca_pem),
            ("include_system_ca_certs_pool", self.include_system_ca_certs_pool),
            ("cert_file", self.cert_file != d.cert_file),
            ("cert_pem", self.cert_pem != d.cert_pem),
            ("key_file", self.key_file != d.key_file),
            ("key_pem", self.key_pem != d.key_pem),
            ("min_version", self.min_version != d.min_version),
            ("max_version", self.max_version != d.max_version),
            ("cipher_suites", !self.cipher_suites.is_empty()),
            ("curve_preferences", !self.curve_preferences.is_empty()),
            ("reload_interval", !self.reload_interval.is_zero()),
            ("tpm", self.tpm != d.tpm),
            ("insecure_skip_verify", self.insecure_skip_verify),
            (
                "server_name_override",
                self.server_name_override != d.server_name_override,
            ),
        ];
        checks.into_iter().find(|(_, set)| *set).map(|(k, _)| k)
    }

    /// Refuses every TLS setting other than `insecure`: TLS is not in this build yet.
    pub fn refuse_unsupported(&self) -> Result<(), ConfigError> {
        match self.first_tls_key() {
            Some(k) => Err(ConfigError::at(
                format!("tls::{k}"),
                "TLS is not supported by this build yet (coming soon); only `tls: {insecure: true}` or no `tls` block is accepted",
            )),
            None => Ok(()),
        }
    }
}

/// `auth`: the client authenticator extension that adds credentials.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// Id of the authenticator extension (`bearertokenauth`, `oauth2client/x`).
    pub authenticator: ComponentId,
}

impl AuthConfig {
    /// Refuses client authentication: not in this build yet.
    pub fn refuse_unsupported(auth: &Option<AuthConfig>) -> Result<(), ConfigError> {
        match auth {
            Some(a) => Err(ConfigError::at(
                "auth::authenticator",
                format!(
                    "client authenticators are not supported by this build yet (coming soon); cannot use {:?}",
                    a.authenticator.to_string()
                ),
            )),
            None => Ok(()),
        }
    }
}

/// One entry of `middlewares`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MiddlewareConfig {
    /// Id of the middleware extension.
    pub id: ComponentId,
}

/// `compression`: the Go collector's `configcompression.Type` values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Compression {
    /// `gzip` (the default of both OTLP exporters).
    #[default]
    #[serde(rename = "gzip")]
    Gzip,
    /// `zlib`.
    #[serde(rename = "zlib")]
    Zlib,
    /// `deflate`.
    #[serde(rename = "deflate")]
    Deflate,
    /// `snappy`.
    #[serde(rename = "snappy")]
    Snappy,
    /// `x-snappy-framed`.
    #[serde(rename = "x-snappy-framed")]
    SnappyFramed,
    /// `zstd`.
    #[serde(rename = "zstd")]
    Zstd,
    /// `lz4`.
    #[serde(rename = "lz4")]
    Lz4,
    /// `none`: no compression.
    #[serde(rename = "none")]
    None,
    /// `""`: no compression.
    #[serde(rename = "")]
    Empty,
}

impl Compression {
    /// The config spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Zlib => "zlib",
            Compression::Deflate => "deflate",
            Compression::Snappy => "snappy",
            Compression::SnappyFramed => "x-snappy-framed",
            Compression::Zstd => "zstd",
            Compression::Lz4 => "lz4",
            Compression::None => "none",
            Compression::Empty => "",
        }
    }

    /// True unless `none` or `""`.
    pub fn is_compressed(self) -> bool {
        !matches!(self, Compression::None | Compression::Empty)
    }
}

/// `headers`: extra request headers / gRPC metadata. Accepts a map
/// (`{api-key: x}`) or, as Go's `MapList`, a list of `{name, value}`.
/// Values are secrets: `print-config` redacts them.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Headers(pub BTreeMap<String, String>);

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.keys().map(|k| (k, "[REDACTED]")))
            .finish()
    }
}

impl Headers {
    /// Iterates over `(name, value)` pairs.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.0.iter()
    }

    /// True when no header is set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for Headers {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NameValue {
    name: String,
    value: String,
}

impl<'de> Deserialize<'de> for Headers {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Headers;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of header names to values, or a list of {name, value}")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Headers, E> {
                Ok(Headers::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Headers, A::Error> {
                let mut out = BTreeMap::new();
                while let Some((k, v)) = m.next_entry::<String, String>()? {
                    out.insert(k, v);
                }
                Ok(Headers(out))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Headers, A::Error> {
                let mut out = BTreeMap::new();
                while let Some(nv) = s.next_element::<NameValue>()? {
                    if out.insert(nv.name.clone(), nv.value).is_some() {
                        return Err(de::Error::custom(format!("duplicate header {:?}", nv.name)));
                    }
                }
                Ok(Headers(out))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_accept_map_and_list() {
        let h: Headers = serde_yaml::from_str("api-key: secret\nx-b: 2").unwrap();
        assert_eq!(h.0.get("api-key").map(String::as_str), Some("secret"));
        let l: Headers =
            serde_yaml::from_str("- {name: api-key, value: secret}\n- {name: x-b, value: '2'}").unwrap();
        assert_eq!(h, l);
        assert!(!format!("{h:?}").contains("secret"));
        assert!(serde_yaml::from_str::<Headers>("- {name: a, value: b}\n- {name: a, value: c}").is_err());
    }

    #[test]
    fn tls_refusal_names_the_key() {
        let ok: TlsClientConfig = serde_yaml::from_str("insecure: true").unwrap();
        assert!(ok.refuse_unsupported().is_ok());
        let bad: TlsClientConfig = serde_yaml::from_str("ca_file: /x.pem").unwrap();
        let e = bad.refuse_unsupported().unwrap_err();
        assert_eq!(e.key.as_deref(), Some("tls::ca_file"));
        assert!(e.message.contains("not supported by this build yet"));
        let bad: TlsClientConfig = serde_yaml::from_str("tpm: {enabled: true}").unwrap();
        assert_eq!(bad.first_tls_key(), Some("tpm"));
        assert!(serde_yaml::from_str::<TlsClientConfig>("ca_fil: x").is_err());
    }

    #[test]
    fn compression_spellings() {
        for c in [
            "gzip",
            "zstd",
            "snappy",
            "none",
            "x-snappy-framed",
            "lz4",
            "zlib",
            "deflate",
        ] {
            let v: Compression = serde_yaml::from_str(c).unwrap();
            assert_eq!(v.as_str(), c);
        }
        let e: Compression = serde_yaml::from_str("''").unwrap();
        assert!(!e.is_compressed());
        assert!(serde_yaml::from_str::<Compression>("brotli").is_err());
    }

    #[test]
    fn auth_is_refused() {
        let a: AuthConfig = serde_yaml::from_str("authenticator: bearertokenauth").unwrap();
        let e = AuthConfig::refuse_unsupported(&Some(a)).unwrap_err();
        assert!(e.message.contains("bearertokenauth"));
        assert!(AuthConfig::refuse_unsupported(&None).is_ok());
    }
}
