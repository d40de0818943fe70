//! # otelcol-extension-basicauth
//!
//! The `basicauth` extension, as the Go collector's contrib
//! `basicauthextension`: HTTP Basic authentication.
//!
//! - **Server side** (`htpasswd: {file, inline}`): receivers with
//!   `auth: {authenticator: basicauth}` accept a request only when its
//!   `Authorization: Basic base64(user:pass)` header matches an htpasswd
//!   entry; the request context then carries the auth attributes
//!   `username` and `raw` (the base64 credentials as sent).
//! - **Client side** (`client_auth: {username, password}`): exporters with
//!   `auth: {authenticator: basicauth}` send `authorization: Basic ...`.
//!
//! Exactly one of the two sides is configured per instance.
//!
//! ```
//! use otelcol_component::{ComponentConfig, Factory};
//! let f = otelcol_extension_basicauth::factory();
//! assert_eq!(f.type_name(), "basicauth");
//! // As in Go, the default config names no credential source.
//! assert!(f.default_config().validate().is_err());
//! ```

mod client;
mod config;
mod extension;
mod factory;
mod htpasswd;
mod server;

pub use client::BasicAuthClient;
pub use config::{ClientAuthSettings, Config, HtpasswdSettings, Password};
pub use extension::BasicAuthExtension;
pub use factory::{BasicAuthFactory, STABILITY, TYPE};
pub use htpasswd::{Htpasswd, HtpasswdError};
pub use server::BasicAuthServer;

/// The factory to register with the runtime.
pub fn factory() -> BasicAuthFactory {
    BasicAuthFactory
}
