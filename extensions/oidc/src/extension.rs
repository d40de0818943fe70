//! The extension and its server authenticator (Go's `oidcExtension`).

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use otelcol_component::auth::{AuthError, AuthHeaders, ServerAuthenticator, header_values};
use otelcol_component::{AuthData, Component, ComponentError, Extension, Host, async_trait};
use serde_json::{Map, Value};

use crate::config::{Config, ProviderConfig};
use crate::jose::{ParseError, parse};
use crate::provider::{MIN_REFRESH_INTERVAL, Provider, StandardClaims, VerifyError};

/// Go's `errNotAuthenticated`: no (or an empty) header.
pub const ERR_NOT_AUTHENTICATED: &str = "authentication didn't succeed";
/// Go's `errInvalidAuthenticationHeaderFormat`.
pub const ERR_INVALID_HEADER: &str = "invalid authorization header format";
const ERR_CLAIM_NOT_FOUND: &str =
    "username claim from the OIDC configuration not found on the token returned by the OIDC provider";
const ERR_USERNAME_NOT_STRING: &str = "the username returned by the OIDC provider isn't a regular string";
const ERR_GROUPS_NOT_FOUND: &str =
    "groups claim from the OIDC configuration not found on the token returned by the OIDC provider";

/// Checks `<attribute>: Bearer <JWT>` headers against the configured
/// providers. Before `start` (and after a failed one) it knows no provider
/// and refuses everything.
#[derive(Debug)]
pub struct OidcAuthenticator {
    header: String,
    providers: RwLock<Arc<Vec<Arc<Provider>>>>,
}

impl OidcAuthenticator {
    fn providers(&self) -> Arc<Vec<Arc<Provider>>> {
        match self.providers.read() {
            Ok(g) => Arc::clone(&g),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    fn set_providers(&self, providers: Vec<Arc<Provider>>) {
        let mut g = match self.providers.write() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        *g = Arc::new(providers);
    }

    /// Go's `resolveProvider`: the only provider, or the one of the issuer.
    fn resolve(&self, issuer: &str) -> Result<Arc<Provider>, String> {
        let providers = self.providers();
        if providers.len() == 1 {
            return Ok(Arc::clone(&providers[0]));
        }
        providers
            .iter()
            .find(|p| p.cfg.issuer_url == issuer)
            .cloned()
            .ok_or_else(|| format!("no OIDC provider configured for the issuer {issuer:?}"))
    }

    async fn check(&self, headers: AuthHeaders<'_>) -> Result<AuthData, AuthError> {
        let refused = |m: String| AuthError::Unauthenticated(m);
        // Only the first value is used, as Go does.
        let Some(value) = header_values(headers, &self.header).next() else {
            return Err(refused(ERR_NOT_AUTHENTICATED.into()));
        };
        let mut parts = value.split(' ');
        let (Some(scheme), Some(raw), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(refused(ERR_INVALID_HEADER.into()));
        };
        if !scheme.eq_ignore_ascii_case("bearer") {
            // Stricter than Go, which ignores the scheme.
            return Err(refused(ERR_INVALID_HEADER.into()));
        }
        let jws = parse(raw).map_err(|e| {
            refused(match e {
                ParseError::Malformed(m) => format!("failed to parse the token: oidc: malformed jws: {m}"),
                ParseError::Claims(m) => format!("failed to parse the token: {m}"),
            })
        })?;
        let issuer = match jws.claims.get("iss") {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(_) => {
                return Err(refused(
                    "failed to parse the token: oidc: failed to unmarshal claims: claim \"iss\" is not a string".into(),
                ));
            }
        };
        let provider = self.resolve(&issuer).map_err(|e| {
            refused(format!(
                "failed to resolve OIDC provider for the issuer {issuer:?}: {e}"
            ))
        })?;
        provider.verify(&jws).await.map_err(|e| match e {
            VerifyError::Invalid(m) => refused(format!("failed to verify token: {m}")),
            VerifyError::Unavailable(m) => AuthError::Unavailable(format!("failed to verify token: {m}")),
        })?;
        // Verified: the standard claims parse.
        let standard = StandardClaims::read(&jws.claims).map_err(refused)?;
        let subject = subject(&jws.claims, &provider.cfg, standard.subject)
            .map_err(|e| refused(format!("failed to get subject from claims in the token: {e}")))?;
        let membership = groups(&jws.claims, &provider.cfg)
            .map_err(|e| refused(format!("failed to get groups from claims in the token: {e}")))?;
        Ok(auth_data(&jws.claims, subject, membership, raw))
    }
}

#[async_trait]
impl ServerAuthenticator for OidcAuthenticator {
    async fn authenticate(&self, headers: AuthHeaders<'_>) -> Result<AuthData, AuthError> {
        let result = self.check(headers).await;
        if let Err(e) = &result {
            tracing::warn!(error = %e, "Authentication failed");
        }
        result
    }
}

/// Go's `getSubjectFromClaims`.
fn subject(claims: &Map<String, Value>, cfg: &ProviderConfig, sub: String) -> Result<String, &'static str> {
    if cfg.username_claim.is_empty() {
        return Ok(sub);
    }
    match claims.get(&cfg.username_claim) {
        None => Err(ERR_CLAIM_NOT_FOUND),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(ERR_USERNAME_NOT_STRING),
    }
}

/// Go's `getGroupsFromClaims`: a string, or every element of a list
/// (non-strings printed); other types give no groups.
fn groups(claims: &Map<String, Value>, cfg: &ProviderConfig) -> Result<Vec<String>, &'static str> {
    if cfg.groups_claim.is_empty() {
        return Ok(Vec::new());
    }
    match claims.get(&cfg.groups_claim) {
        None => Err(ERR_GROUPS_NOT_FOUND),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Array(items)) => Ok(items.iter().map(value_text).collect()),
        Some(_) => Ok(Vec::new()),
    }
}

