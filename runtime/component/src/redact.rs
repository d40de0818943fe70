//! Keeping secrets out of what the collector prints: the password of a URL
//! (`scheme://user:password@host`) in a log line, an error message or a
//! config value becomes [`REDACTED`]. The user name is kept, as Go's
//! `url.Redacted` keeps it. One implementation for the service (log lines,
//! `print-config`), the exporters (their errors) and zpages.

use std::borrow::Cow;

/// Key parts that name a credential (matched as substrings of a lower-cased
/// key): a value under such a key is a secret wherever it appears.
pub const CREDENTIAL_HINTS: [&str; 9] = [
    "password",
    "secret",
    "token",
    "api_key",
    "apikey",
    "authorization",
    "bearer",
    "credential",
    "private_key",
];

/// True when `key` (any case) contains one of [`CREDENTIAL_HINTS`].
pub fn names_a_credential(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    CREDENTIAL_HINTS.iter().any(|h| k.contains(h))
}

/// What secrets are replaced with in messages (Go's `configopaque` mask).
pub const REDACTED: &str = "[REDACTED]";

/// `text` with the password of every `scheme://user:password@` in it
/// replaced by [`REDACTED`] (the user name is kept, as Go's `url.Redacted`
/// keeps it), for log lines and error messages that quote a URL. Borrows
/// when there is nothing to redact. The service applies it to every log
/// line it writes.
///
/// ```
/// use otelcol_component::redact::redact_url;
/// assert_eq!(redact_url("POST http://me:pw@h:4318/v1/logs: refused"), "POST http://me:[REDACTED]@h:4318/v1/logs: refused");
/// ```
pub fn redact_url(text: &str) -> Cow<'_, str> {
    if !text.contains("://") || !text.contains('@') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut changed = false;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let end = authority_end(tail);
        let (authority, after) = tail.split_at(end);
        changed |= push_redacted_authority(&mut out, authority);
        rest = after;
    }
    out.push_str(rest);
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(text)
    }
}

/// An endpoint as written in a config (`http://u:p@host:port/path` or a
/// bare `u:p@host:port`), with its password replaced by [`REDACTED`].
pub fn redact_endpoint(endpoint: &str) -> Cow<'_, str> {
    if endpoint.contains("://") {
        return redact_url(endpoint);
    }
    let end = authority_end(endpoint);
    let (authority, after) = endpoint.split_at(end);
    let mut out = String::with_capacity(endpoint.len());
    if push_redacted_authority(&mut out, authority) {
        out.push_str(after);
        Cow::Owned(out)
    } else {
        Cow::Borrowed(endpoint)
    }
}

/// Where the authority that starts `s` ends: at the path, query, fragment,
/// or anything that cannot be part of a URL quoted in a message.
///
/// Used to split a URL's userinfo off as well as to redact it.
pub fn authority_end(s: &str) -> usize {
    s.find(|c: char| "/?#\"'<>`\\{}|[]".contains(c) || c.is_whitespace() || c.is_control())
        .unwrap_or(s.len())
}

/// Writes `authority` with the password of its userinfo redacted; true if
/// there was one.
fn push_redacted_authority(out: &mut String, authority: &str) -> bool {
    let Some(at) = authority.rfind('@') else {
        out.push_str(authority);
        return false;
    };
    let userinfo = &authority[..at];
    let Some(colon) = userinfo.find(':') else {
        out.push_str(authority);
        return false;
    };
    out.push_str(&userinfo[..=colon]);
    out.push_str(REDACTED);
    out.push_str(&authority[at..]);
    true
}

/// A config string that is a secret (Go's `configopaque.String`): read from
/// config as a plain string, shown as [`REDACTED`] by `Debug` and `Display`
/// so it cannot leak into a log line or an error by formatting.
/// [`Secret::expose`] gives the value to the code that needs it.
#[derive(Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value itself.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the value is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(REDACTED)
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(REDACTED)
    }
}

#[cfg(test)]
mod secret_tests {
    use super::*;

    #[test]
    fn a_secret_never_formats_its_value() {
        let s = Secret::new("hunter2");
        assert_eq!(s.expose(), "hunter2");
        assert_eq!(format!("{s:?} {s}"), format!("{REDACTED} {REDACTED}"));
        assert!(!format!("{:?}", Some(s.clone())).contains("hunter2"));
    }
}
