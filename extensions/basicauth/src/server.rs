//! The server side: checks `Authorization: Basic ...` against htpasswd.

use std::sync::{Arc, RwLock};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use otelcol_component::auth::AuthError;
use otelcol_component::auth::{AuthHeaders, ServerAuthenticator};
use otelcol_component::{AuthData, async_trait};

use crate::config::HtpasswdSettings;
use crate::htpasswd::Htpasswd;

/// Go's message for a request without credentials.
pub(crate) const ERR_NO_AUTH: &str = "no basic auth provided";
/// Go's message for credentials that match no entry.
pub(crate) const ERR_INVALID_CREDENTIALS: &str = "invalid credentials";
/// Go's message for a scheme other than `Basic`.
pub(crate) const ERR_INVALID_SCHEME_PREFIX: &str = "invalid authorization scheme prefix";
/// Go's message for credentials that are not `base64(user:pass)`.
pub(crate) const ERR_INVALID_FORMAT: &str = "invalid authorization format";

/// The scheme prefix, compared case-insensitively as Go does.
const PREFIX: &str = "Basic ";

/// Checks Basic credentials against the htpasswd table loaded at start.
#[derive(Debug, Default)]
pub struct BasicAuthServer {
    table: RwLock<Option<Arc<Htpasswd>>>,
}

impl BasicAuthServer {
    /// A server authenticator with no table yet (refuses everything until
    /// [`load`](Self::load)).
    pub fn new() -> Self {
        BasicAuthServer::default()
    }

    /// Reads the htpasswd sources (the file, then the inline content, so
    /// that inline entries win) and makes them the table. Errors in Go's
    /// words (`open htpasswd file: ...`, `read htpasswd content: ...`).
    pub fn load(&self, settings: &HtpasswdSettings) -> Result<(), String> {
        let mut table = Htpasswd::new();
        if !settings.file.is_empty() {
            let bytes = std::fs::read(&settings.file).map_err(|e| format!("open htpasswd file: {e}"))?;
            let text = String::from_utf8(bytes)
                .map_err(|_| format!("read htpasswd content: file {} is not UTF-8", settings.file))?;
            table
                .add(&format!("file {}", settings.file), &text)
                .map_err(|e| format!("read htpasswd content: {e}"))?;
        }
        table
            .add("inline", &settings.inline)
            .map_err(|e| format!("read htpasswd content: {e}"))?;
        self.set(Some(Arc::new(table)));
        Ok(())
    }

    /// Forgets the table (after shutdown every request is refused).
    pub fn clear(&self) {
        self.set(None);
    }

    fn set(&self, table: Option<Arc<Htpasswd>>) {
        match self.table.write() {
            Ok(mut t) => *t = table,
            Err(poisoned) => *poisoned.into_inner() = table,
        }
    }

