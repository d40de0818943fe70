//! The extension and its token source: client credentials grant, cached
//! token, refresh before expiry.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

use base64::Engine;
use otelcol_component::auth::{AuthError, ClientAuthenticator};
use otelcol_component::redact::{REDACTED, Secret, redact_url};
use otelcol_component::{Component, Extension, RequestContext, async_trait};
use otelcol_configtls::TlsClientConfig;
use otelcol_httpsclient::{HttpsClient, Response, query_escape};
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::config::{Config, GRANT_CLIENT_CREDENTIALS};

/// Response bodies of the token endpoint above this are refused.
pub const MAX_TOKEN_RESPONSE_SIZE: usize = 1 << 20;

/// How the client id and secret are sent (Go's `oauth2.AuthStyle`).
const STYLE_UNKNOWN: u8 = 0;
const STYLE_HEADER: u8 = 1;
const STYLE_PARAMS: u8 = 2;

/// Why a token could not be obtained (the text after Go's
/// `failed to get security token from token endpoint (endpoint "…"); `).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// A credentials file could not be read (Go's wording).
    #[error("{0}")]
    Credentials(String),
    /// The request failed (connection, TLS, timeout, size, redirect).
    #[error("{0}")]
    Transport(String),
    /// The endpoint refused: its error code and description, or status and body.
    #[error("{0}")]
    Refused(String),
    /// The endpoint answered without a usable token.
    #[error("{0}")]
    BadResponse(String),
}

/// A token and when it stops being used.
#[derive(Debug, Clone)]
struct CachedToken {
    header: Secret,
    /// `None`: the endpoint gave no `expires_in`; kept until a refresh is
    /// forced (as Go keeps a token without expiry).
    refresh_at: Option<Instant>,
}

/// The client credentials token source shared by the extension's users.
#[derive(Debug)]
pub struct TokenSource {
    cfg: Config,
    client: HttpsClient,
    token: Mutex<Option<CachedToken>>,
    style: AtomicU8,
}

impl TokenSource {
    /// A source for `cfg`; loads the TLS settings now.
    pub fn new(cfg: Config) -> Result<Self, otelcol_httpsclient::Error> {
        let client = match HttpsClient::new(&cfg.tls) {
            Ok(c) => c,
            // No usable system roots: still fine for a plain http:// endpoint.
            Err(_) if cfg.token_url.starts_with("http://") && cfg.tls == TlsClientConfig::default() => {
                HttpsClient::new(&TlsClientConfig {
                    insecure: true,
                    ..Default::default()
                })?
            }
            Err(e) => return Err(e),
        };
        let client = client
            .with_timeout(Some(cfg.timeout))
            .with_max_response_size(MAX_TOKEN_RESPONSE_SIZE);
        Ok(TokenSource {
            cfg,
            client,
            token: Mutex::new(None),
            style: AtomicU8::new(STYLE_UNKNOWN),
        })
    }

    /// The `authorization` header value (`Bearer <token>`): the cached one
    /// while it is fresh, else a new one from the endpoint. Concurrent
    /// callers wait for one fetch.
    pub async fn authorization(&self) -> Result<Secret, AuthError> {
        let mut slot = self.token.lock().await;
        if let Some(t) = slot.as_ref() {
            if t.refresh_at.is_none_or(|at| Instant::now() < at) {
                return Ok(t.header.clone());
            }
        }
        let fetched = self.fetch().await.map_err(|e| {
            AuthError::Unavailable(format!(
                "failed to get security token from token endpoint (endpoint {:?}); {}",
                redact_url(&self.cfg.token_url),
                e
            ))
        })?;
        let header = fetched.header.clone();
        *slot = Some(fetched);
        Ok(header)
    }

