//! # otelcol-extension-bearertokenauth
//!
//! The `bearertokenauth` extension, as the Go collector's
//! `bearertokenauthextension`: a server authenticator that accepts a
//! request whose `Authorization` header (or `header`) is `<scheme> <token>`
//! for one of the configured tokens, and a client authenticator that adds
//! that header (with the first token) to every request an exporter sends.
//! Tokens come from `token`, `tokens` or a file (`filename`) that is read
//! again when it changes, so a rotated token takes effect without a restart.
//!
//! ```yaml
//! extensions:
//!   bearertokenauth:
//!     filename: /var/run/secrets/otel/token
//! receivers:
//!   otlp:
//!     protocols:
//!       grpc:
//!         auth: {authenticator: bearertokenauth}
//! ```

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, SystemTime};

use otelcol_component::auth::{
    AuthError, AuthHeaders, ClientAuthenticator, ServerAuthenticator, header_values,
};
use otelcol_component::redact::Secret;
use otelcol_component::{
    AuthData, Component, ComponentConfig, ComponentError, ConfigError, CreateError, Extension,
    ExtensionFactory, Factory, Host, RequestContext, Settings, StabilityLevel, async_trait,
};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

/// The component type name used in config.
pub const TYPE: &str = "bearertokenauth";

/// Stability, as Go declares it.
pub const STABILITY: StabilityLevel = StabilityLevel::Beta;

/// How often `filename` is checked for a change.
const FILE_CHECK: Duration = Duration::from_secs(1);

/// Config of the `bearertokenauth` extension (Go's keys and defaults).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BearerTokenAuthConfig {
    /// The header holding the credential (Go's default `Authorization`).
    pub header: String,
    /// Prefix of the header value, followed by a space (Go's default `Bearer`; empty: the bare token).
    pub scheme: String,
    /// The token.
    #[serde(rename = "token", skip_serializing_if = "Secret::is_empty")]
    pub bearer_token: Secret,
    /// Several tokens, any of which a server accepts (a client sends the first).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tokens: Vec<Secret>,
    /// A file of tokens, one a line, read again when it changes (takes precedence).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub filename: String,
}

impl Default for BearerTokenAuthConfig {
    fn default() -> Self {
        BearerTokenAuthConfig {
            header: "Authorization".into(),
            scheme: "Bearer".into(),
            bearer_token: Secret::default(),
            tokens: Vec::new(),
            filename: String::new(),
        }
    }
}

impl ComponentConfig for BearerTokenAuthConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        if !self.bearer_token.is_empty() && !self.tokens.is_empty() {
            return Err(ConfigError::new(
                "either tokens or token should be specified, not both",
            ));
        }
        if self.bearer_token.is_empty() && self.tokens.is_empty() && self.filename.is_empty() {
            return Err(ConfigError::new(
                "no bearer token provided: set token, tokens or filename",
            ));
        }
        if self.header.is_empty() {
            return Err(ConfigError::at("header", "must not be empty"));
        }
        Ok(())
    }
}

/// Creates [`BearerTokenAuth`] extensions.
#[derive(Clone, Copy, Debug, Default)]
pub struct BearerTokenAuthFactory;

impl Factory for BearerTokenAuthFactory {
    type Config = BearerTokenAuthConfig;

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn module(&self) -> &'static str {
        concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"))
    }
}

impl ExtensionFactory for BearerTokenAuthFactory {
    fn stability(&self) -> StabilityLevel {
        STABILITY
    }

    fn create(&self, set: &Settings, cfg: &BearerTokenAuthConfig) -> Result<Arc<dyn Extension>, CreateError> {
        Ok(Arc::new(BearerTokenAuth::new(set, cfg)))
    }
}

/// The factory of the `bearertokenauth` extension.
pub fn factory() -> BearerTokenAuthFactory {
    BearerTokenAuthFactory
}

/// The expected header values (`<scheme> <token>`), shared with the file watcher.
#[derive(Default)]
struct Values(RwLock<Vec<Secret>>);

impl Values {
    fn set(&self, scheme: &str, tokens: &[&str]) {
        let values = tokens
            .iter()
            .filter(|t| !t.is_empty())
            .map(|t| {
                Secret::new(if scheme.is_empty() {
                    (*t).to_string()
                } else {
                    format!("{scheme} {t}")
                })
            })
            .collect();
        *self.0.write().unwrap_or_else(PoisonError::into_inner) = values;
    }

    fn get(&self) -> Vec<Secret> {
        self.0.read().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

/// Compares without an early exit on the first different byte.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The authenticator: server and client side.
pub struct BearerTokenAuth {
    id: String,
    header: String,
    scheme: String,
    filename: Option<PathBuf>,
    values: Arc<Values>,
    watcher: Mutex<Option<(CancellationToken, tokio::task::JoinHandle<()>)>>,
}

impl std::fmt::Debug for BearerTokenAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BearerTokenAuth")
            .field("id", &self.id)
            .field("header", &self.header)
            .field("scheme", &self.scheme)
            .field("filename", &self.filename)
            .finish_non_exhaustive()
    }
}

