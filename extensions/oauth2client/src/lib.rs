//! # otelcol-extension-oauth2client
//!
//! The `oauth2client` extension (Go contrib's `oauth2clientauthextension`):
//! a client authenticator for exporters that obtains an access token from
//! an OAuth2 token endpoint with the client credentials grant (RFC 6749
//! §4.4), caches it, refreshes it `expiry_buffer` before it expires, and
//! adds `authorization: <type> <token>` to every request.
//!
//! The client id and secret are sent as Go's `golang.org/x/oauth2` sends
//! them in its auto-detect mode: an HTTP basic `authorization` header
//! first; if the endpoint refuses that, as `client_id`/`client_secret` form
//! fields, and the style that worked is kept. The secret is a
//! [`Secret`](otelcol_component::redact::Secret): it never appears in
//! `Debug` output, logs or error messages (an endpoint that echoes it has it
//! replaced by `[REDACTED]`).
#![forbid(unsafe_code)]

mod config;
mod extension;

use std::sync::Arc;

use otelcol_component::{CreateError, Extension, ExtensionFactory, Factory, Settings, StabilityLevel};

pub use config::{
    Config, DEFAULT_EXPIRY_BUFFER, DEFAULT_EXPIRY_DELTA, GRANT_CLIENT_CREDENTIALS, GRANT_JWT_BEARER,
    ParamValues,
};
pub use extension::{MAX_TOKEN_RESPONSE_SIZE, OAuth2Client, TokenError, TokenSource};

/// The component type name used in config.
pub const TYPE: &str = "oauth2client";

/// Stability, as the Go extension declares it.
pub const STABILITY: StabilityLevel = StabilityLevel::Beta;

/// Creates [`OAuth2Client`] extensions.
#[derive(Clone, Copy, Debug, Default)]
pub struct OAuth2ClientFactory;

impl Factory for OAuth2ClientFactory {
    type Config = Config;

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn module(&self) -> &'static str {
        concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"))
    }
}

impl ExtensionFactory for OAuth2ClientFactory {
    fn stability(&self) -> StabilityLevel {
        STABILITY
    }

    fn create(&self, _set: &Settings, cfg: &Config) -> Result<Arc<dyn Extension>, CreateError> {
        let ext = OAuth2Client::new(cfg.clone()).map_err(|e| CreateError::Other(e.to_string()))?;
        Ok(Arc::new(ext))
    }
}

/// The factory to register with the runtime.
pub fn factory() -> OAuth2ClientFactory {
    OAuth2ClientFactory
}