    async fn fetch(&self) -> Result<CachedToken, TokenError> {
        let client_id = credential(&self.cfg.client_id, &self.cfg.client_id_file).map_err(|e| {
            TokenError::Credentials(format!(
                "no ClientID provided in the OAuth2 exporter configuration; {e}"
            ))
        })?;
        let secret_file = &self.cfg.client_secret_file;
        let client_secret = Secret::new(credential(self.cfg.client_secret.expose(), secret_file).map_err(
            |e| {
                TokenError::Credentials(format!(
                    "no ClientSecret provided in OAuth Client Credentials configuration; {e}"
                ))
            },
        )?);
        let scrub = |text: String| scrub(text, &client_secret);
        let started = Instant::now();
        let style = self.style.load(Ordering::Relaxed);
        let first = if style == STYLE_PARAMS {
            STYLE_PARAMS
        } else {
            STYLE_HEADER
        };
        let mut result = self.request(first, &client_id, &client_secret).await;
        if style == STYLE_UNKNOWN && matches!(result, Err(TokenError::Refused(_))) {
            // Go's AuthStyleAutoDetect: the endpoint refused the basic auth
            // header; try the credentials as form fields.
            result = self.request(STYLE_PARAMS, &client_id, &client_secret).await;
            if result.is_ok() {
                self.style.store(STYLE_PARAMS, Ordering::Relaxed);
            }
        } else if result.is_ok() && style == STYLE_UNKNOWN {
            self.style.store(STYLE_HEADER, Ordering::Relaxed);
        }
        let body = result.map_err(|e| match e {
            TokenError::Credentials(m) => TokenError::Credentials(scrub(m)),
            TokenError::Transport(m) => TokenError::Transport(scrub(m)),
            TokenError::Refused(m) => TokenError::Refused(scrub(m)),
            TokenError::BadResponse(m) => TokenError::BadResponse(scrub(m)),
        })?;
        let token = parse_token(&body).map_err(|e| TokenError::BadResponse(scrub(e)))?;
        let refresh_at = token.expires_in.map(|secs| {
            let lifetime = Duration::from_secs(secs);
            started + lifetime.saturating_sub(self.cfg.effective_expiry_buffer())
        });
        Ok(CachedToken {
            header: Secret::new(format!(
                "{} {}",
                token_type(&token.token_type),
                token.access_token
            )),
            refresh_at,
        })
    }

    /// One token request with the credentials sent in `style`.
    async fn request(
        &self,
        style: u8,
        client_id: &str,
        client_secret: &Secret,
    ) -> Result<Response, TokenError> {
        let mut form: Vec<(String, String)> = vec![("grant_type".into(), GRANT_CLIENT_CREDENTIALS.into())];
        if !self.cfg.scopes.is_empty() {
            form.push(("scope".into(), self.cfg.scopes.join(" ")));
        }
        if style == STYLE_PARAMS {
            form.push(("client_id".into(), client_id.to_string()));
            form.push(("client_secret".into(), client_secret.expose().to_string()));
        }
        for (k, values) in &self.cfg.endpoint_params {
            // Go lets endpoint_params override grant_type only.
            form.retain(|(name, _)| !(k == "grant_type" && name == "grant_type"));
            for v in values.values() {
                form.push((k.clone(), v.to_string()));
            }
        }
        // Go's url.Values.Encode sorts by key (stable for repeated keys).
        form.sort_by(|a, b| a.0.cmp(&b.0));
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let basic;
        let mut headers = vec![("accept", "application/json")];
        if style != STYLE_PARAMS {
            let raw = format!(
                "{}:{}",
                query_escape(client_id),
                query_escape(client_secret.expose())
            );
            basic = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(raw));
            headers.push(("authorization", basic.as_str()));
        }
        let response = self
            .client
            .post_form(&self.cfg.token_url, &headers, &pairs)
            .await
            .map_err(|e| TokenError::Transport(format!("oauth2: cannot fetch token: {e}")))?;
        if !response.is_success() {
            return Err(TokenError::Refused(refusal(&response)));
        }
        Ok(response)
    }
}