    fn table(&self) -> Option<Arc<Htpasswd>> {
        match self.table.read() {
            Ok(t) => t.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

/// The credentials of an `Authorization` value.
#[derive(PartialEq, Eq)]
struct Credentials {
    username: Vec<u8>,
    password: Vec<u8>,
    /// The base64 text as sent (Go's `raw` attribute).
    raw: String,
}

/// The first `authorization` value (any case), empty when absent (Go's
/// `getAuthHeader`).
fn auth_header(headers: AuthHeaders<'_>) -> &str {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// Go's `parseBasicAuth`: `Basic ` (any case), standard base64, split at
/// the first `:`.
fn parse_basic_auth(auth: &str) -> Result<Credentials, &'static str> {
    let scheme = auth.get(..PREFIX.len()).ok_or(ERR_INVALID_SCHEME_PREFIX)?;
    if !scheme.eq_ignore_ascii_case(PREFIX) {
        return Err(ERR_INVALID_SCHEME_PREFIX);
    }
    let encoded = &auth[PREFIX.len()..];
    let decoded = STANDARD.decode(encoded).map_err(|_| ERR_INVALID_FORMAT)?;
    let colon = decoded
        .iter()
        .position(|&b| b == b':')
        .ok_or(ERR_INVALID_FORMAT)?;
    Ok(Credentials {
        username: decoded[..colon].to_vec(),
        password: decoded[colon + 1..].to_vec(),
        raw: encoded.to_string(),
    })
}

#[async_trait]
impl ServerAuthenticator for BasicAuthServer {
    async fn authenticate(&self, headers: AuthHeaders<'_>) -> Result<AuthData, AuthError> {
        let auth = auth_header(headers);
        if auth.is_empty() {
            return Err(AuthError::Unauthenticated(ERR_NO_AUTH.into()));
        }
        let creds = parse_basic_auth(auth).map_err(|m| AuthError::Unauthenticated(m.into()))?;
        let Some(table) = self.table() else {
            return Err(AuthError::Unavailable(
                "the basicauth extension is not started".into(),
            ));
        };
        let ok = if table.is_slow(&creds.username) {
            // bcrypt and the crypt formats cost milliseconds of CPU (more
            // with a large SHA-crypt `rounds=`): not on an async worker.
            let (t, u, p) = (table.clone(), creds.username.clone(), creds.password.clone());
            tokio::task::spawn_blocking(move || t.matches(&u, &p))
                .await
                .unwrap_or(false)
        } else {
            table.matches(&creds.username, &creds.password)
        };
        if !ok {
            return Err(AuthError::Unauthenticated(ERR_INVALID_CREDENTIALS.into()));
        }
        // A user in the table has a UTF-8 name.
        let username = String::from_utf8(creds.username)
            .map_err(|_| AuthError::Unauthenticated(ERR_INVALID_CREDENTIALS.into()))?;
        Ok(AuthData::default()
            .with("username", vec![username])
            .with("raw", vec![creds.raw]))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn server(inline: &str) -> BasicAuthServer {
        let s = BasicAuthServer::new();
        s.load(&HtpasswdSettings {
            file: String::new(),
            inline: inline.into(),
        })
        .unwrap();
        s
    }

    fn h(v: &str) -> Vec<(String, String)> {
        vec![("authorization".to_string(), v.to_string())]
    }

    fn basic(user_pass: &str) -> String {
        format!("Basic {}", STANDARD.encode(user_pass))
    }

    async fn err(s: &BasicAuthServer, headers: &[(String, String)]) -> String {
        match s.authenticate(headers).await.unwrap_err() {
            AuthError::Unauthenticated(m) => m,
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn valid_credentials_give_username_and_raw() {
        let s = server("alice:pw");
        let v = basic("alice:pw");
        let data = s.authenticate(&h(&v)).await.unwrap();
        assert_eq!(data.attribute("username"), ["alice"]);
        assert_eq!(data.attribute("raw"), [v.trim_start_matches("Basic ")]);
        assert_eq!(data.names().collect::<Vec<_>>(), ["raw", "username"]);
        // The scheme is case-insensitive.
        let lower = v.replacen("Basic", "bAsIc", 1);
        assert!(s.authenticate(&h(&lower)).await.is_ok());
    }

    #[tokio::test]
    async fn refusals_use_go_messages() {
        let s = server("alice:pw");
        assert_eq!(err(&s, &[]).await, "no basic auth provided");
        assert_eq!(err(&s, &h("")).await, "no basic auth provided");
        assert_eq!(
            err(&s, &h("Bearer abc")).await,
            "invalid authorization scheme prefix"
        );
        assert_eq!(err(&s, &h("Basic")).await, "invalid authorization scheme prefix");
        assert_eq!(
            err(&s, &h("Basic !!!notbase64")).await,
            "invalid authorization format"
        );
        assert_eq!(
            err(&s, &h(&basic("nocolon"))).await,
            "invalid authorization format"
        );
        assert_eq!(err(&s, &h(&basic("alice:wrong"))).await, "invalid credentials");
        assert_eq!(err(&s, &h(&basic("bob:pw"))).await, "invalid credentials");
        assert_eq!(err(&s, &h(&basic("alice:"))).await, "invalid credentials");
    }

    #[tokio::test]
    async fn hostile_headers_are_refused_cleanly() {
        let s = server("alice:pw");
        // Multi-byte characters where the scheme would be.
        assert_eq!(err(&s, &h("Bä")).await, "invalid authorization scheme prefix");
        assert_eq!(
            err(&s, &h("Basi€ abc")).await,
            "invalid authorization scheme prefix"
        );
        let huge = format!("Basic {}", "A".repeat(1 << 20));
        assert_eq!(err(&s, &h(&huge)).await, "invalid authorization format");
        let huge = basic(&format!("alice:{}", "x".repeat(1 << 20)));
        assert_eq!(err(&s, &h(&huge)).await, "invalid credentials");
        let binary = format!("Basic {}", STANDARD.encode([0xffu8, b':', 0xfe]));
        assert_eq!(err(&s, &h(&binary)).await, "invalid credentials");
    }

    #[tokio::test]
    async fn only_the_first_authorization_value_counts() {
        let s = server("alice:pw");
        let headers = vec![
            ("authorization".to_string(), basic("alice:wrong")),
            ("authorization".to_string(), basic("alice:pw")),
        ];
        assert_eq!(err(&s, &headers).await, "invalid credentials");
        let headers = vec![("Authorization".to_string(), basic("alice:pw"))];
        assert!(s.authenticate(&headers).await.is_ok());
    }

    #[tokio::test]
    async fn nothing_is_accepted_before_load_or_after_clear() {
        let s = BasicAuthServer::new();
        assert!(matches!(
            s.authenticate(&h(&basic("a:b"))).await,
            Err(AuthError::Unavailable(_))
        ));
        let s = server("a:b");
        s.clear();
        assert!(s.authenticate(&h(&basic("a:b"))).await.is_err());
    }
}
