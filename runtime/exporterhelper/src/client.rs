//! Client-side config blocks shared by the gRPC and HTTP exporters, with the
//! Go collector's keys: `tls` (`configtls.ClientConfig`), `headers`
//! (`configopaque.MapList`), `auth`, `middlewares` and `compression`.
//!
//! TLS is implemented in `otelcol-configtls` (re-exported here). Client
//! authenticators are accepted by the parser so that Go configs load, and
//! refused by [`AuthConfig::refuse_unsupported`] until this build implements them.

use std::collections::BTreeMap;
use std::fmt;

use otelcol_component::{ComponentId, ConfigError};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// `tls`: moved to `otelcol-configtls`; re-exported here so existing paths keep working.
pub use otelcol_configtls::{TlsClientConfig, TpmConfig};

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