/// The value from `file` (trimmed, Go's `readCredentialsFile`) or `value`.
fn credential(value: &str, file: &str) -> Result<String, String> {
    if file.is_empty() {
        return Ok(value.to_string());
    }
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("failed to read credentials file {file:?}: {e}"))?;
    let text = text.trim();
    if text.is_empty() {
        return Err(format!("empty credentials file {file:?}"));
    }
    Ok(text.to_string())
}

/// `text` with the secret (as sent: raw and query-escaped) replaced.
fn scrub(text: String, secret: &Secret) -> String {
    let raw = secret.expose();
    if raw.is_empty() {
        return text;
    }
    let escaped = query_escape(raw);
    text.replace(raw, REDACTED).replace(&escaped, REDACTED)
}

/// Go's `RetrieveError` text: the OAuth error code and description when the
/// body has them, else the status and body.
fn refusal(r: &Response) -> String {
    #[derive(Deserialize)]
    struct ErrorBody {
        error: Option<String>,
        error_description: Option<String>,
        error_uri: Option<String>,
    }
    if let Ok(ErrorBody {
        error: Some(code),
        error_description,
        error_uri,
    }) = serde_json::from_slice::<ErrorBody>(&r.body)
    {
        if !code.is_empty() {
            let mut s = format!("oauth2: {code:?}");
            for part in [error_description, error_uri]
                .into_iter()
                .flatten()
                .filter(|p| !p.is_empty())
            {
                s.push_str(&format!(" {part:?}"));
            }
            return s;
        }
    }
    format!(
        "oauth2: cannot fetch token: {}\nResponse: {}",
        r.status_text(),
        r.body_text()
    )
}

/// The fields of a token response this extension uses.
#[derive(Debug)]
struct TokenResponse {
    access_token: String,
    token_type: String,
    expires_in: Option<u64>,
}

/// Parses a token response: JSON, or a form body for
/// `application/x-www-form-urlencoded` and `text/plain` (as Go).
fn parse_token(r: &Response) -> Result<TokenResponse, String> {
    let content_type = r.header("content-type").unwrap_or("").to_ascii_lowercase();
    let media = content_type.split(';').next().unwrap_or("").trim().to_string();
    let (access_token, token_type, expires_in) =
        if media == "application/x-www-form-urlencoded" || media == "text/plain" {
            let text = r.body_text();
            let get = |name: &str| {
                text.split('&')
                    .filter_map(|kv| kv.split_once('='))
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| form_unescape(v))
            };
            let expires = get("expires_in").and_then(|v| v.parse::<u64>().ok());
            (
                get("access_token").unwrap_or_default(),
                get("token_type").unwrap_or_default(),
                expires,
            )
        } else {
            let v: serde_json::Value =
                serde_json::from_slice(&r.body).map_err(|e| format!("oauth2: cannot parse json: {e}"))?;
            let text = |name: &str| v.get(name).and_then(|x| x.as_str()).unwrap_or("").to_string();
            let expires = match v.get("expires_in") {
                Some(serde_json::Value::Number(n)) => {
                    n.as_u64().or_else(|| n.as_f64().map(|f| f.max(0.0) as u64))
                }
                Some(serde_json::Value::String(s)) => s.parse::<u64>().ok(),
                _ => None,
            };
            (text("access_token"), text("token_type"), expires)
        };
    if access_token.is_empty() {
        return Err("oauth2: server response missing access_token".into());
    }
    if access_token.chars().any(|c| c.is_control()) || token_type.chars().any(|c| c.is_control()) {
        return Err("oauth2: server response has a token with control characters".into());
    }
    Ok(TokenResponse {
        access_token,
        token_type,
        // Go: expires_in 0 or absent means no expiry.
        expires_in: expires_in.filter(|s| *s > 0),
    })
}