/// A claim value as text: strings as they are, anything else as JSON.
fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `subject`, `membership`, `raw`, then every other claim by name (Go's
/// `authData.GetAttribute` falls back to the claims).
fn auth_data(claims: &Map<String, Value>, subject: String, membership: Vec<String>, raw: &str) -> AuthData {
    let mut attributes: BTreeMap<String, Vec<String>> = claims
        .iter()
        .map(|(k, v)| {
            let values = match v {
                Value::Null => Vec::new(),
                Value::Array(items) => items.iter().map(value_text).collect(),
                other => vec![value_text(other)],
            };
            (k.clone(), values)
        })
        .collect();
    attributes.insert("subject".into(), vec![subject]);
    attributes.insert("membership".into(), membership);
    attributes.insert("raw".into(), vec![raw.to_string()]);
    AuthData::new(attributes)
}

/// The `oidc` extension.
#[derive(Debug)]
pub struct OidcAuth {
    cfg: Config,
    authenticator: Arc<OidcAuthenticator>,
    min_refresh_interval: Duration,
}

impl OidcAuth {
    /// The extension for `cfg`; providers are set up by `start`.
    pub fn new(cfg: Config) -> Self {
        OidcAuth {
            authenticator: Arc::new(OidcAuthenticator {
                header: cfg.header_name(),
                providers: RwLock::new(Arc::new(Vec::new())),
            }),
            cfg,
            min_refresh_interval: MIN_REFRESH_INTERVAL,
        }
    }
}

#[async_trait]
impl Component for OidcAuth {
    async fn start(&self, _host: Arc<dyn Host>) -> Result<(), ComponentError> {
        let mut providers = Vec::new();
        let mut errors = Vec::new();
        for p in self.cfg.provider_configs() {
            match Provider::start(p, self.min_refresh_interval).await {
                Ok(p) => providers.push(Arc::new(p)),
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            return Err(ComponentError::new(format!(
                "failed to get configuration from at least one configured auth server: {}",
                errors.join("; ")
            )));
        }
        self.authenticator.set_providers(providers);
        Ok(())
    }

    async fn shutdown(&self) -> Result<(), ComponentError> {
        Ok(())
    }
}

#[async_trait]
impl Extension for OidcAuth {
    fn server_authenticator(&self) -> Option<Arc<dyn ServerAuthenticator>> {
        Some(Arc::clone(&self.authenticator) as Arc<dyn ServerAuthenticator>)
    }
}