/// Reads the token file: one token a line, blank lines skipped.
fn read_tokens(path: &PathBuf) -> std::io::Result<Vec<String>> {
    Ok(std::fs::read_to_string(path)?
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect())
}

impl BearerTokenAuth {
    /// The authenticator of `cfg` (a token file is read at start).
    pub fn new(set: &Settings, cfg: &BearerTokenAuthConfig) -> Self {
        let values = Arc::new(Values::default());
        let filename = (!cfg.filename.is_empty()).then(|| PathBuf::from(&cfg.filename));
        if filename.is_some() && (!cfg.bearer_token.is_empty() || !cfg.tokens.is_empty()) {
            tracing::warn!(extension = %set.id, "a filename is specified. Configured token(s) is ignored!");
        }
        if filename.is_none() {
            let tokens: Vec<&str> = if cfg.tokens.is_empty() {
                vec![cfg.bearer_token.expose()]
            } else {
                cfg.tokens.iter().map(Secret::expose).collect()
            };
            values.set(&cfg.scheme, &tokens);
        }
        BearerTokenAuth {
            id: set.id.to_string(),
            header: cfg.header.to_ascii_lowercase(),
            scheme: cfg.scheme.clone(),
            filename,
            values,
            watcher: Mutex::new(None),
        }
    }

    fn reload(&self) -> Result<(), String> {
        let Some(path) = &self.filename else {
            return Ok(());
        };
        let tokens =
            read_tokens(path).map_err(|e| format!("reading the token file {}: {e}", path.display()))?;
        let refs: Vec<&str> = tokens.iter().map(String::as_str).collect();
        self.values.set(&self.scheme, &refs);
        Ok(())
    }
}

#[async_trait]
impl Component for BearerTokenAuth {
    async fn start(&self, _host: Arc<dyn Host>) -> Result<(), ComponentError> {
        let Some(path) = self.filename.clone() else {
            return Ok(());
        };
        // As Go: a file that cannot be read is logged, and checked again.
        if let Err(e) = self.reload() {
            tracing::error!(extension = %self.id, error = %e, "cannot read the bearer token file");
        }
        let stop = CancellationToken::new();
        let (token, values, scheme, id) = (
            stop.clone(),
            self.values.clone(),
            self.scheme.clone(),
            self.id.clone(),
        );
        // The file as read now: a change from here on is read again.
        let stamp = |p: &PathBuf| std::fs::metadata(p).and_then(|m| m.modified()).ok();
        let mut last: Option<SystemTime> = stamp(&path);
        let mut last_len = std::fs::metadata(&path).map(|m| m.len()).ok();
        let task = tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = token.cancelled() => return,
                    _ = tokio::time::sleep(FILE_CHECK) => {}
                }
                let (now, len) = (stamp(&path), std::fs::metadata(&path).map(|m| m.len()).ok());
                if now == last && len == last_len {
                    continue;
                }
                (last, last_len) = (now, len);
                match read_tokens(&path) {
                    Ok(tokens) => {
                        let refs: Vec<&str> = tokens.iter().map(String::as_str).collect();
                        values.set(&scheme, &refs);
                        tracing::info!(extension = %id, filename = %path.display(), "refresh token");
                    }
                    Err(e) => {
                        tracing::error!(extension = %id, filename = %path.display(), error = %e, "cannot read the bearer token file")
                    }
                }
            }
        });
        if let Some((old, _)) = self
            .watcher
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .replace((stop, task))
        {
            old.cancel();
        }
        Ok(())
    }

    async fn shutdown(&self) -> Result<(), ComponentError> {
        let running = self.watcher.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some((stop, task)) = running {
            stop.cancel();
            let _ = task.await;
        }
        Ok(())
    }
}

#[async_trait]
impl ServerAuthenticator for BearerTokenAuth {
    async fn authenticate(&self, headers: AuthHeaders<'_>) -> Result<AuthData, AuthError> {
        let Some(given) = header_values(headers, &self.header)
            .next()
            .filter(|v| !v.is_empty())
        else {
            return Err(AuthError::Unauthenticated(format!(
                "missing or empty authorization header: {}",
                self.header
            )));
        };
        if self
            .values
            .get()
            .iter()
            .any(|v| constant_time_eq(v.expose().as_bytes(), given.as_bytes()))
        {
            return Ok(AuthData::default());
        }
        // Go quotes the token here; a credential never goes into a message.
        Err(AuthError::Unauthenticated(
            "scheme or token does not match".into(),
        ))
    }
}