/// Decodes `%XX` and `+` of a form value.
fn form_unescape(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match u8::from_str_radix(s.get(i + 1..i + 3).unwrap_or(""), 16) {
                Ok(b) => {
                    out.push(b);
                    i += 2;
                }
                Err(_) => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Go's `Token.Type`: the canonical case of the common types, `Bearer` when empty.
fn token_type(t: &str) -> String {
    if t.eq_ignore_ascii_case("bearer") || t.is_empty() {
        "Bearer".into()
    } else if t.eq_ignore_ascii_case("mac") {
        "MAC".into()
    } else if t.eq_ignore_ascii_case("basic") {
        "Basic".into()
    } else {
        t.to_string()
    }
}

/// The `oauth2client` extension: a client authenticator adding
/// `authorization: Bearer <token>`.
#[derive(Debug)]
pub struct OAuth2Client {
    source: Arc<TokenSource>,
}

impl OAuth2Client {
    /// The extension for `cfg` (loads the TLS settings).
    pub fn new(cfg: Config) -> Result<Self, otelcol_httpsclient::Error> {
        Ok(OAuth2Client {
            source: Arc::new(TokenSource::new(cfg)?),
        })
    }
}

#[async_trait]
impl Component for OAuth2Client {}

#[async_trait]
impl Extension for OAuth2Client {
    fn client_authenticator(&self) -> Option<Arc<dyn ClientAuthenticator>> {
        Some(Arc::clone(&self.source) as Arc<dyn ClientAuthenticator>)
    }
}

#[async_trait]
impl ClientAuthenticator for TokenSource {
    async fn headers(&self, _ctx: &RequestContext) -> Result<Vec<(String, String)>, AuthError> {
        let value = self.authorization().await?;
        Ok(vec![("authorization".to_string(), value.expose().to_string())])
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn response(status: u16, content_type: &str, body: &str) -> Response {
        Response {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.to_string().into(),
        }
    }

    #[test]
    fn token_responses() {
        let t = parse_token(&response(
            200,
            "application/json",
            r#"{"access_token":"a","token_type":"bearer","expires_in":"60"}"#,
        ))
        .unwrap();
        assert_eq!((t.access_token.as_str(), t.expires_in), ("a", Some(60)));
        assert_eq!(token_type(&t.token_type), "Bearer");
        let t = parse_token(&response(
            200,
            "text/plain; charset=utf-8",
            "access_token=x%2By+z&token_type=mac&expires_in=0",
        ))
        .unwrap();
        assert_eq!(t.access_token, "x+y z");
        assert_eq!(t.expires_in, None);
        assert_eq!(token_type("mac"), "MAC");
        assert_eq!(token_type("DPoP"), "DPoP");
        assert!(
            parse_token(&response(200, "application/json", "{}"))
                .unwrap_err()
                .contains("missing access_token")
        );
        assert!(parse_token(&response(200, "application/json", "{not json")).is_err());
        assert!(
            parse_token(&response(
                200,
                "application/json",
                r#"{"access_token":"a\r\nx: y"}"#
            ))
            .is_err()
        );
        assert_eq!(form_unescape("%"), "%");
        assert_eq!(form_unescape("a%2"), "a%2");
        assert_eq!(form_unescape("%zz"), "%zz");
    }

    #[test]
    fn refusals_read_like_go() {
        let r = response(
            400,
            "application/json",
            r#"{"error":"invalid_client","error_description":"bad id"}"#,
        );
        assert_eq!(refusal(&r), r#"oauth2: "invalid_client" "bad id""#);
        let r = response(500, "text/plain", "boom");
        assert_eq!(
            refusal(&r),
            "oauth2: cannot fetch token: 500 Internal Server Error\nResponse: boom"
        );
        assert_eq!(
            scrub("x s3 cr+et y s3+cr%2Bet".into(), &Secret::new("s3 cr+et")),
            "x [REDACTED] y [REDACTED]"
        );
    }
}
