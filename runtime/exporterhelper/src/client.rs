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

use otelcol_component::redact::authority_end;
pub use otelcol_component::redact::{REDACTED, redact_endpoint, redact_url};

/// A URL's userinfo taken out of it, as Go's `net/http` client does: the
/// URL without it, and the `Authorization: Basic` value the userinfo stands
/// for (user and password percent-decoded), to send unless the config's
/// `headers` set `Authorization` themselves.
#[derive(Clone, PartialEq, Eq)]
pub struct UrlCredentials {
    /// The URL without its userinfo.
    pub url: String,
    /// `Basic base64(user:password)`, when the URL had a userinfo.
    pub basic_auth: Option<String>,
}

impl fmt::Debug for UrlCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UrlCredentials")
            .field("url", &self.url)
            .field("basic_auth", &self.basic_auth.as_ref().map(|_| REDACTED))
            .finish()
    }
}

impl UrlCredentials {
    /// Splits the userinfo off `url` (`scheme://userinfo@host...`).
    pub fn split(url: &str) -> Self {
        let plain = || UrlCredentials {
            url: url.to_string(),
            basic_auth: None,
        };
        let Some(i) = url.find("://") else {
            return plain();
        };
        let (head, tail) = url.split_at(i + 3);
        let end = authority_end(tail);
        let Some(at) = tail[..end].rfind('@') else {
            return plain();
        };
        let (user, password) = match tail[..at].split_once(':') {
            Some((u, p)) => (u, p),
            None => (&tail[..at], ""),
        };
        let pair = format!("{}:{}", percent_decode(user), percent_decode(password));
        use base64::Engine as _;
        UrlCredentials {
            url: format!("{head}{}", &tail[at + 1..]),
            basic_auth: Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            )),
        }
    }
}

/// Decodes `%XX` escapes; anything malformed is kept as written.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (
            b.get(i),
            b.get(i + 1).copied().and_then(hex),
            b.get(i + 2).copied().and_then(hex),
        ) {
            (Some(b'%'), Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (Some(&c), _, _) => {
                out.push(c);
                i += 1;
            }
            (None, _, _) => break,
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    #[test]
    fn urls_in_messages_are_redacted() {
        assert_eq!(
            redact_url("request to http://u:p%40ss@127.0.0.1:1/v1/traces responded"),
            "request to http://u:[REDACTED]@127.0.0.1:1/v1/traces responded"
        );
        assert_eq!(
            redact_url("a http://x@h and https://y:z@[::1]:2"),
            "a http://x@h and https://y:[REDACTED]@[::1]:2"
        );
        assert!(matches!(redact_url("http://h/a@b"), Cow::Borrowed(_)));
        assert_eq!(
            redact_endpoint("u:p@127.0.0.1:4317"),
            "u:[REDACTED]@127.0.0.1:4317"
        );
        assert_eq!(redact_endpoint("http://u:p@h:4317"), "http://u:[REDACTED]@h:4317");
        assert_eq!(redact_endpoint("127.0.0.1:4317"), "127.0.0.1:4317");
    }

    #[test]
    fn userinfo_becomes_basic_auth() {
        let c = UrlCredentials::split("http://user:p%40ss@127.0.0.1:4318/base/v1/traces");
        assert_eq!(c.url, "http://127.0.0.1:4318/base/v1/traces");
        // base64("user:p@ss")
        assert_eq!(c.basic_auth.as_deref(), Some("Basic dXNlcjpwQHNz"));
        assert!(!format!("{c:?}").contains("dXNl"));
        let c = UrlCredentials::split("https://tok@h/x");
        assert_eq!(
            (c.url.as_str(), c.basic_auth.as_deref()),
            ("https://h/x", Some("Basic dG9rOg=="))
        );
        let c = UrlCredentials::split("http://h:1/a@b");
        assert_eq!((c.url.as_str(), c.basic_auth), ("http://h:1/a@b", None));
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }

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
