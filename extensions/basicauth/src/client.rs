//! The client side: `authorization: Basic base64(username:password)`.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use otelcol_component::auth::{AuthError, ClientAuthenticator};
use otelcol_component::redact::REDACTED;
use otelcol_component::{RequestContext, async_trait};

use crate::config::ClientAuthSettings;
use crate::server::ERR_INVALID_FORMAT;

/// Adds the configured Basic credentials to every request. `Debug` shows
/// the user name only.
#[derive(Clone)]
pub struct BasicAuthClient {
    username: String,
    /// `Basic <base64>`; `None` when the user name contains `:` (Go refuses
    /// such a client with "invalid authorization format").
    header: Option<String>,
}

impl fmt::Debug for BasicAuthClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BasicAuthClient")
            .field("username", &self.username)
            .field("authorization", &REDACTED)
            .finish()
    }
}

impl BasicAuthClient {
    /// A client sending these credentials.
    pub fn new(settings: &ClientAuthSettings) -> Self {
        let header = (!settings.username.contains(':')).then(|| {
            let creds = format!("{}:{}", settings.username, settings.password.expose());
            format!("Basic {}", STANDARD.encode(creds))
        });
        BasicAuthClient {
            username: settings.username.clone(),
            header,
        }
    }
}

#[async_trait]
impl ClientAuthenticator for BasicAuthClient {
    async fn headers(&self, _ctx: &RequestContext) -> Result<Vec<(String, String)>, AuthError> {
        match &self.header {
            Some(h) => Ok(vec![("authorization".to_string(), h.clone())]),
            None => Err(AuthError::Unauthenticated(ERR_INVALID_FORMAT.into())),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::config::Password;

    fn settings(user: &str, pw: &str) -> ClientAuthSettings {
        ClientAuthSettings {
            username: user.into(),
            password: Password::new(pw),
        }
    }

    #[tokio::test]
    async fn sends_basic_credentials() {
        let c = BasicAuthClient::new(&settings("alice", "p:w"));
        let h = c.headers(&RequestContext::default()).await.unwrap();
        assert_eq!(
            h,
            [("authorization".to_string(), "Basic YWxpY2U6cDp3".to_string())]
        );
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("YWxpY2U6cDp3") && !dbg.contains("p:w"), "{dbg}");
    }

    #[tokio::test]
    async fn a_user_name_with_a_colon_is_refused() {
        let c = BasicAuthClient::new(&settings("a:b", "pw"));
        let err = c.headers(&RequestContext::default()).await.unwrap_err();
        assert_eq!(err.to_string(), "invalid authorization format");
    }
}
