//! Authentication (Go's `extension/extensionauth`): an extension can check
//! the credentials of the requests a server receives ([`ServerAuthenticator`],
//! used by receivers and HTTP endpoints with `auth: {authenticator: <id>}`)
//! or add credentials to the requests an exporter sends
//! ([`ClientAuthenticator`], `auth` on the exporters' client settings).
//!
//! A component finds the extension through [`Host::extension`](crate::Host::extension)
//! by the id its config names, then asks it for
//! [`Extension::server_authenticator`](crate::Extension::server_authenticator) or
//! [`Extension::client_authenticator`](crate::Extension::client_authenticator).

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;

use crate::{AuthData, ComponentId, Host, RequestContext};

/// Why a request was not authenticated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The credentials are missing or wrong: 401 / `UNAUTHENTICATED`. The
    /// message is for the server's log and the answer; it never holds the
    /// credential.
    #[error("{0}")]
    Unauthenticated(String),
    /// The authenticator could not decide (its identity provider is
    /// unreachable): also refused, as Go does.
    #[error("{0}")]
    Unavailable(String),
}

/// The headers of a request as an authenticator sees them: lower-case
/// names, every value (HTTP headers or gRPC metadata), plus, for HTTP
/// servers with `auth::request_params`, those query parameters.
pub type AuthHeaders<'a> = &'a [(String, String)];

/// Checks the credentials of received requests (Go `extensionauth.Server`).
#[async_trait]
pub trait ServerAuthenticator: Send + Sync + fmt::Debug {
    /// Authenticates a request by its headers; the returned data travels in
    /// the request context (`auth.*`).
    async fn authenticate(&self, headers: AuthHeaders<'_>) -> Result<AuthData, AuthError>;
}

/// Adds credentials to sent requests (Go `extensionauth.HTTPClient` /
/// `GRPCClient`): the headers (gRPC metadata) to add to one request.
#[async_trait]
pub trait ClientAuthenticator: Send + Sync + fmt::Debug {
    /// The headers for a request carrying data from `ctx` (lower-case names).
    async fn headers(&self, ctx: &RequestContext) -> Result<Vec<(String, String)>, AuthError>;
}

/// Why an `auth::authenticator` could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResolveAuthError {
    /// No extension with that id is enabled (Go's wording).
    #[error("failed to resolve authenticator {0:?}: authenticator not found")]
    NotFound(String),
    /// The extension does not authenticate that side.
    #[error("requested authenticator is not a {side} authenticator: {id:?}")]
    WrongKind {
        /// `server` or `client`.
        side: &'static str,
        /// The extension id.
        id: String,
    },
}

/// The server authenticator the extension `id` provides.
pub fn server_authenticator(
    host: &Arc<dyn Host>,
    id: &ComponentId,
) -> Result<Arc<dyn ServerAuthenticator>, ResolveAuthError> {
    let ext = host
        .extension(id)
        .ok_or_else(|| ResolveAuthError::NotFound(id.to_string()))?;
    ext.server_authenticator()
        .ok_or_else(|| ResolveAuthError::WrongKind {
            side: "server",
            id: id.to_string(),
        })
}

/// The client authenticator the extension `id` provides.
pub fn client_authenticator(
    host: &Arc<dyn Host>,
    id: &ComponentId,
) -> Result<Arc<dyn ClientAuthenticator>, ResolveAuthError> {
    let ext = host
        .extension(id)
        .ok_or_else(|| ResolveAuthError::NotFound(id.to_string()))?;
    ext.client_authenticator()
        .ok_or_else(|| ResolveAuthError::WrongKind {
            side: "client",
            id: id.to_string(),
        })
}

/// The values of header `name` (lower-case) in `headers`.
pub fn header_values<'a>(headers: AuthHeaders<'a>, name: &str) -> impl Iterator<Item = &'a str> + 'a {
    let name = name.to_ascii_lowercase();
    headers
        .iter()
        .filter(move |(k, _)| *k == name)
        .map(|(_, v)| v.as_str())
}

/// The client authenticator an exporter's `auth` names, found when the
/// exporter starts; [`ClientAuthSlot::headers`] gives the headers for one
/// request (none without `auth`).
#[derive(Default)]
pub struct ClientAuthSlot {
    id: Option<ComponentId>,
    authenticator: std::sync::OnceLock<Arc<dyn ClientAuthenticator>>,
}

impl fmt::Debug for ClientAuthSlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientAuthSlot")
            .field("id", &self.id)
            .field("resolved", &self.authenticator.get().is_some())
            .finish()
    }
}

impl ClientAuthSlot {
    /// A slot for the authenticator `id` (`None`: no `auth`).
    pub fn new(id: Option<ComponentId>) -> Self {
        ClientAuthSlot {
            id,
            authenticator: std::sync::OnceLock::new(),
        }
    }

    /// Finds the authenticator among the host's extensions (at start).
    pub fn resolve(&self, host: &Arc<dyn Host>) -> Result<(), ResolveAuthError> {
        if let Some(id) = &self.id {
            let a = client_authenticator(host, id)?;
            let _ = self.authenticator.set(a);
        }
        Ok(())
    }

    /// Uses `authenticator`, already found (a component that creates
    /// clients after its start resolves once and hands it to each).
    /// A slot resolved before keeps its authenticator.
    pub fn set(&self, authenticator: Arc<dyn ClientAuthenticator>) {
        let _ = self.authenticator.set(authenticator);
    }

    /// The headers to add to a request carrying data from `ctx`. A client
    /// that cannot get credentials (its token endpoint is down) is a
    /// retryable failure; refused credentials are permanent.
    pub async fn headers(&self, ctx: &RequestContext) -> Result<Vec<(String, String)>, crate::ConsumeError> {
        let Some(a) = self.authenticator.get() else {
            if let Some(id) = &self.id {
                return Err(crate::ConsumeError::retryable(format!(
                    "authenticator {id:?} is not resolved: the exporter has not started"
                )));
            }
            return Ok(Vec::new());
        };
        a.headers(ctx).await.map_err(|e| match e {
            AuthError::Unauthenticated(m) => {
                crate::ConsumeError::permanent(format!("client authentication: {m}"))
            }
            AuthError::Unavailable(m) => {
                crate::ConsumeError::retryable(format!("client authentication: {m}"))
            }
        })
    }
}
