//! # otelcol-extension-oidc
//!
//! The `oidc` extension (Go contrib's `oidcauthextension`): a server
//! authenticator for receivers that accepts requests carrying
//! `authorization: Bearer <JWT>` signed by a configured OpenID Connect
//! provider.
//!
//! At start, each provider's discovery document
//! (`<issuer_url>/.well-known/openid-configuration`) is fetched (a failure
//! fails the start, as in Go), then its `jwks_uri` (best effort; fetched
//! again at the first token otherwise). A token is checked as Go's
//! `go-oidc` checks it: issuer, audience, expiry, not-before (one minute of
//! leeway), signing algorithm, then the signature with the key named by its
//! `kid` (RS256/384/512, PS256/384/512, ES256/384, EdDSA with Ed25519, all
//! verified by `ring`). A token whose key is unknown triggers one refetch of
//! the key set (rate-limited; see the README).
//!
//! Accepted requests carry [`AuthData`](otelcol_component::AuthData) with
//! `subject`, `membership` (from `groups_claim`), `raw` (the token) and every
//! claim by name, as Go's `authData.GetAttribute`.
#![forbid(unsafe_code)]

mod config;
mod extension;
mod jose;
mod provider;

use std::sync::Arc;

use otelcol_component::{CreateError, Extension, ExtensionFactory, Factory, Settings, StabilityLevel};

pub use config::{Config, DEFAULT_ATTRIBUTE, ProviderConfig};
pub use extension::{ERR_INVALID_HEADER, ERR_NOT_AUTHENTICATED, OidcAuth, OidcAuthenticator};
pub use jose::{MAX_TOKEN_SIZE, SUPPORTED_ALGORITHMS};
pub use provider::{HTTP_TIMEOUT, MAX_DOCUMENT_SIZE, MIN_REFRESH_INTERVAL, NBF_LEEWAY};

/// The component type name used in config.
pub const TYPE: &str = "oidc";

/// Stability, as the Go extension declares it.
pub const STABILITY: StabilityLevel = StabilityLevel::Beta;

/// Creates [`OidcAuth`] extensions.
#[derive(Clone, Copy, Debug, Default)]
pub struct OidcFactory;

impl Factory for OidcFactory {
    type Config = Config;

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn module(&self) -> &'static str {
        concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"))
    }
}

impl ExtensionFactory for OidcFactory {
    fn stability(&self) -> StabilityLevel {
        STABILITY
    }

    fn create(&self, _set: &Settings, cfg: &Config) -> Result<Arc<dyn Extension>, CreateError> {
        Ok(Arc::new(OidcAuth::new(cfg.clone())))
    }
}

/// The factory to register with the runtime.
pub fn factory() -> OidcFactory {
    OidcFactory
}