#[async_trait]
impl ClientAuthenticator for BearerTokenAuth {
    async fn headers(&self, _ctx: &RequestContext) -> Result<Vec<(String, String)>, AuthError> {
        match self.values.get().first() {
            Some(v) => Ok(vec![(self.header.clone(), v.expose().to_string())]),
            None => Err(AuthError::Unavailable(format!(
                "no bearer token available{}",
                self.filename
                    .as_ref()
                    .map(|p| format!(" (is {} readable?)", p.display()))
                    .unwrap_or_default()
            ))),
        }
    }
}

#[async_trait]
impl Extension for BearerTokenAuth {
    fn server_authenticator(&self) -> Option<Arc<dyn ServerAuthenticator>> {
        Some(Arc::new(Shared(
            self.values.clone(),
            self.header.clone(),
            self.scheme.clone(),
            self.filename.clone(),
        )))
    }

    fn client_authenticator(&self) -> Option<Arc<dyn ClientAuthenticator>> {
        Some(Arc::new(Shared(
            self.values.clone(),
            self.header.clone(),
            self.scheme.clone(),
            self.filename.clone(),
        )))
    }
}

/// A handle on the extension's live token values, for the components that
/// use it.
struct Shared(Arc<Values>, String, String, Option<PathBuf>);

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BearerTokenAuth")
            .field("header", &self.1)
            .finish_non_exhaustive()
    }
}

impl Shared {
    fn view(&self) -> BearerTokenAuth {
        BearerTokenAuth {
            id: String::new(),
            header: self.1.clone(),
            scheme: self.2.clone(),
            filename: self.3.clone(),
            values: self.0.clone(),
            watcher: Mutex::new(None),
        }
    }
}

#[async_trait]
impl ServerAuthenticator for Shared {
    async fn authenticate(&self, headers: AuthHeaders<'_>) -> Result<AuthData, AuthError> {
        self.view().authenticate(headers).await
    }
}

#[async_trait]
impl ClientAuthenticator for Shared {
    async fn headers(&self, ctx: &RequestContext) -> Result<Vec<(String, String)>, AuthError> {
        self.view().headers(ctx).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use otelcol_component::Kind;
    use otelcol_componenttest::{nop_settings, parse_config};

    fn auth(cfg: &str) -> BearerTokenAuth {
        let c: BearerTokenAuthConfig = parse_config(cfg).unwrap_or_else(|e| panic!("{e}"));
        BearerTokenAuth::new(&nop_settings(TYPE, Kind::Extension), &c)
    }

    fn h(k: &str, v: &str) -> Vec<(String, String)> {
        vec![(k.to_string(), v.to_string())]
    }

    #[tokio::test]
    async fn accepts_any_configured_token_and_refuses_the_rest_without_quoting_it() {
        let a = auth("tokens: [one, two]");
        assert!(a.authenticate(&h("authorization", "Bearer two")).await.is_ok());
        let e = a
            .authenticate(&h("authorization", "Bearer three"))
            .await
            .unwrap_err();
        assert!(!e.to_string().contains("three"), "{e}");
        let e = a.authenticate(&h("x-other", "Bearer one")).await.unwrap_err();
        assert_eq!(
            e.to_string(),
            "missing or empty authorization header: authorization"
        );
        assert!(
            a.authenticate(&h("authorization", "one")).await.is_err(),
            "the scheme is part of it"
        );
        assert_eq!(
            a.headers(&RequestContext::default()).await.unwrap(),
            h("authorization", "Bearer one")
        );
        let custom = auth("token: abc\nscheme: \"\"\nheader: X-Api-Key");
        assert!(custom.authenticate(&h("x-api-key", "abc")).await.is_ok());
        assert!(!format!("{:?}", custom.values.get()).contains("abc"));
    }

    #[test]
    fn config_errors() {
        let e = parse_config::<BearerTokenAuthConfig>("").unwrap_err();
        assert!(e.contains("no bearer token provided"), "{e}");
        let e = parse_config::<BearerTokenAuthConfig>("token: a\ntokens: [b]").unwrap_err();
        assert!(e.contains("not both"), "{e}");
        let c: BearerTokenAuthConfig = parse_config("token: s3cret").unwrap();
        assert!(!format!("{c:?}").contains("s3cret"));
    }

    #[tokio::test]
    async fn a_token_file_is_read_at_start_and_again_when_it_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "first\n").unwrap();
        let a = auth(&format!("filename: {}", path.display()));
        a.start(otelcol_componenttest::NopHost::new()).await.unwrap();
        assert!(a.authenticate(&h("authorization", "Bearer first")).await.is_ok());
        std::fs::write(&path, "second\nthird\n").unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while a.authenticate(&h("authorization", "Bearer third")).await.is_err() {
            assert!(std::time::Instant::now() < deadline, "the new file is read");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(a.authenticate(&h("authorization", "Bearer first")).await.is_err());
        a.shutdown().await.unwrap();
    }
}
