//! [`UrlCredentials`]: a URL's userinfo turned into `Authorization: Basic`,
//! as Go's `net/http` client does.

use std::fmt;

use otelcol_component::redact::{REDACTED, authority_end};

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
        let Some(at) = tail.get(..end).and_then(|a| a.rfind('@')) else {
            return plain();
        };
        let userinfo = tail.get(..at).unwrap_or_default();
        let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
        let pair = format!("{}:{}", percent_decode(user), percent_decode(password));
        use base64::Engine as _;
        UrlCredentials {
            url: format!("{head}{}", tail.get(at + 1..).unwrap_or_default()),
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
        assert_eq!(UrlCredentials::split("no-scheme@h").basic_auth, None);
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }
}
